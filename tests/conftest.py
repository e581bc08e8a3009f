"""Shared fixtures: the repository's paths, a fixed clock, golden-file updating."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

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
