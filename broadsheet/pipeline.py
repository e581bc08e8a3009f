"""Import raw inputs as articles: the one place the stages are put in order.

`import_all` runs, for each input:

1. read: bytes from a file, folder or stdin (sources);
2. decode: UTF-8, else cp1252 / latin-1, refusing empty and binary input (sources);
3. clean: the scrape's body, title and captions, furniture dropped (textclean);
4. describe: dates, byline, outlet, section, dateline, agency, language, and where the
   lead image is to be had (metadata);
5. render: the article file, header keys in their fixed order (markdown);
6. keep the lead image: a complete save's own copy (sources), else the outlet's image
   fetched (fetch), kept only when its bytes are a raster image (sanitize); otherwise
   a warning, and Image stays the outlet's URL;
7. compare: unchanged, updated, duplicate or new, against what content/ holds (dedupe);
8. store: atomic writes (article, image), raw archived by hash, ledger line (store).

Stages 2–5 are pure and may run in worker processes (`jobs`); 6 runs on threads,
`FETCH_WORKERS` images at a time; 7–8 run in order under the content folder's lock,
so the outcome never depends on scheduling.
"""

from __future__ import annotations

import contextlib
import email.utils
import hashlib
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from pathlib import Path
from urllib.parse import unquote, urlsplit

from broadsheet import metadata
from broadsheet.dedupe import BodyPrint, DedupeIndex, PrintCache
from broadsheet.errors import BroadsheetError, CleanError, HandEditedError, SourceError
from broadsheet.fetch import MAX_IMAGE_BYTES, fetch_image
from broadsheet.htmlextract import extract_page
from broadsheet.markdown import (
    CURATOR_KEYS,
    BodyBlock,
    escape_inline,
    fingerprint,
    is_hand_edited,
    parse_article,
    render_article,
    render_body,
)
from broadsheet.sanitize import (
    RASTER_IMAGE_NAMES,
    raster_image_extension,
    safe_url,
    strip_tracking,
)
from broadsheet.sources import (
    FETCH_WORKERS,
    InputOptions,
    Outlet,
    RawArticle,
    Unreadable,
    decode_html,
    decode_text,
    is_url,
    iter_inputs,
    looks_like_html,
    outlet_for_page,
    read_record,
    read_saved_file,
    saved_image_refs,
)
from broadsheet.store import (
    Archive,
    ContentIndex,
    StoredArticle,
    import_lock,
    make_slug,
    pack_raw,
    write_atomic,
)
from broadsheet.textclean import CleanText, clean_text

STATUSES = ("imported", "unchanged", "updated", "duplicate", "failed")
DEFAULT_CATEGORY = "News"
SUMMARY_MAX_CHARS = 300
# A page behind a subscription prompt is a teaser when its text is shorter than this.
PAYWALL_TEASER_WORDS = 250
PRINT_CACHE_NAME = "dedupe-prints.bin"
# Stage 6 runs this many articles ahead of the one being stored, so fetches overlap.
IMAGE_LOOKAHEAD = 2 * FETCH_WORKERS
NOT_AN_IMAGE = f"not a {RASTER_IMAGE_NAMES} image"


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
    inputs: InputOptions = InputOptions()
    cache_dir: Path | None = None  # where body fingerprints are kept between runs
    # Fetch remote lead images to keep a copy (the CLI does, unless --no-fetch-images);
    # a complete save's own copy is kept either way.
    fetch_images: bool = False


@dataclass
class ImportResult:
    """What happened to one input; `notes` are facts the maintainer should hear."""

    source: str
    status: str
    path: str | None = None
    title: str | None = None
    error: str | None = None
    notes: list[str] = field(default_factory=list)
    paywalled: bool = False
    # One line each, naming the input: what went wrong without failing it (a lead image
    # that could not be kept).
    warnings: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {
            "source": self.source,
            "status": self.status,
            "path": self.path,
            "title": self.title,
            "error": self.error,
            "notes": self.notes,
            "paywalled": self.paywalled,
            "warnings": self.warnings,
        }


@dataclass(frozen=True)
class LeadImage:
    """Where an article's lead image is to be had (found in stage 4, kept in stage 6)."""

    url: str | None  # the outlet's absolute URL: fetched, else left as Image
    saved_src: str | None = None  # a complete save's own copy, relative to the saved page
    copy_source: str | None = None  # the outlet's URL that copy stands for, when known


@dataclass(frozen=True)
class KeptImage:
    """A lead image's bytes (a raster image by its magic number) and where it came from."""

    data: bytes
    extension: str
    source: str  # Image_source: the outlet's URL ("" when a saved copy does not say)


@dataclass(frozen=True)
class ImageOutcome:
    """Stage 6 for one article: the image to keep, or why there is none (a warning)."""

    kept: KeptImage | None = None
    problem: str | None = None


@dataclass(frozen=True)
class Prepared:
    """An input after the pure stages: the article to store, or why there is none."""

    raw: RawArticle
    meta: dict[str, str] | None = None
    body: str = ""
    notes: tuple[str, ...] = ()
    error: str | None = None
    packed: bytes | None = None  # the raw input gzipped for the archive
    fingerprint: BodyPrint | None = None  # what dedupe compares
    lead: LeadImage | None = None  # the lead image stage 6 tries to keep


def prepare(raw: RawArticle, options: ImportOptions) -> Prepared:
    """Stages 2–5, and the costly parts of 6–7 that need no shared state (run in workers)."""
    prepared = _prepare(raw, options)
    printed = BodyPrint.of("", prepared.body) if prepared.meta is not None else None
    return replace(prepared, packed=pack_raw(raw.data), fingerprint=printed)


def _prepare(raw: RawArticle, options: ImportOptions) -> Prepared:
    """Stages 2–5 for one input: decode, clean, describe, render.

    The kind is read off the bytes: a record (feed entry or JSON Lines line, see
    sources.RawArticle), a web page, or a plain-text scrape.
    """
    try:
        record = read_record(raw.data)
        if record is not None:
            return _prepare_record(raw, record, options)
        if looks_like_html(raw.data, raw.origin):
            decoded = decode_html(raw.data)
            page_url = raw.origin if is_url(raw.origin) else None
            return _prepare_page(raw, decoded.text, page_url, {}, options, saved_page=raw.path)
        decoded = decode_text(raw)
        notes = []
        if decoded.encoding not in ("utf-8", "utf-16"):
            notes.append(f"decoded as {decoded.encoding} (the file is not UTF-8)")
        return _prepare_scrape(raw, decoded.text, {}, options, notes)
    except BroadsheetError as error:
        return Prepared(raw, error=str(error))


def _prepare_record(raw: RawArticle, record: dict, options: ImportOptions) -> Prepared:
    hints = {key: str(value) for key, value in record.items() if key not in ("html", "text")}
    notes = []
    if record.get("summary_only"):
        notes.append(
            "the feed gives only a summary, not the full text: the article is that summary"
        )
    if isinstance(record.get("html"), str) and record["html"].strip():
        prepared = _prepare_page(raw, record["html"], hints.get("url"), hints, options)
    elif isinstance(record.get("text"), str) and record["text"].strip():
        text = record["text"].replace("\r\n", "\n").replace("\r", "\n")
        prepared = _prepare_scrape(raw, text, hints, options, [])
    else:
        raise CleanError(f"{raw.origin}: the record has no html or text")
    return replace(prepared, notes=tuple(notes) + prepared.notes)


def _prepare_scrape(
    raw: RawArticle, text: str, hints: dict[str, str], options: ImportOptions, notes: list[str]
) -> Prepared:
    """A plain-text scrape: textclean, then the scrape's metadata, hints filling the gaps."""
    outlet = _outlet_named_in(text, options.outlets)
    drop = outlet.drop_lines if outlet else ()
    cleaned = clean_text(text, drop)
    if not cleaned.title and hints.get("title"):
        cleaned = replace(cleaned, title=hints["title"])
    meta, more_notes = describe(cleaned, text, raw, options, outlet, hints)
    blocks = [BodyBlock(b.kind, b.text) for b in cleaned.blocks]
    blocks, limit_notes = _apply_full_text_rule(blocks, outlet)
    body = render_body(blocks)
    return Prepared(raw, meta, body, tuple(notes + more_notes + limit_notes))


def _prepare_page(
    raw: RawArticle,
    html: str,
    url: str | None,
    hints: dict[str, str],
    options: ImportOptions,
    saved_page: Path | None = None,
) -> Prepared:
    """A web page (or a feed's HTML content): extraction, page metadata, the text's clues.

    `saved_page` is the file a saved page was read from: its lead image may have been
    saved beside it (`_saved_copy`).
    """
    page = metadata.page_metadata(html, url)
    base = page.canonical or url
    outlet = outlet_for_page(page, base, hints, options.outlets)
    try:
        extracted = extract_page(html, base, outlet)
    except CleanError as error:
        raise CleanError(f"{raw.origin}: {error}") from error
    blocks = list(extracted.blocks)
    paragraphs = [b.text for b in blocks if b.kind == "paragraph"]
    if not paragraphs:
        raise CleanError(f"{raw.origin}: no article text found")
    title = page.title or hints.get("title") or extracted.title
    if not title:
        raise CleanError(f"{raw.origin}: no recognisable title")
    notes: list[str] = []
    published = page.published or _hint_date(hints.get("published"))
    if published is None:
        published = metadata.FoundDate(options.now, has_time=False)
        notes.append(f"no date in the page: dated by the import day {options.now:%Y-%m-%d}")
    modified = page.modified or _hint_date(hints.get("modified"))
    source = outlet.name if outlet else (page.site_name or hints.get("source"))
    if not source and base:
        source = _host_name(base)
        if source:
            notes.append(f"the page does not name its outlet: Source is its host, {source}")
    if not source:
        notes.append("the page does not name its outlet: no Source")
    place, dateline_agency = metadata.find_dateline(paragraphs[0])
    byline = page.byline or hints.get("byline") or ""
    # A figure that is no web URL is a relative path of a page with no address: the outlet's.
    blocks = [b for b in blocks if b.kind != "figure" or _is_web_url(b.src)]
    image, caption, credit = _lead_image(page, blocks)
    saved_src, copy_source = _saved_copy(html, image, base) if saved_page else (None, None)
    lead = LeadImage(image, saved_src, copy_source) if image or saved_src else None
    shown = {image, safe_url(saved_src, base) if saved_src and base else None} - {None}
    # The lead image is shown from the header keys; the body keeps the other figures.
    blocks = [b for b in blocks if not (b.kind == "figure" and b.src in shown)]
    words = sum(len(p.split()) for p in paragraphs)
    paywalled = (extracted.paywall_prompt or page.accessible_for_free is False) and (
        words < PAYWALL_TEASER_WORDS
    )
    if paywalled:
        notes.append(f"paywalled: only a {words}-word teaser before a subscription prompt")
    canonical = safe_url(page.canonical or url)
    meta = {
        "Title": title,
        "Date": format_date(published),
        "Modified": _modified(published, modified),
        "Category": page.section or DEFAULT_CATEGORY,
        "Source": source or "",
        "Source_url": strip_tracking(canonical) if canonical else "",
        "Byline": byline,
        "Agency": metadata.find_agency(paragraphs, [byline], dateline_agency) or "",
        "Dateline": place or "",
        "Lang": page.lang or metadata.guess_language(paragraphs) or "",
        "Image": image or "",
        "Image_caption": caption or "",
        "Image_credit": credit or "",
        "Retrieved": f"{raw.fetched_at:%Y-%m-%d}",
        "Summary": escape_inline(summarize(page.description or paragraphs[0])),
        "Paywalled": "yes" if paywalled else "",
    }
    blocks, limit_notes = _apply_full_text_rule(blocks, outlet)
    return Prepared(raw, meta, render_body(blocks), tuple(notes + limit_notes), lead=lead)


def _is_web_url(url: str | None) -> bool:
    return bool(url) and url.lower().startswith(("http://", "https://"))


def _saved_copy(html: str, image: str | None, base: str | None) -> tuple[str | None, str | None]:
    """A complete save's own copy of the lead image: its src, relative to the saved page,
    and the outlet's URL it stands for (None when that URL would be the src resolved on
    the page's address, which only a browser's rewrite made).

    Browsers rewrite each <img src> to the copy they save, but not og:image: the copy is
    the saved image with the lead image's file name. A page without a lead image URL
    (no og:image, no address to resolve its figures on) leads with its first saved
    figure.
    """
    refs = saved_image_refs(html)
    if image:
        name = _file_name(image)
        for src, _ in refs:
            if name and _file_name(src) == name:
                made_up = base is not None and safe_url(src, base) == image
                return src, None if made_up else image
        return None, None
    return next((src for src, in_figure in refs if in_figure), None), None


def _file_name(url: str) -> str:
    try:
        return unquote(urlsplit(url).path).rsplit("/", 1)[-1]
    except ValueError:
        return ""


def keep_lead_image(
    lead: LeadImage,
    page: Path | None,
    reuse: tuple[Path, str] | None,
    fetch: bool,
    timeout: float,
) -> ImageOutcome:
    """Stage 6 for one article: the lead image's bytes, from the first of these that gives
    a raster image: the complete save's own copy beside `page`; `reuse`, the copy kept
    before from the same URL (file, Image_source); the outlet's URL fetched, when `fetch`.
    Otherwise why not, for a warning. Safe to run on any thread.
    """
    problems: list[str] = []
    if lead.saved_src and page is not None:
        try:
            data = read_saved_file(page, lead.saved_src, MAX_IMAGE_BYTES)
        except SourceError as error:
            data = None
            problems.append(f"the saved copy {error}")
        if data is not None:
            extension = raster_image_extension(data)
            if extension:
                return ImageOutcome(KeptImage(data, extension, lead.copy_source or ""))
            problems.append(f"the saved copy {lead.saved_src} is {NOT_AN_IMAGE}")
    if reuse is not None:
        path, source = reuse
        try:
            data = path.read_bytes()
        except OSError:
            data = b""
        extension = raster_image_extension(data)
        if extension:
            return ImageOutcome(KeptImage(data, extension, source))
    if lead.url is None:
        return ImageOutcome(problem="; ".join(problems) or None)
    if not fetch:
        problems.append("image fetching is off (--no-fetch-images)")
        return ImageOutcome(problem="; ".join(problems))
    try:
        data = fetch_image(lead.url, timeout)
    except SourceError as error:
        problems.append(str(error).removeprefix(f"{lead.url}: "))
        return ImageOutcome(problem="; ".join(problems))
    extension = raster_image_extension(data)
    if extension is None:
        problems.append(NOT_AN_IMAGE)
        return ImageOutcome(problem="; ".join(problems))
    return ImageOutcome(KeptImage(data, extension, lead.url))


def image_warning(origin: str, lead: LeadImage, problem: str) -> str:
    """The one line that says a lead image was not kept, naming the input and the image."""
    if lead.url:
        return f"{origin}: lead image {lead.url} not kept ({problem}); Image stays the outlet's URL"
    return f"{origin}: lead image {lead.saved_src} not kept ({problem})"


def _lead_image(page: metadata.PageMeta, blocks: list[BodyBlock]) -> tuple[str | None, ...]:
    """The page's lead image with its caption and credit (from the body's figure if it shows it)."""
    figures = [b for b in blocks if b.kind == "figure" and b.src]
    image = safe_url(page.image) if page.image else None
    if image is None:
        return (
            (figures[0].src, figures[0].text or None, figures[0].credit) if figures else (None,) * 3
        )
    for figure in figures:
        if figure.src == image:
            return (
                image,
                page.image_caption or figure.text or None,
                page.image_credit or figure.credit,
            )
    return image, page.image_caption, page.image_credit


def _apply_full_text_rule(
    blocks: list[BodyBlock], outlet: Outlet | None
) -> tuple[list[BodyBlock], list[str]]:
    """An outlet whose rules say `full_text: false` keeps its first paragraph only."""
    if outlet is None or outlet.full_text:
        return blocks, []
    first = next((b for b in blocks if b.kind == "paragraph"), None)
    note = f"{outlet.name} does not allow full text (content/sources.yml): first paragraph kept"
    return ([first] if first else []), [note]


def _hint_date(value: str | None) -> metadata.FoundDate | None:
    """A date given by a feed or an export: RFC 822, ISO 8601, or as printed."""
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
        return metadata.FoundDate(parsed, has_time=True)
    except (TypeError, ValueError, IndexError):
        pass
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        return metadata.FoundDate(parsed, has_time="T" in value or " " in value.strip())
    except ValueError:
        return metadata.parse_date(value)


def _host_name(url: str) -> str | None:
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.") or None


def describe(
    cleaned: CleanText,
    text: str,
    raw: RawArticle,
    options: ImportOptions,
    outlet: Outlet | None,
    hints: dict[str, str] | None = None,
) -> tuple[dict[str, str], list[str]]:
    """Stage 4: the importer-owned header keys of one cleaned scrape, and notes.

    A scrape whose only date is a banner above the headline is dated by it (see
    metadata.find_dates); one with no date at all by the hint an export gave, else
    by the import day, with a note.
    """
    hints = hints or {}
    if not cleaned.title:
        raise CleanError(f"{raw.origin}: no recognisable title")
    paragraphs = [b.text for b in cleaned.blocks if b.kind == "paragraph"]
    if not paragraphs:
        raise CleanError(f"{raw.origin}: no article text found")
    notes = []
    furniture = [*cleaned.header, *cleaned.trailer]
    credits = [c.credit for c in cleaned.captions if c.credit]
    dates = metadata.find_dates(cleaned.header, cleaned.title, cleaned.trailer)
    published = dates.published or _hint_date(hints.get("published"))
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
        or hints.get("source")
    )
    if source is None:
        notes.append("the scrape does not name its outlet: no Source")
    caption = cleaned.captions[0] if cleaned.captions else None
    url = safe_url(hints.get("url"))
    meta = {
        "Title": cleaned.title,
        "Date": format_date(published),
        "Modified": _modified(published, dates.modified or _hint_date(hints.get("modified"))),
        "Category": metadata.find_section(cleaned.header) or DEFAULT_CATEGORY,
        "Source": source or "",
        "Source_url": strip_tracking(url) if url else "",
        "Byline": metadata.find_byline([*furniture, *_short_lines(text)])
        or hints.get("byline", ""),
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


Progress = Callable[[int, int], None]


def import_all(
    sources: list[str],
    options: ImportOptions,
    stdin: bytes | None = None,
    progress: Progress | None = None,
) -> list[ImportResult]:
    """Import every input named in `sources`; one result per input, in order.

    Inputs are gathered first (URLs fetched, feeds and JSON Lines expanded), then
    cleaned and stored; `progress(done, total)` is called after each one is stored.
    """
    results: list[ImportResult] = []
    with _locked(options):
        store = Store(options)
        items = list(iter_inputs(sources, options.now, stdin, options.inputs))
        for prepared, image in _keep_lead_images(_prepare_all(items, options), store):
            if isinstance(prepared, Unreadable):
                results.append(store.put_unreadable(prepared))
            else:
                results.append(store.put(prepared, image))
            if progress:
                progress(len(results), len(items))
        if not options.dry_run:
            store.archive.save()
            store.print_cache.save()
    return results


def reclean_all(options: ImportOptions, progress: Progress | None = None) -> list[ImportResult]:
    """Run today's cleaner again over every archived raw input and rewrite its article.

    Then fold together syndicated copies imported as separate articles (see
    Store.merge_syndicated), so dedupe reaches what was imported before it existed.
    """
    results: list[ImportResult] = []
    with _locked(options):
        store = Store(options)
        # In the order they were read, so of two versions of one story the later wins.
        entries = sorted(
            store.archive.entries.values(),
            key=lambda e: (e["fetched_at"], e["origin"], e["raw_sha256"]),
        )
        entries = [e for e in entries if e["status"] in ("imported", "updated")]
        for done, entry in enumerate(entries, 1):
            origin = entry["origin"]
            raw = RawArticle(
                store.archive.load_raw(entry["raw_sha256"]),
                origin,
                datetime.fromisoformat(entry["fetched_at"]),
                # A saved page's images may still sit beside it.
                None if is_url(origin) or origin == "<stdin>" else Path(origin),
            )
            prepared = prepare(raw, replace(options, now=raw.fetched_at))
            job = store.image_job(prepared, reclean_slug=entry["slug"])
            image = job() if job else None
            results.append(store.put(prepared, image, reclean_slug=entry["slug"]))
            if progress:
                progress(done, len(entries))
        results.extend(store.merge_syndicated())
        if not options.dry_run:
            store.archive.save()
            store.print_cache.save()
    return results


def _locked(options: ImportOptions) -> contextlib.AbstractContextManager:
    """The content folder's import lock; a dry run writes nothing, not even a lock file."""
    return contextlib.nullcontext() if options.dry_run else import_lock(options.content_dir)


def _keep_lead_images(
    items: Iterable[Prepared | Unreadable], store: Store
) -> Iterator[tuple[Prepared | Unreadable, ImageOutcome | None]]:
    """Stage 6 over the prepared inputs, in their order: images are read or fetched on
    threads up to IMAGE_LOOKAHEAD articles ahead of the one being stored."""
    pending: deque[tuple[Prepared | Unreadable, Future | None]] = deque()

    def done(item: Prepared | Unreadable, future: Future | None):
        return item, (future.result() if future is not None else None)

    with ThreadPoolExecutor(max_workers=FETCH_WORKERS) as pool:
        for item in items:
            job = store.image_job(item) if isinstance(item, Prepared) else None
            pending.append((item, pool.submit(job) if job else None))
            if len(pending) > IMAGE_LOOKAHEAD:
                yield done(*pending.popleft())
        while pending:
            yield done(*pending.popleft())


def _prepare_all(
    inputs: Iterable[RawArticle | Unreadable], options: ImportOptions
) -> Iterator[Prepared | Unreadable]:
    items = list(inputs)
    readable = [item for item in items if isinstance(item, RawArticle)]
    if options.jobs <= 1 or len(readable) <= 1:  # a pool would only add its start-up
        for item in items:
            yield item if isinstance(item, Unreadable) else prepare(item, options)
        return
    with ProcessPoolExecutor(max_workers=options.jobs) as pool:
        done = iter(pool.map(prepare, readable, [options] * len(readable), chunksize=4))
        for item in items:
            yield item if isinstance(item, Unreadable) else next(done)


class Store:
    """Stages 7–8: decide each prepared article's fate against content/ and write it."""

    def __init__(self, options: ImportOptions) -> None:
        self.options = options
        self.index = ContentIndex.load(options.content_dir / "articles")
        self.archive = Archive(options.archive_dir)
        self.print_cache = PrintCache(
            options.cache_dir / PRINT_CACHE_NAME if options.cache_dir else None
        )
        self.dedupe = DedupeIndex(
            self.print_cache.print_of(slug, article.body)
            for slug, article in self.index.by_slug.items()
        )
        self.by_url = {
            article.meta["Source_url"]: slug
            for slug, article in sorted(self.index.by_slug.items())
            if article.meta.get("Source_url")
        }

    def put_unreadable(self, item: Unreadable) -> ImportResult:
        """A failed input: reported, and whatever bytes were read kept in the archive."""
        if item.data is not None:
            raw = RawArticle(item.data, item.origin, self.options.now)
            self._record(hashlib.sha256(item.data).hexdigest(), raw, "", "failed")
        return ImportResult(item.origin, "failed", error=f"{item.origin}: {item.reason}")

    def image_job(
        self, prepared: Prepared, reclean_slug: str | None = None
    ) -> Callable[[], ImageOutcome] | None:
        """Stage 6's work for one prepared article, to run on any thread; None: nothing to do.

        A raw input imported before has only its saved copy read again (it may have
        changed): nothing is fetched for it. A copy kept before from the same URL is
        reused rather than fetched again.
        """
        lead = prepared.lead
        if prepared.meta is None or lead is None:
            return None
        timeout = self.options.inputs.timeout
        if reclean_slug is None and self._imported_slug(prepared) is not None:
            if lead.saved_src and prepared.raw.path is not None:
                return partial(keep_lead_image, lead, prepared.raw.path, None, False, timeout)
            return None
        reuse = self._reusable_image(prepared, reclean_slug)
        fetch = self.options.fetch_images
        return partial(keep_lead_image, lead, prepared.raw.path, reuse, fetch, timeout)

    def _imported_slug(self, prepared: Prepared) -> str | None:
        """The slug of the article this very raw input was imported as, if it still exists."""
        entry = self.archive.entries.get(hashlib.sha256(prepared.raw.data).hexdigest())
        return entry["slug"] if entry and entry["slug"] in self.index.by_slug else None

    def _reusable_image(self, prepared: Prepared, reclean_slug: str | None):
        """(file, Image_source) of the image kept for this story before, when it came from
        the lead image's URL (or, for a saved copy, stands for the same URL)."""
        url = prepared.meta.get("Source_url", "")
        slug = reclean_slug or (self.by_url.get(url) if url else None)
        existing = self.index.by_slug.get(slug) if slug else None
        image = self.index.own_image(existing) if existing else None
        if image is None:
            return None
        lead, source = prepared.lead, existing.meta.get("Image_source", "")
        same = (lead.url and source == lead.url) or (
            lead.saved_src and source == (lead.copy_source or "")
        )
        file = self.options.content_dir / image
        return (file, source) if same and file.is_file() else None

    def put(
        self,
        prepared: Prepared,
        image: ImageOutcome | None = None,
        reclean_slug: str | None = None,
    ) -> ImportResult:
        raw = prepared.raw
        digest = hashlib.sha256(raw.data).hexdigest()
        if prepared.error:
            self._record(digest, raw, "", "failed", prepared.packed)
            return ImportResult(raw.origin, "failed", error=prepared.error)
        meta = prepared.meta
        result = ImportResult(
            raw.origin,
            "failed",
            title=meta["Title"],
            notes=list(prepared.notes),
            paywalled=meta.get("Paywalled") == "yes",
        )
        kept = image.kept if image else None
        entry = self.archive.entries.get(digest)
        if reclean_slug is None and entry and entry["slug"] in self.index.by_slug:
            existing = self.index.by_slug[entry["slug"]]
            edited = is_hand_edited(existing.meta, existing.body) and not self.options.force
            if kept is None or edited or self._same_image(existing, kept):
                result.status = "unchanged"
                result.path = str(existing.path)
                result.notes = ["same raw input as before"]
                return result
            reclean_slug = existing.slug  # the same saved page, its saved image changed
        try:
            self._place(prepared, result, digest, reclean_slug, kept)
        except BroadsheetError as error:
            result.status, result.error, result.path = "failed", str(error), None
        if image and image.problem and result.status in ("imported", "updated", "unchanged"):
            result.warnings.append(image_warning(raw.origin, prepared.lead, image.problem))
        self._record(digest, raw, self._slug_of(result), result.status, prepared.packed)
        return result

    def _same_image(self, article: StoredArticle, kept: KeptImage) -> bool:
        """Whether the article already shows exactly this kept image."""
        image = self.index.image_for(article.path, kept.extension)
        return article.meta.get("Image") == image and self._read_image(image) == kept.data

    def _read_image(self, image: str) -> bytes | None:
        try:
            return (self.options.content_dir / image).read_bytes()
        except OSError:
            return None

    def _write_image(self, image: str, data: bytes) -> None:
        if not self.options.dry_run and self._read_image(image) != data:
            write_atomic(self.options.content_dir / image, data)

    def _drop_image(self, article: StoredArticle, keep: str | None = None) -> None:
        """Remove the image import kept for `article`, unless it is still `keep`."""
        image = self.index.own_image(article)
        if image and image != keep and not self.options.dry_run:
            (self.options.content_dir / image).unlink(missing_ok=True)

    def _place(
        self,
        prepared: Prepared,
        result: ImportResult,
        digest: str,
        reclean_slug: str | None,
        kept: KeptImage | None = None,
    ):
        meta, body = dict(prepared.meta), prepared.body
        candidate = prepared.fingerprint or BodyPrint.of("", body)
        url = meta.get("Source_url", "")
        same_url = False
        if reclean_slug and reclean_slug in self.index.by_slug:
            existing = self.index.by_slug[reclean_slug]
        elif url and self.by_url.get(url) in self.index.by_slug:
            existing, same_url = self.index.by_slug[self.by_url[url]], True
        else:
            match = self.dedupe.find(candidate)
            existing = self.index.by_slug[match.key] if match else None
        if existing is not None and not reclean_slug and not same_url:
            same_outlet = existing.meta.get("Source", "") == meta.get("Source", "")
            known_url = existing.meta.get("Source_url", "")
            if not same_outlet or (url and known_url and url != known_url):
                self._note_duplicate(existing, meta, result)
                return
        if existing is None:
            self._write_new(meta, body, digest, result, kept)
        else:
            self._rewrite(existing, meta, body, result, kept)

    def _write_new(
        self,
        meta: dict[str, str],
        body: str,
        digest: str,
        result: ImportResult,
        kept: KeptImage | None = None,
    ):
        date = meta["Date"][:10]
        uid = f"tag:broadsheet,{date}:{digest[:8]}"
        slug = self.index.unique_slug(make_slug(meta["Title"], digest), uid)
        meta.update(Slug=slug, Uid=uid)
        year, month = int(date[:4]), int(date[5:7])
        path = self.index.path_for(slug, year, month)
        if kept:
            meta.update(Image=self.index.image_for(path, kept.extension), Image_source=kept.source)
            self._write_image(meta["Image"], kept.data)
        self._write(path, meta, body)
        result.status, result.path = "imported", str(path)

    def _rewrite(
        self,
        existing: StoredArticle,
        meta: dict[str, str],
        body: str,
        result,
        kept: KeptImage | None = None,
    ):
        merged = dict(meta)
        if kept:
            image = self.index.image_for(existing.path, kept.extension)
            merged.update(Image=image, Image_source=kept.source)
        for key in (*CURATOR_KEYS, "Uid", "Slug", "Also_reported_by"):
            if existing.meta.get(key):
                merged[key] = existing.meta[key]
        comparable = {
            key for key in (*merged, *existing.meta) if key not in ("Retrieved", "Fingerprint")
        }
        same_image = kept is None or self._read_image(merged["Image"]) == kept.data
        if (
            existing.body.strip() == body.strip()
            and same_image
            and all(merged.get(key, "") == existing.meta.get(key, "") for key in comparable)
        ):
            result.status, result.path = "unchanged", str(existing.path)
            result.notes.append(f"same story and text as {existing.slug}")
            return
        if is_hand_edited(existing.meta, existing.body) and not self.options.force:
            as_imported = dict(merged, Retrieved=existing.meta.get("Retrieved", ""))
            if fingerprint(as_imported, body) == existing.meta.get("Fingerprint"):
                result.status, result.path = "unchanged", str(existing.path)
                result.notes.append(f"nothing new; {existing.path} keeps its hand edits")
                return
            raise HandEditedError(
                f"{result.source}: {existing.path} was edited by hand since import; "
                "not overwritten (use --force)"
            )
        if kept:
            self._write_image(merged["Image"], kept.data)
        self._write(existing.path, merged, body)
        self._drop_image(existing, keep=merged.get("Image"))
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
        self.dedupe.add(self.print_cache.print_of(stored.slug, stored.body))
        if stored.meta.get("Source_url"):
            self.by_url.setdefault(stored.meta["Source_url"], stored.slug)

    def merge_syndicated(self) -> list[ImportResult]:
        """Fold syndicated copies that were imported as separate articles into the earliest.

        The later copy (by the Date's day, then the order they were first read)
        becomes an Also_reported_by entry on the earlier article, its file is
        removed, and its old URL is kept in the earlier article's Previous_slugs so
        the site redirects it.
        """
        results: list[ImportResult] = []
        first_read: dict[str, str] = {}
        for entry in self.archive.entries.values():
            if entry["slug"] and entry["status"] != "failed":
                known = first_read.get(entry["slug"])
                first_read[entry["slug"]] = min(known or entry["fetched_at"], entry["fetched_at"])
        order = sorted(
            self.index.by_slug.values(),
            key=lambda a: (
                a.meta.get("Date", "")[:10],
                first_read.get(a.slug, "~"),
                a.meta.get("Uid", ""),
            ),
        )
        seen = DedupeIndex()
        for article in order:
            own = BodyPrint.of(article.slug, article.body)
            match = seen.find(own)
            if match is None or (
                self.index.by_slug[match.key].meta.get("Source", "")
                == article.meta.get("Source", "")
            ):
                seen.add(own)
                continue
            earlier = self.index.by_slug[match.key]
            result = ImportResult(str(article.path), "duplicate", title=article.meta.get("Title"))
            edited = [a for a in (earlier, article) if is_hand_edited(a.meta, a.body)]
            if edited and not self.options.force:
                result.status = "failed"
                result.error = (
                    f"{edited[0].path}: edited by hand since import; "
                    f"syndicated copy {article.slug} not merged (use --force)"
                )
                seen.add(own)
                results.append(result)
                continue
            self._merge(earlier, article)
            result.path = str(earlier.path)
            result.notes.append(
                f"syndicated copy of {earlier.slug}: merged, and its old URL redirects there"
            )
            results.append(result)
        return results

    def _merge(self, earlier: StoredArticle, later: StoredArticle) -> None:
        outlet = later.meta.get("Source") or "another outlet"
        url = later.meta.get("Source_url")
        mention = f"{outlet} <{url}>" if url else outlet
        reported = _split_list(earlier.meta.get("Also_reported_by", ""))
        reported += _split_list(later.meta.get("Also_reported_by", ""))
        old_path = later.path.relative_to(self.index.articles_dir).with_suffix(".html").as_posix()
        moved = later.slug if old_path.rsplit("/", 1)[0] == _month_of(earlier) else old_path
        previous = _split_list(earlier.meta.get("Previous_slugs", ""), ",")
        previous += _split_list(later.meta.get("Previous_slugs", ""), ",")
        meta = dict(
            earlier.meta,
            Also_reported_by="; ".join(sorted({*reported, mention})),
            Previous_slugs=", ".join(sorted({*previous, moved})),
        )
        self._write(earlier.path, meta, earlier.body)
        if not self.options.dry_run:
            later.path.unlink()
        self._drop_image(later)
        self.index.remove(later.slug)
        self.dedupe.discard(later.slug)
        for url_key, slug in list(self.by_url.items()):
            if slug == later.slug:
                self.by_url[url_key] = earlier.slug
        for digest, entry in list(self.archive.entries.items()):
            if entry["slug"] == later.slug:
                self._record_entry(digest, entry, earlier.slug, "duplicate")

    def _record_entry(self, digest: str, entry: dict[str, str], slug: str, status: str) -> None:
        if not self.options.dry_run:
            self.archive.record(digest, entry["origin"], entry["fetched_at"], slug, status)

    def _slug_of(self, result: ImportResult) -> str:
        return Path(result.path).stem if result.path else ""

    def _record(
        self, digest: str, raw: RawArticle, slug: str, status: str, packed: bytes | None = None
    ) -> None:
        if self.options.dry_run:
            return
        self.archive.keep_raw(raw.data, packed)
        self.archive.record(
            digest, raw.origin, raw.fetched_at.isoformat(timespec="seconds"), slug, status
        )


def _split_list(value: str, separator: str = ";") -> list[str]:
    return [item.strip() for item in value.split(separator) if item.strip()]


def _month_of(article: StoredArticle) -> str:
    date = article.meta.get("Date", "")
    return f"{date[:4]}/{date[5:7]}"


def count_statuses(results: Sequence[ImportResult]) -> dict[str, int]:
    """How many inputs ended in each status, every status listed, and how many are paywalled."""
    counts = Counter(result.status for result in results)
    tally = {status: counts.get(status, 0) for status in STATUSES}
    tally["paywalled"] = sum(1 for result in results if result.paywalled)
    return tally
