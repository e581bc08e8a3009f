"""Publishing: the post-receive hook with real git pushes, publish --to and --rollback,
what a killed publish leaves, concurrent pushes, and the gh-pages branch.

Every repository here is real (git init, clone, commit, push); the web root is read
from disk and over HTTP on 127.0.0.1, as a reader's browser would."""

from __future__ import annotations

import functools
import hashlib
import http.server
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner
from conftest import ROOT

import tasks
from broadsheet.errors import BuildError
from broadsheet.publish import HOOK_MARKER, PublishError, ReleaseSite, publish_to, rollback

# What a build of the site needs; a push carries these, as a site repository would.
SITE_FILES = ("content", "theme", "plugins", "pelicanconf.py", "publishconf.py", "tasks.py")
ARTICLE_PAGE = "2025/03/kessel-island-night-ferry-to-add-friday-sailings-for-the-herring-season"
ARTICLE_TITLE = "Kessel Island night ferry to add Friday sailings for the herring season"
ARTICLE_COUNT = len(list((ROOT / "content" / "articles").rglob("*.md")))
TEXT = {"capture_output": True, "text": True}
PIPES = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE}


def invoke(*args: str):
    return CliRunner().invoke(tasks.cli, list(args), catch_exceptions=False)


@pytest.fixture
def git_env(tmp_path, monkeypatch) -> None:
    """Git with a test identity and no user or system configuration."""
    config = tmp_path / "gitconfig"
    config.write_text(
        "[user]\n\tname = Test Editor\n\temail = editor@example.org\n"
        "[init]\n\tdefaultBranch = main\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.delenv("BROADSHEET_SITEURL", raising=False)


def git(*args: str, cwd: Path | None = None) -> str:
    finished = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    assert finished.returncode == 0, finished.stderr
    return finished.stdout.strip()


def commit_all(work: Path, message: str) -> str:
    git("add", "-A", cwd=work)
    git("commit", "-q", "-m", message, cwd=work)
    return git("rev-parse", "HEAD", cwd=work)


def push(work: Path, *refs: str) -> subprocess.CompletedProcess:
    pushed = subprocess.run(
        ["git", "push", "origin", *(refs or ("main",))], cwd=work, capture_output=True, text=True
    )
    assert pushed.returncode == 0, pushed.stderr
    return pushed


def copy_site(destination: Path) -> None:
    """The demo site's files (not its git history) into destination."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".import.lock")
    destination.mkdir(parents=True, exist_ok=True)
    for name in (*SITE_FILES, "broadsheet"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, destination / name, ignore=ignore)
        else:
            shutil.copy2(source, destination / name)


def write_article(work: Path, slug: str, title: str, date: str) -> None:
    path = work / "content" / "articles" / "2026" / "02" / f"{slug}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f"Title: {title}\nDate: {date}\nSlug: {slug}\nCategory: Local\n\n"
        f"The harbour board met on Tuesday about {title.lower()}.\n",
        encoding="utf-8",
    )


def snapshot(web_root: Path) -> dict[str, str]:
    """sha256 of every file the web root serves, by path."""
    hashes = {}
    for folder, _, files in os.walk(web_root):
        for name in files:
            path = Path(folder) / name
            hashes[str(path.relative_to(web_root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return hashes


@contextmanager
def served(web_root: Path):
    """An HTTP server on 127.0.0.1 whose document root is the web root (the symlink)."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(web_root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read()


def error_lines(output: str, sha: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith(f"remote: Error: {sha[:12]}")]


# --- git push -----------------------------------------------------------------------------------


def test_push_goes_live_a_broken_push_changes_nothing_and_rollback_restores(tmp_path, git_env):
    bare, work, web_root = tmp_path / "site.git", tmp_path / "work", tmp_path / "www" / "site"
    web_root.parent.mkdir()
    git("init", "-q", "--bare", str(bare))
    with served(web_root) as base:
        installed = invoke(
            "install-hook", str(bare), "--web-root", str(web_root), "--site-url", base
        )
        assert installed.exit_code == 0, installed.output
        git("clone", "-q", str(bare), str(work))
        copy_site(work)
        first = commit_all(work, "The demo site")
        pushed = push(work)
        assert f"remote: Broadsheet: {web_root} now serves {first[:12]}" in pushed.stderr

        # Live: the pushed build, from disk and over HTTP, with publishconf's absolute URLs.
        assert web_root.is_symlink()
        index = (web_root / "index.html").read_bytes()
        assert get(f"{base}/index.html") == index
        article = get(f"{base}/{ARTICLE_PAGE}.html")
        assert article == (web_root / f"{ARTICLE_PAGE}.html").read_bytes()
        assert ARTICLE_TITLE in article.decode("utf-8")
        for feed_name in ("all.atom.xml", "all.rss.xml"):
            data = get(f"{base}/feeds/{feed_name}")
            assert data == (web_root / "feeds" / feed_name).read_bytes()
            feed = feedparser.parse(data)
            assert not feed.bozo and len(feed.entries) == ARTICLE_COUNT
            assert all(entry.link.startswith(f"{base}/") for entry in feed.entries)
        link, served_before = os.readlink(web_root), snapshot(web_root)

        # A push whose build fails: the pusher reads why; the site is byte for byte as it was.
        write_article(work, "a-broken-story", "A broken story", "2026-13-45")
        broken = commit_all(work, "A story with an impossible date")
        pushed = push(work)
        [line] = error_lines(pushed.stderr, broken)
        assert f"not published, {web_root} is unchanged" in line
        assert "articles/2026/02/a-broken-story.md: '2026-13-45' is not a valid date" in line
        assert os.readlink(web_root) == link and snapshot(web_root) == served_before
        assert get(f"{base}/index.html") == index
        releases = web_root.with_name("site.releases")
        assert not list(releases.glob(".building-*")) and len(ReleaseSite(web_root).releases()) == 1

        # The hook itself exits non-zero (git ignores a post-receive status, so ask it directly).
        hook = bare / "hooks" / "post-receive"
        direct = subprocess.run(
            [str(hook)], input=f"{first} {broken} refs/heads/main\n", cwd=bare, **TEXT
        )
        assert direct.returncode == 1
        assert direct.stderr.strip().splitlines()[-1].startswith(f"Error: {broken[:12]}: ")
        # A commit the live site already contains is not built again.
        again = subprocess.run(
            [str(hook)], input=f"{'0' * 40} {first} refs/heads/main\n", cwd=bare, **TEXT
        )
        assert again.returncode == 0 and "already serves" in again.stdout

        # The fix goes live.
        (work / "content" / "articles" / "2026" / "02" / "a-broken-story.md").unlink()
        write_article(work, "ferry-fares-frozen", "Ferry fares frozen for the winter", "2026-02-10")
        fixed = commit_all(work, "The story, dated")
        pushed = push(work)
        assert f"now serves {fixed[:12]}" in pushed.stderr and not error_lines(pushed.stderr, fixed)
        assert b"Ferry fares frozen for the winter" in get(f"{base}/index.html")
        assert get(f"{base}/2026/02/ferry-fares-frozen.html")
        assert snapshot(web_root) != served_before

        # Rollback: the first build is live again, byte for byte; then there is none before it.
        rolled = invoke("publish", "--rollback", "--to", str(web_root))
        assert rolled.exit_code == 0, rolled.output
        assert os.readlink(web_root) == link and snapshot(web_root) == served_before
        assert get(f"{base}/index.html") == index
        with pytest.raises(urllib.error.HTTPError, match="404"):
            get(f"{base}/2026/02/ferry-fares-frozen.html")
        again = invoke("publish", "--rollback", "--to", str(web_root))
        assert again.exit_code == 1
        assert again.output.strip().count("\n") == 0
        assert "no release older than" in again.output and str(web_root) in again.output


def test_two_pushes_at_once_are_built_one_after_the_other(tmp_path, git_env):
    bare, work, web_root = tmp_path / "site.git", tmp_path / "work", tmp_path / "www" / "site"
    web_root.parent.mkdir()
    git("init", "-q", "--bare", str(bare))
    assert invoke("install-hook", str(bare), "--web-root", str(web_root)).exit_code == 0
    git("clone", "-q", str(bare), str(work))
    copy_site(work)
    commit_all(work, "The demo site")
    titles = {
        "a": "Harbour crane returns to service",
        "b": "Lifeboat crew named volunteers of year",
    }
    for branch, title in titles.items():
        git("checkout", "-q", "-b", branch, "main", cwd=work)
        write_article(work, f"story-{branch}", title, "2026-02-11")
        commit_all(work, title)
    # Two commits, neither in the other's history; pushed as branches the hook ignores.
    pushed = push(work, "a", "b")
    assert "Broadsheet" not in pushed.stderr and not os.path.lexists(web_root)
    shas = {git("rev-parse", branch, cwd=work): branch for branch in titles}

    hook = bare / "hooks" / "post-receive"
    runs = [
        subprocess.Popen([str(hook)], stdin=subprocess.PIPE, cwd=bare, text=True, **PIPES)
        for _ in shas
    ]
    for run, sha in zip(runs, shas, strict=True):
        run.stdin.write(f"{'0' * 40} {sha} refs/heads/main\n")
        run.stdin.close()
    for run in runs:
        assert run.wait(timeout=60) == 0, run.stderr.read()

    log = (web_root.with_name("site.releases") / "publish.log").read_text(encoding="utf-8")
    events = [line.split("\t") for line in log.splitlines()]
    assert [event for _, event, _ in events] == ["start", "live", "start", "live"]
    (start_1, _, first), (end_1, _, first_end), (start_2, _, second), (end_2, _, second_end) = (
        events
    )
    assert first == first_end and second == second_end
    assert {name.partition("-")[2] for name in (first, second)} == set(shas)
    times = [datetime.fromisoformat(stamp) for stamp in (start_1, end_1, start_2, end_2)]
    assert times == sorted(times)  # the second build began after the first went live

    # The web root is the last release, whole: its own story and not the other's.
    assert os.readlink(web_root).endswith(second)
    last = shas[second.partition("-")[2]]
    index = (web_root / "index.html").read_text(encoding="utf-8")
    assert titles[last] in index and titles[{"a": "b", "b": "a"}[last]] not in index
    for name in (first, second):
        release = web_root.with_name("site.releases") / name
        assert (release / "index.html").is_file() and (release / "feeds" / "all.atom.xml").is_file()


# --- publish --to ------------------------------------------------------------------------------


SLOW_PLUGIN = '''"""Test only: pause after the first file a build writes, to be killed there."""
import time

from pelican import signals


def pause(path, context=None):
    time.sleep(120)


def register():
    signals.content_written.connect(pause)
'''


def test_publish_to_killed_mid_build_leaves_the_live_site_untouched(tmp_path):
    site, web_root = tmp_path / "site", tmp_path / "www" / "site"
    copy_site(site)
    command = [sys.executable, "tasks.py", "publish", "--to", str(web_root)]
    first = subprocess.run(command, cwd=site, **TEXT)
    assert first.returncode == 0, first.stderr
    link, served_before = os.readlink(web_root), snapshot(web_root)
    assert "index.html" in served_before

    (site / "plugins" / "slow_writer").mkdir()
    (site / "plugins" / "slow_writer" / "__init__.py").write_text(SLOW_PLUGIN, encoding="utf-8")
    settings = site / "pelicanconf.py"
    plain_settings = settings.read_text(encoding="utf-8")
    settings.write_text(plain_settings + 'PLUGINS = [*PLUGINS, "slow_writer"]\n', encoding="utf-8")
    releases = web_root.with_name("site.releases")
    killed = subprocess.Popen(command, cwd=site, **PIPES)
    try:
        deadline = time.monotonic() + 30
        while not [path for path in releases.glob(".building-*/**/*") if path.is_file()]:
            assert killed.poll() is None, killed.communicate()
            assert time.monotonic() < deadline, "the build wrote nothing in 30 s"
            time.sleep(0.01)
    finally:
        killed.send_signal(signal.SIGKILL)
        killed.communicate()
    assert os.readlink(web_root) == link and snapshot(web_root) == served_before
    assert len(ReleaseSite(web_root).releases()) == 1

    # The next publish clears what the killed one left, and goes live.
    settings.write_text(plain_settings, encoding="utf-8")
    after = subprocess.run(command, cwd=site, **TEXT)
    assert after.returncode == 0, after.stderr
    assert not list(releases.glob(".building-*")) and len(ReleaseSite(web_root).releases()) == 2
    assert os.readlink(web_root) != link and snapshot(web_root) == served_before


def test_publish_to_refuses_a_folder_it_did_not_make(tmp_path):
    folder = tmp_path / "public"
    folder.mkdir()
    (folder / "index.html").write_text("someone's site", encoding="utf-8")
    result = invoke("publish", "--to", str(folder))
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {folder}: is a folder with files in it, not a link to a Broadsheet release; "
        "move it away or empty it (publishing never deletes it)\n"
    )
    assert (folder / "index.html").read_text(encoding="utf-8") == "someone's site"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["public"]

    nothing = invoke("publish", "--rollback", "--to", str(tmp_path / "www"))
    assert nothing.exit_code == 1
    assert nothing.output == (
        f"Error: {tmp_path / 'www'}: nothing is published here, so nothing to roll back\n"
    )
    assert invoke("publish").exit_code == 2  # neither --to nor --gh-pages


def page_build(text: str, fail: bool = False):
    """A stand-in for the Pelican build: writes index.html, then fails if asked."""

    def build(output: Path) -> None:
        (output / "index.html").write_text(text, encoding="utf-8")
        if fail:
            raise BuildError("build failed: a story has no date")

    return build


def test_releases_keep_the_newest_and_rollback_walks_back_through_them(tmp_path):
    web_root = tmp_path / "site"
    web_root.mkdir()  # an empty folder becomes the link
    for text in ("one", "two", "three", "four", "five"):
        publish_to(web_root, page_build(text), "local", keep=3)
    site = ReleaseSite(web_root)
    assert [(r / "index.html").read_text(encoding="utf-8") for r in site.releases()] == [
        "three",
        "four",
        "five",
    ]
    assert (web_root / "index.html").read_text(encoding="utf-8") == "five"

    with pytest.raises(BuildError, match="has no date"):
        publish_to(web_root, page_build("six", fail=True), "local", keep=3)
    assert (web_root / "index.html").read_text(encoding="utf-8") == "five"
    assert len(site.releases()) == 3 and not list(site.releases_dir.glob(".building-*"))
    with pytest.raises(PublishError, match="the build wrote nothing"):
        publish_to(web_root, lambda output: None, "local", keep=3)

    assert rollback(web_root)[1] == site.releases()[1]
    assert (web_root / "index.html").read_text(encoding="utf-8") == "four"
    rollback(web_root)
    with pytest.raises(PublishError, match="no release older than"):
        rollback(web_root)
    assert (web_root / "index.html").read_text(encoding="utf-8") == "three"
    # Releases rolled back from are gone once something new is published.
    publish_to(web_root, page_build("seven"), "local", keep=3)
    assert [(r / "index.html").read_text(encoding="utf-8") for r in site.releases()] == [
        "three",
        "seven",
    ]
    rollback(web_root)
    assert (web_root / "index.html").read_text(encoding="utf-8") == "three"


# --- install-hook -------------------------------------------------------------------------------


def test_install_hook_refuses_what_it_cannot_publish_from(tmp_path, git_env):
    web_root = tmp_path / "www"
    plain = tmp_path / "plain"
    plain.mkdir()
    refused = invoke("install-hook", str(plain), "--web-root", str(web_root))
    assert refused.exit_code == 1
    assert refused.output == f"Error: {plain}: not a git repository\n"

    git("init", "-q", str(tmp_path / "checkout"))
    refused = invoke(
        "install-hook", str(tmp_path / "checkout" / ".git"), "--web-root", str(web_root)
    )
    assert refused.exit_code == 1 and refused.output.count("\n") == 1
    assert "not a bare repository (it has a work tree)" in refused.output

    bare = tmp_path / "site.git"
    git("init", "-q", "--bare", str(bare))
    hook = bare / "hooks" / "post-receive"
    hook.write_text("#!/bin/sh\necho 'mail the team'\n", encoding="utf-8")
    refused = invoke("install-hook", str(bare), "--web-root", str(web_root))
    assert refused.exit_code == 1
    assert refused.output == (
        f"Error: {hook}: another post-receive hook is there; merge it by hand, "
        "or pass --force to replace it\n"
    )
    assert hook.read_text(encoding="utf-8") == "#!/bin/sh\necho 'mail the team'\n"

    full = tmp_path / "full"
    full.mkdir()
    (full / "index.html").write_text("someone's site", encoding="utf-8")
    refused = invoke("install-hook", str(bare), "--web-root", str(full), "--force")
    assert refused.exit_code == 1 and "is a folder with files in it" in refused.output
    assert HOOK_MARKER not in hook.read_text(encoding="utf-8")

    forced = invoke("install-hook", str(bare), "--web-root", str(web_root), "--force")
    assert forced.exit_code == 0 and "replaced" in forced.output
    assert HOOK_MARKER in hook.read_text(encoding="utf-8") and os.access(hook, os.X_OK)
    # Our own hook is simply rewritten with the new settings.
    again = invoke("install-hook", str(bare), "--web-root", str(web_root), "--branch", "live")
    assert again.exit_code == 0 and "replaced" not in again.output
    assert "--branch live" in hook.read_text(encoding="utf-8")


# --- gh-pages -----------------------------------------------------------------------------------


def test_gh_pages_commits_the_publish_build_and_pushes_only_when_asked(
    tmp_path, git_env, monkeypatch
):
    remote, repo = tmp_path / "remote.git", tmp_path / "repo"
    git("init", "-q", "--bare", str(remote))
    git("init", "-q", str(repo))
    git("remote", "add", "origin", str(remote), cwd=repo)
    monkeypatch.chdir(repo)
    output = tmp_path / "public"
    url = "https://news.example.org"
    arguments = ["publish", "--gh-pages", "--output", str(output), "--site-url", url]
    content = ["--content-dir", str(ROOT / "content")]

    result = invoke(*arguments, *content)
    assert result.exit_code == 0, result.output
    committed = git("rev-parse", "gh-pages", cwd=repo)
    assert f"as {committed[:12]}; push it with `git push origin gh-pages`" in result.output
    files = git("ls-tree", "-r", "--name-only", "gh-pages", cwd=repo).splitlines()
    assert {".nojekyll", "index.html", f"{ARTICLE_PAGE}.html", "feeds/all.atom.xml"} <= set(files)
    feed = feedparser.parse(git("show", "gh-pages:feeds/all.atom.xml", cwd=repo))
    assert len(feed.entries) == ARTICLE_COUNT
    assert all(entry.link.startswith(f"{url}/") for entry in feed.entries)
    assert "BROADSHEET_SITEURL" not in os.environ
    assert git("branch", "--list", cwd=remote) == ""  # not pushed

    # A failed build commits nothing.
    broken = tmp_path / "broken"
    (broken / "articles").mkdir(parents=True)
    (broken / "articles" / "bad.md").write_text(
        "Title: Bad\nDate: 2026-13-45\n\nBody.\n", encoding="utf-8"
    )
    failed = invoke(*arguments, "--push", "--content-dir", str(broken))
    assert failed.exit_code == 1
    last = failed.output.strip().splitlines()[-1]
    assert last.startswith("Error: gh-pages: not published, nothing committed: build failed: ")
    assert last.endswith("articles/bad.md: '2026-13-45' is not a valid date")
    assert git("rev-parse", "gh-pages", cwd=repo) == committed
    assert git("branch", "--list", cwd=remote) == ""

    pushed = invoke(*arguments, "--push", *content)
    assert pushed.exit_code == 0, pushed.output
    assert "and pushed it to origin" in pushed.output
    assert git("rev-parse", "gh-pages", cwd=remote) == git("rev-parse", "gh-pages", cwd=repo)
    assert git("rev-parse", "gh-pages^", cwd=repo) == committed
