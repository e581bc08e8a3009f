"""theme/: the pages a reader sees, from a real Pelican build of a tiny site."""

import posixpath
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import build_pelican_site, write_content

ROOT = Path(__file__).resolve().parents[1]
LIGHTHOUSE_PAGE = "2024/01/harbour-town-votes-to-keep-lighthouse.html"
ORCHARD_PAGE = "2024/02/orchard-growers-report-record-cider-harvest.html"
FERRY_PAGE = "2024/01/ferry-timetable-changes.html"

# Caption and credit without an Image URL: they must still show.
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
Image_caption: The lighthouse at dusk, seen from the north pier.
Image_credit: AP
Summary: PORT ELLEN: Residents voted on Friday to keep the lighthouse.

PORT ELLEN: Residents voted on Friday to keep the lighthouse.

## Costs

Deep in the body, the mayor said the keepers’ cottage would become a museum.
"""

ORCHARD = """\
Title: Orchard growers report record cider harvest
Date: 2024-02-03T14:15:00+01:00
Slug: orchard-growers-report-record-cider-harvest
Uid: tag:broadsheet,2024-02-03:cc33dd44
Category: Business
Tags: Farming, Local government
Source: Valley Courier
Lang: cy
Image: https://courier.example/img/orchard.jpg
Image_caption: Apples waiting for the press.
Image_credit: Valley Courier

Growers across the valley pressed more apples than in any year since records began.
"""

FERRY = """\
Title: Ferry timetable changes for winter
Date: 2024-01-22 08:00
Slug: ferry-timetable-changes
Category: Transport

The winter timetable starts next week, with two fewer sailings a day.
"""

ABOUT = """\
Title: About Broadsheet
Slug: about

A curated digest of the week's news.
"""

SITE = {
    "articles/2024/01/harbour-town-votes-to-keep-lighthouse.md": LIGHTHOUSE,
    "articles/2024/02/orchard-growers-report-record-cider-harvest.md": ORCHARD,
    "articles/2024/01/ferry-timetable-changes.md": FERRY,
    "pages/about.md": ABOUT,
}


def build_site(tmp_path: Path, config: str = "pelicanconf.py", **overrides) -> Path:
    """Write SITE and run a real Pelican build with the project settings; return the output."""
    write_content(tmp_path / "content", SITE)
    return build_pelican_site(tmp_path / "content", tmp_path / "output", config, **overrides)


def read_page(output: Path, page: str) -> BeautifulSoup:
    return BeautifulSoup((output / page).read_text(encoding="utf-8"), "html.parser")


def resolve(page: str, href: str) -> str:
    """Return the output-relative path a relative href on page points to."""
    return posixpath.normpath(posixpath.join(posixpath.dirname(page), href))


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return build_site(tmp_path_factory.mktemp("theme"))


def test_article_page_shows_source_dateline_dates_byline(site):
    soup = read_page(site, LIGHTHOUSE_PAGE)
    story = soup.find("article")

    assert soup.html["lang"] == "en"
    assert [h1.get_text() for h1 in soup.find_all("h1")] == [
        "Harbour town votes to keep its “old” lighthouse & pier"
    ]
    # The outlet's name links to its source page (plugins/sources); the original is
    # linked from the footer.
    source = story.find("p", class_="source").find("a")
    assert source.get_text() == "The Coastal Gazette"
    assert source["href"] == "../../source/the-coastal-gazette.html"
    original = story.find("a", href="https://gazette.example/news/lighthouse-vote")
    assert original.get_text() == "Read the original at The Coastal Gazette"
    assert story.find(class_="dateline").get_text() == "PORT ELLEN"
    assert "Jane Doe" in story.find(class_="byline").get_text()
    assert story.find(class_="agency").get_text() == "AFP"

    published = story.find("time", class_="published")
    assert published["datetime"].startswith("2024-01-20")
    assert published.get_text() == "20 January 2024"
    modified = story.find("time", class_="modified")
    assert modified["datetime"] == "2024-01-21T09:30:00+02:00"
    assert modified.get_text() == "21 January 2024"
    assert "the keepers’ cottage would become a museum" in story.get_text()


def test_caption_and_credit_show_without_an_image(site):
    story = read_page(site, LIGHTHOUSE_PAGE).find("article")

    assert story.find("img") is None
    assert story.find(class_="caption").get_text() == (
        "The lighthouse at dusk, seen from the north pier."
    )
    assert "AP" in story.find(class_="credit").get_text()


def test_lead_image_has_caption_and_credit(site):
    soup = read_page(site, ORCHARD_PAGE)
    story = soup.find("article")

    assert soup.html["lang"] == "cy"
    # An Image on the outlet's site is linked, not embedded (LEAD_IMAGE_HOTLINK is off).
    assert story.find("img") is None
    note = story.find(class_="lead-image-note")
    assert note.find("a")["href"] == "https://courier.example/img/orchard.jpg"
    assert note.find(class_="caption").get_text() == "Apples waiting for the press."
    assert "Valley Courier" in note.find(class_="credit").get_text()


def test_article_page_links_its_tags_and_category(site):
    story = read_page(site, LIGHTHOUSE_PAGE).find("article")

    tags = [(a.get_text(), resolve(LIGHTHOUSE_PAGE, a["href"])) for a in story.find_all(rel="tag")]
    # Hand tags first; plugins/autotag may add more after them.
    assert tags[:2] == [
        ("Lighthouses", "tag/lighthouses.html"),
        ("Local government", "tag/local-government.html"),
    ]
    category = story.find("a", string="World")
    assert resolve(LIGHTHOUSE_PAGE, category["href"]) == "category/world.html"


def test_page_has_landmarks_and_skip_link(site):
    soup = read_page(site, LIGHTHOUSE_PAGE)

    skip = soup.body.find("a")
    assert skip["href"] == "#main"
    assert soup.find("main")["id"] == "main"
    assert soup.find("header") and soup.find("nav") and soup.find("footer")
    # No script runs: the only script element is the schema.org JSON-LD data block.
    assert [script.get("type") for script in soup.find_all("script")] == ["application/ld+json"]


def test_index_lists_articles_newest_first(site):
    soup = read_page(site, "index.html")
    links = [a["href"] for a in soup.find("main").find_all("a", rel="bookmark")]

    assert [resolve("index.html", href) for href in links] == [
        ORCHARD_PAGE,
        FERRY_PAGE,
        LIGHTHOUSE_PAGE,
    ]
    assert len(soup.find_all("h1")) == 1


def test_index_is_paginated(tmp_path):
    output = build_site(tmp_path, DEFAULT_PAGINATION=2)

    first = read_page(output, "index.html")
    assert len(first.find("main").find_all("a", rel="bookmark")) == 2
    next_page = resolve("index.html", first.find("a", rel="next")["href"])
    second = read_page(output, next_page)
    older = [a["href"] for a in second.find("main").find_all("a", rel="bookmark")]
    assert [resolve(next_page, href) for href in older] == [LIGHTHOUSE_PAGE]


def test_tag_page_lists_tagged_articles(site):
    soup = read_page(site, "tag/local-government.html")
    titles = [a.get_text() for a in soup.find("main").find_all("a", rel="bookmark")]

    assert titles == [
        "Orchard growers report record cider harvest",
        "Harbour town votes to keep its “old” lighthouse & pier",
    ]
    tags = read_page(site, "tags.html")
    assert "Local government" in [a.get_text() for a in tags.find("main").find_all("a")]


def test_tag_page_links_the_tag_s_own_feeds_for_readers(site):
    page = "tag/local-government.html"
    soup = read_page(site, page)
    visible = [resolve(page, a["href"]) for a in soup.select(".tag-feeds a")]
    assert visible == [
        "feeds/tag/local-government.atom.xml",
        "feeds/tag/local-government.rss.xml",
    ]


@pytest.mark.parametrize(
    "page",
    [
        "index.html",
        LIGHTHOUSE_PAGE,
        "about.html",
        "archives.html",
        "2024/01/index.html",
        "category/world.html",
        "categories.html",
        "tag/farming.html",
        "tags.html",
    ],
)
def test_every_page_renders_with_feed_autodiscovery(site, page):
    soup = read_page(site, page)

    assert len(soup.find_all("h1")) == 1
    feeds = sorted(
        (link["type"], resolve(page, link["href"]))
        for link in soup.head.find_all("link", rel="alternate")
    )
    site_feeds = [
        ("application/atom+xml", "feeds/all.atom.xml"),
        ("application/rss+xml", "feeds/all.rss.xml"),
        ("application/feed+json", "feeds/all.json"),
    ]
    own = []
    for kind in ("tag", "category"):  # a tag or category page also offers its own feeds
        if page.startswith(f"{kind}/"):
            slug = page.removeprefix(f"{kind}/").removesuffix(".html")
            own = [
                ("application/atom+xml", f"feeds/{kind}/{slug}.atom.xml"),
                ("application/rss+xml", f"feeds/{kind}/{slug}.rss.xml"),
            ]
    assert feeds == sorted(site_feeds + own)
    for _, target in feeds:
        assert (site / target).is_file()
    stylesheet = soup.head.find("link", rel="stylesheet")["href"]
    assert (site / resolve(page, stylesheet)).is_file()


def test_publish_settings_give_absolute_feed_links(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)  # publishconf imports pelicanconf from the working directory
    monkeypatch.delenv("BROADSHEET_SITEURL", raising=False)
    output = build_site(tmp_path, config="publishconf.py")

    soup = read_page(output, LIGHTHOUSE_PAGE)
    hrefs = sorted(link["href"] for link in soup.head.find_all("link", rel="alternate"))
    assert hrefs == [
        "https://example.org/feeds/all.atom.xml",
        "https://example.org/feeds/all.json",
        "https://example.org/feeds/all.rss.xml",
    ]
    atom = (output / "feeds/all.atom.xml").read_text(encoding="utf-8")
    assert '<link href="https://example.org/feeds/all.atom.xml" rel="self"' in atom


def test_stylesheet_is_self_contained_with_dark_mode():
    css = (ROOT / "theme/static/css/broadsheet.css").read_text(encoding="utf-8")

    assert "@media (prefers-color-scheme: dark)" in css
    assert "@import" not in css and "@font-face" not in css
    assert not re.search(r"url\(", css)
