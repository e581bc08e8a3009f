"""Article metadata: dates, byline, outlet, section, dateline, wire agency and language,
read from the lines of a plain-text scrape or, with `page_metadata`, from a saved HTML page.

Every function here is pure: it takes lines or strings and returns values, and the
HTML reader reuses the text rules (dates, agencies, languages) for what pages print.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from html import unescape
from urllib.parse import urlsplit

import lxml.html
from lxml import etree

from broadsheet.sanitize import safe_url, strip_tracking
from broadsheet.text import normalize_space

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


# --- Saved HTML pages -------------------------------------------------------------------

ARTICLE_TYPES = frozenset(
    {
        "Article", "NewsArticle", "ReportageNews", "AnalysisNewsArticle", "OpinionNewsArticle",
        "ReviewNewsArticle", "BackgroundNewsArticle", "AskPublicNewsArticle", "BlogPosting",
        "LiveBlogPosting", "SocialMediaPosting", "DiscussionForumPosting", "ScholarlyArticle",
        "TechArticle", "Report", "SatiricalArticle", "AdvertiserContentArticle",
        "MedicalScholarlyArticle", "APIReference",
    }
)  # fmt: skip
PAGE_TYPES = frozenset({"WebPage", "ItemPage", "AboutPage", "CollectionPage", "ProfilePage"})
PERSON_TYPES = frozenset({"Person"})
ORGANIZATION_TYPES = frozenset(
    {
        "Organization",
        "NewsMediaOrganization",
        "Corporation",
        "WebSite",
        "Brand",
        "EducationalOrganization",
    }
)
# Labels under a country's top-level domain that are not the site's own ("co.uk").
SECOND_LEVEL_LABELS = frozenset({"co", "com", "org", "net", "gov", "edu", "ac", "or", "ne", "go"})
# Values templates leave in metadata fields they had nothing for.
PLACEHOLDERS = frozenset({"nil", "null", "none", "undefined", "n/a", "na", "false", "-", "title"})
# Separators between a headline and the site's name in a <title> or og:title.
TITLE_SEPARATOR = re.compile(r"(\s+(?:\||-|–|—|::|·|•|»)\s+)")
# <meta> keys (name, property or itemprop, lowercased) in order of trust for each field.
TITLE_META = (
    "og:title", "twitter:title", "dc.title", "dcterms.title", "parsely-title", "sailthru.title",
    "headline",
)  # fmt: skip
PUBLISHED_META = (
    "article:published_time", "og:article:published_time", "article:published",
    "parsely-pub-date", "sailthru.date", "datepublished", "dc.date.issued", "dcterms.issued",
    "dc.date", "dcterms.date", "dcterms.created", "dc.date.created", "citation_publication_date",
    "citation_date", "article.published", "og:published_time", "pubdate", "publishdate",
    "publish-date", "publish_date", "publication_date", "date", "datecreated",
)  # fmt: skip
MODIFIED_META = (
    "article:modified_time", "og:article:modified_time", "datemodified", "og:updated_time",
    "dc.date.modified", "dcterms.modified", "article.updated", "last-modified", "lastmod",
)  # fmt: skip
AUTHOR_META = (
    "dc.creator", "dcterms.creator", "author", "article:author", "og:article:author",
    "parsely-author", "sailthru.author", "byl", "byline", "citation_author", "creator",
)  # fmt: skip
SITE_META = (
    "og:site_name", "application-name", "dc.publisher", "dcterms.publisher",
    "apple-mobile-web-app-title", "publisher",
)  # fmt: skip
DESCRIPTION_META = ("og:description", "description", "twitter:description", "dc.description")
IMAGE_META = (
    "og:image",
    "og:image:url",
    "og:image:secure_url",
    "twitter:image",
    "twitter:image:src",
)
SECTION_META = ("article:section", "parsely-section", "section", "sailthru.section")
LANGUAGE_META = ("content-language", "dc.language", "language", "og:locale", "inlanguage")
# Elements whose class or id names the byline ("byline", "author-name", "c-byline__item").
BYLINE_XPATH = (
    "//*[contains(translate(@class,'BYLINEAUTHOR','bylineauthor'),'byline')"
    " or contains(translate(@id,'BYLINEAUTHOR','bylineauthor'),'byline')"
    " or contains(translate(@class,'BYLINEAUTHOR','bylineauthor'),'author')"
    " or contains(translate(@id,'BYLINEAUTHOR','bylineauthor'),'author')]"
)
# Comment threads and forms credit commenters, not the article's author.
IN_FORM_OR_COMMENTS_XPATH = (
    "ancestor-or-self::*[self::form or self::label or contains(@class,'comment')"
    " or contains(@id,'comment')]"
)
NOT_BYLINE_TAGS = frozenset({"meta", "link", "script", "style", "img", "body", "html", "head"})
# Elements whose class or id says they hold the publication date.
DATE_XPATH = (
    "//*[contains(translate(@class,'DATEPUBLISHTIMO','datepublishtimo'),'date')"
    " or contains(translate(@class,'DATEPUBLISHTIMO','datepublishtimo'),'publish')"
    " or contains(translate(@class,'DATEPUBLISHTIMO','datepublishtimo'),'posted')"
    " or contains(translate(@id,'DATEPUBLISHTIMO','datepublishtimo'),'date')]"
)
# Text nodes that open with "By": the visible byline of pages without any markup for it.
BY_TEXT_XPATH = (
    "//body//text()[starts-with(normalize-space(.),'By ') or starts-with(normalize-space(.),'by ')"
    " or starts-with(normalize-space(.),'BY ')]"
)
# "By", "Analysis by", "Reporting and writing by", "Par", "Author:" opening a credit.
BYLINE_PREFIX = re.compile(
    r"^(?:(?:[^\W\d]+\s+){0,3}by|par|von|por|oleh|authors?|auteur|autor)\b\s*:?\s*", re.I
)
BYLINE_CUT = re.compile(
    r"\s+\|\s+|\s*\bhttps?://|\bwww\.|\s*[(<\[]?[\w.+-]+@[\w-]+\.[\w.]+|\s*\((?:https?:|www\.)|"
    r"\b(?:(?:last\s+)?(?:updated|modified)|published|posted|edited by|follow|view all|more from|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b|\n|"
    r"(?-i:(?<=[a-z])(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day\b)|"
    r"(?<=\w\w)\.\s+(?=[A-Z])",  # a full stop after a word ends the credit (not "Jane C. Roe")
    re.I,
)
# Lower-case words that belong inside names ("Michiel de Jong", "Ursula von der Leyen").
NAME_PARTICLES = frozenset(
    {
        "de", "da", "di", "del", "della", "der", "den", "van", "von", "la", "le", "du", "dos",
        "das", "do", "bin", "binti", "bint", "al", "el", "ibn", "ter", "ten", "y", "e", "zu",
        "af", "av", "st", "and",
    }
)  # fmt: skip
# Words that make a credit a role or a desk rather than a person.
NOT_A_NAME = frozenset(
    {
        "staff", "reporter", "reporters", "correspondent", "correspondents", "editor", "editors",
        "editorial", "writer", "writers", "contributor", "contributors", "columnist", "journalist",
        "photographer", "desk", "team", "newsroom", "agencies", "agency", "bureau", "admin",
        "administrator", "author", "authors", "guest", "anonymous", "unknown", "wire", "wires",
        "services", "service", "news", "follow", "profile", "posts", "articles", "view", "more",
        "senior", "chief", "deputy", "associate", "contributing", "special", "political",
        "online", "press", "media", "magazine", "daily", "times", "post", "herald", "tribune",
        "organization", "organisation", "foundation", "institute", "association", "society",
        "university", "company", "developers", "inc", "ltd", "group", "community", "project",
    }
)  # fmt: skip
# A credit printed at the end of a caption: "… (Photo: Jane Roe/AP)", "Credit: AFP".
_CREDIT_WORD = r"(?:photo(?:graph)?|picture|image|credit|source|pic|foto|bild|crédit|imagen)s?"
CREDIT_IN_CAPTION = re.compile(
    r"\s*[(\[]?\s*" + _CREDIT_WORD + r"(?:\s*credit)?(?:\s*:|\s+by\b|\s*/|\s+-|\s)\s*"
    r"(?P<credit>[^()\[\]]{2,80}?)\s*[)\]]?\s*\.?$",
    re.I,
)
CREDIT_PREFIX = re.compile(r"^" + _CREDIT_WORD + r"(?:\s*credit)?\s*(?::|by\b)?\s*", re.I)
# A caption that is only a credit: "Jane Roe/AOL", "Getty Images".
CREDIT_ONLY = re.compile(r"^[A-Z][\w.' -]{1,40}/[A-Z][\w.' -]{1,40}$")


@dataclass(frozen=True)
class PageMeta:
    """Metadata of a saved HTML article page; None wherever the page does not say."""

    title: str | None = None
    published: FoundDate | None = None
    modified: FoundDate | None = None
    byline: str | None = None
    site_name: str | None = None
    canonical: str | None = None
    lang: str | None = None
    description: str | None = None
    image: str | None = None
    image_caption: str | None = None
    image_credit: str | None = None
    section: str | None = None
    accessible_for_free: bool | None = None


def page_metadata(html: str, url: str | None = None) -> PageMeta:
    """Read an article page's metadata from its markup, most trusted source first.

    1. Parse once with lxml; a page that does not parse gives an empty PageMeta.
    2. Gather the page's claims: JSON-LD objects (the article node first), <meta>
       tags, microdata, <link> relations, <time> elements and byline elements.
    3. Site names first (they are needed to tell a headline from its suffix and a
       person from an outlet), then each field from its sources in order of trust:
       JSON-LD, Open Graph and other <meta>, microdata and markup, visible text.
    """
    # 1. Parse.
    tree = _parse_html(html)
    if tree is None:
        return PageMeta()
    # 2. Gather.
    page = _PageClaims(tree, url)
    # 3. Decide.
    caption, credit = page.figure()
    return PageMeta(
        title=page.title(),
        published=page.published(),
        modified=page.modified(),
        byline=page.byline(),
        site_name=page.site_name(),
        canonical=page.canonical(),
        lang=page.lang(),
        description=page.description(),
        image=page.image(),
        image_caption=caption,
        image_credit=credit,
        section=page.section(),
        accessible_for_free=page.accessible_for_free(),
    )


def _parse_html(html: str):
    """The lxml document for `html`, or None when there is nothing to parse."""
    if not isinstance(html, str) or not html.strip():
        return None
    data = html.replace("\x00", "").encode("utf-8", "replace")
    # A parser per call: lxml parsers must not be shared between threads.
    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True)
    try:
        return lxml.html.document_fromstring(data, parser=parser)
    except (etree.LxmlError, ValueError):
        return None


class _PageClaims:
    """What one parsed page says about itself, read once, decided field by field."""

    def __init__(self, tree, url: str | None) -> None:
        self.tree = tree
        self.url = url if isinstance(url, str) and url.strip() else None
        self.base = self._base_url()
        self.meta = _meta_values(tree)
        self.nodes = _jsonld_nodes(tree)
        self.ids = {
            node["@id"]: node
            for node in self.nodes
            if isinstance(node.get("@id"), str) and len(node) > 1
        }
        self.article = self._article_node()
        self.microdata = _microdata_values(tree)
        self.h1s = [
            text for text in (_text(h1) for h1 in tree.xpath("//h1")[:5]) if 0 < len(text) <= 300
        ]
        title = tree.xpath("//head/title") or tree.xpath("//title")
        self.doc_title = _text(title[0]) if title else ""
        self.site_keys = {key for key in map(_compact, self._site_candidates()) if len(key) >= 2}
        self.domain_keys = self._domain_keys()

    # -- sources --------------------------------------------------------------------

    def _base_url(self) -> str | None:
        base = self.tree.xpath("//base/@href")
        if base and isinstance(base[0], str):
            joined = _web_url(base[0], self.url)
            if joined:
                return joined
        return self.url

    def _article_node(self) -> dict | None:
        pages = []
        for node in self.nodes:
            types = _types(node)
            if _is_article(types):
                return node
            if types & PAGE_TYPES and (node.get("headline") or node.get("datePublished")):
                pages.append(node)
        return pages[0] if pages else None

    def _resolve(self, value):
        if isinstance(value, dict) and set(value) == {"@id"}:
            return self.ids.get(value["@id"], value)
        return value

    def _meta_first(self, keys: Sequence[str]) -> str | None:
        for key in keys:
            for value in self.meta.get(key, ()):
                if value:
                    return value
        return None

    def _domain_keys(self) -> set[str]:
        """The name part of the page's domains ("nytimes"): a title suffix, never a byline."""
        links = (self._canonical_raw(), self.meta.get("og:url", [None])[0], self.url)
        return {key for key in (_compact(_domain_label(link) or "") for link in links) if key}

    def _site_candidates(self) -> list[str]:
        found = []
        if self.article is not None:
            found.extend(_names(self._resolve(self.article.get("publisher")), self._resolve))
        for key in SITE_META:
            found.extend(self.meta.get(key, ()))
        for node in self.nodes:
            if _types(node) & {"WebSite"} and isinstance(node.get("name"), str):
                found.append(node["name"])
        found.extend(self.microdata.get("publisher", ()))
        # Some pages put the headline in application-name: a headline is no site name.
        headlines = {_norm(text) for key in TITLE_META[:2] for text in self.meta.get(key, ())}
        if self.article is not None and isinstance(self.article.get("headline"), str):
            headlines.add(_norm(self.article["headline"]))
        names = [(_clean_text(name) or "").strip(" |-–—·•:") for name in found]
        return [name for name in names if name and _norm(name) not in headlines]

    def _is_site_name(self, text: str, domains: bool = False) -> bool:
        """Whether `text` names the outlet (or, with `domains`, matches the page's domain)."""
        key = _compact(text)
        if not key:
            return False
        for site in self.site_keys | self.domain_keys if domains else self.site_keys:
            if key == site:
                return True
            shorter, longer = sorted((key, site), key=len)
            if len(shorter) >= 3 and longer.startswith(shorter) and len(shorter) * 2 >= len(longer):
                return True
        return False

    # -- fields ---------------------------------------------------------------------

    def site_name(self) -> str | None:
        for name in self._site_candidates():
            if len(name) <= 80 and not name.startswith(("http:", "https:", "@")):
                return name
        return None

    def title(self) -> str | None:
        """The headline, without the site name around it.

        The first metadata title that the page's <title> or an <h1> confirms, else the
        first metadata title, else the <title>, else the first <h1>.
        """
        candidates = []
        if self.article is not None:
            candidates += [self.article.get("headline"), self.article.get("name")]
        for key in TITLE_META:
            candidates.extend(self.meta.get(key, ()))
        candidates.extend(self.microdata.get("headline", ()))
        texts = [text for text in map(_clean_text, candidates) if text]
        texts = [text for text in texts if not self._is_site_name(text, domains=True)]
        confirmed = [text for text in texts if self._confirmed_title(text)]
        if confirmed or texts:
            return self._strip_site_affixes((confirmed or texts)[0])
        if self.doc_title:
            return self._strip_site_affixes(self.doc_title)
        return self.h1s[0] if self.h1s else None

    def _confirmed_title(self, text: str) -> bool:
        key = _norm(text)
        return bool(key) and (
            key in _norm(self.doc_title) or any(key == _norm(h1) for h1 in self.h1s)
        )

    def _strip_site_affixes(self, title: str) -> str:
        parts = TITLE_SEPARATOR.split(title)
        if len(parts) == 1:
            return title
        norm_h1s = {_norm(h1) for h1 in self.h1s}
        for end in range(1, len(parts), 2):
            if _norm("".join(parts[:end])) in norm_h1s:
                return "".join(parts[:end])
        section = _norm(self.section() or "")
        while len(parts) > 2 and (
            self._is_site_name(parts[-1], domains=True) or _norm(parts[-1]) == section
        ):
            parts = parts[:-2]
        while len(parts) > 2 and (
            self._is_site_name(parts[0], domains=True) or _norm(parts[0]) == section
        ):
            parts = parts[2:]
        return "".join(parts).strip()

    def published(self) -> FoundDate | None:
        values = []
        if self.article is not None:
            values.append(self.article.get("datePublished"))
        values += [value for key in PUBLISHED_META for value in self.meta.get(key, ())]
        values += self.microdata.get("datepublished", [])
        values += self.tree.xpath("//time[@pubdate]/@datetime")
        if self.article is not None:
            values.append(self.article.get("dateCreated"))
        values += self.tree.xpath("//time/@datetime")[:1]
        return _first_date(values) or self._printed_date()

    def _printed_date(self) -> FoundDate | None:
        """The date printed near the headline, in an element named for dates."""
        headline = self._headline_element()
        scope = headline.xpath("following::" + DATE_XPATH[2:]) if headline is not None else []
        for element in [*scope[:20], *self.tree.xpath(DATE_XPATH)[:20]]:
            text = _text(element)
            if 0 < len(text) <= 100 and not MODIFIED_LABEL.match(text):
                found = parse_date(text)
                if found is not None:
                    return found
        return None

    def modified(self) -> FoundDate | None:
        values = [self.article.get("dateModified")] if self.article is not None else []
        values += [value for key in MODIFIED_META for value in self.meta.get(key, ())]
        values += self.microdata.get("datemodified", [])
        return _first_date(values)

    def byline(self) -> str | None:
        if self.article is not None:
            authors = self._resolve(self.article.get("author") or self.article.get("creator"))
            people = _names(authors, self._resolve, people_only=True)
            # An author typed Person with a full name is one even when the site is named
            # after them (a personal blog); a one-word "Person" is usually the outlet.
            found = self._people(
                [name for name in people if len(name.split()) > 1],
                site_names_allowed=_all_people(authors, self._resolve),
                every_credit=True,
            ) or self._people(people)
            if found:
                return found
        for key in AUTHOR_META:
            # Several <meta name="author"> tags name several authors.
            found = self._people(self.meta.get(key, ()), every_credit=True)
            if found:
                return found
        found = self._people(self.microdata.get("author", ())) or self._people(
            [_text(a) for a in self.tree.xpath("//a[contains(concat(' ',@rel,' '),' author ')]")]
        )
        if found:
            return found
        # Printed bylines: a lone capitalised word there is as often a place or a desk.
        for source in (self._byline_element_texts(), self._by_line_texts()):
            found = self._people(source, full_names_only=True)
            if found:
                return found
        return None

    def _people(
        self,
        credits,
        site_names_allowed: bool = False,
        every_credit: bool = False,
        full_names_only: bool = False,
    ) -> str | None:
        """The people in the first credit that names any, or in all of them (every_credit).

        One printed credit reads as printed ("Jane Roe and Sam Poe"); separate credits
        (a JSON-LD author list, several author tags) are listed with commas.
        """
        groups: list[list[str]] = []
        seen: set[str] = set()
        for credit in credits:
            names = [
                name
                for name in map(self._without_site_name, _byline_names(credit))
                if (site_names_allowed or not self._is_site_name(name))
                and name not in seen
                and (not full_names_only or _is_full_name(name))
            ]
            if names:
                groups.append(names)
                seen.update(names)
                if not every_credit:
                    break
        if not groups:
            return None
        joined = [_join_names(group) for group in groups]
        return ("; " if any("," in part for part in joined) else ", ").join(joined)

    def _without_site_name(self, name: str) -> str:
        """A credit without the outlet name printed after it ("Jane Roe Valley Courier")."""
        words = name.split()
        for size in (3, 2, 1):
            if len(words) - size >= 2 and self._is_site_name(" ".join(words[-size:])):
                return " ".join(words[:-size])
        return name

    def _headline_element(self):
        h1s = self.tree.xpath("//h1")
        return h1s[0] if h1s else None

    def _byline_element_texts(self) -> list[str]:
        """Short texts of byline elements, those after the headline first."""
        headline = self._headline_element()
        after = headline.xpath("following::" + BYLINE_XPATH[2:]) if headline is not None else []
        texts = []
        for element in [*after[:30], *self.tree.xpath(BYLINE_XPATH)[:30]]:
            marks = f"{element.get('class', '')} {element.get('id', '')}".lower()
            if element.tag in NOT_BYLINE_TAGS or re.search(r"author(?:ity|i[sz])", marks):
                continue
            if element.xpath(IN_FORM_OR_COMMENTS_XPATH):
                continue
            text = _text(element)
            if 0 < len(text) <= 120:
                texts.append(text)
        return texts

    def _by_line_texts(self) -> list[str]:
        """Short elements whose visible text opens with "By"."""
        texts = []
        for node in self.tree.xpath(BY_TEXT_XPATH)[:20]:
            container = node.getparent()
            if container is not None and getattr(node, "is_tail", False):
                container = container.getparent()
            text = _text(container) if container is not None else ""
            if len(text) <= 120 and re.match(r"by\s", text, re.I):
                texts.append(text)
        return texts

    def _canonical_raw(self) -> str | None:
        for link in self.tree.xpath("//link[@rel][@href]"):
            if "canonical" in link.get("rel", "").lower().split():
                return link.get("href")
        return None

    def canonical(self) -> str | None:
        candidates = [self._canonical_raw(), *self.meta.get("og:url", ())]
        if self.article is not None:
            candidates.append(self.article.get("url"))
            main = self._resolve(self.article.get("mainEntityOfPage"))
            candidates.append(main.get("@id") if isinstance(main, dict) else main)
        candidates.append(self.url)
        for candidate in candidates:
            if isinstance(candidate, str):
                absolute = _web_url(candidate, self.base)
                if absolute:
                    return strip_tracking(absolute)
        return None

    def lang(self) -> str | None:
        root = self.tree.getroottree().getroot()
        values = [
            root.get("lang"),
            root.get("{http://www.w3.org/XML/1998/namespace}lang"),
            root.get("xml:lang"),
        ]
        values += [value for key in LANGUAGE_META for value in self.meta.get(key, ())]
        if self.article is not None:
            values.append(self.article.get("inLanguage"))
        for value in values:
            if isinstance(value, str):
                match = re.match(r"\s*([A-Za-z]{2,3})(?:[-_]|\s*$)", value)
                if match:
                    return match.group(1).lower()
        paragraphs = [_text(p) for p in self.tree.xpath("//p")[:40]]
        return guess_language([p for p in paragraphs if p])

    def description(self) -> str | None:
        values = [self._meta_first(DESCRIPTION_META)]
        if self.article is not None:
            values.append(self.article.get("description"))
        for value in values:
            text = _clean_text(value)
            if text:
                return text
        return None

    def _image_object(self):
        if self.article is None:
            return None
        image = self._resolve(self.article.get("image"))
        if isinstance(image, list):
            image = self._resolve(image[0]) if image else None
        return image

    def image(self) -> str | None:
        candidates = [value for key in IMAGE_META for value in self.meta.get(key, ())]
        image = self._image_object()
        if isinstance(image, dict):
            candidates += [image.get("url"), image.get("contentUrl")]
        elif isinstance(image, str):
            candidates.append(image)
        candidates += self.tree.xpath("//link[@rel='image_src']/@href")
        for candidate in candidates:
            if isinstance(candidate, str) and candidate.strip():
                found = _web_url(candidate, self.base)
                if found:
                    return found
        return None

    def figure(self) -> tuple[str | None, str | None]:
        """Caption and credit of the lead image: JSON-LD, else its <figure>, else alt text."""
        caption = credit = None
        image = self._image_object()
        if isinstance(image, dict):
            caption = _clean_text(image.get("caption") or image.get("description"))
            credit = _clean_text(image.get("creditText") or image.get("copyrightNotice"))
            if not credit:
                holder = _names(
                    self._resolve(image.get("copyrightHolder") or image.get("author")),
                    self._resolve,
                )
                credit = holder[0] if holder else None
        if caption is None and credit is None:
            caption, credit = self._figure_caption()
        if caption is None and credit is None:
            caption = _clean_text(self._meta_first(("og:image:alt", "twitter:image:alt")))
        if caption and not credit:
            match = CREDIT_IN_CAPTION.search(caption)
            if match:
                credit, caption = match.group("credit"), caption[: match.start()]
            elif CREDIT_ONLY.match(caption):
                credit, caption = caption, None
        if credit:
            credit = CREDIT_PREFIX.sub("", credit).strip(" ()[].|") or None
        return (caption or "").strip(" |") or None, credit

    def _figure_caption(self) -> tuple[str | None, str | None]:
        """Caption and credit printed under the lead image in the article."""
        figures = self.tree.xpath("//article//figure[.//figcaption]")
        if not figures and not self.tree.xpath("//article"):
            figures = self.tree.xpath("//figure[.//figcaption]")
        lead = self.image()
        name = urlsplit(lead).path.rsplit("/", 1)[-1] if lead else ""
        if name:
            for figure in figures:
                sources = " ".join(figure.xpath(".//img/@src | .//img/@srcset | .//img/@data-src"))
                if name in sources:
                    figures = [figure]
                    break
        if not figures:
            return None, None
        caption_element = figures[0].xpath(".//figcaption")[0]
        caption = _text(caption_element)
        credit = None
        for element in figures[0].xpath(
            ".//*[contains(@class,'credit') or contains(@class,'copyright')"
            " or contains(@class,'attribution') or @itemprop='creator'"
            " or @itemprop='copyrightHolder']"
        ):
            text = _text(element)
            if not text or len(text) >= len(caption):
                continue
            credit = text
            if caption.endswith(text):
                caption = caption[: -len(text)].strip()
            elif caption.startswith(text):
                caption = caption[len(text) :].strip()
            break
        return caption or None, credit or None

    def section(self) -> str | None:
        values = []
        if self.article is not None:
            section = self.article.get("articleSection")
            values.extend(section if isinstance(section, list) else [section])
        values += [value for key in SECTION_META for value in self.meta.get(key, ())]
        for value in values:
            text = _clean_text(value)
            if text and len(text) <= 60 and not text.startswith(("/", "http")):
                return text
        return None

    def accessible_for_free(self) -> bool | None:
        nodes = [self.article] if self.article is not None else []
        nodes += [node for node in self.nodes if node is not self.article]
        for node in nodes:
            value = node.get("isAccessibleForFree")
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.strip().lower() in ("true", "false"):
                return value.strip().lower() == "true"
        return None


def _meta_values(tree) -> dict[str, list[str]]:
    """Every <meta> value keyed by its lowercased name, property, itemprop or http-equiv."""
    values: dict[str, list[str]] = {}
    for meta in tree.xpath("//meta"):
        content = meta.get("content")
        if content is None:
            content = meta.get("value")
        if content is None or not content.strip():
            continue
        keys = " ".join(
            meta.get(attribute) or ""
            for attribute in ("name", "property", "itemprop", "http-equiv")
        )
        for key in keys.lower().split():
            key = re.sub(r"^dcterms?[:.]", "dcterms.", key)
            key = re.sub(r"^dc:", "dc.", key)
            values.setdefault(key, []).append(content.strip())
    return values


def _microdata_values(tree) -> dict[str, list[str]]:
    """Article microdata outside <meta>: dates, headline, author and publisher names."""
    values: dict[str, list[str]] = {}
    for element in tree.xpath("//*[@itemprop][not(self::meta)]")[:300]:
        for prop in (element.get("itemprop") or "").lower().split():
            if prop in ("datepublished", "datemodified", "datecreated"):
                value = element.get("datetime") or element.get("content") or _text(element)
            elif prop in ("author", "creator", "publisher"):
                names = (
                    element.xpath(".//*[@itemprop='name']") if "itemscope" in element.attrib else []
                )
                named = names[0] if names else element
                value = named.get("content") or _text(named)
            elif prop == "headline":
                value = element.get("content") or _text(element)
            else:
                continue
            if value:
                values.setdefault(prop, []).append(value)
    return values


def _jsonld_nodes(tree) -> list[dict]:
    """Every object in the page's JSON-LD, @graph and nested objects included."""
    nodes: list[dict] = []
    for script in tree.xpath("//script[@type]"):
        if "ld+json" in (script.get("type") or "").lower():
            _collect_nodes(_load_json(script.text or ""), nodes, 0)
    return nodes


def _collect_nodes(data, nodes: list[dict], depth: int) -> None:
    if depth > 8 or len(nodes) > 500:
        return
    if isinstance(data, list):
        for item in data:
            _collect_nodes(item, nodes, depth + 1)
    elif isinstance(data, dict):
        nodes.append(data)
        for value in data.values():
            if isinstance(value, dict | list):
                _collect_nodes(value, nodes, depth + 1)


def _load_json(text: str):
    """Parse a JSON-LD block, repairing what pages commonly break; None when hopeless."""
    text = re.sub(r"^\s*(?://\s*)?<!\[CDATA\[|(?://\s*)?\]\]>\s*$", "", text.strip())
    text = text.replace("<!--", "").replace("-->", "").strip()
    if not text:
        return None
    decoder = json.JSONDecoder(strict=False)
    for attempt in (text, re.sub(r",\s*([}\]])", r"\1", text)):
        try:
            return decoder.raw_decode(attempt)[0]
        except (ValueError, RecursionError):
            continue
    return _salvage_json(text)


def _salvage_json(text: str) -> dict | None:
    """The article fields of a JSON-LD block too broken to parse, read one by one."""
    found: dict = {}
    for key in ("@type", "headline", "datePublished", "dateModified", "articleSection"):
        match = re.search(r'"' + re.escape(key) + r'"\s*:\s*"((?:[^"\\]|\\.){1,500})"', text)
        if match:
            found[key] = _json_string(match.group(1))
    author = re.search(
        r'"author"\s*:\s*\[?\s*(?:\{[^{}]*?"name"\s*:\s*"((?:[^"\\]|\\.){1,200})"'
        r'|"((?:[^"\\]|\\.){1,200})")',
        text,
    )
    if author:
        found["author"] = _json_string(author.group(1) or author.group(2))
    if not _is_article(_types(found)) or len(found) < 2:
        return None
    return found


def _json_string(raw: str) -> str:
    try:
        return json.loads('"' + raw + '"', strict=False)
    except ValueError:
        return raw


def _types(node: dict) -> set[str]:
    value = node.get("@type")
    types = value if isinstance(value, list) else [value]
    return {t.rsplit("/", 1)[-1].rsplit(":", 1)[-1] for t in types if isinstance(t, str)}


def _is_article(types: set[str]) -> bool:
    return any(t in ARTICLE_TYPES or t.endswith(("Article", "Posting")) for t in types)


def _names(value, resolve, people_only: bool = False) -> list[str]:
    """Names in a JSON-LD author/publisher value: a string, an object, or a list of them."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        names = []
        for item in value[:20]:
            names.extend(_names(resolve(item), resolve, people_only))
        return names
    if not isinstance(value, dict) or (people_only and _types(value) & ORGANIZATION_TYPES):
        return []
    name = value.get("name")
    if isinstance(name, list):
        name = next((item for item in name if isinstance(item, str)), None)
    if not isinstance(name, str):
        parts = [value.get("givenName"), value.get("familyName")]
        name = " ".join(part for part in parts if isinstance(part, str))
    return [name] if name else []


def _web_url(url, base: str | None) -> str | None:
    """An absolute http(s) URL that passed `safe_url`, or None (malformed URLs included)."""
    if not isinstance(url, str):
        return None
    try:
        found = safe_url(url, base)
        if found is None or not found.lower().startswith(("http:", "https:")):
            return None
        strip_tracking(found)  # urlsplit refuses some URLs safe_url lets through
    except ValueError:
        return None
    return found


def _domain_label(url) -> str | None:
    """The name part of a URL's registered domain ("nytimes" in www.nytimes.com)."""
    try:
        host = urlsplit(url).hostname if isinstance(url, str) else None
    except ValueError:
        return None
    labels = (host or "").split(".")[:-1]
    if len(labels) >= 2 and labels[-1] in SECOND_LEVEL_LABELS:
        labels.pop()
    return labels[-1] if labels and labels[-1] != "www" else None


def _all_people(value, resolve) -> bool:
    """Whether a JSON-LD author value is one or more objects typed Person."""
    items = value if isinstance(value, list) else [value]
    items = [resolve(item) for item in items]
    return bool(items) and all(
        isinstance(item, dict) and _types(item) & PERSON_TYPES for item in items
    )


def _text(element) -> str:
    try:
        return normalize_space(element.text_content())
    except (AttributeError, ValueError):
        return ""


def _clean_text(value) -> str | None:
    """A metadata string with entities decoded and spaces collapsed; None for placeholders."""
    if not isinstance(value, str):
        return None
    text = normalize_space(unescape(value))
    return None if text.lower() in PLACEHOLDERS else text or None


def _norm(text: str) -> str:
    return re.sub(r"\W+", " ", unicodedata.normalize("NFKC", text).lower()).strip()


def _compact(text: str) -> str:
    return _norm(text).replace(" ", "")


def _first_date(values: Iterable) -> FoundDate | None:
    for value in values:
        if isinstance(value, str) and value.strip():
            found = parse_date(value.strip()[:120])
            if found is not None:
                return found
    return None


def _date_start(text: str) -> int | None:
    """Where the first date written in `text` starts."""
    starts = [
        match.start()
        for pattern in DATE_PATTERNS
        for match in pattern.finditer(text)
        if _date_from_match(match) is not None
    ]
    return min(starts) if starts else None


_NAME_SEPARATOR = re.compile(
    r"\s*(?:,|;|/|\s(?:and|&|und|et|y|e|dan|og|en)\s|\s[-–—·•]\s)\s*", re.I
)
_AGENCY_NAMES = {name.lower() for name in AGENCIES}


def _byline_names(credit) -> list[str]:
    """The people named in one credit ("By Jane Roe, Senior Correspondent" -> [Jane Roe])."""
    if not isinstance(credit, str):
        return []
    text = normalize_space(unescape(credit))
    if not text or len(text) > 300:
        return []
    text = BYLINE_PREFIX.sub("", BYLINE_PREFIX.sub("", text, count=1), count=1)
    cut = BYLINE_CUT.search(text)
    if cut:
        text = text[: cut.start()]
    date_at = _date_start(text)
    if date_at is not None:
        text = text[:date_at]
    text = re.sub(r"\s*\(([^()]*)\)", _keep_aside, text).strip(" ,;:|-–—·•/")
    parts = _split_names(text)
    if (
        len(parts) == 2
        and "," in text
        and len(parts[0].split()) == 1
        and len(parts[1].split()) <= 2
        and parts[0].lower() not in _AGENCY_NAMES
    ):
        parts = [text]  # "Roe, Jane": surname first, one person
    parts = [re.sub(r"(?<=\w\w)\.$", "", part.strip(" ")).strip(" ") for part in parts]
    names = [part for part in parts if _looks_like_name(part)]
    if any(part.lower() in _AGENCY_NAMES for part in parts):
        # "Reuters, Washington": beside an agency, a lone word is a place.
        names = [name for name in names if len(name.split()) > 1]
    return names


def _keep_aside(match: re.Match[str]) -> str:
    """A parenthesised aside in a credit, unless it is an agency, handle or role."""
    aside = match.group(1).strip()
    lowered = aside.lower()
    if (
        not aside
        or lowered in _AGENCY_NAMES
        or aside.startswith("@")
        or any(word.strip(".,") in NOT_A_NAME for word in lowered.split())
    ):
        return ""
    return match.group(0)


def _split_names(text: str) -> list[str]:
    """Split a credit at commas, "and", "&", dashes, never inside parentheses."""
    parts, start = [], 0
    for match in _NAME_SEPARATOR.finditer(text):
        before = text[: match.start()]
        if before.count("(") > before.count(")"):
            continue
        parts.append(text[start : match.start()])
        start = match.end()
    parts.append(text[start:])
    return [part for part in parts if part.strip()]


def _looks_like_name(text: str) -> bool:
    """Whether a credit reads as a person's name (parenthesised asides aside)."""
    text = normalize_space(re.sub(r"\([^()]*\)", " ", text))
    if not text or len(text) > 60 or any(ch.isdigit() for ch in text):
        return False
    if "@" in text or "http" in text.lower() or "www." in text.lower():
        return False
    if re.search(r"[:?!\"“”«»|<>{}\[\]=+*#()]", text):
        return False
    if re.search(r"\w\.[^\W\d_]{2,}$", text):
        return False  # a domain ("Example.com")
    words = text.split()
    if len(words) > 6 or not text[0].isalpha() or text[0].islower():
        return False
    if words[0].lower() in ("the", "a", "an", "our", "your"):
        return False
    if any(word[0].islower() and word.lower() not in NAME_PARTICLES for word in words):
        return False  # "defense ministries": a name's words are capitalised
    acronyms = [word for word in words if word.isalpha() and word.isupper() and len(word) <= 5]
    if acronyms and (len(words) == 1 or not text.isupper()):
        return False  # an acronym ("CNN", "CNN Business") names an outlet, not a person
    lowered = {word.lower().strip(".,'’") for word in words}
    if lowered & NOT_A_NAME or text.lower() in _AGENCY_NAMES:
        return False
    return not lowered <= FURNITURE_WORDS and text.lower().rstrip(".") not in MONTHS


def _is_full_name(name: str) -> bool:
    """Two words or more, or a name in a script without letter case (肖春芳)."""
    return len(name.split()) > 1 or not any(ch.isupper() or ch.islower() for ch in name)


def _join_names(names: Sequence[str]) -> str:
    """Names as a credit prints them: "A", "A and B", "A, B and C"."""
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]
