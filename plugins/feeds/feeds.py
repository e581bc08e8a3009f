"""Write the site's Atom and RSS 2.0 feeds of all published articles with feedgen.

Settings (read from the build's own settings, each with a default):

- ``FEEDS_ATOM_PATH`` / ``FEEDS_RSS_PATH``: where each feed goes, relative to the
  output directory. The plugin does nothing unless at least one is set; a feed
  whose path is unset or empty is not written.
- ``FEEDS_SITEURL``: absolute base URL for permalinks and feed links (falls back to
  ``SITEURL``; a build with neither absolute is refused, since feed links must be
  absolute even in a local build with ``RELATIVE_URLS``).
- ``FEEDS_MAX_ITEMS``: newest articles per feed (default 50; ``None`` for all).
- ``FEEDS_TAG_AUTHORITY``: authority of fallback ``tag:`` ids (default ``broadsheet``).
- ``FEEDS_TAG_ATOM_PATH`` / ``FEEDS_TAG_RSS_PATH``: one more feed per tag, at this
  path with ``{slug}`` replaced by the tag's slug (``feeds/tag/{slug}.atom.xml``).
  Unset or empty: no tag feeds. They are written only alongside the site feeds
  (with at least one of the paths above set). A tag feed holds the tag's newest
  ``FEEDS_MAX_ITEMS`` published articles with the same entries as the site feed
  (same ids, full content, absolute links); its alternate link is the tag page,
  its title the site's name and the tag's. A tag whose slug is empty (a name
  without letters or digits) gets no feed, with a warning.
  Tags include the ones ``autotag`` adds, since it runs before Pelican files
  articles under their tags.

Entry ids. An entry's id is the article's ``Uid`` metadata, written once at import
and never changed, so a retitled, re-slugged or moved article stays the same entry
for subscribers. An article without ``Uid`` (written by hand) gets
``tag:<authority>,<YYYY-MM-DD>:<path>``, where the date is the article's ``Date``
as written (its own calendar day, not converted) and ``<path>`` is its source file
relative to the content directory, percent-encoded: stable across title and
slug edits, but it changes if the file is moved or its Date is edited, so give
long-lived hand-written articles a ``Uid``.

Dates. Pelican makes article dates aware in ``TIMEZONE``; any naive date that
still reaches the feed is taken as UTC. Entry ``updated`` is ``Modified`` or else
``Date``; the feed's ``updated`` (Atom) and ``lastBuildDate`` (RSS) are the newest
entry's ``updated`` (the Unix epoch for an empty feed), never the build time, so
two builds of the same content give byte-identical feeds. A date that cannot be
made timezone-aware raises ``FeedError`` naming the article file.

Signal. The feeds are written on ``article_writer_finalized``. Its sender is the
ArticlesGenerator itself, after every article has been read, tagged (autotag runs
at ``article_generator_pretaxonomy``), annotated (``article_generator_finalized``)
and written, so the handler sees final ``articles``, ``translations``, the build's
own ``settings`` and ``output_path``. ``finalized`` only carries the Pelican
object, which holds no generators: using it would mean stashing articles in
module state between signals, which leaks between builds because Pelican's
signals are process-global.

feedgen's getter-setter camelCase API is used only in ``render_feed``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import quote, urljoin, urlsplit

from bs4 import BeautifulSoup
from feedgen.feed import FeedGenerator
from markupsafe import escape
from pelican import signals
from pelican.utils import sanitised_join, truncate_html_words

from broadsheet.errors import BuildError

logger = logging.getLogger(__name__)

DEFAULT_MAX_ITEMS = 50
DEFAULT_TAG_AUTHORITY = "broadsheet"
EMPTY_FEED_UPDATED = datetime(1970, 1, 1, tzinfo=UTC)
URL_ATTRIBUTES = ("href", "src", "poster")
FEED_FORMATS = {
    "atom": ("FEEDS_ATOM_PATH", "application/atom+xml"),
    "rss": ("FEEDS_RSS_PATH", "application/rss+xml"),
}
TAG_FEED_PATHS = {"atom": "FEEDS_TAG_ATOM_PATH", "rss": "FEEDS_TAG_RSS_PATH"}


class FeedError(BuildError):
    """An article or setting that would make a broken feed."""


@dataclass(frozen=True)
class FeedItem:
    """One article as a feed entry, every value final (absolute URLs, aware dates)."""

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


@dataclass(frozen=True)
class FeedInfo:
    """Feed-level values shared by every format."""

    title: str
    subtitle: str
    site_url: str
    language: str


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
    """Return html with every relative href, src, poster and srcset made absolute."""
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


def fallback_entry_id(relative_source_path: str, published: datetime, authority: str) -> str:
    """Return the stable tag: id of an article that has no Uid."""
    path = quote(Path(relative_source_path).as_posix())
    return f"tag:{authority},{published:%Y-%m-%d}:{path}"


def original_link_html(source: str | None, source_url: str) -> str:
    """Return the "Read the original at <Source>" paragraph appended to feed content."""
    name = source or urlsplit(source_url).hostname or source_url
    return (
        f'<p class="original"><a href="{escape(source_url)}">'
        f"Read the original at {escape(name)}</a></p>"
    )


def plain_summary(content_html: str, settings: dict) -> str:
    """Return the summary Pelican would make from content, for articles without Summary."""
    max_words = settings.get("SUMMARY_MAX_LENGTH")
    if max_words is None:
        return content_html
    return truncate_html_words(content_html, max_words, settings.get("SUMMARY_END_SUFFIX", "…"))


def item_from_article(article, site_url: str, settings: dict) -> FeedItem:
    """Return the feed entry of a Pelican article."""
    source_path = article.source_path
    published = to_aware_datetime(getattr(article, "date", None), source_path)
    modified = getattr(article, "modified", None)
    updated = published if modified is None else to_aware_datetime(modified, source_path)
    link = join_site_url(site_url, article.url)

    uid = str(getattr(article, "uid", "") or "").strip()
    entry_id = uid or fallback_entry_id(
        article.relative_source_path,
        published,
        settings.get("FEEDS_TAG_AUTHORITY", DEFAULT_TAG_AUTHORITY),
    )

    body = article.get_content(site_url)
    if "summary" in article.metadata:
        summary = article.metadata["summary"]
    else:
        summary = plain_summary(body, settings)
    source_url = getattr(article, "source_url", None)
    if source_url:
        body += "\n" + original_link_html(getattr(article, "source", None), source_url)

    return FeedItem(
        id=entry_id,
        title=str(article.title),
        link=link,
        content=absolutize_html(body, link),
        summary=absolutize_html(summary, link),
        published=published,
        updated=updated,
        author=getattr(article, "byline", None) or None,
        categories=tuple(tag.name for tag in getattr(article, "tags", None) or ()),
        source_path=source_path,
    )


def select_items(items: Iterable[FeedItem], max_items: int | None) -> list[FeedItem]:
    """Return items newest first (ties by id), at most max_items; refuse duplicate ids."""
    ordered = sorted(items, key=lambda item: (item.published, item.id), reverse=True)
    seen: dict[str, str] = {}
    for item in ordered:
        if item.id in seen:
            raise FeedError(
                f"{item.source_path}: feed id {item.id!r} is already used by {seen[item.id]}"
            )
        seen[item.id] = item.source_path
    return ordered if max_items is None else ordered[:max_items]


def feed_updated(items: Sequence[FeedItem]) -> datetime:
    """Return the feed's updated date: the newest entry's, never the build time."""
    return max((item.updated for item in items), default=EMPTY_FEED_UPDATED)


def render_feed(
    feed_format: str, info: FeedInfo, feed_url: str, items: Sequence[FeedItem]
) -> bytes:
    """Return the Atom or RSS 2.0 document for items (the one place feedgen is called)."""
    _, media_type = FEED_FORMATS[feed_format]
    generator = FeedGenerator()
    generator.load_extension("dc", atom=False, rss=True)  # RSS authors without email
    generator.id(feed_url)
    generator.title(info.title)
    generator.subtitle(info.subtitle)
    generator.language(info.language)
    generator.link(href=feed_url, rel="self", type=media_type)
    # RSS uses the last link given as the channel <link>: the site, not the feed.
    generator.link(href=info.site_url, rel="alternate", type="text/html")
    # Also sets RSS lastBuildDate, which feedgen otherwise sets to now.
    generator.updated(feed_updated(items))

    for item in items:
        entry = generator.add_entry(order="append")
        entry.id(item.id)  # Atom id and RSS guid isPermaLink="false"
        entry.title(item.title)
        entry.link(href=item.link, rel="alternate", type="text/html")
        entry.content(item.content, type="html")
        entry.summary(item.summary, type="html")
        entry.published(item.published)
        entry.updated(item.updated)
        if item.author:
            entry.author(name=item.author)
            entry.dc.dc_creator(item.author)
        for term in item.categories:
            entry.category(term=term)

    if feed_format == "atom":
        return generator.atom_str(pretty=True)
    return generator.rss_str(pretty=True)


def feeds_site_url(settings: dict) -> str:
    """Return the absolute base URL for feed links, or raise FeedError."""
    site_url = settings.get("FEEDS_SITEURL") or settings.get("SITEURL") or ""
    if not urlsplit(site_url).scheme:
        raise FeedError(
            f"FEEDS_SITEURL must be an absolute URL (got {site_url!r}): feed links are absolute"
        )
    return site_url.rstrip("/")


def feed_targets(settings: dict, keys: dict[str, str]) -> list[tuple[str, str]]:
    """(format, path) of each feed whose path setting (keys: format -> setting) is set."""
    return [
        (feed_format, settings[path_key])
        for feed_format, path_key in keys.items()
        if settings.get(path_key)
    ]


def tag_feed_path(pattern: str, tag) -> str:
    """The output path of a tag's feed: the pattern with {slug} filled in."""
    return pattern.replace("{slug}", tag.slug)


def write_feed(
    output_path: str,
    feed_format: str,
    info: FeedInfo,
    site_url: str,
    feed_path: str,
    items: Sequence[FeedItem],
) -> None:
    """Render one feed and write it under the output directory."""
    document = render_feed(feed_format, info, join_site_url(site_url, feed_path), items)
    output_file = sanitised_join(output_path, feed_path)
    os.makedirs(os.path.dirname(output_file), exist_ok=True)
    Path(output_file).write_bytes(document)


def write_feeds(article_generator, writer=None) -> None:
    """Write every configured feed of the generator's published articles, and per tag."""
    settings = article_generator.settings
    targets = feed_targets(settings, {name: key for name, (key, _) in FEED_FORMATS.items()})
    if not targets:
        return
    tag_targets = feed_targets(settings, TAG_FEED_PATHS)

    site_url = feeds_site_url(settings)
    max_items = settings.get("FEEDS_MAX_ITEMS", DEFAULT_MAX_ITEMS)
    articles = [*article_generator.articles, *article_generator.translations]
    # One entry per article, shared by the site feed and every tag feed it is in.
    entries = {id(article): item_from_article(article, site_url, settings) for article in articles}
    items = select_items(entries.values(), max_items)
    site_title = settings.get("SITENAME", "")
    info = FeedInfo(
        title=site_title,
        subtitle=settings.get("SITESUBTITLE") or site_title,
        site_url=site_url + "/",
        language=settings.get("DEFAULT_LANG", "en"),
    )
    for feed_format, feed_path in targets:
        write_feed(article_generator.output_path, feed_format, info, site_url, feed_path, items)

    if not tag_targets:
        return
    tags = getattr(article_generator, "tags", None) or {}
    for tag in sorted(tags, key=lambda tag: tag.slug):
        if not tag.slug:
            logger.warning("tag %r has no slug (no letters or digits): no tag feed", tag.name)
            continue
        # Tags: Kenya, kenya files an article twice under one tag; it is one entry.
        in_tag = {id(article): entries[id(article)] for article in tags[tag]}
        tag_items = select_items(in_tag.values(), max_items)
        tag_info = FeedInfo(
            title=f"{site_title}: {tag.name}" if site_title else tag.name,
            # Not the tag's name: readers render RSS <description> as HTML.
            subtitle=info.subtitle,
            site_url=join_site_url(site_url, tag.url),
            language=info.language,
        )
        for feed_format, pattern in tag_targets:
            write_feed(
                article_generator.output_path,
                feed_format,
                tag_info,
                site_url,
                tag_feed_path(pattern, tag),
                tag_items,
            )


def register() -> None:
    """Connect the feed writer to Pelican."""
    signals.article_writer_finalized.connect(write_feeds)
