"""Write a small redirect page at every old URL an article lists in ``Previous_slugs``.

An article renamed by its curator, or a syndicated copy folded into the first
article by ``import --reclean``, keeps its old URL alive: readers and search
engines that follow it land on the article.

``Previous_slugs`` is a comma-separated list. An entry is either a slug (the old
URL is the article's own URL pattern, ``ARTICLE_SAVE_AS``, with that slug and the
article's date) or a site path ending in ``.html`` (``2024/02/old-slug.html``) for
an article that lived under another date. Entries are checked: a slug is lower-case
letters, digits and hyphens; a path is such segments joined by ``/``. A bad entry,
or one that would overwrite a real page, is a build error naming the article.

A withdrawn article (``Status: unpublished``, ``plugins/withdrawn``) keeps its
redirects: its URL shows the withdrawn notice, so old links land there, not on a 404.

The page is a plain HTML document with ``<link rel="canonical">``, a zero-second
``<meta http-equiv="refresh">`` and a visible link, written on
``article_writer_finalized`` (after every article page is written) and only when
``redirects`` is among the build's PLUGINS.
"""

from __future__ import annotations

import logging
import os
import posixpath
import re
from pathlib import Path

from markupsafe import escape
from pelican import signals
from pelican.utils import sanitised_join

from broadsheet.plugins import plugin_listed

logger = logging.getLogger(__name__)

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
REDIRECT_MARK = '<meta name="generator" content="broadsheet redirects">'
SITE_PATH = re.compile(r"^(?:[A-Za-z0-9_-]+/)*[a-z0-9]+(?:-[a-z0-9]+)*\.html$")


def redirect_paths(article, settings) -> list[str]:
    """The output paths (relative to the output folder) that should lead to `article`."""
    raw = getattr(article, "previous_slugs", "") or ""
    paths = []
    for entry in (e.strip() for e in str(raw).split(",")):
        if not entry:
            continue
        if SLUG.match(entry):
            pattern = settings.get("ARTICLE_SAVE_AS", "{slug}.html")
            paths.append(pattern.format(slug=entry, date=article.date, lang=article.lang))
        elif SITE_PATH.match(entry):
            paths.append(entry)
        else:
            logger.error(
                "%s: Previous_slugs entry %r is neither a slug nor a site path ending in .html",
                article.source_path,
                entry,
            )
    return paths


def render_redirect(target_url: str, title: str) -> str:
    """The redirect page's HTML; every value escaped."""
    url, name = escape(target_url), escape(title)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"{REDIRECT_MARK}\n"
        '<meta name="robots" content="noindex">\n'
        f"<title>Moved: {name}</title>\n"
        f'<link rel="canonical" href="{url}">\n'
        f'<meta http-equiv="refresh" content="0; url={url}">\n'
        "</head>\n<body>\n"
        f'<p>This story has moved: <a href="{url}">{name}</a>.</p>\n'
        "</body>\n</html>\n"
    )


def _is_other_page(destination: Path) -> bool:
    """True when the build already wrote a real page there (index, archives, tag pages…).

    A redirect page left by an earlier build is not a real page.
    """
    if not destination.exists():
        return False
    head = destination.read_text(encoding="utf-8", errors="replace")[:400]
    return REDIRECT_MARK not in head


def _enabled(settings) -> bool:
    return plugin_listed(settings, "redirects")


def write_redirects(article_generator, writer=None) -> None:
    """Write the redirect pages of every article that lists Previous_slugs."""
    settings = article_generator.settings
    if not _enabled(settings):
        return
    output = article_generator.output_path
    context = article_generator.context
    real_pages = {
        content.save_as
        for content in [
            *article_generator.articles,
            *article_generator.translations,
            *context.get("pages", []),
            *context.get("hidden_pages", []),
        ]
    }
    site_url = (settings.get("SITEURL") or "").rstrip("/")
    withdrawn = [
        article
        for article in article_generator.hidden_articles
        if getattr(article, "withdrawn", False) is True
    ]
    targets = [*article_generator.articles, *withdrawn]
    for article in sorted(targets, key=lambda a: a.source_path):
        for path in redirect_paths(article, settings):
            destination = Path(sanitised_join(output, path))
            if path in real_pages or _is_other_page(destination):
                logger.error(
                    "%s: Previous_slugs entry %s is the URL of a real page",
                    article.source_path,
                    path,
                )
                continue
            if site_url and not settings.get("RELATIVE_URLS"):
                target = f"{site_url}/{article.url}"
            else:
                target = posixpath.relpath(article.save_as, posixpath.dirname(path) or ".")
            os.makedirs(destination.parent, exist_ok=True)
            destination.write_text(render_redirect(target, article.title), encoding="utf-8")


def register() -> None:
    """Connect the redirect writer to Pelican."""
    signals.article_writer_finalized.connect(write_redirects)
