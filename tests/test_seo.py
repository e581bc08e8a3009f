"""broadsheet.seo and plugins/seo: descriptions, canonical URLs, Open Graph, Twitter cards,
NewsArticle JSON-LD, sitemap.xml, robots.txt and the 404 page, from real builds."""

import json
from pathlib import Path

import lxml.etree
import pytest
from bs4 import BeautifulSoup
from conftest import build_pelican_site, write_content

from broadsheet.seo import absolute_url, byline_names, news_article_ld

BASE = "https://news.example"
SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
HOSTILE = "</script><script>alert(1)</script> & 'quotes' \"too\""
HOSTILE_NAME = "</script><script>alert('1')</script>"  # no "and", "," or "&" to split on
FULL_PAGE = "2024/03/tide-mill-reopens.html"
BARE_PAGE = "2024/03/library-hours.html"
HOSTILE_PAGE = "2024/03/hostile.html"

FULL = """\
Title: Tide mill reopens after restoration
Date: 2024-03-02T10:00:00+00:00
Modified: 2024-03-04T08:15:00+01:00
Slug: tide-mill-reopens
Category: Local
Source: Estuary Post
Source_url: https://estuary.example/news/tide-mill
Byline: Ann Reed and Tom Hale, Lee Marsh
Image: https://estuary.example/img/mill.jpg
Image_caption: The mill wheel turning again.
Image_credit: Estuary Post
Lang: en
Summary: The restored tide mill ground its first flour in sixty years.

The restored tide mill ground its first flour in sixty years.
"""

BARE = """\
Title: Library extends weekend hours
Date: 2024-03-01
Slug: library-hours
Category: Local
Source: Town Crier

The library will open on Sundays from April.
"""

HOSTILE_ARTICLE = f"""\
Title: {HOSTILE}
Date: 2024-03-03
Slug: hostile
Category: Local
Byline: {HOSTILE_NAME}
Summary: Plain words {HOSTILE}

Body.
"""

ABOUT = """\
Title: About this digest
Slug: about

A fictional digest for tests.
"""

SITE = {
    "articles/full.md": FULL,
    "articles/bare.md": BARE,
    "articles/hostile.md": HOSTILE_ARTICLE,
    "pages/about.md": ABOUT,
}


def build(tmp_path: Path, name: str = "output") -> Path:
    content = tmp_path / "content"
    if not content.exists():
        write_content(content, SITE)
    return build_pelican_site(
        content, tmp_path / name, FEEDS_SITEURL=BASE, SITEDESCRIPTION="A test digest."
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("seo"))


def soup_of(site: Path, page: str) -> BeautifulSoup:
    return BeautifulSoup((site / page).read_text(encoding="utf-8"), "html.parser")


def meta(soup: BeautifulSoup, key: str) -> str | None:
    tag = soup.head.find("meta", attrs={"property": key}) or soup.head.find(
        "meta", attrs={"name": key}
    )
    return tag["content"] if tag else None


def json_ld(soup: BeautifulSoup) -> dict:
    [script] = soup.find_all("script")
    assert script.parent.name == "head" and script["type"] == "application/ld+json"
    return json.loads(script.string)


# --- units -------------------------------------------------------------------------------------


def test_absolute_url_uses_the_first_absolute_base():
    assert absolute_url("a/b.html", "", "https://x.example/") == "https://x.example/a/b.html"
    assert absolute_url("index.html", "https://x.example") == "https://x.example/"
    assert absolute_url("d/index.html", None, "https://x.example") == "https://x.example/d/"
    assert absolute_url("a.html", "", "..") == ""  # a relative SITEURL gives no canonical


def test_byline_names_split_on_and_and_commas():
    assert byline_names("By Ann Reed and Tom Hale, Lee Marsh") == [
        "Ann Reed",
        "Tom Hale",
        "Lee Marsh",
    ]
    assert byline_names("") == [] and byline_names(None) == []


def test_unsafe_metadata_urls_stay_out_of_the_json_ld():
    from datetime import UTC, datetime

    class Article:
        title = "T"
        date = datetime(2024, 1, 1, tzinfo=UTC)
        modified = None
        byline = None
        source = "Outlet"
        image = "javascript:alert(1)"
        source_url = "data:text/html,x"
        lang = None

    data = news_article_ld(Article(), "Site", "https://s.example/t.html")
    assert "image" not in data and "isBasedOn" not in data
    assert data["author"] == {"@type": "Organization", "name": "Outlet"}
    assert data["dateModified"] == data["datePublished"] == "2024-01-01T00:00:00+00:00"


# --- built pages -------------------------------------------------------------------------------


def test_article_head_has_description_canonical_open_graph_and_twitter(site):
    soup = soup_of(site, FULL_PAGE)
    url = f"{BASE}/{FULL_PAGE}"
    summary = "The restored tide mill ground its first flour in sixty years."
    assert meta(soup, "description") == summary
    [canonical] = soup.head.find_all("link", rel="canonical")
    assert canonical["href"] == url
    assert meta(soup, "og:type") == "article"
    assert meta(soup, "og:title") == "Tide mill reopens after restoration"
    assert meta(soup, "og:description") == summary
    assert meta(soup, "og:url") == url
    assert meta(soup, "og:site_name") == "Broadsheet"
    assert meta(soup, "og:image") == "https://estuary.example/img/mill.jpg"
    assert meta(soup, "article:published_time") == "2024-03-02T10:00:00+00:00"
    assert meta(soup, "article:modified_time") == "2024-03-04T08:15:00+01:00"
    assert meta(soup, "twitter:card") == "summary_large_image"
    assert meta(soup, "twitter:title") == "Tide mill reopens after restoration"
    assert meta(soup, "twitter:description") == summary
    assert meta(soup, "twitter:image") == "https://estuary.example/img/mill.jpg"


def test_article_without_image_has_a_summary_card(site):
    soup = soup_of(site, BARE_PAGE)
    assert meta(soup, "twitter:card") == "summary"
    assert meta(soup, "og:image") is None and meta(soup, "twitter:image") is None
    assert meta(soup, "article:modified_time") == meta(soup, "article:published_time")
    assert meta(soup, "description")  # Pelican's summary of the body, no Summary: given
    assert soup.head.find("link", rel="canonical")["href"] == f"{BASE}/{BARE_PAGE}"


def test_home_and_page_heads(site):
    for page, url, title in [
        ("index.html", f"{BASE}/", "Broadsheet"),
        ("about.html", f"{BASE}/about.html", "About this digest"),
    ]:
        soup = soup_of(site, page)
        assert meta(soup, "description") == "A test digest."
        assert soup.head.find("link", rel="canonical")["href"] == url
        assert meta(soup, "og:type") == "website"
        assert meta(soup, "og:url") == url
        assert meta(soup, "og:title") == title
        assert meta(soup, "twitter:card") == "summary"
        assert soup.find("script") is None


def test_about_page_is_in_the_nav(site):
    nav = soup_of(site, "index.html").find("nav", class_="site-nav")
    assert "about.html" in [a["href"].removeprefix("./") for a in nav.find_all("a")]


def test_json_ld_with_every_field(site):
    data = json_ld(soup_of(site, FULL_PAGE))
    url = f"{BASE}/{FULL_PAGE}"
    assert data["@context"] == "https://schema.org" and data["@type"] == "NewsArticle"
    assert data["headline"] == "Tide mill reopens after restoration"
    assert data["datePublished"] == "2024-03-02T10:00:00+00:00"
    assert data["dateModified"] == "2024-03-04T08:15:00+01:00"
    assert data["author"] == [
        {"@type": "Person", "name": name} for name in ("Ann Reed", "Tom Hale", "Lee Marsh")
    ]
    assert data["publisher"] == {"@type": "Organization", "name": "Broadsheet", "url": f"{BASE}/"}
    assert data["image"] == ["https://estuary.example/img/mill.jpg"]
    assert data["isBasedOn"] == "https://estuary.example/news/tide-mill"
    assert data["mainEntityOfPage"] == {"@type": "WebPage", "@id": url}


def test_json_ld_without_image_byline_or_source_url(site):
    data = json_ld(soup_of(site, BARE_PAGE))
    assert data["author"] == {"@type": "Organization", "name": "Town Crier"}
    assert data["dateModified"] == data["datePublished"] == "2024-03-01T00:00:00+00:00"
    assert "image" not in data and "isBasedOn" not in data


def test_hostile_metadata_cannot_leave_the_json_ld(site):
    raw = (site / HOSTILE_PAGE).read_text(encoding="utf-8")
    soup = soup_of(site, HOSTILE_PAGE)
    data = json_ld(soup)  # exactly one script element: nothing broke out
    assert data["headline"] == HOSTILE
    assert data["author"] == [{"@type": "Person", "name": HOSTILE_NAME}]
    assert data["description"] == meta(soup, "description")
    assert meta(soup, "og:title") == HOSTILE
    script_text = raw.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]
    assert "<" not in script_text and ">" not in script_text and "&" not in script_text


def test_sitemap_lists_everything_absolutely_with_lastmod(site):
    root = lxml.etree.parse(str(site / "sitemap.xml")).getroot()
    entries = {
        url.findtext("s:loc", namespaces=SITEMAP_NS): url.findtext(
            "s:lastmod", namespaces=SITEMAP_NS
        )
        for url in root.findall("s:url", SITEMAP_NS)
    }
    assert entries[f"{BASE}/{FULL_PAGE}"] == "2024-03-04T08:15:00+01:00"
    assert entries[f"{BASE}/{BARE_PAGE}"] == "2024-03-01T00:00:00+00:00"
    assert entries[f"{BASE}/{HOSTILE_PAGE}"] == "2024-03-03T00:00:00+00:00"
    assert f"{BASE}/about.html" in entries
    # Each outlet's page (plugins/sources), as new as its newest story.
    assert entries[f"{BASE}/source/estuary-post.html"] == "2024-03-04T08:15:00+01:00"
    assert entries[f"{BASE}/source/town-crier.html"] == "2024-03-01T00:00:00+00:00"
    assert entries[f"{BASE}/"] == "2024-03-04T08:15:00+01:00"  # the newest change
    assert all(loc.startswith(f"{BASE}/") for loc in entries)


def test_two_builds_are_identical(site, tmp_path):
    again = build(tmp_path)
    for name in ("sitemap.xml", "robots.txt", "404.html", FULL_PAGE, "index.html"):
        assert (again / name).read_bytes() == (site / name).read_bytes(), name


def test_robots_txt_names_the_sitemap(site):
    lines = (site / "robots.txt").read_text(encoding="utf-8").splitlines()
    assert lines == ["User-agent: *", "Allow: /", f"Sitemap: {BASE}/sitemap.xml"]


def test_404_page_links_home_search_and_archives_from_the_root(site):
    soup = soup_of(site, "404.html")
    assert soup.find("h1").get_text() == "Page not found"
    assert meta(soup, "robots") == "noindex"
    assert soup.head.find("link", rel="canonical") is None
    hrefs = [a["href"] for a in soup.find("main").find_all("a")]
    assert hrefs == ["/", "/search.html", "/archives.html", "/tags.html"]


def test_publish_settings_use_the_site_url(tmp_path):
    write_content(tmp_path / "content", SITE)
    output = build_pelican_site(
        tmp_path / "content",
        tmp_path / "output",
        "publishconf.py",
        SITEURL=BASE,
        FEEDS_SITEURL=BASE,
    )
    soup = soup_of(output, FULL_PAGE)
    assert soup.head.find("link", rel="canonical")["href"] == f"{BASE}/{FULL_PAGE}"
    hrefs = [a["href"] for a in soup_of(output, "404.html").find("main").find_all("a")]
    assert hrefs[0] == f"{BASE}/"


def test_no_absolute_base_means_no_canonical_and_no_sitemap(tmp_path):
    write_content(tmp_path / "content", SITE)
    output = build_pelican_site(
        tmp_path / "content", tmp_path / "output", FEEDS_SITEURL="", PLUGINS=["safe_html", "seo"]
    )
    soup = soup_of(output, FULL_PAGE)
    assert soup.head.find("link", rel="canonical") is None and meta(soup, "og:url") is None
    assert "mainEntityOfPage" not in json_ld(soup)
    assert not (output / "sitemap.xml").exists()
    assert (output / "robots.txt").read_text(encoding="utf-8") == "User-agent: *\nAllow: /\n"
