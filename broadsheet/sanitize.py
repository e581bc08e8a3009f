"""Keep hostile markup out: URLs checked against an allowlist of schemes, trackers stripped.

Scraped HTML is hostile input. Nothing from a page reaches an article as markup:
the importer writes text (escaped) and links whose URLs passed `safe_url`. The
build sanitises every rendered body again with an allowlist, so a hand edit
cannot inject script either.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

SAFE_SCHEMES = ("http", "https", "mailto")
# Query parameters that only track the reader; a canonical URL drops them.
TRACKING_PARAMS = re.compile(
    r"^(utm_\w*|fbclid|gclid|dclid|gbraid|wbraid|msclkid|yclid|mc_cid|mc_eid|_ga|_gl|igshid"
    r"|ocid|cmpid|ncid|sr_share|smid|mkt_tok|__twitter_impression|ref_src|ref_url|s_cid)$",
    re.IGNORECASE,
)
# Characters browsers ignore inside a scheme ("java\tscript:", "java\x00script:").
_IGNORED_IN_SCHEME = re.compile(r"[\x00-\x20\x7f-\x9f]+")


def strip_tracking(url: str) -> str:
    """The URL without tracking parameters (utm_*, fbclid, gclid, …) and fragment-free."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    kept = [(k, v) for k, v in query if not TRACKING_PARAMS.match(k)]
    new_query = urlencode(kept, doseq=True) if len(kept) != len(query) else parts.query
    return urlunsplit((parts.scheme, parts.netloc, parts.path, new_query, ""))


def safe_url(url: str | None, base: str | None = None) -> str | None:
    """An absolute http(s)/mailto URL, or None when the URL is unsafe or unusable.

    Relative URLs are resolved against `base` (None without one); entity-free text
    is expected (bs4 and lxml decode entities). Control characters and spaces that
    browsers drop inside a scheme are removed before the scheme is checked, so
    "jav&#x09;ascript:" and "JaVaScRiPt:" are refused like "javascript:".
    """
    if not url:
        return None
    url = url.strip()
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
    if parts.scheme.lower() in ("http", "https") and not parts.netloc:
        return None
    return url.replace(" ", "%20")
