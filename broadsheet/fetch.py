"""Fetch a URL the way a careful maintainer would: bounded in time, size and redirects.

One GET with a clear User-Agent, at most `MAX_REDIRECTS` redirects, a timeout and a
size cap; only web pages and feeds are accepted (and JSON Feeds, for a caller that
asks for them). `fetch_image` is the same GET for a lead image, whose bytes the caller
judges by their magic number (`sanitize.raster_image_extension`), not by the
server's content type. Every failure is a SourceError naming the URL; an HTTP error
status is an HttpError carrying it.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message

from broadsheet import __version__
from broadsheet.errors import HttpError, SourceError

DEFAULT_TIMEOUT_SECONDS = 20.0
MAX_REDIRECTS = 5
USER_AGENT = (
    f"Broadsheet/{__version__} (news digest importer; +https://github.com/broadsheet/broadsheet)"
)
HTML_TYPES = ("text/html", "application/xhtml+xml")
FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/xml",
    "text/xml",
    "application/feed+xml",
)
JSON_TYPES = ("application/feed+json", "application/json")
DEFAULT_KINDS = ("html", "feed")
CHUNK_BYTES = 64 * 1024
MAX_PAGE_BYTES = 10 * 1024 * 1024
# A news photo is well under this; anything bigger is not worth keeping in content/.
MAX_IMAGE_BYTES = 10 * 1024 * 1024
IMAGE_ACCEPT = "image/avif,image/webp,image/png,image/jpeg,image/gif;q=0.9,*/*;q=0.1"


@dataclass(frozen=True)
class FetchedPage:
    """What a URL gave: the final URL after redirects, its kind, charset and bytes."""

    url: str
    kind: str  # "html", "feed" (XML) or "json"
    charset: str | None
    data: bytes


class _LimitedRedirects(urllib.request.HTTPRedirectHandler):
    max_redirections = MAX_REDIRECTS

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if not newurl.lower().startswith(("http://", "https://")):
            raise SourceError(f"{req.full_url}: redirected to a non-web URL")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_OPENER = urllib.request.build_opener(_LimitedRedirects())


def fetch_url(
    url: str,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    max_bytes: int = MAX_PAGE_BYTES,
    kinds: tuple[str, ...] = DEFAULT_KINDS,
) -> FetchedPage:
    """GET `url`; a web page or feed (of `kinds`), or a SourceError saying plainly what
    went wrong."""
    accept = (
        "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml;q=0.9,"
        + ("application/feed+json,application/json;q=0.9," if "json" in kinds else "")
        + "*/*;q=0.1"
    )

    def check(headers: Message) -> None:
        if headers.get("Content-Type") is None:
            raise SourceError(f"{url}: the server sent no content type")
        _kind_of(url, headers.get_content_type(), kinds)

    final_url, headers, data = _get(url, accept, timeout, max_bytes, "page", check)
    kind = _kind_of(url, headers.get_content_type(), kinds)
    return FetchedPage(final_url, kind, headers.get_content_charset(), data)


def fetch_image(
    url: str, timeout: float = DEFAULT_TIMEOUT_SECONDS, max_bytes: int = MAX_IMAGE_BYTES
) -> bytes:
    """GET an image's bytes (what they are is for the caller to check), or a SourceError
    saying plainly what went wrong."""
    _, _, data = _get(url, IMAGE_ACCEPT, timeout, max_bytes, "image", lambda headers: None)
    return data


def _get(
    url: str,
    accept: str,
    timeout: float,
    max_bytes: int,
    noun: str,
    check: Callable[[Message], None],
) -> tuple[str, Message, bytes]:
    """One bounded GET: the final URL, the headers (`check`ed before the body is read) and
    at most `max_bytes` of body; every failure a SourceError naming `url`."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": accept})
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            headers: Message = response.headers
            check(headers)
            declared = headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise SourceError(
                    f"{url}: {noun} is {int(declared)} bytes, "
                    f"over the {max_bytes // 2**20} MB limit"
                )
            data = _read_capped(response, url, max_bytes, noun)
            return response.url, headers, data
    except urllib.error.HTTPError as error:
        if error.code in (301, 302, 303, 307, 308):
            if "not allowed" in str(error.msg):  # urllib refuses non-web schemes itself
                raise SourceError(f"{url}: redirected to a non-web URL") from error
            raise SourceError(f"{url}: more than {MAX_REDIRECTS} redirects") from error
        raise HttpError(f"{url}: HTTP {error.code} {error.reason}", error.code) from error
    except urllib.error.URLError as error:
        reason = error.reason
        if isinstance(reason, TimeoutError):
            raise SourceError(f"{url}: timed out after {timeout:g} s") from error
        raise SourceError(f"{url}: cannot connect ({reason})") from error
    except TimeoutError as error:
        raise SourceError(f"{url}: timed out after {timeout:g} s") from error
    except (ValueError, OSError) as error:
        raise SourceError(f"{url}: cannot fetch ({error})") from error


def _kind_of(url: str, content_type: str, kinds: tuple[str, ...] = DEFAULT_KINDS) -> str:
    if content_type in HTML_TYPES:
        kind = "html"
    elif content_type in FEED_TYPES or content_type.endswith("+xml"):
        kind = "feed"
    elif content_type in JSON_TYPES:
        kind = "json"
    else:
        kind = ""
    if kind not in kinds:
        wanted = " or ".join(
            {"html": "web page", "feed": "feed", "json": "JSON Feed"}[k] for k in kinds
        )
        raise SourceError(f"{url}: content type {content_type} is not a {wanted}")
    return kind


def _read_capped(response, url: str, max_bytes: int, noun: str) -> bytes:
    chunks, size = [], 0
    while True:
        chunk = response.read(CHUNK_BYTES)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > max_bytes:
            raise SourceError(f"{url}: {noun} is over the {max_bytes // 2**20} MB limit")
        chunks.append(chunk)
