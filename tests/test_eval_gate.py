"""Evaluation gate: the plain-text cleaner's aeb score may not drop below its floor."""

from __future__ import annotations

import pytest
from conftest import EVAL, load_bench

AEB_TRUTH = EVAL / "aeb" / "ground-truth.json"

# Floors reached and written in docs/QUALITY.md (rounded down to two decimals).
F1_FLOOR = 0.94
PRECISION_FLOOR = 0.92
RECALL_FLOOR = 0.95


@pytest.fixture(scope="module")
def aeb_score():
    if not AEB_TRUTH.is_file():
        pytest.skip(f"evaluation data missing: {AEB_TRUTH} (expected at ../shared/eval)")
    bench = load_bench("textclean")
    ours, raw, _speed, _rows = bench.run(bench.load_pages("all"))
    return ours, raw


def test_aeb_f1_floor(aeb_score) -> None:
    ours, _raw = aeb_score
    assert ours.pages == 181
    assert ours.f1 >= F1_FLOOR, f"aeb F1 {ours.f1:.4f} fell below {F1_FLOOR}"
    assert ours.precision >= PRECISION_FLOOR
    assert ours.recall >= RECALL_FLOOR


def test_aeb_beats_the_raw_text(aeb_score) -> None:
    ours, raw = aeb_score
    assert ours.f1 > raw.f1 + 0.2
