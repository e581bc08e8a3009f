"""Ten fixes to Pelican 4.12 that make a large build faster and change no output byte.

Each is a fix to offer upstream (``pelican/generators.py`` and ``pelican/contents.py``);
until Pelican has them, this plugin puts them in by replacing methods (monkeypatching):

1. **Tag, category and author pages** (``ArticlesGenerator.generate_tags``,
   ``generate_categories``, ``generate_authors``). Each page's ``dates`` is
   ``[article for article in self.dates if article in articles]``: a scan of every
   article, and for each a scan of the term's list, so O(N·k) per term. At 10,000
   articles and 2,298 tags that took 13.5 s (profiled); here 0.2 s: each term's
   ``dates`` is the same articles in the same order, found from a map of each article's
   place in ``self.dates`` and sorted by it (O(k log k) per term). Every other argument
   to ``write()``, and the handling of ``FileOverwriteFailedError``, are Pelican's.
2. **Period archives** (``ArticlesGenerator._build_period_archives``). Each year's and
   month's ``articles`` is ``[a for a in articles if a in dates]``: every article
   against the period's list, O(N²) in all. Here ``dates`` is a set of ids.
3. **Content URLs** (``Content.get_url_setting``, under ``url`` and ``save_as``).
   Both are properties that format the URL setting again on every access (copying the
   metadata, resolving the source path): 282,237 reads of ``url`` and 25 s at 10,000
   articles (profiled), from templates, feeds and the sitemap; here 30,003 computations
   (validation, then ``url`` and ``save_as`` once each). They can change until every
   generator and plugin has finished building its context (plugins change slugs, dates
   and statuses at ``article_generator_finalized`` and ``all_generators_finalized``;
   drafts have their own URLs), so nothing is kept before then. When the writing starts
   (``get_writer``, sent after ``all_generators_finalized`` and the intersite-link
   refresh, just before ``ArticlesGenerator.generate_output``), every article and page
   is frozen and its ``url`` and ``save_as`` are computed there and then, so the
   processes forked to write beside this one (the feeds, the tag pages, the article
   pages) find them made: at 10,000 articles each had spent about 0.8 s making them
   again. Listed first in ``PLUGINS``, the plugin's ``get_writer`` receiver runs before
   the one that forks the feeds' writer; anything still unfrozen at
   ``generate_output`` is frozen there. A URL setting that cannot be formatted is left
   to fail, or not, where Pelican asks for it. Static files are left alone (reading
   their URL has a side effect Pelican relies on).
4. **File stamps** (``FileStampDataCacher._get_file_stamp``). With the content cache on
   and ``CHECK_MODIFIED_METHOD`` a hash (publishconf's ``sha256``), Pelican reads and
   hashes every content file three times in a build (its generator's cache, its
   reader's cache, then storing into it), and ``plugins/parallel_read`` asked once
   more: 40,000 hashes of whole files at 10,000 articles. Here a file is hashed once
   per build for one method and one state on disk (path, inode, size, modification
   and change times in nanoseconds; a file edited during the build is hashed again).
   The stamps are forgotten when the next build starts (``initialized``). With the
   build caches on (``broadsheet.buildcache.cache_folder``), a build keeps its stamps
   for the next (``CACHE_PATH/stamps/``), each by the same key: a file whose path,
   inode, size and both times are unchanged is not read again (0.4 s of a rebuild at
   10,000 articles). Any write to a file moves its change time, which no program can
   set; a stamp is only kept when that time is ``SETTLED_SECONDS`` older than the build's
   start, so a write in the same clock tick as the hashing cannot hide behind it. A
   fresh checkout (CI) gives every file a new inode and change time, and so new hashes.
5. **The cyclic garbage collector.** Python's collector walks every object it tracks
   each time its oldest generation is collected; a build's articles, their metadata,
   tags and context are millions of objects that live until the build ends. At 10,000
   articles a rebuild spent 1.45 s in seven such collections, and a process forked to
   write pages walks them again, copying every page of memory it touches. So the
   objects alive once the articles are read (``article_generator_pretaxonomy``), and
   again once the writing starts, are frozen (``gc.freeze``: moved where the collector
   does not look, and where a forked process finds them frozen too); they are thawed
   when the build ends (``finalized``) or the next starts, so a process that builds
   again (``serve``, the tests) collects them as usual. (``broadsheet.forked`` leaves
   them frozen when it forks: the rebuild's full collections then took 0.08 s, not
   0.81 s.)
6. **The content cache, in shards** (``FileDataCacher``). Pelican keeps each reader
   cache (``CACHE_PATH/ArticlesGenerator-Readers``, with the content cache on) as one
   pickle of every file's metadata and text, written whole after each build that read
   any file again: 0.3 s of a rebuild after one new article at 10,000. Here it is kept in
   ``CACHE_SHARDS`` pickles (``<cache name>.shards/NN.pickle``, a file's shard by a
   stable hash of its path), and a build writes only the shards holding a file it read
   again, each to a new file then renamed over the old. The first such build reads
   Pelican's single file, writes every shard, and removes it. Pelican checks each
   entry's stamp before using it, so an entry left stale (a build stopped between two
   shards) is read again, never used. The cache is read with the cyclic collector
   paused, then frozen with everything alive (see 5.): its passes over the millions of
   objects coming out of the pickles took longer than the reading itself (at 10,000
   articles 0.4-0.7 s against 0.2 s; one single file without them: 0.12 s).
7. **Templates compiled once** (``generator_init``). Pelican gives each generator its
   own Jinja environment and each compiles the templates it uses, every build: 0.4 s
   of a rebuild at 10,000 articles. With the build caches on, the environments share
   a bytecode cache in ``CACHE_PATH/templates/<key>`` (Jinja's, which checks each
   template's source before using its compiled form, so an edited template is compiled
   again); the key covers Jinja's version and ``JINJA_ENVIRONMENT``, the options the
   compiler reads.
8. **Relative source paths** (``Content.get_relative_source_path``). Every URL a
   content formats asks for its path relative to ``PATH``, worked out again with
   ``os.path.relpath`` each time (0.5 s of a rebuild at 10,000 articles). With both
   paths absolute the answer depends on nothing else, so it is kept per pair for the
   build; a relative path, which depends on the working folder, goes to Pelican's.
   A normalised path inside a normalised ``PATH`` (what Pelican's reader hands every
   content it makes) is the rest of the path after ``PATH`` and its separator, which
   is what ``relpath`` answers, found without taking both paths apart (0.1 s).
9. **Dates** (``pelican.utils.strftime``, behind every ``SafeDatetime.strftime``: each
   story's date on its pages and the ``{date:%Y}`` of its URL). Pelican finds the
   directives of the format with two regular expressions on every call; here a format
   is taken apart once, then each call formats its directives as Pelican does. The
   same text for every date and format; no setting is read, so a build without the
   plugin, in a process where one with it ran, gets the same answers.
10. **Stamps only where a cache keeps them** (``FileStampDataCacher.get_cached_data``
   and ``cache_data``). With ``CONTENT_CACHING_LAYER`` "reader" (Pelican's default),
   the ArticlesGenerator's own cache stores and holds nothing, yet Pelican stamps each
   file twice on its behalf: to compare with a record it does not have, and to store
   a record it then drops. Here a cacher with no record of a file answers "not cached"
   without stamping it, and one that stores nothing does not stamp what it would have
   stored (0.15 s of a rebuild at 10,000 articles). The readers' cache, which does keep
   records, stamps as before.

Membership in Pelican's lists is by ``==``, which for ``Content`` (no ``__eq__``) is
identity, so matching by ``id()`` finds the same articles.

The replacements are installed once per process, at ``initialized``, by the first build
that lists ``build_speed`` in ``PLUGINS``. Pelican's signals and classes are
process-global, so each replacement runs Pelican's own method unchanged for a build that
does not list the plugin (and ``url`` is only kept for objects this plugin froze).

Same-date articles in one order whatever the hash seed is not this plugin's job: that is
``pelicanconf.py``'s ``ARTICLE_ORDER_BY``.
"""

from __future__ import annotations

import calendar
import contextlib
import functools
import gc
import gzip
import inspect
import logging
import os
import pickle
import re
import time
import zlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from itertools import chain, groupby
from operator import attrgetter
from pathlib import Path

import jinja2
from jinja2 import FileSystemBytecodeCache
from pelican import signals
from pelican import utils as pelican_utils
from pelican.cache import FileDataCacher, FileStampDataCacher
from pelican.contents import Content
from pelican.generators import ArticlesGenerator
from pelican.utils import SafeDatetime, posixize_path
from pelican.writers import FileOverwriteFailedError

from broadsheet.buildcache import (
    PICKLE_PROTOCOL,
    cache_folder,
    code_version,
    digest_of,
    load_kept,
    write_atomically,
)
from broadsheet.perf import collection_paused
from broadsheet.plugins import every_article, plugin_listed

PLUGIN_NAME = "build_speed"
FROZEN_URLS = "_build_speed_urls"  # the instance attribute holding a frozen object's URLs
# The shared context's page lists, frozen with the articles.
PAGE_LISTS = ("pages", "hidden_pages", "draft_pages")
logger = logging.getLogger("pelican.generators")  # Pelican's messages, under Pelican's name

# Pelican's own methods, whatever this module has already replaced (functools.wraps
# keeps them as __wrapped__, so importing this module again finds the originals).
PELICAN_GENERATE_TAGS = inspect.unwrap(ArticlesGenerator.generate_tags)
PELICAN_GENERATE_CATEGORIES = inspect.unwrap(ArticlesGenerator.generate_categories)
PELICAN_GENERATE_AUTHORS = inspect.unwrap(ArticlesGenerator.generate_authors)
PELICAN_BUILD_PERIOD_ARCHIVES = inspect.unwrap(ArticlesGenerator._build_period_archives)
PELICAN_GENERATE_OUTPUT = inspect.unwrap(ArticlesGenerator.generate_output)
PELICAN_GET_URL_SETTING = inspect.unwrap(Content.get_url_setting)
PELICAN_FILE_STAMP = inspect.unwrap(FileStampDataCacher._get_file_stamp)
PELICAN_GET_CACHED = inspect.unwrap(FileStampDataCacher.get_cached_data)
PELICAN_STAMP_CACHE_DATA = inspect.unwrap(FileStampDataCacher.cache_data)
PELICAN_RELATIVE_SOURCE_PATH = inspect.unwrap(Content.get_relative_source_path)
PELICAN_STRFTIME = inspect.unwrap(pelican_utils.strftime)
STRFTIME_OPTIONS = "%[-]?."  # Pelican's, in pelican.utils.strftime
C89_DIRECTIVES = "aAbBcdfGHIjmMpSUuVwWxXyYzZ%"
PELICAN_CACHER_INIT = inspect.unwrap(FileDataCacher.__init__)
PELICAN_CACHE_DATA = inspect.unwrap(FileDataCacher.cache_data)
PELICAN_SAVE_CACHE = inspect.unwrap(FileDataCacher.save_cache)
STAMPS: dict[tuple, object] = {}  # this build's file stamps: see 4.
KEPT_STAMPS: dict[tuple, object] = {}  # an earlier build's, from the build caches
BUILD_START: list = []  # [time.time_ns() at initialized, the stamps' cache folder]
STAMPS_FOLDER, STAMPS_FILE = "stamps", "stamps.pickle"
READY: dict[int, ArticlesGenerator] = {}  # by id(settings): a build's, until get_writer
TEMPLATES_FOLDER = "templates"  # see 7.
TEMPLATE_CACHES: dict[int, object] = {}  # by id(settings): the build's, or False
RELATIVE_PATHS: dict[tuple[str, str], str] = {}  # (PATH, source path) -> relative: see 8.
FROZEN: list = []  # [True] while this module has objects frozen (see 5.)
SETTLED_SECONDS = 2.0  # a file's change time this much before the build: its stamp kept
CACHE_SHARDS = 16  # see 6.
SHARDED = "_build_speed_shards"  # a sharded cache's attribute: the shards it must write


def plugin_enabled(settings: Mapping) -> bool:
    """True when the running build lists this plugin (by name or as a module)."""
    return plugin_listed(settings, PLUGIN_NAME)


def date_positions(dates: list) -> dict[int, list[int]]:
    """Where each article stands in ``dates`` (ArticlesGenerator.dates), by id()."""
    positions: dict[int, list[int]] = defaultdict(list)
    for index, article in enumerate(dates):
        positions[id(article)].append(index)
    return positions


def in_date_order(articles: Iterable, dates: list, positions: Mapping[int, list[int]]) -> list:
    """``[a for a in dates if a in articles]``, found from ``date_positions(dates)``."""
    places = {place for article in articles for place in positions.get(id(article), ())}
    return [dates[place] for place in sorted(places)]


# 1. Tag, category and author pages: Pelican 4.12's methods, but for `dates`.


def write_term_pages(self, write, terms, kind: str) -> None:
    """Pelican 4.12's loop over tag, category or author pages (`kind`: the template and
    the variable name), each term's `dates` found by position instead of by scanning."""
    positions = date_positions(self.dates)
    template = self.get_template(kind)
    label = kind.capitalize()
    for term, articles in terms:
        dates = in_date_order(articles, self.dates, positions)
        try:
            write(
                term.save_as,
                template,
                self.context,
                url=term.url,
                **{kind: term},
                articles=articles,
                dates=dates,
                template_name=kind,
                blog=True,
                page_name=term.page_name,
                all_articles=self.articles,
            )
        except FileOverwriteFailedError:
            if not term.slug:
                logger.info(
                    f'{label} "%s" has an invalid slug; skipping writing {kind} page...',
                    term,
                    extra={"limit_msg": f"Further {PLURALS[kind]} with invalid slugs."},
                )
                continue
            logger.error(f'Failed to write {label} page for "%s".', term)
            raise


PLURALS = {"tag": "tags", "category": "categories", "author": "authors"}


@functools.wraps(PELICAN_GENERATE_TAGS)
def generate_tags(self, write):
    """Generate Tags pages."""
    if not plugin_enabled(self.settings):
        return PELICAN_GENERATE_TAGS(self, write)
    return write_term_pages(self, write, self.tags.items(), "tag")


@functools.wraps(PELICAN_GENERATE_CATEGORIES)
def generate_categories(self, write):
    """Generate category pages."""
    if not plugin_enabled(self.settings):
        return PELICAN_GENERATE_CATEGORIES(self, write)
    return write_term_pages(self, write, self.categories, "category")


@functools.wraps(PELICAN_GENERATE_AUTHORS)
def generate_authors(self, write):
    """Generate Author pages."""
    if not plugin_enabled(self.settings):
        return PELICAN_GENERATE_AUTHORS(self, write)
    return write_term_pages(self, write, self.authors, "author")


# 2. Period archives: Pelican 4.12's method, but for each period's `articles`.


@functools.wraps(PELICAN_BUILD_PERIOD_ARCHIVES)
def _build_period_archives(self, sorted_articles, articles, settings):
    """
    Compute the groupings of articles, with related attributes, for
    per-year, per-month, and per-day archives.
    """
    if not plugin_enabled(self.settings):
        return PELICAN_BUILD_PERIOD_ARCHIVES(self, sorted_articles, articles, settings)

    period_archives = defaultdict(list)

    period_archives_settings = {
        "year": {
            "save_as": settings["YEAR_ARCHIVE_SAVE_AS"],
            "url": settings["YEAR_ARCHIVE_URL"],
        },
        "month": {
            "save_as": settings["MONTH_ARCHIVE_SAVE_AS"],
            "url": settings["MONTH_ARCHIVE_URL"],
        },
        "day": {
            "save_as": settings["DAY_ARCHIVE_SAVE_AS"],
            "url": settings["DAY_ARCHIVE_URL"],
        },
    }

    granularity_key_func = {
        "year": attrgetter("date.year"),
        "month": attrgetter("date.year", "date.month"),
        "day": attrgetter("date.year", "date.month", "date.day"),
    }

    for granularity in "year", "month", "day":
        save_as_fmt = period_archives_settings[granularity]["save_as"]
        url_fmt = period_archives_settings[granularity]["url"]
        key_func = granularity_key_func[granularity]

        if not save_as_fmt:
            # the archives for this period granularity are not needed
            continue

        for period, group in groupby(sorted_articles, key=key_func):
            archive = {}

            dates = list(group)
            archive["dates"] = dates
            in_period = {id(a) for a in dates}
            archive["articles"] = [a for a in articles if id(a) in in_period]

            # use the first date to specify the period archive URL
            # and save_as; the specific date used does not matter as
            # they all belong to the same period
            d = dates[0].date
            archive["save_as"] = save_as_fmt.format(date=d)
            archive["url"] = url_fmt.format(date=d)

            if granularity == "year":
                archive["period"] = (period,)
                archive["period_num"] = (period,)
            else:
                month_name = calendar.month_name[period[1]]
                if granularity == "month":
                    archive["period"] = (period[0], month_name)
                else:
                    archive["period"] = (period[0], month_name, period[2])
                archive["period_num"] = tuple(period)

            period_archives[granularity].append(archive)

    return period_archives


# 3. Content URLs: kept per object once the writing starts.


def frozen_contents(article_generator) -> list:
    """Every article and page of the build (translations too), each once."""
    pages = chain.from_iterable(article_generator.context.get(name) or () for name in PAGE_LISTS)
    contents = {}
    for content in chain(every_article(article_generator), pages):
        for each in (content, *getattr(content, "translations", ())):
            contents[id(each)] = each
    return list(contents.values())


def freeze_urls(contents: Iterable) -> None:
    """From now on each content object keeps its url and save_as once computed."""
    for content in contents:
        if FROZEN_URLS not in content.__dict__:
            setattr(content, FROZEN_URLS, {})


def settle_urls(contents: Iterable) -> None:
    """Freeze the contents and compute each one's url and save_as now, so the processes
    forked to write beside this one (feeds, tag pages, article pages) find them made
    instead of each making them again. A content whose URL setting cannot be formatted
    is left to fail (or not) where Pelican asks for it, as it would."""
    contents = list(contents)
    freeze_urls(contents)
    for content in contents:
        for key in ("url", "save_as"):
            with contextlib.suppress(Exception):
                content.get_url_setting(key)


def settle_before_writing(pelican) -> None:
    """get_writer (sent after every generator has built its context and the links in the
    summaries are resolved, just before the writing): the URLs settled. Listed first in
    PLUGINS, this runs before the other plugins' get_writer receivers (plugins/feeds forks
    its writer there)."""
    article_generator = READY.pop(id(pelican.settings), None)
    if article_generator is not None:
        settle_urls(frozen_contents(article_generator))


def remember_generator(generators) -> None:
    """all_generators_finalized: the build's article generator, for get_writer."""
    for generator in generators:
        if isinstance(generator, ArticlesGenerator) and plugin_enabled(generator.settings):
            READY[id(generator.settings)] = generator


@functools.wraps(PELICAN_GET_URL_SETTING)
def get_url_setting(self, key: str) -> str:
    frozen = self.__dict__.get(FROZEN_URLS)
    if frozen is None:
        return PELICAN_GET_URL_SETTING(self, key)
    try:
        return frozen[key]
    except KeyError:
        frozen[key] = value = PELICAN_GET_URL_SETTING(self, key)
        return value


@functools.wraps(PELICAN_GENERATE_OUTPUT)
def generate_output(self, writer):
    if plugin_enabled(self.settings):
        freeze_urls(frozen_contents(self))
        freeze_objects()
    return PELICAN_GENERATE_OUTPUT(self, writer)


# 4. File stamps: each file hashed once per build.


@functools.wraps(PELICAN_FILE_STAMP)
def _get_file_stamp(self, filename):
    method = self.settings.get("CHECK_MODIFIED_METHOD")
    if method == "mtime" or not plugin_enabled(self.settings):
        return PELICAN_FILE_STAMP(self, filename)
    try:
        status = os.stat(filename)
    except (OSError, TypeError):
        return PELICAN_FILE_STAMP(self, filename)  # Pelican's warning, Pelican's stamp
    key = (
        filename,
        method,
        status.st_ino,
        status.st_size,
        status.st_mtime_ns,
        status.st_ctime_ns,
    )
    try:
        return STAMPS[key]
    except KeyError:
        stamp = KEPT_STAMPS.get(key)
        if stamp is None:
            stamp = PELICAN_FILE_STAMP(self, filename)
        STAMPS[key] = stamp
        return stamp


# 10. Stamps only where a cache keeps them.


@functools.wraps(PELICAN_GET_CACHED)
def get_cached_data(self, filename, default=None):
    if filename not in self._cache and plugin_enabled(self.settings):
        return default  # no record to compare a stamp with
    return PELICAN_GET_CACHED(self, filename, default)


@functools.wraps(PELICAN_STAMP_CACHE_DATA)
def stamp_cache_data(self, filename, data):
    if not self._cache_data_policy and plugin_enabled(self.settings):
        return  # this cacher stores nothing: no stamp to store with it
    PELICAN_STAMP_CACHE_DATA(self, filename, data)


def load_stamps(settings: Mapping) -> None:
    """initialized: the stamps an earlier build kept (none without the build caches)."""
    KEPT_STAMPS.clear()
    folder = cache_folder(settings, STAMPS_FOLDER)
    BUILD_START[:] = [time.time_ns(), folder]
    if folder is not None:
        KEPT_STAMPS.update(load_kept(folder / STAMPS_FILE))


def save_stamps(_pelican) -> None:
    """finalized: keep this build's stamps of files settled before it started."""
    if len(BUILD_START) != 2 or BUILD_START[1] is None:
        return
    started, folder = BUILD_START
    settled = started - int(SETTLED_SECONDS * 1e9)
    kept = {key: stamp for key, stamp in STAMPS.items() if key[5] < settled}
    data = pickle.dumps((code_version(), kept), protocol=PICKLE_PROTOCOL)
    write_atomically(folder / STAMPS_FILE, data)


# 5. The cyclic collector: what the build holds, frozen twice.


def freeze_objects() -> None:
    """Move every object alive now out of the cyclic collector's sight (see 5.)."""
    gc.freeze()
    FROZEN[:] = [True]


def freeze_read_articles(generator) -> None:
    """article_generator_pretaxonomy: the articles are read."""
    if plugin_enabled(generator.settings):
        freeze_objects()


def thaw_objects(_pelican=None) -> None:
    """finalized, and the next build's start: the collector sees them again."""
    if FROZEN:
        gc.unfreeze()
        FROZEN.clear()


# 6. The content cache, in shards.


def cache_shard(filename: str) -> int:
    """The shard of a cache entry: a stable hash of its file's path."""
    return zlib.crc32(str(filename).encode("utf-8", "surrogatepass")) % CACHE_SHARDS


def shards_folder(cacher) -> str:
    return cacher._cache_path + ".shards"


def shard_path(cacher, shard: int) -> str:
    return os.path.join(shards_folder(cacher), f"{shard:02d}.pickle")


def cacher_init(self, settings, cache_name, caching_policy, load_policy):
    """Pelican's, reading the shards when this build lists the plugin and has them.

    Millions of small objects come out of the pickles: they are read with the cyclic
    collector paused (its passes over them took longer than the reading) and frozen with
    everything else alive (see 5.)."""
    if not plugin_enabled(settings):
        PELICAN_CACHER_INIT(self, settings, cache_name, caching_policy, load_policy)
        return
    with collection_paused():
        _load_cache(self, settings, cache_name, caching_policy, load_policy)
    freeze_objects()


def _load_cache(self, settings, cache_name, caching_policy, load_policy) -> None:
    PELICAN_CACHER_INIT(self, settings, cache_name, caching_policy, False)
    if not load_policy:
        setattr(self, SHARDED, set(range(CACHE_SHARDS)))
        return
    if not os.path.isdir(shards_folder(self)):  # Pelican's single file, if any
        PELICAN_CACHER_INIT(self, settings, cache_name, caching_policy, load_policy)
        setattr(self, SHARDED, set(range(CACHE_SHARDS)))
        return
    cache: dict = {}
    missing: set[int] = set()
    for shard in range(CACHE_SHARDS):
        try:
            with self._cache_open(shard_path(self, shard), "rb") as handle:
                cache.update(pickle.load(handle))
        except (OSError, EOFError, pickle.PickleError, ValueError) as error:
            logger.debug("Cannot load cache shard %s: %s", shard_path(self, shard), error)
            missing.add(shard)
    self._cache = cache
    setattr(self, SHARDED, missing)


def cache_data(self, filename, data):
    PELICAN_CACHE_DATA(self, filename, data)
    dirty = getattr(self, SHARDED, None)
    if dirty is not None and self._cache_data_policy:
        dirty.add(cache_shard(filename))


def save_cache(self):
    """Write the shards holding an entry this build stored (Pelican's, when not sharded)."""
    dirty = getattr(self, SHARDED, None)
    if dirty is None:
        PELICAN_SAVE_CACHE(self)
        return
    if not self._cache_data_policy or not dirty:
        return
    by_shard: dict[int, dict] = {shard: {} for shard in dirty}
    for filename, entry in self._cache.items():
        found = by_shard.get(cache_shard(filename))
        if found is not None:
            found[filename] = entry
    try:
        for shard in sorted(dirty):
            data = pickle.dumps(by_shard[shard], protocol=PICKLE_PROTOCOL)
            if self._cache_open is gzip.open:  # GZIP_CACHE, as Pelican writes it
                data = gzip.compress(data)
            write_atomically(Path(shard_path(self, shard)), data)
        dirty.clear()
        with contextlib.suppress(FileNotFoundError):
            os.remove(self._cache_path)  # Pelican's single file, now in the shards
    except (OSError, pickle.PicklingError, TypeError) as error:
        logger.warning("Could not save cache %s\n ... %s", shards_folder(self), error)


# 7. Templates: compiled once, not once per generator of each build.


def template_cache(settings: Mapping) -> FileSystemBytecodeCache | None:
    """The build's bytecode cache for its templates (``CACHE_PATH/templates/<key>``, the
    key covering every option the compiler reads), or None without the build caches."""
    found = TEMPLATE_CACHES.get(id(settings))
    if found is None:
        folder = cache_folder(settings, TEMPLATES_FOLDER)
        found = False
        if folder is not None:
            options = sorted((settings.get("JINJA_ENVIRONMENT") or {}).items())
            key = digest_of(jinja2.__version__, repr(options))
            with contextlib.suppress(OSError):
                (folder / key).mkdir(parents=True, exist_ok=True)
                found = FileSystemBytecodeCache(str(folder / key), "%s.cache")
        TEMPLATE_CACHES[id(settings)] = found
    return found or None


def cache_templates(generator) -> None:
    """generator_init: the generator's template environment reads and keeps compiled
    templates in the build caches."""
    if plugin_enabled(generator.settings) and generator.env.bytecode_cache is None:
        generator.env.bytecode_cache = template_cache(generator.settings)


# 8. Relative source paths: worked out once per file.


@functools.wraps(PELICAN_RELATIVE_SOURCE_PATH)
def get_relative_source_path(self, source_path=None):
    if not source_path:
        source_path = self.source_path
    if source_path is None:
        return None
    base = self.settings["PATH"]
    absolute = (  # a relative path depends on the working folder: Pelican's answer
        isinstance(source_path, str)
        and isinstance(base, str)
        and os.path.isabs(source_path)
        and os.path.isabs(base)
    )
    if not absolute or not plugin_enabled(self.settings):
        return PELICAN_RELATIVE_SOURCE_PATH(self, source_path)
    key = (base, source_path)
    found = RELATIVE_PATHS.get(key)
    if found is None:
        found = inside(base, source_path) or PELICAN_RELATIVE_SOURCE_PATH(self, source_path)
        RELATIVE_PATHS[key] = found
    return found


@functools.lru_cache(maxsize=64)
def folder_prefix(base: str) -> str | None:
    """`base` with its separator, when it is a normalised absolute path; else None."""
    if os.path.normpath(base) != base:
        return None
    return base if base.endswith(os.sep) else base + os.sep


def inside(base: str, path: str) -> str | None:
    """``relpath(path, base)``, posixized, for a normalised `path` under the normalised
    `base` (both absolute); None for any other pair (Pelican's own answer is then used)."""
    prefix = folder_prefix(base)
    if prefix is None or not path.startswith(prefix) or len(path) == len(prefix):
        return None
    if os.path.normpath(path) != path:
        return None
    return posixize_path(path[len(prefix) :])


# 9. Dates: each format string taken apart once.


@functools.cache
def strftime_parts(date_format: str) -> tuple[str, tuple[tuple[str, bool, bool], ...]]:
    """Pelican's reading of a format: the template with each candidate directive as %s,
    and each candidate as (what to format, formatted by the date, zeros stripped)."""
    candidates = re.findall(STRFTIME_OPTIONS, date_format)
    template = re.sub(STRFTIME_OPTIONS, "%s", date_format)
    parts = []
    for candidate in candidates:
        if candidate[-1] in C89_DIRECTIVES:
            if len(candidate) == 3:  # noqa: PLR2004 (a '-' prefix: zeros stripped)
                parts.append((f"%{candidate[-1]}", True, True))
            else:
                parts.append((candidate, True, False))
        else:
            parts.append((candidate, False, False))
    return template, tuple(parts)


@functools.wraps(PELICAN_STRFTIME)
def strftime(date, date_format):
    template, parts = strftime_parts(date_format)
    safe = isinstance(date, SafeDatetime)
    formatted = []
    for candidate, by_date, strip in parts:
        if by_date:
            value = date.strftime(candidate, safe=False) if safe else date.strftime(candidate)
            if strip:
                value = value.lstrip("0") or "0"
            formatted.append(value)
        else:
            formatted.append(candidate)
    return template % tuple(formatted)


REPLACEMENTS = (
    (ArticlesGenerator, "generate_tags", generate_tags),
    (ArticlesGenerator, "generate_categories", generate_categories),
    (ArticlesGenerator, "generate_authors", generate_authors),
    (ArticlesGenerator, "_build_period_archives", _build_period_archives),
    (ArticlesGenerator, "generate_output", generate_output),
    (Content, "get_url_setting", get_url_setting),
    (Content, "get_relative_source_path", get_relative_source_path),
    (pelican_utils, "strftime", strftime),
    (FileStampDataCacher, "_get_file_stamp", _get_file_stamp),
    (FileStampDataCacher, "get_cached_data", get_cached_data),
    (FileStampDataCacher, "cache_data", stamp_cache_data),
    (FileDataCacher, "__init__", cacher_init),
    (FileDataCacher, "cache_data", cache_data),
    (FileDataCacher, "save_cache", save_cache),
)


def install_replacements() -> None:
    """Put this module's methods in place of Pelican's (once: again is a no-op)."""
    for owner, name, replacement in REPLACEMENTS:
        setattr(owner, name, replacement)


def patch_pelican(pelican) -> None:
    """initialized: install the replacements for a build that lists this plugin, and
    forget the last build's file stamps."""
    STAMPS.clear()
    KEPT_STAMPS.clear()
    READY.clear()
    TEMPLATE_CACHES.clear()
    RELATIVE_PATHS.clear()
    BUILD_START.clear()
    thaw_objects()  # a build that failed in this process left them frozen
    if plugin_enabled(pelican.settings):
        install_replacements()
        load_stamps(pelican.settings)


def register() -> None:
    """Connect the installation to Pelican's start."""
    signals.initialized.connect(patch_pelican)
    signals.article_generator_pretaxonomy.connect(freeze_read_articles)
    signals.all_generators_finalized.connect(remember_generator)
    signals.get_writer.connect(settle_before_writing)
    signals.generator_init.connect(cache_templates)
    signals.finalized.connect(save_stamps)
    signals.finalized.connect(thaw_objects)
