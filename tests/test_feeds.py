"""plugins/feeds: helpers on plain data, then Atom, RSS, JSON Feed, category and digest
feeds from real Pelican builds of a tiny site."""

import importlib
import json
import os
import random
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import feedparser
import pytest
from bs4 import BeautifulSoup
from conftest import build_pelican_site, write_content
from lxml import etree

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
Image: https://gazette.example/media/lighthouse.jpg?w=1200
Image_caption: The lighthouse at dusk
Image_credit: Ann Lee
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


# What Python-Markdown and item_from_article write: absolute links, lead image, original.
SERIALISED_BODY = (
    '<figure class="lead-image"><img alt="The pier at dusk" src="https://s.example/i.jpg"/>'
    '<figcaption><span class="caption">The pier</span> <span class="credit">Photo: A. Lee'
    "</span></figcaption></figure><p>Fish &amp; chips cost &lt;£5 “for now”, said "
    '<a href="https://s.example/2024/01/other.html?a=1&amp;b=2">the owner</a>.</p>\n'
    "<h2>Costs</h2>\n<p>More <em>text</em><br/>here.</p>\n"
    '<p class="original"><a href="https://gazette.example/x">Read the original at G</a></p>'
)


def test_absolutize_html_leaves_serialised_markup_unparsed(feeds_module, monkeypatch):
    lead = feeds_module.lead_image_html("https://s.example/i.jpg", "The pier", "A. Lee")

    def no_parse(*args, **kwargs):
        raise AssertionError("parsed markup that is already serialised and absolute")

    monkeypatch.setattr(feeds_module, "BeautifulSoup", no_parse)
    for html in (SERIALISED_BODY, lead, "<p>Summary only.</p>", "plain text", ""):
        assert feeds_module.absolutize_html(html, "https://s.example/2024/01/a.html") == html


@pytest.mark.parametrize(
    "html",
    [
        SERIALISED_BODY,
        '<img src="https://s.example/i.jpg" alt="x"/>',  # attributes out of order
        '<a href="https://s.example/" href="https://t.example/">x</a>',  # twice
        "<p>a<br>b</p>",  # void element not closed as BeautifulSoup closes it
        '<img alt="" src="https://s.example/i.jpg">',
        "<p/>",
        "<p>unclosed",
        "</p>stray",
        "<b><i>crossed</b></i>",
        "<P>upper</P>",
        "<p>a</p>\n\n<p>b</p>",  # blank runs BeautifulSoup collapses
        "<p>a</p> \t<p>b</p>",
        "  <p>lead</p>",
        "<p>a</p>\r\n<p>b</p>",
        '<span class="a  b">x</span>',  # list attributes: whitespace normalised
        '<span class=" a">x</span>',
        '<span class="">x</span>',
        '<a rel="nofollow noopener" href="https://s.example/">x</a>',
        "<p>&nbsp;&#39;&quot;&eacute;&amp</p>",
        "<p>a > b</p>",
        "<p>x < y</p>",
        "<!-- note --><p>x</p>",
        "<script>if (a < b) {}</script>",
        "<pre>  kept  </pre>",
        "<a href='https://s.example/'>single quotes</a>",
        '<input disabled name="q">',
        '<a href="notes.html">relative</a>',
        '<a href=" https://s.example/padded ">padded</a>',
        '<a href="">empty</a>',
        '<a href="#fn1">fragment</a>',
        '<img alt="" srcset="https://s.example/a.jpg 1x, https://s.example/b.jpg 2x"/>',
        '<img alt="" srcset="https://s.example/a.jpg 1x,/b.jpg 2x"/>',
        '<video poster="p.jpg"></video>',
        '<a href="https://s.example/?a=1&b=2">raw ampersand</a>',
        '<p data-x="a&quot;b">quote entity</p>',
    ],
)
def test_absolutize_html_gives_what_parsing_gives(feeds_module, html):
    base = "https://s.example/2024/01/story.html"
    assert feeds_module.absolutize_html(html, base) == feeds_module.absolutize_parsed_html(
        html, base
    )


FUZZ_URLS = ["https://s.example/x", "/abs", "rel.html", "#f", " https://s.example/sp", ""]
FUZZ_TEXTS = ["word", "Fish &amp; chips", "&lt;5", "a &gt; b", "café ’", " ", "\n"]
FUZZ_PIECES = [
    "<p>", "</p>", "</em>", "<br>", "<br/>", '<span class="a  b">', "<P>", "<p/>", "<!-- c -->",
    "<pre>", "\t", "  ", "\n\n", "\r\n", "&nbsp;", "&#39;", "&amp", "&x;", ">", "<", '"',
]  # fmt: skip


def random_markup(rng: random.Random, depth: int = 0) -> str:
    """A fragment in BeautifulSoup's form, of random elements, attributes and text."""
    parts = []
    for _ in range(rng.randint(0, 4)):
        kind = rng.random()
        if kind < 0.4 and depth < 3:
            name = rng.choice(["p", "em", "span", "a", "blockquote", "h2"])
            attributes = ""
            if name == "a":
                attributes = f' href="{rng.choice(FUZZ_URLS)}"'
            elif rng.random() < 0.3:
                attributes = ' class="x y" id="z"'
            parts.append(f"<{name}{attributes}>{random_markup(rng, depth + 1)}</{name}>")
        elif kind < 0.5:
            parts.append(rng.choice(["<br/>", f'<img alt="a" src="{rng.choice(FUZZ_URLS)}"/>']))
        else:
            parts.append(rng.choice(FUZZ_TEXTS))
    return "".join(parts)


def test_absolutize_html_gives_what_parsing_gives_on_random_markup(feeds_module):
    """Seeded random fragments, half of them then broken at a random place."""
    base = "https://s.example/2024/01/story.html"
    rng = random.Random(20240120)
    unparsed = 0
    for _ in range(3000):
        html = random_markup(rng)
        if rng.random() < 0.5:
            at = rng.randint(0, len(html))
            html = html[:at] + rng.choice(FUZZ_PIECES) + html[at:]
        expected = feeds_module.absolutize_parsed_html(html, base)
        assert feeds_module.absolutize_html(html, base) == expected, html
        unparsed += feeds_module.is_absolute_serialised(html, base)
    assert 500 < unparsed < 2500  # both ways taken, often


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
        tmp_path,
        content,
        FEEDS_ATOM_PATH=None,
        FEEDS_RSS_PATH=None,
        FEEDS_JSON_PATH=None,
        FEEDS_SITEURL=None,
    )

    assert (output / "index.html").exists()
    assert not (output / "feeds").exists()


@pytest.mark.parametrize("site_url", [None, "", "/news", "news.example"])
def test_feeds_need_an_absolute_site_url(feeds_module, site_url):
    with pytest.raises(feeds_module.FeedError, match="FEEDS_SITEURL"):
        feeds_module.feeds_site_url({"FEEDS_SITEURL": site_url, "SITEURL": ""})


# JSON Feed, categories, lead images, outlets without full text, digests, ids

JSON_PATH = "feeds/all.json"
DIGEST_ATOM_PATH = "feeds/digests.atom.xml"
DIGEST_RSS_PATH = "feeds/digests.rss.xml"
LIGHTHOUSE_PATH = "articles/2024/01/harbour-town-votes-to-keep-lighthouse.md"
ORCHARD_PATH = "articles/2024/02/orchard-growers-report-record-cider-harvest.md"
DIGEST_PATH = "digests/2024-01-25-harbour-week.md"
DIGEST_ID = "tag:broadsheet,2024-01-25:digest/harbour-week"
HARBOUR_WEEK = """\
Title: Harbour week
Date: 2024-01-25
Summary: A lighthouse saved & a ferry cut.
Status: published

The week's two harbour stories, with [our notes](/about.html).<script>alert(1)</script>

## Harbour

- {filename}/articles/2024/01/harbour-town-votes-to-keep-lighthouse.md
  Residents kept the light; the costs are in [the budget](/budget/2024.html).
- {filename}/articles/2024/01/ferry-timetable-changes.md
  Two fewer sailings a day.
"""
UNFINISHED_WEEK = """\
Title: Unfinished week
Date: 2024-02-10
Status: draft

Not ready.

## Farming

- orchard-growers-report-record-cider-harvest
"""
DIGEST_SITE = {
    **SITE,
    DIGEST_PATH: HARBOUR_WEEK,
    "digests/2024-02-10-unfinished.md": UNFINISHED_WEEK,
}
SOURCES_WITHOUT_FULL_TEXT = """\
outlets:
  gazette:
    name: The Coastal Gazette
    domains: [gazette.example]
    full_text: false
  courier:
    name: Valley Courier
    full_text: false
"""


def read_json_feed(output: Path, path: str = JSON_PATH) -> dict:
    return json.loads((output / path).read_text(encoding="utf-8"))


def json_item(feed: dict, item_id: str) -> dict:
    return next(item for item in feed["items"] if item["id"] == item_id)


def test_json_feed_items_match_the_atom_entries(tmp_path):
    content = tmp_path / "content"
    write_content(content, SITE)
    output = build_site(tmp_path, content)
    feed = read_json_feed(output)
    atom = feedparser.parse(output / ATOM_PATH)

    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["feed_url"] == f"{SITE_URL}/{JSON_PATH}"
    assert feed["home_page_url"] == SITE_URL + "/"
    assert (feed["title"], feed["description"], feed["language"]) == (
        "Broadsheet",
        "Curated news digests",
        "en",
    )
    assert [item["id"] for item in feed["items"]] == [entry.id for entry in atom.entries]

    story = json_item(feed, LIGHTHOUSE_UID)
    assert story["url"] == f"{SITE_URL}/2024/01/harbour-town-votes-to-keep-lighthouse.html"
    assert story["external_url"] == "https://gazette.example/news/lighthouse-vote"
    assert story["title"] == "Harbour town votes to keep its “old” lighthouse & pier"
    assert "the mayor said the keepers’ cottage would become a museum" in story["content_html"]
    assert "Read the original at The Coastal Gazette" in story["content_html"]
    assert story["summary"] == "PORT ELLEN: Residents voted on Friday to keep the lighthouse."
    assert story["image"] == "https://gazette.example/media/lighthouse.jpg?w=1200"
    assert story["date_published"] == "2024-01-20T00:00:00+00:00"
    assert story["date_modified"] == "2024-01-21T09:30:00+02:00"
    assert story["authors"] == [{"name": "Jane Doe"}]
    assert story["tags"][:2] == ["Lighthouses", "Local government"]
    # Byline missing: the outlet is the author; no source URL: no external_url.
    orchard = json_item(feed, ORCHARD_UID)
    assert orchard["authors"] == [{"name": "Valley Courier"}]
    assert "external_url" not in orchard
    # Written as UTF-8 text, not \\u escapes.
    assert "“old”".encode() in (output / JSON_PATH).read_bytes()


def test_lead_image_is_an_enclosure_in_every_format(tmp_path):
    content = tmp_path / "content"
    write_content(content, SITE)
    output = build_site(tmp_path, content)
    image = "https://gazette.example/media/lighthouse.jpg?w=1200"

    atom = etree.parse(output / ATOM_PATH)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    [entry] = [
        e
        for e in atom.findall("a:entry", ns)
        if e.findtext("a:id", namespaces=ns) == LIGHTHOUSE_UID
    ]
    links = {link.get("rel"): link.attrib for link in entry.findall("a:link", ns)}
    assert (
        links["alternate"]["href"]
        == f"{SITE_URL}/2024/01/harbour-town-votes-to-keep-lighthouse.html"
    )
    assert links["related"]["href"] == "https://gazette.example/news/lighthouse-vote"
    assert (links["enclosure"]["href"], links["enclosure"]["type"]) == (image, "image/jpeg")
    assert len(entry.findall("a:link", ns)) == 3

    rss = etree.parse(output / RSS_PATH)
    [item] = [i for i in rss.iter("item") if i.findtext("guid") == LIGHTHOUSE_UID]
    enclosure = item.find("enclosure")
    assert dict(enclosure.attrib) == {"url": image, "length": "0", "type": "image/jpeg"}
    # An article without an image has no enclosure.
    [orchard] = [i for i in rss.iter("item") if i.findtext("guid") == ORCHARD_UID]
    assert orchard.find("enclosure") is None

    # The content shows the image first, with its caption and credit, as the page does.
    figure = BeautifulSoup(
        json_item(read_json_feed(output), LIGHTHOUSE_UID)["content_html"], "html.parser"
    ).figure
    assert figure.img["src"] == image
    assert figure.figcaption.get_text(" ", strip=True) == "The lighthouse at dusk Photo: Ann Lee"


def test_category_feeds_hold_each_categorys_articles(tmp_path):
    content = tmp_path / "content"
    write_content(
        content,
        {
            **SITE,
            "articles/2024/03/second-world.md": LIGHTHOUSE.replace(
                LIGHTHOUSE_UID, "tag:broadsheet,2024-03-02:99aa00bb"
            )
            .replace("Date: 2024-01-20", "Date: 2024-03-02")
            .replace("Slug: harbour-town-votes-to-keep-lighthouse", "Slug: second-world-story"),
        },
    )
    output = build_site(tmp_path, content)

    world = feedparser.parse(output / "feeds/category/world.atom.xml")
    assert not world.bozo
    assert world.feed.title == "Broadsheet: World"
    assert world.feed.link == f"{SITE_URL}/category/world.html"
    assert [entry.id for entry in world.entries] == [
        "tag:broadsheet,2024-03-02:99aa00bb",
        LIGHTHOUSE_UID,
    ]
    business = feedparser.parse(output / "feeds/category/business.rss.xml")
    assert [entry.id for entry in business.entries] == [ORCHARD_UID]


def test_outlet_without_full_text_gets_summary_and_link_only(tmp_path):
    content = tmp_path / "content"
    write_content(content, {**SITE, "sources.yml": SOURCES_WITHOUT_FULL_TEXT})
    output = build_site(tmp_path, content)
    atom = feedparser.parse(output / ATOM_PATH)
    rss = feedparser.parse(output / RSS_PATH)
    feed = read_json_feed(output)

    # Matched by the Source_url host (domains), and by the Source name alone.
    for body in (
        entry_by_id(atom, LIGHTHOUSE_UID).content[0].value,
        entry_by_id(rss, LIGHTHOUSE_UID).content[0].value,
        json_item(feed, LIGHTHOUSE_UID)["content_html"],
    ):
        assert "Residents voted on Friday to keep the lighthouse." in body
        assert "Read the original at The Coastal Gazette" in body
        assert "keepers’ cottage" not in body and "Costs" not in body
        assert "pier.jpg" not in body and "lighthouse.jpg" not in body
    for body in (
        entry_by_id(atom, ORCHARD_UID).content[0].value,
        entry_by_id(rss, ORCHARD_UID).content[0].value,
        json_item(feed, ORCHARD_UID)["content_html"],
    ):
        assert "Growers across the valley pressed more apples" in body
        assert "the blossom survived the cold snap intact" not in body
    # Every other outlet keeps its full text.
    ferry = entry_by_id(atom, "tag:broadsheet,2024-01-22:" + FERRY_PATH).content[0].value
    assert "two fewer sailings a day" in ferry
    story = entry_by_id(atom, LIGHTHOUSE_UID)
    assert story.link.endswith("/2024/01/harbour-town-votes-to-keep-lighthouse.html")
    assert "Residents voted on Friday" in story.summary


def test_digest_feed_holds_published_issues_whole(tmp_path):
    content = tmp_path / "content"
    write_content(content, DIGEST_SITE)
    output = build_site(tmp_path, content)

    for path in (DIGEST_ATOM_PATH, DIGEST_RSS_PATH):
        feed = feedparser.parse(output / path)
        assert not feed.bozo, feed.get("bozo_exception")
        [entry] = feed.entries  # the draft issue is not in it, though the preview builds it
        assert entry.id == DIGEST_ID
        assert entry.title == "Harbour week"
        assert entry.link == f"{SITE_URL}/digests/2024/01/harbour-week.html"
        assert entry.summary == "<p>A lighthouse saved &amp; a ferry cut.</p>"
        assert entry.published_parsed[:3] == (2024, 1, 25)
        assert feed.feed.title == "Broadsheet: Digests"
        assert feed.feed.link == f"{SITE_URL}/digests/index.html"
        soup = BeautifulSoup(entry.content[0].value, "html.parser")
        text = soup.get_text(" ", strip=True)
        assert text.startswith("The week's two harbour stories, with our notes")
        assert soup.find("script") is None and "alert" not in text
        assert [h.get_text() for h in soup.find_all("h2")] == ["Harbour"]
        stories = [(a.get_text(), a["href"]) for a in soup.select("h3 a")]
        assert stories == [
            (
                "Harbour town votes to keep its “old” lighthouse & pier",
                f"{SITE_URL}/2024/01/harbour-town-votes-to-keep-lighthouse.html",
            ),
            (
                "Ferry timetable changes for winter",
                f"{SITE_URL}/2024/01/ferry-timetable-changes.html",
            ),
        ]
        assert "The Coastal Gazette" in text
        assert "Residents kept the light; the costs are in the budget" in text
        assert "Two fewer sailings a day." in text
        for url in content_urls(str(soup)):
            assert urlsplit(url).scheme == "https", url
        assert f"{SITE_URL}/budget/2024.html" in content_urls(str(soup))
    # The preview does build the draft issue's page: leaving it out is the feed's doing.
    assert (output / "digests/2024/02/unfinished.html").exists()


def test_ids_survive_a_retitle_a_new_slug_and_new_tags_in_every_feed(tmp_path):
    content = tmp_path / "content"
    write_content(content, DIGEST_SITE)
    before = build_site(tmp_path, content, name="before")

    write_content(
        content,
        {
            LIGHTHOUSE_PATH: LIGHTHOUSE.replace(
                "Title: Harbour town votes to keep its “old” lighthouse & pier",
                "Title: Port Ellen keeps its lighthouse",
            )
            .replace(
                "Slug: harbour-town-votes-to-keep-lighthouse", "Slug: port-ellen-keeps-lighthouse"
            )
            .replace("Tags: Lighthouses, Local government", "Tags: Maritime heritage"),
            FERRY_PATH: FERRY.replace(
                "Ferry timetable changes for winter", "Winter ferry cuts"
            ).replace("Slug: ferry-timetable-changes", "Slug: winter-ferry-cuts"),
            DIGEST_PATH: HARBOUR_WEEK.replace("Title: Harbour week", "Title: A harbour week")
            .replace("Date: 2024-01-25", "Date: 2024-01-26")
            .replace("The week's two harbour stories", "Two stories from the harbour"),
        },
    )
    after = build_site(tmp_path, content, name="after")

    ferry_id = "tag:broadsheet,2024-01-22:" + FERRY_PATH
    for output, title, slug, ferry_slug in (
        (
            before,
            "Harbour town votes",
            "harbour-town-votes-to-keep-lighthouse",
            "ferry-timetable-changes",
        ),
        (after, "Port Ellen keeps", "port-ellen-keeps-lighthouse", "winter-ferry-cuts"),
    ):
        atom = feedparser.parse(output / ATOM_PATH)
        rss = feedparser.parse(output / RSS_PATH)
        feed = read_json_feed(output)
        for story in (entry_by_id(atom, LIGHTHOUSE_UID), entry_by_id(rss, LIGHTHOUSE_UID)):
            assert story.title.startswith(title)
            assert story.link.endswith(f"/{slug}.html")
        assert json_item(feed, LIGHTHOUSE_UID)["url"].endswith(f"/{slug}.html")
        for ferry in (entry_by_id(atom, ferry_id), entry_by_id(rss, ferry_id)):
            assert ferry.link.endswith(f"/{ferry_slug}.html")
        assert json_item(feed, ferry_id)["url"].endswith(f"/{ferry_slug}.html")
        for path in (DIGEST_ATOM_PATH, DIGEST_RSS_PATH):
            [issue] = feedparser.parse(output / path).entries
            assert issue.id == DIGEST_ID
    # The re-tagged article left the old tag's feed and is in the new one, same id.
    old_tag = feedparser.parse(before / "feeds/tag/lighthouses.atom.xml")
    assert [entry.id for entry in old_tag.entries] == [LIGHTHOUSE_UID]
    assert not (after / "feeds/tag/lighthouses.atom.xml").exists()
    new_tag = feedparser.parse(after / "feeds/tag/maritime-heritage.atom.xml")
    assert LIGHTHOUSE_UID in [entry.id for entry in new_tag.entries]
    [issue] = feedparser.parse(after / DIGEST_ATOM_PATH).entries
    assert issue.title == "A harbour week"
    assert issue.content[0].value.startswith("<p>Two stories from the harbour")


# Plain data: ids of digests, outlets, limits, the size budget, template links


def test_digest_entry_id_is_the_file_names_date_and_slug(feeds_module):
    assert (
        feeds_module.digest_entry_id("content/digests/2025-03-21-week.md", "week", "broadsheet")
        == "tag:broadsheet,2025-03-21:digest/week"
    )
    with pytest.raises(feeds_module.FeedError, match="YYYY-MM-DD"):
        feeds_module.digest_entry_id("content/digests/week.md", "week", "broadsheet")


@pytest.mark.parametrize(
    ("source", "source_url", "allowed"),
    [
        ("The Coastal Gazette", None, False),  # by name
        ("Gazette", None, False),  # by one of its names
        (None, "https://www.gazette.example/a.html", False),  # by domain, subdomain too
        ("Somebody Else", "https://gazette.example/a.html", False),  # the host wins
        ("Valley Courier", "https://courier.example/a.html", True),
        (None, None, True),
    ],
)
def test_outlet_is_found_as_the_importer_finds_it(feeds_module, source, source_url, allowed):
    from broadsheet.sources import Outlet

    outlets = (
        Outlet(
            key="gazette",
            name="The Coastal Gazette",
            domains=("gazette.example",),
            names=("Gazette",),
            full_text=False,
        ),
        Outlet(key="courier", name="Valley Courier", domains=("courier.example",)),
    )
    assert feeds_module.outlet_allows_full_text(source, source_url, outlets) is allowed


@pytest.mark.parametrize(
    ("settings", "items", "size"),
    [
        ({}, 50, 2_000_000),
        ({"FEEDS_MAX_ITEMS": 10, "FEEDS_MAX_BYTES": 5000}, 10, 5000),
        ({"FEED_MAX_ITEMS": 20, "FEED_MAX_BYTES": 7000}, 20, 7000),
        ({"FEED_MAX_ITEMS": 100}, 50, 2_000_000),  # Pelican's own default: not set
        ({"FEEDS_MAX_ITEMS": 10, "FEED_MAX_ITEMS": 20}, 10, 2_000_000),
        ({"FEEDS_MAX_ITEMS": None, "FEEDS_MAX_BYTES": None}, None, None),
    ],
)
def test_limits_read_feeds_settings_then_pelicans(feeds_module, settings, items, size):
    assert feeds_module.max_items_setting(settings) == items
    assert feeds_module.max_bytes_setting(settings) == size


@pytest.mark.parametrize("value", [0, -5, "50", 2.5, True])
def test_bad_limits_are_refused(feeds_module, value):
    with pytest.raises(feeds_module.FeedError, match="FEEDS_MAX_BYTES"):
        feeds_module.max_bytes_setting({"FEEDS_MAX_BYTES": value})


def make_items(feeds_module, count: int) -> list:
    """count entries, newest first, each with a long body and a short brief."""
    items = []
    for number in range(count):
        when = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(days=count - number)
        items.append(
            feeds_module.FeedItem(
                id=f"tag:x,2024:{number}",
                title=f"Story {number}",
                link=f"https://s.example/{number}.html",
                content=f"<p>Body {number}. " + "Long text. " * 100 + "</p>",
                summary=f"<p>Summary {number}.</p>",
                published=when,
                updated=when,
                author=None,
                categories=(),
                source_path=f"{number}.md",
                brief=f"<p>Summary {number}.</p>",
            )
        )
    return items


@pytest.mark.parametrize("feed_format", ["atom", "rss", "json"])
def test_budget_drops_full_content_from_the_oldest_entries_first(feeds_module, feed_format):
    items = make_items(feeds_module, 40)
    info = feeds_module.FeedInfo("S", "Sub", "https://s.example/", "en", "S")

    def render(chosen):
        return feeds_module.render_feed(feed_format, info, "https://s.example/f", chosen)

    full, brief = len(render(items)), len(render([item.briefed() for item in items]))
    budget = (full + brief) // 2
    document = feeds_module.fit_to_budget(render, items, budget, "f")

    assert len(document) <= budget
    text = document.decode("utf-8")
    kept = [number for number in range(40) if f"Body {number}." in text]
    assert kept == list(range(len(kept))) and 0 < len(kept) < 40  # the newest, in a run
    assert all(f"Summary {number}." in text for number in range(40))
    # As many as fit: one more entry with full content would not.
    one_more = [*items[: len(kept) + 1], *(item.briefed() for item in items[len(kept) + 1 :])]
    assert len(render(one_more)) > budget
    assert feeds_module.fit_to_budget(render, items, full, "f") == render(items)


def test_budget_leaves_out_the_oldest_entries_when_summaries_do_not_fit(feeds_module, caplog):
    items = make_items(feeds_module, 40)
    info = feeds_module.FeedInfo("S", "Sub", "https://s.example/", "en", "S")

    def render(chosen):
        return feeds_module.render_feed("atom", info, "https://s.example/f", chosen)

    budget = len(render([item.briefed() for item in items[:10]]))
    document = feeds_module.fit_to_budget(render, items, budget, "feeds/f.atom.xml")
    assert len(document) <= budget
    assert [entry.id for entry in feedparser.parse(document).entries] == [
        item.id for item in items[:10]
    ]
    assert "only the newest 10 of 40 entries fit" in caplog.text
    with pytest.raises(feeds_module.FeedError, match="smaller than the feed with no entries"):
        feeds_module.fit_to_budget(render, items, 100, "feeds/f.atom.xml")


def varied_items(feeds_module) -> list:
    """Entries with and without each optional field, and text XML escapes or keeps raw."""
    items = []
    for number in range(8):
        when = datetime(2024, 3, 1, 9, tzinfo=timezone(timedelta(hours=number - 4)))
        image = feeds_module.FeedImage(f"https://s.example/i/{number}.png?w=1&h=2", "image/png")
        items.append(
            feeds_module.FeedItem(
                id=f"tag:x,2024:{number}",
                title=f"Story {number}: “fish” & <chips> 🦞",
                link=f"https://s.example/{number}.html?a=1&b=2",
                content=f"<p>Body {number} &amp; more\r\n]]> &lt;</p><p>Tab\there</p>",
                summary=f"<p>Summary {number}.</p>",
                published=when,
                updated=when + timedelta(hours=number % 3),
                author=None if number % 3 == 0 else f"Writer {number}",
                categories=tuple(f"Tag {tag}" for tag in range(number % 4)),
                source_path=f"{number}.md",
                brief=f"<p>Summary {number}.</p>",
                external_url=f'https://outlet.example/{number}?q="x"' if number % 2 else None,
                image=image if number % 3 != 1 else None,
            )
        )
    return items


def feedgen_alone(feeds_module, feed_format, info, url, items) -> bytes:
    """The document as feedgen writes it with every entry (Atom entry links completed)."""
    generator = feeds_module.feed_generator(
        feed_format, info, url, feeds_module.feed_updated(items), items
    )
    if feed_format == "rss":
        return generator.rss_str(pretty=True)
    root = etree.fromstring(generator.atom_str(pretty=False))
    entries = root.findall(f"{{{feeds_module.ATOM_NS}}}entry")
    for element, item in zip(entries, items, strict=True):
        feeds_module.write_atom_entry_links(element, item)
    etree.indent(root, space="  ")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8") + b"\n"


def test_feeds_sharing_entries_are_byte_identical_to_feedgens_own(feeds_module, monkeypatch):
    items = varied_items(feeds_module)
    info = feeds_module.FeedInfo("S & co", "Sub", "https://s.example/", "en", "S")
    url = "https://s.example/feeds/f.xml"
    chosen = [items[:4], items[2:7], [items[1], items[7]], items, []]
    expected = [
        feedgen_alone(feeds_module, feed_format, info, url, feed)
        for feed_format in ("atom", "rss")
        for feed in chosen
    ]
    built = []
    feed_generator = feeds_module.feed_generator

    def counting(feed_format, info, url, updated, items):
        built.extend((feed_format, item.id) for item in items)
        return feed_generator(feed_format, info, url, updated, items)

    monkeypatch.setattr(feeds_module, "feed_generator", counting)
    entries = feeds_module.EntryElements(
        (feed_format, item) for feed_format in ("atom", "rss") for feed in chosen for item in feed
    )
    rendered = [
        feeds_module.render_feed(feed_format, info, url, feed, entries)
        for feed_format in ("atom", "rss")
        for feed in chosen
    ]

    assert rendered == expected
    assert sorted(built) == sorted((f, item.id) for f in ("atom", "rss") for item in items)
    assert entries.kept == {}  # nothing held once no feed wants it


def test_templates_get_every_feeds_links(feeds_module):
    settings = {
        "PLUGINS": ["feeds", "digests"],
        "SITENAME": "Broadsheet",
        "FEEDS_SITEURL": "https://news.example/",
        "FEEDS_ATOM_PATH": "feeds/all.atom.xml",
        "FEEDS_RSS_PATH": "feeds/all.rss.xml",
        "FEEDS_JSON_PATH": "feeds/all.json",
        "FEEDS_TAG_ATOM_PATH": "feeds/tag/{slug}.atom.xml",
        "FEEDS_CATEGORY_RSS_PATH": "feeds/category/{slug}.rss.xml",
        "FEEDS_DIGEST_ATOM_PATH": "feeds/digests.atom.xml",
        "FEEDS_OPML_PATH": "feeds/feeds.opml",
    }
    generator = SimpleNamespace(settings=settings, context={})
    feeds_module.add_feed_links(generator)
    context = generator.context

    assert [(f.format, f.media_type, f.path, f.url) for f in context["feeds_site"]] == [
        ("atom", "application/atom+xml", "feeds/all.atom.xml", f"{SITE_URL}/feeds/all.atom.xml"),
        ("rss", "application/rss+xml", "feeds/all.rss.xml", f"{SITE_URL}/feeds/all.rss.xml"),
        ("json", "application/feed+json", "feeds/all.json", f"{SITE_URL}/feeds/all.json"),
    ]
    tag = SimpleNamespace(name="Kenya", slug="kenya", url="tag/kenya.html")
    [tag_feed] = context["feeds_for_tag"](tag)
    assert (tag_feed.title, tag_feed.path, tag_feed.html_url) == (
        "Broadsheet: Kenya (Atom)",
        "feeds/tag/kenya.atom.xml",
        f"{SITE_URL}/tag/kenya.html",
    )
    assert context["feeds_for_tag"](SimpleNamespace(name="?", slug="", url="tag/.html")) == []
    category = SimpleNamespace(name="World", slug="world", url="category/world.html")
    assert [f.url for f in context["feeds_for_category"](category)] == [
        f"{SITE_URL}/feeds/category/world.rss.xml"
    ]
    assert [f.url for f in context["feeds_digest"]] == [f"{SITE_URL}/feeds/digests.atom.xml"]
    assert context["feeds_opml"].url == f"{SITE_URL}/feeds/feeds.opml"

    # Without the digests plugin there is no digest feed; without this plugin, nothing.
    unlisted = SimpleNamespace(settings={**settings, "PLUGINS": ["feeds"]}, context={})
    feeds_module.add_feed_links(unlisted)
    assert unlisted.context["feeds_digest"] == []
    off = SimpleNamespace(settings={**settings, "PLUGINS": ["digests"]}, context={})
    feeds_module.add_feed_links(off)
    assert off.context == {}


def test_per_slug_feed_paths_need_a_slug(feeds_module):
    settings = {
        "PLUGINS": ["feeds"],
        "FEEDS_SITEURL": SITE_URL,
        "FEEDS_ATOM_PATH": "feeds/all.atom.xml",
        "FEEDS_CATEGORY_ATOM_PATH": "feeds/category.atom.xml",
    }
    with pytest.raises(feeds_module.FeedError, match=r"FEEDS_CATEGORY_ATOM_PATH .* \{slug\}"):
        feeds_module.FeedPlan.from_settings(settings)


# Written beside the pages, by a forked process

BESIDE = {"FEEDS_PARALLEL_MIN_ARTICLES": 1}
UNSLUGGED = (
    ORCHARD.replace("Tags: Farming", "Tags: Farming, ★")
    .replace("orchard-growers-report-record-cider-harvest", "orchard-report-again")
    .replace("cc33dd44", "cc33dd45")
)


def site_files(output: Path) -> dict[str, bytes]:
    return {
        path.relative_to(output).as_posix(): path.read_bytes()
        for path in sorted(output.rglob("*"))
        if path.is_file()
    }


def test_feeds_written_beside_the_pages_are_the_bytes_written_here(tmp_path, caplog, monkeypatch):
    from pelican.log import LimitFilter

    content = tmp_path / "content"
    write_content(content, {**SITE, "articles/2024/02/again.md": UNSLUGGED})
    # Pelican logs a warning once per process: earlier tests may have had this one.
    monkeypatch.setattr(LimitFilter, "_raised_messages", set())
    with caplog.at_level("WARNING"):
        here = build_site(tmp_path, content, name="here", FEEDS_PARALLEL_MIN_ARTICLES=None)
    [warned_here] = [r for r in caplog.records if "no feed for it" in r.getMessage()]
    caplog.clear()
    monkeypatch.setattr(LimitFilter, "_raised_messages", set())
    with caplog.at_level("WARNING"):
        beside = build_site(tmp_path, content, name="beside", **BESIDE)

    assert site_files(beside) == site_files(here)
    assert any(name.startswith("feeds/tag/") for name in site_files(beside))
    # The forked writer's warning is logged by the build, as the build's own would be.
    [warned] = [r for r in caplog.records if "no feed for it" in r.getMessage()]
    assert warned.getMessage() == warned_here.getMessage()
    assert warned.name == warned_here.name and warned.levelname == "WARNING"
    assert warned.pathname == "(feeds, written beside the pages)"


def test_a_feed_writer_failing_beside_the_pages_fails_the_build(tmp_path, feeds_module):
    content = tmp_path / "content"
    write_content(content, SITE)
    with pytest.raises(feeds_module.FeedError, match="smaller than the feed with no entries"):
        build_site(tmp_path, content, FEEDS_MAX_BYTES=100, **BESIDE)
    assert feeds_module.BESIDE_PAGES == {}


def test_a_build_that_fails_first_leaves_no_feed_writer_running(tmp_path, feeds_module):
    from pelicanconf import JINJA_FILTERS

    def failing(url, *args, **kwargs):
        raise ValueError("no address")

    content = tmp_path / "content"
    write_content(content, SITE)
    with pytest.raises(ValueError, match="no address"):
        build_site(
            tmp_path, content, JINJA_FILTERS={**JINJA_FILTERS, "absolute_url": failing}, **BESIDE
        )
    [left] = feeds_module.BESIDE_PAGES.values()
    pid = left.child.pid

    build_site(tmp_path, content, name="next", **BESIDE)
    assert feeds_module.BESIDE_PAGES == {}
    with pytest.raises(ChildProcessError):  # stopped and reaped: no such child any more
        os.waitpid(pid, os.WNOHANG)
    assert (tmp_path / "next" / ATOM_PATH).is_file()
