"""Article metadata read from the text of a scrape: dates, byline, outlet, section,
dateline, wire agency and language.

Every function here is pure: it takes lines or strings and returns values, so the
same rules serve plain-text scrapes now and HTML pages later.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}

# Zone abbreviations news sites print after a time. Ambiguous ones (IST, CST) are
# left out on purpose: a wrong offset is worse than none.
ZONE_OFFSETS = {
    "UTC": 0, "GMT": 0, "Z": 0, "BST": 60, "WET": 0, "WEST": 60, "CET": 60, "CEST": 120,
    "EET": 120, "EEST": 180, "MSK": 180, "GST": 240, "PKT": 300, "NPT": 345, "ICT": 420,
    "WIB": 420, "MYT": 480, "SGT": 480, "HKT": 480, "PHT": 480, "AWST": 480, "WITA": 480,
    "JST": 540, "KST": 540, "WIT": 540, "AEST": 600, "AEDT": 660, "NZST": 720, "NZDT": 780,
    "EST": -300, "EDT": -240, "CDT": -300, "MST": -420, "MDT": -360, "PST": -480,
    "PDT": -420, "EAT": 180, "CAT": 120, "WAT": 60, "SAST": 120, "ET": None, "PT": None,
}  # fmt: skip

_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_TIME = (
    r"(?:[,\s]+(?:at\s+)?(?P<hour>[0-2]?\d)[:.](?P<minute>[0-5]\d)(?::(?P<second>[0-5]\d))?"
    r"\s*(?P<ampm>[ap]\.?m\.?)?"
    r"(?:\s*\(?(?P<zone>(?:GMT|UTC)\s*[+-−]\s*\d{1,2}(?::?\d\d)?|[+-−]\d\d:?\d\d|[A-Z]{1,5})\)?)?)?"
)
DATE_PATTERNS = [
    re.compile(
        r"(?P<year>(?:19|20)\d\d)-(?P<month>[01]\d)-(?P<day>[0-3]\d)"
        r"(?:[T ](?P<hour>[0-2]\d):(?P<minute>[0-5]\d)(?::(?P<second>[0-5]\d))?(?:\.\d+)?"
        r"(?P<zone>Z|[+-]\d\d:?\d\d)?)?"
    ),
    re.compile(r"\b" + _DAY + r"\s+" + _MONTH + r",?\s+" + _YEAR + r"\b" + _TIME, re.I),
    re.compile(r"\b" + _MONTH + r"\s+" + _DAY + r",?\s+" + _YEAR + r"\b" + _TIME, re.I),
    re.compile(
        r"\b(?P<day>[0-3]?\d)[/.](?P<month>[01]?\d)[/.](?P<year>(?:19|20)\d\d)\b" + _TIME, re.I
    ),
    # Time first: "09:15, 6 JUN 2025", "10.30am 3 March 2025 (GMT+8)".
    re.compile(
        r"\b(?P<hour>[0-2]?\d)[:.](?P<minute>[0-5]\d)\s*(?P<ampm>[ap]\.?m\.?)?"
        r"(?:\s*(?P<zone>[A-Z]{2,5}))?[,\s]+" + _DAY + r"\s+" + _MONTH + r",?\s+" + _YEAR + r"\b",
        re.I,
    ),
]

PUBLISHED_LABEL = re.compile(
    r"^\W*(published|posted|first published|date|publication date|released|"
    r"diterbitkan|publié|veröffentlicht|publicado)\b",
    re.I,
)
MODIFIED_LABEL = re.compile(
    r"^\W*(updated|last updated|modified|last modified|dikemas kini|mis à jour|"
    r"aktualisiert|actualizado)\b",
    re.I,
)
BYLINE = re.compile(
    r"^(?:by|written by|words by|reporting by|oleh|par|von|por)\s+(?P<names>.+)$", re.I
)
AGENCIES = {
    "AFP": "AFP", "Agence France-Presse": "AFP", "AP": "AP", "Associated Press": "AP",
    "Reuters": "Reuters", "Bernama": "Bernama", "PTI": "PTI", "ANI": "ANI", "IANS": "IANS",
    "Xinhua": "Xinhua", "dpa": "dpa", "EFE": "EFE", "ANSA": "ANSA", "Kyodo": "Kyodo",
    "Yonhap": "Yonhap", "UPI": "UPI", "Anadolu": "Anadolu", "AAP": "AAP", "Antara": "Antara",
}  # fmt: skip
_AGENCY = "|".join(sorted((re.escape(a) for a in AGENCIES), key=len, reverse=True))
_UPPER = r"[A-ZÀ-ÖØ-Þ]"
DATELINE = re.compile(
    r"^(?P<place>" + _UPPER + r"[A-ZÀ-ÖØ-Þ'’.\-]+(?:[ \-]" + _UPPER + r"[A-ZÀ-ÖØ-Þ'’.\-]+){0,3})"
    r"(?:,\s*(?:[A-Z][a-z]+\.?\s+\d{1,2}|[A-Z][a-zA-Z]+))?"
    r"\s*(?:\((?:(?P<agency>" + _AGENCY + r")|[A-Z]{2,6})\))?\s*(?::|—|–|--|-)\s+\S"
)
AGENCY_IN_TEXT = re.compile(
    r"\b(?:told|according to|said in an interview with|speaking to)\s+(?:the\s+)?"
    r"(?P<agency>" + _AGENCY + r")\b"
)
AGENCY_LINE = re.compile(
    r"^(?:[-—–]+\s*|\(|source\s*:\s*|by\s+)?(?P<agency>" + _AGENCY + r")\)?\s*(?:photo|pic)?\.?$",
    re.I,
)
ROLE_SUFFIX = re.compile(
    r",\s*(?:[\w ]*\b(?:reporter|correspondent|editor|writer|staff|contributor|columnist|"
    r"journalist|photographer|desk))\s*$",
    re.I,
)
NOT_A_PERSON = r"\b(?:staff|correspondent|agencies|desk|team|newsroom|reporters)\b"
BREADCRUMB = re.compile(r"^home\s*(?:>|/|»|›|\|)\s*(?P<section>[^>/»›|]+)", re.I)
COPYRIGHT = re.compile(r"(?:©|\(c\)|copyright)\s*(?:\d{4}(?:\s*[-–]\s*\d{4})?)?\s*", re.I)
NAME_RUN = re.compile(r"\b(?:The\s+)?[A-Z][\w’'&.-]*(?:\s+[A-Z][\w’'&.-]*){1,3}\b")
# Words that make up site furniture, never an outlet's name on their own.
FURNITURE_WORDS = {
    "top", "stories", "story", "today", "follow", "us", "login", "log", "in", "sign", "subscribe",
    "subscriber", "most", "read", "popular", "trending", "home", "latest", "news", "more",
    "related", "also", "share", "this", "article", "privacy", "policy", "terms", "use",
    "contact", "about", "advertise", "with", "cookie", "cookies", "all", "rights", "reserved",
    "newsletter", "sign-up", "menu", "search", "world", "business", "sport", "sports",
    "opinion", "video", "videos", "live", "breaking", "tv", "epaper", "e-paper", "edition",
    "text", "size", "already", "here", "now", "day", "week", "editor's", "picks", "the",
    "of", "and", "for", "on", "our", "your", "app", "download", "accept", "manage",
    "settings", "back", "to", "advertisement", "sponsored", "content", "partner",
    "facebook", "twitter", "x", "whatsapp", "email", "e-mail", "linkedin", "telegram",
    "instagram", "pinterest", "reddit", "youtube", "tiktok", "threads", "print", "copy",
    "link", "comments", "comment", "bookmark", "save", "listen",
}  # fmt: skip
LANGUAGE_WORDS = {
    "en": "the and of to in that is was for with said on as by from have has",
    "ms": "yang dan di dengan untuk ini itu dalam tidak akan kepada pada oleh telah",
    "id": "yang dan di dengan untuk ini itu dalam tidak akan kepada pada oleh sudah",
    "fr": "le la les et des du un une est dans que pour pas sur qui au",
    "de": "der die das und ist nicht mit von den zu ein eine sich auf dem",
    "es": "el la los las y de que en un una por con para es del se",
    "pt": "o a os as e de que em um uma por com para não do da",
    "it": "il lo la gli le e di che in un una per con non del della",
}


@dataclass(frozen=True)
class FoundDate:
    """A date read from a line: the value and whether the source gave a time."""

    value: datetime
    has_time: bool


def parse_date(text: str) -> FoundDate | None:
    """Return the first date written in `text`, timezone-aware when a zone is printed."""
    for pattern in (DATE_PATTERNS[-1], *DATE_PATTERNS[:-1]):
        for match in pattern.finditer(text):
            found = _date_from_match(match)
            if found is not None:
                return found
    return None


def _date_from_match(match: re.Match[str]) -> FoundDate | None:
    parts = match.groupdict()
    month = parts["month"]
    month_number = int(month) if month.isdigit() else MONTHS[month.lower().rstrip(".")]
    try:
        day = date(int(parts["year"]), month_number, int(parts["day"]))
    except ValueError:
        return None
    if not parts.get("hour"):
        return FoundDate(datetime(day.year, day.month, day.day), has_time=False)
    hour = int(parts["hour"])
    ampm = (parts.get("ampm") or "").replace(".", "").lower()
    if ampm == "pm" and hour < 12:
        hour += 12
    elif ampm == "am" and hour == 12:
        hour = 0
    if hour > 23:
        return FoundDate(datetime(day.year, day.month, day.day), has_time=False)
    value = datetime(
        day.year, day.month, day.day, hour, int(parts["minute"]), int(parts.get("second") or 0)
    )
    zone = _zone(parts.get("zone"))
    return FoundDate(value.replace(tzinfo=zone) if zone else value, has_time=True)


def _zone(text: str | None) -> timezone | None:
    if not text:
        return None
    text = text.replace("−", "-").replace(" ", "").upper()
    if text in ZONE_OFFSETS:
        minutes = ZONE_OFFSETS[text]
        return None if minutes is None else timezone(timedelta(minutes=minutes))
    match = re.fullmatch(r"(?:GMT|UTC)?([+-])(\d{1,2}):?(\d\d)?", text)
    if not match:
        return None
    sign = -1 if match.group(1) == "-" else 1
    minutes = int(match.group(2)) * 60 + int(match.group(3) or 0)
    if minutes > 14 * 60:
        return None
    return timezone(sign * timedelta(minutes=minutes))


@dataclass(frozen=True)
class PageDates:
    """Dates found around an article: when published, updated and retrieved."""

    published: FoundDate | None = None
    modified: FoundDate | None = None
    retrieved: FoundDate | None = None


def find_dates(header: Sequence[str], title: str | None, trailer: Sequence[str] = ()) -> PageDates:
    """Read published, updated and crawl ("today's date") dates from furniture lines.

    A labelled line ("Published on:", "Updated:") says what its date is. A bare date
    line printed above the headline is the page's own "today" banner, so it is the
    retrieval date when a publication date is found elsewhere, and the publication
    date otherwise. A bare date line under the headline is the publication date.
    """
    published = modified = above_title = None
    seen_title = title is None
    for line in [*header, *trailer]:
        if not seen_title and line == title:
            seen_title = True
            continue
        if len(line) > 160:
            continue
        found = parse_date(line)
        if found is None:
            continue
        if MODIFIED_LABEL.match(line):
            modified = modified or found
        elif PUBLISHED_LABEL.match(line) or seen_title:
            published = published or found
        elif above_title is None:
            above_title = found
    if published is None:
        return PageDates(published=above_title, modified=modified)
    return PageDates(published=published, modified=modified, retrieved=above_title)


def find_byline(lines: Iterable[str]) -> str | None:
    """Return the people credited in a "By …" or "Reporting by …" line, if any."""
    for line in lines:
        match = BYLINE.match(line.strip())
        if not match or len(line) > 120:
            continue
        names = re.split(r";|\s+\|\s+", match.group("names"))[0]
        names = re.sub(r"\s*[,(–—-]\s*(?:" + _AGENCY + r")\)?\s*$", "", names).strip(" .,")
        if parse_date(names) or not re.match(r"[A-Z\u00C0-\u024F]", names):
            continue
        names = ROLE_SUFFIX.sub("", names).strip(" .,")
        if not names or names in AGENCIES or re.search(NOT_A_PERSON, names, re.I):
            continue
        return names
    return None


def find_dateline(first_paragraph: str) -> tuple[str | None, str | None]:
    """Return the dateline place and any agency in it ("GENEVA (Reuters) -")."""
    match = DATELINE.match(first_paragraph)
    if not match:
        return None, None
    place = match.group("place").strip(" .-")
    if sum(ch.isalpha() for ch in place) < 3 or place in AGENCIES:
        return None, None
    agency = match.group("agency")
    return place, AGENCIES.get(agency) if agency else None


def find_agency(
    body: Sequence[str], furniture: Sequence[str], dateline_agency: str | None
) -> str | None:
    """Return the wire agency credited for the story, not for a photo."""
    if dateline_agency:
        return dateline_agency
    for line in furniture:
        match = AGENCY_LINE.match(line.strip())
        if match and not re.search(r"photo|pic", line, re.I):
            return _agency_name(match.group("agency"))
    for paragraph in [*body[:2], *body[-2:]]:
        match = AGENCY_IN_TEXT.search(paragraph)
        if match:
            return _agency_name(match.group("agency"))
    for paragraph in body:
        match = AGENCY_IN_TEXT.search(paragraph)
        if match:
            return _agency_name(match.group("agency"))
    return None


def _agency_name(text: str) -> str:
    for name, canonical in AGENCIES.items():
        if name.lower() == text.lower():
            return canonical
    return text


def find_section(header: Sequence[str]) -> str | None:
    """Return the top-level section from a breadcrumb line ("Home > World > Asia")."""
    for line in header:
        match = BREADCRUMB.match(line.strip())
        if match:
            section = match.group("section").strip()
            if 0 < len(section) <= 40:
                return section
    return None


def find_outlet(
    furniture: Sequence[str], avoid: str = "", credits: Sequence[str] = ()
) -> str | None:
    """Name the outlet a scrape came from, read from its furniture lines.

    The outlet is the name its own furniture repeats: a run of capitalised words,
    counted wherever it appears in the furniture (any case), with extra weight when it
    stands alone on a line (a masthead) or follows a copyright sign. Photo `credits`
    add weight to a name but never make one (a photographer's name repeats too). Runs
    made only of furniture vocabulary ("Top Stories") or found in the article itself
    (`avoid`) are not names; company suffixes ("Ltd", "AG") are dropped. Outlets named
    in content/sources.yml are matched before this, by the pipeline.
    """
    lines = [line for line in furniture if len(line) <= 200 and not BYLINE.match(line.strip())]
    spellings: dict[str, Counter[str]] = {}
    for line in lines:
        for match in NAME_RUN.finditer(line):
            name = _trim_name(match.group(0))
            if name and name.lower() not in avoid.lower():
                spellings.setdefault(name.lower(), Counter())[name] += 1
    lowered = [line.lower() for line in lines]
    credited = [credit.lower() for credit in credits]
    scored = []
    for key, forms in spellings.items():
        pattern = re.compile(r"(?<!\w)" + re.escape(key) + r"(?!\w)")
        count = sum(len(pattern.findall(line)) for line in [*lowered, *credited])
        masthead = sum(1 for line in lowered if line.strip(" .|") == key)
        copyright_mark = sum(
            1 for line in lowered if COPYRIGHT.search(line) and pattern.search(line)
        )
        score = count + 2 * masthead + copyright_mark
        if score >= 2:
            # Prefer mixed case ("Southern Cross Herald") to a masthead in capitals.
            display = max(forms, key=lambda form: (not form.isupper(), forms[form], form))
            scored.append((score, len(key.split()), display))
    return max(scored)[2] if scored else None


COMPANY_SUFFIXES = {
    "ltd", "limited", "ag", "inc", "llc", "gmbh", "bhd", "berhad", "sdn", "plc", "cic", "corp",
    "pty", "sa", "nv", "bv", "co", "group",
}  # fmt: skip


def _trim_name(run: str) -> str | None:
    words = run.split()
    while words and (
        words[-1].lower().strip(".,") in FURNITURE_WORDS
        or words[-1].lower().strip(".,") in COMPANY_SUFFIXES
    ):
        words.pop()
    while words and words[0].lower() in FURNITURE_WORDS and words[0] != "The":
        words.pop(0)
    if words[:1] == ["The"] and len(words) < 3:
        words.pop(0)
    if len(words) < 2 and not (words and len(words[0]) >= 4 and words[0].isupper()):
        return None
    if sum(len(word) < 2 for word in words) > 1:
        return None
    if all(word.lower().strip(".") in FURNITURE_WORDS for word in words):
        return None
    if any(ch.isdigit() for word in words for ch in word):
        return None
    if words and words[0].lower().rstrip(".") in MONTHS:
        return None
    return " ".join(words).strip(" .,")


def guess_language(paragraphs: Sequence[str]) -> str | None:
    """Guess the language code from common function words; None when unsure."""
    tokens = re.findall(r"[^\W\d_]+", " ".join(paragraphs[:20]).lower())
    if len(tokens) < 30:
        return None
    scores = {}
    for code, words in LANGUAGE_WORDS.items():
        vocabulary = set(words.split())
        scores[code] = sum(token in vocabulary for token in tokens) / len(tokens)
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    (best, top), (_, second) = ranked[0], ranked[1]
    if top < 0.08 or top < second * 1.3:
        return None
    return best
