"""Lead images: import keeps a copy in content/images/, and the site serves only its own.

Saved pages are written as a browser's "Save Page As… complete" writes them (the page,
and its images in "<stem>_files/"); remote images come from a real HTTP server on
127.0.0.1 that records every request. Sites are real Pelican builds.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import struct
import threading
import zlib
from html import escape
from pathlib import Path

import feedparser
import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner
from conftest import build_pelican_site
from test_pipeline import PARAGRAPHS

import tasks
from broadsheet.markdown import parse_article
from broadsheet.sanitize import raster_image_extension, safe_url, site_image_path

TITLE = "Harbourton dock workers strike over pay"
SLUG = "harbourton-dock-workers-strike-over-pay"
ARTICLE = Path("articles/2025/03") / f"{SLUG}.md"
PAGE = f"2025/03/{SLUG}.html"
OUTLET_IMAGE = "https://harbourtimes.example/media/2025/03/dock-gate.png"
SITE = "https://news.example.org"
CAPTION = "Pickets at the north dock gate on Monday."


def png(red: int, green: int, blue: int) -> bytes:
    """A real 1×1 PNG of one colour."""

    def chunk(name: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(name + data))
        return struct.pack(">I", len(data)) + name + data + crc

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(bytes([0, red, green, blue]))
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 200
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def news_page(img_src: str, og_image: str | None = OUTLET_IMAGE) -> str:
    """A saved news page whose lead figure shows `img_src`."""
    og = f'<meta property="og:image" content="{escape(og_image)}">' if og_image else ""
    body = "\n".join(f"<p>{escape(p)}</p>" for p in PARAGRAPHS)
    return f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<title>{TITLE} | Harbour Times</title>
<meta property="og:title" content="{TITLE}">
<meta property="og:site_name" content="Harbour Times">
<meta property="article:published_time" content="2025-03-03T08:15:00+00:00">
{og}
<link rel="canonical" href="https://harbourtimes.example/news/dock-strike">
</head>
<body>
<header><img src="page_files/logo.png" alt="Harbour Times" width="160" height="40"></header>
<main>
<article>
<h1>{TITLE}</h1>
<figure>
<img src="{escape(img_src)}" alt="Pickets at the dock gate" width="1200" height="800">
<figcaption>{CAPTION} <span class="credit">Photo: Ada Quill</span></figcaption>
</figure>
{body}
</article>
</main>
</body>
</html>
"""


def save_complete(folder: Path, image: bytes = png(200, 90, 40), **page) -> Path:
    """folder/page.html and its page_files/ as a browser's complete save writes them."""
    files = folder / "page_files"
    files.mkdir(parents=True, exist_ok=True)
    (files / "dock-gate.png").write_bytes(image)
    (files / "logo.png").write_bytes(png(20, 40, 90))
    # Browsers save frames as pages inside the folder too: never an input of its own.
    (files / "frame.html").write_text(f"<html><body><p>{PARAGRAPHS[0]}</p></body></html>")
    path = folder / "page.html"
    path.write_text(news_page(page.pop("img_src", "page_files/dock-gate.png"), **page))
    return path


def run_import(tmp_path: Path, *args: str):
    content = tmp_path / "content"
    result = CliRunner().invoke(tasks.cli, ["import", *args, "--content-dir", str(content)])
    return result, content


def article_meta(content: Path) -> dict[str, str]:
    meta, _ = parse_article((content / ARTICLE).read_text(encoding="utf-8"))
    return meta


def lead_of(page: Path) -> BeautifulSoup:
    return BeautifulSoup(page.read_text(encoding="utf-8"), "lxml").find("article")


class ImageServer:
    """A real HTTP server on 127.0.0.1 serving what each test puts at a path."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, str, bytes]] = {}
        self.requests: list[tuple[str, str]] = []
        self.base = ""

    def add(self, path: str, data: bytes, content_type: str = "image/jpeg", status: int = 200):
        self.routes[path] = (status, content_type, data)
        return self.base + path


@pytest.fixture
def images():
    server_state = ImageServer()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the stdlib's name)
            server_state.requests.append((self.path, self.headers.get("User-Agent", "")))
            status, content_type, data = server_state.routes.get(
                self.path, (404, "text/html", b"<h1>Not found</h1>")
            )
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            # The client may stop reading: that is what a size cap does.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    server_state.base = f"http://127.0.0.1:{server.server_address[1]}"
    yield server_state
    server.shutdown()
    server.server_close()


# --- a complete save ------------------------------------------------------------------------


def test_complete_save_keeps_its_own_copy_and_the_site_serves_it(tmp_path, images):
    saved = tmp_path / "saved"
    page = save_complete(saved, og_image=images.base + "/media/dock-gate.png")
    result, content = run_import(tmp_path, str(saved), "--json")

    assert result.exit_code == 0, result.output
    [imported] = json.loads(result.stdout)["results"]  # page_files/frame.html is no input
    assert (imported["status"], imported["warnings"]) == ("imported", [])
    kept = content / "images" / "2025" / "03" / f"{SLUG}.png"
    assert kept.read_bytes() == (saved / "page_files" / "dock-gate.png").read_bytes()
    meta, body = parse_article((content / ARTICLE).read_text(encoding="utf-8"))
    assert meta["Image"] == f"images/2025/03/{SLUG}.png"
    assert meta["Image_source"] == images.base + "/media/dock-gate.png"  # og:image, not rewritten
    assert meta["Image_caption"] == CAPTION and meta["Image_credit"] == "Ada Quill"
    assert "dock-gate" not in body  # shown once, from the header keys
    assert images.requests == []  # the saved copy, never the outlet's
    assert page.exists()

    output = build_pelican_site(content, tmp_path / "output", FEEDS_SITEURL=SITE)
    assert (output / "images" / "2025" / "03" / f"{SLUG}.png").read_bytes() == kept.read_bytes()
    story = lead_of(output / PAGE)
    [img] = story.find_all("img")
    assert img["src"] == f"../../images/2025/03/{SLUG}.png"  # the site's own file
    assert (img["width"], img["height"]) == ("1", "1")  # its place held before it loads
    served = (output / "2025" / "03" / img["src"]).resolve()
    assert served == output / "images" / "2025" / "03" / kept.name
    head = BeautifulSoup((output / PAGE).read_text(encoding="utf-8"), "lxml")
    absolute = f"{SITE}/images/2025/03/{SLUG}.png"
    assert head.find("meta", property="og:image")["content"] == absolute
    assert head.find("meta", attrs={"name": "twitter:image"})["content"] == absolute
    [ld] = head.find_all("script", type="application/ld+json")
    assert json.loads(ld.string)["image"] == [absolute]
    rss = feedparser.parse((output / "feeds" / "all.rss.xml").read_bytes())
    [entry] = rss.entries
    assert [(e.href, e.type) for e in entry.enclosures] == [(absolute, "image/png")]
    feed = json.loads((output / "feeds" / "all.json").read_text(encoding="utf-8"))
    assert feed["items"][0]["image"] == absolute


def test_complete_save_without_an_og_image_keeps_its_first_figure(tmp_path):
    saved = tmp_path / "saved"
    save_complete(saved, og_image=None)
    result, content = run_import(tmp_path, str(saved / "page.html"), "--no-fetch-images")

    assert result.exit_code == 0 and "warning" not in result.output, result.output
    meta = article_meta(content)
    assert meta["Image"] == f"images/2025/03/{SLUG}.png"
    # The src a browser rewrote says nothing of where the photo came from.
    assert "Image_source" not in meta


def test_saved_files_folder_named_on_the_command_line_is_skipped(tmp_path):
    saved = tmp_path / "saved"
    save_complete(saved)
    # What `import saved/*` names: the page and its folder.
    result, _ = run_import(tmp_path, str(saved / "page.html"), str(saved / "page_files"), "--json")

    assert result.exit_code == 0, result.output
    assert [r["source"] for r in json.loads(result.stdout)["results"]] == [str(saved / "page.html")]


def test_a_folder_called_files_without_its_page_is_still_searched(tmp_path):
    loose = tmp_path / "in" / "press_files"
    loose.mkdir(parents=True)
    (loose / "story.html").write_text(news_page("https://harbourtimes.example/a.png"))
    result, _ = run_import(tmp_path, str(tmp_path / "in"), "--no-fetch-images", "--json")

    assert [r["status"] for r in json.loads(result.stdout)["results"]] == ["imported"]


def test_reimporting_a_complete_save_is_unchanged_and_a_new_image_is_an_update(tmp_path):
    saved = tmp_path / "saved"
    save_complete(saved)
    run_import(tmp_path, str(saved))
    again, content = run_import(tmp_path, str(saved), "--json")
    assert [r["status"] for r in json.loads(again.stdout)["results"]] == ["unchanged"]
    # The same content without its archive: the same story, text and image.
    other_archive = str(tmp_path / "other-archive")
    fresh = CliRunner().invoke(
        tasks.cli,
        ["import", str(saved), "--content-dir", str(content), "--archive-dir", other_archive],
    )
    assert fresh.exit_code == 0 and "1 unchanged" in fresh.stdout, fresh.output

    (saved / "page_files" / "dock-gate.png").write_bytes(png(10, 120, 200))
    changed, _ = run_import(tmp_path, str(saved), "--json")
    assert [r["status"] for r in json.loads(changed.stdout)["results"]] == ["updated"]
    kept = content / "images" / "2025" / "03" / f"{SLUG}.png"
    assert kept.read_bytes() == png(10, 120, 200)


def test_an_update_with_another_picture_removes_the_old_copy(tmp_path):
    saved = tmp_path / "saved"
    save_complete(saved)
    run_import(tmp_path, str(saved))
    # The outlet's new version of the story, saved again: new words, a JPEG photo.
    page = save_complete(saved, image=JPEG)
    page.write_text(page.read_text().replace("eleven years", "twelve years"))
    result, content = run_import(tmp_path, str(saved), "--json")

    assert [r["status"] for r in json.loads(result.stdout)["results"]] == ["updated"]
    assert sorted(p.name for p in (content / "images").rglob("*.*")) == [f"{SLUG}.jpg"]
    assert article_meta(content)["Image"] == f"images/2025/03/{SLUG}.jpg"


@pytest.mark.parametrize(
    "escape_src",
    [
        "../secret.png",
        "page_files/../../secret.png",
        "%2E%2E/secret.png",
        "page_files/secret.png",  # a symlink out of the folder
        "page_files/%00secret.png",
        "[secret.png",
    ],
)
def test_a_src_out_of_the_saved_folder_never_copies_a_file(tmp_path, escape_src):
    secret = tmp_path / "secret.png"
    secret.write_bytes(png(1, 2, 3))
    saved = tmp_path / "saved"
    save_complete(saved, img_src=escape_src, og_image="https://harbourtimes.example/m/secret.png")
    os.symlink(secret, saved / "page_files" / "secret.png")
    result, content = run_import(tmp_path, str(saved / "page.html"), "--no-fetch-images")

    assert result.exit_code == 0, result.output
    assert not (content / "images").exists()
    assert article_meta(content)["Image"] == "https://harbourtimes.example/m/secret.png"


# --- a remote image ---------------------------------------------------------------------------


def test_remote_lead_image_is_fetched_and_stored(tmp_path, images):
    url = images.add("/media/dock-gate.jpg", JPEG, content_type="application/octet-stream")
    page = tmp_path / "in" / "page.html"
    page.parent.mkdir()
    page.write_text(news_page(url, og_image=url))
    result, content = run_import(tmp_path, str(page))

    assert result.exit_code == 0 and result.stderr == "", result.output
    assert [path for path, _ in images.requests] == ["/media/dock-gate.jpg"]
    assert images.requests[0][1].startswith("Broadsheet/")
    meta = article_meta(content)
    assert (meta["Image"], meta["Image_source"]) == (f"images/2025/03/{SLUG}.jpg", url)
    assert (content / meta["Image"]).read_bytes() == JPEG  # its extension from the bytes

    again, _ = run_import(tmp_path, str(page))
    assert "1 unchanged" in again.stdout and len(images.requests) == 1


def test_a_new_version_of_the_page_reuses_the_image_kept_from_the_same_url(tmp_path, images):
    url = images.add("/media/dock-gate.jpg", JPEG)
    page = tmp_path / "in" / "page.html"
    page.parent.mkdir()
    page.write_text(news_page(url, og_image=url))
    run_import(tmp_path, str(page))
    page.write_text(news_page(url, og_image=url).replace("eleven years", "twelve years"))
    result, content = run_import(tmp_path, str(page), "--json")

    assert [r["status"] for r in json.loads(result.stdout)["results"]] == ["updated"]
    assert len(images.requests) == 1
    assert article_meta(content)["Image"] == f"images/2025/03/{SLUG}.jpg"


def test_reclean_keeps_the_copy_without_fetching_again(tmp_path, images):
    url = images.add("/media/dock-gate.jpg", JPEG)
    page = tmp_path / "in" / "page.html"
    page.parent.mkdir()
    page.write_text(news_page(url, og_image=url))
    run_import(tmp_path, str(page))
    result, content = run_import(tmp_path, "--reclean", "--json")

    assert result.exit_code == 0, result.output
    assert [r["status"] for r in json.loads(result.stdout)["results"]] == ["unchanged"]
    assert len(images.requests) == 1
    assert article_meta(content)["Image"] == f"images/2025/03/{SLUG}.jpg"


@pytest.mark.parametrize(
    ("path", "data", "content_type", "reason"),
    [
        ("/gone.jpg", None, None, "HTTP 404 Not Found"),
        ("/page.jpg", b"<html><p>Sorry</p></html>", "image/jpeg", "not a JPEG, PNG"),
        ("/drawing.svg", SVG, "image/svg+xml", "not a JPEG, PNG"),
        ("/huge.jpg", JPEG + b"\x00" * (10 * 1024 * 1024), "image/jpeg", "over the 10 MB limit"),
    ],
    ids=["404", "not-an-image", "svg", "oversized"],
)
def test_an_image_that_cannot_be_kept_is_a_warning_and_the_story_stays(
    tmp_path, images, path, data, content_type, reason
):
    url = images.add(path, data, content_type) if data else images.base + path
    page = tmp_path / "in" / "page.html"
    page.parent.mkdir()
    page.write_text(news_page(url, og_image=url))
    result, content = run_import(tmp_path, str(page))

    assert result.exit_code == 0, result.output
    assert "1 imported" in result.stdout
    [warning] = result.stderr.splitlines()
    assert warning.startswith(f"warning: {page}: lead image {url} not kept (")
    assert reason in warning
    meta = article_meta(content)
    assert meta["Image"] == url and "Image_source" not in meta
    assert not (content / "images").exists()


def test_json_reports_the_warning_on_its_result(tmp_path, images):
    url = images.base + "/gone.jpg"
    page = tmp_path / "in" / "page.html"
    page.parent.mkdir()
    page.write_text(news_page(url, og_image=url))
    result, _ = run_import(tmp_path, str(page), "--json")

    assert result.exit_code == 0
    [item] = json.loads(result.stdout)["results"]
    assert item["status"] == "imported"
    assert item["warnings"] == [
        f"{page}: lead image {url} not kept (HTTP 404 Not Found); Image stays the outlet's URL"
    ]


def test_no_fetch_images_makes_no_request(tmp_path, images):
    url = images.add("/media/dock-gate.jpg", JPEG)
    page = tmp_path / "in" / "page.html"
    page.parent.mkdir()
    page.write_text(news_page(url, og_image=url))
    result, content = run_import(tmp_path, str(page), "--no-fetch-images")

    assert result.exit_code == 0, result.output
    assert images.requests == []
    assert "(image fetching is off (--no-fetch-images))" in result.stderr
    assert article_meta(content)["Image"] == url


def test_a_remote_image_is_linked_not_embedded_unless_hotlinking_is_on(tmp_path, images):
    url = images.base + "/gone.jpg"
    page = tmp_path / "in" / "page.html"
    page.parent.mkdir()
    page.write_text(news_page(url, og_image=url))
    _, content = run_import(tmp_path, str(page))

    output = build_pelican_site(content, tmp_path / "output", FEEDS_SITEURL=SITE)
    story = lead_of(output / PAGE)
    assert [img["src"] for img in story.find_all("img")] == []
    note = story.find(class_="lead-image-note")
    assert note.find(class_="caption").get_text() == CAPTION
    assert note.find("a", class_="lead-image-link")["href"] == url
    # Metadata for crawlers keeps the outlet's URL as it is.
    head = BeautifulSoup((output / PAGE).read_text(encoding="utf-8"), "lxml")
    assert head.find("meta", property="og:image")["content"] == url

    hotlinked = build_pelican_site(
        content, tmp_path / "hotlinked", FEEDS_SITEURL=SITE, LEAD_IMAGE_HOTLINK=True
    )
    [img] = lead_of(hotlinked / PAGE).find_all("img")
    assert img["src"] == url


# --- the rules themselves ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "extension"),
    [
        (JPEG, "jpg"),
        (png(1, 2, 3), "png"),
        (b"GIF89a\x01\x00\x01\x00", "gif"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "webp"),
        (b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf", "avif"),
        (b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1avif", "avif"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", None),
        (SVG, None),
        (b"<!DOCTYPE html><p>Not found</p>", None),
        (b"", None),
    ],
)
def test_only_raster_images_are_kept(data, extension):
    assert raster_image_extension(data) == extension


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        ("images/2025/03/a-story.png", True),
        ("images/2025/03/a-story-2.jpg", True),
        ("images/../pelicanconf.png", False),
        ("images/2025/../../x.png", False),
        ("/images/2025/03/a.png", False),
        ("//evil.example/images/a.png", False),
        ("https://evil.example/images/a.png", False),
        ("javascript:alert(1)//images/a.png", False),
        ("images/2025/03/a.svg", False),
        ("images/2025/03/.hidden.png", False),
        ("images\\2025\\a.png", False),
        ("images/2025/03/a.png?x=1", False),
        ("articles/2025/03/a.png", False),
    ],
)
def test_only_site_image_paths_pass_as_local(value, kept):
    assert (site_image_path(value) == value) is kept
    # safe_url lets a site image path through as it is; anything else must be absolute.
    url = safe_url(value)
    assert url == value if kept else url is None or url.startswith("https://")
    # With a base (a page being imported), a relative path is the outlet's, resolved.
    assert safe_url("images/2025/03/a.png", "https://outlet.example/news/") == (
        "https://outlet.example/news/images/2025/03/a.png"
    )
