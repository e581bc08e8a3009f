"""Benchmark same-story detection: precision and recall on built pairs, then speed at scale.

Usage: python bench/dedupe.py [--articles N] [--queries N] [--repeats N] [--seed N]

Quality, per source of bodies (the demo corpus's content/articles; the aeb article
bodies in ../shared/eval/aeb when present). Each pair is asked "same story?" with
``find_same_story(a, [b])``.

  positives   each body against its syndicated copy, made with seeded edits: a dateline
              and agency added, one non-lead paragraph dropped, 2–4 words changed, a
              credit line added, and each with even odds an outlet furniture line and a
              figure with its own caption; nothing reordered. Also that copy cut to its
              first half (outlets trim from the end) for bodies of 4+ paragraphs. The demo
              corpus adds its real pair: the AFP tuna story as the second outlet ran it
              (cleaned from archive/), against the stored article that records it.
  negatives   every pair of different bodies; and follow-ups: another body with one or two
              of this body's non-lead paragraphs inserted as background, the reused words
              at most half of either body.

Speed: N synthetic articles of Markov-chain text (word bigrams learnt from the aeb
bodies, or from the demo corpus when they are missing; lengths drawn from the same
bodies), so each is a distinct story with realistic common phrases. Times are
``time.perf_counter`` medians over repeats of one check, then the median and p95 over
the queries; the all-pairs scan (`find_same_story`) checks the same candidates.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import resource
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from broadsheet.dedupe import (  # noqa: E402
    INDEX_HASH_LIMIT,
    MIN_SHINGLES,
    NEAR_DUPLICATE_CONTAINMENT,
    SHORT_BODY_SLACK,
    BodyPrint,
    DedupeIndex,
    containment,
    find_same_story,
    most_missing,
)
from broadsheet.markdown import parse_article, render_figure  # noqa: E402
from broadsheet.pipeline import ImportOptions, prepare  # noqa: E402
from broadsheet.sources import RawArticle  # noqa: E402
from broadsheet.store import Archive  # noqa: E402
from broadsheet.text import split_sentences  # noqa: E402

EVAL_DIR = REPO.parent / "shared" / "eval"
AEB_TRUTH = EVAL_DIR / "aeb" / "ground-truth.json"
CONTENT_DIR = REPO / "content"
ARCHIVE_DIR = REPO / "archive"

# Furniture for the syndicated copies (every name is made up).
DATELINES = ("PORT ARLEN", "KESSOCK", "VALDEMAR", "HARBOURTON", "LINDQVIST BAY")
AGENCIES = ("Meridian Wire", "Coastline Press", "Northway News Agency")
OUTLETS = ("Coastal Mail", "The Evening Lantern", "Riverside Gazette", "Highland Courier")
CREDITS = (
    "Additional reporting by Ines Marrow; editing by Tobias Fenn.",
    "Reporting by Kofi Ansah; writing by Lena Hart; editing by Dara Quill.",
    "With additional reporting by the {outlet} staff.",
)
FURNITURE = (
    "Follow {outlet} on WhatsApp for the latest news you don't want to miss.",
    "Sign up for the {outlet} morning briefing, free in your inbox every day.",
    "Read more: {outlet} readers share their views on this story.",
)
CAPTIONS = (
    "Delegates leave the conference hall after the talks.",
    "A view of the harbour at dusk on Thursday.",
    "Officials speak to reporters outside the ministry.",
    "File photo of the site, taken earlier this year.",
)
# Short bodies from one outlet often end alike; a made-up stock line stands in for that.
PLACES = ("Tarrow", "Kessock", "Valdemar", "Orvel", "Lindqvist", "Brannock")
STOCK_LINE = "This is a developing story and will be updated as more details become available."
BRIEF_MIN_WORDS = 12
TRIM_MIN_PARAGRAPHS = 4
THRESHOLDS = (0.6, 0.65, 0.7, 0.75, 0.8, 0.85)
SLACK_SWEEP = (0, 8, 12, 16)


@dataclass
class Pair:
    """Two bodies, whether they are the same story, and what kind of pair they are."""

    kind: str
    same: bool
    a: BodyPrint
    b: BodyPrint


@dataclass
class Source:
    """One source of bodies and the pairs built from it."""

    name: str
    pairs: list[Pair] = field(default_factory=list)


def paragraphs_of(body: str) -> list[str]:
    """Non-empty lines of a body (blank-line and single-newline layouts alike)."""
    return [line.strip() for line in re.split(r"\n+", body) if line.strip()]


def syndicate(body: str, rng: random.Random) -> str:
    """A lightly edited copy, as another outlet would run the same wire story."""
    paragraphs = paragraphs_of(body)
    outlet = rng.choice(OUTLETS)
    if len(paragraphs) >= 3:
        del paragraphs[rng.randrange(1, len(paragraphs))]
    vocabulary = [w for p in paragraphs for w in p.split() if w.isalpha()] or ["reported"]
    for _ in range(rng.randint(2, 4)):
        index = rng.choices(range(len(paragraphs)), [len(p) for p in paragraphs])[0]
        tokens = paragraphs[index].split()
        tokens[rng.randrange(len(tokens))] = rng.choice(vocabulary)
        paragraphs[index] = " ".join(tokens)
    paragraphs[0] = f"{rng.choice(DATELINES)} ({rng.choice(AGENCIES)}) — {paragraphs[0]}"
    if rng.random() < 0.5:
        src = f"https://images.{outlet.lower().replace(' ', '')}.example/{rng.randrange(10**6)}.jpg"
        paragraphs.insert(1, render_figure(src, rng.choice(CAPTIONS), rng.choice(AGENCIES)))
    paragraphs.append(rng.choice(CREDITS).format(outlet=outlet))
    if rng.random() < 0.5:
        paragraphs.append(rng.choice(FURNITURE).format(outlet=outlet))
    return "\n\n".join(paragraphs)


def trim_to_half(body: str) -> str:
    """The first half of the paragraphs (a figure line counts as one)."""
    paragraphs = paragraphs_of(body)
    return "\n\n".join(paragraphs[: (len(paragraphs) + 1) // 2])


def follow_up(background: str, story: str, rng: random.Random) -> str | None:
    """`story` with one or two of `background`'s non-lead paragraphs inserted, if that is
    still mostly a new story (reused words at most half of either body)."""
    source, target = paragraphs_of(background), paragraphs_of(story)
    if len(source) < 3:
        return None
    source_words = len(background.split())
    for _ in range(5):
        reused = rng.sample(source[1:], min(rng.choice((1, 2)), len(source) - 1))
        reused_words = sum(len(p.split()) for p in reused)
        total_words = len(story.split()) + reused_words
        if 2 * reused_words <= min(source_words, total_words):
            at = rng.randint(1, len(target))
            return "\n\n".join(target[:at] + reused + target[at:])
    return None


def build_pairs(name: str, bodies: list[str], rng: random.Random) -> Source:
    """Positives, different-page negatives and follow-up negatives for one body list."""
    source = Source(name)
    prints = [BodyPrint.of(f"{name}-{i}", body) for i, body in enumerate(bodies)]
    for i, body in enumerate(bodies):
        copy = syndicate(body, rng)
        source.pairs.append(Pair("copy, light edits", True, BodyPrint.of("copy", copy), prints[i]))
        if len(paragraphs_of(body)) >= TRIM_MIN_PARAGRAPHS:
            trimmed = BodyPrint.of("trimmed", trim_to_half(copy))
            source.pairs.append(Pair("copy cut to its first half", True, trimmed, prints[i]))
    for i in range(len(prints)):
        for j in range(i + 1, len(prints)):
            source.pairs.append(Pair("different pages", False, prints[i], prints[j]))
    for i, body in enumerate(bodies):
        others = [j for j in range(len(bodies)) if j != i]
        text = follow_up(body, bodies[rng.choice(others)], rng)
        if text is not None:
            later = BodyPrint.of("follow-up", text)
            source.pairs.append(Pair("follow-up reusing 1–2 paragraphs", False, later, prints[i]))
    briefs = [brief_of(body, rng) for body in bodies]
    brief_prints = [BodyPrint.of(f"brief-{i}", brief) for i, brief in enumerate(briefs)]
    for i, brief in enumerate(briefs):
        dated = BodyPrint.of("brief copy", dateline(rng) + brief)
        source.pairs.append(Pair("brief, copy with a dateline", True, dated, brief_prints[i]))
        edited = BodyPrint.of("brief copy", dateline(rng) + change_a_word(brief, rng))
        kind = "brief, copy with a dateline + 1 word changed"
        source.pairs.append(Pair(kind, True, edited, brief_prints[i]))
        other = other_facts(brief, rng)
        if other is not None:
            kind = "brief, same template, other names or numbers"
            source.pairs.append(Pair(kind, False, BodyPrint.of("other", other), brief_prints[i]))
    for i in range(len(brief_prints)):
        for j in range(i + 1, len(brief_prints)):
            pair = Pair("briefs sharing a stock line", False, brief_prints[i], brief_prints[j])
            source.pairs.append(pair)
    return source


def brief_of(body: str, rng: random.Random) -> str:
    """A few sentences: the first one or two (12 words at least), then a stock line."""
    sentences = split_sentences("\n".join(paragraphs_of(body)))
    count, taken = rng.choice((1, 2)), []
    while sentences and (len(taken) < count or len(" ".join(taken).split()) < BRIEF_MIN_WORDS):
        taken.append(sentences.pop(0))
    return " ".join(taken) + "\n\n" + STOCK_LINE


def dateline(rng: random.Random) -> str:
    return f"{rng.choice(DATELINES)} ({rng.choice(AGENCIES)}) — "


def change_a_word(text: str, rng: random.Random) -> str:
    """One lower-case word replaced by another (an edit, not a different fact)."""
    tokens = text.split(" ")
    plain = [i for i, token in enumerate(tokens) if token.isalpha() and token.islower()]
    if not plain:
        return text
    at = rng.choice(plain)
    tokens[at] = "reportedly" if tokens[at] != "reportedly" else "said"
    return " ".join(tokens)


def is_fact(tokens: list[str], at: int) -> bool:
    """A number, or a capitalised word that does not start a sentence."""
    token = tokens[at]
    if any(ch.isdigit() for ch in token):
        return True
    return at > 0 and token[:1].isupper() and not tokens[at - 1].endswith((".", "!", "?"))


def other_facts(text: str, rng: random.Random) -> str | None:
    """The same words about another event: one or two names or numbers changed."""
    tokens = text.split(" ")
    facts = [i for i in range(len(tokens)) if is_fact(tokens, i)]
    if not facts:
        return None
    for at in rng.sample(facts, min(len(facts), rng.choice((1, 2)))):
        token = tokens[at]
        if any(ch.isdigit() for ch in token):
            tokens[at] = "".join(
                str((int(ch) + rng.randint(1, 9)) % 10) if ch.isdigit() else ch for ch in token
            )
        else:
            tokens[at] = rng.choice([p for p in PLACES if p != token])
    return " ".join(tokens)


def demo_source(rng: random.Random) -> Source:
    """Pairs from the demo corpus, with its real syndicated pair first."""
    articles = {}
    for path in sorted((CONTENT_DIR / "articles").rglob("*.md")):
        meta, body = parse_article(path.read_text(encoding="utf-8"))
        articles[meta["Slug"]] = (meta, body)
    source = build_pairs("demo", [body for _, body in articles.values()], rng)
    archive = Archive(ARCHIVE_DIR)
    options = ImportOptions(CONTENT_DIR, ARCHIVE_DIR, datetime(2026, 1, 1, tzinfo=UTC))
    real = []
    for digest, entry in sorted(archive.entries.items()):
        if entry["status"] != "duplicate" or entry["slug"] not in articles:
            continue
        meta, body = articles[entry["slug"]]
        raw = RawArticle(archive.load_raw(digest), entry["origin"], options.now)
        copy = BodyPrint.of(entry["origin"], prepare(raw, options).body)
        real.append(Pair("real copy (ledger: duplicate)", True, copy, BodyPrint.of("stored", body)))
    source.pairs[:0] = real
    return source


def aeb_bodies() -> list[str]:
    truth = json.loads(AEB_TRUTH.read_text(encoding="utf-8"))
    return [truth[page]["articleBody"] for page in sorted(truth)]


def judged_same(pair: Pair) -> bool:
    return find_same_story(pair.a, [pair.b]) is not None


def same_with(pair: Pair, threshold: float, slack: int) -> bool:
    """The judgement with other constants (mirrors find_same_story and most_missing)."""
    if pair.a.exact == pair.b.exact:
        return True
    smaller = min(len(pair.a.grams), len(pair.b.grams))
    if smaller < MIN_SHINGLES:
        return False
    allowed = max(math.floor(smaller * (1 - threshold) + 1e-9) - slack, 0)
    return smaller - len(pair.a.grams & pair.b.grams) <= allowed


def precision_recall(pairs: list[Pair], judge: Callable[[Pair], bool]) -> tuple[float, float]:
    tp = sum(1 for p in pairs if p.same and judge(p))
    fp = sum(1 for p in pairs if not p.same and judge(p))
    positives = sum(1 for p in pairs if p.same)
    precision = tp / (tp + fp) if tp + fp else 1.0
    return precision, (tp / positives if positives else 1.0)


def print_quality(sources: list[Source]) -> None:
    print(
        f"Quality: NEAR_DUPLICATE_CONTAINMENT={NEAR_DUPLICATE_CONTAINMENT}, "
        f"MIN_SHINGLES={MIN_SHINGLES}, SHORT_BODY_SLACK={SHORT_BODY_SLACK}\n"
    )
    print("| source | pairs | same story? | count | judged same | containment min / median / max |")
    print("|---|---|---|---|---|---|")
    for source in sources:
        for kind in dict.fromkeys(p.kind for p in source.pairs):
            pairs = [p for p in source.pairs if p.kind == kind]
            judged = sum(judged_same(p) for p in pairs)
            scores = sorted(containment(p.a.grams, p.b.grams) for p in pairs)
            spread = f"{scores[0]:.2f} / {statistics.median(scores):.2f} / {scores[-1]:.2f}"
            truth = "yes" if pairs[0].same else "no"
            print(f"| {source.name} | {kind} | {truth} | {len(pairs)} | {judged} | {spread} |")
    print("\n| source | positives | negatives | precision | recall |")
    print("|---|---|---|---|---|")
    for source in [*sources, Source("all", [p for s in sources for p in s.pairs])]:
        positives = sum(p.same for p in source.pairs)
        precision, recall = precision_recall(source.pairs, judged_same)
        negatives = len(source.pairs) - positives
        print(f"| {source.name} | {positives} | {negatives} | {precision:.3f} | {recall:.3f} |")
    pooled = [p for s in sources for p in s.pairs]
    print("\nThreshold sweep, all sources pooled (precision / recall):\n")
    print("| containment ≥ | " + " | ".join(f"SHORT_BODY_SLACK={s}" for s in SLACK_SWEEP) + " |")
    print("|---|" + "---|" * len(SLACK_SWEEP))
    for threshold in THRESHOLDS:
        cells = []
        for slack in SLACK_SWEEP:
            p, r = precision_recall(pooled, lambda x, t=threshold, s=slack: same_with(x, t, s))
            cells.append(f"{p:.3f} / {r:.3f}")
        print(f"| {threshold} | " + " | ".join(cells) + " |")


class MarkovText:
    """Word-bigram text learnt from real bodies: distinct stories with common phrases."""

    def __init__(self, bodies: list[str], rng: random.Random) -> None:
        self.rng = rng
        self.following: dict[str, list[str]] = {}
        self.starts: list[str] = []
        self.paragraph_lengths: list[int] = []
        self.body_lengths: list[int] = []
        for body in bodies:
            paragraphs = paragraphs_of(body)
            self.body_lengths.append(sum(len(p.split()) for p in paragraphs))
            for paragraph in paragraphs:
                tokens = paragraph.split()
                self.paragraph_lengths.append(len(tokens))
                self.starts.append(tokens[0])
                for a, b in zip(tokens, tokens[1:], strict=False):
                    self.following.setdefault(a, []).append(b)

    def paragraph(self, length: int) -> str:
        rng, following = self.rng, self.following
        word = rng.choice(self.starts)
        tokens = [word]
        while len(tokens) < length:
            nexts = following.get(word)
            word = rng.choice(nexts) if nexts else rng.choice(self.starts)
            tokens.append(word)
        return " ".join(tokens)

    def article(self) -> str:
        target = self.rng.choice(self.body_lengths)
        paragraphs, total = [], 0
        while total < target:
            length = min(self.rng.choice(self.paragraph_lengths), target - total + 1)
            paragraphs.append(self.paragraph(length))
            total += length
        return "\n\n".join(paragraphs)

    def brief(self) -> str:
        """A few sentences' worth: 25 to 50 words."""
        return self.paragraph(self.rng.randint(25, 50))


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def median_time(check: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        check()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def print_speed(bodies: list[str], origin: str, args: argparse.Namespace) -> None:
    rng = random.Random(args.seed)
    markov = MarkovText(bodies, rng)
    texts = [markov.article() for _ in range(args.articles)]
    print(
        f"\nSpeed: {args.articles} existing articles of word-bigram text learnt from {origin} "
        f"(median {statistics.median(len(t.split()) for t in texts):.0f} words); "
        f"{args.queries} candidates of each kind, {args.repeats} repeats (all-pairs: "
        f"{args.scan_repeats}).\n"
    )
    rss_before = peak_rss_mb()
    wall, cpu = time.perf_counter(), time.process_time()
    prints = [BodyPrint.of(f"article-{i:05d}", text) for i, text in enumerate(texts)]
    print_wall, print_cpu = time.perf_counter() - wall, time.process_time() - cpu
    rss_prints = peak_rss_mb()
    builds = []
    for _ in range(args.build_repeats):
        index = None
        wall, cpu = time.perf_counter(), time.process_time()
        index = DedupeIndex(prints)
        builds.append((time.perf_counter() - wall, time.process_time() - cpu))
    index_wall = statistics.median(b[0] for b in builds)
    index_cpu = statistics.median(b[1] for b in builds)
    rss_index = peak_rss_mb()
    targets = rng.sample(range(len(prints)), args.queries)
    kinds = {
        "new story": [BodyPrint.of("", markov.article()) for _ in range(args.queries)],
        "syndicated copy": [BodyPrint.of("", syndicate(texts[i], rng)) for i in targets],
        "new brief (25–50 words)": [BodyPrint.of("", markov.brief()) for _ in targets],
    }
    print("| step | wall time | CPU time | peak RSS after |")
    print("|---|---|---|---|")
    print(
        f"| BodyPrint.of × {len(prints)} (both ways need it) | {print_wall:.2f} s | "
        f"{print_cpu:.2f} s | {rss_prints:.0f} MB (before: {rss_before:.0f} MB) |"
    )
    print(
        f"| DedupeIndex build (median of {args.build_repeats}) | {index_wall:.2f} s | "
        f"{index_cpu:.2f} s | {rss_index:.0f} MB |"
    )
    print(
        f"\n| check one candidate against {len(index)} | index median | index p95 | "
        "all-pairs median | all-pairs p95 | speed-up (median) | found | same answer |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for kind, candidates in kinds.items():
        ours, scan, found, agree = [], [], 0, 0
        for candidate in candidates:
            match = index.find(candidate)
            reference = find_same_story(candidate, prints)
            found += match is not None
            agree += (match and match.key) == (reference and reference.key)
            ours.append(median_time(lambda c=candidate: index.find(c), args.repeats))
            scan.append(
                median_time(lambda c=candidate: find_same_story(c, prints), args.scan_repeats)
            )
        print(
            f"| {kind} | {statistics.median(ours) * 1e3:.3f} ms | {p95(ours) * 1e3:.3f} ms | "
            f"{statistics.median(scan) * 1e3:.1f} ms | {p95(scan) * 1e3:.1f} ms | "
            f"{statistics.median(scan) / statistics.median(ours):.0f}× | "
            f"{found}/{len(candidates)} | {agree}/{len(candidates)} |"
        )
    under = sum(
        1
        for p in prints
        if sum(g < INDEX_HASH_LIMIT for g in p.grams) <= most_missing(len(p.grams))
    )
    print(
        f"\nArticles whose hash sample is too small to bound a larger match (the index would "
        f"scan for them as candidates): {under}/{len(prints)}"
    )


def main(argv: list[str] | None = None) -> int:
    """Print the quality and speed tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000, help="existing articles")
    parser.add_argument("--queries", type=int, default=30, help="candidates of each kind")
    parser.add_argument("--repeats", type=int, default=7, help="repeats of one index check")
    parser.add_argument("--scan-repeats", type=int, default=3, help="repeats of one scan")
    parser.add_argument("--build-repeats", type=int, default=3, help="index builds timed")
    parser.add_argument("--part", choices=("all", "quality", "speed"), default="all")
    parser.add_argument("--seed", type=int, default=20241115)
    args = parser.parse_args(argv)
    if args.part in ("all", "quality"):
        rng = random.Random(args.seed)
        sources = [demo_source(rng)]
        if AEB_TRUTH.is_file():
            sources.append(build_pairs("aeb", aeb_bodies(), rng))
        else:
            print(f"aeb bodies missing: {AEB_TRUTH} not found; measuring the demo corpus only\n")
        print_quality(sources)
    if args.part in ("all", "speed"):
        if AEB_TRUTH.is_file():
            bodies, origin = aeb_bodies(), "the 181 aeb bodies"
        else:
            paths = sorted((CONTENT_DIR / "articles").rglob("*.md"))
            bodies = [parse_article(p.read_text(encoding="utf-8"))[1] for p in paths]
            origin = "the demo corpus"
        print_speed(bodies, origin, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
