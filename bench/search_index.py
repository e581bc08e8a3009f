"""The search index step (broadsheet.search, Pagefind) timed on a built site.

    .venv/bin/python bench/search_index.py                  # the demo site (content/)
    .venv/bin/python bench/search_index.py --generate 2000  # 2,000 fictional articles

Builds the site with Pelican into a temporary folder (not timed), then runs the index
step alone `--repeats` times, without the build caches (every bundle made, one
Pagefind run after another), and prints its wall time (median) and the size of
output/pagefind/ (every file, in bytes).
"""

from __future__ import annotations

import argparse
import logging
import random
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import tasks  # noqa: E402
from broadsheet.search import SEARCH_FOLDER, article_glob, index_site  # noqa: E402

WORDS = [
    "harbour",
    "ferry",
    "council",
    "market",
    "quay",
    "tide",
    "herring",
    "auction",
    "tea",
    "coffee",
    "freight",
    "vote",
    "tram",
    "bridge",
    "school",
    "library",
    "petition",
    "budget",
    "road",
    "rail",
    "river",
    "storm",
    "flood",
    "harvest",
    "festival",
    "museum",
    "hospital",
    "clinic",
    "fishery",
    "lighthouse",
    "island",
    "valley",
    "county",
    "mayor",
    "clerk",
    "board",
]
PLACES = ["Kessel", "Tarrow", "Northgate", "Skerry", "Brambleside", "Ashby Vale", "Fenwick"]


def generate(content: Path, count: int, seed: int = 7) -> None:
    """Write `count` fictional articles, about 400 words each, into content/articles."""
    rng = random.Random(seed)
    folder = content / "articles"
    folder.mkdir(parents=True)
    for number in range(count):
        place = rng.choice(PLACES)
        title = f"{place} {rng.choice(WORDS)} {rng.choice(WORDS)} report {number}"
        paragraphs = [
            " ".join(rng.choice(WORDS) for _ in range(80)).capitalize() + "." for _ in range(5)
        ]
        day = 1 + number % 28
        month = 1 + (number // 28) % 12
        (folder / f"story-{number:05d}.md").write_text(
            f"Title: {title}\nDate: 2025-{month:02d}-{day:02d}\nTags: {place}\n\n"
            + "\n\n".join(paragraphs)
            + "\n",
            encoding="utf-8",
        )


def folder_bytes(folder: Path) -> tuple[int, int]:
    files = [path for path in folder.rglob("*") if path.is_file()]
    return len(files), sum(path.stat().st_size for path in files)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generate", type=int, metavar="N", help="N fictional articles")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    logging.getLogger("pelican").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="broadsheet-search-bench-") as temp:
        temp = Path(temp)
        if args.generate:
            content = temp / "content"
            generate(content, args.generate)
        else:
            content = ROOT / "content"
        output = temp / "output"
        from pelican import Pelican

        settings = tasks.load_settings(
            overrides={"PATH": str(content), "OUTPUT_PATH": str(output), "SEARCH_INDEX": False}
        )
        Pelican(settings).run()
        pages = len(list(output.rglob("*.html")))
        times, index = [], None
        for _ in range(args.repeats):
            index = index_site(
                output,
                language=settings["DEFAULT_LANG"],
                glob=article_glob(settings["ARTICLE_SAVE_AS"]),  # as the build runs it
            )
            times.append(index.seconds)
        files, size = folder_bytes(output / SEARCH_FOLDER)
        print(f"site: {content if not args.generate else f'{args.generate} generated articles'}")
        print(
            f"HTML pages in the build: {pages}; pages indexed: {index.pages}"
            f" in {len(index.bundles)} bundle(s): {', '.join(index.bundles)}"
        )
        print(f"index time, wall, median of {args.repeats}: {statistics.median(times):.2f} s")
        print(f"output/{SEARCH_FOLDER}/: {files} files, {size:,} bytes")


if __name__ == "__main__":
    main()
