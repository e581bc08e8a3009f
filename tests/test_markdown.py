"""markdown: the article file format, written deterministically and read back."""

from __future__ import annotations

import html as html_module

import markdown as python_markdown
import pytest

from broadsheet.markdown import (
    KEY_ORDER,
    BodyBlock,
    escape_line,
    is_hand_edited,
    parse_article,
    render_article,
    render_body,
)


def to_html(text: str) -> str:
    return python_markdown.markdown(text, extensions=["extra"])


@pytest.mark.parametrize(
    "line",
    [
        "# not a heading",
        "1. not a list, but a year in 2024. Really.",
        "- a dash opening a line",
        "> not a quote",
        "A *starred* word and a_snake_case name",
        "Tags like <b>bold</b> stay text",
        "with [the] full might, and [a link](http://x) that is not one",
        "back`ticks` and a \\ backslash",
        "R&amp;D is not R&D, and &#169; is no sign",
    ],
)
def test_escaped_line_renders_as_the_same_words(line):
    html = to_html(escape_line(line))
    assert html.startswith("<p>")
    text = html.removeprefix("<p>").removesuffix("</p>")
    assert html_module.unescape(text) == line


def test_render_body_kinds():
    body = render_body(
        [
            BodyBlock("paragraph", "First."),
            BodyBlock("heading", "Border closure fears"),
            BodyBlock("list_item", "one"),
            BodyBlock("list_item", "two"),
            BodyBlock("quote", "Quoted words."),
        ]
    )
    assert body == "First.\n\n## Border closure fears\n\n- one\n- two\n\n> Quoted words.\n"


def test_header_keys_in_fixed_order_and_empty_keys_left_out():
    meta = {"Source": "Daily Express", "Title": "A title", "Date": "2024-01-20", "Byline": ""}
    text = render_article(meta, "Body.\n")
    keys = [line.split(":")[0] for line in text.split("\n\n")[0].splitlines()]
    assert keys == ["Title", "Date", "Source", "Fingerprint"]
    assert keys == sorted(keys, key=KEY_ORDER.index)


def test_unknown_key_is_refused():
    with pytest.raises(ValueError, match="Colour"):
        render_article({"Title": "T", "Colour": "red"}, "Body.")


def test_parse_reads_back_what_render_wrote():
    meta = {"Title": "Pakistan, Iran agree to ‘de-escalate’ tensions", "Date": "2024-01-20"}
    parsed, body = parse_article(render_article(meta, "ISLAMABAD: Text.\n"))
    assert parsed["Title"] == meta["Title"]
    assert body == "ISLAMABAD: Text.\n"
    assert not is_hand_edited(parsed, body)


def test_hand_edit_of_body_or_importer_key_is_detected_but_curator_keys_are_free():
    parsed, body = parse_article(render_article({"Title": "T", "Date": "2024-01-20"}, "Text."))
    assert is_hand_edited(parsed, body + "\nMore.")
    assert is_hand_edited({**parsed, "Title": "Changed"}, body)
    assert not is_hand_edited({**parsed, "Tags": "Iran", "Status": "draft"}, body)
