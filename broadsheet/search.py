"""The site's search index: Pagefind run over a built site, the build's last step.

Pagefind (PyPI `pagefind-bin`, which ships the binary; nothing is downloaded) reads
the article pages of the output folder (the files ARTICLE_SAVE_AS can name: `article_glob`;
tag, archive, digest and draft pages are never read), indexes only what the theme marks
`data-pagefind-body` (article bodies), and writes its index and UI into
`<output>/pagefind/`. Reading only the article pages costs Pagefind a quarter less time
and memory on a large site than reading every page (docs/PERFORMANCE.md).
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from broadsheet.errors import BuildError

SEARCH_FOLDER = "pagefind"  # in the output folder; theme/templates/search.html loads it
TIMEOUT_SECONDS = 600


@dataclass(frozen=True)
class SearchIndex:
    folder: Path
    pages: int  # pages indexed, all languages
    seconds: float


def pagefind_executable() -> Path:
    """The Pagefind binary that the `pagefind-bin` package installed."""
    try:
        import pagefind_bin
    except ImportError as error:
        raise BuildError(
            "search index failed: the pagefind-bin package is not installed "
            "(pip install -e . installs it; or set SEARCH_INDEX = False)"
        ) from error
    try:
        return pagefind_bin.get_executable()
    except FileNotFoundError as error:
        raise BuildError(f"search index failed: {error}") from error


def article_glob(save_as: str | None) -> str | None:
    """The Pagefind glob of the files an ARTICLE_SAVE_AS pattern names, each {field} a
    `*` within one folder: "{date:%Y}/{date:%m}/{slug}.html" -> "*/*/*.html". None (every
    page) for a pattern with nothing but fields in its file name's stem, or none at all."""
    if not save_as or not save_as.endswith(".html"):
        return None
    pattern = re.sub(r"\{[^{}]*\}", "*", save_as.replace("\\", "/"))
    pattern = re.sub(r"\*+", "*", pattern)
    return None if pattern in ("*.html", "") else pattern


def index_site(output: Path, language: str | None = None, glob: str | None = None) -> SearchIndex:
    """Run Pagefind over the built site in `output`; BuildError (one line) if it fails.

    With `language` (the site's DEFAULT_LANG), every page joins one index in that
    language: Pagefind would otherwise split the index by each page's `lang`, and the
    search page would find only the articles in its own language. With `glob`
    (`article_glob`), Pagefind reads only the files it matches."""
    return finish_index(start_index(output, language, glob))


@dataclass
class RunningIndex:
    """A Pagefind run started by `start_index`, for `finish_index` to wait for."""

    output: Path
    process: subprocess.Popen
    started: float

    def stop(self) -> None:
        """End the run without an index (the build failed)."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.communicate()


def start_index(output: Path, language: str | None = None, glob: str | None = None) -> RunningIndex:
    """Start Pagefind over `output` in the background (as `index_site` runs it); the
    build goes on writing other pages meanwhile. BuildError if it cannot start."""
    output = output.resolve()
    command = [
        str(pagefind_executable()),
        "--site",
        str(output),
        "--output-subdir",
        SEARCH_FOLDER,
    ]
    if glob:
        command += ["--glob", glob]
    if language:
        command += ["--force-language", language]
    try:
        # cwd=output: Pagefind reads a pagefind.yml/.toml/.json from its working folder,
        # and only the project's settings may steer the build.
        process = subprocess.Popen(
            command,
            cwd=output,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        )
    except OSError as error:
        raise BuildError(f"search index failed: {error}") from error
    return RunningIndex(output, process, time.perf_counter())


def finish_index(running: RunningIndex) -> SearchIndex:
    """Wait for a Pagefind run; its SearchIndex, or BuildError (one line) if it failed."""
    try:
        printed, _ = running.process.communicate(timeout=TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired as error:
        running.stop()
        raise BuildError(f"search index failed: {error}") from error
    seconds = time.perf_counter() - running.started
    folder = running.output / SEARCH_FOLDER
    if running.process.returncode:
        lines = [line.strip() for line in printed.splitlines()]
        lines = [line for line in lines if line]
        detail = next((line for line in lines if "error" in line.lower()), None)
        detail = detail or (lines[-1] if lines else "no output")
        raise BuildError(
            f"search index failed: pagefind exit {running.process.returncode}: {detail}"
        )
    return SearchIndex(folder, indexed_pages(folder), seconds)


def indexed_pages(folder: Path) -> int:
    """How many pages the index in `folder` holds (from its pagefind-entry.json)."""
    try:
        entry = json.loads((folder / "pagefind-entry.json").read_text(encoding="utf-8"))
        return sum(language["page_count"] for language in entry["languages"].values())
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise BuildError(f"search index failed: no readable index in {folder}: {error}") from error
