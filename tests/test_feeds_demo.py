"""plugins/feeds on the demo site: every feed a real build writes, read with feedparser
and checked against the RSS 2.0, Atom (RFC 4287) and JSON Feed 1.1 specs by hand; two
builds made on different (faked) days give byte-identical feeds.

The demo corpus is imported once (samples/raw, as tests/test_site.py does), its digest
issues copied in with one draft issue added, and the site built twice, each build in a
subprocess whose clock a ``sitecustomize`` shim moves to another day.
"""

from __future__ import annotations

import email.utils
import json
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import feedparser
import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner
from conftest import ROOT, SAMPLES
from lxml import etree

import tasks

SITE_URL = "https://news.example"
ATOM = "{http://www.w3.org/2005/Atom}"
RFC_3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
CLOCKS = {"first": "2031-03-04T10:00:00+00:00", "second": "2032-09-17T22:30:00+00:00"}

DRAFT_ISSUE_PATH = "digests/2025-07-04-summer-round-up.md"
DRAFT_ISSUE = """\
Title: Summer round-up
Date: 2025-07-04
Summary: Not ready yet.
Status: draft

Still being written.

## Trade

- tea-prices-slide-at-mombasa-auction-as-buyers-hold-back
  A note in progress.
"""

# Moves the clock of the process it is loaded into to $BROADSHEET_TEST_CLOCK: time.time
# (which date.today() and datetime.today() read) and datetime.now()/utcnow(). The
# feeds plugin never reads this variable; it is the build's clock that moves.
SITECUSTOMIZE = """\
import datetime as _datetime
import os as _os
import time as _time

_target = _datetime.datetime.fromisoformat(_os.environ["BROADSHEET_TEST_CLOCK"])
_offset = _target.timestamp() - _time.time()
_real_time, _real_time_ns = _time.time, _time.time_ns
_time.time = lambda: _real_time() + _offset
_time.time_ns = lambda: _real_time_ns() + int(_offset * 1e9)
_RealDatetime = _datetime.datetime


class _DatetimeType(type):
    def __instancecheck__(cls, instance):
        return isinstance(instance, _RealDatetime)

    def __subclasscheck__(cls, subclass):
        return issubclass(subclass, _RealDatetime)


class _MovedDatetime(_RealDatetime, metaclass=_DatetimeType):
    @classmethod
    def now(cls, tz=None):
        return _RealDatetime.fromtimestamp(_time.time(), tz)

    @classmethod
    def utcnow(cls):
        return _RealDatetime.fromtimestamp(_time.time(), _datetime.UTC).replace(tzinfo=None)


_datetime.datetime = _MovedDatetime
"""

BUILD_SCRIPT = """\
import datetime, sys
from pathlib import Path
print("clock", datetime.datetime.now(datetime.UTC).isoformat(), datetime.date.today(), flush=True)
sys.path.insert(0, sys.argv[4])
from conftest import build_pelican_site
build_pelican_site(Path(sys.argv[1]), Path(sys.argv[2]), FEEDS_SITEURL=sys.argv[3])
"""


def build_on(day: str, content: Path, output: Path, shim: Path) -> str:
    """Build content into output in a subprocess whose clock reads day; return its clock line."""
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(shim),
        "BROADSHEET_TEST_CLOCK": day,
        "HOME": str(shim),
    }
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            BUILD_SCRIPT,
            str(content),
            str(output),
            SITE_URL,
            str(ROOT / "tests"),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return next(line for line in result.stdout.splitlines() if line.startswith("clock "))


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> SimpleNamespace:
    root = tmp_path_factory.mktemp("demo")
    content = root / "content"
    imported = CliRunner().invoke(
        tasks.cli, ["import", str(SAMPLES), "--content-dir", str(content)]
    )
    assert imported.exit_code == 0, imported.output
    shutil.copytree(ROOT / "content" / "digests", content / "digests")
    (content / DRAFT_ISSUE_PATH).write_text(DRAFT_ISSUE, encoding="utf-8")
    shim = root / "shim"
    shim.mkdir()
    (shim / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    clocks = {name: build_on(day, content, root / name, shim) for name, day in CLOCKS.items()}
    return SimpleNamespace(
        content=content, output=root / "first", second=root / "second", clocks=clocks
    )


# --- what the content says the feeds must hold --------------------------------------------------


def header(path: Path) -> dict[str, str]:
    """The Key: value header of an article or digest file."""
    meta = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            break
        key, _, value = line.partition(":")
        meta[key.strip().lower()] = value.strip()
    return meta


def aware(value: str) -> datetime:
    moment = datetime.fromisoformat(value.replace(" ", "T", 1))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # TIMEZONE is UTC


def published_articles(content: Path) -> list[dict[str, str]]:
    """The published articles' headers, newest first (ties by Uid, as the plugin orders)."""
    articles = [header(path) for path in (content / "articles").rglob("*.md")]
    articles = [a for a in articles if a.get("status", "published") == "published"]
    return sorted(articles, key=lambda a: (aware(a["date"]), a["uid"]), reverse=True)


def published_issue_ids(content: Path) -> list[str]:
    issues = []
    for path in (content / "digests").glob("*.md"):
        meta = header(path)
        if meta.get("status") == "published":
            day, slug = path.stem[:10], path.stem[11:]
            issues.append((aware(meta["date"]), f"tag:broadsheet,{day}:digest/{slug}"))
    return [issue_id for _, issue_id in sorted(issues, reverse=True)]


def feed_files(output: Path) -> list[Path]:
    return sorted(p for p in (output / "feeds").rglob("*") if p.is_file())


def feed_url(output: Path, path: Path) -> str:
    return f"{SITE_URL}/{path.relative_to(output).as_posix()}"


def absolute_urls_only(html: str) -> None:
    soup = BeautifulSoup(html, "html.parser")
    for attribute in ("href", "src"):
        for element in soup.find_all(attrs={attribute: True}):
            assert urlsplit(element[attribute]).scheme in ("http", "https"), element


# --- the specs, checked by hand -----------------------------------------------------------------


def check_rss(path: Path, url: str) -> list[str]:
    """RSS 2.0's required elements and RFC 822 dates; return the items' guids in order."""
    root = etree.parse(path).getroot()
    assert (root.tag, root.get("version")) == ("rss", "2.0")
    channel = root.find("channel")
    for name in ("title", "link", "description"):
        assert (channel.findtext(name) or "").strip(), f"{path}: channel has no {name}"
    assert urlsplit(channel.findtext("link")).scheme == "https"
    [self_link] = [link for link in channel.findall(f"{ATOM}link") if link.get("rel") == "self"]
    assert self_link.get("href") == url
    assert channel.findtext("language") == "en"
    assert channel.findtext("generator")
    build_date = email.utils.parsedate_to_datetime(channel.findtext("lastBuildDate"))
    assert build_date.tzinfo is not None
    guids, dates = [], []
    for item in channel.findall("item"):
        assert item.findtext("title") or item.findtext("description")
        assert urlsplit(item.findtext("link")).scheme == "https"
        guid = item.find("guid")
        assert guid is not None and guid.text and guid.get("isPermaLink") == "false"
        published = email.utils.parsedate_to_datetime(item.findtext("pubDate"))
        assert published.tzinfo is not None
        enclosure = item.find("enclosure")
        if enclosure is not None:
            assert urlsplit(enclosure.get("url")).scheme == "https"
            assert enclosure.get("type", "").startswith("image/")
            assert enclosure.get("length", "").isdigit()
        guids.append(guid.text)
        dates.append(published)
    assert dates == sorted(dates, reverse=True)
    # RSS items have no updated date: the channel's is at least the newest pubDate.
    assert build_date >= max(dates, default=EPOCH)
    return guids


def check_atom(path: Path, url: str) -> list[str]:
    """RFC 4287's required elements and RFC 3339 dates; return the entries' ids in order."""
    root = etree.parse(path).getroot()
    assert root.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert (root.findtext(f"{ATOM}{name}") or "").strip(), f"{path}: feed has no {name}"
    assert RFC_3339.match(root.findtext(f"{ATOM}updated"))
    links = {link.get("rel", "alternate"): link for link in root.findall(f"{ATOM}link")}
    assert links["self"].get("href") == url
    assert urlsplit(links["alternate"].get("href")).scheme == "https"
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    assert root.findtext(f"{ATOM}subtitle") and root.findtext(f"{ATOM}generator")
    feed_author = root.findtext(f"{ATOM}author/{ATOM}name")
    ids, published, updated = [], [], []
    for entry in root.findall(f"{ATOM}entry"):
        for name in ("id", "title", "updated"):
            assert (entry.findtext(f"{ATOM}{name}") or "").strip(), f"{path}: entry has no {name}"
        for name in ("updated", "published"):
            assert RFC_3339.match(entry.findtext(f"{ATOM}{name}")), name
        assert feed_author or entry.findtext(f"{ATOM}author/{ATOM}name")
        rels = [link.get("rel", "alternate") for link in entry.findall(f"{ATOM}link")]
        assert rels.count("alternate") == 1 and set(rels) <= {"alternate", "related", "enclosure"}
        assert entry.find(f"{ATOM}content") is not None
        ids.append(entry.findtext(f"{ATOM}id"))
        published.append(datetime.fromisoformat(entry.findtext(f"{ATOM}published")))
        updated.append(datetime.fromisoformat(entry.findtext(f"{ATOM}updated")))
    assert published == sorted(published, reverse=True)
    # The feed's updated is its newest entry's, not the build's clock.
    assert datetime.fromisoformat(root.findtext(f"{ATOM}updated")) == max(updated, default=EPOCH)
    return ids


def check_json_feed(path: Path, url: str) -> list[str]:
    """JSON Feed 1.1's required and typed fields; return the items' ids in order."""
    feed = json.loads(path.read_bytes().decode("utf-8"))
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert isinstance(feed["title"], str) and feed["title"]
    assert feed["feed_url"] == url
    assert urlsplit(feed["home_page_url"]).scheme == "https"
    for key in ("description", "language"):
        assert isinstance(feed[key], str) and feed[key]
    assert all(isinstance(author["name"], str) for author in feed["authors"])
    assert isinstance(feed["items"], list)
    ids, published = [], []
    for item in feed["items"]:
        assert isinstance(item["id"], str) and item["id"]
        assert isinstance(item.get("content_html") or item.get("content_text"), str)
        for key in ("url", "external_url", "image"):
            if key in item:
                assert urlsplit(item[key]).scheme == "https", (key, item[key])
        for key in ("title", "summary"):
            assert isinstance(item.get(key, ""), str)
        for key in ("date_published", "date_modified"):
            assert RFC_3339.match(item[key]), (key, item[key])
        assert all(isinstance(tag, str) for tag in item.get("tags", []))
        assert all(isinstance(a["name"], str) for a in item.get("authors", []))
        ids.append(item["id"])
        published.append(datetime.fromisoformat(item["date_published"]))
    assert published == sorted(published, reverse=True)
    return ids


# --- the tests ------------------------------------------------------------------------------------


def test_every_feed_parses_with_its_entries_newest_first(demo):
    output = demo.output
    articles = published_articles(demo.content)
    site_ids = [a["uid"] for a in articles]
    site = json.loads((output / "feeds/all.json").read_text(encoding="utf-8"))
    tags_of = {item["id"]: set(item.get("tags", [])) for item in site["items"]}
    category_of = {a["uid"]: a.get("category", "News") for a in articles}

    files = feed_files(output)
    feeds = [p for p in files if p.suffix in (".xml", ".json")]
    seen_tags, seen_categories = set(), set()
    for path in feeds:
        url = feed_url(output, path)
        relative = path.relative_to(output / "feeds").as_posix()
        if path.suffix == ".json":
            ids = check_json_feed(path, url)
            title = json.loads(path.read_text(encoding="utf-8"))["title"]
            contents = [i["content_html"] for i in json.loads(path.read_text())["items"]]
        else:
            ids = check_atom(path, url) if path.name.endswith(".atom.xml") else check_rss(path, url)
            parsed = feedparser.parse(path.read_bytes())
            assert not parsed.bozo, (path, parsed.get("bozo_exception"))
            assert [entry.id for entry in parsed.entries] == ids
            for entry in parsed.entries:
                assert entry.title and entry.link.startswith(SITE_URL + "/")
                assert entry.published_parsed and entry.content[0].value and entry.summary
            title = parsed.feed.title
            contents = [entry.content[0].value for entry in parsed.entries]
        for html in contents:
            absolute_urls_only(html)

        if relative.startswith("all."):
            expected = site_ids
        elif relative.startswith("digests."):
            expected = published_issue_ids(demo.content)
        elif relative.startswith("category/"):
            name = title.removeprefix("Broadsheet: ")
            seen_categories.add(name)
            expected = [i for i in site_ids if category_of[i] == name]
        else:
            assert relative.startswith("tag/"), relative
            name = title.removeprefix("Broadsheet: ")
            seen_tags.add(name)
            expected = [i for i in site_ids if name in tags_of[i]]
        assert ids == expected, relative
        assert ids, f"{relative} is empty"

    names = {p.relative_to(output / "feeds").as_posix() for p in feeds}
    assert {
        "all.atom.xml",
        "all.rss.xml",
        "all.json",
        "digests.atom.xml",
        "digests.rss.xml",
    } <= names
    # A feed for every category and every tag (autotag's too), each in Atom and RSS.
    assert seen_categories == set(category_of.values())
    assert seen_tags == set().union(*tags_of.values())
    assert len(names) == 5 + 2 * (len(seen_categories) + len(seen_tags))
    assert len(site_ids) == 20


def test_digest_feed_carries_whole_published_issues_only(demo):
    output = demo.output
    assert (output / "digests/2025/07/summer-round-up.html").exists()  # the preview builds it
    for name in ("digests.atom.xml", "digests.rss.xml"):
        feed = feedparser.parse((output / "feeds" / name).read_bytes())
        assert [entry.title for entry in feed.entries] == [
            "Night ferries and bin days",
            "Tea, coffee and a ferry terminal",
        ]
        for entry in feed.entries:
            issue = next(
                (demo.content / "digests").glob(f"*-{entry.link.rsplit('/', 1)[1][:-5]}.md")
            )
            stories = [
                line
                for line in issue.read_text(encoding="utf-8").splitlines()
                if line.startswith("- ")
            ]
            soup = BeautifulSoup(entry.content[0].value, "html.parser")
            links = soup.select("h3 a")
            assert len(links) == len(stories)
            for link in links:  # each story links to our page for it
                page = output / urlsplit(link["href"]).path.lstrip("/")
                assert page.is_file(), link["href"]
                title = BeautifulSoup(page.read_text(encoding="utf-8"), "lxml").h1.get_text(
                    strip=True
                )
                assert link.get_text(strip=True) == title
            assert soup.select("p.source")
            assert "Summer round-up" not in entry.content[0].value
        intro = BeautifulSoup(feed.entries[0].content[0].value, "html.parser").p.get_text()
        assert intro.startswith("Two local services, two ways of settling a dispute.")
        assert "The return, with the flat night-shift fare" in feed.entries[0].content[0].value


def test_opml_lists_every_feed_written_in_a_fixed_order(demo):
    output = demo.output
    root = etree.parse(output / "feeds/feeds.opml").getroot()
    assert root.get("version") == "2.0"
    assert root.findtext("head/title") == "Broadsheet feeds"
    assert root.find("head/dateCreated") is None and root.find("head/dateModified") is None
    groups = root.findall("body/outline")
    assert [g.get("text") for g in groups] == ["Broadsheet", "Digests", "Categories", "Tags"]
    listed = [o for g in groups for o in g.findall("outline")]
    for outline in listed:
        assert outline.get("type") == "rss" and outline.get("text") and outline.get("title")
        assert urlsplit(outline.get("htmlUrl")).scheme == "https"
    written = [p for p in feed_files(output) if p.suffix in (".xml", ".json")]
    urls = [o.get("xmlUrl") for o in listed]
    assert sorted(urls) == sorted(feed_url(output, p) for p in written)
    tag_urls = [u for u in urls if "/feeds/tag/" in u]
    assert tag_urls == sorted(tag_urls, key=lambda u: u.rsplit("/", 1)[1].split(".")[0])


def test_builds_on_different_days_write_byte_identical_feeds(demo):
    # The shim did move each build's clock, to a different day.
    assert demo.clocks["first"].startswith("clock 2031-03-04T10:00") and demo.clocks[
        "first"
    ].endswith(" 2031-03-04")
    assert demo.clocks["second"].startswith("clock 2032-09-17T22:30") and demo.clocks[
        "second"
    ].endswith(" 2032-09-17")
    first, second = feed_files(demo.output), feed_files(demo.second)
    assert [p.relative_to(demo.output) for p in first] == [
        p.relative_to(demo.second) for p in second
    ]
    assert len(first) > 10
    for one, other in zip(first, second, strict=True):
        assert one.read_bytes() == other.read_bytes(), one
    # UTF-8 text, not \\u escapes, in the JSON Feed.
    assert "’".encode() in (demo.output / "feeds/all.json").read_bytes()
