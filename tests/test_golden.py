"""Golden files: every raw input we ship imports to exactly its expected article.

Each case imports one raw file alone into an empty site at a fixed clock and
compares the written article with tests/fixtures/expected/<case>.md byte for byte.
Run `pytest tests/test_golden.py --update-golden` to rewrite them, then review
the diff line by line: an expected file is a claim about what is right.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXED_NOW, FIXTURES, SAMPLES

from broadsheet.pipeline import ImportOptions, import_all

EXPECTED = FIXTURES / "expected"
CASES = sorted([*SAMPLES.glob("*.txt"), *SAMPLES.glob("*.html")]) + sorted(
    (FIXTURES / "raw").glob("*.txt")
)


def import_alone(raw: Path, tmp_path: Path) -> str:
    options = ImportOptions(tmp_path / "content", tmp_path / "archive", FIXED_NOW)
    [result] = import_all([str(raw)], options)
    assert result.status == "imported", result.error
    return Path(result.path).read_text(encoding="utf-8")


def check_golden(name: str, actual: str, update: bool) -> None:
    expected_path = EXPECTED / f"{name}.md"
    if update:
        expected_path.parent.mkdir(parents=True, exist_ok=True)
        expected_path.write_text(actual, encoding="utf-8")
    assert expected_path.exists(), f"no golden file {expected_path}; run with --update-golden"
    assert actual == expected_path.read_text(encoding="utf-8")


@pytest.mark.parametrize("raw", CASES, ids=lambda p: p.stem)
def test_raw_input_imports_to_its_golden_article(raw, tmp_path, update_golden):
    check_golden(raw.stem, import_alone(raw, tmp_path), update_golden)


def test_seed_imports_to_its_golden_article(seed_path, tmp_path, update_golden):
    check_golden("seed", import_alone(seed_path, tmp_path), update_golden)


def test_every_golden_file_has_its_raw_input():
    names = {p.stem for p in CASES} | {"seed"}
    orphans = [p.name for p in EXPECTED.glob("*.md") if p.stem not in names]
    assert not orphans, f"golden files without a raw input: {orphans}"
