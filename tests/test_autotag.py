"""plugins/autotag and broadsheet.tagging: tags on plain data, then through real builds."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import feedparser
import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner
from conftest import ROOT, build_pelican_site, write_content

import tasks
from broadsheet.tagging import (
    AutotagError,
    AutotagSettings,
    TaggableArticle,
    assign_tags,
    autotag_enabled,
    html_text,
    markdown_renderer,
    split_tags,
    tag_articles,
    tag_key,
)
from broadsheet.vocabulary import parse_vocabulary

SITE_URL = "https://news.example"

VOCABULARY = """\
# The Lowmoor Ledger's vocabulary.
places:
  Lowmoor: [Lowmoorian]
topics:
  Libraries: [library, libraries]
stop: [Friday]
"""

LIBRARY = """\
Title: Lowmoor council approves new library for the old mill
Date: 2025-03-04
Slug: lowmoor-council-approves-new-library
Uid: tag:broadsheet,2025-03-04:1a2b3c4d
Tags: Reading rooms

Councillor Edith Marwood said on Friday that the Lowmoor library would move into
the old mill by next spring, after a vote of nine to two.

“A town without a library is a town without a front room,” Edith Marwood said.
The Greyfield Arts Trust will pay for the shelving, and Lowmoorian volunteers
will run the reading room.

## What happens next

Edith Marwood will present the plans to residents in April. The Greyfield Arts
Trust said the library could open on Fridays and Saturdays as well.
"""

TRUST = """\
Title: Edith Marwood to chair the Greyfield Arts Trust
Date: 2025-03-18
Slug: edith-marwood-to-chair-greyfield-arts-trust
Uid: tag:broadsheet,2025-03-18:5e6f7a8b

Edith Marwood, the Lowmoor councillor behind the new library, will chair the
Greyfield Arts Trust from May, the trust said on Friday.

Edith Marwood has sat on the trust's board for six years. The Greyfield Arts
Trust funds music and theatre across the valley.
"""

OPTED_OUT = """\
Title: Edith Marwood opens the Lowmoor spring fair
Date: 2025-04-02
Slug: edith-marwood-opens-lowmoor-spring-fair
Uid: tag:broadsheet,2025-04-02:9c0d1e2f
Tags: Fairs
Autotag: off

Edith Marwood opened the Lowmoor spring fair on Friday with the Greyfield Arts
Trust brass band, and Edith Marwood judged the cake stall.
"""

FAIR_PATH = "articles/2025/04/edith-marwood-opens-lowmoor-spring-fair.md"
SITE = {
    "tags.yml": VOCABULARY,
    "articles/2025/03/lowmoor-council-approves-new-library.md": LIBRARY,
    "articles/2025/03/edith-marwood-to-chair-greyfield-arts-trust.md": TRUST,
    FAIR_PATH: OPTED_OUT,
}
LIBRARY_UID = "tag:broadsheet,2025-03-04:1a2b3c4d"
TRUST_UID = "tag:broadsheet,2025-03-18:5e6f7a8b"


def build(tmp_path: Path, files: dict[str, str] = SITE, name: str = "output", **overrides):
    content = tmp_path / "content"
    write_content(content, files)
    return build_pelican_site(content, tmp_path / name, FEEDS_SITEURL=SITE_URL, **overrides)


def tags_index(output: Path) -> dict[str, int]:
    soup = BeautifulSoup((output / "tags.html").read_text(encoding="utf-8"), "lxml")
    index = {}
    for item in soup.select("ul.term-list li"):
        count = item.select_one(".count").get_text(strip=True).strip("()")
        index[item.a.get_text(strip=True)] = int(count)
    return index


def article_tags(output: Path, path: str) -> list[str]:
    soup = BeautifulSoup((output / path).read_text(encoding="utf-8"), "lxml")
    return [a.get_text(strip=True) for a in soup.select("nav.story-tags a[rel=tag]")]


LIBRARY_PAGE = "2025/03/lowmoor-council-approves-new-library.html"
TRUST_PAGE = "2025/03/edith-marwood-to-chair-greyfield-arts-trust.html"
FAIR_PAGE = "2025/04/edith-marwood-opens-lowmoor-spring-fair.html"


# On plain data


def article(title: str, body: str, **fields) -> TaggableArticle:
    return TaggableArticle(path="a.md", title=title, body=body, **fields)


def test_html_text_keeps_the_words_and_a_blank_line_between_blocks():
    fragment = (
        "<h2>What next</h2>\n<p>The <a href='x'>US</a> &amp; the\n  UN met.</p>"
        "<ul><li>One</li></ul><script>var Hidden = 1;</script>"
    )
    assert html_text(fragment) == "What next\n\nThe US & the UN met.\n\nOne"


def test_the_command_line_renders_a_body_as_the_build_does():
    render = markdown_renderer(tasks.load_settings()["MARKDOWN"])
    html = render("ALOR SETAR: Padi farmers [said](https://x.example) so.\n\n## Next\n")
    # Pelican's meta extension reads the header; on a body alone it would eat this line.
    assert html_text(html) == "ALOR SETAR: Padi farmers said so.\n\nNext"
    meta = markdown_renderer({"extensions": ["markdown.extensions.meta"]})
    assert "ALOR SETAR" in meta("ALOR SETAR: Padi farmers.")


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, True), ("on", True), ("Yes", True), ("off", False), ("OFF", False), ("no", False)],
)
def test_autotag_values(value, expected):
    assert autotag_enabled(value, "a.md") is expected


def test_a_bad_autotag_value_names_the_article():
    with pytest.raises(AutotagError, match=r"^articles/x\.md: Autotag must be 'on' or 'off'"):
        autotag_enabled("sometimes", "articles/x.md")


def test_hand_tags_split_as_pelican_splits_them():
    assert split_tags("Kenya, Tea,  , Kenya") == ("Kenya", "Tea")
    assert split_tags("Doe, Jane; Roe, Rick") == ("Doe, Jane", "Roe, Rick")


def test_tag_key_ignores_case_accents_and_punctuation():
    assert tag_key("Zürich") == tag_key("ZURICH") == tag_key("zurich")
    assert tag_key("Amir-Abdollahian") == tag_key("amir abdollahian")
    assert tag_key("Kenya") != tag_key("Kenyan")


@pytest.mark.parametrize(
    "settings",
    [{"AUTOTAG_MAX": -1}, {"AUTOTAG_MAX": "6"}, {"AUTOTAG_MIN_SCORE": "high"}],
)
def test_bad_settings_are_refused(settings):
    with pytest.raises(AutotagError, match=next(iter(settings))):
        AutotagSettings.from_settings(settings)


def test_unknown_kinds_are_refused():
    with pytest.raises(AutotagError, match="AUTOTAG_KINDS: unknown kind 'people'"):
        AutotagSettings.from_settings({"AUTOTAG_KINDS": ["place", "people"]})


class ScriptedTagger:
    """Returns the names it is given, best first, whatever the article."""

    def __init__(self, *names: str) -> None:
        from broadsheet.entities import EntityTag

        self.found = [EntityTag(name, "name", 10.0 - i) for i, name in enumerate(names)]

    def tags(self, title, body, limit=6, min_score=0.0, kinds=None):
        return self.found[:limit]


ORDER_VOCABULARY = parse_vocabulary(
    "places:\n  Baluchistan: [Balochistan, Baluch]\n  Iran: [Iranian]\n"
    "organisations:\n  Northgate Borough Council:\n"
    "stop: [Friday, Tensions]\n",
    "tags.yml",
)


def names(tags) -> list[str]:
    return [tag.name for tag in tags]


def test_order_is_hand_then_vocabulary_then_automatic_without_duplicates():
    story = article(
        "Iran and Baluch leaders talk",
        "<p>Baluch elders met Iranian envoys on Friday in Quetta.</p>",
        hand_tags=("Diplomacy", "iran"),
    )
    tagger = ScriptedTagger("Friday", "Balochistan", "Tensions", "Quetta", "IRAN", "Jane Roe")
    tags = assign_tags(story, ORDER_VOCABULARY, tagger, AutotagSettings(max_tags=6))
    # "iran" by hand keeps the curator's spelling; the tagger's aliases become canonical
    # and fold into the vocabulary tags; stop-tags never appear.
    assert names(tags) == ["Diplomacy", "iran", "Baluchistan", "Quetta", "Jane Roe"]
    assert [tag.origin for tag in tags] == ["hand", "hand", "vocabulary", "automatic", "automatic"]


def test_the_cap_counts_only_tags_beyond_the_hand_tags():
    story = article("Iran and Baluch leaders talk", "<p>Quetta.</p>", hand_tags=("A", "B", "C"))
    tagger = ScriptedTagger("Quetta", "Jane Roe")
    tags = assign_tags(story, ORDER_VOCABULARY, tagger, AutotagSettings(max_tags=2))
    assert names(tags) == ["A", "B", "C", "Iran", "Baluchistan"]
    none = assign_tags(story, ORDER_VOCABULARY, tagger, AutotagSettings(max_tags=0))
    assert names(none) == ["A", "B", "C"]


def test_autotag_off_keeps_only_the_hand_tags():
    story = article("Iran talks", "<p>Quetta.</p>", hand_tags=("Diplomacy",), autotag=False)
    tags = assign_tags(story, ORDER_VOCABULARY, ScriptedTagger("Quetta"), AutotagSettings())
    assert names(tags) == ["Diplomacy"]


def test_a_name_printed_only_inside_a_vocabulary_term_is_not_a_tag_of_its_own():
    story = article(
        "Bins to be emptied every three weeks",
        "<p>Northgate Borough Council voted on Thursday. Brazilian Iranian trade.</p>",
    )
    tagger = ScriptedTagger("Northgate Borough", "Iranian trade", "Jane Roe")
    tags = assign_tags(story, ORDER_VOCABULARY, tagger, AutotagSettings())
    # "Iranian trade" is not all vocabulary ("trade" is not), so the tagger keeps it.
    assert names(tags) == ["Northgate Borough Council", "Iran", "Iranian trade", "Jane Roe"]


def test_the_real_tagger_on_a_small_corpus():
    vocabulary = parse_vocabulary(VOCABULARY, "tags.yml")
    markdown = markdown_renderer(tasks.load_settings()["MARKDOWN"])
    stories = []
    for text in (LIBRARY, TRUST, OPTED_OUT):
        header, _, body = text.partition("\n\n")
        title = header.splitlines()[0].removeprefix("Title: ")
        hand = re.search(r"^Tags: (.*)$", header, re.M)
        stories.append(
            article(
                title,
                markdown(body),
                hand_tags=split_tags(hand.group(1)) if hand else (),
                autotag="Autotag: off" not in header,
            )
        )
    library, trust, fair = tag_articles(stories, vocabulary, AutotagSettings())
    assert names(library)[:3] == ["Reading rooms", "Libraries", "Lowmoor"]
    assert "Edith Marwood" in names(library) and "Greyfield Arts Trust" in names(library)
    assert names(trust)[:2] == ["Lowmoor", "Libraries"] or "Edith Marwood" in names(trust)
    assert "Edith Marwood" in names(trust)
    assert names(fair) == ["Fairs"]
    for tags in (library, trust):
        assert "Friday" not in names(tags) and "Lowmoorian" not in names(tags)


# Real builds


def test_automatic_tags_reach_tag_pages_the_tags_index_and_tag_feeds(tmp_path):
    output = build(tmp_path)

    index = tags_index(output)
    assert index["Edith Marwood"] == 2  # automatic; the opted-out fair is not counted
    assert index["Greyfield Arts Trust"] == 2
    assert index["Lowmoor"] == 2  # vocabulary, "Lowmoorian" included
    assert index["Libraries"] == 2
    assert index["Reading rooms"] == 1 and index["Fairs"] == 1  # by hand
    assert "Friday" not in index and "Lowmoorian" not in index

    page = BeautifulSoup((output / "tag/edith-marwood.html").read_text("utf-8"), "lxml")
    listed = page.get_text(" ", strip=True)
    assert "Lowmoor council approves new library for the old mill" in listed
    assert "Edith Marwood to chair the Greyfield Arts Trust" in listed
    assert "Edith Marwood opens the Lowmoor spring fair" not in listed

    for name in ("edith-marwood.atom.xml", "edith-marwood.rss.xml"):
        feed = feedparser.parse((output / "feeds/tag" / name).read_bytes())
        assert not feed.bozo, feed.get("bozo_exception")
        assert [entry.id for entry in feed.entries] == [TRUST_UID, LIBRARY_UID]
        library = feed.entries[1]
        assert library.link == f"{SITE_URL}/{LIBRARY_PAGE}"
        assert "Edith Marwood will present the plans to residents" in library.content[0].value
        assert [tag.term for tag in library.tags][:3] == ["Reading rooms", "Libraries", "Lowmoor"]
        assert "Edith Marwood" in feed.feed.title
    atom = feedparser.parse((output / "feeds/tag/edith-marwood.atom.xml").read_bytes())
    assert f"{SITE_URL}/tag/edith-marwood.html" in [link.href for link in atom.feed.links]
    assert (output / "feeds/tag/reading-rooms.atom.xml").exists()
    assert (output / "feeds/tag/fairs.rss.xml").exists()


def test_hand_tags_come_first_and_autotag_off_keeps_only_them(tmp_path):
    output = build(tmp_path)
    library = article_tags(output, LIBRARY_PAGE)
    assert library[:3] == ["Reading rooms", "Libraries", "Lowmoor"]
    assert "Edith Marwood" in library
    assert article_tags(output, FAIR_PAGE) == ["Fairs"]


def test_a_tag_without_a_slug_gets_no_feed(tmp_path):
    files = {**SITE, FAIR_PATH: OPTED_OUT.replace("Tags: Fairs", "Tags: Fairs, ★")}
    output = build(tmp_path, files)
    assert article_tags(output, FAIR_PAGE) == ["Fairs", "★"]  # hand tags are always kept
    feeds = sorted(path.name for path in (output / "feeds/tag").iterdir())
    assert "fairs.atom.xml" in feeds
    assert not [name for name in feeds if name.startswith(".")]


def test_the_tag_feeds_of_two_builds_are_byte_identical(tmp_path):
    first = build(tmp_path, name="first")
    second = build(tmp_path, name="second")
    feeds = sorted(path.name for path in (first / "feeds/tag").iterdir())
    assert "edith-marwood.atom.xml" in feeds and "lowmoor.rss.xml" in feeds
    for name in feeds:
        assert (first / "feeds/tag" / name).read_bytes() == (
            second / "feeds/tag" / name
        ).read_bytes()


@pytest.mark.parametrize("layer", ["reader", "generator"])
def test_a_warm_rebuild_with_the_content_cache_duplicates_no_tag(tmp_path, layer):
    cache = tmp_path / "cache"
    options = {
        "CACHE_CONTENT": True,
        "LOAD_CONTENT_CACHE": True,
        "CACHE_PATH": str(cache),
        "CONTENT_CACHING_LAYER": layer,
    }
    cold = build(tmp_path, name="cold", **options)
    assert any(cache.iterdir()), "the first build wrote no content cache"
    content = tmp_path / "content"  # left as it is, so the articles come from the cache

    def rebuild(name: str) -> Path:
        return build_pelican_site(content, tmp_path / name, FEEDS_SITEURL=SITE_URL, **options)

    warm = rebuild("warm")

    for output in (cold, warm):
        tags = article_tags(output, LIBRARY_PAGE)
        assert len(tags) == len({tag.casefold() for tag in tags}), tags
        assert tags[0] == "Reading rooms" and tags.count("Edith Marwood") == 1
    assert article_tags(warm, LIBRARY_PAGE) == article_tags(cold, LIBRARY_PAGE)
    assert article_tags(warm, TRUST_PAGE) == article_tags(cold, TRUST_PAGE)
    assert tags_index(warm) == tags_index(cold)
    for name in ("feeds/all.atom.xml", "feeds/tag/edith-marwood.atom.xml"):
        assert (warm / name).read_bytes() == (cold / name).read_bytes()

    # The articles still come from the cache: the last build's automatic tags must not
    # come back as if written by hand when the vocabulary now stops one.
    stopped = VOCABULARY.replace("[Friday]", "[Friday, Edith Marwood]")
    (content / "tags.yml").write_text(stopped, encoding="utf-8")
    edited = rebuild("edited")
    assert "Edith Marwood" not in article_tags(edited, LIBRARY_PAGE)
    assert "Edith Marwood" not in tags_index(edited)
    assert article_tags(edited, LIBRARY_PAGE)[0] == "Reading rooms"


def test_a_build_without_the_plugin_adds_no_tags(tmp_path):
    # Signals are process-global: the handler stays connected from earlier builds.
    output = build(tmp_path, PLUGINS=["feeds", "safe_html"])
    assert article_tags(output, LIBRARY_PAGE) == ["Reading rooms"]
    assert set(tags_index(output)) == {"Reading rooms", "Fairs"}


def test_settings_limit_the_automatic_tags(tmp_path):
    output = build(tmp_path, AUTOTAG_MAX=2, AUTOTAG_KINDS=["place"])
    assert article_tags(output, LIBRARY_PAGE) == ["Reading rooms", "Libraries", "Lowmoor"]
    none = build(tmp_path, name="none", AUTOTAG_MAX=0)
    assert article_tags(none, LIBRARY_PAGE) == ["Reading rooms"]


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"tags.yml": "places:\n  Lowmoor: [NO]\n"}, r"tags\.yml: places: 'Lowmoor': alias False"),
        ({"tags.yml": "places: [\n"}, r"tags\.yml: line 2: not valid YAML"),
        (
            {
                "articles/2025/03/lowmoor-council-approves-new-library.md": LIBRARY.replace(
                    "Tags: Reading rooms", "Tags: Reading rooms\nAutotag: maybe"
                )
            },
            r"lowmoor-council-approves-new-library\.md: Autotag must be 'on' or 'off'",
        ),
    ],
)
def test_a_bad_vocabulary_or_autotag_value_fails_the_build_in_one_line(tmp_path, files, message):
    content = tmp_path / "content"
    write_content(content, {**SITE, **files})
    result = CliRunner().invoke(
        tasks.cli,
        ["build", "--content-dir", str(content), "--output", str(tmp_path / "output")],
    )
    assert result.exit_code == 1
    assert re.search(message, result.output), result.output
    assert len(result.output.strip().splitlines()) == 1


def test_seed_article_is_tagged_with_its_places_and_no_common_words(seed_path, tmp_path):
    content, output = tmp_path / "content", tmp_path / "output"
    runner = CliRunner()
    imported = runner.invoke(tasks.cli, ["import", str(seed_path), "--content-dir", str(content)])
    assert imported.exit_code == 0, imported.output
    shutil.copy(ROOT / "content" / "tags.yml", content / "tags.yml")
    built = runner.invoke(tasks.cli, ["build", "--content-dir", str(content), "-o", str(output)])
    assert built.exit_code == 0, built.output

    tags = article_tags(output, "2024/01/pakistan-iran-agree-to-de-escalate-tensions.html")
    assert {"Pakistan", "Iran", "Baluchistan"} <= set(tags)
    assert len(tags) <= 6
    for common in ("tensions", "friday", "women", "border", "iranian", "baluch"):
        assert common not in {tag.casefold() for tag in tags}


def test_every_automatic_tag_of_the_demo_site_is_a_printed_name_or_a_vocabulary_term():
    settings = tasks.load_settings()
    content = ROOT / "content"
    articles = tasks.read_taggable_articles(content, settings["MARKDOWN"])
    vocabulary = tasks.load_vocabulary(content / "tags.yml")
    assigned = tag_articles(articles, vocabulary, AutotagSettings.from_settings(settings))
    automatic = 0
    for story, tags in zip(articles, assigned, strict=True):
        for tag in tags:
            if tag.origin == "vocabulary":
                assert vocabulary.lookup(tag.name).name == tag.name
            elif tag.origin == "automatic":
                automatic += 1
                assert tag.name[0].isupper(), (story.path, tag.name)
                printed = re.compile(rf"(?<!\w){re.escape(tag.name)}(?!\w)")
                assert printed.search(story.text), (story.path, tag.name)
                assert not vocabulary.knows(tag.name), (story.path, tag.name)
    assert automatic >= len(articles)  # the tagger does add names the vocabulary lacks
