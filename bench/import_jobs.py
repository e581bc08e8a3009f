"""Wall time of a whole HTML import with --jobs 1 against --jobs N, on the aeb pages.

Usage: python bench/import_jobs.py [--jobs N] [--repeats R]

Each run imports all 181 saved pages of ../shared/eval/aeb/html into a fresh,
empty content folder (reading, extraction, metadata, dedupe and writing included),
exactly as `tasks.py import DIR --jobs N` does. Prints the median wall time of each
setting and the speed-up. The machine is noisy: read the medians and the ratio.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from broadsheet.pipeline import ImportOptions, count_statuses, import_all  # noqa: E402

AEB_HTML = REPO.parent / "shared" / "eval" / "aeb" / "html"


def timed_import(pages: Path, jobs: int) -> tuple[float, dict[str, int]]:
    """Seconds of wall time for one import of `pages` with `jobs` workers, and its counts."""
    work = Path(tempfile.mkdtemp(prefix="broadsheet-bench-"))
    try:
        options = ImportOptions(
            content_dir=work / "content",
            archive_dir=work / "archive",
            now=datetime(2026, 1, 15, tzinfo=UTC),
            jobs=jobs,
        )
        start = time.perf_counter()
        results = import_all([str(pages)], options)
        return time.perf_counter() - start, count_statuses(results)
    finally:
        shutil.rmtree(work)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if not AEB_HTML.is_dir():
        print(f"{AEB_HTML} not found: the aeb evaluation pages are needed for this benchmark")
        return 0
    times: dict[int, list[float]] = {1: [], args.jobs: []}
    counts = {}
    for _ in range(args.repeats):
        for jobs in times:  # interleaved, so drifting machine load hits both alike
            seconds, counts[jobs] = timed_import(AEB_HTML, jobs)
            times[jobs].append(seconds)
    pages = sum(1 for _ in AEB_HTML.glob("*.html.gz"))
    print(f"Import of {pages} saved pages (aeb), wall time, median of {args.repeats}")
    print()
    print("| jobs | median s | pages / s | outcome |")
    print("|---|---|---|---|")
    for jobs, values in times.items():
        median = statistics.median(values)
        outcome = ", ".join(f"{n} {s}" for s, n in counts[jobs].items() if n)
        print(f"| {jobs} | {median:.2f} | {pages / median:.1f} | {outcome} |")
    speedup = statistics.median(times[1]) / statistics.median(times[args.jobs])
    print()
    print(f"speed-up, --jobs {args.jobs} over --jobs 1: {speedup:.2f}x (target >= 1.7x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
