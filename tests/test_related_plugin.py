"""plugins/related_stories: the Related stories links under each article, from real builds.

A tiny fictional site: three reports of one ferry strike in Porthavel over four days,
a syndicated copy of one of them, a draft about the same strike, a lifeboat rescue
in the same town, and two stories about honey on Tallowmere moor.
"""

from __future__ import annotations

import logging
import os
import posixpath
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner
from conftest import ROOT, build_pelican_site, write_content
from pelican.log import LimitFilter

import tasks

WALKOUT = """\
Title: Porthavel ferry crews walk out over new rota
Date: 2025-03-03T06:30:00+00:00
Slug: porthavel-ferry-crews-walk-out
Source: Porthavel Echo
Related: porthavel-lifeboat-rescues-two-kayakers, porthavel-ferry-talks-to-resume

Ferry crews in Porthavel walked out at dawn on Monday, halting every crossing to
Skerrin Island after the operator, Gannet Line, imposed a new rota without agreement.

The Maritime Crews Union said the rota would stretch shifts on the Skerrin ferry to
fourteen hours, and that the strike would go on until Gannet Line withdrew it. Gannet
Line said the ferry timetable could not be kept with the old rota.

Skerrin Island commuters were told to expect no crossings until further notice.
"""

STRANDED = """\
Title: Porthavel ferry strike strands Skerrin commuters for a second day
Date: 2025-03-04T07:45:00+00:00
Slug: porthavel-ferry-strike-strands-commuters
Source: Coast Daily
Source_url: https://coastdaily.example/2025/03/ferry-strike-day-two
Also_reported_by: Island Wire <https://islandwire.example/skerrin-stranded>

Hundreds of Skerrin Island commuters were stranded for a second day as the Porthavel
ferry strike went on, with no crossings and no talks between [Gannet
Line](https://gannetline.example/news) and the Maritime Crews Union.

The crews walked out on Monday over a new rota that the union says would mean
fourteen-hour shifts. Shops on Skerrin ran short of bread and milk, and the harbour
master in Porthavel said the ferry slipway would stay closed until the strike ends.
"""

# The same wire copy in another outlet: Coast Daily's article lists it.
STRANDED_COPY = """\
Title: Skerrin commuters stranded as Porthavel ferry walkout goes on
Date: 2025-03-04T09:10:00+00:00
Slug: skerrin-commuters-stranded-as-ferry-walkout-goes-on
Source: Island Wire
Source_url: https://islandwire.example/skerrin-stranded

Hundreds of Skerrin Island commuters were stranded for a second day as the Porthavel
ferry strike went on, with no crossings and no talks between Gannet Line and the
Maritime Crews Union.

The crews walked out on Monday over a new rota. Shops on Skerrin ran short of bread
and milk.
"""

ENDS = """\
Title: Porthavel ferry strike ends as Gannet Line drops rota plan
Date: 2025-03-06T12:15:00+00:00
Slug: porthavel-ferry-strike-ends
Source: Porthavel Echo
Not_related: porthavel-ferry-crews-walk-out

The Porthavel ferry strike ended on Thursday after Gannet Line dropped its new rota,
and the first crossing to Skerrin Island left the slipway at noon.

The Maritime Crews Union called it a victory for ferry safety: the crews had walked
out on Monday over fourteen-hour shifts. Gannet Line said the Skerrin timetable would
be back to normal by the weekend, and commuters stranded by the strike would get
their fares back.
"""

DRAFT = """\
Title: Porthavel ferry talks to resume on Monday
Date: 2025-03-05
Slug: porthavel-ferry-talks-to-resume
Status: draft

Gannet Line and the Maritime Crews Union will meet on Monday, the first talks since
the Porthavel ferry strike halted every crossing to Skerrin Island. The crews walked
out over a new rota and fourteen-hour shifts.
"""

LIFEBOAT = """\
Title: Porthavel lifeboat rescues two kayakers off Gull Point
Date: 2025-02-20
Slug: porthavel-lifeboat-rescues-two-kayakers
Source: Porthavel Echo

The Porthavel lifeboat rescued two kayakers who were swept past Gull Point by the
ebb tide on Thursday evening. Both were brought back to the harbour cold but unhurt.
"""

HEATHER = """\
Title: Tallowmere beekeepers report a record heather honey harvest
Date: 2025-03-05
Slug: tallowmere-beekeepers-record-heather-honey
Source: Moorland Courier

Beekeepers on Tallowmere moor took a record heather honey harvest this autumn, the
Tallowmere Beekeepers' Association said, after a warm, still August kept the bees
foraging on the heather for weeks.
"""

HONEY_SHOW = """\
Title: Tallowmere honey show draws record entries
Date: 2025-03-08
Slug: tallowmere-honey-show-draws-record-entries
Related: no-such-story

The Tallowmere honey show drew a record two hundred jars on Saturday, with heather
honey from the moor taking the top prize for the third year. Association judges
tasted every jar.
"""

HONEY_SHOW_PATH = "articles/2025/03/tallowmere-honey-show-draws-record-entries.md"
SITE = {
    "articles/2025/03/porthavel-ferry-crews-walk-out.md": WALKOUT,
    "articles/2025/03/porthavel-ferry-strike-strands-commuters.md": STRANDED,
    "articles/2025/03/skerrin-commuters-stranded-as-ferry-walkout-goes-on.md": STRANDED_COPY,
    "articles/2025/03/porthavel-ferry-strike-ends.md": ENDS,
    "articles/2025/03/porthavel-ferry-talks-to-resume.md": DRAFT,
    "articles/2025/02/porthavel-lifeboat-rescues-two-kayakers.md": LIFEBOAT,
    "articles/2025/03/tallowmere-beekeepers-record-heather-honey.md": HEATHER,
    HONEY_SHOW_PATH: HONEY_SHOW,
}

WALKOUT_PAGE = "2025/03/porthavel-ferry-crews-walk-out.html"
STRANDED_PAGE = "2025/03/porthavel-ferry-strike-strands-commuters.html"
COPY_PAGE = "2025/03/skerrin-commuters-stranded-as-ferry-walkout-goes-on.html"
ENDS_PAGE = "2025/03/porthavel-ferry-strike-ends.html"
DRAFT_PAGE = "drafts/porthavel-ferry-talks-to-resume.html"
LIFEBOAT_PAGE = "2025/02/porthavel-lifeboat-rescues-two-kayakers.html"
HEATHER_PAGE = "2025/03/tallowmere-beekeepers-record-heather-honey.html"
HONEY_SHOW_PAGE = "2025/03/tallowmere-honey-show-draws-record-entries.html"
STRIKE_PAGES = (WALKOUT_PAGE, STRANDED_PAGE, COPY_PAGE, ENDS_PAGE)
HONEY_PAGES = (HEATHER_PAGE, HONEY_SHOW_PAGE)
ARTICLE_PAGES = (*STRIKE_PAGES, DRAFT_PAGE, LIFEBOAT_PAGE, *HONEY_PAGES)
WITHOUT_PLUGIN = ["feeds", "safe_html", "redirects", "autotag"]


class Warnings(logging.Handler):
    """Keeps the messages of every warning logged while it is attached to the root logger."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> tuple[Path, list[str]]:
    """The tiny site built once with the project's settings, and the warnings it logged."""
    tmp_path = tmp_path_factory.mktemp("related")
    write_content(tmp_path / "content", SITE)
    warnings = Warnings()
    logging.getLogger().addHandler(warnings)
    try:
        output = build_pelican_site(tmp_path / "content", tmp_path / "output")
    finally:
        logging.getLogger().removeHandler(warnings)
    return output, warnings.messages


def related(output: Path, page: str) -> list[dict[str, str | None]]:
    """What the page's Related stories section shows, link by link, in order."""
    soup = BeautifulSoup((output / page).read_text(encoding="utf-8"), "lxml")
    section = soup.find(class_="related-stories")
    if section is None:
        return []
    heading = section.find(id=section["aria-labelledby"])
    assert heading.get_text(strip=True) == "Related stories"
    shown = []
    for item in section.find_all("li"):
        source = item.find(class_="source")
        shown.append(
            {
                "title": item.a.get_text(strip=True),
                "page": posixpath.normpath(posixpath.join(posixpath.dirname(page), item.a["href"])),
                "source": source.get_text(strip=True) if source else None,
                "datetime": item.time["datetime"],
                "date": item.time.get_text(strip=True),
            }
        )
    return shown


def linked(output: Path, page: str) -> list[str]:
    return [link["page"] for link in related(output, page)]


def test_reports_of_one_event_link_each_other_with_title_source_and_date(site):
    output, _ = site
    # Every other report of the strike, but for the ban and the syndicated copy below.
    expected = {
        WALKOUT_PAGE: {STRANDED_PAGE, COPY_PAGE, ENDS_PAGE},
        STRANDED_PAGE: {WALKOUT_PAGE, ENDS_PAGE},
        COPY_PAGE: {WALKOUT_PAGE, ENDS_PAGE},
        ENDS_PAGE: {STRANDED_PAGE, COPY_PAGE},
    }
    for page, others in expected.items():
        assert others <= set(linked(output, page)), page
    stranded = {link["page"]: link for link in related(output, ENDS_PAGE)}[STRANDED_PAGE]
    assert stranded == {
        "title": "Porthavel ferry strike strands Skerrin commuters for a second day",
        "page": STRANDED_PAGE,
        "source": "Coast Daily",
        "datetime": "2025-03-04T07:45:00+00:00",
        "date": "4 March 2025",
    }
    ends = {link["page"]: link for link in related(output, WALKOUT_PAGE)}[ENDS_PAGE]
    assert ends["source"] == "Porthavel Echo" and ends["date"] == "6 March 2025"
    for page in ARTICLE_PAGES:
        for link in related(output, page):
            assert (output / link["page"]).is_file(), (page, link)


def test_another_subject_is_not_linked(site):
    output, _ = site
    for page in (*STRIKE_PAGES, DRAFT_PAGE):
        assert not set(HONEY_PAGES) & set(linked(output, page)), page
    for page in HONEY_PAGES:
        assert set(linked(output, page)) <= set(HONEY_PAGES), page
    assert linked(output, HEATHER_PAGE) == [HONEY_SHOW_PAGE]
    source = related(output, HEATHER_PAGE)[0]["source"]
    assert source is None  # the honey show gives no Source: none is shown


def test_a_pinned_story_comes_first_and_drafts_are_never_linked(site):
    output, _ = site
    # The lifeboat rescue shares only the town with the strike, yet the pin puts it
    # first. The draft is pinned too, but links only ever lead to published articles.
    walkout = linked(output, WALKOUT_PAGE)
    assert walkout[0] == LIFEBOAT_PAGE
    assert ENDS_PAGE in walkout[1:]
    for page in ARTICLE_PAGES:
        assert DRAFT_PAGE not in linked(output, page), page
    # A draft gets its links all the same, among the published articles.
    assert {ENDS_PAGE, STRANDED_PAGE} <= set(linked(output, DRAFT_PAGE))


def test_a_banned_story_is_not_shown(site):
    output, _ = site
    ends = linked(output, ENDS_PAGE)
    assert WALKOUT_PAGE not in ends
    assert STRANDED_PAGE in ends
    assert ENDS_PAGE in linked(output, WALKOUT_PAGE)  # the ban is the strike-ends page's own


def test_a_syndicated_copy_is_not_linked_either_way(site):
    output, _ = site
    assert COPY_PAGE not in linked(output, STRANDED_PAGE)
    assert STRANDED_PAGE not in linked(output, COPY_PAGE)
    assert linked(output, STRANDED_PAGE) and linked(output, COPY_PAGE)


def test_an_unknown_pinned_slug_is_a_warning_naming_the_article(site):
    output, warnings = site
    unknown = [message for message in warnings if "no-such-story" in message]
    assert unknown == [
        f"{HONEY_SHOW_PATH}: Related names 'no-such-story', which is no article's slug; ignored"
    ]
    assert linked(output, HONEY_SHOW_PAGE) == [HEATHER_PAGE]  # the build went on


def test_two_builds_give_byte_identical_article_pages(site, tmp_path):
    # Another process, another string hash seed: set order cannot leak into the links.
    output, _ = site
    content = output.parent / "content"
    second = tmp_path / "second"
    environment = {**os.environ, "PYTHONHASHSEED": "4242"}
    command = [
        sys.executable,
        "tasks.py",
        "build",
        "--content-dir",
        str(content),
        "-o",
        str(second),
    ]
    built = subprocess.run(
        command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300
    )
    assert built.returncode == 0, built.stderr
    assert "Related names 'no-such-story'" in built.stderr  # seen on the command line too
    for page in ARTICLE_PAGES:
        assert (second / page).read_bytes() == (output / page).read_bytes(), page


def test_a_build_without_the_plugin_shows_no_related_stories(site, tmp_path):
    # `site` built with the plugin first: its handler stays connected (signals are
    # process-global) and must do nothing for a build that does not list it.
    write_content(tmp_path / "content", SITE)
    output = build_pelican_site(tmp_path / "content", tmp_path / "output", PLUGINS=WITHOUT_PLUGIN)
    for page in ARTICLE_PAGES:
        html = (output / page).read_text(encoding="utf-8")
        assert "related-stories" not in html and "Related stories" not in html, page


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (-1, "RELATED_STORIES_MAX must be a whole number >= 0 (got -1)"),
        ("5", "RELATED_STORIES_MAX must be a whole number >= 0 (got '5')"),
    ],
)
def test_a_bad_setting_fails_the_build_in_one_line(tmp_path, monkeypatch, value, message):
    load_settings = tasks.load_settings

    def with_bad_setting(publish=False, overrides=None):
        return {**load_settings(publish, overrides), "RELATED_STORIES_MAX": value}

    monkeypatch.setattr(tasks, "load_settings", with_bad_setting)
    content = tmp_path / "content"
    write_content(content, SITE)
    result = CliRunner().invoke(
        tasks.cli, ["build", "--content-dir", str(content), "--output", str(tmp_path / "out")]
    )
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: build failed: RelatedError: {message}"


@pytest.fixture
def related_module(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "plugins"))  # the module Pelican loads
    import importlib

    return importlib.import_module("related_stories.related_stories")


def rebuilt_with_warnings(output: Path, tmp_path: Path, monkeypatch) -> tuple[Path, Warnings]:
    """The site's content built again into tmp_path, with the warnings it logged."""
    # Pelican logs a warning once per process: the site's build had these.
    monkeypatch.setattr(LimitFilter, "_raised_messages", set())
    warnings = Warnings()
    logging.getLogger().addHandler(warnings)
    try:
        return build_pelican_site(output.parent / "content", tmp_path / "output"), warnings
    finally:
        logging.getLogger().removeHandler(warnings)


def test_the_text_fit_forked_beside_the_tags_links_the_same(
    site, tmp_path, related_module, monkeypatch
):
    output, _ = site  # its fit made in the build's process (a site under the minimum)
    monkeypatch.setattr(related_module, "FIT_BESIDE_MIN_ARTICLES", 1)
    taken = []
    real = related_module.taken_fit

    def recorded(generator, published):
        fitted = real(generator, published)
        taken.append((fitted is not None, os.getpid()))
        return fitted

    monkeypatch.setattr(related_module, "taken_fit", recorded)
    forked, warnings = rebuilt_with_warnings(output, tmp_path, monkeypatch)

    assert taken == [(True, os.getpid())]  # forked, taken in, in the build's process
    for page in ARTICLE_PAGES:
        assert (forked / page).read_bytes() == (output / page).read_bytes(), page
    unknown = [message for message in warnings.messages if "no-such-story" in message]
    assert len(unknown) == 1  # the forked process reads no metadata, so warns of none


@pytest.mark.parametrize("fails", [False, True])
def test_links_found_by_a_forked_process_are_the_same(
    site, tmp_path, related_module, monkeypatch, fails
):
    """Found beside the other plugins' work (or, should that process fail, here): the
    same pages, and the unknown pin's warning logged once, in the build's process."""
    output, _ = site  # its links found in the build's process (a site under the minimum)
    monkeypatch.setattr(related_module, "LINK_BESIDE_MIN_ARTICLES", 1)
    here = os.getpid()
    started, given = [], []
    real_start, real_found, real_give = (
        related_module.start,
        related_module.found_links,
        related_module.give_links,
    )

    def recorded_start(work, niceness=0, origin="(forked)"):
        started.append(origin)
        return real_start(work, niceness, origin)

    def found(*args):
        if fails and os.getpid() != here:
            raise RuntimeError("the forked linking broke")
        return real_found(*args)

    def give(*args):
        given.append(os.getpid())
        return real_give(*args)

    monkeypatch.setattr(related_module, "start", recorded_start)
    monkeypatch.setattr(related_module, "found_links", found)
    monkeypatch.setattr(related_module, "give_links", give)
    beside, warnings = rebuilt_with_warnings(output, tmp_path, monkeypatch)

    assert "(related stories)" in started
    assert given == [here]  # given to the articles in the build's process, once
    assert related_module.LINKING == {}
    for page in ARTICLE_PAGES:
        assert (beside / page).read_bytes() == (output / page).read_bytes(), page
    unknown = [message for message in warnings.messages if "no-such-story" in message]
    assert len(unknown) == 1


def test_a_fit_of_other_text_is_not_taken_in(related_module):
    from broadsheet.forked import start

    class Story:
        relative_source_path = "articles/2025/03/ferry.md"
        title = "Porthavel ferry crews walk out"
        _content = "<p>Crews walked out at dawn.</p>"

    published = [Story()]
    generator = object()
    read = related_module.text_signature(published)

    related_module.FITS[id(generator)] = start(lambda: (read, 1, [[-1]], [[0.0]]))
    assert related_module.taken_fit(generator, published) is not None
    edited = Story()
    edited._content = "<p>Crews walked out at noon.</p>"
    related_module.FITS[id(generator)] = start(lambda: (read, 1, [[-1]], [[0.0]]))
    assert related_module.taken_fit(generator, [edited]) is None  # made again instead

    def fails():
        raise ValueError("no fit")

    related_module.FITS[id(generator)] = start(fails)
    assert related_module.taken_fit(generator, published) is None
    assert related_module.taken_fit(generator, published) is None  # nothing left pending
