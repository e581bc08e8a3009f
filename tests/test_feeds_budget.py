"""plugins/feeds: the size budget holds on a real build of a 2,000-article site."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import pytest
from conftest import build_pelican_site

SITE_URL = "https://news.example"
ARTICLES = 2000
MAX_BYTES = 1_500_000
TOPICS = ("Harbours", "Railways")
START = datetime(2023, 1, 1, 6, 0, tzinfo=UTC)


def article_text(number: int) -> str:
    """A small fictional article; its body says BODY-<n>, which its summary does not."""
    when = START + timedelta(hours=7 * number)
    topic = TOPICS[number % len(TOPICS)]
    paragraph = (
        f"The {topic.lower()} committee met again on day {number} to hear residents, "
        "who asked for longer opening hours, safer crossings and a clearer timetable. "
    )
    return (
        f"Title: {topic} update number {number}\n"
        f"Date: {when.isoformat()}\n"
        f"Slug: {topic.lower()}-update-{number}\n"
        f"Uid: tag:broadsheet,{when:%Y-%m-%d}:{number:08x}\n"
        f"Category: {'Local' if number % 2 else 'Regional'}\n"
        f"Tags: {topic}\n"
        f"Summary: Summary of update {number}.\n"
        "\n"
        f"Summary of update {number}.\n\n"
        f"BODY-{number}: {paragraph * 6}\n\n"
        f"{paragraph * 6}\n"
    )


@pytest.fixture(scope="module")
def big_site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("budget")
    content = root / "content" / "articles"
    content.mkdir(parents=True)
    for number in range(ARTICLES):
        (content / f"update-{number}.md").write_text(article_text(number), encoding="utf-8")
    return build_pelican_site(
        root / "content",
        root / "output",
        FEEDS_SITEURL=SITE_URL,
        FEEDS_MAX_ITEMS=5000,
        FEEDS_MAX_BYTES=MAX_BYTES,
        # Only this plugin: the budget is its business, and the build stays quick.
        PLUGINS=["feeds"],
        ARTICLE_SAVE_AS="",
        TAG_SAVE_AS="",
        CATEGORY_SAVE_AS="",
        DIRECT_TEMPLATES=[],
        YEAR_ARCHIVE_SAVE_AS="",
        MONTH_ARCHIVE_SAVE_AS="",
        MARKDOWN={"extension_configs": {}, "output_format": "html5"},
    )


def numbers_with_full_content(contents: list[str]) -> list[int]:
    """Positions (newest first) of the entries whose content still has its body."""
    return [
        position
        for position, html in enumerate(contents)
        if "BODY-" in html and "committee met again" in html
    ]


def check_newest_keep_full_content(contents: list[str], summaries_ok: list[bool]) -> int:
    full = numbers_with_full_content(contents)
    # The newest entries keep full content, in one unbroken run; all the rest lost it.
    assert full == list(range(len(full)))
    assert 0 < len(full) < len(contents)
    assert all(summaries_ok)
    return len(full)


@pytest.mark.parametrize(
    "name",
    [
        "all.atom.xml",
        "all.rss.xml",
        "tag/harbours.atom.xml",
        "tag/railways.rss.xml",
        "category/local.atom.xml",
    ],
)
def test_xml_feeds_stay_within_budget_dropping_oldest_content_first(big_site, name):
    path = big_site / "feeds" / name
    assert path.stat().st_size <= MAX_BYTES
    feed = feedparser.parse(path.read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    expected = ARTICLES if name.startswith("all.") else None
    if expected:
        assert len(feed.entries) == expected  # no entry left out, only content
    numbers = [int(entry.title.rsplit(" ", 1)[1]) for entry in feed.entries]
    assert numbers == sorted(numbers, reverse=True)
    contents = [entry.content[0].value for entry in feed.entries]
    summaries = [
        f"Summary of update {n}." in entry.summary
        for n, entry in zip(numbers, feed.entries, strict=True)
    ]
    check_newest_keep_full_content(contents, summaries)


def test_json_feed_and_every_other_feed_stay_within_budget(big_site):
    feeds = sorted((big_site / "feeds").rglob("*.*"))
    feeds = [p for p in feeds if p.suffix in (".xml", ".json")]
    assert len(feeds) == 3 + 2 * len(TOPICS) + 2 * 2
    for path in feeds:
        assert path.stat().st_size <= MAX_BYTES, path

    feed = json.loads((big_site / "feeds/all.json").read_text(encoding="utf-8"))
    items = feed["items"]
    assert len(items) == ARTICLES
    contents = [item["content_html"] for item in items]
    summaries = [item["summary"].startswith("Summary of update") for item in items]
    kept = check_newest_keep_full_content(contents, summaries)
    # Entries without full content keep their summary and link.
    assert items[kept]["content_html"].startswith("<p>Summary of update")
    assert items[-1]["url"].startswith(SITE_URL + "/")
