"""Source pages: every published article from one outlet, and the outlets' index.

What a build writes:

- one page per outlet (each article's ``Source`` metadata) at ``SOURCE_SAVE_AS``
  (default ``source/{slug}.html``), its published articles newest first, in the
  same story list as the tag and category pages (template ``source.html``,
  variables ``source`` and ``articles``), paginated like them: ``DEFAULT_PAGINATION``
  stories a page, or ``PAGINATED_TEMPLATES["source"]``, later pages at
  ``PAGINATION_PATTERNS``' URLs (``source/{slug}2.html`` with Pelican's default);
- the index at ``SOURCES_SAVE_AS`` (default ``sources.html``): every outlet, by
  name, with its article count (template ``sources.html``, variable ``sources``: a
  list of ``(source, articles)``).

The slug is Pelican's slugify with the site's settings (``SLUG_REGEX_SUBSTITUTIONS``,
or ``SOURCE_REGEX_SUBSTITUTIONS``; ``SLUGIFY_PRESERVE_CASE``, ``SLUGIFY_USE_UNICODE``),
as for tags: two spellings that slugify alike are one outlet, named as its newest
article names it. Each article, published, hidden or draft, gets
``article.source_page`` (the ``Source`` with ``url``; ``None`` without a Source, or
when no published article names that outlet, so it has no page) and
``article.full_text``: ``False`` when ``content/sources.yml`` says ``full_text: false``
for its outlet (``broadsheet.reader.outlet_allows_full_text``, the feeds' own rule),
so the theme shows the summary and a link to the original instead of the body.

Signals. ``article_generator_finalized`` groups the articles and sets the
attributes; ``get_generators`` adds ``SourcesGenerator``, which writes the pages.
Both do nothing unless ``sources`` is in the running build's ``PLUGINS``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from pelican import signals
from pelican.generators import Generator
from pelican.urlwrappers import URLWrapper

from broadsheet.plugins import every_article, plugin_listed
from broadsheet.reader import outlet_allows_full_text
from broadsheet.sanitize import safe_url
from broadsheet.sources import load_outlets

PLUGIN_NAME = "sources"
SOURCES_FILE = "sources.yml"  # in PATH, as tasks.py import and plugins/feeds read it
SOURCE_TEMPLATE = "source"
SOURCES_TEMPLATE = "sources"
DEFAULTS = {
    "SOURCE_URL": "source/{slug}.html",
    "SOURCE_SAVE_AS": "source/{slug}.html",
    "SOURCES_URL": "sources.html",
    "SOURCES_SAVE_AS": "sources.html",
}


class Source(URLWrapper):
    """An outlet: its name, slug, SOURCE_URL and SOURCE_SAVE_AS (URLWrapper reads the
    settings named after the class)."""


def plugin_enabled(settings: Mapping) -> bool:
    return plugin_listed(settings, PLUGIN_NAME)


def source_name(article) -> str:
    return str(getattr(article, "source", "") or "").strip()


def group_sources(articles, settings: Mapping) -> list[tuple[Source, list]]:
    """(source, its articles newest first) for the given articles, sources by name."""
    settings = {**DEFAULTS, **settings}
    groups: dict[str, tuple[Source, list]] = {}
    for article in sorted(articles, key=lambda a: a.date, reverse=True):
        name = source_name(article)
        if not name:
            continue
        source = Source(name, settings)
        if not source.slug:
            continue
        groups.setdefault(source.slug, (source, []))[1].append(article)
    return sorted(groups.values(), key=lambda group: (group[0].name.casefold(), group[0].slug))


def prepare_sources(article_generator) -> None:
    """article_generator_finalized: source pages, article.source_page, article.full_text."""
    settings = article_generator.settings
    if not plugin_enabled(settings):
        return
    outlets = load_outlets(Path(settings.get("PATH") or ".") / SOURCES_FILE)
    groups = group_sources(article_generator.articles, settings)
    by_slug = {source.slug: source for source, _ in groups}
    merged = {**DEFAULTS, **settings}
    for article in every_article(article_generator):
        name = source_name(article)
        slug = Source(name, merged).slug if name else ""
        article.source_page = by_slug.get(slug) if slug else None
        source_url = safe_url(getattr(article, "source_url", None))
        article.full_text = outlet_allows_full_text(name or None, source_url or None, outlets)
    article_generator.context["sources"] = groups
    article_generator.context["sources_url"] = merged["SOURCES_URL"]


class SourcesGenerator(Generator):
    """Writes a page per source and the sources index."""

    def generate_output(self, writer) -> None:
        settings = {**DEFAULTS, **self.settings}
        groups = self.context.get("sources", [])
        relative = self.settings.get("RELATIVE_URLS", False)
        if settings["SOURCE_SAVE_AS"]:
            template = self.get_template(SOURCE_TEMPLATE)
            for source, articles in groups:
                writer.write_file(
                    source.save_as,
                    template,
                    self.context,
                    relative_urls=relative,
                    paginated={"articles": articles},
                    template_name=SOURCE_TEMPLATE,
                    source=source,
                    articles=articles,
                    url=source.url,
                    page_name=source.page_name,
                )
        if settings["SOURCES_SAVE_AS"]:
            writer.write_file(
                settings["SOURCES_SAVE_AS"],
                self.get_template(SOURCES_TEMPLATE),
                self.context,
                relative_urls=relative,
                url=settings["SOURCES_URL"],
            )


def add_generator(pelican):
    """get_generators: the writer, for a build that lists this plugin (whose source
    pages Pelican's writer then paginates as it does tag pages)."""
    if not plugin_enabled(pelican.settings):
        return None
    pelican.settings.setdefault("PAGINATED_TEMPLATES", {}).setdefault(SOURCE_TEMPLATE, None)
    return SourcesGenerator


def register() -> None:
    signals.article_generator_finalized.connect(prepare_sources)
    signals.get_generators.connect(add_generator)
