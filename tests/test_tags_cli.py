"""`tasks.py tags suggest` and `tags list`, through click's runner."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner
from conftest import ROOT, build_pelican_site, write_content

import tasks
from broadsheet.vocabulary import load_vocabulary

VOCABULARY = """\
# Harbour Chronicle tags: hand-kept, please keep the comments.
places:
  Kessel Island: [Kessel]   # the island, not the ferry
topics:
  Ferries: [ferry, night ferry]

stop: [Thursday]
"""


def story(slug: str, date: str, title: str, body: str, extra: str = "") -> tuple[str, str]:
    path = f"articles/{date[:4]}/{date[5:7]}/{slug}.md"
    return path, f"Title: {title}\nDate: {date}\nSlug: {slug}\n{extra}\n{body}\n"


SITE = dict(
    [
        story(
            "night-ferry-returns",
            "2025-03-14",
            "Night ferry to Kessel Island returns",
            "Harbour master Oskar Brandt said on Thursday that the night ferry would sail "
            "again. Oskar Brandt thanked the Marenfjord Shipping Company for the vessel.\n\n"
            "The Marenfjord Shipping Company will crew the crossing.",
        ),
        story(
            "ferry-fares-frozen",
            "2025-04-02",
            "Ferry fares frozen for a year",
            "Oskar Brandt, who chairs the harbour board, froze fares on Thursday. "
            "The Marenfjord Shipping Company agreed to hold its charter price, "
            "Oskar Brandt said.",
            extra="Tags: Fares\n",
        ),
        story(
            "island-school-reopens",
            "2025-05-06",
            "Island school reopens after repairs",
            "Pupils on Kessel returned to the Lindqvist School on Thursday. Head teacher "
            "Greta Solberg said Oskar Brandt had lent the harbour hall for lessons.",
        ),
        story(
            "draft-harbour-budget",
            "2025-05-20",
            "Harbour budget, not ready",
            "Oskar Brandt and Greta Solberg and the Lindqvist School and Greta Solberg.",
            extra="Status: draft\n",
        ),
        story(
            "opted-out",
            "2025-05-22",
            "Greta Solberg on the school year",
            "Greta Solberg spoke about the Lindqvist School and Greta Solberg's pupils.",
            extra="Autotag: off\n",
        ),
    ]
)


def invoke(*args: str):
    return CliRunner().invoke(tasks.cli, list(args), catch_exceptions=False)


@pytest.fixture
def content(tmp_path: Path) -> Path:
    content = tmp_path / "content"
    write_content(content, {**SITE, "tags.yml": VOCABULARY})
    return content


@pytest.mark.parametrize("command", ["suggest", "list"])
def test_tags_commands_have_help_with_an_example(command):
    result = invoke("tags", command, "--help")
    assert result.exit_code == 0
    assert "Example:" in result.output and f"python tasks.py tags {command}" in result.output


def test_suggest_lists_unknown_names_in_enough_articles_with_counts_and_titles(content):
    result = invoke("tags", "suggest", "--content-dir", str(content))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    # Oskar Brandt is in three published articles (the draft is not counted), the
    # Marenfjord Shipping Company in two; Greta Solberg and the Lindqvist School in
    # one each once the draft and the opted-out article are left out.
    assert lines[0].split() == ["3", "Oskar", "Brandt", "(person)"]
    assert lines[1:4] == [
        "        Night ferry to Kessel Island returns",
        "        Ferry fares frozen for a year",
        "        Island school reopens after repairs",
    ]
    assert lines[4].startswith("   2  Marenfjord Shipping Company  (")
    assert lines[5:7] == [
        "        Night ferry to Kessel Island returns",
        "        Ferry fares frozen for a year",
    ]
    text = result.output
    for known in ("Kessel", "Ferries", "Thursday", "Greta Solberg", "Lindqvist School"):
        assert known not in text.replace("Kessel Island returns", "")
    assert lines[-1] == f"2 suggested; --accept adds them to {content / 'tags.yml'}"

    three = invoke("tags", "suggest", "--min-articles", "3", "--content-dir", str(content))
    assert [line for line in three.output.splitlines() if not line.startswith("     ")] == [
        "   3  Oskar Brandt  (person)",
        f"1 suggested; --accept adds them to {content / 'tags.yml'}",
    ]


def test_accept_appends_to_the_vocabulary_keeping_what_is_there(content):
    path = content / "tags.yml"
    result = invoke("tags", "suggest", "--accept", "--content-dir", str(content))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == f"Added 2 tags to {path}"

    text = path.read_text(encoding="utf-8")
    assert text.startswith(VOCABULARY.split("\nstop:")[0])  # comments and order kept
    assert "  Kessel Island: [Kessel]   # the island, not the ferry\n" in text
    assert "\npeople:\n  Oskar Brandt: []  # suggested: 3 articles\n" in text
    assert "Marenfjord Shipping Company: []  # suggested: 2 articles" in text
    vocabulary = load_vocabulary(path)
    assert vocabulary.lookup("Oskar Brandt").kind == "person"
    assert vocabulary.is_stop("Thursday")

    again = invoke("tags", "suggest", "--content-dir", str(content))
    assert again.output.startswith("No new tags")
    assert path.read_text(encoding="utf-8") == text  # nothing to add, nothing written
    listed = invoke("tags", "list", "--content-dir", str(content)).output
    assert "   3  Oskar Brandt  (vocabulary)" in listed


def test_accept_without_a_vocabulary_file_creates_one(content):
    (content / "tags.yml").unlink()
    result = invoke("tags", "suggest", "--accept", "--content-dir", str(content))
    assert result.exit_code == 0, result.output
    vocabulary = load_vocabulary(content / "tags.yml")
    assert vocabulary.lookup("Oskar Brandt") is not None


def test_list_shows_every_tag_with_its_published_articles(content):
    result = invoke("tags", "list", "--content-dir", str(content))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "   3  Oskar Brandt  (automatic)" in lines
    assert "   2  Ferries  (vocabulary)" in lines
    assert "   2  Kessel Island  (vocabulary)" in lines
    assert "   1  Fares  (hand)" in lines
    assert "   1  Greta Solberg  (automatic)" in lines  # the draft and the opted-out: no
    assert not any("Thursday" in line for line in lines)
    assert lines[-1].endswith("tags over 4 published articles")


def tags_index(output: Path) -> dict[str, int]:
    soup = BeautifulSoup((output / "tags.html").read_text(encoding="utf-8"), "lxml")
    return {
        item.a.get_text(strip=True): int(item.select_one(".count").get_text(strip=True)[1:-1])
        for item in soup.select("ul.term-list li")
    }


def listed_counts(content: Path) -> dict[str, int]:
    result = invoke("tags", "list", "--content-dir", str(content))
    assert result.exit_code == 0, result.output
    counts = {}
    for line in result.output.splitlines()[:-1]:
        count, rest = line.split(maxsplit=1)
        counts[rest.rsplit("  (", 1)[0]] = int(count)
    return counts


def test_list_agrees_with_the_built_site(content, tmp_path):
    output = build_pelican_site(content, tmp_path / "output")
    assert listed_counts(content) == tags_index(output)


def test_list_agrees_with_the_built_demo_site(tmp_path):
    output = build_pelican_site(ROOT / "content", tmp_path / "output")
    counts = listed_counts(ROOT / "content")
    assert counts == tags_index(output)
    assert {"Kenya", "Brazil", "Fisheries", "Local government"} <= set(counts)


def test_a_broken_vocabulary_is_one_line(content):
    (content / "tags.yml").write_text("places:\n  Kessel: {alias: [x]}\n", encoding="utf-8")
    for command in ("suggest", "list"):
        result = CliRunner().invoke(tasks.cli, ["tags", command, "--content-dir", str(content)])
        assert result.exit_code == 1
        assert result.output.strip() == (
            f"Error: {content / 'tags.yml'}: places: 'Kessel': unknown key 'alias' "
            "(use aliases, patterns, min_mentions, case_sensitive)"
        )


def test_a_broken_article_is_one_line_naming_it(content):
    broken = content / "articles/2025/06/broken.md"
    write_content(content, {"articles/2025/06/broken.md": "Title Missing colon\n\nBody\n"})
    result = CliRunner().invoke(tasks.cli, ["tags", "list", "--content-dir", str(content)])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {broken}: cannot be read as an article")


def test_accept_refuses_a_section_it_cannot_append_to_and_writes_nothing(content):
    path = content / "tags.yml"
    inline = "people: {}\n" + VOCABULARY
    path.write_text(inline, encoding="utf-8")
    result = CliRunner().invoke(
        tasks.cli, ["tags", "suggest", "--accept", "--content-dir", str(content)]
    )
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == (
        f"Error: {path}: section 'people' is written inline; write it as a block to add to it"
    )
    assert path.read_text(encoding="utf-8") == inline
