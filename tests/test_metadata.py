"""metadata: dates, bylines, outlets, datelines and agencies read from scrape lines."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from broadsheet import metadata


@pytest.mark.parametrize(
    ("text", "expected", "has_time"),
    [
        ("Published on: Saturday, January 20, 2024", datetime(2024, 1, 20), False),
        ("Thu, 30 May 2024", datetime(2024, 5, 30), False),
        ("09:15, 6 JUN 2025", datetime(2025, 6, 6, 9, 15), True),
        ("Updated 3.45pm, 2 March 2025", datetime(2025, 3, 2, 15, 45), True),
        ("2024-01-20", datetime(2024, 1, 20), False),
        ("20/01/2024", datetime(2024, 1, 20), False),
        ("Jan. 5th, 2025", datetime(2025, 1, 5), False),
    ],
)
def test_parse_date_reads_the_printed_date(text, expected, has_time):
    found = metadata.parse_date(text)
    assert found.value == expected
    assert found.has_time is has_time


@pytest.mark.parametrize(
    ("text", "offset_hours"),
    [
        ("12 March 2025, 08:14 GMT-3", -3),
        ("Updated: 22 September 2024, 21:47 CEST", 2),
        ("2024-01-20T10:00:00+08:00", 8),
        ("Apr 22, 2024, 07:15 EAT", 3),
        ("5 May 2024 10:00 (GMT+8)", 8),
    ],
)
def test_parse_date_keeps_the_printed_zone(text, offset_hours):
    found = metadata.parse_date(text)
    assert found.value.utcoffset() == timedelta(hours=offset_hours)


@pytest.mark.parametrize("text", ["Posted 3 hours ago", "31 February 2024", "Text Size:", ""])
def test_parse_date_finds_nothing_where_there_is_no_date(text):
    assert metadata.parse_date(text) is None


def test_ambiguous_zone_is_left_naive_rather_than_guessed():
    assert metadata.parse_date("5 May 2024 10:00 IST").value.tzinfo is None


def test_find_dates_tells_crawl_banner_from_publication_date():
    header = ["Thu, 30 May 2024", "Headline here", "Published on: Saturday, January 20, 2024"]
    dates = metadata.find_dates(header, "Headline here")
    assert dates.published.value == datetime(2024, 1, 20)
    assert dates.retrieved.value == datetime(2024, 5, 30)
    assert dates.modified is None


def test_find_dates_reads_labelled_update():
    header = [
        "Headline",
        "By A Writer",
        "3 March 2025, 10:00 MYT",
        "Updated: 4 March 2025, 09:00 MYT",
    ]
    dates = metadata.find_dates(header, "Headline")
    assert dates.published.value == datetime(2025, 3, 3, 10, tzinfo=timezone(timedelta(hours=8)))
    assert dates.modified.value.day == 4


def test_find_dates_bare_banner_alone_is_the_publication_date():
    dates = metadata.find_dates(["12 May 2025", "Headline"], "Headline")
    assert dates.published.value == datetime(2025, 5, 12)
    assert dates.retrieved is None


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["By Nadia Rahman"], "Nadia Rahman"),
        (["By Tom Ashworth, Local Democracy Reporter"], "Tom Ashworth"),
        (["Reporting by Ana Lima and Rui Costa; Editing by Paul Smith"], "Ana Lima and Rui Costa"),
        (["By Jane Doe (AFP)"], "Jane Doe"),
        (["By AFP"], None),
        (["by Beacon Staff"], None),
        (["By 12 March 2025"], None),
        (["Bystanders fled the scene"], None),
    ],
)
def test_find_byline_keeps_people_only(lines, expected):
    assert metadata.find_byline(lines) == expected


@pytest.mark.parametrize(
    ("paragraph", "place", "agency"),
    [
        ("ISLAMABAD: Pakistan and Iran agreed …", "ISLAMABAD", None),
        ("GENEVA (Reuters) - Talks resumed on Monday.", "GENEVA", "Reuters"),
        ("NAIROBI, March 3 — Kenya's central bank …", "NAIROBI", None),
        ("ZÜRICH – Voters approved …", "ZÜRICH", None),
        ("KUALA LUMPUR: The ringgit rose …", "KUALA LUMPUR", None),
        ("MANAUS (SCH) – The number of fire alerts …", "MANAUS", None),
        ("The minister said on Friday …", None, None),
        ("US: a short label", None, None),
    ],
)
def test_find_dateline(paragraph, place, agency):
    assert metadata.find_dateline(paragraph) == (place, agency)


def test_find_agency_from_body_credit_not_photo_credit():
    body = ["ISLAMABAD: Talks went on.", "“We did not know,” a villager told AFP on Thursday."]
    assert metadata.find_agency(body, ["(AP pic)"], None) == "AFP"


def test_find_agency_from_credit_line():
    assert metadata.find_agency(["Text."], ["By AFP"], None) == "AFP"
    assert metadata.find_agency(["Text."], ["— Reuters"], None) == "Reuters"


def test_find_outlet_prefers_masthead_over_company_and_furniture():
    furniture = [
        "Skip to main content",
        "Northgate Observer",
        "Top Stories",
        "Most Read",
        "Top Stories",
        "Northgate Observer",
        "© 2025 Northgate Media Ltd. All rights reserved.",
    ]
    assert metadata.find_outlet(furniture) == "Northgate Observer"


def test_find_outlet_uses_mixed_case_spelling_of_a_capitals_masthead():
    furniture = ["SOUTHERN CROSS HERALD", "Copyright © 2025 Southern Cross Herald."]
    assert metadata.find_outlet(furniture) == "Southern Cross Herald"


def test_find_outlet_from_seed_style_footer():
    furniture = [
        "* Do you have access to the Daily Express e-paper and online exclusive news?",
        "Top Stories Today",
        "World Top Stories",
        "Follow Us",
        "Daily Express TV",
        "Try 1 month for RM 18.00",
    ]
    assert metadata.find_outlet(furniture) == "Daily Express"


def test_find_outlet_gives_none_when_only_furniture_repeats():
    assert metadata.find_outlet(["Home", "Top Stories", "Follow us", "Top Stories"]) is None


def test_find_outlet_does_not_take_a_photographer_for_the_outlet():
    furniture = ["Northgate Observer", "Sign in"]
    credits = ["Jamie Pryce", "Jamie Pryce"]
    assert metadata.find_outlet(furniture, credits=credits) == "Northgate Observer"


def test_find_section_from_breadcrumb():
    assert metadata.find_section(["Home > World > Asia"]) == "World"
    assert metadata.find_section(["Home"]) is None


def test_guess_language():
    english = [
        "The council said on Friday that the plan was approved by the members of the board."
    ] * 3
    malay = [
        "Kerajaan akan memberi bantuan kepada petani yang terjejas "
        "dan ini telah diumumkan oleh menteri."
    ] * 3
    assert metadata.guess_language(english) == "en"
    assert metadata.guess_language(["Too short."]) is None
    # Malay and Indonesian share their function words: no guess beats a wrong one.
    assert metadata.guess_language(malay) is None
