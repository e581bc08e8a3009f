"""dedupe: syndicated copies found, different stories and short bodies left alone, the index exact.

Every story here is made up: the places, people, outlets and the agency.
"""

from __future__ import annotations

import random
import zlib

import pytest

from broadsheet import dedupe
from broadsheet.dedupe import (
    INDEX_HASH_LIMIT,
    MIN_SHINGLES,
    BodyPrint,
    DedupeIndex,
    PrintCache,
    find_same_story,
    most_missing,
)
from broadsheet.markdown import render_figure

WIRE = [
    "PORT ARLEN, March 3 (Meridian Wire) — Authorities in the drought-hit province of Orvel "
    "ordered households on Monday to cut their water use by a quarter, the strictest "
    "rationing in the region since records began forty years ago.",
    "The order, which takes effect next week, limits garden watering to one evening a week, "
    "closes public fountains and bans the filling of private swimming pools until the "
    "reservoirs recover.",
    "Lake Tamsin, which supplies two thirds of the province's drinking water, stood at 31 "
    "percent of capacity on Sunday, down from 58 percent a year earlier, according to the "
    "provincial water board.",
    "“We are asking every family to do something difficult, but the alternative is taps "
    "that run dry in August,” the province's water commissioner, Hester Vale, told a news "
    "conference in Port Arlen.",
    "Farmers' groups said the measures spared agriculture, which uses most of the "
    "province's water, and warned that irrigation quotas would have to be cut next if the "
    "spring rains failed again.",
    "Businesses that exceed their allowance face fines of up to 4,000 crowns, and "
    "inspectors will read meters weekly rather than monthly, the water board said.",
    "The province last imposed rationing in 2009, when restrictions lasted eleven months "
    "and cost local farms an estimated 90 million crowns in lost harvests.",
]

SAME_TOPIC_SAME_AGENCY = [
    "KELLMORE, March 5 (Meridian Wire) — Shipping on the upper Dane river was halted on "
    "Wednesday after water levels fell below the minimum needed for loaded barges, the "
    "river authority said, as a dry winter drags on across the north.",
    "Some 140 barges carrying grain, coal and building materials were waiting at moorings "
    "between Kellmore and the border, according to a barge operators' association.",
    "“Every day the river stays closed costs the region's ports around two million "
    "crowns,” said Idris Marrow, who heads the association.",
    "Forecasters expect little rain before April. Freight companies said they had begun "
    "moving urgent cargo onto trains and lorries, at two to three times the cost.",
    "The authority said it would reopen the channel to lightly loaded vessels as soon as "
    "the gauge at Kellmore bridge rose above 80 centimetres.",
]

FOLLOW_UP = [
    "PORT ARLEN, March 19 (Meridian Wire) — Water use in the province of Orvel fell by "
    "almost a fifth in the first week of rationing, officials said on Monday, short of the "
    "quarter they had asked for but more than many had expected.",
    "Inspectors issued 212 warnings and 17 fines, most of them to hotels and car washes in "
    "the coastal towns, the provincial water board said in its first weekly report.",
    WIRE[2],
    "Hester Vale, the water commissioner, said households had responded well but that "
    "businesses were lagging, and promised to publish the names of repeat offenders.",
    "Opposition councillors called for the rules to be extended to the province's golf "
    "courses, which they said were still being watered every night.",
]


def body(paragraphs: list[str]) -> str:
    return "\n\n".join(paragraphs) + "\n"


def syndicated_copy() -> str:
    """WIRE as another outlet ran it: own dateline, subheading, picture and credit, last
    paragraph trimmed, a few words changed, a furniture line left in by the scrape."""
    lede = WIRE[0].replace("PORT ARLEN, March 3 (Meridian Wire) — ", "PORT ARLEN: ")
    quote = WIRE[3].replace("told a news conference", "told reporters")
    figure = render_figure(
        "https://images.coastalmail.example/2025/03/lake-tamsin.jpg",
        "The shrinking shoreline of Lake Tamsin, seen from the dam.",
        "Meridian Wire",
    )
    return body(
        [
            lede.replace("on Monday", "on Monday (March 3)"),
            figure,
            WIRE[1],
            "## Reservoirs at record low",
            WIRE[2].replace("58 percent", "58 per cent"),
            quote,
            WIRE[4],
            WIRE[5],
            "Additional reporting by Tomas Quill in Kellmore; editing by Ana Brisk.",
            "Follow Coastal Mail on WhatsApp for the latest news you don't want to miss.",
        ]
    )


@pytest.fixture
def wire() -> BodyPrint:
    return BodyPrint.of("orvel-rationing", body(WIRE))


def test_syndicated_copy_with_other_furniture_and_trimmed_paragraph_is_the_same_story(wire):
    copy = BodyPrint.of("", syndicated_copy())
    assert copy.exact != wire.exact
    assert find_same_story(copy, [wire]) is wire
    assert DedupeIndex([wire]).find(copy) is wire


def test_the_copy_is_found_whichever_of_the_two_arrived_first(wire):
    copy = BodyPrint.of("coastal-mail-copy", syndicated_copy())
    assert DedupeIndex([copy]).find(BodyPrint.of("", body(WIRE))) is copy


def test_different_story_on_the_same_topic_from_the_same_agency_is_not_a_copy(wire):
    other = BodyPrint.of("", body(SAME_TOPIC_SAME_AGENCY))
    assert find_same_story(other, [wire]) is None
    assert DedupeIndex([wire]).find(other) is None


def test_follow_up_reusing_one_background_paragraph_is_not_a_copy(wire):
    later = BodyPrint.of("", body(FOLLOW_UP))
    assert WIRE[2] in body(FOLLOW_UP)
    assert find_same_story(later, [wire]) is None
    assert DedupeIndex([wire]).find(later) is None


QUAKE_BRIEF = (
    "A magnitude {magnitude} earthquake struck near {place} on {day}, the national seismic "
    "office said. There were no immediate reports of damage or injuries.\n"
)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        # Two wire briefs from one template: different quakes, same words around them.
        (("4.6", "Tarrow", "Monday"), ("5.1", "Kessock", "Thursday")),
        (("4.6", "Tarrow", "Monday"), ("4.6", "Kessock", "Monday")),
    ],
)
def test_templated_briefs_about_different_events_are_not_copies(first, second):
    fields = ("magnitude", "place", "day")
    one = BodyPrint.of("one", QUAKE_BRIEF.format(**dict(zip(fields, first, strict=True))))
    two = BodyPrint.of("", QUAKE_BRIEF.format(**dict(zip(fields, second, strict=True))))
    assert find_same_story(two, [one]) is None
    assert DedupeIndex([one]).find(two) is None


def test_one_sentence_body_found_inside_a_long_story_is_not_a_copy(wire):
    sentence = BodyPrint.of("", "The order takes effect next week, the water board said.")
    assert len(sentence.grams) < MIN_SHINGLES
    long_story = BodyPrint.of(
        "long", body([*WIRE, "The order takes effect next week, the water board said."])
    )
    assert find_same_story(sentence, [long_story]) is None
    assert DedupeIndex([long_story]).find(sentence) is None


def test_short_body_is_found_when_only_words_were_added():
    brief = QUAKE_BRIEF.format(magnitude="4.6", place="Tarrow", day="Monday")
    known = BodyPrint.of("brief", brief)
    dated = BodyPrint.of("", "PORT ARLEN (Meridian Wire) — " + brief)
    respaced = BodyPrint.of("", brief.replace(" ", "  ").replace(".", "\\."))
    assert DedupeIndex([known]).find(dated) is known
    assert DedupeIndex([known]).find(respaced) is known
    assert find_same_story(dated, [known]) is known


def test_exact_copy_is_preferred_to_a_closer_keyed_near_copy(wire):
    near = BodyPrint.of("a-near-copy", syndicated_copy())
    exact = BodyPrint.of("z-exact-copy", body(WIRE).replace("\n\n", "\n\n\n"))
    candidate = BodyPrint.of("", body(WIRE))
    assert find_same_story(candidate, [near, exact]) is exact
    assert DedupeIndex([near, exact]).find(candidate) is exact


def test_pictures_captions_and_link_targets_do_not_count(wire):
    linked = body(WIRE).replace(
        "provincial water board", "[provincial water board](https://orvel.example/water)"
    )
    pictured = linked.replace(
        WIRE[1],
        render_figure("https://img.example/1.jpg", "A dry fountain.", None) + "\n\n" + WIRE[1],
    )
    assert BodyPrint.of("", pictured).exact == wire.exact


def test_index_add_discard_and_replace():
    index = DedupeIndex()
    story = BodyPrint.of("story", body(WIRE))
    copy = BodyPrint.of("", syndicated_copy())
    other = BodyPrint.of("story", body(SAME_TOPIC_SAME_AGENCY))
    assert len(index) == 0 and index.find(copy) is None
    index.add(story)
    assert len(index) == 1 and index.find(copy) is story
    index.add(other)  # same key: replaces the body
    assert len(index) == 1
    assert index.find(copy) is None
    assert index.find(BodyPrint.of("", body(SAME_TOPIC_SAME_AGENCY))) is other
    index.discard("story")
    index.discard("never-added")
    assert len(index) == 0
    assert index.find(BodyPrint.of("", body(SAME_TOPIC_SAME_AGENCY))) is None


def test_the_candidates_own_key_is_never_the_answer(wire):
    index = DedupeIndex([wire])
    assert index.find(wire) is None
    assert index.find(BodyPrint.of("orvel-rationing", syndicated_copy())) is None


@pytest.mark.parametrize("order", [("b-copy", "a-copy"), ("a-copy", "b-copy")])
def test_equal_matches_go_to_the_smallest_key_whatever_the_order(order):
    near = [BodyPrint.of(key, syndicated_copy()) for key in order]
    exact = [BodyPrint.of(key, body(WIRE)) for key in order]
    candidate = BodyPrint.of("", body(WIRE[:-1]))
    assert DedupeIndex(near).find(candidate).key == "a-copy"
    assert find_same_story(candidate, near).key == "a-copy"
    assert DedupeIndex(exact).find(BodyPrint.of("", body(WIRE))).key == "a-copy"
    assert find_same_story(BodyPrint.of("", body(WIRE)), exact).key == "a-copy"


def test_stories_sharing_only_a_paragraph_are_ruled_out_without_a_comparison(monkeypatch, wire):
    index = DedupeIndex(generated_prints(random.Random(7), 200))
    index.add(wire)
    compared = []
    score = dedupe._near_duplicate_score
    monkeypatch.setattr(
        dedupe, "_near_duplicate_score", lambda a, b: compared.append(1) or score(a, b)
    )
    assert index.find(BodyPrint.of("", body(FOLLOW_UP))) is None
    assert index.find(BodyPrint.of("", body(SAME_TOPIC_SAME_AGENCY))) is None
    assert compared == []
    assert index.find(BodyPrint.of("", syndicated_copy())) is wire
    assert compared == [1]


# Generated bodies: sentences drawn from a shared pool, so bodies overlap by every
# amount from nothing to everything, with copies edited word by word and trimmed.
WORD_LIST = (
    "council harbour ferry vote budget river bridge school clinic market farmers fishing "
    "drought rain tram station mayor minister union strike port festival museum library "
    "road fire police court judge inquiry report plan tax grant hospital nurses teachers "
    "airport runway noise housing rent tenants landlord factory jobs wages exports coffee "
    "tea grain prices winter summer storm flood coast island valley village city province "
    "said on monday tuesday wednesday thursday friday would could after before since "
    "while the a of to in for with by from at as its their new old first last more less"
)
VOCABULARY = WORD_LIST.split()


def unsampled_text(rng: random.Random, length: int) -> str:
    """Words chosen so that none of the text's 5-grams falls in the index's hash sample."""
    tokens = [rng.choice(VOCABULARY) for _ in range(4)]
    while len(tokens) < length:
        word = rng.choice(VOCABULARY)
        if zlib.crc32(" ".join([*tokens[-4:], word]).encode()) >= INDEX_HASH_LIMIT:
            tokens.append(word)
    return " ".join(tokens)


def is_thin(print_: BodyPrint) -> bool:
    """Too few sampled 5-grams for the index to bound a larger match: it must scan."""
    sampled = sum(gram < INDEX_HASH_LIMIT for gram in print_.grams)
    return len(print_.grams) >= MIN_SHINGLES and sampled <= most_missing(len(print_.grams))


def test_a_candidate_too_thin_for_the_sample_still_finds_the_story_holding_it():
    rng = random.Random(11)
    brief = unsampled_text(rng, 30)
    story = BodyPrint.of("story", brief + ". " + " ".join(unsampled_text(rng, 60).split()[::-1]))
    candidate = BodyPrint.of("", brief)
    assert is_thin(candidate)
    others = generated_prints(random.Random(3), 50)
    assert DedupeIndex([*others, story]).find(candidate) is story


def generated_prints(rng: random.Random, count: int) -> list[BodyPrint]:
    pool = [
        " ".join(rng.choice(VOCABULARY) for _ in range(rng.randint(6, 18))) + "."
        for _ in range(120)
    ]
    texts: list[str] = []
    for _ in range(count // 40):
        thin = unsampled_text(rng, rng.randint(24, 40))
        texts += [thin + ". " + " ".join(rng.sample(pool, 3)), thin]
    for _ in range(count - len(texts)):
        roll = rng.random()
        if texts and roll < 0.45:
            words = rng.choice(texts).split(" ")
            for _ in range(rng.randint(0, 6)):
                words[rng.randrange(len(words))] = rng.choice(VOCABULARY)
            keep = rng.randint(max(1, len(words) // 3), len(words))
            texts.append(" ".join(words[:keep]))
        else:
            texts.append(" ".join(rng.sample(pool, rng.randint(1, 12))))
    return [BodyPrint.of(f"body-{i:03d}", text) for i, text in enumerate(texts)]


def key_of(found: BodyPrint | None) -> str | None:
    return found.key if found else None


def test_the_index_gives_the_all_pairs_answer_on_generated_bodies():
    prints = generated_prints(random.Random(20250303), 400)
    index = DedupeIndex(prints)
    answers = {}
    for candidate in prints:
        for probe in (
            candidate,
            BodyPrint(f"new-{candidate.key}", candidate.exact, candidate.grams),
        ):
            answers[probe.key] = key_of(find_same_story(probe, prints))
            assert key_of(index.find(probe)) == answers[probe.key], probe.key
    for gone in prints[::3]:
        index.discard(gone.key)
    remaining = [p for p in prints if p.key in {q.key for q in prints[1::3] + prints[2::3]}]
    for candidate in prints:
        assert key_of(index.find(candidate)) == key_of(find_same_story(candidate, remaining))
    # The generated set must exercise what the index is for: near copies, exact copies,
    # unrelated bodies, and small bodies whose hash sample is too thin to bound a match.
    found = [key for key in answers.values() if key]
    assert 100 < len(found) < len(answers) - 100
    assert [p for p in prints if is_thin(p) and answers[p.key]]


def test_print_cache_keeps_prints_between_runs_and_recomputes_changed_bodies(tmp_path):
    path = tmp_path / "cache" / "prints.bin"
    first = PrintCache(path)
    story = " ".join(f"word{n} appears in sentence {n} of the long story." for n in range(40))
    made = first.print_of("story", story)
    first.save()
    second = PrintCache(path)
    assert second.entries and not second.changed
    again = second.print_of("story-renamed", story)
    assert again == BodyPrint.of("story-renamed", story) and again.grams == made.grams
    assert not second.changed
    edited = second.print_of("story", story + " A new closing line.")
    assert edited == BodyPrint.of("story", story + " A new closing line.")
    assert second.changed


@pytest.mark.parametrize("damage", [b"", b"not a cache", b"cut"])
def test_a_damaged_print_cache_is_only_a_slower_start(tmp_path, damage):
    path = tmp_path / "prints.bin"
    cache = PrintCache(path)
    cache.print_of("a", "some words " * 30)
    cache.save()
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2] if damage == b"cut" else damage)
    fresh = PrintCache(path)
    assert fresh.entries == {}
    assert fresh.print_of("a", "some words " * 30) == BodyPrint.of("a", "some words " * 30)
