"""Unit tests for broadsheet.textclean: plain-text scrape -> structured article."""

from __future__ import annotations

from pathlib import Path

import pytest

from broadsheet.textclean import Block, Caption, CleanText, clean_text

SEED = Path(__file__).resolve().parents[1].parent / "shared" / "seed" / "000_1c2efd2ed58ed815.txt"

PARA_1 = (
    "LONDON: The city council voted on Tuesday to expand the network of cycle lanes, "
    "after a year of consultation with residents and businesses."
)
PARA_2 = (
    "The plan, which will cost an estimated 40 million pounds, adds 120 kilometres of "
    "protected lanes over the next five years, officials said."
)
PARA_3 = (
    "Opponents said the money would be better spent on bus services, but the motion "
    "passed with a comfortable majority late in the evening."
)


def page(*body: str, head: tuple[str, ...] = (), tail: tuple[str, ...] = ()) -> str:
    """A scrape: menu, headline, the given body lines, then a footer."""
    menu = ("Home", "News", "Sport", "Business", "Opinion", "Lifestyle")
    footer = ("About us", "Contact", "Privacy Policy", "© 2024 Example Media. All rights reserved.")
    title = ("City expands cycle lanes",)
    return "\n\n".join((*menu, *head, *title, *body, *tail, *footer))


def texts(result: CleanText) -> list[str]:
    return [b.text for b in result.blocks]


def test_empty_input_gives_no_blocks() -> None:
    result = clean_text("")
    assert result.blocks == ()
    assert result.title is None
    assert clean_text("   \n\n  \n").blocks == ()


def test_menu_and_footer_are_not_body() -> None:
    result = clean_text(page(PARA_1, PARA_2, PARA_3))
    assert texts(result) == [PARA_1, PARA_2, PARA_3]
    assert "Home" in result.header
    assert "Privacy Policy" in result.trailer


def test_dateline_is_kept_as_printed() -> None:
    result = clean_text(page(PARA_1, PARA_2, PARA_3))
    assert result.blocks[0].text.startswith("LONDON: The city council")


def test_a_reading_time_line_under_the_date_is_not_the_title() -> None:
    scrape = "\n\n".join(
        ["City expands cycle lanes", "12 March 2025", "Reading time: 4 minutes", PARA_1, PARA_2]
    )
    result = clean_text(scrape)
    assert result.title == "City expands cycle lanes"
    assert all("Reading time" not in text for text in texts(result))


def test_title_is_found_and_not_body() -> None:
    result = clean_text(page(PARA_1, PARA_2, PARA_3))
    assert result.title == "City expands cycle lanes"
    assert "City expands cycle lanes" not in texts(result)


@pytest.mark.parametrize(
    "furniture",
    [
        "Advertisement",
        "Share this article",
        "Follow us on Twitter",
        "Subscribe to our newsletter",
        "Read more: Council approves new bus routes",
        "Also read: Cyclists welcome the plan",
        "Related: Ten years of city cycling",
        "READ MORE:",
        "We use cookies to improve your experience on our website.",
        "Sign up for our daily briefing",
        "Text Size:",
        "Already a subscriber? Login here",
        "Reading time: 4 minutes",
        "5 min read",
    ],
)
def test_furniture_inside_the_body_is_dropped(furniture: str) -> None:
    result = clean_text(page(PARA_1, furniture, PARA_2, PARA_3))
    assert texts(result) == [PARA_1, PARA_2, PARA_3]


@pytest.mark.parametrize(
    "line",
    [
        "By Jane Doe",
        "Published on: Saturday, January 20, 2024",
        "Updated: 20 Jan 2024, 10:15 am",
        "Reporting by John Smith; Editing by Mary Jones",
    ],
)
def test_bylines_and_date_lines_are_not_blocks(line: str) -> None:
    result = clean_text(page(PARA_1, PARA_2, line, PARA_3))
    assert line not in texts(result)
    assert texts(result) == [PARA_1, PARA_2, PARA_3]


def test_in_body_subheading_is_a_heading() -> None:
    result = clean_text(page(PARA_1, "Opposition voices", PARA_2, PARA_3))
    assert result.blocks[1] == Block("heading", "Opposition voices")
    assert all(b.kind == "paragraph" for i, b in enumerate(result.blocks) if i != 1)


def test_list_items_lose_their_marker() -> None:
    result = clean_text(
        page(
            PARA_1, "- new lanes on six main roads", "• a 20 mph limit near schools", PARA_2, PARA_3
        )
    )
    assert Block("list_item", "new lanes on six main roads") in result.blocks
    assert Block("list_item", "a 20 mph limit near schools") in result.blocks


@pytest.mark.parametrize(
    ("line", "caption", "credit"),
    [
        (
            "Cyclists ride along the river path in central London. (AP pic)",
            "Cyclists ride along the river path in central London.",
            "AP",
        ),
        (
            "Cyclists ride along the river path in central London. (Reuters photo)",
            "Cyclists ride along the river path in central London.",
            "Reuters",
        ),
        (
            "Cyclists ride along the river path in central London. — AFP photo",
            "Cyclists ride along the river path in central London.",
            "AFP",
        ),
        (
            "Cyclists ride along the river path in central London. Photo: Bernama",
            "Cyclists ride along the river path in central London.",
            "Bernama",
        ),
        (
            "Cyclists ride along the river path in central London (Image: GETTY)",
            "Cyclists ride along the river path in central London",
            "GETTY",
        ),
    ],
)
def test_captions_are_split_from_their_credit(line: str, caption: str, credit: str) -> None:
    result = clean_text(page(PARA_1, line, PARA_2, PARA_3))
    assert result.captions == (Caption(caption, credit),)
    assert texts(result) == [PARA_1, PARA_2, PARA_3]


def test_wire_dateline_is_not_a_caption() -> None:
    first = "WASHINGTON (AP) — The Senate passed the spending bill on Friday after a long debate."
    result = clean_text(page(first, PARA_2, PARA_3))
    assert result.captions == ()
    assert texts(result)[0] == first


@pytest.mark.parametrize(
    "paragraphs",
    [
        (
            "BERLIN: Der Stadtrat hat am Dienstag beschlossen, das Netz der Radwege deutlich "
            "auszubauen, nach einem Jahr der Beratung mit Anwohnern.",
            "Der Plan kostet nach Schätzungen rund 40 Millionen Euro und soll in den nächsten "
            "fünf Jahren umgesetzt werden, sagten Beamte.",
        ),
        (
            "MOSKAU: Городской совет во вторник проголосовал за расширение сети велосипедных "
            "дорожек после года консультаций с жителями.",
            "План, стоимость которого оценивается в 40 миллионов, добавит 120 километров "
            "защищённых дорожек в течение пяти лет.",
        ),
        (
            "東京都議会は火曜日、自転車専用レーンのネットワークを拡大する計画を可決した。住民や企業との一年間の協議を経た決定である。",
            "計画の費用は約四十億円と見込まれ、今後五年間で百二十キロの専用レーンが整備される予定だと当局者は述べた。",
        ),
    ],
)
def test_non_english_paragraphs_are_kept(paragraphs: tuple[str, str]) -> None:
    result = clean_text(page(*paragraphs))
    assert texts(result) == list(paragraphs)


def test_comment_section_after_the_article_is_dropped() -> None:
    comments = (
        "12 Comments",
        "jsmith",
        "2 days ago",
        "I think this is a terrible idea and the council should be ashamed of itself for this.",
        "cyclefan",
        "3 days ago",
        "Finally some good news for those of us who ride to work every single day of the year.",
    )
    result = clean_text(page(PARA_1, PARA_2, PARA_3, tail=comments))
    assert texts(result) == [PARA_1, PARA_2, PARA_3]
    assert "12 Comments" in result.trailer


def test_drop_patterns_remove_outlet_lines() -> None:
    odd = "Ring our newsroom on 0800 123 456 with your story tips, day or night, every day."
    result = clean_text(page(PARA_1, odd, PARA_2, PARA_3), drop_patterns=[r"^Ring our newsroom"])
    assert odd not in texts(result)
    assert texts(clean_text(page(PARA_1, odd, PARA_2, PARA_3))) == [PARA_1, odd, PARA_2, PARA_3]


def test_header_holds_every_line_before_the_body() -> None:
    result = clean_text(page(PARA_1, PARA_2, PARA_3, head=("By Jane Doe", "20 January 2024")))
    assert result.header[-3:] == ("By Jane Doe", "20 January 2024", "City expands cycle lanes")


TEASER = (
    "Ferry operator adds a night crossing to the islands, saying demand has doubled "
    "since the bridge closed for repairs in the spring."
)


def test_teaser_printed_twice_on_the_page_is_not_body() -> None:
    box = ("Latest", TEASER, "Bus fares to rise in March")
    body = (PARA_1, PARA_2, PARA_3, PARA_2.replace("plan", "scheme"), PARA_3.replace("bus", "rail"))
    result = clean_text(page(*body, head=box, tail=box))
    assert texts(result) == list(body)


def test_article_printed_twice_is_still_found() -> None:
    body = (PARA_1, PARA_2, PARA_3)
    result = clean_text(page(*body, tail=("Home", *body)))
    assert texts(result)[:3] == [PARA_1, PARA_2, PARA_3]


@pytest.mark.parametrize(
    "label",
    [
        "Leia também",
        "Artículos relacionados",
        "Mehr zum Thema",
        "Baca juga",
        "関連記事",
        "人気記事",
    ],
)
def test_related_box_label_in_any_language_ends_the_article(label: str) -> None:
    teasers = (
        "Ferry operator adds a night crossing to the islands after demand doubles this year.",
        "Bus fares rise in March as the operator blames fuel costs and the new wage deal.",
    )
    result = clean_text(page(PARA_1, PARA_2, PARA_3, tail=(label, *teasers)))
    assert texts(result) == [PARA_1, PARA_2, PARA_3]


def test_unpunctuated_headlines_in_a_spaceless_script_are_not_body() -> None:
    body = (
        "東京都議会は火曜日、自転車専用レーンのネットワークを拡大する計画を可決した。住民や企業との一年間の協議を経た決定である。",
        "計画の費用は約四十億円と見込まれ、今後五年間で百二十キロの専用レーンが整備される予定だと当局者は述べた。",
    )
    headlines = (
        "大阪市でも自転車専用レーンの整備計画が発表され市民の間で議論が広がる",
        "新しい地下鉄路線の開業日が正式に決定し沿線の再開発が本格的に始まる",
        "都内の主要道路で来月から交通規制が始まり通勤客への影響が懸念される",
    )
    result = clean_text(page(*body, tail=headlines))
    assert texts(result) == list(body)


def test_comment_moderation_notice_ends_the_article() -> None:
    notice = (
        "ATENÇÃO: Comentários com textos ofensivos ou que faltem com respeito ao usuário "
        "não serão aprovados pelo moderador."
    )
    after = (
        "Ferry operator adds a night crossing to the islands, saying demand has doubled.",
        "Bus fares rise in March as the operator blames fuel costs and the new wage deal.",
        "Council opens a consultation on parking charges in the town centre next month.",
    )
    result = clean_text(page(PARA_1, PARA_2, tail=(notice, *after)))
    assert texts(result) == [PARA_1, PARA_2]
    assert notice in result.trailer


def test_table_announced_by_a_colon_line_is_body() -> None:
    intro = "The final standings of the season after all thirty-six races were as follows:"
    rows = "\n".join(
        f"{n} Driver Number{n} {5000 - n * 10} {n % 3} 0 {n} {n + 4}" for n in range(1, 21)
    )
    result = clean_text(page(PARA_1, intro, tail=(rows, PARA_3)))
    assert texts(result)[:2] == [PARA_1, intro]
    assert "1 Driver Number1 4990 1 0 1 5" in texts(result)
    assert "20 Driver Number20 4800 2 0 20 24" in texts(result)


# --- the seed ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed() -> CleanText:
    if not SEED.is_file():
        pytest.skip(f"seed scrape missing: {SEED} (expected at ../shared/seed)")
    return clean_text(SEED.read_text(encoding="utf-8"))


def test_seed_title(seed: CleanText) -> None:
    assert seed.title == "Pakistan, Iran agree to ‘de-escalate’ tensions"


def test_seed_caption(seed: CleanText) -> None:
    assert seed.captions == (
        Caption(
            "A collective death toll of 11, mostly women and children, was reported from both "
            "sides of the border during the airstrikes.",
            "AP",
        ),
    )


def test_seed_body_is_every_paragraph_in_order(seed: CleanText) -> None:
    raw = SEED.read_text(encoding="utf-8").splitlines()
    start = next(i for i, s in enumerate(raw) if s.startswith("ISLAMABAD: Pakistan and Iran"))
    end = next(i for i, s in enumerate(raw) if s.endswith("return to power there in 2021."))
    expected = [s.strip() for s in raw[start : end + 1] if s.strip()]
    assert [b.text for b in seed.blocks] == expected
    assert seed.blocks[0].text.startswith("ISLAMABAD: Pakistan and Iran “agreed to de-escalate”")
    assert seed.blocks[-1].text.endswith("the Taliban’s return to power there in 2021.")
    headings = [b.text for b in seed.blocks if b.kind == "heading"]
    assert headings == ["Border closure fears"]
    assert all(b.kind in ("paragraph", "heading") for b in seed.blocks)


@pytest.mark.parametrize(
    "furniture",
    [
        "Text Size",
        "Published on",
        "Thu, 30 May 2024",
        "Follow us",
        "subscription",
        "subscriber",
        "RM 18.00",
        "Top Stories",
        "Daily Express TV",
    ],
)
def test_seed_furniture_is_not_body(seed: CleanText, furniture: str) -> None:
    body = "\n".join(b.text for b in seed.blocks)
    assert furniture not in body
    assert seed.title not in [b.text for b in seed.blocks]


def test_seed_header_and_trailer(seed: CleanText) -> None:
    assert "Published on: Saturday, January 20, 2024" in seed.header
    assert seed.header[0] == "Thu, 30 May 2024"
    assert seed.trailer[-1] == "Already a subscriber? Login here"
