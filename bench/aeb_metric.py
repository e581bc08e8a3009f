"""The article-extraction-benchmark metric, exactly as ../shared/eval/README.md specifies.

Tokens are ``\\w+`` runs (case kept); shingles are runs of four consecutive tokens
(a text of fewer than four tokens gives one shorter shingle), counted as multisets.
Written on its own rather than with broadsheet.text, so the ruler does not change
when the code it measures does.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

TOKEN_RE = re.compile(r"\w+")
SHINGLE_SIZE = 4

# Where the benchmarks find the evaluation data, and the split every aeb benchmark uses:
# pages whose id starts with 0–7 were used in development ("dev"), the rest held out.
EVAL_DIR = Path(__file__).resolve().parents[2] / "shared" / "eval"
AEB_DIR = EVAL_DIR / "aeb"
DEV_PREFIXES = tuple("01234567")


def in_split(page_id: str, split: str) -> bool:
    """Whether an aeb page belongs to `split` ("dev", "holdout" or "all")."""
    dev = page_id.startswith(DEV_PREFIXES)
    return split == "all" or (split == "dev") == dev


@dataclass(frozen=True)
class PageScore:
    """Normalised tp/fp/fn of one page (they sum to 1, or are all 0 for two empty texts)."""

    tp: float
    fp: float
    fn: float

    @property
    def precision(self) -> float:
        """Page precision (1.0 when fp = fn = 0; 0 when tp = fp = 0)."""
        if self.fp == 0 and self.fn == 0:
            return 1.0
        if self.tp == 0 and self.fp == 0:
            return 0.0
        return self.tp / (self.tp + self.fp)

    @property
    def recall(self) -> float:
        """Page recall (1.0 when fp = fn = 0; 0 when tp = fn = 0)."""
        if self.fp == 0 and self.fn == 0:
            return 1.0
        if self.tp == 0 and self.fn == 0:
            return 0.0
        return self.tp / (self.tp + self.fn)


@dataclass(frozen=True)
class Score:
    """Corpus-level precision, recall and F1 (F1 of the two means)."""

    precision: float
    recall: float
    f1: float
    pages: int


def shingles(text: str) -> Counter[tuple[str, ...]]:
    """Multiset of 4-token shingles of ``text``."""
    tokens = TOKEN_RE.findall(text)
    if len(tokens) < SHINGLE_SIZE:
        return Counter([tuple(tokens)])
    return Counter(
        tuple(tokens[i : i + SHINGLE_SIZE]) for i in range(len(tokens) - SHINGLE_SIZE + 1)
    )


def score_page(true_text: str, pred_text: str) -> PageScore:
    """Score one predicted body against its ground truth."""
    true = shingles(true_text)
    pred = shingles(pred_text)
    tp = fp = fn = 0
    for key in true.keys() | pred.keys():
        t, p = true.get(key, 0), pred.get(key, 0)
        tp += min(t, p)
        fp += max(0, p - t)
        fn += max(0, t - p)
    total = tp + fp + fn
    if total == 0:
        return PageScore(0.0, 0.0, 0.0)
    return PageScore(tp / total, fp / total, fn / total)


def aggregate(pages: Iterable[PageScore]) -> Score:
    """Mean precision and recall over the pages where each is defined, and their F1."""
    precisions: list[float] = []
    recalls: list[float] = []
    n = 0
    for page in pages:
        n += 1
        if page.tp + page.fp > 0:
            precisions.append(page.precision)
        if page.tp + page.fn > 0:
            recalls.append(page.recall)
    p = sum(precisions) / len(precisions) if precisions else 0.0
    r = sum(recalls) / len(recalls) if recalls else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return Score(precision=p, recall=r, f1=f1, pages=n)


def evaluate(truth: Mapping[str, str], predictions: Mapping[str, str]) -> Score:
    """Score predicted bodies (missing ids count as empty) against the ground truth."""
    return aggregate(score_page(truth[i], predictions.get(i, "")) for i in sorted(truth))
