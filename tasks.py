"""Broadsheet's command line: import articles, build, preview.

Run as `python tasks.py COMMAND` or, once installed, `broadsheet COMMAND`. Every
command is a thin layer over `broadsheet.*` (imports) or Pelican (builds); errors
come back as one line naming the input, and a non-zero exit when anything failed.
"""

from __future__ import annotations

import functools
import http.server
import json
import logging
import os
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import click

from broadsheet.errors import BroadsheetError, BuildError
from broadsheet.fetch import DEFAULT_TIMEOUT_SECONDS
from broadsheet.markdown import parse_article
from broadsheet.pipeline import ImportOptions, count_statuses, import_all, reclean_all
from broadsheet.sources import InputOptions, load_outlets
from broadsheet.store import write_atomic
from broadsheet.tagging import (
    AutotagSettings,
    TaggableArticle,
    autotag_enabled,
    count_tags,
    markdown_renderer,
    split_tags,
    suggest_tags,
    tag_articles,
)
from broadsheet.vocabulary import (
    VOCABULARY_HEADER,
    append_entries,
    load_vocabulary,
    parse_vocabulary,
)

ROOT = Path(__file__).resolve().parent
WATCHED = ("content", "theme", "plugins", "pelicanconf.py", "publishconf.py")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="broadsheet")
def cli() -> None:
    """Broadsheet: curated news digests as a static site with feeds."""


def content_dir_option(command, help="Site content folder to write articles into."):
    return click.option(
        "--content-dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("content"),
        show_default=True,
        help=help,
    )(command)


@cli.command(name="import")
@click.argument("sources", nargs=-1)
@content_dir_option
@click.option(
    "--archive-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Raw archive and ledger folder [default: 'archive' beside the content folder].",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(1, 64),
    default=os.cpu_count() or 1,
    show_default="number of cores",
    help="Worker processes for cleaning.",
)
@click.option(
    "--no-fetch",
    is_flag=True,
    help="Feed entries without full content keep the feed's summary (no page fetched).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(0.1, 600),
    default=DEFAULT_TIMEOUT_SECONDS,
    show_default=True,
    help="Seconds to wait for each URL.",
)
@click.option("--dry-run", is_flag=True, help="Report what would happen; write nothing.")
@click.option("--force", is_flag=True, help="Overwrite articles edited by hand since import.")
@click.option("--reclean", is_flag=True, help="Re-run the cleaner over every archived raw input.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object of results.")
def import_command(
    sources, content_dir, archive_dir, jobs, no_fetch, timeout, dry_run, force, reclean, as_json
):
    """Import scraped articles as clean Markdown into the content folder.

    SOURCES are plain-text scrapes (.txt), saved web pages (.html, .htm, .html.gz),
    RSS/Atom feeds (.xml, .rss, .atom or a feed URL), JSON Lines exports (.jsonl),
    folders (searched recursively), http(s) URLs, or '-' for stdin, mixed freely.

    Example:

        python tasks.py import samples/raw saved/page.html https://example.org/feed.xml
    """
    if not sources and not reclean:
        raise click.UsageError("give at least one file, folder or '-', or use --reclean")
    options = ImportOptions(
        content_dir=content_dir,
        archive_dir=archive_dir or content_dir.parent / "archive",
        now=datetime.now(UTC).replace(microsecond=0),
        outlets=_outlets(content_dir),
        dry_run=dry_run,
        force=force,
        jobs=jobs,
        inputs=InputOptions(fetch_linked_pages=not no_fetch, timeout=timeout),
        cache_dir=content_dir.parent / "cache",
    )
    bar = ProgressBar(enabled=not as_json and sys.stderr.isatty())
    try:
        if reclean:
            results = reclean_all(options, progress=bar.update)
        else:
            results = import_all(list(sources), options, progress=bar.update)
    except BroadsheetError as error:
        raise click.ClickException(str(error)) from error
    finally:
        bar.close()
    counts = count_statuses(results)
    if as_json:
        payload = {"results": [result.as_json() for result in results], "counts": counts}
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        for result in results:
            _report(result)
        summary = ", ".join(f"{n} {status}" for status, n in counts.items() if n)
        click.echo(("Dry run: " if dry_run else "") + (summary or "nothing to import"))
        for result in results:
            if result.status == "failed":
                click.echo(f"failed: {result.error}", err=True)
    if counts["failed"]:
        sys.exit(1)


class ProgressBar:
    """A progress bar on stderr when it is a terminal; silent otherwise."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bar = None
        self.done = 0

    def update(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            self.bar = click.progressbar(length=total, label="Importing", file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.done)
        self.done = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def _outlets(content_dir: Path):
    try:
        return load_outlets(content_dir / "sources.yml")
    except BroadsheetError as error:
        raise click.ClickException(str(error)) from error


def _report(result) -> None:
    if result.status == "failed":
        return  # listed with their reasons under the summary
    click.echo(f"{result.status:<10} {result.path}  ({result.source})")
    for note in result.notes:
        click.echo(f"           note: {note}")


@cli.command()
@click.option("--publish", is_flag=True, help="Use publishconf.py (production URLs).")
@click.option(
    "--output",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder [default: output].",
)
@content_dir_option
def build(publish, output, content_dir):
    """Build the static site with Pelican; any content error fails the build.

    Example:

        python tasks.py build --publish --output public
    """
    try:
        target = run_pelican(publish=publish, output=output, content_dir=content_dir)
    except BuildError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Built {target}")


class _ErrorCollector(logging.Handler):
    """Keeps every error Pelican logs (it logs them and carries on; we must not)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage().strip().replace("\n", " ")
        _, error, _ = sys.exc_info()
        if error is not None and str(error) not in message:
            message += f": {error}"
        self.messages.append(message)


def load_settings(publish: bool = False, overrides: dict | None = None) -> dict:
    """Pelican settings from pelicanconf.py or publishconf.py, with paths made absolute."""
    from pelican.settings import read_settings

    config = ROOT / ("publishconf.py" if publish else "pelicanconf.py")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return read_settings(str(config), override=overrides or {})


def run_pelican(
    publish: bool = False, output: Path | None = None, content_dir: Path | None = None
) -> Path:
    """Build the site; raise BuildError with Pelican's messages if it logged any error."""
    from pelican import Pelican

    overrides: dict = {}
    if output is not None:
        overrides["OUTPUT_PATH"] = str(output.resolve())
    if content_dir is not None:
        overrides["PATH"] = str(content_dir.resolve())
    settings = load_settings(publish, overrides)
    collector = _ErrorCollector()
    pelican_logger = logging.getLogger("pelican")
    pelican_logger.addHandler(collector)
    try:
        Pelican(settings).run()
    except Exception as error:  # Pelican and its plugins raise anything; report it, one line.
        raise BuildError(f"build failed: {error.__class__.__name__}: {error}") from error
    finally:
        pelican_logger.removeHandler(collector)
    if collector.messages:
        shown = "; ".join(collector.messages[:5])
        more = f" (and {len(collector.messages) - 5} more)" if len(collector.messages) > 5 else ""
        raise BuildError(f"build failed: {shown}{more}")
    return Path(settings["OUTPUT_PATH"])


def _snapshot(paths) -> dict[str, float]:
    stamps = {}
    for base in paths:
        base = ROOT / base
        files = [base] if base.is_file() else base.rglob("*") if base.exists() else []
        for file in files:
            if file.is_file() and not file.name.startswith((".", "#")):
                stamps[str(file)] = file.stat().st_mtime
    return stamps


@cli.command()
@click.option("--port", "-p", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option(
    "--interval",
    type=float,
    default=1.0,
    show_default=True,
    help="Seconds between checks for changed content.",
)
def serve(port, interval):
    """Preview the site on 127.0.0.1, rebuilding when content, theme or settings change.

    Example:

        python tasks.py serve --port 8000
    """
    settings = load_settings()
    output = Path(settings["OUTPUT_PATH"])
    _build_and_say(output)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(output))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    click.echo(f"Serving {output} at http://127.0.0.1:{server.server_port}/ (Ctrl-C to stop)")
    seen = _snapshot(WATCHED)
    try:
        while True:
            time.sleep(interval)
            now = _snapshot(WATCHED)
            if now != seen:
                seen = now
                _build_and_say(output)
    except KeyboardInterrupt:
        server.shutdown()


def _build_and_say(output: Path) -> None:
    try:
        run_pelican(output=output)
        click.echo(f"Rebuilt {output} at {datetime.now():%H:%M:%S}", err=True)
    except BuildError as error:
        click.echo(f"Error: {error}", err=True)


@cli.group()
def tags():
    """Tags: what the build assigns, and growing the vocabulary (content/tags.yml).

    Example:

        python tasks.py tags suggest --min-articles 3
    """


def tags_content_dir_option(command):
    return content_dir_option(
        command, help="Site content folder: articles/ and the vocabulary file are read from it."
    )


def _tagging_inputs(content_dir: Path):
    """The articles, the vocabulary file and its contents, and the AUTOTAG_* settings."""
    settings = load_settings()
    path = content_dir / Path(settings.get("AUTOTAG_VOCABULARY") or "tags.yml").expanduser()
    try:
        options = AutotagSettings.from_settings(settings)
        vocabulary = load_vocabulary(path)
        articles = read_taggable_articles(content_dir, settings.get("MARKDOWN"))
    except BroadsheetError as error:
        raise click.ClickException(str(error)) from error
    return articles, path, vocabulary, options


def read_taggable_articles(
    content_dir: Path, markdown_config: dict | None
) -> list[TaggableArticle]:
    """Every article file under content_dir/articles, as broadsheet.tagging reads it."""
    render = markdown_renderer(markdown_config)
    articles = []
    root = content_dir / "articles"
    for path in sorted(root.rglob("*.md")) if root.is_dir() else ():
        if path.name.startswith((".", "#")):
            continue
        try:
            meta, body = parse_article(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as error:
            raise BroadsheetError(f"{path}: cannot be read as an article: {error}") from error
        articles.append(
            TaggableArticle(
                path=str(path),
                title=meta.get("Title", ""),
                body=render(body),
                hand_tags=split_tags(meta.get("Tags", "")),
                autotag=autotag_enabled(meta.get("Autotag"), str(path)),
                published=meta.get("Status", "published").strip().lower() == "published",
            )
        )
    return articles


@tags.command(name="suggest")
@click.option(
    "--min-articles",
    type=click.IntRange(1),
    default=2,
    show_default=True,
    help="Suggest only tags found in at least this many articles.",
)
@click.option("--accept", is_flag=True, help="Append the suggestions to the vocabulary file.")
@tags_content_dir_option
def tags_suggest(min_articles, accept, content_dir):
    """List automatic tags that the vocabulary does not know yet; --accept adds them.

    Counts the published articles each tag would be given to, with up to three of
    their titles. With --accept, each suggestion is appended to its kind's section
    of the vocabulary file; what is already there, comments included, stays as is.
    Put the ones you do not want under `stop:` first.

    Example:

        python tasks.py tags suggest --min-articles 2 --accept
    """
    articles, path, vocabulary, options = _tagging_inputs(content_dir)
    suggestions = suggest_tags(articles, vocabulary, options, min_articles=min_articles)
    if not suggestions:
        click.echo(f"No new tags: none in {min_articles}+ articles that {path} does not know.")
        return
    for suggestion in suggestions:
        click.echo(f"{suggestion.count:>4}  {suggestion.name}  ({suggestion.kind})")
        for title in suggestion.titles:
            click.echo(f"        {title}")
    if not accept:
        click.echo(f"{len(suggestions)} suggested; --accept adds them to {path}")
        return
    additions: dict[str, list[tuple[str, str]]] = {}
    for suggestion in suggestions:
        note = f"suggested: {suggestion.count} articles"
        if suggestion.kind == "name":
            note += ", kind unknown"
        additions.setdefault(suggestion.section, []).append((suggestion.name, note))
    try:
        before = path.read_text(encoding="utf-8") if path.exists() else VOCABULARY_HEADER
    except (OSError, UnicodeDecodeError) as error:
        raise click.ClickException(f"{path}: cannot be read: {error}") from error
    try:
        after = append_entries(before, additions, source=str(path))
        parse_vocabulary(after, str(path))  # never write a file the build would refuse
    except BroadsheetError as error:
        raise click.ClickException(str(error)) from error
    write_atomic(path, after.encode("utf-8"))
    click.echo(f"Added {len(suggestions)} tags to {path}")


@tags.command(name="list")
@tags_content_dir_option
def tags_list(content_dir):
    """Show every tag the build assigns, with its number of published articles.

    Hand, vocabulary and automatic tags, exactly as the site's tag pages get them.

    Example:

        python tasks.py tags list --content-dir content
    """
    articles, _, vocabulary, options = _tagging_inputs(content_dir)
    try:
        assigned = tag_articles(articles, vocabulary, options)
    except BroadsheetError as error:
        raise click.ClickException(str(error)) from error
    counts = count_tags(articles, assigned)
    for tag in counts:
        click.echo(f"{tag.count:>4}  {tag.name}  ({', '.join(tag.origins)})")
    published = sum(article.published for article in articles)
    click.echo(f"{len(counts)} tags over {published} published articles")


if __name__ == "__main__":
    cli()
