"""Search, one Pagefind bundle per year, the newest month apart (broadsheet.search): the
Search page merges them, and with the build caches on a rebuild runs Pagefind only for the
bundles that changed.

A tiny fictional site over three years: each year's story names one person no other
story names, and every story mentions the harbour.
"""

from __future__ import annotations

import filecmp
import gzip
import json
import shutil
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import serve, write_content

import tasks
from broadsheet import search
from broadsheet.errors import BuildError

STORIES = {
    "articles/lighthouse.md": (
        "Title: Lighthouse keeper retires\nDate: 2023-05-02\nTags: Coast\n\n"
        "The keeper Ambrose Tillinghast locked the harbour light's lamp room for good.\n"
    ),
    "articles/ferry.md": (
        "Title: Ferry gets a new skipper\nDate: 2024-08-19\nTags: Ferries\n\n"
        "Wilhelmina Quayle takes the harbour ferry's wheel from Monday.\n"
    ),
    "articles/market.md": (
        "Title: Fish market moves indoors\nDate: 2025-02-07\nTags: Markets\n\n"
        "The market's chair, Bartholomew Fennimore, opened the new harbour hall.\n"
    ),
    "articles/tide-tables.md": (
        "Title: Tide tables printed again\nDate: 2025-03-15\nTags: Coast\n\n"
        "The harbour office prints its tide tables again after readers asked.\n"
    ),
    "pages/about.md": "Title: About\n\nA fictional town's news, for tests.\n",
}
# Who only each year's story names, and its page.
NAMED = {
    "2023": ("Tillinghast", "2023/05/lighthouse.html"),
    "2024": ("Quayle", "2024/08/ferry.html"),
    "2025": ("Fennimore", "2025/02/market.html"),
}
ADDED = {  # in the newest month
    "articles/bridge.md": (
        "Title: Swing bridge reopens\nDate: 2025-03-28\nTags: Coast\n\n"
        "The harbour's swing bridge opened to traffic again on Tuesday.\n"
    ),
}
NEXT_MONTH = {
    "articles/regatta.md": (
        "Title: Regatta returns\nDate: 2025-04-05\nTags: Coast\n\n"
        "Forty boats raced across the harbour mouth on Saturday.\n"
    ),
}
ALL_BUNDLES = ("2025-03", "2025", "2024", "2023")


def files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def bundles(output: Path) -> list[str]:
    """The bundles the Search page merges (pagefind/shards.json)."""
    return json.loads((output / "pagefind" / "shards.json").read_text(encoding="utf-8"))


def indexed_urls(bundle: Path) -> set[str]:
    """The URL of every page one bundle holds (its gzipped, signed fragments)."""
    return {
        json.loads(gzip.decompress(path.read_bytes()).removeprefix(b"pagefind_dcd"))["url"]
        for path in (bundle / "fragment").glob("*.pf_fragment")
    }


def same_tree(left: Path, right: Path) -> bool:
    names = files(left)
    if names != files(right):
        return False
    _, mismatch, errors = filecmp.cmpfiles(left, right, names, shallow=False)
    return mismatch == errors == []


@pytest.fixture
def steps(monkeypatch) -> list[search.SearchIndex]:
    """What each build's search step reported (as bench/build.py's driver sees it)."""
    reported = []
    real = tasks.finish_index

    def finish_index(running):
        reported.append(real(running))
        return reported[-1]

    monkeypatch.setattr(tasks, "finish_index", finish_index)
    return reported


def publish_build(content: Path, output: Path) -> Path:
    return tasks.run_pelican(publish=True, output=output, content_dir=content)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("shards")
    write_content(base / "content", STORIES)
    result = CliRunner().invoke(
        tasks.cli,
        ["build", "--content-dir", str(base / "content"), "--output", str(base / "output")],
    )
    assert result.exit_code == 0, result.output
    return base / "output"


def test_every_year_gets_a_bundle_of_its_own_articles_and_the_newest_month_too(site):
    assert bundles(site) == list(ALL_BUNDLES)  # newest first: the UI opens it
    assert indexed_urls(site / "pagefind" / "2023") == {"/" + NAMED["2023"][1]}
    assert indexed_urls(site / "pagefind" / "2024") == {"/" + NAMED["2024"][1]}
    assert indexed_urls(site / "pagefind" / "2025") == {"/" + NAMED["2025"][1]}
    assert indexed_urls(site / "pagefind" / "2025-03") == {"/2025/03/tide-tables.html"}
    assert search.indexed_pages(site / "pagefind") == 4
    # The Search page's UI files sit beside the bundles, as search.html names them.
    for name in ("pagefind-ui.js", "pagefind-ui.css"):
        assert filecmp.cmp(site / "pagefind" / name, site / "pagefind" / "2025" / name, False)
    assert sorted(p.name for p in (site / "pagefind").iterdir()) == [
        "2023",
        "2024",
        "2025",
        "2025-03",
        "pagefind-ui.css",
        "pagefind-ui.js",
        "shards.json",
    ]


def test_the_search_page_finds_a_story_from_every_year(site, chromium):
    server, httpd = serve(site)
    page = chromium.new_page()
    problems: list[str] = []
    page.on("console", lambda m: m.type in ("error", "warning") and problems.append(m.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"{r.status} {r.url}"))
    try:
        page.goto(f"{server.origin}/search.html", wait_until="load")
        box = page.locator(".pagefind-ui__search-input")
        results = page.locator(".pagefind-ui__result-link")

        def found(word: str) -> list[str]:
            box.fill(word)
            results.first.wait_for(timeout=10_000)
            page.wait_for_timeout(700)  # the UI debounces: let every result arrive
            links = results.evaluate_all("links => links.map(link => link.href)")
            return sorted(link.removeprefix(server.origin + "/") for link in links)

        for year, (word, story) in NAMED.items():
            assert found(word) == [story], year
        # One search, results from every year's bundle.
        assert found("harbour") == sorted(
            [story for _, story in NAMED.values()] + ["2025/03/tide-tables.html"]
        )
        results.first.click()
        page.wait_for_load_state("load")
        assert page.locator("h1").inner_text() in {
            "Lighthouse keeper retires",
            "Ferry gets a new skipper",
            "Fish market moves indoors",
            "Tide tables printed again",
        }
    finally:
        page.close()
        httpd.shutdown()
        httpd.server_close()
    assert problems == []
    asked = set(server.paths)
    assert {f"/pagefind/{year}/pagefind-entry.json" for year in NAMED} <= asked
    assert "/pagefind/shards.json" in asked and "/pagefind/pagefind-ui.js" in asked


def test_a_rebuild_with_the_cache_indexes_only_the_month_that_changed(tmp_path, monkeypatch, steps):
    content, output = tmp_path / "content", tmp_path / "site"
    write_content(content, STORIES)
    monkeypatch.setenv("BROADSHEET_CONTENT_CACHE", str(tmp_path / "cache"))
    publish_build(content, output)
    assert steps[-1].rebuilt == ALL_BUNDLES  # the first build fills the cache
    before = {
        name: (output / "pagefind" / name).stat().st_ino for name in files(output / "pagefind")
    }

    publish_build(content, output)  # nothing changed
    assert steps[-1].rebuilt == ()
    assert steps[-1].bundles == ALL_BUNDLES and steps[-1].pages == 4

    ferry = (output / NAMED["2024"][1]).read_bytes()
    write_content(content, ADDED)  # a story for the newest month
    publish_build(content, output)
    # 2024's story lists its related stories anew (after its body: not what is indexed).
    assert (output / NAMED["2024"][1]).read_bytes() != ferry
    assert steps[-1].rebuilt == ("2025-03",)
    assert steps[-1].pages == 5
    assert "/2025/03/bridge.html" in indexed_urls(output / "pagefind" / "2025-03")
    # The other bundles' files are the ones the first build wrote, linked from the cache.
    for name in files(output / "pagefind"):
        if name.startswith(("2023/", "2024/", "2025/")):
            assert (output / "pagefind" / name).stat().st_ino == before[name], name
    assert (output / "pagefind" / "2025-03" / "pagefind-entry.json").stat().st_ino != before[
        "2025-03/pagefind-entry.json"
    ]

    # Byte for byte what a build without any cache writes.
    monkeypatch.delenv("BROADSHEET_CONTENT_CACHE")
    cold = publish_build(content, tmp_path / "cold")
    assert steps[-1].rebuilt == ALL_BUNDLES
    assert same_tree(output / "pagefind", cold / "pagefind")


def test_a_story_in_a_new_month_moves_the_last_one_into_its_year(tmp_path, monkeypatch, steps):
    content, output = tmp_path / "content", tmp_path / "site"
    write_content(content, STORIES)
    monkeypatch.setenv("BROADSHEET_CONTENT_CACHE", str(tmp_path / "cache"))
    publish_build(content, output)
    write_content(content, NEXT_MONTH)
    publish_build(content, output)
    assert bundles(output) == ["2025-04", "2025", "2024", "2023"]
    assert steps[-1].rebuilt == ("2025-04", "2025")  # March joins the year's bundle
    assert indexed_urls(output / "pagefind" / "2025") == {
        "/" + NAMED["2025"][1],
        "/2025/03/tide-tables.html",
    }
    assert not (output / "pagefind" / "2025-03").exists()
    monkeypatch.delenv("BROADSHEET_CONTENT_CACHE")
    cold = publish_build(content, tmp_path / "cold")
    assert same_tree(output / "pagefind", cold / "pagefind")


def test_a_year_with_no_articles_left_leaves_the_index_and_the_cache(tmp_path, monkeypatch, steps):
    content, output, cache = tmp_path / "content", tmp_path / "site", tmp_path / "cache"
    write_content(content, STORIES)
    monkeypatch.setenv("BROADSHEET_CONTENT_CACHE", str(cache))
    publish_build(content, output)
    assert any(name.startswith("2023/") for name in files(cache / "search" / "files"))

    (content / "articles" / "lighthouse.md").unlink()  # 2023's only story
    publish_build(content, output)
    assert steps[-1].rebuilt == ()  # 2024 and 2025 are as they were
    assert bundles(output) == ["2025-03", "2025", "2024"]
    assert not (output / "pagefind" / "2023").exists()
    assert not any(name.startswith("2023/") for name in files(cache / "search" / "files"))

    monkeypatch.delenv("BROADSHEET_CONTENT_CACHE")
    cold = publish_build(content, tmp_path / "cold")
    assert same_tree(output / "pagefind", cold / "pagefind")


def test_without_the_cache_nothing_is_kept(tmp_path, steps):
    content, output = tmp_path / "content", tmp_path / "site"
    write_content(content, STORIES)
    runner = CliRunner()
    for _ in range(2):
        result = runner.invoke(
            tasks.cli, ["build", "--content-dir", str(content), "--output", str(output)]
        )
        assert result.exit_code == 0, result.output
        assert steps[-1].rebuilt == ALL_BUNDLES
    # No file of the index has a second name (a cache's hard link) anywhere.
    assert all((output / "pagefind" / n).stat().st_nlink == 1 for n in files(output / "pagefind"))
    assert not list(tmp_path.rglob("search/index.pickle"))


def test_a_kept_bundle_changed_since_is_made_again(tmp_path, monkeypatch, steps):
    content, output = tmp_path / "content", tmp_path / "site"
    write_content(content, STORIES)
    monkeypatch.setenv("BROADSHEET_CONTENT_CACHE", str(tmp_path / "cache"))
    publish_build(content, output)
    # Something wrote into the published index in place (it shares the kept file).
    entry = output / "pagefind" / "2024" / "pagefind-entry.json"
    with entry.open("a", encoding="utf-8") as handle:
        handle.write("\n")
    publish_build(content, output)
    assert steps[-1].rebuilt == ("2024",)
    monkeypatch.delenv("BROADSHEET_CONTENT_CACHE")
    cold = publish_build(content, tmp_path / "cold")
    assert same_tree(output / "pagefind", cold / "pagefind")


def test_a_year_of_withdrawn_notices_only_gets_no_bundle(tmp_path):
    # A withdrawn story leaves a notice at its URL, without the body mark: alone in its
    # year, Pagefind would index the notice whole, which one run over every year never did.
    content, output = tmp_path / "content", tmp_path / "site"
    withdrawn = {
        "articles/old-pier.md": (
            "Title: Old pier sold\nDate: 2022-06-01\nStatus: unpublished\n\n"
            "The pier went to Cornelius Abernathy-Voss for a pound.\n"
        )
    }
    write_content(content, {**STORIES, **withdrawn})
    index = tasks.run_pelican(output=output, content_dir=content)
    assert (index / "2022").is_dir()  # the notice is there
    assert bundles(output) == list(ALL_BUNDLES)
    urls = set().union(*(indexed_urls(output / "pagefind" / year) for year in bundles(output)))
    assert not [url for url in urls if url.startswith("/2022/")]


@pytest.mark.parametrize(
    ("pages", "glob", "expected"),
    [
        (
            ["2024/03/a.html", "2023/12/b.html", "2024/01/c.html", "tag/x.html"],
            "*/*/*.html",
            [
                ("2024-03", "2024/03/*.html", ["2024/03/a.html"]),  # the newest month
                ("2024", "2024/01/*.html", ["2024/01/c.html"]),  # the rest of its year
                ("2023", "2023/*/*.html", ["2023/12/b.html"]),
            ],
        ),
        (
            ["2024/01/a.html", "2024/02/b.html", "2024/03/c.html", "2024/03/d.html"],
            "*/*/*.html",
            [
                ("2024-03", "2024/03/*.html", ["2024/03/c.html", "2024/03/d.html"]),
                ("2024", "2024/{01,02}/*.html", ["2024/01/a.html", "2024/02/b.html"]),
            ],
        ),
        (  # one month in the newest year: nothing to split
            ["2024/03/a.html", "2023/12/b.html"],
            "*/*/*.html",
            [
                ("2024", "2024/*/*.html", ["2024/03/a.html"]),
                ("2023", "2023/*/*.html", ["2023/12/b.html"]),
            ],
        ),
        (  # no folder below the year's
            ["2024/a.html", "2024/b.html"],
            "*/*.html",
            [("2024", "2024/*.html", ["2024/a.html", "2024/b.html"])],
        ),
        (["posts/a.html", "b.html"], "posts/*.html", [("posts", "posts/*.html", ["posts/a.html"])]),
        (["a.html", "tag/b.html"], None, [("all", None, ["a.html", "tag/b.html"])]),
        (["2024/a.html"], "*/*/*.html", []),  # no article pages: no bundle
    ],
)
def test_the_pages_are_grouped_by_their_first_folder_the_newest_month_apart(
    tmp_path, pages, glob, expected
):
    for name in pages:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("<p>x</p>", encoding="utf-8")
    shards = search.plan_shards(tmp_path, glob)
    assert [(s.name, s.glob, list(s.pages)) for s in shards] == expected


def test_a_folder_pagefind_would_read_as_a_glob_is_refused(tmp_path):
    (tmp_path / "2024[draft]" / "01").mkdir(parents=True)
    (tmp_path / "2024[draft]" / "01" / "a.html").write_text("<p>x</p>", encoding="utf-8")
    with pytest.raises(BuildError, match=r"2024\[draft\]: a folder name with glob"):
        search.plan_shards(tmp_path, "*/*/*.html")


def test_index_site_indexes_a_built_site_by_itself(tmp_path):
    # As bench/search_index.py runs it: one result, and one time, for every bundle's run.
    write_content(tmp_path / "content", STORIES)
    output = tasks.run_pelican(output=tmp_path / "site", content_dir=tmp_path / "content")
    shutil.rmtree(output / "pagefind")
    index = search.index_site(output, "en", search.article_glob("{date:%Y}/{date:%m}/{slug}.html"))
    assert index.bundles == ALL_BUNDLES and index.rebuilt == index.bundles
    assert index.pages == 4 and index.seconds > 0 and index.cpu_seconds > 0


PAGE = (
    b'<!DOCTYPE html>\n<html lang="en"><head><title>T</title></head><body>\n'
    b'<article data-pagefind-meta="date:2025-01-02"><h1 data-pagefind-meta="title">T</h1>\n'
    b'<DIV class="story-body" data-pagefind-body><div><p>One</p></div><p>Two</p></div>\n'
    b"<p>Tags: <a href=/tag/x.html>X</a></p>\n"
)
RELATED = b'<aside><h2>Related</h2><ul><li><a href="/2024/01/a.html">A</a></li></ul></aside>'
END = b"</article></body></html>\n"


def test_the_index_key_skips_what_follows_an_article_body():
    part = search.indexed_part(PAGE + RELATED + END)
    assert part.endswith(b"<p>Two</p></div>")  # the body's own end, nested divs counted
    assert part == search.indexed_part(PAGE + RELATED.replace(b"A<", b"B<") + END)


@pytest.mark.parametrize(
    "after",
    [
        b'<img src="/a.png" alt="">',  # the default image: the first img after the h1
        b"<H1>Another</H1>",
        b'<span data-pagefind-meta="author">Ann</span>',
        b'<div data-pagefind-filter="year">2025</div>',
    ],
)
def test_what_pagefind_reads_after_the_body_keeps_the_whole_page(after):
    page = PAGE + RELATED + after + END
    assert search.indexed_part(page) == page


@pytest.mark.parametrize(
    "body",
    [
        b"<p>One</p><!-- </div> --><p>Two</p>",  # a comment could hide a closing tag
        b"<p>One</p><script>'</div>'</script>",
        b"<p>One</p><div><p>never closed</p>",
    ],
)
def test_a_body_whose_end_is_uncertain_keeps_the_whole_page(body):
    page = b"<html><body><div data-pagefind-body>" + body + b"</div><p>after</p></body></html>"
    assert search.indexed_part(page) == page


def test_a_page_without_a_body_mark_is_keyed_whole():
    page = b"<html><body><h1>Withdrawn</h1><p>This story was withdrawn.</p></body></html>"
    assert search.indexed_part(page) == page


def test_article_pages_at_the_site_root_make_one_bundle_indexed_last(tmp_path, monkeypatch):
    # With ARTICLE_SAVE_AS "{slug}.html" Pagefind reads every page of the site: it starts
    # once they are all written, and the articles make one bundle.
    seen = tmp_path / "seen.txt"
    listing = tmp_path / "pagefind"
    listing.write_text(f'#!/bin/sh\nls . > {seen}\nexec {search.pagefind_executable()} "$@"\n')
    listing.chmod(0o755)
    monkeypatch.setattr(search, "pagefind_executable", lambda: listing)
    real = tasks.load_settings

    def settings(publish=False, overrides=None):
        at_root = {"ARTICLE_URL": "{slug}.html", "ARTICLE_SAVE_AS": "{slug}.html"}
        at_root |= {"ARTICLE_LANG_URL": "{slug}.html", "ARTICLE_LANG_SAVE_AS": "{slug}.html"}
        return real(publish, {**(overrides or {}), **at_root})

    monkeypatch.setattr(tasks, "load_settings", settings)
    write_content(tmp_path / "content", STORIES)
    output = tasks.run_pelican(output=tmp_path / "site", content_dir=tmp_path / "content")
    assert bundles(output) == ["all"]
    assert indexed_urls(output / "pagefind" / "all") == {
        "/lighthouse.html",
        "/ferry.html",
        "/market.html",
        "/tide-tables.html",
    }
    assert {"sitemap.xml", "about.html", "lighthouse.html"} <= set(seen.read_text().split())


BURN = (
    "import sys, time\n"
    "end = time.process_time() + float(sys.argv[1])\n"
    "while time.process_time() < end: pass\n"
    "sys.exit(int(sys.argv[2]))"
)


def burn(seconds: float) -> None:
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


def test_a_pagefind_run_counts_its_own_cpu_not_other_children_s():
    """The search step's CPU figure (bench/build.py) is its runs' own, even when the build
    reaps a forked writer meanwhile."""
    import subprocess
    import sys

    from broadsheet.forked import start
    from broadsheet.search import _reap

    run = subprocess.Popen([sys.executable, "-c", BURN, "0.3", "3"])
    start(lambda: burn(0.6)).result()  # a forked writer, reaped while the run runs
    cpu = _reap(run, 60)
    assert 0.3 <= cpu < 0.55
    assert run.returncode == 3 and run.poll() == 3

    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    with pytest.raises(subprocess.TimeoutExpired):
        _reap(sleeper, 0.2)
    sleeper.kill()
    sleeper.wait()


def test_a_page_file_read_before_is_not_read_again(tmp_path, monkeypatch):
    """The shard key from kept readings equals the key from reading every page; a page
    rewritten, or replaced by another file, is read again."""
    from broadsheet.buildcache import Memo

    for number in range(3):
        page = tmp_path / "2025" / "03" / f"story-{number}.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_bytes(PAGE.replace(b"One", f"Story {number}".encode()) + RELATED + END)
    shard = search.Shard(
        "2025", "2025/**/*.html", tuple(f"2025/03/story-{number}.html" for number in range(3))
    )
    read: list[int] = []
    real = search.indexed_part
    monkeypatch.setattr(search, "indexed_part", lambda data: read.append(1) or real(data))

    def key_with_memo() -> tuple[str | None, bool]:
        pages = Memo(tmp_path / "cache", search.PAGES_MEMO)
        found = search.read_shard(tmp_path, shard, "salt", pages)
        pages.save()
        return found

    fresh = search.read_shard(tmp_path, shard, "salt")
    assert key_with_memo() == fresh and len(read) == 6
    read.clear()
    assert key_with_memo() == fresh and read == []

    time.sleep(0.01)
    edited = tmp_path / shard.pages[1]
    edited.write_bytes(edited.read_bytes().replace(b"Story 1", b"Story one"))
    replaced = tmp_path / shard.pages[2]
    copy = replaced.with_name("copy.html")
    shutil.copy2(replaced, copy)  # another file, the same bytes and times
    copy.replace(replaced)
    read.clear()
    changed = key_with_memo()
    assert len(read) == 2
    assert changed[0] != fresh[0]
    assert changed == search.read_shard(tmp_path, shard, "salt")
