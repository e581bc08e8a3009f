"""plugins/build_speed and pelicanconf's ARTICLE_ORDER_BY: listings in one order whatever
the hash seed, the same pages as Pelican's own methods write, URLs that follow a slug a
plugin changes, and each URL computed once while the site is written."""

from __future__ import annotations

import filecmp
import importlib
import importlib.util
import os
import shutil
import subprocess
import sys
import types
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import ROOT, build_pelican_site, count_markdown_reads, write_content
from pelican import signals
from pelican.generators import ArticlesGenerator
from pelican.settings import read_settings
from pelican.writers import Writer

from broadsheet.plugins import every_article, plugin_listed

SAME_DAY = [f"story-{letter}" for letter in "hcalkbjfgeid"]  # written in no useful order


def article(slug: str, date: str, tags: str, **extra: str) -> str:
    lines = [f"Title: Story {slug}", f"Date: {date}", "Category: Local", f"Tags: {tags}"]
    lines += [f"{key.capitalize()}: {value}" for key, value in extra.items()]
    return "\n".join(lines) + f"\n\nThe harbour story called {slug}.\n"


def site_files() -> dict[str, str]:
    """Twelve stories on one day, and others around them in other months and years."""
    files = {
        f"articles/2024/03/{slug}.md": article(
            slug, "2024-03-05", "Ferries, Harbours", source="Estuary Post"
        )
        for slug in SAME_DAY
    }
    files["articles/2024/03/later.md"] = article("later", "2024-03-09", "Ferries")
    files["articles/2024/01/early.md"] = article(
        "early", "2024-01-20", "Harbours, Tides", authors="Ana Ruiz, Ben Oduya"
    )
    files["articles/2023/12/old.md"] = article(
        "old", "2023-12-31T23:30:00+00:00", "Ferries, ferries", authors="Ana Ruiz"
    )
    files["articles/2023/12/other.md"] = article("other", "2023-12-31", "Tides")
    files["articles/2023/12/draft.md"] = article("draft", "2023-12-02", "Tides", status="draft")
    return files


def project_plugins(with_build_speed: bool, leave_out: tuple[str, ...] = ()) -> list[str]:
    listed = list(read_settings(str(ROOT / "pelicanconf.py"))["PLUGINS"])
    assert "build_speed" in listed
    leave_out = leave_out if with_build_speed else (*leave_out, "build_speed")
    return [plugin for plugin in listed if plugin not in leave_out]


def tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def assert_same_tree(one: Path, other: Path) -> None:
    assert tree(one) == tree(other)
    _, mismatch, errors = filecmp.cmpfiles(one, other, tree(one), shallow=False)
    assert (mismatch, errors) == ([], [])


def story_links(page: Path) -> list[str]:
    """The story slugs a listing page links to, in order."""
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    return [
        Path(a["href"]).stem
        for a in soup.select("main a[href]")
        if "/20" in "/" + a["href"] and a["href"].endswith(".html")
    ]


@pytest.fixture
def build_speed_module(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "plugins"))
    return importlib.import_module("build_speed.build_speed")


# ARTICLE_ORDER_BY: one order whatever the hash seed.

BUILD_IN_A_CHILD = """
import sys
from pathlib import Path
sys.path[:0] = [sys.argv[1], sys.argv[2]]
from conftest import build_pelican_site
content, output = Path(sys.argv[3]), Path(sys.argv[4])
build_pelican_site(content, output / "project")
build_pelican_site(content, output / "reversed-date", ARTICLE_ORDER_BY="reversed-date")
"""


def build_with_hash_seed(content: Path, output: Path, seed: str) -> Path:
    """Build content in a child process with PYTHONHASHSEED=seed, with the project's
    ARTICLE_ORDER_BY and with Pelican's default."""
    subprocess.run(
        [sys.executable, "-c", BUILD_IN_A_CHILD, str(ROOT / "tests"), str(ROOT)]
        + [str(content), str(output)],
        env={**os.environ, "PYTHONHASHSEED": seed},
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return output


def test_same_day_stories_are_listed_in_one_order_whatever_the_hash_seed(tmp_path):
    write_content(tmp_path / "content", site_files())
    one = build_with_hash_seed(tmp_path / "content", tmp_path / "seed-1", "1")
    two = build_with_hash_seed(tmp_path / "content", tmp_path / "seed-2", "2")

    # Pelican's own "reversed-date" lists one day's stories in the order its set of
    # file names gave them, which follows the seed: the two builds differ.
    assert story_links(one / "reversed-date/index.html") != story_links(
        two / "reversed-date/index.html"
    )
    # The project's order gives every page the same bytes under both seeds.
    assert_same_tree(one / "project", two / "project")

    by_path = sorted(SAME_DAY)
    site = one / "project"
    assert story_links(site / "index.html")[:14] == ["later", *by_path, "early"]
    assert story_links(site / "tag/ferries.html")[:13] == ["later", *by_path]
    assert story_links(site / "category/local.html")[:13] == ["later", *by_path]
    assert story_links(site / "source/estuary-post.html") == by_path
    assert story_links(site / "2024/03/index.html") == ["later", *by_path]
    assert story_links(site / "archives.html")[:14] == ["later", *by_path, "early"]


def test_newest_first_orders_by_date_then_source_path():
    order_by = read_settings(str(ROOT / "pelicanconf.py"))["ARTICLE_ORDER_BY"]
    day = datetime(2024, 3, 5, tzinfo=UTC)
    stories = [
        types.SimpleNamespace(date=day, source_path="/c/b.md", slug="b"),
        types.SimpleNamespace(date=day.replace(hour=9), source_path="/c/z.md", slug="z"),
        types.SimpleNamespace(date=day, source_path="/c/a.md", slug="a"),
        types.SimpleNamespace(date=day.replace(day=4), source_path="/c/0.md", slug="0"),
    ]
    assert [s.slug for s in sorted(stories, key=order_by)] == ["z", "a", "b", "0"]


# The replaced listings: the same pages as Pelican's own methods.

# Templates that print exactly what Pelican hands a listing page: its articles and its
# dates (the project's theme shows only the articles).
LISTING = (
    "{% for a in articles %}article {{ a.slug }}\n{% endfor %}"
    "{% for a in dates %}date {{ a.slug }}\n{% endfor %}"
)
LISTING_TEMPLATES = ("tag", "category", "author", "period_archives")
EVERY_LISTING = {
    "AUTHOR_SAVE_AS": "author/{slug}.html",
    "AUTHOR_URL": "author/{slug}.html",
    "DAY_ARCHIVE_SAVE_AS": "{date:%Y}/{date:%m}/{date:%d}/index.html",
    "DEFAULT_PAGINATION": 4,
}


@pytest.mark.parametrize("templates", ["theme", "listing"])
def test_listings_are_the_pages_pelican_writes(tmp_path, build_speed_module, templates):
    write_content(tmp_path / "content", site_files())
    overrides = dict(EVERY_LISTING)
    leave_out = ()
    if templates == "listing":
        write_content(tmp_path / "listing", {f"{t}.html": LISTING for t in LISTING_TEMPLATES})
        overrides["THEME_TEMPLATES_OVERRIDES"] = [str(tmp_path / "listing")]
        leave_out = ("autotag",)  # which would make `old`'s two "ferries" one
        overrides["NEWEST_FIRST_ARCHIVES"] = False  # dates oldest first, articles newest
    content = tmp_path / "content"
    # Installed, as an earlier build in this process would have: a build without the
    # plugin then runs Pelican's own methods through them.
    build_speed_module.install_replacements()

    pelican = build_pelican_site(
        content, tmp_path / "pelican", PLUGINS=project_plugins(False, leave_out), **overrides
    )
    faster = build_pelican_site(
        content, tmp_path / "faster", PLUGINS=project_plugins(True, leave_out), **overrides
    )
    assert_same_tree(pelican, faster)
    assert (faster / "author/ana-ruiz.html").exists()
    assert (faster / "2023/12/31/index.html").exists()
    if templates == "listing":
        # Oldest first; "ferries" is twice on `old`: once among the dates, as Pelican has it.
        lines = (faster / "tag/ferries.html").read_text(encoding="utf-8").splitlines()
        assert [line for line in lines if line.startswith("date ")] == [
            f"date {slug}" for slug in ["old", *sorted(SAME_DAY), "later"]
        ]
        assert lines.count("article old") == 2


@pytest.mark.parametrize("with_build_speed", [True, False])
def test_pelicans_listing_methods_run_only_for_a_build_without_the_plugin(
    tmp_path, build_speed_module, monkeypatch, with_build_speed
):
    build_speed_module.install_replacements()  # as an earlier build in this process did
    called = Counter()
    for name in ("GENERATE_TAGS", "GENERATE_CATEGORIES", "BUILD_PERIOD_ARCHIVES"):
        real = getattr(build_speed_module, f"PELICAN_{name}")

        def counted(*args, real=real, name=name, **kwargs):
            called[name] += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(build_speed_module, f"PELICAN_{name}", counted)
    write_content(tmp_path / "content", site_files())
    build_pelican_site(
        tmp_path / "content", tmp_path / "output", PLUGINS=project_plugins(with_build_speed)
    )
    if with_build_speed:
        assert called == Counter()
    else:
        assert called == Counter(GENERATE_TAGS=1, GENERATE_CATEGORIES=1, BUILD_PERIOD_ARCHIVES=1)


@pytest.mark.parametrize(
    ("articles", "dates", "expected"),
    [
        ("ba", "abc", "ab"),  # the dates' order, not the term's
        ("bab", "abc", "ab"),  # a story twice under one term: once
        ("dc", "abc", "c"),  # a story not among the dates: left out
        ("", "abc", ""),
        ("a", "aba", "aa"),  # a story twice among the dates: twice, as Pelican does
    ],
)
def test_in_date_order_is_pelicans_scan(build_speed_module, articles, dates, expected):
    stories = {name: types.SimpleNamespace(name=name) for name in "abcd"}
    term = [stories[name] for name in articles]
    listed = [stories[name] for name in dates]
    assert [a for a in listed if a in term] == [stories[name] for name in expected]
    positions = build_speed_module.date_positions(listed)
    found = build_speed_module.in_date_order(term, listed, positions)
    assert found == [stories[name] for name in expected]


# The same fix as a patch to offer Pelican: docs/upstream/pelican-term-listings.patch.

UPSTREAM_PATCH = ROOT / "docs/upstream/pelican-term-listings.patch"
PATCHED_METHODS = ("generate_tags", "generate_categories", "generate_authors")


def patched_generators(folder: Path) -> types.ModuleType:
    """The installed Pelican's generators.py with the upstream patch applied (by git, as
    a maintainer would apply it), loaded as a module of its own."""
    import pelican.generators as released

    (folder / "pelican").mkdir(parents=True)
    shutil.copy(released.__file__, folder / "pelican/generators.py")
    subprocess.run(
        ["git", "apply", str(UPSTREAM_PATCH)], cwd=folder, check=True, capture_output=True
    )
    spec = importlib.util.spec_from_file_location(
        "pelican_generators_patched", folder / "pelican/generators.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_upstream_patch_applies_and_writes_pelicans_pages(tmp_path, monkeypatch):
    write_content(tmp_path / "content", site_files())
    write_content(tmp_path / "listing", {f"{t}.html": LISTING for t in LISTING_TEMPLATES})
    overrides = {
        **EVERY_LISTING,
        "THEME_TEMPLATES_OVERRIDES": [str(tmp_path / "listing")],
        "NEWEST_FIRST_ARCHIVES": False,
        "PLUGINS": project_plugins(False, ("autotag",)),
    }
    content = tmp_path / "content"
    released = build_pelican_site(content, tmp_path / "released", **overrides)

    patched = patched_generators(tmp_path / "upstream")
    looked_up = []

    as_patched = patched._in_date_order

    def counted(articles, dates, positions):
        looked_up.append(len(articles))
        return as_patched(articles, dates, positions)

    monkeypatch.setattr(patched, "_in_date_order", counted)
    for name in (*PATCHED_METHODS, "_build_period_archives"):
        monkeypatch.setattr(ArticlesGenerator, name, getattr(patched.ArticlesGenerator, name))
    with_patch = build_pelican_site(content, tmp_path / "patched", **overrides)

    assert_same_tree(released, with_patch)
    # Every term went through it, with its stories: Ferries 15 (`old` is there twice),
    # Harbours 13, Tides 2 (the draft is not), Local 16, Ana Ruiz 2, Ben Oduya 1.
    assert sorted(looked_up) == [1, 2, 2, 13, 15, 16]
    lines = (with_patch / "tag/ferries.html").read_text(encoding="utf-8").splitlines()
    assert [line for line in lines if line.startswith("date ")] == [
        f"date {slug}" for slug in ["old", *sorted(SAME_DAY), "later"]
    ]


# URLs: frozen only once every plugin has finished, computed once after that.


def late_slug_plugin(old: str, new: str) -> types.ModuleType:
    """A plugin that reads every URL when the articles are finalized, then moves one
    article to a new slug when every generator is."""
    plugin = types.ModuleType("late_slug")

    def read_urls(generator):
        if plugin_listed(generator.settings, "late_slug"):
            for each in every_article(generator):
                assert each.url and each.save_as

    def move(generators):
        for generator in generators:
            if isinstance(generator, ArticlesGenerator) and plugin_listed(
                generator.settings, "late_slug"
            ):
                for each in every_article(generator):
                    if each.slug == old:
                        each.slug = new

    def register():
        signals.article_generator_finalized.connect(read_urls)
        signals.all_generators_finalized.connect(move)

    def unregister():
        signals.article_generator_finalized.disconnect(read_urls)
        signals.all_generators_finalized.disconnect(move)

    plugin.register, plugin.unregister = register, unregister
    return plugin


@pytest.mark.parametrize("with_build_speed", [True, False])
def test_a_slug_a_plugin_changes_late_moves_the_story(tmp_path, with_build_speed):
    write_content(tmp_path / "content", site_files())
    plugin = late_slug_plugin("story-c", "ferry-strike")
    plugins = project_plugins(with_build_speed)
    try:
        output = build_pelican_site(
            tmp_path / "content", tmp_path / "output", PLUGINS=[*plugins, plugin]
        )
    finally:
        plugin.unregister()
    assert (output / "2024/03/ferry-strike.html").exists()
    assert not (output / "2024/03/story-c.html").exists()
    assert (output / "drafts/draft.html").exists()
    for listing in ("index.html", "tag/ferries.html", "source/estuary-post.html"):
        slugs = story_links(output / listing)
        assert "ferry-strike" in slugs and "story-c" not in slugs, listing
    page = BeautifulSoup((output / "2024/03/ferry-strike.html").read_text(), "html.parser")
    assert page.select_one('link[rel="canonical"]')["href"].endswith("/2024/03/ferry-strike.html")


@pytest.mark.parametrize("with_build_speed", [True, False])
def test_each_url_is_computed_once_while_the_site_is_written(
    tmp_path, build_speed_module, monkeypatch, with_build_speed
):
    build_speed_module.install_replacements()  # as an earlier build in this process did
    computed, computed_frozen = Counter(), Counter()
    real = build_speed_module.PELICAN_GET_URL_SETTING
    events: list[str] = []

    def counted(self, key):
        computed[id(self), key] += 1
        if build_speed_module.FROZEN_URLS in self.__dict__:
            computed_frozen[id(self), key] += 1
            events.append("frozen url")
        return real(self, key)

    real_writer = Writer.__init__

    def writer_made(self, *args, **kwargs):
        events.append("writer")
        real_writer(self, *args, **kwargs)

    monkeypatch.setattr(build_speed_module, "PELICAN_GET_URL_SETTING", counted)
    monkeypatch.setattr(Writer, "__init__", writer_made)
    write_content(tmp_path / "content", site_files())
    build_pelican_site(
        tmp_path / "content", tmp_path / "output", PLUGINS=project_plugins(with_build_speed)
    )
    if with_build_speed:
        # Every article and page is frozen, and computes each URL once from then on.
        assert len(computed_frozen) == 2 * len(site_files())
        assert set(computed_frozen.values()) == {1}
        # All made before the writing starts (the feeds, tag and article writers forked
        # from here find them made).
        assert "writer" not in events[: events.index("writer")]
        assert "frozen url" not in events[events.index("writer") :]
    else:
        # Pelican computes a story's URL again for every page that links to it.
        assert not computed_frozen
        assert max(computed.values()) > 10


CONTENT_CACHE = {
    "CACHE_CONTENT": True,
    "LOAD_CONTENT_CACHE": True,
    "CHECK_MODIFIED_METHOD": "sha256",  # as publishconf.py
}


def count_hashes(build_speed_module, monkeypatch) -> Counter:
    """How many times Pelican's own stamp (a whole file's hash) runs, by absolute path."""
    build_speed_module.install_replacements()  # as an earlier build in this process did
    hashed = Counter()
    real = build_speed_module.PELICAN_FILE_STAMP

    def counted(self, filename):
        hashed[os.path.abspath(filename)] += 1
        return real(self, filename)

    monkeypatch.setattr(build_speed_module, "PELICAN_FILE_STAMP", counted)
    return hashed


@pytest.mark.parametrize("with_build_speed", [True, False])
def test_each_content_file_is_hashed_once_a_build_and_an_edit_is_seen(
    tmp_path, build_speed_module, monkeypatch, with_build_speed
):
    hashed = count_hashes(build_speed_module, monkeypatch)
    content = tmp_path / "content"
    write_content(content, site_files())
    plugins = project_plugins(with_build_speed)
    build_pelican_site(content, tmp_path / "output", PLUGINS=plugins, **CONTENT_CACHE)
    stories = {os.path.abspath(content / name) for name in site_files()}
    assert stories <= set(hashed)
    if with_build_speed:
        assert {hashed[path] for path in stories} == {1}
    else:
        assert min(hashed[path] for path in stories) >= 2  # Pelican's own count

    # The next build in the same process reads an edited story again, the rest from the
    # cache (its stamps are this build's, not the last one's).
    hashed.clear()
    edited = content / "articles/2024/03/later.md"
    edited.write_text(edited.read_text().replace("Title: Story later", "Title: Ferry fares rise"))
    output = build_pelican_site(content, tmp_path / "output", PLUGINS=plugins, **CONTENT_CACHE)
    assert "Ferry fares rise" in (output / "2024/03/later.html").read_text()
    if with_build_speed:
        assert {hashed[path] for path in stories} == {1}


def test_stamps_kept_in_the_build_caches_spare_unchanged_files_a_hash(
    tmp_path, build_speed_module, monkeypatch
):
    hashed = count_hashes(build_speed_module, monkeypatch)
    content = tmp_path / "content"
    write_content(content, site_files())
    stories = {os.path.abspath(content / name) for name in site_files()}
    plugins = project_plugins(True)
    # Files this young are not kept: a write in the same clock tick could hide.
    build_pelican_site(content, tmp_path / "output", PLUGINS=plugins, **CONTENT_CACHE)
    hashed.clear()
    build_pelican_site(content, tmp_path / "output", PLUGINS=plugins, **CONTENT_CACHE)
    assert {hashed[path] for path in stories} == {1}

    monkeypatch.setattr(build_speed_module, "SETTLED_SECONDS", 0.0)  # as if long written
    build_pelican_site(content, tmp_path / "output", PLUGINS=plugins, **CONTENT_CACHE)
    assert (tmp_path / "output-cache" / "stamps" / "stamps.pickle").is_file()
    hashed.clear()
    edited = content / "articles/2024/03/later.md"
    edited.write_text(edited.read_text().replace("Title: Story later", "Title: Ferry fares rise"))
    output = build_pelican_site(content, tmp_path / "output", PLUGINS=plugins, **CONTENT_CACHE)
    assert "Ferry fares rise" in (output / "2024/03/later.html").read_text()
    assert hashed == Counter({os.path.abspath(edited): 1})


def names(paths: list[str]) -> list[str]:
    return [os.path.basename(path) for path in paths]


def shard_states(folder: Path) -> dict[str, int]:
    return {path.name: path.stat().st_ino for path in sorted(folder.glob("*.pickle"))}


def test_the_content_cache_is_kept_in_shards_and_a_new_story_rewrites_one(
    tmp_path, build_speed_module, monkeypatch
):
    parsed = count_markdown_reads(monkeypatch)
    content = tmp_path / "content"
    write_content(content, site_files())
    cache = tmp_path / "output-cache"
    single, shards = cache / "ArticlesGenerator-Readers", cache / "ArticlesGenerator-Readers.shards"
    # Pelican's own single file, from a build without the plugin, is read, then replaced.
    without = project_plugins(False)
    build_pelican_site(content, tmp_path / "output", PLUGINS=without, **CONTENT_CACHE)
    assert single.is_file() and not shards.exists()
    parsed.clear()
    plugins = project_plugins(True)
    build_pelican_site(content, tmp_path / "output", PLUGINS=plugins, **CONTENT_CACHE)
    assert parsed == []
    assert not single.exists()
    before = shard_states(shards)
    assert len(before) == build_speed_module.CACHE_SHARDS

    # One story more: it alone is parsed, and only its shard is written again.
    write_content(content, {"articles/2024/03/new.md": article("new", "2024-03-20", "Tides")})
    output = build_pelican_site(content, tmp_path / "output", PLUGINS=plugins, **CONTENT_CACHE)
    assert names(parsed) == ["new.md"]
    assert (output / "2024/03/new.html").is_file()
    after = shard_states(shards)
    changed = {name for name in before if before[name] != after[name]}
    shard = build_speed_module.cache_shard(os.path.abspath(content / "articles/2024/03/new.md"))
    assert changed == {f"{shard:02d}.pickle"}

    # The shards hold every story: a build with nothing new parses nothing and writes none.
    parsed.clear()
    first = tmp_path / "first"
    shutil.copytree(output, first)
    again = build_pelican_site(content, tmp_path / "output", PLUGINS=plugins, **CONTENT_CACHE)
    assert parsed == []
    assert shard_states(shards) == after
    assert_same_tree(first, again)


def test_compressed_shards_are_read_back(tmp_path, monkeypatch):
    parsed = count_markdown_reads(monkeypatch)
    content = tmp_path / "content"
    write_content(content, site_files())
    settings = {**CONTENT_CACHE, "GZIP_CACHE": True, "PLUGINS": project_plugins(True)}
    build_pelican_site(content, tmp_path / "output", **settings)
    shard = next((tmp_path / "output-cache" / "ArticlesGenerator-Readers.shards").iterdir())
    assert shard.read_bytes()[:2] == b"\x1f\x8b"  # gzip, as Pelican writes its cache
    parsed.clear()
    build_pelican_site(content, tmp_path / "output", **settings)
    assert parsed == []


@pytest.mark.parametrize("with_build_speed", [True, False])
def test_the_collector_leaves_the_builds_objects_alone_until_it_ends(tmp_path, with_build_speed):
    import gc

    seen = []

    def writing(_generator, **_kwargs):
        seen.append(gc.get_freeze_count())

    signals.article_writer_finalized.connect(writing)
    try:
        content = tmp_path / "content"
        write_content(content, site_files())
        plugins = project_plugins(with_build_speed)
        build_pelican_site(content, tmp_path / "output", PLUGINS=plugins)
    finally:
        signals.article_writer_finalized.disconnect(writing)
    if with_build_speed:
        assert seen and seen[0] > 10_000  # every object alive when the writing started
    else:
        assert seen == [0]
    assert gc.get_freeze_count() == 0  # thawed: a process that builds again collects them


def test_templates_are_compiled_once_and_an_edit_is_seen(tmp_path, monkeypatch):
    """With the build caches on, a rebuild loads the compiled templates; a template
    edited since is compiled again and shows."""
    from jinja2 import Environment

    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme", theme)
    compiled = Counter()
    real = Environment.compile

    def counted(self, source, name=None, filename=None, *args, **kwargs):
        compiled[name] += 1
        return real(self, source, name, filename, *args, **kwargs)

    monkeypatch.setattr(Environment, "compile", counted)
    content = tmp_path / "content"
    write_content(content, site_files())
    plugins = project_plugins(True, leave_out=("render_cache",))  # pages made each time
    settings = {**CONTENT_CACHE, "PLUGINS": plugins, "THEME": str(theme)}
    build_pelican_site(content, tmp_path / "output", **settings)
    assert compiled["base.html"] >= 1
    assert list((tmp_path / "output-cache" / "templates").rglob("*.cache"))

    compiled.clear()
    build_pelican_site(content, tmp_path / "output", **settings)
    assert compiled == Counter()

    base = theme / "templates" / "base.html"
    base.write_text(base.read_text().replace("</body>", "<!-- edited theme -->\n</body>"))
    output = build_pelican_site(content, tmp_path / "output", **settings)
    assert compiled["base.html"] >= 1
    assert "<!-- edited theme -->" in (output / "2024/03/later.html").read_text()


def test_relative_source_paths_are_pelicans(tmp_path, build_speed_module):
    """The memo answers what Pelican's method answers, for absolute and relative paths."""
    from pelican.contents import Article

    real = build_speed_module.PELICAN_RELATIVE_SOURCE_PATH
    settings = read_settings(str(ROOT / "pelicanconf.py"), override={"PATH": str(tmp_path)})
    story = Article(
        "Text",
        metadata={"title": "Harbour"},
        settings=settings,
        source_path=str(tmp_path / "articles" / "harbour.md"),
    )
    paths = [
        None,
        str(tmp_path / "articles" / "x.md"),
        "articles/y.md",
        "../z.md",
        str(tmp_path / "articles" / ".." / "w.md"),  # not normalised
        str(tmp_path / "articles" / "." / "v.md"),
        str(tmp_path) + "-elsewhere/u.md",  # the same prefix, another folder
        str(tmp_path.parent / "t.md"),  # outside PATH
        str(tmp_path),  # PATH itself
    ]
    for path in paths:
        expected = real(story, path)
        assert build_speed_module.get_relative_source_path(story, path) == expected
        assert build_speed_module.get_relative_source_path(story, path) == expected
    assert build_speed_module.get_relative_source_path(story) == "articles/harbour.md"
    other = dict(settings, PATH=str(tmp_path / "articles"))
    story.settings = other
    assert build_speed_module.get_relative_source_path(story) == "harbour.md"
    for base in ("/", str(tmp_path) + "/", str(tmp_path / "articles" / "..")):
        story.settings = dict(settings, PATH=base)
        for path in paths[1:]:
            expected = real(story, path)
            assert build_speed_module.get_relative_source_path(story, path) == expected


def test_a_cacher_that_keeps_nothing_stamps_nothing(tmp_path, build_speed_module, monkeypatch):
    """With Pelican's default caching layer (the readers'), the ArticlesGenerator's own
    cache neither holds nor stores records: with the plugin it stamps no file; without
    it, Pelican stamps each story twice for it. The readers' cache stamps each once."""
    stamped: Counter = Counter()
    real = build_speed_module._get_file_stamp

    def counted(self, filename):
        stamped[type(self).__name__] += 1
        return real(self, filename)

    replacements = [
        (owner, name, counted if name == "_get_file_stamp" else replacement)
        for owner, name, replacement in build_speed_module.REPLACEMENTS
    ]
    monkeypatch.setattr(build_speed_module, "REPLACEMENTS", tuple(replacements))
    build_speed_module.install_replacements()  # counted, with the plugin or without
    content = tmp_path / "content"
    write_content(content, site_files())
    stories = len([name for name in site_files() if name.startswith("articles/")])
    for with_build_speed in (True, False):
        plugins = project_plugins(with_build_speed)
        build_pelican_site(content, tmp_path / "output", PLUGINS=plugins, **CONTENT_CACHE)
        stamped.clear()
        output = build_pelican_site(content, tmp_path / "output", PLUGINS=plugins, **CONTENT_CACHE)
        assert (output / "2024/03/later.html").is_file()
        if with_build_speed:
            assert stamped["ArticlesGenerator"] == 0
        else:
            assert stamped["ArticlesGenerator"] >= 2 * stories
        assert stamped["Readers"] >= stories


@pytest.mark.parametrize(
    "date_format",
    ["%Y", "%a %d %B %Y", "%-d %b %Y", "%-m/%-d, %H:%M", "%e %Q %%", "Le %-d — %B", "%Y年%m月"],
)
def test_dates_are_formatted_as_pelican_formats_them(build_speed_module, date_format):
    from pelican.utils import SafeDatetime

    real = build_speed_module.PELICAN_STRFTIME
    for date in (
        SafeDatetime(2024, 3, 5, 7, 8, 9),
        SafeDatetime(2025, 12, 31, 23, 59, tzinfo=UTC),
        datetime(2023, 1, 2, 3, 4, 5),
    ):
        assert build_speed_module.strftime(date, date_format) == real(date, date_format)
        assert build_speed_module.strftime(date, date_format) == real(date, date_format)
