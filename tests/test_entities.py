"""Unit tests for broadsheet.entities: automatic tags from the proper names in the text.

Every article here is fictional (places and people invented, real countries named as facts).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from broadsheet.entities import EntityTag, EntityTagger, find_names
from broadsheet.text import markdown_blocks, name_runs
from broadsheet.textclean import clean_text

FILLER = (
    "The council met for three hours and the vote was close, with several members asking "
    "for more time to read the report before any money is spent."
)


def names_of(tags: list[EntityTag]) -> list[str]:
    return [t.name for t in tags]


def tag(title: str, body: str, corpus: list[tuple[str, str]] | None = None, **options):
    documents = corpus if corpus is not None else [(title, body)]
    return EntityTagger(documents).tags(title, body, **options)


# --- names found in the text ------------------------------------------------------------


def test_multi_word_names_are_found_whole() -> None:
    text = (
        "Officials from the Northfield Water Board met Maria Delgado-Ruiz in New Carthage "
        "on Monday, and the Bank of Eastmoor sent a letter."
    )
    found = find_names(text)
    assert "Northfield Water Board" in found
    assert "Maria Delgado-Ruiz" in found
    assert "New Carthage" in found
    assert "Bank of Eastmoor" in found
    assert "Officials" not in found
    assert "Monday" not in found


@pytest.mark.parametrize(
    "text",
    [
        "The ferry left late. However, nobody complained.",
        "Friday was calm in the harbour town.",
        "In March the river rose again.",
        "Meanwhile the market stalls stayed shut.",
        "Mr. and Mrs. nobody came. The President spoke at length.",
        "Residents said the road was closed. Residents waited.",
        "Women and children were moved to the school hall.",
    ],
)
def test_sentence_initial_common_words_are_not_names(text: str) -> None:
    assert find_names(text) == []


def test_a_capitalised_word_the_article_writes_in_lower_case_is_no_name() -> None:
    text = (
        "Kelp farming is growing along the coast. Growers say kelp needs little care, and "
        "kelp prices rose this year. Kelp is harvested in spring."
    )
    assert find_names(text) == []


def test_sentence_initial_names_are_kept_when_the_text_shows_them_as_names() -> None:
    text = "Ostrava Mills closed a plant. Ostrava Mills said demand fell at Ostrava Mills."
    assert find_names(text) == ["Ostrava Mills"] * 3


def test_titles_are_cut_off_and_mark_a_person() -> None:
    body = (
        "Prime Minister Anwaar Qadri opened the bridge. Mr. Qadri said the crossing would "
        "cut journeys by an hour. Qadri later left for the coast."
    )
    found = find_names(body)
    assert found[0] == "Anwaar Qadri"
    assert "Qadri" in found
    assert not any(name.startswith(("Prime", "Mr")) for name in found)
    tags = tag("Bridge opens", body)
    # A person's tag is the full name, though the text prints "Qadri" alone twice.
    assert tags[0] == EntityTag("Anwaar Qadri", "person", tags[0].score)
    assert set(tags[0].forms) == {"Anwaar Qadri", "Qadri"}


def test_hyphenated_modifiers_and_possessives_are_cut() -> None:
    found = find_names("The Harbourville-based firm Lantern Foods said Lantern Foods’ sales fell.")
    assert found[0] == "Harbourville"
    assert "Lantern Foods" in found
    assert find_names("Velmora’s mayor spoke.") == ["Velmora"]


def test_acronyms_are_names_but_shouted_words_are_not() -> None:
    text = (
        "The KVRA inspected the dam twice. A KVRA engineer said it failed TWICE in one "
        "winter, and the NRDA agreed."
    )
    found = find_names(text)
    assert found.count("KVRA") == 2
    assert "NRDA" in found
    assert "TWICE" not in found


def test_us_the_country_is_not_us_the_pronoun() -> None:
    body = "The US embassy in Velmora told us the visa rules changed. Let us wait, he said."
    tags = tag("Visa rules", body)
    assert "US" in names_of(tags)  # a country is tagged by the name printed most often
    us = next(t for t in tags if t.name == "US")
    assert us.forms == ("US",)  # the pronoun's two mentions are not the country's
    assert not {"us", "Us"} & set(names_of(tags))
    assert tag("Waiting", "They told us to wait and let us in later.") == []


def test_demonyms_and_other_names_map_to_the_country() -> None:
    body = (
        "Pakistani officials met their Iranian counterparts while American diplomats "
        "watched. The U.S. delegation left early."
    )
    tags = tag("Talks", body, limit=10)
    # A country is tagged by the name printed most often, never a demonym, and acronyms
    # lose their dots: "U.S." (and "American") -> "US".
    assert set(names_of(tags)) == {"Pakistan", "Iran", "US"}
    assert all(t.kind == "place" for t in tags)
    us = next(t for t in tags if t.name == "US")
    assert set(us.forms) == {"American", "U.S."}
    only_demonyms = tag("Talks", "Pakistani officials met Pakistani traders.")
    assert names_of(only_demonyms) == ["Pakistan"]


def test_country_names_inside_longer_names_stay_there() -> None:
    found = find_names("She joined the American College of Tidal Studies in 2010.")
    assert found == ["American College of Tidal Studies"]


def test_dateline_and_state_abbreviation() -> None:
    body = "HARBOURVILLE, Calif. (AP) — A storm closed the pier at Harbourville on Monday."
    tags = tag("Storm", body)
    assert {"Harbourville", "California"} <= set(names_of(tags))
    assert all(t.kind == "place" for t in tags if t.name in {"Harbourville", "California"})


# --- Markdown, quotes and other scripts ---------------------------------------------------------


def test_markdown_syntax_does_not_leak_into_names() -> None:
    body = (
        "## Flood defences in Orsova\n\n"
        "The [Harbour Trust](https://example.org/trust_(2020)) said **Ilse Brandvold** "
        "would lead the work. \\*Not a footnote\\* and `code` here.\n\n"
        "> Lindqvist Marine warned of delays.\n\n"
        "- Orsova council\n- Brackwater Docks\n\n"
        "![Photo of the quay](https://example.org/quay.jpg)\n\n"
        "[1]: https://example.org/ref"
    )
    tags = tag("Defences", body, limit=20)
    printed = names_of(tags)
    for name in ("Harbour Trust", "Ilse Brandvold", "Lindqvist Marine", "Brackwater Docks"):
        assert name in printed
    assert "Orsova" in printed
    for name in printed:
        assert not set(name) & set("[]()*#>\\`_!"), name
        assert "http" not in name and "example" not in name
    assert "Photo" not in " ".join(printed)


def test_markdown_blocks_keep_words_and_kinds() -> None:
    blocks = markdown_blocks(
        "# Title here\n\nA [link](http://x.example) and \\*stars\\*.\n> quoted\n\n1. first"
    )
    assert blocks == [
        ("heading", "Title here"),
        ("paragraph", "A link and *stars*."),
        ("quote", "quoted"),
        ("list_item", "first"),
    ]


def test_html_bodies_are_read_as_text() -> None:
    body = "<h2>Port news</h2><p>The <a href='https://x.example'>Velmora Port</a> reopened.</p>"
    assert find_names(body) == ["Velmora Port"]


def test_non_ascii_names_and_curly_quotes() -> None:
    text = (
        "Flights from São Paulo to Zürich resumed, said Åsa Øvergård of “Nordlys "
        "Air”. Ñuñoa’s council agreed; Dvořák Street was closed."
    )
    found = find_names(text)
    for name in ("São Paulo", "Zürich", "Åsa Øvergård", "Nordlys Air", "Ñuñoa", "Dvořák Street"):
        assert name in found


def test_name_runs_mark_sentence_starts() -> None:
    runs = name_runs("Velmora grew. The port of Velmora, said Mr. Qadri, grew too.")
    starts = [(r.text, r.initial) for r in runs]
    assert ("Velmora", True) in starts
    assert ("Velmora", False) in starts
    assert ("Qadri", False) in starts  # "Mr." ends no sentence


# --- scores: frequency, position, rarity ------------------------------------------------------


def test_a_name_in_every_document_scores_lower() -> None:
    corpus = [(f"Report {i}", f"Velmora Port handled cargo. {FILLER}") for i in range(5)]
    body = f"Velmora Port and Ostrava Mills signed a deal. {FILLER}"
    corpus.append(("Deal", body))
    fitted = {t.name: t.score for t in EntityTagger(corpus).tags("Deal", body)}
    assert fitted["Ostrava Mills"] > fitted["Velmora Port"]
    alone = {t.name: t.score for t in tag("Deal", body)}
    assert alone["Velmora Port"] >= alone["Ostrava Mills"]  # named first, same count


def test_title_and_lead_count_more_than_the_end() -> None:
    paragraphs = [FILLER] * 6
    early = "Velmora Port reopened. " + " ".join(paragraphs) + " Brackwater Docks waited."
    tags = tag("Quay work", early)
    scores = {t.name: t.score for t in tags}
    assert scores["Velmora Port"] > scores["Brackwater Docks"]
    titled = tag("Brackwater Docks waits", early)
    scores = {t.name: t.score for t in titled}
    assert scores["Brackwater Docks"] > scores["Velmora Port"]


def test_more_mentions_score_higher() -> None:
    body = "Velmora Port and Brackwater Docks. Velmora Port grew. Velmora Port hired."
    assert names_of(tag("News", body))[:2] == ["Velmora Port", "Brackwater Docks"]


def test_limit_min_score_and_kinds() -> None:
    body = (
        "Prime Minister Anwaar Qadri visited Pakistan and the KVRA offices in Velmora. "
        "Qadri met the KVRA board. Qadri flew home."
    )
    tagger = EntityTagger([("Visit", body)])
    everything = tagger.tags("Visit", body, limit=10)
    assert len(tagger.tags("Visit", body, limit=2)) == 2
    assert tagger.tags("Visit", body, limit=0) == []
    assert tagger.tags("Visit", body, min_score=1e9) == []
    floor = everything[1].score
    assert all(t.score >= floor for t in tagger.tags("Visit", body, min_score=floor))
    people = tagger.tags("Visit", body, kinds={"person"})
    assert names_of(people) == ["Anwaar Qadri"]  # a person is tagged by the full name
    assert {t.kind for t in tagger.tags("Visit", body, kinds={"place", "organisation"})} <= {
        "place",
        "organisation",
    }


# --- variants merged ---------------------------------------------------------------------------


def test_short_forms_merge_into_the_full_name_in_the_article() -> None:
    body = (
        "Foreign minister Teodora Vashchenko arrived on Tuesday. Vashchenko said talks "
        "would go on. Teodora thanked her hosts."
    )
    tags = tag("Talks", body)
    assert names_of(tags) == ["Teodora Vashchenko"]
    assert set(tags[0].forms) == {"Teodora Vashchenko", "Vashchenko", "Teodora"}


def test_weekday_ranges_are_not_names() -> None:
    body = (
        "The Kestrel Line will run Sunday-to-Thursday sailings from Port Maren, and "
        "Monday-Friday fares will rise, but fares fall on Sundays. " + FILLER
    )
    found = names_of(tag("Ferry timetable", body))
    assert "Port Maren" in found
    assert not any("day" in name.lower() for name in found), found


def test_a_company_is_not_merged_into_one_of_its_products() -> None:
    ledger = (
        "Quillsoft Ledger closes",
        "Quillsoft said on Monday that Quillsoft Ledger would close. Quillsoft had 40 million "
        "users last year, and Quillsoft will keep its other services. " + FILLER,
    )
    notes = (
        "Quillsoft Notes grows",
        "Quillsoft said Quillsoft Notes gained users. Quillsoft shares rose, and Quillsoft "
        "plans to hire. " + FILLER,
    )
    tagger = EntityTagger([ledger, notes])
    for title, body in (ledger, notes):
        tags = tagger.tags(title, body)
        company = [t for t in tags if t.name == "Quillsoft"]
        assert company, names_of(tags)
        assert company[0].forms == ("Quillsoft",)


def test_a_word_capitalised_only_inside_a_long_name_is_no_name_alone() -> None:
    body = (
        "Prices fell, according to the Lowmarsh Grain Traders Association. Traders said "
        "buyers were waiting for the new harvest. " + FILLER
    )
    found = names_of(tag("Grain prices fall", body))
    assert "Lowmarsh Grain Traders Association" in found
    assert "Traders" not in found


def test_a_person_of_an_organisation_is_two_names() -> None:
    body = (
        "The study was led by Nadia Okonkwo-Baird of Lanmere Coastal University, who said "
        "the results surprised her. " + FILLER
    )
    found = names_of(tag("Study", body))
    assert "Nadia Okonkwo-Baird" in found
    assert "Lanmere Coastal University" in found
    assert not any(" of " in name for name in found)


def test_short_forms_merge_into_the_long_form_the_corpus_shows() -> None:
    corpus = [
        ("Visit", "Teodora Vashchenko landed in Velmora. Vashchenko met the mayor."),
        ("Budget", "Teodora Vashchenko presented the budget to the assembly."),
        ("Talks", "Vashchenko said the talks in Orsova would resume."),
    ]
    tagger = EntityTagger(corpus)
    assert "Teodora Vashchenko" in names_of(tagger.tags(*corpus[2]))
    assert "Vashchenko" not in names_of(tagger.tags(*corpus[2]))


def test_a_place_used_alone_does_not_become_a_person() -> None:
    corpus = [(f"Port {i}", f"Ships left Brackwater on time. {FILLER}") for i in range(6)]
    corpus.append(("Profile", "Amelia Brackwater, a sailor, spoke. Brackwater smiled."))
    tagger = EntityTagger(corpus)
    assert "Brackwater" in names_of(tagger.tags(*corpus[0]))
    assert names_of(tagger.tags(*corpus[-1])) == ["Amelia Brackwater"]


def test_names_are_printed_one_way_across_the_corpus() -> None:
    corpus = [
        ("A", "ORSOVA, Velmora (AP) — Rain fell in Orsova."),
        ("B", "Orsova flooded again as Orsova residents left."),
    ]
    tagger = EntityTagger(corpus)
    assert "Orsova" in names_of(tagger.tags(*corpus[0]))
    assert "ORSOVA" not in names_of(tagger.tags(*corpus[0]))


# --- determinism and unseen articles --------------------------------------------------------


def test_output_is_deterministic_whatever_the_corpus_order() -> None:
    corpus = [
        ("One", "Velmora Port and Brackwater Docks met Ostrava Mills."),
        ("Two", "Brackwater Docks and Velmora Port met Lantern Foods."),
        ("Three", "Ostrava Mills, Lantern Foods and Velmora Port met."),
    ]
    first = [EntityTagger(corpus).tags(*doc) for doc in corpus]
    second = [EntityTagger(list(reversed(corpus))).tags(*doc) for doc in corpus]
    assert first == second
    tied = first[0]
    assert [t.name for t in tied if t.score == tied[-1].score] == sorted(
        t.name for t in tied if t.score == tied[-1].score
    )


def test_an_article_outside_the_fitted_corpus_is_tagged_too() -> None:
    tagger = EntityTagger([("Old", "Velmora Port handled cargo.")])
    tags = tagger.tags("New", "Ostrava Mills bought Velmora Port.")
    assert set(names_of(tags)) == {"Ostrava Mills", "Velmora Port"}
    assert EntityTagger().tags("Empty", "") == []


def test_every_tag_is_a_proper_name_as_printed() -> None:
    body = (
        "Residents of Velmora said on Friday that tensions eased. Women and children "
        "returned to Brackwater Docks. However, the KVRA warned that the river could rise."
    )
    for t in tag("Residents return", body, limit=20):
        assert t.name[:1].isupper()
        assert t.name in body or t.name in {"United States"}
        assert t.name.lower() not in {"residents", "friday", "tensions", "women", "however"}


# --- the seed article ---------------------------------------------------------------------------


def seed_article(seed_path: Path) -> tuple[str, str]:
    clean = clean_text(seed_path.read_text(encoding="utf-8"))
    body = "\n\n".join(
        f"## {block.text}" if block.kind == "heading" else block.text for block in clean.blocks
    )
    return clean.title or "", body


def test_seed_article_tags(seed_path: Path) -> None:
    title, body = seed_article(seed_path)
    others = [
        ("Harbour vote", f"Velmora Port reopened after the vote. {FILLER}"),
        ("Mill closes", f"Ostrava Mills shut its plant near Brackwater. {FILLER}"),
    ]
    tagger = EntityTagger([(title, body), *others])
    tags = tagger.tags(title, body)
    printed = names_of(tags)
    assert len(tags) == 6
    for name in ("Pakistan", "Iran", "Baluchistan"):
        assert name in printed
    for word in ("tensions", "friday", "women", "the", "however"):
        assert word not in {name.lower() for name in printed}
    assert all(name[:1].isupper() for name in printed)
    everything = names_of(tagger.tags(title, body, limit=50))
    assert "Hossein Amir-Abdollahian" in everything
    assert "Amir-Abdollahian" not in everything
    # One tag for the caretaker prime minister, by his full name.
    kakar = next(t for t in tagger.tags(title, body, limit=50) if t.name == "Anwaar-ul-Haq Kakar")
    assert "Kakar" in kakar.forms
    assert "Kakar" not in everything
    assert "US" in everything  # "the US appealed for restraint"
    assert not {"Friday", "Thursday", "Tuesday", "Saturday"} & set(everything)


def test_seed_article_names_in_order(seed_path: Path) -> None:
    _title, body = seed_article(seed_path)
    found = find_names(body)
    assert found[:4] == ["Islamabad", "Pakistan", "Iran", "Islamabad"]
    assert "Baluchistan" in found
    assert "Iranian" in found  # printed as the demonym; the tag maps it to Iran
    assert "Friday" not in found


def test_councillors_ages_and_amounts_are_not_names():
    text = (
        "Cllr Janet Pryor said the fare would rise to RM420. "
        "Nineteen-year-old Kiprono Chebet won in Iten, ahead of the G20 delegates."
    )
    assert find_names(text) == ["Janet Pryor", "Kiprono Chebet", "Iten", "G20"]


# --- the printed form of a tag ----------------------------------------------------------------


def test_dotted_and_plain_acronyms_are_one_tag_without_dots() -> None:
    body = "The U.N. envoy met Velmora's mayor. A UN convoy followed, and the UN paid."
    tags = tag("Aid", body, limit=10)
    assert "UN" in names_of(tags)
    assert "U.N." not in names_of(tags)
    assert set(next(t for t in tags if t.name == "UN").forms) == {"U.N.", "UN"}


def test_two_nouns_joined_by_and_in_a_public_body_are_one_name() -> None:
    text = "The Food and Drug Administration and the Securities and Exchange Commission met."
    assert find_names(text) == [
        "Food and Drug Administration",
        "Securities and Exchange Commission",
    ]
    assert find_names("Envoys from Velmora and Orsova signed.") == ["Velmora", "Orsova"]


def test_a_surname_standing_for_two_people_is_not_their_tag() -> None:
    corpus = [
        ("Film", "Director Lena Collins spoke. Collins said the film was done. Collins left."),
        ("Match", "Coach Tomas Collins won. Collins said the team played well. Collins smiled."),
        ("Talks", "Teodora Vashchenko landed. Vashchenko said talks went well. Vashchenko left."),
    ]
    tagger = EntityTagger(corpus)
    assert names_of(tagger.tags(*corpus[0]))[0] == "Lena Collins"
    assert names_of(tagger.tags(*corpus[1]))[0] == "Tomas Collins"
    assert names_of(tagger.tags(*corpus[2]))[0] == "Teodora Vashchenko"
