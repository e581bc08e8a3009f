"""The article file format: Pelican metadata header + Markdown body, written
deterministically and read back exactly.

The key order below is part of the format: feed ids, URLs and links depend on it
never changing. Keys without a value are left out.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

KEY_ORDER = (
    "Title", "Date", "Modified", "Slug", "Uid", "Category", "Tags", "Source", "Source_url",
    "Byline", "Agency", "Dateline", "Lang", "Image", "Image_caption", "Image_credit",
    "Image_source", "Retrieved", "Summary", "Paywalled", "Also_reported_by", "Status", "Related",
    "Not_related", "Autotag", "Previous_slugs", "Fingerprint",
)  # fmt: skip

# The curator owns these once the article exists; re-imports never touch them.
CURATOR_KEYS = ("Category", "Tags", "Status", "Related", "Not_related", "Autotag", "Previous_slugs")
# Written once at import and kept for the article's life.
PERMANENT_KEYS = ("Uid", "Slug")
# Everything else the import derives from the raw input; the fingerprint covers these.
IMPORTER_KEYS = tuple(
    key for key in KEY_ORDER if key not in CURATOR_KEYS and key not in ("Uid", "Fingerprint")
)
# Keys added after articles were first written: fingerprinted only when they have a value,
# so a file written before they existed keeps its fingerprint.
LATER_KEYS = ("Image_source",)

_LINE_START_ESCAPES = re.compile(r"^(\s*)([#>+=]|[-*](?=\s)|\d+(?=\.\s))")
_INLINE_SPECIALS = re.compile(r"([\\`*]|\[(?=[^\]]*\]\s*[(\[:]))")
# Python-Markdown has no backslash escape for "<": an entity keeps a tag-like text as text.
_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")
_ENTITY_START = re.compile(r"&(?=#?\w+;)")


@dataclass(frozen=True)
class BodyBlock:
    """One block of an article body: a paragraph, subheading, quote, list item or figure.

    `text` is the block's plain words (what dedupe and the benchmarks read). `markdown`,
    when given, is the same words as inline Markdown already escaped, with links whose
    URLs passed `sanitize.safe_url` (HTML pages keep their links). A figure has `src`
    (a safe absolute image URL), `text` its caption and `credit` the photo credit.
    """

    kind: str
    text: str
    markdown: str | None = None
    src: str | None = None
    credit: str | None = None


@dataclass
class CleanArticle:
    """An imported article: metadata by header key, and the body in blocks."""

    meta: dict[str, str] = field(default_factory=dict)
    blocks: list[BodyBlock] = field(default_factory=list)


def escape_inline(text: str) -> str:
    """Escape what Markdown would read as markup, so the words render exactly as printed."""
    text = _ENTITY_START.sub("&amp;", text)
    return _TAG_START.sub("&lt;", _INLINE_SPECIALS.sub(r"\\\1", text))


def escape_line(text: str) -> str:
    """Escape a body line, including markers that only matter at a line's start."""
    return _escape_line_start(escape_inline(text))


def _escape_line_start(text: str) -> str:
    """Escape the markers that only matter at a line's start in already-escaped text."""
    match = _LINE_START_ESCAPES.match(text)
    if match:
        if match.group(2).isdigit():
            end = match.end(2)
            text = text[:end] + "\\" + text[end:]
        else:
            text = text[: match.start(2)] + "\\" + text[match.start(2) :]
    return text


def render_body(blocks: Sequence[BodyBlock]) -> str:
    """Markdown for the body blocks; list items are grouped into one list."""
    parts: list[str] = []
    for block in blocks:
        text = " ".join(block.text.split())
        inline = " ".join(block.markdown.split()) if block.markdown else escape_inline(text)
        if block.kind == "figure":
            if block.src:
                parts.append(render_figure(block.src, text, block.credit))
        elif block.kind == "heading":
            parts.append("## " + inline)
        elif block.kind == "quote":
            parts.append("> " + inline)
        elif block.kind == "list_item":
            item = "- " + inline
            if parts and parts[-1].startswith("- "):
                parts[-1] += "\n" + item
            else:
                parts.append(item)
        elif block.markdown:
            parts.append(_escape_line_start(inline))
        else:
            parts.append(escape_line(text))
    return "\n\n".join(parts) + "\n"


def escape_brackets(text: str) -> str:
    """Escape every square bracket not already escaped (link texts and image alts)."""
    return re.sub(r"(?<!\\)([\[\]])", r"\\\1", text)


def markdown_url(url: str) -> str:
    """A URL safe to put inside Markdown's (…): spaces and parentheses percent-encoded."""
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")


def markdown_link(text: str, url: str) -> str:
    """An inline link: `text` is plain words (escaped here), `url` already passed safe_url."""
    return f"[{escape_brackets(escape_inline(text))}]({markdown_url(url)})"


def render_figure(src: str, caption: str, credit: str | None) -> str:
    """An image with its caption and credit: the image line, then the caption in italics."""
    lines = [f"![{escape_brackets(escape_inline(caption))}]({markdown_url(src)})"]
    words = " ".join(part for part in (caption, f"({credit})" if credit else "") if part)
    if words:
        lines.append("*" + escape_inline(words) + "*")
    return "  \n".join(lines)


def render_header(meta: Mapping[str, str]) -> str:
    """The metadata header, keys in the fixed order, one line each."""
    unknown = set(meta) - set(KEY_ORDER)
    if unknown:
        raise ValueError(f"unknown article keys: {', '.join(sorted(unknown))}")
    lines = []
    for key in KEY_ORDER:
        value = " ".join(str(meta.get(key) or "").split())
        if value:
            lines.append(f"{key}: {value}")
    return "\n".join(lines) + "\n"


def fingerprint(meta: Mapping[str, str], body: str) -> str:
    """sha256 over the importer-owned keys and the body: shows when either was hand-edited."""
    digest = hashlib.sha256()
    for key in IMPORTER_KEYS:
        value = " ".join(str(meta.get(key) or "").split())
        if value or key not in LATER_KEYS:
            digest.update(f"{key}\x1f{value}\x1e".encode())
    digest.update(body.strip().encode())
    return digest.hexdigest()


def render_article(meta: Mapping[str, str], body: str) -> str:
    """The whole article file; the Fingerprint is computed here, never passed in."""
    full = {key: value for key, value in meta.items() if key != "Fingerprint"}
    full["Fingerprint"] = fingerprint(full, body)
    return render_header(full) + "\n" + body.strip() + "\n"


def parse_article(text: str) -> tuple[dict[str, str], str]:
    """Split an article file into its header keys and its Markdown body."""
    header, _, body = text.partition("\n\n")
    meta: dict[str, str] = {}
    last = None
    for line in header.splitlines():
        if line[:1].isspace() and last:
            meta[last] += " " + line.strip()
            continue
        key, sep, value = line.partition(":")
        if not sep or not key or " " in key.strip():
            raise ValueError(f"not a metadata line: {line[:60]!r}")
        last = key.strip().capitalize()
        meta[last] = value.strip()
    return meta, body.strip() + "\n"


def is_hand_edited(meta: Mapping[str, str], body: str) -> bool:
    """True when the importer-owned keys or the body no longer match the Fingerprint."""
    recorded = meta.get("Fingerprint")
    return bool(recorded) and recorded != fingerprint(meta, body)
