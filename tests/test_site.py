"""End to end: import the seed, build the site with Pelican, read it as a reader and
as a feed reader would; and the preview server over real HTTP."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import feedparser
import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner
from conftest import ROOT, SAMPLES, import_and_build

import tasks


@pytest.fixture
def seed_site(seed_path, tmp_path) -> Path:
    return import_and_build(seed_path, tmp_path / "content", tmp_path / "output")


def test_seed_article_page_shows_what_a_reader_needs(seed_site):
    page = seed_site / "2024" / "01" / "pakistan-iran-agree-to-de-escalate-tensions.html"
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "lxml")
    assert soup.h1.get_text(strip=True) == "Pakistan, Iran agree to ‘de-escalate’ tensions"
    text = soup.get_text(" ", strip=True)
    for wanted in [
        "Daily Express",
        "ISLAMABAD",
        "AFP",
        "Border closure fears",
        "A collective death toll of 11, mostly women and children",
        "after the Taliban’s return to power there in 2021.",
    ]:
        assert wanted in text
    for unwanted in ["Text Size", "Published on", "Follow us", "RM 18.00", "Top Stories"]:
        assert unwanted not in text
    assert soup.find("time")["datetime"].startswith("2024-01-20")


@pytest.mark.parametrize("name", ["all.atom.xml", "all.rss.xml"])
def test_seed_feeds_are_valid_with_full_content(seed_site, name):
    feed = feedparser.parse((seed_site / "feeds" / name).read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    [entry] = feed.entries
    assert entry.title == "Pakistan, Iran agree to ‘de-escalate’ tensions"
    assert entry.link.startswith("http") and entry.link.endswith(
        "/2024/01/pakistan-iran-agree-to-de-escalate-tensions.html"
    )
    assert entry.id.startswith("tag:broadsheet,2024-01-20:")
    stamp = entry.updated_parsed if name.endswith(".atom.xml") else entry.published_parsed
    assert stamp[:3] == (2024, 1, 20)
    content = entry.content[0].value
    assert "Militancy has also risen sharply" in content
    assert "Border closure fears" in content


def test_feed_ids_survive_a_retitle(seed_site, tmp_path):
    content = tmp_path / "content"
    [article] = content.rglob("*.md")
    before = feedparser.parse((seed_site / "feeds" / "all.atom.xml").read_bytes()).entries[0].id
    article.write_text(
        article.read_text(encoding="utf-8").replace(
            "Title: Pakistan, Iran agree", "Title: Pakistan and Iran agree"
        ),
        encoding="utf-8",
    )
    CliRunner().invoke(
        tasks.cli, ["build", "--content-dir", str(content), "--output", str(tmp_path / "again")]
    )
    entry = feedparser.parse((tmp_path / "again" / "feeds" / "all.atom.xml").read_bytes()).entries[
        0
    ]
    assert entry.title.startswith("Pakistan and Iran")
    assert entry.id == before


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str, deadline: float) -> str:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.read().decode("utf-8")
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_serve_previews_on_localhost_and_rebuilds_on_change(tmp_path):
    site = tmp_path / "site"
    for name in ("pelicanconf.py", "publishconf.py", "tasks.py"):
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_bytes((ROOT / name).read_bytes())
    for folder in ("theme", "plugins"):
        os.symlink(ROOT / folder, site / folder)
    sample = sorted(SAMPLES.glob("*.txt"))[0]
    runner = CliRunner()
    result = runner.invoke(
        tasks.cli, ["import", str(sample), "--content-dir", str(site / "content")]
    )
    assert result.exit_code == 0
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "tasks.py", "serve", "--port", str(port), "--interval", "0.2"],
        cwd=site,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        index = fetch(f"http://127.0.0.1:{port}/index.html", time.monotonic() + 30)
        [article] = (site / "content").rglob("*.md")
        title = article.read_text(encoding="utf-8").splitlines()[0].removeprefix("Title: ")
        assert title in index
        article.write_text(
            article.read_text(encoding="utf-8").replace(
                f"Title: {title}", "Title: A headline changed while serving"
            ),
            encoding="utf-8",
        )
        deadline = time.monotonic() + 30
        while "A headline changed while serving" not in fetch(
            f"http://127.0.0.1:{port}/index.html", deadline
        ):
            assert time.monotonic() < deadline, "serve did not rebuild after the change"
            time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_demo_corpus_builds_and_the_wire_copy_is_credited_on_the_original(tmp_path):
    content, output = tmp_path / "content", tmp_path / "output"
    runner = CliRunner()
    imported = runner.invoke(
        tasks.cli, ["import", str(SAMPLES), "--content-dir", str(content), "--json"]
    )
    assert imported.exit_code == 0, imported.output
    counts = json.loads(imported.stdout)["counts"]
    # two copies of the AFP tuna story (a scrape and a feed entry) fold into the first
    assert counts["duplicate"] == 2 and counts["failed"] == 0
    scrapes, pages = len(list(SAMPLES.glob("*.txt"))), len(list(SAMPLES.glob("*.html")))
    feed_entries = 2
    assert counts["imported"] == scrapes + pages + feed_entries - 2
    # The demo's curated digest issues, which name the imported articles by slug.
    shutil.copytree(ROOT / "content" / "digests", content / "digests")
    built = runner.invoke(
        tasks.cli, ["build", "--content-dir", str(content), "--output", str(output)]
    )
    assert built.exit_code == 0, built.output
    page = (
        output
        / "2024"
        / "11"
        / "pacific-nations-agree-tuna-catch-cut-after-marathon-fiji-talks.html"
    )
    text = BeautifulSoup(page.read_text(encoding="utf-8"), "lxml").get_text(" ", strip=True)
    assert "Also reported by: Straits Ledger" in text and "Tarrow Gazette" in text
    feed = feedparser.parse((output / "feeds" / "all.atom.xml").read_bytes())
    assert not feed.bozo
    assert len(feed.entries) == counts["imported"]
    # Each demo event with follow-up coverage links its other reports first.
    events = [
        [
            "2025/03/night-ferry-to-kessel-island-returns-after-two-year-pause",
            "2025/03/shift-workers-say-night-ferry-timetable-leaves-them-stranded-at-weekends",
            "2025/03/kessel-island-night-ferry-to-add-friday-sailings-for-the-herring-season",
        ],
        [
            "2025/01/tea-prices-slide-at-mombasa-auction-as-buyers-hold-back",
            "2025/02/mombasa-tea-auction-ends-four-week-slide-as-middle-east-buyers-return",
            "2025/02/nyamira-tea-growers-demand-bonus-advance-as-auction-slump-bites",
        ],
        [
            "2025/06/northgate-to-move-to-three-weekly-bin-collections-despite-4000-name-petition",
            "2025/06/northgate-bin-petitioners-launch-legal-challenge-to-three-weekly-collections",
            "2025/06/northgate-sets-out-three-weekly-bin-plan-as-legal-challenge-looms",
        ],
    ]
    for event in events:
        for page in event:
            html = (output / f"{page}.html").read_text(encoding="utf-8")
            links = BeautifulSoup(html, "lxml").select("aside.related-stories li a")
            shown = ["/".join(a["href"].split("/")[-3:]).removesuffix(".html") for a in links]
            assert sorted(shown[:2]) == sorted(set(event) - {page}), (page, shown)
    # The home page leads with the latest of the demo's (at least two) digest issues.
    issues = sorted((output / "digests").glob("*/*/*.html"))
    assert len(issues) >= 2
    home = BeautifulSoup((output / "index.html").read_text(encoding="utf-8"), "lxml")
    text = home.get_text(" ", strip=True)
    assert text.index("Night ferries and bin days") < text.index("Latest stories")
    archive = (output / "digests" / "index.html").read_text(encoding="utf-8")
    assert "Tea, coffee and a ferry terminal" in archive and "Night ferries and bin days" in archive
