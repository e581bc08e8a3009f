"""plugins/withdrawn: `Status: unpublished` takes a story off the site and leaves a
"withdrawn" notice at its URL, from real builds.

A tiny fictional site: a night ferry back on the Kessel Island run, shift workers who
say its timetable fails them, a story about the ferry's safety checks that the
curator withdrew after a digest issue had listed it, and a hidden council notice.
Every word about lifeboats belongs to the withdrawn story (its body, Summary, image,
caption and the digest's note on it), so "lifeboat" must be in no output file.
"""

from __future__ import annotations

import gzip
import importlib
import json
import posixpath
from pathlib import Path

import feedparser
import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner
from conftest import ROOT, build_pelican_site, write_content

import tasks

HEADLINE = "Night ferry operator skipped safety checks, crew say"
NOTICE_PAGE = "2025/03/night-ferry-operator-skipped-safety-checks.html"
OLD_PAGE = "2025/03/ferry-safety-checks-skipped.html"  # its Previous_slugs entry
SAFETY_FILE = "articles/2025/03/night-ferry-operator-skipped-safety-checks.md"
SAFETY_UID = "tag:broadsheet,2025-03-11:5afe7c4e"
WITHDRAWN_WORD = "lifeboat"

FERRY = """\
Title: Night ferry to Kessel Island returns after two-year pause
Date: 2025-03-10
Slug: night-ferry-to-kessel-island-returns
Uid: tag:broadsheet,2025-03-10:f3a1c2d4
Category: Transport
Tags: Ferries, Kessel Island
Source: Kessel Courier
Related: night-ferry-operator-skipped-safety-checks
Autotag: off

The first overnight crossing to Kessel Island in two years left Port Ardy at
midnight on Sunday, with forty passengers and a lorry of post on board.
"""

SHIFT = """\
Title: Shift workers say the night ferry timetable fails them
Date: 2025-03-12
Slug: shift-workers-say-night-ferry-timetable-fails-them
Uid: tag:broadsheet,2025-03-12:0b7e9a21
Category: Transport
Tags: Ferries
Source: Island Wire
Autotag: off

Hospital staff on Kessel Island say the new night ferry still leaves them stranded
on Saturdays and Sundays, when it does not run.
"""

SAFETY = f"""\
Title: {HEADLINE}
Date: 2025-03-11
Modified: 2025-03-12
Withdrawn_on: 2025-04-02
Slug: night-ferry-operator-skipped-safety-checks
Uid: {SAFETY_UID}
Category: Transport
Tags: Ferries, Kessel Island
Source: Kessel Courier
Source_url: https://courier.example/2025/03/night-ferry-safety
Image: https://courier.example/img/lifeboat-davit.jpg
Image_caption: A rusted lifeboat davit on the night ferry's upper deck.
Summary: Crew say the Kessel Island night ferry sailed without its lifeboat drill.
Status: Unpublished
Autotag: off
Previous_slugs: ferry-safety-checks-skipped
Withdrawn_reason: The crew's account could not be verified <and> the Courier retracted it.

Crew members on the Kessel Island night ferry say the lifeboat davits were rusted
through and the weekly drill was skipped for a month.
"""

HIDDEN = """\
Title: Harbour lights to be repainted
Date: 2025-03-13
Slug: harbour-lights-to-be-repainted
Category: Council
Status: hidden
Autotag: off

The harbour lights at Port Ardy will be repainted in April.
"""

ISSUE = """\
Title: Ferries in March
Date: 2025-03-14
Summary: The night ferry is back.
Status: published

## Transport

- night-ferry-to-kessel-island-returns
  The first overnight crossing in two years.
- night-ferry-operator-skipped-safety-checks
  Crew say the lifeboats were neglected.
- shift-workers-say-night-ferry-timetable-fails-them
  Still no weekend sailings.
"""

FERRY_PAGE = "2025/03/night-ferry-to-kessel-island-returns.html"
HIDDEN_PAGE = "2025/03/harbour-lights-to-be-repainted.html"
ISSUE_PAGE = "digests/2025/03/ferries-in-march.html"
SITE = {
    "articles/2025/03/night-ferry-to-kessel-island-returns.md": FERRY,
    "articles/2025/03/shift-workers-say-night-ferry-timetable-fails-them.md": SHIFT,
    SAFETY_FILE: SAFETY,
    "articles/2025/03/harbour-lights-to-be-repainted.md": HIDDEN,
    "digests/2025-03-14-ferries-in-march.md": ISSUE,
}
WITHOUT_PLUGIN = ["feeds", "safe_html", "redirects", "autotag", "related_stories", "seo"]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The site as `tasks.py build` builds it: every plugin, then the Pagefind index.
    The build fails on any error Pelican or a plugin logs."""
    tmp_path = tmp_path_factory.mktemp("withdrawn")
    content, output = tmp_path / "content", tmp_path / "output"
    write_content(content, SITE)
    result = CliRunner().invoke(
        tasks.cli, ["build", "--content-dir", str(content), "--output", str(output)]
    )
    assert result.exit_code == 0, result.output
    return output


@pytest.fixture(scope="module")
def still_published(tmp_path_factory) -> Path:
    """The same site before the story was withdrawn: what the checks below must tell apart."""
    tmp_path = tmp_path_factory.mktemp("withdrawn-control")
    files = {**SITE, SAFETY_FILE: SAFETY.replace("Status: Unpublished\n", "")}
    write_content(tmp_path / "content", files)
    return build_pelican_site(tmp_path / "content", tmp_path / "output")


def page(output: Path, path: str) -> BeautifulSoup:
    return BeautifulSoup((output / path).read_text(encoding="utf-8"), "html.parser")


def output_files(output: Path) -> list[Path]:
    return sorted(path for path in output.rglob("*") if path.is_file())


def naming_the_story(output: Path) -> set[str]:
    """The output files that name the story other than as "<headline> (withdrawn)"."""
    found = set()
    for path in output_files(output):
        if path.suffix not in (".html", ".xml", ".json", ".opml", ".txt"):
            continue
        text = path.read_text(encoding="utf-8")
        if text.count(HEADLINE) > text.count(f"{HEADLINE} (withdrawn)"):
            found.add(path.relative_to(output).as_posix())
    return found


def links_to(output: Path, target: str) -> dict[str, list[str]]:
    """Each HTML page's links (their text) that lead to `target`, a path in the output."""
    found: dict[str, list[str]] = {}
    for path in output_files(output):
        if path.suffix != ".html":
            continue
        relative = path.relative_to(output).as_posix()
        folder = posixpath.dirname(relative)
        for link in page(output, relative).find_all("a", href=True):
            href = link["href"].split("#")[0]
            if not href or "://" in href:
                continue
            if posixpath.normpath(posixpath.join(folder, href)) == target:
                found.setdefault(relative, []).append(link.get_text(" ", strip=True))
    return found


# The notice


def test_the_story_url_shows_the_withdrawn_notice_and_nothing_of_the_story(site):
    notice = page(site, NOTICE_PAGE)

    assert [h1.get_text(strip=True) for h1 in notice.find_all("h1")] == [HEADLINE]
    main = notice.find("main")
    text = main.get_text(" ", strip=True)
    assert "This story has been withdrawn." in text
    assert "Withdrawn on 2 April 2025" in text  # its Withdrawn_on, not its Modified date
    reason = main.find(class_="withdrawn-reason")
    assert reason.get_text() == (
        "The crew's account could not be verified <and> the Courier retracted it."
    )
    assert not reason.find_all(True)  # plain text, escaped: no <and> element
    home = main.find("a", string="The latest stories")
    assert posixpath.normpath(posixpath.join("2025/03", home["href"])) == "."
    # Nothing of the story: no body, summary, image, source, tags, related stories.
    assert notice.find("img") is None
    assert notice.find("a", rel="tag") is None
    assert notice.find(class_="related-stories") is None
    assert "Kessel Courier" not in text and "Crew members" not in text
    assert notice.title.get_text() == f"Withdrawn: {HEADLINE} · Broadsheet"


def test_the_notice_is_kept_out_of_search_engines_and_the_search_index(site):
    html = (site / NOTICE_PAGE).read_text(encoding="utf-8")
    notice = BeautifulSoup(html, "html.parser")

    assert notice.find("meta", attrs={"name": "robots"})["content"] == "noindex"
    assert "data-pagefind-body" not in html
    assert notice.find("script") is None  # no NewsArticle JSON-LD
    assert not notice.find_all("meta", property=True)  # no Open Graph article
    fragments = [
        json.loads(gzip.decompress(path.read_bytes()).removeprefix(b"pagefind_dcd"))
        for path in (site / "pagefind").glob("*/fragment/*.pf_fragment")  # every year's
    ]
    indexed = {fragment["url"] for fragment in fragments}
    assert f"/{FERRY_PAGE}" in indexed
    assert f"/{NOTICE_PAGE}" not in indexed


def test_the_notice_has_the_landmarks_of_every_page(site):
    notice = page(site, NOTICE_PAGE)

    assert notice.html["lang"] == "en"
    assert len(notice.find_all("main")) == 1
    assert notice.find("header", class_="site-header").find("nav") is not None
    assert notice.find("footer", class_="site-footer") is not None
    assert notice.find("a", class_="skip-link")["href"] == "#main"


def test_the_withdrawn_text_is_in_no_output_file(site, still_published):
    in_control = [
        p
        for p in output_files(still_published)
        if WITHDRAWN_WORD in p.read_bytes().decode("utf-8", "replace")
    ]
    assert in_control  # the word does reach the site while the story is published

    for path in output_files(site):
        data = path.read_bytes()
        if path.suffix == ".pf_fragment":
            data = gzip.decompress(data)
        assert WITHDRAWN_WORD.encode() not in data.lower(), path.relative_to(site)


# Listed nowhere


def test_the_story_is_listed_nowhere(site, still_published):
    listed_before = naming_the_story(still_published)
    assert {
        "index.html",
        "archives.html",
        "2025/index.html",
        "tag/ferries.html",
        "category/transport.html",
        "source/kessel-courier.html",
        "feeds/all.atom.xml",
        "feeds/all.rss.xml",
        "feeds/all.json",
        "feeds/tag/ferries.atom.xml",
        "feeds/category/transport.rss.xml",
        "feeds/digests.atom.xml",
        FERRY_PAGE,  # its related stories
    } <= listed_before

    # Only its own notice and the redirect at its old URL name it now.
    assert naming_the_story(site) == {NOTICE_PAGE, OLD_PAGE}


def test_no_feed_or_sitemap_has_the_story(site):
    feeds = [path for path in output_files(site / "feeds") if path.suffix in (".xml", ".json")]
    assert len(feeds) >= 10  # site, digests, tag and category feeds
    for path in feeds:
        entries = feedparser.parse(path.read_bytes()).entries
        assert SAFETY_UID not in {entry.get("id") for entry in entries}, path
        assert NOTICE_PAGE not in path.read_text(encoding="utf-8"), path
    sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
    assert FERRY_PAGE in sitemap
    assert NOTICE_PAGE not in sitemap


def test_no_story_links_to_it_but_the_digest_marks_it_withdrawn(site, still_published):
    assert "related-stories" in (still_published / FERRY_PAGE).read_text(encoding="utf-8")
    assert NOTICE_PAGE in "".join(
        a["href"] for a in page(still_published, FERRY_PAGE).select(".related-stories a")
    )

    links = links_to(site, NOTICE_PAGE)

    assert set(links) == {OLD_PAGE, ISSUE_PAGE, "index.html"}  # redirect, issue, its lead
    assert links[ISSUE_PAGE] == [f"{HEADLINE} (withdrawn)"]
    assert links["index.html"] == [f"{HEADLINE} (withdrawn)"]


def test_the_withdrawn_story_gets_no_related_links_of_its_own(site):
    # Pinned in FERRY's Related: the pin is dropped, since links lead to published stories.
    assert page(site, FERRY_PAGE).find(class_="related-stories").find("a", string=HEADLINE) is None
    assert page(site, NOTICE_PAGE).find(class_="related-stories") is None


# Old URLs, digests


def test_an_old_url_redirects_to_the_notice(site):
    redirect = page(site, OLD_PAGE)

    refresh = redirect.find("meta", attrs={"http-equiv": "refresh"})
    assert refresh["content"] == "0; url=night-ferry-operator-skipped-safety-checks.html"
    assert redirect.find("link", rel="canonical")["href"] == (
        "night-ferry-operator-skipped-safety-checks.html"
    )


def test_a_digest_that_listed_it_still_builds_and_shows_it_withdrawn(site):
    issue = page(site, ISSUE_PAGE)

    stories = issue.select(".digest-story")
    titles = [story.find("h3").get_text(strip=True) for story in stories]
    assert titles == [
        "Night ferry to Kessel Island returns after two-year pause",
        f"{HEADLINE} (withdrawn)",
        "Shift workers say the night ferry timetable fails them",
    ]
    withdrawn = stories[1]
    assert withdrawn.find(class_="curator-note") is None  # the note was about its text
    assert withdrawn.find(class_="source") is None
    assert withdrawn.find("a", rel="tag") is None
    assert "The first overnight crossing" in stories[0].find(class_="curator-note").get_text()


def test_the_digest_feed_names_the_withdrawn_story_unlinked(site):
    entry = feedparser.parse((site / "feeds/digests.atom.xml").read_bytes()).entries[0]
    content = BeautifulSoup(entry.content[0].value, "html.parser")

    headings = {h3.get_text(strip=True): h3 for h3 in content.find_all("h3")}
    assert f"{HEADLINE} (withdrawn)" in headings
    assert headings[f"{HEADLINE} (withdrawn)"].find("a") is None
    ferry = headings["Night ferry to Kessel Island returns after two-year pause"]
    assert ferry.find("a")["href"].endswith(FERRY_PAGE)


# Other statuses, other builds


def test_a_hidden_article_is_still_rendered_with_its_body(site):
    hidden = page(site, HIDDEN_PAGE)

    body = hidden.find(attrs={"data-pagefind-body": True})
    assert "will be repainted in April" in body.get_text()
    assert "withdrawn" not in hidden.get_text().lower()
    assert "Harbour lights" not in (site / "feeds/all.atom.xml").read_text(encoding="utf-8")


@pytest.mark.parametrize("status", ["unpublished", "UNPUBLISHED", "  Unpublished  "])
def test_the_status_is_read_in_any_case(tmp_path, status):
    text = SAFETY.replace("Status: Unpublished", f"Status: {status}")
    write_content(tmp_path / "content", {SAFETY_FILE: text})

    output = build_pelican_site(tmp_path / "content", tmp_path / "output")

    assert "This story has been withdrawn." in (output / NOTICE_PAGE).read_text(encoding="utf-8")
    assert WITHDRAWN_WORD not in (output / NOTICE_PAGE).read_text(encoding="utf-8")


def test_a_build_without_the_plugin_leaves_unpublished_to_pelican(tmp_path, caplog):
    write_content(tmp_path / "content", {SAFETY_FILE: SAFETY})

    output = build_pelican_site(tmp_path / "content", tmp_path / "output", PLUGINS=WITHOUT_PLUGIN)

    assert not (output / NOTICE_PAGE).exists()
    assert "Unknown status 'unpublished'" in caplog.text


def test_check_against_the_published_site_reports_it_unpublished_not_vanished(tmp_path):
    content = tmp_path / "content"
    files = {path: text for path, text in SITE.items() if path.startswith("articles/")}
    write_content(content, {**files, SAFETY_FILE: SAFETY.replace("Status: Unpublished\n", "")})
    published = build_pelican_site(content, tmp_path / "published")
    assert NOTICE_PAGE in (published / "feeds/all.atom.xml").read_text(encoding="utf-8")
    write_content(content, {SAFETY_FILE: SAFETY})
    output = build_pelican_site(content, tmp_path / "output")

    result = CliRunner().invoke(
        tasks.cli,
        ["check", "--content-dir", str(content), "--output", str(output)]
        + ["--against", str(published)],
    )

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert (
        f"feeds/all.atom.xml: {HEADLINE!r} unpublished (Status: unpublished): {SAFETY_UID}"
    ) in lines
    assert " vanished: " not in result.output
    # all.atom, all.rss, all.json; Transport atom and rss; Ferries and Kessel Island
    # atom and rss: the nine feeds that carried it. The hidden article has no Uid.
    assert lines[-1].endswith(": 0 problems, 9 unpublished, 1 article without Uid")


# The plugin's helpers on plain data


@pytest.fixture
def withdrawn_module(monkeypatch):
    """The plugin module, imported the way Pelican imports it (top-level package)."""
    monkeypatch.syspath_prepend(str(ROOT / "plugins"))
    return importlib.import_module("withdrawn.withdrawn")


@pytest.mark.parametrize("status", ["unpublished", "Unpublished", " UNPUBLISHED\t"])
def test_an_unpublished_article_becomes_hidden_and_withdrawn(withdrawn_module, status):
    metadata = {"status": status, "summary": "<p>A summary.</p>", "title": "T"}

    assert withdrawn_module.mark_withdrawn(metadata) is True

    assert metadata == {
        "status": "hidden",
        "template": "withdrawn",
        "withdrawn": True,
        "title": "T",
    }


@pytest.mark.parametrize("status", [None, "published", "draft", "hidden", "unpublish"])
def test_other_statuses_are_left_alone_and_a_hand_written_mark_is_dropped(withdrawn_module, status):
    metadata = {"title": "T", "withdrawn": "yes"}
    if status is not None:
        metadata["status"] = status

    assert withdrawn_module.mark_withdrawn(metadata) is False

    assert metadata == {"title": "T", **({"status": status} if status else {})}


@pytest.mark.parametrize(
    ("plugins", "enabled"),
    [(["withdrawn"], True), (["plugins.withdrawn"], True), (["redirects"], False), ([], False)],
)
def test_the_handlers_run_only_for_a_build_that_lists_the_plugin(
    withdrawn_module, plugins, enabled
):
    generator = type("Generator", (), {"settings": {"PLUGINS": plugins}})()
    metadata = {"status": "unpublished"}

    withdrawn_module.map_unpublished_status(generator, metadata=metadata)

    assert (metadata["status"] == "hidden") is enabled


@pytest.mark.parametrize(
    ("plugins", "kept"), [(["withdrawn"], ""), (["safe_html"], "<p>Text.</p>")]
)
def test_a_withdrawn_article_keeps_no_body(withdrawn_module, plugins, kept):
    article = type("Article", (), {})()
    article.settings = {"PLUGINS": plugins}
    article.metadata = {"withdrawn": True}
    article._content = "<p>Text.</p>"

    withdrawn_module.drop_withdrawn_body(article)

    assert article._content == kept


def test_digest_check_and_check_warn_of_the_withdrawn_story_and_pass(tmp_path):
    content = tmp_path / "content"
    write_content(content, SITE)
    runner = CliRunner()
    checked = runner.invoke(tasks.cli, ["digest", "check", "--content-dir", str(content)])
    assert checked.exit_code == 0, checked.output
    assert (
        "digests/2025-03-14-ferries-in-march.md:10: warning: "
        "'night-ferry-operator-skipped-safety-checks' was withdrawn"
    ) in checked.output
    assert checked.output.strip().splitlines()[-1] == (
        "1 digest, 3 stories checked: 0 problems, 1 withdrawn"
    )
    linted = runner.invoke(tasks.cli, ["check", "--content-dir", str(content)])
    assert linted.exit_code == 0, linted.output
    assert "was withdrawn" in linted.output and "1 withdrawn in digests" in linted.output
