"""plugins/feeds: helpers on plain data, then Atom and RSS from a real Pelican build."""

import importlib
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import feedparser
import pytest
from bs4 import BeautifulSoup
from conftest import build_pelican_site, write_content

ROOT = Path(__file__).resolve().parents[1]
SITE_URL = "https://news.example"
ATOM_PATH = "feeds/all.atom.xml"
RSS_PATH = "feeds/all.rss.xml"

LIGHTHOUSE_UID = "tag:broadsheet,2024-01-20:aa11bb22"
LIGHTHOUSE = """\
Title: Harbour town votes to keep its “old” lighthouse & pier
Date: 2024-01-20
Modified: 2024-01-21T09:30:00+02:00
Slug: harbour-town-votes-to-keep-lighthouse
Uid: tag:broadsheet,2024-01-20:aa11bb22
Category: World
Tags: Lighthouses, Local government
Source: The Coastal Gazette
Source_url: https://gazette.example/news/lighthouse-vote
Byline: Jane Doe
Agency: AFP
Dateline: PORT ELLEN
Lang: en
Summary: PORT ELLEN: Residents voted on Friday to keep the lighthouse.

PORT ELLEN: Residents voted on Friday to keep the lighthouse.

## Costs

The repairs will cost [more than expected](/budget/2024.html), said the
council, in a report [summarised here](notes/summary.html).

![The north pier](images/pier.jpg)

Deep in the body, the mayor said the keepers’ cottage would become a museum.
"""

ORCHARD_UID = "tag:broadsheet,2024-02-03:cc33dd44"
ORCHARD = """\
Title: Orchard growers report record cider harvest
Date: 2024-02-03T14:15:00+01:00
Slug: orchard-growers-report-record-cider-harvest
Uid: tag:broadsheet,2024-02-03:cc33dd44
Category: Business
Tags: Farming
Source: Valley Courier

Growers across the valley pressed more apples than in any year since records began.

A late frost had been feared, but the blossom survived the cold snap intact.
"""

FERRY_PATH = "articles/2024/01/ferry-timetable-changes.md"
FERRY = """\
Title: Ferry timetable changes for winter
Date: 2024-01-22 08:00
Slug: ferry-timetable-changes
Category: Transport

The winter timetable starts next week, with two fewer sailings a day.
"""

DRAFT = """\
Title: Unfinished piece about the bypass
Date: 2024-03-01
Slug: bypass-draft
Uid: tag:broadsheet,2024-03-01:ee55ff66
Status: draft

Not ready.
"""

SITE = {
    "articles/2024/01/harbour-town-votes-to-keep-lighthouse.md": LIGHTHOUSE,
    "articles/2024/02/orchard-growers-report-record-cider-harvest.md": ORCHARD,
    FERRY_PATH: FERRY,
}


def build_site(tmp_path: Path, content_dir: Path, name: str = "output", **overrides) -> Path:
    """Run a real Pelican build of content_dir with the project settings; return the output."""
    overrides = {"FEEDS_SITEURL": SITE_URL, **overrides}
    return build_pelican_site(content_dir, tmp_path / name, **overrides)


def build_feeds(tmp_path: Path, files: dict[str, str], **overrides):
    """Build a site from files and return its parsed (atom, rss) feeds."""
    content = tmp_path / "content"
    write_content(content, files)
    output = build_site(tmp_path, content, **overrides)
    return feedparser.parse(output / ATOM_PATH), feedparser.parse(output / RSS_PATH)


def entry_by_id(feed, entry_id: str):
    return next(entry for entry in feed.entries if entry.id == entry_id)


def content_urls(html: str) -> list[str]:
    soup = BeautifulSoup(html, "html.parser")
    return [
        element[attribute]
        for attribute in ("href", "src")
        for element in soup.find_all(attrs={attribute: True})
    ]


@pytest.fixture
def feeds_module(monkeypatch):
    """The plugin module, imported the way Pelican imports it (top-level package `feeds`)."""
    monkeypatch.syspath_prepend(str(ROOT / "plugins"))
    return importlib.import_module("feeds.feeds")


# Helpers on plain data


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(2024, 1, 20, 8, 0), datetime(2024, 1, 20, 8, 0, tzinfo=UTC)),
        (
            datetime(2024, 1, 20, 8, 0, tzinfo=timezone(timedelta(hours=2))),
            datetime(2024, 1, 20, 6, 0, tzinfo=UTC),
        ),
        (date(2024, 1, 20), datetime(2024, 1, 20, tzinfo=UTC)),
    ],
)
def test_to_aware_datetime_treats_naive_as_utc(feeds_module, value, expected):
    result = feeds_module.to_aware_datetime(value, "articles/x.md")
    assert result == expected
    assert result.utcoffset() is not None


@pytest.mark.parametrize("value", [None, "next Tuesday", 20240120])
def test_undatable_article_is_refused_naming_its_file(feeds_module, value):
    article = SimpleNamespace(source_path="/site/content/articles/2024/01/bad.md", date=value)
    with pytest.raises(feeds_module.FeedError, match=r"articles/2024/01/bad\.md"):
        feeds_module.item_from_article(article, SITE_URL, {})


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ('<a href="notes.html">n</a>', '<a href="https://s.example/2024/01/notes.html">n</a>'),
        ('<a href="/budget.html">b</a>', '<a href="https://s.example/budget.html">b</a>'),
        ('<a href="#fn1">1</a>', '<a href="https://s.example/2024/01/story.html#fn1">1</a>'),
        ('<img src="//cdn.example/p.jpg"/>', '<img src="https://cdn.example/p.jpg"/>'),
        ('<a href="mailto:desk@s.example">m</a>', '<a href="mailto:desk@s.example">m</a>'),
        ('<a href="https://other.example/">o</a>', '<a href="https://other.example/">o</a>'),
        (
            '<img srcset="a.jpg 1x, /b.jpg 2x"/>',
            '<img srcset="https://s.example/2024/01/a.jpg 1x, https://s.example/b.jpg 2x"/>',
        ),
    ],
)
def test_absolutize_html_resolves_against_the_permalink(feeds_module, html, expected):
    assert feeds_module.absolutize_html(html, "https://s.example/2024/01/story.html") == expected


def test_fallback_entry_id_is_a_tag_uri_of_path_and_date(feeds_module):
    entry_id = feeds_module.fallback_entry_id(
        "articles/2024/01/café.md", datetime(2024, 1, 22, 23, 30, tzinfo=UTC), "broadsheet"
    )
    assert entry_id == "tag:broadsheet,2024-01-22:articles/2024/01/caf%C3%A9.md"


def test_duplicate_ids_are_refused(feeds_module):
    when = datetime(2024, 1, 20, tzinfo=UTC)
    item = feeds_module.FeedItem(
        id="tag:x,2024:1",
        title="t",
        link="https://s.example/a.html",
        content="<p>c</p>",
        summary="<p>c</p>",
        published=when,
        updated=when,
        author=None,
        categories=(),
        source_path="a.md",
    )
    other = feeds_module.FeedItem(**{**item.__dict__, "source_path": "b.md"})
    with pytest.raises(feeds_module.FeedError, match="already used by"):
        feeds_module.select_items([item, other], None)


# Real builds


@pytest.mark.parametrize("which", ["atom", "rss"])
def test_feed_entries_carry_every_field(tmp_path, which):
    atom, rss = build_feeds(tmp_path, SITE)
    feed = atom if which == "atom" else rss

    assert not feed.bozo, feed.get("bozo_exception")
    assert [entry.id for entry in feed.entries] == [
        ORCHARD_UID,
        "tag:broadsheet,2024-01-22:" + FERRY_PATH,
        LIGHTHOUSE_UID,
    ]
    for entry in feed.entries:
        assert entry.title
        assert entry.link.startswith(SITE_URL + "/")
        assert entry.published_parsed
        if which == "atom":  # RSS 2.0 items have no updated element
            assert entry.updated_parsed
        for url in content_urls(entry.content[0].value) + content_urls(entry.summary):
            assert urlsplit(url).scheme in ("http", "https"), url

    story = entry_by_id(feed, LIGHTHOUSE_UID)
    assert story.title == "Harbour town votes to keep its “old” lighthouse & pier"
    assert story.link == f"{SITE_URL}/2024/01/harbour-town-votes-to-keep-lighthouse.html"
    body = story.content[0].value
    assert "the mayor said the keepers’ cottage would become a museum" in body
    assert f'href="{SITE_URL}/budget/2024.html"' in body
    assert f'href="{SITE_URL}/2024/01/notes/summary.html"' in body
    assert f'src="{SITE_URL}/2024/01/images/pier.jpg"' in body
    original = BeautifulSoup(body, "html.parser").find(
        "a", string="Read the original at The Coastal Gazette"
    )
    assert original["href"] == "https://gazette.example/news/lighthouse-vote"
    assert "Residents voted on Friday to keep the lighthouse." in story.summary
    assert story.author == "Jane Doe"
    # Hand tags first; plugins/autotag may add more after them.
    assert [tag.term for tag in story.tags][:2] == ["Lighthouses", "Local government"]

    no_source_url = entry_by_id(feed, ORCHARD_UID).content[0].value
    assert "Read the original" not in no_source_url
    assert "the blossom survived the cold snap intact" in no_source_url


def test_atom_dates_are_aware_and_feed_updated_is_newest_entry(tmp_path):
    atom, rss = build_feeds(tmp_path, SITE)

    story = entry_by_id(atom, LIGHTHOUSE_UID)
    assert story.published == "2024-01-20T00:00:00+00:00"
    assert story.updated == "2024-01-21T09:30:00+02:00"  # Modified, not Date
    orchard = entry_by_id(atom, ORCHARD_UID)
    assert orchard.updated == orchard.published == "2024-02-03T14:15:00+01:00"
    # Newest updated entry is the orchard story, not the build time.
    assert atom.feed.updated == "2024-02-03T14:15:00+01:00"
    assert rss.feed.updated == "Sat, 03 Feb 2024 14:15:00 +0100"
    assert [link.href for link in atom.feed.links if link.rel == "self"] == [
        f"{SITE_URL}/{ATOM_PATH}"
    ]
    assert atom.feed.link == rss.feed.link == SITE_URL + "/"


def test_two_builds_give_byte_identical_feeds(tmp_path):
    content = tmp_path / "content"
    write_content(content, SITE)
    first = build_site(tmp_path, content, name="first")
    second = build_site(tmp_path, content, name="second")

    for feed_path in (ATOM_PATH, RSS_PATH):
        assert (first / feed_path).read_bytes() == (second / feed_path).read_bytes()


def test_article_without_uid_keeps_its_id_when_retitled(tmp_path):
    content = tmp_path / "content"
    write_content(content, SITE)
    before = feedparser.parse(build_site(tmp_path, content, name="before") / ATOM_PATH)

    retitled = FERRY.replace("Ferry timetable changes for winter", "Winter ferry cuts confirmed")
    write_content(content, {FERRY_PATH: retitled})
    after = feedparser.parse(build_site(tmp_path, content, name="after") / ATOM_PATH)

    def ferry(feed):
        return next(entry for entry in feed.entries if "/ferry-timetable-changes" in entry.link)

    assert ferry(after).title == "Winter ferry cuts confirmed"
    assert ferry(after).id == ferry(before).id == "tag:broadsheet,2024-01-22:" + FERRY_PATH


def test_feeds_hold_newest_published_articles_up_to_max(tmp_path):
    files = {**SITE, "articles/2024/03/bypass-draft.md": DRAFT}
    atom, rss = build_feeds(tmp_path, files, FEEDS_MAX_ITEMS=2)

    for feed in (atom, rss):
        assert [entry.id for entry in feed.entries] == [
            ORCHARD_UID,
            "tag:broadsheet,2024-01-22:" + FERRY_PATH,
        ]


def test_unconfigured_plugin_writes_nothing(tmp_path):
    # Signals are process-global: the handler stays connected from earlier builds and
    # must leave alone a site that has no feed settings at all (not even a feed URL).
    content = tmp_path / "content"
    write_content(content, SITE)
    output = build_site(
        tmp_path, content, FEEDS_ATOM_PATH=None, FEEDS_RSS_PATH=None, FEEDS_SITEURL=None
    )

    assert (output / "index.html").exists()
    assert not (output / "feeds").exists()


@pytest.mark.parametrize("site_url", [None, "", "/news", "news.example"])
def test_feeds_need_an_absolute_site_url(feeds_module, site_url):
    with pytest.raises(feeds_module.FeedError, match="FEEDS_SITEURL"):
        feeds_module.feeds_site_url({"FEEDS_SITEURL": site_url, "SITEURL": ""})
