"""broadsheet.templating: a macro's markup made once per environment, and only once; with
the build caches on, kept for the next build until its story changes."""

from pathlib import Path
from types import SimpleNamespace

import pytest
from jinja2 import DictLoader, Environment
from markupsafe import Markup

from broadsheet.buildcache import load_kept
from broadsheet.templating import KEPT, KeptRenderings, rendered_once

TEMPLATES = {
    "macros.html": (
        "{% macro card(story, root) -%}"
        "<li>{{ count(story) }}<a href='{{ root }}/{{ story.url }}'>{{ story.title }}</a></li>"
        "{%- endmacro %}"
    ),
    "list.html": (
        '{% import "macros.html" as m %}'
        "{% for story in stories %}{{ m.card|rendered_once(story, root) }}{% endfor %}"
    ),
}


def environment(calls: list) -> Environment:
    env = Environment(loader=DictLoader(TEMPLATES), autoescape=True)
    env.filters["rendered_once"] = rendered_once
    env.globals["count"] = lambda story: calls.append(story.title) or ""
    return env


def stories(*titles: str) -> list:
    return [SimpleNamespace(title=title, url=f"{title.lower()}.html") for title in titles]


def test_each_story_card_is_rendered_once_across_pages():
    calls: list = []
    env = environment(calls)
    harbour, ferry, pier = stories("Harbour & Co", "Ferry", "Pier")
    first = env.get_template("list.html").render(stories=[harbour, ferry], root="..")
    second = env.get_template("list.html").render(stories=[ferry, pier], root="..")
    assert first == (
        "<li><a href='../harbour &amp; co.html'>Harbour &amp; Co</a></li>"
        "<li><a href='../ferry.html'>Ferry</a></li>"
    )
    assert second == (
        "<li><a href='../ferry.html'>Ferry</a></li><li><a href='../pier.html'>Pier</a></li>"
    )
    assert calls == ["Harbour & Co", "Ferry", "Pier"]


def test_other_arguments_or_another_build_render_again():
    calls: list = []
    env = environment(calls)
    (harbour,) = stories("Harbour")
    deeper = env.get_template("list.html").render(stories=[harbour], root="../..")
    at_root = env.get_template("list.html").render(stories=[harbour], root=".")
    assert "../../harbour.html" in deeper and "./harbour.html" in at_root
    assert calls == ["Harbour", "Harbour"]

    next_build = environment(calls)
    harbour.title = "Harbour, updated"
    assert "Harbour, updated" in next_build.get_template("list.html").render(
        stories=[harbour], root="."
    )
    assert calls[-1] == "Harbour, updated"


def test_a_story_made_after_another_was_dropped_gets_its_own_card():
    """The memo holds each story it saw, so a new story never takes a dropped one's id."""
    calls: list = []
    env = environment(calls)
    for number in range(50):
        (story,) = stories(f"Story {number}")
        assert f"Story {number}<" in env.get_template("list.html").render(stories=[story], root=".")
        del story
    assert len(calls) == 50


# KeptRenderings: a macro's markup kept between builds (plugins/render_cache installs it).


def kept_environment(calls: list, kept) -> Environment:
    env = environment(calls)
    KEPT[:] = [kept]
    return env


@pytest.fixture
def prints() -> dict:
    """Each story's fingerprint, by title, as render_cache would give it."""
    return {}


def story_at(folder: Path, title: str):
    path = folder / f"{title.lower()}.md"
    path.write_text(title, encoding="utf-8")
    return SimpleNamespace(title=title, url=f"{title.lower()}.html", source_path=str(path))


def render(env: Environment, story, root: str = "..") -> str:
    return env.get_template("list.html").render(stories=[story], root=root)


def test_a_kept_card_is_used_by_the_next_build_until_its_story_changes(tmp_path):
    calls: list = []
    fingerprint = {"Harbour": "one"}
    kept = KeptRenderings(tmp_path / "kept", lambda story: fingerprint[story.title])
    harbour = story_at(tmp_path, "Harbour")
    try:
        first = render(kept_environment(calls, kept), harbour)
        kept.save()
        # The next build: a new store read from the files, a new environment.
        kept = KeptRenderings(tmp_path / "kept", lambda story: fingerprint[story.title])
        again = render(kept_environment(calls, kept), harbour)
        assert again == first == "<li><a href='../harbour.html'>Harbour</a></li>"
        assert calls == ["Harbour"]
        assert isinstance(kept_or_rendered_markup(kept, harbour), Markup)

        # Its fingerprint moved (the story changed): drawn again, and kept anew.
        harbour.url, fingerprint["Harbour"] = "harbour-moved.html", "two"
        moved = render(kept_environment(calls, kept), harbour)
        assert moved == "<li><a href='../harbour-moved.html'>Harbour</a></li>"
        assert calls == ["Harbour", "Harbour"]
        kept.save()
        kept = KeptRenderings(tmp_path / "kept", lambda story: fingerprint[story.title])
        assert render(kept_environment(calls, kept), harbour) == moved
        assert calls == ["Harbour", "Harbour"]
    finally:
        KEPT.clear()


def kept_or_rendered_markup(kept, story):
    """What the store hands back for the story's card at the site root '..'."""
    env = environment([])
    macro = env.get_template("macros.html").module.card
    place = kept.place(macro, macro._func.__code__, story, ("..",))
    return kept.get(place)


def test_what_is_not_kept(tmp_path):
    """No fingerprint, no source path or an argument that is not a plain value: drawn
    each build, never stored."""
    calls: list = []
    kept = KeptRenderings(tmp_path / "kept", lambda story: None if story.title == "Pier" else "x")
    pier = story_at(tmp_path, "Pier")
    ferry = SimpleNamespace(title="Ferry", url="ferry.html")  # no source path
    harbour = story_at(tmp_path, "Harbour")
    try:
        for _ in range(2):
            env = kept_environment(calls, kept)
            render(env, pier)
            render(env, ferry)
            render(env, harbour, root=("not", "plain"))
            kept.save()
        assert calls == ["Pier", "Ferry", "Harbour"] * 2
        assert not list((tmp_path / "kept").glob("*.pickle"))
    finally:
        KEPT.clear()


def test_the_cards_of_a_deleted_story_leave_the_store(tmp_path):
    calls: list = []
    kept = KeptRenderings(tmp_path / "kept", lambda story: "same", shards=1)
    harbour, pier = story_at(tmp_path, "Harbour"), story_at(tmp_path, "Pier")
    try:
        env = kept_environment(calls, kept)
        render(env, harbour)
        render(env, pier)
        kept.save()
        Path(pier.source_path).unlink()
        kept = KeptRenderings(tmp_path / "kept", lambda story: "same", shards=1)
        render(kept_environment(calls, kept), harbour)  # reads the shard
        kept.save()
        stored = load_kept(tmp_path / "kept" / "00.pickle")
        assert {name[0] for name in stored} == {harbour.source_path}
    finally:
        KEPT.clear()


def test_a_damaged_store_is_drawn_again(tmp_path):
    calls: list = []
    kept = KeptRenderings(tmp_path / "kept", lambda story: "same", shards=1)
    harbour = story_at(tmp_path, "Harbour")
    try:
        render(kept_environment(calls, kept), harbour)
        kept.save()
        (tmp_path / "kept" / "00.pickle").write_bytes(b"not a pickle")
        kept = KeptRenderings(tmp_path / "kept", lambda story: "same", shards=1)
        assert "Harbour" in render(kept_environment(calls, kept), harbour)
        assert calls == ["Harbour", "Harbour"]
    finally:
        KEPT.clear()


def test_a_store_read_whole_needs_its_files_no_more(tmp_path):
    """``load_all`` (render_cache calls it before forking the page writers, which then
    share what it read): every shard is in memory."""
    calls: list = []
    kept = KeptRenderings(tmp_path / "kept", lambda story: "same")
    stories_here = [story_at(tmp_path, title) for title in ("Harbour", "Pier", "Ferry")]
    try:
        env = kept_environment(calls, kept)
        for story in stories_here:
            render(env, story)
        kept.save()
        kept = KeptRenderings(tmp_path / "kept", lambda story: "same")
        kept.load_all()
        for shard in (tmp_path / "kept").glob("*.pickle"):
            shard.unlink()
        env = kept_environment(calls, kept)
        assert [render(env, story) for story in stories_here] == [
            f"<li><a href='../{title}.html'>{title.title()}</a></li>"
            for title in ("harbour", "pier", "ferry")
        ]
        assert calls == ["Harbour", "Pier", "Ferry"]
    finally:
        KEPT.clear()
