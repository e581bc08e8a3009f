"""Where imported articles live: content/articles/YYYY/MM/<slug>.md, their kept lead
images content/images/YYYY/MM/<slug>.<ext>, the raw archive (archive/<sha256>.gz) and
the import ledger (archive/ledger.tsv).

Every write is atomic (temporary file in the same folder, then rename), so an
interrupted import never leaves half an article behind. Imports hold a lock on the
content folder so two never interleave.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from filelock import FileLock, Timeout
from slugify import slugify

from broadsheet.errors import StoreError
from broadsheet.markdown import parse_article

SLUG_MAX_LENGTH = 80
LEDGER_NAME = "ledger.tsv"
LEDGER_FIELDS = ("raw_sha256", "origin", "fetched_at", "slug", "status")
LOCK_TIMEOUT_SECONDS = 60
# In the content folder, beside articles/; pelicanconf's STATIC_PATHS copies it to the site.
IMAGES_FOLDER = "images"


def make_slug(title: str, fallback: str) -> str:
    """An ASCII slug of the title: no separators or dots, at most SLUG_MAX_LENGTH long."""
    slug = slugify(title, max_length=SLUG_MAX_LENGTH, word_boundary=True, save_order=True)
    slug = re.sub(r"[^a-z0-9-]+", "-", slug).strip("-")
    return slug or f"article-{fallback[:10]}"


def raw_digest(data: bytes) -> str:
    """The archive key of a raw input."""
    return hashlib.sha256(data).hexdigest()


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that readers see the old file or the new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class StoredArticle:
    """An article file already in content/: its path, header keys and body."""

    path: Path
    meta: dict[str, str]
    body: str

    @property
    def slug(self) -> str:
        return self.meta.get("Slug") or self.path.stem


@dataclass
class ContentIndex:
    """Every article in the content folder, looked up by slug."""

    articles_dir: Path
    by_slug: dict[str, StoredArticle] = field(default_factory=dict)
    unreadable: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, articles_dir: Path) -> ContentIndex:
        index = cls(articles_dir)
        for path in sorted(articles_dir.rglob("*.md")):
            try:
                meta, body = parse_article(path.read_text(encoding="utf-8"))
            except (UnicodeDecodeError, ValueError) as error:
                index.unreadable.append(f"{path}: {error}")
                continue
            index.add(StoredArticle(path, meta, body))
        return index

    def add(self, article: StoredArticle) -> None:
        self.by_slug[article.slug] = article

    def remove(self, slug: str) -> None:
        self.by_slug.pop(slug, None)

    def unique_slug(self, slug: str, owner_uid: str) -> str:
        """`slug`, or `slug-2`, `slug-3`… when another article already has it."""
        candidate, number = slug, 1
        while True:
            existing = self.by_slug.get(candidate)
            if existing is None or existing.meta.get("Uid") == owner_uid:
                return candidate
            number += 1
            suffix = f"-{number}"
            candidate = slug[: SLUG_MAX_LENGTH - len(suffix)].rstrip("-") + suffix

    def path_for(self, slug: str, year: int, month: int) -> Path:
        return self.articles_dir / f"{year:04d}" / f"{month:02d}" / f"{slug}.md"

    def image_for(self, article_path: Path, extension: str) -> str:
        """The site path of an article's kept lead image: images/YYYY/MM/<slug>.<ext>, the
        year, month and slug of the article's own file."""
        relative = article_path.relative_to(self.articles_dir)
        return (Path(IMAGES_FOLDER) / relative.parent / f"{relative.stem}.{extension}").as_posix()

    def own_image(self, article: StoredArticle) -> str | None:
        """The article's Image when it is the lead image import kept for it (image_for)."""
        image = article.meta.get("Image", "")
        extension = image.rsplit(".", 1)[-1] if "." in image else ""
        if extension and image == self.image_for(article.path, extension):
            return image
        return None


def pack_raw(data: bytes) -> bytes:
    """The archive's form of a raw input: gzip without a timestamp, so it is reproducible."""
    return gzip.compress(data, mtime=0)


class Archive:
    """Raw inputs kept gzipped by content hash, and the ledger of every import."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.ledger_path = root / LEDGER_NAME
        self.entries: dict[str, dict[str, str]] = {}
        if self.ledger_path.exists():
            for line in self.ledger_path.read_text(encoding="utf-8").splitlines()[1:]:
                values = line.split("\t")
                if len(values) == len(LEDGER_FIELDS):
                    self.entries[values[0]] = dict(zip(LEDGER_FIELDS, values, strict=True))
        self._dirty = False

    def keep_raw(self, data: bytes, packed: bytes | None = None) -> str:
        """Store the raw bytes (once) and return their hash; `packed` is pack_raw(data) if known."""
        digest = raw_digest(data)
        path = self.root / f"{digest}.gz"
        if not path.exists():
            write_atomic(path, packed if packed is not None else pack_raw(data))
        return digest

    def load_raw(self, digest: str) -> bytes:
        return gzip.decompress((self.root / f"{digest}.gz").read_bytes())

    def record(self, digest: str, origin: str, fetched_at: str, slug: str, status: str) -> None:
        """Note the outcome for one raw input; the latest outcome replaces the earlier one."""
        entry = dict(zip(LEDGER_FIELDS, (digest, origin, fetched_at, slug, status), strict=True))
        previous = self.entries.get(digest)
        if previous and previous["status"] != "failed" and status == "unchanged":
            return
        if previous != entry:
            self.entries[digest] = entry
            self._dirty = True

    def save(self) -> None:
        if not self._dirty:
            return
        rows = ["\t".join(LEDGER_FIELDS)]
        for digest in sorted(self.entries):
            entry = self.entries[digest]
            rows.append("\t".join(_tsv_safe(entry[name]) for name in LEDGER_FIELDS))
        write_atomic(self.ledger_path, ("\n".join(rows) + "\n").encode())
        self._dirty = False


def _tsv_safe(value: str) -> str:
    return " ".join(value.replace("\t", " ").split())


@contextmanager
def import_lock(content_dir: Path) -> Iterator[None]:
    """Hold the content folder's import lock, or fail with a clear message."""
    content_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(content_dir / ".import.lock"), timeout=LOCK_TIMEOUT_SECONDS)
    try:
        with lock:
            yield
    except Timeout as error:
        raise StoreError(
            f"{content_dir}: another import holds the lock (waited {LOCK_TIMEOUT_SECONDS} s)"
        ) from error
