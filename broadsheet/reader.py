"""What an article page shows readers beyond its body, shared by the theme and the feeds.

Reading time: the body's words at READING_WORDS_PER_MINUTE (230), rounded up, at least
one minute; the theme's article meta line shows it ("4 min read") through the
``reading_time`` Jinja filter (pelicanconf ``JINJA_FILTERS``). Words are counted as
``broadsheet.text`` counts them, in the body's text with its markup taken away.

Full text: an outlet whose ``content/sources.yml`` entry says ``full_text: false``
(found as the importer finds it, ``broadsheet.pipeline.outlet_for_page``) gets its
summary and a link to the original, never the body, on the site (plugins/sources) and
in the feeds (plugins/feeds) alike; without a Summary, the body's first paragraph.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from bs4 import BeautifulSoup

from broadsheet.metadata import PageMeta
from broadsheet.pipeline import outlet_for_page
from broadsheet.sources import Outlet
from broadsheet.text import word_count

READING_WORDS_PER_MINUTE = 230  # an adult's silent reading of news prose


def reading_minutes(html: str | None, words_per_minute: int = READING_WORDS_PER_MINUTE) -> int:
    """Whole minutes to read an HTML body, rounded up, at least 1."""
    text = BeautifulSoup(html or "", "html.parser").get_text(" ")
    return max(1, math.ceil(word_count(text) / words_per_minute))


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
