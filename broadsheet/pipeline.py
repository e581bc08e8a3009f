"""Import raw inputs as articles: the one place the stages are put in order.

`import_all` runs, for each input:

1. read: bytes from a file, folder or stdin (sources);
2. decode: UTF-8, else cp1252 / latin-1, refusing empty and binary input (sources);
3. clean: the scrape's body, title and captions, furniture dropped (textclean);
4. describe: dates, byline, outlet, section, dateline, agency, language (metadata);
5. render: the article file, header keys in their fixed order (markdown);
6. compare: unchanged, updated, duplicate or new, against what content/ holds (dedupe);
7. store: atomic write, raw archived by hash, ledger line (store).

Stages 2–5 are pure and may run in worker processes (`jobs`); 6–7 run in order
under the content folder's lock, so the outcome never depends on scheduling.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from broadsheet import metadata
from broadsheet.dedupe import BodyPrint, find_same_story
from broadsheet.errors import BroadsheetError, CleanError, HandEditedError
from broadsheet.markdown import (
    CURATOR_KEYS,
    BodyBlock,
    escape_inline,
    is_hand_edited,
    parse_article,
    render_article,
    render_body,
)
from broadsheet.sources import Outlet, RawArticle, Unreadable, decode_text, iter_inputs
from broadsheet.store import (
    Archive,
    ContentIndex,
    StoredArticle,
    import_lock,
    make_slug,
    write_atomic,
)
from broadsheet.textclean import CleanText, clean_text

STATUSES = ("imported", "unchanged", "updated", "duplicate", "failed")
DEFAULT_CATEGORY = "News"
SUMMARY_MAX_CHARS = 300


@dataclass(frozen=True)
class ImportOptions:
    """How to import: where to write, the clock, and what may be overwritten."""

    content_dir: Path
    archive_dir: Path
    now: datetime
    outlets: tuple[Outlet, ...] = ()
    dry_run: bool = False
    force: bool = False
    jobs: int = 1


@dataclass
class ImportResult:
    """What happened to one input; `notes` are facts the maintainer should hear."""

    source: str
    status: str
    path: str | None = None
    title: str | None = None
    error: str | None = None
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {
            "source": self.source,
            "status": self.status,
            "path": self.path,
            "title": self.title,
            "error": self.error,
            "notes": self.notes,
        }


@dataclass(frozen=True)
class Prepared:
    """An input after the pure stages: the article to store, or why there is none."""

    raw: RawArticle
    meta: dict[str, str] | None = None
    body: str = ""
    notes: tuple[str, ...] = ()
    error: str | None = None


def prepare(raw: RawArticle, options: ImportOptions) -> Prepared:
    """Stages 2–5 for one input: decode, clean, describe, render."""
    try:
        decoded = decode_text(raw)
        notes = []
        if decoded.encoding not in ("utf-8", "utf-16"):
            notes.append(f"decoded as {decoded.encoding} (the file is not UTF-8)")
        outlet = _outlet_named_in(decoded.text, options.outlets)
        drop = outlet.drop_lines if outlet else ()
        cleaned = clean_text(decoded.text, drop)
        meta, more_notes = describe(cleaned, decoded.text, raw, options, outlet)
        body = render_body([BodyBlock(b.kind, b.text) for b in cleaned.blocks])
        return Prepared(raw, meta, body, tuple(notes + more_notes))
    except BroadsheetError as error:
        return Prepared(raw, error=str(error))


def describe(
    cleaned: CleanText, text: str, raw: RawArticle, options: ImportOptions, outlet: Outlet | None
) -> tuple[dict[str, str], list[str]]:
    """Stage 4: the importer-owned header keys of one cleaned scrape, and notes.

    A scrape whose only date is a banner above the headline is dated by it (see
    metadata.find_dates); one with no date at all by the import day, with a note.
    """
    if not cleaned.title:
        raise CleanError(f"{raw.origin}: no recognisable title")
    paragraphs = [b.text for b in cleaned.blocks if b.kind == "paragraph"]
    if not paragraphs:
        raise CleanError(f"{raw.origin}: no article text found")
    notes = []
    furniture = [*cleaned.header, *cleaned.trailer]
    credits = [c.credit for c in cleaned.captions if c.credit]
    dates = metadata.find_dates(cleaned.header, cleaned.title, cleaned.trailer)
    published = dates.published
    if published is None:
        published = metadata.FoundDate(options.now, has_time=False)
        notes.append(f"no date in the scrape: dated by the import day {options.now:%Y-%m-%d}")
    retrieved = dates.retrieved.value if dates.retrieved else options.now
    place, dateline_agency = metadata.find_dateline(paragraphs[0])
    source = (
        outlet.name
        if outlet
        else metadata.find_outlet(
            furniture, avoid=cleaned.title + "\n" + "\n".join(paragraphs), credits=credits
        )
    )
    if source is None:
        notes.append("the scrape does not name its outlet: no Source")
    caption = cleaned.captions[0] if cleaned.captions else None
    meta = {
        "Title": cleaned.title,
        "Date": format_date(published),
        "Modified": _modified(published, dates.modified),
        "Category": metadata.find_section(cleaned.header) or DEFAULT_CATEGORY,
        "Source": source or "",
        "Byline": metadata.find_byline([*furniture, *_short_lines(text)]) or "",
        "Agency": metadata.find_agency(paragraphs, furniture, dateline_agency) or "",
        "Dateline": place or "",
        "Lang": metadata.guess_language(paragraphs) or "",
        "Image_caption": caption.text if caption else "",
        "Image_credit": (caption.credit or "") if caption else "",
        "Retrieved": f"{retrieved:%Y-%m-%d}",
        "Summary": escape_inline(summarize(paragraphs[0])),
    }
    return meta, notes


def _modified(published: metadata.FoundDate, modified: metadata.FoundDate | None) -> str:
    if modified is None or format_date(modified) == format_date(published):
        return ""
    return format_date(modified)


def _short_lines(text: str) -> list[str]:
    """Lines of the scrape short enough to be a credit (bylines hide between paragraphs)."""
    return [line.strip() for line in text.splitlines() if 0 < len(line.strip()) <= 120]


def format_date(found: metadata.FoundDate) -> str:
    """ISO 8601: the day alone, or with the time and UTC offset when the source gave them."""
    if not found.has_time:
        return f"{found.value:%Y-%m-%d}"
    text = found.value.strftime("%Y-%m-%dT%H:%M")
    if found.value.tzinfo is not None:
        offset = found.value.strftime("%z")
        text += f"{offset[:3]}:{offset[3:]}"
    return text


def summarize(paragraph: str) -> str:
    """The first paragraph, cut at a word boundary when it runs long."""
    if len(paragraph) <= SUMMARY_MAX_CHARS:
        return paragraph
    cut = paragraph[:SUMMARY_MAX_CHARS].rsplit(" ", 1)[0]
    return cut.rstrip(",;:–—- ") + " …"


def _outlet_named_in(text: str, outlets: Sequence[Outlet]) -> Outlet | None:
    lowered = text.lower()
    for outlet in outlets:
        if any(name.lower() in lowered for name in (outlet.name, *outlet.names) if name):
            return outlet
    return None


def import_all(
    sources: list[str], options: ImportOptions, stdin: bytes | None = None
) -> list[ImportResult]:
    """Import every input named in `sources`; one result per input, in order."""
    results: list[ImportResult] = []
    with import_lock(options.content_dir):
        store = Store(options)
        for prepared in _prepare_all(iter_inputs(sources, options.now, stdin), options):
            if isinstance(prepared, Unreadable):
                results.append(
                    ImportResult(
                        prepared.origin, "failed", error=f"{prepared.origin}: {prepared.reason}"
                    )
                )
            else:
                results.append(store.put(prepared))
        if not options.dry_run:
            store.archive.save()
    return results


def reclean_all(options: ImportOptions) -> list[ImportResult]:
    """Run today's cleaner again over every archived raw input and rewrite its article."""
    results: list[ImportResult] = []
    with import_lock(options.content_dir):
        store = Store(options)
        entries = sorted(
            store.archive.entries.values(), key=lambda e: (e["origin"], e["raw_sha256"])
        )
        for entry in entries:
            if entry["status"] not in ("imported", "updated"):
                continue
            raw = RawArticle(
                store.archive.load_raw(entry["raw_sha256"]),
                entry["origin"],
                datetime.fromisoformat(entry["fetched_at"]),
            )
            prepared = prepare(raw, replace(options, now=raw.fetched_at))
            results.append(store.put(prepared, reclean_slug=entry["slug"]))
        if not options.dry_run:
            store.archive.save()
    return results


def _prepare_all(
    inputs: Iterable[RawArticle | Unreadable], options: ImportOptions
) -> Iterator[Prepared | Unreadable]:
    if options.jobs <= 1:
        for item in inputs:
            yield item if isinstance(item, Unreadable) else prepare(item, options)
        return
    items = list(inputs)
    readable = [item for item in items if isinstance(item, RawArticle)]
    with ProcessPoolExecutor(max_workers=options.jobs) as pool:
        done = iter(pool.map(prepare, readable, [options] * len(readable), chunksize=4))
        for item in items:
            yield item if isinstance(item, Unreadable) else next(done)


class Store:
    """Stages 6–7: decide each prepared article's fate against content/ and write it."""

    def __init__(self, options: ImportOptions) -> None:
        self.options = options
        self.index = ContentIndex.load(options.content_dir / "articles")
        self.archive = Archive(options.archive_dir)
        self.prints = {
            slug: BodyPrint.of(slug, article.body) for slug, article in self.index.by_slug.items()
        }

    def put(self, prepared: Prepared, reclean_slug: str | None = None) -> ImportResult:
        raw = prepared.raw
        digest = hashlib.sha256(raw.data).hexdigest()
        if prepared.error:
            self._record(digest, raw, "", "failed")
            return ImportResult(raw.origin, "failed", error=prepared.error)
        meta = prepared.meta
        result = ImportResult(raw.origin, "failed", title=meta["Title"], notes=list(prepared.notes))
        entry = self.archive.entries.get(digest)
        if reclean_slug is None and entry and entry["slug"] in self.index.by_slug:
            result.status = "unchanged"
            result.path = str(self.index.by_slug[entry["slug"]].path)
            result.notes = ["same raw input as before"]
            return result
        try:
            self._place(prepared, result, digest, reclean_slug)
        except BroadsheetError as error:
            result.status, result.error, result.path = "failed", str(error), None
        self._record(digest, raw, self._slug_of(result), result.status)
        return result

    def _place(self, prepared: Prepared, result: ImportResult, digest: str, reclean_slug):
        meta, body = dict(prepared.meta), prepared.body
        candidate = BodyPrint.of("", body)
        if reclean_slug and reclean_slug in self.index.by_slug:
            existing = self.index.by_slug[reclean_slug]
        else:
            match = find_same_story(candidate, self.prints.values())
            existing = self.index.by_slug[match.key] if match else None
        if existing is not None and not reclean_slug:
            same_outlet = existing.meta.get("Source", "") == meta.get("Source", "")
            if not same_outlet:
                self._note_duplicate(existing, meta, result)
                return
        if existing is None:
            self._write_new(meta, body, digest, result)
        else:
            self._rewrite(existing, meta, body, result)

    def _write_new(self, meta: dict[str, str], body: str, digest: str, result: ImportResult):
        date = meta["Date"][:10]
        uid = f"tag:broadsheet,{date}:{digest[:8]}"
        slug = self.index.unique_slug(make_slug(meta["Title"], digest), uid)
        meta.update(Slug=slug, Uid=uid)
        year, month = int(date[:4]), int(date[5:7])
        path = self.index.path_for(slug, year, month)
        self._write(path, meta, body)
        result.status, result.path = "imported", str(path)

    def _rewrite(self, existing: StoredArticle, meta: dict[str, str], body: str, result):
        merged = dict(meta)
        for key in (*CURATOR_KEYS, "Uid", "Slug", "Also_reported_by"):
            if existing.meta.get(key):
                merged[key] = existing.meta[key]
        comparable = {
            key for key in (*merged, *existing.meta) if key not in ("Retrieved", "Fingerprint")
        }
        if existing.body.strip() == body.strip() and all(
            merged.get(key, "") == existing.meta.get(key, "") for key in comparable
        ):
            result.status, result.path = "unchanged", str(existing.path)
            result.notes.append(f"same story and text as {existing.slug}")
            return
        if is_hand_edited(existing.meta, existing.body) and not self.options.force:
            raise HandEditedError(
                f"{existing.path}: edited by hand since import; not overwritten (use --force)"
            )
        self._write(existing.path, merged, body)
        result.status, result.path = "updated", str(existing.path)

    def _note_duplicate(self, existing: StoredArticle, meta: dict[str, str], result: ImportResult):
        result.status, result.path = "duplicate", str(existing.path)
        outlet = meta.get("Source") or "another outlet"
        result.notes.append(
            f"same story as {existing.slug} ({existing.meta.get('Source') or 'no source'})"
        )
        mention = f"{outlet} <{meta['Source_url']}>" if meta.get("Source_url") else outlet
        reported = [
            m.strip() for m in existing.meta.get("Also_reported_by", "").split(";") if m.strip()
        ]
        if mention in reported:
            return
        if is_hand_edited(existing.meta, existing.body) and not self.options.force:
            result.notes.append(f"{existing.path} was edited by hand: Also_reported_by not added")
            return
        updated = dict(existing.meta, Also_reported_by="; ".join(sorted([*reported, mention])))
        self._write(existing.path, updated, existing.body)

    def _write(self, path: Path, meta: dict[str, str], body: str) -> None:
        text = render_article(meta, body)
        stored = StoredArticle(path, *parse_article(text))
        if not self.options.dry_run:
            write_atomic(path, text.encode("utf-8"))
        self.index.add(stored)
        self.prints[stored.slug] = BodyPrint.of(stored.slug, stored.body)

    def _slug_of(self, result: ImportResult) -> str:
        return Path(result.path).stem if result.path else ""

    def _record(self, digest: str, raw: RawArticle, slug: str, status: str) -> None:
        if self.options.dry_run:
            return
        if status != "failed":
            self.archive.keep_raw(raw.data)
        self.archive.record(
            digest, raw.origin, raw.fetched_at.isoformat(timespec="seconds"), slug, status
        )


def count_statuses(results: Sequence[ImportResult]) -> dict[str, int]:
    """How many inputs ended in each status, every status listed."""
    counts = Counter(result.status for result in results)
    return {status: counts.get(status, 0) for status in STATUSES}
