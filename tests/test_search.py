"""Search: `tasks.py build` indexes article bodies with Pagefind as its last step, and
the Search page works without JavaScript (its links) and loads Pagefind only there.
(One bundle per year, and its cache: test_search_shards.py.)"""

from __future__ import annotations

import gzip
import json
import shutil
import time
from pathlib import Path
from urllib.parse import urljoin

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner
from conftest import write_content
from pelican import signals

import tasks
from broadsheet import search

ARTICLES = {
    "articles/harbour-dues.md": (
        "Title: Harbour dues rise\nDate: 2024-03-11\nTags: Harbours\n\n"
        "The harbour master Ottoline Quarrender raised the dues.\n"
    ),
    "articles/ferry-timetable.md": (
        "Title: Ferry timetable changes\nDate: 2024-04-02\nTags: Ferries\n\n"
        "The ferry leaves at six from the north quay.\n"
    ),
    "articles/marche.md": (
        "Title: Le marché déménage\nDate: 2024-04-20\nLang: fr\n\n"
        "Le marché du samedi déménage sur le parking du quai.\n"
    ),
    "articles/draft.md": (
        "Title: Unfinished piece\nDate: 2024-04-21\nStatus: draft\n\n"
        "The draft names Peregrine Wetherell, who must not be found.\n"
    ),
    "pages/about.md": "Title: About\n\nA fictional town's news, for tests.\n",
}
ARTICLE_PAGES = {
    "/2024/03/harbour-dues.html",
    "/2024/04/ferry-timetable.html",
    "/2024/04/marche.html",
}


def build(tmp_path: Path):
    content, output = tmp_path / "content", tmp_path / "output"
    write_content(content, ARTICLES)
    result = CliRunner().invoke(
        tasks.cli, ["build", "--content-dir", str(content), "--output", str(output)]
    )
    return result, output


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    result, output = build(tmp_path_factory.mktemp("search"))
    assert result.exit_code == 0, result.output
    return output


def fragments(output: Path) -> list[dict]:
    """Every page record in the index, every bundle (Pagefind's gzipped, signed fragments)."""
    records = []
    for fragment in sorted((output / "pagefind").glob("*/fragment/*.pf_fragment")):
        data = gzip.decompress(fragment.read_bytes())
        records.append(json.loads(data.removeprefix(b"pagefind_dcd")))
    return records


def test_the_build_indexes_article_bodies_only(site):
    # Every article is from 2024: the newest month's bundle and the rest of the year's,
    # listed for the Search page.
    bundles = json.loads((site / "pagefind" / "shards.json").read_text())
    assert bundles == ["2024-04", "2024"]
    assert (site / "pagefind" / "pagefind-ui.js").is_file()
    # The whole site in DEFAULT_LANG, the French article included.
    for bundle in bundles:
        assert (site / "pagefind" / bundle / "pagefind.js").is_file()
        entry = json.loads(
            (site / "pagefind" / bundle / "pagefind-entry.json").read_text(encoding="utf-8")
        )
        assert list(entry["languages"]) == ["en"]
    assert search.indexed_pages(site / "pagefind") == len(ARTICLE_PAGES)
    records = fragments(site)
    assert {record["url"] for record in records} == ARTICLE_PAGES
    dues = next(r for r in records if r["url"] == "/2024/03/harbour-dues.html")
    assert dues["meta"] == {"title": "Harbour dues rise", "date": "2024-03-11"}
    # The body only: not the title, the tags, the footer or the navigation.
    assert dues["content"] == "The harbour master Ottoline Quarrender raised the dues."


def test_only_the_search_page_loads_pagefind(site):
    for page in sorted(site.rglob("*.html")):
        relative = page.relative_to(site).as_posix()
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "lxml")
        nav = soup.find("nav", class_="site-nav")
        # 404.html links from the site root ("/search.html"): it is shown at any path.
        targets = [urljoin(relative, a["href"]).lstrip("/") for a in nav.find_all("a")]
        assert "search.html" in targets
        # Articles' JSON-LD (broadsheet.seo) is a data block: it loads and runs nothing.
        data_blocks = soup.find_all("script", type="application/ld+json")
        assert all(not block.has_attr("src") for block in data_blocks), relative
        scripts = [
            urljoin(relative, s["src"])
            for s in soup.find_all("script")
            if s.get("type") != "application/ld+json"
        ]
        styles = [urljoin(relative, link["href"]) for link in soup.find_all("link", href=True)]
        if relative == "search.html":
            assert scripts == ["pagefind/pagefind-ui.js", "theme/js/search.js"]
            assert "pagefind/pagefind-ui.css" in styles
        else:
            assert scripts == [], relative
            assert not [s for s in styles if s.startswith("pagefind/")], relative


def test_the_search_page_without_javascript_links_to_tags_and_archives(site):
    soup = BeautifulSoup((site / "search.html").read_text(encoding="utf-8"), "lxml")
    browse = soup.find("section", class_="search-browse")
    targets = {a["href"].removeprefix("./") for a in browse.find_all("a")}
    assert {"tags.html", "archives.html"} <= targets
    assert (site / "tags.html").is_file() and (site / "archives.html").is_file()
    assert soup.find(id="search") is not None  # where Pagefind's UI goes, with JavaScript


def test_a_failed_index_fails_the_build_with_one_line(tmp_path, monkeypatch):
    broken = tmp_path / "pagefind"
    broken.write_text("#!/bin/sh\necho Running Pagefind\necho 'Error: disk full' >&2\nexit 2\n")
    broken.chmod(0o755)
    monkeypatch.setattr(search, "pagefind_executable", lambda: broken)
    result, _ = build(tmp_path)
    assert result.exit_code == 1
    # Pelican's own summary line comes first; the failure is one line, the last.
    assert result.output.splitlines()[-1] == (
        "Error: search index failed: pagefind exit 2: Error: disk full"
    )
    assert result.output.count("Error:") == 2


def test_search_index_off_builds_no_index_and_loads_no_script(tmp_path, monkeypatch):
    real = tasks.load_settings

    def settings(publish=False, overrides=None):
        return real(publish, {**(overrides or {}), "SEARCH_INDEX": False})

    monkeypatch.setattr(tasks, "load_settings", settings)
    result, output = build(tmp_path)
    assert result.exit_code == 0, result.output
    assert not (output / "pagefind").exists()
    soup = BeautifulSoup((output / "search.html").read_text(encoding="utf-8"), "lxml")
    assert soup.find_all("script") == [] and soup.find(id="search") is None
    assert "tags.html" in {a["href"].removeprefix("./") for a in soup.find_all("a")}


def test_a_draft_is_not_searchable(site):
    # Drafts are built (drafts/…) for the preview, but the index reads article pages only.
    assert (site / "drafts" / "draft.html").is_file()
    assert not any("Wetherell" in record["content"] for record in fragments(site))


@pytest.mark.parametrize(
    ("save_as", "glob"),
    [
        ("{date:%Y}/{date:%m}/{slug}.html", "*/*/*.html"),
        ("posts/{slug}.html", "posts/*.html"),
        ("{date:%Y}/{slug}/index.html", "*/*/index.html"),
        ("{slug}.html", None),  # the site root's every page: no narrower glob
        ("", None),
    ],
)
def test_pagefind_reads_only_the_files_article_urls_can_name(save_as, glob):
    assert search.article_glob(save_as) == glob


def wait_for(path: Path, seconds: float = 15.0):
    """A signal handler that waits until `path` exists (or `seconds` have passed)."""

    def wait(*_args, **_kwargs) -> None:
        deadline = time.monotonic() + seconds
        while not path.exists() and time.monotonic() < deadline:
            time.sleep(0.02)

    return wait


def test_the_index_runs_beside_the_rest_of_the_build(tmp_path, monkeypatch):
    # Pagefind starts once the article pages are written, before the pages, the sitemap
    # and the sources index are, and the build waits for it at the end: a slow Pagefind
    # that records what it found on starting shows both.
    seen = tmp_path / "seen.txt"
    slow = tmp_path / "pagefind"
    real = search.pagefind_executable()
    # The first run (of one per bundle) lists the site, whole, before `seen` appears.
    slow.write_text(
        f"#!/bin/sh\n[ -e {seen} ] || {{ ls 2024/03 . > {seen}.part; mv {seen}.part {seen}; }}\n"
        f'sleep 1\nexec {real} "$@"\n'
    )
    slow.chmod(0o755)
    monkeypatch.setattr(search, "pagefind_executable", lambda: slow)
    # The search step starts in a thread when the article pages are written; the pages
    # (About) wait until Pagefind has started, so what it saw does not depend on which
    # thread the machine ran first. A step that only started at the end never starts in
    # time, and About is then written after the wait gives up.
    waited = wait_for(seen)
    signals.page_generator_write_page.connect(waited, weak=False)
    try:
        result, output = build(tmp_path)
    finally:
        signals.page_generator_write_page.disconnect(waited)
    assert result.exit_code == 0, result.output
    found = seen.read_text()
    assert "harbour-dues.html" in found  # the article pages were there
    for later in ("about.html", "sitemap.xml", "sources.html"):
        assert later not in found and (output / later).is_file()
    assert search.indexed_pages(output / "pagefind") == len(ARTICLE_PAGES)


def test_the_index_starts_once_the_article_and_archive_pages_are_written(tmp_path, monkeypatch):
    # What the output holds when the build starts the index (in the build's own thread,
    # so no race): every article page and month archive, and none of the listings that
    # Pelican writes next (the home page, the tag pages), which it then overlaps.
    seen = {}
    real_start = tasks.start_index

    def start_index(output, *args, **kwargs):
        seen["pages"] = sorted(p.relative_to(output).as_posix() for p in output.rglob("*.html"))
        return real_start(output, *args, **kwargs)

    monkeypatch.setattr(tasks, "start_index", start_index)
    result, output = build(tmp_path)
    assert result.exit_code == 0, result.output
    pages = set(seen["pages"])
    assert {page.lstrip("/") for page in ARTICLE_PAGES} <= pages
    assert {"2024/03/index.html", "2024/04/index.html"} <= pages
    assert not pages & {"index.html", "tags.html", "tag/harbours.html", "drafts/draft.html"}
    assert (output / "tag/harbours.html").is_file()
    assert search.indexed_pages(output / "pagefind") == len(ARTICLE_PAGES)


@pytest.mark.parametrize(
    ("changed", "early"),
    [
        ({}, True),  # this site's settings
        ({"TAG_SAVE_AS": "tag/{slug}/index.html"}, False),  # a tag page matches */*/*.html
        ({"INDEX_SAVE_AS": "news/all/index.html"}, False),
        ({"INDEX_SAVE_AS": "news/all/index.htm"}, True),
        ({"DRAFT_SAVE_AS": "drafts/{date:%Y/%m}.html"}, False),  # a field holding a folder
        ({"PAGINATION_PATTERNS": [(1, "{url}", "{save_as}")]}, False),  # not Pelican's own
        ({"DIRECT_TEMPLATES": ["index", "extra"], "EXTRA_SAVE_AS": "a/b/c.html"}, False),
    ],
)
def test_the_index_waits_for_the_listings_when_one_could_be_read(changed, early):
    from pelican.settings import read_settings

    settings = {**read_settings(str(Path(tasks.__file__).parent / "pelicanconf.py")), **changed}
    glob = search.article_glob(settings["ARTICLE_SAVE_AS"])
    assert search.ready_before_listings(glob, settings) is early
    assert search.ready_before_listings(None, settings) is False  # every page is read


def test_a_failed_build_stops_the_index_and_leaves_none(tmp_path, monkeypatch):
    # A slow Pagefind is still running when the build fails, after the article pages.
    started = tmp_path / "started.txt"
    slow = tmp_path / "pagefind"
    slow.write_text(
        f'#!/bin/sh\ntouch {started}; sleep 3\nexec {search.pagefind_executable()} "$@"\n'
    )
    slow.chmod(0o755)
    monkeypatch.setattr(search, "pagefind_executable", lambda: slow)

    def fail(_sender, **_signal):
        wait_for(started)()  # the index is running (its thread may start it a little later)
        raise RuntimeError("the pages could not be written")

    signals.page_writer_finalized.connect(fail, weak=False)
    try:
        result, output = build(tmp_path)
    finally:
        signals.page_writer_finalized.disconnect(fail)
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == (
        "Error: build failed: RuntimeError: the pages could not be written"
    )
    assert (output / "2024" / "03" / "harbour-dues.html").is_file()  # it got that far
    assert started.is_file()  # and the index had started
    assert not (output / "pagefind").exists()


def bundle_files(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_the_index_runs_in_a_worker_process_and_makes_what_the_thread_makes(
    site, tmp_path, monkeypatch
):
    # Pagefind's parent process says where the work ran: the build's own process (a
    # thread) or the worker (python -m broadsheet.search).
    parents = tmp_path / "parents.txt"
    spy = tmp_path / "pagefind"
    spy.write_text(
        f"#!/bin/sh\ntr '\\0' ' ' < /proc/$PPID/cmdline >> {parents}; echo >> {parents}\n"
        f'exec {search.pagefind_executable()} "$@"\n'
    )
    spy.chmod(0o755)
    monkeypatch.setattr(search, "pagefind_executable", lambda: spy)
    made = {}
    for apart in (True, False):
        output = tmp_path / f"apart-{apart}"
        shutil.copytree(site, output, ignore=shutil.ignore_patterns("pagefind"))
        running = search.start_index(output, "en", "*/*/*.html", apart=apart)
        made[apart] = search.finish_index(running)
        assert made[apart].pages == len(ARTICLE_PAGES), made[apart]
    runs = parents.read_text().splitlines()
    assert len(runs) == 2 * len(made[True].bundles)  # one Pagefind run per bundle
    assert all("-m broadsheet.search" in run for run in runs[: len(runs) // 2])
    assert not any("broadsheet.search" in run for run in runs[len(runs) // 2 :])
    assert made[True].bundles == made[False].bundles
    assert bundle_files(made[True].folder) == bundle_files(made[False].folder)


def test_a_worker_that_dies_fails_the_index_with_one_line():
    with pytest.raises(search.BuildError) as raised:
        search._worker_answer(-9, "")
    assert str(raised.value) == "search index failed: its worker exited with -9: no output"
    printed = "Traceback (most recent call last):\n  ...\nMemoryError\n"
    with pytest.raises(search.BuildError, match="exited with 1: MemoryError$"):
        search._worker_answer(1, printed)
    found = {"folder": "/x/pagefind", "pages": 2, "bundles": ["2024"], "rebuilt": []}
    late = f"{json.dumps({'index': found})}\nsome warning printed at exit\n"
    assert search._worker_answer(0, late).bundles == ("2024",)
    error = json.dumps({"error": "search index failed: no pages to index in /x"})
    with pytest.raises(search.BuildError, match="^search index failed: no pages to index"):
        search._worker_answer(1, f"Running Pagefind\n{error}\n")
