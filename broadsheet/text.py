"""The one text toolkit: tokens, sentences, shingles and script helpers (pure functions)."""

from __future__ import annotations

import re
from collections import Counter

WORD_RE = re.compile(r"\w+")
# Scripts written without spaces between words: one character carries about a word.
_DENSE_SCRIPT_RE = re.compile(
    r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\u0e00-\u0e7f]"
)
_SENTENCE_SPLIT_RE = re.compile(
    r"(?<=[.!?…。！？])[\"'”’»)\]]*\s+(?=[\"'“‘«(\[]?[A-ZÀ-ÖØ-ÞА-ЯЁ0-9])"
)


def words(text: str) -> list[str]:
    """Word tokens (``\\w+`` runs, case kept)."""
    return WORD_RE.findall(text)


def word_count(text: str) -> int:
    """Number of words, counting each character of a space-less script as a word."""
    dense = len(_DENSE_SCRIPT_RE.findall(text))
    if not dense:
        return len(WORD_RE.findall(text))
    return len(WORD_RE.findall(_DENSE_SCRIPT_RE.sub(" ", text))) + dense


def split_sentences(text: str) -> list[str]:
    """Split text into sentences at end punctuation followed by a capital or digit."""
    return [s.strip() for s in _SENTENCE_SPLIT_RE.split(text) if s.strip()]


def shingles(text: str, size: int = 4) -> Counter[tuple[str, ...]]:
    """Multiset of ``size``-word shingles (a shorter text gives one shorter shingle)."""
    tokens = words(text)
    if len(tokens) < size:
        return Counter([tuple(tokens)])
    return Counter(tuple(tokens[i : i + size]) for i in range(len(tokens) - size + 1))


def normalize_space(text: str) -> str:
    """Collapse runs of whitespace to one space and strip the ends."""
    return " ".join(text.split())
