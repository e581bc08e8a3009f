"""Keep hostile markup out: an HTML allowlist, URLs checked by scheme, trackers stripped.

Scraped HTML is hostile input. Nothing from a page reaches an article as markup:
the importer writes text (escaped) and links whose URLs passed `safe_url`. The
build (plugins/safe_html) runs every rendered body and summary through
`clean_html` again, so a hand edit cannot inject script either.

`clean_html` is an allowlist (nh3, the Python binding of Ammonia), never a
blocklist: only the elements and attributes in `ALLOWED_TAGS` and
`ALLOWED_ATTRIBUTES` survive, URLs in href/src must be http, https, mailto or
relative, and the contents of script-like elements (`DROPPED_WITH_CONTENT`) go
with them. The only ids and classes kept are the ones Python-Markdown's
footnotes and tables write (`FOOTNOTE_ID`, `ALLOWED_CLASSES`, table cells'
`text-align`), so in-page footnote links keep working.

`data:` URLs are refused everywhere, images included: imported images are
absolute http(s) URLs (a `data:` image in a scraped page is a lazy-loading
placeholder, not the photo), feed readers often reject them, and one rule with
no exceptions is easier to trust.

The one relative URL metadata may hold is a lead image the importer keeps on the
site (`site_image_path`: `images/2025/03/<slug>.png`, no scheme, no `..`, no leading
`/`); `safe_url` lets it through when it has no base to resolve against, so the
build's checks and the theme treat it as the site's own file. What is kept must be
a raster image by its bytes (`raster_image_extension`): never SVG, which can carry
script.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Collection
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit, urlunsplit

import nh3

SAFE_SCHEMES = ("http", "https", "mailto")
# RFC 3986's reserved and unreserved characters, and "%" (kept: already encoded).
URL_SAFE_CHARACTERS = "/:?#[]@!$&'()*+,;=%~-._"
# Query parameters that only track the reader; a canonical URL drops them.
TRACKING_PARAMS = re.compile(
    r"^(utm_\w*|fbclid|gclid|dclid|gbraid|wbraid|msclkid|yclid|mc_cid|mc_eid|_ga|_gl|igshid"
    r"|ocid|cmpid|ncid|sr_share|smid|mkt_tok|__twitter_impression|ref_src|ref_url|s_cid)$",
    re.IGNORECASE,
)
# Characters browsers ignore inside a scheme ("java\tscript:", "java\x00script:").
_IGNORED_IN_SCHEME = re.compile(r"[\x00-\x20\x7f-\x9f]+")

# What an article body may hold: text structure, links, images, tables. Nothing that
# runs, loads a document, submits, styles or restyles the page.
ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr", "a", "em", "strong", "b", "i", "u", "s", "sub", "sup", "small",
        "mark", "q", "cite", "abbr", "code", "pre", "kbd", "blockquote", "ul", "ol", "li",
        "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "figure", "figcaption", "img",
        "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td", "span", "div",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "abbr": {"title"},  # Markdown's abbr extension
    "th": {"colspan", "rowspan", "style"},
    "td": {"colspan", "rowspan", "style"},
    "sup": {"id"},  # footnote references: <sup id="fnref:1">
    "li": {"id"},  # footnotes: <li id="fn:1">
}
# The classes Python-Markdown's footnotes write; every other class is dropped.
ALLOWED_CLASSES = {"div": {"footnote"}, "a": {"footnote-ref", "footnote-backref"}}
# Markdown tables align cells with style="text-align: …"; no other property survives.
ALLOWED_STYLE_PROPERTIES = frozenset({"text-align"})
# Removed with everything inside them, not just unwrapped: their text is code, CSS or
# markup that mutation-XSS tricks rely on re-parsing.
DROPPED_WITH_CONTENT = frozenset(
    {
        "script", "style", "template", "noscript", "iframe", "frame", "frameset", "object",
        "embed", "applet", "svg", "math", "title", "textarea", "xmp", "noembed", "noframes",
        "select", "plaintext",
    }
)  # fmt: skip
ALLOWED_URL_SCHEMES = frozenset(SAFE_SCHEMES)
# Footnote ids as Python-Markdown writes them: fn:1, fnref:1, fnref2:1.
FOOTNOTE_ID = re.compile(r"^fn(?:ref\d*)?:[\w.\-]+$")
_WHOLE_NUMBER = re.compile(r"^\d{1,5}$")
# clean_html output is serialised by html5ever: attribute values always double-quoted,
# with '"', '<' and '>' escaped inside them, so a start tag can be matched exactly.
_LINK_START_TAG = re.compile(r'<a((?:\s+[^\s"\'>/=]+(?:="[^"]*")?)*)\s*>')
_TAG_ATTRIBUTE = re.compile(r'\s+([^\s"\'>/=]+)(?:="([^"]*)")?')
# "Outlet <https://…>" in Also_reported_by.
_MENTION = re.compile(r"^(?P<name>[^<>]*?)\s*<(?P<url>[^<>]*)>$")
# A lead image kept on the site: under images/, plain names (none starts with a dot, so
# no "." or ".." segment), a raster image's extension; no scheme, query or leading "/".
SITE_IMAGE_PATH = re.compile(
    r"^images/(?:[A-Za-z0-9_-][A-Za-z0-9._-]*/)*[A-Za-z0-9_-][A-Za-z0-9._-]*"
    r"\.(?:jpg|jpeg|png|gif|webp|avif)$"
)
# What the importer keeps, by magic number: the formats every current browser shows.
RASTER_IMAGE_NAMES = "JPEG, PNG, GIF, WebP or AVIF"
_AVIF_BRANDS = (b"avif", b"avis")


def strip_tracking(url: str, keep_fragment: bool = False) -> str:
    """The URL without tracking parameters (utm_*, fbclid, gclid, …); fragment-free
    (a canonical address) unless `keep_fragment` (a link into a page's section).

    Expects a URL that passed `safe_url`.
    """
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    kept = [(k, v) for k, v in query if not TRACKING_PARAMS.match(k)]
    new_query = urlencode(kept, doseq=True) if len(kept) != len(query) else parts.query
    fragment = parts.fragment if keep_fragment else ""
    return urlunsplit((parts.scheme, parts.netloc, parts.path, new_query, fragment))


def safe_url(url: str | None, base: str | None = None) -> str | None:
    """An absolute http(s)/mailto URL, or None when the URL is unsafe or unusable.

    Relative URLs are resolved against `base` (None without one); entity-free text
    is expected (bs4 and lxml decode entities). Control characters and spaces that
    browsers drop inside a scheme are removed before the scheme is checked, so
    "jav&#x09;ascript:" and "JaVaScRiPt:" are refused like "javascript:". Without a
    base, a lead image kept on the site (`site_image_path`) is returned as it is.
    """
    if not url:
        return None
    if base is None and site_image_path(url):
        return url.strip()
    return _checked_url(str(url).strip(), base)


@functools.lru_cache(maxsize=1 << 16)
def _checked_url(url: str, base: str | None) -> str | None:
    """``_safe_url``, remembered: a build checks each article's URLs several times (as
    the article is read, before it is written, for its source's page); and, with a memo
    from `keep_url_answers`, between builds."""
    memo = URL_ANSWERS[0]
    if memo is not None:
        found = memo.get((url, base), _UNKNOWN)
        if found is not _UNKNOWN:
            return found
    try:
        answer = _safe_url(url, base)
    except ValueError:  # urllib refuses it too ("http://[bad", a port out of range)
        answer = None
    if memo is not None:
        memo.put((url, base), answer)
    return answer


_UNKNOWN = object()
URL_ANSWERS: list = [None]  # the running build's memo (broadsheet.buildcache.Memo), if any


def keep_url_answers(memo) -> None:
    """Take `safe_url`'s answers from `memo` (a ``broadsheet.buildcache.Memo`` kept
    between builds: plugins/safe_html's), and put new ones in it, until called with
    None. The answer depends on the URL and the base alone (the memo's file is dropped
    when the code changes)."""
    URL_ANSWERS[0] = memo
    if memo is not None:
        _checked_url.cache_clear()  # each answer this build gives is the memo's, and kept


def _safe_url(url: str, base: str | None) -> str | None:
    squeezed = _IGNORED_IN_SCHEME.sub("", url)
    scheme = re.match(r"^([A-Za-z][A-Za-z0-9+.\-]*):", squeezed)
    if scheme is None:
        if base is None or squeezed.startswith(("\\", "/\\")):
            return None
        url = urljoin(base, url)
        squeezed = _IGNORED_IN_SCHEME.sub("", url)
        scheme = re.match(r"^([A-Za-z][A-Za-z0-9+.\-]*):", squeezed)
        if scheme is None:
            return None
    if scheme.group(1).lower() not in SAFE_SCHEMES:
        return None
    if re.search(r"[\x00-\x1f\x7f-\x9f]", url):
        return None  # a control character inside the URL: refuse rather than guess
    parts = urlsplit(url)
    if parts.scheme.lower() in ("http", "https") and not parts.hostname:
        return None
    parts.port  # noqa: B018 (raises ValueError for a port out of range)
    # Characters a URL may not hold literally ("<", ">", '"', spaces, …) are
    # percent-encoded, so no markup can ride inside a URL into a file or a page.
    return quote(url, safe=URL_SAFE_CHARACTERS)


def site_image_path(value: str | None) -> str | None:
    """`value` when it is a lead image kept on the site (images/…/<name>.<ext>), else None."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value if SITE_IMAGE_PATH.match(value) else None


def raster_image_extension(data: bytes) -> str | None:
    """The file extension of a JPEG, PNG, GIF, WebP or AVIF image, read from its first
    bytes; None for anything else (SVG, HTML error pages, other formats)."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[4:8] == b"ftyp":  # an ISO media file: AVIF when its brands say so
        size = int.from_bytes(data[:4], "big")
        brands = [data[8:12]] + [data[i : i + 4] for i in range(16, min(size, 64), 4)]
        if any(brand in _AVIF_BRANDS for brand in brands):
            return "avif"
    return None


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    """Keep an allowed attribute only when its value has the one shape it may take."""
    if attribute == "id":
        return value if FOOTNOTE_ID.match(value) else None
    if attribute in ("width", "height", "colspan", "rowspan"):
        return value.strip() if _WHOLE_NUMBER.match(value.strip()) else None
    return value


def _make_cleaner(url_relative) -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=_filter_attribute,
        allowed_classes={tag: set(names) for tag, names in ALLOWED_CLASSES.items()},
        filter_style_properties=set(ALLOWED_STYLE_PROPERTIES),
        url_schemes=set(ALLOWED_URL_SCHEMES),
        url_relative=url_relative,
        strip_comments=True,
        link_rel=None,  # rel is the theme's choice, added by mark_outbound_links
    )


# Relative URLs pass through: the build's intra-site links ({filename}x.md, ../x.html).
_SITE_CLEANER = _make_cleaner("pass_through")


def clean_html(fragment: str, base: str | None = None) -> str:
    """The fragment with only allowlisted elements, attributes and URL schemes left.

    With `base` (the page's own URL, at import) relative URLs are made absolute with
    `safe_url` and dropped when they cannot be; without it (at build) they are kept
    as they are, so intra-site links survive. The result is stable: cleaning it
    again changes nothing.
    """
    if base is None:
        return _SITE_CLEANER.clean(fragment)
    return _make_cleaner(lambda url: safe_url(url, base)).clean(fragment)


def link_host(url: str) -> str | None:
    """The lower-case host an http(s) or protocol-relative URL points to, else None."""
    url = url.strip().replace("\\", "/")  # browsers read "\\host" as "//host"
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https", ""):
        return None
    if not parts.netloc:
        return None
    return (parts.hostname or "").lower() or None


def mark_outbound_links(fragment: str, rel: str, local_hosts: Collection[str] = ()) -> str:
    """clean_html output with `rel` added to every link to a host not in local_hosts.

    Relative links stay on the site and are left alone; so are links that already
    carry a rel (clean_html removes rel, so only this function adds one).
    """
    local = {host.lower() for host in local_hosts}
    rel_value = html.escape(rel, quote=True)

    def mark(match: re.Match) -> str:
        attributes = dict(_TAG_ATTRIBUTE.findall(match.group(1)))
        if "rel" in attributes:
            return match.group(0)
        host = link_host(html.unescape(attributes.get("href", "")))
        if host is None or host in local:
            return match.group(0)
        return f'<a{match.group(1)} rel="{rel_value}">'

    return _LINK_START_TAG.sub(mark, fragment)


def outlet_mentions(value: str | None) -> list[tuple[str, str | None]]:
    """Split an Also_reported_by value ("Outlet <url>; Outlet") into (name, safe URL or None)."""
    mentions: list[tuple[str, str | None]] = []
    for part in (value or "").split(";"):
        part = " ".join(part.split())
        if not part:
            continue
        match = _MENTION.match(part)
        if match is None:
            mentions.append((part, None))
        else:
            url = safe_url(match["url"])
            mentions.append((match["name"] or url or match["url"], url))
    return mentions
