"""Writes sitemap.xml, robots.txt and 404.html after the other generators have filled
the context (broadsheet.seo has the formats).

The sitemap lists the home page, every published article and page (hidden pages and
drafts never), every published digest issue and every outlet's page (plugins/sources;
its <lastmod> its newest article's), at absolute URLs on FEEDS_SITEURL (else
an absolute SITEURL), each with its Modified or Date as <lastmod>: nothing in it depends
on when the build ran. Without an absolute base URL there is no sitemap, and robots.txt
names none. The 404 page is rendered with RELATIVE_URLS off, since a server shows it at
any path: its links start at the site root.
"""

from __future__ import annotations

import logging
from pathlib import Path

from pelican import signals
from pelican.generators import Generator

from broadsheet.plugins import plugin_listed
from broadsheet.seo import absolute_url, last_modified, robots_txt, site_base, sitemap_xml

PLUGIN_NAME = "seo"
NOT_FOUND_TEMPLATE = "404"
log = logging.getLogger(__name__)


def plugin_enabled(settings) -> bool:
    return plugin_listed(settings, PLUGIN_NAME)


def sitemap_entries(context, base: str) -> list:
    """(absolute URL, last modified) for every page the sitemap lists, in a stable order."""
    articles = sorted(context.get("articles", []), key=lambda a: (a.date, a.url), reverse=True)
    pages = sorted(context.get("pages", []), key=lambda p: p.url)
    digests = [d for d in context.get("digests", []) if not d.draft]
    newest = max((last_modified(a) for a in articles), default=None)
    entries = [(absolute_url("index.html", base), newest)]
    entries += [(absolute_url(a.url, base), last_modified(a)) for a in articles]
    entries += [(absolute_url(p.url, base), getattr(p, "modified", None)) for p in pages]
    entries += [(absolute_url(d.url, base), last_modified(d)) for d in digests]
    for source, stories in sorted(context.get("sources", []), key=lambda group: group[0].url):
        newest_story = max((last_modified(a) for a in stories), default=None)
        entries.append((absolute_url(source.url, base), newest_story))
    return entries


class SeoGenerator(Generator):
    """The sitemap, robots.txt and the 404 page."""

    def generate_output(self, writer) -> None:
        settings = self.settings
        output = Path(self.output_path)
        base = site_base(settings)
        sitemap_save_as = settings.get("SITEMAP_SAVE_AS", "sitemap.xml")
        sitemap_url = ""
        if sitemap_save_as and base:
            (output / sitemap_save_as).parent.mkdir(parents=True, exist_ok=True)
            (output / sitemap_save_as).write_bytes(sitemap_xml(sitemap_entries(self.context, base)))
            sitemap_url = absolute_url(sitemap_save_as, base)
        elif sitemap_save_as:
            log.warning("seo: no sitemap.xml: FEEDS_SITEURL or SITEURL must be absolute")
        robots_save_as = settings.get("ROBOTS_SAVE_AS", "robots.txt")
        if robots_save_as:
            (output / robots_save_as).write_text(robots_txt(sitemap_url), encoding="utf-8")
        not_found_save_as = settings.get("NOT_FOUND_SAVE_AS", "404.html")
        if not_found_save_as:
            writer.write_file(
                not_found_save_as,
                self.get_template(NOT_FOUND_TEMPLATE),
                self.context,
                relative_urls=False,
                not_found=True,
            )


def add_generator(pelican):
    """get_generators: the writer, for a build that lists this plugin."""
    return SeoGenerator if plugin_enabled(pelican.settings) else None


def register() -> None:
    signals.get_generators.connect(add_generator)
