"""A rebuild with the content cache (as the publish workflow keeps it between runs) after
stories are added, edited and deleted writes exactly what a cold build of the same
content writes, byte for byte, search index included."""

from __future__ import annotations

import filecmp
from pathlib import Path

import pytest
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
