"""Inputs to import: files, folders (recursive) and standard input, read as raw bytes.

Reading never decides what an input is; it only gathers bytes and where they came
from. Decoding text is here too, because the error it raises must name the input.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import yaml

from broadsheet.errors import SourceError

TEXT_SUFFIXES = {".txt", ".text", ".md"}
MAX_INPUT_BYTES = 10 * 1024 * 1024
# Share of control characters (other than tab/newline/CR/form feed) that marks binary data.
BINARY_CONTROL_SHARE = 0.01
FALLBACK_ENCODINGS = ("cp1252", "latin-1")


@dataclass(frozen=True)
class RawArticle:
    """The bytes of one input, where they came from, and when they were read."""

    data: bytes
    origin: str
    fetched_at: datetime


@dataclass(frozen=True)
class Decoded:
    """Text decoded from raw bytes, and the encoding that was needed."""

    text: str
    encoding: str


@dataclass(frozen=True)
class Unreadable:
    """An input that could not be read, with the reason (kept to be reported)."""

    origin: str
    reason: str


def iter_inputs(
    sources: list[str], now: datetime, stdin: bytes | None = None
) -> Iterator[RawArticle | Unreadable]:
    """Every raw input named by `sources`, in order; folders give their text files sorted."""
    for source in sources:
        if source == "-":
            data = stdin if stdin is not None else sys.stdin.buffer.read()
            yield RawArticle(data, "<stdin>", now)
            continue
        path = Path(source)
        if path.is_dir():
            files = sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES
            )
            if not files:
                yield Unreadable(source, "folder holds no text files (.txt)")
            for file in files:
                yield _read_file(file, now)
        elif path.exists():
            yield _read_file(path, now)
        else:
            yield Unreadable(source, "no such file or folder")


def _read_file(path: Path, now: datetime) -> RawArticle | Unreadable:
    try:
        size = path.stat().st_size
        if size > MAX_INPUT_BYTES:
            return Unreadable(str(path), f"file is {size} bytes, over the 10 MB limit")
        return RawArticle(path.read_bytes(), str(path), now)
    except OSError as error:
        return Unreadable(str(path), error.strerror or str(error))


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
