"""theme/: the Subscribe page, feed autodiscovery on every page and the footer link,
from a real Pelican build of a tiny fictional site with every feed switched on."""

from __future__ import annotations

import posixpath
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import ALL_FEEDS as FEEDS
from conftest import build_pelican_site, write_content

# Autotag: off keeps each article's tags to the hand-written ones, so counts are exact.
HARBOUR = """\
Title: Harbour town votes to keep its lighthouse
Date: 2025-02-03
Slug: harbour-town-votes-to-keep-its-lighthouse
Uid: tag:broadsheet,2025-02-03:0a1b2c3d
Category: World
Tags: Lighthouses, Local government
Autotag: off

Residents of Port Ellwick voted on Friday to keep the lighthouse lit.
"""

ORCHARD = """\
Title: Orchard growers press a record cider harvest
Date: 2025-02-05
Slug: orchard-growers-press-a-record-cider-harvest
Uid: tag:broadsheet,2025-02-05:4e5f6a7b
Category: World
Tags: Local government, Farming
Autotag: off

Growers across the Tamsley valley pressed more apples than in any year on record.
"""

FERRY = """\
Title: Winter ferry timetable drops two sailings
Date: 2025-02-07
Slug: winter-ferry-timetable-drops-two-sailings
Uid: tag:broadsheet,2025-02-07:8c9d0e1f
Category: Transport
Tags: Ferries
Autotag: off

The winter timetable starts next week, with two fewer sailings a day.
"""

ABOUT = """\
Title: About this paper
Slug: about

A curated digest of the week's news from Port Ellwick and the valley.
"""

ISSUE = """\
Title: Lights, cider and ferries
Date: 2025-02-08
Summary: A lighthouse saved, a record harvest, fewer sailings.
Status: published

The week in Port Ellwick.

## Local

- harbour-town-votes-to-keep-its-lighthouse
  The vote was closer than the council expected.
- winter-ferry-timetable-drops-two-sailings
  Two sailings fewer for commuters.
"""

SITE = {
    "articles/2025/02/harbour-town-votes-to-keep-its-lighthouse.md": HARBOUR,
    "articles/2025/02/orchard-growers-press-a-record-cider-harvest.md": ORCHARD,
    "articles/2025/02/winter-ferry-timetable-drops-two-sailings.md": FERRY,
    "pages/about.md": ABOUT,
    "digests/2025-02-08-lights-cider-and-ferries.md": ISSUE,
}

ATOM, RSS, JSON = "application/atom+xml", "application/rss+xml", "application/feed+json"
SITE_FEEDS = [
    (ATOM, "feeds/all.atom.xml"),
    (RSS, "feeds/all.rss.xml"),
    (JSON, "feeds/all.json"),
]
DIGEST_FEEDS = [(ATOM, "feeds/digests.atom.xml"), (RSS, "feeds/digests.rss.xml")]
ISSUE_PAGE = "digests/2025/02/lights-cider-and-ferries.html"
ARTICLE_PAGE = "2025/02/harbour-town-votes-to-keep-its-lighthouse.html"


def term_feeds(kind: str, slug: str) -> list[tuple[str, str]]:
    return [(ATOM, f"feeds/{kind}/{slug}.atom.xml"), (RSS, f"feeds/{kind}/{slug}.rss.xml")]


# Each page and the feeds its <head> must name beyond the site's own.
PAGES = {
    "index.html": [],
    ARTICLE_PAGE: [],
    "about.html": [],
    "archives.html": [],
    "tags.html": [],
    "categories.html": [],
    "subscribe.html": [],
    "tag/local-government.html": term_feeds("tag", "local-government"),
    "tag/ferries.html": term_feeds("tag", "ferries"),
    "category/world.html": term_feeds("category", "world"),
    "category/transport.html": term_feeds("category", "transport"),
    ISSUE_PAGE: DIGEST_FEEDS,
    "digests/index.html": DIGEST_FEEDS,
}


def build(tmp_path: Path, **overrides) -> Path:
    write_content(tmp_path / "content", SITE)
    return build_pelican_site(tmp_path / "content", tmp_path / "output", **overrides)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("subscribe"), **FEEDS)


def read_page(output: Path, page: str) -> BeautifulSoup:
    return BeautifulSoup((output / page).read_text(encoding="utf-8"), "html.parser")


def resolve(page: str, href: str) -> str:
    """The output-relative path a relative href on page points to; a root-relative one
    (the 404 page's, shown at any path) from the site root."""
    if href.startswith("/"):
        return posixpath.normpath(href.lstrip("/"))
    return posixpath.normpath(posixpath.join(posixpath.dirname(page), href))


def linked_feeds(page: str, element) -> list[tuple[str, str]]:
    """(type, output path) of every feed link in element."""
    return [(a["type"], resolve(page, a["href"])) for a in element.find_all("a", type=True)]


def test_subscribe_page_lists_the_site_and_digest_feeds_with_what_they_carry(site):
    soup = read_page(site, "subscribe.html")
    rows = {
        row.th.get_text(" ", strip=True): row
        for row in soup.find(id="feeds-site").find_parent("section").tbody.find_all("tr")
    }

    assert list(rows) == ["Every story", "The digest"]
    every_story = rows["Every story"]
    assert linked_feeds("subscribe.html", every_story) == SITE_FEEDS
    assert "newest 50 articles" in every_story.get_text()
    assert "full text" in every_story.get_text()
    digest = rows["The digest"]
    assert linked_feeds("subscribe.html", digest) == DIGEST_FEEDS
    assert "issue whole" in digest.get_text()
    opml = soup.find("a", string="all feeds as OPML")
    assert resolve("subscribe.html", opml["href"]) == "feeds/feeds.opml"


@pytest.mark.parametrize(
    "section, kind, expected",
    [
        ("feeds-categories", "category", [("Transport", "1"), ("World", "2")]),
        (
            "feeds-tags",
            "tag",
            [("Farming", "1"), ("Ferries", "1"), ("Lighthouses", "1"), ("Local government", "2")],
        ),
    ],
)
def test_subscribe_page_lists_each_category_and_tag_feed_with_name_and_count(
    site, section, kind, expected
):
    soup = read_page(site, "subscribe.html")
    rows = soup.find(id=section).find_parent("section").tbody.find_all("tr")

    assert [(row.th.get_text(strip=True), row.td.get_text(strip=True)) for row in rows] == expected
    for row in rows:
        slug = resolve("subscribe.html", row.th.a["href"]).removeprefix(f"{kind}/")
        assert linked_feeds("subscribe.html", row.find_all("td")[-1]) == term_feeds(
            kind, slug.removesuffix(".html")
        )


def test_every_feed_the_subscribe_page_offers_is_written(site):
    soup = read_page(site, "subscribe.html")
    offered = {path for _, path in linked_feeds("subscribe.html", soup.find("main"))}
    offered.add(resolve("subscribe.html", soup.find("a", string="all feeds as OPML")["href"]))

    assert len(offered) == 3 + 2 + 2 * 2 + 4 * 2 + 1
    assert [path for path in sorted(offered) if not (site / path).is_file()] == []


@pytest.mark.parametrize("page", sorted(PAGES))
def test_every_page_names_the_site_feeds_and_its_own(site, page):
    links = read_page(site, page).head("link", rel="alternate")
    alternates = sorted((link["type"], resolve(page, link["href"])) for link in links)

    assert alternates == sorted(SITE_FEEDS + PAGES[page])
    assert all(link["title"].strip() for link in links)


@pytest.mark.parametrize(
    "page, own",
    [
        ("tag/local-government.html", term_feeds("tag", "local-government")),
        ("category/world.html", term_feeds("category", "world")),
        ("digests/index.html", DIGEST_FEEDS),
    ],
)
def test_tag_category_and_digest_archive_pages_show_their_own_feeds(site, page, own):
    follow = read_page(site, page).find(class_="follow-feeds")

    assert linked_feeds(page, follow) == own


def test_every_page_s_footer_links_to_the_subscribe_page(site):
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))

    assert set(PAGES) <= set(pages)
    for page in pages:
        footer = read_page(site, page).find("footer", class_="site-footer")
        targets = [resolve(page, a["href"]) for a in footer.find_all("a")]
        assert "subscribe.html" in targets, page


def test_no_feed_carries_an_xsl_stylesheet(site):
    feeds = [p for p in (site / "feeds").rglob("*") if p.is_file()]

    assert {p.suffix for p in feeds} == {".xml", ".json", ".opml"}
    for feed in feeds:
        assert b"xml-stylesheet" not in feed.read_bytes(), feed
        assert b".xsl" not in feed.read_bytes(), feed


def test_feeds_that_are_switched_off_are_not_offered(tmp_path):
    off = {
        **FEEDS,
        "FEEDS_JSON_PATH": "",
        "FEEDS_CATEGORY_ATOM_PATH": None,
        "FEEDS_CATEGORY_RSS_PATH": None,
        "FEEDS_DIGEST_ATOM_PATH": "",
        "FEEDS_DIGEST_RSS_PATH": "",
        "FEEDS_OPML_PATH": None,
    }
    output = build(tmp_path, **off)

    soup = read_page(output, "subscribe.html")
    offered = {path for _, path in linked_feeds("subscribe.html", soup.find("main"))}
    assert offered >= {"feeds/all.atom.xml", "feeds/tag/ferries.rss.xml"}
    assert not [p for p in offered if p.endswith(".json") or "category" in p or "digest" in p]
    assert soup.find(id="feeds-categories") is None
    assert soup.find("a", string="all feeds as OPML") is None
    for page in ("category/world.html", ISSUE_PAGE):
        head = read_page(output, page).head
        types = sorted(link["type"] for link in head("link", rel="alternate"))
        assert types == [ATOM, RSS], page
