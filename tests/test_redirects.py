"""redirects plugin: an article's old URLs (Previous_slugs) lead readers to it."""

from __future__ import annotations

import logging

import pytest
from bs4 import BeautifulSoup
from conftest import build_pelican_site, write_content

ARTICLE = """Title: Harbour ferry fares frozen for a year
Date: 2026-02-03
Slug: harbour-ferry-fares-frozen
Previous_slugs: ferry-fares-frozen, 2026/01/harbour-fares-held.html

The council froze ferry fares on Tuesday.
"""


def build(tmp_path, text, **overrides):
    content = tmp_path / "content"
    write_content(content, {"articles/2026/02/ferry.md": text})
    plugins = ["feeds", "redirects"]
    return build_pelican_site(content, tmp_path / "output", PLUGINS=plugins, **overrides)


def test_each_old_url_redirects_to_the_article(tmp_path):
    output = build(tmp_path, ARTICLE)
    assert (output / "2026/02/harbour-ferry-fares-frozen.html").exists()
    for old, target in [
        ("2026/02/ferry-fares-frozen.html", "harbour-ferry-fares-frozen.html"),
        ("2026/01/harbour-fares-held.html", "../02/harbour-ferry-fares-frozen.html"),
    ]:
        page = BeautifulSoup((output / old).read_text(encoding="utf-8"), "html.parser")
        refresh = page.find("meta", attrs={"http-equiv": "refresh"})
        assert refresh["content"] == f"0; url={target}"
        assert page.find("link", rel="canonical")["href"] == target
        assert page.a["href"] == target and "Harbour ferry fares frozen" in page.a.text


def test_published_site_redirects_to_the_absolute_url(tmp_path):
    output = build(tmp_path, ARTICLE, SITEURL="https://news.example", RELATIVE_URLS=False)
    page = (output / "2026/02/ferry-fares-frozen.html").read_text(encoding="utf-8")
    assert 'href="https://news.example/2026/02/harbour-ferry-fares-frozen.html"' in page


@pytest.mark.parametrize(
    "entry",
    [
        'x" onload="alert(1)',
        "../../etc/passwd",
        "2026/02/harbour-ferry-fares-frozen.html",
        "index.html",
        "archives.html",
    ],
)
def test_bad_or_clashing_entries_are_build_errors_and_write_nothing(tmp_path, caplog, entry):
    text = ARTICLE.replace(
        "Previous_slugs: ferry-fares-frozen, 2026/01/harbour-fares-held.html",
        f"Previous_slugs: {entry}",
    )
    with caplog.at_level(logging.ERROR):
        output = build(tmp_path, text)
    assert any("Previous_slugs" in r.getMessage() for r in caplog.records if r.levelno >= 40)
    written = {p.relative_to(output).as_posix() for p in output.rglob("*.html")}
    assert not any("passwd" in p or "onload" in p for p in written)
    for real in ("2026/02/harbour-ferry-fares-frozen.html", "index.html", "archives.html"):
        assert "http-equiv" not in (output / real).read_text(encoding="utf-8")


def test_a_rebuild_rewrites_its_own_redirect_pages(tmp_path, caplog):
    build(tmp_path, ARTICLE)
    moved = ARTICLE.replace("Title: Harbour ferry fares frozen for a year", "Title: Fares held")
    with caplog.at_level(logging.ERROR):
        output = build(tmp_path, moved)  # same output folder, redirect pages already there
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    page = (output / "2026/02/ferry-fares-frozen.html").read_text(encoding="utf-8")
    assert "Moved: Fares held" in page
