"""A rebuild with the content cache (as the publish workflow keeps it between runs) after
stories are added, edited and deleted writes exactly what a cold build of the same
content writes, byte for byte, search index included."""

from __future__ import annotations

import filecmp
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import cold_publish_build, generated_site

import tasks

COUNT = 40


def tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def publish_build(content: Path, output: Path) -> Path:
    return tasks.run_pelican(publish=True, output=output, content_dir=content)


def listed_in_digests(content: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in (content / "digests").glob("*.md"))


@pytest.fixture
def generated(tmp_path):
    return generated_site(tmp_path / "content", COUNT)


def test_an_incremental_build_equals_a_cold_one(generated, tmp_path, monkeypatch):
    bench, writer, content = generated
    monkeypatch.setenv("BROADSHEET_CONTENT_CACHE", str(tmp_path / "cache"))
    incremental = publish_build(content, tmp_path / "site")
    assert (tmp_path / "cache").is_dir()  # the cache the next build reads

    # A curator's day: one new story, one corrected, one taken down.
    added = bench.add_article(content, writer, COUNT)
    articles = sorted((content / "articles").rglob("*.md"))
    digests = listed_in_digests(content)
    unlisted = [a for a in articles if a.stem not in digests and a != added]
    edited, deleted = unlisted[0], unlisted[1]
    text = edited.read_text(encoding="utf-8")
    edited.write_text(text.replace("\n\n", "\n\nA correction was made to this story.\n\n", 1))
    deleted.unlink()
    incremental = publish_build(content, tmp_path / "site")

    cold = cold_publish_build(content, tmp_path, monkeypatch)

    def page(article: Path) -> Path:
        return (
            incremental / article.parent.parent.name / article.parent.name / f"{article.stem}.html"
        )

    assert page(added).is_file()
    assert "A correction was made" in page(edited).read_text(encoding="utf-8")
    assert not page(deleted).exists()
    assert tree(incremental) == tree(cold)
    _, mismatch, errors = filecmp.cmpfiles(incremental, cold, tree(cold), shallow=False)
    assert (mismatch, errors) == ([], [])


# What `tasks.py build` tells the maintainer about the caches.

REUSED = re.compile(r"([\d,]+) of ([\d,]+) (\w+)")


def cli_build(content: Path, output: Path) -> str:
    result = CliRunner().invoke(
        tasks.cli,
        ["build", "--publish", "--output", str(output), "--content-dir", str(content)],
    )
    assert result.exit_code == 0, result.output
    return result.output


def reuse_reported(output: str) -> dict[str, tuple[int, int]]:
    """From the build's "Build cache:" line: each kind's (reused, of all)."""
    (line,) = [line for line in output.splitlines() if line.startswith("Build cache:")]
    return {
        kind: (int(reused.replace(",", "")), int(total.replace(",", "")))
        for reused, total, kind in REUSED.findall(line)
    }


def test_the_build_says_what_came_from_its_caches(generated, tmp_path, monkeypatch):
    bench, writer, content = generated
    monkeypatch.setenv("BROADSHEET_CONTENT_CACHE", str(tmp_path / "cache"))
    site = tmp_path / "site"

    first = cli_build(content, site)
    pages, feeds = reuse_reported(first)["pages"], reuse_reported(first)["feeds"]
    assert pages[0] == feeds[0] == 0  # a first build makes everything
    assert pages[1] > COUNT and feeds[1] > 10
    assert (site / "feeds/all.atom.xml").is_file()
    # Every article page is in the search index.
    (search,) = [line for line in first.splitlines() if line.startswith("Search index:")]
    assert search.startswith(f"Search index: {COUNT} pages in ")

    again = reuse_reported(cli_build(content, site))
    assert again == {"pages": (pages[1], pages[1]), "feeds": (feeds[1], feeds[1])}

    bench.add_article(content, writer, COUNT)
    later = cli_build(content, site)
    added = reuse_reported(later)
    assert 0 < added["pages"][0] < added["pages"][1] > pages[1]
    assert 0 < added["feeds"][0] < added["feeds"][1]
    assert f"Search index: {COUNT + 1} pages in " in later


def test_without_the_caches_the_build_reports_no_reuse(generated, tmp_path, monkeypatch):
    _, _, content = generated
    monkeypatch.delenv("BROADSHEET_CONTENT_CACHE", raising=False)
    output = cli_build(content, tmp_path / "site")
    assert "Build cache:" not in output
    assert f"Search index: {COUNT} pages in " in output


def test_feeds_written_beside_the_pages_are_counted(generated, tmp_path, monkeypatch):
    _, _, content = generated
    monkeypatch.setenv("BROADSHEET_CONTENT_CACHE", str(tmp_path / "cache"))
    site = tmp_path / "site"
    here = tasks.build_site(True, site, content, {"FEEDS_PARALLEL_MIN_ARTICLES": None})
    beside = tasks.build_site(True, site, content, {"FEEDS_PARALLEL_MIN_ARTICLES": 1})
    made = here.reuse["feeds"][1]
    assert made > 10 and here.reuse["feeds"] == (0, made)
    assert beside.reuse["feeds"] == (made, 0)  # from the forked writer, every one kept
