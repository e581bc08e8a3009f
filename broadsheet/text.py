"""The one text toolkit: tokens, sentences, shingles and script helpers (pure functions)."""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Collection
from typing import NamedTuple

WORD_RE = re.compile(r"\w+")
# Scripts written without spaces between words: one character carries about a word.
_DENSE_SCRIPT_RE = re.compile(
    r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\u0e00-\u0e7f]"
)
_SENTENCE_SPLIT_RE = re.compile(
    r"(?<=[.!?…。！？])[\"'”’»)\]]*\s+(?=[\"'“‘«(\[]?[A-ZÀ-ÖØ-ÞА-ЯЁ0-9])"
)


def words(text: str) -> list[str]:
    """Word tokens (``\\w+`` runs, case kept)."""
    return WORD_RE.findall(text)


def word_count(text: str) -> int:
    """Number of words, counting each character of a space-less script as a word."""
    dense = len(_DENSE_SCRIPT_RE.findall(text))
    if not dense:
        return len(WORD_RE.findall(text))
    return len(WORD_RE.findall(_DENSE_SCRIPT_RE.sub(" ", text))) + dense


def split_sentences(text: str) -> list[str]:
    """Split text into sentences at end punctuation followed by a capital or digit."""
    return [s.strip() for s in _SENTENCE_SPLIT_RE.split(text) if s.strip()]


def shingles(text: str, size: int = 4) -> Counter[tuple[str, ...]]:
    """Multiset of ``size``-word shingles (a shorter text gives one shorter shingle)."""
    tokens = words(text)
    if len(tokens) < size:
        return Counter([tuple(tokens)])
    return Counter(tuple(tokens[i : i + size]) for i in range(len(tokens) - size + 1))


def normalize_space(text: str) -> str:
    """Collapse runs of whitespace to one space and strip the ends."""
    return " ".join(text.split())


# --- plain text from Markdown, and runs of capitalised words --------------------------


def _uppercase_class() -> str:
    """A regex character class body of the upper- and title-case letters of the alphabetic
    scripts news is written in (Latin, Greek, Cyrillic, Armenian, Georgian)."""
    ranges: list[tuple[int, int]] = []
    for code in range(0x2000):
        char = chr(code)
        if char.isupper() or char.istitle():
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1] = (ranges[-1][0], code)
            else:
                ranges.append((code, code))
    return "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
        for a, b in ranges
    )


UPPER_CLASS = _uppercase_class()

# Block-level HTML becomes blank-line-separated Markdown blocks; other tags are dropped.
_HTML_TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*>")
_HTML_BREAK_TAGS = frozenset(
    {"p", "div", "br", "hr", "tr", "table", "ul", "ol", "blockquote", "figure", "figcaption"}
    | {"section", "article", "pre"}
)
_FENCE_RE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.M | re.S)
_IMAGE_RE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK_RE = re.compile(r"\[([^\]]*)\]\((?:[^()\s]|\([^)]*\))*(?:\s+\"[^\"]*\")?\)")
_REF_LINK_RE = re.compile(r"\[([^\]]+)\]\[[^\]]*\]")
_REF_DEF_RE = re.compile(r"^ {0,3}\[[^\]]+\]:\s+\S.*$", re.M)
_FOOTNOTE_REF_RE = re.compile(r"\[\^[^\]]+\]")
_AUTOLINK_RE = re.compile(r"<(?:https?|mailto|ftp):[^>\s]*>|\bhttps?://\S+")
_EMPHASIS_RE = re.compile(r"(?<!\\)(?:\*{1,3}|_{1,3}|~~|`+)")
_OTHER_SPACE_RE = re.compile(r"[^\S ]")
_ESCAPE_RE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~<\"'])")
_HEADING_RE = re.compile(r"^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$")
_SETEXT_RE = re.compile(r"^ {0,3}(?:=+|-+)\s*$")
_QUOTE_RE = re.compile(r"^ {0,3}(?:>\s?)+")
_LIST_RE = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+")
_LINE_MARKERS = frozenset("#>-*+•|=~`0123456789 ")
_TABLE_RULE_RE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$")


def _html_to_markdownish(text: str) -> str:
    """Turn block-level HTML into blank-line-separated blocks; headings and list items keep
    their Markdown markers so the block kinds survive."""

    def replace(match: re.Match[str]) -> str:
        closing, tag = match.group(1), match.group(2).lower()
        if tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
            return "\n\n" if closing else "\n\n## "
        if tag == "li":
            return "\n\n" if closing else "\n\n- "
        if tag in _HTML_BREAK_TAGS:
            return "\n\n"
        return ""

    return html.unescape(_HTML_TAG_RE.sub(replace, text))


def markdown_blocks(text: str) -> list[tuple[str, str]]:
    """Plain-text blocks of a Markdown (or HTML) body as ``(kind, text)`` pairs.

    Kinds are "paragraph", "heading", "list_item" and "quote". Link and image syntax,
    emphasis, code fences, escapes and inline HTML are removed; the words are kept as
    printed, whitespace collapsed to single spaces.
    """
    if "<" in text and _HTML_TAG_RE.search(text):
        text = _html_to_markdownish(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "```" in text or "~~~" in text:
        text = _FENCE_RE.sub("\n\n", text)
    if "[" in text:
        text = _REF_DEF_RE.sub("", text)
        text = _IMAGE_RE.sub(" ", text)
        text = _LINK_RE.sub(r"\1", text)
        text = _REF_LINK_RE.sub(r"\1", text)
        text = _FOOTNOTE_REF_RE.sub("", text)
    if "<" in text or "://" in text:
        text = _AUTOLINK_RE.sub(" ", text)
    blocks: list[tuple[str, str]] = []
    kind, lines = "paragraph", []

    def flush() -> None:
        if lines:
            plain = " ".join(lines)
            if "*" in plain or "_" in plain or "`" in plain or "~" in plain or "\\" in plain:
                plain = _ESCAPE_RE.sub(r"\1", _EMPHASIS_RE.sub("", plain))
            if "  " in plain or _OTHER_SPACE_RE.search(plain):
                plain = normalize_space(plain)
            else:
                plain = plain.strip()
            if plain:
                blocks.append((kind, plain))
        lines.clear()

    for raw_line in text.split("\n"):
        line = raw_line.strip()
        if line and line[0] not in _LINE_MARKERS:
            lines.append(line.replace("|", " "))  # the common case: a line of text
            continue
        if not line or _TABLE_RULE_RE.match(line):
            flush()
            kind = "paragraph"
            continue
        heading = _HEADING_RE.match(line)
        if heading:
            flush()
            kind, lines[:] = "heading", [heading.group(1)]
            flush()
            kind = "paragraph"
            continue
        if _SETEXT_RE.match(line) and lines and kind == "paragraph":
            kind = "heading"
            flush()
            kind = "paragraph"
            continue
        quote = _QUOTE_RE.match(line)
        if quote:
            if kind != "quote":
                flush()
                kind = "quote"
            line = line[quote.end() :]
        item = _LIST_RE.match(line)
        if item:
            flush()
            kind = "list_item"
            line = line[item.end() :]
        lines.append(line.replace("|", " "))
    flush()
    return blocks


# A name word starts with a capital: a dotted acronym (U.S.), an initial inside a name
# (John F. Kennedy), or a word with inner hyphens, apostrophes or ampersands
# (Amir-Abdollahian, O’Brien, AT&T). A capital may follow one or two lower-case letters
# (iPhone) or a particle and a hyphen or apostrophe (al-Qaeda, d’Estaing): the
# lookbehinds allow those at a run's start, and `name_runs` moves the start back over
# them; inside a run the particle is matched (Bashar al-Assad, Côte d'Ivoire). Between
# name words: one space, optionally with a lower-case particle. Every branch starting with the
# capital lets the regex engine skip ahead to the next capital letter.
_U = f"[{UPPER_CLASS}]"
_CONT = r"(?:[^\W_]|[-‐‑'’&](?=[^\W_]))"
_NAME_WORD_REST = rf"(?:(?:\.{_U})+\.|\.(?= {_U})|{_CONT}*)"
_GLUED_BEFORE = (
    r"(?:(?<![^\W_].)|(?<=(?<![^\W_])[a-z].)|(?<=(?<![^\W_])[a-z]{2}.)"
    r"|(?<=(?<![^\W_])[a-z][-'’].)|(?<=(?<![^\W_])[a-z]{2}[-'’].)"
    r"|(?<=(?<![^\W_])[a-z]{3}[-'’].))"
)
NAME_PARTICLES = frozenset(
    {"of", "for", "de", "del", "della", "der", "den", "di", "da", "dos", "das", "du", "des"}
    | {"la", "le", "van", "von", "bin", "ibn", "al", "el", "y"}
)
# Lower-case particles glued to a name by a hyphen or an apostrophe.
GLUED_PARTICLES = frozenset(
    {"al", "el", "ul", "ad", "as", "ash", "at", "az", "bin", "ibn", "d", "l", "de", "da"}
    | {"di", "du"}
)
_PARTICLE_ALT = "|".join(sorted(NAME_PARTICLES - {"of", "for"}))
_GLUED_ALT = "|".join(sorted(GLUED_PARTICLES, key=lambda p: (-len(p), p)))
_NAME_RUN_RE = re.compile(
    rf"{_U}{_GLUED_BEFORE}{_NAME_WORD_REST}"
    rf"(?:(?: (?:of|for)(?: the)?| (?:{_PARTICLE_ALT})| &)? (?:(?:{_GLUED_ALT})[-'’])?{_U}"
    rf"{_NAME_WORD_REST})*"
    rf"(?![^\W_])"
)
# Before a word that starts a sentence (or a quotation, or a list item): what may stand
# between it and the end punctuation, and the abbreviations whose dot ends no sentence.
_OPENERS = frozenset(" \"“‘'«([{*•·")
_CLAUSE_BREAKS = frozenset(":!?…")
_DASHES = frozenset("-–—")
ABBREVIATIONS = frozenset(
    {"mr", "mrs", "ms", "mx", "dr", "st", "sr", "jr", "prof", "rev", "gen", "lt", "col"}
    | {"capt", "sgt", "cpl", "maj", "adm", "gov", "sen", "rep", "pres", "supt", "insp"}
    | {"det", "fr", "hon", "no", "vs", "etc", "inc", "corp", "co", "ltd", "mt", "ft"}
    | {"messrs", "mme", "mlle"}
)


class NameRun(NamedTuple):
    """A run of capitalised words in a text, and whether it starts a sentence."""

    start: int
    end: int
    text: str
    initial: bool


def _starts_sentence(text: str, start: int) -> bool:
    """Whether the word at ``start`` begins a sentence, a line, a quotation, a clause after
    a colon or a spaced dash, or a list item (where any word is capitalised)."""
    i = start - 1
    opened = False
    while i >= 0 and text[i] in _OPENERS:
        if text[i] != " ":
            opened = True
        i -= 1
    if i < 0 or opened or text[i] == "\n":
        return True
    char = text[i]
    if char in _CLAUSE_BREAKS:
        return True
    if char in _DASHES:
        return text[i - 1 : i] == " " and text[i + 1 : i + 2] == " "
    if char != ".":
        return False
    j = i
    while j > 0 and (text[j - 1].isalpha() or text[j - 1] == "."):
        j -= 1
    before = text[j:i]
    if len(before) == 1 and before.isupper():
        return False  # an initial: John F. Kennedy
    if "." in before and before.replace(".", "").isupper():
        return False  # a dotted acronym: the U.S. Senate
    return before.lower() not in ABBREVIATIONS


def name_runs(text: str) -> list[NameRun]:
    """Runs of capitalised words in plain text (a line break ends a run and starts a
    sentence), in order, as printed."""
    return [NameRun(*span) for span in name_run_spans(text)]


def name_run_spans(text: str, skip: Collection[str] = ()) -> list[tuple[int, int, str, bool]]:
    """`name_runs` as plain tuples (start, end, text, initial), leaving out runs whose
    text is in ``skip``: the fast form."""
    spans = []
    for match in _NAME_RUN_RE.finditer(text):
        start, end = match.span()
        if skip and match.group() in skip:
            continue
        if start and (text[start - 1].isalpha() or text[start - 1] in "-'’"):
            start = _glued_start(text, start)
        # Most runs follow a word or a comma and a space: no sentence starts there.
        before = text[start - 2 : start]
        initial = not (
            len(before) == 2 and before[1] == " " and (before[0].isalnum() or before[0] == ",")
        ) and _starts_sentence(text, start)
        spans.append((start, end, text[start:end], initial))
    return spans


def _glued_start(text: str, start: int) -> int:
    """Where a name begins whose capital follows lower-case letters: "iPhone", "al-Qaeda"
    (a particle and a joiner); otherwise ``start`` itself ("non-Muslim")."""
    joined = text[start - 1] in "-'’"
    end = start - 1 if joined else start
    begin = end
    while begin > 0 and "a" <= text[begin - 1] <= "z":
        begin -= 1
    if begin == end or (begin and (text[begin - 1].isalnum() or text[begin - 1] == "_")):
        return start
    if joined:
        return begin if text[begin:end] in GLUED_PARTICLES else start
    return begin if end - begin <= 2 else start
