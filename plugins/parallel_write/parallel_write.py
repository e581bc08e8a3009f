"""Write the article pages in several processes at once.

The article pages are the most of a build's pages (10,000 of 18,000 at 10,000 articles)
and Pelican renders them one after another on one core. This plugin replaces
``ArticlesGenerator.generate_articles``: the articles it would write, in its order
(translations, articles, hidden translations, hidden articles), are dealt out in turn to
``WRITE_PROCESSES`` processes (default: one per CPU, at most ``MAX_PROCESSES``), this
one and the others forked from it once every generator has built its context. Each
writes its share with Pelican's own ``write`` (the same templates, the same context,
``plugins/render_cache`` in front of them), so each page is the bytes a single process
writes. A forked process then hands back what the build must know of its pages, and
this one takes it in before it goes on to the listings:

- the files it wrote (Pelican's writer refuses to write one file twice in a build);
- each plugin's part of the writer's state, as registered in
  ``broadsheet.plugins.WRITER_SHARES`` (``render_cache``: the pages it kept and used,
  so the cache index it saves lists them all);
- its log records at the level the loggers let through (warnings and errors, by
  default), logged again here, so they count as they always do (``tasks.py build``
  fails on an error);
- the exception that stopped it, raised here as if this process had met it.

In a rebuild (``render_cache`` has pages kept by an earlier build), the tag pages (some
6,600 at 10,000 articles, the most of any list, mostly linked back from the cache) are
written by one more forked process, started with the others and running at a lower
priority (``NICENESS``: the article pages, which the search index waits for, come
first), while this one writes the article, archive and home pages. In interleaved runs
at 10,000 articles a rebuild after one new story took 18.3, 16.8 and 17.5 s against
20.7, 18.5 and 18.8 s; a cold build, where that process renders every tag page and
copies most of the build's memory as it reads the stories, took 2 to 4 s longer in each
of three pairs, so a cold build writes them here. When Pelican reaches
``generate_tags`` in its order, this process writes the tags that one has not reached
yet, beside it, instead of waiting for it (``SharedTerms``: each takes the next tag, or
the next few tags sharing one output file, through a counter in shared memory; at
10,000 articles this process had waited 1.5 s for it), then takes in what that one
wrote, logged and met, as above; a file both wrote fails the build with Pelican's own
error, as the second of two writes to one file does. ``WRITE_TAGS_BESIDE = False``
writes them all here.

Pelican writes alone (as it would without the plugin) when there are fewer than
``WRITE_PARALLEL_MIN_PAGES`` article pages (a small site: forking costs more than it
saves), when two articles share an output file or one overrides its save_as (which
wins is Pelican's order), or when anything listens to the signals sent for each page
(``article_generator_write_article``, ``content_written``): a forked process's
signals would not reach this one's receivers.

Memory: a forked process shares this one's memory until either writes to it, so the
build's peak grows by what the other processes touch while writing (measured in
docs/PERFORMANCE.md). Signal: ``initialized`` installs the replacement; it does nothing
for a build that does not list ``parallel_write``.
"""

from __future__ import annotations

import functools
import inspect
import multiprocessing
import os
from collections.abc import Callable
from itertools import chain

from pelican import signals
from pelican.generators import ArticlesGenerator
from pelican.writers import FileOverwriteFailedError

from broadsheet.forked import (
    capture_records,
    log_records,
    picklable,
    share_out,
    start,
    stop_running,
    wanted_processes,
)
from broadsheet.plugins import WRITER_SHARES, plugin_listed

PLUGIN_NAME = "parallel_write"
MIN_PAGES = 200  # WRITE_PARALLEL_MIN_PAGES
MAX_PROCESSES = 4  # with WRITE_PROCESSES = None
PER_PAGE_SIGNALS = (signals.article_generator_write_article, signals.content_written)
NICENESS = 10  # added to the tag-page writer's: the article pages, then Pagefind, first

PELICAN_GENERATE_ARTICLES = inspect.unwrap(ArticlesGenerator.generate_articles)


def plugin_enabled(settings) -> bool:
    return plugin_listed(settings, PLUGIN_NAME)


def articles_to_write(generator) -> list:
    """Every article page Pelican's generate_articles writes, in its order."""
    return list(
        chain(
            generator.translations,
            generator.articles,
            generator.hidden_translations,
            generator.hidden_articles,
        )
    )


def shareable(articles: list) -> bool:
    """Whether the pages can be written in any order by any process: each to a file of its
    own, and nothing listening to the per-page signals."""
    if any(hasattr(article, "override_save_as") for article in articles):
        return False
    if len({article.save_as for article in articles}) != len(articles):
        return False
    return not any(signal.receivers for signal in PER_PAGE_SIGNALS)


def write_articles(generator, write, articles: list) -> None:
    """Pelican's generate_articles body, for the given articles."""
    for article in articles:
        signals.article_generator_write_article.send(generator, content=article)
        write(
            article.save_as,
            generator.get_template(article.template),
            generator.context,
            article=article,
            category=getattr(article, "category", None),
            override_output=hasattr(article, "override_save_as"),
            url=article.url,
            blog=True,
        )


@functools.wraps(PELICAN_GENERATE_ARTICLES)
def generate_articles(self, write):
    settings = self.settings
    count = wanted_processes(settings.get("WRITE_PROCESSES"), MAX_PROCESSES)
    count = count if plugin_enabled(settings) else 1
    articles = articles_to_write(self) if count > 1 else []
    minimum = int(settings.get("WRITE_PARALLEL_MIN_PAGES", MIN_PAGES))
    writer = getattr(write, "__self__", None) or getattr(
        getattr(write, "func", None), "__self__", None
    )
    if count < 2 or len(articles) < minimum or writer is None or not shareable(articles):
        return PELICAN_GENERATE_ARTICLES(self, write)
    for share in WRITER_SHARES.values():
        share.prepare(writer, articles, count)
    start_tag_pages(self, write, writer)
    here = os.getpid()

    def work(share: list) -> dict | None:
        if os.getpid() == here:
            write_articles(self, write, share)
            return None
        return written_here(writer, lambda: write_articles(self, write, share))

    failure = None
    for result in share_out(work, articles, count)[1:]:
        met = take_in(writer, result)
        failure = failure or met
    if failure is not None:
        raise failure


def written_here(writer, write_pages: Callable[[], None]) -> dict:
    """In a forked process: write the pages, then hand back what the build must know of
    them (see above): the files written, each plugin's share, the log records, or the
    exception that stopped it."""
    records: list[tuple[str, int, str]] = []
    capture_records(records)
    result: dict = {"records": records}
    try:
        write_pages()
        result.update(writer_state(writer))
    except BaseException as error:  # raised in the build's process once its records are logged
        result["error"] = picklable(error)
    return result


def writer_state(writer) -> dict:
    """In a forked process, its pages written: the files, each plugin's share."""
    return {
        "written": (writer._written_files, writer._overridden_files),
        "shares": {name: plugin.collect(writer) for name, plugin in WRITER_SHARES.items()},
    }


class SharedTerms:
    """A generator's tags, written by two processes at once: each one's ``items()``
    yields the tags it takes, from a counter both share (made before the fork), so each
    tag is written once, by whichever process comes to it first. Tags sharing an output
    file are taken together, in Pelican's order, so which one's page stays (the first;
    Pelican skips the others when their slug is empty, and fails otherwise) is Pelican's
    choice. Only ``items()`` is what Pelican's ``generate_tags`` (and build_speed's)
    read of ``generator.tags`` while writing them."""

    def __init__(self, terms) -> None:
        groups: dict[str, list] = {}
        for term, articles in terms.items():
            groups.setdefault(term.save_as, []).append((term, articles))
        self.groups = list(groups.values())
        self.taken = multiprocessing.RawValue("q", 0)  # shared memory, kept over fork
        self.lock = multiprocessing.Lock()

    def take(self) -> int:
        """The number of the next group no process has taken (past the end: none left)."""
        with self.lock:
            number = self.taken.value
            self.taken.value = number + 1
        return number

    def items(self):
        while (number := self.take()) < len(self.groups):
            yield from self.groups[number]


def start_tag_pages(generator, write, writer) -> None:
    """Fork the process that writes the tag pages (the generator's own generate_tags)
    while this one writes the article, archive and home pages; the generator's
    generate_tags, when Pelican calls it in its turn, takes them in instead."""
    if not generator.settings.get("WRITE_TAGS_BESIDE", True) or not generator.tags:
        return
    if not any(share.reuses(writer) for share in WRITER_SHARES.values()):
        return  # a cold build: rendering them beside costs more than it saves
    write_tags = type(generator).generate_tags
    before = set(writer._written_files)
    try:
        shared = SharedTerms(generator.tags)
    except (OSError, ImportError):  # no shared memory or semaphores here: all written here
        return
    tags = generator.tags

    def work() -> dict:
        generator.tags = shared  # in the forked process only
        write_tags(generator, write)
        return writer_state(writer)

    running = start(work, NICENESS, "(forked writer)")

    def generate_tags(_write) -> None:
        del generator.generate_tags  # the class's again
        generator.tags = shared  # the tags that process has not taken yet: written here
        try:
            write_tags(generator, _write)
        except BaseException:
            running.stop()
            raise
        finally:
            generator.tags = tags
        result = running.result()  # its records logged here, what stopped it raised here
        mine = writer._written_files - before
        clash = sorted((result["written"][0] - before) & mine)
        if clash:  # as Pelican refuses the second of two writes to one file
            raise FileOverwriteFailedError(
                f'Failed to overwrite "{clash[0]}" as Pelican has already '
                "written to it previously (set `override=True` if intended)"
            )
        take_in(writer, result)

    generator.generate_tags = generate_tags


def take_in(writer, result: dict) -> BaseException | None:
    """In the parent: log a forked process's records and take in its state; its
    exception, if it met one."""
    log_records(result.get("records", ()), "(forked writer)")
    if "error" in result:
        return result["error"]
    written, overridden = result["written"]
    writer._written_files |= written
    writer._overridden_files |= overridden
    for name, state in result["shares"].items():
        share = WRITER_SHARES.get(name)
        if share is not None:
            share.merge(writer, state)
    return None


def install(pelican) -> None:
    """initialized: put the replacement in place (it runs Pelican's own method for a
    build without the plugin); stop a tag-page writer a failed build left running
    (``broadsheet.forked`` stops it at exit too)."""
    stop_running()
    if plugin_enabled(pelican.settings):
        ArticlesGenerator.generate_articles = generate_articles


def register() -> None:
    signals.initialized.connect(install)
