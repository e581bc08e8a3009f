"""plugins/parallel_write: the article pages written by forked processes are the pages one
process writes, byte for byte; what those processes wrote, kept, logged and met comes
back to the build; and Pelican writes alone when sharing the pages out would not be safe."""

from __future__ import annotations

import filecmp
import importlib
import logging
import os
import time
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

import pytest
from conftest import ROOT, TWELVE_STORIES, build_pelican_site, write_content
from pelican import signals
from pelican.settings import read_settings
from pelican.writers import FileOverwriteFailedError

ARTICLES = TWELVE_STORIES
PARALLEL = {"WRITE_PROCESSES": 3, "WRITE_PARALLEL_MIN_PAGES": 1}
ALONE = {"WRITE_PROCESSES": 1}
CONTENT_CACHE = {"CACHE_CONTENT": True, "LOAD_CONTENT_CACHE": True}
SETTINGS = read_settings(str(ROOT / "pelicanconf.py"))
ABSOLUTE_URL = SETTINGS["JINJA_FILTERS"]["absolute_url"]


def tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def article_pages(output: Path) -> list[Path]:
    return sorted(output.glob("2024/0*/story-*.html"))


@pytest.fixture
def writers(tmp_path, monkeypatch):
    """Which process wrote each article page: {page: pid}, read after the build."""
    monkeypatch.syspath_prepend(str(ROOT / "plugins"))  # the module Pelican loads
    parallel_write = importlib.import_module("parallel_write.parallel_write")
    log = tmp_path / "writers.log"
    real = parallel_write.write_articles

    def write_articles(generator, write, articles):
        with open(log, "a") as out:
            for article in articles:
                out.write(f"{article.save_as} {os.getpid()}\n")
        return real(generator, write, articles)

    monkeypatch.setattr(parallel_write, "write_articles", write_articles)

    def read() -> dict[str, int]:
        if not log.exists():
            return {}
        pairs = [line.split() for line in log.read_text().splitlines()]
        assert len({page for page, _ in pairs}) == len(pairs)  # each page written once
        return {page: int(pid) for page, pid in pairs}

    read.reset = lambda: log.unlink(missing_ok=True)  # forget the builds so far
    return read


def test_the_processes_write_the_pages_one_process_writes(tmp_path, writers):
    write_content(tmp_path / "content", ARTICLES)
    alone = build_pelican_site(tmp_path / "content", tmp_path / "alone", **ALONE)
    assert set(writers().values()) in (set(), {os.getpid()})
    shared = build_pelican_site(tmp_path / "content", tmp_path / "shared", **PARALLEL)
    by = writers()
    assert len(by) == len(ARTICLES)
    assert len(set(by.values())) == 3  # three processes wrote a share each
    assert tree(alone) == tree(shared)
    _, mismatch, errors = filecmp.cmpfiles(alone, shared, tree(alone), shallow=False)
    assert (mismatch, errors) == ([], [])


def test_pages_a_forked_process_wrote_are_kept_in_the_cache(tmp_path, writers):
    # The render cache's index lists every page, whichever process wrote it: the next
    # build links each one back from the cache (the very file the first build wrote and
    # kept, the same inode) instead of rendering it into a new file.
    write_content(tmp_path / "content", ARTICLES)
    output = tmp_path / "output"
    build_pelican_site(tmp_path / "content", output, **PARALLEL, **CONTENT_CACHE)
    assert len(set(writers().values())) == 3
    first = {page: (page.stat().st_ino, page.read_bytes()) for page in article_pages(output)}
    assert len(first) == len(ARTICLES)
    writers.reset()
    build_pelican_site(tmp_path / "content", output, **PARALLEL, **CONTENT_CACHE)
    assert len(set(writers().values())) == 3
    assert {page: (page.stat().st_ino, page.read_bytes()) for page in first} == first


NEW_STORY = {
    "articles/2024/04/tides.md": (
        "Title: Spring tides\nDate: 2024-04-30\nCategory: Local\nTags: Ferries\n\n"
        "The spring tides came in high.\n"
    )
}


def pages_made_again(tmp_path: Path, name: str, settings: dict, writers) -> set[str]:
    """Build the site, add a newest story, build again: the article and tag pages the
    second build made afresh (not linked back from the cache: a new inode)."""
    content, output = tmp_path / name / "content", tmp_path / name / "output"
    write_content(content, ARTICLES)
    build_pelican_site(content, output, **settings, **CONTENT_CACHE)
    pages = [*article_pages(output), *sorted(output.glob("tag/*.html"))]
    first = {page: page.stat().st_ino for page in pages}
    write_content(content, NEW_STORY)
    writers.reset()
    build_pelican_site(content, output, **settings, **CONTENT_CACHE)
    assert (output / "2024/04/tides.html").is_file()
    return {str(page.relative_to(output)) for page in pages if page.stat().st_ino != first[page]}


def test_after_a_new_story_the_processes_reuse_what_one_process_would(tmp_path, writers):
    # A new story at the top deals every article to another process than last time;
    # the pages it does not change (most stories, the tag it does not carry) are still
    # found in the cache, exactly those one process finds.
    alone = pages_made_again(tmp_path, "alone", ALONE, writers)
    shared = pages_made_again(tmp_path, "shared", PARALLEL, writers)
    assert len(set(writers().values())) == 3
    assert shared == alone
    assert "tag/harbours.html" not in shared
    assert len(shared) < len(ARTICLES) // 2


class FailingFilter:
    """absolute_url, failing for URLs with `slug` and warning for those with `warn_slug`
    (a module-level class: Pelican's content cache pickles the settings it is in)."""

    def __init__(self, slug: str, warn_slug: str) -> None:
        self.slug, self.warn_slug = slug, warn_slug

    def __call__(self, url, *args, **kwargs):
        if self.slug in str(url):
            raise ValueError(f"no address for {self.slug}")
        if self.warn_slug in str(url):
            logging.getLogger("broadsheet.test").warning("odd address for %s", self.warn_slug)
        return ABSOLUTE_URL(url, *args, **kwargs)


failing_filter = FailingFilter


@pytest.mark.parametrize("settings", [ALONE, PARALLEL], ids=["alone", "shared"])
def test_a_page_that_fails_fails_the_build_as_it_would_alone(tmp_path, settings, writers):
    write_content(tmp_path / "content", ARTICLES)
    filters = {**SETTINGS["JINJA_FILTERS"], "absolute_url": failing_filter("story-7", "-")}
    with pytest.raises(ValueError, match="^no address for story-7$"):
        build_pelican_site(
            tmp_path / "content", tmp_path / "output", JINJA_FILTERS=filters, **settings
        )
    if settings is PARALLEL:  # the page was another process's
        by = writers()
        assert by["2024/02/story-7.html"] != os.getpid()


def test_a_forked_process_s_warnings_are_logged_by_the_build(tmp_path, writers, caplog):
    write_content(tmp_path / "content", ARTICLES)
    filters = {**SETTINGS["JINJA_FILTERS"], "absolute_url": failing_filter("none", "story-5")}
    with caplog.at_level(logging.WARNING):
        build_pelican_site(
            tmp_path / "content", tmp_path / "output", JINJA_FILTERS=filters, **PARALLEL
        )
    assert writers()["2024/03/story-5.html"] != os.getpid()
    warned = [r.getMessage() for r in caplog.records if r.name == "broadsheet.test"]
    assert warned and set(warned) == {"odd address for story-5"}


def test_pelican_writes_alone_when_a_receiver_listens_to_each_page(tmp_path, writers):
    seen = []

    def listen(_sender, content=None, **_kwargs):
        seen.append(content.save_as)

    write_content(tmp_path / "content", ARTICLES)
    signals.article_generator_write_article.connect(listen)
    try:
        build_pelican_site(tmp_path / "content", tmp_path / "output", **PARALLEL)
    finally:
        signals.article_generator_write_article.disconnect(listen)
    assert len(seen) == len(ARTICLES)  # every page's signal reached this process
    assert set(writers().values()) in (set(), {os.getpid()})


def test_two_articles_with_one_output_file_fail_as_pelican_fails(tmp_path):
    files = dict(ARTICLES)
    files["articles/2024/02/copy.md"] = files["articles/2024/02/story-1.md"].replace(
        "Title: Harbour story 1", "Title: Harbour story 1\nSlug: story-1"
    )
    write_content(tmp_path / "content", files)
    with pytest.raises(FileOverwriteFailedError):
        build_pelican_site(tmp_path / "content", tmp_path / "output", **PARALLEL)


# The tag pages: written by a process of their own while this one writes the rest


@pytest.fixture
def tag_writers(tmp_path, monkeypatch):
    """Which process wrote each tag page: {page: pid}, read after the build."""
    monkeypatch.syspath_prepend(str(ROOT / "plugins"))
    build_speed = importlib.import_module("build_speed.build_speed")
    log = tmp_path / "tag-writers.log"
    real = build_speed.write_term_pages

    here = os.getpid()

    def logged(terms):
        for term, articles in terms:  # as they are taken: two processes share them
            with open(log, "a") as out:
                out.write(f"{term.save_as} {os.getpid()}\n")
            yield term, articles
            if os.getpid() != here:
                time.sleep(SLOW_TAG_WRITER["seconds"])

    def write_term_pages(generator, write, terms, kind):
        if kind == "tag":
            terms = logged(terms)
        return real(generator, write, terms, kind)

    monkeypatch.setattr(build_speed, "write_term_pages", write_term_pages)

    def read() -> dict[str, str]:
        lines = [line.split() for line in log.read_text().splitlines()]
        assert len({page for page, _ in lines}) == len(lines)  # each page written once
        return dict(lines)

    return read


SLOW_TAG_WRITER = {"seconds": 0.0}  # what the forked tag writer waits after each tag


def test_a_rebuild_writes_the_tag_pages_beside_the_other_pages(tmp_path, writers, tag_writers):
    write_content(tmp_path / "content", ARTICLES)
    shared = tmp_path / "shared"
    build_pelican_site(tmp_path / "content", shared, **PARALLEL, **CONTENT_CACHE)
    assert set(tag_writers().values()) == {str(os.getpid())}  # cold: written here
    (tmp_path / "tag-writers.log").unlink()
    writers.reset()
    write_content(tmp_path / "content", NEW_STORY)
    build_pelican_site(tmp_path / "content", shared, **PARALLEL, **CONTENT_CACHE)
    by = tag_writers()
    assert sorted(by) == ["tag/ferries.html", "tag/harbours.html"]
    forked = {int(pid) for pid in by.values()} - {os.getpid()}
    assert len(forked) <= 1
    assert not forked & set(map(int, writers().values()))  # not an article writer

    alone = build_pelican_site(tmp_path / "content", tmp_path / "alone", **ALONE)
    _, mismatch, errors = filecmp.cmpfiles(alone, shared, tree(alone), shallow=False)
    assert (tree(alone), mismatch, errors) == (tree(shared), [], [])


def test_this_process_writes_the_tags_the_forked_writer_has_not_reached(
    tmp_path, writers, tag_writers, monkeypatch
):
    write_content(tmp_path / "content", ARTICLES)
    shared = tmp_path / "shared"
    build_pelican_site(tmp_path / "content", shared, **PARALLEL, **CONTENT_CACHE)
    (tmp_path / "tag-writers.log").unlink()
    # Held back after its first tag, the forked writer leaves the other to this process.
    monkeypatch.setitem(SLOW_TAG_WRITER, "seconds", 2.0)
    write_content(tmp_path / "content", NEW_STORY)
    build_pelican_site(tmp_path / "content", shared, **PARALLEL, **CONTENT_CACHE)
    by = tag_writers()
    assert sorted(by) == ["tag/ferries.html", "tag/harbours.html"]
    assert len(set(by.values())) == 2
    assert str(os.getpid()) in by.values()
    alone = build_pelican_site(tmp_path / "content", tmp_path / "alone", **ALONE)
    _, mismatch, errors = filecmp.cmpfiles(alone, shared, tree(alone), shallow=False)
    assert (tree(alone), mismatch, errors) == (tree(shared), [], [])


def test_without_shared_memory_the_tag_pages_are_written_here(tmp_path, tag_writers, monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "plugins"))
    parallel_write = importlib.import_module("parallel_write.parallel_write")

    def no_shared_memory(_terms):
        raise OSError("no semaphores here")

    monkeypatch.setattr(parallel_write, "SharedTerms", no_shared_memory)
    write_content(tmp_path / "content", ARTICLES)
    shared = tmp_path / "shared"
    build_pelican_site(tmp_path / "content", shared, **PARALLEL, **CONTENT_CACHE)
    (tmp_path / "tag-writers.log").unlink()
    write_content(tmp_path / "content", NEW_STORY)
    build_pelican_site(tmp_path / "content", shared, **PARALLEL, **CONTENT_CACHE)
    by = tag_writers()
    assert sorted(by) == ["tag/ferries.html", "tag/harbours.html"]
    assert set(by.values()) == {str(os.getpid())}
    alone = build_pelican_site(tmp_path / "content", tmp_path / "alone", **ALONE)
    _, mismatch, errors = filecmp.cmpfiles(alone, shared, tree(alone), shallow=False)
    assert (tree(alone), mismatch, errors) == (tree(shared), [], [])


@dataclass(frozen=True)
class Term:
    name: str
    save_as: str


def test_tags_sharing_an_output_file_are_taken_together_in_order(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "plugins"))
    parallel_write = importlib.import_module("parallel_write.parallel_write")
    terms = {
        Term("a", "tag/a.html"): [1],
        Term("b", "tag/same.html"): [2],
        Term("c", "tag/c.html"): [3],
        Term("d", "tag/same.html"): [4],
    }
    shared = parallel_write.SharedTerms(terms)
    reading, writing = os.pipe()
    child = os.fork()
    if child == 0:  # takes one group, then stops
        taken = shared.take()
        os.write(writing, str(taken).encode())
        os._exit(0)
    os.waitpid(child, 0)
    taken_there = int(os.read(reading, 16))
    os.close(reading), os.close(writing)
    here = [term.name for term, _ in shared.items()]
    groups = [["a"], ["b", "d"], ["c"]]
    assert here == list(chain.from_iterable(g for n, g in enumerate(groups) if n != taken_there))


def rebuilt(tmp_path: Path, name: str, **settings) -> Path:
    """A site built once with the caches, then again with a new story and `settings`."""
    content, output = tmp_path / name / "content", tmp_path / name / "output"
    write_content(content, ARTICLES)
    build_pelican_site(content, output, **PARALLEL, **CONTENT_CACHE)
    write_content(content, NEW_STORY)
    return build_pelican_site(content, output, **{**PARALLEL, **CONTENT_CACHE, **settings})


def test_a_tag_page_that_fails_fails_the_build_and_its_warnings_are_logged(
    tmp_path, caplog, monkeypatch
):
    # This process takes no tag here: the forked writer writes them all.
    monkeypatch.syspath_prepend(str(ROOT / "plugins"))
    parallel_write = importlib.import_module("parallel_write.parallel_write")
    here, real = os.getpid(), parallel_write.SharedTerms.items
    monkeypatch.setattr(
        parallel_write.SharedTerms,
        "items",
        lambda self: iter(()) if os.getpid() == here else real(self),
    )
    filters = {**SETTINGS["JINJA_FILTERS"], "absolute_url": failing_filter("none", "ferries")}
    with caplog.at_level(logging.WARNING):
        rebuilt(tmp_path, "warned", JINJA_FILTERS=filters)
    warned = [r for r in caplog.records if r.name == "broadsheet.test"]
    assert {r.getMessage() for r in warned} == {"odd address for ferries"}
    assert {r.pathname for r in warned} == {"(forked writer)"}  # only a tag page asks

    filters = {**SETTINGS["JINJA_FILTERS"], "absolute_url": failing_filter("ferries", "-")}
    with pytest.raises(ValueError, match="^no address for ferries$"):
        rebuilt(tmp_path, "failed", JINJA_FILTERS=filters)


def test_a_tag_page_over_another_page_fails_as_pelican_fails(tmp_path):
    over = {"TAG_SAVE_AS": "archives.html", "TAG_URL": "archives.html"}
    write_content(tmp_path / "content", ARTICLES)
    with pytest.raises(FileOverwriteFailedError, match='"[^"]*archives.html" as Pelican'):
        build_pelican_site(tmp_path / "content", tmp_path / "alone", **ALONE, **over)
    with pytest.raises(FileOverwriteFailedError, match='"[^"]*archives.html" as Pelican'):
        rebuilt(tmp_path, "shared", **over)
