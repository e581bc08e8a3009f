"""Digest issues: the curator's file format, its parser, and drafting a new issue.

A digest file is ``content/digests/YYYY-MM-DD-<slug>.md``::

    Title: Ferries, tea and bins
    Date: 2025-03-21
    Summary: Three stories that moved this week.
    Status: draft

    An introduction in Markdown, as long as the curator likes.

    ## Transport

    - night-ferry-to-kessel-island-returns-after-two-year-pause
      The first overnight crossing in two years. Shift workers say the timetable
      still strands them at weekends.
    - {filename}articles/2025/03/shift-workers-say-night-ferry-timetable-fails-them.md
      <!-- why it matters -->

    ## Trade

    - tea-prices-slide-at-mombasa-auction-as-buyers-hold-back
      Kenyan tea buyers held back for a fourth week.

The header is the article header format (``Key: value`` lines, then a blank line):
``Title`` and ``Date`` are required, ``Summary`` and ``Status`` (``draft`` or
``published``, default ``draft``) optional; the digest's slug is the file name without
its date. The body is the introduction, then one ``## Section`` per group of stories.
In a section, each ``- `` list item is one story: its first line is the reference, an
article's slug or ``{filename}`` path under content/ (with or without a leading
slash: from the content folder; without: from the digests folder, as Pelican reads
``{filename}../articles/...``), and the lines indented under it are the curator's note,
in Markdown (an indented list is part of the note); a note that is only an HTML comment
(what ``digest new`` writes) is an empty note. Anything else inside a section (an
unindented paragraph, a reference followed by words on its line) is refused, so a typo
never turns a story into prose silently. One story per item and one item per reference line reads
plainly in an editor and gives one-line changes in a diff.

Errors name the file and the line: ``content/digests/2025-03-21-week.md:14: ...``.
Pure functions: reading files is the caller's job, except `load_digests`, which reads
a folder of digest files.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from slugify import slugify

from broadsheet.errors import BroadsheetError

STATUSES = ("draft", "published")
DIGESTS_FOLDER = "digests"  # under content/
GROUPINGS = ("category", "tag", "source")
EMPTY_NOTE = "<!-- why it matters -->"

_FILE_NAME_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})-([a-z0-9][a-z0-9-]*)\.md$")
_SECTION_RE = re.compile(r"^##\s+(?P<title>.+?)\s*#*\s*$")
_ITEM_RE = re.compile(r"^[-*]\s+(?P<reference>\S.*?)\s*$")
_COMMENT_RE = re.compile(r"<!--.*?-->", re.DOTALL)
_FILENAME_PREFIX = "{filename}"


class DigestError(BroadsheetError):
    """A digest file that cannot be read, or a reference that names no publishable article."""


@dataclass(frozen=True)
class Entry:
    """One story of a digest: the reference as written, the curator's note, its line."""

    reference: str
    note: str  # Markdown; "" when the curator has not written one yet
    line: int

    @property
    def is_path(self) -> bool:
        """True for a ``{filename}`` reference, False for a slug."""
        return self.reference.startswith(_FILENAME_PREFIX)

    @property
    def target(self) -> str:
        """The slug, or the path as written without ``{filename}``."""
        if self.is_path:
            return self.reference[len(_FILENAME_PREFIX) :]
        return self.reference

    def paths(self, folder: str = DIGESTS_FOLDER) -> tuple[str, ...]:
        """The paths under content/ a ``{filename}`` reference may mean: with a leading
        slash, from the content folder; without, from the digest's folder, as Pelican
        reads ``{filename}`` links (``../articles/...``), else from the content folder."""
        target = self.target
        if target.startswith("/"):
            return (posixpath.normpath(target.lstrip("/")),)
        relative = posixpath.normpath(posixpath.join(folder, target))
        return (relative, posixpath.normpath(target))


@dataclass(frozen=True)
class Section:
    title: str
    entries: tuple[Entry, ...]
    line: int


@dataclass(frozen=True)
class Digest:
    """A parsed digest file."""

    path: str
    slug: str
    title: str
    date: datetime
    status: str
    summary: str = ""
    intro: str = ""  # Markdown
    sections: tuple[Section, ...] = ()
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def entries(self) -> list[Entry]:
        return [entry for section in self.sections for entry in section.entries]

    @property
    def published(self) -> bool:
        return self.status == "published"


def parse_date(value: str) -> datetime:
    """An ISO 8601 date or date-time (Pelican's header dates), as a datetime."""
    try:
        return datetime.fromisoformat(value.strip().replace(" ", "T", 1))
    except ValueError:
        raise ValueError(f"Date {value.strip()!r} is not an ISO 8601 date (YYYY-MM-DD)") from None


def parse_digest(text: str, path: str) -> Digest:
    """A digest file's contents as a Digest; DigestError naming path:line otherwise."""
    name = Path(path).name
    named = _FILE_NAME_RE.match(name)
    if not named:
        raise DigestError(f"{path}: a digest file is named YYYY-MM-DD-<slug>.md (lower case)")
    lines = text.replace("\r\n", "\n").split("\n")
    meta: dict[str, str] = {}
    number = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            break
        key, sep, value = line.partition(":")
        if not sep or not key.strip() or " " in key.strip():
            raise DigestError(f"{path}:{number}: not a header line ({line[:60]!r})")
        meta[key.strip().capitalize()] = value.strip()
    else:
        number = len(lines)
    for key in ("Title", "Date"):
        if not meta.get(key):
            raise DigestError(f"{path}:1: the header has no {key}")
    try:
        when = parse_date(meta["Date"])
    except ValueError as error:
        raise DigestError(f"{path}:{_header_line(lines, 'Date')}: {error}") from None
    status = meta.get("Status", "draft").strip().lower()
    if status not in STATUSES:
        raise DigestError(
            f"{path}:{_header_line(lines, 'Status')}: Status must be draft or published "
            f"(got {meta['Status']!r})"
        )
    intro, sections = _parse_body(lines[number:], number + 1, path)
    return Digest(
        path=path,
        slug=named.group(2),
        title=meta["Title"],
        date=when,
        status=status,
        summary=meta.get("Summary", ""),
        intro=intro,
        sections=tuple(sections),
        metadata=meta,
    )


def _header_line(lines: list[str], key: str) -> int:
    for number, line in enumerate(lines, start=1):
        if line.partition(":")[0].strip().capitalize() == key:
            return number
        if not line.strip():
            break
    return 1


def _parse_body(lines: list[str], first: int, path: str) -> tuple[str, list[Section]]:
    """The introduction, and the sections with their entries."""
    intro: list[str] = []
    sections: list[Section] = []
    title: str | None = None
    section_line = 0
    entries: list[Entry] = []
    reference: str | None = None
    reference_line = 0
    note: list[str] = []
    in_comment = False

    def close_entry() -> None:
        nonlocal reference, note
        if reference is not None:
            entries.append(Entry(reference, _note_text(note), reference_line))
        reference, note = None, []

    def close_section() -> None:
        nonlocal entries
        close_entry()
        if title is not None:
            sections.append(Section(title, tuple(entries), section_line))
        entries = []

    for number, line in enumerate(lines, start=first):
        heading = _SECTION_RE.match(line) if not in_comment else None
        if heading:
            close_section()
            title, section_line = heading.group("title"), number
            continue
        if title is None:
            intro.append(line)
            in_comment = _still_in_comment(line, in_comment)
            continue
        if in_comment or line.startswith(("  ", "\t")) and reference is not None:
            note.append(line)
            in_comment = _still_in_comment(line, in_comment)
            continue
        if not line.strip():
            if reference is not None:
                note.append("")
            continue
        item = _ITEM_RE.match(line)
        if not item:
            raise DigestError(
                f"{path}:{number}: in section {title!r}, expected a story as "
                f"'- slug' (or '- {{filename}}path') with its note indented below, "
                f"got {line.strip()[:60]!r}"
            )
        close_entry()
        reference, reference_line = item.group("reference"), number
        if " " in reference:
            raise DigestError(
                f"{path}:{number}: {reference[:60]!r} is not a reference: put the slug or "
                f"{{filename}} path alone on the item's line and the note below it, indented"
            )
    close_section()
    return "\n".join(intro).strip(), sections


def _still_in_comment(line: str, in_comment: bool) -> bool:
    """Whether an HTML comment is still open after this line."""
    for token in re.findall(r"<!--|-->", line):
        in_comment = token == "<!--"
    return in_comment


def _note_text(lines: list[str]) -> str:
    """A note's Markdown, dedented; "" when it is empty or only comments."""
    text = "\n".join(line[2:] if line.startswith("  ") else line.lstrip("\t") for line in lines)
    text = text.strip()
    return "" if not _COMMENT_RE.sub("", text).strip() else text


def load_digests(folder: Path) -> tuple[list[Digest], list[str]]:
    """Every digest file in folder (sorted by name), and an error line for each one that
    cannot be read."""
    digests, errors = [], []
    for path in sorted(folder.glob("*.md")) if folder.is_dir() else ():
        if path.name.startswith((".", "#")):
            continue
        try:
            digests.append(parse_digest(path.read_text(encoding="utf-8"), str(path)))
        except UnicodeDecodeError:
            errors.append(f"{path}: not UTF-8 text")
        except DigestError as error:
            errors.append(str(error))
    return digests, errors


# --- what digests refer to --------------------------------------------------------------------


@dataclass(frozen=True)
class ArticleRef:
    """What a digest needs of an article: how it can be referred to, and how to list it."""

    slug: str
    path: str  # under content/, with forward slashes: "articles/2025/03/x.md"
    title: str
    date: datetime
    published: bool = True
    category: str = ""
    tags: tuple[str, ...] = ()
    source: str = ""
    # Status: unpublished (plugins/withdrawn): an issue that listed it still builds,
    # showing it as withdrawn, so listing it is a warning, not an error.
    withdrawn: bool = False


class ArticleIndex:
    """Articles by slug and by path, for resolving many entries against one list (a
    scan of the list per entry made a 10,000-article build spend seconds here)."""

    def __init__(self, articles: Sequence[ArticleRef]) -> None:
        self.by_slug: dict[str, list[ArticleRef]] = {}
        self.by_path: dict[str, list[ArticleRef]] = {}
        for article in articles:
            self.by_slug.setdefault(article.slug, []).append(article)
            self.by_path.setdefault(article.path, []).append(article)


def indexed(articles: Sequence[ArticleRef] | ArticleIndex) -> ArticleIndex:
    return articles if isinstance(articles, ArticleIndex) else ArticleIndex(articles)


def resolve(
    entry: Entry, articles: Sequence[ArticleRef] | ArticleIndex, folder: str = DIGESTS_FOLDER
) -> ArticleRef | None:
    """The article an entry names (by slug, or by path: see `Entry.paths`; `folder` is
    the digests' folder under content/), if any. Of two articles with one slug, the
    published one. `articles` may be an `ArticleIndex` of them, for many entries."""
    index = indexed(articles)
    if entry.is_path:
        for path in entry.paths(folder):
            found = list(index.by_path.get(path, ()))
            if found:
                break
    else:
        found = list(index.by_slug.get(entry.target, ()))
    found.sort(key=lambda a: (not a.published, a.path))
    return found[0] if found else None


def reference_errors(digest: Digest, articles: Sequence[ArticleRef] | ArticleIndex) -> list[str]:
    """One line per entry naming no article, or a draft article, or one listed twice
    (a withdrawn article is not an error: `withdrawn_references`)."""
    errors = []
    seen: dict[str, int] = {}
    articles = indexed(articles)
    for entry in digest.entries:
        article = resolve(entry, articles)
        where = f"{digest.path}:{entry.line}"
        if article is None:
            errors.append(f"{where}: {entry.reference!r} names no article")
        elif not article.published and not article.withdrawn:
            errors.append(f"{where}: {entry.reference!r} is not published (a draft?)")
        elif article.path in seen:
            errors.append(
                f"{where}: {entry.reference!r} is already listed on line {seen[article.path]}"
            )
        else:
            seen[article.path] = entry.line
    return errors


def withdrawn_references(
    digest: Digest, articles: Sequence[ArticleRef] | ArticleIndex
) -> list[str]:
    """One warning line per entry naming a withdrawn article (the issue shows it as
    "<headline> (withdrawn)")."""
    warnings = []
    articles = indexed(articles)
    for entry in digest.entries:
        article = resolve(entry, articles)
        if article is not None and article.withdrawn:
            warnings.append(
                f"{digest.path}:{entry.line}: warning: {entry.reference!r} was withdrawn "
                "(Status: unpublished); the issue shows it as withdrawn"
            )
    return warnings


# --- drafting a new issue ----------------------------------------------------------------------


def featured_paths(
    digests: Iterable[Digest], articles: Sequence[ArticleRef] | ArticleIndex
) -> set[str]:
    """The paths of the articles some digest (draft or published) already lists."""
    paths = set()
    articles = indexed(articles)
    for digest in digests:
        for entry in digest.entries:
            article = resolve(entry, articles)
            if article is not None:
                paths.add(article.path)
    return paths


def candidates(
    articles: Sequence[ArticleRef],
    digests: Sequence[Digest],
    since: datetime | date | None = None,
    until: date | None = None,
) -> list[ArticleRef]:
    """The published articles a new digest should offer, newest first: dated on or after
    `since` (default: the latest published digest's date; every article when there is
    none), on or before the day `until` (the new issue's date) when given, and listed
    by no digest yet, draft or published."""
    published = [d.date for d in digests if d.published]
    if since is None and published:
        since = max(published, key=_naive)
    taken = featured_paths(digests, articles)
    chosen = [
        a
        for a in articles
        if a.published
        and a.path not in taken
        and (since is None or _on_or_after(a.date, since))
        and (until is None or a.date.date() <= until)  # the day as the article prints it
    ]
    return sorted(chosen, key=_newest_first)


def _naive(moment: datetime | date) -> datetime:
    """A moment as naive UTC (a date or a naive date-time taken as UTC already)."""
    if not isinstance(moment, datetime):
        return datetime(moment.year, moment.month, moment.day)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.replace(tzinfo=None)


def _newest_first(article: ArticleRef) -> tuple[float, str]:
    """Sort key: newest first; of one moment, by slug then path."""
    return (-_naive(article.date).replace(tzinfo=UTC).timestamp(), article.slug, article.path)


def _on_or_after(moment: datetime, since: datetime | date) -> bool:
    if not isinstance(since, datetime):
        return moment.date() >= since
    return _naive(moment) >= _naive(since)


def group(articles: Sequence[ArticleRef], by: str) -> list[tuple[str, list[ArticleRef]]]:
    """Articles in groups (by category, first tag or source), groups in order of their
    newest article, each group newest first; "Other" for articles with nothing to group by."""
    if by not in GROUPINGS:
        raise DigestError(f"--group-by must be one of {', '.join(GROUPINGS)} (got {by!r})")
    groups: dict[str, list[ArticleRef]] = {}
    for article in sorted(articles, key=_newest_first):
        if by == "category":
            name = article.category
        elif by == "tag":
            name = article.tags[0] if article.tags else ""
        else:
            name = article.source
        groups.setdefault(name.strip() or "Other", []).append(article)
    return list(groups.items())


def render_new_digest(
    title: str,
    when: date,
    groups: Sequence[tuple[str, Sequence[ArticleRef]]],
    shared_slugs: Collection[str] = (),
) -> str:
    """The text of a draft digest listing the grouped articles with empty notes. An
    article whose slug another article shares (`shared_slugs`) is named by its path."""
    lines = [f"Title: {title}", f"Date: {when.isoformat()}", "Status: draft", ""]
    lines.append("<!-- An introduction: what this issue is about. -->")
    for name, articles in groups:
        lines += ["", f"## {name}", ""]
        for article in articles:
            reference = (
                f"{_FILENAME_PREFIX}/{article.path}"
                if article.slug in shared_slugs
                else article.slug
            )
            lines.append(f"- {reference}")
            lines.append(f"  {EMPTY_NOTE}")
    return "\n".join(lines) + "\n"


def shared_slugs(articles: Iterable[ArticleRef]) -> set[str]:
    """The slugs more than one article has."""
    seen: set[str] = set()
    shared: set[str] = set()
    for article in articles:
        (shared if article.slug in seen else seen).add(article.slug)
    return shared


def digest_file_name(when: date, title: str) -> str:
    """YYYY-MM-DD-<slug>.md for a new digest."""
    slug = slugify(title, max_length=60, word_boundary=True) or "digest"
    return f"{when.isoformat()}-{slug}.md"
