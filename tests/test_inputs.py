"""Every kind of input `import` takes: saved pages, URLs, feeds, JSON Lines, stdin, folders.

URLs are served by a real HTTP server on 127.0.0.1; nothing reaches the internet.
"""

from __future__ import annotations

import gzip
import http.server
import json
import os
import pty
import subprocess
import sys
import threading
import time
from html import escape
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIXED_NOW
from test_pipeline import OTHER_STORY, PARAGRAPHS

import tasks
from broadsheet.markdown import escape_line, parse_article
from broadsheet.pipeline import ImportOptions, count_statuses, import_all, reclean_all
from broadsheet.sources import InputOptions, decode_html

THIRD_STORY = [
    "MILLBROOK: The old mill bridge over the Alder river will close for six months from "
    "April while engineers replace its rusting iron girders, the county council said.",
    "Drivers face a detour of about nine kilometres through Fenwick and Oakridge, and the "
    "council promised a free shuttle bus for pedestrians during the morning and evening peaks.",
    "Shopkeepers in Millbrook said they feared losing trade during the closure, which "
    "follows two years of weight limits on the bridge after cracks were found in 2023.",
    "The county's head of highways, Idris Pell, said the work could not wait any longer and "
    "that the contractor would work seven days a week to finish before the autumn.",
]


def news_page(
    title: str = "Harbourton dock workers strike over pay",
    paragraphs=PARAGRAPHS,
    site: str = "Harbour Times",
    published: str = "2025-03-03T08:15:00+00:00",
    url: str = "https://harbourtimes.example/news/dock-strike",
    byline: str = "Mara Quill",
    charset: str = "utf-8",
    extra_head: str = "",
) -> str:
    """A fictional saved news page with the furniture a real one has."""
    body = "\n".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="{charset}">
<title>{escape(title)} | {escape(site)}</title>
<meta property="og:title" content="{escape(title)}">
<meta property="og:site_name" content="{escape(site)}">
<meta property="article:published_time" content="{published}">
<meta name="author" content="{escape(byline)}">
<link rel="canonical" href="{url}?utm_source=feed&amp;utm_medium=rss">
{extra_head}
</head>
<body>
<header><nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav></header>
<main>
<article>
<h1>{escape(title)}</h1>
<p class="byline">By {escape(byline)}</p>
{body}
</article>
<aside><h3>Follow us</h3><p>Follow {escape(site)} on Instagram for the latest news.</p>
<p>Subscribe to our newsletter</p></aside>
</main>
<footer><p>© 2025 {escape(site)}. All rights reserved.</p></footer>
</body>
</html>
"""


def options_for(tmp_path: Path, **inputs) -> ImportOptions:
    return ImportOptions(
        content_dir=tmp_path / "content",
        archive_dir=tmp_path / "archive",
        now=FIXED_NOW,
        inputs=InputOptions(**inputs),
    )


def article_files(tmp_path: Path) -> dict[str, tuple[dict[str, str], str]]:
    found = {}
    for path in sorted((tmp_path / "content" / "articles").rglob("*.md")):
        found[path.stem] = parse_article(path.read_text(encoding="utf-8"))
    return found


def write(tmp_path: Path, name: str, data: str | bytes) -> str:
    path = tmp_path / "in" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return str(path)


# --- saved pages ------------------------------------------------------------------------


def test_saved_page_imports_with_its_metadata_and_without_furniture(tmp_path):
    results = import_all([write(tmp_path, "strike.html", news_page())], options_for(tmp_path))
    assert [r.status for r in results] == ["imported"], results
    ((meta, body),) = article_files(tmp_path).values()
    assert meta["Title"] == "Harbourton dock workers strike over pay"
    assert meta["Date"] == "2025-03-03T08:15+00:00"
    assert meta["Source"] == "Harbour Times"
    assert meta["Source_url"] == "https://harbourtimes.example/news/dock-strike"
    assert meta["Byline"] == "Mara Quill"
    assert meta["Dateline"] == "HARBOURTON"
    assert meta["Lang"] == "en"
    assert "walked out on Monday" in body and "islands that depend on the port" in body
    for furniture in ("Instagram", "newsletter", "All rights reserved", "Sport"):
        assert furniture not in body


def test_gzipped_page_and_legacy_charset_page_import(tmp_path):
    cafe = [PARAGRAPHS[0].replace("Monday", "Monday at the Café Rosé")] + PARAGRAPHS[1:]
    latin = news_page(paragraphs=cafe, charset="windows-1252").encode("cp1252")
    gz = gzip.compress(
        news_page(
            title="Ferry aground off Kessock",
            paragraphs=OTHER_STORY,
            url="https://harbourtimes.example/news/ferry",
        ).encode()
    )
    results = import_all(
        [write(tmp_path, "strike.htm", latin), write(tmp_path, "ferry.html.gz", gz)],
        options_for(tmp_path),
    )
    assert [r.status for r in results] == ["imported", "imported"], results
    bodies = "".join(body for _, body in article_files(tmp_path).values())
    assert "Café Rosé" in bodies and "ran aground on a sandbank" in bodies


def test_broken_markup_still_imports_what_is_there(tmp_path):
    page = news_page()
    truncated = page[: page.index(PARAGRAPHS[4][:40])]  # cut mid-article, tags left open
    results = import_all([write(tmp_path, "cut.html", truncated)], options_for(tmp_path))
    assert results[0].status == "imported", results[0]
    ((_, body),) = article_files(tmp_path).values()
    assert "the best in the region this year" in body


# --- bad input ----------------------------------------------------------------------------


def test_bad_inputs_fail_one_line_each_and_the_rest_imports(tmp_path):
    huge = tmp_path / "in" / "huge.html"
    huge.parent.mkdir(parents=True)
    with huge.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    inputs = [
        write(
            tmp_path,
            "empty-feed.xml",
            '<?xml version="1.0"?><rss version="2.0"><channel><title>Quiet</title></channel></rss>',
        ),
        write(tmp_path, "broken.xml", '<?xml version="1.0"?><rss><channel><item><title>x'),
        str(huge),
        write(tmp_path, "good.html", news_page()),
        write(tmp_path, "nav-only.html", "<html><body><nav><a href='/'>Home</a></nav></body>"),
    ]
    results = import_all(inputs, options_for(tmp_path))
    by_source = {r.source: r for r in results}
    assert by_source[inputs[3]].status == "imported"
    errors = [r.error for r in results if r.status == "failed"]
    assert len(errors) == 4
    assert f"{inputs[0]}: feed has no entries" in errors
    assert any(e.startswith(f"{inputs[1]}: malformed XML at line 1") for e in errors)
    assert f"{huge}: file is 52428800 bytes, over the 10 MB limit" in errors
    assert any(e.startswith(f"{inputs[4]}: ") for e in errors)
    assert all("\n" not in e for e in errors)
    assert len(article_files(tmp_path)) == 1
    archived = (tmp_path / "archive" / "ledger.tsv").read_text(encoding="utf-8")
    assert "empty-feed.xml" in archived and "broken.xml" in archived  # read, so kept


def test_jsonl_export_with_a_bad_line(tmp_path):
    lines = [
        json.dumps(
            {
                "url": "https://harbourtimes.example/news/dock-strike",
                "html": news_page(),
                "source": "Harbour Times",
            }
        ),
        "{not json",
        json.dumps(
            {
                "url": "https://bridges.example/mill-bridge",
                "title": "Mill bridge to close",
                "published": "2025-02-20",
                "source": "County Post",
                "text": "\n\n".join(THIRD_STORY),
            }
        ),
        json.dumps({"url": "https://x.example/nothing"}),
    ]
    export = write(tmp_path, "export.jsonl", "\n".join(lines) + "\n")
    results = import_all([export], options_for(tmp_path))
    assert [r.status for r in results] == ["imported", "failed", "imported", "failed"]
    assert results[1].error.startswith(f"{export} line 2: not valid JSON")
    assert results[3].error == f"{export} line 4: no 'html' or 'text' field"
    bridge = next(m for m, _ in article_files(tmp_path).values() if "bridge" in m["Title"])
    assert bridge["Title"] == "Mill bridge to close"
    assert bridge["Date"] == "2025-02-20"
    assert bridge["Source"] == "County Post"
    assert bridge["Source_url"] == "https://bridges.example/mill-bridge"


def test_stdin_page_and_a_folder_of_mixed_inputs(tmp_path):
    folder = tmp_path / "in" / "mixed"
    folder.mkdir(parents=True)
    (folder / "a.html").write_text(news_page(), encoding="utf-8")
    (folder / "sub").mkdir()
    (folder / "sub" / "b.txt").write_text(
        "County Post\nMill bridge to close for repairs\nPublished: 20 February 2025\n\n"
        + "\n\n".join(THIRD_STORY)
        + "\n",
        encoding="utf-8",
    )
    (folder / "notes.pdf").write_bytes(b"%PDF-1.4 not an input")
    stdin = news_page(
        title="Ferry aground off Kessock",
        paragraphs=OTHER_STORY,
        url="https://harbourtimes.example/news/ferry",
    ).encode()
    result = CliRunner().invoke(
        tasks.cli,
        ["import", str(folder), "-", "--content-dir", str(tmp_path / "content"), "--jobs", "2"],
        input=stdin,
    )
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == "3 imported"
    titles = sorted(m["Title"] for m, _ in article_files(tmp_path).values())
    assert titles == [
        "Ferry aground off Kessock",
        "Harbourton dock workers strike over pay",
        "Mill bridge to close for repairs",
    ]


# --- URLs and feeds over real HTTP ------------------------------------------------------------


class Site:
    """Routes for the test server: path -> (status, headers, body) or a callable."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.requests: list[tuple[str, str]] = []

    def add(self, path, body, status=200, content_type="text/html; charset=utf-8", **headers):
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.routes[path] = (status, {"Content-Type": content_type, **headers}, data)


@pytest.fixture
def site():
    routes = Site()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the stdlib's name)
            routes.requests.append((self.path, self.headers.get("User-Agent", "")))
            if self.path == "/slow":
                time.sleep(2)
            if self.path == "/huge":
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.end_headers()
                chunk = b"<p>" + b"x" * 65536 + b"</p>"
                for _ in range(170):  # about 11 MB, no Content-Length
                    try:
                        self.wfile.write(chunk)
                    except (BrokenPipeError, ConnectionResetError):
                        return
                return
            status, headers, data = routes.routes.get(
                self.path.split("?")[0], (404, {"Content-Type": "text/html"}, b"<h1>Not found</h1>")
            )
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    routes.base = f"http://127.0.0.1:{server.server_address[1]}"
    yield routes
    server.shutdown()
    server.server_close()


def test_url_import_follows_redirects_and_names_itself(tmp_path, site):
    site.add("/news/dock-strike", news_page(url=site.base + "/news/dock-strike"))
    site.add("/r1", "", status=301, Location="/r2")
    site.add("/r2", "", status=302, Location="/news/dock-strike")
    results = import_all([site.base + "/r1"], options_for(tmp_path))
    assert results[0].status == "imported", results[0]
    ((meta, _),) = article_files(tmp_path).values()
    assert meta["Source_url"] == site.base + "/news/dock-strike"
    assert all(agent.startswith("Broadsheet/") for _, agent in site.requests)


def test_url_failures_are_one_line_each(tmp_path, site):
    site.add("/ok", news_page(url=site.base + "/ok"))
    site.add("/paper.pdf", b"%PDF-1.4", content_type="application/pdf")
    for n in range(7):
        site.add(f"/loop{n}", "", status=302, Location=f"/loop{n + 1}")
    urls = [site.base + p for p in ("/missing", "/paper.pdf", "/loop0", "/slow", "/huge", "/ok")]
    urls.append("http://127.0.0.1:9/closed")
    results = import_all(urls, options_for(tmp_path, timeout=0.5))
    statuses = [r.status for r in results]
    assert statuses == ["failed"] * 5 + ["imported", "failed"], results
    errors = [r.error for r in results if r.error]
    assert errors[0] == f"{urls[0]}: HTTP 404 Not Found"
    assert errors[1] == f"{urls[1]}: content type application/pdf is not a web page or feed"
    assert errors[2] == f"{urls[2]}: more than 5 redirects"
    assert errors[3] == f"{urls[3]}: timed out after 0.5 s"
    assert errors[4] == f"{urls[4]}: page is over the 10 MB limit"
    assert errors[5].startswith(f"{urls[6]}: cannot connect")


def rss(base: str, items: list[str]) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
        f"<channel><title>Harbour Times</title><link>{base}/</link>"
        + "".join(items)
        + "</channel></rss>"
    )


def rss_item(link: str, title: str, paragraphs=None, summary: str = "") -> str:
    content = ""
    if paragraphs:
        html = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
        content = f"<content:encoded><![CDATA[{html}]]></content:encoded>"
    return (
        f"<item><title>{escape(title)}</title><link>{link}</link>"
        "<pubDate>Mon, 03 Mar 2025 08:15:00 GMT</pubDate>"
        f"<description>{escape(summary)}</description>{content}</item>"
    )


def test_feed_url_full_content_and_linked_pages(tmp_path, site):
    site.add(
        "/news/ferry",
        news_page(
            title="Ferry aground off Kessock", paragraphs=OTHER_STORY, url=site.base + "/news/ferry"
        ),
    )
    items = [
        rss_item(site.base + "/news/dock-strike", "Dock workers strike", PARAGRAPHS),
        rss_item(site.base + "/news/ferry", "Ferry aground", summary="A ferry ran aground."),
    ]
    site.add("/feed.xml", rss(site.base, items), content_type="application/rss+xml")
    results = import_all([site.base + "/feed.xml"], options_for(tmp_path))
    assert [r.status for r in results] == ["imported", "imported"], results
    articles = {m["Title"]: (m, b) for m, b in article_files(tmp_path).values()}
    strike, body = articles["Dock workers strike"]
    assert strike["Date"] == "2025-03-03T08:15+00:00"
    assert strike["Source"] == "Harbour Times"
    assert "walked out on Monday" in body
    ferry, body = articles["Ferry aground off Kessock"]
    assert "thick fog" in body  # the linked page was fetched for the full text
    assert ("/news/ferry",) in {(p,) for p, _ in site.requests}


def test_feed_file_without_fetch_keeps_the_summary_and_says_so(tmp_path, site):
    summary = " ".join(OTHER_STORY[:2])
    feed = write(
        tmp_path,
        "feed.rss",
        rss(
            site.base,
            [rss_item(site.base + "/news/ferry", "Ferry aground off Kessock", summary=summary)],
        ),
    )
    result = CliRunner().invoke(
        tasks.cli, ["import", feed, "--no-fetch", "--content-dir", str(tmp_path / "content")]
    )
    assert result.exit_code == 0, result.output
    assert "gives only a summary" in result.output
    assert site.requests == []
    ((meta, body),) = article_files(tmp_path).values()
    assert "thick fog" in body and meta["Source_url"] == site.base + "/news/ferry"


def atom_feed(entry_head: str) -> str:
    """An Atom feed of one entry: `entry_head` (link, dates, author) and THIRD_STORY as HTML."""
    html = "".join(f"&lt;p&gt;{escape(p)}&lt;/p&gt;" for p in THIRD_STORY)
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        "<title>County Post</title><id>urn:x</id><updated>2025-02-21T09:00:00Z</updated>"
        f"<entry><title>Mill bridge to close</title><id>urn:y</id>{entry_head}"
        f'<content type="html">{html}</content></entry></feed>'
    )


def test_atom_feed_file(tmp_path):
    atom = atom_feed(
        '<link rel="alternate" href="https://countypost.example/mill-bridge"/>'
        "<published>2025-02-20T10:00:00+01:00</published><updated>2025-02-21T09:00:00Z</updated>"
        "<author><name>Idris Vane</name></author>"
    )
    results = import_all([write(tmp_path, "county.atom", atom)], options_for(tmp_path))
    assert results[0].status == "imported", results[0]
    ((meta, body),) = article_files(tmp_path).values()
    assert meta["Date"] == "2025-02-20T10:00+01:00"
    assert meta["Modified"] == "2025-02-21T09:00+00:00"
    assert meta["Byline"] == "Idris Vane"
    assert "rusting iron girders" in body


def test_same_url_again_is_unchanged_and_new_text_is_updated(tmp_path, site):
    url = site.base + "/news/dock-strike"
    site.add("/news/dock-strike", news_page(url=url))
    assert import_all([url], options_for(tmp_path))[0].status == "imported"
    assert import_all([url], options_for(tmp_path))[0].status == "unchanged"
    site.add("/news/dock-strike", news_page(url=url, paragraphs=[*PARAGRAPHS, THIRD_STORY[0]]))
    again = import_all([url], options_for(tmp_path))
    assert again[0].status == "updated", again[0]
    assert len(article_files(tmp_path)) == 1
    assert count_statuses(again)["updated"] == 1


def test_teaser_behind_a_subscription_prompt_is_marked_paywalled(tmp_path):
    teaser = news_page(
        title="Council budget gap widens",
        paragraphs=[
            "PORTHAVEN: The council's budget gap for next year has grown to 14 million, "
            "officials told a committee on Tuesday, twice the figure given in the autumn.",
            "Subscribe to continue reading. Already a subscriber? Log in.",
        ],
        url="https://harbourtimes.example/news/budget",
    )
    full = write(tmp_path, "strike.html", news_page())
    result = CliRunner().invoke(
        tasks.cli,
        [
            "import",
            write(tmp_path, "budget.html", teaser),
            full,
            "--content-dir",
            str(tmp_path / "content"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "paywalled: only a" in result.output
    assert result.output.strip().splitlines()[-1] == "2 imported, 1 paywalled"
    articles = {m["Title"]: (m, b) for m, b in article_files(tmp_path).values()}
    meta, body = articles["Council budget gap widens"]
    assert meta["Paywalled"] == "yes"
    assert "Subscribe" not in body
    assert "Paywalled" not in articles["Harbourton dock workers strike over pay"][0]


# --- the rest of what a maintainer notices ------------------------------------------------

FIXTURES_HTML = Path(__file__).parent / "fixtures" / "html"


def test_lead_image_with_caption_and_credit_and_links_kept(tmp_path):
    saved = (FIXTURES_HTML / "news_article_with_furniture.html").read_text(encoding="utf-8")
    canonical = '<link rel="canonical" href="https://harbourcourier.example/local/night-ferry">'
    page = write(tmp_path, "ferry.html", saved.replace("</head>", canonical + "\n</head>"))
    results = import_all([page], options_for(tmp_path))
    assert results[0].status == "imported", results[0]
    ((meta, body),) = article_files(tmp_path).values()
    assert meta["Image"] == "https://harbourcourier.example/media/2031/03/kessel-ferry.jpg"
    assert meta["Image_caption"].startswith("The ferry Marta Lind moored at the Port Maren quay")
    assert meta["Image_credit"] == "Anders Holm"
    assert "kessel-ferry.jpg" not in body  # shown once, from the header keys
    assert "## A cheaper fare for night-shift workers" in body
    link = "[renovated harbour hall](https://harbourcourier.example/local/2031/harbour-hall-renovation)"
    assert link in body
    assert "- Departures from Port Maren at 23:40, Sunday to Thursday" in body


def test_outlet_rules_recognise_a_page_by_its_domain(tmp_path):
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "sources.yml").write_text(
        "outlets:\n"
        "  harbour:\n"
        "    name: The Harbour Times\n"
        "    domains: [harbourtimes.example]\n"
        "    drop_selectors: ['p.byline']\n"
        "    full_text: false\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        tasks.cli,
        [
            "import",
            write(tmp_path, "a.html", news_page()),
            "--content-dir",
            str(tmp_path / "content"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "does not allow full text" in result.output
    ((meta, body),) = article_files(tmp_path).values()
    assert meta["Source"] == "The Harbour Times"
    assert body.strip() == escape_line(PARAGRAPHS[0])


def test_reclean_of_a_url_import_needs_no_network(tmp_path, site):
    url = site.base + "/news/dock-strike"
    site.add("/news/dock-strike", news_page(url=url))
    assert import_all([url], options_for(tmp_path))[0].status == "imported"
    site.routes.clear()  # the page is gone from the web
    requests = len(site.requests)
    results = reclean_all(options_for(tmp_path))
    assert [r.status for r in results] == ["unchanged"]
    assert len(site.requests) == requests


def test_progress_bar_on_a_terminal_only(tmp_path):
    pages = [
        write(tmp_path, f"p{n}.html", news_page(title=f"Story {n}", paragraphs=story))
        for n, story in enumerate([PARAGRAPHS, OTHER_STORY, THIRD_STORY])
    ]
    command = [
        sys.executable,
        str(Path(tasks.__file__)),
        "import",
        *pages,
        "--content-dir",
        str(tmp_path / "content"),
        "--jobs",
        "1",
    ]
    main, secondary = pty.openpty()
    process = subprocess.run(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=secondary, timeout=120
    )
    os.close(secondary)
    shown = b""
    while True:
        try:
            chunk = os.read(main, 4096)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    os.close(main)
    assert process.returncode == 0
    assert b"Importing" in shown and b"100%" in shown
    piped = subprocess.run([*command[:-2], "--json"], capture_output=True, timeout=120)
    assert b"Importing" not in piped.stderr and b"100%" not in piped.stdout
    assert json.loads(piped.stdout)["counts"]["unchanged"] == 3


def test_page_charsets_by_bom_and_by_detection():
    text = "<html><body><p>Crème brûlée at the Café Noël, naïve façade — “quoted”</p></body></html>"
    assert decode_html(b"\xff\xfe" + text.encode("utf-16-le")).text.endswith("</html>")
    undeclared = (text * 20).encode("cp1252")
    assert "Crème brûlée" in decode_html(undeclared).text
    assert decode_html(text.encode("utf-8"), charset="utf-8").text == text


# --- found in review: each of these once went wrong -----------------------------------------


def test_reclean_keeps_the_latest_version_of_a_story(tmp_path):
    page = tmp_path / "in" / "strike.html"
    page.parent.mkdir(parents=True)
    page.write_text(news_page(), encoding="utf-8")
    early = options_for(tmp_path)
    assert import_all([str(page)], early)[0].status == "imported"
    page.write_text(news_page(paragraphs=[*PARAGRAPHS, THIRD_STORY[0]]), encoding="utf-8")
    later = ImportOptions(early.content_dir, early.archive_dir, FIXED_NOW.replace(hour=11))
    assert import_all([str(page)], later)[0].status == "updated"
    reclean_all(later)
    ((_, body),) = article_files(tmp_path).values()
    assert "old mill bridge" in body


def test_pages_opening_with_a_prolog_or_any_tag_are_pages(tmp_path):
    xhtml = '<?xml version="1.0" encoding="utf-8"?>\n' + news_page().split("\n", 1)[1]
    fragment = "<header><h1>Ferry aground off Kessock</h1></header>" + "".join(
        f"<p>{escape(p)}</p>" for p in OTHER_STORY
    )
    results = import_all(
        [write(tmp_path, "a.xhtml", xhtml), write(tmp_path, "b.txt", fragment)],
        options_for(tmp_path),
    )
    assert [r.status for r in results] == ["imported", "imported"], results
    for meta, body in article_files(tmp_path).values():
        assert "<" not in meta["Title"] and "&lt;" not in body


def test_redirects_to_other_schemes_and_pages_without_a_type(tmp_path, site):
    site.add("/to-js", "", status=302, Location="javascript:alert(1)")
    site.add("/to-file", "", status=302, Location="file:///etc/passwd")
    site.routes["/untyped"] = (200, {}, news_page().encode())
    urls = [site.base + path for path in ("/to-js", "/to-file", "/untyped")]
    errors = [r.error for r in import_all(urls, options_for(tmp_path))]
    assert errors == [
        f"{urls[0]}: redirected to a non-web URL",
        f"{urls[1]}: redirected to a non-web URL",
        f"{urls[2]}: the server sent no content type",
    ]


def test_a_feed_served_as_html_is_read_as_a_feed(tmp_path, site):
    items = [rss_item(site.base + "/news/dock-strike", "Dock workers strike", PARAGRAPHS)]
    site.add("/feed", rss(site.base, items), content_type="text/html")
    results = import_all([site.base + "/feed"], options_for(tmp_path))
    assert [r.status for r in results] == ["imported"]
    ((meta, _),) = article_files(tmp_path).values()
    assert meta["Title"] == "Dock workers strike"


def test_hand_edited_article_is_unchanged_by_the_same_text_and_refused_new_text(tmp_path, site):
    url = site.base + "/news/dock-strike"
    site.add("/news/dock-strike", news_page(url=url))
    import_all([url], options_for(tmp_path))
    (path,) = (tmp_path / "content" / "articles").rglob("*.md")
    path.write_text(path.read_text(encoding="utf-8").replace("an insult", "insulting"))
    again = import_all([url + "?utm_source=rss"], options_for(tmp_path))
    assert again[0].status == "unchanged", again[0]
    site.add("/news/dock-strike", news_page(url=url, paragraphs=PARAGRAPHS[:4]))
    (refused,) = import_all([url], options_for(tmp_path))
    assert refused.status == "failed"
    assert refused.error.startswith(f"{url}: {path} was edited by hand")
    assert "insulting" in path.read_text(encoding="utf-8")


def test_atom_entry_with_only_updated_is_dated_by_it(tmp_path):
    atom = atom_feed('<link href="https://c.example/m"/><updated>2025-02-21T09:00:00Z</updated>')
    import_all([write(tmp_path, "county.atom", atom)], options_for(tmp_path))
    ((meta, _),) = article_files(tmp_path).values()
    assert meta["Date"] == "2025-02-21T09:00+00:00" and "Modified" not in meta


def test_feed_entry_whose_page_fails_is_archived_with_its_summary(tmp_path, site):
    items = [rss_item(site.base + "/gone", "Gone story", summary="A summary worth keeping.")]
    feed = write(tmp_path, "feed.rss", rss(site.base, items))
    (result,) = import_all([feed], options_for(tmp_path))
    assert (
        result.error == f"{site.base}/gone: HTTP 404 Not Found (the feed has only a summary; "
        "try --no-fetch)"
    )
    archived = [p for p in (tmp_path / "archive").glob("*.gz")]
    assert any(b"A summary worth keeping." in gzip.decompress(p.read_bytes()) for p in archived)


def test_jsonl_fields_of_the_wrong_type(tmp_path):
    lines = [
        json.dumps({"url": "https://x.example/a", "html": news_page(), "byline": ["A", "B"]}),
        json.dumps(
            {
                "url": "https://bridges.example/mill",
                "title": "Mill bridge to close",
                "published": 1740045600,
                "text": "\n\n".join(THIRD_STORY),
            }
        ),
    ]
    export = write(tmp_path, "odd.jsonl", "\n".join(lines))
    results = import_all([export], options_for(tmp_path))
    assert results[0].error == f"{export} line 1: 'byline' must be a string, not list"
    assert results[1].status == "imported"
    ((meta, _),) = article_files(tmp_path).values()
    assert meta["Date"] == "2025-02-20T10:00+00:00"


def test_dry_run_leaves_an_empty_folder_empty(tmp_path):
    target = tmp_path / "site"
    result = CliRunner().invoke(
        tasks.cli,
        [
            "import",
            write(tmp_path, "a.html", news_page()),
            "--dry-run",
            "--content-dir",
            str(target / "content"),
        ],
    )
    assert result.exit_code == 0 and "Dry run: 1 imported" in result.output
    assert not target.exists()


def test_urls_carry_no_markup_into_the_article_file(tmp_path):
    page = news_page(
        url="https://harbourtimes.example/park&lt;script&gt;alert(9)&lt;/script&gt;",
        extra_head='<meta property="og:image" content="https://img.example/a.jpg&quot; '
        'onerror=&quot;alert(1)">',
    )
    import_all([write(tmp_path, "a.html", page)], options_for(tmp_path))
    (path,) = (tmp_path / "content" / "articles").rglob("*.md")
    text = path.read_text(encoding="utf-8")
    assert "<script" not in text and '"' not in text.split("\n\n")[0].split("Summary:")[0]
    assert "Source_url: https://harbourtimes.example/park%3Cscript%3Ealert(9)%3C/script%3E" in text


def test_a_gz_file_that_is_not_gzip(tmp_path):
    fake = write(tmp_path, "page.html.gz", news_page())
    (result,) = import_all([fake], options_for(tmp_path))
    assert result.error == f"{fake}: named .gz but not gzip data"
