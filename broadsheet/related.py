"""Related stories: for every article, the few others a reader should read next.

`RelatedIndex` is built once over the whole site; `related_stories` then picks each
article's links. The stages:

1. Terms: the title's and the body's words, lower-cased, split at punctuation; stop
   words, numbers and contractions out, a plural "s" off; the title counts
   `TITLE_WEIGHT` times. A term weighs (1 + log tf) * idf; terms of one article only
   are dropped (they can link nothing), and only an article's `MAX_TERMS` heaviest are
   kept, so vectors stay short however long the article. Vectors are L2-normalised.
2. Neighbours: each article's `QUERY_TERMS` heaviest terms are matched against the
   postings of every term, one sparse product (scipy) per block of `BLOCK` articles
   (the blocks in threads, `worker_threads`), and each row's best (ties to the smaller
   row) are picked in linear time: its values counted in `BINS` bins, only the few in
   its top bins sorted. A term's postings are only the `MAX_POSTINGS` articles it weighs
   most in, so the work per article stays bounded as the site grows: the cost grows
   about linearly, never with all pairs.
3. Expansion: each vector gets its `EXPANSION_NEIGHBOURS` nearest neighbours' vectors
   added, weighted by similarity (neighbours under `EXPANSION_MIN_SIMILARITY` not at
   all; weights summing to at most `EXPANSION_WEIGHT`), and the neighbours are found
   again with these vectors. An article's story is what it shares with the articles
   most like it: this separates the same event's coverage from articles that share a
   few words, and an article with no close neighbour is left almost as it was.
4. Score: the expanded similarity times (1 + `TAG_WEIGHT` x the shared tags' weights;
   a tag's weight is its idf over log(n + 1), at most 1) times a recency factor: two
   articles `half_life_days` apart keep 1 - RECENCY_SHARE / 2 of their score, a year
   apart about 1 - RECENCY_SHARE; undated ones keep all of it.
5. Links: the article itself, its syndicated copies and banned keys out; pinned keys
   first, as given; then the best scores down to `min_score`, at most `max_links` in
   all. Equal scores (to six places) go to the more recent article, then the smaller
   key. Everything is deterministic for the same stories in the same order.

Bodies are plain text: the plugin (`plugins/related_stories`) passes each article's
rendered HTML through `broadsheet.tagging.html_text` (markup and link addresses would
otherwise count as words). Pure functions over plain data; numpy and scipy do the
sparse algebra (measured in docs/PERFORMANCE.md against plain Python: see there).

Stage 1 can be skipped for an article whose `TermCounts` (what `TermCounter` takes
from its text) a build cache kept: a `Story` carrying them is not read. A term's column
is where it first appears in the stories' order, so the matrix is the same to the bit
whichever build counted which article. Stages 2 to 5 always run over the whole site:
one new article changes the document frequencies, so possibly every article's links.
The scores are the same to the bit in every process (no set or hash order reaches a
float sum), so a cached build and a cold one link alike.
"""

from __future__ import annotations

import math
import os
import re
import string
from collections import Counter
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import chain, compress
from typing import NamedTuple

import numpy as np
from scipy import sparse

from broadsheet.errors import BroadsheetError
from broadsheet.perf import collection_paused
from broadsheet.tagging import tag_key

# Stage 1
TITLE_WEIGHT = 3
MAX_TERMS = 64
# Stage 2
QUERY_TERMS = 32
MAX_POSTINGS = 100
CANDIDATES = 30  # neighbours kept per article, before exclusions and the minimum score
BLOCK = 512  # articles per sparse product
MAX_THREADS = 4  # blocks computed at once (worker_threads)
BINS = 256  # value bins per row when picking each row's best entries of a product
PADDED_CELLS = 4_000_000  # the most cells of one padded array when pruning long rows
# Stage 3
EXPANSION_NEIGHBOURS = 10
EXPANSION_WEIGHT = 2.0
EXPANSION_MIN_SIMILARITY = 0.05
EXPANSION_FLOOR = 1.0  # neighbour weights are divided by max(their sum, this)
# Stage 4
TAG_WEIGHT = 0.05
RECENCY_SHARE = 0.3

DEFAULT_MAX_LINKS = 5
DEFAULT_MIN_SCORE = 0.2
DEFAULT_HALF_LIFE_DAYS = 30.0

STOP_WORDS = frozenset(
    str.split(
        """
a about above after again against ago all almost also although always am among an and
another any anyone anything are around as at away back be became because become been
before being below between both but by came can cannot could did do does doing done down
during each either else even ever every few first for from further get gets getting got
had has have having he her here hers herself him himself his how however i if in including
into is it its itself just last least less like made make many may me might more most much
must my myself near need never new next no nor not now of off often on once one only onto
or other others our ours ourselves out over own per put rather said same say says see seen
several she should since so some still such take than that the their theirs them themselves
then there these they this those though three through thus to too took two under until up
upon us use used very via was way we well were what when where whether which while who whom
whose why will with within without would yet you your yours yourself yourselves mr mrs ms
told year years week weeks day days time times people according added back going want
"""
    )
)


class RelatedError(BroadsheetError):
    """A related-stories setting is not valid."""


@dataclass(frozen=True)
class Story:
    """What related-story links need of an article. `key` is its slug."""

    key: str
    title: str
    body: str  # plain text (markup and link addresses would count as words)
    date: datetime | None = None
    tags: tuple[str, ...] = ()
    duplicates: frozenset[str] = frozenset()  # keys of its syndicated copies
    pinned: tuple[str, ...] = ()  # Related: keys, in the curator's order
    banned: frozenset[str] = frozenset()  # Not_related: keys
    # Its title's and body's terms when a build cache already has them (`TermCounter`);
    # `title` and `body` are then not read for the text similarity.
    terms: TermCounts | None = field(default=None, compare=False, repr=False)


class TermCounts(NamedTuple):
    """What stage 1 takes from one article: the term of each distinct word that gives one,
    in order of first appearance (body, then title), and how often the word was counted
    (a title word TITLE_WEIGHT times). Two words can give one term ("case", "cases")."""

    terms: tuple[str, ...]
    counts: np.ndarray  # int32, one per entry of `terms`


@dataclass(frozen=True)
class RelatedSettings:
    """How many links, how similar at least, and how fast age counts against a link."""

    max_links: int = DEFAULT_MAX_LINKS
    min_score: float = DEFAULT_MIN_SCORE
    half_life_days: float = DEFAULT_HALF_LIFE_DAYS

    @classmethod
    def from_settings(cls, settings) -> RelatedSettings:
        """Read and check RELATED_STORIES_MAX, _MIN_SCORE and _HALF_LIFE_DAYS."""
        max_links = settings.get("RELATED_STORIES_MAX", DEFAULT_MAX_LINKS)
        if isinstance(max_links, bool) or not isinstance(max_links, int) or max_links < 0:
            raise RelatedError(
                f"RELATED_STORIES_MAX must be a whole number >= 0 (got {max_links!r})"
            )
        min_score = settings.get("RELATED_STORIES_MIN_SCORE", DEFAULT_MIN_SCORE)
        if (
            isinstance(min_score, bool)
            or not isinstance(min_score, int | float)
            or math.isnan(min_score)
        ):
            raise RelatedError(f"RELATED_STORIES_MIN_SCORE must be a number (got {min_score!r})")
        half_life = settings.get("RELATED_STORIES_HALF_LIFE_DAYS", DEFAULT_HALF_LIFE_DAYS)
        if (
            isinstance(half_life, bool)
            or not isinstance(half_life, int | float)
            or not half_life > 0
        ):
            raise RelatedError(
                f"RELATED_STORIES_HALF_LIFE_DAYS must be a number > 0 (got {half_life!r})"
            )
        return cls(max_links, float(min_score), float(half_life))


@dataclass(frozen=True)
class Link:
    """One related story: its key, its score, and whether a curator pinned it."""

    key: str
    score: float
    pinned: bool = False


# Punctuation to spaces (the apostrophe kept, curly ones straightened), so that splitting
# at whitespace gives the words. The ASCII marks go in one bytes.translate over the UTF-8
# text (no byte under 0x80 is part of another character), the others by str.replace:
# a few times faster than str.translate with a dict, or a regex, over millions of words.
_ASCII_PUNCTUATION = string.punctuation.replace("'", "").encode()
_ASCII_SPLITTER = bytes.maketrans(_ASCII_PUNCTUATION, b" " * len(_ASCII_PUNCTUATION))
_OTHER_PUNCTUATION = "“”‘«»‹›–—―…·•¡¿§¶†‡"
_NOT_ALNUM_RE = re.compile(r"[\W_]+")


def _words(text: str) -> list[str]:
    """A text's words, lower-cased, split at whitespace and punctuation."""
    text = text.lower()
    if not text.isascii():
        for mark in _OTHER_PUNCTUATION:
            if mark in text:
                text = text.replace(mark, " ")
        text = text.replace("’", "'")
    spaced = text.encode("utf-8", "surrogatepass").translate(_ASCII_SPLITTER)
    return spaced.decode("utf-8", "surrogatepass").split()


def _term_of(word: str) -> str | None:
    """A lower-case word as a term, or None for a stop word, a number, a stray letter or
    a contraction ("didn't")."""
    if not word.isalnum():
        if "'" in word:
            if word.endswith("n't"):
                return None
            word = word.split("'")[0]  # "iran's" -> "iran"
        word = _NOT_ALNUM_RE.sub("", word)
    if len(word) < 2 or word in STOP_WORDS or word.isdigit():
        return None
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
        if word in STOP_WORDS:
            return None
    return word


def terms(text: str) -> list[str]:
    """The words of a text that carry its subject: lower case, no stop words or numbers,
    a plural "s" off words of more than three letters."""
    found = (_term_of(word) for word in _words(text))
    return [term for term in found if term is not None]


class TermCounter:
    """Counts each article's terms (stage 1), turning each distinct word into a term once
    for all the articles it counts."""

    def __init__(self) -> None:
        self._term_of: dict[str, str] = {}  # word as found -> its term, "" for none

    def count(self, title: str, body: str) -> TermCounts:
        """The terms of an article's title and plain-text body, with their counts."""
        counts = Counter(_words(body))
        for word in _words(title):
            counts[word] += TITLE_WEIGHT
        known = self._term_of
        found = list(map(known.get, counts))
        if None in found:
            for position, word in enumerate(counts):
                if found[position] is None:
                    found[position] = known[word] = _term_of(word) or ""
        return TermCounts(
            tuple(compress(found, found)),
            np.fromiter(compress(counts.values(), found), dtype=np.int32),
        )


def term_matrix(documents: Sequence[TermCounts]) -> sparse.csr_matrix:
    """Rows of term counts, a term's column the order of its first appearance in
    `documents`: the same matrix, to the bit, whichever build counted which article."""

    def every_term():  # twice through, never a list of them all (millions at 50,000)
        return chain.from_iterable(document.terms for document in documents)

    column_of = {term: column for column, term in enumerate(dict.fromkeys(every_term()))}
    lengths = np.fromiter((len(d.terms) for d in documents), np.int64, len(documents))
    columns = np.fromiter(map(column_of.__getitem__, every_term()), np.int32, int(lengths.sum()))
    values = np.concatenate([np.zeros(0, np.int32), *(d.counts for d in documents)])
    indptr = np.concatenate(([0], np.cumsum(lengths)))
    shape = (len(documents), max(1, len(column_of)))
    matrix = sparse.csr_matrix((values.astype(np.float32), columns, indptr), shape=shape)
    matrix.sum_duplicates()  # words of one term ("case", "cases") summed
    return matrix


def count_terms(stories: Sequence[Story]) -> list[TermCounts]:
    """Each story's terms: those it carries, else counted from its title and body."""
    counter = TermCounter()
    return [
        story.terms if story.terms is not None else counter.count(story.title, story.body)
        for story in stories
    ]


def _row_ids(matrix: sparse.csr_matrix) -> np.ndarray:
    """The row of every stored entry."""
    return np.repeat(np.arange(matrix.shape[0], dtype=np.int64), np.diff(matrix.indptr))


def _padded(matrix: sparse.csr_matrix, fill: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A CSR matrix's rows side by side in a dense array, padded with `fill`: (values,
    row of each entry, column of each entry in the padded array)."""
    lengths = np.diff(matrix.indptr)
    rows = _row_ids(matrix)
    columns = np.arange(matrix.nnz) - matrix.indptr[rows]
    values = np.full((matrix.shape[0], max(1, int(lengths.max(initial=0)))), fill, np.float32)
    values[rows, columns] = matrix.data
    return values, rows, columns


def _keep_heaviest(matrix: sparse.csr_matrix, limit: int) -> sparse.csr_matrix:
    """Each row's `limit` largest entries (and any equal to the last of them), the rest
    dropped. The long rows are partitioned in linear time, in chunks of at most
    PADDED_CELLS cells, so one very long row costs no more memory than it must."""
    matrix = sparse.csr_matrix(matrix)
    lengths = np.diff(matrix.indptr)
    long_rows = np.nonzero(lengths > limit)[0]
    if not len(long_rows):
        return matrix
    long_rows = long_rows[np.argsort(lengths[long_rows], kind="stable")]
    keep = np.ones(matrix.nnz, dtype=bool)
    start = 0
    while start < len(long_rows):
        end = start + 1
        while end < len(long_rows) and lengths[long_rows[end]] * (end - start + 1) <= PADDED_CELLS:
            end += 1
        chunk = long_rows[start:end]
        part = matrix[chunk]
        values, rows, columns = _padded(part, -np.inf)
        threshold = -np.partition(-values, limit - 1, axis=1)[:, limit - 1]
        keep[matrix.indptr[chunk][rows] + columns] = part.data >= threshold[rows]
        start = end
    kept_per_row = np.bincount(_row_ids(matrix)[keep], minlength=matrix.shape[0])
    indptr = np.concatenate(([0], np.cumsum(kept_per_row)))
    return sparse.csr_matrix((matrix.data[keep], matrix.indices[keep], indptr), shape=matrix.shape)


def _normalised(matrix: sparse.csr_matrix) -> sparse.csr_matrix:
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.csr_matrix(sparse.diags((1.0 / norms).astype(np.float32)) @ matrix)


def _best_per_row(
    product: sparse.csr_matrix, count: int, first_row: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Each row's `count` largest positive entries, best first, ties by the smaller
    column, leaving out row i's own column first_row + i: (columns, values), -1 and 0
    where a row has fewer. Linear in the entries: values are put in BINS bins (a larger
    value never in a lower bin), each row's bins are counted, and only the entries in
    the bins that hold its best (and its own entry, left out last) are sorted."""
    n = product.shape[0]
    columns = np.full((n, count), -1, dtype=np.int64)
    values = np.zeros((n, count), dtype=np.float32)
    data = product.data
    if data.min(initial=0.0) < 0:
        data = np.maximum(data, 0.0)
    top = data.max(initial=0.0)
    if not top > 0 or count == 0:
        return columns, values
    lengths = np.diff(product.indptr)
    # Rounded so that top * scale stays below BINS: no value falls outside the bins.
    keys = (data * np.float32(min((BINS - 1) / float(top), 1e30))).astype(np.int32)
    keys += np.repeat(np.arange(0, n * BINS, BINS, dtype=np.int32), lengths)
    per_bin = np.bincount(keys, minlength=n * BINS).reshape(n, BINS)
    at_or_above = np.cumsum(per_bin[:, ::-1], axis=1)[:, ::-1]
    # The bin of each row's (count + 1)-th best: its own entry may be one of them.
    lowest = np.maximum((at_or_above > count).sum(axis=1) - 1, 0)
    lowest += np.arange(0, n * BINS, BINS)
    kept = np.flatnonzero(keys >= np.repeat(lowest.astype(np.int32), lengths))
    rows, found, others = keys[kept] // BINS, data[kept], product.indices[kept]
    linkable = (others - rows != first_row) & (found > 0)
    rows, found, others = rows[linkable], found[linkable], others[linkable]
    order = np.lexsort((others, -found, rows))
    rows, found, others = rows[order], found[order], others[order]
    rank = np.arange(len(rows)) - np.searchsorted(rows, rows)
    best = rank < count
    columns[rows[best], rank[best]] = others[best]
    values[rows[best], rank[best]] = found[best]
    return columns, values


def _top_neighbours(
    query: sparse.csr_matrix, index: sparse.csr_matrix, count: int
) -> tuple[np.ndarray, np.ndarray]:
    """For each row of `query`, the `count` rows of `index` with the largest dot product
    (the row itself left out): (indices, scores), best first, ties by index; -1 and 0
    where fewer rows share a term. One sparse product per block of rows: only the pairs
    that share a term are ever stored, and each row's best are picked in linear time."""
    n = query.shape[0]
    count = max(0, min(count, n - 1))
    indices = np.full((n, count), -1, dtype=np.int64)
    scores = np.zeros((n, count), dtype=np.float32)
    if count == 0:
        return indices, scores
    # A term's postings: only the MAX_POSTINGS articles it weighs most in. A word in
    # thousands of articles says little about any pair of them, and the cost of the
    # product stays near linear in the number of articles.
    index_t = _keep_heaviest(sparse.csr_matrix(index.T), MAX_POSTINGS)

    def block(start: int, end: int) -> tuple[np.ndarray, np.ndarray]:
        return _best_per_row(sparse.csr_matrix(query[start:end] @ index_t), count, start)

    for (start, end), (found, values) in _in_blocks(n, block):
        indices[start:end], scores[start:end] = found, values
    return indices, scores


def worker_threads() -> int:
    """Threads for the blocks of a sparse product: the CPUs this process may use, at
    most MAX_THREADS (each block in flight holds its own product)."""
    try:
        available = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        available = os.cpu_count() or 1
    return max(1, min(MAX_THREADS, available))


def _in_blocks(size: int, work) -> list:
    """``work(start, end)`` for each block of rows of `size`, as ((start, end), result)
    in order. scipy's sparse products and most of numpy let go of the GIL, so the blocks
    run in threads: the same operations on the same rows, so the same results to the
    bit, in a fraction of the time when another core is free (a build's context phase
    leaves one idle). With T threads a block is BLOCK / T rows, so the blocks in flight
    hold about what one block of BLOCK rows did: in a cold build of 10,000 articles the
    build's process peaked at 594 MB with two threads, 631 MB with whole blocks in each,
    559 MB with one thread."""
    threads = worker_threads()
    step = max(1, BLOCK // threads)
    spans = [(start, min(size, start + step)) for start in range(0, size, step)]
    if threads < 2 or len(spans) < 2:
        return [(span, work(*span)) for span in spans]
    with ThreadPoolExecutor(min(threads, len(spans))) as pool:
        return list(zip(spans, pool.map(lambda span: work(*span), spans), strict=True))


def _neighbours(
    vectors: sparse.csr_matrix, count: int, query_terms: int
) -> tuple[np.ndarray, np.ndarray]:
    """Each row's `count` nearest rows by cosine, from its `query_terms` heaviest terms
    against the other rows' kept terms (exact when a row has no more terms than that)."""
    return _top_neighbours(_keep_heaviest(vectors, query_terms), vectors, count)


class RelatedIndex:
    """Text similarity between the articles of one site, fitted once: from each article's
    (title, plain-text body), or from their term matrix when `counts` gives it
    (`term_matrix`)."""

    def __init__(
        self,
        documents: Sequence[tuple[str, str]] = (),
        candidates: int = CANDIDATES,
        counts: sparse.csr_matrix | None = None,
    ):
        if counts is None:
            counter = TermCounter()
            with collection_paused():  # many small acyclic objects: see broadsheet.perf
                counts = term_matrix([counter.count(title, body) for title, body in documents])
        n = counts.shape[0]
        df = np.bincount(counts.indices, minlength=counts.shape[1])
        idf = np.log((n + 1) / (df + 1)).astype(np.float32) + np.float32(1e-3)
        weighted = counts.copy()
        weighted.data = (1.0 + np.log(weighted.data)).astype(np.float32)
        weighted.data[df[weighted.indices] < 2] = 0.0  # a term of one article links nothing
        weighted.eliminate_zeros()
        weighted = sparse.csr_matrix(weighted @ sparse.diags(idf))
        self.vectors = _normalised(_keep_heaviest(weighted, MAX_TERMS))
        self.size = n
        self.expanded = self._expand(self.vectors)
        self.indices, self.scores = _neighbours(self.expanded, candidates, QUERY_TERMS)

    @classmethod
    def fitted(cls, size: int, indices: np.ndarray, scores: np.ndarray) -> RelatedIndex:
        """An index fitted elsewhere (another process): its candidates and their text
        similarity, all that picking the links needs."""
        index = cls.__new__(cls)
        index.size, index.indices, index.scores = size, indices, scores
        return index

    def _expand(self, vectors: sparse.csr_matrix) -> sparse.csr_matrix:
        """Stage 3: each vector plus its nearest neighbours' weighted by similarity (their
        weights summing to at most EXPANSION_WEIGHT), renormalised."""
        if self.size < 3 or EXPANSION_WEIGHT == 0:
            return vectors
        indices, scores = _neighbours(vectors, EXPANSION_NEIGHBOURS, QUERY_TERMS)
        rows = np.repeat(np.arange(self.size), indices.shape[1])
        cols = indices.ravel()
        values = scores.ravel()
        keep = (cols >= 0) & (values >= EXPANSION_MIN_SIMILARITY)
        mix = sparse.csr_matrix(
            (values[keep], (rows[keep], cols[keep])), shape=(self.size, self.size)
        )
        total = np.maximum(np.asarray(mix.sum(axis=1)).ravel(), EXPANSION_FLOOR)
        mix = sparse.csr_matrix(sparse.diags((EXPANSION_WEIGHT / total).astype(np.float32)) @ mix)

        def block(start: int, end: int) -> sparse.csr_matrix:
            part = vectors[start:end] + sparse.csr_matrix(mix[start:end] @ vectors)
            return _keep_heaviest(part, MAX_TERMS)

        # In blocks: the sums are wide before pruning.
        parts = [part for _, part in _in_blocks(self.size, block)]
        return _normalised(sparse.vstack(parts, format="csr"))

    def similar(self, row: int) -> list[tuple[int, float]]:
        """Row's candidate neighbours and their text similarity, best first."""
        return [
            (int(i), float(s))
            for i, s in zip(self.indices[row], self.scores[row], strict=True)
            if i >= 0
        ]


def _tag_weights(stories: Sequence[Story]) -> tuple[sparse.csr_matrix, np.ndarray]:
    """Each story's tags as a 0/1 row, and each tag's weight: its idf over the stories
    divided by log(n + 1), so one tag weighs at most 1 (case and accents of a tag's
    spelling do not matter)."""
    key_of = {tag: tag_key(tag) for tag in set(chain.from_iterable(s.tags for s in stories))}
    # Columns in the keys' order, not by first use: the sums of stage 4 run along the
    # columns, and one order in every process gives the same scores to the last bit.
    ids = {key: column for column, key in enumerate(sorted(set(key_of.values()) - {""}))}
    rows: list[int] = []
    columns: list[int] = []
    for row, story in enumerate(stories):
        found = {ids[key] for key in map(key_of.__getitem__, story.tags) if key}
        rows += [row] * len(found)
        columns += found
    n = len(stories)
    matrix = sparse.csr_matrix(
        (np.ones(len(rows), np.float32), (rows, columns)), shape=(n, max(1, len(ids)))
    )
    df = np.bincount(np.asarray(columns, dtype=np.int64), minlength=matrix.shape[1])
    weights = np.log((n + 1) / (df + 1)) / (math.log(n + 1) or 1.0)
    return matrix, weights.astype(np.float32)


def _days(date: datetime | None) -> float:
    """A date as days since the epoch; a date without a zone is taken as UTC; NaN for none."""
    if date is None:
        return math.nan
    if date.tzinfo is None:
        date = date.replace(tzinfo=UTC)
    return date.timestamp() / 86400.0


def recency_factor(days_apart: np.ndarray | float, half_life_days: float) -> np.ndarray:
    """What share of a link's score survives the days between two articles (all of it
    when either is undated: NaN days)."""
    factor = (
        1.0 - RECENCY_SHARE + RECENCY_SHARE * np.power(0.5, np.abs(days_apart) / half_life_days)
    )
    return np.where(np.isnan(factor), 1.0, factor)


def day_numbers(stories: Sequence[Story]) -> np.ndarray:
    """Each story's date as days since the epoch (NaN when undated)."""
    return np.asarray([_days(s.date) for s in stories], dtype=np.float64)


def candidate_scores(
    stories: Sequence[Story],
    index: RelatedIndex,
    half_life_days: float,
    days: np.ndarray | None = None,
) -> np.ndarray:
    """Stage 4 for every candidate pair at once: similarity times the tag bonus times the
    recency factor (n x candidates; 0 where there is no candidate)."""
    rows = np.repeat(np.arange(index.size), index.indices.shape[1])
    others = index.indices.ravel()
    present = others >= 0
    scores = index.scores.ravel().astype(np.float64)
    tags, weights = _tag_weights(stories)
    if tags.nnz:
        weighted = sparse.csr_matrix(tags @ sparse.diags(weights))
        pairs_rows, pairs_others = rows[present], others[present]
        shared = np.asarray(tags[pairs_rows].multiply(weighted[pairs_others]).sum(axis=1))
        bonus = np.ones_like(scores)
        bonus[present] = 1.0 + TAG_WEIGHT * shared.ravel()
        scores *= bonus
    if days is None:
        days = day_numbers(stories)
    apart = np.where(present, days[rows] - days[np.where(present, others, 0)], math.nan)
    scores *= recency_factor(apart, half_life_days)
    scores[~present] = 0.0
    return scores.reshape(index.indices.shape)


def related_stories(
    stories: Sequence[Story],
    settings: RelatedSettings | None = None,
    index: RelatedIndex | None = None,
) -> dict[str, list[Link]]:
    """Every story's related links, best first (stage 5), keyed by story key. `index`:
    these stories' own, fitted already (stages 1 to 3, which read only their text)."""
    with collection_paused():  # many small acyclic objects: see broadsheet.perf
        return _related_stories(list(stories), settings or RelatedSettings(), index)


def fit_index(stories: Sequence[Story]) -> RelatedIndex:
    """Stages 1 to 3 over the stories' text (their terms when they carry them)."""
    with collection_paused():  # many small acyclic objects: see broadsheet.perf
        return RelatedIndex(counts=term_matrix(count_terms(stories)))


def _related_stories(
    stories: list[Story], settings: RelatedSettings, index: RelatedIndex | None = None
) -> dict[str, list[Link]]:
    by_key = {story.key: row for row, story in enumerate(stories)}
    links: dict[str, list[Link]] = {story.key: [] for story in stories}
    if not stories or settings.max_links == 0:
        return links
    if index is None:
        index = fit_index(stories)
    days = day_numbers(stories)
    scores = np.round(candidate_scores(stories, index, settings.half_life_days, days), 6)
    # Order each row's candidates: score, then the more recent, then the smaller key.
    key_rank = np.empty(len(stories), dtype=np.int64)
    key_rank[sorted(range(len(stories)), key=lambda row: stories[row].key)] = np.arange(
        len(stories)
    )
    others = np.maximum(index.indices, 0)
    recent = np.nan_to_num(days[others], nan=-np.inf)
    order = np.lexsort((key_rank[others], -recent, -scores), axis=1)
    ranked = np.take_along_axis(index.indices, order, axis=1)
    ranked_scores = np.take_along_axis(scores, order, axis=1)
    # Scores fall along a row: the candidates that may be linked come first.
    linkable = (ranked >= 0) & (ranked_scores >= settings.min_score) & (ranked_scores > 0)
    linkable = linkable.sum(axis=1)
    shown = np.minimum(linkable, settings.max_links)
    # Most stories pin, ban and copy nothing, and neither do their best candidates: their
    # links are those candidates as they come (keys are unique, so none repeats).
    copied = np.fromiter((bool(s.duplicates) for s in stories), bool, len(stories))
    plain = np.fromiter((not (s.pinned or s.banned) for s in stories), bool, len(stories))
    among_shown = np.arange(ranked.shape[1]) < shown[:, None]
    plain &= ~copied & ~(copied[np.maximum(ranked, 0)] & among_shown).any(axis=1)
    plain &= len(by_key) == len(stories)
    width = min(settings.max_links, ranked.shape[1])
    best, best_scores = ranked[:, :width].tolist(), ranked_scores[:, :width].tolist()
    keys = [story.key for story in stories]
    for row, (story, is_plain, count) in enumerate(
        zip(stories, plain.tolist(), shown.tolist(), strict=True)
    ):
        if is_plain:
            found = zip(best[row][:count], best_scores[row][:count], strict=True)
            links[story.key] = [Link(keys[other], score) for other, score in found]
        else:
            end = linkable[row]
            candidates = zip(
                ranked[row, :end].tolist(), ranked_scores[row, :end].tolist(), strict=True
            )
            links[story.key] = _chosen_links(story, stories, by_key, candidates, settings.max_links)
    return links


def _chosen_links(
    story: Story,
    stories: Sequence[Story],
    by_key: dict[str, int],
    candidates: Iterable[tuple[int, float]],
    max_links: int,
) -> list[Link]:
    """Stage 5 for one story: its pins, then those of its linkable candidates (row and
    score, best first) that are not itself, a copy, banned or already chosen."""
    excluded = {story.key, *story.duplicates, *story.banned}
    chosen: list[Link] = []
    for key in story.pinned:
        if key in by_key and key not in excluded and all(c.key != key for c in chosen):
            chosen.append(Link(key, 1.0, pinned=True))
    taken = {link.key for link in chosen} | excluded
    for other, score in candidates:
        if len(chosen) >= max_links:
            break
        candidate = stories[other]
        if candidate.key in taken or story.key in candidate.duplicates:
            continue
        taken.add(candidate.key)
        chosen.append(Link(candidate.key, score))
    return chosen[:max_links]
