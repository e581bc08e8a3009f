"""Benchmark page metadata (title, date, byline, site name) against trafilatura.

Usage: python bench/metadata.py [--split dev|holdout|all] [--show-misses FIELD]

Pages and reference: ../shared/eval/readability/<case>/source.html and
expected-metadata.json (Readability.js output). The metric is the one in
../shared/eval/README.md, section "readability/": norm = NFKC, lowercase, every run
of non-word characters to one space, strip; title and site name equal after norm;
date equal on the first 10 characters; byline non-empty with one of norm(ours),
norm(reference) containing the other. Each field is scored over the pages whose
reference has it. trafilatura 2.3.1's ``extract_metadata`` is scored in the same run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from broadsheet.metadata import PageMeta, page_metadata  # noqa: E402

EVAL_DIR = REPO.parent / "shared" / "eval"
READABILITY_DIR = EVAL_DIR / "readability"
FIELDS = ("title", "date", "byline", "site_name")
REFERENCE_KEYS = {
    "title": "title",
    "date": "publishedTime",
    "byline": "byline",
    "site_name": "siteName",
}
DEV_SHARE = 70  # per cent of cases in the dev split, chosen by a stable hash of the name


@dataclass(frozen=True)
class Case:
    """One readability page: its name, HTML and reference metadata."""

    name: str
    html: str
    reference: dict


@dataclass
class FieldScore:
    """Correct answers over pages whose reference has the field, and the misses."""

    correct: int = 0
    total: int = 0
    misses: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return self.correct / self.total if self.total else 0.0


def is_dev(name: str) -> bool:
    """True when the case belongs to the dev split (about 70 % of cases)."""
    return int(hashlib.sha256(name.encode("utf-8")).hexdigest(), 16) % 100 < DEV_SHARE


def load_cases(split: str = "all") -> list[Case]:
    """Every readability case with an expected-metadata.json, in name order."""
    cases = []
    for folder in sorted(READABILITY_DIR.iterdir()):
        expected = folder / "expected-metadata.json"
        source = folder / "source.html"
        if not (expected.is_file() and source.is_file()):
            continue
        if (split == "dev" and not is_dev(folder.name)) or (
            split == "holdout" and is_dev(folder.name)
        ):
            continue
        reference = json.loads(expected.read_text(encoding="utf-8"))
        html = source.read_text(encoding="utf-8", errors="replace")
        cases.append(Case(folder.name, html, reference))
    return cases


def norm(text: str) -> str:
    """The metric's normal form: NFKC, lowercase, non-word runs to one space, stripped."""
    return re.sub(r"\W+", " ", unicodedata.normalize("NFKC", text).lower()).strip()


def is_correct(name: str, ours: str | None, reference: str) -> bool:
    """Whether `ours` matches `reference` for field `name` under the metric."""
    ours = ours or ""
    if name == "date":
        return bool(ours) and ours[:10] == reference[:10]
    if name == "byline":
        a, b = norm(ours), norm(reference)
        return bool(a) and (a in b or b in a)
    return norm(ours) == norm(reference)


def ours_fields(meta: PageMeta) -> dict[str, str | None]:
    """Our answer for each scored field."""
    return {
        "title": meta.title,
        "date": meta.published.value.isoformat() if meta.published else None,
        "byline": meta.byline,
        "site_name": meta.site_name,
    }


def trafilatura_fields(html: str) -> dict[str, str | None]:
    """trafilatura's answer for each scored field."""
    from trafilatura import extract_metadata

    found = extract_metadata(html)
    if found is None:
        return dict.fromkeys(FIELDS)
    return {
        "title": found.title,
        "date": found.date,
        "byline": found.author,
        "site_name": found.sitename,
    }


def score(cases: list[Case], answers: list[dict[str, str | None]]) -> dict[str, FieldScore]:
    """Score each field over the cases whose reference has it."""
    scores = {name: FieldScore() for name in FIELDS}
    for case, answer in zip(cases, answers, strict=True):
        for name in FIELDS:
            reference = case.reference.get(REFERENCE_KEYS[name])
            if not isinstance(reference, str) or not reference.strip():
                continue
            scores[name].total += 1
            if is_correct(name, answer[name], reference):
                scores[name].correct += 1
            else:
                scores[name].misses.append((case.name, answer[name] or "", reference))
    return scores


def run(cases: list[Case]) -> tuple[dict[str, FieldScore], dict[str, FieldScore], float]:
    """Score ours and trafilatura on `cases`; also return our pages per CPU-second."""
    start = time.process_time()
    ours = [ours_fields(page_metadata(case.html)) for case in cases]
    cpu = time.process_time() - start
    theirs = [trafilatura_fields(case.html) for case in cases]
    speed = len(cases) / cpu if cpu > 0 else float("inf")
    return score(cases, ours), score(cases, theirs), speed


def main(argv: list[str] | None = None) -> int:
    """Print the benchmark table; exit 0 with a message when the data is missing."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("dev", "holdout", "all"), default="all")
    parser.add_argument("--show-misses", choices=FIELDS, metavar="FIELD", help=", ".join(FIELDS))
    args = parser.parse_args(argv)
    if not READABILITY_DIR.is_dir():
        print(f"evaluation data missing: {READABILITY_DIR} not found (expected at ../shared/eval)")
        return 0
    cases = load_cases(args.split)
    ours, theirs, speed = run(cases)
    print(f"readability pages: {len(cases)} (split {args.split}); ours {speed:.0f} pages / CPU-s")
    print()
    print("| field | broadsheet | ratio | trafilatura 2.3.1 | ratio |")
    print("|---|---|---|---|---|")
    for name in FIELDS:
        a, b = ours[name], theirs[name]
        print(
            f"| {name} | {a.correct}/{a.total} | {a.ratio:.3f} | "
            f"{b.correct}/{b.total} | {b.ratio:.3f} |"
        )
    if args.show_misses:
        print()
        print(f"misses ({args.show_misses}): case | ours | reference")
        for case, answer, reference in ours[args.show_misses].misses:
            print(f"  {case} | {answer!r} | {reference!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
