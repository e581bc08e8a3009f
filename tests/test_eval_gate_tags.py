"""Evaluation gate: the automatic entity tags' kpcrowd scores may not drop below their floors."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
KPCROWD = REPO.parent / "shared" / "eval" / "kpcrowd"

# Floors a little under the figures measured with bench/tags.py (all 422 scored documents).
# The target, P@5 >= 0.50, is not reached by merged proper-name tags: see the
# benchmark's notes.
P5_FLOOR = 0.32
R10_FLOOR = 0.25
FORMS_P5_FLOOR = 0.38
CALENDAR = {
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "january", "february", "march", "april", "june", "july", "august", "september",
    "october", "november", "december",
}  # fmt: skip


def _load_bench():
    spec = importlib.util.spec_from_file_location("bench_tags", REPO / "bench" / "tags.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def quality():
    if not (KPCROWD / "docsutf8").is_dir():
        pytest.skip(f"evaluation data missing: {KPCROWD} (expected at ../shared/eval)")
    return _load_bench().run_quality("all")


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
