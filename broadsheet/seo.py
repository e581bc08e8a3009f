"""Metadata for readers and search engines: canonical URLs, schema.org NewsArticle
JSON-LD, sitemap.xml and robots.txt.

Canonical and sitemap URLs are absolute: they use FEEDS_SITEURL, which both
configurations set to an absolute URL (a local build's SITEURL is empty and its links
relative), else SITEURL when that is absolute; without either there are none. A lead
image kept on the site (Image: images/…) is made absolute on the same base for
og:image, twitter:image, the JSON-LD and the feeds; an outlet's image URL is used as it
is. The templates turn the JSON-LD dict into text with Jinja's |tojson, which escapes
<, >, & and quotes, so no metadata can close the <script> element it sits in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

from jinja2 import pass_context

from broadsheet.sanitize import safe_url, site_image_path

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
_BYLINE_SEPARATORS = re.compile(r"\s*,\s*|\s+and\s+|\s*&\s*")
_BYLINE_PREFIX = re.compile(r"^\s*by\s+", re.IGNORECASE)


def absolute_base(*candidates: str | None) -> str:
    """The first candidate that is an absolute http(s) URL, without its trailing slash."""
    for candidate in candidates:
        if candidate and urlsplit(str(candidate)).scheme in ("http", "https"):
            return str(candidate).rstrip("/")
    return ""


def absolute_url(path: str | None, *bases: str | None) -> str:
    """The absolute URL of an output path ("" without an absolute base); a folder's
    index.html is named by the folder ("https://example.org/")."""
    base = absolute_base(*bases)
    if not base or path is None:
        return ""
    path = str(path).lstrip("/")
    if path == "index.html" or path.endswith("/index.html"):
        path = path[: -len("index.html")]
    return f"{base}/{path}"


def metadata_url(url: str | None, base: str | None = "") -> str:
    """A metadata URL fit for JSON-LD, og:image and feeds: absolute http(s), a lead image
    kept on the site made absolute on `base`, else ""."""
    local = site_image_path(url)
    if local:
        return absolute_url(local, base)
    safe = safe_url(url) if url else None
    return safe if safe and urlsplit(safe).scheme in ("http", "https") else ""


@pass_context
def http_url(context, url: str | None) -> str:
    """The |http_url filter: metadata_url on the site's absolute base (site_base)."""
    return metadata_url(url, site_base(context))


def byline_names(byline: str | None) -> list[str]:
    """The people a byline names: "By Jane Doe and John Roe, Ann Poe" -> three names."""
    if not byline:
        return []
    text = _BYLINE_PREFIX.sub("", str(byline).strip())
    return [name.strip() for name in _BYLINE_SEPARATORS.split(text) if name.strip()]


def w3c_datetime(value: datetime) -> str:
    """ISO 8601 / W3C datetime; a naive value is taken as UTC."""
    text = value.isoformat()
    return text if value.tzinfo is not None else f"{text}Z"


def last_modified(item) -> datetime:
    """An article's Modified, else its Date."""
    return getattr(item, "modified", None) or item.date


def news_article_ld(
    article, site_name: str, canonical: str, description: str = "", site_url: str = ""
) -> dict:
    """The schema.org NewsArticle for an article, as a dict for |tojson."""
    data: dict = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": str(article.title),
        "datePublished": w3c_datetime(article.date),
        "dateModified": w3c_datetime(last_modified(article)),
    }
    if description:
        data["description"] = str(description)
    names = byline_names(getattr(article, "byline", None))
    source = getattr(article, "source", None)
    if names:
        data["author"] = [{"@type": "Person", "name": name} for name in names]
    elif source:
        data["author"] = {"@type": "Organization", "name": str(source)}
    publisher = {"@type": "Organization", "name": str(site_name)}
    if site_url:
        publisher["url"] = f"{site_url.rstrip('/')}/"
    data["publisher"] = publisher
    image = metadata_url(getattr(article, "image", None), site_url)
    if image:
        data["image"] = [image]
    original = metadata_url(getattr(article, "source_url", None))
    if original:
        data["isBasedOn"] = original
    if canonical:
        data["mainEntityOfPage"] = {"@type": "WebPage", "@id": canonical}
        data["url"] = canonical
    lang = getattr(article, "lang", None)
    if lang:
        data["inLanguage"] = str(lang)
    return data


def sitemap_xml(entries: Iterable[tuple[str, datetime | None]]) -> bytes:
    """A sitemap of (absolute URL, last modified or None), in the order given."""
    lines = ['<?xml version="1.0" encoding="utf-8"?>', f'<urlset xmlns="{SITEMAP_NS}">']
    for url, modified in entries:
        lastmod = f"<lastmod>{w3c_datetime(modified)}</lastmod>" if modified else ""
        lines.append(f"  <url><loc>{escape(url)}</loc>{lastmod}</url>")
    lines.append("</urlset>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def robots_txt(sitemap_url: str) -> str:
    """Allow every crawler everything, and name the sitemap when there is one."""
    lines = ["User-agent: *", "Allow: /"]
    if sitemap_url:
        lines.append(f"Sitemap: {sitemap_url}")
    return "\n".join(lines) + "\n"


def site_base(settings: Mapping) -> str:
    """The absolute base URL canonical and sitemap URLs use ("" without one)."""
    return absolute_base(settings.get("FEEDS_SITEURL"), settings.get("SITEURL"))
