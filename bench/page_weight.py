"""CSS, JavaScript and font bytes a reader's browser fetches, per page of the demo site.

    .venv/bin/python bench/page_weight.py                   # builds the demo site (as `make site`)
    .venv/bin/python bench/page_weight.py --output output   # an existing build instead

Builds the demo site into a temporary folder (samples/raw imported, then content/'s
digests, pages, tags.yml and sources.yml beside them; `tasks.py build`), and, as the anchor,
the same articles with Pelican's default theme (notmyidea, no plugins). Each is served over
HTTP on 127.0.0.1 and opened in Debian's Chromium through Playwright, one fresh browser
context per page; every response is recorded with its uncompressed body size (the server
does not compress). On the Search page Pagefind's files load on demand and are counted
apart: its UI on page load, then its engine, WebAssembly and index after one query.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import io
import logging
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
# Without these Debian's Chromium tries to reach Google's services and stalls.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# The target: CSS + JS on an article page, uncompressed, search excluded.
TARGET_BYTES = 30_000

# Demo pages: an article with a lead image (the site's own copy), related stories and
# "Featured in"; the latest issue.
DEMO_ARTICLE = "2025/03/night-ferry-to-kessel-island-returns-after-two-year-pause.html"
DEMO_DIGEST = "digests/2025/06/night-ferries-and-bin-days.html"
SEARCH_PAGE = "search.html"
SEARCH_WORD = "Brannigan"  # one demo article's body has it
PAGEFIND_FOLDER = "/pagefind/"
# Pelican's own settings for the anchor: the default theme, no plugins, our URLs (so the
# same article path works on both sites) and relative links as in our local build.
DEFAULT_THEME_SETTINGS = {
    "SITENAME": "Broadsheet",
    "TIMEZONE": "UTC",
    "DEFAULT_LANG": "en",
    "ARTICLE_PATHS": ["articles"],
    "PAGE_PATHS": ["pages"],
    "PLUGINS": [],  # None would load every pelican.plugins namespace package installed
    "RELATIVE_URLS": True,
    "ARTICLE_URL": "{date:%Y}/{date:%m}/{slug}.html",
    "ARTICLE_SAVE_AS": "{date:%Y}/{date:%m}/{slug}.html",
    "PAGE_URL": "{slug}.html",
    "PAGE_SAVE_AS": "{slug}.html",
    "CACHE_CONTENT": False,
    "LOAD_CONTENT_CACHE": False,
}


class BenchError(Exception):
    """A build or a page that the benchmark cannot measure."""


def run_tasks(*arguments: str) -> None:
    """Run `tasks.py ARGUMENTS` as `make site` does; raise BenchError with its output."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "tasks.py"), *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise BenchError(f"tasks.py {' '.join(arguments)} failed:\n{done.stdout}{done.stderr}")


def build_demo_site(folder: Path) -> tuple[Path, Path]:
    """Import samples/raw and build the demo site in `folder`; return (content, output)."""
    content, output = folder / "content", folder / "output"
    content.mkdir(parents=True)
    # The import reads the outlets from sources.yml, as it does in content/ for `make site`.
    for name in ("sources.yml", "tags.yml"):
        shutil.copy2(ROOT / "content" / name, content / name)
    run_tasks("import", str(ROOT / "samples" / "raw"), "--content-dir", str(content))
    for name in ("digests", "pages"):
        shutil.copytree(ROOT / "content" / name, content / name)
    run_tasks("build", "--content-dir", str(content), "--output", str(output))
    return content, output


def build_default_theme_site(content: Path, output: Path) -> Path:
    """Build `content`'s articles and pages with Pelican's default theme into `output`."""
    from pelican import Pelican
    from pelican.settings import read_settings

    logging.getLogger("pelican").setLevel(logging.ERROR)
    settings = read_settings(
        None,
        override={**DEFAULT_THEME_SETTINGS, "PATH": str(content), "OUTPUT_PATH": str(output)},
    )
    with contextlib.redirect_stdout(io.StringIO()):  # Pelican's "Done: Processed ..." line
        Pelican(settings).run()
    return output


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base's name
        pass


@contextmanager
def serve_folder(folder: Path) -> Iterator[str]:
    """Serve `folder` over HTTP on a free port of 127.0.0.1; yield its origin."""
    handler = functools.partial(QuietHandler, directory=str(folder))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def require_pages(output: Path, paths: list[str]) -> None:
    """Refuse a build that lacks a page to measure, naming it."""
    missing = [path for path in paths if not (output / path).is_file()]
    if missing:
        raise BenchError(f"{output} has no {', '.join(missing)}")


@dataclass
class Weight:
    """Uncompressed bytes of what one page load fetched, by kind."""

    html: int = 0
    css: int = 0
    js: int = 0
    fonts: int = 0
    other: int = 0
    files: list[str] = field(default_factory=list)

    @property
    def css_js(self) -> int:
        return self.css + self.js

    def add(self, resource_type: str, url: str, size: int) -> None:
        kind = {"document": "html", "stylesheet": "css", "script": "js", "font": "fonts"}
        name = kind.get(resource_type, "other")
        setattr(self, name, getattr(self, name) + size)
        self.files.append(f"{name} {size:,} {url}")


@dataclass
class PageWeight:
    """A page's own weight and, apart, Pagefind's files: on load, and for one query."""

    own: Weight
    pagefind: Weight
    query: Weight
    refused: list[str]


def measure_page(browser, origin: str, path: str, query: str | None = None) -> PageWeight:
    """Open `path` in a fresh context; with `query`, type it into the search box too."""
    context = browser.new_context(service_workers="block")
    page = context.new_page()
    refused: list[str] = []
    responses = []

    def route(route) -> None:
        if route.request.url.startswith(origin + "/"):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    page.route("**/*", route)
    page.on("response", lambda response: responses.append(response))
    weight = PageWeight(Weight(), Weight(), Weight(), refused)
    try:
        page.goto(f"{origin}/{path}", wait_until="networkidle")
        loaded = len(responses)
        if query is not None:
            page.locator(".pagefind-ui__search-input").fill(query)
            page.locator(".pagefind-ui__result-link").first.wait_for(timeout=10_000)
            page.wait_for_load_state("networkidle")
        for number, response in enumerate(responses):
            if response.status != 200:
                raise BenchError(f"HTTP {response.status} for {response.url} on {path}")
            if number >= loaded:
                target = weight.query
            elif PAGEFIND_FOLDER in response.url:
                target = weight.pagefind
            else:
                target = weight.own
            target.add(response.request.resource_type, response.url, len(response.body()))
    finally:
        context.close()
    return weight


def measure_site(origin: str, pages: dict[str, str]) -> dict[str, PageWeight]:
    """Every page of `pages` (label: path) measured in one Chromium."""
    from playwright.sync_api import sync_playwright

    weights = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        try:
            for label, path in pages.items():
                query = SEARCH_WORD if path == SEARCH_PAGE else None
                weights[label] = measure_page(browser, origin, path, query=query)
        finally:
            browser.close()
    return weights


def print_table(rows: list[tuple[str, str, Weight, str]]) -> None:
    """One line per (site, page, weight, note); bytes uncompressed."""
    header = ("site", "page", "HTML", "CSS", "JS", "fonts", "CSS+JS", "other", "target")
    lines = [
        (site, page)
        + tuple(f"{n:,}" for n in (w.html, w.css, w.js, w.fonts, w.css_js, w.other))
        + (note,)
        for site, page, w, note in rows
    ]
    widths = [max(len(row[i]) for row in [header, *lines]) for i in range(len(header))]
    for row in [header, *lines]:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        print("  ".join(cells).rstrip())


def verdict(weight: Weight) -> str:
    under = weight.css_js < TARGET_BYTES
    return f"< {TARGET_BYTES:,}: {'met' if under else 'NOT met'}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, help="measure this existing build of ours")
    parser.add_argument(
        "--content-dir",
        type=Path,
        default=ROOT / "content",
        help="content for the default-theme anchor when --output is given [default: content/]",
    )
    parser.add_argument("--verbose", action="store_true", help="list every file fetched")
    args = parser.parse_args()
    pages = {"home": "index.html", "article": DEMO_ARTICLE, "digest": DEMO_DIGEST}
    anchor_pages = {"home": "index.html", "article": DEMO_ARTICLE}
    with tempfile.TemporaryDirectory(prefix="broadsheet-weight-bench-") as temp:
        temp = Path(temp)
        if args.output:
            ours, content = args.output.resolve(), args.content_dir.resolve()
        else:
            content, ours = build_demo_site(temp / "demo")
        anchor = build_default_theme_site(content, temp / "default-theme")
        require_pages(ours, [*pages.values(), SEARCH_PAGE])
        require_pages(anchor, list(anchor_pages.values()))
        with serve_folder(ours) as origin:
            weights = measure_site(origin, {**pages, "search": SEARCH_PAGE})
        with serve_folder(anchor) as origin:
            anchor_weights = measure_site(origin, anchor_pages)
    every_weight = [*weights.values(), *anchor_weights.values()]

    rows = [
        ("broadsheet", f"{label}: {path}", weights[label].own, verdict(weights[label].own))
        for label, path in pages.items()
    ]
    search = weights["search"]
    rows += [
        ("broadsheet", f"search: {SEARCH_PAGE}, without Pagefind", search.own, ""),
        ("broadsheet", "search: Pagefind UI, on load", search.pagefind, "(on demand)"),
        ("broadsheet", f"search: one query ({SEARCH_WORD!r})", search.query, "(on demand)"),
    ]
    rows += [
        ("pelican default theme", f"{label}: {path}", anchor_weights[label].own, "")
        for label, path in anchor_pages.items()
    ]
    print(f"Bytes, uncompressed. Target: CSS + JS under {TARGET_BYTES:,} on an article page.")
    print("other: fetches (Pagefind's WebAssembly, index and fragments), images")
    print_table(rows)
    refused = sorted({url for weight in every_weight for url in weight.refused})
    if refused:
        print("off-site requests refused: " + ", ".join(refused))
    if args.verbose:
        for weight in every_weight:
            for part in (weight.own, weight.pagefind, weight.query):
                for line in part.files:
                    print(f"  {line}")


if __name__ == "__main__":
    try:
        main()
    except BenchError as error:
        sys.exit(f"page_weight: {error}")
