"""Benchmark HTML main-text extraction on the aeb pages against trafilatura, same run.

Usage: python bench/extract.py [--split dev|holdout|all] [--worst N] [--repeats N]

Pages and truth: ../shared/eval/aeb/html/<id>.html.gz and ground-truth.json, scored
with the benchmark's own metric (bench/aeb_metric.py). Rows:

- broadsheet: ``extract_page(html, url)`` then ``page_metadata(html, url)``, so the
  speed is that of the import path (text and metadata). Scored text = the plain text
  of the non-figure blocks joined by blank lines (headings in, captions out).
- trafilatura default: ``trafilatura.extract(html)`` (its defaults keep comments).
- trafilatura + metadata: ``trafilatura.bare_extraction(html, with_metadata=True)``,
  the anchor for speed: both rows read text and metadata.
- trafilatura favor_precision: ``extract(html, favor_precision=True,
  include_comments=False)``, the settings broadsheet builds on.

Speed is pages per CPU second (time.process_time), the median of ``--repeats`` runs
of each timing loop; the extractors take turns within each run. Ids starting 0-7 are
the dev split, the rest the holdout.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import trafilatura  # noqa: E402
from aeb_metric import AEB_DIR, DEV_PREFIXES, PageScore, Score, aggregate, score_page  # noqa: E402

from broadsheet.errors import CleanError  # noqa: E402
from broadsheet.htmlextract import extract_page  # noqa: E402
from broadsheet.metadata import page_metadata  # noqa: E402

SPLITS = ("dev", "holdout", "all")


@dataclass(frozen=True)
class Page:
    """One aeb page: id, saved HTML, URL and the true article body."""

    page_id: str
    html: str
    url: str
    truth: str

    @property
    def dev(self) -> bool:
        return self.page_id.startswith(DEV_PREFIXES)


def load_pages(split: str = "all") -> list[Page]:
    """Every aeb page in ``split`` (dev, holdout or all)."""
    truth = json.loads((AEB_DIR / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for page_id in sorted(truth):
        page = Page(
            page_id=page_id,
            html=gzip.decompress((AEB_DIR / "html" / f"{page_id}.html.gz").read_bytes()).decode(
                "utf-8"
            ),
            url=truth[page_id]["url"],
            truth=truth[page_id]["articleBody"],
        )
        if split == "all" or (split == "dev") == page.dev:
            pages.append(page)
    return pages


def ours_text(html: str, url: str) -> str:
    """Broadsheet's import path on one page; the scored text (metadata read, not scored)."""
    try:
        blocks = extract_page(html, url).blocks
    except CleanError:
        blocks = ()
    page_metadata(html, url)
    return "\n\n".join(b.text for b in blocks if b.kind != "figure")


def trafilatura_default(html: str, url: str) -> str:
    return trafilatura.extract(html) or ""


def trafilatura_with_metadata(html: str, url: str) -> str:
    document = trafilatura.bare_extraction(html, with_metadata=True)
    return (document.text or "") if document is not None else ""


def trafilatura_precision(html: str, url: str) -> str:
    return trafilatura.extract(html, favor_precision=True, include_comments=False) or ""


EXTRACTORS: dict[str, Callable[[str, str], str]] = {
    "broadsheet (text + metadata)": ours_text,
    "trafilatura default": trafilatura_default,
    "trafilatura + metadata": trafilatura_with_metadata,
    "trafilatura favor_precision": trafilatura_precision,
}
OURS, ANCHOR = "broadsheet (text + metadata)", "trafilatura + metadata"


@dataclass
class Measured:
    """One extractor over the pages: texts, page scores and CPU seconds of each repeat."""

    texts: list[str]
    scores: list[PageScore]
    seconds: list[list[float]]  # [repeat][page]

    def score(self, keep: list[bool]) -> Score:
        return aggregate(s for s, k in zip(self.scores, keep, strict=True) if k)

    def speed(self, keep: list[bool]) -> float:
        totals = [sum(t for t, k in zip(run, keep, strict=True) if k) for run in self.seconds]
        cpu = statistics.median(totals)
        return sum(keep) / cpu if cpu > 0 else float("inf")


def measure(
    extractors: dict[str, Callable[[str, str], str]], pages: list[Page], repeats: int = 3
) -> dict[str, Measured]:
    """Run every extractor over the pages ``repeats`` times, timing each page. The
    extractors take turns within each repeat, so a busy machine slows them alike."""
    texts: dict[str, list[str]] = {name: [] for name in extractors}
    seconds: dict[str, list[list[float]]] = {name: [] for name in extractors}
    for repeat in range(repeats):
        for name, extract in extractors.items():
            times = []
            for page in pages:
                start = time.process_time()
                text = extract(page.html, page.url)
                times.append(time.process_time() - start)
                if repeat == 0:
                    texts[name].append(text)
            seconds[name].append(times)
    return {
        name: Measured(
            texts[name],
            [score_page(p.truth, t) for p, t in zip(pages, texts[name], strict=True)],
            seconds[name],
        )
        for name in extractors
    }


def score_ours(pages: list[Page]) -> tuple[Score, list[tuple[str, PageScore]]]:
    """Broadsheet's extraction score alone (no timing): the evaluation gate's figure."""
    scores = []
    for page in pages:
        try:
            blocks = extract_page(page.html, page.url).blocks
        except CleanError:
            blocks = ()
        text = "\n\n".join(b.text for b in blocks if b.kind != "figure")
        scores.append(score_page(page.truth, text))
    return aggregate(scores), [(p.page_id, s) for p, s in zip(pages, scores, strict=True)]


def main(argv: list[str] | None = None) -> int:
    """Print the benchmark table (a plain message when the evaluation data is missing)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=SPLITS, default="all")
    parser.add_argument("--worst", type=int, default=0, help="list broadsheet's N worst pages")
    parser.add_argument("--repeats", type=int, default=3, help="timing runs (median is shown)")
    args = parser.parse_args(argv)
    if not (AEB_DIR / "ground-truth.json").is_file():
        print(f"evaluation data missing: {AEB_DIR} not found (expected at ../shared/eval)")
        return 0
    pages = load_pages(args.split)
    results = measure(EXTRACTORS, pages, args.repeats)
    splits = SPLITS if args.split == "all" else (args.split,)
    print("| extractor | split | pages | F1 | P | R | pages / CPU-s |")
    print("|---|---|---|---|---|---|---|")
    ratios = []
    for split in splits:
        keep = [split == "all" or (split == "dev") == p.dev for p in pages]
        for name, result in results.items():
            s = result.score(keep)
            print(
                f"| {name} | {split} | {s.pages} | {s.f1:.3f} | {s.precision:.3f} | "
                f"{s.recall:.3f} | {result.speed(keep):.0f} |"
            )
        ratio = results[OURS].speed(keep) / results[ANCHOR].speed(keep)
        ratios.append(f"{split} {ratio:.2f}")
    print(f"\nthroughput broadsheet / (trafilatura + metadata): {', '.join(ratios)}")
    if args.worst:
        rows = sorted(
            zip(pages, results[OURS].scores, strict=True),
            key=lambda r: min(r[1].precision, r[1].recall),
        )
        print()
        for page, s in rows[: args.worst]:
            print(f"{page.page_id[:8]}  P={s.precision:.2f} R={s.recall:.2f}  {page.url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
