"""Publish the curator's digest issues: a page per issue, an archive, the home page's lead.

The digest file format, its parser and the reference checks live in
``broadsheet.digests`` (shared with ``tasks.py digest``); this plugin reads
``content/digests/*.md`` itself (Pelican does not: ``ARTICLE_PATHS`` is
``["articles"]``), resolves every story against the articles Pelican read, and
writes the pages.

What a build writes:

- one page per issue at ``DIGESTS_ISSUE_SAVE_AS``: title, date, summary, the
  introduction, then each section's story cards (our article's title linked to its
  page, source, a link to the original through ``safe_url``, date, summary, tags
  and the curator's note), and links to the previous and next published issues;
- the archive at ``DIGESTS_ARCHIVE_SAVE_AS``: every issue, newest first, grouped by
  year and month;
- on the home page (the theme's ``index.html``, first page only), the latest
  published issue above the newest articles, from the template variable
  ``latest_digest``;
- on each article page, "Featured in" and the published issues that list it, from
  ``article.digests`` (oldest first; an empty list when none).

Drafts. Published issues are always built; ``Status: draft`` issues only when
``DIGESTS_DRAFTS`` is true (``pelicanconf.py``, the preview; ``publishconf.py``
turns it off). A draft's page is written at its own URL with a "Draft" banner and a
``noindex``, and the preview's archive lists it, marked Draft, so the curator can
find it; nothing else changes because of it: the home page leads with the latest
*published* issue (none when there is none), published issues' previous/next links
skip drafts, and "Featured in" names published issues only. A draft's own
previous/next links are the published issues either side of its date.

Text. The introduction and the notes are Markdown, rendered with the site's
``MARKDOWN`` settings and sanitised like article bodies (``clean_html``, then
``SAFE_HTML_LINK_REL`` on links to other hosts), whether or not ``safe_html`` is
listed. ``Title`` and ``Summary`` are plain text: the theme escapes them. The
issue's date is its ``Date`` header, in ``TIMEZONE`` when it gives none.

Withdrawn stories. A story whose article was withdrawn after the issue listed it
(``Status: unpublished``, ``plugins/withdrawn``) does not break the issue, published
or draft: the story becomes a ``WithdrawnStory``, "<headline> (withdrawn)" and its
date with no summary, source, tags or note (the note was written about the
withdrawn text). The issue page and the home page's lead issue link it to the
notice at the article's URL (the theme's story macros link every title); the
digest feed gives the headline unlinked. ``Issue.stories`` still counts it. Only a
build with ``withdrawn`` in its PLUGINS has withdrawn articles; without it Pelican
skips an unpublished article and a story naming it names no article.

Errors. Every issue the build writes is checked with ``reference_errors``: a
story naming no article, a draft (or hidden, not withdrawn) article, or an article
listed twice stops the build with ``DigestError``, one line naming the digest file,
the line and the reference (``content/digests/2025-03-21-week.md:14: 'x' names no
article``; several problems joined by "; "). A digest file that cannot be read
stops every build, drafts' included, since its status is unknown; so do two issues
with one URL and a bad setting. The error is raised at
``article_generator_finalized``, before Pelican writes anything, so a failed
build writes no page at all: a preview keeps the previous build's output as it
was, and a publish build (which empties the output folder first) leaves it empty.
Files are named as ``<content folder's name>/<DIGESTS_PATH>/<file>``, what
``tasks.py digest check`` prints when run from the project folder.

Settings (read from the build's own settings, each with a default):

- ``DIGESTS_PATH``: the digest folder, relative to ``PATH`` (default ``digests``;
  a missing or empty folder means no issues).
- ``DIGESTS_DRAFTS``: build draft issues too (default ``False``).
- ``DIGESTS_ISSUE_URL`` / ``DIGESTS_ISSUE_SAVE_AS``: an issue's URL and output
  file, with ``{slug}`` and ``{date}`` (default
  ``digests/{date:%Y}/{date:%m}/{slug}.html``; SAVE_AS defaults to the URL).
- ``DIGESTS_ARCHIVE_URL`` / ``DIGESTS_ARCHIVE_SAVE_AS``: the archive (default
  ``digests/index.html``; SAVE_AS defaults to the URL).

Templates: ``digest.html`` (variable ``digest``) and ``digests.html``; every
template also gets ``digests`` (the issues this build writes, newest first),
``digests_archive`` (those issues by year, then month), ``latest_digest`` and
``digests_archive_url``.

Signals. ``article_generator_finalized`` reads, checks and resolves the issues,
sets ``article.digests`` and fills the shared context, once every article is read
and tagged (``autotag`` runs at pretaxonomy). ``get_generators`` adds
``DigestsGenerator``, which writes the issue and archive pages in Pelican's writing
phase. Pelican's signals are process-global, so both handlers do nothing unless
``digests`` is in the running build's ``PLUGINS``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path, PurePosixPath

from pelican import signals
from pelican.generators import Generator
from pelican.utils import set_date_tzinfo, strftime

from broadsheet.digests import (
    ArticleIndex,
    ArticleRef,
    Digest,
    DigestError,
    load_digests,
    reference_errors,
    resolve,
)
from broadsheet.plugins import every_article, local_hosts, plugin_listed
from broadsheet.sanitize import clean_html, mark_outbound_links
from broadsheet.tagging import markdown_renderer

PLUGIN_NAME = "digests"
DEFAULT_PATH = "digests"
DEFAULT_ISSUE_URL = "digests/{date:%Y}/{date:%m}/{slug}.html"
DEFAULT_ARCHIVE_URL = "digests/index.html"
DEFAULT_LINK_REL = "nofollow noopener"  # as plugins/safe_html
DEFAULT_DATE_FORMAT = "%-d %B %Y"
ISSUE_TEMPLATE = "digest"
ARCHIVE_TEMPLATE = "digests"


def plugin_enabled(settings: Mapping) -> bool:
    """True when the running build lists this plugin (by name or as a module)."""
    return plugin_listed(settings, PLUGIN_NAME)


# --- settings ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DigestSettings:
    """The DIGESTS_* settings, checked."""

    folder: Path
    shown_folder: str  # how error lines name the folder: "content/digests"
    drafts: bool
    issue_url: str
    issue_save_as: str
    archive_url: str
    archive_save_as: str

    @classmethod
    def from_settings(cls, settings: Mapping) -> DigestSettings:
        """The plugin's settings from the build's; DigestError naming a bad one."""
        content = Path(settings.get("PATH") or ".")
        folder_name = _text_setting(settings, "DIGESTS_PATH", DEFAULT_PATH)
        drafts = settings.get("DIGESTS_DRAFTS", False)
        if not isinstance(drafts, bool):
            raise DigestError(f"DIGESTS_DRAFTS must be True or False (got {drafts!r})")
        issue_url = _text_setting(settings, "DIGESTS_ISSUE_URL", DEFAULT_ISSUE_URL)
        issue_save_as = _text_setting(settings, "DIGESTS_ISSUE_SAVE_AS", issue_url)
        for key, pattern in (
            ("DIGESTS_ISSUE_URL", issue_url),
            ("DIGESTS_ISSUE_SAVE_AS", issue_save_as),
        ):
            try:
                pattern.format(slug="slug", date=datetime(2000, 1, 2))
            except (KeyError, IndexError, ValueError, AttributeError) as error:
                raise DigestError(
                    f"{key} {pattern!r} cannot be filled in with {{slug}} and {{date}} "
                    f"({error.__class__.__name__}: {error})"
                ) from None
        archive_url = _text_setting(settings, "DIGESTS_ARCHIVE_URL", DEFAULT_ARCHIVE_URL)
        return cls(
            folder=content / folder_name,
            shown_folder=(PurePosixPath(content.name or ".") / folder_name).as_posix(),
            drafts=drafts,
            issue_url=issue_url,
            issue_save_as=issue_save_as,
            archive_url=archive_url,
            archive_save_as=_text_setting(settings, "DIGESTS_ARCHIVE_SAVE_AS", archive_url),
        )


def _text_setting(settings: Mapping, key: str, default: str) -> str:
    value = settings.get(key)
    if value is None:
        return default
    if not isinstance(value, str) or not value.strip():
        raise DigestError(f"{key} must be a non-empty string (got {value!r})")
    return value.strip()


# --- what the templates get -------------------------------------------------------------------


@dataclass(eq=False)
class Story:
    """One story card: the Pelican article and the curator's note (sanitised HTML)."""

    article: object
    note: str


@dataclass(eq=False)
class WithdrawnStory:
    """What an issue shows of a withdrawn article, in the article's place: its headline
    marked "(withdrawn)", its date and its URL (the notice), and nothing else."""

    headline: str
    url: str
    date: datetime
    locale_date: str
    withdrawn: bool = True
    summary: str = ""
    source: str = ""
    source_url: str = ""
    tags: tuple = ()
    metadata: dict = field(default_factory=dict)
    digests: list = field(default_factory=list)

    @property
    def title(self) -> str:
        return f"{self.headline} (withdrawn)"

    @classmethod
    def of(cls, article) -> WithdrawnStory:
        """The stand-in for a withdrawn Pelican article."""
        return cls(
            headline=str(getattr(article, "title", "") or ""),
            url=article.url,
            date=article.date,
            locale_date=article.locale_date,
        )


def is_withdrawn(article) -> bool:
    """True for an article plugins/withdrawn took off the site (``Status: unpublished``)."""
    return getattr(article, "withdrawn", False) is True


@dataclass(eq=False)
class IssueSection:
    title: str
    stories: list[Story]


@dataclass(eq=False)
class Issue:
    """One digest issue as its page shows it."""

    slug: str
    title: str
    summary: str  # plain text
    status: str
    date: datetime  # timezone-aware
    locale_date: str
    source_path: str  # as error lines name it
    url: str
    save_as: str
    intro: str  # sanitised HTML
    sections: list[IssueSection]
    previous: Issue | None = None  # the published issue before this one
    next: Issue | None = None  # the published issue after this one

    @property
    def draft(self) -> bool:
        return self.status != "published"

    @property
    def stories(self) -> list[Story]:
        return [story for section in self.sections for story in section.stories]


@dataclass(eq=False)
class MonthGroup:
    year: int
    month: int
    name: str  # "March 2025"
    issues: list[Issue] = field(default_factory=list)


@dataclass(eq=False)
class YearGroup:
    year: int
    months: list[MonthGroup] = field(default_factory=list)


# --- reading and checking ---------------------------------------------------------------------


def read_digests(options: DigestSettings) -> tuple[list[Digest], list[str]]:
    """Every digest file, and an error line for each unreadable one, named from
    ``options.shown_folder`` rather than the absolute folder the build reads."""
    digests, errors = load_digests(options.folder)
    prefix = str(options.folder)

    def shown(text: str) -> str:
        if text.startswith(prefix):
            rest = text[len(prefix) :].replace("\\", "/")
            return options.shown_folder + rest
        return text

    return [replace(d, path=shown(d.path)) for d in digests], [shown(e) for e in errors]


def source_path(article) -> str:
    """The article's file under the content folder, with forward slashes."""
    path = article.relative_source_path or article.source_path
    return str(path).replace("\\", "/")


def article_ref(article) -> ArticleRef:
    """What broadsheet.digests needs of a Pelican article."""
    category = getattr(article, "category", None)
    return ArticleRef(
        slug=str(article.slug),
        path=source_path(article),
        title=str(getattr(article, "title", "") or ""),
        date=getattr(article, "date", None),
        # A withdrawn article stays listable: an issue published before it was withdrawn
        # must still build (make_issue shows it as withdrawn).
        published=article.status == "published" or is_withdrawn(article),
        category=getattr(category, "name", "") or "",
        tags=tuple(tag.name for tag in getattr(article, "tags", None) or ()),
        source=str(article.metadata.get("source") or ""),
        withdrawn=is_withdrawn(article),
    )


def chosen_digests(digests: Sequence[Digest], options: DigestSettings) -> list[Digest]:
    """The digests this build writes: published ones, and drafts when DIGESTS_DRAFTS."""
    return [d for d in digests if d.published or options.drafts]


# --- turning digests into issues --------------------------------------------------------------


class HtmlRenderer:
    """Curator Markdown to sanitised HTML, as the build renders and cleans bodies."""

    def __init__(self, settings: Mapping) -> None:
        self.render = markdown_renderer(settings.get("MARKDOWN"))
        self.rel = settings.get("SAFE_HTML_LINK_REL", DEFAULT_LINK_REL)
        self.local_hosts = local_hosts(settings)

    def __call__(self, markdown_text: str) -> str:
        if not markdown_text.strip():
            return ""
        cleaned = clean_html(self.render(markdown_text))
        if self.rel:
            cleaned = mark_outbound_links(cleaned, self.rel, self.local_hosts)
        return cleaned.strip()


def make_issue(
    digest: Digest,
    articles: ArticleIndex,
    by_path: Mapping[str, object],
    options: DigestSettings,
    settings: Mapping,
    render: HtmlRenderer,
) -> Issue:
    """The issue page's content for a checked digest."""
    when = set_date_tzinfo(digest.date, settings.get("TIMEZONE"))

    def story(entry) -> Story:
        article = by_path[resolve(entry, articles).path]
        if is_withdrawn(article):
            return Story(article=WithdrawnStory.of(article), note="")
        return Story(article=article, note=render(entry.note))

    sections = [
        IssueSection(title=section.title, stories=[story(entry) for entry in section.entries])
        for section in digest.sections
    ]
    return Issue(
        slug=digest.slug,
        title=digest.title,
        summary=digest.summary,
        status=digest.status,
        date=when,
        locale_date=strftime(when, settings.get("DEFAULT_DATE_FORMAT") or DEFAULT_DATE_FORMAT),
        source_path=digest.path,
        url=options.issue_url.format(slug=digest.slug, date=when),
        save_as=options.issue_save_as.format(slug=digest.slug, date=when),
        intro=render(digest.intro),
        sections=sections,
    )


def issue_order(issue: Issue) -> tuple[datetime, str, str]:
    """Oldest first; issues of one date by slug, then file."""
    return issue.date, issue.slug, issue.source_path


def link_neighbours(issues: Sequence[Issue]) -> None:
    """Set each issue's previous and next: the published issues either side of it."""
    ordered = sorted(issues, key=issue_order)
    published = [issue for issue in ordered if not issue.draft]
    for issue in ordered:
        key = issue_order(issue)
        before = [other for other in published if issue_order(other) < key]
        after = [other for other in published if issue_order(other) > key]
        issue.previous = before[-1] if before else None
        issue.next = after[0] if after else None


def archive_groups(issues: Sequence[Issue]) -> list[YearGroup]:
    """The issues newest first, by year, then by month."""
    years: list[YearGroup] = []
    for issue in sorted(issues, key=issue_order, reverse=True):
        if not years or years[-1].year != issue.date.year:
            years.append(YearGroup(issue.date.year))
        months = years[-1].months
        if not months or months[-1].month != issue.date.month:
            months.append(MonthGroup(issue.date.year, issue.date.month, f"{issue.date:%B %Y}"))
        months[-1].issues.append(issue)
    return years


def check_urls(issues: Sequence[Issue]) -> list[str]:
    """One line per issue whose output file another issue already takes."""
    taken: dict[str, str] = {}
    errors = []
    for issue in sorted(issues, key=lambda i: i.source_path):
        if issue.save_as in taken:
            errors.append(
                f"{issue.source_path}: its page {issue.save_as} is also "
                f"{taken[issue.save_as]}'s: give one of them another slug or date"
            )
        else:
            taken[issue.save_as] = issue.source_path
    return errors


def build_issues(article_generator, options: DigestSettings) -> list[Issue]:
    """The issues this build writes, each story resolved to its Pelican article.

    Raises DigestError, one line, naming every unreadable file and every bad reference.
    """
    settings = article_generator.settings
    digests, errors = read_digests(options)
    digests = chosen_digests(digests, options)
    contents = sorted(every_article(article_generator), key=source_path)
    articles = ArticleIndex([article_ref(article) for article in contents])
    for digest in digests:
        errors += reference_errors(digest, articles)
    if errors:
        raise DigestError("; ".join(errors))
    by_path = {source_path(article): article for article in contents}
    render = HtmlRenderer(settings)
    issues = [make_issue(d, articles, by_path, options, settings, render) for d in digests]
    errors = check_urls(issues)
    if errors:
        raise DigestError("; ".join(errors))
    link_neighbours(issues)
    return issues


# --- signal handlers ----------------------------------------------------------------------------


def prepare_digests(article_generator) -> None:
    """article_generator_finalized: check and resolve the issues, fill the context."""
    settings = article_generator.settings
    if not plugin_enabled(settings):
        return
    options = DigestSettings.from_settings(settings)
    issues = build_issues(article_generator, options)
    for article in every_article(article_generator):
        article.digests = []
    published = [issue for issue in sorted(issues, key=issue_order) if not issue.draft]
    for issue in published:
        for story in issue.stories:
            story.article.digests.append(issue)
    context = article_generator.context
    context["digests"] = sorted(issues, key=issue_order, reverse=True)
    context["digests_archive"] = archive_groups(issues)
    context["latest_digest"] = published[-1] if published else None
    context["digests_archive_url"] = options.archive_url


class DigestsGenerator(Generator):
    """Writes the issue pages and the archive prepare_digests put in the context."""

    def generate_output(self, writer) -> None:
        if not plugin_enabled(self.settings) or "digests" not in self.context:
            return
        options = DigestSettings.from_settings(self.settings)
        relative_urls = self.settings.get("RELATIVE_URLS", False)
        template = self.get_template(ISSUE_TEMPLATE)
        for issue in self.context["digests"]:
            writer.write_file(
                issue.save_as,
                template,
                self.context,
                relative_urls=relative_urls,
                digest=issue,
            )
        writer.write_file(
            options.archive_save_as,
            self.get_template(ARCHIVE_TEMPLATE),
            self.context,
            relative_urls=relative_urls,
        )


def add_generator(pelican) -> type[Generator] | None:
    """get_generators: the issue writer, for a build that lists this plugin."""
    return DigestsGenerator if plugin_enabled(pelican.settings) else None


def register() -> None:
    """Connect the digests to Pelican."""
    signals.article_generator_finalized.connect(prepare_digests)
    signals.get_generators.connect(add_generator)
