"""metadata.page_metadata: article metadata read from saved HTML pages (fictional fixtures)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from broadsheet.metadata import PageMeta, page_metadata

PAGES = Path(__file__).parent / "fixtures" / "pages"


def read_page(name: str, url: str | None = None) -> PageMeta:
    return page_metadata((PAGES / name).read_text(encoding="utf-8"), url)


def test_jsonld_graph_gives_every_field():
    meta = read_page("jsonld_graph_author_array.html")
    assert meta.title == "Tidal turbines to light up Port Aven by winter"
    assert meta.site_name == "The Northern Ledger"
    assert meta.section == "Environment"
    assert (
        meta.description == "Three turbines anchored off the harbour wall will feed the town grid."
    )
    assert meta.image == "https://cdn.ledger.example/img/turbines.jpg"
    assert meta.image_caption == "A turbine blade is lowered from a barge at dawn."
    assert meta.image_credit == "Mara Lind/Ledger Pictures"


def test_jsonld_author_array_resolves_graph_references_and_drops_organizations():
    meta = read_page("jsonld_graph_author_array.html")
    assert meta.byline == "Ada Quill, Tomas Bryn"


def test_jsonld_dates_keep_their_offsets():
    meta = read_page("jsonld_graph_author_array.html")
    assert meta.published.value == datetime(
        2024, 3, 5, 9, 30, tzinfo=timezone(timedelta(hours=5, minutes=30))
    )
    assert meta.published.has_time is True
    assert meta.modified.value == datetime(2024, 3, 6, 14, 5, tzinfo=UTC)


def test_paywall_signal_is_read_from_jsonld():
    assert read_page("jsonld_graph_author_array.html").accessible_for_free is False
    assert read_page("og_only.html").accessible_for_free is None


def test_canonical_drops_utm_and_fbclid_but_keeps_real_parameters():
    meta = read_page("jsonld_graph_author_array.html")
    assert meta.canonical == "https://ledger.example/news/2024/03/tidal-turbines-port-aven?page=2"


def test_lang_is_the_primary_subtag_of_html_lang():
    assert read_page("jsonld_graph_author_array.html").lang == "en"
    assert read_page("meta_only.html").lang == "en"


def test_open_graph_only_page():
    meta = read_page("og_only.html", url="https://gazette.example/island/")
    assert meta.title == "Ferry timetable cut as crews fall ill"
    assert meta.site_name == "Harbour Gazette"
    assert meta.description == "Two sailings a day are cancelled until further notice."
    assert meta.section == "Island life"
    assert meta.lang == "fr"  # from og:locale fr_FR
    assert meta.image_caption == "The evening ferry waits at an empty quay."


def test_relative_og_url_and_image_resolve_against_the_page_url():
    meta = read_page("og_only.html", url="https://gazette.example/island/")
    assert meta.canonical == "https://gazette.example/island/ferry-timetable-cut"
    assert meta.image == "https://gazette.example/media/ferry-at-quay.jpg"


def test_relative_urls_without_a_page_url_are_dropped_not_guessed():
    meta = read_page("og_only.html")
    assert meta.canonical is None
    assert meta.image is None


def test_date_only_value_has_no_time():
    published = read_page("og_only.html").published
    assert published.value == datetime(2024, 4, 2)
    assert published.has_time is False


def test_meta_only_page():
    meta = read_page("meta_only.html", url="https://courier.example/")
    assert meta.title == "Orchard growers brace for a late frost"
    assert meta.site_name == "Valley Courier"
    assert meta.byline == "Jane Roe"
    assert meta.canonical == "https://courier.example/farming/orchard-frost"
    assert meta.published.value == datetime(
        2023, 11, 20, 6, 45, tzinfo=timezone(timedelta(hours=-5))
    )
    assert meta.modified.value.day == 21


def test_title_pipe_outlet_suffix_is_removed():
    html = (
        "<html><head><title>Orchard growers brace for a late frost | Valley Courier</title>"
        '<meta property="og:site_name" content="Valley Courier"></head><body></body></html>'
    )
    assert page_metadata(html).title == "Orchard growers brace for a late frost"


def test_headline_with_a_dash_keeps_it_and_loses_only_the_site_name():
    assert read_page("dash_headline.html").title == "Flood barrier opens - a decade late"


@pytest.mark.parametrize(
    "title",
    [
        "Flood barrier opens - a decade late",
        "Mid-term vote count — what the tallies show",
        "Harbour Gazette: the week in pictures",
    ],
)
def test_unknown_suffix_is_never_cut(title):
    html = f"<html><head><title>{title}</title></head><body><p>Text.</p></body></html>"
    assert page_metadata(html).title == title


def test_site_prefix_in_title_is_removed():
    html = (
        "<html><head><title>Valley Courier | Bridge closes for repairs</title>"
        '<meta name="application-name" content="Valley Courier"></head></html>'
    )
    assert page_metadata(html).title == "Bridge closes for repairs"


def test_staff_byline_is_rejected():
    assert read_page("dash_headline.html").byline is None


def test_printed_byline_drops_the_role():
    assert read_page("visible_byline.html").byline == "Jane Roe"


def test_printed_date_and_time_element_are_last_resorts():
    assert read_page("dash_headline.html").published.value == datetime(2024, 3, 3)
    assert read_page("visible_byline.html").published.value == datetime(2022, 9, 14)


def test_figure_caption_and_credit_are_split():
    meta = read_page("visible_byline.html")
    assert meta.image_caption == "Readers return to the main hall on Monday."
    assert meta.image_credit == "Sam Poe"


def test_broken_jsonld_is_ignored_and_other_sources_still_read():
    meta = read_page("broken_jsonld.html")
    assert meta.title == "Bergbahn fährt wieder"
    assert meta.site_name == "Alpenbote"
    assert meta.lang == "de"
    assert meta.byline is None  # the author tag names the outlet, not a person


def test_javascript_og_image_is_refused():
    assert read_page("broken_jsonld.html", url="https://alpen.example/").image is None


def test_repairable_jsonld_is_read():
    html = (
        '<html><head><script type="application/ld+json">{"@type": "NewsArticle",'
        ' "headline": "Night buses return", "author": {"name": "Sam Poe"},}</script>'
        "</head></html>"
    )
    meta = page_metadata(html)
    assert meta.title == "Night buses return"
    assert meta.byline == "Sam Poe"


@pytest.mark.parametrize(
    ("credit", "expected"),
    [
        ("By Jane Roe, Senior Correspondent", "Jane Roe"),
        ("By Jane Roe and Sam Poe", "Jane Roe and Sam Poe"),
        ("Jane Roe | Updated 12 March 2024, 10:15", "Jane Roe"),
        ("Jane Roe March 3, 2024", "Jane Roe"),
        ("By Jane Roe (jane.roe@ledger.example)", "Jane Roe"),
        ("Jane Roe, Associated Press", "Jane Roe"),
        ("Roe, Jane", "Roe, Jane"),
        ("By Staff Reporter", None),
        ("Staff", None),
        ("Associated Press", None),
        ("AFP", None),
        ("By", None),
        ("https://ledger.example/people/jane-roe", None),
        ("12 March 2024", None),
        ("@janeroe", None),
        ("Analysis by Jane Roe", "Jane Roe"),
        ("Jane Roe, Ledger.example", "Jane Roe"),
        ("Jane Roe. Northern Ledger International", "Jane Roe"),
        ("Jane C. Roe", "Jane C. Roe"),
        ("Anna de Vries", "Anna de Vries"),
        ("Reuters, Washington", None),
        ("Jane Roe and CNN Business", "Jane Roe"),
        ("The Russian and Syrian defence ministries", None),
        ("Jane RoeMonday, 4 March 2024", "Jane Roe"),
    ],
)
def test_byline_is_people_only(credit, expected):
    html = f'<html><head><meta name="author" content="{credit}"></head><body></body></html>'
    assert page_metadata(html).byline == expected


def test_byline_equal_to_the_site_name_is_not_a_person():
    html = (
        '<html><head><meta name="author" content="Valley Courier">'
        '<meta property="og:site_name" content="Valley Courier"></head></html>'
    )
    assert page_metadata(html).byline is None


def test_byline_near_the_headline_wins_over_sidebar_author_lists():
    html = (
        "<html><body><aside><div class='author-list'>Follow Sam Poe</div></aside>"
        "<h1>Bridge closes for repairs</h1><span class='author-name'>Jane Roe</span>"
        "<p>The bridge closes on Monday.</p></body></html>"
    )
    assert page_metadata(html).byline == "Jane Roe"


@pytest.mark.parametrize(
    "html",
    [
        "",
        "   ",
        "<<<>>>",
        "\x00\x00",
        "plain text, no markup at all",
        "<html>",
        '<?xml version="1.0" encoding="utf-8"?><html><head><title>X</title></head></html>',
        '<script type="application/ld+json">[1, "two", null, {"@type": 5, "author": 7}]</script>',
        '<script type="application/ld+json">{"@graph": {"@graph": {"@graph": []}}}</script>',
        '<script type="application/ld+json">' + "[" * 5000 + "</script>",
        '<meta property="og:image" content="java\tscript:alert(1)"><link rel="canonical">',
        '<meta name="author"><meta name="date" content="2024-99-99"><time datetime="nope">',
        "<div>" * 3000 + "deep" + "</div>" * 3000,
    ],
)
def test_malformed_pages_never_raise(html):
    meta = page_metadata(html, url="not a url")
    assert isinstance(meta, PageMeta)


def test_empty_page_gives_all_none():
    assert page_metadata("") == PageMeta()


def test_credit_followed_by_the_outlet_name_keeps_the_person():
    html = (
        '<html><head><meta property="og:site_name" content="Valley Courier"></head><body>'
        "<h1>Bridge closes</h1><div class='byline'>Jane Roe Valley Courier</div></body></html>"
    )
    assert page_metadata(html).byline == "Jane Roe"


def test_comment_form_labels_are_not_bylines():
    html = (
        "<html><body><h1>Bridge closes</h1><p>The bridge closes on Monday.</p>"
        "<form class='reply'><label class='author-label'>Your Name (required)</label>"
        "<input name='author'></form>"
        "<ol class='comments'><li><span class='comment-author'>Sam Poe</span></li></ol>"
        "</body></html>"
    )
    assert page_metadata(html).byline is None


def test_section_prefix_is_not_part_of_the_headline():
    html = (
        '<html><head><meta property="og:title" content="Opinion | The bridge we deserve">'
        '<meta property="article:section" content="Opinion"></head></html>'
    )
    assert page_metadata(html).title == "The bridge we deserve"


def test_headline_in_application_name_is_not_taken_for_the_site_name():
    html = (
        '<html><head><meta property="og:title" content="Bridge closes for repairs">'
        '<meta name="application-name" content="Bridge closes for repairs">'
        '<meta property="og:site_name" content="Valley Courier"></head></html>'
    )
    meta = page_metadata(html)
    assert meta.title == "Bridge closes for repairs"
    assert meta.site_name == "Valley Courier"


def test_wikipedia_style_headline_field_is_checked_against_the_page_title():
    html = (
        "<html><head><title>Port Aven - Town Encyclopedia</title>"
        '<script type="application/ld+json">{"@type": "Article", "name": "Port Aven",'
        ' "headline": "harbour town on the north coast"}</script></head>'
        "<body><h1>Port Aven</h1></body></html>"
    )
    assert page_metadata(html).title == "Port Aven"


def test_personal_site_named_after_its_author_keeps_the_byline():
    html = (
        '<html><head><meta name="author" content="Jane Roe">'
        '<link rel="canonical" href="https://janeroe.example/notes/frost">'
        "<title>Notes on frost - Jane Roe</title></head><body><h1>Notes on frost</h1></body></html>"
    )
    meta = page_metadata(html)
    assert meta.byline == "Jane Roe"
    assert meta.title == "Notes on frost"


def test_domain_name_suffix_is_removed_from_the_title():
    html = "<html><head><title>Bridge closes for repairs | VALLEYCOURIER</title></head></html>"
    meta = page_metadata(html, url="https://www.valleycourier.example/news/bridge")
    assert meta.title == "Bridge closes for repairs"
