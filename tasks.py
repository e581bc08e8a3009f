"""Broadsheet's command line: import articles, build, preview.

Run as `python tasks.py COMMAND` or, once installed, `broadsheet COMMAND`. Every
command is a thin layer over `broadsheet.*` (imports) or Pelican (builds); errors
come back as one line naming the input, and a non-zero exit when anything failed.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import quote

import click

from broadsheet.buildcache import cache_folder, take_reuse
from broadsheet.digests import (
    GROUPINGS,
    ArticleRef,
    Digest,
    DigestError,
    candidates,
    digest_file_name,
    group,
    load_digests,
    parse_date,
    parse_digest,
    reference_errors,
    render_new_digest,
    shared_slugs,
    withdrawn_references,
)
from broadsheet.errors import BroadsheetError, BuildError, HttpError, SourceError
from broadsheet.feedcheck import (
    CHANGED,
    DEFAULT_TAG_AUTHORITY,
    VANISHED,
    FeedCheckError,
    FeedDocument,
    Finding,
    PublishedSet,
    compare_feed,
    fallback_entry_id,
    ids_by_page,
    looks_like_feed_file,
    parse_feed_document,
)
from broadsheet.fetch import DEFAULT_TIMEOUT_SECONDS, fetch_url
from broadsheet.markdown import parse_article
from broadsheet.perf import no_collection_at_exit
from broadsheet.publish import (
    KEEP_RELEASES,
    commit_gh_pages,
    install_hook,
    parse_ref_updates,
    publish_to,
    run_hook,
)
from broadsheet.publish import rollback as roll_back_release
from broadsheet.search import (
    SearchIndex,
    article_glob,
    finish_index,
    ready_before_listings,
    start_index,
)
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
    "--no-fetch-images",
    is_flag=True,
    help="Leave a lead image on the outlet's site (Image stays its URL) instead of fetching "
    "a copy into content/images/; a saved page's own copy is still kept.",
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
    sources,
    content_dir,
    archive_dir,
    jobs,
    no_fetch,
    no_fetch_images,
    timeout,
    dry_run,
    force,
    reclean,
    as_json,
):
    """Import scraped articles as clean Markdown into the content folder.

    SOURCES are plain-text scrapes (.txt), saved web pages (.html, .htm, .html.gz),
    RSS/Atom feeds (.xml, .rss, .atom or a feed URL), JSON Lines exports (.jsonl),
    folders (searched recursively), http(s) URLs, or '-' for stdin, mixed freely.
    Each article's lead image is kept in content/images/: a saved page's own copy
    (its <stem>_files/ folder), else fetched; one that cannot be kept is a warning.

    Example:

        python tasks.py import samples/raw saved/page.html https://example.org/feed.xml
    """
    if not sources and not reclean:
        raise click.UsageError("give at least one file, folder or '-', or use --reclean")
    # Imported here: the importer and its extractors take 0.2 s to import, which every
    # build (the one task run on each push) would pay for nothing.
    from broadsheet.pipeline import ImportOptions, count_statuses, import_all, reclean_all

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
        fetch_images=not no_fetch_images,
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
            for warning in result.warnings:  # not failures: the story is imported
                click.echo(f"warning: {warning}", err=True)
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
        built = build_site(publish=publish, output=output, content_dir=content_dir)
    except BuildError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Built {built.output}")
    for line in built.report():
        click.echo(line)


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


@dataclass(frozen=True)
class BuiltSite:
    """What a build made: its output folder; what the build caches gave it, by kind of
    file ("pages": those of the templates the render cache keeps; "feeds"), as (linked
    from the cache, made), empty when the caches are off; and its search index."""

    output: Path
    reuse: dict[str, tuple[int, int]]
    search: SearchIndex | None = None

    def report(self) -> list[str]:
        """What ``tasks.py build`` tells the maintainer after the output folder's name:
        whether the caches were used (a CI run whose cache was not restored shows every
        file made), and what the search index took."""
        lines = []
        if self.reuse:
            parts = []
            for kind in sorted(self.reuse, key=lambda kind: (kind != "pages", kind)):
                reused, made = self.reuse[kind]
                parts.append(f"{reused:,} of {reused + made:,} {kind}")
            lines.append(f"Build cache: reused {' and '.join(parts)}.")
        if self.search is not None:
            index = self.search
            made = len(index.rebuilt)
            bundles = f"{len(index.bundles):,} bundle{'s' if len(index.bundles) != 1 else ''}"
            lines.append(
                f"Search index: {index.pages:,} pages in {bundles}, {made:,} of them made by "
                f"Pagefind this build ({index.seconds:.1f} s)."
            )
        return lines


def run_pelican(
    publish: bool = False, output: Path | None = None, content_dir: Path | None = None
) -> Path:
    """Build the site; raise BuildError with Pelican's messages if it logged any error."""
    return build_site(publish=publish, output=output, content_dir=content_dir).output


def build_site(
    publish: bool = False,
    output: Path | None = None,
    content_dir: Path | None = None,
    overrides: dict | None = None,
) -> BuiltSite:
    """``run_pelican``, telling what the build made (``BuiltSite``); `overrides` are
    settings put over the settings file's."""
    from pelican import Pelican

    no_collection_at_exit()  # the process's last second, at 10,000 articles
    overrides = dict(overrides or {})
    if output is not None:
        overrides["OUTPUT_PATH"] = str(output.resolve())
    if content_dir is not None:
        overrides["PATH"] = str(content_dir.resolve())
    settings = load_settings(publish, overrides)
    target = Path(settings["OUTPUT_PATH"])
    collector = _ErrorCollector()
    pelican_logger = logging.getLogger("pelican")
    pelican_logger.addHandler(collector)
    search = _SearchStep(settings, target)
    clearing = _clear_output_beside_build(settings, target)
    take_reuse()  # counted afresh for this build
    try:
        with search.connected():
            Pelican(settings).run()
    except Exception as error:  # Pelican and its plugins raise anything; report it, one line.
        search.stop()
        raise BuildError(f"build failed: {error.__class__.__name__}: {error}") from error
    finally:
        pelican_logger.removeHandler(collector)
        if clearing is not None:
            clearing.join()
    if collector.messages:
        search.stop()
        shown = "; ".join(collector.messages[:5])
        more = f" (and {len(collector.messages) - 5} more)" if len(collector.messages) > 5 else ""
        raise BuildError(f"build failed: {shown}{more}")
    index = search.finish()
    return BuiltSite(target, take_reuse(), index)


def _clear_output_beside_build(settings: dict, target: Path) -> _Clearing | None:
    """DELETE_OUTPUT_DIRECTORY (publishconf), with the deleting done beside the build.

    Pelican deletes the old output before it starts; at 10,000 articles that is some
    35,000 files and one to several seconds of nothing else. Here the old files are
    moved (renamed, on the same file system) into a hidden folder beside the output,
    deleted by another process while the build runs (``_Clearing``), and the build waits
    for it at the end. Pelican then finds only what OUTPUT_RETENTION keeps. A name that
    cannot be moved is left where it is, for Pelican to delete as it always does."""
    if not settings.get("DELETE_OUTPUT_DIRECTORY") or not target.is_dir():
        return None
    keep = set(settings.get("OUTPUT_RETENTION") or ())
    trash = target.parent / f".{target.name}.deleting-{os.getpid()}"
    try:
        trash.mkdir()
    except OSError:
        return None
    for entry in os.scandir(target):
        if entry.name not in keep:
            try:
                os.rename(entry.path, trash / entry.name)
            except OSError:
                continue
    return _Clearing(trash)


class _Clearing:
    """A folder deleted beside the build: by ``rm -rf`` at a lower priority where the
    system has it, else by a thread.

    A thread deleting tens of thousands of files takes Python's lock back after every
    one, and the build's own thread, rendering pages, then waits for it each time:
    about a second of a 10,000-article rebuild. ``rm`` shares no lock with the build and,
    at a lower priority, runs while a core is idle. ``join`` waits for it, then removes
    whatever it left (it ignores errors, as the thread did)."""

    NICENESS = 10

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.process: subprocess.Popen | None = None
        self.thread: threading.Thread | None = None
        remove = shutil.which("rm")
        if remove is not None:
            command = [remove, "-rf", "--", str(folder)]
            nice = shutil.which("nice")
            if nice is not None:
                command = [nice, "-n", str(self.NICENESS), *command]
            try:
                self.process = subprocess.Popen(
                    command,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                return
            except OSError:
                self.process = None
        self.thread = threading.Thread(target=shutil.rmtree, args=(folder, True), daemon=True)
        self.thread.start()

    def join(self) -> None:
        if self.process is not None:
            self.process.wait()
        if self.thread is not None:
            self.thread.join()
        shutil.rmtree(self.folder, ignore_errors=True)


class _SearchStep:
    """The search index (broadsheet.search) of a build with SEARCH_INDEX on.

    Pagefind reads only the article pages (article_glob). Pelican writes them first,
    then the period archives (which the glob can match too: month pages sit beside the
    articles), then the home page, the tag, category and draft pages. So the index
    starts as soon as the archives are written, when none of the pages still to come
    can be one the glob matches (`ready_before_listings`; with this site's settings
    none can), and otherwise when `article_writer_finalized` fires, once every page of
    the ArticlesGenerator is written; the feeds, redirects, other generators' pages and
    static files still to come are not what it reads. A thread of its own starts a
    worker process (``broadsheet.search``) that runs Pagefind once per year, one run
    after another, on the other core, and the build waits for it only at the end; a
    build that fails stops it, leaving no index.
    A build that never writes articles (no ArticlesGenerator), or whose index reads
    every page (no article_glob), starts it at the end. With the build caches on, the
    years whose article pages are unchanged keep their bundles (cache/search).
    """

    def __init__(self, settings: dict, output: Path) -> None:
        self.enabled = bool(settings.get("SEARCH_INDEX"))
        self.output = output
        self.language = settings.get("DEFAULT_LANG")
        self.glob = article_glob(settings.get("ARTICLE_SAVE_AS"))
        self.before_listings = ready_before_listings(self.glob, settings)
        self.cache = cache_folder(settings, "search")
        self.running = None

    def start(self, _sender=None, **_signal) -> None:
        if self.enabled and self.running is None:
            self.running = start_index(self.output, self.language, self.glob, self.cache)

    def start_early(self, _sender=None, **_signal) -> None:
        if self.glob is not None:  # the pages still to come are not what it reads
            self.start()

    def start_after_archives(self, _generator) -> None:
        if self.before_listings:  # the listings still to come are not what it reads
            self.start()

    @contextmanager
    def connected(self):
        """Start the index when the article pages are written, during the block."""
        from pelican import signals
        from pelican.generators import ArticlesGenerator

        # Connected before Pelican loads the plugins, so in a fresh process it starts
        # before their own article_writer_finalized work (the feeds) and overlaps it; in
        # a process that built before (serve), after it. Either way it overlaps the
        # pages, the plugins' generators and the static files.
        signals.article_writer_finalized.connect(self.start_early, weak=False)
        # Pelican has no signal between the archives and the listings: its method is
        # wrapped for the block (Pelican's own, then the start).
        write_archives = ArticlesGenerator.generate_period_archives
        step = self

        @functools.wraps(write_archives)
        def generate_period_archives(generator, write):
            write_archives(generator, write)
            step.start_after_archives(generator)

        ArticlesGenerator.generate_period_archives = generate_period_archives
        try:
            yield
        finally:
            ArticlesGenerator.generate_period_archives = write_archives
            signals.article_writer_finalized.disconnect(self.start_early)

    def stop(self) -> None:
        if self.running is not None:
            self.running.stop()
            self.running = None

    def finish(self):
        """Wait for the index; BuildError (one line) if it failed."""
        self.start()
        if self.running is None:
            return None
        running, self.running = self.running, None
        return finish_index(running)


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
    import http.server  # here: a build has no use for it

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


@cli.group()
def digest():
    """Digest issues (content/digests/): draft a new one, list them, check them.

    Example:

        python tasks.py digest new --since 2025-03-14 --group-by tag
    """


def digest_content_dir_option(command):
    return content_dir_option(
        command, help="Site content folder: digests/ (DIGESTS_PATH) and articles/ are in it."
    )


class IsoDate(click.ParamType):
    """A date on the command line: YYYY-MM-DD, or (unless `day_only`) an ISO date-time."""

    name = "date"

    def __init__(self, day_only: bool = False) -> None:
        self.day_only = day_only

    def convert(self, value, param, ctx):
        if isinstance(value, date):
            return value
        if self.day_only:
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                self.fail(f"{value!r} is not a date (YYYY-MM-DD)", param, ctx)
        try:
            return parse_date(value)
        except ValueError as error:
            self.fail(str(error), param, ctx)


def read_article_headers(content_dir: Path) -> tuple[list[tuple[Path, dict[str, str]]], list[str]]:
    """Every article file under content_dir/articles with its header keys, and one error
    line for each file that cannot be read (or has no ISO 8601 Date)."""
    found, errors = [], []
    root = content_dir / "articles"
    for path in sorted(root.rglob("*.md")) if root.is_dir() else ():
        if path.name.startswith((".", "#")):
            continue
        try:
            meta, _ = parse_article(path.read_text(encoding="utf-8"))
            if not meta.get("Date"):
                raise ValueError("the header has no Date")
            parse_date(meta["Date"])
        except (OSError, UnicodeDecodeError, ValueError) as error:
            errors.append(f"{path}: cannot be read as an article: {error}")
            continue
        found.append((path, meta))
    return found, errors


def article_ref(
    path: Path, meta: dict[str, str], content_dir: Path, default_category: str = "News"
) -> ArticleRef:
    """An article's header as digests refer to it."""
    return ArticleRef(
        slug=meta.get("Slug") or path.stem,  # SLUGIFY_SOURCE = "basename"
        path=path.relative_to(content_dir).as_posix(),
        title=meta.get("Title", ""),
        date=parse_date(meta["Date"]),
        published=article_status(meta) == "published",
        category=meta.get("Category") or default_category,
        tags=split_tags(meta.get("Tags", "")),
        source=meta.get("Source", ""),
        withdrawn=article_status(meta) == "unpublished",  # plugins/withdrawn
    )


def article_status(meta: dict[str, str]) -> str:
    """The article's Status, lower case; published when it has none."""
    return (meta.get("Status") or "published").strip().lower()


def read_article_refs(
    content_dir: Path, default_category: str = "News"
) -> tuple[list[ArticleRef], list[str]]:
    """Every article file under content_dir/articles as digests refer to it, and one
    error line for each file that cannot be read."""
    headers, errors = read_article_headers(content_dir)
    return [
        article_ref(path, meta, content_dir, default_category) for path, meta in headers
    ], errors


def _with_build_tags(refs: list[ArticleRef], content_dir: Path) -> list[ArticleRef]:
    """The articles with the tags the build gives them (hand, vocabulary, automatic)."""
    articles, _, vocabulary, options = _tagging_inputs(content_dir)
    try:
        assigned = tag_articles(articles, vocabulary, options)
    except BroadsheetError as error:
        raise click.ClickException(str(error)) from error
    tags = {
        Path(article.path).relative_to(content_dir).as_posix(): tuple(tag.name for tag in found)
        for article, found in zip(articles, assigned, strict=True)
    }
    return [replace(ref, tags=tags.get(ref.path, ref.tags)) for ref in refs]


def digests_folder(content_dir: Path, settings: dict) -> Path:
    """Where the digests are: DIGESTS_PATH in the content folder, as the digests plugin reads it."""
    return content_dir / (settings.get("DIGESTS_PATH") or "digests")


def default_digest_title(when: date) -> str:
    """'Digest, 21 March 2025'."""
    return f"Digest, {when.day} {when:%B %Y}"


def _one_line(errors: list[str], what: str) -> str:
    more = f" (and {len(errors) - 1} more {what})" if len(errors) > 1 else ""
    return errors[0] + more


@digest.command(name="new")
@click.option(
    "--since",
    type=IsoDate(),
    help="Offer articles dated on or after this day "
    "[default: the latest published digest's date; every article if there is none].",
)
@click.option("--title", help="The issue's title [default: 'Digest, 21 March 2025' from --date].")
@click.option(
    "--group-by",
    type=click.Choice(GROUPINGS),
    default="category",
    show_default=True,
    help="One section per category, first tag (as the build assigns tags) or source.",
)
@click.option(
    "--date", "when", type=IsoDate(day_only=True), help="The issue's date [default: today]."
)
@digest_content_dir_option
def digest_new(since, title, group_by, when, content_dir):
    """Draft a new digest: every published article no digest lists yet, newest first,
    up to the issue's date.

    Writes content/digests/YYYY-MM-DD-<title slug>.md with Status: draft, one
    section per group, and an empty note under each story for you to write (or
    to delete the story). Never overwrites a file.

    Example:

        python tasks.py digest new --since 2025-03-14 --title "Ferries, tea and bins"
    """
    settings = load_settings()
    folder = digests_folder(content_dir, settings)
    when = when or date.today()
    title = " ".join((title or "").split()) or default_digest_title(when)
    path = folder / digest_file_name(when, title)
    if path.exists():
        raise click.ClickException(
            f"{path} already exists: edit it, or give another --title or --date"
        )
    digests, errors = load_digests(folder)
    if errors:
        # What an unreadable digest lists is unknown: its stories would be offered again.
        raise click.ClickException(_one_line(errors, "unreadable digests") + "; nothing written")
    articles, errors = read_article_refs(content_dir, settings.get("DEFAULT_CATEGORY") or "News")
    if errors:
        raise click.ClickException(_one_line(errors, "unreadable articles") + "; nothing written")
    if group_by == "tag":
        articles = _with_build_tags(articles, content_dir)
    offered = candidates(articles, digests, since, until=when)
    if not offered:
        since = since or max((d.date for d in digests if d.published), default=None)
        dated = (
            f" dated {since:%Y-%m-%d} to {when:%Y-%m-%d}" if since else f" up to {when:%Y-%m-%d}"
        )
        click.echo(f"Nothing new: every published article{dated} is in a digest already.")
        return
    text = render_new_digest(title, when, group(offered, group_by), shared_slugs(articles))
    try:
        problems = reference_errors(parse_digest(text, str(path)), articles)
    except DigestError as error:
        raise click.ClickException(f"{error}; nothing written") from error
    if problems:  # two published articles with one slug
        raise click.ClickException(_one_line(problems, "problems") + "; nothing written")
    write_atomic(path, text.encode("utf-8"))
    click.echo(str(path))


def _digest_order(issue: Digest) -> tuple[datetime, str]:
    return issue.date.replace(tzinfo=None), issue.path


@digest.command(name="list")
@digest_content_dir_option
def digest_list(content_dir):
    """List the digests by date: date, status, number of stories, title and file.

    Files that cannot be read are reported, one line each, and make the exit
    status non-zero; the others are still listed.

    Example:

        python tasks.py digest list
    """
    folder = digests_folder(content_dir, load_settings())
    digests, errors = load_digests(folder)
    for issue in sorted(digests, key=_digest_order):
        stories = f"{_count(len(issue.entries), 'story', 'stories'):>11}"
        click.echo(
            f"{issue.date:%Y-%m-%d}  {issue.status:<9}  {stories}  {issue.title}  {issue.path}"
        )
    for error in errors:
        click.echo(error, err=True)
    if not digests and not errors:
        click.echo(f"No digests in {folder}")
    if errors:
        sys.exit(1)


@digest.command(name="check")
@digest_content_dir_option
def digest_check(content_dir):
    """Check every digest: it can be read, and each story names a published article once.

    One line per problem, naming the file and line; stories whose note is still
    empty get a warning line, which is not a problem. Exits 1 on any problem.

    Example:

        python tasks.py digest check --content-dir content
    """
    digests, unreadable = load_digests(digests_folder(content_dir, load_settings()))
    articles, problems = read_article_refs(content_dir)
    problems += unreadable
    empty_notes, withdrawn = [], []
    for issue in digests:
        problems += reference_errors(issue, articles)
        withdrawn += withdrawn_references(issue, articles)
        empty_notes += [
            f"{issue.path}:{entry.line}: warning: {entry.reference!r} has an empty note"
            for entry in issue.entries
            if not entry.note
        ]
    for line in sorted(problems + withdrawn + empty_notes, key=_report_order):
        click.echo(line)
    stories = _count(sum(len(issue.entries) for issue in digests), "story", "stories")
    summary = (
        f"{_count(len(digests) + len(unreadable), 'digest')}, {stories} checked: "
        f"{_count(len(problems), 'problem')}"
    )
    if withdrawn:
        summary += f", {len(withdrawn)} withdrawn"
    click.echo(summary + (f", {_count(len(empty_notes), 'empty note')}" if empty_notes else ""))
    if problems:
        sys.exit(1)


def _count(number: int, noun: str, plural: str = "") -> str:
    """'1 story', '2 stories'."""
    return f"{number} {noun if number == 1 else plural or noun + 's'}"


def _report_order(line: str) -> tuple[str, int]:
    """Report lines by file, then by line number ("path:14: ..." after "path:9: ...")."""
    path, _, rest = line.partition(".md:")
    number = rest.partition(":")[0]
    return path, int(number) if number.isdigit() else 0


# --- check ------------------------------------------------------------------------------------

MISSING_UID_WARNING = "warning: should be given a Uid: its feed id comes from its path and date"
FETCH_WORKERS = 8


@cli.command()
@click.option(
    "--against",
    metavar="DIR|URL",
    help="The last published site: its output folder, or its base URL (each feed is "
    "fetched over HTTP). Without it, only the content is checked.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    help="The build whose feeds are compared (build it first) [default: output].",
)
@functools.partial(
    content_dir_option, help="Site content folder the build was made from: articles/, digests/."
)
@click.option(
    "--timeout",
    type=click.FloatRange(0.1, 600),
    default=DEFAULT_TIMEOUT_SECONDS,
    show_default=True,
    help="Seconds to wait for each feed URL.",
)
def check(against, output, content_dir, timeout):
    """Check the content, the digests, and (with --against) that no feed entry's id
    changed or vanished since the last publish.

    Content: every article can be read; every digest names published articles, once.
    An article without a Uid gets a warning line (its feed id comes from its path
    and date, so moving the file or editing its Date changes it); warnings are not
    problems.

    With --against, each feed of the build in --output (Atom, RSS, JSON Feed; site,
    tag, category and digest feeds) is compared with the same file at DIR or URL.
    An old entry whose id the new feed lacks is a problem when its permalink now
    has another id ("changed id") or when no published article has it any more
    ("vanished"). It is fine when the article is still published (newer entries
    pushed it out of the feed) and reported, not a problem, when its Status is no
    longer published ("unpublished"). A feed the location does not have (a new tag)
    is new, not compared; a location with none of the build's feeds is an error
    (wrong folder or URL, or nothing published yet). One line per finding, naming
    the feed file, the entry's title and its ids, then a summary; exit status 1 on
    any problem.

    Example:

    \b
        python tasks.py build --publish --output public
        python tasks.py check --output public --against https://example.org/
    """
    if output is not None and not against:
        raise click.UsageError("--output names the build to compare: give --against too")
    settings = load_settings()
    authority = settings.get("FEEDS_TAG_AUTHORITY") or DEFAULT_TAG_AUTHORITY
    headers, problems = read_article_headers(content_dir)
    default_category = settings.get("DEFAULT_CATEGORY") or "News"
    refs = [article_ref(path, meta, content_dir, default_category) for path, meta in headers]
    warnings = [f"{path}: {MISSING_UID_WARNING}" for path, meta in headers if not meta.get("Uid")]
    digests, unreadable = load_digests(digests_folder(content_dir, settings))
    problems += unreadable
    withdrawn = []
    for issue in digests:
        problems += reference_errors(issue, refs)
        withdrawn += withdrawn_references(issue, refs)

    findings: list[Finding] = []
    compared = ""
    if against:
        build = read_build_feeds(output or Path(settings["OUTPUT_PATH"]))
        published = published_set(headers, content_dir, authority, digests, settings, build)
        findings, unreadable_feeds, compared = compare_with_published(
            against, build, published, timeout
        )
        problems += unreadable_feeds

    for line in sorted(problems + warnings + withdrawn, key=_report_order):
        click.echo(line)
    for finding in findings:
        click.echo(finding.line())
    changed = sum(f.kind == CHANGED for f in findings)
    vanished = sum(f.kind == VANISHED for f in findings)
    unpublished = len(findings) - changed - vanished
    failed = len(problems) + changed + vanished
    parts = [_count(failed, "problem")]
    if changed or vanished:
        parts[0] += f" ({_count(changed, 'changed id')}, {vanished} vanished)"
    if unpublished:
        parts.append(f"{unpublished} unpublished")
    if withdrawn:
        parts.append(f"{len(withdrawn)} withdrawn in digests")
    if warnings:
        parts.append(_count(len(warnings), "article") + " without Uid")
    click.echo(
        f"{_count(len(headers), 'article')}, "
        f"{_count(len(digests) + len(unreadable), 'digest')} checked{compared}: " + ", ".join(parts)
    )
    if failed:
        sys.exit(1)


def compare_with_published(
    against: str, build: dict[str, FeedDocument], published: PublishedSet, timeout: float
) -> tuple[list[Finding], list[str], str]:
    """Compare each of the build's feeds that `against` has: the findings, a line for
    each published feed that cannot be read, and what was compared ('; 3 feeds ...')."""
    old_data = read_published_feeds(against, sorted(build), timeout)
    findings, problems, entries = [], [], 0
    for feed_path in sorted(old_data):
        try:
            old = parse_feed_document(old_data[feed_path], f"{feed_path} at {against}")
        except FeedCheckError as error:
            problems.append(str(error))
            continue
        if old is None:
            problems.append(f"{feed_path} at {against}: not an Atom, RSS or JSON feed")
            continue
        entries += len(old.entries)
        findings += compare_feed(feed_path, old, build[feed_path], published)
    compared = (
        f"; {_count(len(old_data), 'feed')} ({_count(entries, 'entry', 'entries')}) "
        f"compared with {against}"
    )
    return findings, problems, compared


def read_build_feeds(output: Path) -> dict[str, FeedDocument]:
    """Every feed file of a build: path under the output folder -> parsed feed."""
    if not output.is_dir():
        raise click.ClickException(f"{output}: no such folder: build the site first")
    feeds = {}
    for path in sorted(output.rglob("*")):
        if not path.is_file() or not looks_like_feed_file(path):
            continue
        relative = path.relative_to(output).as_posix()
        try:
            document = parse_feed_document(path.read_bytes(), str(path))
        except (OSError, FeedCheckError):
            continue  # not one of the feeds the build writes, which are well-formed
        if document is not None:
            feeds[relative] = document
    if not feeds:
        raise click.ClickException(f"{output}: no feeds in this build: build the site first")
    return feeds


def read_published_feeds(against: str, feed_paths: list[str], timeout: float) -> dict[str, bytes]:
    """The published copy of each feed path that the --against folder or URL has."""
    if against.startswith(("http://", "https://")):
        found = _fetch_feeds(against.rstrip("/") + "/", feed_paths, timeout)
    else:
        folder = Path(against)
        if not folder.is_dir():
            raise click.ClickException(
                f"{against}: no such folder (give a folder or an http(s) URL)"
            )
        found = {}
        for feed_path in feed_paths:
            try:
                found[feed_path] = (folder / feed_path).read_bytes()
            except FileNotFoundError:
                continue  # a feed this build adds
            except OSError as error:
                raise click.ClickException(
                    f"{folder / feed_path}: cannot be read: {error}"
                ) from error
    if not found:
        shown = ", ".join(feed_paths[:2]) + (", ..." if len(feed_paths) > 2 else "")
        raise click.ClickException(
            f"{against}: none of this build's {_count(len(feed_paths), 'feed')} ({shown}) is "
            "there, so nothing can be compared: give the last published site's folder or URL"
        )
    return found


def _fetch_feeds(base_url: str, feed_paths: list[str], timeout: float) -> dict[str, bytes]:
    """GET base_url + each path (a few at a time); a 404 or 410 means not published."""

    def fetch(feed_path: str) -> bytes | None:
        try:
            return fetch_url(base_url + quote(feed_path), timeout, kinds=("feed", "json")).data
        except HttpError as error:
            if error.status in (404, 410):
                return None
            raise

    with ThreadPoolExecutor(max_workers=FETCH_WORKERS) as pool:
        futures = {feed_path: pool.submit(fetch, feed_path) for feed_path in feed_paths}
        found = {}
        for feed_path, future in futures.items():
            try:
                data = future.result()
            except SourceError as error:
                raise click.ClickException(f"cannot compare with {base_url}: {error}") from error
            if data is not None:
                found[feed_path] = data
    return found


def published_set(
    headers: list[tuple[Path, dict[str, str]]],
    content_dir: Path,
    authority: str,
    digests: list[Digest],
    settings: dict,
    build_feeds: dict[str, FeedDocument],
) -> PublishedSet:
    """What the build publishes, from the content folder: its articles' feed ids and
    its digest pages, and the permalinks of those ids in the build's feeds."""
    ids: set[str] = set()
    withdrawn_ids = {}
    for path, meta in headers:
        entry_id = meta.get("Uid") or fallback_entry_id(
            path.relative_to(content_dir).as_posix(),
            f"{parse_date(meta['Date']):%Y-%m-%d}",
            authority,
        )
        status = article_status(meta)
        if status == "published":
            ids.add(entry_id)
        else:
            withdrawn_ids[entry_id] = status
    pattern = settings.get("DIGESTS_ISSUE_URL") or "digests/{date:%Y}/{date:%m}/{slug}.html"
    pages, withdrawn_pages = set(), {}
    for issue in digests:
        page = pattern.format(slug=issue.slug, date=issue.date)
        if issue.published:
            pages.add(page)
        else:
            withdrawn_pages[page] = issue.status
    return PublishedSet(
        ids=frozenset(ids),
        pages=frozenset(pages),
        withdrawn_ids={k: v for k, v in withdrawn_ids.items() if k not in ids},
        withdrawn_pages=withdrawn_pages,
        ids_by_page=ids_by_page(build_feeds, ids),
    )


# --- publish ----------------------------------------------------------------------------------

keep_option = click.option(
    "--keep",
    type=click.IntRange(2, 100),
    default=KEEP_RELEASES,
    show_default=True,
    help="Releases kept beside the web root (the live one and those before it).",
)
site_url_option = click.option(
    "--site-url",
    metavar="URL",
    help="The site's public address, for its links and feeds (sets BROADSHEET_SITEURL "
    "for publishconf.py) [default: $BROADSHEET_SITEURL, else publishconf's].",
)


@contextmanager
def _site_url(url: str | None) -> Iterator[None]:
    """BROADSHEET_SITEURL set to url (when given) while publishconf.py is read."""
    if not url:
        yield
        return
    before = os.environ.get("BROADSHEET_SITEURL")
    os.environ["BROADSHEET_SITEURL"] = url
    try:
        yield
    finally:
        if before is None:
            del os.environ["BROADSHEET_SITEURL"]
        else:
            os.environ["BROADSHEET_SITEURL"] = before


@cli.command()
@click.option(
    "--to",
    "web_root",
    type=click.Path(path_type=Path),
    metavar="DIR",
    help="The web root: a symlink to the live release, switched in one rename "
    "(releases are built in DIR.releases/ beside it).",
)
@click.option(
    "--rollback", is_flag=True, help="With --to: make the release before the live one live again."
)
@keep_option
@click.option(
    "--gh-pages",
    "gh_pages",
    is_flag=True,
    help="Commit the build as the whole of the gh-pages branch (ghp-import).",
)
@click.option("--push", is_flag=True, help="With --gh-pages: push the branch to the remote.")
@click.option("--remote", default="origin", show_default=True, help="With --gh-pages: the remote.")
@click.option(
    "--branch", default="gh-pages", show_default=True, help="With --gh-pages: the branch."
)
@click.option(
    "--output",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    help="With --gh-pages: the folder to build in and commit [default: output].",
)
@site_url_option
@functools.partial(content_dir_option, help="Site content folder to build.")
def publish(
    web_root, rollback, keep, gh_pages, push, remote, branch, output, site_url, content_dir
):
    """Build with publishconf.py and publish; a failed build never touches the live site.

    --to DIR builds a new release in DIR.releases/ and then switches the symlink DIR
    to it in one rename, so readers see the old site or the new, never half of one
    (point the web server at DIR). The last --keep releases are kept; --rollback
    switches DIR back to the release before the live one. DIR may not be an existing
    folder with files in it: publish never deletes anything it did not make.

    --gh-pages builds into --output and commits it as the whole of the gh-pages
    branch of the repository in the current folder (with .nojekyll); it pushes only
    with --push.

    Example:

    \b
        python tasks.py publish --to /srv/www/site --site-url https://news.example.org
        python tasks.py publish --rollback --to /srv/www/site
        python tasks.py publish --gh-pages --push
    """
    source = click.get_current_context().get_parameter_source
    given = {
        name
        for name in ("keep", "remote", "branch")
        if source(name) == click.core.ParameterSource.COMMANDLINE
    }
    if (web_root is None) == (not gh_pages):
        raise click.UsageError("give one of --to DIR or --gh-pages")
    if web_root is not None and (push or output or {"remote", "branch"} & given):
        raise click.UsageError("--push, --remote, --branch and --output go with --gh-pages")
    if gh_pages and (rollback or "keep" in given):
        raise click.UsageError("--rollback and --keep go with --to DIR")
    if rollback and (site_url or source("content_dir") == click.core.ParameterSource.COMMANDLINE):
        raise click.UsageError(
            "--rollback builds nothing: --site-url and --content-dir do not apply"
        )
    try:
        if rollback:
            left, live = roll_back_release(web_root)
            click.echo(f"{web_root} now serves {live.name} again (rolled back from {left.name})")
        elif web_root is not None:
            with _site_url(site_url):
                release = _publish_to(web_root, content_dir, keep)
            click.echo(f"{web_root} now serves {release.name}")
        else:
            with _site_url(site_url):
                built = _build_or_refuse(output, content_dir, branch)
            sha = commit_gh_pages(built, branch=branch, push=push, remote=remote)
            pushed = (
                f" and pushed it to {remote}"
                if push
                else f"; push it with `git push {remote} {branch}` (or publish with --push)"
            )
            click.echo(f"Committed {built} to {branch} as {sha[:12]}{pushed}")
    except BroadsheetError as error:
        raise click.ClickException(str(error)) from error


def _publish_to(web_root: Path, content_dir: Path, keep: int) -> Path:
    def build(release: Path) -> None:
        run_pelican(publish=True, output=release, content_dir=content_dir)

    try:
        return publish_to(web_root, build, "local", keep)
    except BuildError as error:
        raise click.ClickException(
            f"{web_root}: not published, the live site is unchanged: {error}"
        ) from error


def _build_or_refuse(output: Path | None, content_dir: Path, branch: str) -> Path:
    try:
        return run_pelican(publish=True, output=output, content_dir=content_dir)
    except BuildError as error:
        raise click.ClickException(
            f"{branch}: not published, nothing committed: {error}"
        ) from error


@cli.command(name="install-hook")
@click.argument("git_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--web-root",
    required=True,
    type=click.Path(path_type=Path),
    metavar="DIR",
    help="Where the site goes live: a symlink to the live release (see publish --to).",
)
@click.option(
    "--branch", default="main", show_default=True, help="The branch whose pushes are published."
)
@site_url_option
@keep_option
@click.option("--force", is_flag=True, help="Replace a post-receive hook that is not ours.")
def install_hook_command(git_dir, web_root, branch, site_url, keep, force):
    """Publish on git push: write a post-receive hook into the bare repository GIT_DIR.

    Each push to --branch is exported from the repository, built with publishconf.py
    by the pushed commit's own tasks.py (run by this Python interpreter), and made
    live at --web-root as publish --to does. A failed build is reported in the
    pusher's `git push` output and leaves the live site as it was; two pushes at
    once are built one after the other.

    Example:

    \b
        python tasks.py install-hook /srv/git/site.git --web-root /srv/www/site \\
            --site-url https://news.example.org
    """
    try:
        hook, replaced = install_hook(
            git_dir,
            web_root,
            branch=branch,
            site_url=site_url,
            keep=keep,
            force=force,
            python=sys.executable,
            tasks_path=Path(__file__).resolve(),
        )
    except BroadsheetError as error:
        raise click.ClickException(str(error)) from error
    note = " (the hook that was there is replaced)" if replaced else ""
    live_at = os.path.abspath(web_root)
    click.echo(f"Installed {hook}{note}: a push to {branch} goes live at {live_at}")


@cli.command(name="publish-hook", hidden=True)
@click.option(
    "--web-root",
    required=True,
    type=click.Path(path_type=Path),
    metavar="DIR",
    help="Where the site goes live.",
)
@click.option("--branch", default="main", show_default=True, help="The branch published.")
@site_url_option
@keep_option
@click.option(
    "--git-dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="GIT_DIR",
    default=Path("."),
    help="The bare repository [default: $GIT_DIR, else the current folder].",
)
def publish_hook(web_root, branch, site_url, keep, git_dir):
    """What the post-receive hook runs: publish the pushed commit of --branch.

    Reads git's post-receive lines ("old-sha new-sha ref") on stdin.

    Example:

    \b
        echo "$old $new refs/heads/main" | python tasks.py publish-hook --web-root /srv/www/site
    """
    try:
        updates = parse_ref_updates(sys.stdin)
        run_hook(
            git_dir,
            web_root,
            branch,
            updates,
            python=sys.executable,
            site_url=site_url,
            keep=keep,
            report=click.echo,
        )
    except BroadsheetError as error:
        raise click.ClickException(str(error)) from error


if __name__ == "__main__":
    cli()
