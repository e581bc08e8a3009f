"""Give every article ``related_stories``: the published articles to read next, best first.

The analysis (text similarity, shared tags, recency, pins and bans) lives in
``broadsheet.related`` and needs no Pelican; this plugin turns the articles Pelican
read into its ``Story`` objects and hands the links back as article objects, so the
theme can print each one's title, URL, source and date.

Settings (read from the build's own settings, each with a default; a bad value
stops the build with one line, ``RelatedError``):

- ``RELATED_STORIES_MAX``: links per article at most, pins included (default 5;
  0 adds none).
- ``RELATED_STORIES_MIN_SCORE``: the lowest score linked (default 0.2); pins are
  shown whatever their score.
- ``RELATED_STORIES_HALF_LIFE_DAYS``: how fast the time between two articles counts
  against a link (default 30).

Metadata (Pelican lower-cases the keys):

- ``Related: slug, slug``: the curator's pins, shown first, in this order.
- ``Not_related: slug, slug``: never linked from this article.
- ``Also_reported_by: Outlet <url>; Outlet <url>``: syndicated copies of this
  article. Another article whose ``Source_url`` is one of those URLs is a copy, and
  neither of the two links the other.

A ``Related`` or ``Not_related`` slug that no article has is logged as a warning
naming the article's file and the slug, and ignored; the build goes on.

Which articles. Every article the generator read gets the attribute, an empty list
when nothing qualifies: published articles, hidden ones and drafts. Links only ever
point at published articles. The published articles' links are found among the
published articles alone, so a draft never changes a published page; drafts and
hidden articles are then placed among the published ones in a second pass, made
only when there are any. A withdrawn article (``plugins/withdrawn``) gets no links:
the notice left at its URL shows none.

Text. Each article is its title and the words of ``article._content``, its body as
read, with the tags stripped (``broadsheet.tagging.html_text``): tag and attribute
names (``href``, ``nofollow``) and link hosts are words to the analysis, and two
unrelated stories that both quote links would otherwise look alike. Never
``article.content``: reading it in this signal would cache the body before Pelican
can resolve its internal links (``{filename}…``). Tags are the article's tags, the
automatic ones included (``plugins/autotag`` runs earlier, at pretaxonomy).

Order. Articles are sorted by source path before the analysis, so two builds of the
same content give the same links. An article is known by its slug; should two
articles share one (their URLs differ by date), the second by source path is
still linked by the analysis, but a ``Related`` entry naming the slug means the
first published one, and a ``Not_related`` entry bans both.

Cache. When the build keeps caches (``broadsheet.buildcache``: the publish workflow's
``BROADSHEET_CONTENT_CACHE``), each article's terms (``broadsheet.related.TermCounts``,
by a hash of its title and body) and each Source_url as the theme links it are kept in
``CACHE_PATH/related_stories/articles.pickle``; a rebuild takes the text of only the
new and edited articles. The links themselves are found afresh over the whole site
every build (one new article can change any article's links), and are the same as a
cold build's. Without the cache nothing is read or written.

Beside the tags. The text similarity (``broadsheet.related`` stages 1 to 3) reads only
the published articles' titles and bodies, not their tags, so on a site of
``FIT_BESIDE_MIN_ARTICLES`` published articles or more it is fitted by a process forked
as soon as the articles are read (``article_generator_pretaxonomy``, before automatic
tags: ``broadsheet.plugins.articles_read``), while this one tags them. Once they are
tagged, the fit is taken in if the published articles and their text are still those it
read (a hash of each title and body, in order), and made here otherwise; either way the
links are the same to the bit. The forked process's warnings are logged here, and an
error in it only means the fit is made here.

Beside the other plugins. On a site of ``LINK_BESIDE_MIN_ARTICLES`` articles or more, the
links themselves (the stories with their tags, pins and bans, then ``related_stories``
over the fit) are found by a process forked when this plugin's turn at
``article_generator_finalized`` comes, while this one goes on with the digests, the
outlets, the pages, the other generators and the URLs (``plugins/build_speed``); they are
taken in when the writing starts (``get_writer``), before anything is written or forked
to write pages (only the article pages and the render cache's keys read
``related_stories``; the feeds, whose writer may be forked a moment before, do not).
The forked process hands back each story's key and its links' keys; its warnings are
logged here when they are taken in, and the articles' terms it worked out are kept by
it. Should it fail, the links are found here instead.

Signals. ``article_generator_finalized``, once every article is read and tagged, and
``get_writer`` (the links found beside). Pelican's signals are process-global, so the
handlers do nothing unless ``related_stories`` is in the running build's ``PLUGINS``.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections import defaultdict
from dataclasses import replace
from datetime import datetime
from operator import attrgetter

from pelican import signals

from broadsheet.buildcache import Memo, cache_folder, digest_of
from broadsheet.forked import Running, start
from broadsheet.perf import collection_paused
from broadsheet.plugins import ARTICLES_READ, articles_read, every_article, plugin_listed
from broadsheet.related import (
    RelatedIndex,
    RelatedSettings,
    Story,
    TermCounter,
    TermCounts,
    fit_index,
    related_stories,
)
from broadsheet.sanitize import outlet_mentions, safe_url
from broadsheet.tagging import html_text

logger = logging.getLogger(__name__)

PLUGIN_NAME = "related_stories"
CACHE_NAME = "related_stories"  # CACHE_PATH/related_stories/ when the build keeps caches
FIT_BESIDE_MIN_ARTICLES = 500  # published articles: fewer, and the fit is made here
LINK_BESIDE_MIN_ARTICLES = 500  # articles: fewer, and the links are found here
FITS: dict[int, Running] = {}  # id(generator) -> the fit forked for it (start_fit)
LINKING: dict[int, tuple] = {}  # id(generator) -> (Running, what linking here needs)


def plugin_enabled(settings: dict) -> bool:
    """True when the running build lists this plugin (by name or as a module)."""
    return plugin_listed(settings, PLUGIN_NAME)


def split_slugs(value) -> tuple[str, ...]:
    """A comma-separated list of slugs, in order, without blanks or repeats."""
    if value is None:
        return ()
    if isinstance(value, list | tuple):
        value = ",".join(str(item) for item in value)
    slugs: list[str] = []
    for slug in str(value).split(","):
        slug = slug.strip()
        if slug and slug not in slugs:
            slugs.append(slug)
    return tuple(slugs)


def source_path(article) -> str:
    """The article's file, relative to the content folder when Pelican knows it."""
    return article.relative_source_path or article.source_path


def article_date(article) -> datetime | None:
    """The article's date; None for a draft Pelican dated datetime.max for want of one."""
    date = getattr(article, "date", None)
    if date is None or date.replace(tzinfo=None) == datetime.max:
        return None
    return date


def own_url(article, memo: Memo | None = None) -> str | None:
    """The article's Source_url, as the theme would link it (kept in `memo` by the URL)."""
    written = str(article.metadata.get("source_url") or "")
    if memo is None or not memo.enabled:
        return safe_url(written) or None
    key = ("source_url", written)
    if key in memo:
        return memo.get(key)
    found = safe_url(written) or None
    memo.put(key, found)
    return found


def copy_urls(article) -> list[str]:
    """The URLs of the syndicated copies its Also_reported_by lists."""
    mentions = outlet_mentions(str(article.metadata.get("also_reported_by") or ""))
    return [url for _, url in mentions if url]


def read_articles(article_generator) -> list:
    """Every article the generator holds, each once, sorted by source path."""
    return sorted(every_article(article_generator), key=source_path)


def is_published(article) -> bool:
    """True for an article readers can reach from the site's lists: only those are linked."""
    return article.status == "published"


def is_withdrawn(article) -> bool:
    """True for an article plugins/withdrawn took off the site (``Status: unpublished``)."""
    return getattr(article, "withdrawn", False) is True


def story_keys(contents: list) -> tuple[list[str], dict[str, list[str]]]:
    """Each article's key (its slug, made unique), and each slug's keys, published first."""
    keys: list[str] = []
    by_slug: dict[str, list[str]] = defaultdict(list)
    taken: set[str] = set()
    for article in contents:
        slug = str(article.slug)
        key = slug if slug not in taken else f"{slug}#{source_path(article)}"
        taken.add(key)
        keys.append(key)
    order = sorted(range(len(contents)), key=lambda i: not is_published(contents[i]))
    for i in order:
        by_slug[str(contents[i].slug)].append(keys[i])
    return keys, by_slug


def named_keys(article, field: str, by_slug: dict[str, list[str]]) -> list[list[str]]:
    """The keys each slug of a Related/Not_related entry names; unknown slugs warned of."""
    named = []
    for slug in split_slugs(article.metadata.get(field)):
        keys = by_slug.get(slug)
        if keys:
            named.append(keys)
        else:
            logger.warning(
                "%s: %s names %r, which is no article's slug; ignored",
                source_path(article),
                field.capitalize(),
                slug,
            )
    return named


def duplicate_keys(
    contents: list, keys: list[str], memo: Memo | None = None
) -> dict[str, set[str]]:
    """Each article's syndicated copies, both ways: A lists B's Source_url, or B lists A's."""
    copies = [copy_urls(article) for article in contents]
    duplicates: dict[str, set[str]] = defaultdict(set)
    if not any(copies):
        return duplicates
    by_url: dict[str, list[str]] = defaultdict(list)
    for article, key in zip(contents, keys, strict=True):
        url = own_url(article, memo)
        if url:
            by_url[url].append(key)
    for key, urls in zip(keys, copies, strict=True):
        for url in urls:
            for other in by_url.get(url, ()):
                if other != key:
                    duplicates[key].add(other)
                    duplicates[other].add(key)
    return duplicates


def article_title(article) -> str:
    """The article's title as the analysis reads it."""
    return str(getattr(article, "title", "") or "")


def article_terms(contents: list, memo: Memo) -> list[TermCounts]:
    """Each article's terms: from `memo` when its title and body are ones it has, else
    counted from the body's text (and kept in `memo`)."""
    counter = TermCounter()
    found = []
    for article in contents:
        title, body = article_title(article), article._content or ""
        key = digest_of(title, body)
        terms = memo.get(key)
        if terms is None:
            terms = counter.count(title, html_text(body))
            memo.put(key, terms)
        found.append(terms)
    return found


def build_stories(contents: list, memo: Memo | None = None) -> list[Story]:
    """One Story per article, in the same order. With a `memo` that keeps them, each
    story carries its terms and no body (the body's text is only taken for a new one)."""
    keys, by_slug = story_keys(contents)
    published = {key for article, key in zip(contents, keys, strict=True) if is_published(article)}
    duplicates = duplicate_keys(contents, keys, memo)
    cached = memo is not None and memo.enabled
    terms = article_terms(contents, memo) if cached else [None] * len(contents)
    stories = []
    for article, key, known in zip(contents, keys, terms, strict=True):
        pins = bans = ()
        if "related" in article.metadata:
            pins = [named[0] for named in named_keys(article, "related", by_slug)]
        if "not_related" in article.metadata:
            bans = [ban for named in named_keys(article, "not_related", by_slug) for ban in named]
        tags = getattr(article, "tags", None) or ()
        stories.append(
            Story(
                key=key,
                title=article_title(article),
                body="" if cached else html_text(article._content or ""),
                date=article_date(article),
                tags=tuple(map(attrgetter("name"), tags)),
                duplicates=frozenset(duplicates.get(key, ())),
                pinned=tuple(pin for pin in pins if pin in published),
                banned=frozenset(bans),
                terms=known,
            )
        )
    return stories


def text_signature(contents: list) -> str:
    """A hash of the articles' titles and bodies, in order: what the text fit reads."""
    digest = hashlib.blake2b(digest_size=16)
    for article in contents:
        for text in (article_title(article), article._content or ""):
            encoded = text.encode("utf-8", "surrogatepass")
            digest.update(len(encoded).to_bytes(8, "big"))
            digest.update(encoded)
    return digest.hexdigest()


def text_stories(contents: list, memo: Memo | None) -> list[Story]:
    """Stories carrying only what the text fit reads: each title with its terms (kept in
    `memo`) or its body's text."""
    cached = memo is not None and memo.enabled
    terms = article_terms(contents, memo) if cached else [None] * len(contents)
    return [
        Story(
            key=str(number),
            title=article_title(article),
            body="" if cached else html_text(article._content or ""),
            terms=known,
        )
        for number, (article, known) in enumerate(zip(contents, terms, strict=True))
    ]


def start_fit(article_generator) -> None:
    """The articles are read: fit the published ones' text in a process forked now, beside
    the automatic tags (see "Beside the tags" above)."""
    FITS.clear()  # a fit a failed build never took in
    settings = article_generator.settings
    if not plugin_enabled(settings) or not hasattr(os, "fork"):
        return
    published = [article for article in read_articles(article_generator) if is_published(article)]
    if len(published) < FIT_BESIDE_MIN_ARTICLES:
        return
    folder = cache_folder(settings, CACHE_NAME)

    def work() -> tuple:
        with collection_paused():
            stories = text_stories(published, Memo(folder, "articles"))
        index = fit_index(stories)
        return text_signature(published), index.size, index.indices, index.scores

    FITS[id(article_generator)] = start(work, 0, "(related stories)")


def taken_fit(article_generator, published: list) -> RelatedIndex | None:
    """The fit forked for these published articles, if they and their text are still the
    ones it read; None (the fit is then made here) otherwise or when it failed."""
    running = FITS.pop(id(article_generator), None)
    if running is None:
        return None
    try:
        signature, size, indices, scores = running.result()
    except Exception:  # noqa: BLE001 (made here instead; a real fault fails there too)
        return None
    if size != len(published) or signature != text_signature(published):
        return None
    return RelatedIndex.fitted(size, indices, scores)


def find_links(
    contents: list,
    stories: list[Story],
    options: RelatedSettings,
    fitted: RelatedIndex | None = None,
) -> dict:
    """Each story's links: published ones among the published, the rest placed among them
    (`fitted`: the published stories' text fit, made already)."""
    published = [s for a, s in zip(contents, stories, strict=True) if is_published(a)]
    others = [
        s
        for a, s in zip(contents, stories, strict=True)
        if not is_published(a) and not is_withdrawn(a)
    ]
    links = related_stories(published, options, fitted)
    if others and options.max_links > 0:
        unpublished = frozenset(story.key for story in others)
        placed = related_stories(
            published + [replace(s, banned=s.banned | unpublished) for s in others], options
        )
        links.update({story.key: placed[story.key] for story in others})
    return links


def add_related_stories(article_generator) -> None:
    """Give every article the generator read its related published articles, best first
    (on a large site, by a process forked now: see "Beside the other plugins")."""
    settings = article_generator.settings
    if not plugin_enabled(settings):
        return
    while LINKING:  # links a failed build never took in
        LINKING.popitem()[1][0].stop()
    options = RelatedSettings.from_settings(settings)
    contents = read_articles(article_generator)
    fitted = taken_fit(article_generator, [each for each in contents if is_published(each)])
    folder = cache_folder(settings, CACHE_NAME)
    if len(contents) >= LINK_BESIDE_MIN_ARTICLES and hasattr(os, "fork"):

        def work() -> tuple[list[str], dict[str, list[str]]]:
            with collection_paused():
                return found_links(contents, options, Memo(folder, "articles"), fitted)

        running = start(work, 0, "(related stories)")
        LINKING[id(article_generator)] = (running, contents, options, fitted, folder)
        return
    # Many small acyclic objects (see broadsheet.perf), gone when link_articles returns.
    with collection_paused():
        link_articles(contents, options, Memo(folder, "articles"), fitted)


def take_links(_sender=None, **_signal) -> None:
    """get_writer: the links found beside, given to the articles (found here instead
    should that process have failed)."""
    while LINKING:
        _, (running, contents, options, fitted, folder) = LINKING.popitem()
        try:
            keys, links = running.result()
        except Exception as error:  # noqa: BLE001 (found here instead; a real fault fails here too)
            logger.debug("related stories: the forked linking failed (%s); linking here", error)
            with collection_paused():
                link_articles(contents, options, Memo(folder, "articles"), fitted)
            continue
        give_links(contents, keys, links)


def found_links(
    contents: list, options: RelatedSettings, memo: Memo, fitted: RelatedIndex | None = None
) -> tuple[list[str], dict[str, list[str]]]:
    """Each article's story key, in order, and each key's links' keys, best first; what
    `memo` should keep for next time is saved."""
    stories = build_stories(contents, memo)
    links = find_links(contents, stories, options, fitted)
    memo.save()
    keys = [story.key for story in stories]
    return keys, {key: [link.key for link in links.get(key, ())] for key in keys}


def give_links(contents: list, keys: list[str], links: dict[str, list[str]]) -> None:
    """Set each article's ``related_stories`` from its key's links."""
    by_key = dict(zip(keys, contents, strict=True))
    for article, key in zip(contents, keys, strict=True):
        article.related_stories = [by_key[linked] for linked in links[key]]


def link_articles(
    contents: list, options: RelatedSettings, memo: Memo, fitted: RelatedIndex | None = None
) -> None:
    """Set each article's ``related_stories``; keep what `memo` should keep for next time."""
    give_links(contents, *found_links(contents, options, memo, fitted))


def register() -> None:
    """Connect the related-stories pass to Pelican."""
    ARTICLES_READ[PLUGIN_NAME] = start_fit
    signals.article_generator_pretaxonomy.connect(articles_read)
    signals.article_generator_finalized.connect(add_related_stories)
    signals.get_writer.connect(take_links)
