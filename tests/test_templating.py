"""broadsheet.templating: a macro's markup made once per environment, and only once."""

from types import SimpleNamespace

from jinja2 import DictLoader, Environment

from broadsheet.templating import rendered_once

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
