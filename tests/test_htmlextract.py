"""HTML page -> article blocks, asserted as a reader of the imported article would see it.

The pages in tests/fixtures/html/ are fictional, written for these tests.
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import pytest

from broadsheet.errors import CleanError
from broadsheet.htmlextract import ExtractedPage, extract_page
from broadsheet.sources import Outlet

FIXTURES = Path(__file__).parent / "fixtures" / "html"
FERRY_URL = "https://courier.example/local/2031/night-ferry-returns"
HALVIK_URL = "https://northline.example/2031/11/halvik-strike-ends/"


def read(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def all_text(page: ExtractedPage) -> str:
    return (
        "\n".join(b.text for b in page.blocks)
        + "\n"
        + "\n".join(b.credit or "" for b in page.blocks)
    )


def starts(page: ExtractedPage, kind: str) -> list[str]:
    return [b.text[:32] for b in page.blocks if b.kind == kind]


@pytest.fixture(scope="module")
def ferry() -> ExtractedPage:
    return extract_page(read("news_article_with_furniture.html"), FERRY_URL)


@pytest.fixture(scope="module")
def halvik() -> ExtractedPage:
    return extract_page(read("wire_story_wordpress.html"), HALVIK_URL)


# --- the article's own words, in order -------------------------------------------------


def test_every_paragraph_of_the_article_in_order(ferry) -> None:
    assert starts(ferry, "paragraph") == [
        "PORT MAREN — The night ferry bet",
        "The board’s chair, Oskar Brandt,",
        "Islanders had campaigned for the",
        "Tickets on the 23:40 and 01:15 s",
        "The timetable published on Thurs",
        "Not everyone welcomed the announ",
        "The board said in a written repl",
        "Crew recruitment has already beg",
    ]


def test_words_quotes_and_dashes_kept_exactly(ferry) -> None:
    text = all_text(ferry)
    assert "PORT MAREN — The night ferry between Port Maren and Kessel Island" in text
    assert "five nights a week “for at least the next three seasons”, with a review" in text
    assert "A petition signed by 2,400 residents — nearly half the island — was handed" in text
    assert "  " not in text


def test_headline_is_the_title_not_a_body_block(ferry, halvik) -> None:
    assert ferry.title == "Night ferry to Kessel Island returns after two-year pause"
    assert ferry.title not in [b.text for b in ferry.blocks]
    assert halvik.title == "Dockworkers at Halvik vote to end three-week strike"


def test_subheading_list_and_quote_keep_their_kinds(ferry) -> None:
    assert [b.text for b in ferry.blocks if b.kind == "heading"] == [
        "A cheaper fare for night-shift workers"
    ]
    assert [b.text for b in ferry.blocks if b.kind == "list_item"] == [
        "Departures from Port Maren at 23:40, Sunday to Thursday",
        "Return sailings from Kessel pier at 01:15",
        "Bicycles carried free of charge on every night crossing",
    ]
    assert [b.text for b in ferry.blocks if b.kind == "quote"] == [
        "“We are not against the ferry. We are against being woken at one in the morning "
        "by a diesel engine idling under our windows.”"
    ]
    texts = [b.text for b in ferry.blocks]
    # The list follows the line announcing it; the quote follows the complaint it answers.
    first_item = texts.index("Departures from Port Maren at 23:40, Sunday to Thursday")
    assert texts[first_item - 1] == "The timetable published on Thursday sets out the details:"
    quote = [b.kind for b in ferry.blocks].index("quote")
    assert texts[quote - 1].startswith("Not everyone welcomed the announcement.")


# --- furniture ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "furniture",
    [
        "Follow us on Instagram",
        "WhatsApp",
        "newsletter",
        "Sign up",
        "Read more",
        "Every change to the spring ferry timetable",
        "Related stories",
        "Kessel school bus route",
        "Fish plants add a second night shift",
        "Advertisement",
        "cookies",
        "Facebook",
        "Most read",
        "Harbour crane toppled",
        "All rights reserved",
        "Privacy policy",
        "By Ilse Varga",
        "Published: March 14",
        "Subscribe",
    ],
)
def test_site_furniture_is_gone(ferry, furniture) -> None:
    assert furniture.lower() not in all_text(ferry).lower()


@pytest.mark.parametrize(
    "furniture",
    [
        "Text Size",
        "Related:",
        "Halvik strike enters third week",
        "Share this",
        "Tags:",
        "Previous article",
        "About time they settled this",
        "2 comments",
        "Image credit",
        "Log in",
    ],
)
def test_wordpress_furniture_and_comments_are_gone(halvik, furniture) -> None:
    assert furniture.lower() not in all_text(halvik).lower()


# --- links -------------------------------------------------------------------------------


def test_relative_links_become_absolute_markdown(ferry) -> None:
    block = next(b for b in ferry.blocks if b.text.startswith("The board’s chair"))
    assert block.markdown is not None
    assert (
        "[renovated harbour hall](https://courier.example/local/2031/harbour-hall-renovation)"
        in block.markdown
    )
    # The plain text is the same words without the markup.
    assert "at the renovated harbour hall that the service" in block.text


def test_javascript_link_keeps_its_text_but_not_the_link(ferry) -> None:
    block = next(b for b in ferry.blocks if b.text.startswith("The board said"))
    assert "Details of the consultation are on the consultation page, and" in block.text
    assert "on the consultation page, and the full report" in block.markdown
    assert "javascript" not in block.markdown.lower()
    assert (
        "[harbour board’s website](https://harbour-board.example/reports/2031-night-ferry.pdf)"
        in (block.markdown)
    )


def test_blocks_without_links_have_no_markdown(ferry) -> None:
    block = next(b for b in ferry.blocks if b.text.startswith("Islanders had campaigned"))
    assert block.markdown is None


def test_links_in_the_body_lose_tracking_parameters_but_keep_their_section() -> None:
    html = (
        "<html><head><title>Harbour hall reopens</title></head><body><article>"
        "<h1>Harbour hall reopens</h1>"
        "<p>The hall, closed since the storm of last winter, reopened on Saturday with a "
        "concert, and the trust published <a href='/news/hall-report?utm_source=article"
        "&amp;utm_medium=web&amp;page=2#costs'>its full report on the repairs</a> for "
        "anyone who wants to see where the money went. The repairs cost more than twice "
        "the first estimate, the trust said, because the roof timbers had to be replaced "
        "and the old boiler failed its inspection in the spring.</p>"
        "<p>Volunteers painted the foyer and rebuilt the stage, and the trust thanked the "
        "families who had lent chairs for the opening night while the new seats were on "
        "their way from the workshop across the bay.</p>"
        "</article></body></html>"
    )
    page = extract_page(html, "https://courier.example/news/hall-reopens")
    block = next(b for b in page.blocks if b.text.startswith("The hall"))
    assert "(https://courier.example/news/hall-report?page=2#costs)" in block.markdown


def test_without_a_page_url_relative_links_are_dropped_but_words_kept() -> None:
    page = extract_page(read("news_article_with_furniture.html"))
    block = next(b for b in page.blocks if b.text.startswith("The board’s chair"))
    assert "at the renovated harbour hall that" in block.text
    assert block.markdown is None or "](" not in block.markdown
    figure = next((b for b in page.blocks if b.kind == "figure"), None)
    assert figure is None  # its src is relative: no safe URL without the page's address


# --- figures -----------------------------------------------------------------------------


def test_lead_figure_with_caption_and_credit(ferry) -> None:
    figures = [b for b in ferry.blocks if b.kind == "figure"]
    assert len(figures) == 1
    figure = figures[0]
    assert ferry.blocks[0] is figure
    assert figure.src == "https://courier.example/media/2031/03/kessel-ferry.jpg"
    assert figure.text == "The ferry Marta Lind moored at the Port Maren quay on Thursday evening."
    assert figure.credit == "Anders Holm"
    # The caption is the figure's, not a paragraph; the site logo is no figure.
    assert not any(b.kind != "figure" and "Marta Lind moored" in b.text for b in ferry.blocks)


def test_agency_credit_split_from_caption_and_stray_credit_line_joins_its_image(halvik) -> None:
    figures = [b for b in halvik.blocks if b.kind == "figure"]
    assert [(f.src.rsplit("/", 1)[-1], f.text, f.credit) for f in figures] == [
        (
            "halvik-docks.jpg",
            "Dockworkers leave the union hall in Halvik after the vote on Sunday.",
            "Reuters",
        ),
        ("halvik-queue.jpg", "", "Lena Strand"),
    ]
    kinds = [b.kind for b in halvik.blocks]
    assert kinds[0] == "figure"
    # The second picture sits where the page printed it: after the union secretary's quote.
    before = halvik.blocks[kinds.index("figure", 1) - 1]
    assert before.text.startswith("“Nobody wins a strike this long,”")


def test_text_has_no_captions(halvik) -> None:
    paragraphs = [b.text for b in halvik.blocks if b.kind != "figure"]
    assert not any("union hall in Halvik after the vote" in p for p in paragraphs)
    assert paragraphs[0].startswith("HALVIK: Dockworkers at the port of Halvik voted")


# --- paywalls ----------------------------------------------------------------------------


def test_paywall_prompt_found_and_dropped() -> None:
    page = extract_page(read("paywalled_article.html"), "https://courier.example/local/levy")
    assert page.paywall_prompt is True
    assert starts(page, "paragraph") == [
        "Kessel Island’s council will vot",
        "The proposal, drafted by the cou",
    ]
    assert "continue reading" not in all_text(page).lower()


def test_free_article_has_no_paywall_prompt(ferry, halvik) -> None:
    assert ferry.paywall_prompt is False
    assert halvik.paywall_prompt is False


# --- outlet rules --------------------------------------------------------------------------


def test_outlet_drop_selectors_and_line_patterns() -> None:
    outlet = Outlet(
        key="courier",
        name="The Harbour Courier",
        drop_selectors=("blockquote", "ul"),
        drop_lines=(r"^Crew recruitment",),
    )
    page = extract_page(read("news_article_with_furniture.html"), FERRY_URL, outlet)
    kinds = {b.kind for b in page.blocks}
    assert "quote" not in kinds and "list_item" not in kinds
    assert "Crew recruitment" not in all_text(page)
    assert "Islanders had campaigned" in all_text(page)


def test_outlet_keep_selector_names_the_body() -> None:
    outlet = Outlet(key="courier", name="The Harbour Courier", keep_selectors=("div.story-body",))
    page = extract_page(read("news_article_with_furniture.html"), FERRY_URL, outlet)
    assert starts(page, "paragraph")[0] == "PORT MAREN — The night ferry bet"
    assert starts(page, "paragraph")[-1] == "Crew recruitment has already beg"
    assert [b.kind for b in page.blocks].count("list_item") == 3
    # Outside the kept element: the lead figure; inside it, furniture still goes.
    assert not any(b.kind == "figure" for b in page.blocks)
    assert "Follow us" not in all_text(page) and "newsletter" not in all_text(page).lower()
    link = next(b for b in page.blocks if b.text.startswith("The board’s chair"))
    assert "(https://courier.example/local/2031/harbour-hall-renovation)" in link.markdown


def test_bad_outlet_selector_is_a_clean_error() -> None:
    outlet = Outlet(key="courier", name="The Harbour Courier", keep_selectors=("div[[",))
    with pytest.raises(CleanError, match="selector"):
        extract_page(read("news_article_with_furniture.html"), FERRY_URL, outlet)


# --- pages without an article and broken pages ---------------------------------------------


def test_truncated_page_keeps_what_arrived() -> None:
    page = extract_page(read("truncated_article.html"), FERRY_URL)
    paragraphs = starts(page, "paragraph")
    assert paragraphs[0] == "PORT MAREN — The night ferry bet"
    assert "The board said in a written repl" in paragraphs
    assert "Crew recruitment has already beg" not in paragraphs  # cut off in the file


def test_page_without_an_article_is_a_clean_error() -> None:
    with pytest.raises(CleanError) as error:
        extract_page(read("section_front_no_article.html"), "https://courier.example/local/")
    assert str(error.value) == "no article text found"


@pytest.mark.parametrize(
    "html",
    [
        "",
        "   \n\t ",
        "<html><body></body></html>",
        "<html><head><title>Empty</title></head><body>  </body></html>",
        "<!DOCTYPE html>",
        "\x00\x00\x00",
        "<html><body><nav><a href='/'>Home</a> <a href='/news'>News</a></nav></body></html>",
        "<?xml version='1.0' encoding='utf-8'?><html><body><p></p></body></html>",
    ],
)
def test_empty_pages_are_clean_errors(html) -> None:
    with pytest.raises(CleanError, match="^no article text found$"):
        extract_page(html, "https://example.org/a")


def _hostile_pages() -> list[str]:
    page = read("news_article_with_furniture.html")
    cuts = [page[:n] for n in range(0, len(page), 701)]
    cuts += [page[n:] for n in range(0, len(page), 1303)]
    return cuts + [
        "<div>" * 3000 + "deep" + "</div>" * 3000,
        "<table>" * 500 + "cells",
        "<p>" + "x" * 300_000 + "</p>",
        bytes(range(256)).decode("latin-1") * 20,
        "<a href='http://[broken'>link</a><img src='//[x'><p>text</p>",
        "\ud800<p>lone surrogate</p>",
        page.replace("<", "\x00<"),
        page.replace("</p>", ""),
    ]


@pytest.mark.parametrize("url", [None, FERRY_URL, "not a url", "http://[::1", "javascript:x"])
def test_broken_markup_gives_a_page_or_a_clean_error(url) -> None:
    for html in _hostile_pages():
        try:
            page = extract_page(html, url)
        except CleanError:
            continue
        assert isinstance(page, ExtractedPage)
        assert all(
            b.kind in {"paragraph", "heading", "quote", "list_item", "figure"} for b in page.blocks
        )
        assert all(b.src is None or b.src.startswith(("http://", "https://")) for b in page.blocks)


def test_huge_page_is_read() -> None:
    article = read("news_article_with_furniture.html")
    menu = "".join(f"<li><a href='/section/{i}'>Section {i}</a></li>" for i in range(60_000))
    html = article.replace('<nav class="main-nav"><ul>', '<nav class="main-nav"><ul>' + menu)
    assert len(html) > 2_000_000
    page = extract_page(html, FERRY_URL)
    assert "PORT MAREN — The night ferry bet" in starts(page, "paragraph")
    assert "Section 59999" not in all_text(page)


def test_same_page_same_blocks() -> None:
    html = read("wire_story_wordpress.html")
    assert extract_page(html, HALVIK_URL) == extract_page(html, HALVIK_URL)


def test_deeply_nested_page_is_read_in_linear_time() -> None:
    # Reading every nested level's words again would take tens of seconds here.
    captions = "<div class='caption'>caption " * 250
    html = f"<body>{captions}<img src='/a.jpg'><p>" + "w " * 400_000
    start = time.process_time()
    with contextlib.suppress(CleanError):
        extract_page(html, "https://example.org/a")
    assert time.process_time() - start < 10


@pytest.mark.parametrize(
    "prompt",
    [
        "Follow The Harbour Courier on Instagram and Facebook.",
        "Join the Northline Daily community on WhatsApp for breaking news every morning.",
    ],
)
def test_a_well_formed_follow_prompt_is_still_furniture(prompt) -> None:
    body = "".join(
        f"<p>{sentence} The council met again on Tuesday to weigh the harbour plans in detail.</p>"
        for sentence in ("First.", "Second.", "Third.", "Fourth.")
    )
    page = extract_page(f"<html><body><article>{body}<p>{prompt}</p></article></body></html>")
    texts = [block.text for block in page.blocks]
    assert prompt not in texts
    assert len(texts) == 4
