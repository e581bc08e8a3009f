"""pipeline + store: what an import writes, refuses, keeps and reports."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from conftest import FIXED_NOW, build_pelican_site

import broadsheet.pipeline as pipeline
from broadsheet.markdown import parse_article
from broadsheet.pipeline import ImportOptions, count_statuses, import_all, reclean_all
from broadsheet.store import make_slug

PARAGRAPHS = [
    "HARBOURTON: Dock workers at the port of Harbourton walked out on Monday over a pay offer "
    "that their union called “an insult”, halting the loading of container ships.",
    "The strike, the first at the port in eleven years, left some forty vessels waiting at "
    "anchor in the bay by the evening, according to the harbour authority.",
    "“We have given the company every chance,” said union secretary Mara Delgado, who leads "
    "about 2,300 workers at the terminal. “They chose not to take it.”",
    "The port operator said it regretted the action and remained open to talks, adding that "
    "its offer of a 4 percent rise was the best in the region this year.",
    "Shipping agents warned that a stoppage of more than a few days would disrupt supplies "
    "of fuel and food to the islands that depend on the port.",
]

CLOSING = "Late on Monday the union said its members would meet again on Wednesday to vote."
OTHER_STORY = [
    "KESSOCK: A ferry carrying 112 passengers ran aground on a sandbank off Kessock on Sunday, "
    "the coastguard said, although nobody was hurt and the vessel was refloated within hours.",
    "Passengers described a sudden jolt shortly after the ship left the harbour in thick fog.",
    "The operator said it would inspect the hull before the ferry returned to service on Tuesday, "
    "and that customers booked on cancelled sailings would be offered refunds or new dates.",
    "Local councillors renewed calls for the channel to be dredged, a project postponed twice.",
]


def scrape(
    title: str = "Harbourton dock workers strike over pay",
    paragraphs=PARAGRAPHS,
    outlet: str = "Harbour Times",
    date: str = "Published: 3 March 2025",
) -> str:
    lines = [
        outlet,
        "Home  News  Business  Sport",
        "",
        title,
        date,
        "Text Size:",
        "",
        *[p + "\n" for p in paragraphs],
        f"Follow {outlet} on Instagram for the latest news.",
        "Subscribe to our newsletter",
        "Top Stories",
        f"© 2025 {outlet}. All rights reserved.",
    ]
    return "\n".join(lines) + "\n"


def options_for(tmp_path: Path, **changes) -> ImportOptions:
    return ImportOptions(tmp_path / "content", tmp_path / "archive", FIXED_NOW, **changes)


def write(tmp_path: Path, name: str, data: str | bytes) -> str:
    path = tmp_path / "in" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return str(path)


def articles(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "content" / "articles").rglob("*.md"))


def test_import_writes_article_archive_and_ledger(tmp_path):
    source = write(tmp_path, "strike.txt", scrape())
    [result] = import_all([source], options_for(tmp_path))
    assert result.status == "imported"
    assert result.path.endswith("2025/03/harbourton-dock-workers-strike-over-pay.md")
    meta, body = parse_article(Path(result.path).read_text(encoding="utf-8"))
    assert meta["Title"] == "Harbourton dock workers strike over pay"
    assert meta["Date"] == "2025-03-03"
    assert meta["Source"] == "Harbour Times"
    assert meta["Dateline"] == "HARBOURTON"
    assert meta["Uid"].startswith("tag:broadsheet,2025-03-03:")
    assert "Follow" not in body and "Subscribe" not in body
    ledger = (tmp_path / "archive" / "ledger.tsv").read_text().splitlines()
    assert ledger[0].split("\t") == ["raw_sha256", "origin", "fetched_at", "slug", "status"]
    digest, origin, _, slug, status = ledger[1].split("\t")
    assert (origin, slug, status) == (source, "harbourton-dock-workers-strike-over-pay", "imported")
    assert (
        gzip.decompress((tmp_path / "archive" / f"{digest}.gz").read_bytes()) == scrape().encode()
    )


def test_importing_the_same_input_twice_changes_nothing(tmp_path):
    source = write(tmp_path, "strike.txt", scrape())
    import_all([source], options_for(tmp_path))
    before = {
        p: p.read_bytes() for p in (tmp_path).rglob("*") if p.is_file() and "lock" not in p.name
    }
    [result] = import_all([source], options_for(tmp_path))
    assert result.status == "unchanged"
    after = {
        p: p.read_bytes() for p in (tmp_path).rglob("*") if p.is_file() and "lock" not in p.name
    }
    assert after == before


def test_same_story_re_scraped_with_new_text_is_updated_keeping_uid_and_curator_keys(tmp_path):
    [first] = import_all([write(tmp_path, "a.txt", scrape())], options_for(tmp_path))
    path = Path(first.path)
    text = path.read_text(encoding="utf-8").replace(
        "Category: News", "Category: Ports\nTags: Strikes"
    )
    path.write_text(text, encoding="utf-8")
    newer = scrape(paragraphs=[*PARAGRAPHS, "Talks were due to resume on Tuesday morning."])
    [second] = import_all([write(tmp_path, "b.txt", newer)], options_for(tmp_path))
    assert second.status == "updated"
    assert second.path == first.path
    meta, body = parse_article(path.read_text(encoding="utf-8"))
    assert "Talks were due to resume" in body
    assert meta["Category"] == "Ports" and meta["Tags"] == "Strikes"
    assert meta["Uid"] == parse_article(text)[0]["Uid"]


def test_hand_edited_article_is_never_overwritten_without_force(tmp_path):
    [first] = import_all([write(tmp_path, "a.txt", scrape())], options_for(tmp_path))
    path = Path(first.path)
    edited = path.read_text(encoding="utf-8").replace("halting the loading", "stopping the loading")
    path.write_text(edited, encoding="utf-8")
    newer = write(tmp_path, "b.txt", scrape(paragraphs=[*PARAGRAPHS, CLOSING]))
    [refused] = import_all([newer], options_for(tmp_path))
    assert refused.status == "failed"
    assert "edited by hand" in refused.error and str(path) in refused.error
    assert path.read_text(encoding="utf-8") == edited
    [forced] = import_all([newer], options_for(tmp_path, force=True))
    assert forced.status == "updated"
    assert CLOSING in path.read_text(encoding="utf-8")


def test_syndicated_copy_from_another_outlet_is_a_duplicate_recorded_on_the_original(tmp_path):
    import_all([write(tmp_path, "a.txt", scrape())], options_for(tmp_path))
    copy = scrape(
        title="Port of Harbourton hit by strike", paragraphs=PARAGRAPHS[:-1], outlet="Coastal Mail"
    )
    [result] = import_all([write(tmp_path, "b.txt", copy)], options_for(tmp_path))
    assert result.status == "duplicate"
    [only] = articles(tmp_path)
    meta, _ = parse_article(only.read_text(encoding="utf-8"))
    assert meta["Also_reported_by"] == "Coastal Mail"
    assert "Port of Harbourton" not in only.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.txt", b"", "empty file"),
        ("blank.txt", b"\n  \n", "empty file"),
        ("binary.txt", bytes(range(256)) * 8, "binary file"),
        ("no-title.txt", "\n\n".join(PARAGRAPHS).encode(), "no recognisable title"),
        ("menu-only.txt", b"Home\nNews\nSport\nContact us\n", "no"),
    ],
)
def test_bad_input_fails_with_one_line_naming_it_and_others_still_import(
    tmp_path, name, data, reason
):
    bad = write(tmp_path, name, data)
    good = write(tmp_path, "good.txt", scrape())
    results = import_all([bad, good], options_for(tmp_path))
    assert [r.status for r in results] == ["failed", "imported"]
    assert results[0].error.startswith(bad + ": ")
    assert reason in results[0].error
    assert "\n" not in results[0].error
    assert len(articles(tmp_path)) == 1
    leftovers = [p for p in (tmp_path / "content").rglob("*") if p.name.endswith(".tmp")]
    assert not leftovers


def test_missing_path_fails_and_the_rest_goes_on(tmp_path):
    results = import_all(
        [str(tmp_path / "nowhere.txt"), write(tmp_path, "g.txt", scrape())], options_for(tmp_path)
    )
    assert results[0].status == "failed"
    assert results[0].error == f"{tmp_path / 'nowhere.txt'}: no such file, folder or URL"
    assert count_statuses(results) == {
        "imported": 1,
        "unchanged": 0,
        "updated": 0,
        "duplicate": 0,
        "failed": 1,
        "paywalled": 0,
    }


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1"])
def test_non_utf8_scrape_is_decoded_and_says_so(tmp_path, encoding):
    text = scrape(title="Café owners in Harbourton fear the strike’s cost")
    if encoding == "latin-1":
        text = text.translate(str.maketrans("“”’", '""\''))
    [result] = import_all(
        [write(tmp_path, "old.txt", text.encode(encoding))], options_for(tmp_path)
    )
    assert result.status == "imported"
    # Latin-1 text without C1 bytes is also valid cp1252, which is the name reported.
    assert any("decoded as cp1252" in note for note in result.notes)
    assert parse_article(Path(result.path).read_text(encoding="utf-8"))[0]["Title"].startswith(
        "Café"
    )


def test_scrape_without_date_is_dated_by_import_day_and_says_so(tmp_path):
    [result] = import_all([write(tmp_path, "nodate.txt", scrape(date=""))], options_for(tmp_path))
    meta, _ = parse_article(Path(result.path).read_text(encoding="utf-8"))
    assert meta["Date"] == "2026-01-15"
    assert any("no date in the scrape" in note and "import day" in note for note in result.notes)


def test_dry_run_writes_nothing(tmp_path):
    [result] = import_all([write(tmp_path, "a.txt", scrape())], options_for(tmp_path, dry_run=True))
    assert result.status == "imported"
    assert not articles(tmp_path)
    assert not (tmp_path / "archive").exists()


def test_jobs_give_the_same_results_as_one_process(tmp_path):
    sources = [
        write(
            tmp_path,
            f"{n}.txt",
            scrape(
                title=f"Strike day {n} at Harbourton port",
                paragraphs=[p.replace("Monday", f"day {n}") for p in PARAGRAPHS],
            ),
        )
        for n in range(3)
    ]
    one = import_all(sources, options_for(tmp_path / "one"))
    many = import_all(sources, options_for(tmp_path / "many", jobs=2))
    assert [r.status for r in one] == [r.status for r in many]
    assert [Path(r.path).name for r in one] == [Path(r.path).name for r in many]


def test_reclean_rewrites_from_the_archive_and_keeps_curator_keys(tmp_path):
    [first] = import_all([write(tmp_path, "a.txt", scrape())], options_for(tmp_path))
    path = Path(first.path)
    original = path.read_text(encoding="utf-8")
    path.write_text(original.replace("Category: News", "Category: Ports"), encoding="utf-8")
    (tmp_path / "in" / "a.txt").unlink()
    [result] = reclean_all(options_for(tmp_path))
    assert result.status == "unchanged"
    assert "Category: Ports" in path.read_text(encoding="utf-8")


def test_slug_collision_between_different_stories_is_resolved_deterministically(tmp_path):
    one = write(tmp_path, "a.txt", scrape())
    other = scrape(paragraphs=OTHER_STORY, outlet="Coastal Mail")
    two = write(tmp_path, "b.txt", other)
    results = import_all([one, two], options_for(tmp_path))
    assert [Path(r.path).name for r in results] == [
        "harbourton-dock-workers-strike-over-pay.md",
        "harbourton-dock-workers-strike-over-pay-2.md",
    ]


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        (
            "Pakistan, Iran agree to ‘de-escalate’ tensions",
            "pakistan-iran-agree-to-de-escalate-tensions",
        ),
        ("../../etc/passwd", "etc-passwd"),
        ("Zürich voters say “ja”", "zurich-voters-say-ja"),
        ("北京 新闻", "bei-jing-xin-wen"),
        ("!!!", "article-abc123"),
    ],
)
def test_slugs_are_safe_ascii(title, expected):
    assert make_slug(title, "abc123") == expected


def test_slugs_are_bounded():
    slug = make_slug("word " * 60, "x")
    assert len(slug) <= 80 and not slug.endswith("-")


def test_reclean_folds_copies_imported_before_dedupe_into_the_first(tmp_path, monkeypatch):
    original = write(tmp_path, "a.txt", scrape())
    copy = scrape(
        title="Port of Harbourton hit by strike",
        paragraphs=PARAGRAPHS[:-1],
        outlet="Coastal Mail",
        date="Published: 4 March 2025",
    )
    copy_path = write(tmp_path, "b.txt", copy)
    with monkeypatch.context() as patch:  # as an importer without syndicated-copy dedupe did
        patch.setattr(pipeline.DedupeIndex, "find", lambda self, candidate: None)
        first = import_all([original, copy_path], options_for(tmp_path))
    assert [r.status for r in first] == ["imported", "imported"]
    later = Path(first[1].path)

    results = reclean_all(options_for(tmp_path))
    merged = [r for r in results if r.status == "duplicate"]
    assert len(merged) == 1 and "merged" in merged[0].notes[0]
    assert not later.exists()
    (path,) = (tmp_path / "content" / "articles").rglob("*.md")
    meta, _ = parse_article(path.read_text(encoding="utf-8"))
    assert meta["Source"] == "Harbour Times"
    assert meta["Also_reported_by"] == "Coastal Mail"
    assert meta["Previous_slugs"] == later.stem
    ledger = (tmp_path / "archive" / "ledger.tsv").read_text(encoding="utf-8")
    assert f"{path.stem}\tduplicate" in ledger

    again = reclean_all(options_for(tmp_path))
    assert [r.status for r in again] == ["unchanged"]

    output = build_pelican_site(
        tmp_path / "content", tmp_path / "output", PLUGINS=["feeds", "redirects"]
    )
    redirect = (output / "2025" / "03" / f"{later.stem}.html").read_text(encoding="utf-8")
    assert f'url={path.stem}.html"' in redirect
