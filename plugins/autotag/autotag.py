"""Tag every article from the curated vocabulary and from the names in its text.

The rules (hand tags first and always kept, then vocabulary tags, then automatic
tags; stop-tags out; case-insensitive de-duplication; a cap beyond the hand tags)
live in ``broadsheet.tagging``, shared with ``tasks.py tags``, so the command line
shows exactly what the build assigns. The vocabulary file's shape is described in
``broadsheet.vocabulary``.

Settings (read from the build's own settings, each with a default):

- ``AUTOTAG_VOCABULARY``: the vocabulary file, relative to ``PATH`` unless absolute
  (default ``tags.yml``; a missing file is an empty vocabulary).
- ``AUTOTAG_MAX``: vocabulary and automatic tags an article may get beyond its hand
  tags (default 6; 0 adds none).
- ``AUTOTAG_MIN_SCORE``: the lowest ``EntityTagger`` score kept (default 0.0).
- ``AUTOTAG_KINDS``: the automatic kinds kept, from place, person, organisation and
  name (default ``None``: all). Vocabulary tags are curated and always kept.
- ``AUTOTAG_PROCESSES``: processes that read the articles the cache does not hold
  (default ``None``: one per CPU, at most 4; 1 reads here alone). Only from 500
  articles to read (``broadsheet.tagging.tag_articles``); the tags are the same.

An article whose metadata says ``Autotag: off`` keeps only its hand tags.

Cache. When the build keeps caches (``broadsheet.buildcache``: Pelican's content cache
is on), what ``broadsheet.tagging`` learns of each article is kept in
``CACHE_PATH/autotag`` (the tagger's reading of it and the names it resolved, its
vocabulary tags), so a build after a few articles were added, edited or deleted reads
those few again; the tags are exactly those of a build without the cache. Without the
content cache nothing is read or written there.

Text. The tagger is fitted on every article the build read (published, hidden,
drafts and translations), each as its title plus the text of its rendered body.

Signal. ``article_generator_pretaxonomy`` fires after every article is read and
before Pelican files articles under their tags, so automatic tags reach the tag
pages, the tags index and the tag feeds, not only the article page. Each article
gets a new ``tags`` list built from its hand tags in ``metadata["tags"]``, which is
never changed: Pelican's content cache keeps that list (and, in the generator
caching layer, the whole article), so appending to it would hand the automatic
tags back as hand tags on the next warm build, and duplicate them. Pelican's
signals are process-global, so the handler does nothing unless ``autotag`` is in
the running build's ``PLUGINS``.

A bad vocabulary file, setting or ``Autotag`` value stops the build with one line
naming the file and the entry.
"""

from __future__ import annotations

import zlib
from collections.abc import Hashable
from pathlib import Path
from typing import Any

from pelican import signals
from pelican.urlwrappers import Tag

from broadsheet.buildcache import Memo, cache_folder
from broadsheet.forked import wanted_processes
from broadsheet.perf import collection_paused
from broadsheet.plugins import articles_read, every_article, plugin_listed
from broadsheet.tagging import (
    AssignedTag,
    AutotagSettings,
    TaggableArticle,
    autotag_enabled,
    split_tags,
    tag_articles,
)
from broadsheet.vocabulary import Vocabulary, load_vocabulary

PLUGIN_NAME = "autotag"
DEFAULT_VOCABULARY = "tags.yml"
CACHE_FOLDER = "autotag"  # under CACHE_PATH
MEMO_NAME = "articles"
# The memo is split over this many files by key: a build that changes a few articles
# rewrites a few small files, not one holding the whole site.
MEMO_SHARDS = 16


def plugin_enabled(settings: dict) -> bool:
    """True when the running build lists this plugin (by name or as a module)."""
    return plugin_listed(settings, PLUGIN_NAME)


def vocabulary_path(settings: dict) -> Path:
    """The vocabulary file: AUTOTAG_VOCABULARY, relative to the content PATH."""
    configured = Path(settings.get("AUTOTAG_VOCABULARY") or DEFAULT_VOCABULARY).expanduser()
    return Path(settings.get("PATH") or ".") / configured


def read_vocabulary(settings: dict) -> Vocabulary:
    """The build's checked vocabulary (raises VocabularyError naming the file)."""
    return load_vocabulary(vocabulary_path(settings))


def hand_tags(article) -> list[Tag]:
    """The tags written in the article itself, as Pelican read them."""
    value = article.metadata.get("tags") or []
    if isinstance(value, str):
        return [Tag(name, article.settings) for name in split_tags(value)]
    return list(value)


def taggable(article) -> TaggableArticle:
    """What broadsheet.tagging needs of a Pelican article."""
    path = article.relative_source_path or article.source_path
    return TaggableArticle(
        path=path,
        title=str(getattr(article, "title", "")),
        body=article._content or "",
        hand_tags=tuple(tag.name for tag in hand_tags(article)),
        autotag=autotag_enabled(article.metadata.get("autotag"), path),
        published=article.status == "published",
    )


class ShardedMemo:
    """A ``broadsheet.buildcache.Memo`` split over `shards` files by key: ``save`` writes
    only the files whose entries changed."""

    def __init__(self, folder: Path, name: str, shards: int = MEMO_SHARDS) -> None:
        self.memos = [Memo(folder, f"{name}-{index:02d}") for index in range(shards)]

    def _memo(self, key: Hashable) -> Memo:
        # A stable hash: Python's own hash of a string changes from one run to the next.
        return self.memos[zlib.crc32(repr(key).encode("utf-8", "surrogatepass")) % len(self.memos)]

    def get(self, key: Hashable, default: Any = None) -> Any:
        return self._memo(key).get(key, default)

    def put(self, key: Hashable, value: Any) -> None:
        self._memo(key).put(key, value)

    def save(self) -> None:
        for memo in self.memos:
            memo.save()


def slug_rules(settings: dict) -> tuple:
    """What Pelican's ``Tag.slug`` reads of the settings."""
    return (
        settings.get("TAG_REGEX_SUBSTITUTIONS", settings.get("SLUG_REGEX_SUBSTITUTIONS", [])),
        settings.get("SLUGIFY_PRESERVE_CASE", False),
        settings.get("SLUGIFY_USE_UNICODE", False),
    )


class TagMaker:
    """Tag objects for a build with each name slugified once: Pelican's slugify is slow,
    and a site gives the same few thousand names to many articles."""

    def __init__(self, settings: dict) -> None:
        self.settings = settings
        self.rules = slug_rules(settings)
        self.slugs: dict[str, str] = {}
        # Settings dicts (by id) whose slug rules are this build's: an article from
        # Pelican's content cache brings its own copy of the settings.
        self.same_rules: dict[int, bool] = {id(settings): True}

    def tag(self, name: str) -> Tag:
        """A new Tag for `name`."""
        return self.slugged(Tag(name, self.settings))

    def slugged(self, tag: Tag) -> Tag:
        """`tag`, its slug set as its slug property would set it, once per name."""
        if tag._slug is not None:
            return tag
        same = self.same_rules.get(id(tag.settings))
        if same is None:
            same = self.same_rules[id(tag.settings)] = slug_rules(tag.settings) == self.rules
        if not same:
            return tag
        slug = self.slugs.get(tag.name)
        if slug is not None:
            tag._slug = slug
        elif tag.slug:  # an empty slug is worked out (and warned about) each time
            self.slugs[tag.name] = tag.slug
        return tag


def build_tags(article, assigned: list[AssignedTag], maker: TagMaker | None = None) -> list[Tag]:
    """Tag objects for the assigned names, reusing the hand Tag objects as read."""
    maker = maker or TagMaker(article.settings)
    by_name = {tag.name: tag for tag in hand_tags(article)}
    tags: list[Tag] = []
    slugs: set[str] = set()
    for assigned_tag in assigned:
        tag = by_name.get(assigned_tag.name) if assigned_tag.origin == "hand" else None
        tag = maker.slugged(tag) if tag is not None else maker.tag(assigned_tag.name)
        slug = tag.slug
        if slug not in slugs:  # two spellings with one tag page are one tag
            slugs.add(slug)
            tags.append(tag)
    return tags


def autotag_articles(article_generator) -> None:
    """Give every article the generator read its hand, vocabulary and automatic tags."""
    articles_read(article_generator)  # what other plugins start beside this
    settings = article_generator.settings
    if not plugin_enabled(settings):
        return
    options = AutotagSettings.from_settings(settings)
    vocabulary = read_vocabulary(settings)
    contents = sorted(every_article(article_generator), key=lambda article: article.source_path)
    folder = cache_folder(settings, CACHE_FOLDER)
    with collection_paused():  # loading the memo makes millions of acyclic objects
        memo = ShardedMemo(folder, MEMO_NAME) if folder is not None else None
        taggables = [taggable(article) for article in contents]
        processes = wanted_processes(settings.get("AUTOTAG_PROCESSES"))
        assigned = tag_articles(taggables, vocabulary, options, memo, processes)
        if memo is not None:
            memo.save()
        # Freed now by reference counts, not traversed when the collector runs again.
        del memo, taggables
        maker = TagMaker(settings)
        for article, tags in zip(contents, assigned, strict=True):
            if tags or hasattr(article, "tags"):
                article.tags = build_tags(article, tags, maker)  # a new list: see above


def register() -> None:
    """Connect the tagger to Pelican."""
    signals.article_generator_pretaxonomy.connect(autotag_articles)
