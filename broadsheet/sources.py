"""Inputs to import: files, folders (recursive) and standard input, read as raw bytes.

Reading never decides what an input is; it only gathers bytes and where they came
from. Decoding text is here too, because the error it raises must name the input.

A browser's "Save Page As… complete" writes `<stem>.html` and, beside it, a folder
`<stem>_files/` holding the page's images, with the page's `<img src>` rewritten to
point into it. That folder is the page's, not a pile of inputs: a folder walk skips
it, and `read_saved_file` reads an image from it for the importer, never anything
outside the saved page's own folder.
"""

from __future__ import annotations

import codecs
import gzip
import io
import json
import re
import sys
import zlib
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

import charset_normalizer
import lxml.html
import yaml
from lxml import etree

from broadsheet.errors import SourceError
from broadsheet.feedparse import parse_feed
from broadsheet.fetch import DEFAULT_TIMEOUT_SECONDS, FetchedPage, fetch_url

if TYPE_CHECKING:
    from broadsheet.metadata import PageMeta

GZIP_MAGIC = b"\x1f\x8b"
FEED_ROOT = re.compile(rb"<(?:rss|feed|rdf:RDF)[\s>]", re.IGNORECASE)

TEXT_SUFFIXES = {".txt", ".text", ".md"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
FEED_SUFFIXES = {".xml", ".rss", ".atom"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
# What a folder is searched for (".gz" counts when the name before it is one of these).
INPUT_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | FEED_SUFFIXES | JSONL_SUFFIXES
MAX_INPUT_BYTES = 10 * 1024 * 1024
# URLs fetched at once: enough to hide network latency, few enough to be polite to a site.
FETCH_WORKERS = 4
# Share of control characters (other than tab/newline/CR/form feed) that marks binary data.
BINARY_CONTROL_SHARE = 0.01
FALLBACK_ENCODINGS = ("cp1252", "latin-1")
# "Save Page As… complete" (Chrome, Firefox): the page's files go in "<stem>_files/".
SAVED_FILES_SUFFIX = "_files"
# A reference with a scheme ("https:", "data:", "file:", "c:") is not into the folder.
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")


@dataclass(frozen=True)
class RawArticle:
    """The bytes of one input, where they came from, and when they were read.

    A file or page is kept as read (a .gz file decompressed). A feed entry or a
    JSON Lines line becomes a *record*: the JSON object `{"url", "html" | "text",
    "title", "published", "source", ...}` as bytes, so the archive holds everything
    a re-clean needs.
    """

    data: bytes
    origin: str
    fetched_at: datetime
    path: Path | None = None  # the file a page was read from (its saved images sit beside it)


@dataclass(frozen=True)
class Decoded:
    """Text decoded from raw bytes, and the encoding that was needed."""

    text: str
    encoding: str


@dataclass(frozen=True)
class Unreadable:
    """An input that could not be read, with the reason (kept to be reported).

    `data` holds whatever bytes were read before the failure, so they are archived.
    """

    origin: str
    reason: str
    data: bytes | None = None


@dataclass(frozen=True)
class InputOptions:
    """How inputs are gathered: fetching URLs, and whether feed entries fetch their page."""

    fetch_linked_pages: bool = True
    timeout: float = DEFAULT_TIMEOUT_SECONDS
    max_bytes: int = MAX_INPUT_BYTES


def iter_inputs(
    sources: list[str],
    now: datetime,
    stdin: bytes | None = None,
    options: InputOptions | None = None,
) -> Iterator[RawArticle | Unreadable]:
    """Every raw input named by `sources`, in order.

    Folders give their files sorted (recursively); feeds and JSON Lines files give
    one input per entry or line; URLs are fetched.
    """
    options = options or InputOptions()
    fetched = fetch_many([source for source in sources if is_url(source)], options)
    for source in sources:
        if source == "-":
            data = stdin if stdin is not None else sys.stdin.buffer.read()
            yield from _expand(data, "<stdin>", now, options)
        elif is_url(source):
            yield from _read_url(source, now, options, fetched[source])
        else:
            path = Path(source)
            if path.is_dir() and is_saved_files_folder(path):
                continue  # a saved page's images (`import saved/*` names them too)
            if path.is_dir():
                files = sorted(
                    p
                    for p in path.rglob("*")
                    if p.is_file() and _is_input_file(p) and not _in_saved_files(p, path)
                )
                if not files:
                    yield Unreadable(
                        source, "folder holds no inputs (.txt, .html, .xml feeds, .jsonl)"
                    )
                for file in files:
                    yield from _read_file(file, now, options)
            elif path.exists():
                yield from _read_file(path, now, options)
            else:
                yield Unreadable(source, "no such file, folder or URL")


def is_url(source: str) -> bool:
    """True for an http(s) URL (the only schemes import fetches)."""
    return source.lower().startswith(("http://", "https://"))


def is_saved_files_folder(folder: Path) -> bool:
    """True for "<stem>_files/" beside a saved page "<stem>.html" (.htm, .xhtml): the
    page's own images and frames, not inputs."""
    stem = folder.name.removesuffix(SAVED_FILES_SUFFIX)
    if not stem or stem == folder.name:
        return False
    return any((folder.parent / f"{stem}{suffix}").is_file() for suffix in HTML_SUFFIXES)


def _in_saved_files(file: Path, root: Path) -> bool:
    """Whether `file`, found under `root`, sits in a saved page's "<stem>_files/" folder."""
    folder = file.parent
    while folder != root and root in folder.parents:
        if is_saved_files_folder(folder):
            return True
        folder = folder.parent
    return False


def saved_image_refs(html: str) -> list[tuple[str, bool]]:
    """The `<img src>` of a saved page that are paths relative to the page (a complete
    save's own copies), in page order, each with whether it sits in a `<figure>`."""
    # Bytes and a parser per call, as metadata.py parses (an XML prolog is fine then).
    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True)
    try:
        tree = lxml.html.document_fromstring(
            html.replace("\x00", "").encode("utf-8", "replace"), parser=parser
        )
    except (etree.LxmlError, ValueError):
        return []
    refs = []
    for img in tree.iter("img"):
        src = (img.get("src") or "").strip()
        if src and not src.startswith(("/", "\\", "#", "?")) and not _SCHEME.match(src):
            refs.append((src, any(a.tag == "figure" for a in img.iterancestors())))
    return refs


def read_saved_file(page: Path, ref: str, max_bytes: int) -> bytes | None:
    """The bytes of the file `ref` (a relative URL in the saved page `page`) names inside
    the page's own folder; None when it names nothing there (missing, or outside that
    folder, as "../../etc/passwd" is). A SourceError when it is there but too big or
    unreadable."""
    try:
        folder = page.parent.resolve()
        # "My%20page_files/a.jpg?v=2" names "My page_files/a.jpg".
        relative = unquote(urlsplit(ref).path)
        if not relative or relative.startswith("/"):
            return None
        target = (folder / relative).resolve()  # symlinks followed, then checked
        if not target.is_relative_to(folder) or not target.is_file():
            return None
    except (ValueError, OSError):  # "[x" is no URL, "%00" no file name
        return None
    try:
        size = target.stat().st_size
        if size > max_bytes:
            raise SourceError(f"{ref}: {size} bytes, over the {_mb(max_bytes)} limit")
        return target.read_bytes()
    except OSError as error:
        raise SourceError(f"{ref}: {error.strerror or error}") from error


def _is_input_file(path: Path) -> bool:
    suffixes = [s.lower() for s in path.suffixes[-2:]]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return bool(suffixes) and suffixes[-1] in INPUT_SUFFIXES


def _read_file(
    path: Path, now: datetime, options: InputOptions
) -> Iterator[RawArticle | Unreadable]:
    origin = str(path)
    try:
        size = path.stat().st_size
        if size > options.max_bytes:
            yield Unreadable(
                origin, f"file is {size} bytes, over the {_mb(options.max_bytes)} limit"
            )
            return
        data = path.read_bytes()
    except OSError as error:
        yield Unreadable(origin, error.strerror or str(error))
        return
    if path.suffix.lower() == ".gz" and data[:2] != GZIP_MAGIC:
        yield Unreadable(origin, "named .gz but not gzip data", data)
        return
    if data[:2] == GZIP_MAGIC:
        try:
            data = _gunzip(data, options.max_bytes)
        except SourceError as error:
            yield Unreadable(origin, str(error), data)
            return
    yield from _expand(data, origin, now, options, suffix=_kind_suffix(path), path=path)


def _kind_suffix(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes[-2:]]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return suffixes[-1] if suffixes else ""


def _mb(size: int) -> str:
    return f"{size // (1024 * 1024)} MB"


def _gunzip(data: bytes, limit: int) -> bytes:
    """Decompress a gzip file, refusing one that is broken or grows over `limit`."""
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            out = stream.read(limit + 1)
    except (OSError, EOFError, zlib.error) as error:
        raise SourceError(f"broken gzip data ({error})") from error
    if len(out) > limit:
        raise SourceError(f"decompresses to over the {_mb(limit)} limit")
    return out


def _expand(
    data: bytes,
    origin: str,
    now: datetime,
    options: InputOptions,
    suffix: str = "",
    path: Path | None = None,
) -> Iterator[RawArticle | Unreadable]:
    """One input per article in `data`: a feed's entries, a JSON Lines file's lines, or itself."""
    kind = sniff_container(data, suffix)
    if kind == "feed":
        yield from _feed_entries(data, origin, now, options)
    elif kind == "jsonl":
        yield from _jsonl_records(data, origin, now)
    else:
        yield RawArticle(data, origin, now, path)


def sniff_container(data: bytes, suffix: str = "") -> str:
    """ "feed", "jsonl" or "single" (a page, a scrape or one record) from the bytes and suffix."""
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if suffix in JSONL_SUFFIXES:
        return "jsonl"
    if suffix in FEED_SUFFIXES or head.startswith(b"<?xml"):
        if FEED_ROOT.search(data[:4096]):
            return "feed"
        if suffix in FEED_SUFFIXES:
            return "feed"  # parsed as a feed, so a broken one fails with a feed's error
    if FEED_ROOT.match(head):
        return "feed"
    if head.startswith(b"{") and b"\n{" in data.strip():
        return "jsonl"
    return "single"


def fetch_many(urls: list[str], options: InputOptions) -> dict[str, FetchedPage | SourceError]:
    """Fetch each distinct URL once, `FETCH_WORKERS` at a time; the page or the error."""
    unique = list(dict.fromkeys(urls))
    if not unique:
        return {}

    def attempt(url: str) -> FetchedPage | SourceError:
        try:
            return fetch_url(url, options.timeout, options.max_bytes)
        except SourceError as error:
            return error

    with ThreadPoolExecutor(max_workers=min(FETCH_WORKERS, len(unique))) as pool:
        return dict(zip(unique, pool.map(attempt, unique), strict=True))


def _read_url(
    url: str, now: datetime, options: InputOptions, page: FetchedPage | SourceError
) -> Iterator[RawArticle | Unreadable]:
    if isinstance(page, SourceError):
        yield Unreadable(url, str(page).removeprefix(f"{url}: "))
        return
    if page.kind == "feed" or sniff_container(page.data) == "feed":
        yield from _feed_entries(page.data, url, now, options)
        return
    text = decode_html(page.data, page.charset).text
    yield RawArticle(make_record(url=page.url, html=text), url, now)


def _feed_entries(
    data: bytes, origin: str, now: datetime, options: InputOptions
) -> Iterator[RawArticle | Unreadable]:
    try:
        feed = parse_feed(data)
    except SourceError as error:
        yield Unreadable(origin, str(error), data)
        return
    if not feed.entries:
        yield Unreadable(origin, "feed has no entries", data)
        return
    to_fetch = [e.link for e in feed.entries if not e.content and e.link]
    pages = fetch_many(to_fetch if options.fetch_linked_pages else [], options)
    for number, entry in enumerate(feed.entries, 1):
        name = entry.link or f"{origin} entry {number}"
        fields = {
            "url": entry.link,
            "title": entry.title,
            "published": entry.published,
            "modified": entry.updated,
            "byline": entry.author,
            "source": feed.title,
            "feed": origin,
        }
        if entry.content:
            yield RawArticle(make_record(html=entry.content, **fields), name, now)
            continue
        if entry.link and options.fetch_linked_pages:
            page = pages[entry.link]
            if not isinstance(page, SourceError) and page.kind != "html":
                page = SourceError(f"{entry.link}: the entry's link is not a web page")
            if isinstance(page, SourceError):
                reason = str(page).removeprefix(f"{entry.link}: ")
                kept = make_record(html=entry.summary, summary_only=True, **fields)
                yield Unreadable(
                    name, f"{reason} (the feed has only a summary; try --no-fetch)", kept
                )
                continue
            html = decode_html(page.data, page.charset).text
            yield RawArticle(make_record(html=html, **dict(fields, url=page.url)), name, now)
            continue
        if not entry.summary:
            yield Unreadable(name, "feed entry has neither content nor a summary")
            continue
        yield RawArticle(make_record(html=entry.summary, summary_only=True, **fields), name, now)


def _jsonl_records(data: bytes, origin: str, now: datetime) -> Iterator[RawArticle | Unreadable]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        yield Unreadable(origin, "JSON Lines file is not UTF-8", data)
        return
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        yield Unreadable(origin, "empty JSON Lines file", data)
        return
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        name = f"{origin} line {number}"
        try:
            item = json.loads(line)
        except json.JSONDecodeError as error:
            yield Unreadable(name, f"not valid JSON ({error.msg})", line.encode())
            continue
        if not isinstance(item, dict):
            yield Unreadable(name, "not a JSON object", line.encode())
            continue
        body = {key: item.get(key) for key in ("html", "text") if isinstance(item.get(key), str)}
        if not body or not any(value.strip() for value in body.values()):
            yield Unreadable(name, "no 'html' or 'text' field", line.encode())
            continue
        fields, problem = _record_fields(item)
        if problem:
            yield Unreadable(name, problem, line.encode())
            continue
        yield RawArticle(make_record(**body, **fields), name, now)


def _record_fields(item: dict) -> tuple[dict[str, str], str | None]:
    """The optional fields of an export line as strings, or what is wrong with one.

    Dates may also be numbers: Unix timestamps in seconds, read as UTC.
    """
    fields = {}
    for key in ("url", "title", "published", "modified", "byline", "source"):
        value = item.get(key)
        if value in (None, ""):
            continue
        if key in ("published", "modified") and isinstance(value, int | float):
            if isinstance(value, bool) or not 0 < value < 10**10:
                return {}, f"'{key}' is not a date or a Unix timestamp: {value!r}"
            value = datetime.fromtimestamp(value, UTC).isoformat()
        if not isinstance(value, str):
            return {}, f"'{key}' must be a string, not {type(value).__name__}"
        fields[key] = value
    return fields, None


RECORD_KEYS = (
    "url", "title", "published", "modified", "byline", "source", "feed", "summary_only",
    "html", "text",
)  # fmt: skip


def make_record(**fields: object) -> bytes:
    """A record's bytes: the known keys with a value, in a fixed order (stable hashes)."""
    unknown = set(fields) - set(RECORD_KEYS)
    if unknown:
        raise ValueError(f"unknown record keys: {', '.join(sorted(unknown))}")
    ordered = {key: fields[key] for key in RECORD_KEYS if fields.get(key) not in (None, "", False)}
    return json.dumps(ordered, ensure_ascii=False, sort_keys=False).encode("utf-8")


def read_record(data: bytes) -> dict[str, object] | None:
    """The record in `data`, or None when `data` is not one (a page or a text scrape)."""
    if data.lstrip()[:1] != b"{":
        return None
    try:
        item = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(item, dict) or not ("html" in item or "text" in item):
        return None
    return item


_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.IGNORECASE
)
# Tags that open web pages and fragments (a scrape's text does not start with "<").
_HTML_TAG = re.compile(
    rb"<(?:!doctype\s+html|html|head|body|meta|title|article|section|main|header|nav|div|p|"
    rb"h[1-6]|table|span|a|ul|ol|figure|img|br)[\s>/]",
    re.IGNORECASE,
)


def looks_like_html(data: bytes, origin: str = "") -> bool:
    """True when the bytes are a web page rather than a plain-text scrape.

    A file named .html/.htm/.xhtml (or .gz of one) is a page; otherwise the bytes
    must open with markup (after any BOM, XML prolog or comment) and hold a common
    HTML tag early on.
    """
    name = origin.lower().removesuffix(".gz")
    if name.endswith(tuple(HTML_SUFFIXES)):
        return True
    head = data[:8192].lstrip(b"\xef\xbb\xbf")
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        head = head.decode("utf-16", errors="ignore").encode()
    return head.lstrip()[:1] == b"<" and bool(_HTML_TAG.search(head))


def decode_html(data: bytes, charset: str | None = None) -> Decoded:
    """Decode a web page: BOM, then the HTTP charset, then <meta charset>, then detection."""
    for bom, encoding in (
        (b"\xef\xbb\xbf", "utf-8-sig"),
        (b"\xff\xfe", "utf-16"),
        (b"\xfe\xff", "utf-16"),
    ):
        if data.startswith(bom):
            return Decoded(data.decode(encoding, errors="replace"), encoding.split("-sig")[0])
    declared = [charset] if charset else []
    match = _META_CHARSET.search(data[:8192])
    if match:
        declared.append(match.group(1).decode("ascii", "ignore"))
    for encoding in declared:
        try:
            codecs.lookup(encoding)
        except LookupError:
            continue
        # Pages declare latin-1 and mean cp1252 (as browsers assume); UTF-8 that fails is not.
        if encoding.lower().replace("_", "-") in (
            "iso-8859-1",
            "latin-1",
            "latin1",
            "us-ascii",
            "ascii",
        ):
            encoding = "cp1252"
        try:
            return Decoded(data.decode(encoding), codecs.lookup(encoding).name)
        except UnicodeDecodeError:
            continue
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    guesses = charset_normalizer.from_bytes(data[:200_000])
    best = guesses.best()
    if best is not None:
        # Several code pages often fit equally well; the web's legacy default wins a tie.
        tied = {
            g.encoding for g in guesses if (g.chaos, g.coherence) == (best.chaos, best.coherence)
        }
        encoding = "cp1252" if "cp1252" in tied else best.encoding
        return Decoded(data.decode(encoding, errors="replace"), encoding)
    return Decoded(data.decode("cp1252", errors="replace"), "cp1252")


def decode_text(raw: RawArticle) -> Decoded:
    """Decode a text scrape: UTF-8 (with or without BOM), else cp1252 / latin-1.

    Refuses empty and binary inputs with a SourceError naming the input.
    """
    data = raw.data
    if not data.strip():
        raise SourceError(f"{raw.origin}: empty file")
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise SourceError(f"{raw.origin}: binary file, not a text scrape")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return Decoded(_checked(data.decode("utf-16"), raw.origin), "utf-16")
        except UnicodeDecodeError as error:
            raise SourceError(f"{raw.origin}: broken UTF-16 text") from error
    try:
        return Decoded(_checked(data.decode("utf-8-sig"), raw.origin), "utf-8")
    except UnicodeDecodeError:
        pass
    for encoding in FALLBACK_ENCODINGS:
        try:
            return Decoded(_checked(data.decode(encoding), raw.origin), encoding)
        except UnicodeDecodeError:
            continue
    raise SourceError(f"{raw.origin}: not valid text in UTF-8, cp1252 or latin-1")


def _checked(text: str, origin: str) -> str:
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f")
    controls += sum(1 for ch in text if 0x7F <= ord(ch) < 0xA0)
    if controls > max(2, len(text) * BINARY_CONTROL_SHARE):
        raise SourceError(f"{origin}: binary file, not a text scrape")
    return text.replace("\r\n", "\n").replace("\r", "\n")


@dataclass(frozen=True)
class Outlet:
    """Per-outlet rules from content/sources.yml (the cleaner must do well without any)."""

    key: str
    name: str
    domains: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    drop_lines: tuple[str, ...] = ()
    drop_selectors: tuple[str, ...] = ()
    keep_selectors: tuple[str, ...] = ()
    full_text: bool = True


def outlet_for_page(
    page: PageMeta, url: str | None, hints: dict[str, str], outlets: Sequence[Outlet]
) -> Outlet | None:
    """The per-outlet rules for a page: by its host (domains), else by its site name."""
    host = (urlsplit(url).hostname or "").lower() if url else ""
    for outlet in outlets:
        if host and any(
            host == d.lower() or host.endswith("." + d.lower()) for d in outlet.domains
        ):
            return outlet
    named = {n.lower() for n in (page.site_name, hints.get("source")) if n}
    for outlet in outlets:
        if named & {n.lower() for n in (outlet.name, *outlet.names) if n}:
            return outlet
    return None


def load_outlets(path: Path) -> tuple[Outlet, ...]:
    """Read content/sources.yml; a missing or empty file means no per-outlet rules."""
    if not path.exists():
        return ()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise SourceError(f"{path}: not valid YAML ({error.__class__.__name__})") from error
    outlets = data.get("outlets") or {}
    if not isinstance(outlets, dict):
        raise SourceError(f"{path}: 'outlets' must be a mapping of key to rules")
    loaded = []
    for key, rules in sorted(outlets.items()):
        rules = rules or {}
        if not isinstance(rules, dict) or not rules.get("name"):
            raise SourceError(f"{path}: outlet {key!r} needs at least a 'name'")
        patterns = tuple(str(p) for p in rules.get("drop_lines") or ())
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as error:
                raise SourceError(
                    f"{path}: outlet {key!r}: bad pattern {pattern!r}: {error}"
                ) from error
        loaded.append(
            Outlet(
                key=str(key),
                name=str(rules["name"]),
                domains=tuple(str(d) for d in rules.get("domains") or ()),
                names=tuple(str(n) for n in rules.get("names") or ()),
                drop_lines=patterns,
                drop_selectors=tuple(str(s) for s in rules.get("drop_selectors") or ()),
                keep_selectors=tuple(str(s) for s in rules.get("keep_selectors") or ()),
                full_text=bool(rules.get("full_text", True)),
            )
        )
    return tuple(loaded)
