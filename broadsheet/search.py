"""The site's search index: Pagefind over a built site's article pages, one bundle a year.

Pagefind (PyPI `pagefind-bin`, which ships the binary; nothing is downloaded) reads the
article pages of the output folder (the files ARTICLE_SAVE_AS can name: `article_glob`;
tag, archive, digest and draft pages are never read) and indexes only what the theme marks
`data-pagefind-body` (article bodies). Reading only the article pages costs Pagefind a
quarter less time and memory on a large site than reading every page (docs/PERFORMANCE.md).

Sharded. Pagefind has no incremental mode, and one run over every article takes time and
memory that grow with the site (~17 s and 1.9 GB at 10,000 articles). So the index is
split by the article pages' first folder, the year ("2024/03/…"): one Pagefind run per
year, one after another (never side by side: memory), each writing a whole bundle into
`<output>/pagefind/<year>/`. The newest year's newest month, where new stories land, is a
bundle of its own (`<year>-<month>`, when the year has other months: `split_newest`), so
that adding a story re-runs Pagefind over one month's pages, not a year's; the rest of
that year is the year's bundle. `pagefind/shards.json` lists the bundles, newest first, and
`pagefind/pagefind-ui.js` and `.css` are the UI's files (the same in every bundle). The
Search page (theme/static/js/search.js) opens the first bundle and merges the others into
it (Pagefind's `mergeIndex`): one search box, results from every year. Article pages that
are not in folders (an ARTICLE_SAVE_AS of "{slug}.html") make one bundle, `all`. A run
that meets no `data-pagefind-body` at all indexes whole pages, so a year none of whose
pages carries it (only withdrawn notices, say) gets no bundle when other years' pages do,
exactly as one run over every year would have skipped its pages.

Cached. With the build caches on (`buildcache.cache_folder(settings, "search")`), every
bundle's files are kept (`FileStore`, each file by the digest of its bytes), listed
(`Memo`) under a key of all that its Pagefind run reads and is told: Pagefind's version,
the options, and the relative path of every page of the year with a digest of the part
of it the index can depend on (`indexed_part`: the page up to the end of its body, or all
of it when anything Pagefind reads comes later). That digest is kept (`Memo` "pages") with
the page file's inode, size and modification time: the render cache links an unchanged
page's kept file into the output, so a page whose file is the one read before is not read
and parsed again (a file written since has a later modification time, a copy another
inode). A year whose key is the last build's has its
bundle linked back in place of a Pagefind run, so adding an article re-runs Pagefind for
its year only, even though the related stories listed after the bodies of other years'
articles move with it. A year that is gone leaves with the build (its bundle is no longer
asked for); a kept file changed since is not used. Without the caches nothing is read or
kept and every year is indexed. Either way the index is written afresh (`pagefind/` is
emptied first), the same bytes as a cold build's.

`start_index` does all of it beside the build (stages numbered as in `_index`), so the
build goes on writing the other pages; `finish_index` waits for it. A thread of the build's
process starts it and waits, and the work itself runs in a Python process of its own
(``python -m broadsheet.search``, `_worker_main`): reading thousands of pages and linking
tens of thousands of kept files, a thread would take Python's lock back after every file
while the build's own thread renders pages, and the two would wait for each other (about
a second of a 10,000-article rebuild). The worker gets its settings and the Pagefind
binary as one JSON argument and prints its SearchIndex as JSON; stopped (SIGTERM), it
ends its Pagefind run and exits. ``start_index(..., apart=False)`` keeps the work in the
thread.
"""

from __future__ import annotations

import contextlib
import fnmatch
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO

from broadsheet.buildcache import FileStore, Memo, place
from broadsheet.errors import BuildError

SEARCH_FOLDER = "pagefind"  # in the output folder; theme/templates/search.html loads it
SHARDS_FILE = "shards.json"  # in SEARCH_FOLDER: the bundles' folder names, newest first
UI_FILES = ("pagefind-ui.js", "pagefind-ui.css")  # copied into SEARCH_FOLDER from a bundle
UNFOLDERED = "all"  # the one bundle's name when the article pages are not in folders
MEMO_NAME = "bundles"  # the Memo in the search cache folder: key -> (file name, digest)s
PAGES_MEMO = "pages"  # page -> (its file's identity, what read_page read of it)
TIMEOUT_SECONDS = 600  # for each Pagefind run
# A start tag carrying Pagefind's body mark, matched at its "<" in a lower-cased page
# (text can hold the words only escaped: `&lt;div …`).
BODY_MARK = b"data-pagefind-body"
BODY_TAG = re.compile(rb"<([a-z][a-z0-9-]*)[^<>]*\sdata-pagefind-body[\s=/>]")
# What Pagefind reads anywhere in a page, body or not: its attributes (metadata, filters,
# sorts, another body), the first h1 (the default title) and the img after it (image).
READ_ANYWHERE = (b"data-pagefind-", re.compile(rb"<(?:h1|img)[\s/>]"))
# What would hide a tag from a count of a body's tags: a comment, or raw text.
UNCOUNTABLE = re.compile(
    rb"<!--|<!\[cdata\[|<(?:script|style|template|textarea|title|xmp|plaintext|noscript"
    rb"|iframe|noembed|noframes)[\s/>]"
)
GLOB_CHARACTERS = frozenset("*?[]{}!\\")


@dataclass(frozen=True)
class SearchIndex:
    folder: Path  # the output's SEARCH_FOLDER
    pages: int  # pages indexed, all bundles, all languages
    seconds: float  # wall time of the whole step, start_index to its last file
    bundles: tuple[str, ...] = ()  # as shards.json lists them, newest first
    rebuilt: tuple[str, ...] = ()  # the bundles Pagefind made; the others came from the cache
    cpu_seconds: float = 0.0  # the step's thread and the Pagefind runs it waited for


@dataclass(frozen=True)
class Shard:
    """One bundle of the index: the article pages in one first folder of the site (or the
    newest one's newest subfolder, or the rest of it)."""

    name: str  # the folder (a year; year-month), and the bundle's folder in SEARCH_FOLDER
    glob: str | None  # what Pagefind reads of the site (None: its default, every page)
    pages: tuple[str, ...]  # the files that glob matches, relative to the site, sorted


def pagefind_executable() -> Path:
    """The Pagefind binary that the `pagefind-bin` package installed."""
    try:
        import pagefind_bin
    except ImportError as error:
        raise BuildError(
            "search index failed: the pagefind-bin package is not installed "
            "(pip install -e . installs it; or set SEARCH_INDEX = False)"
        ) from error
    try:
        return pagefind_bin.get_executable()
    except FileNotFoundError as error:
        raise BuildError(f"search index failed: {error}") from error


def pagefind_version(executable: Path) -> str:
    """What `pagefind --version` prints ("pagefind 1.5.2"); BuildError if it fails."""
    try:
        finished = subprocess.run(
            [str(executable), "--version"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise BuildError(f"search index failed: {error}") from error
    if finished.returncode:
        raise BuildError(_failure(finished.returncode, finished.stdout + finished.stderr))
    return finished.stdout.strip()


def article_glob(save_as: str | None) -> str | None:
    """The Pagefind glob of the files an ARTICLE_SAVE_AS pattern names, each {field} a
    `*` within one folder: "{date:%Y}/{date:%m}/{slug}.html" -> "*/*/*.html". None (every
    page) for a pattern with nothing but fields in its file name's stem, or none at all."""
    if not save_as or not save_as.endswith(".html"):
        return None
    pattern = re.sub(r"\{[^{}]*\}", "*", save_as.replace("\\", "/"))
    pattern = re.sub(r"\*+", "*", pattern)
    return None if pattern in ("*.html", "") else pattern


# The pages Pelican's ArticlesGenerator writes after its articles and period archives
# (tag, category, author and draft pages and the tags/categories/authors indexes; the
# direct templates, the home page among them, are added from DIRECT_TEMPLATES).
LATER_ARTICLE_PAGES = (
    "TAG_SAVE_AS",
    "CATEGORY_SAVE_AS",
    "AUTHOR_SAVE_AS",
    "DRAFT_SAVE_AS",
    "DRAFT_LANG_SAVE_AS",
    "TAGS_SAVE_AS",
    "CATEGORIES_SAVE_AS",
    "AUTHORS_SAVE_AS",
)


def ready_before_listings(glob: str | None, settings: dict) -> bool:
    """Whether the index can start as soon as the article and period-archive pages are
    written: no page the ArticlesGenerator writes after them (the direct templates such
    as the home page, the tag, category, author and draft pages, each with its numbered
    pages) can be a file `glob` matches. False when unsure (no glob, pagination
    patterns other than Pelican's default, which keeps a page's numbered pages beside
    it; a field whose format could hold a folder separator)."""
    from pelican.settings import DEFAULT_CONFIG

    if glob is None or "**" in glob:
        return False
    patterns = settings.get("PAGINATION_PATTERNS", DEFAULT_CONFIG["PAGINATION_PATTERNS"])
    if list(map(tuple, patterns)) != list(map(tuple, DEFAULT_CONFIG["PAGINATION_PATTERNS"])):
        return False
    later = [settings.get(name) for name in LATER_ARTICLE_PAGES]
    for template in settings.get("DIRECT_TEMPLATES", ()):
        later.append(settings.get(f"{template.upper()}_SAVE_AS", f"{template}.html"))
    return not any(_may_name_a_match(glob, save_as) for save_as in later if save_as)


def _may_name_a_match(glob: str, save_as: str) -> bool:
    """Whether a file saved under the SAVE_AS pattern could be one that `glob` matches."""
    if any("/" in field or "\\" in field for field in re.findall(r"\{[^{}]*\}", save_as)):
        return True
    theirs = re.sub(r"\{[^{}]*\}", "*", save_as.replace("\\", "/")).split("/")
    ours = glob.split("/")
    if len(theirs) != len(ours):  # * never crosses a folder
        return False
    return all(_segments_may_meet(mine, other) for mine, other in zip(ours, theirs, strict=True))


def _segments_may_meet(one: str, other: str) -> bool:
    """Whether some folder or file name matches both glob segments (unsure: True)."""
    if not GLOB_CHARACTERS.intersection(one):
        return fnmatch.fnmatchcase(one, other)
    if not GLOB_CHARACTERS.intersection(other):
        return fnmatch.fnmatchcase(other, one)
    return True


def plan_shards(output: Path, glob: str | None) -> list[Shard]:
    """The index's bundles: the files `glob` matches in `output` grouped by their first
    folder, the greatest name (the newest year) first; one bundle, UNFOLDERED, for a glob
    that names no folder. BuildError for a folder name that Pagefind would read as a glob."""
    _, _, rest = (glob or "").partition("/")
    if not rest:
        pages = _matching(output, glob or "**/*.html")
        return [Shard(UNFOLDERED, glob, pages)] if pages else []
    folders: dict[str, list[str]] = {}
    for page in _matching(output, glob):
        folders.setdefault(page.split("/", 1)[0], []).append(page)
    shards = []
    for name in sorted(folders, reverse=True):
        if GLOB_CHARACTERS.intersection(name):
            raise BuildError(
                f"search index failed: {output / name}: a folder name with glob characters"
            )
        shards.append(Shard(name, f"{name}/{rest}", tuple(folders[name])))
    if shards:
        shards[:1] = split_newest(shards[0], rest, set(folders))
    return shards


def split_newest(shard: Shard, rest: str, taken: set[str]) -> list[Shard]:
    """The newest year's bundle as two, when its pages sit in more than one subfolder (a
    month: "2025/03/…"): the newest subfolder's pages ("2025-03", first) and the rest
    ("2025", the others named in the glob: "2025/{01,02}/*.html"). Unsplit when the
    glob has no subfolder level, or a subfolder's name could not stand in a glob's list."""
    _, _, tail = rest.partition("/")
    if not tail:
        return [shard]
    subfolders: dict[str, list[str]] = {}
    for page in shard.pages:
        subfolders.setdefault(page.split("/")[1], []).append(page)
    newest = max(subfolders)
    name = f"{shard.name}-{newest}"
    if len(subfolders) < 2 or name in taken:
        return [shard]
    if any(GLOB_CHARACTERS.intersection(sub) or "," in sub for sub in subfolders):
        return [shard]
    others = sorted(sub for sub in subfolders if sub != newest)
    listed = others[0] if len(others) == 1 else "{" + ",".join(others) + "}"
    return [
        Shard(name, f"{shard.name}/{newest}/{tail}", tuple(subfolders[newest])),
        Shard(
            shard.name,
            f"{shard.name}/{listed}/{tail}",
            tuple(page for sub in others for page in subfolders[sub]),
        ),
    ]


def _matching(output: Path, glob: str) -> tuple[str, ...]:
    found = (path for path in output.glob(glob) if path.is_file())
    return tuple(sorted(path.relative_to(output).as_posix() for path in found))


def pagefind_options(shard: Shard, language: str | None) -> list[str]:
    """The command-line options of the shard's Pagefind run, other than the site's path."""
    options = ["--output-subdir", f"{SEARCH_FOLDER}/{shard.name}"]
    if shard.glob:
        options += ["--glob", shard.glob]
    if language:
        options += ["--force-language", language]
    return options


def body_tags(lowered: bytes) -> list[re.Match]:
    """The start tags with Pagefind's body mark in a lower-cased page."""
    found = []
    at = lowered.find(BODY_MARK)
    while at != -1:
        tag = BODY_TAG.match(lowered, lowered.rfind(b"<", 0, at))
        if tag is not None and tag.end() > at:
            found.append(tag)
        at = lowered.find(BODY_MARK, at + len(BODY_MARK))
    return found


def indexed_part(page: bytes) -> bytes:
    """The part of a page that Pagefind's index of it can depend on: the page up to the
    end of its last `data-pagefind-body` element, and the rest as well when the rest holds
    anything Pagefind reads anywhere (READ_ANYWHERE). The whole page when it has no body
    element, or one whose end a count of its tags cannot find for certain (UNCOUNTABLE).

    What follows an article's body (its tags, related stories, the footer) changes when
    other articles are added: the related stories of some hundred articles of every year
    move with each one (their scores shift), and their year's index with them if the key
    held the whole page."""
    lowered = page.lower()
    end = 0
    for tag in body_tags(lowered):
        closed = _element_end(lowered, tag)
        if closed is None:
            return page
        end = max(end, closed)
    attribute, tag = READ_ANYWHERE
    if not end or lowered.find(attribute, end) != -1 or tag.search(lowered, end):
        return page
    return page[:end]


def _element_end(lowered: bytes, start: re.Match) -> int | None:
    """Where the element whose start tag is `start` ends; None if unsure."""
    tags = re.compile(rb"<(/?)" + re.escape(start.group(1)) + rb"(?=[\s/>])[^>]*>")
    depth = 1
    for tag in tags.finditer(lowered, start.end()):
        depth += -1 if tag.group(1) else 1
        if depth == 0:
            return None if UNCOUNTABLE.search(lowered, start.end(), tag.start()) else tag.end()
    return None


def read_shard(
    output: Path, shard: Shard, salt: str | None, pages: Memo | None = None
) -> tuple[str | None, bool]:
    """The shard's cache key and whether any of its pages has the body mark.

    The key hashes `salt` (what Pagefind is and is told) with the relative path and a
    digest of the `indexed_part` of every page; without a salt there is no key, and
    reading stops at the first page that carries the mark. With `pages` (a Memo kept
    between builds), what a page's reading gave is kept under its path with the file's
    identity (inode, size and modification time): an unchanged page (the render cache
    links the file it kept, so it is the same file) is not read again."""
    digest = None if salt is None else hashlib.blake2b(salt.encode(), digest_size=16)
    marked = False
    for page in shard.pages:
        if marked and digest is None:
            break
        if digest is None:
            data = (output / page).read_bytes()
            marked = marked or BODY_MARK in data.lower()
            continue
        page_marked, length, part_digest = read_page(output / page, page, pages)
        marked = marked or page_marked
        digest.update(f"\x1e{page}\x1f{length}\x1f".encode("utf-8", "surrogateescape"))
        digest.update(part_digest)
    return (None if digest is None else digest.hexdigest()), marked


def read_page(path: Path, page: str, pages: Memo | None) -> tuple[bool, int, bytes]:
    """Whether the page mentions the body mark, and its indexed part's length and digest:
    from `pages` when the file is the one read before, else read now (and kept)."""
    identity = None
    if pages is not None and pages.enabled:
        status = path.stat()
        identity = (status.st_ino, status.st_size, status.st_mtime_ns)
        found = pages.get(page)
        if found is not None and found[0] == identity:
            return found[1]
    data = path.read_bytes()
    part = indexed_part(data)
    # Any mention of the mark counts: better a year indexed than one left out.
    read = (BODY_MARK in data.lower(), len(part), hashlib.blake2b(part, digest_size=16).digest())
    if identity is not None:
        pages.put(page, (identity, read))
    return read


def index_site(
    output: Path, language: str | None = None, glob: str | None = None, cache: Path | None = None
) -> SearchIndex:
    """Index the built site in `output`, a bundle per year; BuildError (one line) if it fails.

    With `language` (the site's DEFAULT_LANG), every page joins one index in that
    language: Pagefind would otherwise split the index by each page's `lang`, and the
    search page would find only the articles in its own language. With `glob`
    (`article_glob`), Pagefind reads only the files it matches. With `cache`
    (`buildcache.cache_folder(settings, "search")`), unchanged years are not indexed again."""
    return finish_index(start_index(output, language, glob, cache))


class _Stopped(BuildError):
    """The build stopped the index (it failed elsewhere)."""


@dataclass
class _Run:
    """A Pagefind run under way: one shard's bundle."""

    shard: Shard
    key: str | None  # its cache key (None: no cache)
    process: subprocess.Popen
    log: IO[bytes]  # what it prints: a file, where a pipe left unread could fill up
    started: float


class RunningIndex:
    """The index `start_index` is making, from a thread of its own (in a worker process
    when `apart`): `finish_index` waits for it, `stop` ends it without an index."""

    def __init__(
        self,
        output: Path,
        language: str | None,
        glob: str | None,
        cache: Path | None,
        apart: bool = False,
        executable: Path | None = None,
    ) -> None:
        self.output = output
        self.language = language
        self.glob = glob
        self.cache = cache
        self.apart = apart
        self.executable = executable  # None: pagefind_executable(), when it is needed
        self._worker: subprocess.Popen | None = None
        self.started = time.perf_counter()
        self.seconds = 0.0
        self.cpu_seconds = 0.0
        self.index: SearchIndex | None = None
        self.error: BaseException | None = None
        self._stopping = threading.Event()
        self._lock = threading.Lock()  # between starting a Pagefind run and stop()
        self._run: _Run | None = None
        self._thread = threading.Thread(target=self._work, name="search-index", daemon=True)
        self._thread.start()

    @property
    def folder(self) -> Path:
        return self.output / SEARCH_FOLDER

    def wait(self) -> None:
        self._thread.join()

    def stop(self) -> None:
        """End the index without one (the build failed): the Pagefind run under way is
        killed, no other starts, and what the step wrote is removed."""
        self._stopping.set()
        self._kill()
        self._thread.join()
        _remove(self.folder)

    def _work(self) -> None:
        cpu = time.thread_time()
        try:
            self.index = self._index_apart() if self.apart else self._index()
        except OSError as error:
            self.error = BuildError(f"search index failed: {error}")
            self.error.__cause__ = error
        except BaseException as error:  # raised again by finish_index, in the build's thread
            self.error = error
        finally:
            self._kill()  # a run still under way when something else failed
            self.seconds = time.perf_counter() - self.started
            self.cpu_seconds += time.thread_time() - cpu  # and each run's (_finish)

    def _index(self) -> SearchIndex:
        """1. empty pagefind/; 2. group the pages into shards; 3. read each shard in turn
        (its key, its marks) and 4. link its kept bundle into place, or queue it for
        Pagefind, whose runs go one at a time while the next shards are read; 5. write
        shards.json and the UI's files, and save the cache."""
        # 1.
        _remove(self.folder)
        # 2.
        shards = plan_shards(self.output, self.glob)
        if not shards:
            raise BuildError(
                f"search index failed: no pages to index in {self.output}"
                + (f" (none match {self.glob})" if self.glob else "")
            )
        executable = self.executable or pagefind_executable()
        store, memo = FileStore(self.cache), Memo(self.cache, MEMO_NAME)
        page_memo = Memo(self.cache, PAGES_MEMO)
        version = pagefind_version(executable) if store.enabled else None
        queue: deque[tuple[Shard, str | None]] = deque()
        rebuilt: list[str] = []
        marked, unmarked = [], []
        for shard in shards:
            self._check()
            # 3.
            salt = None
            if version is not None:
                salt = json.dumps([version, pagefind_options(shard, self.language)])
            key, has_mark = read_shard(self.output, shard, salt, page_memo)
            # 4.
            if has_mark:
                marked.append(shard)
                if key is None or not self._reuse(shard, key, store, memo):
                    queue.append((shard, key))
            else:
                unmarked.append((shard, key))
            self._advance(executable, queue, store, memo, rebuilt, wait=False)
        if not marked:  # no page is marked anywhere: Pagefind indexes whole pages, all shards
            for shard, key in unmarked:
                if key is None or not self._reuse(shard, key, store, memo):
                    queue.append((shard, key))
        while self._run is not None or queue:
            self._advance(executable, queue, store, memo, rebuilt, wait=True)
        # 5.
        bundles = tuple(shard.name for shard in (marked or [shard for shard, _ in unmarked]))
        (self.folder / SHARDS_FILE).write_text(json.dumps(bundles) + "\n", encoding="utf-8")
        for name in UI_FILES:
            shutil.copyfile(self.folder / bundles[0] / name, self.folder / name)
        store.save()  # what this build used of the cache, and what it added
        memo.save()
        page_memo.save()
        pages = indexed_pages(self.folder)
        return SearchIndex(self.folder, pages, 0.0, bundles, tuple(rebuilt))  # times: finish

    def _index_apart(self) -> SearchIndex:
        """`_index` in a worker process (`_worker_main`); its CPU time counts as this
        step's, Pagefind's runs included."""
        arguments = {
            "output": str(self.output),
            "language": self.language,
            "glob": self.glob,
            "cache": None if self.cache is None else str(self.cache),
            "executable": str(self.executable or pagefind_executable()),
        }
        command = [sys.executable, "-m", "broadsheet.search", json.dumps(arguments)]
        environment = dict(os.environ)
        # Where this package is, first: the worker must import this code, not another.
        package_root = str(Path(__file__).resolve().parents[1])
        environment["PYTHONPATH"] = os.pathsep.join(
            [package_root, *filter(None, [environment.get("PYTHONPATH")])]
        )
        with tempfile.TemporaryFile() as answer:
            with self._lock:
                self._check()
                self._worker = subprocess.Popen(
                    command,
                    stdin=subprocess.DEVNULL,
                    stdout=answer,
                    stderr=answer,
                    env=environment,
                )
            try:
                self.cpu_seconds += _reap(self._worker, float("inf"))
            finally:
                with self._lock:
                    worker, self._worker = self._worker, None
            self._check()
            answer.seek(0)
            printed = answer.read().decode("utf-8", "replace")
        return _worker_answer(worker.returncode, printed)

    def _check(self) -> None:
        if self._stopping.is_set():
            raise _Stopped("search index failed: stopped")

    def _reuse(self, shard: Shard, key: str, store: FileStore, memo: Memo) -> bool:
        """Link the bundle kept for `key` into place; False if any of its files is gone."""
        files = memo.get(key)
        if not files:
            return False
        kept = [store.stored(f"{shard.name}/{name}", digest) for name, digest in files]
        if None in kept:
            return False
        bundle = self.folder / shard.name
        for (name, _), stored in zip(files, kept, strict=True):
            place(stored, bundle / name)
        return True

    def _keep(self, shard: Shard, key: str, store: FileStore, memo: Memo) -> None:
        """Keep the bundle Pagefind just made, for `key`: each file by its own digest, so
        a file the store holds already (most of a year's fragments, after one article
        more) stays as it is. Replacing it would delete the old copy, and deleting
        thousands of files costs seconds on some file systems."""
        bundle = self.folder / shard.name
        found = (path for path in bundle.rglob("*") if path.is_file())
        files = []
        for name in sorted(path.relative_to(bundle).as_posix() for path in found):
            path = bundle / name
            digest = hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest()
            if store.stored(f"{shard.name}/{name}", digest) is None:
                store.keep(f"{shard.name}/{name}", digest, path)
            files.append((name, digest))
        memo.put(key, tuple(files))

    def _advance(
        self,
        executable: Path,
        queue: deque[tuple[Shard, str | None]],
        store: FileStore,
        memo: Memo,
        rebuilt: list[str],
        wait: bool,
    ) -> None:
        """Finish the Pagefind run under way if it has ended (or, with `wait`, when it
        does), then start the next one queued: one run at a time."""
        run = self._run
        if run is not None:
            if not wait and run.process.poll() is None:
                return
            self._finish(run)
            with self._lock:
                self._run = None
            rebuilt.append(run.shard.name)
            if run.key is not None:
                self._keep(run.shard, run.key, store, memo)
        if queue:
            self._start(executable, *queue.popleft())

    def _start(self, executable: Path, shard: Shard, key: str | None) -> None:
        command = [str(executable), "--site", str(self.output)]
        command += pagefind_options(shard, self.language)
        log = tempfile.TemporaryFile()  # noqa: SIM115 (open while the run is: _finish, _kill)
        with self._lock:
            try:
                self._check()
                # cwd=output: Pagefind reads a pagefind.yml/.toml/.json from its working
                # folder, and only the project's settings may steer the build.
                process = subprocess.Popen(
                    command, cwd=self.output, stdin=subprocess.DEVNULL, stdout=log, stderr=log
                )
            except BaseException:
                log.close()
                raise
            self._run = _Run(shard, key, process, log, time.perf_counter())

    def _finish(self, run: _Run) -> None:
        """Wait for a run; BuildError (one line) if it failed."""
        left = TIMEOUT_SECONDS - (time.perf_counter() - run.started)
        try:
            self.cpu_seconds += _reap(run.process, max(left, 0))
        except subprocess.TimeoutExpired as error:
            raise BuildError(f"search index failed: {error}") from error
        self._check()
        if run.process.returncode:
            run.log.seek(0)
            printed = run.log.read().decode("utf-8", "replace")
            raise BuildError(_failure(run.process.returncode, printed))
        run.log.close()

    def _kill(self) -> None:
        """End the Pagefind run under way, if any (the worker, which ends its own)."""
        with self._lock:
            run, self._run = self._run, None
            worker = self._worker
        if worker is not None and worker.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                worker.terminate()  # the worker's SIGTERM handler ends its Pagefind run
        if run is not None:
            if run.process.poll() is None:
                run.process.kill()
            run.process.wait()
            run.log.close()


def start_index(
    output: Path,
    language: str | None = None,
    glob: str | None = None,
    cache: Path | None = None,
    apart: bool = True,
) -> RunningIndex:
    """Start indexing `output` in the background (as `index_site` does); the build goes on
    writing other pages meanwhile, and with `apart` the work runs in a worker process.
    Whatever fails is raised by `finish_index`."""
    return RunningIndex(output.resolve(), language, glob, cache, apart=apart)


def finish_index(running: RunningIndex) -> SearchIndex:
    """Wait for the index; its SearchIndex, or BuildError (one line) if it failed, and then
    no index is left."""
    running.wait()
    if running.error is not None or running.index is None:
        _remove(running.folder)
        raise running.error or BuildError("search index failed: no index")
    return replace(running.index, seconds=running.seconds, cpu_seconds=running.cpu_seconds)


def indexed_pages(folder: Path) -> int:
    """How many pages the index in `folder` holds: the page counts of the bundles its
    shards.json lists, from each one's pagefind-entry.json."""
    try:
        bundles = json.loads((folder / SHARDS_FILE).read_text(encoding="utf-8"))
        total = 0
        for name in bundles:
            entry = json.loads((folder / name / "pagefind-entry.json").read_text(encoding="utf-8"))
            total += sum(language["page_count"] for language in entry["languages"].values())
        return total
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise BuildError(f"search index failed: no readable index in {folder}: {error}") from error


def _worker_answer(returncode: int, printed: str) -> SearchIndex:
    """The SearchIndex a worker printed; BuildError (one line) for its error or a crash."""
    lines = printed.strip().splitlines()
    answer = None
    for line in reversed(lines):  # its answer, the last JSON line (anything may follow)
        try:
            answer = json.loads(line)
        except ValueError:
            continue
        if isinstance(answer, dict):
            break
        answer = None
    if isinstance(answer, dict) and isinstance(answer.get("error"), str):
        raise BuildError(answer["error"])
    if returncode == 0 and isinstance(answer, dict) and isinstance(answer.get("index"), dict):
        found = answer["index"]
        return SearchIndex(
            Path(found["folder"]),
            int(found["pages"]),
            0.0,
            tuple(found["bundles"]),
            tuple(found["rebuilt"]),
        )
    last = lines[-1] if lines else "no output"
    raise BuildError(f"search index failed: its worker exited with {returncode}: {last}")


def _worker_main(argv: list[str]) -> int:
    """``python -m broadsheet.search ARGUMENTS``: `_index` here, its SearchIndex (or its
    one-line error) printed as JSON on the last line. SIGTERM stops it: its Pagefind run
    ends, what it wrote is removed, and it exits with 1."""
    arguments = json.loads(argv[0])
    running = RunningIndex(
        Path(arguments["output"]),
        arguments["language"],
        arguments["glob"],
        None if arguments["cache"] is None else Path(arguments["cache"]),
        executable=Path(arguments["executable"]),
    )

    def stop(_signal, _frame) -> None:
        running.stop()
        print(json.dumps({"error": "search index failed: stopped"}), flush=True)
        os._exit(1)

    signal.signal(signal.SIGTERM, stop)
    try:
        index = finish_index(running)
    except BuildError as error:
        print(json.dumps({"error": str(error)}), flush=True)
        return 1
    found = {
        "folder": str(index.folder),
        "pages": index.pages,
        "bundles": list(index.bundles),
        "rebuilt": list(index.rebuilt),
    }
    print(json.dumps({"index": found}), flush=True)
    return 0


def _failure(returncode: int, printed: str) -> str:
    """A failed Pagefind run as one line: its exit status and first error line."""
    lines = [line.strip() for line in printed.splitlines()]
    lines = [line for line in lines if line]
    detail = next((line for line in lines if "error" in line.lower()), None)
    detail = detail or (lines[-1] if lines else "no output")
    return f"search index failed: pagefind exit {returncode}: {detail}"


def _remove(folder: Path) -> None:
    """Remove `folder` and everything in it, if it is there."""
    if folder.is_symlink() or folder.is_file():
        folder.unlink()
    elif folder.is_dir():
        shutil.rmtree(folder)


def _reap(process: subprocess.Popen, timeout: float) -> float:
    """Wait for the process (TimeoutExpired after `timeout` seconds); its CPU seconds.

    Its own, from ``wait4``: the build's other children (forked writers) may be reaped
    meanwhile, so the difference in ``os.times()`` would count theirs too."""
    if not hasattr(os, "wait4"):
        process.wait(timeout=timeout)
        return 0.0
    deadline = time.perf_counter() + timeout
    pause = 0.001
    while True:
        try:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        except ChildProcessError:  # reaped by _kill meanwhile, in the build's thread
            process.wait()
            return 0.0
        if pid:
            process.returncode = os.waitstatus_to_exitcode(status)
            return usage.ru_utime + usage.ru_stime
        if time.perf_counter() > deadline:
            raise subprocess.TimeoutExpired(process.args, timeout)
        time.sleep(pause)
        pause = min(pause * 2, 0.05)


if __name__ == "__main__":
    sys.exit(_worker_main(sys.argv[1:]))
