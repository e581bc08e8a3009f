"""Sanitise every content object's HTML at build time, so a hand edit cannot inject script.

The importer already writes escaped text and safe links; this plugin is the
guarantee. Each Article, Page, draft or any other Pelican content object that
carries HTML in ``_content`` has it replaced by ``broadsheet.sanitize.clean_html``
(an nh3 allowlist), and so has every formatted metadata field (``FORMATTED_FIELDS``,
by default the Markdown-rendered ``Summary``). Relative URLs pass through, so
intra-site links (``{filename}…``, ``{static}…``, ``../x.html``) still resolve.
The feeds plugin reads ``get_content`` and ``metadata["summary"]``, so feeds carry
the sanitised HTML too.

Settings (read from the build's own settings, each with a default):

- ``SAFE_HTML_LINK_REL``: rel added to links to other hosts (default
  ``"nofollow noopener"``; ``None`` or empty adds nothing). Curated digests link to
  many outlets without vouching for them, hence ``nofollow``; ``noopener`` keeps a
  linked page from reaching back into ours should a target ever be added. No
  ``noreferrer``: outlets may see the traffic they get from the digest. Links to
  the hosts of ``SITEURL`` and ``FEEDS_SITEURL``, and relative links, are left alone.
- ``SAFE_HTML_URL_METADATA``: metadata keys holding one URL the theme or the feeds
  put in href/src (default ``("image", "source_url")``). A value that is not an
  absolute http(s)/mailto URL (``sanitize.safe_url``) is removed from the
  article, with a warning naming its file, so no template or feed can emit it.

Plain-text metadata (Title, Byline, Image_caption, …) is not touched here: the
theme escapes it (Jinja autoescape, pelicanconf ``JINJA_ENVIRONMENT``).

Each fragment goes through the cleaner once: what it made of a fragment (or that the
fragment came out unchanged) is kept by the fragment's hash, with the rel, the local
hosts and nh3's version, for the rest of the build and, with the build caches on
(``broadsheet.buildcache``), for the next build in ``CACHE_PATH/safe_html/``. So are
``safe_url``'s answers, which depend on the URL alone (``sanitize.keep_url_answers``:
every plugin's checks use them): a rebuild of 10,000 stories checked their 10,000 source
URLs again, 0.2 s before anything else could start. The check at
``all_generators_finalized`` passes over an object whose body, metadata and the values
it read are the very objects it was left with when made (strings cannot change in
place, so another plugin's change is a new object), and checks the rest again.

Signals. ``content_object_init`` sanitises each object as it is made, before any
generator or plugin reads its content. ``all_generators_finalized`` checks again
every content object any generator holds (articles, translations, drafts, pages,
hidden pages, and the lists of generators other plugins add), just before
anything is written, and re-cleans whatever another plugin changed meanwhile,
forgetting the content Pelican had memoised for it. Pelican's signals are
process-global, so both handlers do nothing unless ``safe_html`` is in the
running build's ``PLUGINS``.
"""

from __future__ import annotations

import logging
import operator
from collections.abc import Callable, Collection, Iterator
from importlib import metadata

from pelican import signals
from pelican.contents import Content

from broadsheet.buildcache import Memo, cache_folder, digest_of
from broadsheet.plugins import local_hosts, plugin_listed
from broadsheet.sanitize import clean_html, keep_url_answers, mark_outbound_links, safe_url

logger = logging.getLogger(__name__)

PLUGIN_NAME = "safe_html"
DEFAULT_LINK_REL = "nofollow noopener"
DEFAULT_URL_METADATA = ("image", "source_url")
MEMOISED_RENDERINGS = ("get_content", "get_summary")
FOLDER = "safe_html"  # under CACHE_PATH


def plugin_enabled(settings: dict) -> bool:
    """True when the running build lists this plugin (by name or as a module)."""
    return plugin_listed(settings, PLUGIN_NAME)


def sanitise_html(fragment: str, settings: dict) -> str:
    """The fragment through the allowlist, outbound links marked with the configured rel."""
    cleaned = clean_html(fragment)
    rel = settings.get("SAFE_HTML_LINK_REL", DEFAULT_LINK_REL)
    if rel:
        cleaned = mark_outbound_links(cleaned, rel, local_hosts(settings))
    return cleaned


class CleanedFragments:
    """What ``sanitise_html`` made of each fragment this build (and, with the caches on,
    the builds before) met: by the fragment's hash, None when it came out unchanged."""

    def __init__(self, settings: dict) -> None:
        self.settings = settings
        rel = settings.get("SAFE_HTML_LINK_REL", DEFAULT_LINK_REL)
        self.salt = repr((rel, sorted(local_hosts(settings)), metadata.version("nh3")))
        folder = cache_folder(settings, FOLDER)
        self.memo = Memo(folder, "fragments")
        self.urls = Memo(folder, "urls")  # safe_url's answers: sanitize.keep_url_answers
        self.left: dict[int, tuple] = {}  # id(content) -> (content, what it was left with)

    def leave(self, content: Content) -> None:
        """Note what `content` is left with, checked."""
        self.left[id(content)] = (content, checked_state(content))

    def unchanged(self, content: Content) -> bool:
        """True when `content` still holds the very objects it was left with."""
        found = self.left.get(id(content))
        if found is None or found[0] is not content:
            return False
        state, then = checked_state(content), found[1]
        return len(state) == len(then) and all(map(operator.is_, state, then))

    def save(self) -> None:
        self.memo.save()
        self.urls.save()

    def sanitised(self, fragment: str) -> str:
        key = digest_of(self.salt, fragment)
        if key in self.memo:
            found = self.memo.get(key)
        else:
            cleaned = sanitise_html(fragment, self.settings)
            found = None if cleaned == fragment else cleaned
            self.memo.put(key, found)
        return fragment if found is None else found


BUILDS: dict[int, CleanedFragments] = {}  # the running build's, by id of its settings


def running_build(settings: dict) -> CleanedFragments | None:
    """The memos of the build these settings are the running build's settings of."""
    found = BUILDS.get(id(settings))
    return found if found is not None and found.settings is settings else None


def sanitiser(settings: dict) -> Callable[[str], str]:
    """The running build's memo's ``sanitised``; for content made outside a build (with
    settings ``initialized`` did not see), ``sanitise_html`` itself."""
    found = running_build(settings)
    if found is None:
        return lambda fragment: sanitise_html(fragment, settings)
    return found.sanitised


def unsafe_url_keys(metadata: dict, keys: Collection[str]) -> list[str]:
    """The URL-valued metadata keys whose value safe_url refuses."""
    return [
        key
        for key in keys
        if metadata.get(key) is not None and safe_url(str(metadata[key])) is None
    ]


def checked_keys(settings: dict) -> list[str]:
    """The metadata keys sanitise_content reads: formatted fields, then URL keys."""
    formatted = [key.lower() for key in settings.get("FORMATTED_FIELDS", ())]
    return formatted + list(settings.get("SAFE_HTML_URL_METADATA", DEFAULT_URL_METADATA))


def checked_state(content: Content) -> tuple:
    """The objects sanitise_content reads of `content`: its body, its metadata and the
    metadata's values it checks."""
    body = getattr(content, "_content", None)
    metadata = getattr(content, "metadata", None)
    if not isinstance(metadata, dict):
        return (body, metadata)
    return (body, metadata, *[metadata.get(key) for key in checked_keys(content.settings)])


def sanitise_content(content: Content) -> bool:
    """Sanitise one content object in place; True when anything changed."""
    settings = content.settings
    sanitised = sanitiser(settings)
    changed = False
    body = getattr(content, "_content", None)
    if isinstance(body, str):
        cleaned = sanitised(body)
        if cleaned != body:
            content._content = cleaned
            changed = True

    metadata = getattr(content, "metadata", None)
    if not isinstance(metadata, dict):
        return changed
    for key in settings.get("FORMATTED_FIELDS", ()):
        key = key.lower()
        value = metadata.get(key)
        if isinstance(value, str):
            cleaned = sanitised(value)
            if cleaned != value:
                metadata[key] = cleaned
                setattr(content, "_summary" if key == "summary" else key, cleaned)
                changed = True
    for key in unsafe_url_keys(
        metadata, settings.get("SAFE_HTML_URL_METADATA", DEFAULT_URL_METADATA)
    ):
        logger.warning(
            "%s: %s %r is not an absolute http(s) URL; left out of the page and feeds",
            content.get_relative_source_path() or content,
            key.capitalize(),
            metadata[key],
        )
        del metadata[key]
        if hasattr(content, key):
            delattr(content, key)
        changed = True
    return changed


def forget_renderings(content: Content) -> None:
    """Drop the content and summary Pelican memoised for this object (they are stale)."""
    for name in MEMOISED_RENDERINGS:
        for cls in type(content).__mro__:
            memo = cls.__dict__.get(name)
            cache = getattr(memo, "cache", None)
            if isinstance(cache, dict):
                for key in [key for key in cache if key and key[0] is content]:
                    del cache[key]


def held_content(generators) -> Iterator[Content]:
    """Every distinct content object held in a list attribute of any generator."""
    seen: set[int] = set()
    for generator in generators:
        for value in vars(generator).values():
            if not isinstance(value, list):
                continue
            for item in value:
                if isinstance(item, Content) and id(item) not in seen:
                    seen.add(id(item))
                    yield item


def sanitise_new_content(content) -> None:
    """content_object_init: sanitise each object as Pelican creates it."""
    settings = getattr(content, "settings", None)
    if isinstance(settings, dict) and plugin_enabled(settings):
        sanitise_content(content)
        build = running_build(settings)
        if build is not None:
            build.leave(content)


def sanitise_held_content(generators) -> None:
    """all_generators_finalized: re-sanitise what other plugins changed since init."""
    for content in held_content(generators):
        if not plugin_enabled(content.settings):
            continue
        build = running_build(content.settings)
        if build is not None and build.unchanged(content):
            continue  # the very objects it was left with when made
        if sanitise_content(content):
            forget_renderings(content)


def start_build(pelican) -> None:
    """initialized: a memo of cleaned fragments for this build (none kept from another)."""
    BUILDS.clear()
    keep_url_answers(None)
    if plugin_enabled(pelican.settings):
        build = BUILDS[id(pelican.settings)] = CleanedFragments(pelican.settings)
        if build.urls.enabled:
            keep_url_answers(build.urls)


def save_build(pelican) -> None:
    """finalized: keep the fragments this build cleaned for the next."""
    found = BUILDS.pop(id(pelican.settings), None)
    if found is not None:
        keep_url_answers(None)
        found.save()


def register() -> None:
    """Connect the sanitisers to Pelican."""
    signals.initialized.connect(start_build)
    signals.content_object_init.connect(sanitise_new_content)
    signals.all_generators_finalized.connect(sanitise_held_content)
    signals.finalized.connect(save_build)
