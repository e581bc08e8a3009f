"""Which tags each article gets: hand tags, then vocabulary tags, then automatic tags.

One function decides, so the site build (``plugins/autotag``) and the command line
(``tasks.py tags list`` / ``tags suggest``) always agree:

1. Hand tags (the article's ``Tags``) come first, as written, and are always kept.
2. Vocabulary tags: the canonical tags of ``content/tags.yml`` that the title and
   body mention, most mentioned first (a title mention counts three times).
3. Automatic tags: the names ``broadsheet.entities.EntityTagger`` finds, best score
   first. A name that is an alias of a vocabulary tag becomes that tag; a name the
   text prints only inside vocabulary terms is part of them, not a tag.
4. Stop-tags are dropped from 2 and 3, duplicates are dropped (compared without
   case or accents: ``Zurich`` and ``Zürich`` are one tag, the first spelling
   wins), and 2 and 3 together are capped at ``max_tags``: hand tags never count
   against the cap. ``Autotag: off`` in an article leaves it with its hand tags.

The text. An article is its title and its body rendered to HTML: the build reads
each article's rendered content, and the command line renders the Markdown body
with the site's own ``MARKDOWN`` settings, so both see the same words. The tagger
reads that HTML (headings and the lead weigh more); the vocabulary matches its
plain text (``html_text``). The tagger
is fitted once on every article read (drafts and opted-out articles too), so
rarity is judged across the whole site; counts are over published articles.

Pure functions: reading files is the caller's job.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache

from markdown import Markdown

from broadsheet.entities import EntityTagger
from broadsheet.errors import BroadsheetError
from broadsheet.vocabulary import SECTION_OF_KIND, CoveredText, TagMatch, Vocabulary

DEFAULT_MAX_TAGS = 6
DEFAULT_MIN_SCORE = 0.0
ENTITY_KINDS = ("place", "person", "organisation", "name")
ORIGINS = ("hand", "vocabulary", "automatic")
AUTOTAG_OFF = ("off", "no", "false", "0")
AUTOTAG_ON = ("on", "yes", "true", "1", "")

META_EXTENSIONS = ("markdown.extensions.meta", "meta")
_NON_WORD = re.compile(r"[\W_]+")
_BLOCK_END = re.compile(
    r"<br\s*/?>|</(?:p|h[1-6]|li|blockquote|figcaption|figure|div|tr|pre|dt|dd)\s*>",
    re.IGNORECASE,
)
_HIDDEN = re.compile(r"<(script|style|template)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>")


class AutotagError(BroadsheetError):
    """An autotag setting or an article's Autotag value is not valid."""


@dataclass(frozen=True)
class AutotagSettings:
    """How many automatic tags, how good and of which kinds (from AUTOTAG_* settings)."""

    max_tags: int = DEFAULT_MAX_TAGS
    min_score: float = DEFAULT_MIN_SCORE
    kinds: tuple[str, ...] | None = None

    @classmethod
    def from_settings(cls, settings: Mapping) -> AutotagSettings:
        """Read and check AUTOTAG_MAX, AUTOTAG_MIN_SCORE and AUTOTAG_KINDS."""
        max_tags = settings.get("AUTOTAG_MAX", DEFAULT_MAX_TAGS)
        if isinstance(max_tags, bool) or not isinstance(max_tags, int) or max_tags < 0:
            raise AutotagError(f"AUTOTAG_MAX must be a whole number >= 0 (got {max_tags!r})")
        min_score = settings.get("AUTOTAG_MIN_SCORE", DEFAULT_MIN_SCORE)
        if isinstance(min_score, bool) or not isinstance(min_score, int | float):
            raise AutotagError(f"AUTOTAG_MIN_SCORE must be a number (got {min_score!r})")
        kinds = settings.get("AUTOTAG_KINDS")
        if kinds is not None:
            kinds = (kinds,) if isinstance(kinds, str) else tuple(kinds)
            unknown = [kind for kind in kinds if kind not in ENTITY_KINDS]
            if unknown:
                raise AutotagError(
                    f"AUTOTAG_KINDS: unknown kind {unknown[0]!r} (use {', '.join(ENTITY_KINDS)})"
                )
        return cls(max_tags=max_tags, min_score=float(min_score), kinds=kinds)


@dataclass(frozen=True)
class TaggableArticle:
    """What tagging needs of an article: `body` is its rendered HTML; `path` names it."""

    path: str
    title: str
    body: str
    hand_tags: tuple[str, ...] = ()
    autotag: bool = True
    published: bool = True

    @cached_property
    def text(self) -> str:
        """The title and the body's words, as the vocabulary matches them."""
        return self.title + "\n\n" + html_text(self.body)


@dataclass(frozen=True)
class AssignedTag:
    """A tag of one article: its name as shown, where it came from, and its kind if known."""

    name: str
    origin: str
    kind: str | None = None


def html_text(fragment: str) -> str:
    """The words of an HTML fragment: tags out, entities decoded, a blank line between blocks.

    A few regular expressions, not ``text.markdown_blocks``: ten times faster, and the
    vocabulary needs only the words.
    """
    text = html.unescape(_TAG.sub("", _BLOCK_END.sub("\x00", _HIDDEN.sub(" ", fragment))))
    return "\n\n".join(filter(None, (" ".join(block.split()) for block in text.split("\x00"))))


def markdown_renderer(config: Mapping | None = None) -> Callable[[str], str]:
    """A function rendering an article body as Pelican does with this MARKDOWN setting."""
    config = dict(config or {})
    extension_configs = dict(config.get("extension_configs") or {})
    extensions = list(config.get("extensions") or [])
    extensions += [name for name in extension_configs if name not in extensions]
    # Pelican adds the meta extension to read the header; on a body alone it would
    # take a first line like "ISLAMABAD: Pakistan and Iran…" for metadata.
    extensions = [name for name in extensions if name not in META_EXTENSIONS]
    renderer = Markdown(
        extensions=extensions,
        extension_configs=extension_configs,
        output_format=config.get("output_format", "html5"),
    )

    def render(body: str) -> str:
        return renderer.reset().convert(body)

    return render


def autotag_enabled(value: object, path: str) -> bool:
    """Read an article's Autotag value: off/no/false turn tagging off; refuse others."""
    word = str(value if value is not None else "").strip().lower()
    if word in AUTOTAG_OFF:
        return False
    if word in AUTOTAG_ON:
        return True
    raise AutotagError(f"{path}: Autotag must be 'on' or 'off' (got {value!r})")


def split_tags(value: str) -> tuple[str, ...]:
    """The hand tags of a ``Tags:`` header value, split as Pelican splits it.

    On semicolons when there is one (``Tags: Smith, Jane; Doe, John``), else on commas.
    """
    parts = value.split(";") if ";" in value else value.split(",")
    return tuple(dict.fromkeys(part.strip() for part in parts if part.strip()))


@lru_cache(maxsize=65536)
def tag_key(name: str) -> str:
    """What two tag names must share to be one tag: no case, accents or punctuation."""
    decomposed = unicodedata.normalize("NFKD", name)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_WORD.sub("-", bare.casefold()).strip("-")


def fit_tagger(articles: Iterable[TaggableArticle]) -> EntityTagger:
    """The automatic tagger, fitted once on every article's title and body."""
    return EntityTagger([(article.title, article.body) for article in articles])


def automatic_tags(
    article: TaggableArticle,
    vocabulary: Vocabulary,
    tagger: EntityTagger,
    settings: AutotagSettings,
    matches: Sequence[TagMatch] | None = None,
) -> list[AssignedTag]:
    """The article's automatic tags, best first: aliases made canonical, stop-tags out.

    A name the text only ever prints inside a vocabulary term (``Northgate Borough``
    inside ``Northgate Borough Council``) is part of that term, not a tag of its own.
    At most ``settings.max_tags``, with nothing ahead of them: the tags the article
    would get from the tagger alone (what ``tags suggest`` counts). `matches` are
    the vocabulary's matches in ``article.text``, when already found.
    """
    if settings.max_tags == 0:
        return []
    # Ask for spares: stop-tags and duplicates are removed after the tagger ranks.
    found = tagger.tags(
        article.title,
        article.body,
        limit=settings.max_tags * 2,
        min_score=settings.min_score,
        kinds=settings.kinds,
    )
    tags: list[AssignedTag] = []
    seen: set[str] = set()
    covered: CoveredText | None = None
    for entity in found:
        known = vocabulary.lookup(entity.name)
        if known is not None:
            tag = AssignedTag(known.name, "vocabulary", known.kind)
        else:
            tag = AssignedTag(entity.name, "automatic", entity.kind)
        key = tag_key(tag.name)
        if not key or key in seen or vocabulary.is_stop(entity.name):
            continue
        if known is None:
            if covered is None:
                if matches is None:
                    matches = vocabulary.matches(article.text)
                covered = CoveredText(article.text, matches)
            if covered.only_inside(entity.name):
                continue
        seen.add(key)
        tags.append(tag)
        if len(tags) == settings.max_tags:
            break
    return tags


def assign_tags(
    article: TaggableArticle,
    vocabulary: Vocabulary,
    tagger: EntityTagger | None,
    settings: AutotagSettings,
) -> list[AssignedTag]:
    """The article's tags in order: hand, vocabulary, automatic (stages 1-4 above)."""
    tags: list[AssignedTag] = []
    seen: set[str] = set()

    def add(tag: AssignedTag) -> None:
        key = tag_key(tag.name) or tag.name  # a name of symbols only is its own key
        if key not in seen:
            seen.add(key)
            tags.append(tag)

    for name in article.hand_tags:  # 1
        add(AssignedTag(name, "hand"))
    if not article.autotag or settings.max_tags == 0:
        return tags
    room = len(tags) + settings.max_tags
    matches = vocabulary.matches(article.text)
    for found in vocabulary.tags_of_matches(matches, len(article.title)):  # 2
        add(AssignedTag(found.name, "vocabulary", found.kind))
    if tagger is not None:
        for tag in automatic_tags(article, vocabulary, tagger, settings, matches):  # 3
            add(tag)
    return tags[:room]  # 4: stop-tags and duplicates are already out


def tag_articles(
    articles: Sequence[TaggableArticle], vocabulary: Vocabulary, settings: AutotagSettings
) -> list[list[AssignedTag]]:
    """Every article's tags (in the order given), fitting the tagger once for all."""
    wanted = settings.max_tags > 0 and any(article.autotag for article in articles)
    tagger = fit_tagger(articles) if wanted else None
    return [assign_tags(article, vocabulary, tagger, settings) for article in articles]


@dataclass(frozen=True)
class TagCount:
    """A tag as the site shows it: how many published articles carry it, and whence."""

    name: str
    count: int
    origins: tuple[str, ...]


def count_tags(
    articles: Sequence[TaggableArticle], assigned: Sequence[Sequence[AssignedTag]]
) -> list[TagCount]:
    """Tags over the published articles, most used first, then by name."""
    counts: Counter[str] = Counter()
    names: dict[str, str] = {}
    origins: dict[str, set[str]] = defaultdict(set)
    for article, tags in zip(articles, assigned, strict=True):
        if not article.published:
            continue
        for tag in tags:
            key = tag_key(tag.name) or tag.name
            names.setdefault(key, tag.name)
            counts[key] += 1
            origins[key].add(tag.origin)
    ordered = sorted(counts, key=lambda key: (-counts[key], names[key].casefold()))
    return [
        TagCount(names[key], counts[key], tuple(o for o in ORIGINS if o in origins[key]))
        for key in ordered
    ]


@dataclass(frozen=True)
class Suggestion:
    """An automatic tag the vocabulary does not know, with the articles it came from."""

    name: str
    kind: str
    count: int
    titles: tuple[str, ...]

    @property
    def section(self) -> str:
        """The vocabulary section it belongs in (a name of unknown kind goes to topics)."""
        return SECTION_OF_KIND.get(self.kind, "topics")


def suggest_tags(
    articles: Sequence[TaggableArticle],
    vocabulary: Vocabulary,
    settings: AutotagSettings,
    min_articles: int = 2,
) -> list[Suggestion]:
    """Automatic tags in at least `min_articles` published articles, not in the vocabulary.

    Counted over the automatic tags each article would get with nothing ahead of
    them; articles with ``Autotag: off`` are left out. Most used first, then by name.
    """
    if settings.max_tags == 0 or not articles:
        return []
    tagger = fit_tagger(articles)
    titles: dict[str, list[str]] = defaultdict(list)
    kinds: dict[str, Counter[str]] = defaultdict(Counter)
    names: dict[str, str] = {}
    for article in articles:
        if not article.published or not article.autotag:
            continue
        for tag in automatic_tags(article, vocabulary, tagger, settings):
            if tag.origin != "automatic":
                continue
            key = tag_key(tag.name)
            names.setdefault(key, tag.name)
            titles[key].append(article.title)
            kinds[key][tag.kind or "name"] += 1
    chosen = [key for key in titles if len(titles[key]) >= min_articles]
    chosen.sort(key=lambda key: (-len(titles[key]), names[key].casefold()))
    return [
        Suggestion(
            name=names[key],
            kind=min(kinds[key], key=lambda kind: (-kinds[key][kind], kind)),
            count=len(titles[key]),
            titles=tuple(titles[key][:3]),
        )
        for key in chosen
    ]
