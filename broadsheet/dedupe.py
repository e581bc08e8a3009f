"""Is this article already here? Exact copies and syndicated (wire) copies.

Two bodies are the same story when one contains nearly all of the other's word
5-grams: an outlet that runs a wire story trims, re-titles and re-captions it, but
keeps the paragraphs.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

from broadsheet.text import shingles, words

SHINGLE_SIZE = 5
NEAR_DUPLICATE_CONTAINMENT = 0.8
MIN_SHINGLES = 20


def body_hash(text: str) -> str:
    """Hash of the body's words, blind to spacing and Markdown escapes."""
    return hashlib.sha256(" ".join(words(text.lower())).encode()).hexdigest()


@dataclass(frozen=True)
class BodyPrint:
    """What dedupe compares: the exact hash and the 5-gram set of one body."""

    key: str
    exact: str
    grams: frozenset[int]

    @classmethod
    def of(cls, key: str, text: str) -> BodyPrint:
        grams = frozenset(
            zlib.crc32(" ".join(gram).encode()) for gram in shingles(text.lower(), SHINGLE_SIZE)
        )
        return cls(key, body_hash(text), grams)


def containment(a: frozenset[int], b: frozenset[int]) -> float:
    """Share of the smaller set found in the larger."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def find_same_story(candidate: BodyPrint, known: Iterable[BodyPrint]) -> BodyPrint | None:
    """The known body that is the same text or a syndicated copy of it, best match first."""
    best, best_score = None, 0.0
    for other in known:
        if other.key == candidate.key:
            continue
        if other.exact == candidate.exact:
            return other
        if min(len(other.grams), len(candidate.grams)) < MIN_SHINGLES:
            continue
        score = containment(candidate.grams, other.grams)
        if score >= NEAR_DUPLICATE_CONTAINMENT and (
            score > best_score or (score == best_score and other.key < best.key)
        ):
            best, best_score = other, score
    return best
