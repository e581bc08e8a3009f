"""Evaluation gate: related stories on WikiRef220 may not drop below their floors."""

from __future__ import annotations

import pytest
from conftest import EVAL, load_bench

WIKIREF = EVAL / "wikiref220"

# Floors at the targets, which bench/related.py measures as met (see docs/QUALITY.md).
P3_FLOOR = 0.99
RPREC_FLOOR = 0.92
SAME_STORY_FLOOR = 0.95
BIG_WITH_THREE_FLOOR = 0.90


@pytest.fixture(scope="module")
def quality():
    if not (WIKIREF / "articles").is_dir():
        pytest.skip(f"evaluation data missing: {WIKIREF} (expected at ../shared/eval)")
    return load_bench("related").quality_run()


def test_wikiref_ranking_floors(quality) -> None:
    assert quality.ours.p3 >= P3_FLOOR, f"P@3 {quality.ours.p3:.4f} fell below {P3_FLOOR}"
    assert quality.ours.rprec >= RPREC_FLOOR, f"R-Prec {quality.ours.rprec:.4f}"


def test_the_links_readers_see_stay_on_the_story(quality) -> None:
    assert quality.same_story >= SAME_STORY_FLOOR, f"same story {quality.same_story:.4f}"
    assert quality.big_with_three >= BIG_WITH_THREE_FLOOR, f"{quality.big_with_three:.4f}"


def test_ours_beats_the_plain_baselines_on_r_precision(quality) -> None:
    by_label = dict(quality.rows)
    assert quality.ours.rprec > by_label["TF-IDF cosine, title + body"].rprec
    assert quality.ours.rprec > by_label["BM25"].rprec
