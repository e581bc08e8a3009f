"""Benchmark the automatic entity tags on 500N-KPCrowd beside a TF-IDF baseline, and their speed.

Usage: python bench/tags.py [--split dev|holdout|all] [--articles N] [--no-speed] [--show N]

Quality: every kpcrowd document with at least 50 words of body is tagged by
`broadsheet.entities.EntityTagger` (fitted on all 500 documents, no vocabulary, limit 10)
and by a TF-IDF baseline (lower-case unigrams and bigrams, idf from the same documents, a
small stop-word list), and both are scored with the metric of ../shared/eval/README.md
(P@5, R@10, F1@5, means over documents). The split is fixed by a hash of the file name:
about 70 % "dev" (used while developing), the rest "holdout".

Speed: N generated articles (about 500 words each, sentences of the kpcrowd texts
shuffled and recombined with a fixed seed) are fitted and tagged on one core; wall and
CPU seconds are reported, first for the entity tagger alone, then for everything the
build's autotag plugin does with them: `broadsheet.tagging.tag_articles` on the articles
as rendered HTML, with the demo site's vocabulary (content/tags.yml).
"""

from __future__ import annotations

import argparse
import hashlib
import math
import random
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from broadsheet import entities  # noqa: E402
from broadsheet.entities import EntityTagger  # noqa: E402
from broadsheet.tagging import AutotagSettings, TaggableArticle, tag_articles  # noqa: E402
from broadsheet.vocabulary import load_vocabulary  # noqa: E402

KPCROWD_DIR = REPO.parent / "shared" / "eval" / "kpcrowd"
MIN_BODY_WORDS = 50
DEV_SHARE = 70  # percent of documents in the dev split
OUR_LIMIT = 10
SITE_LIMIT = 6  # AUTOTAG_MAX's default: what the site shows per article
SPEED_SEED = 20240120
SPEED_WORDS = 500

# --- the metric (../shared/eval/README.md, section kpcrowd), written on its own -----------

_NON_ALNUM_RE = re.compile(r"[^0-9a-z]+")


def normalize(phrase: str) -> str:
    """Lower case, non-alphanumerics to spaces, collapsed; a trailing "s" off words over 3."""
    words = _NON_ALNUM_RE.sub(" ", phrase.lower()).split()
    return " ".join(w[:-1] if len(w) > 3 and w.endswith("s") else w for w in words)


@dataclass(frozen=True)
class DocScore:
    p5: float
    r10: float
    f1_5: float


def score_document(predictions: list[str], gold: set[str]) -> DocScore:
    """P@5, R@10 and F1@5 of ranked predictions against a normalised gold set."""
    ranked: list[str] = []
    for phrase in predictions:
        norm = normalize(phrase)
        if norm and norm not in ranked:
            ranked.append(norm)
    hits5 = len(set(ranked[:5]) & gold)
    hits10 = len(set(ranked[:10]) & gold)
    p5 = hits5 / 5
    r10 = hits10 / min(10, len(gold)) if gold else 0.0
    r5 = hits5 / len(gold) if gold else 0.0
    f1 = 2 * p5 * r5 / (p5 + r5) if hits5 else 0.0
    return DocScore(p5, r10, f1)


def mean_scores(scores: list[DocScore]) -> DocScore:
    n = len(scores) or 1
    return DocScore(
        sum(s.p5 for s in scores) / n,
        sum(s.r10 for s in scores) / n,
        sum(s.f1_5 for s in scores) / n,
    )


# --- data -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Document:
    name: str
    title: str
    body: str
    gold: frozenset[str]


def split_of(name: str) -> str:
    """The split of a document, "dev" or "holdout", fixed by a hash of its file name."""
    bucket = int(hashlib.sha256(name.encode("utf-8")).hexdigest()[:8], 16) % 100
    return "dev" if bucket < DEV_SHARE else "holdout"


def load_documents() -> list[Document]:
    """All 500 documents, with their normalised gold keyphrases."""
    documents = []
    for path in sorted((KPCROWD_DIR / "docsutf8").glob("*.txt")):
        text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
        title, _, body = text.partition("\n")
        key_path = KPCROWD_DIR / "keys" / f"{path.stem}.key"
        keys = key_path.read_text(encoding="utf-8").splitlines() if key_path.exists() else []
        gold = frozenset(n for n in (normalize(k) for k in keys) if n)
        documents.append(Document(path.stem, title.strip(), body.strip(), gold))
    return documents


def scored(documents: list[Document], split: str) -> list[Document]:
    """The documents the metric scores: enough body, in the split."""
    return [
        d
        for d in documents
        if len(d.body.split()) >= MIN_BODY_WORDS and (split == "all" or split_of(d.name) == split)
    ]


# --- the TF-IDF baseline ----------------------------------------------------------------------

STOP_WORDS = frozenset(
    str.split(
        """
a about above after again against all also am an and any are as at be because been before
being below between both but by can could did do does doing down during each few for from
further had has have having he her here hers herself him himself his how i if in into is it
its itself just me more most my myself no nor not now of off on once only or other our ours
ourselves out over own same she should so some such than that the their theirs them
themselves then there these they this those through to too under until up very was we were
what when where which while who whom why will with would you your yours yourself yourselves
said says say one two three new like get got also may might must us many much mr mrs ms
"""
    )
)
_TOKEN_RE = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def _terms(text: str) -> list[str]:
    """Lower-case unigrams and bigrams (bigrams of two non-stop-words in a row)."""
    tokens = [t for t in _TOKEN_RE.findall(text.lower()) if not t.endswith("'s")]
    terms = [t for t in tokens if t not in STOP_WORDS and not t.isdigit() and len(t) > 1]
    for a, b in zip(tokens, tokens[1:], strict=False):
        if a not in STOP_WORDS and b not in STOP_WORDS and not a.isdigit() and not b.isdigit():
            terms.append(f"{a} {b}")
    return terms


class TfIdfBaseline:
    """Top terms of a document by tf-idf, idf from the fitted documents."""

    def __init__(self, texts: list[str]) -> None:
        self.df: Counter[str] = Counter()
        for text in texts:
            self.df.update(set(_terms(text)))
        self.n = len(texts)

    def top(self, text: str, limit: int) -> list[str]:
        tf = Counter(_terms(text))
        ranked = sorted(tf, key=lambda t: (-tf[t] * math.log((self.n + 1) / (self.df[t] + 1)), t))
        return ranked[:limit]


# --- a plain capitalised-name extractor (the names-only anchor) -------------------------------

_CAPITALISED_RUN_RE = re.compile(r"\b[A-Z][\w'’-]*(?:[ \t]+[A-Z][\w'’-]*)*")


def capitalised_runs(text: str, limit: int) -> list[str]:
    """Runs of capitalised words as printed (possessive and leading stop words off), most
    frequent first, then by first appearance."""
    counts: Counter[str] = Counter()
    first: dict[str, int] = {}
    for index, match in enumerate(_CAPITALISED_RUN_RE.finditer(text)):
        words = re.sub(r"['’]s$", "", match.group()).split()
        while words and words[0].lower() in STOP_WORDS:
            words = words[1:]
        if words:
            run = " ".join(words)
            counts[run] += 1
            first.setdefault(run, index)
    return sorted(counts, key=lambda r: (-counts[r], first[r]))[:limit]


# --- runs ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QualityRun:
    ours: DocScore  # the tags, as the site shows them
    forms: DocScore  # the same tags read as keyphrases: each followed by its printed forms
    plain: DocScore  # the plain capitalised-name extractor
    baseline: DocScore  # TF-IDF
    documents: int
    distinct_tags: int
    singleton_share: float
    fit_seconds: float
    rows: list[tuple[str, list[str], list[str]]]


def run_quality(split: str = "all") -> QualityRun:
    """Score ours, the anchors and the baseline on the split; tag statistics over all 500."""
    documents = load_documents()
    start = time.process_time()
    tagger = EntityTagger((d.title, d.body) for d in documents)
    fit_seconds = time.process_time() - start
    baseline = TfIdfBaseline([f"{d.title}\n{d.body}" for d in documents])
    scores: dict[str, list[DocScore]] = {"ours": [], "forms": [], "plain": [], "base": []}
    rows = []
    for d in scored(documents, split):
        text = f"{d.title}\n{d.body}"
        tags = tagger.tags(d.title, d.body, limit=OUR_LIMIT)
        ours = [t.name for t in tags]
        forms = [phrase for t in tags for phrase in (t.name, *t.forms)]
        scores["ours"].append(score_document(ours, d.gold))
        scores["forms"].append(score_document(forms, d.gold))
        scores["plain"].append(score_document(capitalised_runs(text, OUR_LIMIT), d.gold))
        scores["base"].append(score_document(baseline.top(text, OUR_LIMIT), d.gold))
        rows.append((d.name, ours, sorted(d.gold)))
    usage: Counter[str] = Counter()
    for d in documents:
        usage.update({t.name for t in tagger.tags(d.title, d.body, limit=SITE_LIMIT)})
    singletons = sum(1 for count in usage.values() if count == 1)
    return QualityRun(
        ours=mean_scores(scores["ours"]),
        forms=mean_scores(scores["forms"]),
        plain=mean_scores(scores["plain"]),
        baseline=mean_scores(scores["base"]),
        documents=len(rows),
        distinct_tags=len(usage),
        singleton_share=singletons / len(usage) if usage else 0.0,
        fit_seconds=fit_seconds,
        rows=rows,
    )


def generated_articles(documents: list[Document], count: int) -> list[tuple[str, str]]:
    """``count`` articles of about SPEED_WORDS words: a kpcrowd story's sentences, shuffled
    within paragraphs, continued by other stories' until the length is reached."""
    rng = random.Random(SPEED_SEED)
    stories = [
        [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z\"])", d.body) if len(s.split()) >= 5]
        for d in documents
    ]
    stories = [s for s in stories if s]
    titles = [d.title for d in documents if d.title]
    articles = []
    for number in range(count):
        sentences: list[str] = []
        words = 0
        while words < SPEED_WORDS:
            story = rng.choice(stories)
            for sentence in story:
                sentences.append(sentence)
                words += len(sentence.split())
                if words >= SPEED_WORDS:
                    break
        paragraphs = []
        while sentences:
            size = rng.randint(2, 4)
            paragraph, sentences = sentences[:size], sentences[size:]
            rng.shuffle(paragraph)
            paragraphs.append(" ".join(paragraph))
        title = f"{rng.choice(titles)} ({number})"
        articles.append((title, "\n\n".join(paragraphs)))
    return articles


def clear_caches() -> None:
    """Empty broadsheet.entities' memo caches, so the speed run starts cold like a build."""
    for value in vars(entities).values():
        if callable(getattr(value, "cache_clear", None)):
            value.cache_clear()


def run_speed(count: int) -> tuple[int, int, float, float]:
    """(articles, words, wall seconds, CPU seconds) to fit and tag ``count`` articles."""
    articles = generated_articles(load_documents(), count)
    words = sum(len(body.split()) for _, body in articles)
    clear_caches()
    wall, cpu = time.perf_counter(), time.process_time()
    tagger = EntityTagger(articles)
    for title, body in articles:
        tagger.tags(title, body, limit=SITE_LIMIT)
    return count, words, time.perf_counter() - wall, time.process_time() - cpu


def run_build_share(count: int) -> tuple[float, float]:
    """(wall, CPU seconds) of the autotag plugin's work on ``count`` generated articles."""
    articles = [
        TaggableArticle(
            path=f"generated/{number}.md",
            title=title,
            body="".join(f"<p>{paragraph}</p>\n" for paragraph in body.split("\n\n")),
        )
        for number, (title, body) in enumerate(generated_articles(load_documents(), count))
    ]
    vocabulary = load_vocabulary(REPO / "content" / "tags.yml")
    clear_caches()
    wall, cpu = time.perf_counter(), time.process_time()
    tag_articles(articles, vocabulary, AutotagSettings())
    return time.perf_counter() - wall, time.process_time() - cpu


def main(argv: list[str] | None = None) -> int:
    """Print the quality and speed tables; a plain message when the data is missing."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("dev", "holdout", "all"), default="all")
    parser.add_argument("--articles", type=int, default=10_000, help="generated articles")
    parser.add_argument("--no-speed", action="store_true", help="skip the speed part")
    parser.add_argument("--show", type=int, default=0, help="print N documents' tags")
    args = parser.parse_args(argv)
    if not (KPCROWD_DIR / "docsutf8").is_dir():
        print(f"kpcrowd evaluation data not found at {KPCROWD_DIR}; nothing to measure.")
        return 0
    quality = run_quality(args.split)
    print(
        f"kpcrowd, split {args.split}: {quality.documents} documents with >= "
        f"{MIN_BODY_WORDS} words of body (fitted on all 500)\n"
    )
    print("| tagger | P@5 | R@10 | F1@5 |")
    print("|---|---|---|---|")
    for label, s in (
        (f"broadsheet.entities tags (limit {OUR_LIMIT})", quality.ours),
        ("broadsheet.entities tags, each followed by its printed forms", quality.forms),
        ("capitalised runs as printed, by count (names-only anchor)", quality.plain),
        ("TF-IDF unigrams + bigrams (baseline)", quality.baseline),
    ):
        print(f"| {label} | {s.p5:.3f} | {s.r10:.3f} | {s.f1_5:.3f} |")
    print(
        f"\nTags over all 500 documents (top {SITE_LIMIT} each): "
        f"{quality.distinct_tags} distinct, {quality.singleton_share:.1%} used by one "
        f"document only; fit {quality.fit_seconds:.2f} CPU-s"
    )
    for name, tags, gold in quality.rows[: args.show]:
        print(f"\n{name}\n  ours: {tags}\n  gold: {gold}")
    if not args.no_speed:
        count, words, wall, cpu = run_speed(args.articles)
        print(f"\nSpeed: fit + tag {count} generated articles ({words} words), one core\n")
        print("| articles | words | wall s | CPU s | target |")
        print("|---|---|---|---|---|")
        print(f"| {count} | {words} | {wall:.2f} | {cpu:.2f} | < 5 s |")
        wall, cpu = run_build_share(args.articles)
        print(
            f"\nThe autotag plugin's whole work (tag_articles on the rendered HTML, with the "
            f"demo vocabulary): {wall:.2f} s wall, {cpu:.2f} CPU-s (target < 5 s)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
