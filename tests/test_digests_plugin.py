"""plugins/digests: issue pages, the archive, the home page's lead issue and "Featured in",
from real builds.

A tiny fictional site: a night ferry back on the Kessel Island run, shift workers who
say its timetable fails them, tea prices at the Lowmoor auction, Harrowgate's bins, a
draft story about harbour dredging and a library opening on Sundays. Two published
issues (March 2025 and January 2026) and a draft one (January 2026, after the second).
"""

from __future__ import annotations

import importlib
import posixpath
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner
from conftest import ROOT, build_pelican_site, write_content

import tasks

FERRY = """\
Title: Night ferry to Kessel Island returns after two-year pause
Date: 2025-03-10T06:00:00+00:00
Slug: night-ferry-to-kessel-island-returns
Category: Transport
Tags: Ferries, Kessel Island
Autotag: off
Source: Kessel Courier
Source_url: https://courier.example/2025/03/night-ferry-returns
Summary: The first overnight crossing in two years left Port Ardy at midnight.

The first overnight crossing to Kessel Island in two years left Port Ardy at
midnight on Sunday, with forty passengers and a lorry of post on board.
"""

SHIFT = """\
Title: Shift workers say the night ferry timetable fails them
Date: 2025-03-12
Slug: shift-workers-say-night-ferry-timetable-fails-them
Category: Transport
Tags: Ferries
Autotag: off
Source: Island Wire
Source_url: https://islandwire.example/night-ferry-timetable
Summary: Hospital staff on Kessel Island still cannot get home at weekends.

Hospital staff on Kessel Island say the new night ferry still leaves them stranded
on Saturdays and Sundays, when it does not run.
"""

TEA = """\
Title: Tea prices slide at the Lowmoor auction as buyers hold back
Date: 2025-03-11
Slug: tea-prices-slide-at-lowmoor-auction
Category: Business
Tags: Tea
Autotag: off
Source: Trade Ledger
Summary: Buyers held back for a fourth week.

Prices at the Lowmoor tea auction fell for a fourth week as buyers held back.
"""

BINS = """\
Title: Harrowgate bin collections move to every other week
Date: 2026-01-05
Slug: harrowgate-bins-every-other-week
Category: Council
Tags: Waste
Autotag: off
Source: Harrowgate Herald
Source_url: https://herald.example/2026/01/bins
Summary: Grey bins will be emptied fortnightly from March.

Grey bins in Harrowgate will be emptied every other week from March, the council
decided on Monday.
"""

LIBRARY = """\
Title: Lowmoor library opens on Sundays
Date: 2026-01-15
Slug: lowmoor-library-opens-on-sundays
Category: Culture
Autotag: off
Source: Lowmoor Gazette

Lowmoor library will open from noon to five on Sundays from February.
"""

DREDGING = """\
Title: Harbour dredging plan delayed
Date: 2026-01-07
Slug: harbour-dredging-plan-delayed
Status: draft
Autotag: off

The Port Ardy harbour dredging plan will not start before the summer.
"""

MARCH = """\
Title: Ferries and tea
Date: 2025-03-14
Summary: The night ferry is back, and tea got cheaper.
Status: published

The night ferry is **back**, and the people it was meant for are
[not happy](https://islandwire.example/letters).

## Transport

- night-ferry-to-kessel-island-returns
  The first overnight crossing in two years. Shift workers say the timetable
  still *strands them* at weekends.
- {filename}articles/2025/03/shift-workers-say-night-ferry-timetable-fails-them.md
  <!-- why it matters -->

## Trade

- tea-prices-slide-at-lowmoor-auction
  Buyers held back for a fourth week.
"""

# No Summary: the home page shows the introduction. The bins note is hostile.
JANUARY = """\
Title: Bins and boats
Date: 2026-01-09
Status: published

A quieter week in *Harrowgate*.

## Council

- harrowgate-bins-every-other-week
  Councillors voted 7 to 2. <script>alert("note")</script><img src=x onerror=alert(1)>
  [Read the minutes](javascript:alert(1)) or [the council's page](https://council.example/bins).

## Transport

- night-ferry-to-kessel-island-returns
  Still running, two months on.
"""

DRAFT = """\
Title: Library Sundays
Date: 2026-01-16
Summary: Sunday opening, at last.
Status: draft

## Culture

- lowmoor-library-opens-on-sundays
  <!-- why it matters -->
"""

MARCH_FILE = "digests/2025-03-14-ferries-and-tea.md"
SITE = {
    "articles/2025/03/night-ferry-to-kessel-island-returns.md": FERRY,
    "articles/2025/03/shift-workers-say-night-ferry-timetable-fails-them.md": SHIFT,
    "articles/2025/03/tea-prices-slide-at-lowmoor-auction.md": TEA,
    "articles/2026/01/harrowgate-bins-every-other-week.md": BINS,
    "articles/2026/01/lowmoor-library-opens-on-sundays.md": LIBRARY,
    "articles/2026/01/harbour-dredging-plan-delayed.md": DREDGING,
    MARCH_FILE: MARCH,
    "digests/2026-01-09-bins-and-boats.md": JANUARY,
    "digests/2026-01-16-library-sundays.md": DRAFT,
}

FERRY_PAGE = "2025/03/night-ferry-to-kessel-island-returns.html"
SHIFT_PAGE = "2025/03/shift-workers-say-night-ferry-timetable-fails-them.html"
TEA_PAGE = "2025/03/tea-prices-slide-at-lowmoor-auction.html"
BINS_PAGE = "2026/01/harrowgate-bins-every-other-week.html"
LIBRARY_PAGE = "2026/01/lowmoor-library-opens-on-sundays.html"
MARCH_PAGE = "digests/2025/03/ferries-and-tea.html"
JANUARY_PAGE = "digests/2026/01/bins-and-boats.html"
DRAFT_PAGE = "digests/2026/01/library-sundays.html"
ARCHIVE_PAGE = "digests/index.html"
WITHOUT_PLUGIN = ["feeds", "safe_html", "redirects", "autotag", "related_stories"]


@pytest.fixture(scope="module")
def preview(tmp_path_factory) -> Path:
    """The site built with pelicanconf.py's settings: drafts on, relative URLs."""
    tmp_path = tmp_path_factory.mktemp("digests-preview")
    write_content(tmp_path / "content", SITE)
    return build_pelican_site(tmp_path / "content", tmp_path / "output")


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> tuple[Path, str]:
    """The same site built as `tasks.py build --publish` builds it, and its SITEURL."""
    tmp_path = tmp_path_factory.mktemp("digests-publish")
    content, output = tmp_path / "content", tmp_path / "public"
    write_content(content, SITE)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BROADSHEET_SITEURL", "https://news.example")
        result = CliRunner().invoke(
            tasks.cli,
            ["build", "--publish", "--content-dir", str(content), "--output", str(output)],
        )
    assert result.exit_code == 0, result.output
    return output, "https://news.example"


def read_page(output: Path, page: str) -> BeautifulSoup:
    return BeautifulSoup((output / page).read_text(encoding="utf-8"), "lxml")


def target(page: str, href: str, site_url: str = "") -> str:
    """The output path a link on `page` leads to (relative, or absolute under site_url)."""
    if site_url and href.startswith(site_url + "/"):
        return href[len(site_url) + 1 :]
    assert "://" not in href, href
    return posixpath.normpath(posixpath.join(posixpath.dirname(page), href))


def story_cards(output: Path, page: str) -> dict[str, list[dict]]:
    """What each section of an issue page shows, story by story."""
    soup = read_page(output, page)
    shown = {}
    for section in soup.select("main .digest-section"):
        cards = []
        for card in section.select(".digest-story"):
            original = card.find("a", class_="original")
            note = card.find(class_="curator-note")
            cards.append(
                {
                    "title": card.h3.get_text(strip=True),
                    "page": target(page, card.h3.a["href"]),
                    "source": card.find(class_="source").get_text(strip=True),
                    "original": original["href"] if original else None,
                    "datetime": card.time["datetime"],
                    "date": card.time.get_text(strip=True),
                    "summary": card.find(class_="story-card-summary").get_text(strip=True),
                    "tags": [a.get_text(strip=True) for a in card.select(".tag-list a")],
                    "note": note.decode_contents().split("</p>", 1)[1].strip() if note else None,
                }
            )
        shown[section.h2.get_text(strip=True)] = cards
    return shown


def test_an_issue_page_shows_each_section_s_story_cards(preview):
    cards = story_cards(preview, MARCH_PAGE)
    assert list(cards) == ["Transport", "Trade"]
    assert cards["Transport"] == [
        {
            "title": "Night ferry to Kessel Island returns after two-year pause",
            "page": FERRY_PAGE,
            "source": "Kessel Courier",
            "original": "https://courier.example/2025/03/night-ferry-returns",
            "datetime": "2025-03-10T06:00:00+00:00",
            "date": "10 March 2025",
            "summary": "The first overnight crossing in two years left Port Ardy at midnight.",
            "tags": ["Ferries", "Kessel Island"],
            "note": "<p>The first overnight crossing in two years. Shift workers say the "
            "timetable\nstill <em>strands them</em> at weekends.</p>",
        },
        {  # named by {filename}; its note is the empty placeholder: no note shown
            "title": "Shift workers say the night ferry timetable fails them",
            "page": SHIFT_PAGE,
            "source": "Island Wire",
            "original": "https://islandwire.example/night-ferry-timetable",
            "datetime": "2025-03-12T00:00:00+00:00",
            "date": "12 March 2025",
            "summary": "Hospital staff on Kessel Island still cannot get home at weekends.",
            "tags": ["Ferries"],
            "note": None,
        },
    ]
    [tea] = cards["Trade"]
    assert tea["page"] == TEA_PAGE and tea["source"] == "Trade Ledger"
    assert tea["original"] is None  # no Source_url: no link to an original
    assert tea["note"] == "<p>Buyers held back for a fourth week.</p>"
    for section in cards.values():
        for card in section:
            assert (preview / card["page"]).is_file()
    soup = read_page(preview, MARCH_PAGE)
    original = soup.find("a", class_="original")
    assert set(original["rel"]) >= {"nofollow", "noopener"}
    tag = soup.select_one(".digest-story .tag-list a")
    assert target(MARCH_PAGE, tag["href"]) == "tag/ferries.html"


def test_an_issue_page_has_its_title_date_summary_and_rendered_introduction(preview):
    soup = read_page(preview, MARCH_PAGE)
    assert [h1.get_text(strip=True) for h1 in soup.find_all("h1")] == ["Ferries and tea"]
    assert soup.title.get_text() == "Ferries and tea · Broadsheet"
    header = soup.find(class_="digest-header")
    assert header.time["datetime"] == "2025-03-14T00:00:00+00:00"
    assert header.time.get_text() == "14 March 2025"
    assert "3 stories" in header.get_text()
    summary = "The night ferry is back, and tea got cheaper."
    assert header.find(class_="digest-summary").get_text() == summary
    assert soup.find("meta", attrs={"name": "description"})["content"] == summary
    intro = soup.find(class_="digest-intro")
    assert intro.strong.get_text() == "back"
    link = intro.find("a")
    assert link["href"] == "https://islandwire.example/letters"
    assert link.get_text() == "not happy"
    assert set(link["rel"]) == {"nofollow", "noopener"}  # outbound, as in article bodies
    assert soup.find(class_="draft-banner") is None
    assert soup.find("meta", attrs={"name": "robots"}) is None


def issue_links(output: Path, page: str, site_url: str = "") -> dict[str, tuple[str, str]]:
    """The previous/next links of an issue page: rel -> (target page, text)."""
    nav = read_page(output, page).find("nav", class_="digest-nav")
    return {
        a["rel"][0]: (target(page, a["href"], site_url), a.get_text(strip=True))
        for a in nav.find_all("a", rel=True)
    }


def test_issues_link_the_previous_and_next_published_issue(preview):
    assert issue_links(preview, MARCH_PAGE) == {
        "next": (JANUARY_PAGE, "Next issue: Bins and boats")
    }
    # The draft is newer, but published issues never lead to a draft.
    assert issue_links(preview, JANUARY_PAGE) == {
        "prev": (MARCH_PAGE, "Previous issue: Ferries and tea")
    }
    assert issue_links(preview, DRAFT_PAGE) == {
        "prev": (JANUARY_PAGE, "Previous issue: Bins and boats")
    }
    nav = read_page(preview, MARCH_PAGE).find("nav", class_="digest-nav")
    assert target(MARCH_PAGE, nav.find("a", string="All issues")["href"]) == ARCHIVE_PAGE


def archive(output: Path, site_url: str = "") -> list[tuple[str, list[tuple[str, list]]]]:
    """The archive as years, months and (date, title, target, draft?) per issue."""
    soup = read_page(output, ARCHIVE_PAGE)
    years = []
    for year in soup.select("main section.archive-year"):
        months = []
        for month in year.select("section.archive-month"):
            issues = [
                (
                    item.time.get_text(strip=True),
                    item.a.get_text(strip=True),
                    target(ARCHIVE_PAGE, item.a["href"], site_url),
                    item.find(class_="draft-label") is not None,
                )
                for item in month.select("li")
            ]
            months.append((month.h3.get_text(strip=True), issues))
        years.append((year.h2.get_text(strip=True), months))
    return years


def test_the_archive_lists_issues_by_year_and_month_newest_first(preview):
    assert archive(preview) == [
        (
            "2026",
            [
                (
                    "January 2026",
                    [
                        ("16 January 2026", "Library Sundays", DRAFT_PAGE, True),
                        ("9 January 2026", "Bins and boats", JANUARY_PAGE, False),
                    ],
                )
            ],
        ),
        ("2025", [("March 2025", [("14 March 2025", "Ferries and tea", MARCH_PAGE, False)])]),
    ]
    soup = read_page(preview, ARCHIVE_PAGE)
    assert [h1.get_text(strip=True) for h1 in soup.find_all("h1")] == ["Digest archive"]
    menu = soup.find("nav", class_="site-nav").find("a", string="Digests")
    assert target(ARCHIVE_PAGE, menu["href"]) == ARCHIVE_PAGE
    home_menu = read_page(preview, "index.html").find("nav", class_="site-nav")
    assert target("index.html", home_menu.find("a", string="Digests")["href"]) == ARCHIVE_PAGE


def test_the_home_page_leads_with_the_latest_published_issue_above_the_articles(preview):
    soup = read_page(preview, "index.html")
    main = soup.find("main")
    lead = main.find(class_="digest-lead")
    assert lead is not None
    # Above the article list, which is still there, newest first.
    assert lead in main.find(class_="story-list").find_all_previous(class_="digest-lead")
    articles = [target("index.html", a["href"]) for a in main.find_all("a", rel="bookmark")]
    assert articles == [LIBRARY_PAGE, BINS_PAGE, SHIFT_PAGE, TEA_PAGE, FERRY_PAGE]
    assert len(soup.find_all("h1")) == 1
    # The latest published issue, not the newer draft.
    title = lead.find(class_="digest-lead-title")
    assert title.get_text(strip=True) == "Bins and boats"
    assert target("index.html", title.a["href"]) == JANUARY_PAGE
    assert lead.time["datetime"] == "2026-01-09T00:00:00+00:00"
    assert lead.time.get_text() == "9 January 2026"
    # No Summary: the introduction stands in.
    intro = lead.find(class_="digest-intro")
    assert intro.get_text().strip() == "A quieter week in Harrowgate."
    assert intro.em.get_text() == "Harrowgate"
    stories = [
        (a.get_text(strip=True), target("index.html", a["href"]))
        for a in lead.select(".digest-lead-stories a")
    ]
    assert stories == [
        ("Harrowgate bin collections move to every other week", BINS_PAGE),
        ("Night ferry to Kessel Island returns after two-year pause", FERRY_PAGE),
    ]
    more = lead.find("a", string="Read the full issue")
    assert target("index.html", more["href"]) == JANUARY_PAGE


def featured_in(output: Path, page: str, site_url: str = "") -> list[tuple[str, str]]:
    found = read_page(output, page).find(class_="featured-in")
    if found is None:
        return []
    assert found.get_text(strip=True).startswith("Featured in:")
    return [(a.get_text(strip=True), target(page, a["href"], site_url)) for a in found("a")]


def test_an_article_page_says_which_published_issues_featured_it(preview):
    assert featured_in(preview, FERRY_PAGE) == [
        ("Ferries and tea", MARCH_PAGE),
        ("Bins and boats", JANUARY_PAGE),
    ]
    assert featured_in(preview, SHIFT_PAGE) == [("Ferries and tea", MARCH_PAGE)]
    assert featured_in(preview, BINS_PAGE) == [("Bins and boats", JANUARY_PAGE)]
    assert featured_in(preview, LIBRARY_PAGE) == []  # only the draft issue lists it


def test_a_draft_issue_is_previewed_with_a_banner_and_never_published(preview, published):
    soup = read_page(preview, DRAFT_PAGE)
    assert soup.find(class_="draft-banner").strong.get_text() == "Draft"
    assert soup.title.get_text().startswith("Draft: Library Sundays")
    assert soup.find("meta", attrs={"name": "robots"})["content"] == "noindex"
    [story] = story_cards(preview, DRAFT_PAGE)["Culture"]
    assert story["page"] == LIBRARY_PAGE

    output, site_url = published
    assert not (output / DRAFT_PAGE).exists()
    assert not any("library-sundays" in path.name for path in output.rglob("*"))
    assert archive(output, site_url) == [
        ("2026", [("January 2026", [("9 January 2026", "Bins and boats", JANUARY_PAGE, False)])]),
        ("2025", [("March 2025", [("14 March 2025", "Ferries and tea", MARCH_PAGE, False)])]),
    ]
    home = read_page(output, "index.html")
    assert "Library Sundays" not in home.get_text()
    lead = home.find(class_="digest-lead-title").a
    assert lead["href"] == f"{site_url}/{JANUARY_PAGE}"
    assert issue_links(output, JANUARY_PAGE, site_url) == {
        "prev": (MARCH_PAGE, "Previous issue: Ferries and tea")
    }
    assert featured_in(output, FERRY_PAGE, site_url) == [
        ("Ferries and tea", MARCH_PAGE),
        ("Bins and boats", JANUARY_PAGE),
    ]
    assert featured_in(output, LIBRARY_PAGE, site_url) == []


def test_unsafe_html_in_a_note_is_removed_and_the_note_kept(preview):
    soup = read_page(preview, JANUARY_PAGE)
    [bins, _] = [card for cards in story_cards(preview, JANUARY_PAGE).values() for card in cards]
    assert bins["page"] == BINS_PAGE
    note = soup.find(class_="curator-note")
    assert "Councillors voted 7 to 2." in note.get_text()
    assert soup.find("script") is None and 'alert("note")' not in str(soup)
    assert [tag.name for tag in note.find_all(lambda tag: tag.has_attr("onerror"))] == []
    hrefs = [a.get("href") for a in note.find_all("a")]
    assert hrefs == [None, "https://council.example/bins"]  # the javascript: link lost its URL
    assert note.find("a", string="Read the minutes") is not None


@pytest.mark.parametrize(
    ("reference", "problem"),
    [
        ("no-such-story", "names no article"),
        ("harbour-dredging-plan-delayed", "is not published (a draft?)"),
    ],
)
def test_a_bad_reference_fails_the_build_in_one_line_and_writes_nothing(
    tmp_path, reference, problem
):
    content, output = tmp_path / "content", tmp_path / "output"
    march = MARCH + f"- {reference}\n  Should never be published.\n"
    line = 21
    assert march.splitlines()[line - 1] == f"- {reference}"
    write_content(content, {**SITE, MARCH_FILE: march})
    result = CliRunner().invoke(
        tasks.cli, ["build", "--content-dir", str(content), "--output", str(output)]
    )
    assert result.exit_code == 1
    assert result.output == (
        f"Error: build failed: DigestError: content/{MARCH_FILE}:{line}: {reference!r} {problem}\n"
    )
    assert not list(output.rglob("*.html"))  # nothing published, not even the articles


def test_the_plugin_does_nothing_when_not_listed(tmp_path):
    # The preview fixture may have run first: the handlers stay connected (signals are
    # process-global) and must leave a build that does not list the plugin alone.
    write_content(tmp_path / "content", SITE)
    output = build_pelican_site(tmp_path / "content", tmp_path / "output", PLUGINS=WITHOUT_PLUGIN)
    assert (output / FERRY_PAGE).is_file()
    assert not (output / "digests").exists()
    home = read_page(output, "index.html")
    assert home.find(class_="digest-lead") is None
    assert home.find("h1").get_text(strip=True) == "Latest stories"
    assert home.find("nav", class_="site-nav").find("a", string="Digests") is None
    assert featured_in(output, FERRY_PAGE) == []


@pytest.mark.parametrize("folder", ["empty", "missing"])
def test_a_site_without_issues_builds_with_an_empty_archive(tmp_path, folder):
    articles = {path: text for path, text in SITE.items() if path.startswith("articles/")}
    write_content(tmp_path / "content", articles)
    if folder == "empty":
        (tmp_path / "content" / "digests").mkdir()
    output = build_pelican_site(tmp_path / "content", tmp_path / "output")
    assert read_page(output, ARCHIVE_PAGE).find(class_="empty").get_text() == "No issues yet."
    home = read_page(output, "index.html")
    assert home.find(class_="digest-lead") is None
    assert home.find("h1").get_text(strip=True) == "Latest stories"
    assert featured_in(output, FERRY_PAGE) == []


# --- the plugin's pieces, without a build -------------------------------------------------------


@pytest.fixture
def digests_module(monkeypatch):
    """The plugin module, imported the way Pelican imports it (top-level package)."""
    monkeypatch.syspath_prepend(str(ROOT / "plugins"))
    return importlib.import_module("digests.digests")


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("DIGESTS_DRAFTS", "yes", "DIGESTS_DRAFTS must be True or False (got 'yes')"),
        ("DIGESTS_PATH", "", "DIGESTS_PATH must be a non-empty string (got '')"),
        (
            "DIGESTS_ISSUE_URL",
            "digests/{year}/{slug}.html",
            "DIGESTS_ISSUE_URL 'digests/{year}/{slug}.html' cannot be filled in with {slug} "
            "and {date} (KeyError: 'year')",
        ),
    ],
)
def test_a_bad_setting_is_refused_in_one_line(digests_module, setting, value, message):
    with pytest.raises(digests_module.DigestError) as refused:
        digests_module.DigestSettings.from_settings({"PATH": "/site/content", setting: value})
    assert str(refused.value) == message


def test_settings_default_to_no_drafts_and_name_files_from_the_content_folder(digests_module):
    options = digests_module.DigestSettings.from_settings({"PATH": "/site/content"})
    assert options.drafts is False
    assert options.folder == Path("/site/content/digests")
    assert options.shown_folder == "content/digests"
    assert options.issue_save_as == "digests/{date:%Y}/{date:%m}/{slug}.html"
    assert options.archive_save_as == "digests/index.html"


def test_unreadable_files_and_clashing_urls_are_named(digests_module, tmp_path):
    write_content(
        tmp_path / "content",
        {
            MARCH_FILE: MARCH,
            "digests/2025-03-15-ferries-and-tea.md": MARCH,  # same slug, same month
            "digests/2025-03-20-broken.md": "Title: Broken\n\nNo date.\n",
        },
    )
    options = digests_module.DigestSettings.from_settings({"PATH": str(tmp_path / "content")})
    digests, errors = digests_module.read_digests(options)
    assert errors == ["content/digests/2025-03-20-broken.md:1: the header has no Date"]
    assert [digest.path for digest in digests] == [
        "content/digests/2025-03-14-ferries-and-tea.md",
        "content/digests/2025-03-15-ferries-and-tea.md",
    ]
    issues = [
        digests_module.Issue(
            slug=d.slug,
            title=d.title,
            summary="",
            status=d.status,
            date=d.date,
            locale_date="",
            source_path=d.path,
            url="",
            save_as=options.issue_save_as.format(slug=d.slug, date=d.date),
            intro="",
            sections=[],
        )
        for d in digests
    ]
    assert digests_module.check_urls(issues) == [
        "content/digests/2025-03-15-ferries-and-tea.md: its page "
        "digests/2025/03/ferries-and-tea.html is also "
        "content/digests/2025-03-14-ferries-and-tea.md's: give one of them another slug or date"
    ]
