"""`tasks.py digest new`, `digest list` and `digest check`, through click's runner.

tests/fixtures/digests/site/ is a small fictional site: eleven articles from March
2025 (one a draft) and three digests: "First issue" (7 March, published), "Ferries,
tea and bins" (14 March, published) and "Weekend extra" (14 March, a draft). Each
test works on a copy. The drafts `digest new` writes are compared with
tests/fixtures/expected/digests/<case>.md; `pytest --update-golden` rewrites them.
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIXTURES, write_content
from test_golden import check_golden

import tasks
from broadsheet.digests import parse_digest

SITE = FIXTURES / "digests" / "site"
DATE = ["--date", "2025-03-21"]


def invoke(*args: str):
    return CliRunner().invoke(tasks.cli, ["digest", *args], catch_exceptions=False)


@pytest.fixture
def content(tmp_path: Path) -> Path:
    return Path(shutil.copytree(SITE, tmp_path / "content"))


def sections(path: Path) -> list[tuple[str, list[str]]]:
    digest = parse_digest(path.read_text(encoding="utf-8"), str(path))
    return [(s.title, [entry.reference for entry in s.entries]) for s in digest.sections]


@pytest.mark.parametrize("command", ["new", "list", "check"])
def test_digest_commands_have_help_with_an_example(command):
    result = invoke(command, "--help")
    assert result.exit_code == 0
    assert "Example:" in result.output and f"python tasks.py digest {command}" in result.output


# --- digest new ----------------------------------------------------------------------------------


def test_new_drafts_every_unlisted_article_since_the_latest_digest_by_category(
    content, update_golden
):
    result = invoke("new", *DATE, "--content-dir", str(content))
    written = content / "digests" / "2025-03-21-digest-21-march-2025.md"
    assert result.exit_code == 0, result.output
    assert result.output == f"{written}\n"
    # Since 14 March (the latest digest): the 14 March evening ferry story is in, the
    # bins story of that morning is not (the published digest lists it), nor the tea
    # growers (the draft digest lists them), nor the draft article. Sections follow
    # their newest story; the tram story has no Category and gets the site's News.
    assert sections(written) == [
        (
            "Transport",
            ["night-ferry-adds-a-sunday-crossing", "shift-workers-say-ferry-timetable-fails-them"],
        ),
        ("Education", ["kessel-island-school-reopens"]),
        ("News", ["tram-vote-set-for-april"]),
    ]
    text = written.read_text(encoding="utf-8")
    assert text.startswith("Title: Digest, 21 March 2025\nDate: 2025-03-21\nStatus: draft\n\n")
    check_golden("digests/new-by-category", text, update_golden)


def test_new_since_a_day_still_leaves_out_what_a_digest_lists(content, update_golden):
    result = invoke(
        "new", *DATE, "--since", "2025-03-01", "--title", "Ferries and trams",
        "--content-dir", str(content),
    )  # fmt: skip
    written = content / "digests" / "2025-03-21-ferries-and-trams.md"
    assert result.output == f"{written}\n"
    # The dredging story (5 March) comes back; the lighthouse cottage (3 March), night
    # ferry, tea prices, bins and tea growers are in digests already.
    assert sections(written) == [
        (
            "Transport",
            [
                "night-ferry-adds-a-sunday-crossing",
                "shift-workers-say-ferry-timetable-fails-them",
                "harbour-dredging-contract-signed",
            ],
        ),
        ("Education", ["kessel-island-school-reopens"]),
        ("News", ["tram-vote-set-for-april"]),
    ]
    check_golden("digests/new-since", written.read_text(encoding="utf-8"), update_golden)


def test_new_by_tag_uses_the_first_tag_the_build_gives(content, update_golden):
    result = invoke(
        "new", *DATE, "--group-by", "tag", "--title", "By tag", "--content-dir", str(content)
    )
    written = content / "digests" / "2025-03-21-by-tag.md"
    assert result.output == f"{written}\n"
    # Neither ferry story has hand tags: their first tag is the vocabulary's Ferries.
    # The tram story's hand tag (Lakeside) comes before the vocabulary's Trams; the
    # school story is Autotag: off with no hand tags, so it has no tag at all.
    assert sections(written) == [
        (
            "Ferries",
            ["night-ferry-adds-a-sunday-crossing", "shift-workers-say-ferry-timetable-fails-them"],
        ),
        ("Other", ["kessel-island-school-reopens"]),
        ("Lakeside", ["tram-vote-set-for-april"]),
    ]
    check_golden("digests/new-by-tag", written.read_text(encoding="utf-8"), update_golden)


def test_new_by_source(content, update_golden):
    result = invoke(
        "new", *DATE, "--group-by", "source", "--title", "By source", "--content-dir", str(content)
    )
    written = content / "digests" / "2025-03-21-by-source.md"
    assert result.output == f"{written}\n"
    assert sections(written) == [
        (
            "Harbour Courier",
            ["night-ferry-adds-a-sunday-crossing", "shift-workers-say-ferry-timetable-fails-them"],
        ),
        ("Other", ["kessel-island-school-reopens"]),  # no Source
        ("Lakeside Courier", ["tram-vote-set-for-april"]),
    ]
    check_golden("digests/new-by-source", written.read_text(encoding="utf-8"), update_golden)


def test_new_with_no_digest_yet_offers_every_published_article(content):
    shutil.rmtree(content / "digests")
    result = invoke("new", *DATE, "--group-by", "source", "--content-dir", str(content))
    written = Path(result.output.strip())
    assert written.parent == content / "digests"
    stories = [reference for _, references in sections(written) for reference in references]
    assert len(stories) == 10 and "harbour-budget-not-ready" not in stories


def test_new_refuses_to_overwrite_a_file(content):
    first = invoke("new", *DATE, "--content-dir", str(content))
    written = Path(first.output.strip())
    written.write_text(written.read_text(encoding="utf-8") + "Edited.\n", encoding="utf-8")
    again = invoke("new", *DATE, "--content-dir", str(content))
    assert again.exit_code == 1
    assert again.output == (
        f"Error: {written} already exists: edit it, or give another --title or --date\n"
    )
    assert written.read_text(encoding="utf-8").endswith("Edited.\n")


def test_new_with_nothing_new_says_so_and_writes_nothing(content):
    invoke("new", *DATE, "--content-dir", str(content))
    before = sorted((content / "digests").iterdir())
    result = invoke("new", *DATE, "--title", "Again", "--content-dir", str(content))
    assert result.exit_code == 0
    assert result.output == (
        "Nothing new: every published article dated 2025-03-14 to 2025-03-21 "
        "is in a digest already.\n"
    )
    assert sorted((content / "digests").iterdir()) == before


@pytest.mark.parametrize(
    "option, value, message",
    [
        ("--since", "last week", "Date 'last week' is not an ISO 8601 date (YYYY-MM-DD)"),
        ("--date", "2025-3-21", "'2025-3-21' is not a date (YYYY-MM-DD)"),
        ("--date", "2025-03-21T10:00", "'2025-03-21T10:00' is not a date (YYYY-MM-DD)"),
    ],
)
def test_new_with_a_bad_date_names_the_option(content, option, value, message):
    result = invoke("new", option, value, "--content-dir", str(content))
    assert result.exit_code == 2
    assert f"Error: Invalid value for '{option}': {message}" in result.output
    assert len(list((content / "digests").iterdir())) == 3


def test_new_refuses_when_a_digest_cannot_be_read(content):
    broken = content / "digests" / "2025-03-20-broken.md"
    broken.write_text("Title: Broken\nDate: 2025-03-20\nStatus: live\n\n", encoding="utf-8")
    result = invoke("new", *DATE, "--content-dir", str(content))
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {broken}:3: Status must be draft or published (got 'live'); nothing written\n"
    )
    assert len(list((content / "digests").iterdir())) == 4


def test_new_refuses_when_an_article_cannot_be_read(content):
    dateless = content / "articles" / "2025" / "03" / "dateless.md"
    dateless.write_text("Title: No date\n\nBody.\n", encoding="utf-8")
    result = invoke("new", *DATE, "--content-dir", str(content))
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {dateless}: cannot be read as an article: the header has no Date; "
        "nothing written\n"
    )


# --- digest list ---------------------------------------------------------------------------------


def test_list_shows_each_digest_by_date(content):
    result = invoke("list", "--content-dir", str(content))
    folder = content / "digests"
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        f"2025-03-07  published      1 story  First issue  {folder}/2025-03-07-first-issue.md",
        f"2025-03-14  published    3 stories  Ferries, tea and bins  "
        f"{folder}/2025-03-14-ferries-tea-and-bins.md",
        f"2025-03-14  draft          1 story  Weekend extra  {folder}/2025-03-14-weekend-extra.md",
    ]


def test_list_orders_by_the_date_header(content):
    # A file whose name is dated before its header (renamed by hand) sorts by its Date.
    write_content(
        content,
        {"digests/2025-03-01-late.md": "Title: Late\nDate: 2025-03-20\nStatus: draft\n\n"},
    )
    result = invoke("list", "--content-dir", str(content))
    assert [line.split("  ")[-1].rsplit("/", 1)[1] for line in result.output.splitlines()] == [
        "2025-03-07-first-issue.md",
        "2025-03-14-ferries-tea-and-bins.md",
        "2025-03-14-weekend-extra.md",
        "2025-03-01-late.md",
    ]


def test_list_reports_unreadable_files_and_still_lists_the_rest(content):
    folder = content / "digests"
    write_content(
        content,
        {
            "digests/2025-03-20-no-date.md": "Title: No date\n\n",
            "digests/Notes.md": "Title: Notes\nDate: 2025-03-20\n\n",
        },
    )
    result = invoke("list", "--content-dir", str(content))
    assert result.exit_code == 1
    assert len(result.stdout.splitlines()) == 3
    assert result.stderr.splitlines() == [
        f"{folder}/2025-03-20-no-date.md:1: the header has no Date",
        f"{folder}/Notes.md: a digest file is named YYYY-MM-DD-<slug>.md (lower case)",
    ]


def test_list_without_digests_says_so(tmp_path):
    result = invoke("list", "--content-dir", str(tmp_path))
    assert result.exit_code == 0
    assert result.output == f"No digests in {tmp_path / 'digests'}\n"


# --- digest check --------------------------------------------------------------------------------


def test_check_passes_good_digests_with_a_warning_for_an_empty_note(content):
    result = invoke("check", "--content-dir", str(content))
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        f"{content}/digests/2025-03-14-weekend-extra.md:9: warning: "
        "'tea-growers-win-a-quality-bonus' has an empty note",
        "3 digests, 5 stories checked: 0 problems, 1 empty note",
    ]


BROKEN = """\
Title: Broken
Date: 2025-03-21

## Transport

- night-ferry-adds-a-sunday-crossing
  A note.
- night-ferry-to-kessel-island-retunrs
  A typo in the slug.
- harbour-budget-not-ready
  A draft article.
- {filename}/articles/2025/03/night-ferry-adds-a-sunday-crossing.md
  The same story again, by path.
- tram-vote-set-for-april
  <!-- why it matters -->
"""


def test_check_reports_each_problem_on_its_line_and_fails(content):
    broken = content / "digests" / "2025-03-21-broken.md"
    broken.write_text(BROKEN, encoding="utf-8")
    unreadable = content / "digests" / "2025-03-22-unreadable.md"
    unreadable.write_text(
        "Title: Unreadable\nDate: 2025-03-22\n\n## T\n\nProse.\n", encoding="utf-8"
    )
    result = invoke("check", "--content-dir", str(content))
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"{content}/digests/2025-03-14-weekend-extra.md:9: warning: "
        "'tea-growers-win-a-quality-bonus' has an empty note",
        f"{broken}:8: 'night-ferry-to-kessel-island-retunrs' names no article",
        f"{broken}:10: 'harbour-budget-not-ready' is not published (a draft?)",
        f"{broken}:12: '{{filename}}/articles/2025/03/night-ferry-adds-a-sunday-crossing.md' "
        "is already listed on line 6",
        f"{broken}:14: warning: 'tram-vote-set-for-april' has an empty note",
        f"{unreadable}:6: in section 'T', expected a story as '- slug' (or '- {{filename}}path') "
        "with its note indented below, got 'Prose.'",
        "5 digests, 10 stories checked: 4 problems, 2 empty notes",
    ]


def test_check_reports_an_unreadable_article(content):
    bad = content / "articles" / "2025" / "03" / "bad-date.md"
    bad.write_text("Title: Bad date\nDate: soon\n\nBody.\n", encoding="utf-8")
    result = invoke("check", "--content-dir", str(content))
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (
        f"{bad}: cannot be read as an article: Date 'soon' is not an ISO 8601 date (YYYY-MM-DD)"
    )
    assert result.output.splitlines()[-1] == (
        "3 digests, 5 stories checked: 1 problem, 1 empty note"
    )


# --- what digests know of an article -------------------------------------------------------------


def test_article_refs_read_the_header_as_the_site_does(tmp_path):
    write_content(
        tmp_path,
        {
            "articles/2025/03/no-slug-header.md": "Title: A\nDate: 2025-03-01\n\nBody.\n",
            "articles/2025/03/b.md": (
                "Title: B\nDate: 2025-03-02T10:00:00+01:00\nSlug: bee\nCategory: Trade\n"
                "Tags: Tea, Kenya\nSource: East Meridian\nStatus: Draft\n\nBody.\n"
            ),
            "articles/2025/03/.#b.md": "an editor's lock file",
        },
    )
    refs, errors = tasks.read_article_refs(tmp_path, default_category="News")
    assert errors == []
    [bee, plain] = refs
    assert (plain.slug, plain.path, plain.category, plain.published, plain.tags) == (
        "no-slug-header",  # SLUGIFY_SOURCE = "basename"
        "articles/2025/03/no-slug-header.md",
        "News",
        True,
        (),
    )
    assert (bee.slug, bee.category, bee.tags, bee.source, bee.published) == (
        "bee",
        "Trade",
        ("Tea", "Kenya"),
        "East Meridian",
        False,
    )
    assert bee.date == datetime.fromisoformat("2025-03-02T10:00:00+01:00")


def test_digests_are_read_from_the_folder_the_plugin_reads(content, monkeypatch):
    settings = tasks.load_settings()
    monkeypatch.setattr(tasks, "load_settings", lambda: {**settings, "DIGESTS_PATH": "issues"})
    (content / "digests").rename(content / "issues")
    listed = invoke("list", "--content-dir", str(content))
    assert listed.output.splitlines()[0].endswith(f"{content}/issues/2025-03-07-first-issue.md")
    written = invoke("new", *DATE, "--content-dir", str(content)).output.strip()
    assert written == f"{content}/issues/2025-03-21-digest-21-march-2025.md"
