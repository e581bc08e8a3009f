"""What the Pelican plugins share that needs no Pelican: whether a build lists one,
where a generator keeps its articles, and the writer state a forked writer hands back."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit


def plugin_listed(settings: Mapping, name: str) -> bool:
    """True when the running build's PLUGINS names `name` (as a string or a module).

    Pelican's signals are process-global, so every handler asks this first and does
    nothing for a build that did not list its plugin.
    """
    for plugin in settings.get("PLUGINS") or ():
        listed = plugin if isinstance(plugin, str) else getattr(plugin, "__name__", "")
        if listed == name or listed.endswith("." + name):
            return True
    return False


# Where Pelican's ArticlesGenerator keeps what it read: published, hidden and draft
# articles and their translations.
ARTICLE_LISTS = (
    "articles",
    "translations",
    "hidden_articles",
    "hidden_translations",
    "drafts",
    "drafts_translations",
)


def every_article(article_generator) -> list:
    """Every article the generator holds, each once, in list order."""
    found = {
        id(article): article
        for name in ARTICLE_LISTS
        for article in getattr(article_generator, name, None) or ()
    }
    return list(found.values())


def local_hosts(settings: Mapping) -> set[str]:
    """The hosts this site is served from (SITEURL, FEEDS_SITEURL): links to them are
    not outbound."""
    hosts = set()
    for key in ("SITEURL", "FEEDS_SITEURL"):
        host = urlsplit(settings.get(key) or "").hostname
        if host:
            hosts.add(host.lower())
    return hosts


@dataclass(frozen=True)
class WriterShare:
    """A plugin's part of a Pelican Writer's state, for pages written by a forked process
    (``plugins/parallel_write``): ``prepare(writer, contents, processes)`` runs before the
    fork, here, with the contents whose pages are shared out and the number of processes
    that will write them (what it works out then, every process has);
    ``collect(writer)`` in the forked process once its pages are written (a picklable
    value); ``merge(writer, value)`` back here, before the build goes on;
    ``reuses(writer)``, whether the build will find its pages kept by an earlier one (a
    rebuild, whose pages are mostly links rather than renderings)."""

    prepare: Callable[[Any, list, int], None]
    collect: Callable[[Any], Any]
    merge: Callable[[Any, Any], None]
    reuses: Callable[[Any], bool] = lambda _writer: False


WRITER_SHARES: dict[str, WriterShare] = {}  # by plugin name, registered at import


# Work a plugin starts as soon as the articles are read (``articles_read``), by plugin name.
ARTICLES_READ: dict[str, Callable[[Any], None]] = {}


def articles_read(article_generator) -> None:
    """Start each plugin's ``ARTICLES_READ`` work for this generator, once.

    Pelican sends ``article_generator_pretaxonomy`` once the articles are read, and
    blinker calls its receivers in no set order; work that should run beside the
    others' (a forked process) must start before any of them. So every plugin with a
    receiver there calls this first, and whichever Pelican calls first starts it all."""
    started = article_generator.__dict__.setdefault("_broadsheet_articles_read", set())
    for name, begin in list(ARTICLES_READ.items()):
        if name not in started:
            started.add(name)
            begin(article_generator)
