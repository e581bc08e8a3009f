"""Evaluation gate: the automatic entity tags' kpcrowd scores may not drop below their floors."""

from __future__ import annotations

import pytest
from conftest import EVAL, load_bench

KPCROWD = EVAL / "kpcrowd"

# Floors a little under the figures measured with bench/tags.py (all 422 scored documents).
# The target, P@5 >= 0.50, is not reached by merged proper-name tags: see the
# benchmark's notes.
P5_FLOOR = 0.34
R10_FLOOR = 0.26
FORMS_P5_FLOOR = 0.39
CALENDAR = {
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "january", "february", "march", "april", "june", "july", "august", "september",
    "october", "november", "december",
}  # fmt: skip


@pytest.fixture(scope="module")
def quality():
    if not (KPCROWD / "docsutf8").is_dir():
        pytest.skip(f"evaluation data missing: {KPCROWD} (expected at ../shared/eval)")
    return load_bench("tags").run_quality("all")


def test_kpcrowd_precision_floor(quality) -> None:
    assert quality.documents == 422
    assert quality.ours.p5 >= P5_FLOOR, f"P@5 {quality.ours.p5:.4f} fell below {P5_FLOOR}"
    assert quality.ours.r10 >= R10_FLOOR
    assert quality.forms.p5 >= FORMS_P5_FLOOR


def test_kpcrowd_tags_are_proper_names(quality) -> None:
    for name, tags, _gold in quality.rows:
        for tag in tags:
            # Capitalised, or a capital after a particle: "al-Qaeda", "iPhone".
            assert any(char.isupper() for char in tag[:4]), (name, tag)
            assert tag.lower() not in CALENDAR, (name, tag)
