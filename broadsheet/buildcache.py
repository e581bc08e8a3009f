"""What a build keeps for the next one: the shared parts of Broadsheet's build caches.

A build keeps anything only when Pelican's content cache is on (``CACHE_CONTENT`` and
``LOAD_CONTENT_CACHE``, which publishconf.py sets when ``BROADSHEET_CONTENT_CACHE`` names
a folder, as the publish workflow does). Every cache then lives in a folder of its own
under ``CACHE_PATH``, so the one folder the workflow keeps between runs holds them all.
Without the content cache every build is cold and nothing here is written.

Two kinds of store:

- ``Memo``: a pickled dict from a key (a content hash, say) to a computed value, for work
  done per article (its reading for the tagger, its vector for related stories). A build
  marks what it used; ``save`` keeps only that, so deleted articles leave with the next
  build and the file does not grow for ever.
- ``FileStore``: finished output files (a rendered page, a feed) by their path in the
  output folder, each with the key of everything that went into it. When this build's
  key for a path is the stored one, the stored file is linked (else copied) into the
  output instead of being made again. Each entry records its size and modification time
  when stored: a file changed since (by anything writing into the output in place)
  is not reused.

Every key includes ``code_version()``: a hash of Broadsheet's own code, its theme, its
settings files and the versions of the packages that render. Any change to those starts
every cache afresh (the workflow's cache key already follows the same files).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
import pickle
import shutil
import string
from collections.abc import Hashable, Mapping, Sequence
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from broadsheet.forked import share_out

REPO = Path(__file__).resolve().parents[1]
CODE_GLOBS = ("broadsheet/*.py", "plugins/*/*.py", "theme/templates/*", "*conf.py")
PACKAGES = ("pelican", "jinja2", "markupsafe", "markdown", "feedgen", "lxml", "beautifulsoup4")
PICKLE_PROTOCOL = pickle.HIGHEST_PROTOCOL
MIN_SHARED_PRINTS = 2000  # fewer contents than this: fingerprinted here alone (shallow_all)


def cache_folder(settings: Mapping, name: str) -> Path | None:
    """``CACHE_PATH/<name>`` when the build keeps caches, else None (a cold build)."""
    if not (settings.get("CACHE_CONTENT") and settings.get("LOAD_CONTENT_CACHE")):
        return None
    return Path(settings["CACHE_PATH"]) / name


@cache
def code_version() -> str:
    """A hash of the code, theme and settings files and the rendering packages' versions."""
    digest = hashlib.sha256()
    for pattern in CODE_GLOBS:
        for path in sorted(REPO.glob(pattern)):
            digest.update(str(path.relative_to(REPO)).encode())
            digest.update(path.read_bytes())
    for package in PACKAGES:
        try:
            digest.update(f"{package}={metadata.version(package)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{package}=none".encode())
    return digest.hexdigest()


# What the build caches gave the running build, by kind of output ("pages", "feeds"):
# (reused, made) as each cache reports it when it is done; ``tasks.py build`` prints it.
REUSE: dict[str, tuple[int, int]] = {}


def count_reuse(kind: str, reused: int, made: int) -> None:
    """Add to the running build's count of `kind` files linked from a cache and made."""
    before = REUSE.get(kind, (0, 0))
    REUSE[kind] = (before[0] + reused, before[1] + made)


def take_reuse() -> dict[str, tuple[int, int]]:
    """The counts since the last call (the start of the build), and start afresh."""
    counts = dict(REUSE)
    REUSE.clear()
    return counts


def digest_of(*parts: Any) -> str:
    """A short stable hash of strings, bytes and (by repr) anything else."""
    digest = hashlib.blake2b(digest_size=16)
    for part in parts:
        if isinstance(part, bytes):
            digest.update(part)
        elif isinstance(part, str):
            digest.update(part.encode("utf-8", "surrogatepass"))
        else:
            digest.update(repr(part).encode("utf-8", "surrogatepass"))
        digest.update(b"\x1f")
    return digest.hexdigest()


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file and a rename: never half-written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def load_kept(path: Path) -> dict:
    """The dict a cache file holds, or an empty one when the file is missing, cannot be
    read (truncated, not a pickle) or was written by another code version."""
    try:
        with path.open("rb") as handle:
            version, kept = pickle.load(handle)
    except (
        OSError,
        EOFError,
        pickle.UnpicklingError,
        ValueError,
        TypeError,
        AttributeError,
        ImportError,
    ):
        return {}
    return kept if version == code_version() and isinstance(kept, dict) else {}


def place(stored: Path | str, target: Path) -> None:
    """Put a file at `target` (replacing whatever is there): a hard link, or a copy where
    the two folders are on different file systems.

    Tried first as one link, which is what a build emptied beforehand needs (tens of
    thousands of pages, fragments and feeds); then with its folder made and whatever
    was at `target` removed."""
    try:
        os.link(stored, target)
        return
    except OSError:
        pass
    target.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileNotFoundError):
        target.unlink()
    try:
        os.link(stored, target)
    except OSError:
        shutil.copyfile(stored, target)


class Memo:
    """A dict kept between builds in one pickle file, pruned to what the last build used.

    The file is read whole at ``load`` and written whole at ``save``; a file that cannot
    be read (missing, truncated, from another code version) is an empty memo."""

    def __init__(self, folder: Path | None, name: str) -> None:
        self.path = folder / f"{name}.pickle" if folder else None
        self.entries: dict[Hashable, Any] = {}
        self.used: set[Hashable] = set()
        self.changed = False
        if self.path:
            self.entries = load_kept(self.path)

    @property
    def enabled(self) -> bool:
        return self.path is not None

    def get(self, key: Hashable, default: Any = None) -> Any:
        if key in self.entries:
            self.used.add(key)
            return self.entries[key]
        return default

    def __contains__(self, key: Hashable) -> bool:
        return key in self.entries

    def put(self, key: Hashable, value: Any) -> None:
        self.entries[key] = value
        self.used.add(key)
        self.changed = True

    def save(self) -> None:
        """Keep what this build used, and write the file if anything changed."""
        if self.path is None:
            return
        if set(self.entries) != self.used:
            self.entries = {key: self.entries[key] for key in self.used if key in self.entries}
            self.changed = True
        if self.changed or not self.path.is_file():
            data = pickle.dumps((code_version(), self.entries), protocol=PICKLE_PROTOCOL)
            write_atomically(self.path, data)
            self.changed = False


class FileStore:
    """Finished output files kept between builds, by their path in the output folder.

    ``reuse(name, key, target)`` puts the stored file at `target` when its key is `key`
    (and it is intact) and says whether it did; ``keep(name, key, source)`` stores the
    file this build just wrote. ``save`` drops the files this build did not ask for and
    writes the index."""

    INDEX = "index.pickle"

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.files = folder / "files" if folder else None
        self.index: dict[str, tuple[str, int, int]] = {}  # name -> (key, size, mtime_ns)
        self.used: set[str] = set()
        self.reused = 0
        self.kept = 0
        if folder:
            self.index = load_kept(folder / self.INDEX)
        # Files no index lists (from another code version, or a build that failed before
        # its index was written) are swept out at `save`.
        self.sweep = bool(folder) and not self.index and self.files.is_dir()

    @property
    def enabled(self) -> bool:
        return self.folder is not None

    def reuse(self, name: str, key: str, target: Path) -> bool:
        """Put the stored `name` at `target` if it was made from `key`; True if done."""
        stored = self.stored(name, key)
        if stored is None:
            return False
        place(stored, target)
        return True

    def stored(self, name: str, key: str) -> str | None:
        """The path of the stored file `name` if it was made from `key` and is intact,
        else None. (A string: asked for every page and feed of a build, a Path's making
        cost more than the look-up.)"""
        if self.files is None:
            return None
        self.used.add(name)
        entry = self.index.get(name)
        if entry is None or entry[0] != key:
            return None
        stored = os.path.join(self.files, name)
        try:
            status = os.stat(stored)
        except OSError:
            return None
        if (status.st_size, status.st_mtime_ns) != entry[1:]:
            return None  # changed since it was stored: make it again
        self.reused += 1
        return stored

    def keep(self, name: str, key: str, source: Path) -> None:
        """Store the file this build wrote at `source` as `name`, made from `key`."""
        if self.files is None:
            return
        self.used.add(name)
        stored = self.files / name
        place(source, stored)
        status = stored.stat()
        self.index[name] = (key, status.st_size, status.st_mtime_ns)
        self.kept += 1

    def save(self) -> None:
        """Drop what this build did not ask for; write the index."""
        if self.folder is None:
            return
        for name in set(self.index) - self.used:
            del self.index[name]
            with contextlib.suppress(FileNotFoundError):
                (self.files / name).unlink()
        if self.sweep:
            for path in [p for p in self.files.rglob("*") if not p.is_dir()]:
                if path.relative_to(self.files).as_posix() not in self.index:
                    path.unlink()
        data = pickle.dumps((code_version(), self.index), protocol=PICKLE_PROTOCOL)
        write_atomically(self.folder / self.INDEX, data)


# --- fingerprints of Pelican's contents -------------------------------------------------

# Attributes that are not the content's own: the build's whole context and settings
# (settings are in every page key once, through the caller's site key), and memos of
# what the rest already decides (plugins/build_speed's url and save_as, filled in as
# pages ask for them: in another order when another process wrote the pages).
NOT_OWN = frozenset({"_context", "settings", "_summary_cache", "_build_speed_urls"})


class Fingerprints:
    """Stable hashes of Pelican contents (articles, pages, digests), made once per build.

    ``of(content)`` covers every attribute the content carries (its text, metadata, URL,
    tags, category, and what plugins set: related stories, digests, source page…), with
    each content it refers to (a related story, a digest) by that content's ``shallow``
    hash. ``shallow(content)`` is the same over its own attributes, with contents it
    refers to by their source path and URL only, and without ``shallow_skip`` (by
    default its related stories, which no page shows beside another story).

    Values are taken apart by type (dates by ISO form, tags by name and URL, functions
    and classes by name, dataclasses, mappings and sequences element by element);
    a dataclass met again inside itself as a mark (its fields are in the hash already);
    anything else by type and ``repr``, which for
    an object without its own ``repr`` includes its address, so such a value never
    matches and its page is always made again: a miss, never a stale page."""

    def __init__(self, shallow_skip: frozenset[str] = frozenset({"related_stories"})) -> None:
        self.shallow_skip = shallow_skip
        self._of: dict[int, str] = {}
        self._shallow: dict[int, tuple[str, list]] = {}  # id -> (hash, contents it names)
        self._keep: list = []  # the contents hashed, so their ids stay theirs
        self._active: set[int] = set()  # the dataclasses being taken apart
        self._dataclasses: dict[tuple[int, bool], tuple[Any, list]] = {}  # see _dataclass
        self._terms: dict[tuple, tuple] = {}  # see _term
        self._named_prints: dict[int, list[str]] = {}  # see shallow_all

    def of(self, content) -> str:
        """The content's own hash with every content it refers to by their ``shallow``."""
        found = self._of.get(id(content))
        if found is None:
            own, named = self._own(content)
            skipped = [
                (name, self.value(value))
                for name, value in sorted(vars(content).items())
                if name in self.shallow_skip
            ]
            named_prints = self._named_prints.get(id(content))
            if named_prints is None:
                named_prints = [self.shallow(each) for each in named]
            found = digest_of(own, skipped, named_prints)
            self._of[id(content)] = found
        return found

    def shallow_all(self, contents: Sequence, processes: int = 1) -> None:
        """Work out ``shallow`` of each of `contents` ahead, in `processes` at once (this
        one and processes forked from it: ``broadsheet.forked.share_out``), with the
        ``shallow`` of every content each refers to, which ``of`` needs. The hashes are
        the same whichever process made them: forked, a process holds the same objects
        and the same hash seed."""
        todo = list({id(each): each for each in contents if id(each) not in self._shallow}.values())
        if processes < 2 or len(todo) < MIN_SHARED_PRINTS:
            for each in todo:
                self._own(each)
            return
        here = os.getpid()

        def work(share: list) -> list | None:
            made = [self._own(each) for each in share]
            if os.getpid() == here:
                return None  # this process's share: in its memo already
            return [(own, [self.shallow(each) for each in named]) for own, named in made]

        results = share_out(work, todo, processes)
        for number, result in enumerate(results[1:], start=1):
            share = todo[number :: len(results)]
            for content, (own, named_prints) in zip(share, result, strict=True):
                self._shallow[id(content)] = (own, [])
                self._named_prints[id(content)] = named_prints
                self._keep.append(content)

    def shallow(self, content) -> str:
        """The content's own attributes, the contents it refers to by path and URL."""
        return self._own(content)[0]

    def _own(self, content) -> tuple[str, list]:
        found = self._shallow.get(id(content))
        if found is None:
            named: list = []

            def reference(other) -> tuple:
                named.append(other)
                return self._nested_reference(other)

            digest = hashlib.blake2b(type(content).__name__.encode(), digest_size=16)
            attributes = vars(content)
            for name, value in sorted(attributes.items()):
                if name in NOT_OWN or name in self.shallow_skip:
                    continue
                digest.update(name.encode())
                if isinstance(value, str):  # the body, mostly: hashed as it is
                    digest.update(b"\x1es")
                    digest.update(value.encode("utf-8", "surrogatepass"))
                else:
                    if name == "metadata" and type(value) is dict:
                        plain = self._metadata(value, attributes, reference)
                    else:
                        plain = self.value(value, reference)
                    digest.update(b"\x1ev")
                    digest.update(repr(plain).encode("utf-8", "surrogatepass"))
                digest.update(b"\x1f")
            found = self._shallow[id(content)] = (digest.hexdigest(), named)
            self._keep.append(content)
        return found

    def _metadata(self, metadata: dict, attributes: dict, nested) -> tuple:
        """``value(metadata)``, but each value that is the very object of the attribute
        of the same name (Pelican sets one attribute per metadata key) as a mark: that
        attribute is in the hash already. An equal value that is another object is taken
        apart in full, so two contents with the same hash carry the same data."""
        return tuple(
            sorted(
                (
                    repr(key),
                    ("same as attribute", key)
                    if attributes.get(key, MISSING) is value
                    else self.value(value, nested),
                )
                for key, value in metadata.items()
            )
        )

    def _term(self, term) -> tuple:
        """A tag, category or author by name, slug and URL. Its URL is its URL setting
        formatted with its attributes; kept for the build by kind, URL setting, name and
        slug when the setting names nothing but ``{name}`` and ``{slug}`` and the term
        carries no attribute but Pelican's own (articles from Pelican's content cache
        each bring their own copy of the settings, and their tags with it: by the
        settings' identity, nearly every tag of a rebuild was a new one)."""
        state = vars(term)
        if not state.keys() <= URL_WRAPPER_STATE:
            return ("term", type(term).__name__, term.name, term.slug, term.url)
        kind = type(term)
        setting = state["settings"].get(f"{kind.__name__.upper()}_URL")
        if isinstance(setting, str) and _names_only_name_and_slug(setting):
            key = (kind, setting, term.name, term.slug)
        else:
            key = (kind, id(state["settings"]), term.name, term.slug)
            self._keep.append(term)  # its settings' id stays theirs
        found = self._terms.get(key)
        if found is None:
            found = self._terms[key] = ("term", kind.__name__, term.name, term.slug, term.url)
        return found

    def _nested_shallow(self, content) -> tuple:
        return ("content", self.shallow(content))

    @staticmethod
    def _nested_reference(content) -> tuple:
        return ("content", getattr(content, "source_path", None), _url(content))

    def value(self, value, nested=None) -> Any:
        """`value` as plain data, contents in it by `nested`: by default their shallow
        hash; else a function of one content that returns ``_nested_reference`` of it
        (what ``_own`` passes, which also notes the content)."""
        if value is None or isinstance(value, SIMPLE):
            return value
        content, url_wrapper = pelican_kinds()
        if isinstance(value, content):
            return (nested or self._nested_shallow)(value)
        if isinstance(value, url_wrapper):
            return self._term(value)
        if isinstance(value, (list, tuple)):
            return tuple([self.value(item, nested) for item in value])
        if isinstance(value, Mapping):
            return tuple(sorted((repr(k), self.value(v, nested)) for k, v in value.items()))
        if hasattr(value, "isoformat"):
            return ("time", value.isoformat(), str(getattr(value, "tzinfo", None)))
        if isinstance(value, type) or (callable(value) and hasattr(value, "__qualname__")):
            return ("callable", getattr(value, "__module__", None), value.__qualname__)
        if dataclasses.is_dataclass(value):
            return self._dataclass(value, nested)
        if isinstance(value, (set, frozenset)):
            return tuple(sorted(repr(self.value(item, nested)) for item in value))
        return (type(value).__name__, repr(value))

    def _dataclass(self, value, nested) -> tuple:
        """A dataclass field by field. One met again inside itself is a mark (its fields
        are in the hash already), so what a dataclass comes to depends on where it is met;
        met outside any other, it is worked out once per build and kept, with the
        contents it names, which are handed to `nested` again each time it is met (an
        issue of a digest is in every one of its stories' hashes, and holds the issues
        before and after it: taken apart again for each story, it was a third of an
        article's hash)."""
        if id(value) in self._active:  # a link back (an issue's next one's previous)
            return ("cycle", type(value).__name__)
        outermost = not self._active
        key = (id(value), nested is None)
        if outermost and key in self._dataclasses:
            plain, named = self._dataclasses[key]
            if nested is not None:
                for content in named:
                    nested(content)
            return plain
        named: list = []
        inner = nested or self._nested_shallow

        def noted(content) -> tuple:
            named.append(content)
            return inner(content)

        self._active.add(id(value))
        try:
            plain = (
                type(value).__name__,
                tuple(
                    (field.name, self.value(getattr(value, field.name), noted))
                    for field in dataclasses.fields(value)
                ),
            )
        finally:
            self._active.discard(id(value))
        if outermost:
            self._dataclasses[key] = (plain, named)
            self._keep.append(value)  # its id stays its own while the build runs
        return plain


SIMPLE = (str, bytes, bool, int, float)
MISSING = object()
# What Pelican's URLWrapper keeps on itself (as_dict adds name and slug).
URL_WRAPPER_STATE = frozenset({"settings", "_name", "_slug", "_slug_from_name", "name", "slug"})


@cache
def pelican_kinds() -> tuple[type, type]:
    """Pelican's content and URL-wrapper (tag, category, author) classes."""
    from pelican.contents import Content
    from pelican.urlwrappers import URLWrapper

    return Content, URLWrapper


@cache
def _names_only_name_and_slug(setting: str) -> bool:
    """Whether a URL setting, a format string, has no fields but name and slug."""
    try:
        fields = [
            field for _, field, _, _ in string.Formatter().parse(setting) if field is not None
        ]
    except ValueError:
        return False
    return all(field in ("name", "slug") for field in fields)


def _url(content) -> str | None:
    try:
        return content.url
    except Exception:  # a content without a URL setting (a static file, say)
        return None
