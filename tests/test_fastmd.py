"""broadsheet.fastmd and plugins/fast_markdown: Python-Markdown's very HTML for the
importer's plain Markdown, compared with Python-Markdown itself, and the same site from a
build that reads with it as from one that does not."""

from __future__ import annotations

import copy
import filecmp
import random
import shutil
from pathlib import Path

import markdown
import pytest
from conftest import EVAL, ROOT, build_pelican_site, load_bench, write_content

from broadsheet import fastmd

# Pelican's MarkdownReader adds the meta extension to the configured ones.
READER_SETTINGS = {
    **copy.deepcopy(fastmd.MARKDOWN_SETTINGS),
    "extensions": [
        *fastmd.MARKDOWN_SETTINGS["extension_configs"],
        "markdown.extensions.meta",
    ],
}


def python_markdown(text: str) -> tuple[dict, str]:
    md = markdown.Markdown(**copy.deepcopy(READER_SETTINGS))
    html = md.convert(text)
    return md.Meta, html


def differences(documents) -> tuple[int, list[str]]:
    """(how many documents fastmd answered for, those where it differs)."""
    answered, differing = 0, []
    for text in documents:
        got = fastmd.read_document(text)
        if got is None:
            continue
        answered += 1
        if got != python_markdown(text):
            differing.append(text)
    return answered, differing


# --- generated documents --------------------------------------------------------------

WORDS = [
    "harbour", "ferry", "council", "Vantry", "said", "the", "of", "a", "minister", "1.5",
    "2024", "café", "东京", "“Quoted”", "it’s", "O'Neill", '"plain"', "(in", "brackets)",
    "per cent", "50%", "$20", "a/b", "#hashtag", "C#", "x+y", "a=b", "ratio:", "Wow!",
    "Yes?", "end.", "semi;", "e.g.", "U.S.", "—", "–", "\u00a0", "well-known",
]  # fmt: skip
SPECIALS = [
    "\\\\", "\\-", "\\.", "\\#", "\\>", "\\*", "\\[", "\\]", "\\!", "\\'", '\\"', "\\+",
    "\\(", "\\)", "\\_", "\\{", "\\}", "\\|", "&amp;", "&lt;", "&#35;", "&#x2D;",
    "&#X2D;", "&nbsp;", "&copy;", "&", "AT&T", "&foo", "&;", "--", "---", "----", "-",
    "...", "....", "..", ">", "a > b", "->", "\\--", "\\...", "-\\--", ".\\...",
    "&\\#35;", "&amp;--", "...&amp;", "[the council](https://example.org/a_b?x=1&y=2)",
    "[x -- y](https://e.org/#top)", "[A \\[1\\] &amp; B...](https://e.org/a%20b%28c%29)",
    "--[z](https://e.org/)--", "[](https://e.org/)", "![alt \\[1\\] & -- x \"q\"](https://e.org/i.jpg)",
    "!", "![a](b)", "[a]", "[a] (b)", "[a]: b", "a | b", "|", "![](https://e.org/1*2_3.jpg)",
]  # fmt: skip
UNSUPPORTED_INLINE = [
    "*em*", "_em_", "`code`", "<b>", "{: .x}", "[^1]", "](", "[a](b c)", "[a](<b>)",
    "[a](b \"t\")", "[a][b]", "[a] [b]", "[[a]](https://e.org/)", "[a [b](https://e.org/)",
]  # fmt: skip


def inline_text(rng: random.Random) -> str:
    """Words and specials; it starts and ends with a word no block can start with."""
    first = [word for word in WORDS if word[0] not in "#\u00a0"]
    parts = [rng.choice(first)]
    for _ in range(rng.randint(0, 12)):
        roll = rng.random()
        if roll < 0.6:
            parts.append(rng.choice(WORDS))
        elif roll < 0.98:
            parts.append(rng.choice(SPECIALS))
        else:
            parts.append(rng.choice(UNSUPPORTED_INLINE))
    glue = rng.choice([" ", " ", " ", ""])
    return glue.join([*parts, rng.choice(first)])


def plain_document(rng: random.Random) -> str:
    """A header and blocks of every kind fastmd answers for, with inline text full of
    escapes, entities, dashes and ellipses (and, rarely, something it does not answer)."""
    lines = []
    if rng.random() < 0.8:
        lines += [f"Title: {inline_text(rng)}", "Date: 2024-03-01"]
        if rng.random() < 0.5:
            lines.append(f"Summary: {inline_text(rng)}")
        lines.append("")
    blocks = []
    for _ in range(rng.randint(1, 10)):
        kind = rng.choice(["p", "p", "p", "h", "quote", "list", "figure"])
        if kind == "figure":
            url = rng.choice(["https://e.org/i.jpg", "https://e.org/a_b.png?w=1&h=2"])
            image = f"![{inline_text(rng)}]({url})"
            if rng.random() < 0.8:
                image += "  \n*" + inline_text(rng) + "*"
            blocks.append(image)
        elif kind == "h":
            blocks.append("#" * rng.randint(1, 6) + " " + inline_text(rng))
        elif kind == "quote":
            blocks.append("> " + inline_text(rng))
        elif kind == "list":
            items = rng.randint(1, 4)
            blocks.append("\n".join("- " + inline_text(rng) for _ in range(items)))
        else:
            blocks.append(inline_text(rng))
    separator = rng.choice(["\n\n", "\n\n", "\n\n\n"])
    return "\n".join(lines) + separator.join(blocks) + rng.choice(["\n", "", "\n\n"])


NOISE = [
    "word", " ", " ", "  ", "\n", "\n\n", "\\", "\\\\", "\\-", "\\=", "\\&", "&", "&amp;",
    "&#35;", "--", "---", "...", ">", "<", "*", "_", "[", "]", "#", "##", "'", '"', "“",
    "(", ")", ":", "!", "=", "+", "1.", "1", "~", "|", "é", "\u00a0", "\u2028", "- ",
    "> ", "## ", "####### ", "Key: v", "    ", "\t", "---\n", "...\n", "\r\n", "\x02",
    "[a](https://e.org/)", "![", "](", "(u)", "[^", "]:", "  \n*", "*\n",
]  # fmt: skip


def noisy_document(rng: random.Random) -> str:
    """Any sequence of the characters and fragments that change what Markdown means."""
    return "".join(rng.choice(NOISE) for _ in range(rng.randint(1, 40)))


# --- fastmd against Python-Markdown -----------------------------------------------------


def test_plain_documents_come_out_as_python_markdown_writes_them():
    rng = random.Random(20261130)
    documents = [plain_document(rng) for _ in range(3000)]
    answered, differing = differences(documents)
    assert differing == []
    assert answered > 1000  # many are plain enough to be answered: a real comparison


def test_noisy_documents_answered_come_out_as_python_markdown_writes_them():
    rng = random.Random(7)
    documents = [noisy_document(rng) for _ in range(20000)]
    answered, differing = differences(documents)
    assert differing == []
    assert answered > 500


def test_the_importers_articles_come_out_as_python_markdown_writes_them(tmp_path):
    bench = load_bench("build")
    bench.generate_site(tmp_path / "generated", 300)
    generated = sorted((tmp_path / "generated").rglob("*.md"))
    demo = sorted((ROOT / "content").rglob("*.md"))
    texts = [path.read_text(encoding="utf-8") for path in [*generated, *demo]]
    answered, differing = differences(texts)
    assert differing == []
    # Every generated article and digest is plain; of the demo's, all but those with
    # links (from HTML pages), emphasis or figures.
    assert answered >= len(generated) + len(demo) // 2


def test_articles_imported_from_saved_pages_come_out_as_python_markdown_writes_them(tmp_path):
    """Real pages (the evaluation's, when ../shared/eval is there) through the importer:
    links, figures, emphasis, quotes and lists as the outlets' pages have them."""
    import gzip

    from click.testing import CliRunner

    import tasks

    pages = sorted((EVAL / "aeb" / "html").glob("*.html.gz"))[:40]
    if not pages:
        pytest.skip(f"evaluation data missing: {EVAL / 'aeb' / 'html'}")
    raw = tmp_path / "raw"
    raw.mkdir()
    for page in pages:
        (raw / page.name.removesuffix(".gz")).write_bytes(gzip.decompress(page.read_bytes()))
    content = tmp_path / "content"
    CliRunner().invoke(tasks.cli, ["import", str(raw), "--content-dir", str(content)])
    texts = [path.read_text(encoding="utf-8") for path in sorted(content.rglob("*.md"))]
    assert len(texts) > 30
    answered, differing = differences(texts)
    assert differing == []
    assert answered > len(texts) // 2


@pytest.mark.parametrize(
    "text",
    [
        'A [link](https://example.org/ "with a title").\n',
        "A [bracket] then a [reference][id].\n",
        "[id]: https://example.org/\n",
        "## 5. A numbered heading ##\n",
        "[^1]: A footnote.\n",
        "![A figure](https://example.org/a.jpg)   \n*Three spaces: a space before the break*\n",
        "Some *emphasis* and _more_.\n",
        "Raw <b>HTML</b>.\n",
        "1. An ordered list\n",
        "- one\n\n- two\n",  # Python-Markdown makes one loose list of them
        "A line\nwrapped by hand.\n",
        "## Trailing hashes ##\n",
        "\u00a0Starts with a no-break space.\n",
        "A backslash before \\= a letter.\n",
        "Tab\tinside.\n",
        "| a | b |\n",
        "",
    ],
)
def test_what_python_markdown_is_left_to_read(text):
    assert fastmd.read_document(text) is None


def test_quotes_in_a_row_are_one_blockquote_as_python_markdown_makes_them():
    text = "> First quote.\n\n> Second quote.\n\nAfter.\n"
    meta, html = fastmd.read_document(text)
    quotes = "<blockquote>\n<p>First quote.</p>\n<p>Second quote.</p>\n</blockquote>"
    assert html == quotes + "\n<p>After.</p>"
    assert (meta, html) == python_markdown(text)


def test_links_and_figures_as_the_importer_writes_them():
    text = (
        "[The council](https://example.org/a_b?x=1&y=2) said the ferry -- at last -- runs.\n\n"
        "![A view \\[of\\] the port](https://example.org/port.jpg)  \n"
        "*A view of the port. (Photo: Jo Bloggs)*\n"
    )
    meta, html = fastmd.read_document(text)
    assert html == (
        '<p><a href="https://example.org/a_b?x=1&amp;y=2">The council</a> said the ferry'
        " &ndash; at last &ndash; runs.</p>\n"
        '<p><img alt="A view [of] the port" src="https://example.org/port.jpg"><br>\n'
        "<em>A view of the port. (Photo: Jo Bloggs)</em></p>"
    )
    assert (meta, html) == python_markdown(text)


def test_brackets_pipes_and_numbered_headings_are_text_as_python_markdown_keeps_them():
    text = "## 5. Ferries\n\nIndustry | Shipping [corrected] today.\n"
    meta, html = fastmd.read_document(text)
    assert html == "<h2>5. Ferries</h2>\n<p>Industry | Shipping [corrected] today.</p>"
    assert (meta, html) == python_markdown(text)


def test_the_pinned_python_markdown_is_the_release_fastmd_answers_for():
    assert markdown.__version_info__[:2] == fastmd.PYTHON_MARKDOWN


# --- the plugin in a build --------------------------------------------------------------

PLAIN_STORY = (
    "Title: Night ferry returns\nDate: 2024-05-02\nCategory: Local\nTags: Ferries\n"
    "Summary: The night ferry -- back after two years... at last.\n\n"
    "The night ferry to Kessel Island sailed again on Thursday &amp; will run twice a week.\n\n"
    "## Timetable\n\n> \u201cWe missed it,\u201d said one islander.\n\n- Thursday\n- Saturday\n"
)
SUMMARY_WITH_EMPHASIS = (
    "Title: Herring season\nDate: 2024-05-03\nCategory: Local\nTags: Fisheries\n"
    "Summary: The *herring* season opens.\n\nBoats left the harbour before dawn.\n"
)
WITH_EMPHASIS = (
    "Title: Quay works\nDate: 2024-05-04\nCategory: Local\nTags: Harbours\n\n"
    "The *council* approved the [quay works](https://example.org/quay).\n"
)


def build_content(tmp_path: Path) -> Path:
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content, ignore=shutil.ignore_patterns(".import.lock"))
    write_content(
        content,
        {
            "articles/2024/05/night-ferry-returns.md": PLAIN_STORY,
            "articles/2024/05/herring-season.md": SUMMARY_WITH_EMPHASIS,
            "articles/2024/05/quay-works.md": WITH_EMPHASIS,
        },
    )
    return content


@pytest.fixture
def answered(monkeypatch):
    """The files fastmd answered for in this process, by their first line."""
    found, real = [], fastmd.read_document

    def read_document(text):
        document = real(text)
        if document is not None:
            found.append(text.split("\n", 1)[0])
        return document

    monkeypatch.setattr(fastmd, "read_document", read_document)
    return found


def plugins(with_fast: bool) -> list[str]:
    from pelican.settings import read_settings

    listed = read_settings(str(ROOT / "pelicanconf.py"))["PLUGINS"]
    return [p for p in listed if with_fast or p != "fast_markdown"]


def test_a_build_reading_with_fastmd_writes_the_same_site(tmp_path, answered):
    content = build_content(tmp_path)
    without = build_pelican_site(
        content, tmp_path / "without", PLUGINS=plugins(False), READ_PROCESSES=1
    )
    assert answered == []
    fast = build_pelican_site(content, tmp_path / "fast", PLUGINS=plugins(True), READ_PROCESSES=1)
    assert "Title: Night ferry returns" in answered
    assert "Title: Herring season" in answered  # the body; its summary went to Python-Markdown
    assert "Title: Quay works" not in answered
    files = sorted(str(p.relative_to(without)) for p in without.rglob("*") if p.is_file())
    assert files == sorted(str(p.relative_to(fast)) for p in fast.rglob("*") if p.is_file())
    _, mismatch, errors = filecmp.cmpfiles(without, fast, files, shallow=False)
    assert (mismatch, errors) == ([], [])
    page = (fast / "2024/05/night-ferry-returns.html").read_text(encoding="utf-8")
    assert "<li>Thursday</li>" in page and "&amp; will run twice a week" in page


def test_another_markdown_setting_keeps_pelicans_own_reader(tmp_path, answered):
    content = tmp_path / "content"
    story = PLAIN_STORY.replace("sailed again", 'sailed "again"')
    write_content(content, {"articles/2024/05/night-ferry-returns.md": story})
    other = copy.deepcopy(fastmd.MARKDOWN_SETTINGS)
    other["extension_configs"]["markdown.extensions.smarty"] = {}  # smart quotes on
    output = build_pelican_site(
        content, tmp_path / "output", PLUGINS=plugins(True), MARKDOWN=other, READ_PROCESSES=1
    )
    assert answered == []
    page = (output / "2024/05/night-ferry-returns.html").read_text(encoding="utf-8")
    assert "sailed \u201cagain\u201d" in page  # smart quotes: Python-Markdown read it
