"""`tasks.py check`: content warnings and feed id stability against the last published
site, with real Pelican builds before and after an edit, compared as folders and over
HTTP."""

from __future__ import annotations

import http.server
import threading
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner
from conftest import ALL_FEEDS as FEEDS
from conftest import build_pelican_site, write_content

import tasks
from broadsheet.feedcheck import (
    CHANGED,
    FeedCheckError,
    PublishedSet,
    compare_feed,
    fallback_entry_id,
    parse_feed_document,
)


def article(title: str, day: str, uid: str | None, tags: str = "Harbour") -> str:
    uid_line = f"Uid: {uid}\n" if uid else ""
    return (
        f"Title: {title}\nDate: {day}\n{uid_line}Category: Local\nTags: {tags}\n"
        f"Autotag: off\n\n{title}, the council said on Monday.\n"
    )


DREDGING = "articles/2025/03/harbour-dredging-starts.md"
LIBRARY = "articles/2025/03/library-opens-on-sundays.md"
FARES = "articles/2025/03/ferry-fares-to-rise.md"
BRIDGE = "articles/2025/02/bridge-repairs-finished.md"  # hand-written: no Uid
SITE = {
    DREDGING: article("Harbour dredging starts", "2025-03-01", "tag:broadsheet,2025-03-01:d1"),
    LIBRARY: article(
        "Library opens on Sundays", "2025-03-02", "tag:broadsheet,2025-03-02:l2", "Library"
    ),
    FARES: article("Ferry fares to rise", "2025-03-03", "tag:broadsheet,2025-03-03:f3"),
    BRIDGE: article("Bridge repairs finished", "2025-02-20", None, "Bridges"),
}
BRIDGE_ID = "tag:broadsheet,2025-02-20:articles/2025/02/bridge-repairs-finished.md"


class Site:
    """A content folder and its builds: `published` first, then edits, then `build`."""

    def __init__(self, root: Path, files: dict[str, str], **settings) -> None:
        self.root = root
        self.content = root / "content"
        self.settings = {**FEEDS, **settings}
        write_content(self.content, files)
        self.published = self.build("published")

    def build(self, name: str = "output", **settings) -> Path:
        output = self.root / name
        return build_pelican_site(self.content, output, **{**self.settings, **settings})

    def edit(self, relative_path: str, old: str, new: str) -> None:
        path = self.content / relative_path
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new), encoding="utf-8")

    def check(self, *args: str):
        return CliRunner().invoke(tasks.cli, ["check", "--content-dir", str(self.content), *args])

    def check_against(self, against: str | Path, output: Path | None = None):
        output = output or self.build()
        return self.check("--output", str(output), "--against", str(against))


def feed_ids(output: Path, name: str = "feeds/all.atom.xml") -> list[str]:
    return [entry.id for entry in feedparser.parse((output / name).read_bytes()).entries]


@pytest.fixture
def site(tmp_path) -> Site:
    return Site(tmp_path, SITE)


def test_an_unchanged_build_passes(site):
    result = site.check_against(site.published)

    assert result.exit_code == 0, result.output
    summary = result.output.splitlines()[-1]
    assert f"compared with {site.published}: 0 problems" in summary
    # Atom, RSS and JSON site feeds, digest Atom and RSS, and Atom and RSS for the
    # category and each of three tags; not the OPML list, which is no feed
    assert "4 articles, 0 digests checked; 13 feeds (" in summary


def test_a_retitled_article_keeps_its_id(site):
    site.edit(DREDGING, "Title: Harbour dredging starts", "Title: Dredging of the harbour begins")
    output = site.build()
    assert "Dredging of the harbour begins" in (output / "feeds/all.atom.xml").read_text()

    result = site.check_against(site.published, output)

    assert result.exit_code == 0, result.output
    assert "0 problems" in result.output


def test_an_edited_uid_fails_naming_the_entry_and_both_ids(site):
    site.edit(FARES, "Uid: tag:broadsheet,2025-03-03:f3", "Uid: tag:broadsheet,2025-03-03:NEW")

    result = site.check_against(site.published)

    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    for feed in ("feeds/all.atom.xml", "feeds/all.rss.xml", "feeds/all.json"):
        assert (
            f"{feed}: 'Ferry fares to rise' changed id: "
            "tag:broadsheet,2025-03-03:f3 -> tag:broadsheet,2025-03-03:NEW"
        ) in lines
    assert "feeds/tag/harbour.atom.xml: 'Ferry fares to rise' changed id:" in result.output
    assert "Harbour dredging" not in result.output  # the other entries are fine
    assert "(7 changed ids, 0 vanished)" in lines[-1]  # 3 site, 2 category and 2 tag feeds


def test_a_deleted_article_has_vanished(site):
    (site.content / LIBRARY).unlink()

    result = site.check_against(site.published)

    assert result.exit_code == 1, result.output
    vanished = [line for line in result.output.splitlines() if " vanished: " in line]
    assert sorted(line.split(":")[0] for line in vanished) == [
        "feeds/all.atom.xml",
        "feeds/all.json",
        "feeds/all.rss.xml",
        "feeds/category/local.atom.xml",
        "feeds/category/local.rss.xml",
    ]  # feeds/tag/library.* are gone from the build: nothing to compare
    assert all(
        "'Library opens on Sundays' vanished: tag:broadsheet,2025-03-02:l2" in line
        for line in vanished
    )


def test_a_stale_feed_in_the_output_folder_does_not_hide_a_vanished_entry(site):
    output = site.build()  # the Library tag's feeds are written here ...
    (site.content / LIBRARY).unlink()
    site.build()  # ... and left in place: Pelican does not empty the output folder
    assert "tag:broadsheet,2025-03-02:l2" in feed_ids(output, "feeds/tag/library.atom.xml")

    result = site.check_against(site.published, output)

    assert result.exit_code == 1, result.output
    assert "feeds/all.atom.xml: 'Library opens on Sundays' vanished: " in result.output


def test_an_article_set_to_draft_is_unpublished_not_vanished(site):
    site.edit(LIBRARY, "Autotag: off\n", "Autotag: off\nStatus: draft\n")
    output = site.build()
    assert "tag:broadsheet,2025-03-02:l2" not in feed_ids(output)

    result = site.check_against(site.published, output)

    assert result.exit_code == 0, result.output
    assert (
        "feeds/all.atom.xml: 'Library opens on Sundays' unpublished (Status: draft): "
        "tag:broadsheet,2025-03-02:l2"
    ) in result.output.splitlines()
    assert "vanished" not in result.output.replace("0 vanished", "")
    assert result.output.splitlines()[-1].endswith(
        "0 problems, 5 unpublished, 1 article without Uid"
    )


def test_an_entry_pushed_out_by_the_item_cap_is_still_published(tmp_path):
    # One category, no tags: with two items per feed the oldest article is in no feed.
    files = {path: text.replace("Tags: ", "Tags_x: ") for path, text in SITE.items()}
    site = Site(tmp_path, {path: files[path] for path in (BRIDGE, DREDGING, LIBRARY)})
    site.settings["FEEDS_MAX_ITEMS"] = 2
    published = site.build("published")
    assert feed_ids(published) == ["tag:broadsheet,2025-03-02:l2", "tag:broadsheet,2025-03-01:d1"]
    write_content(site.content, {FARES: files[FARES]})
    output = site.build()
    feeds = [feed.relative_to(output) for feed in (output / "feeds").rglob("*.xml")]
    every_id = {entry_id for feed in feeds for entry_id in feed_ids(output, feed)}
    assert "tag:broadsheet,2025-03-01:d1" not in every_id  # pushed out of every feed

    result = site.check_against(published, output)

    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1].endswith(": 0 problems, 1 article without Uid")


def test_a_hand_written_article_pushed_out_keeps_its_path_and_date_id(tmp_path):
    site = Site(tmp_path, {BRIDGE: SITE[BRIDGE].replace("Tags: Bridges\n", "")})
    site.settings["FEEDS_MAX_ITEMS"] = 1
    published = site.build("published")
    assert feed_ids(published) == [BRIDGE_ID]
    assert fallback_entry_id(BRIDGE, "2025-02-20", "broadsheet") == BRIDGE_ID
    write_content(site.content, {FARES: SITE[FARES].replace("Tags: Harbour\n", "")})

    result = site.check_against(published)

    assert result.exit_code == 0, result.output
    # moving the file changes the id the plugin gives it: now it has vanished
    moved = site.content / "articles/2025/02/bridge-repairs-done.md"
    (site.content / BRIDGE).rename(moved)
    result = site.check_against(published)
    assert result.exit_code == 1, result.output
    assert f"'Bridge repairs finished' vanished: {BRIDGE_ID}" in result.output


@pytest.fixture
def served(tmp_path):
    """Serve a folder on 127.0.0.1 (set `served.folder`); records each User-Agent."""

    class State:
        folder: Path = tmp_path
        agents: list[str] = []

    state = State()

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(state.folder), **kwargs)

        def do_GET(self):  # noqa: N802 (the stdlib's name)
            state.agents.append(self.headers.get("User-Agent", ""))
            super().do_GET()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/"
    yield state
    server.shutdown()
    server.server_close()


def test_against_a_url_fetches_each_feed_over_http(site, served):
    """The published site served by a real HTTP server; feeds fetched with fetch_url."""
    served.folder = site.published
    assert site.check_against(served.url).exit_code == 0

    site.edit(FARES, "Uid: tag:broadsheet,2025-03-03:f3", "Uid: tag:broadsheet,2025-03-03:NEW")
    (site.content / LIBRARY).unlink()
    result = site.check_against(served.url)

    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert (
        "feeds/all.json: 'Ferry fares to rise' changed id: "
        "tag:broadsheet,2025-03-03:f3 -> tag:broadsheet,2025-03-03:NEW"
    ) in lines
    assert any(
        line.startswith("feeds/all.rss.xml: 'Library opens on Sundays' vanished: ")
        for line in lines
    )
    assert f"compared with {served.url}: " in lines[-1]
    assert served.agents and all(agent.startswith("Broadsheet/") for agent in served.agents)


@pytest.mark.parametrize("where", ["folder", "url"])
def test_a_location_without_feeds_is_a_one_line_error(site, served, tmp_path, where):
    empty = tmp_path / "empty"
    empty.mkdir()
    served.folder = empty

    result = site.check_against(served.url if where == "url" else empty)

    assert result.exit_code == 1
    assert result.output.count("\n") == 1
    assert "none of this build's 13 feeds (feeds/all.atom.xml, feeds/all.json, ...)" in (
        result.output
    )


def test_an_unreachable_url_is_a_one_line_error(site):
    result = site.check_against("http://127.0.0.1:9/")  # the discard port: nothing listens

    assert result.exit_code == 1
    assert result.output.count("\n") == 1
    assert result.output.startswith("Error: cannot compare with http://127.0.0.1:9/: ")


def test_articles_without_uid_are_warned_of_one_line_each(site):
    write_content(
        site.content,
        {"articles/2025/03/quay-lights.md": article("Quay lights", "2025-03-04", None)},
    )

    result = site.check()

    assert result.exit_code == 0, result.output
    warning = "warning: should be given a Uid: its feed id comes from its path and date"
    assert result.output.splitlines() == [
        f"{site.content / BRIDGE}: {warning}",
        f"{site.content / 'articles/2025/03/quay-lights.md'}: {warning}",
        "5 articles, 0 digests checked: 0 problems, 2 articles without Uid",
    ]


def test_a_digest_naming_no_article_is_a_problem(site):
    write_content(
        site.content,
        {
            "digests/2025-03-05-week.md": (
                "Title: The week\nDate: 2025-03-05\nStatus: published\n\n## Local\n\n"
                "- harbour-dredging-starts\n  Note.\n- no-such-story\n  Note.\n"
            )
        },
    )

    result = site.check()

    assert result.exit_code == 1
    assert "digests/2025-03-05-week.md:9: 'no-such-story' names no article" in result.output


def test_output_without_against_is_a_usage_error(site):
    result = site.check("--output", str(site.published))

    assert result.exit_code == 2
    assert "give --against too" in result.output


# --- broadsheet.feedcheck on inline feeds -------------------------------------------------------


def atom(site: str, entries: list[tuple[str, str, str]]) -> bytes:
    body = "".join(
        f"<entry><id>{i}</id><title>{t}</title><link href='{site}/{p}' rel='alternate'/>"
        f"<link href='https://outlet.example/{p}' rel='related'/></entry>"
        for i, t, p in entries
    )
    return (
        "<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'>"
        f"<link href='{site}/feeds/all.atom.xml' rel='self'/>{body}</feed>"
    ).encode()


def test_permalinks_match_under_each_site_s_root():
    """A site published under a sub-path, checked against a local build at the root."""
    old = parse_feed_document(
        atom("https://example.org/news", [("u1", "Old title", "2025/03/a.html")]), "old"
    )
    new = parse_feed_document(
        atom("http://127.0.0.1:8000", [("u2", "New title", "2025/03/a.html")]), "new"
    )

    [finding] = compare_feed("feeds/all.atom.xml", old, new, PublishedSet(ids=frozenset({"u2"})))

    assert (finding.kind, finding.old_id, finding.new_id) == (CHANGED, "u1", "u2")
    assert finding.line() == "feeds/all.atom.xml: 'Old title' changed id: u1 -> u2"


@pytest.mark.parametrize(
    "data, ids",
    [
        (atom("https://example.org", [("u1", "A", "a.html")]), ["u1"]),
        (
            b"<rss version='2.0'><channel><item><title>A</title><link>https://x.example/a</link>"
            b"<guid isPermaLink='false'>u1</guid></item><item><title>B</title>"
            b"<link>https://x.example/b</link></item></channel></rss>",
            ["u1", "https://x.example/b"],  # no guid: readers use the link
        ),
        (
            b'{"version": "https://jsonfeed.org/version/1.1", "items": '
            b'[{"id": "u1", "url": "https://x.example/a", "title": "A"}]}',
            ["u1"],
        ),
    ],
)
def test_atom_rss_and_json_feeds_are_read(data, ids):
    assert [entry.id for entry in parse_feed_document(data, "feed").entries] == ids


@pytest.mark.parametrize(
    "data",
    [
        b"<?xml version='1.0'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'/>",
        b"<opml version='2.0'><body/></opml>",
        b'{"index": []}',
        b"",
    ],
)
def test_other_documents_are_not_feeds(data):
    assert parse_feed_document(data, "file") is None


@pytest.mark.parametrize("data", [b"<feed><entry>", b'{"version": '])
def test_a_malformed_feed_is_refused_naming_it(data):
    with pytest.raises(FeedCheckError, match=r"^feeds/x at https://example\.org/: malformed"):
        parse_feed_document(data, "feeds/x at https://example.org/")
