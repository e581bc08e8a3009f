"""plugins/feeds with the content cache on: a rebuild puts back the feed files whose
inputs have not changed and renders the rest, and writes exactly the feeds a cold build
of the same content and settings writes, after articles are added, edited and deleted,
a setting the feeds show or an outlet's full-text rule changes, a feed file in the
output is changed by something else, or the cache is from other code or corrupt."""

from __future__ import annotations

import filecmp
import pickle
import shutil
from pathlib import Path

import feedparser
import pytest
from conftest import ALL_FEEDS, build_pelican_site, cold_publish_build, load_bench, write_content

import tasks

SITE_URL = "https://news.example"
FEEDS = "feeds"  # the folder every feed is written to, in these tests' settings
CACHE_FOLDER = "feeds"  # plugins/feeds' folder under CACHE_PATH


def feed_files(output: Path) -> list[str]:
    files = (path for path in (output / FEEDS).rglob("*") if path.is_file())
    return sorted(str(path.relative_to(output)) for path in files)


def assert_same_feeds(output: Path, cold: Path) -> None:
    """Every feed file of output is in cold, byte for byte, and no other."""
    names = feed_files(cold)
    assert feed_files(output) == names
    _, mismatch, errors = filecmp.cmpfiles(output, cold, names, shallow=False)
    assert (mismatch, errors) == ([], [])


def file_ids(output: Path) -> dict[str, tuple[int, int]]:
    """Each feed file's inode and modification time."""
    return {
        name: ((output / name).stat().st_ino, (output / name).stat().st_mtime_ns)
        for name in feed_files(output)
    }


def put_back(earlier: dict[str, tuple[int, int]], output: Path, name: str) -> bool:
    """True when the output file is the very file an earlier build wrote there: put back
    from the cache (the output folder is deleted at the start of every build)."""
    return earlier.get(name) == file_ids(output).get(name)


# A real publish build of a generated site, every plugin on.

COUNT = 30


def publish_build(content: Path, output: Path) -> Path:
    return tasks.run_pelican(publish=True, output=output, content_dir=content)


def test_cached_rebuild_after_adding_editing_and_deleting_writes_a_cold_builds_feeds(
    tmp_path, monkeypatch
):
    bench = load_bench("build")
    content = tmp_path / "content"
    writer = bench.generate_site(content, COUNT)
    cache = tmp_path / "cache"
    monkeypatch.setenv("BROADSHEET_CONTENT_CACHE", str(cache))
    first = publish_build(content, tmp_path / "site")
    earlier = file_ids(first)

    # A curator's day: a new story, one retitled and retagged, one taken down.
    added = bench.add_article(content, writer, COUNT)
    articles = sorted((content / "articles").rglob("*.md"))
    digests = "\n".join(p.read_text(encoding="utf-8") for p in (content / "digests").glob("*.md"))
    unlisted = [a for a in articles if a.stem not in digests and a != added]
    edited, deleted = unlisted[0], unlisted[1]
    text = edited.read_text(encoding="utf-8")
    title = next(line for line in text.splitlines() if line.startswith("Title: "))
    tags = next(line for line in text.splitlines() if line.startswith("Tags: "))
    text = text.replace(title, "Title: Ferry operator corrects its winter timetable", 1)
    edited.write_text(text.replace(tags, tags + ", Ferry corrections", 1), encoding="utf-8")
    deleted.unlink()
    incremental = publish_build(content, tmp_path / "site")

    cold = cold_publish_build(content, tmp_path, monkeypatch)

    assert_same_feeds(incremental, cold)
    corrections = feedparser.parse(incremental / "feeds/tag/ferry-corrections.atom.xml")
    assert [entry.title for entry in corrections.entries] == [
        "Ferry operator corrects its winter timetable"
    ]
    # Feeds holding none of the day's stories were put back, the others made again.
    assert any(put_back(earlier, incremental, name) for name in earlier)
    assert not put_back(earlier, incremental, "feeds/all.atom.xml")


# A tiny site, the feeds plugin alone.

STORY = """\
Title: {title}
Date: {date}
Slug: {slug}
Category: {category}
Tags: {tags}
Source: {source}
Source_url: https://{host}/news/{slug}
Image: {image}
Image_caption: {caption}

{body}
"""

ARTICLES = {
    "harbour": dict(
        title="Harbour town keeps its lighthouse",
        date="2024-01-20T09:00:00+00:00",
        category="World",
        tags="Lighthouses, Local government",
        source="The Coastal Gazette",
        host="gazette.example",
        image="https://gazette.example/media/lighthouse.jpg",
        caption="The lighthouse at dusk",
        body=(
            "Residents voted on Friday to keep the lighthouse.\n\n"
            "The keepers' cottage will become a museum, and the pier will be "
            "[repaired next](notes/pier.html).\n"
        ),
    ),
    "orchard": dict(
        title="Orchard growers report a record cider harvest",
        date="2024-02-03T14:15:00+01:00",
        category="Business",
        tags="Farming, Local government",
        source="Valley Courier",
        host="courier.example",
        image="images/2024/02/orchard.jpg",  # kept on the site: absolute on FEEDS_SITEURL
        caption="Apples in crates",
        body=(
            "Growers across the valley pressed more apples than in any year.\n\n"
            "A late frost had been feared, but the blossom survived the cold snap.\n"
        ),
    ),
    "ferry": dict(
        title="Ferry timetable changes for winter",
        date="2024-01-22T08:00:00+00:00",
        category="Transport",
        tags="Ferries",
        source="The Coastal Gazette",
        host="gazette.example",
        image="https://gazette.example/media/ferry.png",
        caption="The ferry at the quay",
        body=(
            "The winter timetable starts next week, with two fewer sailings a day.\n\n"
            "Read why in [our harbour story]({filename}harbour.md).\n"
        ),
    ),
}

SOURCES_FULL_TEXT = "outlets: {}\n"
SOURCES_GAZETTE_SUMMARY_ONLY = """\
outlets:
  gazette:
    name: The Coastal Gazette
    domains: [gazette.example]
    full_text: false
"""


def story(slug: str, **changes: str) -> str:
    return STORY.format(slug=slug, **{**ARTICLES[slug], **changes})


def write_site(content: Path, **stories: str) -> None:
    """The three articles (each replaced by stories[slug] when given) and sources.yml."""
    files = {f"articles/{slug}.md": stories.get(slug) or story(slug) for slug in ARTICLES}
    write_content(content, {**files, "sources.yml": SOURCES_FULL_TEXT})


def build(content: Path, output: Path, cache: Path | None, **overrides) -> Path:
    """A build of the feeds alone, with the content cache in `cache` (None: off)."""
    settings = {
        **ALL_FEEDS,
        "FEEDS_SITEURL": SITE_URL,
        "PLUGINS": ["feeds"],
        "DELETE_OUTPUT_DIRECTORY": True,
        **overrides,
    }
    if cache is not None:
        settings.update(
            CACHE_CONTENT=True,
            LOAD_CONTENT_CACHE=True,
            CACHE_PATH=str(cache),
            CHECK_MODIFIED_METHOD="sha256",
        )
    return build_pelican_site(content, output, **settings)


@pytest.fixture
def site(tmp_path) -> Path:
    content = tmp_path / "content"
    write_site(content)
    return content


def cold_build(tmp_path: Path, content: Path, **overrides) -> Path:
    """A build without the cache of a copy of content (so nothing is shared with it)."""
    copy = tmp_path / "cold-content"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(content, copy)
    return build(copy, tmp_path / "cold", None, **overrides)


def test_a_rebuild_with_nothing_changed_puts_every_feed_back(site, tmp_path):
    cache = tmp_path / "cache"
    earlier = file_ids(build(site, tmp_path / "site", cache))
    output = build(site, tmp_path / "site", cache)

    assert_same_feeds(output, cold_build(tmp_path, site))
    feeds = [name for name in earlier if name != ALL_FEEDS["FEEDS_OPML_PATH"]]
    assert len(feeds) > 10 and all(put_back(earlier, output, name) for name in feeds)


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param({"title": "Harbour town votes to keep its lighthouse"}, id="retitled"),
        pytest.param({"tags": "Lighthouses, Museums"}, id="retagged"),
        pytest.param({"category": "Local"}, id="recategorised"),
        pytest.param({"date": "2024-03-01T07:00:00+00:00"}, id="redated"),
        pytest.param({"source": "Gazette Weekly"}, id="new-source-name"),
        pytest.param({"host": "gazette.example.org"}, id="new-source-url"),
        pytest.param({"image": "images/2024/01/lighthouse.webp"}, id="new-lead-image"),
        pytest.param({"caption": "The lighthouse at dawn"}, id="new-caption"),
        pytest.param(
            {"body": "Residents voted on Friday to keep the lighthouse, and a bell.\n"},
            id="body-corrected",
        ),
    ],
)
def test_a_cached_rebuild_after_an_edit_writes_a_cold_builds_feeds(site, tmp_path, edit):
    cache = tmp_path / "cache"
    earlier = file_ids(build(site, tmp_path / "site", cache))
    (site / "articles/harbour.md").write_text(story("harbour", **edit), encoding="utf-8")
    output = build(site, tmp_path / "site", cache)

    assert_same_feeds(output, cold_build(tmp_path, site))
    # The Business feed holds only the orchard story: it was put back.
    assert put_back(earlier, output, "feeds/category/business.atom.xml")


def test_an_edited_article_is_new_in_its_tag_feeds(site, tmp_path):
    cache = tmp_path / "cache"
    build(site, tmp_path / "site", cache)
    retitled = story("orchard", title="Orchard growers count a record cider harvest")
    (site / "articles/orchard.md").write_text(retitled, encoding="utf-8")
    output = build(site, tmp_path / "site", cache)

    for name in ("feeds/tag/farming.atom.xml", "feeds/tag/local-government.rss.xml"):
        titles = [entry.title for entry in feedparser.parse(output / name).entries]
        assert "Orchard growers count a record cider harvest" in titles
        assert "Orchard growers report a record cider harvest" not in titles
    assert_same_feeds(output, cold_build(tmp_path, site))


def test_a_cached_rebuild_after_adding_and_deleting_writes_a_cold_builds_feeds(site, tmp_path):
    cache = tmp_path / "cache"
    build(site, tmp_path / "site", cache)
    write_content(
        site,
        {
            "articles/bridge.md": STORY.format(
                slug="bridge", **{**ARTICLES["harbour"], "title": "A new bridge opens"}
            )
        },
    )
    (site / "articles/orchard.md").unlink()
    output = build(site, tmp_path / "site", cache)

    assert_same_feeds(output, cold_build(tmp_path, site))
    assert not (output / "feeds/tag/farming.atom.xml").exists()
    assert not (tmp_path / "cache" / CACHE_FOLDER / "files/feeds/tag/farming.atom.xml").exists()


def test_a_linked_articles_new_url_reaches_the_feeds_of_the_one_linking_to_it(site, tmp_path):
    cache = tmp_path / "cache"
    build(site, tmp_path / "site", cache)
    moved = STORY.format(slug="harbour-lighthouse-vote", **ARTICLES["harbour"])
    (site / "articles/harbour.md").write_text(moved, encoding="utf-8")
    output = build(site, tmp_path / "site", cache)

    ferries = (output / "feeds/tag/ferries.atom.xml").read_text(encoding="utf-8")
    assert "/2024/01/harbour-lighthouse-vote.html" in ferries
    assert_same_feeds(output, cold_build(tmp_path, site))


@pytest.mark.parametrize(
    "setting",
    [
        pytest.param({"SITENAME": "The Harbour Post"}, id="SITENAME"),
        pytest.param({"SITESUBTITLE": "News from the coast"}, id="SITESUBTITLE"),
        pytest.param({"AUTHOR": "The Desk"}, id="AUTHOR"),
        pytest.param({"DEFAULT_LANG": "fr"}, id="DEFAULT_LANG"),
        pytest.param({"FEEDS_SITEURL": "https://harbour.example"}, id="FEEDS_SITEURL"),
        pytest.param({"FEEDS_MAX_ITEMS": 1}, id="FEEDS_MAX_ITEMS"),
        pytest.param({"FEEDS_MAX_BYTES": 3000}, id="FEEDS_MAX_BYTES"),
        pytest.param({"FEEDS_TAG_AUTHORITY": "harbour.example"}, id="FEEDS_TAG_AUTHORITY"),
        pytest.param({"SUMMARY_MAX_LENGTH": 5}, id="SUMMARY_MAX_LENGTH"),
        pytest.param({"SUMMARY_END_SUFFIX": " [more]", "SUMMARY_MAX_LENGTH": 5}, id="SUFFIX"),
        pytest.param({"ARTICLE_URL": "story/{slug}/"}, id="ARTICLE_URL"),
    ],
)
def test_a_cached_rebuild_after_a_setting_changes_writes_a_cold_builds_feeds(
    site, tmp_path, setting
):
    cache = tmp_path / "cache"
    before = build(site, tmp_path / "site", cache)
    before_feeds = {name: (before / name).read_bytes() for name in feed_files(before)}
    output = build(site, tmp_path / "site", cache, **setting)

    cold = cold_build(tmp_path, site, **setting)
    assert_same_feeds(output, cold)
    after_feeds = {name: (output / name).read_bytes() for name in feed_files(output)}
    assert after_feeds != before_feeds  # the setting shows in the feeds


def test_an_outlet_losing_its_full_text_right_is_summary_only_after_a_cached_rebuild(
    site, tmp_path
):
    cache = tmp_path / "cache"
    build(site, tmp_path / "site", cache)
    (site / "sources.yml").write_text(SOURCES_GAZETTE_SUMMARY_ONLY, encoding="utf-8")
    output = build(site, tmp_path / "site", cache)

    lighthouses = (output / "feeds/tag/lighthouses.atom.xml").read_text(encoding="utf-8")
    assert "Read the original at The Coastal Gazette" in lighthouses
    assert "museum" not in lighthouses
    assert_same_feeds(output, cold_build(tmp_path, site))


def test_a_feed_file_changed_in_the_output_is_made_again(site, tmp_path):
    cache = tmp_path / "cache"
    first = build(site, tmp_path / "site", cache)
    name = "feeds/tag/farming.atom.xml"
    with (first / name).open("ab") as handle:  # in place: the kept file is the same file
        handle.write(b"<!-- appended by another tool -->\n")
    output = build(site, tmp_path / "site", cache)

    assert b"another tool" not in (output / name).read_bytes()
    assert_same_feeds(output, cold_build(tmp_path, site))


def test_a_cache_from_another_code_version_is_ignored(site, tmp_path):
    cache = tmp_path / "cache"
    earlier = file_ids(build(site, tmp_path / "site", cache))
    index = cache / CACHE_FOLDER / "index.pickle"
    _, entries = pickle.loads(index.read_bytes())
    index.write_bytes(pickle.dumps(("another code version", entries)))
    output = build(site, tmp_path / "site", cache)

    assert not any(put_back(earlier, output, name) for name in earlier)
    assert_same_feeds(output, cold_build(tmp_path, site))


@pytest.mark.parametrize("index_bytes", [b"", b"not a pickle", pickle.dumps("v")[:-3]])
def test_a_corrupt_cache_index_is_ignored(site, tmp_path, index_bytes):
    cache = tmp_path / "cache"
    earlier = file_ids(build(site, tmp_path / "site", cache))
    (cache / CACHE_FOLDER / "index.pickle").write_bytes(index_bytes)
    output = build(site, tmp_path / "site", cache)

    assert not any(put_back(earlier, output, name) for name in earlier)
    assert_same_feeds(output, cold_build(tmp_path, site))
    rebuilt = file_ids(output)
    again = build(site, tmp_path / "site", cache)  # from the index written afresh
    assert put_back(rebuilt, again, "feeds/all.atom.xml")


def test_without_the_content_cache_nothing_is_kept(site, tmp_path):
    output = build(site, tmp_path / "site", None, CACHE_PATH=str(tmp_path / "cache"))

    assert feed_files(output)
    assert not (tmp_path / "cache" / CACHE_FOLDER).exists()


def test_a_cached_rebuild_over_the_last_output_writes_a_cold_builds_feeds(site, tmp_path):
    cache = tmp_path / "cache"
    build(site, tmp_path / "site", cache, DELETE_OUTPUT_DIRECTORY=False)
    retitled = story("orchard", title="Orchard growers count a record cider harvest")
    (site / "articles/orchard.md").write_text(retitled, encoding="utf-8")
    output = build(site, tmp_path / "site", cache, DELETE_OUTPUT_DIRECTORY=False)
    assert_same_feeds(output, cold_build(tmp_path, site))

    # Every feed put back over the file already there (a link to the kept one).
    again = build(site, tmp_path / "site", cache, DELETE_OUTPUT_DIRECTORY=False)
    assert_same_feeds(again, tmp_path / "cold")
