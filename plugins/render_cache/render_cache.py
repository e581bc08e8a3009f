"""Pages whose inputs have not changed since the last build are not rendered again.

With Pelican's content cache on (publishconf.py, when ``BROADSHEET_CONTENT_CACHE`` names
a folder; see ``broadsheet.buildcache``), every page rendered from one of the templates
in ``RENDER_CACHE_TEMPLATES`` is kept in ``CACHE_PATH/pages/`` with the key of
everything it was made from. The next build computes each page's key again; when it is
the same, the kept file is hard-linked into the output folder (which publishconf deletes
at the start of each build) and the template is not rendered. Without the content cache
the plugin does nothing.

A page's key is made of:

- the site: ``broadsheet.buildcache.code_version()`` (Broadsheet's code, the theme's
  templates, the settings files, the rendering packages' versions), the templates of
  the theme THEME names as they are on disk (``theme_version``: a theme outside the
  repository is not in ``code_version``), every setting in
  the template context (the upper-case names), and every other value of the shared
  context (lower-case names: the menu's pages and categories, the Digests and Sources
  links…) except the site-wide lists in ``SITE_LISTS`` and the values in ``READ_BY``,
  which count only for the templates that read them (``latest_digest``: the home page);
- the page: its output name and template, and each value the generator passed for this
  page alone (the article, the tag, the page of a paginated list with its neighbours'
  URLs, a period's articles…), contents by their ``Fingerprints``: an article page by
  everything the article carries (its text, metadata, tags, category, related stories,
  digests, source page), each story in a list by its own fields;
- an article's lead image's width and height when the image is the site's own copy
  (the page's ``<img>`` carries them).

The contract with the theme that makes this complete: the cached templates read the
site-wide lists in ``SITE_LISTS`` (every article, every tag, every period…) only
through the values passed for their own page (a paginated page's slice, a term's
articles), never whole; a list page shows each of its stories' own fields and never
their related stories; and a template's filters read nothing beyond their arguments
and the settings (``lead_image_size`` reads the image's header, covered above).
``tests/test_render_cache.py`` renders the demo site and generated sites both ways
after edits of every kind and compares every byte; ``tests/test_incremental.py`` does
so after adding, editing and deleting stories. Pages from any other template (digests,
archives, the tags index, the About page…) are always rendered.

The writer is Pelican's: the plugin wraps the template handed to ``Writer.write_file``
(its ``render`` looks the page up first) and ``Writer._open_w`` (a page found in the
cache is linked into place instead of written; a page about to be written first has
whatever is at its path unlinked, so a kept file linked there is never overwritten in
place). Pelican's signals and messages are unchanged. The kept files of pages this
build did not produce are deleted when the build ends (``finalized``); a build that
fails leaves the index as it was, and a kept file changed since it was indexed is
rendered again (``FileStore`` checks size and modification time).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import inspect
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pelican import signals
from pelican.paginator import Page, Paginator
from pelican.utils import sanitised_join
from pelican.writers import Writer

from broadsheet.buildcache import (
    FileStore,
    Fingerprints,
    cache_folder,
    code_version,
    count_reuse,
    digest_of,
    place,
)
from broadsheet.images import image_size
from broadsheet.plugins import WRITER_SHARES, WriterShare, plugin_listed
from broadsheet.templating import KEPT, KeptRenderings

PLUGIN_NAME = "render_cache"
FOLDER = "pages"  # under CACHE_PATH
RENDERINGS_FOLDER = "renderings"  # broadsheet.templating's kept story cards
DEFAULT_TEMPLATES = ("article", "tag", "category", "source", "index", "period_archives")
# The shared context's site-wide lists: no cached template reads them whole.
SITE_LISTS = frozenset(
    {
        "articles",
        "dates",
        "tags",
        "authors",
        "all_articles",
        "drafts",
        "draft_articles",
        "hidden_articles",
        "period_archives",
        "hidden_pages",
        "draft_pages",
        "staticfiles",
        "static_content",
        "static_links",
        "digests",
        "sources",
        "generated_content",
        # plugins/feeds, plugins/digests, Pelican's related_posts: read by the Subscribe
        # page, the digest archive and no template at all
        "feeds_site",
        "feeds_for_category",
        "feeds_for_tag",
        "feeds_digest",
        "feeds_opml",
        "digests_archive",
        "related_posts",
    }
)
# Shared values only some cached templates read: in those pages' keys, not the site's
# (a digest issue edited changes the home page, not every page).
READ_BY = {"latest_digest": frozenset({"index"})}
# Settings no page shows: where the build reads and writes.
NOT_SHOWN = frozenset({"OUTPUT_PATH", "CACHE_PATH"})
# Passed by Pelican with every article and term page, never read by a cached template.
IGNORED_ARGUMENTS = frozenset({"all_articles"})
# Set for each page by Pelican's writer, which also leaves the last page's value in the
# shared context (RELATIVE_URLS: the way back to the site root): never in the site's
# key, always in the page's (else the page first written would leave it out).
PER_PAGE = frozenset({"localsiteurl"})
# A list longer than this passed for a page alone is hashed once per build (shared_value).
SHARED_LIST = 40
MISSING = object()
STATE = "_render_cache_state"  # the Writer attribute holding a build's cache
logger = logging.getLogger(__name__)

PELICAN_WRITE_FILE = inspect.unwrap(Writer.write_file)
PELICAN_OPEN_W = inspect.unwrap(Writer._open_w)


def plugin_enabled(settings: Mapping) -> bool:
    return plugin_listed(settings, PLUGIN_NAME)


class BuildCache:
    """One build's page cache: the kept files, the fingerprints, the site's key."""

    def __init__(self, settings: Mapping) -> None:
        self.store = FileStore(cache_folder(settings, FOLDER))
        self.templates = frozenset(settings.get("RENDER_CACHE_TEMPLATES", DEFAULT_TEMPLATES))
        self.content_root = settings.get("PATH") or "."
        self.fingerprints = Fingerprints()
        self.shared: dict | None = None  # the shared context, as the first page saw it
        self.shared_key = ""
        self.pending: dict[str, tuple[str, str, Path | None]] = {}  # path -> name, key, stored
        self.shared_values: dict[tuple[str, int], str] = {}  # see shared_value
        self.shared_held: list = []
        self.rendered = 0
        folder = cache_folder(settings, RENDERINGS_FOLDER)
        self.kept = KeptRenderings(folder, self.rendering_print) if folder is not None else None

    def rendering_print(self, content) -> str | None:
        """What a kept rendering of `content` (a story card) is made from: the site's key
        and the content's own attributes, as a list page's key holds them; None before
        the first cached page has taken the site's key."""
        if self.shared is None:
            return None
        return digest_of(self.shared_key, self.fingerprints.shallow(content))

    def site_key(self, context: Mapping) -> str:
        """The key of the shared context, taken when the first page is written (after
        every generator has built its part of it)."""
        if self.shared is None:
            self.shared = dict(context)
            parts = [code_version(), theme_version(context.get("THEME"))]
            for name in sorted(self.shared):
                if name in SITE_LISTS or name in NOT_SHOWN or name in READ_BY or name in PER_PAGE:
                    continue
                value = self.shared[name]
                if name == "categories":  # the menu: each section's name and URL
                    parts.append((name, [self.fingerprints.value(each) for each, _ in value]))
                else:
                    parts.append((name, self.fingerprints.value(value)))
            self.shared_key = digest_of(*parts)
        return self.shared_key

    def page_key(self, template_name: str, context: Mapping, localcontext: Mapping) -> str:
        """The key of one page: the site's, then each value that is not the shared
        context's own (what was passed for this page alone, a generator's own copy of
        the context with a period added, a value replaced since the first page)."""
        site = self.site_key(context)
        shared = self.shared
        get = shared.get
        differing = [name for name, item in localcontext.items() if get(name, MISSING) is not item]
        differing += [name for name in PER_PAGE if name in localcontext]
        own = sorted(set(differing) - IGNORED_ARGUMENTS)
        paginated = {name[: -len("_page")] for name in own if name.endswith("_page")}
        parts: list[Any] = [site, template_name]
        stem = Path(template_name).stem
        for name, readers in READ_BY.items():
            if stem in readers and name not in own:
                parts.append((name, self.shared_value(name, localcontext.get(name))))
        for name in own:
            item = localcontext[name]
            if name in paginated and isinstance(item, list):
                parts.append((name, len(item)))  # its page and paginator say the rest
            elif isinstance(item, list) and len(item) > SHARED_LIST:
                parts.append((name, self.shared_value(name, item)))
            else:
                parts.append((name, self.value(name, item)))
        return digest_of(*parts)

    def shared_value(self, name: str, item: Any) -> str:
        """The hash of a value handed to many pages as one object, worked out once per
        build: a shared value only some templates read (``READ_BY``; the latest digest
        issue holds every issue before it: hashed again for each of 2,500 home pages at
        50,000 articles, it was most of a rebuild's time), or a long list passed to every
        page of one tag or category (its ``dates``: hashed for each of its pages, a tag's
        pages cost as the square of its stories). Nothing changes such a value while
        pages are written."""
        key = (name, id(item))
        found = self.shared_values.get(key)
        if found is None:
            found = self.shared_values[key] = digest_of(self.value(name, item))
            self.shared_held.append(item)  # its id stays its own while the build runs
        return found

    def value(self, name: str, item: Any) -> Any:
        if isinstance(item, Page):
            if name.endswith(("_previous_page", "_next_page")):
                return ("neighbour", item.number, item.url, item.save_as)
            return self.page(item)
        if isinstance(item, Paginator):
            return ("paginator", item.num_pages, item.count, item.per_page)
        if name in ("article", "page") and hasattr(item, "_content"):
            own = self.fingerprints.of(item)
            return ("content", own, image_size(self.content_root, getattr(item, "image", None)))
        return self.fingerprints.value(item)

    def page(self, page: Page) -> tuple:
        return (
            "page",
            page.number,
            page.url,
            page.save_as,
            page.has_next(),
            page.has_previous(),
            self.fingerprints.value(page.object_list),
        )

    def save(self) -> None:
        self.store.save()
        if self.kept is not None:
            self.kept.save()
        logger.debug("render_cache: %d pages reused, %d rendered", self.store.reused, self.rendered)


def theme_version(theme: Any) -> str:
    """A hash of the theme's templates as they are now: ``code_version`` covers the
    repository's own theme, not one that THEME names elsewhere."""
    folder = Path(str(theme or "")) / "templates"
    if not theme or not folder.is_dir():
        return ""
    digest = hashlib.blake2b(digest_size=16)
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(folder).as_posix().encode("utf-8", "surrogatepass"))
            digest.update(b"\x1f")
            digest.update(path.read_bytes())
            digest.update(b"\x1e")
    return digest.hexdigest()


BUILDS: list[BuildCache] = []  # the caches of the running build, saved at `finalized`


class CachedTemplate:
    """A template whose ``render`` first looks for the page in the cache."""

    def __init__(self, template, writer: Writer, cache: BuildCache, context: Mapping) -> None:
        self.template, self.writer, self.cache, self.context = template, writer, cache, context

    def __getattr__(self, name: str) -> Any:
        return getattr(self.template, name)

    def render(self, localcontext: Mapping) -> str:
        name = localcontext["output_file"]
        path = sanitised_join(self.writer.output_path, name)
        key = self.cache.page_key(self.template.name, self.context, localcontext)
        stored = self.cache.store.stored(name, key)
        self.cache.pending[path] = (name, key, stored)
        if stored is not None:
            return ""  # _open_w links the kept file into place
        self.cache.rendered += 1
        return self.template.render(localcontext)


class KeptFile:
    """What ``_open_w`` hands the writer for a cached template's page: the real file
    (which it keeps once closed), or for a page found in the cache a sink whose
    closing links the kept file into place."""

    def __init__(self, cache: BuildCache, name: str, path: str, key: str, stored, file) -> None:
        self.cache, self.name, self.path, self.key = cache, name, Path(path), key
        self.stored, self.file = stored, file

    def __enter__(self) -> KeptFile:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
        if exc_info[0] is not None:
            return
        if self.stored is not None:
            place(self.stored, self.path)
        else:
            self.cache.store.keep(self.name, self.key, self.path)

    def write(self, text: str) -> int:
        return self.file.write(text) if self.stored is None else len(text)

    def close(self) -> None:
        if self.file is not None:
            self.file.close()


def build_cache(writer: Writer) -> BuildCache | None:
    cache = writer.__dict__.get(STATE)
    if cache is None:
        if not plugin_enabled(writer.settings):
            return None
        cache = BuildCache(writer.settings)
        if not cache.store.enabled:
            cache = False
        else:
            BUILDS.append(cache)
            KEPT[:] = [cache.kept] if cache.kept is not None else []
        setattr(writer, STATE, cache)
    return cache or None


@functools.wraps(PELICAN_WRITE_FILE)
def write_file(self, name, template, context, *args, **kwargs):
    """Pelican's Writer.write_file, with a cached template's pages looked up first."""
    cache = build_cache(self)
    if cache is not None and getattr(template, "name", None):
        stem = Path(template.name).stem
        if stem in cache.templates:
            template = CachedTemplate(template, self, cache, context)
    return PELICAN_WRITE_FILE(self, name, template, context, *args, **kwargs)


@functools.wraps(PELICAN_OPEN_W)
def _open_w(self, filename, encoding, override=False):
    """Pelican's Writer._open_w; a cached template's page is kept, or linked from the
    cache; and nothing is ever written through a file the cache holds a link to."""
    cache = build_cache(self)
    if cache is None:
        return PELICAN_OPEN_W(self, filename, encoding, override)
    will_write = (filename not in self._overridden_files) and (
        filename not in self._written_files or override
    )
    pending = cache.pending.pop(filename, None)
    if will_write and pending is not None and pending[2] is not None:
        # Found in the cache: Pelican's bookkeeping of what was written (as its _open_w
        # keeps it), without creating the file that the kept one then replaces.
        if override:
            self._overridden_files.add(filename)
        self._written_files.add(filename)
        name, key, stored = pending
        return KeptFile(cache, name, filename, key, stored, None)
    if will_write:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(filename)  # a link to a kept page is replaced, not written through
    file = PELICAN_OPEN_W(self, filename, encoding, override)
    if pending is None or not will_write:
        return file
    name, key, stored = pending
    return KeptFile(cache, name, filename, key, stored, file)


def prepare_fork(writer: Writer, contents: list, processes: int = 1) -> None:
    """Before plugins/parallel_write forks its `processes`: the build's cache, with each
    content's own fingerprint worked out once, by as many processes, rather than again
    in every writer (an article's key holds its related stories' own, and each list
    page its stories'); and the kept story cards read once, here, rather than by each
    writer that draws a list page."""
    cache = build_cache(writer)
    if cache:
        cache.fingerprints.shallow_all(contents, processes)
        if cache.kept is not None:
            cache.kept.load_all()


def forked_state(writer: Writer) -> dict | None:
    """What a forked writer (plugins/parallel_write) made of the cache: the index entries
    of the pages it used and kept, and its counts."""
    cache = writer.__dict__.get(STATE)
    if not cache:
        return None
    store = cache.store
    return {
        "index": {name: store.index[name] for name in store.used if name in store.index},
        "used": store.used,
        "reused": store.reused,
        "kept": store.kept,
        "rendered": cache.rendered,
    }


def merge_forked_state(writer: Writer, state: dict | None) -> None:
    """Take in a forked writer's ``forked_state``: its pages count as this build's."""
    cache = writer.__dict__.get(STATE)
    if not cache or state is None:
        return
    store = cache.store
    store.index.update(state["index"])
    store.used |= state["used"]
    store.reused += state["reused"]
    store.kept += state["kept"]
    cache.rendered += state["rendered"]


def reuses_pages(writer: Writer) -> bool:
    """Whether this build has pages kept by an earlier one to look up."""
    cache = build_cache(writer)
    return bool(cache and cache.store.index)


def save_caches(pelican) -> None:
    """finalized: keep the index of this build's pages; drop the pages it did not make;
    count the pages linked from the cache and those rendered (``count_reuse``)."""
    while BUILDS:
        cache = BUILDS.pop()
        count_reuse("pages", cache.store.reused, cache.rendered)
        cache.save()
    KEPT.clear()


def install() -> None:
    Writer.write_file = write_file
    Writer._open_w = _open_w


def patch_pelican(pelican) -> None:
    BUILDS.clear()  # a build that failed in this process never saves its index
    KEPT.clear()
    if plugin_enabled(pelican.settings):
        install()


def register() -> None:
    WRITER_SHARES[PLUGIN_NAME] = WriterShare(
        prepare_fork, forked_state, merge_forked_state, reuses_pages
    )
    signals.initialized.connect(patch_pelican)
    signals.finalized.connect(save_caches)
