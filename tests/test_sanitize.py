"""broadsheet.sanitize: the HTML allowlist, URL schemes, outbound links, outlet mentions."""

import pytest
from test_xss import VECTORS, fragment_hazards, render_markdown, vector_ids, vectors

from broadsheet.sanitize import (
    clean_html,
    link_host,
    mark_outbound_links,
    outlet_mentions,
    safe_url,
    strip_tracking,
)

BODY_VECTORS = vectors("html", "markdown")
# Raw vectors the (libxml2) checker cannot see as hostile before cleaning: they turn
# hostile only in a browser's HTML5 parser (a second <body> lends the page its onload),
# in old IE (conditional comments), or after a filter mangles them (drops one <script>,
# decodes twice, unquotes an attribute). The browser test loads their built pages.
RAW_UNSEEN_BY_LXML = {
    "script-nested-malformed",
    "script-in-attribute-quotes",
    "body-onload",
    "comment-conditional",
    "cdata-section",
    "md-image-title-breakout",
}


def as_html(vector: dict) -> str:
    """The vector as the HTML a body would hold: Markdown rendered, raw HTML as it is."""
    return render_markdown(vector["payload"]) if vector["kind"] == "markdown" else vector["payload"]


# The corpus


@pytest.mark.parametrize("vector", BODY_VECTORS, ids=vector_ids(BODY_VECTORS))
def test_corpus_vector_is_harmless_after_cleaning(vector):
    hostile = as_html(vector)
    if vector["name"] not in RAW_UNSEEN_BY_LXML:
        assert fragment_hazards(hostile, "raw") != []  # the checker sees the attack …
    cleaned = clean_html(hostile)
    assert fragment_hazards(cleaned, "cleaned") == []  # … and it is gone
    assert clean_html(cleaned) == cleaned  # stable: the build's second pass changes nothing


@pytest.mark.parametrize("vector", BODY_VECTORS, ids=vector_ids(BODY_VECTORS))
def test_corpus_vector_is_harmless_when_cleaned_at_import(vector):
    cleaned = clean_html(as_html(vector), base="https://news.example/2024/story.html")
    assert fragment_hazards(cleaned, "cleaned") == []


@pytest.mark.parametrize(
    "vector",
    [vector for vector in VECTORS if vector.get("field") in ("Image", "Source_url")],
    ids=lambda vector: vector["name"],
)
def test_corpus_metadata_urls_are_refused_or_made_harmless(vector):
    url = safe_url(vector["payload"])
    assert url is None or (url.startswith("https://") and '"' not in url.split("/")[2])


def test_corpus_vectors_with_a_fragment_of_text_keep_it():
    cleaned = clean_html("<details open ontoggle=alert(11)><summary>more</summary>hidden</details>")
    assert "hidden" in cleaned and "ontoggle" not in cleaned
    assert clean_html("<script>alert(1)</script>safe") == "safe"
    assert clean_html("<svg><text>chart label</text></svg>after") == "after"


# Legitimate content survives unchanged

LEGITIMATE = [
    "<p>Fares rise by 5 % from <em>Monday</em>, the <strong>board</strong> said.</p>",
    '<p>Read <a href="https://news.example/a?b=1&amp;c=2" title="The review">the review</a>.</p>',
    '<p>Mail <a href="mailto:desk@news.example">the desk</a>.</p>',
    '<figure><img src="https://img.example/a.jpg" alt="The pier" width="640" height="480">'
    "<figcaption>The pier at dusk.</figcaption></figure>",
    "<table><thead><tr><th>Route</th><th>Fare</th></tr></thead>"
    '<tbody><tr><td colspan="2" style="text-align:right">4.50</td></tr></tbody></table>',
    "<h2>Costs</h2><h3>Repairs</h3><h6>Notes</h6>",
    "<ul><li>one</li></ul><ol><li>two</li></ol><dl><dt>Term</dt><dd>Meaning</dd></dl>",
    "<blockquote><p>“We agreed,” she said.</p></blockquote>",
    "<pre><code>fares = 4.50\n</code></pre><p><kbd>Ctrl</kbd> <q>quoted</q> <cite>Title</cite></p>",
    '<p>H<sub>2</sub>O x<sup>2</sup> <abbr title="Harbour Board">HB</abbr> <mark>m</mark> '
    "<small>s</small> <s>old</s> <u>u</u> <b>b</b> <i>i</i> <span>plain</span><br>next</p><hr>",
    '<p>Intra-site <a href="{filename}/articles/x.md">link</a>, '
    '<img src="{static}/images/pier.jpg" alt="pier">, <a href="../../archives.html">up</a>, '
    '<a href="#fn:1">note</a>.</p>',
    '<p>Note<sup id="fnref:1"><a class="footnote-ref" href="#fn:1">1</a></sup></p>'
    '<div class="footnote"><hr><ol><li id="fn:1"><p>The note.&nbsp;'
    '<a class="footnote-backref" href="#fnref:1" title="Back">↩</a></p></li></ol></div>',
]


@pytest.mark.parametrize("fragment", LEGITIMATE)
def test_legitimate_markup_survives_unchanged(fragment):
    assert clean_html(fragment) == fragment


def test_markdown_footnotes_and_tables_keep_what_makes_them_work():
    rendered = render_markdown(
        "Fares[^n] rose.\n\n| a | b |\n|:--|--:|\n| 1 | 2 |\n\n[^n]: From Monday.\n"
    )
    cleaned = clean_html(rendered)

    assert '<sup id="fnref:n"><a class="footnote-ref" href="#fn:n">1</a></sup>' in cleaned
    assert '<li id="fn:n">' in cleaned and '<div class="footnote">' in cleaned
    assert '<td style="text-align:left">1</td>' in cleaned
    assert '<td style="text-align:right">2</td>' in cleaned


@pytest.mark.parametrize(
    ("fragment", "expected"),
    [
        ('<p class="lead" id="main" style="color:red">x</p>', "<p>x</p>"),
        ('<sup id="main">1</sup><li id="fn:1">n</li>', '<sup>1</sup><li id="fn:1">n</li>'),
        ('<a class="footnote-ref x" href="#1">1</a>', '<a class="footnote-ref" href="#1">1</a>'),
        ('<img src="a.jpg" width="100%" height="1 onload">', '<img src="a.jpg">'),
        ('<td colspan="2;x" rowspan="3">c</td>', "c"),  # a bare cell outside a table is text
        ('<a href="https://a.example/" rel="opener" target="_top">a</a>', '<a href="https://a.example/">a</a>'),
        ('<th style="text-align: center; position: fixed">h</th>', "h"),
        ("<p>a<!-- note -->b</p>", "<p>ab</p>"),
        ("<div><section><article>x</article></section></div>", "<div>x</div>"),
    ],
)  # fmt: skip
def test_only_allowlisted_attributes_classes_and_ids_are_kept(fragment, expected):
    assert clean_html(fragment) == expected


@pytest.mark.parametrize(
    ("fragment", "expected"),
    [
        ('<a href="/news/b.html">b</a>', '<a href="https://news.example/news/b.html">b</a>'),
        ('<img src="../img/c.jpg">', '<img src="https://news.example/img/c.jpg">'),
        ('<a href="//cdn.example/d">d</a>', '<a href="https://cdn.example/d">d</a>'),
        ('<a href="#top">t</a>', '<a href="https://news.example/2024/story.html#top">t</a>'),
        ('<a href="\\\\evil.example/x">e</a>', "<a>e</a>"),
        ('<a href="https://other.example/">o</a>', '<a href="https://other.example/">o</a>'),
    ],
)
def test_relative_urls_are_made_absolute_at_import(fragment, expected):
    assert clean_html(fragment, base="https://news.example/2024/story.html") == expected


# safe_url and strip_tracking


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        " \x01javascript:alert(1)",
        "java\tscript:alert(1)",
        "java\nscript:alert(1)",
        "java\x00script:alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "data:image/png;base64,iVBORw0KGgo=",
        "file:///etc/passwd",
        "https://",
        "https://news.example/a\x07b",
        "",
        None,
    ],
)
def test_safe_url_refuses_what_could_run_or_is_unusable(url):
    assert safe_url(url) is None


@pytest.mark.parametrize(
    ("url", "base", "expected"),
    [
        ("https://news.example/a b", None, "https://news.example/a%20b"),
        ("  http://news.example/  ", None, "http://news.example/"),
        ("mailto:desk@news.example", None, "mailto:desk@news.example"),
        ("/a.html", None, None),
        ("/a.html", "https://news.example/x/y.html", "https://news.example/a.html"),
        ("b.html", "https://news.example/x/y.html", "https://news.example/x/b.html"),
        ("\\\\evil.example", "https://news.example/", None),
    ],
)
def test_safe_url_keeps_absolute_web_and_mail_urls(url, base, expected):
    assert safe_url(url, base) == expected


def test_strip_tracking_drops_trackers_and_the_fragment():
    assert strip_tracking("https://n.example/a?id=3&utm_source=x&fbclid=y#top") == (
        "https://n.example/a?id=3"
    )
    assert strip_tracking("https://n.example/a?b=1&a=2") == "https://n.example/a?b=1&a=2"


# Outbound links and outlet mentions


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://News.Example:8443/a", "news.example"),
        ("//cdn.example/x", "cdn.example"),
        ("\\\\evil.example/x", "evil.example"),
        ("../x.html", None),
        ("{filename}/a.md", None),
        ("mailto:a@news.example", None),
        ("#fn:1", None),
    ],
)
def test_link_host(url, host):
    assert link_host(url) == host


def test_outbound_links_get_rel_and_site_links_do_not():
    fragment = clean_html(
        '<a href="https://other.example/" title="a &gt; b &quot;c&quot;">o</a> '
        '<a href="https://News.example/x.html">s</a> <a href="../x.html">r</a> '
        '<a href="mailto:a@b.example">m</a> <a>none</a> <a href="//cdn.example/">p</a>'
    )
    marked = mark_outbound_links(fragment, "nofollow noopener", {"news.example"})

    assert marked == (
        '<a href="https://other.example/" title="a &gt; b &quot;c&quot;" '
        'rel="nofollow noopener">o</a> '
        '<a href="https://News.example/x.html">s</a> <a href="../x.html">r</a> '
        '<a href="mailto:a@b.example">m</a> <a>none</a> '
        '<a href="//cdn.example/" rel="nofollow noopener">p</a>'
    )
    assert mark_outbound_links(marked, "nofollow noopener", {"news.example"}) == marked


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Straits Ledger", [("Straits Ledger", None)]),
        (
            "Straits Ledger <https://ledger.example/a>; Valley Beacon",
            [("Straits Ledger", "https://ledger.example/a"), ("Valley Beacon", None)],
        ),
        ("Bad <javascript:alert(1)>", [("Bad", None)]),
        ("<https://only.example/>", [("https://only.example/", "https://only.example/")]),
        ("<script>alert(1)</script>", [("<script>alert(1)</script>", None)]),
        ("", []),
        (None, []),
    ],
)
def test_outlet_mentions(value, expected):
    assert outlet_mentions(value) == expected
