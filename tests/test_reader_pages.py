"""Reader pages from real builds: reading time, source pages and their index, and the
summary-and-link article page of an outlet that forbids full text (plugins/sources)."""

import random
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import build_pelican_site, write_content

from broadsheet import reader
from broadsheet.reader import body_word_count, reading_minutes, reading_time
from broadsheet.text import word_count

LONG_BODY = " ".join(["word"] * 700)  # 700 words: 700 / 230 = 3.04, rounded up to 4

SOURCES_YML = """\
outlets:
  walled:
    name: Walled Gazette
    domains: [walled.example]
    full_text: false
"""


def article(slug: str, date: str, source: str, body: str, **extra: str) -> str:
    header = [f"Title: {slug.replace('-', ' ').title()}", f"Date: {date}", f"Slug: {slug}"]
    header += [f"Source: {source}"] if source else []
    header += [f"{key}: {value}" for key, value in extra.items()]
    return "\n".join(header) + "\n\n" + body + "\n"


SITE = {
    "sources.yml": SOURCES_YML,
    "articles/long.md": article("long-read", "2024-03-05", "Harbour Herald", LONG_BODY),
    "articles/old.md": article("old-news", "2024-03-01", "Harbour Herald", "Ten words."),
    "articles/mid.md": article("mid-news", "2024-03-03", "Harbour Herald", "Some words."),
    "articles/other.md": article("other-paper", "2024-03-04", "Valley Voice", "Other text."),
    "articles/draft.md": article(
        "draft-herald", "2024-03-06", "Harbour Herald", "Unfinished.", Status="draft"
    ),
    "articles/walled.md": article(
        "walled-story",
        "2024-03-02",
        "Walled Gazette",
        "Secret first paragraph of the body.\n\nSecret second paragraph.",
        Summary="The short public summary.",
        Source_url="https://walled.example/story",
    ),
}


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("reader")
    write_content(root / "content", SITE)
    return build_pelican_site(root / "content", root / "output")


def soup_of(site: Path, page: str) -> BeautifulSoup:
    return BeautifulSoup((site / page).read_text(encoding="utf-8"), "html.parser")


def test_reading_minutes_rounds_up_and_is_at_least_one():
    assert reading_minutes("") == 1
    assert reading_minutes("<p>" + "w " * 230 + "</p>") == 1
    assert reading_minutes("<p>" + "w " * 231 + "</p>") == 2
    assert reading_time("<p>a <b>b</b></p>", words_per_minute=1) == "2 min read"


# Python-Markdown's output for pelicanconf's MARKDOWN (extra, smarty without quotes, html5).
MARKDOWN_BODY = """\
<p>Fish &amp; chips &ndash; for <em>£5</em>&hellip; See <a href="https://x.example/y?a=1&amp;b=2" \
title="Report">the report</a>.</p>
<h2>Costs</h2>
<p>It's "fine" &mdash; said O'Neil.<sup id="fnref:1"><a class="footnote-ref" \
href="#fn:1">1</a></sup></p>
<ol>
<li>one</li>
<li>two</li>
</ol>
<p><img alt="A pier" src="images/pier.jpg"></p>
<div class="footnote">
<hr>
<ol>
<li id="fn:1">
<p>A note.&#160;<a class="footnote-backref" href="#fnref:1" title="Jump back">&#8617;</a></p>
</li>
</ol>
</div>
"""


def soup_word_count(html: str) -> int:
    return word_count(BeautifulSoup(html, "html.parser").get_text(" "))


def test_plain_body_is_counted_without_parsing(monkeypatch):
    def no_parse(*args, **kwargs):
        raise AssertionError("parsed a plain body")

    monkeypatch.setattr(reader, "BeautifulSoup", no_parse)
    # Fish chips for 5 See the report Costs It s fine said O Neil 1 one two A note
    assert body_word_count(MARKDOWN_BODY) == 19


@pytest.mark.parametrize(
    "html",
    [
        MARKDOWN_BODY,
        "a<b>b</b>c<br>d<br/>e",
        "caf&eacute; au lait",  # an entity that is a letter joins its word
        "&#x41;BC &#65;bc don&#8217;t",
        "AT&T and a&b, &amp;amp;",
        "<!-- three words here --><p>one</p>",
        "<script>var a = 1;</script><style>p { x: y }</style><p>two words</p>",
        "<template>hidden words</template><ruby>漢<rt>kan</rt></ruby>",
        "<textarea>some text</textarea><title>a title</title>",
        "<custom-tag>inside</custom-tag><P>upper</P><p/>",
        '<a title="x > y">t</a> <a title=\'q\'>u</a> <a\nhref="v">w</a>',
        "x < y, 1<2, <3 and < p>",
        "<p>日本語のテキスト</p><p>한국어 text</p>",
        "&nbsp;word&nbsp;word&hellip;word&rsquo;s",
        "<p>a</p\n><pre>  b  c</pre></p></p>",
        "",
    ],
)
def test_body_word_count_is_beautifulsoups(html):
    assert body_word_count(html) == soup_word_count(html)


def test_body_word_count_is_beautifulsoups_on_random_markup(monkeypatch):
    """Seeded random bodies of tags, entities and text, near and far from plain markup."""
    parsed = []

    def counting(*args, **kwargs):
        parsed.append(args[0])
        return BeautifulSoup(*args, **kwargs)

    monkeypatch.setattr(reader, "BeautifulSoup", counting)
    pieces = [
        "<p>", "</p>", "<em>", "</em>", "<br>", '<a href="x?a=1&amp;b">', "</a>", "<!-- c -->",
        "<script>", "</script>", "<rt>", "</rt>", "<P>", "<p class=x>", "word", "two words",
        " ", "\n", "&amp;", "&ndash;", "&eacute;", "&#8217;", "&#x41;", "&x;", "&", "<", ">",
        "café", "日本", "o'k", '"', "\t",
    ]  # fmt: skip
    rng = random.Random(20240305)
    for _ in range(3000):
        html = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 14)))
        assert body_word_count(html) == soup_word_count(html), html
    assert 300 < len(parsed) < 2700  # both ways taken, often


def test_article_meta_line_shows_reading_time(site):
    meta = soup_of(site, "2024/03/long-read.html").select_one("p.story-meta")
    assert meta.select_one(".reading-time").get_text() == "4 min read"
    short = soup_of(site, "2024/03/old-news.html").select_one("p.story-meta .reading-time")
    assert short.get_text() == "1 min read"


def test_source_page_lists_its_published_articles_newest_first(site):
    page = soup_of(site, "source/harbour-herald.html")
    titles = [a.get_text() for a in page.select("ol.story-list h2.story-card-title a")]
    assert titles == ["Long Read", "Mid News", "Old News"]  # no draft, no other outlet
    assert "Stories from Harbour Herald" in page.find("h1").get_text()


def test_article_and_story_cards_link_to_the_source_page(site):
    header = soup_of(site, "2024/03/mid-news.html").select_one("p.source a.source-page")
    assert header.get_text() == "Harbour Herald"
    assert header["href"] == "../../source/harbour-herald.html"
    card_links = [a["href"] for a in soup_of(site, "index.html").select(".story-meta a.source")]
    assert "./source/valley-voice.html" in card_links


def test_sources_index_lists_every_outlet_with_its_count(site):
    items = soup_of(site, "sources.html").select("ul.term-list li")
    listed = [(li.a.get_text(), li.a["href"], li.select_one(".count").get_text()) for li in items]
    assert listed == [
        ("Harbour Herald", "./source/harbour-herald.html", "(3)"),
        ("Valley Voice", "./source/valley-voice.html", "(1)"),
        ("Walled Gazette", "./source/walled-gazette.html", "(1)"),
    ]


def test_full_text_forbidden_shows_summary_and_link_not_body(site):
    html = (site / "2024/03/walled-story.html").read_text(encoding="utf-8")
    page = BeautifulSoup(html, "html.parser")
    assert "Secret" not in html
    assert page.select_one(".story-body") is None
    summary = page.select_one("div.story-summary")
    assert summary.get_text(strip=True) == "The short public summary."
    assert summary.has_attr("data-pagefind-body")
    [link] = page.select("p.read-full-story a")
    assert link.get_text() == "Read the full story at Walled Gazette"
    assert link["href"] == "https://walled.example/story"
    assert [tag for tag in page.select("[data-pagefind-body]")] == [summary]


def test_full_text_allowed_keeps_the_body(site):
    page = soup_of(site, "2024/03/mid-news.html")
    assert page.select_one("div.story-body[data-pagefind-body]").get_text(strip=True) == (
        "Some words."
    )
    assert page.select_one(".read-full-story") is None


def test_a_long_source_page_is_paginated_like_a_tag_page(tmp_path):
    write_content(tmp_path / "content", SITE)
    output = build_pelican_site(tmp_path / "content", tmp_path / "output", DEFAULT_PAGINATION=2)
    first, second = (
        soup_of(output, "source/harbour-herald.html"),
        soup_of(output, "source/harbour-herald2.html"),
    )
    titles = [
        [h.get_text(strip=True) for h in page.select(".story-card-title")]
        for page in (first, second)
    ]
    assert titles == [["Long Read", "Mid News"], ["Old News"]]
    older = first.select_one(".pagination a[rel=next]")
    assert older.get_text() == "Older stories" and older["href"].endswith("harbour-herald2.html")
    assert "page 2" in second.select_one("h1").get_text()
    assert "3 stories" in second.select_one(".source-count").get_text()
