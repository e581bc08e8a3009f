"""What an article page shows readers beyond its body, shared by the theme and the feeds.

Reading time: the body's words at READING_WORDS_PER_MINUTE (230), rounded up, at least
one minute; the theme's article meta line shows it ("4 min read") through the
``reading_time`` Jinja filter (pelicanconf ``JINJA_FILTERS``). Words are counted as
``broadsheet.text`` counts them, in the body's text with its markup taken away: the text
BeautifulSoup gives (``get_text(" ")``), read without parsing when the body is plain
markup (``body_word_count``), since the filter runs on every article page.

Full text: an outlet whose ``content/sources.yml`` entry says ``full_text: false``
(found as the importer finds it, ``broadsheet.sources.outlet_for_page``) gets its
summary and a link to the original, never the body, on the site (plugins/sources) and
in the feeds (plugins/feeds) alike; without a Summary, the body's first paragraph.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from bs4 import BeautifulSoup

from broadsheet.metadata import PageMeta
from broadsheet.sources import Outlet, outlet_for_page
from broadsheet.text import word_count

READING_WORDS_PER_MINUTE = 230  # an adult's silent reading of news prose

# Elements of article bodies whose text html.parser and BeautifulSoup read as plain text
# between tags: none that is read as raw text (script, style, textarea, title…) or kept
# out of get_text (template, rt, rp).
_PLAIN_TEXT_ELEMENTS = (
    "a|abbr|b|blockquote|br|cite|code|dd|del|div|dl|dt|em|figcaption|figure|h1|h2|h3|h4|h5|h6"
    "|hr|i|img|ins|li|mark|ol|p|pre|q|s|small|span|strong|sub|sup|table|tbody|td|tfoot|th"
    "|thead|tr|u|ul"
)
_PLAIN_TAG_RE = re.compile(
    rf'<(?:(?:{_PLAIN_TEXT_ELEMENTS})(?:\s+[a-zA-Z_:][-a-zA-Z0-9_:.]*(?:="[^"<>]*")?)*\s*/?'
    rf"|/(?:{_PLAIN_TEXT_ELEMENTS})\s*)>"
)
# Entities Python-Markdown and MarkupSafe write that stand for punctuation or a space:
# never part of a word, like the space put in their place.
_PUNCTUATION_ENTITY_RE = re.compile(
    r"&(?:amp|lt|gt|quot|#34|#39|nbsp|#160|ndash|mdash|hellip|lsquo|rsquo|ldquo|rdquo|#8617);"
)


def body_word_count(html: str) -> int:
    """Words in an HTML body's text, as in BeautifulSoup's ``get_text(" ")``.

    Plain markup is read without parsing: each tag of ``_PLAIN_TEXT_ELEMENTS`` (lowercase,
    attribute values double-quoted) and each punctuation entity becomes a space, which
    splits words exactly where BeautifulSoup's text does (it puts a space between the
    strings that tags separate) and joins none. Whatever is left that html.parser could
    read another way (any other ``<``: a comment, a script, another element; any other
    ``&``: an entity that may stand for a letter) sends the body to BeautifulSoup.
    """
    text = _PUNCTUATION_ENTITY_RE.sub(" ", _PLAIN_TAG_RE.sub(" ", html))
    if "<" in text or "&" in text:
        text = BeautifulSoup(html, "html.parser").get_text(" ")
    return word_count(text)


def reading_minutes(html: str | None, words_per_minute: int = READING_WORDS_PER_MINUTE) -> int:
    """Whole minutes to read an HTML body, rounded up, at least 1."""
    return max(1, math.ceil(body_word_count(html or "") / words_per_minute))


def reading_time(html: str | None, words_per_minute: int = READING_WORDS_PER_MINUTE) -> str:
    """The article meta line's label: "4 min read"."""
    return f"{reading_minutes(html, words_per_minute)} min read"


def first_paragraph(html: str | None) -> str:
    """The first paragraph of an HTML body ("" when it has none)."""
    paragraph = BeautifulSoup(html or "", "html.parser").find("p")
    return str(paragraph) if paragraph else ""


def outlet_allows_full_text(
    source: str | None, source_url: str | None, outlets: Sequence[Outlet]
) -> bool:
    """False when the article's outlet (found as the importer finds it) forbids full text."""
    if not outlets:
        return True
    outlet = outlet_for_page(PageMeta(site_name=source or None), source_url, {}, outlets)
    return outlet is None or outlet.full_text
