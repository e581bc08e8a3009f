"""plugins/render_cache: with the content cache on, a page whose inputs are unchanged is
linked from the cache instead of rendered, and the site is byte for byte the site a cold
build writes, whatever changed in between."""

from __future__ import annotations

import filecmp
import os
import re
import shutil
import struct
import zlib
from pathlib import Path

import pytest
from conftest import build_pelican_site, cold_publish_build

import tasks
from broadsheet import templating

ROOT = Path(__file__).resolve().parents[1]
PAGES = Path("pages") / "files"  # the kept pages, under the cache folder


def tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def publish_build(content: Path, output: Path, cache: Path | None, monkeypatch) -> Path:
    if cache is None:
        monkeypatch.delenv("BROADSHEET_CONTENT_CACHE", raising=False)
    else:
        monkeypatch.setenv("BROADSHEET_CONTENT_CACHE", str(cache))
    return tasks.run_pelican(publish=True, output=output, content_dir=content)


def assert_same_site(built: Path, cold: Path) -> None:
    assert tree(built) == tree(cold)
    _, mismatch, errors = filecmp.cmpfiles(built, cold, tree(cold), shallow=False)
    assert (mismatch, errors) == ([], [])


def png(width: int, height: int) -> bytes:
    """A valid one-colour PNG of the given size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\x80\x80\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def filled(tmp_path, monkeypatch) -> tuple[Path, Path, Path]:
    """The demo content, a build of it with the content cache on, and that cache. The
    tests change the content where it is: a content folder elsewhere is another site
    (contents are keyed by their source paths)."""
    content, cache = tmp_path / "content", tmp_path / "cache"
    shutil.copytree(ROOT / "content", content)
    output = publish_build(content, tmp_path / "site", cache, monkeypatch)
    assert (cache / PAGES).is_dir()
    return content, cache, output


def reused(built: Path, before: Path) -> list[str]:
    """The HTML pages of `built` that are the very files of the build `before` (linked)."""
    return [
        name
        for name in tree(built)
        if name.endswith(".html")
        and (before / name).is_file()
        and os.path.samefile(built / name, before / name)
    ]


def article_source(content: Path, slug: str) -> Path:
    return next((content / "articles").rglob(f"{slug}.md"))


def first_related(output: Path, content: Path) -> tuple[str, str]:
    """(an article page, the slug of a story it lists as related and no digest lists)."""
    listed = "\n".join(p.read_text(encoding="utf-8") for p in (content / "digests").glob("*.md"))
    related = re.compile(r'class="related-list">\s*<li>\s*<a href="[^"]*/([^/"]+)\.html"')
    for page in sorted(output.glob("20*/*/*.html")):
        found = related.search(page.read_text(encoding="utf-8"))
        if found and found[1] not in listed:
            return str(page.relative_to(output)), found[1]
    raise AssertionError("no article page lists a related story")


def retitle_a_related_story(content: Path, output: Path) -> None:
    _, slug = first_related(output, content)
    source = article_source(content, slug)
    text = source.read_text(encoding="utf-8")
    source.write_text(re.sub(r"^Title: ", "Title: Corrected: ", text, count=1, flags=re.M))


def retag_a_story(content: Path, output: Path) -> None:
    source = sorted((content / "articles").rglob("*.md"))[3]
    text = source.read_text(encoding="utf-8")
    source.write_text(text.replace("\nCategory:", "\nTags: Render Cache Test\nCategory:", 1))


def edit_a_digest(content: Path, output: Path) -> None:
    issue = sorted((content / "digests").glob("*.md"))[0]
    text = issue.read_text(encoding="utf-8")
    issue.write_text(text.replace("Title: ", "Title: Revised: ", 1), encoding="utf-8")


def name_an_outlet(content: Path, output: Path) -> None:
    (content / "sources.yml").write_text(
        "outlets:\n  valley:\n    name: The Valley Beacon\n    names: [Valley Beacon]\n"
        "    full_text: false\n",
        encoding="utf-8",
    )


def resize_a_lead_image(content: Path, output: Path) -> None:
    image = sorted((content / "images").rglob("*.png"))[0]
    image.write_bytes(png(64, 48))


def delete_a_story(content: Path, output: Path) -> None:
    page, slug = first_related(output, content)
    article_source(content, slug).unlink()


EDITS = [
    retitle_a_related_story,
    retag_a_story,
    edit_a_digest,
    name_an_outlet,
    resize_a_lead_image,
    delete_a_story,
]


@pytest.mark.parametrize("edit", EDITS, ids=[edit.__name__ for edit in EDITS])
def test_a_cached_rebuild_after_a_change_equals_a_cold_build(edit, filled, tmp_path, monkeypatch):
    content, cache, before = filled
    edit(content, before)
    built = publish_build(content, tmp_path / "built", cache, monkeypatch)
    assert_same_site(built, cold_publish_build(content, tmp_path, monkeypatch))
    assert len(reused(built, before)) > 20  # most pages were not rendered again


def test_an_unchanged_rebuild_renders_no_cached_page(filled, tmp_path, monkeypatch):
    content, cache, before = filled
    built = publish_build(content, tmp_path / "built", cache, monkeypatch)
    kept = tree(cache / PAGES)
    assert len(kept) > 100  # article, tag, category, source, home and month pages
    assert "index.html" in kept
    assert sorted(reused(built, before)) == kept  # each linked, none written again
    assert_same_site(built, before)


def test_a_changed_setting_renders_every_page_again(filled, tmp_path, monkeypatch):
    content, cache, before = filled
    monkeypatch.setenv("BROADSHEET_SITEURL", "https://news.example.net")
    built = publish_build(content, tmp_path / "built", cache, monkeypatch)
    assert reused(built, before) == []
    assert_same_site(built, cold_publish_build(content, tmp_path, monkeypatch))
    assert "https://news.example.net/" in (built / "index.html").read_text()


def test_a_kept_page_changed_in_place_is_rendered_again(filled, tmp_path, monkeypatch):
    content, cache, before = filled
    original = (before / "index.html").read_bytes()
    with (cache / PAGES / "index.html").open("ab") as kept:  # also changes `before`'s
        kept.write(b"<!-- damaged -->")
    built = publish_build(content, tmp_path / "built", cache, monkeypatch)
    assert (built / "index.html").read_bytes() == original


def test_a_damaged_index_is_a_cold_build_not_a_failure(filled, tmp_path, monkeypatch):
    content, cache, before = filled
    (cache / "pages" / "index.pickle").write_bytes(b"not a pickle")
    built = publish_build(content, tmp_path / "built", cache, monkeypatch)
    assert reused(built, before) == []
    assert_same_site(built, cold_publish_build(content, tmp_path, monkeypatch))


def test_pages_of_a_deleted_story_leave_the_cache(filled, tmp_path, monkeypatch):
    content, cache, before = filled
    _, slug = first_related(before, content)
    page = next(p for p in tree(cache / PAGES) if p.endswith(f"/{slug}.html"))
    article_source(content, slug).unlink()
    built = publish_build(content, tmp_path / "built", cache, monkeypatch)
    assert not (built / page).exists()
    assert not (cache / PAGES / page).exists()


def test_without_the_content_cache_nothing_is_kept(tmp_path, monkeypatch):
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    built = publish_build(content, tmp_path / "built", None, monkeypatch)
    assert all((built / name).stat().st_nlink == 1 for name in tree(built))


def test_the_old_output_is_deleted_beside_the_build(filled, tmp_path, monkeypatch):
    content, cache, before = filled
    (before / "stale-page.html").write_text("from a story since deleted")
    (before / "old-folder").mkdir()
    (before / "old-folder" / "x.html").write_text("stale")
    built = publish_build(content, before, cache, monkeypatch)
    assert not (built / "stale-page.html").exists()
    assert not (built / "old-folder").exists()
    assert sorted(p.name for p in built.parent.iterdir()) == ["cache", "content", "site"]
    assert (built / "index.html").is_file()


def _trash(folder: Path) -> Path:
    (folder / "a" / "b").mkdir(parents=True)
    for number in range(50):
        (folder / "a" / "b" / f"{number}.html").write_text("old")
    (folder / "index.html").write_text("old")
    return folder


def test_the_old_output_is_deleted_by_another_process(tmp_path):
    clearing = tasks._Clearing(_trash(tmp_path / "trash"))
    assert clearing.process is not None and clearing.thread is None
    clearing.join()
    assert clearing.process.returncode == 0
    assert not (tmp_path / "trash").exists()


def test_without_rm_a_thread_deletes_the_old_output(tmp_path, monkeypatch):
    monkeypatch.setattr(tasks.shutil, "which", lambda name: None)
    clearing = tasks._Clearing(_trash(tmp_path / "trash"))
    assert clearing.process is None and clearing.thread is not None
    clearing.join()
    assert not (tmp_path / "trash").exists()


def test_cached_templates_read_no_site_wide_list():
    """The contract that makes a page's key complete: a cached template (with what it
    extends, imports and includes) reads no site-wide list but its own page's slice."""
    import sys

    from jinja2 import Environment, FileSystemLoader, meta

    sys.path.insert(0, str(ROOT / "plugins"))
    from render_cache.render_cache import DEFAULT_TEMPLATES, READ_BY, SITE_LISTS

    from pelicanconf import JINJA_FILTERS

    templates = ROOT / "theme" / "templates"
    env = Environment(loader=FileSystemLoader(templates), extensions=["jinja2.ext.do"])
    env.filters.update(dict.fromkeys(JINJA_FILTERS, lambda value, *args: value))
    # A paginated page's own `articles` and `dates` are its term's or period's; the home
    # page reads the site's only when pagination is off (DEFAULT_PAGINATION is set).
    # READ_BY's values count only in the keys of the templates named there.
    seen: set[str] = set()
    for template in DEFAULT_TEMPLATES:
        allowed = {name for name, readers in READ_BY.items() if template in readers}
        wanted = (SITE_LISTS | set(READ_BY)) - {"articles", "dates"} - allowed
        todo, done = [f"{template}.html"], set()
        while todo:
            name = todo.pop()
            if name in done:
                continue
            done.add(name)
            tree = env.parse((templates / name).read_text(encoding="utf-8"))
            assert not (meta.find_undeclared_variables(tree) & wanted), (template, name)
            todo.extend(meta.find_referenced_templates(tree))
        seen |= done
    assert {"base.html", "macros.html", "pagination.html"} <= seen


def test_pages_kept_by_other_code_leave_the_cache(filled, tmp_path, monkeypatch):
    content, cache, before = filled
    orphan = cache / PAGES / "from-an-older-version.html"
    orphan.write_text("kept by a build of other code")
    (cache / "pages" / "index.pickle").write_bytes(b"not this version's index")
    publish_build(content, tmp_path / "built", cache, monkeypatch)
    assert not orphan.exists()
    assert (cache / PAGES / "index.html").is_file()


def test_a_failed_build_leaves_the_kept_pages_for_the_next(filled, tmp_path, monkeypatch):
    from pelican import signals

    from broadsheet.errors import BuildError

    content, cache, before = filled

    def fail(_sender, **_signal):
        raise RuntimeError("the pages could not be written")

    signals.page_writer_finalized.connect(fail, weak=False)
    try:
        with pytest.raises(BuildError):
            publish_build(content, tmp_path / "failed", cache, monkeypatch)
    finally:
        signals.page_writer_finalized.disconnect(fail)
    built = publish_build(content, tmp_path / "built", cache, monkeypatch)
    again = publish_build(content, tmp_path / "again", cache, monkeypatch)
    assert sorted(reused(again, built)) == tree(cache / PAGES)
    assert_same_site(again, before)


def test_a_theme_outside_the_repository_edited_renders_its_pages_again(tmp_path):
    """code_version covers the repository's theme; THEME elsewhere is hashed as it is."""
    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme", theme)
    settings = {
        "CACHE_CONTENT": True,
        "LOAD_CONTENT_CACHE": True,
        "CHECK_MODIFIED_METHOD": "sha256",
        "THEME": str(theme),
    }
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    output = build_pelican_site(content, tmp_path / "site", **settings)
    assert (tmp_path / "site-cache" / PAGES).is_dir()
    base = theme / "templates" / "base.html"
    base.write_text(base.read_text().replace("</body>", "<!-- edited theme -->\n</body>"))
    build_pelican_site(content, tmp_path / "site", **settings)
    pages = [page for page in tree(output) if page.endswith(".html")]
    assert pages and all("<!-- edited theme -->" in (output / page).read_text() for page in pages)


def test_a_rebuild_draws_only_the_cards_of_stories_that_changed(filled, tmp_path, monkeypatch):
    """Story cards and dated entries are kept between builds (broadsheet.templating): a
    rebuild after one story's edit draws that story's again, and no other."""
    content, cache, output = filled
    drawn: list[str] = []
    real = templating.KeptRenderings.put

    def counted(self, place, markup):
        drawn.append(Path(place[0][0]).stem)
        real(self, place, markup)

    monkeypatch.setattr(templating.KeptRenderings, "put", counted)
    publish_build(content, tmp_path / "again", cache, monkeypatch)
    assert drawn == []
    assert list((cache / "renderings").glob("*.pickle"))

    source = sorted((content / "articles").rglob("*.md"))[0]
    text = source.read_text(encoding="utf-8")
    source.write_text(re.sub(r"^Title: ", "Title: Corrected: ", text, count=1, flags=re.M))
    built = publish_build(content, tmp_path / "edited", cache, monkeypatch)
    assert drawn and set(drawn) == {source.stem}
    assert_same_site(built, cold_publish_build(content, tmp_path / "cold", monkeypatch))
