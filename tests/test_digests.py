"""broadsheet.digests on small inline texts: the digest file format, its errors (each
naming file:line), and choosing and grouping the stories of a new issue."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from broadsheet.digests import (
    ArticleRef,
    DigestError,
    candidates,
    digest_file_name,
    featured_paths,
    group,
    parse_digest,
    reference_errors,
    render_new_digest,
)

PATH = "content/digests/2025-03-21-ferries-tea-and-bins.md"

DIGEST = """\
Title: Ferries, tea and bins
Date: 2025-03-21
Summary: Three stories that moved this week.
Status: Published

An introduction in *Markdown*.

Its second paragraph.

## Transport

- night-ferry-to-kessel-island-returns
  The first overnight crossing in two years. Shift workers say the timetable
  still strands them at weekends.

  A second paragraph of the note.
- {filename}articles/2025/03/shift-workers-say-ferry-timetable-fails-them.md
  <!-- why it matters -->

## Trade ##

* {filename}/articles/2025/03/tea-prices-slide-at-mombasa-auction.md
  <!--
  still to write
  -->
"""


def parse(body: str, header: str = "Title: Week\nDate: 2025-03-21\n", path: str = PATH):
    return parse_digest(header + "\n" + body, path)


def refused(text: str, path: str = PATH) -> str:
    with pytest.raises(DigestError) as raised:
        parse_digest(text, path)
    return str(raised.value)


# --- the file format -----------------------------------------------------------------------------


def test_header_fields_intro_and_slug_from_the_file_name():
    digest = parse_digest(DIGEST, PATH)
    assert digest.path == PATH
    assert digest.slug == "ferries-tea-and-bins"
    assert digest.title == "Ferries, tea and bins"
    assert digest.date == datetime(2025, 3, 21)
    assert digest.summary == "Three stories that moved this week."
    assert digest.status == "published" and digest.published
    assert digest.intro == "An introduction in *Markdown*.\n\nIts second paragraph."


def test_status_defaults_to_draft_and_summary_to_nothing():
    digest = parse("Intro.\n")
    assert digest.status == "draft" and not digest.published
    assert digest.summary == ""
    assert digest.sections == ()


def test_date_keeps_its_time_and_offset():
    digest = parse("", header="Title: Week\nDate: 2025-03-21 18:30+01:00\n")
    assert digest.date == datetime.fromisoformat("2025-03-21T18:30:00+01:00")


def test_sections_in_order_with_their_heading_lines_and_entries():
    digest = parse_digest(DIGEST, PATH)
    assert [(section.title, section.line) for section in digest.sections] == [
        ("Transport", 10),
        ("Trade", 20),  # the closing hashes of "## Trade ##" are not part of the title
    ]
    assert [(entry.reference, entry.line) for entry in digest.entries] == [
        ("night-ferry-to-kessel-island-returns", 12),
        ("{filename}articles/2025/03/shift-workers-say-ferry-timetable-fails-them.md", 17),
        ("{filename}/articles/2025/03/tea-prices-slide-at-mombasa-auction.md", 22),
    ]


def test_a_note_is_its_indented_lines_dedented_blank_lines_kept_inside():
    [note, *_] = [entry.note for entry in parse_digest(DIGEST, PATH).entries]
    assert note == (
        "The first overnight crossing in two years. Shift workers say the timetable\n"
        "still strands them at weekends.\n"
        "\n"
        "A second paragraph of the note."
    )


def test_a_note_that_is_only_a_comment_is_empty_on_one_line_or_several():
    entries = parse_digest(DIGEST, PATH).entries
    assert [entry.note for entry in entries[1:]] == ["", ""]


def test_a_comment_beside_words_keeps_the_note():
    [entry] = parse("## T\n\n- a-slug\n  <!-- aside --> Words.\n").entries
    assert entry.note == "<!-- aside --> Words."


def test_an_open_comment_runs_over_unindented_lines_and_headings():
    digest = parse("## T\n\n- a\n  <!-- draft\n## not a section\n  -->\n- b\n")
    assert [section.title for section in digest.sections] == ["T"]
    assert [(entry.reference, entry.note) for entry in digest.entries] == [("a", ""), ("b", "")]


@pytest.mark.parametrize(
    "reference, is_path, target",
    [
        ("night-ferry", False, "night-ferry"),
        ("{filename}/articles/2025/03/x.md", True, "articles/2025/03/x.md"),
        ("{filename}../articles/2025/03/x.md", True, "articles/2025/03/x.md"),
    ],
)
def test_a_reference_is_a_slug_or_a_filename_path_from_the_content_or_digests_folder(
    reference, is_path, target
):
    [entry] = parse(f"## T\n\n- {reference}\n").entries
    assert entry.is_path == is_path
    assert (entry.paths()[0] if is_path else entry.target) == target


def test_a_filename_path_without_a_slash_is_read_from_the_digests_folder_then_content():
    [entry] = parse("## T\n\n- {filename}articles/2025/03/x.md\n").entries
    assert entry.paths() == ("digests/articles/2025/03/x.md", "articles/2025/03/x.md")


def test_windows_line_endings_read_the_same():
    assert parse_digest(DIGEST.replace("\n", "\r\n"), PATH) == parse_digest(DIGEST, PATH)


# --- every error names the file and the line -----------------------------------------------------


@pytest.mark.parametrize(
    "name", ["week.md", "2025-03-21-Week.md", "2025-3-21-week.md", "2025-03-21-week.txt"]
)
def test_a_digest_file_is_named_date_then_lower_case_slug(name):
    path = f"content/digests/{name}"
    assert refused(DIGEST, path) == (
        f"{path}: a digest file is named YYYY-MM-DD-<slug>.md (lower case)"
    )


@pytest.mark.parametrize(
    "header, message",
    [
        ("Date: 2025-03-21\n", f"{PATH}:1: the header has no Title"),
        ("Title: Week\n", f"{PATH}:1: the header has no Date"),
        ("Title: Week\nDate:\n", f"{PATH}:1: the header has no Date"),
        (
            "Title: Week\nDate: 21/03/2025\n",
            f"{PATH}:2: Date '21/03/2025' is not an ISO 8601 date (YYYY-MM-DD)",
        ),
        (
            "Title: Week\nSummary: s\nStatus: Live\nDate: 2025-03-21\n",
            f"{PATH}:3: Status must be draft or published (got 'Live')",
        ),
        ("Title: Week\nDate 2025-03-21\n", f"{PATH}:2: not a header line ('Date 2025-03-21')"),
    ],
)
def test_header_errors(header, message):
    assert refused(header + "\nIntro.\n") == message


def test_prose_inside_a_section_is_refused_on_its_line():
    text = (
        "Title: Week\nDate: 2025-03-21\n\nIntro.\n\n## Transport\n\n- a-slug\n  Note.\n\nProse.\n"
    )
    assert refused(text) == (
        f"{PATH}:11: in section 'Transport', expected a story as '- slug' "
        "(or '- {filename}path') with its note indented below, got 'Prose.'"
    )


@pytest.mark.parametrize("line", ["1. a-slug", "> a quote", "  indented before any story"])
def test_anything_but_a_dash_item_opening_a_story_is_refused(line):
    text = f"Title: Week\nDate: 2025-03-21\n\n## T\n\n{line}\n"
    assert refused(text).startswith(f"{PATH}:6: in section 'T', expected a story as '- slug'")


def test_a_reference_with_spaces_is_refused_it_is_a_note_on_the_wrong_line():
    text = "Title: Week\nDate: 2025-03-21\n\n## T\n\n- a-slug\n- night-ferry Back after two years\n"
    assert refused(text) == (
        f"{PATH}:7: 'night-ferry Back after two years' is not a reference: put the slug or "
        "{filename} path alone on the item's line and the note below it, indented"
    )


# --- what digests refer to -----------------------------------------------------------------------


def article(slug: str, day: str, **fields) -> ArticleRef:
    fields.setdefault("path", f"articles/{day[:4]}/{day[5:7]}/{slug}.md")
    return ArticleRef(slug=slug, title=slug.title(), date=datetime.fromisoformat(day), **fields)


FERRY = article("night-ferry", "2025-03-10", category="Transport", source="Courier")
TEA = article("tea-prices", "2025-03-12", category="Trade", tags=("Tea", "Kenya"))
BINS = article("bins", "2025-03-14T07:00:00+00:00", category="Council", source="Observer")
SHIFTS = article("shift-workers", "2025-03-14T18:30:00+00:00", category="Transport")
DRAFT = article("budget", "2025-03-19", published=False, category="Transport")
ARTICLES = [FERRY, TEA, BINS, SHIFTS, DRAFT]


def test_reference_errors_none_when_every_story_names_a_published_article_once():
    digest = parse(
        "## T\n\n- night-ferry\n- {filename}articles/2025/03/tea-prices.md\n"
        "- {filename}/articles/2025/03/bins.md\n"
    )
    assert reference_errors(digest, ARTICLES) == []


def test_reference_errors_missing_draft_and_listed_twice_each_on_its_line():
    digest = parse(
        "## T\n\n"
        "- night-ferry\n"  # line 6
        "- no-such-story\n"  # 7
        "- budget\n"  # 8
        "- {filename}articles/2025/03/night-ferry.md\n"  # 9: the same article by path
        "- {filename}articles/2025/03/gone.md\n"  # 10
    )
    assert reference_errors(digest, ARTICLES) == [
        f"{PATH}:7: 'no-such-story' names no article",
        f"{PATH}:8: 'budget' is not published (a draft?)",
        f"{PATH}:9: '{{filename}}articles/2025/03/night-ferry.md' is already listed on line 6",
        f"{PATH}:10: '{{filename}}articles/2025/03/gone.md' names no article",
    ]


def test_a_slug_shared_by_a_draft_and_a_published_article_names_the_published_one():
    twin = article("night-ferry", "2025-03-19", path="articles/2025/03/aaa.md", published=False)
    digest = parse("## T\n\n- night-ferry\n")
    assert reference_errors(digest, [twin, FERRY]) == []
    assert featured_paths([digest], [twin, FERRY]) == {FERRY.path}


# --- choosing and grouping the stories of a new issue --------------------------------------------


def listing(*references: str, day: str = "2025-03-14", status: str = "published"):
    body = "## T\n\n" + "".join(f"- {reference}\n" for reference in references)
    header = f"Title: Week\nDate: {day}\nStatus: {status}\n"
    return parse(body, header=header, path=f"content/digests/{day}-week.md")


def test_candidates_are_every_published_article_newest_first_when_there_is_no_digest():
    assert candidates(ARTICLES, []) == [SHIFTS, BINS, TEA, FERRY]


def test_candidates_since_the_latest_digest_by_default_leaving_out_what_it_lists():
    older = listing("tea-prices", day="2025-03-07")
    latest = listing("bins", day="2025-03-14")
    # Since 14 March: the ferry (10 March) is too old, bins is listed, the draft never.
    assert candidates(ARTICLES, [older, latest]) == [SHIFTS]


def test_candidates_since_a_given_day_leave_out_articles_a_draft_digest_lists():
    draft = listing("{filename}articles/2025/03/tea-prices.md", status="draft")
    chosen = candidates(ARTICLES, [draft], since=date(2025, 3, 10))
    assert chosen == [SHIFTS, BINS, FERRY]  # on or after the 10th, tea already drafted
    assert candidates(ARTICLES, [draft], since=datetime(2025, 3, 14, 12, 0)) == [SHIFTS]


def test_candidates_stop_at_the_new_issues_day():
    assert candidates(ARTICLES, [], until=date(2025, 3, 13)) == [TEA, FERRY]
    assert candidates(ARTICLES, [], until=date(2025, 3, 14)) == [SHIFTS, BINS, TEA, FERRY]
    assert candidates(ARTICLES, [], until=date(2025, 3, 9)) == []


def test_candidates_since_a_day_include_that_whole_day_whatever_the_timezone():
    late = article("late", "2025-03-14T23:30:00-05:00")
    assert candidates([late], [], since=date(2025, 3, 14)) == [late]


def test_group_by_category_groups_in_order_of_their_newest_article():
    assert group([FERRY, TEA, BINS, SHIFTS], "category") == [
        ("Transport", [SHIFTS, FERRY]),
        ("Council", [BINS]),
        ("Trade", [TEA]),
    ]


def test_group_by_first_tag_and_by_source_with_other_for_articles_without():
    assert group([FERRY, TEA], "tag") == [("Tea", [TEA]), ("Other", [FERRY])]
    assert group([FERRY, TEA, BINS], "source") == [
        ("Observer", [BINS]),
        ("Other", [TEA]),
        ("Courier", [FERRY]),
    ]


def test_group_by_something_else_is_refused():
    with pytest.raises(DigestError, match="--group-by must be one of category, tag, source"):
        group(ARTICLES, "author")


def test_a_new_digest_parses_back_with_every_story_and_empty_notes():
    when = date(2025, 3, 21)
    text = render_new_digest("Ferries, tea and bins", when, group([FERRY, TEA, SHIFTS], "category"))
    path = f"content/digests/{digest_file_name(when, 'Ferries, tea and bins')}"
    assert path == "content/digests/2025-03-21-ferries-tea-and-bins.md"
    digest = parse_digest(text, path)
    assert (digest.title, digest.date, digest.status) == (
        "Ferries, tea and bins",
        datetime(2025, 3, 21),
        "draft",
    )
    assert [
        (section.title, [e.reference for e in section.entries]) for section in digest.sections
    ] == [
        ("Transport", ["shift-workers", "night-ferry"]),
        ("Trade", ["tea-prices"]),
    ]
    assert all(entry.note == "" for entry in digest.entries)
    assert digest.intro == "<!-- An introduction: what this issue is about. -->"
    assert reference_errors(digest, ARTICLES) == []


def test_a_new_digest_file_name_falls_back_when_the_title_has_no_letters():
    assert digest_file_name(date(2025, 3, 21), "!!!") == "2025-03-21-digest.md"
    assert digest_file_name(date(2025, 3, 21), "Zürich trams") == "2025-03-21-zurich-trams.md"
