"""The demo site as readers get it, in a real browser.

`make site`'s demo (the repository's content with the samples imported, built with
its search index) is served over HTTP on 127.0.0.1 and opened in Debian's Chromium
through Playwright. One page of every kind the theme writes must:

- pass axe-core (npm `axe-core`, injected into the page) with zero violations, in the
  light scheme and under an emulated dark one (so dark mode's contrast is checked too);
- load with no console error or warning, no page error, no failed request or HTTP
  error, and no request to any other host (no web fonts, no third-party anything);
- fit every width from a phone's 360 px to a desktop's 1600 px with no horizontal
  scrolling; the home page and an article are photographed at 390 and 1280 px, light
  and dark, into test-artifacts/ (BROADSHEET_TEST_ARTIFACTS) for a person to look at.

Every HTML page of the site must pass the Nu Html Checker (npm `vnu-jar`, run with the
machine's Java) with zero errors, and the stylesheet must pass its CSS check.

Missing Chromium, Java or node_modules skip these tests with a loud reason; `.ci/run`
sets BROADSHEET_REQUIRE_BROWSER=1, which turns those skips into failures.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import ARTIFACTS, NODE_MODULES, require_tool

AXE = NODE_MODULES / "axe-core" / "axe.min.js"
VNU = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"

# One page of every kind the theme writes, in the demo site.
ARTICLE = "2025/03/night-ferry-to-kessel-island-returns-after-two-year-pause.html"
PAGES = {
    "home": "index.html",
    "digest": "digests/2025/06/night-ferries-and-bin-days.html",
    "digest archive": "digests/index.html",
    "article": ARTICLE,
    "tag": "tag/kessel-island.html",
    "tags index": "tags.html",
    "category": "category/news.html",
    "categories": "categories.html",
    "source": "source/the-harbour-courier.html",
    "sources": "sources.html",
    "archives": "archives.html",
    "year archive": "2025/index.html",
    "month archive": "2025/03/index.html",
    "search": "search.html",
    "404": "404.html",
    "about": "about.html",
    "subscribe": "subscribe.html",
}
WIDTHS = (360, 390, 1280, 1600)
SCREENSHOTS = {"home": "index.html", "article": ARTICLE}
# The search word only the cricket report's body holds (as in test_browser.py).
SEARCH_WORD = "Brannigan"


@pytest.fixture(scope="module")
def axe_source() -> str:
    return require_tool(AXE, "npm's axe-core", "run npm ci").read_text(encoding="utf-8")


@dataclass
class Load:
    """What one page load saw: problems, and the requests it made."""

    problems: list[str] = field(default_factory=list)
    requested: list[str] = field(default_factory=list)


def open_page(context, origin: str, path: str, load: Load):
    """Open origin/path in a new tab that reports into `load`; return the tab."""
    page = context.new_page()

    def on_console(message) -> None:
        if message.type in ("error", "warning"):
            load.problems.append(f"console {message.type}: {message.text}")

    def on_response(response) -> None:
        if response.status >= 400:
            load.problems.append(f"HTTP {response.status}: {response.url}")

    def route(route) -> None:
        url = route.request.url
        load.requested.append(url)
        if url.startswith(origin + "/"):
            route.continue_()
        else:
            load.problems.append(f"third-party request: {route.request.resource_type} {url}")
            route.abort()

    page.on("console", on_console)
    page.on("pageerror", lambda error: load.problems.append(f"page error: {error}"))
    page.on(
        "requestfailed",
        lambda request: load.problems.append(f"failed: {request.url} ({request.failure})"),
    )
    page.on("response", on_response)
    page.route("**/*", route)
    page.goto(f"{origin}/{path}", wait_until="load")
    page.wait_for_load_state("networkidle")
    return page


def axe_violations(page, axe_source: str) -> list[str]:
    """axe-core's violations on the page as it stands, one line per rule and element."""
    page.add_script_tag(content=axe_source)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at {node['target']}"
        for violation in result["violations"]
        for node in violation["nodes"]
    ]


@pytest.fixture(scope="module", params=["light", "dark"])
def scheme_context(request, chromium):
    context = chromium.new_context(
        color_scheme=request.param, viewport={"width": 1280, "height": 900}
    )
    yield request.param, context
    context.close()


def test_demo_has_a_page_of_every_kind(demo_output):
    assert [kind for kind, path in PAGES.items() if not (demo_output / path).is_file()] == []


@pytest.mark.parametrize("kind", list(PAGES))
def test_page_is_accessible_and_loads_cleanly(scheme_context, demo_server, axe_source, kind):
    scheme, context = scheme_context
    load = Load()
    page = open_page(context, demo_server.origin, PAGES[kind], load)
    try:
        # The emulated scheme really is in force: dark pages are dark, light ones light.
        background = page.evaluate(
            "() => getComputedStyle(document.body).backgroundColor"
            " .match(/\\d+/g).slice(0, 3).map(Number)"
        )
        assert (sum(background) / 3 < 96) == (scheme == "dark"), background
        violations = axe_violations(page, axe_source)
    finally:
        page.close()
    assert violations == []
    assert load.problems == []


def test_search_results_are_accessible_and_load_cleanly(scheme_context, demo_server, axe_source):
    _, context = scheme_context
    load = Load()
    page = open_page(context, demo_server.origin, PAGES["search"], load)
    try:
        page.locator(".pagefind-ui__search-input").fill(SEARCH_WORD)
        page.locator(".pagefind-ui__result-link").first.wait_for(timeout=10_000)
        page.wait_for_load_state("networkidle")
        violations = axe_violations(page, axe_source)
    finally:
        page.close()
    assert violations == []
    assert load.problems == []
    assert any("/pagefind/" in url for url in load.requested)


@pytest.fixture(scope="module")
def width_contexts(chromium):
    contexts = {
        width: chromium.new_context(viewport={"width": width, "height": 800}) for width in WIDTHS
    }
    yield contexts
    for context in contexts.values():
        context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_no_page_scrolls_sideways(width_contexts, demo_server, width):
    overflowing = {}
    for kind, path in PAGES.items():
        load = Load()
        page = open_page(width_contexts[width], demo_server.origin, path, load)
        try:
            # The widest element that reaches past the viewport's right edge, if any.
            found = page.evaluate(
                """() => {
                  const limit = document.documentElement.clientWidth;
                  if (document.documentElement.scrollWidth <= limit) return null;
                  const wide = [...document.body.querySelectorAll('*')]
                    .filter(e => e.getBoundingClientRect().right > limit + 0.5);
                  const last = wide[wide.length - 1];
                  return `${document.documentElement.scrollWidth}px wide; ` +
                    (last ? `${last.localName}.${last.className}` : 'no element found');
                }"""
            )
        finally:
            page.close()
        if found:
            overflowing[kind] = found
        assert load.problems == [], (kind, width)
    assert overflowing == {}


@pytest.mark.parametrize("width", (390, 1280))
@pytest.mark.parametrize("scheme", ("light", "dark"))
def test_screenshots_of_home_and_an_article(chromium, demo_server, width, scheme):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = chromium.new_context(
        viewport={"width": width, "height": 900}, color_scheme=scheme, device_scale_factor=1
    )
    try:
        for name, path in SCREENSHOTS.items():
            load = Load()
            page = open_page(context, demo_server.origin, path, load)
            target = ARTIFACTS / f"{name}-{width}-{scheme}.png"
            target.unlink(missing_ok=True)
            page.screenshot(path=str(target), full_page=True)
            page.close()
            assert load.problems == []
            # A real picture of a page: a PNG the width of the viewport, taller than it.
            header = target.read_bytes()[:24]
            assert header[:8] == b"\x89PNG\r\n\x1a\n"
            assert int.from_bytes(header[16:20], "big") == width
            assert int.from_bytes(header[20:24], "big") >= 900
    finally:
        context.close()


def test_pages_read_fully_without_javascript(chromium, demo_server):
    context = chromium.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{demo_server.origin}/{ARTICLE}")
        assert "night ferry between Port Maren and Kessel Island" in page.inner_text("main")
        page.goto(f"{demo_server.origin}/{PAGES['search']}")
        # Without the script the search box cannot work: the archives lead everywhere.
        browse = page.locator("main a").evaluate_all("links => links.map(link => link.href)")
        assert {f"{demo_server.origin}/{p}" for p in ("tags.html", "archives.html")} <= set(browse)
    finally:
        context.close()


def nu_checker(*arguments: str) -> list[dict]:
    """Run the Nu Html Checker with the machine's Java; return its messages."""
    java = require_tool(Path(shutil.which("java") or "/usr/bin/java"), "Java", "apt-get install")
    jar = require_tool(VNU, "npm's vnu-jar", "run npm ci")
    done = subprocess.run(
        [str(java), "-jar", str(jar), "--format", "json", *arguments],
        capture_output=True,
        text=True,
        timeout=300,
    )
    return json.loads(done.stderr)["messages"]


def describe(message: dict, root: Path) -> str:
    where = message.get("url", "").removeprefix("file:").removeprefix(str(root) + "/")
    return f"{where}:{message.get('lastLine', '?')}: {message['type']}: {message['message']}"


def test_every_page_of_the_demo_is_valid_html5(demo_output):
    pages = sorted(demo_output.rglob("*.html"))
    assert len(pages) > 100
    messages = nu_checker("--skip-non-html", str(demo_output))
    errors = [
        describe(m, demo_output) for m in messages if m["type"] in ("error", "non-document-error")
    ]
    assert errors == []


def test_the_stylesheet_is_valid_css(demo_output):
    stylesheets = sorted(demo_output.glob("theme/css/*.css"))
    assert stylesheets
    messages = nu_checker("--css", *map(str, stylesheets))
    errors = [describe(m, demo_output) for m in messages if m["type"] != "info"]
    assert errors == []


def test_the_checkers_see_bad_pages(tmp_path, chromium, axe_source):
    # The harness itself: a broken page gives the checkers something to say.
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<!DOCTYPE html><html><head><title>x</title></head><body><p><div></p><img src="a.png">'
        '<p style="color:#777;background:#888">faint</p></body></html>',
        encoding="utf-8",
    )
    assert any(m["type"] == "error" for m in nu_checker(str(bad)))
    context = chromium.new_context()
    try:
        page = context.new_page()
        page.goto(bad.as_uri())
        found = " ".join(axe_violations(page, axe_source))
    finally:
        context.close()
    assert "image-alt" in found and "color-contrast" in found and "html-has-lang" in found
