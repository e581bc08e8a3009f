"""plugins/parallel_read: the articles' Markdown read in worker processes gives the same
site, byte for byte, as Pelican reading them alone, and Pelican then reads none itself."""

from __future__ import annotations

import filecmp
from pathlib import Path

import pytest
from conftest import (
    ROOT,
    TWELVE_STORIES,
    build_pelican_site,
    count_markdown_reads,
    write_content,
)
from pelican.readers import MarkdownReader
from pelican.settings import read_settings

ARTICLES = TWELVE_STORIES
PARALLEL = {"READ_PROCESSES": 2, "READ_PARALLEL_MIN_FILES": 1}


def plugins(with_parallel: bool) -> list[str]:
    listed = read_settings(str(ROOT / "pelicanconf.py"))["PLUGINS"]
    listed = [p for p in listed if p != "parallel_read"]
    return ["parallel_read", *listed] if with_parallel else listed


def tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


@pytest.fixture
def reads_here(monkeypatch):
    """The article files a Markdown reader parses in this process (not in workers)."""
    return count_markdown_reads(monkeypatch)


def test_reading_in_workers_builds_the_same_site(tmp_path, reads_here):
    write_content(tmp_path / "content", ARTICLES)
    alone = build_pelican_site(
        tmp_path / "content", tmp_path / "alone", PLUGINS=plugins(False), **PARALLEL
    )
    assert len([p for p in reads_here if "/articles/" in p]) == len(ARTICLES)
    reads_here.clear()
    parallel = build_pelican_site(
        tmp_path / "content", tmp_path / "parallel", PLUGINS=plugins(True), **PARALLEL
    )
    # The workers read every article; this process read none of them.
    assert [p for p in reads_here if "/articles/" in p] == []
    assert tree(alone) == tree(parallel)
    _, mismatch, errors = filecmp.cmpfiles(alone, parallel, tree(alone), shallow=False)
    assert (mismatch, errors) == ([], [])


def test_a_few_files_are_left_to_pelican(tmp_path, reads_here):
    write_content(tmp_path / "content", ARTICLES)
    build_pelican_site(
        tmp_path / "content",
        tmp_path / "output",
        PLUGINS=plugins(True),
        READ_PROCESSES=2,
        READ_PARALLEL_MIN_FILES=len(ARTICLES) + 1,
    )
    assert len([p for p in reads_here if "/articles/" in p]) == len(ARTICLES)


def test_a_file_a_worker_cannot_read_is_left_to_pelican(tmp_path):
    from plugins.parallel_read import parallel_read

    class Readers:
        readers = {"md": MarkdownReader({"MARKDOWN": {}, "FORMATTED_FIELDS": []})}

    parallel_read._READERS = Readers()
    try:
        assert parallel_read.read_chunk([("md", str(tmp_path / "missing.md"))]) == []
    finally:
        parallel_read._READERS = None
