"""Related stories with the build cache: a rebuild that takes its articles' terms from
CACHE_PATH/related_stories links every article exactly as a cold build of the same
content does, reads the text of only the new and edited articles, and ignores a cache
it cannot trust (another code version, a damaged file).

Plain-data tests use invented stories (fictional towns and people); the builds use the
site generator of bench/build.py, as tests/test_incremental.py does.
"""

from __future__ import annotations

import importlib
import os
import pickle
import random
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from bs4 import BeautifulSoup
from conftest import ROOT, build_pelican_site, generated_site
from scipy import sparse

from broadsheet import related
from broadsheet.related import RelatedIndex, Story, TermCounter, related_stories, term_matrix

SYLLABLES = ("bar", "ket", "lo", "mar", "vin", "dra", "sel", "tor", "pen", "hal", "wick", "ston")
BACKGROUND = str.split(
    """council harbour school road market weather river bridge festival library police
    court hospital station museum farm ferry railway budget housing union strike
    election mayor theatre football museum water energy wind storm flood fire rescue"""
)
START = datetime(2025, 1, 1, tzinfo=UTC)


def fictional_stories(count: int, seed: int = 7) -> list[Story]:
    """`count` short stories about invented events: each event has its own names and
    topic words, and every story mixes them with a shared background vocabulary."""
    rng = random.Random(seed)
    stories: list[Story] = []
    while len(stories) < count:
        names = ["".join(rng.choices(SYLLABLES, k=3)).capitalize() for _ in range(3)]
        topic = rng.sample(BACKGROUND, 5)
        day = rng.randint(0, 300)
        for _ in range(min(count - len(stories), rng.randint(1, 6))):
            words = [
                rng.choice(names) if roll < 0.1 else rng.choice(topic) if roll < 0.3 else w
                for roll, w in ((rng.random(), rng.choice(BACKGROUND)) for _ in range(60))
            ]
            stories.append(
                Story(
                    key=f"story-{len(stories):04d}",
                    title=" ".join([names[0], *topic[:2]]).capitalize(),
                    body=". ".join(" ".join(words[i : i + 12]) for i in range(0, 60, 12)),
                    date=START + timedelta(days=day + rng.randint(0, 5)),
                    tags=(names[0], rng.choice(topic), rng.choice(BACKGROUND)),
                )
            )
    return stories


def same_matrix(a: sparse.csr_matrix, b: sparse.csr_matrix) -> bool:
    return (
        a.shape == b.shape
        and np.array_equal(a.indptr, b.indptr)
        and np.array_equal(a.indices, b.indices)
        and np.array_equal(a.data, b.data)
    )


# --- on plain data ------------------------------------------------------------------------


def test_stories_carrying_their_terms_get_the_links_of_stories_carrying_their_text():
    stories = fictional_stories(600)  # more than one block of the neighbour search
    counter = TermCounter()
    cached = [replace(s, body="", terms=counter.count(s.title, s.body)) for s in stories]
    expected = related_stories(stories)
    assert sum(len(links) for links in expected.values()) > 1000  # the site links a lot
    assert related_stories(cached) == expected


def test_terms_counted_by_an_earlier_build_give_the_same_similarities_to_the_bit():
    # A cached build counts the new article alone, the others came from an earlier
    # build that saw the words in another order: the columns must not depend on that.
    stories = fictional_stories(300)
    earlier, now = TermCounter(), TermCounter()
    earlier.count("Marvinsel harbour strike", "Strike strike harbour council")
    terms = [earlier.count(s.title, s.body) for s in stories[:-1]]
    terms.append(now.count(stories[-1].title, stories[-1].body))
    cold = RelatedIndex([(s.title, s.body) for s in stories])
    cached = RelatedIndex(counts=term_matrix(terms))
    assert same_matrix(cached.vectors, cold.vectors)
    assert same_matrix(cached.expanded, cold.expanded)
    assert np.array_equal(cached.indices, cold.indices)
    assert np.array_equal(cached.scores, cold.scores)


def brute_force_neighbours(query, index, count):
    """Each row's best `count` other rows by dot product, ties by the smaller row, from
    the same sparse product (so the same floats) sorted in plain Python."""
    product = (query @ sparse.csr_matrix(index.T)).toarray()
    found = []
    for row, scores in enumerate(product):
        ranked = sorted(
            (other for other in range(len(scores)) if other != row and scores[other] > 0),
            key=lambda other: (-scores[other], other),
        )[:count]
        found.append([(other, scores[other]) for other in ranked])
    return found


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("count", [1, 4, 30, 200])
def test_neighbours_are_the_best_scores_with_ties_to_the_smaller_row(seed, count, monkeypatch):
    monkeypatch.setattr(related, "BLOCK", 16)  # several blocks of rows, as on a big site
    generator = np.random.default_rng(seed)
    # Few distinct weights over few terms: many pairs score exactly alike, and some rows
    # share no term with others (fewer neighbours than asked for).
    dense = generator.choice([0.0] * 6 + [0.5, 1.0], size=(90, 12)).astype(np.float32)
    vectors = sparse.csr_matrix(dense)
    indices, scores = related._top_neighbours(vectors, vectors, count)
    for row, expected in enumerate(brute_force_neighbours(vectors, vectors, count)):
        got = [(int(i), s) for i, s in zip(indices[row], scores[row], strict=True) if i >= 0]
        assert got == expected, row
        assert all(s == 0 for i, s in zip(indices[row], scores[row], strict=True) if i < 0)


def test_scores_do_not_depend_on_the_string_hash_seed(tmp_path):
    # Two builds are two processes, each with its own string hash seed, and a page's
    # links follow the scores' order: the scores must be the same to the last bit. Tag
    # sets iterate in hash order, and the tag bonus sums floats along the tags.
    script = tmp_path / "scores.py"
    script.write_text(
        "import random, sys\n"
        "from dataclasses import replace\n"
        f"sys.path[:0] = [{str(ROOT)!r}, {str(ROOT / 'tests')!r}]\n"
        "from test_related_cache import BACKGROUND, fictional_stories\n"
        "from broadsheet.related import RelatedIndex, candidate_scores\n"
        "rng = random.Random(3)\n"
        "stories = [replace(s, tags=tuple(rng.sample(BACKGROUND, 8)))\n"
        "           for s in fictional_stories(400)]\n"
        "index = RelatedIndex([(s.title, s.body) for s in stories])\n"
        "print(candidate_scores(stories, index, 30.0).tobytes().hex())\n"
    )
    outputs = {
        subprocess.run(
            [sys.executable, str(script)],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
            timeout=300,
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(outputs) == 1


# --- through real builds -----------------------------------------------------------------

COUNT = 30


@pytest.fixture
def plugin_module(monkeypatch):
    """The plugin module, imported the way Pelican imports it (top-level package)."""
    monkeypatch.syspath_prepend(str(ROOT / "plugins"))
    return importlib.import_module("related_stories.related_stories")


@pytest.fixture
def texts_read(plugin_module, monkeypatch) -> list[str]:
    """The article bodies whose text the plugin takes, in order, build after build."""
    read: list[str] = []
    html_text = plugin_module.html_text

    def counting(fragment: str) -> str:
        read.append(fragment)
        return html_text(fragment)

    monkeypatch.setattr(plugin_module, "html_text", counting)
    return read


@pytest.fixture
def generated(tmp_path):
    return generated_site(tmp_path / "content", COUNT)


def build(content: Path, output: Path, cache: Path | None = None) -> Path:
    """A real build of `content` into a new `output` folder (the project's settings do not
    empty it); with `cache`, keeping caches there as publishing does."""
    assert not output.exists()
    if cache is None:
        return build_pelican_site(content, output)
    return build_pelican_site(
        content,
        output,
        CACHE_CONTENT=True,
        LOAD_CONTENT_CACHE=True,
        CACHE_PATH=str(cache),
        CHECK_MODIFIED_METHOD="sha256",
    )


def related_links(output: Path) -> dict[str, list[str]]:
    """Each article page's Related stories links, in order."""
    links = {}
    for page in sorted(output.glob("[0-9][0-9][0-9][0-9]/[0-9][0-9]/*.html")):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        links[str(page.relative_to(output))] = [
            a["href"] for a in soup.select(".related-stories .related-list a[href]")
        ]
    return links


def memo_file(cache: Path) -> Path:
    return cache / "related_stories" / "articles.pickle"


def test_a_cached_rebuild_after_a_curators_day_links_as_a_cold_build(
    generated, tmp_path, texts_read
):
    bench, writer, content = generated
    cache = tmp_path / "cache"
    build(content, tmp_path / "site", cache)
    assert len(texts_read) == COUNT  # the first build reads every article
    assert memo_file(cache).is_file()

    # One new story, one corrected, one taken down.
    added = bench.add_article(content, writer, COUNT)
    articles = sorted(p for p in (content / "articles").rglob("*.md") if p != added)
    edited, deleted = articles[3], articles[7]
    text = edited.read_text(encoding="utf-8")
    edited.write_text(text.replace("\n\n", "\n\nA correction was made to this story.\n\n", 1))
    deleted.unlink()
    texts_read.clear()
    incremental = related_links(build(content, tmp_path / "rebuilt", cache))

    assert len(texts_read) == 2  # only the new and the corrected story's text
    assert "A correction was made" in "".join(texts_read)
    cold = related_links(build(content, tmp_path / "cold"))
    assert incremental == cold
    assert sum(len(links) for links in cold.values()) > COUNT  # the pages do link
    added_page = f"{added.parent.parent.name}/{added.parent.name}/{added.stem}.html"
    assert added_page in incremental


def test_a_cache_from_another_code_version_is_ignored(generated, tmp_path, texts_read):
    _, _, content = generated
    cache = tmp_path / "cache"
    build(content, tmp_path / "site", cache)
    with memo_file(cache).open("rb") as handle:
        _, entries = pickle.load(handle)
    # Terms an older tokeniser might have kept: were they used, every link would change.
    wrong = related.TermCounts(("marvinsel",), np.ones(1, dtype=np.int32))
    stale = {
        key: wrong if isinstance(value, related.TermCounts) else value
        for key, value in entries.items()
    }
    memo_file(cache).write_bytes(pickle.dumps(("an older code version", stale)))
    texts_read.clear()

    rebuilt = related_links(build(content, tmp_path / "rebuilt", cache))

    assert len(texts_read) == COUNT  # every article read again
    assert rebuilt == related_links(build(content, tmp_path / "cold"))


@pytest.mark.parametrize("damage", [b"", b"not a pickle", b"\x80\x05\x95"])
def test_a_damaged_cache_file_is_ignored_not_a_crash(generated, tmp_path, texts_read, damage):
    _, _, content = generated
    cache = tmp_path / "cache"
    build(content, tmp_path / "site", cache)
    memo_file(cache).write_bytes(damage)
    texts_read.clear()

    rebuilt = related_links(build(content, tmp_path / "rebuilt", cache))

    assert len(texts_read) == COUNT
    assert rebuilt == related_links(build(content, tmp_path / "cold"))
    with memo_file(cache).open("rb") as handle:  # written afresh for the next build
        assert len(pickle.load(handle)[1]) >= COUNT


def test_without_the_content_cache_nothing_is_kept(generated, tmp_path, texts_read):
    _, _, content = generated
    build(content, tmp_path / "site")
    build(content, tmp_path / "again")
    assert len(texts_read) == 2 * COUNT  # every build reads every article
    assert not list(tmp_path.rglob("related_stories"))
