"""The XSS corpus's built pages in a real browser: nothing runs, nothing leaves the site.

The site built from tests/fixtures/xss/vectors.yml (one hand-edited article per vector)
is served over real HTTP on 127.0.0.1 and opened in Debian's Chromium through
Playwright. Every page must load without a dialog, a console message or a page error;
with a DOM (as the browser parsed it) free of event handlers, script URLs and elements
that load or submit; and asking only for the resources its own tags name: on 127.0.0.1
the page, its stylesheet, its icon and its images, and on other hosts only images (lead images
are hotlinked from the outlet: the XSS site sets LEAD_IMAGE_HOTLINK). Synthetic mouse, focus and
toggle events are sent to every element, so a handler that survived would fire.

Every request passes through a route: other origins never reach the network and are
answered with a 1x1 PNG, and so is an image the page names that the site does not
have (a neutralised `<img src=x onerror=…>` keeps a broken `src="x"`), so a broken
picture is not taken for a console error while every request is still judged.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import lxml.html
import pytest
from conftest import Server, serve
from test_xss import (
    SEARCH_PAGE,
    VECTORS,
    article_page,
    build_imported_site,
    build_xss_site,
    vector_ids,
)

# The answer to a request that must not reach the network or finds no file: a 1x1 PNG.
PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c63000100000500010d0a2db40000000049454e44ae426082"
)

PROVOKE_AND_SETTLE = """async () => {
  for (const element of document.querySelectorAll('*')) {
    for (const type of ['mouseover', 'mouseenter', 'mousemove', 'focus', 'focusin', 'toggle',
                        'animationstart', 'transitionend', 'begin']) {
      element.dispatchEvent(new Event(type));
    }
  }
  await new Promise(resolve => requestAnimationFrame(() => setTimeout(resolve, 0)));
  // Lazy images start after the load event: wait for every image still coming.
  await Promise.all([...document.images].filter(image => !image.complete).map(image =>
    new Promise(resolve => {
      image.addEventListener('load', resolve);
      image.addEventListener('error', resolve);
      setTimeout(resolve, 2000);
    })));
}"""

DOM_PROBLEMS = """() => {
  const forbidden = new Set(['script', 'iframe', 'frame', 'frameset', 'object', 'embed',
    'applet', 'form', 'input', 'button', 'textarea', 'select', 'base', 'style', 'svg', 'math',
    'template', 'noscript', 'portal', 'marquee']);
  const urlAttributes = new Set(['href', 'src', 'action', 'formaction', 'xlink:href', 'data',
    'poster', 'background', 'cite', 'ping', 'longdesc']);
  const hostile = new Set(['javascript:', 'vbscript:', 'data:']);
  const problems = [];
  for (const element of document.querySelectorAll('*')) {
    const tag = element.localName;
    // The one script element the theme writes on every article: schema.org JSON-LD in
    // <head>, data the browser never runs, whose text parses as JSON with no "<".
    const jsonLd = tag === 'script' && element.parentElement === document.head
      && element.getAttribute('type') === 'application/ld+json'
      && element.attributes.length === 1 && element.children.length === 0
      && !element.textContent.includes('<')
      && (() => {
        try { JSON.parse(element.textContent); return true; } catch (error) { return false; }
      })();
    if (forbidden.has(tag) && !jsonLd) problems.push(`<${tag}> element`);
    if (tag === 'meta' && element.hasAttribute('http-equiv')) problems.push('<meta http-equiv>');
    if (tag === 'link') {
      const rel = (element.getAttribute('rel') || '').toLowerCase().trim();
      const themeRels = ['stylesheet', 'icon', 'alternate', 'canonical'];
      if (element.parentElement !== document.head || !themeRels.includes(rel))
        problems.push(`<link rel="${rel}">`);
    }
    for (const attribute of element.attributes) {
      const name = attribute.name.toLowerCase();
      if (name.startsWith('on')) problems.push(`<${tag} ${name}> handler`);
      if (name === 'srcdoc') problems.push(`<${tag} srcdoc>`);
      const urls = name === 'srcset'
        ? attribute.value.split(',').map(candidate => candidate.trim().split(/\\s+/)[0])
        : urlAttributes.has(name) ? [attribute.value] : [];
      for (const url of urls) {
        let protocol = '';
        try { protocol = new URL(url, document.baseURI).protocol; } catch (error) { continue; }
        if (hostile.has(protocol)) problems.push(`<${tag} ${name}="${attribute.value}">`);
      }
    }
  }
  if (document.baseURI !== location.href) problems.push(`base URI is ${document.baseURI}`);
  return problems;
}"""


@dataclass(frozen=True)
class Named:
    """The resources a page's own tags name, as absolute URLs."""

    page: str
    stylesheets: frozenset[str]  # and the icon
    images: frozenset[str]


def named_resources(document: str, url: str) -> Named:
    """The stylesheets and icon (in <head>) and images a served page's own tags name."""
    root = lxml.html.document_fromstring(document)
    stylesheets = root.xpath("/html/head/link[@rel='stylesheet' or @rel='icon']/@href")
    return Named(
        page=url,
        stylesheets=frozenset(urljoin(url, href) for href in stylesheets),
        images=frozenset(urljoin(url, src) for src in root.xpath("//img/@src")),
    )


def request_problem(url: str, resource_type: str, origin: str, named: Named) -> str | None:
    """Why a request should not have been made, or None when the page's own tags ask for it."""
    if url.startswith(origin + "/"):
        if url in (named.page, *named.stylesheets, *named.images):
            return None
    elif url in named.images and resource_type == "image":
        return None
    return f"request not asked for by the page: {resource_type} {url}"


@dataclass
class Visit:
    """What one page visit saw."""

    server: Server
    named: Named
    problems: list[str] = field(default_factory=list)


class Tab:
    """One browser page reused for every visit; its listeners report into the current visit."""

    def __init__(self, page) -> None:
        self.page = page
        self.visit: Visit | None = None
        self.stray: list[str] = []  # seen between visits: reported by the next one
        page.on("dialog", self._on_dialog)
        page.on("console", lambda message: self._report(f"console {message.type}: {message.text}"))
        page.on("pageerror", lambda error: self._report(f"page error: {error}"))
        page.on("popup", lambda popup: self._report(f"popup: {popup.url}"))
        page.route("**/*", self._on_route)

    def _report(self, problem: str) -> None:
        target = self.stray if self.visit is None else self.visit.problems
        target.append(problem)

    def _on_dialog(self, dialog) -> None:
        self._report(f"{dialog.type} dialog: {dialog.message}")
        dialog.dismiss()

    def _on_route(self, route) -> None:
        request, visit = route.request, self.visit
        if visit is None:
            self.stray.append(f"request between visits: {request.url}")
            route.abort()
            return
        problem = request_problem(
            request.url, request.resource_type, visit.server.origin, visit.named
        )
        if problem:
            visit.problems.append(problem)
        local = request.url.startswith(visit.server.origin + "/")
        if local and (
            request.url not in visit.named.images or visit.server.file_for(request.url).is_file()
        ):
            route.continue_()
        else:
            route.fulfill(status=200, content_type="image/png", body=PIXEL)


@pytest.fixture(scope="module")
def tab(chromium):
    """One browser page for the module, in its own context."""
    # Tall enough that every lazy image is in view and loads during its own visit.
    context = chromium.new_context(
        service_workers="block", viewport={"width": 1280, "height": 8000}
    )
    yield Tab(context.new_page())
    context.close()


@pytest.fixture(scope="module")
def xss_server(tmp_path_factory):
    output = build_xss_site(tmp_path_factory.mktemp("browser"))
    server, httpd = serve(output)
    yield server
    httpd.shutdown()
    httpd.server_close()


def visit(tab: Tab, server: Server, path: str) -> list[str]:
    """Open one served page like a reader; return every problem seen."""
    url = f"{server.origin}/{path}"
    named = named_resources((server.root / path).read_text(encoding="utf-8"), url)
    tab.visit = visit = Visit(server, named, problems=tab.stray)
    tab.stray = []
    server.paths.clear()
    page = tab.page
    try:
        page.goto(url, wait_until="load")
        page.evaluate(PROVOKE_AND_SETTLE)
        visit.problems += page.evaluate(DOM_PROBLEMS)
        if page.url != url:
            visit.problems.append(f"navigated to {page.url}")
        if len(page.frames) != 1:
            visit.problems.append(f"{len(page.frames) - 1} frame(s) loaded")
    finally:
        tab.visit = None
    # The server's own log catches anything that reached 127.0.0.1 past the route.
    asked = {urlsplit(u).path for u in (named.page, *named.stylesheets, *named.images)}
    visit.problems += [f"server got {got}" for got in server.paths if got not in asked]
    return visit.problems


@pytest.mark.parametrize("vector", VECTORS, ids=vector_ids(VECTORS))
def test_article_page_is_inert_in_a_browser(tab, xss_server, vector):
    assert visit(tab, xss_server, article_page(vector)) == []


def test_every_other_page_is_inert_in_a_browser(tab, xss_server):
    articles = {article_page(vector) for vector in VECTORS}
    # The Search page runs Pagefind's UI by design: test_search_page_finds_one_article.
    others = sorted(
        page.relative_to(xss_server.root).as_posix()
        for page in xss_server.root.rglob("*.html")
        if page.relative_to(xss_server.root).as_posix() not in {*articles, SEARCH_PAGE}
    )
    assert {"index.html", "archives.html", "tags.html", "category/harbour.html"} <= set(others)
    problems = {page: visit(tab, xss_server, page) for page in others}
    assert {page: found for page, found in problems.items() if found} == {}


@pytest.fixture(scope="module")
def imported_server(tmp_path_factory):
    site = build_imported_site(tmp_path_factory.mktemp("browser-imported"))
    assert site.imported.exit_code == 0 and site.built.exit_code == 0
    server, httpd = serve(site.output)
    yield server
    httpd.shutdown()
    httpd.server_close()


def test_every_page_built_from_imported_pages_is_inert_in_a_browser(tab, imported_server):
    pages = sorted(
        page.relative_to(imported_server.root).as_posix()
        for page in imported_server.root.rglob("*.html")
        if page.relative_to(imported_server.root).as_posix() != SEARCH_PAGE
    )
    assert len(pages) > 60
    problems = {page: visit(tab, imported_server, page) for page in pages}
    assert {page: found for page, found in problems.items() if found} == {}


CANARY = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>canary</title>
<link rel="stylesheet" href="https://evil.example/x.css"></head>
<body><p onmouseover="console.log('hovered')">text</p><svg onload="alert(1)"></svg>
<script>throw new Error("boom")</script></body></html>
"""


def test_the_harness_sees_what_a_hostile_page_does(tab, tmp_path):
    (tmp_path / "canary.html").write_text(CANARY, encoding="utf-8")
    server, httpd = serve(tmp_path)
    try:
        problems = visit(tab, server, "canary.html")
    finally:
        httpd.shutdown()
        httpd.server_close()

    joined = "\n".join(problems)
    assert "alert dialog: 1" in joined
    assert "console log: hovered" in joined
    assert "page error: " in joined and "boom" in joined
    assert "request not asked for by the page: stylesheet https://evil.example/x.css" in joined
    assert "<script> element" in joined and "<p onmouseover> handler" in joined
    assert "<svg> element" in joined and "<svg onload> handler" in joined


# Search: Pagefind's UI on the demo site, which `tasks.py build` indexed as its last step.

# Only the cricket report names its opening batter, and in its body.
SEARCH_WORD = "Brannigan"
SEARCH_HIT = "2024/07/fenwick-road-cc-lift-county-cup-for-first-time-in-41-years.html"


def test_demo_site_has_a_search_index(demo_output):
    # One bundle per year (broadsheet.search), listed for the Search page.
    years = json.loads((demo_output / "pagefind" / "shards.json").read_text(encoding="utf-8"))
    assert years and all((demo_output / "pagefind" / y / "pagefind.js").is_file() for y in years)


def test_search_page_finds_one_article_and_links_to_it(tab, demo_server):
    page = tab.page.context.new_page()  # without the Tab's route: the UI loads its own files
    problems: list[str] = []
    requested: list[str] = []
    page.on("console", lambda message: problems.append(f"console {message.type}: {message.text}"))
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("requestfailed", lambda request: problems.append(f"failed: {request.url}"))

    def on_response(response) -> None:
        if response.status >= 400:
            problems.append(f"HTTP {response.status}: {response.url}")

    page.on("response", on_response)

    def route(route) -> None:
        requested.append(route.request.url)
        if route.request.url.startswith(demo_server.origin + "/"):
            route.continue_()
        else:
            problems.append(f"off-site request: {route.request.url}")
            route.abort()

    page.route("**/*", route)
    try:
        page.goto(f"{demo_server.origin}/search.html", wait_until="load")
        box = page.locator(".pagefind-ui__search-input")
        box.fill(SEARCH_WORD)
        results = page.locator(".pagefind-ui__result-link")
        results.first.wait_for(timeout=10_000)
        page.wait_for_timeout(500)  # the UI debounces: let every result arrive
        hrefs = results.evaluate_all("links => links.map(link => link.href)")
        assert hrefs == [f"{demo_server.origin}/{SEARCH_HIT}"]
        assert "Fenwick Road CC lift county cup" in results.first.inner_text()
        results.first.click()
        page.wait_for_load_state("load")
        assert page.url == f"{demo_server.origin}/{SEARCH_HIT}"
        assert page.locator("h1").inner_text().startswith("Fenwick Road CC lift county cup")
    finally:
        page.close()
    assert problems == []
    assert any("/pagefind/pagefind-ui.js" in url for url in requested)


def test_article_and_home_pages_load_nothing_for_search(tab, demo_server):
    for path in (SEARCH_HIT, "index.html"):
        assert visit(tab, demo_server, path) == [], path
        assert not [got for got in demo_server.paths if got.startswith("/pagefind/")], path
