"""Unit tests for broadsheet.related: which stories an article links to, and in what order.

Every story here is fictional: invented towns, people and events.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from broadsheet.related import (
    RelatedError,
    RelatedIndex,
    RelatedSettings,
    Story,
    related_stories,
    terms,
)

DAY = datetime(2025, 3, 10, 8, 0, tzinfo=UTC)

STRIKE = [
    (
        "Porthavel ferry crews walk out over rosters",
        "Ferry crews in Porthavel walked out on Monday after the Kestrel Line changed their "
        "rosters without notice. The ferry union said the crossings to Gullholm would stay "
        "cancelled until the rosters were withdrawn. Passengers queued at the harbour for "
        "hours, and the Kestrel Line said talks with the union would resume on Tuesday.",
    ),
    (
        "Gullholm islanders stranded as ferry strike enters second day",
        "Islanders on Gullholm were stranded for a second day as the Porthavel ferry strike "
        "went on. The union and the Kestrel Line met at the harbour office but the rosters "
        "dispute was not settled. Crews picketed the ferry terminal and the island school "
        "closed because teachers could not cross.",
    ),
    (
        "Porthavel ferry strike ends with roster deal",
        "The Porthavel ferry strike ended on Thursday when the union accepted a roster deal "
        "from the Kestrel Line. Crossings to Gullholm resume at dawn, the harbour master "
        "said. Crews will get two weeks' notice of roster changes, and the union called the "
        "deal a fair end to the dispute.",
    ),
]
HONEY = [
    (
        "Tallowmere beekeepers report record heather honey",
        "Beekeepers around Tallowmere say the heather honey harvest is the best in a decade. "
        "The warm August kept the bees foraging on the moor, and the Tallowmere honey "
        "cooperative expects to fill its jars by October. Prices at the cooperative shop "
        "will stay the same, its secretary said.",
    ),
    (
        "Heather honey sells out at Tallowmere show",
        "Jars of heather honey sold out within an hour at the Tallowmere show, where the "
        "honey cooperative had its biggest stall yet. Beekeepers said the moor bees had a "
        "long season. The cooperative will open a second shop for the winter.",
    ),
]
CHESS = (
    "Junior chess open draws record entry in Marrowby",
    "A record 212 players entered the junior chess open at Marrowby library this weekend. "
    "The youngest was seven. Organisers moved the final rounds into the town hall, where "
    "a fourteen-year-old from Dunscombe won with a late bishop sacrifice.",
)


def story(key: str, title: str, body: str, days: float = 0, **extra) -> Story:
    return Story(key=key, title=title, body=body, date=DAY + timedelta(days=days), **extra)


def site(**extra_by_key) -> list[Story]:
    """Three strike reports, two honey stories and a chess story, a few days apart."""
    stories = [
        story(f"strike-{n}", title, body, days=n, **extra_by_key.get(f"strike-{n}", {}))
        for n, (title, body) in enumerate(STRIKE)
    ]
    stories += [
        story(f"honey-{n}", title, body, days=20 + n, **extra_by_key.get(f"honey-{n}", {}))
        for n, (title, body) in enumerate(HONEY)
    ]
    stories.append(story("chess", *CHESS, days=40, **extra_by_key.get("chess", {})))
    return stories


def keys(links) -> list[str]:
    return [link.key for link in links]


# --- terms ----------------------------------------------------------------------------------


def test_terms_drop_stop_words_numbers_contractions_and_plural_s() -> None:
    found = terms("The ferries didn’t sail: 212 passengers’ crossings were cancelled. News!")
    assert found == ["ferrie", "sail", "passenger", "crossing", "cancelled"]


# --- ranking ------------------------------------------------------------------------------------


def test_the_same_event_comes_first_and_links_are_not_padded_with_other_stories() -> None:
    links = related_stories(site())
    for n in range(3):
        assert sorted(keys(links[f"strike-{n}"])) == sorted(
            f"strike-{m}" for m in range(3) if m != n
        )
    assert keys(links["honey-0"])[0] == "honey-1"
    assert keys(links["honey-1"])[0] == "honey-0"


def test_the_minimum_score_and_the_maximum_decide_how_many() -> None:
    everything = related_stories(site(), RelatedSettings(min_score=0.0))
    assert len(everything["chess"]) <= len(site()) - 1
    one = related_stories(site(), RelatedSettings(max_links=1))
    assert all(len(found) <= 1 for found in one.values())
    assert keys(one["strike-0"])[0].startswith("strike-")
    none = related_stories(site(), RelatedSettings(max_links=0))
    assert all(found == [] for found in none.values())
    strict = related_stories(site(), RelatedSettings(min_score=0.99))
    assert all(found == [] for found in strict.values())


def test_a_story_from_the_same_days_outranks_an_equally_similar_old_one() -> None:
    title, body = STRIKE[1]
    stories = [
        story("today", *STRIKE[0]),
        story("a-year-ago", title, body, days=-365),
        story("this-week", title, body, days=2),
        *site()[3:],
    ]
    links = related_stories(stories)
    assert keys(links["today"])[:2] == ["this-week", "a-year-ago"]
    first, second = links["today"][:2]
    assert first.score > second.score


def test_equal_scores_go_to_the_more_recent_then_the_smaller_key() -> None:
    title, body = STRIKE[1]
    stories = [
        story("query", *STRIKE[0]),
        story("copy-b", title, body, days=1),
        story("copy-a", title, body, days=1),
        story("copy-c", title, body, days=1.5),
        *site()[3:],
    ]
    settings = RelatedSettings(half_life_days=1e12)  # age does not count: scores are equal
    assert keys(related_stories(stories, settings)["query"])[:3] == ["copy-c", "copy-a", "copy-b"]


def test_shared_tags_lift_a_story() -> None:
    plain = related_stories(site(), RelatedSettings(min_score=0.0))
    tagged = related_stories(
        site(
            **{
                "strike-0": {"tags": ("Porthavel", "Transport")},
                "strike-2": {"tags": ("Porthavel", "Transport")},
            }
        ),
        RelatedSettings(min_score=0.0),
    )

    def score(links, key, other):
        return next(link.score for link in links[key] if link.key == other)

    assert score(tagged, "strike-0", "strike-2") > score(plain, "strike-0", "strike-2")


# --- curators and duplicates --------------------------------------------------------------------


def test_pinned_stories_come_first_in_the_curators_order() -> None:
    links = related_stories(site(**{"strike-0": {"pinned": ("chess", "honey-1", "missing")}}))
    found = links["strike-0"]
    assert keys(found)[:2] == ["chess", "honey-1"]
    assert found[0].pinned and found[1].pinned and not found[2].pinned
    assert "missing" not in keys(found)
    assert sorted(keys(found)[2:]) == ["strike-1", "strike-2"]


def test_pins_never_link_an_article_to_itself_and_count_towards_the_maximum() -> None:
    links = related_stories(
        site(**{"strike-0": {"pinned": ("strike-0", "chess")}}), RelatedSettings(max_links=2)
    )
    assert keys(links["strike-0"])[0] == "chess"
    assert len(links["strike-0"]) == 2
    assert "strike-0" not in keys(links["strike-0"])


def test_banned_stories_are_never_shown() -> None:
    links = related_stories(site(**{"strike-0": {"banned": frozenset({"strike-2"})}}))
    assert keys(links["strike-0"]) == ["strike-1"]
    assert "strike-0" in keys(links["strike-2"])  # a ban is one article's choice


def test_syndicated_copies_are_not_related_stories_in_either_direction() -> None:
    title, body = STRIKE[0]
    stories = [
        *site(**{"strike-0": {"duplicates": frozenset({"wire-copy"})}}),
        story("wire-copy", title, body, days=0.1),
    ]
    links = related_stories(stories)
    assert "wire-copy" not in keys(links["strike-0"])
    assert "strike-0" not in keys(links["wire-copy"])
    assert "wire-copy" in keys(links["strike-1"])  # still a report of the event for others


# --- determinism and settings -----------------------------------------------------------------


def test_links_do_not_depend_on_the_order_of_the_stories() -> None:
    stories = site()
    expected = related_stories(stories, RelatedSettings(min_score=0.0))
    for seed in range(3):
        shuffled = stories[:]
        random.Random(seed).shuffle(shuffled)
        assert related_stories(shuffled, RelatedSettings(min_score=0.0)) == expected


def test_links_and_scores_are_the_same_whatever_the_threads_and_blocks(monkeypatch) -> None:
    from broadsheet import related

    stories = site(chess={"tags": ("ferries",)})
    expected = related_stories(stories, RelatedSettings(min_score=0.0))
    monkeypatch.setattr(related, "BLOCK", 2)  # three blocks of the six stories
    for threads in (1, 4):
        monkeypatch.setattr(related, "MAX_THREADS", threads)
        assert related.worker_threads() <= threads
        assert related_stories(stories, RelatedSettings(min_score=0.0)) == expected


def test_undated_stories_are_linked_without_a_recency_penalty() -> None:
    stories = [Story(key=s.key, title=s.title, body=s.body) for s in site()]
    links = related_stories(stories)
    assert sorted(keys(links["strike-1"])) == ["strike-0", "strike-2"]


def test_a_site_of_one_or_none() -> None:
    assert related_stories([]) == {}
    assert related_stories([story("alone", *CHESS)]) == {"alone": []}
    assert RelatedIndex([]).size == 0


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"RELATED_STORIES_MAX": -1}, "RELATED_STORIES_MAX must be a whole number >= 0"),
        ({"RELATED_STORIES_MAX": "5"}, "RELATED_STORIES_MAX must be a whole number >= 0"),
        ({"RELATED_STORIES_MIN_SCORE": "high"}, "RELATED_STORIES_MIN_SCORE must be a number"),
        ({"RELATED_STORIES_MIN_SCORE": float("nan")}, "RELATED_STORIES_MIN_SCORE must be"),
        ({"RELATED_STORIES_HALF_LIFE_DAYS": 0}, "RELATED_STORIES_HALF_LIFE_DAYS must be"),
    ],
)
def test_bad_settings_are_named(settings: dict, message: str) -> None:
    with pytest.raises(RelatedError, match=message):
        RelatedSettings.from_settings(settings)


def test_settings_defaults() -> None:
    assert RelatedSettings.from_settings({}) == RelatedSettings(5, 0.2, 30.0)
