"""Evaluation gate: page metadata scores on the readability pages may not drop below floors."""

from __future__ import annotations

import pytest
from conftest import EVAL, load_bench

READABILITY_DIR = EVAL / "readability"

# Floors a little under the scores measured with bench/metadata.py --split all
# (title 106/127, date 33/33, byline 64/76, site name 61/62). Title, date and site
# name meet their targets (0.80, 0.93, 0.90); byline (target 0.85) is pinned as a
# regression floor: its remaining misses are reference values that are not people.
FLOORS = {"title": 0.82, "date": 0.96, "byline": 0.82, "site_name": 0.95}
PAGES_WITH_FIELD = {"title": 127, "date": 33, "byline": 76, "site_name": 62}


@pytest.fixture(scope="module")
def scores():
    if not READABILITY_DIR.is_dir():
        pytest.skip(f"evaluation data missing: {READABILITY_DIR} (expected at ../shared/eval)")
    bench = load_bench("metadata")
    ours, theirs, _speed = bench.run(bench.load_cases("all"))
    return ours, theirs


@pytest.mark.parametrize("field", sorted(FLOORS))
def test_metadata_field_floor(scores, field):
    ours, _theirs = scores
    assert ours[field].total == PAGES_WITH_FIELD[field]
    assert ours[field].ratio >= FLOORS[field], (
        f"{field} {ours[field].correct}/{ours[field].total} fell below {FLOORS[field]}"
    )


@pytest.mark.parametrize("field", sorted(FLOORS))
def test_metadata_field_at_least_matches_trafilatura(scores, field):
    ours, theirs = scores
    assert ours[field].correct >= theirs[field].correct
