"""Is this article already here? Exact copies and syndicated (wire) copies.

Two bodies are the same story when the larger holds most of the smaller one's word
5-grams (`NEAR_DUPLICATE_CONTAINMENT`): an outlet that runs a wire story trims,
re-titles and re-captions it, but keeps the paragraphs. A follow-up that reuses a
background paragraph or two shares far less than that, and so does another story on
the same topic.

`DedupeIndex` answers the question against thousands of articles without comparing
the candidate with each one. It keeps an inverted index from a hash-range sample of
each body's 5-grams to the bodies holding them, probes it with all of the
candidate's 5-grams, and discards with a counting bound every body that cannot reach
the containment threshold before computing the containment of the few that remain.
The sample and the bound are chosen so the index finds exactly what the all-pairs
`find_same_story` finds (see `DedupeIndex.find`).
"""

from __future__ import annotations

import hashlib
import math
import re
import sys
import zlib
from array import array
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from broadsheet.text import words

SHINGLE_SIZE = 5
# Measured in bench/dedupe.py (containment of the smaller body's 5-grams in the
# larger): syndicated copies made with light edits (a dateline, a credit or furniture
# line, a paragraph dropped, a few words changed) keep 0.93 at the median, and 97 %
# of them at least 0.7 where 90 % keep 0.8. The closest different stories built there
# reach 0.46 (a follow-up reusing up to half of its text) and 0.55 (two briefs sharing
# a stock line). A false duplicate hides a story, so the threshold keeps that margin
# rather than spend it on the last points of recall.
NEAR_DUPLICATE_CONTAINMENT = 0.7
# Below this many distinct 5-grams (about 24 words) a body is matched only exactly:
# one sentence found inside a longer story is not that story.
MIN_SHINGLES = 20
# In a brief one changed word is as likely another event from the same template
# (another town's earthquake, another day's price) as an edit, so a body may miss
# 1 - NEAR_DUPLICATE_CONTAINMENT of its 5-grams less this many: below about 57 5-grams
# (three short sentences) not even one changed word (five 5-grams) is forgiven, and
# from a few hundred up the slack hardly moves the threshold.
SHORT_BODY_SLACK = 12
# The index keeps the 5-grams whose crc32 falls in the lowest 3/8 of its range. That
# must stay above 1 - NEAR_DUPLICATE_CONTAINMENT for the counting bound in
# DedupeIndex.find to hold without a scan: at 3/8, a candidate's sample is too thin
# (and the larger bodies are scanned) with odds under 1 in 25,000 at any size.
INDEX_HASH_LIMIT = (1 << 32) * 3 // 8

_FIGURE_LINE_RE = re.compile(r"^!\[(?:\\.|[^\]\\])*\]\([^)\s]*\)\s*(?:\n\*.*\*)?\s*$")
_LINK_RE = re.compile(r"(?<!\\)!?\[((?:\\.|[^\]\\])*)\]\([^)\s]*\)")


def body_hash(text: str) -> str:
    """Hash of the body's words, blind to spacing and Markdown escapes."""
    return hashlib.sha256(" ".join(words(text.lower())).encode()).hexdigest()


def prose_of(body: str) -> str:
    """The body's own words: figures and subheadings dropped, links reduced to their text.

    Each outlet hosts its own copy of a picture, captions it its own way, breaks a wire
    story up with its own subheadings and links elsewhere; none of that says whether
    two bodies are the same story.
    """
    blocks = [block for block in re.split(r"\n\s*\n", body) if block.strip()]
    kept = [
        _LINK_RE.sub(r"\1", block)
        for block in blocks
        if not _FIGURE_LINE_RE.match(block) and not block.startswith("#")
    ]
    return "\n\n".join(kept)


@dataclass(frozen=True)
class BodyPrint:
    """What dedupe compares: the exact hash and the 5-gram set of one body's prose."""

    key: str
    exact: str
    grams: frozenset[int]

    @classmethod
    def of(cls, key: str, text: str) -> BodyPrint:
        # One tokenising pass serves the hash and the 5-grams (the same 5-grams as
        # text.shingles): the store prints every article at start-up, and this takes a
        # third less time than tokenising twice and counting shingles.
        tokens = words(prose_of(text).lower())
        exact = hashlib.sha256(" ".join(tokens).encode()).hexdigest()
        last = max(len(tokens) - SHINGLE_SIZE + 1, 1)
        grams = frozenset(
            zlib.crc32(" ".join(tokens[i : i + SHINGLE_SIZE]).encode()) for i in range(last)
        )
        return cls(key, exact, grams)


def containment(a: frozenset[int], b: frozenset[int]) -> float:
    """Share of the smaller set found in the larger."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def most_missing(size: int) -> int:
    """How many of the smaller body's `size` 5-grams the larger may lack, the same story."""
    allowed = math.floor(size * (1 - NEAR_DUPLICATE_CONTAINMENT) + 1e-9) - SHORT_BODY_SLACK
    return max(allowed, 0)


def find_same_story(candidate: BodyPrint, known: Iterable[BodyPrint]) -> BodyPrint | None:
    """The known body that is the same text or a syndicated copy of it, by scanning them all.

    An exact match wins (the smallest key among several), else the highest containment
    among the bodies close enough (`most_missing`), ties to the smallest key.
    `DedupeIndex.find` gives the same answer without the scan; this is the reference
    it is tested against.
    """
    exact: BodyPrint | None = None
    best, best_score = None, 0.0
    for other in known:
        if other.key == candidate.key:
            continue
        if other.exact == candidate.exact:
            if exact is None or other.key < exact.key:
                exact = other
            continue
        score = _near_duplicate_score(candidate.grams, other.grams)
        if score and (score > best_score or (score == best_score and other.key < best.key)):
            best, best_score = other, score
    return exact or best


def _near_duplicate_score(a: frozenset[int], b: frozenset[int]) -> float:
    """The containment of the smaller set in the larger when it is close enough, else 0."""
    smaller = min(len(a), len(b))
    if smaller < MIN_SHINGLES:
        return 0.0
    shared = len(a & b)
    if smaller - shared > most_missing(smaller):
        return 0.0
    return shared / smaller


def indexed_grams(grams: frozenset[int]) -> list[int]:
    """The 5-grams a body is indexed under: its sampled ones, or its lowest if too few.

    A body contained in a larger one must have one of its indexed 5-grams there when
    more than `most_missing` of them are indexed; the lowest hashes top up a body the
    hash-range sample left short.
    """
    sampled = [gram for gram in grams if gram < INDEX_HASH_LIMIT]
    least = most_missing(len(grams)) + 1
    if len(sampled) >= least:
        return sampled
    return sorted(grams)[:least]


class DedupeIndex:
    """Known bodies, indexed to find the same story among thousands without a full scan."""

    def __init__(self, prints: Iterable[BodyPrint] = ()) -> None:
        self._prints: dict[str, BodyPrint] = {}
        self._by_exact: dict[str, set[str]] = {}
        # 5-gram -> the key holding it, or the set of keys when several do: most
        # 5-grams belong to one body, and a bare key costs no container.
        self._postings: dict[int, str | set[str]] = {}
        self._indexed_count: dict[str, int] = {}
        for print_ in prints:
            self.add(print_)

    def __len__(self) -> int:
        return len(self._prints)

    def add(self, print_: BodyPrint) -> None:
        """Index a body, replacing any body indexed under the same key."""
        key = print_.key
        self.discard(key)
        self._prints[key] = print_
        self._by_exact.setdefault(print_.exact, set()).add(key)
        if len(print_.grams) < MIN_SHINGLES:
            return
        indexed = indexed_grams(print_.grams)
        self._indexed_count[key] = len(indexed)
        postings = self._postings
        for gram in indexed:
            holders = postings.get(gram)
            if holders is None:
                postings[gram] = key
            elif isinstance(holders, str):
                postings[gram] = {holders, key}
            else:
                holders.add(key)

    def discard(self, key: str) -> None:
        """Forget the body indexed under `key`, if any."""
        print_ = self._prints.pop(key, None)
        if print_ is None:
            return
        same_text = self._by_exact[print_.exact]
        same_text.discard(key)
        if not same_text:
            del self._by_exact[print_.exact]
        if self._indexed_count.pop(key, None) is None:
            return
        postings = self._postings
        for gram in indexed_grams(print_.grams):
            holders = postings[gram]
            if isinstance(holders, str):
                del postings[gram]
                continue
            holders.discard(key)
            if len(holders) == 1:
                postings[gram] = next(iter(holders))

    def find(self, candidate: BodyPrint) -> BodyPrint | None:
        """The indexed body that is the same text or a syndicated copy of the candidate.

        Same answer as `find_same_story` over every indexed body. Each body B sharing an
        indexed 5-gram with the candidate A gets a hit count h = |A ∩ indexed(B)|. When
        A is the smaller, a match needs h ≥ |sample(A)| - most_missing(|A|), since every
        sampled 5-gram of A found in B is indexed there; when B is the smaller, a match
        needs h ≥ |indexed(B)| - most_missing(|B|). Bodies under the bound are never
        compared. The second bound is always at least one by `indexed_grams`; the first
        is not when A's sample is too thin, and then every body at least A's size is
        compared.
        """
        same_text = self._by_exact.get(candidate.exact, set()) - {candidate.key}
        if same_text:
            return self._prints[min(same_text)]
        grams = candidate.grams
        size = len(grams)
        if size < MIN_SHINGLES:
            return None
        hits: Counter[str] = Counter()
        postings = self._postings
        for gram in grams:
            holders = postings.get(gram)
            if holders is None:
                continue
            if isinstance(holders, str):
                hits[holders] += 1
            else:
                hits.update(holders)
        sample_bound = sum(1 for gram in grams if gram < INDEX_HASH_LIMIT) - most_missing(size)
        scan_larger = sample_bound < 1
        best, best_score = None, 0.0
        for key, print_ in self._prints.items() if scan_larger else ():
            if key not in hits and key != candidate.key and len(print_.grams) >= size:
                hits[key] = 0
        for key, count in hits.items():
            if key == candidate.key:
                continue
            other = self._prints[key]
            other_size = len(other.grams)
            if other_size >= size:
                if count < sample_bound and not scan_larger:
                    continue
            elif count < self._indexed_count[key] - most_missing(other_size):
                continue
            score = _near_duplicate_score(grams, other.grams)
            if score and (score > best_score or (score == best_score and key < best.key)):
                best, best_score = other, score
        return best


class PrintCache:
    """Body fingerprints kept between import runs, keyed by the sha256 of the body text.

    Fingerprinting every article is most of an import's start-up on a large site;
    a body whose text has not changed keeps its print. The file is a cache: a
    missing, stale or unreadable one only costs the time to fingerprint again.
    Format: MAGIC, then per body its 32-byte text hash, 32-byte exact hash, a
    little-endian uint32 count and that many uint32 5-gram hashes.
    """

    MAGIC = b"broadsheet-prints-1\n"

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.entries: dict[bytes, tuple[str, frozenset[int]]] = {}
        self.used: set[bytes] = set()
        self.changed = False
        if path is not None:
            self._read(path)

    def print_of(self, key: str, text: str) -> BodyPrint:
        """The body's print, from the cache when its text is unchanged."""
        text_hash = hashlib.sha256(text.encode()).digest()
        self.used.add(text_hash)
        cached = self.entries.get(text_hash)
        if cached is not None:
            return BodyPrint(key, cached[0], cached[1])
        made = BodyPrint.of(key, text)
        self.entries[text_hash] = (made.exact, made.grams)
        self.changed = True
        return made

    def save(self) -> None:
        """Write the prints of the bodies seen this run (atomically), if anything changed."""
        if self.path is None or not (self.changed or set(self.entries) != self.used):
            return
        out = [self.MAGIC]
        for text_hash in sorted(self.used):
            exact, grams = self.entries[text_hash]
            values = array("I", sorted(grams))
            if sys.byteorder != "little":
                values.byteswap()
            out += [text_hash, bytes.fromhex(exact), len(values).to_bytes(4, "little")]
            out.append(values.tobytes())
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(self.path.name + ".tmp")
        temporary.write_bytes(b"".join(out))
        temporary.replace(self.path)

    def _read(self, path: Path) -> None:
        try:
            data = path.read_bytes()
        except OSError:
            return
        if not data.startswith(self.MAGIC):
            return
        entries, position = {}, len(self.MAGIC)
        while position < len(data):
            if position + 68 > len(data):
                return  # truncated: start afresh
            text_hash = data[position : position + 32]
            exact = data[position + 32 : position + 64].hex()
            count = int.from_bytes(data[position + 64 : position + 68], "little")
            position += 68
            end = position + 4 * count
            if end > len(data):
                return
            values = array("I")
            values.frombytes(data[position:end])
            if sys.byteorder != "little":
                values.byteswap()
            entries[text_hash] = (exact, frozenset(values))
            position = end
        self.entries = entries
