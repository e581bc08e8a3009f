"""Write the site's feeds: Atom, RSS 2.0 and JSON Feed 1.1, per tag, per category, of
the digest issues, and an OPML list of them all.

What a build writes (each path relative to the output folder; a feed whose path
setting is unset or empty is not written):

- the site feeds of the newest published articles: ``FEEDS_ATOM_PATH``
  (``feeds/all.atom.xml``), ``FEEDS_RSS_PATH`` (``feeds/all.rss.xml``) and
  ``FEEDS_JSON_PATH`` (``feeds/all.json``, JSON Feed 1.1). The plugin does nothing
  unless at least one of them is set; every other feed is written only alongside
  them.
- per tag, ``FEEDS_TAG_ATOM_PATH`` / ``FEEDS_TAG_RSS_PATH`` and per category,
  ``FEEDS_CATEGORY_ATOM_PATH`` / ``FEEDS_CATEGORY_RSS_PATH``, with ``{slug}``
  replaced by the tag's or category's slug (``feeds/tag/{slug}.atom.xml``,
  ``feeds/category/{slug}.rss.xml``). Their entries are the site feed's (same ids,
  same content); the alternate link is the tag or category page. Tags include the
  ones ``autotag`` adds (it runs before Pelican files articles under their tags). A
  tag or category whose slug is empty (a name without letters or digits) gets no
  feed, with a warning.
- the digest feed, ``FEEDS_DIGEST_ATOM_PATH`` / ``FEEDS_DIGEST_RSS_PATH``, when the
  ``digests`` plugin is listed: one entry per *published* issue (drafts never, even
  in a preview that builds them), whose content is the whole issue: the curator's
  introduction, then each section's stories with title linked to our article,
  source and note (sanitised by the digests plugin; every URL made absolute); a
  story withdrawn since (``plugins/withdrawn``) is its title and "(withdrawn)" alone.
- ``FEEDS_OPML_PATH`` (``feeds/feeds.opml``): every feed the build wrote (site,
  digests, each category, each tag, in that order; categories and tags by slug)
  with its title, ``xmlUrl`` and ``htmlUrl``, and no timestamp.

Other settings (read from the build's own settings, each with a default):

- ``FEEDS_SITEURL``: absolute base URL for permalinks and feed links (falls back to
  ``SITEURL``; a build with neither absolute is refused, since feed links must be
  absolute even in a local build with ``RELATIVE_URLS``).
- ``FEEDS_MAX_ITEMS``: newest entries per feed (default 50; ``None`` for all). When
  it is absent, Pelican's ``FEED_MAX_ITEMS`` is used if the settings give it a value
  other than Pelican's own default (100), which cannot be told apart from unset.
- ``FEEDS_MAX_BYTES``: the most bytes a feed file may have (default 2,000,000;
  ``None`` for no limit; ``FEED_MAX_BYTES`` when absent). A feed that would be
  larger drops the full content of its oldest entries first, keeping their summary
  and link, as many as it takes; if summaries alone are still too large, its oldest
  entries are left out, with a warning. Sizes are those of the rendered bytes.
- ``FEEDS_TAG_AUTHORITY``: authority of ``tag:`` ids made here (default
  ``broadsheet``).
- ``AUTHOR`` (else ``SITENAME``): the feed-level author, so that every Atom entry
  has one.

Entries. Every entry has a title, our permalink, full HTML content with every URL
absolute (the lead image with its caption and credit first, when there is one), a
summary, published and updated dates, an author (``Byline``, else ``Source``),
categories from the tags, the lead image (``Image``) as an enclosure (RSS
``<enclosure>`` with length ``0``, the size being unknown; Atom
``<link rel="enclosure">``; JSON Feed ``image``) and, when ``Source_url`` is known,
the original article's URL (Atom ``<link rel="related">``, JSON Feed
``external_url``) and a "Read the original at <Outlet>" line ending the content.
An outlet whose ``content/sources.yml`` entry says ``full_text: false`` (matched as
the importer matches outlets: the ``Source_url`` host against ``domains``, else
``Source`` against ``name`` and ``names``) gets the summary and that line only,
never the full text.

Entry ids. An article's id is its ``Uid`` metadata, written once at import and never
changed, so a retitled, re-slugged, re-tagged or moved article stays the same entry
for subscribers. An article without ``Uid`` (written by hand) gets
``tag:<authority>,<YYYY-MM-DD>:<path>``, where the date is the article's ``Date``
as written (its own calendar day, not converted) and ``<path>`` is its source file
relative to the content directory, percent-encoded: stable across title, slug and
tag edits, but it changes if the file is moved or its Date is edited, so give
long-lived hand-written articles a ``Uid``. A digest issue's id is
``tag:<authority>,<YYYY-MM-DD>:digest/<slug>`` from its file name
(``content/digests/YYYY-MM-DD-<slug>.md``): editing its title, text or ``Date``
keeps it, renaming the file gives subscribers a new entry.

Dates. Pelican makes article dates aware in ``TIMEZONE``; any naive date that
still reaches the feed is taken as UTC. Entry ``updated`` is ``Modified`` or else
``Date``; the feed's ``updated`` (Atom) and ``lastBuildDate`` (RSS) are the newest
entry's ``updated`` (the Unix epoch for an empty feed), never the build time, so
two builds of the same content give byte-identical feeds. A date that cannot be
made timezone-aware raises ``FeedError`` naming the article file.

Templates. When the plugin is listed, every template gets ``feeds_site`` (the site
feeds, a list of ``FeedLink``: ``format``, ``media_type``, ``title``, ``path``
relative to the site, absolute ``url``), ``feeds_digest`` (the digest feeds),
``feeds_opml`` (a ``FeedLink`` or ``None``) and two functions returning lists of
``FeedLink``: ``feeds_for_tag(tag)`` and ``feeds_for_category(category)``. Each
lists only feeds the build writes.

Between builds. With Pelican's content cache on (publishconf.py turns it on when
``BROADSHEET_CONTENT_CACHE`` names a folder; see ``broadsheet.buildcache``), every feed
file written is kept in ``CACHE_PATH/feeds/`` with the key of everything it is made
from, and the next build puts a kept file back (a hard link into the output folder,
which a publish build empties first) instead of rendering it again when its key is the
same. A feed file's key (``feed_file_key``) is made of the site's values
(``code_version()``, the whole ``FeedPlan``: every feed path, the site URL, title,
subtitle, language and author, ``FEEDS_MAX_ITEMS`` and ``FEEDS_MAX_BYTES``; and the
``ITEM_SETTINGS``), the feed's own ``FeedInfo`` and ``FeedLink``, and its entries' keys
in order: an article's is the digest of its ``EntryInputs``, every value its entry is
made from, read off the article by every build (its HTML with its links to other
contents resolved, its outlet's full-text rule…); a digest issue's is the digest of its
finished entry. A feed's ``updated`` date, and which of its entries keep their full
content within ``FEEDS_MAX_BYTES``, follow from those, so a feed file is rendered again
exactly when something it shows has changed, and an entry is made (``item_from_inputs``)
only for the feeds that are. A kept file changed since (``FileStore`` checks its size
and time) or a cache from other code or unreadable is not used. The OPML list is always
written. Without the content cache nothing is read or kept. (A fit_to_budget warning is
logged by the build that renders the feed, not by those that put it back.)

Beside the pages. A site of ``FEEDS_PARALLEL_MIN_ARTICLES`` articles or more (default
500; ``None``: never) has its feeds written by a process forked when Pelican starts
writing (``get_writer``, once every generator has built its context and Pelican has
resolved the links in summaries), while this one writes the pages: at 10,000 articles
some 4,600 feed files, a quarter of a cold build's time on one core. The feeds depend on
the context alone, never on a page. That process runs at a lower priority (``NICENESS``):
the article pages, which the search index waits for, and then Pagefind, which a cold
build ends waiting for, go first, and the feeds take the time left over (in interleaved
cold builds at 10,000 articles, 47.9, 52.8 and 55.8 s against 51.4, 59.2 and 62.2 s at
the build's own priority). ``article_writer_finalized`` then waits for that
process, logs its warnings and errors here (so ``tasks.py build`` counts them), and
raises what stopped it; its files are the bytes this process would have written. A
build that fails before that point stops the process (at the next build's start, or
when the interpreter exits). Smaller sites, and systems without ``fork``, write the
feeds at ``article_writer_finalized`` in this process.

Signals. ``article_generator_finalized`` puts the links in the context before any
template is rendered (and refuses bad settings before anything is written).
``article_writer_finalized`` writes the feeds (or takes in those written beside the
pages): its sender is the ArticlesGenerator itself, after every article has been read,
tagged and written, with the digests plugin's issues in its context. Pelican's signals
are process-global, so every handler does nothing unless ``feeds`` is in the running
build's ``PLUGINS``.

feedgen's getter-setter camelCase API is used only in ``feed_generator``.
"""

from __future__ import annotations

import json
import logging
import mimetypes
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from copy import deepcopy
from dataclasses import dataclass, replace
from dataclasses import fields as dataclass_fields
from datetime import UTC, date, datetime
from functools import cached_property
from itertools import chain
from operator import attrgetter
from pathlib import Path, PurePosixPath
from typing import TypeVar
from urllib.parse import quote, urljoin, urlsplit

from bs4 import BeautifulSoup
from bs4.builder import HTMLTreeBuilder
from feedgen.feed import FeedGenerator
from lxml import etree
from markupsafe import escape
from pelican import signals
from pelican.settings import DEFAULT_CONFIG
from pelican.utils import sanitised_join, truncate_html_words

from broadsheet.buildcache import (
    FileStore,
    cache_folder,
    code_version,
    count_reuse,
    digest_of,
    place,
)
from broadsheet.errors import BuildError
from broadsheet.forked import Running, start, stop_running
from broadsheet.plugins import plugin_listed
from broadsheet.reader import first_paragraph, outlet_allows_full_text
from broadsheet.sanitize import safe_url
from broadsheet.seo import metadata_url
from broadsheet.sources import Outlet, load_outlets

logger = logging.getLogger(__name__)

PLUGIN_NAME = "feeds"
CACHE_FOLDER = "feeds"  # under CACHE_PATH: the feed files kept between builds
DIGESTS_PLUGIN_NAME = "digests"
DEFAULT_MAX_ITEMS = 50
DEFAULT_MAX_BYTES = 2_000_000
DEFAULT_TAG_AUTHORITY = "broadsheet"
GENERATOR_NAME = "Broadsheet"
SOURCES_FILE = "sources.yml"  # in PATH, as tasks.py import reads it
EMPTY_FEED_UPDATED = datetime(1970, 1, 1, tzinfo=UTC)
URL_ATTRIBUTES = ("href", "src", "poster")
# What BeautifulSoup (html.parser, "minimal" formatter) writes back as it reads it; see
# is_absolute_serialised. Plain elements only: none that html.parser reads as raw text
# (script, style…), that BeautifulSoup keeps apart (template, rt, rp) or whose
# whitespace it preserves (pre, textarea).
_SERIALISED_ELEMENT_NAMES = (
    "h1 h2 h3 h4 h5 h6 p div blockquote figure figcaption ul ol li dl dt dd br hr img "
    "a abbr b cite code del em i ins mark q s small span strong sub sup u"
)
SERIALISED_ELEMENTS = frozenset(_SERIALISED_ELEMENT_NAMES.split())
SERIALISED_VOID_ELEMENTS = frozenset({"br", "hr", "img"})
_SPECIAL_CHARACTER_RE = re.compile(r"[<>&\r\x00]")
_SERIALISED_ENTITY_RE = re.compile(r"&(?:amp|lt|gt);")
_SERIALISED_TAG_RE = re.compile(
    r'<(/?)([a-z][a-z0-9]*)((?: [a-z][a-z0-9-]*="(?:[^"<>&\r\x00]|&amp;)*")*)(/?)>'
)
_SERIALISED_ATTRIBUTE_RE = re.compile(r' ([a-z][a-z0-9-]*)="([^"]*)"')
_NON_WHITESPACE_RE = re.compile(r"\S+")
_ASCII_SPACES = BeautifulSoup.ASCII_SPACES  # the whitespace it collapses between tags
# Attributes BeautifulSoup reads as whitespace-separated lists, whatever the element.
_LIST_ATTRIBUTES = frozenset(
    chain.from_iterable(HTMLTreeBuilder.DEFAULT_CDATA_LIST_ATTRIBUTES.values())
)
DEFAULT_IMAGE_TYPE = "image/jpeg"  # news lead images without a telling extension
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
ATOM_NS = "http://www.w3.org/2005/Atom"
ENTRY_TAGS = {"atom": f"{{{ATOM_NS}}}entry", "rss": "item"}  # as parsed from feedgen's XML
MEDIA_TYPES = {
    "atom": "application/atom+xml",
    "rss": "application/rss+xml",
    "json": "application/feed+json",
}
FORMAT_NAMES = {"atom": "Atom", "rss": "RSS", "json": "JSON Feed"}
SITE_FEED_PATHS = {"atom": "FEEDS_ATOM_PATH", "rss": "FEEDS_RSS_PATH", "json": "FEEDS_JSON_PATH"}
TAG_FEED_PATHS = {"atom": "FEEDS_TAG_ATOM_PATH", "rss": "FEEDS_TAG_RSS_PATH"}
CATEGORY_FEED_PATHS = {"atom": "FEEDS_CATEGORY_ATOM_PATH", "rss": "FEEDS_CATEGORY_RSS_PATH"}
DIGEST_FEED_PATHS = {"atom": "FEEDS_DIGEST_ATOM_PATH", "rss": "FEEDS_DIGEST_RSS_PATH"}
_DIGEST_FILE_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})-")


class FeedError(BuildError):
    """An article or setting that would make a broken feed."""


@dataclass(frozen=True)
class FeedImage:
    """An entry's lead image: absolute URL and media type (its size is unknown)."""

    url: str
    media_type: str


@dataclass(frozen=True)
class FeedItem:
    """One feed entry, every value final (absolute URLs, aware dates).

    ``content`` is the full HTML; ``brief`` the summary and the link to the original,
    what an entry carries instead when its outlet forbids full text or the feed's size
    budget drops its content.
    """

    id: str
    title: str
    link: str
    content: str
    summary: str
    published: datetime
    updated: datetime
    author: str | None
    categories: tuple[str, ...]
    source_path: str
    brief: str = ""
    external_url: str | None = None
    image: FeedImage | None = None

    def summary_as_text(self) -> str:
        """The summary as plain text (JSON Feed's ``summary``).

        Made when a JSON feed is rendered, not with the entry: only the site's JSON
        feed needs it, for its newest entries, out of every article's entry.
        """
        return plain_text(self.summary)

    def briefed(self) -> FeedItem:
        """This entry with its content cut to the summary and the link."""
        return replace(self, content=self.brief or self.summary)

    @cached_property
    def key(self) -> str:
        """A digest of every field: equal keys make equal entries (as EntryInputs.key)."""
        return digest_of(repr(self))


@dataclass(frozen=True)
class FeedInfo:
    """Feed-level values shared by every format."""

    title: str
    subtitle: str
    site_url: str  # the alternate link: the home, tag, category or archive page
    language: str
    author: str = ""


@dataclass(frozen=True)
class FeedLink:
    """A feed as the theme links to it (autodiscovery, "follow" links) and OPML lists it."""

    format: str  # atom, rss or json
    media_type: str
    title: str
    path: str  # relative to the site: "{{ SITEURL }}/{{ feed.path }}"
    url: str  # absolute, from FEEDS_SITEURL
    html_url: str = ""  # the page the feed follows


# --- helpers on plain data ---------------------------------------------------------------------


def to_aware_datetime(value: object, source_path: str) -> datetime:
    """Return value as an aware datetime (naive means UTC), or raise FeedError."""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            return value.replace(tzinfo=UTC)
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    raise FeedError(
        f"{source_path}: date {value!r} cannot be made timezone-aware; "
        "give the article a valid Date (ISO 8601)"
    )


def join_site_url(site_url: str, path: str) -> str:
    """Join a site-relative path (an article's url, a feed path) to the site URL."""
    return site_url.rstrip("/") + "/" + path.lstrip("/")


def absolutize_html(html: str, base_url: str) -> str:
    """Return html with every relative href, src, poster and srcset made absolute.

    The result is BeautifulSoup's serialisation (html.parser) of the rewritten markup.
    Markup that serialisation would give back unchanged, with no URL to rewrite, is
    returned as it is without being parsed (``is_absolute_serialised``): the same
    string, most bodies and summaries being in that form already.
    """
    if is_absolute_serialised(html, base_url):
        return html
    return absolutize_parsed_html(html, base_url)


def is_absolute_serialised(html: str, base_url: str) -> bool:
    """True when ``absolutize_parsed_html(html, base_url)`` would return html unchanged.

    That is when html is written as BeautifulSoup writes it and every URL attribute is
    absolute already. Conservative: anything outside the narrow form below is False
    (and gets parsed), never a guess. The form: elements of ``SERIALISED_ELEMENTS``
    only, balanced; start tags ``<name a="v" b="w">`` with lowercase attribute names in
    sorted order, each once, double-quoted values without ``"<>`` and with ``&`` only
    as ``&amp;``; ``<br/>``, ``<hr/>`` and ``<img …/>`` closed so and nothing else;
    text without ``<``, ``>``, carriage returns or NULs, ``&`` only in ``&amp;``,
    ``&lt;`` and ``&gt;``, and no run of ASCII whitespace alone between tags other than
    one space or one newline (BeautifulSoup collapses the others); the whitespace
    of multi-valued attributes (``class``, ``rel``…) single spaces between values.
    """
    open_elements: list[str] = []
    position = text_start = 0
    while special := _SPECIAL_CHARACTER_RE.search(html, position):
        start = special.start()
        if html[start] == "&":
            entity = _SERIALISED_ENTITY_RE.match(html, start)
            if entity is None:
                return False
            position = entity.end()
            continue
        tag = _SERIALISED_TAG_RE.match(html, start) if html[start] == "<" else None
        if tag is None or not (
            is_serialised_text(html[text_start:start])
            and is_serialised_tag(tag, open_elements, base_url)
        ):
            return False
        position = text_start = tag.end()
    return not open_elements and is_serialised_text(html[text_start:])


def is_serialised_text(text: str) -> bool:
    """False for text between tags that BeautifulSoup collapses: blank, not one space or newline."""
    return not text or text in (" ", "\n") or bool(text.strip(_ASCII_SPACES))


def is_serialised_tag(tag: re.Match, open_elements: list[str], base_url: str) -> bool:
    """True when a ``_SERIALISED_TAG_RE`` match is as BeautifulSoup writes it, URLs absolute.

    Pushes a start tag's name on ``open_elements``; an end tag must pop its own.
    """
    closing, name, attributes, self_closing = tag.groups()
    if name not in SERIALISED_ELEMENTS:
        return False
    void = name in SERIALISED_VOID_ELEMENTS
    if closing:
        if void or attributes or self_closing or not open_elements:
            return False
        return open_elements.pop() == name
    if void != bool(self_closing):
        return False
    if not void:
        open_elements.append(name)
    pairs = _SERIALISED_ATTRIBUTE_RE.findall(attributes)
    names = [attribute for attribute, _ in pairs]
    if names != sorted(set(names)):
        return False
    for attribute, written in pairs:
        value = written.replace("&amp;", "&")
        if attribute in _LIST_ATTRIBUTES and value != " ".join(_NON_WHITESPACE_RE.findall(value)):
            return False
        if attribute in URL_ATTRIBUTES and urljoin(base_url, value.strip()) != value:
            return False
        if attribute == "srcset" and absolutize_srcset(value, base_url) != value:
            return False
    return True


def absolutize_parsed_html(html: str, base_url: str) -> str:
    """absolutize_html by parsing html with BeautifulSoup, whatever its form."""
    soup = BeautifulSoup(html, "html.parser")
    for element in soup.find_all(True):
        for attribute in URL_ATTRIBUTES:
            value = element.get(attribute)
            if isinstance(value, str):
                element[attribute] = urljoin(base_url, value.strip())
        srcset = element.get("srcset")
        if isinstance(srcset, str):
            element["srcset"] = absolutize_srcset(srcset, base_url)
    return str(soup)


def absolutize_srcset(srcset: str, base_url: str) -> str:
    """Return a srcset attribute with each candidate URL made absolute."""
    candidates = []
    for candidate in srcset.split(","):
        parts = candidate.split()
        if parts:
            candidates.append(" ".join([urljoin(base_url, parts[0]), *parts[1:]]))
    return ", ".join(candidates)


def plain_text(html: str) -> str:
    """Return the text of an HTML fragment, whitespace collapsed."""
    return " ".join(BeautifulSoup(html, "html.parser").get_text(" ").split())


def fallback_entry_id(relative_source_path: str, published: datetime, authority: str) -> str:
    """Return the stable tag: id of an article that has no Uid."""
    path = quote(Path(relative_source_path).as_posix())
    return f"tag:{authority},{published:%Y-%m-%d}:{path}"


def digest_entry_id(file_path: str, slug: str, authority: str) -> str:
    """Return a digest issue's tag: id, from its file name's date and its slug."""
    named = _DIGEST_FILE_RE.match(PurePosixPath(file_path.replace("\\", "/")).name)
    if not named:
        raise FeedError(f"{file_path}: a digest file is named YYYY-MM-DD-<slug>.md")
    return f"tag:{authority},{named.group(1)}:digest/{quote(slug)}"


def original_link_html(source: str | None, source_url: str) -> str:
    """Return the "Read the original at <Source>" paragraph appended to feed content."""
    name = source or urlsplit(source_url).hostname or source_url
    return (
        f'<p class="original"><a href="{escape(source_url)}">'
        f"Read the original at {escape(name)}</a></p>"
    )


def plain_summary(content_html: str, settings: Mapping) -> str:
    """Return the summary Pelican would make from content, for articles without Summary."""
    max_words = settings.get("SUMMARY_MAX_LENGTH")
    if max_words is None:
        return content_html
    return truncate_html_words(content_html, max_words, settings.get("SUMMARY_END_SUFFIX", "…"))


def image_media_type(url: str) -> str:
    """The media type an image URL's extension tells, else JPEG."""
    guessed, _ = mimetypes.guess_type(urlsplit(url).path)
    return guessed if guessed and guessed.startswith("image/") else DEFAULT_IMAGE_TYPE


def lead_image_html(image_url: str, caption: str | None, credit: str | None) -> str:
    """The lead image as the article page shows it: a figure with caption and credit."""
    parts = []
    if caption:
        parts.append(f'<span class="caption">{escape(caption)}</span>')
    if credit:
        parts.append(f'<span class="credit">Photo: {escape(credit)}</span>')
    figcaption = f"<figcaption>{' '.join(parts)}</figcaption>" if parts else ""
    # Attributes in BeautifulSoup's (sorted) order, which absolutize_html writes anyway:
    # the figure is then left unparsed there.
    return (
        f'<figure class="lead-image"><img alt="{escape(caption or "")}" '
        f'src="{escape(image_url)}"/>{figcaption}</figure>'
    )


# The settings an entry is made with (item_from_inputs), beyond what EntryInputs holds.
ITEM_SETTINGS = ("SUMMARY_MAX_LENGTH", "SUMMARY_END_SUFFIX")


# eq=False: hashed as itself (a build ranks its entries by them); not frozen: quicker to make.
@dataclass(eq=False)
class EntryInputs:
    """Everything an article's feed entry is made of, read off the article.

    ``item_from_inputs`` makes the entry from these, the feeds' site URL and the
    ``ITEM_SETTINGS`` alone, so ``key`` (their digest) stands for the finished entry in
    the key of every feed file that holds it. ``id``, ``published`` and ``source_path``
    are the entry's own: feeds choose and order their entries by them (``newest_first``)
    before any is made. URLs are kept as the article gives them and made safe and
    absolute with the entry, which most builds never make. Read once, never changed.
    """

    id: str
    source_path: str
    published: datetime
    updated: datetime
    link: str
    title: str
    body: str  # the article's HTML, its links to other contents resolved
    summary: str | None  # its Summary metadata; None when it has none
    source: str | None
    source_url: str | None  # as the article gives it
    full_text: bool  # its outlet allows the full text in feeds
    image: str | None  # as the article gives it
    image_caption: str | None
    image_credit: str | None
    byline: str
    categories: tuple[str, ...]

    @cached_property
    def key(self) -> str:
        """A digest of every field: equal keys make equal entries.

        The body, the one long field, is hashed as it is rather than through repr; it
        comes last, after the repr of the others, which holds no separator (\\x1f).
        """
        return digest_of(repr((_entry_input_fields(self), type(self.body).__name__)), self.body)


# Every field of EntryInputs but the body, as a tuple.
_entry_input_fields = attrgetter(
    *(field.name for field in dataclass_fields(EntryInputs) if field.name != "body")
)


def read_entry_inputs(
    article, site_url: str, settings: Mapping, outlets: Sequence[Outlet] = ()
) -> EntryInputs:
    """Read what a Pelican article's feed entry is made of, or raise FeedError.

    ``outlets`` are sources.yml's rules; only those that forbid full text are looked up.
    """
    source_path = article.source_path
    published = to_aware_datetime(getattr(article, "date", None), source_path)
    modified = getattr(article, "modified", None)
    updated = published if modified is None else to_aware_datetime(modified, source_path)

    uid = str(getattr(article, "uid", "") or "").strip()
    entry_id = uid or fallback_entry_id(
        article.relative_source_path,
        published,
        settings.get("FEEDS_TAG_AUTHORITY", DEFAULT_TAG_AUTHORITY),
    )
    source = str(getattr(article, "source", "") or "").strip() or None
    source_url = getattr(article, "source_url", None)
    full_text = True  # what outlet_allows_full_text says when no outlet forbids it
    if any(not outlet.full_text for outlet in outlets):
        full_text = outlet_allows_full_text(source, safe_url(source_url), outlets)
    return EntryInputs(
        id=entry_id,
        source_path=source_path,
        published=published,
        updated=updated,
        link=join_site_url(site_url, article.url),
        title=str(article.title),
        body=article.get_content(site_url),
        summary=article.metadata.get("summary"),
        source=source,
        source_url=source_url,
        full_text=full_text,
        image=getattr(article, "image", None),
        image_caption=getattr(article, "image_caption", None),
        image_credit=getattr(article, "image_credit", None),
        byline=str(getattr(article, "byline", "") or "").strip(),
        categories=tuple([tag.name for tag in getattr(article, "tags", None) or ()]),
    )


def item_from_inputs(inputs: EntryInputs, site_url: str, settings: Mapping) -> FeedItem:
    """Make an article's feed entry from what was read off it."""
    body, link, full_text = inputs.body, inputs.link, inputs.full_text
    if inputs.summary is not None:
        summary = inputs.summary
    elif full_text:
        summary = plain_summary(body, settings)
    else:  # Pelican's summary may be the whole of a short text: the importer's rule
        summary = first_paragraph(body)
    source_url = safe_url(inputs.source_url)
    original = "\n" + original_link_html(inputs.source, source_url) if source_url else ""

    # A lead image kept on the site (images/…) at its absolute URL here; an outlet's as it is.
    image_url = metadata_url(inputs.image, site_url)
    image = FeedImage(image_url, image_media_type(image_url)) if image_url else None
    if image:
        body = lead_image_html(image.url, inputs.image_caption, inputs.image_credit) + body

    summary = absolutize_html(summary, link)
    brief = summary + original  # the original's URL is absolute already
    content = absolutize_html(body + original, link) if full_text else brief
    return FeedItem(
        id=inputs.id,
        title=inputs.title,
        link=link,
        content=content,
        summary=summary,
        published=inputs.published,
        updated=inputs.updated,
        author=inputs.byline or inputs.source,
        categories=inputs.categories,
        source_path=inputs.source_path,
        brief=brief,
        external_url=source_url,
        image=image,
    )


def item_from_article(
    article, site_url: str, settings: Mapping, outlets: Sequence[Outlet] = ()
) -> FeedItem:
    """Return the feed entry of a Pelican article."""
    inputs = read_entry_inputs(article, site_url, settings, outlets)
    return item_from_inputs(inputs, site_url, settings)


def issue_html(issue, site_url: str) -> str:
    """A digest issue as one HTML document: introduction, then each section's stories."""
    parts = [issue.intro] if issue.intro else []
    for section in issue.sections:
        parts.append(f"<h2>{escape(section.title)}</h2>")
        for story in section.stories:
            article = story.article
            if getattr(article, "withdrawn", False) is True:
                # plugins/digests' stand-in for a story withdrawn since: "<headline> (withdrawn)"
                # and nothing more, not even a link.
                parts.append(f"<h3>{escape(str(article.title))}</h3>")
                continue
            permalink = join_site_url(site_url, article.url)
            parts.append(f'<h3><a href="{escape(permalink)}">{escape(str(article.title))}</a></h3>')
            source = str(article.metadata.get("source") or "").strip()
            if source:
                parts.append(f'<p class="source">{escape(source)}</p>')
            if story.note:
                parts.append(story.note)
    return "\n".join(parts)


def item_from_issue(issue, site_url: str, settings: Mapping) -> FeedItem:
    """Return the feed entry of a published digest issue (plugins/digests' ``Issue``)."""
    when = to_aware_datetime(issue.date, issue.source_path)
    link = join_site_url(site_url, issue.url)
    summary = f"<p>{escape(issue.summary)}</p>" if issue.summary else ""
    if not summary:
        summary = plain_summary(issue.intro, settings) if issue.intro else ""
    return FeedItem(
        id=digest_entry_id(
            issue.source_path,
            issue.slug,
            settings.get("FEEDS_TAG_AUTHORITY", DEFAULT_TAG_AUTHORITY),
        ),
        title=issue.title,
        link=link,
        content=absolutize_html(issue_html(issue, site_url), link),
        summary=absolutize_html(summary, link),
        published=when,
        updated=when,
        author=None,
        categories=(),
        source_path=issue.source_path,
        brief=absolutize_html(summary, link),
    )


Entry = TypeVar("Entry", EntryInputs, FeedItem)


def select_items(items: Iterable[Entry], max_items: int | None) -> list[Entry]:
    """Return items newest first (ties by id), at most max_items; refuse duplicate ids."""
    ordered = newest_first(items)
    return ordered if max_items is None else ordered[:max_items]


def newest_first(items: Iterable[Entry]) -> list[Entry]:
    """Return items (FeedItems or EntryInputs) newest first, ties by id; refuse duplicate ids."""
    ordered = sorted(items, key=newest_first_key, reverse=True)
    seen: dict[str, str] = {}
    for item in ordered:
        if item.id in seen:
            raise FeedError(
                f"{item.source_path}: feed id {item.id!r} is already used by {seen[item.id]}"
            )
        seen[item.id] = item.source_path
    return ordered


def newest_first_key(item: Entry) -> tuple[datetime, str]:
    """An entry's published date and id, the date in UTC when it is aware.

    The same order as the dates' own; dates in one time zone object compare without
    asking each its offset again, as dates with a time zone object each (as Pelican
    reads them) do, twice for every comparison.
    """
    published = item.published
    if published.tzinfo is not None:
        published = published.astimezone(UTC)
    return published, item.id


def feed_updated(items: Sequence[FeedItem]) -> datetime:
    """Return the feed's updated date: the newest entry's, never the build time."""
    return max((item.updated for item in items), default=EMPTY_FEED_UPDATED)


# --- rendering ---------------------------------------------------------------------------------


class EntryElements:
    """Feed entries' XML elements, built once per format and reused by the build's feeds.

    An entry's XML depends on its FeedItem and the feed's format alone, not on the feed it
    is in, so an article in the site feed and in a dozen tag feeds is built by feedgen once
    per format and copied into the others. An element is kept only while feeds still to
    be rendered want it (``wanted``: one (format, item) per feed that has the item), so
    memory holds the entries in flight, not every article's; an entry not wanted again, or
    not counted (a fit_to_budget retry, a render_feed without a plan), is not kept.
    """

    def __init__(self, wanted: Iterable[tuple[str, FeedItem]] = ()) -> None:
        self.wanted = Counter(wanted)
        self.kept: dict[tuple[str, FeedItem], etree._Element] = {}

    def __contains__(self, key: tuple[str, FeedItem]) -> bool:
        return key in self.kept

    def use(self, key: tuple[str, FeedItem], built: etree._Element | None = None) -> etree._Element:
        """The element for one more feed: ``built`` for it, else the one kept (or a copy)."""
        self.wanted[key] -= 1
        last = self.wanted[key] <= 0
        if built is None:
            return self.kept.pop(key) if last else deepcopy(self.kept[key])
        if not last:
            self.kept[key] = deepcopy(built)
        return built


def render_feed(
    feed_format: str,
    info: FeedInfo,
    feed_url: str,
    items: Sequence[FeedItem],
    entries: EntryElements | None = None,
) -> bytes:
    """Return the Atom, RSS 2.0 or JSON Feed document for items.

    An Atom or RSS document is feedgen's (``feed_generator``) of the feed and the items
    that ``entries`` does not have yet, parsed; its entries are then laid out in order,
    each one just built or a copy of one built for an earlier feed, and the tree is
    serialised as feedgen serialises it (RSS) or re-indented (Atom, for its entry links):
    the same tree, so the same bytes, as when feedgen writes every entry itself.
    """
    if feed_format == "json":
        return render_json_feed(info, feed_url, items)
    if entries is None:
        entries = EntryElements()
    keys = [(feed_format, item) for item in items]
    fresh, seen = [], set()
    for key in keys:  # a kept entry serves one place; another (no feed has two) is built
        fresh.append(key not in entries or key in seen)
        seen.add(key)
    new_items = [item for item, is_new in zip(items, fresh, strict=True) if is_new]
    generator = feed_generator(feed_format, info, feed_url, feed_updated(items), new_items)
    if feed_format == "atom":
        root = etree.fromstring(generator.atom_str(pretty=False))
    else:
        root = etree.fromstring(generator.rss_str(pretty=False))
    parent = root if feed_format == "atom" else root.find("channel")
    built = parent.findall(ENTRY_TAGS[feed_format])  # feedgen writes entries last
    for element, item in zip(built, new_items, strict=True):
        parent.remove(element)
        if feed_format == "atom":
            write_atom_entry_links(element, item)
    built_elements = iter(built)
    for key, is_new in zip(keys, fresh, strict=True):
        parent.append(entries.use(key, next(built_elements) if is_new else None))
    if feed_format == "atom":
        etree.indent(root, space="  ")
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8") + b"\n"
    return etree.tostring(root, pretty_print=True, xml_declaration=True, encoding="UTF-8")


def feed_generator(
    feed_format: str, info: FeedInfo, feed_url: str, updated: datetime, items: Sequence[FeedItem]
) -> FeedGenerator:
    """feedgen's Atom or RSS model of the feed and items."""
    generator = FeedGenerator()
    generator.load_extension("dc", atom=False, rss=True)  # RSS authors without email
    generator.id(feed_url)
    generator.title(info.title)
    generator.subtitle(info.subtitle)
    generator.language(info.language)
    generator.generator(GENERATOR_NAME)
    if info.author:
        generator.author(name=info.author)  # Atom only: RSS authors need an email
    generator.link(href=feed_url, rel="self", type=MEDIA_TYPES[feed_format])
    # RSS uses the last link given as the channel <link>: the site, not the feed.
    generator.link(href=info.site_url, rel="alternate", type="text/html")
    # Also sets RSS lastBuildDate, which feedgen otherwise sets to now.
    generator.updated(updated)

    for item in items:
        entry = generator.add_entry(order="append")
        entry.id(item.id)  # Atom id and RSS guid isPermaLink="false"
        entry.title(item.title)
        entry.link(href=item.link, rel="alternate", type="text/html")
        if item.image and feed_format == "rss":
            entry.link(href=item.image.url, rel="enclosure", type=item.image.media_type)
        entry.content(item.content, type="html")
        entry.summary(item.summary, type="html")
        entry.published(item.published)
        entry.updated(item.updated)
        if item.author:
            entry.author(name=item.author)
            entry.dc.dc_creator(item.author)
        for term in item.categories:
            entry.category(term=term)

    return generator


def write_atom_entry_links(element: etree._Element, item: FeedItem) -> None:
    """Write an Atom entry's links (alternate, related, enclosure) in full.

    feedgen 1.0 writes an entry's links with their href only (lkiesow/python-feedgen
    #135), which would turn the related and enclosure links into more alternates.
    """
    for old in element.findall(f"{{{ATOM_NS}}}link"):
        element.remove(old)
    links = [{"rel": "alternate", "type": "text/html", "href": item.link}]
    if item.external_url:
        links.append({"rel": "related", "type": "text/html", "href": item.external_url})
    if item.image:
        image = item.image
        links.append({"rel": "enclosure", "type": image.media_type, "href": image.url})
    anchor = element.find(f"{{{ATOM_NS}}}updated")
    for attributes in links:
        link = etree.Element(f"{{{ATOM_NS}}}link", attributes)
        anchor.addnext(link)
        anchor = link


def render_json_feed(info: FeedInfo, feed_url: str, items: Sequence[FeedItem]) -> bytes:
    """Return the JSON Feed 1.1 document for items (keys in a fixed order, UTF-8)."""
    document: dict[str, object] = {
        "version": JSON_FEED_VERSION,
        "title": info.title,
        "home_page_url": info.site_url,
        "feed_url": feed_url,
        "description": info.subtitle,
        "language": info.language,
    }
    if info.author:
        document["authors"] = [{"name": info.author}]
    document["items"] = [json_feed_item(item) for item in items]
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def json_feed_item(item: FeedItem) -> dict[str, object]:
    """One JSON Feed 1.1 item; optional keys only when they have a value."""
    entry: dict[str, object] = {"id": item.id, "url": item.link}
    if item.external_url:
        entry["external_url"] = item.external_url
    entry["title"] = item.title
    entry["content_html"] = item.content
    summary = item.summary_as_text()
    if summary:
        entry["summary"] = summary
    if item.image:
        entry["image"] = item.image.url
    entry["date_published"] = item.published.isoformat()
    entry["date_modified"] = item.updated.isoformat()
    if item.author:
        entry["authors"] = [{"name": item.author}]
    if item.categories:
        entry["tags"] = list(item.categories)
    return entry


def render_opml(title: str, groups: Sequence[tuple[str, Sequence[FeedLink]]]) -> bytes:
    """Return an OPML 2.0 subscription list: one outline per group, one per feed."""
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = title
    body = etree.SubElement(root, "body")
    for name, links in groups:
        if not links:
            continue
        group = etree.SubElement(body, "outline", text=name, title=name)
        for link in links:
            etree.SubElement(
                group,
                "outline",
                type="rss",
                text=link.title,
                title=link.title,
                xmlUrl=link.url,
                htmlUrl=link.html_url,
            )
    etree.indent(root, space="  ")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8") + b"\n"


def fit_to_budget(
    render: Callable[[Sequence[FeedItem]], bytes],
    items: Sequence[FeedItem],
    max_bytes: int | None,
    feed_path: str,
    content_size: Callable[[str], int] | None = None,
) -> bytes:
    """Render items within max_bytes: the oldest entries lose their full content first.

    The newest ``n`` entries keep full content and the rest are briefed, for the largest
    ``n`` whose rendering fits. Every candidate is rendered and measured; ``content_size``
    (a content's size once written in this format) only predicts the first candidate,
    so that a feed of thousands of entries is rendered a few times, not a dozen. When
    even all-brief entries do not fit, the oldest are left out, with a warning.
    """
    document = render(items)
    if max_bytes is None or len(document) <= max_bytes:
        return document
    briefed = [item.briefed() for item in items]

    def with_full(count: int) -> Sequence[FeedItem]:
        return [*items[:count], *briefed[count:]]

    smallest = render(briefed)
    if len(smallest) <= max_bytes:
        guess = None
        if content_size is not None:
            guess, size = 0, len(smallest)
            for item, brief in zip(items, briefed, strict=True):
                size += content_size(item.content) - content_size(brief.content)
                if size > max_bytes:
                    break
                guess += 1
        fitted = largest_fitting(
            lambda count: render(with_full(count)), len(items), max_bytes, guess
        )
        return fitted[1]
    count, document = largest_fitting(lambda count: render(briefed[:count]), len(items), max_bytes)
    if count is None:
        raise FeedError(
            f"{feed_path}: FEEDS_MAX_BYTES {max_bytes} is smaller than the feed with no entries"
        )
    logger.warning(
        "%s: only the newest %d of %d entries fit in FEEDS_MAX_BYTES %d, even without "
        "their full content",
        feed_path,
        count,
        len(items),
        max_bytes,
    )
    return document


def largest_fitting(
    render: Callable[[int], bytes], upper: int, max_bytes: int, guess: int | None = None
) -> tuple[int | None, bytes]:
    """The largest count in [0, upper) whose rendering fits max_bytes, and that rendering.

    Tries ``guess`` and the count after it first, then bisects what is left (assuming
    size grows with count); whatever it returns was rendered and does fit.
    """
    best: tuple[int | None, bytes] = (None, b"")
    low, high = 0, upper - 1

    def probe(count: int) -> None:
        nonlocal best, low, high
        document = render(count)
        if len(document) <= max_bytes:
            best, low = (count, document), count + 1
        else:
            high = count - 1

    if guess is not None and low <= guess <= high:
        probe(guess)
        if low == guess + 1 and low <= high:
            probe(low)
    while low <= high:
        probe((low + high) // 2)
    return best


def written_size(feed_format: str, html: str) -> int:
    """The bytes a content string takes once written in a feed of this format."""
    if feed_format == "json":
        return len(json.dumps(html, ensure_ascii=False).encode("utf-8"))
    escaped = html.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return len(escaped.replace("\r", "&#13;").encode("utf-8"))


# --- settings ----------------------------------------------------------------------------------


def plugin_enabled(settings: Mapping) -> bool:
    """True when the running build lists this plugin."""
    return plugin_listed(settings, PLUGIN_NAME)


def feeds_site_url(settings: Mapping) -> str:
    """Return the absolute base URL for feed links, or raise FeedError."""
    site_url = settings.get("FEEDS_SITEURL") or settings.get("SITEURL") or ""
    if not urlsplit(site_url).scheme:
        raise FeedError(
            f"FEEDS_SITEURL must be an absolute URL (got {site_url!r}): feed links are absolute"
        )
    return site_url.rstrip("/")


def limit_setting(settings: Mapping, key: str, pelican_key: str, default: int) -> int | None:
    """``key``, else ``pelican_key`` when set to other than Pelican's default, else default."""
    if key in settings:
        value, name = settings[key], key
    elif settings.get(pelican_key, DEFAULT_CONFIG.get(pelican_key)) != DEFAULT_CONFIG.get(
        pelican_key
    ):
        value, name = settings[pelican_key], pelican_key
    else:
        return default
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise FeedError(f"{name} must be a positive whole number or None (got {value!r})")
    return value


def max_items_setting(settings: Mapping) -> int | None:
    """FEEDS_MAX_ITEMS, else Pelican's FEED_MAX_ITEMS when set, else 50."""
    return limit_setting(settings, "FEEDS_MAX_ITEMS", "FEED_MAX_ITEMS", DEFAULT_MAX_ITEMS)


def max_bytes_setting(settings: Mapping) -> int | None:
    """FEEDS_MAX_BYTES, else FEED_MAX_BYTES, else 2,000,000."""
    return limit_setting(settings, "FEEDS_MAX_BYTES", "FEED_MAX_BYTES", DEFAULT_MAX_BYTES)


def feed_targets(settings: Mapping, keys: Mapping[str, str]) -> list[tuple[str, str]]:
    """(format, path) of each feed whose path setting (keys: format -> setting) is set."""
    targets = []
    for feed_format, path_key in keys.items():
        path = settings.get(path_key)
        if not path:
            continue
        if not isinstance(path, str):
            raise FeedError(f"{path_key} must be a path (got {path!r})")
        targets.append((feed_format, path))
    return targets


def pattern_targets(settings: Mapping, keys: Mapping[str, str]) -> list[tuple[str, str]]:
    """feed_targets for per-slug feeds; each pattern must hold ``{slug}``."""
    targets = feed_targets(settings, keys)
    for feed_format, pattern in targets:
        if "{slug}" not in pattern:
            raise FeedError(
                f"{keys[feed_format]} {pattern!r} must contain {{slug}}: "
                "one feed per tag or category"
            )
    return targets


def slug_feed_path(pattern: str, slug: str) -> str:
    """The output path of a tag's or category's feed: the pattern with {slug} filled in."""
    return pattern.replace("{slug}", slug)


def digests_enabled(settings: Mapping) -> bool:
    return plugin_listed(settings, DIGESTS_PLUGIN_NAME)


# --- what the templates get --------------------------------------------------------------------


@dataclass(frozen=True)
class FeedPlan:
    """Every feed this build writes: settings read and checked once."""

    site_url: str
    site_title: str
    info: FeedInfo
    site: list[tuple[str, str]]
    tag: list[tuple[str, str]]
    category: list[tuple[str, str]]
    digest: list[tuple[str, str]]
    opml_path: str
    max_items: int | None
    max_bytes: int | None

    @classmethod
    def from_settings(cls, settings: Mapping) -> FeedPlan | None:
        """The plan, None when no site feed is configured; FeedError on a bad setting."""
        site = feed_targets(settings, SITE_FEED_PATHS)
        if not site:
            return None
        site_url = feeds_site_url(settings)
        site_title = settings.get("SITENAME", "")
        opml_path = settings.get("FEEDS_OPML_PATH") or ""
        if not isinstance(opml_path, str):
            raise FeedError(f"FEEDS_OPML_PATH must be a path (got {opml_path!r})")
        return cls(
            site_url=site_url,
            site_title=site_title,
            info=FeedInfo(
                title=site_title,
                subtitle=settings.get("SITESUBTITLE") or site_title,
                site_url=site_url + "/",
                language=settings.get("DEFAULT_LANG", "en"),
                author=settings.get("AUTHOR") or site_title,
            ),
            site=site,
            tag=pattern_targets(settings, TAG_FEED_PATHS),
            category=pattern_targets(settings, CATEGORY_FEED_PATHS),
            digest=feed_targets(settings, DIGEST_FEED_PATHS) if digests_enabled(settings) else [],
            opml_path=opml_path,
            max_items=max_items_setting(settings),
            max_bytes=max_bytes_setting(settings),
        )

    def titled(self, name: str) -> str:
        """A feed's title: the site's name and the tag's, category's or "Digests"."""
        return f"{self.site_title}: {name}" if self.site_title else name

    def links(
        self, targets: Sequence[tuple[str, str]], title: str, html_url: str, slug: str = ""
    ) -> list[FeedLink]:
        """The FeedLinks of targets (format, path or pattern)."""
        return [
            FeedLink(
                format=feed_format,
                media_type=MEDIA_TYPES[feed_format],
                title=f"{title} ({FORMAT_NAMES[feed_format]})",
                path=slug_feed_path(path, slug),
                url=join_site_url(self.site_url, slug_feed_path(path, slug)),
                html_url=html_url,
            )
            for feed_format, path in targets
        ]

    def site_links(self) -> list[FeedLink]:
        return self.links(self.site, self.site_title, self.info.site_url)

    def digest_links(self, archive_url: str) -> list[FeedLink]:
        return self.links(
            self.digest, self.titled("Digests"), join_site_url(self.site_url, archive_url)
        )

    def taxonomy_links(self, targets: Sequence[tuple[str, str]], term) -> list[FeedLink]:
        """The feeds of a tag or category (empty for one without a slug)."""
        slug = getattr(term, "slug", "") or ""
        if not slug:
            return []
        html_url = join_site_url(self.site_url, term.url)
        return self.links(targets, self.titled(str(term.name)), html_url, slug)

    def opml_link(self) -> FeedLink | None:
        if not self.opml_path:
            return None
        return FeedLink(
            format="opml",
            media_type="text/x-opml",
            title=f"{self.site_title} feeds".strip(),
            path=self.opml_path,
            url=join_site_url(self.site_url, self.opml_path),
            html_url=self.info.site_url,
        )


def digest_archive_url(settings: Mapping, context: Mapping) -> str:
    """The digest archive's URL, as the digests plugin sets it."""
    return context.get("digests_archive_url") or settings.get(
        "DIGESTS_ARCHIVE_URL", "digests/index.html"
    )


def add_feed_links(article_generator) -> None:
    """article_generator_finalized: put the feed links the theme needs in the context."""
    settings = article_generator.settings
    if not plugin_enabled(settings):
        return
    plan = FeedPlan.from_settings(settings)
    context = article_generator.context
    if plan is None:
        context.update(
            feeds_site=[],
            feeds_digest=[],
            feeds_opml=None,
            feeds_for_tag=lambda tag: [],
            feeds_for_category=lambda category: [],
        )
        return
    context.update(
        feeds_site=plan.site_links(),
        feeds_digest=plan.digest_links(digest_archive_url(settings, context)),
        feeds_opml=plan.opml_link(),
        feeds_for_tag=lambda tag: plan.taxonomy_links(plan.tag, tag),
        feeds_for_category=lambda category: plan.taxonomy_links(plan.category, category),
    )


# --- writing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedJob:
    """Feeds to write, one per link (format), all of the same entries.

    An entry is an article's ``EntryInputs`` (its FeedItem is made only if a feed holding
    it is rendered) or a finished ``FeedItem`` (a digest issue's).
    """

    group: str  # where OPML lists them: site, digests, categories or tags
    info: FeedInfo
    links: Sequence[FeedLink]
    items: Sequence[EntryInputs | FeedItem]


def feed_file_key(site_key: str, info: str, link: FeedLink, entry_keys: str) -> str:
    """The key of one feed file: the site's, the feed's own values and its entries' keys.

    Everything a feed file shows is a function of these: its updated date is its newest
    entry's, and which entries keep their full content within FEEDS_MAX_BYTES follows from
    the entries and the plan (in ``site_key``). ``info`` is the repr of the feed's
    FeedInfo; ``entry_keys`` its entries' keys in order, joined (all are as long).
    """
    return digest_of(site_key, info, repr(link), entry_keys)


class FeedWriter:
    """Writes feeds under the output folder, each within the byte budget, and remembers them.

    With a cache (``store`` enabled), a feed file whose key (``feed_file_key``) is the
    stored one is put back from ``store`` and not rendered; every file rendered is kept
    there. ``make_item`` makes an entry's FeedItem, once per entry however many feeds
    hold it; ``EntryElements`` carries its XML from one feed to the next.
    """

    def __init__(
        self,
        output_path: str,
        plan: FeedPlan,
        make_item: Callable[[EntryInputs | FeedItem], FeedItem],
        store: FileStore | None = None,
        site_key: str = "",
    ) -> None:
        self.output_path = output_path
        self.plan = plan
        self.make_item = make_item
        self.store = store if store is not None else FileStore(None)
        self.site_key = site_key
        self.written: dict[str, list[FeedLink]] = {}
        self.paths: set[str] = set()

    def write(self, jobs: Sequence[FeedJob]) -> None:
        """1. Put back every feed file the store has; 2. make the entries of the others,
        each once; 3. render and write those, each entry's XML built once per format."""
        # 1. Each file's key; the kept files.
        missed: list[tuple[FeedJob, FeedLink, str]] = []
        for job in jobs:
            if self.store.enabled:
                info, entry_keys = repr(job.info), "".join([entry.key for entry in job.items])
            for link in job.links:
                if link.path in self.paths:
                    raise FeedError(
                        f"two feeds would be written to {link.path}: check FEEDS_* paths"
                    )
                self.paths.add(link.path)
                self.written.setdefault(job.group, []).append(link)
                key = ""
                if self.store.enabled:
                    key = feed_file_key(self.site_key, info, link, entry_keys)
                    if self.put_back(link.path, key):
                        continue
                missed.append((job, link, key))

        # 2. The entries of the feeds to render.
        made: dict[int, FeedItem] = {}

        def item_of(entry: EntryInputs | FeedItem) -> FeedItem:
            item = made.get(id(entry))
            if item is None:
                item = made[id(entry)] = self.make_item(entry)
            return item

        renders = [
            (job.info, link, key, [item_of(entry) for entry in job.items])
            for job, link, key in missed
        ]
        entries = EntryElements(
            (link.format, item)
            for _, link, _, items in renders
            if link.format in ENTRY_TAGS
            for item in items
        )

        # 3. Render, write and keep them.
        for info, link, key, items in renders:
            document = fit_to_budget(
                lambda chosen, link=link, info=info: render_feed(
                    link.format, info, link.url, chosen, entries
                ),
                items,
                self.plan.max_bytes,
                link.path,
                lambda html, link=link: written_size(link.format, html),
            )
            output_file = write_file(self.output_path, link.path, document)
            self.store.keep(link.path, key, output_file)

    def put_back(self, relative_path: str, key: str) -> bool:
        """Link the kept feed file made from `key` to its place in the output; True if done.

        FileStore.reuse would make its folder and unlink the path first, two system calls
        that a publish build's emptied output folder does not need for most of its
        thousands of feeds: the link is tried first, and ``place`` does it all on failure.
        """
        stored = self.store.stored(relative_path, key)
        if stored is None:
            return False
        output_file = sanitised_join(self.output_path, relative_path)
        try:
            os.link(stored, output_file)
        except OSError:  # no folder yet, a file there already, another file system…
            place(stored, Path(output_file))
        return True


def write_file(output_path: str, relative_path: str, document: bytes) -> Path:
    """Write bytes to a new file under the output folder, making its folders; return its path.

    A file already at the path is unlinked, not written over: it may be a kept feed
    linked there by an earlier build, which must not change.
    """
    output_file = Path(sanitised_join(output_path, relative_path))
    try:
        handle = output_file.open("xb")
    except FileNotFoundError:  # its folder is not there yet
        output_file.parent.mkdir(parents=True, exist_ok=True)
        handle = output_file.open("xb")
    except FileExistsError:
        output_file.unlink()
        handle = output_file.open("xb")
    with handle:
        handle.write(document)
    return output_file


def load_site_outlets(settings: Mapping) -> tuple[Outlet, ...]:
    """The per-outlet rules of content/sources.yml, as the importer reads them."""
    return load_outlets(Path(settings.get("PATH") or ".") / SOURCES_FILE)


def write_feeds(article_generator, writer=None) -> None:
    """article_writer_finalized: write every configured feed, then the OPML list; or take
    in those a forked process wrote beside the pages (``start_feeds_beside_pages``)."""
    running = BESIDE_PAGES.pop(id(article_generator), None)
    if running is not None:
        counts = running.result()  # its records logged here, what stopped it raised here
    elif plugin_enabled(article_generator.settings):
        counts = write_all_feeds(article_generator)
    else:
        return
    if counts is not None:
        count_reuse("feeds", *counts)


def write_all_feeds(article_generator) -> tuple[int, int] | None:
    """Write every configured feed, then the OPML list; with the build caches on, return
    how many feed files were put back from the cache and how many rendered.

    1. Read each article's entry inputs and make each issue's entry; 2. choose every
    feed's entries (site, digests, categories, tags); 3. write them in that order
    (FeedWriter: a feed file kept by an earlier build with the same key is put back, the
    others rendered, each entry made and its XML built once); 4. write the OPML.
    """
    settings = article_generator.settings
    plan = FeedPlan.from_settings(settings)
    if plan is None:
        return None
    site_url = plan.site_url
    outlets = load_site_outlets(settings)
    item_settings = {key: settings[key] for key in ITEM_SETTINGS if key in settings}

    # 1. One entry per article, shared by the site feed and every tag and category feed.
    articles = [*article_generator.articles, *article_generator.translations]
    entries = {
        id(article): read_entry_inputs(article, site_url, settings, outlets) for article in articles
    }

    # 2. Every feed's entries: the newest of all, of the digests, of each category and tag.
    ordered = newest_first(entries.values())
    site_items = ordered if plan.max_items is None else ordered[: plan.max_items]
    rank = {entry: position for position, entry in enumerate(ordered)}
    jobs = [FeedJob("site", plan.info, plan.site_links(), site_items)]
    context = article_generator.context
    if plan.digest and "digests" in context:
        published = [issue for issue in context["digests"] if not issue.draft]
        digest_items = select_items(
            (item_from_issue(issue, site_url, settings) for issue in published), plan.max_items
        )
        archive = digest_archive_url(settings, context)
        digest_info = replace(
            plan.info, title=plan.titled("Digests"), site_url=join_site_url(site_url, archive)
        )
        jobs.append(FeedJob("digests", digest_info, plan.digest_links(archive), digest_items))
    categories = getattr(article_generator, "categories", None) or []
    jobs += taxonomy_feed_jobs(plan, "categories", plan.category, categories, entries, rank)
    tags = getattr(article_generator, "tags", None) or {}
    jobs += taxonomy_feed_jobs(plan, "tags", plan.tag, tags.items(), entries, rank)

    # 3. Write them, from the cache where it has them.
    def make_item(entry: EntryInputs | FeedItem) -> FeedItem:
        if isinstance(entry, EntryInputs):
            return item_from_inputs(entry, site_url, item_settings)
        return entry

    store = FileStore(cache_folder(settings, CACHE_FOLDER))
    site_key = digest_of(code_version(), repr(plan), repr(sorted(item_settings.items())))
    feeds = FeedWriter(article_generator.output_path, plan, make_item, store, site_key)
    feeds.write(jobs)
    logger.debug("feeds: %d files put back from the cache, %d rendered", store.reused, store.kept)

    # 4. The OPML list of what was written.
    if plan.opml_path:
        groups = [
            (plan.site_title or "Site", feeds.written.get("site", [])),
            ("Digests", feeds.written.get("digests", [])),
            ("Categories", feeds.written.get("categories", [])),
            ("Tags", feeds.written.get("tags", [])),
        ]
        title = f"{plan.site_title} feeds".strip()
        write_file(article_generator.output_path, plan.opml_path, render_opml(title, groups))
    store.save()
    return (store.reused, store.kept) if store.enabled else None


def taxonomy_feed_jobs(
    plan: FeedPlan,
    group: str,
    targets: Sequence[tuple[str, str]],
    terms: Iterable[tuple[object, Sequence]],
    entries: Mapping[int, EntryInputs],
    rank: Mapping[EntryInputs, int],
) -> list[FeedJob]:
    """The feeds of each tag or category, in slug order.

    ``rank`` is each entry's place in every entry newest first (``newest_first``, which
    refused duplicate ids): a term's entries are its articles' in that order.
    """
    if not targets:
        return []
    jobs = []
    for term, articles in sorted(terms, key=lambda pair: pair[0].slug):
        if not term.slug:
            logger.warning("%r has no slug (no letters or digits): no feed for it", term.name)
            continue
        # Tags: Kenya, kenya files an article twice under one tag; it is one entry.
        chosen = set(map(entries.__getitem__, map(id, articles)))
        links = plan.taxonomy_links(targets, term)
        info = replace(
            plan.info,
            title=plan.titled(str(term.name)),
            # Not the term's name: readers render RSS <description> as HTML.
            site_url=links[0].html_url,
        )
        items = sorted(chosen, key=rank.__getitem__)
        if plan.max_items is not None:
            items = items[: plan.max_items]
        jobs.append(FeedJob(group, info, links, items))
    return jobs


PARALLEL_MIN_ARTICLES = 500  # FEEDS_PARALLEL_MIN_ARTICLES
NICENESS = 10  # added to the forked feed writer's: the pages, then Pagefind, come first
# The running build's ArticlesGenerator (by id of its settings), from its context's end
# to the start of writing; and the forked process writing its feeds, by its id.
READY: dict[int, object] = {}
BESIDE_PAGES: dict[int, Running] = {}


def keep_generator(article_generator) -> None:
    """article_generator_finalized: the generator whose feeds may be written beside."""
    if plugin_enabled(article_generator.settings):
        READY[id(article_generator.settings)] = article_generator


def start_feeds_beside_pages(pelican) -> None:
    """get_writer (sent once every generator has built its context and the links in the
    summaries are resolved): fork the process that writes the feeds of a large site."""
    article_generator = READY.pop(id(pelican.settings), None)
    if article_generator is None or not hasattr(os, "fork"):
        return
    minimum = pelican.settings.get("FEEDS_PARALLEL_MIN_ARTICLES", PARALLEL_MIN_ARTICLES)
    count = len(article_generator.articles) + len(article_generator.translations)
    if minimum is None or count < minimum or FeedPlan.from_settings(pelican.settings) is None:
        return

    BESIDE_PAGES[id(article_generator)] = start(
        lambda: write_all_feeds(article_generator),
        NICENESS,
        "(feeds, written beside the pages)",
    )


def stop_leftovers(_pelican) -> None:
    """initialized: stop a forked writer a failed build left running (``broadsheet.forked``
    stops it at exit too)."""
    READY.clear()
    BESIDE_PAGES.clear()
    stop_running()


def register() -> None:
    """Connect the feed links and the feed writer to Pelican."""
    signals.initialized.connect(stop_leftovers)
    signals.article_generator_finalized.connect(add_feed_links)
    signals.article_generator_finalized.connect(keep_generator)
    signals.get_writer.connect(start_feeds_beside_pages)
    signals.article_writer_finalized.connect(write_feeds)
