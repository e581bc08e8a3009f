"""broadsheet.vocabulary: the curated tags file, checked, and matched against text."""

from __future__ import annotations

from pathlib import Path

import pytest

from broadsheet.vocabulary import (
    VOCABULARY_HEADER,
    Vocabulary,
    VocabularyError,
    append_entries,
    load_vocabulary,
    parse_vocabulary,
    yaml_key,
)

VOCABULARY = """\
places:
  United States: [US, U.S., USA, American]
  Baluchistan: [Balochistan, Baluch, Baloch]
  Sudan:
  South Sudan:
  Zürich: [Zurich]
  Côte d'Ivoire: [Ivory Coast]
  Reading:
    case_sensitive: true
people:
  Hossein Amir-Abdollahian: [Amir-Abdollahian]
organisations:
  United Nations: [UN, U.N.]
topics:
  Fisheries:
    aliases: [tuna, fishing fleet]
    patterns: ['catch (?:limits?|quotas?)']
  Athletics:
    aliases: [marathon]
    min_mentions: 2
stop: [Friday, Government]
"""


@pytest.fixture
def vocabulary() -> Vocabulary:
    return parse_vocabulary(VOCABULARY, "tags.yml")


def names(vocabulary: Vocabulary, text: str) -> list[str]:
    return [match.tag.name for match in vocabulary.matches(text)]


def test_entries_get_their_kind_from_their_section(vocabulary):
    kinds = {tag.name: tag.kind for tag in vocabulary.tags}
    assert kinds["Baluchistan"] == "place"
    assert kinds["Hossein Amir-Abdollahian"] == "person"
    assert kinds["United Nations"] == "organisation"
    assert kinds["Fisheries"] == "topic"
    assert vocabulary.lookup("Fisheries").min_mentions == 1
    assert vocabulary.lookup("Athletics").min_mentions == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The US appealed for restraint.", ["United States"]),
        ("Talks in the U.S. capital.", ["United States"]),
        ("An American envoy flew in.", ["United States"]),
        ("It is up to us now.", []),  # "us" is not the country: all-capitals aliases are exact
        ("Plug the USB cable in.", []),  # word boundaries
        ("The AUS team and SUS", []),
        ("İzmir, Zurich and the US", ["Zürich", "United States"]),  # lower() lengthens İ
        ("AMERICAN officials said", ["United States"]),  # other aliases match in any case
        ("Baluch separatists and Balochistan", ["Baluchistan", "Baluchistan"]),
        ("a Baluch-led insurgency", ["Baluchistan"]),  # a hyphen is a boundary
        ("the Baluchis said", []),
        ("ZÜRICH – Voters in Zurich", ["Zürich", "Zürich"]),
        ("Cote exports from Côte d’Ivoire", ["Côte d'Ivoire"]),  # either apostrophe
        ("voters in United\nStates cities", ["United States"]),  # any whitespace
        ("The UN and the U.N. agencies", ["United Nations", "United Nations"]),
        ("a UNESCO site", []),
        ("Reading council met; reading is fun", ["Reading"]),  # case_sensitive: true
    ],
)
def test_terms_match_on_word_boundaries_with_case_where_it_matters(vocabulary, text, expected):
    assert names(vocabulary, text) == expected


def test_the_longest_term_wins_and_matches_never_overlap(vocabulary):
    assert names(vocabulary, "South Sudan and Sudan agreed") == ["South Sudan", "Sudan"]
    text = "Hossein Amir-Abdollahian spoke; later Amir-Abdollahian said"
    matches = vocabulary.matches(text)
    assert [text[m.start : m.end] for m in matches] == [
        "Hossein Amir-Abdollahian",
        "Amir-Abdollahian",
    ]


def test_patterns_match_like_aliases_and_the_longest_match_wins(vocabulary):
    text = "Delegates cut catch limits; the fishing fleet and catch quotas"
    matches = vocabulary.matches(text)
    assert [text[m.start : m.end] for m in matches] == [
        "catch limits",
        "fishing fleet",
        "catch quotas",
    ]
    assert names(vocabulary, "the catch limitsXYZ") == []  # boundaries apply to patterns too


def test_find_tags_orders_by_mentions_title_first_and_honours_min_mentions(vocabulary):
    title = "Pakistan, Iran agree to talks on Baluchistan"
    body = "Baluch leaders met. The US and the UN urged calm. The UN said more."
    assert [tag.name for tag in vocabulary.find_tags(title, body)] == [
        "Baluchistan",  # 3 (title) + 1
        "United Nations",  # 2
        "United States",  # 1
    ]
    assert vocabulary.find_tags("Marathon talks end", "Delegates met.") == []
    race = vocabulary.find_tags("Teenager wins marathon", "The marathon record fell.")
    assert [tag.name for tag in race] == ["Athletics"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Balochistan", "Baluchistan"),
        ("BALUCHISTAN", "Baluchistan"),
        ("Amir-Abdollahian", "Hossein Amir-Abdollahian"),
        ("US", "United States"),
        ("Us", None),
        ("catch quotas", "Fisheries"),
        ("Pakistan", None),
    ],
)
def test_lookup_maps_other_names_to_the_canonical_tag(vocabulary, name, expected):
    found = vocabulary.lookup(name)
    assert (found.name if found else None) == expected


def test_stop_tags_are_known_and_compared_without_case(vocabulary):
    assert vocabulary.is_stop("FRIDAY") and vocabulary.is_stop("government")
    assert vocabulary.knows("Friday") and vocabulary.knows("Baloch")
    assert not vocabulary.knows("Islamabad")


def test_a_tag_cannot_also_be_a_stop_tag():
    with pytest.raises(VocabularyError, match="'Budget': 'Budget' is also a stop-tag"):
        parse_vocabulary("topics:\n  Budget: [spending]\nstop: [budget]\n", "tags.yml")


def test_empty_and_missing_files_are_empty_vocabularies(tmp_path):
    assert len(parse_vocabulary("", "tags.yml")) == 0
    assert len(parse_vocabulary("# nothing yet\n", "tags.yml")) == 0
    missing = load_vocabulary(tmp_path / "tags.yml")
    assert len(missing) == 0 and missing.matches("The US said") == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("places: [Kenya\n", r"^tags\.yml: line 2: not valid YAML"),
        ("place:\n  Kenya:\n", r"^tags\.yml: unknown section 'place' \(use places, people,"),
        ("- Kenya\n", r"^tags\.yml: expected sections"),
        ("places: [Kenya]\n", r"^tags\.yml: places: expected a mapping"),
        ("places:\n  Kenya:\n  Kenya: [Kenyan]\n", r"^tags\.yml: line 3: 'Kenya' is given twice"),
        ("places:\n  Norway: [NO]\n", r"^tags\.yml: places: 'Norway': alias False is not text"),
        ("places:\n  2024: []\n", r"^tags\.yml: places: tag name 2024 is not text"),
        ("places:\n  Kenya: {alias: [Kenyan]}\n", r"'Kenya': unknown key 'alias'"),
        ("places:\n  Kenya: 3\n", r"'Kenya': give a list of aliases or a mapping"),
        ("places:\n  Kenya: {min_mentions: 0}\n", r"'Kenya': min_mentions must be"),
        ("places:\n  Kenya: {case_sensitive: maybe}\n", r"'Kenya': case_sensitive must be"),
        ("topics:\n  Fish: {patterns: ['catch (']}\n", r"'Fish': bad pattern 'catch \('"),
        ("topics:\n  Fish: {patterns: ['x*']}\n", r"'Fish': pattern 'x\*' matches nothing"),
        (
            "places:\n  United States: [US]\norganisations:\n  Union of States: [US]\n",
            r"^tags\.yml: 'Union of States': 'US' is also in 'United States'",
        ),
        (
            "places:\n  Georgia: [georgian]\npeople:\n  Georgian: []\n",
            r"'Georgian': 'Georgian' is also in 'Georgia'",
        ),
        ("places:\n  Kenya: [Kenyan]\nstop: [kenyan]\n", r"'Kenya': 'Kenyan' is also a stop-tag"),
        ("stop: [Friday, 3]\n", r"^tags\.yml: stop: stop-tag 3 is not text"),
    ],
)
def test_a_bad_file_is_one_line_naming_the_file_and_the_entry(text, message):
    with pytest.raises(VocabularyError, match=message) as raised:
        parse_vocabulary(text, "tags.yml")
    assert "\n" not in str(raised.value)


def test_load_names_the_path_in_errors(tmp_path):
    path = tmp_path / "tags.yml"
    path.write_text("places:\n  Kenya: {aliasses: [Kenyan]}\n", encoding="utf-8")
    with pytest.raises(VocabularyError, match=rf"^{path}: places: 'Kenya': unknown key"):
        load_vocabulary(path)


def test_the_demo_vocabulary_loads():
    vocabulary = load_vocabulary(Path(__file__).resolve().parents[1] / "content" / "tags.yml")
    assert vocabulary.lookup("Balochistan").name == "Baluchistan"
    assert vocabulary.lookup("Kenyan").name == "Kenya"
    assert vocabulary.is_stop("Friday")


# Appending suggestions (tags suggest --accept)


def test_append_keeps_every_byte_and_adds_at_the_end_of_each_section():
    text = (
        "# Our vocabulary\n"
        "places:\n"
        "    Kenya: [Kenyan]   # four spaces here\n"
        "    # more places below\n"
        "\n"
        "# People we write about\n"
        "people:\n"
        "  Jane Doe:\n"
        "stop: [Friday]\n"
    )
    result = append_entries(
        text,
        {
            "places": [("Mombasa", "suggested: 3 articles")],
            "people": [("Kiprono Chebet", "")],
            "organisations": [("East African Tea Brokers Association", "kind unknown")],
        },
    )
    assert result == (
        "# Our vocabulary\n"
        "places:\n"
        "    Kenya: [Kenyan]   # four spaces here\n"
        "    # more places below\n"
        "    Mombasa: []  # suggested: 3 articles\n"
        "\n"
        "# People we write about\n"
        "people:\n"
        "  Jane Doe:\n"
        "  Kiprono Chebet: []\n"
        "stop: [Friday]\n"
        "\n"
        "organisations:\n"
        "  East African Tea Brokers Association: []  # kind unknown\n"
    )
    vocabulary = parse_vocabulary(result, "tags.yml")
    assert vocabulary.lookup("Mombasa").kind == "place"
    assert vocabulary.lookup("Kiprono Chebet").kind == "person"
    assert vocabulary.is_stop("Friday")


def test_append_to_an_empty_file_and_refuse_an_inline_section():
    result = append_entries(VOCABULARY_HEADER, {"topics": [("Tea", "")]})
    assert parse_vocabulary(result, "tags.yml").lookup("tea").name == "Tea"
    with pytest.raises(VocabularyError, match="'places' is written inline"):
        append_entries("places: {}\n", {"places": [("Kenya", "")]})


@pytest.mark.parametrize(
    "name",
    ["Kenya", "São Paulo", "Côte d’Ivoire", "No", "ON", "Null", "C: Drive", "#1 Club", "AT&T"],
)
def test_yaml_key_round_trips(name):
    text = f"topics:\n  {yaml_key(name)}: []\n"
    assert [tag.name for tag in parse_vocabulary(text, "t.yml").tags] == [name]
