"""Hostile input never reaches a reader: the XSS corpus through a real build and the import.

Every vector in tests/fixtures/xss/vectors.yml goes into a hand-edited article (body or
header) and, for HTML and page metadata, into a fictional saved news page that is
imported with the CLI. Each generated page and feed is then parsed and searched for
anything that could run script, load a document or leave the site on its own.
"""

from __future__ import annotations

import functools
import html
import importlib
import json
import re
from pathlib import Path
from types import SimpleNamespace

import lxml.etree
import lxml.html
import markdown
import pytest
import yaml
from click.testing import CliRunner
from conftest import FIXTURES, ROOT, build_pelican_site, write_content

VECTORS_FILE = FIXTURES / "xss" / "vectors.yml"
VECTORS: list[dict] = yaml.safe_load(VECTORS_FILE.read_text(encoding="utf-8"))
BODY_KINDS = ("html", "markdown")

# Browsers drop these anywhere in a URL's scheme ("jav\tascript:") and strip them
# from its ends, so the scheme is checked with them removed.
_IGNORED_IN_URL = re.compile(r"[\x00-\x20\x7f-\x9f]+")
HOSTILE_SCHEMES = ("javascript:", "vbscript:", "data:", "livescript:", "mocha:")
URL_ATTRIBUTES = (
    "href", "src", "action", "formaction", "xlink:href", "data", "poster", "background",
    "cite", "ping", "lowsrc", "dynsrc", "codebase", "longdesc", "usemap", "manifest",
)  # fmt: skip
# Elements that run script, load another document, submit, or restyle the page. The
# theme ships none of them, in <head> or anywhere else, but the Search page's scripts and
# articles' JSON-LD data blocks (both checked below).
FORBIDDEN_ELEMENTS = (
    "script", "iframe", "frame", "frameset", "object", "embed", "applet", "form", "input",
    "button", "textarea", "select", "base", "style", "svg", "math", "template", "noscript",
    "portal", "marquee",
)  # fmt: skip
# The only <link> the theme writes: its stylesheet, its icon, feed autodiscovery and the
# canonical URL (broadsheet.seo), in <head>.
THEME_LINK_RELS = ({"stylesheet"}, {"icon"}, {"alternate"}, {"canonical"})
ALLOWED_STYLE = re.compile(r"^\s*(text-align\s*:\s*[a-z-]+\s*;?\s*)?$", re.IGNORECASE)
ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT_ENCODED = "{http://purl.org/rss/1.0/modules/content/}encoded"


def vectors(*kinds: str) -> list[dict]:
    return [vector for vector in VECTORS if vector["kind"] in kinds]


def vector_ids(items: list[dict]) -> list[str]:
    return [vector["name"] for vector in items]


# The checker


def hostile_url(value: str) -> bool:
    """True when a URL attribute value would run script or load inline content."""
    squeezed = _IGNORED_IN_URL.sub("", html.unescape(value)).lower()
    return squeezed.startswith(HOSTILE_SCHEMES)


def attribute_urls(name: str, value: str) -> list[str]:
    """The URLs an attribute holds: one for href/src/…, each candidate of a srcset."""
    if name in URL_ATTRIBUTES:
        return [value]
    if name in ("srcset", "imagesrcset"):
        return [candidate.strip() for candidate in value.split(",")]
    return []


def element_hazards(element, where: str) -> list[str]:
    """What is wrong with one parsed element (its tag and attributes)."""
    tag = element.tag.lower() if isinstance(element.tag, str) else ""
    found = []
    if tag.rsplit("}", 1)[-1] in FORBIDDEN_ELEMENTS:
        found.append(f"{where}: <{tag}> element")
    if tag == "meta" and element.get("http-equiv") is not None:
        found.append(f"{where}: <meta http-equiv={element.get('http-equiv')!r}>")
    for name, value in element.attrib.items():
        name = name.lower()
        if name.startswith("on"):
            found.append(f"{where}: <{tag} {name}=…> event handler")
        elif any(hostile_url(url) for url in attribute_urls(name, value)):
            found.append(f"{where}: <{tag} {name}={value!r}>")
        elif name == "srcdoc":
            found.append(f"{where}: <{tag} srcdoc> inline document")
        elif name == "style" and not ALLOWED_STYLE.match(value):
            found.append(f"{where}: <{tag} style={value!r}>")
    return found


# The one exception: the Search page (theme/templates/search.html) loads Pagefind's UI
# and the theme's starter, empty external scripts from this site, in <head>.
SEARCH_PAGE = "search.html"
SEARCH_SCRIPTS = ("pagefind/pagefind-ui.js", "theme/js/search.js")


def theme_search_script(element, where: str, head) -> bool:
    """True for one of the Search page's own scripts (and nowhere else)."""
    src = (element.get("src") or "").removeprefix("./")
    return (
        where == SEARCH_PAGE
        and element.tag == "script"
        and element.getparent() is head
        and src in SEARCH_SCRIPTS
        and not (element.text or "").strip()
        and set(element.attrib) == {"src", "defer"}
    )


def theme_json_ld(element, head) -> bool:
    """True for the theme's schema.org JSON-LD (broadsheet.seo): a data block in <head>
    that is JSON with no "<" at all (|tojson escapes it), so nothing can close it early."""
    if not (
        element.tag == "script"
        and element.getparent() is head
        and dict(element.attrib) == {"type": "application/ld+json"}
        and len(element) == 0
    ):
        return False
    text = element.text or ""
    if "<" in text:
        return False
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False


def page_hazards(document: str, where: str) -> list[str]:
    """Everything in a whole HTML page that could run script or leave the page."""
    root = lxml.html.document_fromstring(document)
    head = root.find("head")
    found = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue  # comments and processing instructions are inert text
        if theme_search_script(element, where, head) or theme_json_ld(element, head):
            continue
        found += element_hazards(element, where)
        if element.tag == "link":
            in_head = head is not None and element.getparent() is head
            rel = set((element.get("rel") or "").lower().split())
            if not in_head or rel not in THEME_LINK_RELS:
                found.append(f"{where}: <link rel={element.get('rel')!r}> outside the theme's")
    return found


def fragment_hazards(fragment: str, where: str) -> list[str]:
    """Everything in an HTML fragment (a body, a summary, feed content) that is hostile."""
    if not fragment.strip():
        return []
    return page_hazards(f"<!DOCTYPE html><html><head></head><body>{fragment}</body></html>", where)


def feed_hazards(feed_file: Path) -> list[str]:
    """Hostile markup inside a feed: in the XML itself, or in any entry's HTML."""
    tree = lxml.etree.parse(str(feed_file))
    found = []
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        local = lxml.etree.QName(element).localname.lower()
        where = f"{feed_file.name} <{local}>"
        if local in FORBIDDEN_ELEMENTS:
            found.append(f"{where}: element in the feed's XML")
        is_html = element.tag in (f"{ATOM}content", f"{ATOM}summary") or element.tag in (
            "description",
            CONTENT_ENCODED,
        )
        if is_html and element.text:
            found += fragment_hazards(element.text, where)
    return found


def site_hazards(output: Path) -> list[str]:
    """Every hazard in every generated page and feed of a built site."""
    found = []
    for page in sorted(output.rglob("*.html")):
        found += page_hazards(page.read_text(encoding="utf-8"), str(page.relative_to(output)))
    for feed in sorted(output.rglob("*.xml")):
        found += feed_hazards(feed)
    return found


@functools.cache
def markdown_settings() -> dict:
    """The project's MARKDOWN setting, as the build reads it."""
    from pelican.settings import read_settings

    return read_settings(str(ROOT / "pelicanconf.py"))["MARKDOWN"]


def render_markdown(text: str) -> str:
    """Markdown as the build renders it (the project's MARKDOWN settings), unsanitised."""
    config = markdown_settings()
    extensions = list(config["extension_configs"])
    return markdown.Markdown(
        extensions=extensions,
        extension_configs=config["extension_configs"],
        output_format=config.get("output_format", "html5"),
    ).convert(text)


# Hand-edited articles: one per vector


def article_slug(vector: dict) -> str:
    return "xss-" + vector["name"]


def article_page(vector: dict) -> str:
    """The output path of the vector's hand-edited article."""
    return f"2024/03/{article_slug(vector)}.html"


def opening_line(vector: dict) -> str:
    """A sentence before the vector: the page must still show it."""
    return f"The harbour board met on Monday to discuss item {vector['name']}."


def hand_edited_article(vector: dict) -> str:
    """A Markdown article file carrying the vector in its body or header."""
    header = {
        "Title": f"Harbour board notes: {vector['name']}",
        "Date": "2024-03-12",
        "Slug": article_slug(vector),
        "Category": "Harbour",
        "Tags": "Harbours",
        "Source": "The Quay Times",
        "Source_url": f"https://quay.example/news/{vector['name']}",
        "Byline": "Jo Rivers",
        "Image": "https://img.example/quay.jpg",
        "Image_caption": "The quay at dawn.",
        "Summary": f"The board discussed {vector['name']}.",
    }
    if vector["kind"] == "metadata":
        header[vector["field"]] = vector["payload"]
    lines = [f"{key}: {value}" for key, value in header.items()]
    body = [opening_line(vector)]
    if vector["kind"] == "html":
        body += [vector["payload"], f"The clerk read out {vector['payload']} before lunch."]
    elif vector["kind"] == "markdown":
        body.append(vector["payload"])
    body.append("The next meeting is in April.")
    return "\n".join(lines) + "\n\n" + "\n\n".join(body) + "\n"


def xss_content() -> dict[str, str]:
    return {
        f"articles/2024/03/{article_slug(vector)}.md": hand_edited_article(vector)
        for vector in VECTORS
    }


def build_xss_site(tmp_path: Path, **overrides) -> Path:
    """Write one hand-edited article per vector and build them with the project settings."""
    content = tmp_path / "content"
    write_content(content, xss_content())
    return build_pelican_site(content, tmp_path / "output", **overrides)


@pytest.fixture(scope="module")
def xss_site(tmp_path_factory) -> Path:
    # Remote lead images embedded too, so every Image URL also reaches an <img src>.
    return build_xss_site(tmp_path_factory.mktemp("xss"), LEAD_IMAGE_HOTLINK=True)


def test_corpus_covers_enough_vectors():
    names = vector_ids(VECTORS)
    assert len(names) == len(set(names))
    assert len(VECTORS) >= 40
    assert {vector["kind"] for vector in VECTORS} == {"html", "markdown", "metadata"}
    fields = {vector["field"] for vector in vectors("metadata")}
    assert {"Title", "Summary", "Byline", "Image", "Source_url"} <= fields


@pytest.mark.parametrize("vector", VECTORS, ids=vector_ids(VECTORS))
def test_built_article_page_is_safe(xss_site, vector):
    page = xss_site / article_page(vector)
    document = page.read_text(encoding="utf-8")

    assert page_hazards(document, article_page(vector)) == []
    # Still the article: the words before the vector survive.
    assert opening_line(vector) in lxml.html.document_fromstring(document).text_content()


def test_every_page_and_feed_of_the_build_is_safe(xss_site):
    pages = list(xss_site.rglob("*.html"))
    assert len(pages) > len(VECTORS)  # articles plus index, archives, tag and section pages
    assert (xss_site / "feeds" / "all.atom.xml").is_file()
    assert site_hazards(xss_site) == []


@pytest.mark.parametrize(
    ("field", "name"),
    [
        ("Title", "meta-title-attribute-breakout"),
        ("Byline", "meta-byline-breakout"),
        ("Image_caption", "meta-image-caption-breakout"),
    ],
)
def test_metadata_is_shown_as_text(xss_site, field, name):
    vector = next(vector for vector in VECTORS if vector["name"] == name)
    root = lxml.html.document_fromstring(
        (xss_site / article_page(vector)).read_text(encoding="utf-8")
    )
    assert vector["payload"] in root.text_content()


def test_unsafe_metadata_urls_are_left_out_and_safe_ones_kept(xss_site):
    def story(name):
        vector = next(vector for vector in VECTORS if vector["name"] == name)
        path = xss_site / article_page(vector)
        return lxml.html.document_fromstring(path.read_text(encoding="utf-8")).find(".//article")

    refused = story("meta-source-url-javascript")
    assert "The Quay Times" in refused.text_content()
    assert refused.xpath(".//a[@rel and contains(@rel, 'external')]") == []
    assert story("meta-image-data").xpath(".//img") == []
    kept = story("meta-also-reported-by")
    links = {a.text_content(): a.get("href") for a in kept.xpath(".//p[@class='also-reported']/a")}
    assert links == {"Fair Outlet": "https://fair.example/a"}
    assert "Bad Outlet" in kept.text_content()
    lead = story("script-plain").xpath(".//figure[@class='lead-image']/img")
    assert [img.get("src") for img in lead] == ["https://img.example/quay.jpg"]


def test_unconfigured_plugin_leaves_content_alone(tmp_path):
    # Signals are process-global: the handlers stay connected from earlier builds and must
    # do nothing for a build whose PLUGINS leave safe_html out. The checker sees the result.
    vector = next(vector for vector in VECTORS if vector["name"] == "img-onerror")
    content = tmp_path / "content"
    write_content(content, {"articles/a.md": hand_edited_article(vector)})
    output = build_pelican_site(content, tmp_path / "output", PLUGINS=["feeds"])

    page = (output / article_page(vector)).read_text(encoding="utf-8")
    assert any("onerror" in hazard for hazard in page_hazards(page, "page"))


def count_cleanings(plugin, monkeypatch) -> list[str]:
    """The fragments the plugin's cleaner is given from now on, in order."""
    cleaned: list[str] = []
    real = plugin.sanitise_html

    def counted(fragment: str, settings: dict) -> str:
        cleaned.append(fragment)
        return real(fragment, settings)

    monkeypatch.setattr(plugin, "sanitise_html", counted)
    return cleaned


def test_a_rebuild_with_the_caches_cleans_again_only_what_was_edited(tmp_path, monkeypatch):
    """The cleaner's results are kept between builds; a hand edit is cleaned all the same."""
    import sys

    caches = {"CACHE_CONTENT": True, "LOAD_CONTENT_CACHE": True}
    content = tmp_path / "content"
    write_content(content, {**xss_content(), "articles/2024/03/pier.md": LEGIT_ARTICLE})
    first = build_pelican_site(
        content, tmp_path / "first", CACHE_PATH=str(tmp_path / "cache"), **caches
    )
    assert (tmp_path / "cache" / "safe_html" / "fragments.pickle").is_file()
    cleaned = count_cleanings(sys.modules["safe_html.safe_html"], monkeypatch)
    edited = LEGIT_ARTICLE.replace(
        "Contact [the desk]", '<script>alert("edited")</script>\n\nWrite to [the desk]'
    )
    (content / "articles/2024/03/pier.md").write_text(edited, encoding="utf-8")

    again = build_pelican_site(
        content, tmp_path / "again", CACHE_PATH=str(tmp_path / "cache"), **caches
    )

    # Only the edited body went through the cleaner (its summary had been seen before;
    # the check before writing finds the very body it left), and its page is safe.
    assert 'alert("edited")' in cleaned[0]
    assert len(cleaned) == 1 and "Write to" in cleaned[0]
    page = (again / "2024/03/ferry-fares-frozen.html").read_text(encoding="utf-8")
    assert "Write to" in page and "edited" not in page
    assert site_hazards(again) == []
    # Every other page is cleaned as the first build cleaned it.
    for vector in VECTORS:
        name = article_page(vector)
        assert (again / name).read_bytes() == (first / name).read_bytes(), name


LEGIT_ARTICLE = """\
Title: Ferry fares frozen for a year
Date: 2024-03-14
Slug: ferry-fares-frozen
Category: Harbour
Summary: Fares stay the same, *the board* said, citing [the review](https://review.example/).

The board froze fares[^1] after [a long review](https://review.example/2024 "Fare review")
and a vote recorded in [the earlier story]({filename}timetable.md) and
[the archive](../../archives.html).

| Route | Fare |
|:------|-----:|
| North | 4.50 |

![The north pier]({static}/images/pier.jpg)

Contact [the desk](mailto:desk@quay.example).

[^1]: Until March next year.
"""

TIMETABLE_ARTICLE = """\
Title: Winter timetable published
Date: 2024-03-10
Slug: winter-timetable
Category: Harbour

Two fewer sailings a day.
"""


@pytest.fixture(scope="module")
def legit_site(tmp_path_factory) -> Path:
    tmp_path = tmp_path_factory.mktemp("legit")
    content = tmp_path / "content"
    write_content(
        content,
        {
            "articles/2024/03/ferry-fares-frozen.md": LEGIT_ARTICLE,
            "articles/2024/03/timetable.md": TIMETABLE_ARTICLE,
        },
    )
    (content / "images").mkdir()
    (content / "images" / "pier.jpg").write_bytes(b"\xff\xd8\xff\xd9")
    return build_pelican_site(
        content, tmp_path / "output", STATIC_PATHS=["images"], FEEDS_SITEURL="https://quay.example"
    )


def legit_story(site: Path):
    page = site / "2024/03/ferry-fares-frozen.html"
    return lxml.html.document_fromstring(page.read_text(encoding="utf-8")).find(
        ".//div[@class='story-body']"
    )


def test_intra_site_links_footnotes_and_tables_survive(legit_site):
    body = legit_story(legit_site)
    hrefs = {a.text_content(): a.get("href") for a in body.iter("a")}

    assert hrefs["the earlier story"] == "../../2024/03/winter-timetable.html"
    assert hrefs["the archive"] == "../../archives.html"
    assert hrefs["the desk"] == "mailto:desk@quay.example"
    assert [img.get("src") for img in body.iter("img")] == ["../../images/pier.jpg"]
    [ref] = body.xpath(".//sup/a[@class='footnote-ref']")
    [note] = body.xpath(".//li[starts-with(@id, 'fn')]")
    assert ref.get("href") == "#" + note.get("id")
    assert [td.get("style") for td in body.iter("td")] == ["text-align:left", "text-align:right"]
    assert body.xpath(".//th")[0].text_content() == "Route"


def test_links_to_other_hosts_get_rel_and_site_links_do_not(legit_site):
    body = legit_story(legit_site)
    rels = {a.text_content(): a.get("rel") for a in body.iter("a")}

    assert rels["a long review"] == "nofollow noopener"
    assert rels["the earlier story"] is None
    assert rels["the archive"] is None
    assert rels["the desk"] is None


def test_feeds_carry_the_sanitised_body_and_summary(legit_site):
    tree = lxml.etree.parse(str(legit_site / "feeds" / "all.atom.xml"))
    entry = next(
        entry
        for entry in tree.iter(f"{ATOM}entry")
        if entry.findtext(f"{ATOM}title") == "Ferry fares frozen for a year"
    )
    content = lxml.html.fragment_fromstring(entry.findtext(f"{ATOM}content"), create_parent=True)
    links = {a.text_content(): a for a in content.iter("a")}

    assert links["a long review"].get("rel") == "nofollow noopener"
    assert links["the earlier story"].get("href") == (
        "https://quay.example/2024/03/winter-timetable.html"
    )
    summary = entry.findtext(f"{ATOM}summary")
    assert "<em>the board</em>" in summary
    assert 'rel="nofollow noopener"' in summary


# The plugin's helpers on plain data


@pytest.fixture
def safe_html_module(monkeypatch):
    """The plugin module, imported the way Pelican imports it (top-level package)."""
    monkeypatch.syspath_prepend(str(ROOT / "plugins"))
    return importlib.import_module("safe_html.safe_html")


@pytest.mark.parametrize(
    ("plugins", "enabled"),
    [
        (["feeds", "safe_html"], True),
        (["pelican.plugins.safe_html"], True),
        ([SimpleNamespace(__name__="safe_html")], True),
        (["feeds"], False),
        ([], False),
        (None, False),
        (["unsafe_html"], False),
    ],
)
def test_plugin_acts_only_when_listed(safe_html_module, plugins, enabled):
    assert safe_html_module.plugin_enabled({"PLUGINS": plugins}) is enabled


def test_local_hosts_come_from_the_site_urls(safe_html_module):
    settings = {"SITEURL": "https://News.example/digest", "FEEDS_SITEURL": "http://127.0.0.1:8000"}
    assert safe_html_module.local_hosts(settings) == {"news.example", "127.0.0.1"}
    assert safe_html_module.local_hosts({"SITEURL": ""}) == set()


def test_sanitise_content_cleans_body_summary_and_url_metadata(safe_html_module):
    from pelican.contents import Article
    from pelican.settings import DEFAULT_CONFIG

    settings = {**DEFAULT_CONFIG, "PLUGINS": [], "SITEURL": "https://news.example"}
    article = Article(
        '<p onclick="x()">Body <a href="https://other.example/">out</a>'
        '<a href="https://news.example/a.html">in</a></p><script>alert(1)</script>',
        metadata={
            "title": "T",
            "summary": "<p>Sum<img src=x onerror=alert(1)></p>",
            "source_url": "javascript:alert(1)",
            "image": "https://img.example/a.jpg",
        },
        settings=settings,
    )

    assert safe_html_module.sanitise_content(article) is True
    assert article._content == (
        '<p>Body <a href="https://other.example/" rel="nofollow noopener">out</a>'
        '<a href="https://news.example/a.html">in</a></p>'
    )
    assert article.metadata["summary"] == article._summary == '<p>Sum<img src="x"></p>'
    assert "source_url" not in article.metadata and not hasattr(article, "source_url")
    assert article.image == "https://img.example/a.jpg"
    assert safe_html_module.sanitise_content(article) is False  # stable once clean


def test_content_changed_after_init_is_cleaned_before_writing(safe_html_module):
    from pelican.contents import Article
    from pelican.settings import DEFAULT_CONFIG

    settings = {**DEFAULT_CONFIG, "PLUGINS": ["safe_html"]}
    article = Article("<p>ok</p>", metadata={"title": "T"}, settings=settings)
    assert article.content == "<p>ok</p>"  # memoised by Pelican
    article._content = "<p>late<script>alert(1)</script></p>"  # another plugin's edit
    generator = SimpleNamespace(articles=[article], drafts=[article], other="x")

    safe_html_module.sanitise_held_content([generator])

    assert article.content == "<p>late</p>"


def test_in_a_build_only_what_changed_since_init_is_checked_again(safe_html_module, monkeypatch):
    from pelican.contents import Article
    from pelican.settings import DEFAULT_CONFIG

    settings = {**DEFAULT_CONFIG, "PLUGINS": ["safe_html"]}
    safe_html_module.start_build(SimpleNamespace(settings=settings))
    try:
        kept = Article("<p>kept</p>", metadata={"title": "K"}, settings=settings)
        edited = Article("<p>ok</p>", metadata={"title": "E"}, settings=settings)
        resummed = Article(
            "<p>ok</p>", metadata={"title": "S", "summary": "<p>s</p>"}, settings=settings
        )
        for each in (kept, edited, resummed):  # content_object_init, as in a build
            safe_html_module.sanitise_new_content(each)
        cleaned = count_cleanings(safe_html_module, monkeypatch)
        edited._content = "<p>late<script>alert(1)</script></p>"  # another plugin's edit
        resummed.metadata["summary"] = "<p>new<img src=x onerror=alert(2)></p>"
        generator = SimpleNamespace(articles=[kept, edited, resummed])

        safe_html_module.sanitise_held_content([generator])

        assert cleaned == [
            "<p>late<script>alert(1)</script></p>",
            "<p>new<img src=x onerror=alert(2)></p>",
        ]
        assert edited.content == "<p>late</p>"
        assert "onerror" not in resummed.metadata["summary"]
        assert kept.content == "<p>kept</p>"
    finally:
        safe_html_module.BUILDS.clear()


def test_url_verdicts_are_kept_between_builds(tmp_path, monkeypatch, caplog):
    """A rebuild with the caches works out no URL's safety it has seen (the source pages'
    checks included); a refused URL is refused (and named) all the same."""
    caches = {
        "CACHE_PATH": str(tmp_path / "cache"),
        "CACHE_CONTENT": True,
        "LOAD_CONTENT_CACHE": True,
    }
    content = tmp_path / "content"
    stories = {
        "articles/2024/03/pier.md": LEGIT_ARTICLE,
        "articles/2024/03/bad.md": "Title: Bad link\nDate: 2024-03-02\n"
        "Source_url: javascript:alert(1)\n\nA story with a bad source link.\n",
    }
    write_content(content, stories)
    build_pelican_site(content, tmp_path / "first", **caches)
    assert (tmp_path / "cache" / "safe_html" / "urls.pickle").is_file()
    from broadsheet import sanitize

    asked: list[str] = []
    real = sanitize._safe_url

    def counted(url: str, base: str | None) -> str | None:
        asked.append(url)
        return real(url, base)

    monkeypatch.setattr(sanitize, "_safe_url", counted)
    from pelican.log import LimitFilter

    # Pelican logs a warning once per process: the first build had this one.
    monkeypatch.setattr(LimitFilter, "_raised_messages", set())
    caplog.clear()

    with caplog.at_level("WARNING"):
        again = build_pelican_site(content, tmp_path / "again", **caches)

    assert asked == []
    assert "javascript:" not in (again / "2024/03/bad.html").read_text(encoding="utf-8")
    assert any("Source_url 'javascript:alert(1)'" in r.getMessage() for r in caplog.records)


# The import path: fictional saved news pages carrying the vectors

PAGE_FIELDS = {
    "Title": "title",
    "Summary": "description",
    "Byline": "author",
    "Image": "og:image",
    "Source_url": "canonical",
}


def importable(vector: dict) -> bool:
    """HTML vectors, and metadata a saved page can carry in its head."""
    return vector["kind"] == "html" or vector.get("field") in PAGE_FIELDS


# Each saved page is a different story: every few words come from these pools, chosen
# by a generator seeded with the vector's name, so no two pages share enough word
# 5-grams for dedupe to call one a syndicated copy of another.
STORY_WORDS = {
    "town": "Ashcombe Bellhaven Corrin Dunmere Eastwick Farrowby Glenmoor Harwood Kestle "
    "Larchfield Marrow Netherby Oakhurst Penlow Quenby Rushmere Saltmarsh Thornbury",
    "thing": "lifeboat-station fish-market tram-depot library sea-wall bus-station lido "
    "bandstand cycle-path ferry-ramp clock-tower footbridge museum skate-park crane pier",
    "name": "Ada-Moss Ben-Hale Cora-Lind Dev-Patel Ella-Shaw Finn-Ross Gus-Webb Hana-Ito "
    "Ivo-Lane Jun-Park Kit-Marsh Lea-Ford Max-Bell Nia-Cole Oli-Grant Pia-Stone",
    "weekday": "Monday Tuesday Wednesday Thursday Friday Saturday",
    "month": "January February March April May June July August September October November",
    "verb": "voted agreed decided resolved chose promised pledged moved",
    "action": "rebuild repair restore replace reopen extend modernise widen",
    "adjective": "old storm-damaged crumbling popular listed historic shuttered leaking",
    "cause": "storms floods gales frost subsidence vandals fire high-tides",
    "body": "planning finance harbour transport heritage works",
    "doc": "report survey review assessment audit appraisal",
    "group": "Opposition Independent Green Liberal Residents'",
    "alternative": "schools roads housing parks buses libraries clinics",
}


def story_text(vector: dict) -> dict[str, str]:
    """The words of one fictional story, fixed by the vector's name."""
    import random

    rng = random.Random(vector["name"])
    words = {key: rng.choice(pool.split()).replace("-", " ") for key, pool in STORY_WORDS.items()}
    words["other_town"] = rng.choice(STORY_WORDS["town"].split())
    words["other_thing"] = rng.choice(STORY_WORDS["thing"].split()).replace("-", " ")
    words["spokesperson"] = rng.choice(STORY_WORDS["name"].split()).replace("-", " ")
    words.update(
        {
            key: str(rng.randint(low, high))
            for key, (low, high) in {
                "cost": (110, 990),
                "weeks": (3, 40),
                "years": (2, 19),
                "votes": (2, 15),
                "visitors": (1000, 90000),
            }.items()
        }
    )
    return words


def import_marker(vector: dict) -> str:
    """A sentence of the saved page that the imported article must keep."""
    words = story_text(vector)
    return f"{words['town']} councillors {words['verb']} on {words['weekday']}"


def saved_news_page(vector: dict) -> str:
    """A fictional outlet's article page with the vector in its text or its metadata."""
    w = story_text(vector)
    name = vector["name"]
    meta = {
        "title": f"{w['town']} to {w['action']} its {w['adjective']} {w['thing']}",
        "description": f"{w['town']} will {w['action']} the {w['thing']} by {w['month']}.",
        "author": w["name"],
        "og:image": f"https://img.example/{name}.jpg",
        "canonical": f"https://coastal-post.example/news/{name}.html",
    }
    payload = ""
    if vector["kind"] == "metadata":
        meta[PAGE_FIELDS[vector["field"]]] = vector["payload"]
    else:
        payload = vector["payload"]
    attr = {key: html.escape(value, quote=True) for key, value in meta.items()}
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{attr["title"]} | The Coastal Post</title>
<meta name="description" content="{attr["description"]}">
<meta name="author" content="{attr["author"]}">
<meta property="og:title" content="{attr["title"]}">
<meta property="og:image" content="{attr["og:image"]}">
<meta property="article:published_time" content="2024-04-02T08:30:00+00:00">
<link rel="canonical" href="{attr["canonical"]}">
</head>
<body>
<header><nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav></header>
<main>
<article>
<h1>{html.escape(meta["title"])}</h1>
<p class="byline">By {html.escape(meta["author"])}</p>
<p>{import_marker(vector)} to {w["action"]} the {w["adjective"]} {w["thing"]} that
{w["cause"]} damaged in {w["month"]}, at a cost of {w["cost"]} thousand pounds.</p>
<p>The {w["body"]} committee's {w["doc"]} allows {w["weeks"]} weeks for the work, with
contractors from {w["other_town"]} also checking the {w["other_thing"]}. {payload}</p>
<p>{w["spokesperson"]} said {w["town"]} residents had waited {w["years"]} years for the
{w["thing"]} to reopen, and {w["visitors"]} visitors came last summer.</p>
{payload}
<p>{w["group"]} members argued the money should go to {w["alternative"]} in
{w["other_town"]} instead, but lost by {w["votes"]} votes on item {name}.</p>
</article>
</main>
<footer><p>Follow The Coastal Post on social media. Subscribe for 1 month for 1.00.</p></footer>
</body>
</html>
"""


IMPORTABLE = [vector for vector in VECTORS if importable(vector)]


@pytest.fixture(scope="module")
def imported_site(tmp_path_factory):
    """Import every saved page with the CLI, then build; (content dir, output dir, result)."""
    return build_imported_site(tmp_path_factory.mktemp("imported"))


def build_imported_site(tmp_path: Path) -> SimpleNamespace:
    """Import a saved news page per vector with the CLI, then build the site."""
    import tasks

    pages = tmp_path / "pages"
    pages.mkdir()
    for vector in IMPORTABLE:
        (pages / f"{vector['name']}.html").write_text(saved_news_page(vector), encoding="utf-8")
    content, output = tmp_path / "content", tmp_path / "output"
    runner = CliRunner()
    imported = runner.invoke(
        tasks.cli, ["import", str(pages), "--content-dir", str(content), "--json"]
    )
    built = runner.invoke(
        tasks.cli, ["build", "--content-dir", str(content), "--output", str(output)]
    )
    return SimpleNamespace(content=content, output=output, imported=imported, built=built)


def test_saved_pages_import_as_separate_articles(imported_site):
    import json

    assert imported_site.imported.exit_code == 0, imported_site.imported.output
    results = json.loads(imported_site.imported.stdout)["results"]
    statuses = {Path(result["source"]).stem: result["status"] for result in results}
    assert statuses == {vector["name"]: "imported" for vector in IMPORTABLE}
    assert imported_site.built.exit_code == 0, imported_site.built.output


def test_imported_markdown_is_safe_before_the_build(imported_site):
    # The import's own pass: the Markdown written renders (without the build's sanitiser)
    # to nothing hostile, and every URL in the header passed safe_url.
    from broadsheet.markdown import parse_article
    from broadsheet.sanitize import outlet_mentions, safe_url

    articles = sorted(imported_site.content.rglob("*.md"))
    assert len(articles) == len(IMPORTABLE)
    found = []
    for path in articles:
        meta, body = parse_article(path.read_text(encoding="utf-8"))
        found += fragment_hazards(render_markdown(body), f"{path.name} body")
        found += fragment_hazards(render_markdown(meta.get("Summary", "")), f"{path.name} Summary")
        for key in ("Image", "Source_url"):
            if key in meta and safe_url(meta[key]) != meta[key]:
                found.append(f"{path.name}: {key} {meta[key]!r} did not pass safe_url")
        for _, url in outlet_mentions(meta.get("Also_reported_by")):
            assert url is None or safe_url(url) == url
    assert found == []


def test_imported_and_built_site_is_safe(imported_site):
    assert imported_site.built.exit_code == 0, imported_site.built.output
    assert site_hazards(imported_site.output) == []
    text = " ".join(
        lxml.html.document_fromstring(page.read_text(encoding="utf-8")).text_content()
        for page in imported_site.output.glob("2024/04/*.html")
    )
    missing = [vector["name"] for vector in IMPORTABLE if import_marker(vector) not in text]
    assert missing == []
