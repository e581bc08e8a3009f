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

An article whose metadata says ``Autotag: off`` keeps only its hand tags.

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

from pathlib import Path

from pelican import signals
from pelican.urlwrappers import Tag

from broadsheet.plugins import every_article, plugin_listed
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


def build_tags(article, assigned: list[AssignedTag]) -> list[Tag]:
    """Tag objects for the assigned names, reusing the hand Tag objects as read."""
    by_name = {tag.name: tag for tag in hand_tags(article)}
    tags: list[Tag] = []
    slugs: set[str] = set()
    for assigned_tag in assigned:
        tag = by_name.get(assigned_tag.name) if assigned_tag.origin == "hand" else None
        tag = tag or Tag(assigned_tag.name, article.settings)
        if tag.slug not in slugs:  # two spellings with one tag page are one tag
            slugs.add(tag.slug)
            tags.append(tag)
    return tags


def autotag_articles(article_generator) -> None:
    """Give every article the generator read its hand, vocabulary and automatic tags."""
    settings = article_generator.settings
    if not plugin_enabled(settings):
        return
    options = AutotagSettings.from_settings(settings)
    vocabulary = read_vocabulary(settings)
    contents = sorted(every_article(article_generator), key=lambda article: article.source_path)
    assigned = tag_articles([taggable(article) for article in contents], vocabulary, options)
    for article, tags in zip(contents, assigned, strict=True):
        if tags or hasattr(article, "tags"):
            article.tags = build_tags(article, tags)  # a new list: see the module docstring


def register() -> None:
    """Connect the tagger to Pelican."""
    signals.article_generator_pretaxonomy.connect(autotag_articles)
