"""Benchmark related stories on WikiRef220 beside TF-IDF, BM25 and shared tags, and their speed.

Usage: python bench/related.py [--no-speed] [--sizes 10000,50000] [--skip-slow]

Quality: every article of a large story ranks the other 219 (../shared/eval/README.md,
section wikiref220): P@3, MRR and R-Prec, ties at their expected value. Ours is
`broadsheet.related.RelatedIndex` (its candidates; the rest tie at zero). Baselines in the
same run: TF-IDF cosine on title + body (unigrams, corpus idf), Okapi BM25 (k1 1.2, b 0.75,
the title prefixed to the body, each article as the query), and shared-tag count (the
pelican related_posts plugin's rule) over the automatic tags of `broadsheet.entities`.
Then what readers see: `broadsheet.related.related_stories` with the default settings over
all 220 articles, and the share of shown links in the same story, the share of big-story
articles showing at least three, and the small-story articles showing unrelated links.

Speed: generated news-like corpora (400-800 words; stories of 1-40 articles that share an
event's names and words, over a Zipfian background vocabulary) of each size; ours
(`related_stories` end to end) beside a plain TF-IDF sparse product (every term, top 5 per
row from the full product, in blocks) and the pelican-similar-posts approach (each article
scored against the whole index and sorted), all on one core. Each measurement runs in a
child process of its own; peak memory is its peak resident set while the method runs (reset
after the corpus is generated; the corpus itself, held as a build holds its articles, counts).
"""

from __future__ import annotations

import argparse
import gc
import heapq
import math
import os
import random
import re
import resource
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
from scipy import sparse  # noqa: E402

from broadsheet import related  # noqa: E402
from broadsheet.entities import EntityTagger  # noqa: E402

WIKIREF_DIR = REPO.parent / "shared" / "eval" / "wikiref220"
BIG_STORY = 30  # a story with at least this many articles is one of the five large ones
SPEED_SEED = 20261129

# --- data -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Article:
    name: str
    title: str
    body: str
    label: str


def load_articles() -> list[Article]:
    """The 220 articles (cp1252, CRLF, first line the title) with their story labels."""
    labels = {}
    lines = (WIKIREF_DIR / "labels.tsv").read_text(encoding="utf-8").splitlines()
    for line in lines[1:]:
        file, topic, *_ = line.split("\t")
        labels[file] = topic
    articles = []
    for path in sorted((WIKIREF_DIR / "articles").glob("*.txt")):
        text = path.read_bytes().decode("cp1252", errors="replace").replace("\r\n", "\n")
        title, _, body = text.strip().partition("\n")
        articles.append(Article(path.name, title.strip(), body.strip(), labels[path.name]))
    return articles


# --- the metric (written from ../shared/eval/README.md) ---------------------------------------


def _tie_groups(scores: dict[int, float], others: list[int]) -> list[list[int]]:
    """The others grouped by equal score, best group first (unscored ones score zero)."""
    groups: dict[float, list[int]] = defaultdict(list)
    for other in others:
        groups[scores.get(other, 0.0)].append(other)
    return [groups[s] for s in sorted(groups, reverse=True)]


def expected_hits(groups: list[list[int]], relevant: set[int], cut: int) -> float:
    """Expected number of relevant items among the first `cut`, ties in random order."""
    hits, taken = 0.0, 0
    for group in groups:
        if taken >= cut:
            break
        room = min(len(group), cut - taken)
        hits += room * sum(1 for g in group if g in relevant) / len(group)
        taken += room
    return hits


def expected_reciprocal_rank(groups: list[list[int]], relevant: set[int]) -> float:
    """Expected 1/rank of the first relevant item, ties in random order."""
    before = 0
    for group in groups:
        r = sum(1 for g in group if g in relevant)
        size = len(group)
        if r:
            # P(first relevant at position j of the group) = C(size-j, r-1) / C(size, r)
            total = math.comb(size, r)
            return sum(
                math.comb(size - j, r - 1) / total / (before + j) for j in range(1, size - r + 2)
            )
        before += size
    return 0.0


@dataclass(frozen=True)
class Scores:
    p3: float
    mrr: float
    rprec: float


def evaluate(articles: list[Article], score_row) -> tuple[Scores, dict[str, Scores]]:
    """Mean P@3, MRR and R-Prec over the large stories' articles, and per story.
    `score_row(i)` gives {other index: score} for article i."""
    sizes = Counter(a.label for a in articles)
    per_story: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
    for i, article in enumerate(articles):
        if sizes[article.label] < BIG_STORY:
            continue
        others = [j for j in range(len(articles)) if j != i]
        relevant = {j for j in others if articles[j].label == article.label}
        groups = _tie_groups(score_row(i), others)
        r = len(relevant)
        per_story[article.label].append(
            (
                expected_hits(groups, relevant, 3) / 3,
                expected_reciprocal_rank(groups, relevant),
                expected_hits(groups, relevant, r) / r,
            )
        )
    every = [v for values in per_story.values() for v in values]

    def mean(values) -> Scores:
        return Scores(*(sum(v[k] for v in values) / len(values) for k in range(3)))

    return mean(every), {label: mean(values) for label, values in sorted(per_story.items())}


# --- baselines --------------------------------------------------------------------------------


_PLAIN_TOKEN_RE = re.compile(r"\b\w\w+\b")


def plain_tokens(text: str) -> list[str]:
    """The baselines' tokens, as a stock TF-IDF vectoriser with an English stop-word list
    makes them: lower-case runs of two or more word characters, stop words out."""
    return [t for t in _PLAIN_TOKEN_RE.findall(text.lower()) if t not in related.STOP_WORDS]


def _count_matrix(texts: list[str]) -> sparse.csr_matrix:
    vocabulary: dict[str, int] = {}
    rows, cols, vals = [], [], []
    for row, text in enumerate(texts):
        for term, count in Counter(plain_tokens(text)).items():
            rows.append(row)
            cols.append(vocabulary.setdefault(term, len(vocabulary)))
            vals.append(count)
    return sparse.csr_matrix(
        (np.asarray(vals, np.float32), (rows, cols)), shape=(len(texts), max(1, len(vocabulary)))
    )


def tfidf_vectors(texts: list[str]) -> sparse.csr_matrix:
    """Plain TF-IDF: raw term counts times smooth idf, L2-normalised, every term kept."""
    counts = _count_matrix(texts)
    n = counts.shape[0]
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    idf = (np.log((1 + n) / (1 + df)) + 1).astype(np.float32)
    weighted = sparse.csr_matrix(counts @ sparse.diags(idf))
    norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
    norms[norms == 0] = 1
    return sparse.csr_matrix(sparse.diags((1 / norms).astype(np.float32)) @ weighted)


def bm25_scores(texts: list[str], k1: float = 1.2, b: float = 0.75) -> np.ndarray:
    """BM25 of every article (as the query, its distinct terms) against every other."""
    counts = _count_matrix(texts)
    n = counts.shape[0]
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    idf = np.log(1 + (n - df + 0.5) / (df + 0.5)).astype(np.float32)
    lengths = np.asarray(counts.sum(axis=1)).ravel()
    average = lengths.mean() or 1.0
    tf = counts.tocoo()
    norm = k1 * (1 - b + b * lengths[tf.row] / average)
    weights = tf.data * (k1 + 1) / (tf.data + norm) * idf[tf.col]
    documents = sparse.csr_matrix((weights, (tf.row, tf.col)), shape=counts.shape)
    queries = counts.copy()
    queries.data[:] = 1.0
    return (queries @ documents.T).toarray()


def tag_lists(articles: list[Article], limit: int = 6) -> list[set[str]]:
    """Each article's automatic tags (the entity tagger fitted on all 220)."""
    tagger = EntityTagger((a.title, a.body) for a in articles)
    return [{t.name for t in tagger.tags(a.title, a.body, limit=limit)} for a in articles]


# --- quality run ------------------------------------------------------------------------------


@dataclass(frozen=True)
class QualityRun:
    rows: list[tuple[str, Scores]]  # ours, then the baselines
    ours: Scores  # text + tags, as the site scores
    per_story: dict[str, Scores]
    links: int
    same_story: float  # share of shown links within the article's story
    big_with_three: float  # share of big-story articles showing at least three
    small: int
    small_unrelated: int  # small-story articles showing a link to another story
    small_none: int
    confusions: list[tuple[tuple[str, str], int]]


def quality_run() -> QualityRun:
    """Ours and the baselines ranked on WikiRef220, and the links the site would show."""
    articles = load_articles()
    texts = [f"{a.title}\n{a.body}" for a in articles]
    rows: list[tuple[str, Scores]] = []

    everyone = len(articles) - 1  # rank all the others, as the metric asks
    index = related.RelatedIndex([(a.title, a.body) for a in articles], candidates=everyone)
    rows.append(
        ("broadsheet.related (text)", evaluate(articles, lambda i: dict(index.similar(i)))[0])
    )

    tags = tag_lists(articles)
    stories = [
        related.Story(key=a.name, title=a.title, body=a.body, tags=tuple(sorted(t)))
        for a, t in zip(articles, tags, strict=True)
    ]
    ours_index = related.RelatedIndex([(s.title, s.body) for s in stories], candidates=everyone)
    ours_scores = related.candidate_scores(stories, ours_index, related.DEFAULT_HALF_LIFE_DAYS)

    def ours_row(i: int) -> dict[int, float]:
        return {
            int(j): float(s)
            for j, s in zip(ours_index.indices[i], ours_scores[i], strict=True)
            if j >= 0
        }

    ours, per_story = evaluate(articles, ours_row)
    rows.append(("broadsheet.related (text + automatic tags)", ours))

    tfidf = tfidf_vectors(texts)
    tfidf_sim = (tfidf @ tfidf.T).toarray()
    rows.append(
        (
            "TF-IDF cosine, title + body",
            evaluate(articles, lambda i: dict(enumerate(tfidf_sim[i])))[0],
        )
    )
    bm25 = bm25_scores(texts)
    rows.append(("BM25", evaluate(articles, lambda i: dict(enumerate(bm25[i])))[0]))
    shared_tags = evaluate(
        articles, lambda i: {j: len(tags[i] & tags[j]) for j in range(len(articles))}
    )[0]
    rows.append(("shared-tag count (related_posts rule)", shared_tags))

    shown = related.related_stories(stories)
    label_of = {a.name: a.label for a in articles}
    sizes = Counter(label_of.values())
    links = [(key, link.key) for key, found in shown.items() for link in found]
    same = sum(1 for a, b in links if label_of[a] == label_of[b])
    big = [a.name for a in articles if sizes[a.label] >= BIG_STORY]
    small = [a for a in articles if sizes[a.label] < BIG_STORY]
    confusions: Counter[tuple[str, str]] = Counter()
    for a, b in links:
        if label_of[a] != label_of[b]:
            confusions[tuple(sorted((label_of[a], label_of[b])))] += 1
    return QualityRun(
        rows=rows,
        ours=ours,
        per_story=per_story,
        links=len(links),
        same_story=same / max(1, len(links)),
        big_with_three=sum(1 for key in big if len(shown[key]) >= 3) / len(big),
        small=len(small),
        small_unrelated=sum(
            1 for a in small if any(label_of[link.key] != a.label for link in shown[a.name])
        ),
        small_none=sum(1 for a in small if not shown[a.name]),
        confusions=confusions.most_common(),
    )


def run_quality() -> None:
    """Print the quality tables."""
    run = quality_run()
    print("WikiRef220: 190 articles of the five large stories, each ranking the other 219\n")
    print("| ranking | P@3 | MRR | R-Prec |")
    print("|---|---|---|---|")
    for label, s in run.rows:
        print(f"| {label} | {s.p3:.3f} | {s.mrr:.3f} | {s.rprec:.3f} |")
    print("\nTargets: R-Prec >= 0.92 with P@3 >= 0.99. Ours by story:\n")
    print("| story | P@3 | MRR | R-Prec |")
    print("|---|---|---|---|")
    for label, s in run.per_story.items():
        print(f"| {label} | {s.p3:.3f} | {s.mrr:.3f} | {s.rprec:.3f} |")
    print(
        f"\nShown links (defaults: at most {related.DEFAULT_MAX_LINKS}, min score "
        f"{related.DEFAULT_MIN_SCORE}): {run.links} links over 220 articles; same story "
        f"{run.same_story:.3f} (target >= 0.95); big-story articles showing >= 3: "
        f"{run.big_with_three:.3f} (target >= 0.90); small-story articles ({run.small}): "
        f"{run.small_unrelated} show a link to another story, {run.small_none} show none"
    )
    if run.confusions:
        print("\nCross-story links shown (the confusable pairs):\n")
        print("| stories | links |")
        print("|---|---|")
        for (x, y), count in run.confusions:
            print(f"| {x} / {y} | {count} |")


# --- speed ------------------------------------------------------------------------------------

_SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "re",
    "su",
    "ta",
    "ne",
    "vo",
    "ri",
    "la",
    "do",
    "be",
    "fi",
    "ga",
    "hu",
    "jo",
    "ke",
    "ma",
    "no",
    "pe",
    "ro",
    "sa",
    "ti",
    "vu",
    "za",
]


def _background_words() -> tuple[list[str], list[float]]:
    """The evaluation texts' words and their counts: the generated corpora's background."""
    counts: Counter[str] = Counter()
    for path in sorted((WIKIREF_DIR / "articles").glob("*.txt")):
        counts.update(re.findall(r"[a-z]+", path.read_bytes().decode("cp1252", "replace").lower()))
    words = sorted(counts, key=lambda w: (-counts[w], w))
    return words, [float(counts[w]) for w in words]


def generated_corpus(size: int, seed: int = SPEED_SEED) -> list[related.Story]:
    """`size` dated news-like articles of 400-800 words. Stories of 1-40 articles (most
    small) each have invented names and their own topic words; every sentence mixes them
    with the background vocabulary at its natural frequencies."""
    rng = random.Random(seed)
    generator = np.random.default_rng(seed)
    words, counts = _background_words()
    background = np.asarray(words, dtype=object)
    probabilities = np.asarray(counts) / sum(counts)
    topical = words[200:6000]  # mid-frequency words: what stories are about
    stories: list[related.Story] = []
    start = datetime(2024, 1, 1, tzinfo=UTC)
    while len(stories) < size:
        members = min(size - len(stories), max(1, int(rng.paretovariate(1.2))), 40)
        names = [
            "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize()
            for _ in range(rng.randint(3, 8))
        ]
        topic = rng.sample(topical, rng.randint(15, 40))
        event = len(stories)
        day = rng.randint(0, 700)
        for _ in range(members):
            length = rng.randint(400, 800)
            drawn = generator.choice(background, size=length, p=probabilities)
            for position in range(length):
                roll = rng.random()
                if roll < 0.05:
                    drawn[position] = rng.choice(names)
                elif roll < 0.15:
                    drawn[position] = rng.choice(topic)
            sentences = []
            position = 0
            while position < length:
                step = rng.randint(12, 25)
                sentence = " ".join(drawn[position : position + step])
                sentences.append(sentence[:1].upper() + sentence[1:] + ".")
                position += step
            paragraphs = [" ".join(sentences[i : i + 4]) for i in range(0, len(sentences), 4)]
            title = " ".join([rng.choice(names), *rng.sample(topic, 3), rng.choice(names)])
            stories.append(
                related.Story(
                    key=f"story-{len(stories):06d}",
                    title=title.capitalize(),
                    body="\n\n".join(paragraphs),
                    date=start + timedelta(days=day + rng.randint(0, 10), hours=rng.randint(0, 23)),
                    tags=(names[0], f"event {event}"),
                )
            )
    return stories


def _top_five_blocked(vectors: sparse.csr_matrix, block: int = 1000) -> None:
    """Each row's five most similar other rows from the full sparse product, in blocks."""
    transposed = vectors.T.tocsr()
    for start in range(0, vectors.shape[0], block):
        product = (vectors[start : start + block] @ transposed).toarray()
        product[np.arange(product.shape[0]), np.arange(start, start + product.shape[0])] = -1
        np.argpartition(-product, 5, axis=1)[:, :5]


def _reset_peak_memory() -> None:
    """Start the process's peak resident set again from what it holds now (Linux)."""
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")


def _peak_memory_mb() -> int:
    """The process's peak resident set since the last reset, in MB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def measure(method: str, size: int) -> tuple[float, float, int]:
    """(wall s, CPU s, peak RSS MB) of one method on the generated corpus of `size`."""
    if method != "ours_threads" and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, truly
    stories = generated_corpus(size)
    texts = [f"{s.title}\n{s.body}" for s in stories]
    gc.collect()
    _reset_peak_memory()  # the corpus stays resident; generating it is not measured
    wall, cpu = time.perf_counter(), time.process_time()
    if method in ("ours", "ours_threads"):
        related.related_stories(stories)
    elif method == "tfidf":
        _top_five_blocked(tfidf_vectors(texts))
    elif method == "similar_posts":
        index = tfidf_vectors(texts)
        for row in range(index.shape[0]):
            query = np.zeros(index.shape[1], dtype=np.float32)
            vector = index[row]
            query[vector.indices] = vector.data
            similarities = index @ query  # a dense row of n similarities, as gensim gives
            np.argsort(-similarities, kind="stable")[1:6]
    else:
        raise SystemExit(f"unknown method {method!r}")
    elapsed = time.perf_counter() - wall, time.process_time() - cpu
    return elapsed[0], elapsed[1], _peak_memory_mb()


def python_neighbour_pass(vectors: sparse.csr_matrix, count: int) -> list[list[int]]:
    """Stage 2 in plain Python, for comparison: the same pruned query terms and capped
    postings, scores summed in a dict per article, the best picked with heapq."""
    query = related._keep_heaviest(vectors, related.QUERY_TERMS)
    postings_matrix = related._keep_heaviest(sparse.csr_matrix(vectors.T), related.MAX_POSTINGS)
    postings = [
        list(
            zip(
                postings_matrix.indices[start:end].tolist(),
                postings_matrix.data[start:end].tolist(),
                strict=True,
            )
        )
        for start, end in zip(postings_matrix.indptr[:-1], postings_matrix.indptr[1:], strict=True)
    ]
    best = []
    for row in range(query.shape[0]):
        start, end = query.indptr[row], query.indptr[row + 1]
        scores: dict[int, float] = {}
        for term, weight in zip(
            query.indices[start:end].tolist(), query.data[start:end].tolist(), strict=True
        ):
            for other, other_weight in postings[term]:
                scores[other] = scores.get(other, 0.0) + weight * other_weight
        scores.pop(row, None)
        best.append(heapq.nlargest(count, scores, key=scores.__getitem__))
    return best


def compare_stage_two(size: int) -> None:
    """One neighbour pass on the generated corpus: scipy (as shipped) against plain Python."""
    stories = generated_corpus(size)
    vectors = related.RelatedIndex([(s.title, s.body) for s in stories]).vectors
    cpu = time.process_time()
    related._neighbours(vectors, related.CANDIDATES, related.QUERY_TERMS)
    ours = time.process_time() - cpu
    cpu = time.process_time()
    python_neighbour_pass(vectors, related.CANDIDATES)
    plain = time.process_time() - cpu
    print(
        f"\nOne neighbour pass (stage 2) over {size} generated articles: numpy/scipy "
        f"{ours:.2f} CPU-s; the same in plain Python (dict per article, heapq) {plain:.2f} CPU-s"
    )


def run_speed(sizes: list[int], skip_slow: bool) -> None:
    """Each method and size in a child process of its own (one core), as a table."""
    print(
        "\nSpeed: related stories for every article of a generated corpus, one core"
        f" (ours_threads: its blocks in threads, {related.worker_threads()} here)\n"
    )
    print("| articles | method | wall s | CPU s | peak RSS MB | target |")
    print("|---|---|---|---|---|---|")
    targets = {10_000: "< 3 s", 50_000: "< 30 s, < 1.5 GB"}
    for size in sizes:
        methods = ["ours", "ours_threads", "tfidf", "similar_posts"]
        if skip_slow or size > 10_000:
            methods.remove("similar_posts")  # O(n^2) with a sort per row: minutes at 50,000
        if skip_slow and size > 10_000:
            methods.remove("tfidf")
        for method in methods:
            result = subprocess.run(
                [sys.executable, __file__, "--child", method, str(size)],
                capture_output=True,
                text=True,
                check=True,
                env={**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"},
            )
            wall, cpu, peak = result.stdout.split()
            target = targets.get(size, "") if method.startswith("ours") else ""
            print(
                f"| {size} | {method} | {float(wall):.2f} | {float(cpu):.2f} | {peak} | {target} |"
            )
    compare_stage_two(min(sizes))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-speed", action="store_true", help="skip the speed part")
    parser.add_argument("--no-quality", action="store_true", help="skip the quality part")
    parser.add_argument("--sizes", default="10000,50000", help="generated corpus sizes")
    parser.add_argument("--skip-slow", action="store_true", help="only ours at 50,000")
    parser.add_argument("--child", nargs=2, metavar=("METHOD", "SIZE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        wall, cpu, peak = measure(args.child[0], int(args.child[1]))
        print(f"{wall:.3f} {cpu:.3f} {peak}")
        return 0
    if not (WIKIREF_DIR / "articles").is_dir():
        print(f"wikiref220 evaluation data not found at {WIKIREF_DIR}; nothing to measure.")
        return 0
    if not args.no_quality:
        run_quality()
    if not args.no_speed:
        run_speed([int(size) for size in args.sizes.split(",")], args.skip_slow)
    return 0


if __name__ == "__main__":
    sys.exit(main())
