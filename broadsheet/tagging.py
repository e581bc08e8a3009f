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

Between builds. ``tag_articles`` takes a memo (``broadsheet.buildcache.Memo``, which
the build keeps when Pelican's content cache is on) and keeps in it what does not depend
on the rest of the site, by a hash of each article's title and body: the tagger's
reading of the article and the names it resolved (``EntityTagger``), its vocabulary
tags and whether a name is printed only inside vocabulary terms (by a hash of the
vocabulary too), and what the vocabulary says of each name. The tags are exactly those
assigned without the memo: scores and labels depend on the whole site and are worked
out again each time.

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
from typing import Any

from markdown import Markdown

from broadsheet.buildcache import digest_of
from broadsheet.entities import ArticleMemo, EntityTagger, article_key, read_articles
from broadsheet.errors import BroadsheetError
from broadsheet.forked import share_out
from broadsheet.perf import collection_paused
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


@lru_cache(maxsize=65536)
def _assigned_tag(name: str, origin: str, kind: str | None = None) -> AssignedTag:
    """One `AssignedTag` per value: they are immutable, and a site has many of each."""
    return AssignedTag(name, origin, kind)


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


def fit_tagger(
    articles: Sequence[TaggableArticle] | Iterable[TaggableArticle],
    memo: ArticleMemo | None = None,
    keys: Sequence[str] | None = None,
    readings: dict[int, Any] | None = None,
) -> EntityTagger:
    """The automatic tagger, fitted once on every article's title and body (see
    ``EntityTagger`` for what a `memo` keeps between builds, and `readings`)."""
    documents = [(article.title, article.body) for article in articles]
    return EntityTagger(documents, memo, keys, readings)


class _VocabularyNames:
    """What the vocabulary says of a name the tagger found: the tag it maps to, if any,
    and whether it is a stop-tag. Worked out once per name; `facts` may come from a memo
    (for the same vocabulary) and `changed` says whether it grew."""

    def __init__(self, vocabulary: Vocabulary, facts: dict | None = None) -> None:
        self.vocabulary = vocabulary
        self.facts: dict[str, tuple[tuple[str, str] | None, bool]] = facts or {}
        self.changed = False
        self.used: set[str] = set()

    def of(self, name: str) -> tuple[tuple[str, str] | None, bool]:
        """((canonical name, kind) or None, is a stop-tag) of `name`."""
        found = self.facts.get(name)
        if found is None:
            known = self.vocabulary.lookup(name)
            found = (known.name, known.kind) if known is not None else None
            found = self.facts[name] = (found, self.vocabulary.is_stop(name))
            self.changed = True
        self.used.add(name)
        return found


class _ArticleVocabulary:
    """What the vocabulary finds in one article: its tags, most mentioned first, and for a
    name, whether the text prints it only inside vocabulary terms. The matches are found
    only when needed; `stored` is what an earlier build kept (`stored_form`); `spans`,
    where the matches are (``spans()``), when found in another process."""

    def __init__(
        self,
        article: TaggableArticle,
        vocabulary: Vocabulary,
        stored: tuple | None = None,
        matches: Sequence[TagMatch] | None = None,
        spans: Sequence[tuple[int, int]] | None = None,
    ) -> None:
        self.article = article
        self.vocabulary = vocabulary
        self._matches = matches
        self._spans = spans
        self._covered: CoveredText | None = None
        self._tags: tuple[tuple[str, str], ...] | None = None
        self._inside: dict[str, bool] = {}
        if stored is not None:
            self._tags, self._inside = stored  # changed in place, then stored again
        self.changed = False

    def matches(self) -> Sequence[TagMatch]:
        if self._matches is None:
            self._matches = self.vocabulary.matches(self.article.text)
        return self._matches

    @property
    def tags(self) -> tuple[tuple[str, str], ...]:
        """(name, kind) of the vocabulary tags the article mentions, most mentioned first."""
        if self._tags is None:
            found = self.vocabulary.tags_of_matches(self.matches(), len(self.article.title))
            self._tags = tuple((tag.name, tag.kind) for tag in found)
            self.changed = True
        return self._tags

    def spans(self) -> Sequence[tuple[int, int]]:
        """Where the vocabulary's matches are in the text: ``(start, end)``."""
        if self._spans is None:
            self._spans = [(match.start, match.end) for match in self.matches()]
        return self._spans

    def only_inside(self, name: str) -> bool:
        """Whether the text prints `name`, and only inside the vocabulary's matches."""
        answer = self._inside.get(name)
        if answer is None:
            if self._covered is None:
                self._covered = CoveredText(self.article.text, self.spans())
            answer = self._inside[name] = self._covered.only_inside(name)
            self.changed = True
        return answer

    def stored_form(self) -> tuple:
        """What a memo keeps: the tags and the names asked about so far."""
        return self.tags, self._inside


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
    found = _ArticleVocabulary(article, vocabulary, matches=matches)
    return _automatic_tags(article, tagger, settings, found, _VocabularyNames(vocabulary))


def _automatic_tags(
    article: TaggableArticle,
    tagger: EntityTagger,
    settings: AutotagSettings,
    found: _ArticleVocabulary,
    names: _VocabularyNames,
) -> list[AssignedTag]:
    """`automatic_tags`, with what the vocabulary says of the article and of names."""
    if settings.max_tags == 0:
        return []
    # Ask for spares: stop-tags and duplicates are removed after the tagger ranks.
    ranked = tagger.tags(
        article.title,
        article.body,
        limit=settings.max_tags * 2,
        min_score=settings.min_score,
        kinds=settings.kinds,
    )
    tags: list[AssignedTag] = []
    seen: set[str] = set()
    for entity in ranked:
        known, stop = names.of(entity.name)
        if known is not None:
            tag = _assigned_tag(known[0], "vocabulary", known[1])
        else:
            tag = _assigned_tag(entity.name, "automatic", entity.kind)
        key = tag_key(tag.name)
        if not key or key in seen or stop:
            continue
        if known is None and found.only_inside(entity.name):
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
    found = _ArticleVocabulary(article, vocabulary)
    return _assign_tags(article, tagger, settings, found, _VocabularyNames(vocabulary))


def _assign_tags(
    article: TaggableArticle,
    tagger: EntityTagger | None,
    settings: AutotagSettings,
    found: _ArticleVocabulary,
    names: _VocabularyNames,
) -> list[AssignedTag]:
    """`assign_tags`, with what the vocabulary says of the article and of names."""
    tags: list[AssignedTag] = []
    seen: set[str] = set()

    def add(tag: AssignedTag) -> None:
        key = tag_key(tag.name) or tag.name  # a name of symbols only is its own key
        if key not in seen:
            seen.add(key)
            tags.append(tag)

    for name in article.hand_tags:  # 1
        add(_assigned_tag(name, "hand"))
    if not article.autotag or settings.max_tags == 0:
        return tags
    room = len(tags) + settings.max_tags
    for name, kind in found.tags:  # 2
        add(_assigned_tag(name, "vocabulary", kind))
    if tagger is not None:
        for tag in _automatic_tags(article, tagger, settings, found, names):  # 3
            add(tag)
    return tags[:room]  # 4: stop-tags and duplicates are already out


def vocabulary_key(vocabulary: Vocabulary) -> str:
    """A hash of everything in the vocabulary that decides what it matches and maps."""
    return digest_of(vocabulary.tags, vocabulary.stop)


def tag_articles(
    articles: Sequence[TaggableArticle],
    vocabulary: Vocabulary,
    settings: AutotagSettings,
    memo: ArticleMemo | None = None,
    processes: int = 1,
) -> list[list[AssignedTag]]:
    """Every article's tags (in the order given), fitting the tagger once for all.

    With a `memo` (a ``broadsheet.buildcache.Memo`` kept between builds), what does not
    depend on the rest of the corpus is worked out once per article and kept: the
    tagger's reading of it (see ``EntityTagger``), its vocabulary tags and what the
    vocabulary says of the names found in it. The tags are those assigned without it.

    With `processes` above 1 and at least ``PARALLEL_MIN_ARTICLES`` articles to read (the
    memo lacks them), the reading and the vocabulary's matching of each, which depend on
    that article alone, are shared out between this process and forked ones
    (``broadsheet.forked``); the rest runs here. The tags are the same.
    """
    with collection_paused():  # millions of small acyclic objects: see broadsheet.perf
        return _tag_articles(articles, vocabulary, settings, memo, processes)


PARALLEL_MIN_ARTICLES = 500  # fewer articles to read than this: read in this process


def _read_elsewhere(
    articles: Sequence[TaggableArticle],
    vocabulary: Vocabulary,
    settings: AutotagSettings,
    memo: ArticleMemo | None,
    keys: Sequence[str] | None,
    vocabulary_hash: str,
    processes: int,
) -> tuple[dict[int, Any], dict[int, tuple]]:
    """The tagger's readings and the vocabulary tags of the articles the memo lacks (with
    where its matches are, which the tags' names are then checked against), by index,
    worked out in `processes` processes (none when there are too few)."""
    if processes < 2 or settings.max_tags == 0:
        return {}, {}
    jobs = []
    for index, article in enumerate(articles):
        if not article.autotag:
            continue  # read by the tagger all the same, when another article wants tags
        if memo is None or memo.get(("vocabulary", vocabulary_hash, keys[index])) is None:
            jobs.append(("tags", index))
    jobs += [
        ("read", index)
        for index in range(len(articles))
        if memo is None or memo.get(keys[index]) is None
    ]
    if sum(kind == "read" for kind, _ in jobs) < PARALLEL_MIN_ARTICLES:
        return {}, {}
    documents = [(article.title, article.body) for article in articles]

    def work(share: list[tuple[str, int]]) -> tuple[dict, dict]:
        readings = read_articles(documents, [index for kind, index in share if kind == "read"])
        tags = {}
        for kind, index in share:
            if kind == "tags":
                found = _ArticleVocabulary(articles[index], vocabulary)
                tags[index] = (found.tags, found.spans())
        return readings, tags

    readings: dict[int, Any] = {}
    tags: dict[int, tuple] = {}
    for read, found in share_out(work, jobs, processes):
        readings.update(read)
        tags.update(found)
    return readings, tags


def _tag_articles(
    articles: Sequence[TaggableArticle],
    vocabulary: Vocabulary,
    settings: AutotagSettings,
    memo: ArticleMemo | None,
    processes: int = 1,
) -> list[list[AssignedTag]]:
    wanted = settings.max_tags > 0 and any(article.autotag for article in articles)
    keys = [article_key(a.title, a.body) for a in articles] if memo is not None else None
    vocabulary_hash = vocabulary_key(vocabulary) if memo is not None else ""
    readings, found_tags = _read_elsewhere(
        articles, vocabulary, settings, memo, keys, vocabulary_hash, processes
    )
    tagger = fit_tagger(articles, memo, keys, readings) if wanted else None

    def found_in(index: int, stored: tuple | None = None) -> _ArticleVocabulary:
        if stored is None and index in found_tags:
            tags, spans = found_tags[index]
            found = _ArticleVocabulary(articles[index], vocabulary, (tags, {}), spans=spans)
            found.changed = True  # worked out elsewhere this build: new to the memo
            return found
        return _ArticleVocabulary(articles[index], vocabulary, stored)

    if memo is None:
        names = _VocabularyNames(vocabulary)
        return [
            _assign_tags(article, tagger, settings, found_in(index), names)
            for index, article in enumerate(articles)
        ]
    names_key = ("vocabulary-names", vocabulary_hash)
    names = _VocabularyNames(vocabulary, memo.get(names_key))
    assigned = []
    for index, (article, key) in enumerate(zip(articles, keys, strict=True)):
        memo_key = ("vocabulary", vocabulary_hash, key)
        found = found_in(index, memo.get(memo_key))
        assigned.append(_assign_tags(article, tagger, settings, found, names))
        if found.changed:
            memo.put(memo_key, found.stored_form())
    if names.changed or len(names.facts) > 2 * len(names.used):
        # Kept to the names this build asked about, so that it does not grow for ever.
        memo.put(names_key, {name: names.facts[name] for name in names.used})
    return assigned


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
