"""The curated tag vocabulary (``content/tags.yml``): load it, check it, match text with it.

Curators spell each tag once, as it should read on the site, and list the other
ways the text writes it. The file has four sections of tags, one per kind, and a
list of stop-tags:

```yaml
places:                                  # kind: place
  United States: [US, U.S., USA, American, Americans]   # canonical tag: [aliases]
  Baluchistan: [Balochistan, Baluch, Baloch]
  Kenya: [Kenyan]
  Zürich:                                # no aliases: the name itself is matched
people:                                  # kind: person
  Hossein Amir-Abdollahian: [Amir-Abdollahian]
organisations:                           # kind: organisation
  United Nations: [UN, U.N.]
topics:                                  # kind: topic
  Fisheries:                             # the long form: a mapping
    aliases: [fishery, fisheries, fishing fleet, tuna]
    patterns: ['catch (?:limits?|quotas?)']   # regular expressions, matched like aliases
    min_mentions: 2                      # tag only articles that mention it twice or more
    case_sensitive: false                # true: every alias matches as written
stop: [Friday, Sunday, Government]       # never used as tags, whatever finds them
```

An entry is ``Name:`` alone, ``Name: [alias, …]`` or ``Name: {aliases, patterns,
min_mentions, case_sensitive}``; each tag's kind is the section it sits in.

Matching. The canonical name and every alias are matched on word boundaries
(no letter, digit or underscore on either side, so ``U.S.`` and ``Baluch-led`` work
and ``US`` is not found in ``USB``). A term written all in capitals (``US``,
``UN``, ``U.S.``) matches only as written, so ``US`` the country is not ``us``;
every other term matches in any case (``Zürich`` finds ``ZÜRICH`` in a dateline),
unless its entry says ``case_sensitive: true`` (``Reading`` the town, not
``reading``). Spaces in a term match any run of whitespace, and ``'`` and ``’``
match each other. Patterns are regular expressions matched on word boundaries,
case-insensitively unless ``case_sensitive: true``. At each place in the text the
longest term wins (``South Sudan`` before ``Sudan``), and matches never overlap.

Mapping. A name found some other way (an automatic tag from
``broadsheet.entities``) maps to its canonical tag when it is the canonical name,
an alias, or a full match of a pattern, under the same case rules. Stop-tags are
compared without regard to case and are never given by the vocabulary nor by the
automatic tagger. Tags given by hand are the curator's and are not touched here.

Loading refuses, with one line naming the file and the entry, anything that is
not as above: YAML errors (with the line), unknown sections or keys, a key given
twice, an alias that is not text (quote ``NO``, ``ON``, ``2024``), a term or
stop-tag claimed by two entries, a bad or empty-matching pattern, a
``min_mentions`` below 1. A missing file is an empty vocabulary.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from broadsheet.errors import BroadsheetError

KIND_SECTIONS = {
    "places": "place",
    "people": "person",
    "organisations": "organisation",
    "topics": "topic",
}
SECTION_OF_KIND = {kind: section for section, kind in KIND_SECTIONS.items()}
STOP_SECTION = "stop"
ENTRY_KEYS = ("aliases", "patterns", "min_mentions", "case_sensitive")
# In the title a mention counts this many times when vocabulary tags are ordered.
TITLE_WEIGHT = 3

_APOSTROPHES = re.compile(r"['’]")
_WORD = re.compile(r"\w+")
_YAML_PLAIN_KEY = re.compile(r"^[^\W\d_][\w.’'&()/+-]*(?: [\w.’'&()/+-]+)*$")
_YAML_RESERVED = re.compile(
    r"^(?:y|n|yes|no|true|false|on|off|null|~)$",
    re.IGNORECASE,
)


class VocabularyError(BroadsheetError):
    """The vocabulary file is not valid: one line naming the file and the entry."""


@dataclass(frozen=True, eq=False)  # one object per tag: hashed by identity, which is fast
class VocabularyTag:
    """One canonical tag: how it is spelled on the site, its kind and how text writes it."""

    name: str
    kind: str
    aliases: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    min_mentions: int = 1
    case_sensitive: bool = False

    def terms(self) -> tuple[str, ...]:
        """The canonical name and every alias: the literal strings matched in text."""
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class TagMatch:
    """A vocabulary tag found in text, at text[start:end]."""

    tag: VocabularyTag
    start: int
    end: int


def normalize_term(term: str) -> str:
    """A term as compared: whitespace runs as one space, both apostrophes as '."""
    return _APOSTROPHES.sub("'", " ".join(term.split()))


def is_all_capitals(term: str) -> bool:
    """True for terms written all in capitals (US, U.S., UN): they match only as written."""
    return any(ch.isalpha() for ch in term) and term == term.upper()


def term_regex(term: str, case_sensitive: bool) -> str:
    """The regular expression of one literal term (without the word boundaries)."""
    parts = []
    for word in term.split():
        parts.append("['’]".join(re.escape(piece) for piece in _APOSTROPHES.split(word)))
    body = r"\s+".join(parts)
    return body if case_sensitive else f"(?i:{body})"


class Vocabulary:
    """A checked vocabulary: finds its tags in text and maps other names onto them."""

    def __init__(
        self,
        tags: Iterable[VocabularyTag] = (),
        stop: Iterable[str] = (),
        source: str = "vocabulary",
    ) -> None:
        self.source = source
        self.tags = tuple(tags)
        self.stop = tuple(stop)
        self._stop_keys = {normalize_term(name).lower() for name in self.stop}
        self._exact: dict[str, VocabularyTag] = {}
        self._folded: dict[str, VocabularyTag] = {}
        self._exact_folded: dict[str, VocabularyTag] = {}
        self._patterns: list[tuple[re.Pattern[str], VocabularyTag]] = []
        # Terms grouped by their first word, each group one regex searched only in the
        # articles that contain that word: see `matches`.
        groups: dict[tuple[str, bool], list[str]] = {}
        for tag in self.tags:
            for term in tag.terms():
                key = normalize_term(term)
                sensitive = tag.case_sensitive or is_all_capitals(term)
                self._claim(tag, term, key, sensitive)
                first = _WORD.match(key)
                group = (first.group().lower() if first else "", sensitive)
                groups.setdefault(group, []).append(key)
            for pattern in tag.patterns:
                self._patterns.append((compile_pattern(pattern, tag, source), tag))
        self._groups: dict[str, list[_TermGroup]] = {}
        for (first, sensitive), terms in sorted(groups.items()):
            self._groups.setdefault(first, []).append(_TermGroup.compile(terms, sensitive))

    def _claim(self, tag: VocabularyTag, term: str, key: str, sensitive: bool) -> None:
        folded = key.lower()
        if folded in self._stop_keys:
            raise VocabularyError(
                f"{self.source}: {tag.name!r}: {term!r} is also a stop-tag; keep one of them"
            )
        # Two terms clash when one text could match both.
        if sensitive:
            clash = self._exact.get(key) or self._folded.get(folded)
        else:
            clash = self._folded.get(folded) or self._exact_folded.get(folded)
        if clash is not None and clash is not tag:
            raise VocabularyError(
                f"{self.source}: {tag.name!r}: {term!r} is also in {clash.name!r}"
            )
        if sensitive:
            self._exact[key] = tag
            self._exact_folded[folded] = tag
        else:
            self._folded[folded] = tag

    def __len__(self) -> int:
        return len(self.tags)

    def is_stop(self, name: str) -> bool:
        """True when name is a stop-tag (compared without regard to case)."""
        return normalize_term(name).lower() in self._stop_keys

    def lookup(self, name: str) -> VocabularyTag | None:
        """The tag whose canonical name, alias or pattern is exactly `name`, if any."""
        key = normalize_term(name)
        tag = self._exact.get(key) or self._folded.get(key.lower())
        if tag is not None:
            return tag
        for pattern, tag in self._patterns:
            if pattern.fullmatch(key):
                return tag
        return None

    def knows(self, name: str) -> bool:
        """True when the vocabulary has a word for `name`: a tag, an alias or a stop-tag."""
        return self.is_stop(name) or self.lookup(name) is not None

    def matches(self, text: str) -> list[TagMatch]:
        """Every mention of a vocabulary tag in text, in order, longest first, no overlaps."""
        lowered = text.lower()
        if len(lowered) != len(text):
            lowered = None  # lower() changed the length (rare scripts): no offsets to share
        words = set(_WORD.findall(lowered if lowered is not None else text.lower())) | {""}
        candidates: list[TagMatch] = []
        for first in sorted(self._groups.keys() & words):
            for group in self._groups[first]:
                table = self._exact if group.sensitive else self._folded
                for start, end, matched in group.find(text, lowered):
                    if not group.sensitive:
                        matched = matched.lower()
                    tag = table.get(matched) or table.get(normalize_term(matched))
                    if tag is not None:
                        candidates.append(TagMatch(tag, start, end))
        for pattern, tag in self._patterns:
            for found in pattern.finditer(text):
                candidates.append(TagMatch(tag, found.start(), found.end()))
        # Leftmost first, and at one place the longest.
        candidates.sort(key=lambda m: (m.start, m.start - m.end))
        kept: list[TagMatch] = []
        for candidate in candidates:
            if not kept or candidate.start >= kept[-1].end:
                kept.append(candidate)
        return kept

    def find_tags(self, title: str, body: str) -> list[VocabularyTag]:
        """The vocabulary tags an article mentions, most mentioned first."""
        text = title + "\n\n" + body
        return self.tags_of_matches(self.matches(text), len(title))

    def tags_of_matches(self, matches: Iterable[TagMatch], title_end: int) -> list[VocabularyTag]:
        """The tags of an article's matches (its title ends at title_end), most mentioned first.

        A mention in the title counts TITLE_WEIGHT times; ties go to the tag mentioned
        first. A tag with ``min_mentions`` needs that many mentions (title and body);
        stop-tags are never returned.
        """
        weight: dict[VocabularyTag, int] = {}
        mentions: dict[VocabularyTag, int] = {}
        first: dict[VocabularyTag, int] = {}
        for match in matches:
            if match.start < title_end < match.end:
                continue  # runs from the title into the body
            tag = match.tag
            weight[tag] = weight.get(tag, 0) + (TITLE_WEIGHT if match.end <= title_end else 1)
            mentions[tag] = mentions.get(tag, 0) + 1
            first.setdefault(tag, match.start)
        found = [
            tag
            for tag in weight
            if mentions[tag] >= tag.min_mentions and not self.is_stop(tag.name)
        ]
        return sorted(found, key=lambda tag: (-weight[tag], first[tag]))


def only_inside_matches(name: str, text: str, matches: Iterable[TagMatch]) -> bool:
    """True when `name` is printed in text, and only ever where the matches cover it.

    "Northgate Borough" printed only inside "Northgate Borough Council", "ALOR"
    inside "ALOR SETAR", "Brazilian Amazon" as "Brazilian" and "Amazon": the
    vocabulary already names that stretch of text. Compared without regard to
    case, on word boundaries.
    """
    return CoveredText(text, [(match.start, match.end) for match in matches]).only_inside(name)


class CoveredText:
    """A text and where the vocabulary's matches cover it (their ``(start, end)``), to ask
    about many names."""

    def __init__(self, text: str, spans: Iterable[tuple[int, int]]) -> None:
        self.text = text
        self.lowered = text.lower()
        self.covered = bytearray(len(text))
        self.any_covered = False
        for start, end in spans:
            self.covered[start:end] = b"\x01" * (end - start)
            self.any_covered = True

    def only_inside(self, name: str) -> bool:
        """True when `name` is printed in the text, and only where the matches cover it."""
        if not self.any_covered:
            return False
        haystack, needle = self.lowered, normalize_term(name).lower()
        if not needle or len(haystack) != len(self.text):  # lower() moved offsets: rare
            return False
        covered, text = self.covered, self.text
        found = False
        start = haystack.find(needle)
        while start >= 0:
            end = start + len(needle)
            bounded = (start == 0 or not _is_word_char(haystack[start - 1])) and (
                end == len(haystack) or not _is_word_char(haystack[end])
            )
            if bounded:
                gap = covered.find(0, start, end)
                while gap >= 0:  # an uncovered character: only a space may be one
                    if not text[gap].isspace():
                        return False
                    gap = covered.find(0, gap + 1, end)
                found = True
            start = haystack.find(needle, start + 1)
        return found


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


@dataclass(frozen=True)
class _TermGroup:
    """Literal terms sharing a first word and a case rule, as one regex.

    The regex starts with the shared first word, so the regex engine scans for that
    literal instead of trying every position; a case-insensitive group is searched in
    the lower-cased text for the same reason. The word boundary before a match is
    checked after (a look-behind first would stop that scan).
    """

    sensitive: bool
    regex: re.Pattern[str]
    fallback: re.Pattern[str]

    @classmethod
    def compile(cls, terms: list[str], sensitive: bool) -> _TermGroup:
        ordered = sorted(terms, key=len, reverse=True)  # the longest term wins
        literal = [term_regex(key if sensitive else key.lower(), True) for key in ordered]
        exact = [term_regex(key, sensitive) for key in ordered]
        return cls(
            sensitive=sensitive,
            regex=re.compile("(?:" + "|".join(literal) + r")(?!\w)"),
            fallback=re.compile(r"(?<!\w)(?:" + "|".join(exact) + r")(?!\w)"),
        )

    def find(self, text: str, lowered: str | None) -> Iterator[tuple[int, int, str]]:
        """(start, end, text as printed) of each match in text."""
        if not self.sensitive and lowered is None:
            for found in self.fallback.finditer(text):
                yield found.start(), found.end(), found.group()
            return
        haystack = text if self.sensitive else lowered
        for found in self.regex.finditer(haystack):
            start, end = found.span()
            if start == 0 or not _is_word_char(haystack[start - 1]):
                yield start, end, text[start:end]


def compile_pattern(pattern: str, tag: VocabularyTag, source: str) -> re.Pattern[str]:
    """A curator's pattern, bounded by word boundaries; refused when bad or empty-matching."""
    flags = 0 if tag.case_sensitive else re.IGNORECASE
    try:
        compiled = re.compile(rf"(?<!\w)(?:{pattern})(?!\w)", flags)
    except re.error as error:
        raise VocabularyError(
            f"{source}: {tag.name!r}: bad pattern {pattern!r}: {error}"
        ) from error
    if re.fullmatch(pattern, "", flags) is not None:
        raise VocabularyError(f"{source}: {tag.name!r}: pattern {pattern!r} matches nothing")
    return compiled


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing a mapping that gives the same key twice."""


def _construct_unique_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode) -> dict:
    seen: set = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise VocabularyError(
                f"{loader.name}: line {key_node.start_mark.line + 1}: {key!r} is given twice"
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=True)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping
)


def _text_list(value: object, source: str, where: str, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        value = [value]
    items = []
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise VocabularyError(
                f"{source}: {where}: {what} {item!r} is not text (put it in quotes)"
            )
        items.append(" ".join(item.split()))
    return tuple(items)


def _entry(name: object, value: object, kind: str, source: str, section: str) -> VocabularyTag:
    if not isinstance(name, str) or not name.strip():
        raise VocabularyError(f"{source}: {section}: tag name {name!r} is not text (quote it)")
    name = " ".join(name.split())
    where = f"{section}: {name!r}"
    if value is None or isinstance(value, list | str):
        return VocabularyTag(name, kind, _text_list(value, source, where, "alias"))
    if not isinstance(value, dict):
        raise VocabularyError(
            f"{source}: {where}: give a list of aliases or a mapping of {', '.join(ENTRY_KEYS)}"
        )
    unknown = sorted(str(key) for key in value if key not in ENTRY_KEYS)
    if unknown:
        raise VocabularyError(
            f"{source}: {where}: unknown key {unknown[0]!r} (use {', '.join(ENTRY_KEYS)})"
        )
    min_mentions = value.get("min_mentions", 1)
    if isinstance(min_mentions, bool) or not isinstance(min_mentions, int) or min_mentions < 1:
        raise VocabularyError(f"{source}: {where}: min_mentions must be a whole number >= 1")
    case_sensitive = value.get("case_sensitive", False)
    if not isinstance(case_sensitive, bool):
        raise VocabularyError(f"{source}: {where}: case_sensitive must be true or false")
    return VocabularyTag(
        name=name,
        kind=kind,
        aliases=_text_list(value.get("aliases"), source, where, "alias"),
        patterns=_text_list(value.get("patterns"), source, where, "pattern"),
        min_mentions=min_mentions,
        case_sensitive=case_sensitive,
    )


def parse_vocabulary(text: str, source: str = "tags.yml") -> Vocabulary:
    """Parse and check the vocabulary file's text; `source` names it in errors."""
    try:
        loader = _UniqueKeyLoader(text)
        loader.name = source
        try:
            data = loader.get_single_data()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as error:
        line = f"line {error.problem_mark.line + 1}: " if error.problem_mark else ""
        raise VocabularyError(f"{source}: {line}not valid YAML: {error.problem}") from error
    except yaml.YAMLError as error:
        raise VocabularyError(f"{source}: not valid YAML: {error}") from error
    if data is None:
        return Vocabulary(source=source)
    if not isinstance(data, dict):
        raise VocabularyError(f"{source}: expected sections {', '.join(_sections())}")
    unknown = sorted(str(key) for key in data if key not in _sections())
    if unknown:
        raise VocabularyError(
            f"{source}: unknown section {unknown[0]!r} (use {', '.join(_sections())})"
        )
    stop = _text_list(data.get(STOP_SECTION), source, STOP_SECTION, "stop-tag")
    tags = []
    for section, kind in KIND_SECTIONS.items():
        entries = data.get(section)
        if entries is None:
            continue
        if not isinstance(entries, dict):
            raise VocabularyError(f"{source}: {section}: expected a mapping of tag to aliases")
        tags.extend(_entry(name, value, kind, source, section) for name, value in entries.items())
    return Vocabulary(tags, stop, source)


def _sections() -> tuple[str, ...]:
    return (*KIND_SECTIONS, STOP_SECTION)


def load_vocabulary(path: Path) -> Vocabulary:
    """Read and check the vocabulary file; a missing file is an empty vocabulary."""
    if not path.exists():
        return Vocabulary(source=str(path))
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise VocabularyError(f"{path}: cannot be read: {error}") from error
    return parse_vocabulary(text, str(path))


# Growing the file: `tasks.py tags suggest --accept` appends text, keeping the rest as is.

VOCABULARY_HEADER = """\
# The site's tag vocabulary: see "Tags" in README.md.
"""


def yaml_key(name: str) -> str:
    """`name` written as a YAML mapping key: plain when safe, else double-quoted."""
    if _YAML_PLAIN_KEY.match(name) and not _YAML_RESERVED.match(name):
        return name
    return json.dumps(name, ensure_ascii=False)


def append_entries(
    text: str, additions: Mapping[str, Iterable[tuple[str, str]]], source: str = "tags.yml"
) -> str:
    """Return the vocabulary text with new entries added at the end of their sections.

    `additions` maps a section (places, people, organisations, topics) to
    (tag name, comment) pairs; each becomes ``Name: []  # comment``. Everything
    already in the text, comments included, is kept byte for byte. A section that
    is missing is added at the end; one written inline (``places: {}``) is refused.
    """
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    for section in KIND_SECTIONS:
        new = list(additions.get(section, ()))
        if not new:
            continue
        header = _section_header(lines, section, source)
        if header is None:
            if lines and lines[-1].strip():
                lines.append("\n")
            lines.append(f"{section}:\n")
            insert_at, indent = len(lines), "  "
        else:
            insert_at, indent = _section_end(lines, header)
        lines[insert_at:insert_at] = [
            f"{indent}{yaml_key(name)}: []" + (f"  # {comment}" if comment else "") + "\n"
            for name, comment in new
        ]
    return "".join(lines)


def _section_header(lines: list[str], section: str, source: str) -> int | None:
    block = re.compile(rf"^{section}\s*:\s*(?:#.*)?$")
    inline = re.compile(rf"^{section}\s*:\s*\S")
    for number, line in enumerate(lines):
        if block.match(line.rstrip("\n")):
            return number
        if inline.match(line):
            raise VocabularyError(
                f"{source}: section {section!r} is written inline; write it as a block to add to it"
            )
    return None


def _section_end(lines: list[str], header: int) -> tuple[int, str]:
    """Where the section's last entry line ends, and the indentation of its entries."""
    end, indent = header + 1, None
    for number in range(header + 1, len(lines)):
        line = lines[number]
        stripped = line.strip()
        if not stripped:
            continue
        if not line[0].isspace():
            if stripped.startswith("#"):
                continue  # a comment at the margin may introduce the next section
            break
        end = number + 1
        if indent is None and not stripped.startswith("#"):
            indent = line[: len(line) - len(line.lstrip())]
    return end, indent or "  "
