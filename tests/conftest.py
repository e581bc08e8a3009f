"""Shared fixtures: the repository's paths, a fixed clock, golden-file updating, and the
browser tests' parts (a static server on 127.0.0.1, Debian's Chromium, the demo site)."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
EVAL = SHARED / "eval"  # the public evaluation data the gates and benchmarks read
SEED = SHARED / "seed" / "000_1c2efd2ed58ed815.txt"
SAMPLES = ROOT / "samples" / "raw"
FIXTURES = ROOT / "tests" / "fixtures"
# Every feed the feeds plugin can write, at the demo site's paths (tests that need them all).
ALL_FEEDS = {
    "FEEDS_ATOM_PATH": "feeds/all.atom.xml",
    "FEEDS_RSS_PATH": "feeds/all.rss.xml",
    "FEEDS_JSON_PATH": "feeds/all.json",
    "FEEDS_TAG_ATOM_PATH": "feeds/tag/{slug}.atom.xml",
    "FEEDS_TAG_RSS_PATH": "feeds/tag/{slug}.rss.xml",
    "FEEDS_CATEGORY_ATOM_PATH": "feeds/category/{slug}.atom.xml",
    "FEEDS_CATEGORY_RSS_PATH": "feeds/category/{slug}.rss.xml",
    "FEEDS_DIGEST_ATOM_PATH": "feeds/digests.atom.xml",
    "FEEDS_DIGEST_RSS_PATH": "feeds/digests.rss.xml",
    "FEEDS_OPML_PATH": "feeds/feeds.opml",
    "FEEDS_MAX_ITEMS": 50,
}

# The browser tests drive Debian's Chromium through Playwright and never download a
# browser; axe-core and the Nu Html Checker come from npm (package.json, `npm ci`).
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
NODE_MODULES = ROOT / "node_modules"
# `.ci/run` sets this: a browser test that would be skipped for a missing tool fails.
REQUIRE_BROWSER = "BROADSHEET_REQUIRE_BROWSER"
# Where the browser tests leave their screenshots (a folder git ignores).
ARTIFACTS = Path(os.environ.get("BROADSHEET_TEST_ARTIFACTS") or ROOT / "test-artifacts")

# The clock every golden import runs at: the no-date sample is dated by it.
FIXED_NOW = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="Rewrite tests/fixtures/expected/ from the current output (review the diff!).",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture
def seed_path() -> Path:
    if not SEED.exists():
        pytest.skip(f"the seed scrape is not at {SEED} (../shared is absent)")
    return SEED


def write_content(content_dir: Path, files: dict[str, str]) -> None:
    """Write each relative path -> text under content_dir."""
    for relative_path, text in files.items():
        path = content_dir / relative_path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


# Twelve short stories over three months, two tags, one outlet: a site big enough to
# share out between processes (plugins/parallel_read, plugins/parallel_write).
TWELVE_STORIES = {
    f"articles/2024/0{month}/story-{n}.md": (
        f"Title: Harbour story {n}\nDate: 2024-0{month}-1{n % 10}\nCategory: Local\n"
        f"Tags: Harbours, Ferries\nSource: Estuary Post\n\n"
        f"The ferry number {n} left the *north quay* at dawn.\n\n## Later\n\nIt came back.\n"
    )
    for n, month in zip(range(12), [1, 2, 3] * 4, strict=True)
}


def count_markdown_reads(monkeypatch) -> list[str]:
    """The content files a Markdown reader parses in this process from now on (not those
    taken from Pelican's cache; forked workers' reads stay in their copies of the list),
    each once, whichever reader: Pelican's MarkdownReader, or plugins/fast_markdown's
    (which hands what it does not answer for to Pelican's)."""
    import importlib

    from pelican.readers import MarkdownReader

    monkeypatch.syspath_prepend(str(ROOT / "plugins"))  # the module Pelican loads too
    fast = importlib.import_module("fast_markdown.fast_markdown").FastMarkdownReader
    parsed: list[str] = []
    real, real_fast = MarkdownReader.read, fast.read

    def read(self, source_path):
        if not isinstance(self, fast):  # fast_markdown's own reads are noted below
            parsed.append(source_path)
        return real(self, source_path)

    def read_fast(self, source_path):
        parsed.append(source_path)
        return real_fast(self, source_path)

    monkeypatch.setattr(MarkdownReader, "read", read)
    monkeypatch.setattr(fast, "read", read_fast)
    return parsed


def build_pelican_site(
    content_dir: Path, output: Path, config: str = "pelicanconf.py", **overrides
) -> Path:
    """Run a real Pelican build of content_dir with the project's settings and theme."""
    from pelican import Pelican
    from pelican.settings import read_settings

    settings = read_settings(
        str(ROOT / config),
        override={
            "PATH": str(content_dir),
            "OUTPUT_PATH": str(output),
            "THEME": str(ROOT / "theme"),
            "PLUGIN_PATHS": [str(ROOT / "plugins")],
            "CACHE_PATH": str(output.parent / f"{output.name}-cache"),
            **overrides,
        },
    )
    Pelican(settings).run()
    return output


def load_bench(name: str):
    """Import bench/<name>.py as a module (the evaluation gates run the benchmarks' code)."""
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "bench" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    sys.path.insert(0, str(ROOT / "bench"))  # for bench/aeb_metric.py
    spec.loader.exec_module(module)
    return module


def generated_site(content: Path, count: int):
    """bench/build.py's generated site of `count` articles written into `content`:
    (the bench module, its SiteWriter for adding articles, content)."""
    bench = load_bench("build")
    return bench, bench.generate_site(content, count), content


def cold_publish_build(content: Path, work: Path, monkeypatch) -> Path:
    """`tasks.py build --publish` of a copy of `content` (work/cold-content) without the
    build caches, into work/cold-site: what an incremental build must equal."""
    import shutil

    import tasks

    monkeypatch.delenv("BROADSHEET_CONTENT_CACHE", raising=False)
    copy = work / "cold-content"
    shutil.copytree(content, copy)
    return tasks.run_pelican(publish=True, output=work / "cold-site", content_dir=copy)


def require_tool(path: Path, what: str, install: str) -> Path:
    """path, when it exists; else skip loudly, or fail when BROADSHEET_REQUIRE_BROWSER=1."""
    if path.exists():
        return path
    reason = f"{what} is missing: {path} ({install})"
    if os.environ.get(REQUIRE_BROWSER) == "1":
        pytest.fail(f"{REQUIRE_BROWSER}=1 but {reason}")
    pytest.skip(f"BROWSER TESTS NOT RUN: {reason}")
    raise AssertionError  # pytest.skip raised


@dataclass
class Server:
    """A static file server on 127.0.0.1 that records every path asked of it."""

    root: Path
    origin: str = ""
    paths: list[str] = field(default_factory=list)

    def file_for(self, url: str) -> Path:
        return self.root / unquote(urlsplit(url).path).lstrip("/")


def serve(root: Path):
    """Start serving root over HTTP on a free port; return (Server, httpd)."""
    server = Server(root)

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format, *args):  # noqa: A002 (the base class's name)
            server.paths.append(urlsplit(self.path).path)

        def guess_type(self, path):
            # "tag/.html" has no extension to Python's mimetypes; it is still a page.
            return "text/html" if str(path).endswith(".html") else super().guess_type(path)

    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Handler, directory=str(root))
    )
    server.origin = f"http://127.0.0.1:{httpd.server_address[1]}"
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return server, httpd


@pytest.fixture(scope="session")
def chromium():
    """One headless Debian Chromium for the session (skipped loudly when it is absent)."""
    require_tool(CHROMIUM, "Debian's chromium", "apt-get install chromium; .ci/run does")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def demo_output(tmp_path_factory) -> Path:
    """The demo site as `make site` builds it: the repository's content, the samples
    imported into it (all unchanged), then `tasks.py build` with its search index."""

    base = tmp_path_factory.mktemp("demo-site")
    content = base / "content"
    shutil.copytree(ROOT / "content", content, ignore=shutil.ignore_patterns(".import.lock"))
    return import_and_build(SAMPLES, content, base / "output")


def import_and_build(inputs: Path, content: Path, output: Path) -> Path:
    """`tasks.py import inputs` into content, then `tasks.py build` into output."""
    from click.testing import CliRunner

    import tasks

    runner = CliRunner()
    imported = runner.invoke(tasks.cli, ["import", str(inputs), "--content-dir", str(content)])
    assert imported.exit_code == 0, imported.output
    built = runner.invoke(
        tasks.cli, ["build", "--content-dir", str(content), "--output", str(output)]
    )
    assert built.exit_code == 0, built.output
    return output


@pytest.fixture(scope="session")
def demo_server(demo_output):
    """The built demo site served over real HTTP on 127.0.0.1."""
    server, httpd = serve(demo_output)
    yield server
    httpd.shutdown()
    httpd.server_close()
