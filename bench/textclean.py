"""Benchmark the plain-text cleaner on the aeb scrapes against the text as it is.

Usage: python bench/textclean.py [--split dev|holdout|all] [--worst N]

Body text scored = the body blocks joined by blank lines (the title is not part of
``articleBody``; in-body subheadings are, captions are not).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from aeb_metric import AEB_DIR, Score, aggregate, in_split, score_page  # noqa: E402

from broadsheet.textclean import clean_text  # noqa: E402


def load_pages(split: str = "all") -> list[tuple[str, str, str]]:
    """(id, scrape text, true article body) for every aeb page in ``split``."""
    truth = json.loads((AEB_DIR / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for page_id in sorted(truth):
        if not in_split(page_id, split):
            continue
        text = (AEB_DIR / "text" / f"{page_id}.txt").read_text(encoding="utf-8")
        pages.append((page_id, text, truth[page_id]["articleBody"]))
    return pages


def body_text(text: str) -> str:
    """The cleaned body as scored: blocks joined by blank lines."""
    return "\n\n".join(block.text for block in clean_text(text).blocks)


def run(pages: list[tuple[str, str, str]]) -> tuple[Score, Score, float, list]:
    """Score the cleaner and the raw text; return both scores, pages/CPU-s and page rows."""
    start = time.process_time()
    predictions = [body_text(text) for _, text, _ in pages]
    cpu = time.process_time() - start
    ours = [score_page(true, pred) for (_, _, true), pred in zip(pages, predictions, strict=True)]
    raw = [score_page(true, text) for _, text, true in pages]
    rows = [(page_id, s) for (page_id, _, _), s in zip(pages, ours, strict=True)]
    speed = len(pages) / cpu if cpu > 0 else float("inf")
    return aggregate(ours), aggregate(raw), speed, rows


def main(argv: list[str] | None = None) -> int:
    """Print the benchmark table; exit 2 when the evaluation data is missing."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("dev", "holdout", "all"), default="all")
    parser.add_argument("--worst", type=int, default=0, help="list the N worst pages")
    args = parser.parse_args(argv)
    if not (AEB_DIR / "ground-truth.json").is_file():
        print(f"evaluation data missing: {AEB_DIR} not found (expected at ../shared/eval)")
        return 2
    splits = ("dev", "holdout", "all") if args.split == "all" else (args.split,)
    print("| extractor | split | pages | F1 | P | R | pages / CPU-s |")
    print("|---|---|---|---|---|---|---|")
    rows = []
    for split in splits:
        pages = load_pages(split)
        ours, raw, speed, rows = run(pages)
        print(
            f"| broadsheet.textclean | {split} | {ours.pages} | {ours.f1:.3f} | "
            f"{ours.precision:.3f} | {ours.recall:.3f} | {speed:.0f} |"
        )
        print(
            f"| text as it is | {split} | {raw.pages} | {raw.f1:.3f} | "
            f"{raw.precision:.3f} | {raw.recall:.3f} | — |"
        )
    if args.worst:
        rows.sort(key=lambda r: min(r[1].precision, r[1].recall))
        for page_id, s in rows[: args.worst]:
            print(f"{page_id[:8]}  P={s.precision:.2f} R={s.recall:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
