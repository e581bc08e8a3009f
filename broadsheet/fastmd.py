"""Python-Markdown's HTML for the plain Markdown the importer writes, without its parser.

Reading is the largest part of a cold build: Pelican makes a Python-Markdown instance
for every file (extra, smarty and meta, as publishconf sets them) and runs the whole
machinery (preprocessors, block parser, a dozen inline patterns, tree processors, an
ElementTree serializer) over bodies that are, nearly always, plain paragraphs with a few
subheadings, quotes, lists, links and figures (`broadsheet.markdown.render_body`).
`read_document` gives the very output Python-Markdown gives for such a file, byte for
byte, in a tenth of the time, and None for anything else: the caller then uses
Python-Markdown itself.

It is written for one configuration, `MARKDOWN_SETTINGS` (Python-Markdown 3.11 with
`extra`, `smarty` without smart quotes, `meta`, html5 output), and accepts only what it
can answer exactly:

- the metadata header as the meta extension reads it (its own patterns, below);
- blocks separated by blank lines, each one line: a paragraph, an ATX heading
  (``## words``), a quote (``> words``, consecutive quotes making one blockquote, as
  Python-Markdown merges them), or a tight list of ``- words`` lines (not right after
  another list, which Python-Markdown would join into a loose one); or a figure as the
  importer writes one, an image line ending in a line break and its caption in italics;
- inside a block, text with backslash escapes of the characters Python-Markdown
  escapes, entities (kept as written; any other ``&`` becomes ``&amp;``), smarty's
  dashes and ellipses, ``>`` (``&gt;``), ``|``, brackets that are only text, and links
  and images (``[words](url)``, ``![words](url)``) whose words hold no brackets and
  whose URL no spaces, parentheses, quotes, angle brackets or backslashes; a heading's
  text may start with anything (it holds no blocks);
- and nothing else. A backtick, a ``<``, any of `` * _ { } `` unescaped, brackets that
  could make another link, a reference, a footnote or an image (``](``, ``][``,
  ``[^``, ``![``), a tab, a carriage return, a control character, a backslash before
  another character (Python-Markdown keeps the backslash), a link with a title, a
  block starting with anything another block could start with (``#``, ``>``, ``-``,
  ``+``, ``=``, ``:``, ``~``, ``|``, a space, ``1.``, a reference or footnote
  definition), leading or trailing spaces, or a line of a block after its first (but
  in lists and figures): None. Emphasis (but a figure's caption), code, raw HTML,
  tables, footnotes and definitions go to Python-Markdown.

tests/test_fastmd.py checks it against Python-Markdown on the samples, on generated
articles and on thousands of random documents built from the characters that matter.
"""

from __future__ import annotations

import re

# The one configuration this module answers for (Pelican's MARKDOWN setting, before its
# reader adds the meta extension).
MARKDOWN_SETTINGS = {
    "extension_configs": {
        "markdown.extensions.extra": {},
        "markdown.extensions.smarty": {"smart_quotes": False},
    },
    "output_format": "html5",
}
# The Python-Markdown release (major, minor) whose output this module gives; pyproject
# pins it, and the tests compare the two on every run.
PYTHON_MARKDOWN = (3, 11)

# The meta extension's patterns (markdown/extensions/meta.py), as it applies them.
META_RE = re.compile(r"^[ ]{0,3}(?P<key>[A-Za-z0-9_-]+):\s*(?P<value>.*)")
META_MORE_RE = re.compile(r"^[ ]{4,}(?P<value>.*)")
BEGIN_RE = re.compile(r"^-{3}(\s.*)?")
END_RE = re.compile(r"^(-{3}|\.{3})(\s.*)?")

# Python-Markdown's escapable characters with extra's "|" and smarty's quotes.
ESCAPABLE = frozenset("\\`*_{}[]()>#+-.!|\"'")
# Anything here sends a document to Python-Markdown: code spans, raw HTML, control
# characters (tabs and the marks of Python-Markdown's placeholders among them).
UNSUPPORTED = re.compile(r"[`<\x00-\x09\x0b-\x1f\x7f]")
# And these, unescaped, outside a link's or an image's syntax: emphasis, attribute lists,
# and brackets that could be another link, a reference, a footnote or an image (brackets
# alone are text: no definitions, so Python-Markdown's references all fail).
MARKUP = re.compile(r"[*_{}]|\]\(|\]\s?\[|\[\^|!\[")
# A link or an image, once the escapes are placeholders: words without brackets, and a
# URL without spaces, parentheses, quotes, angle brackets, backslashes or markup.
LINK = re.compile(r"(!?)\[([^\[\]]*)\]\(([^\s()<>\"'\\\x02\x03\[\]]+)\)")
# What starts a reference definition (Python-Markdown's pattern, at a block's start).
DEFINITION = re.compile(r"\[([^\[\]]*)\]:")
# An image with its caption in italics on the next line, as the importer writes a figure.
FIGURE = re.compile(r"(!\[[^\n]*\))  \n\*([^\n]+)\*")
# What Python-Markdown's first step changes: tabs, carriage returns, the marks of its
# placeholders, lines of spaces.
NORMALISED = re.compile(r"[\t\r\x02\x03]|^ +$", re.MULTILINE)
FOOTNOTE_MARKER = "///Footnotes Go Here///"  # the footnotes extension replaces it
# What a block or a list item's text may not start with (another kind of block).
BLOCK_START = frozenset(" #>-*+=_:|~`[<{")
ORDERED_ITEM = re.compile(r"\d+\.[ ]")
HEADING = re.compile(r"(#{1,6}) (?=[^#\s])(.*)")
# Inline, in Python-Markdown's order: backslash escapes first (the characters come back
# just before the text is serialized), then entities (the inline pattern's) and smarty's
# dashes and ellipses, which are written as they are.
ESCAPE = re.compile(r"\\(.?)", re.DOTALL)
ESCAPED = re.compile("\x02e(\\d+)\x03")
STASHABLE = re.compile(
    r"(?P<entity>&(?:\#[0-9]+|\#x[0-9a-fA-F]+|[a-zA-Z0-9]+);)"
    r"|(?P<mdash>(?<!-)---(?!-))|(?P<ndash>(?<!-)--(?!-))|(?P<hellip>(?<!\.)\.{3}(?!\.))"
)
SMARTY = {"mdash": "&mdash;", "ndash": "&ndash;", "hellip": "&hellip;"}
NEEDS_WORK = re.compile(r"[\\&>\[\]*_{}]|--|\.\.\.")
# The serializer's: an "&" that does not start an entity.
LONE_AMP = re.compile(r"&(?!(?:\#[0-9]+|\#x[0-9a-f]+|[0-9a-z]+);)", re.IGNORECASE)
STASHED = re.compile("\x02(\\d+)\x03")


class Unsupported(Exception):
    """Raised inside the renderer: this text needs Python-Markdown."""


def read_document(text: str) -> tuple[dict[str, list[str]], str] | None:
    """(the meta extension's metadata, the body's HTML) exactly as Python-Markdown with
    MARKDOWN_SETTINGS and the meta extension gives them, or None for a text it must
    read itself. Metadata keys are lower-cased, each with its list of lines."""
    if not text.strip() or NORMALISED.search(text):
        return None
    lines = (text + "\n\n").split("\n")
    meta: dict[str, list[str]] = {}
    at = 1 if BEGIN_RE.match(lines[0]) else 0
    key = None
    while at < len(lines):
        line = lines[at]
        at += 1
        if line.strip() == "" or END_RE.match(line):
            break
        found = META_RE.match(line)
        if found:
            key = found.group("key").lower().strip()
            meta.setdefault(key, []).append(found.group("value").strip())
            continue
        more = META_MORE_RE.match(line)
        if more and key:
            meta[key].append(more.group("value").strip())
            continue
        at -= 1
        break
    body = render_body("\n".join(lines[at:]))
    if body is None:
        return None
    return meta, body


def render_body(text: str) -> str | None:
    """Python-Markdown's HTML for a body (no metadata header), or None."""
    if UNSUPPORTED.search(text) or FOOTNOTE_MARKER in text:
        return None
    parts: list[str] = []
    last = None  # the kind of the last element written: "p", "h", "quote", "list"
    try:
        for block in (text + "\n\n").split("\n\n"):  # as Python-Markdown normalises it
            block = block.lstrip("\n")
            if not block:
                continue
            if block.startswith("- "):
                if last == "list":
                    return None  # Python-Markdown would continue the list, loosely
                items = block.split("\n")
                if not all(item.startswith("- ") for item in items):
                    return None
                html = "".join(f"<li>{_inline_text(item[2:])}</li>\n" for item in items)
                parts.append(f"<ul>\n{html}</ul>")
                last = "list"
                continue
            if "\n" in block:
                figure = FIGURE.fullmatch(block)
                if figure is None:
                    return None
                image, caption = figure.groups()
                words = _inline_text(caption, at_start=False)
                parts.append(f"<p>{_inline_text(image)}<br>\n<em>{words}</em></p>")
                last = "p"
                continue
            if block.startswith("> "):
                paragraph = f"<p>{_inline_text(block[2:])}</p>"
                if last == "quote":
                    parts[-1] = parts[-1][: -len("</blockquote>")] + paragraph + "\n</blockquote>"
                else:
                    parts.append(f"<blockquote>\n{paragraph}\n</blockquote>")
                last = "quote"
                continue
            heading = HEADING.fullmatch(block)
            if heading:
                level, words = heading.groups()
                if words.endswith("#"):
                    return None
                inline = _inline_text(words, at_start=False)  # a heading holds no blocks
                parts.append(f"<h{len(level)}>{inline}</h{len(level)}>")
                last = "h"
                continue
            parts.append(f"<p>{_inline_text(block)}</p>")
            last = "p"
    except Unsupported:
        return None
    return "\n".join(parts)


def _inline_text(text: str, at_start: bool = True) -> str:
    """A block's text (`at_start`), or a heading's or an emphasis's, as Python-Markdown
    writes it; Unsupported if it could be another block's start or holds what this
    module does not answer for."""
    if not text or text[0].isspace() or text[-1].isspace():
        raise Unsupported  # Python-Markdown strips the spaces, Unicode spaces too
    if at_start:
        if text[0] == "[":  # a link may start a block; a definition may not
            if text.startswith("[^") or DEFINITION.match(text):
                raise Unsupported
        elif text[0] in BLOCK_START or ORDERED_ITEM.match(text):
            raise Unsupported
    if not NEEDS_WORK.search(text):
        return text
    # As Python-Markdown does it: backslash escapes first (placeholders, whose characters
    # come back in the end), then links and images; then, in each piece of text, entities
    # and smarty's substitutions become placeholders, the escaped characters come back,
    # the serializer escapes "&", "<" and ">" (those included), and the entities and
    # substitutions come back as written.
    if "\\" in text:
        text = ESCAPE.sub(_escape, text)
    if "](" not in text:  # no link or image
        return _text_node(text)
    pieces = []
    at = 0
    for link in LINK.finditer(text):
        bang, words, url = link.groups()
        pieces.append(_text_node(text[at : link.start()]))
        if bang:
            if MARKUP.search(words):
                raise Unsupported
            alt = _unescaped(words)
            pieces.append(f'<img alt="{_attribute(alt)}" src="{_attribute(url)}">')
        else:
            pieces.append(f'<a href="{_attribute(url)}">{_text_node(words)}</a>')
        at = link.end()
    pieces.append(_text_node(text[at:]))
    return "".join(pieces)


def _text_node(text: str) -> str:
    """One piece of text between inline elements, escapes already placeholders."""
    if MARKUP.search(text):
        raise Unsupported  # emphasis, an attribute list, what brackets might make
    stash: list[str] = []

    def keep(found: re.Match) -> str:
        kind = found.lastgroup
        stash.append(found.group(kind) if kind == "entity" else SMARTY[kind])
        return f"\x02{len(stash) - 1}\x03"

    text = STASHABLE.sub(keep, text)
    text = _unescaped(text)
    if "&" in text:
        text = LONE_AMP.sub("&amp;", text)
    text = text.replace("<", "&lt;").replace(">", "&gt;")
    if stash:
        text = STASHED.sub(lambda found: stash[int(found.group(1))], text)
    return text


def _unescaped(text: str) -> str:
    """The escaped characters' placeholders back as the characters."""
    if "\x02e" not in text:
        return text
    return ESCAPED.sub(lambda found: chr(int(found.group(1))), text)


def _attribute(value: str) -> str:
    """An attribute's value as the serializer escapes it."""
    if "&" in value:
        value = LONE_AMP.sub("&amp;", value)
    return value.replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _escape(found: re.Match) -> str:
    char = found.group(1)
    if not char or char not in ESCAPABLE:
        raise Unsupported  # Python-Markdown keeps the backslash: not answered here
    return f"\x02e{ord(char)}\x03"
