"""The tagger's memo (plugins/autotag with the content cache on): a build that takes what
an earlier build learnt of each article assigns exactly the tags a cold build assigns,
after articles are added, edited and deleted, when the vocabulary changes, and when the
memo is from other code or damaged; and without the content cache nothing is kept."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import build_pelican_site, load_bench, write_content

import tasks
from broadsheet import buildcache
from broadsheet.buildcache import Memo
from broadsheet.entities import EntityTagger
from broadsheet.tagging import AutotagSettings, TaggableArticle, fit_tagger, tag_articles
from broadsheet.vocabulary import Vocabulary, parse_vocabulary

SETTINGS = AutotagSettings()
EMPTY = Vocabulary()


def names(assigned) -> list[list[str]]:
    return [[tag.name for tag in tags] for tags in assigned]


def cached_tags(articles, vocabulary, folder: Path) -> list[list[str]]:
    """Tag with the memo in `folder` (as the build does: load, tag, save)."""
    memo = Memo(folder, "tagger")
    assigned = tag_articles(articles, vocabulary, SETTINGS, memo)
    memo.save()
    return names(assigned)


def cold_tags(articles, vocabulary) -> list[list[str]]:
    return names(tag_articles(articles, vocabulary, SETTINGS))


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """A generated site of 30 stories and 3 more, as `tasks.py tags` reads them."""
    bench = load_bench("build")
    content = tmp_path_factory.mktemp("generated") / "content"
    writer = bench.generate_site(content, 30)
    markdown = tasks.load_settings()["MARKDOWN"]
    before = tasks.read_taggable_articles(content, markdown)
    for count in range(30, 33):
        bench.add_article(content, writer, count)
    after = tasks.read_taggable_articles(content, markdown)
    vocabulary = tasks.load_vocabulary(content / "tags.yml")
    return before, after, vocabulary


def edited(article: TaggableArticle) -> TaggableArticle:
    body = article.body.replace("</p>", " Officials in Brackwater said so.</p>", 1)
    return TaggableArticle(article.path, article.title, body, article.hand_tags)


def test_a_cached_run_after_adding_editing_and_deleting_tags_as_a_cold_run(generated, tmp_path):
    before, after, vocabulary = generated
    assert cached_tags(before, vocabulary, tmp_path) == cold_tags(before, vocabulary)
    new = {article.path for article in after} - {article.path for article in before}
    # The curator's day: three new stories, one corrected, one taken down.
    today = [edited(a) if a.path == before[3].path else a for a in after if a != before[5]]

    tagger = fit_tagger(today, Memo(tmp_path, "tagger"))
    assert tagger.articles_read == len(new) + 1  # only the new and the edited stories

    warm = cached_tags(today, vocabulary, tmp_path)
    assert warm == cold_tags(today, vocabulary)
    assert any(tags for tags in warm)
    assert cached_tags(today, vocabulary, tmp_path) == warm  # and again, all from the memo


# A name at the start of a sentence is a name when the corpus prints it capitalised
# in mid-sentence more often than in lower case: a new story about the shrub changes
# that for the stories already in the memo.
FERRY = TaggableArticle(
    "ferry.md",
    "Ferry service resumes",
    "<p>Marlow welcomed the first ferry in a month. The crossing took an hour.</p>",
)
HARBOUR = TaggableArticle(
    "harbour.md",
    "Harbour reopens",
    "<p>The harbour at Marlow reopened on Tuesday, and the ferry to Marlow sailed again.</p>",
)
SHRUB = TaggableArticle(
    "shrub.md",
    "Gardening notes",
    "<p>The marlow is a hardy shrub. Plant one marlow per bed; a marlow needs sun.</p>",
)


def test_what_a_new_story_changes_in_the_corpus_reaches_the_stories_in_the_memo(tmp_path):
    assert cached_tags([FERRY, HARBOUR], EMPTY, tmp_path)[0] == ["Marlow"]
    corpus = [FERRY, HARBOUR, SHRUB]
    assert cold_tags(corpus, EMPTY)[0] == []  # "marlow" is now a common word
    tagger = EntityTagger([(a.title, a.body) for a in corpus], Memo(tmp_path, "tagger"))
    assert (tagger.articles_read, tagger.articles_resolved) == (1, 3)
    assert cached_tags(corpus, EMPTY, tmp_path) == cold_tags(corpus, EMPTY)
    # The shrub story taken down: the memo's first answers hold again.
    assert cached_tags([FERRY, HARBOUR], EMPTY, tmp_path) == cold_tags([FERRY, HARBOUR], EMPTY)


def test_a_changed_vocabulary_is_not_answered_from_the_memo(tmp_path):
    corpus = [FERRY, HARBOUR, SHRUB]
    first = parse_vocabulary("places:\n  Marlow:\n", "tags.yml")
    second = parse_vocabulary("topics:\n  Ferries: [ferry]\nstop: [Marlow]\n", "tags.yml")
    assert cached_tags(corpus, first, tmp_path)[1] == ["Marlow"]
    warm = cached_tags(corpus, second, tmp_path)
    assert warm == cold_tags(corpus, second)
    assert warm[1] == ["Ferries"]


def test_a_memo_from_other_code_is_ignored(generated, tmp_path, monkeypatch):
    before, _, vocabulary = generated
    cached_tags(before, vocabulary, tmp_path)
    monkeypatch.setattr(buildcache, "code_version", lambda: "other code")
    tagger = fit_tagger(before, Memo(tmp_path, "tagger"))
    assert tagger.articles_read == len(before)
    assert cached_tags(before, vocabulary, tmp_path) == cold_tags(before, vocabulary)


# Through a real build of a tiny site

VOCABULARY = "places:\n  Lowmoor: [Lowmoorian]\nstop: [Friday]\n"


def story(slug: str, day: int, title: str, body: str) -> tuple[str, str]:
    path = f"articles/2025/03/{slug}.md"
    return path, f"Title: {title}\nDate: 2025-03-{day:02d}\nSlug: {slug}\n\n{body}\n"


SITE = dict(
    [
        ("tags.yml", VOCABULARY),
        story(
            "library",
            4,
            "Lowmoor council approves new library",
            "Councillor Edith Marwood said on Friday that the Lowmoor library would move "
            "into the old mill. The Greyfield Arts Trust will pay for the shelving.",
        ),
        story(
            "trust",
            11,
            "Edith Marwood to chair the Greyfield Arts Trust",
            "Edith Marwood, the Lowmoor councillor behind the new library, will chair the "
            "Greyfield Arts Trust from May.",
        ),
        story(
            "fair",
            18,
            "Lowmoor spring fair opens",
            "Edith Marwood opened the Lowmoor spring fair with the Greyfield Arts Trust "
            "brass band, and Tomas Brennick judged the cake stall.",
        ),
    ]
)
ADDED = story(
    "bakery",
    25,
    "Tomas Brennick opens a bakery",
    "Tomas Brennick, who judged the cake stall at the Lowmoor fair, opened a bakery "
    "on Mill Street. Edith Marwood cut the ribbon.",
)


def tag_pages(output: Path) -> dict[str, bytes]:
    """Every tag page and article page the build wrote, by path."""
    pages = [*output.glob("tag/*.html"), *output.glob("2025/03/*.html")]
    return {str(page.relative_to(output)): page.read_bytes() for page in pages}


def cached_build(content: Path, output: Path, cache: Path) -> Path:
    return build_pelican_site(
        content, output, CACHE_CONTENT=True, LOAD_CONTENT_CACHE=True, CACHE_PATH=str(cache)
    )


def test_a_build_with_the_content_cache_keeps_the_memo_and_tags_as_a_cold_one(tmp_path):
    content, cache = tmp_path / "content", tmp_path / "cache"
    write_content(content, SITE)
    cached_build(content, tmp_path / "first", cache)
    memo_files = sorted((cache / "autotag").glob("*.pickle"))
    assert memo_files

    write_content(content, dict([ADDED]))
    library = content / "articles/2025/03/library.md"
    library.write_text(library.read_text().replace("old mill", "old mill on Mill Street"))
    (content / "articles/2025/03/trust.md").unlink()
    warm = cached_build(content, tmp_path / "warm", cache)
    cold = build_pelican_site(content, tmp_path / "cold", CACHE_PATH=str(tmp_path / "none"))

    assert tag_pages(warm) == tag_pages(cold)
    assert "tag/tomas-brennick.html" in tag_pages(warm)
    assert not (tmp_path / "none" / "autotag").exists()  # no content cache: nothing kept


def test_a_damaged_memo_is_ignored_not_a_crash(tmp_path):
    content, cache = tmp_path / "content", tmp_path / "cache"
    write_content(content, SITE)
    first = cached_build(content, tmp_path / "first", cache)
    damaged = sorted((cache / "autotag").glob("*.pickle"))
    assert damaged
    for number, path in enumerate(damaged):  # truncated, or not a pickle at all
        path.write_bytes(path.read_bytes()[:20] if number % 2 else b"not a pickle")
    again = cached_build(content, tmp_path / "again", cache)
    assert tag_pages(again) == tag_pages(first)


@pytest.fixture
def shared_out(monkeypatch, tmp_path):
    """Read from 1 article on, and the processes that read: [pid, ...] per build."""
    from broadsheet import tagging

    monkeypatch.setattr(tagging, "PARALLEL_MIN_ARTICLES", 1)
    log = tmp_path / "readers.log"
    real = tagging.share_out

    def share_out(work, items, processes):
        def logged(share):
            with open(log, "a") as out:
                out.write(f"{os.getpid()}\n")
            return work(share)

        return real(logged, items, processes)

    monkeypatch.setattr(tagging, "share_out", share_out)
    return lambda: sorted(set(log.read_text().split())) if log.exists() else []


def test_articles_read_in_other_processes_get_the_same_tags(generated, tmp_path, shared_out):
    before, after, vocabulary = generated
    alone = names(tag_articles(after, vocabulary, SETTINGS))
    assert shared_out() == []
    assert names(tag_articles(after, vocabulary, SETTINGS, processes=3)) == alone
    assert len(shared_out()) == 3 and str(os.getpid()) in shared_out()
    # With the memo: the same tags, and the same memo, as one process keeps.
    for folder, processes in (("alone", 1), ("shared", 3)):
        for articles in (before, after):
            memo = Memo(tmp_path / folder, "tagger")
            assigned = tag_articles(articles, vocabulary, SETTINGS, memo, processes)
            memo.save()
        assert names(assigned) == alone
    assert Memo(tmp_path / "shared", "tagger").entries == Memo(tmp_path / "alone", "tagger").entries
