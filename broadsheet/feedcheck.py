"""Feed id stability: compare a build's feeds with the last published ones.

A feed reader knows an entry by its id alone: an entry whose id changes comes back
as a new, unread story, and one that leaves every feed is gone for good. Before a
build is published, its feeds are compared with the published feeds, file by file
(Atom, RSS 2.0 and JSON Feed alike), and every old entry whose id the new feed of
the same file no longer holds is classified:

1. still published: the content folder still publishes its id (an article's
   ``Uid``, or the id made from its path and date) or its page (a digest issue):
   it only left this feed, pushed out by newer entries or moved to another tag.
   Not a problem. The content decides, not the build's other feeds: an output
   folder keeps the files of earlier builds, and a stale tag feed must not hide
   an entry that has vanished.
2. changed id: its permalink is in the build with another, published id (in this
   feed, or else in any feed of the build). Permalinks are compared by their path
   under the site's root (each feed's own self link tells where that is), so a
   local build can be checked against the published site.
3. unpublished: the content folder still has it, with a Status other than
   published (draft, hidden, unpublished: ``plugins/withdrawn`` leaves a notice at
   its URL). Withdrawn on purpose: reported, not a problem.
4. vanished: none of the above. A problem.

Reading here is pure: callers bring the bytes (files or HTTP) and what the build
publishes (``PublishedSet``); this module never touches the file system or network.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

from lxml import etree

from broadsheet.errors import BroadsheetError

ATOM = "http://www.w3.org/2005/Atom"
JSON_FEED_VERSION = "https://jsonfeed.org/version/"
FEED_SUFFIXES = (".xml", ".atom", ".rss", ".json")
DEFAULT_TAG_AUTHORITY = "broadsheet"  # as plugins/feeds (FEEDS_TAG_AUTHORITY)

CHANGED = "changed id"
VANISHED = "vanished"
UNPUBLISHED = "unpublished"

_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, recover=False
)


class FeedCheckError(BroadsheetError):
    """A feed that cannot be read, or a place with no feeds to compare with."""


@dataclass(frozen=True)
class Entry:
    """One feed entry as a reader identifies it."""

    id: str
    title: str
    link: str


@dataclass(frozen=True)
class FeedDocument:
    """A parsed feed: its self link (may be empty) and entries in the feed's order."""

    format: str  # "atom", "rss" or "json"
    self_link: str
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class PublishedSet:
    """What the new build publishes, as the comparison needs it.

    ``ids``: the feed id of every published article of the content folder.
    ``pages``: site-relative paths of published pages whose id is not known here
    (digest issues). ``withdrawn_ids`` / ``withdrawn_pages``: the same for content
    kept with another Status, mapped to that Status. ``ids_by_page``: site-relative
    permalink -> published id, across the build's feeds.
    """

    ids: frozenset[str] = frozenset()
    pages: frozenset[str] = frozenset()
    withdrawn_ids: Mapping[str, str] = field(default_factory=dict)
    withdrawn_pages: Mapping[str, str] = field(default_factory=dict)
    ids_by_page: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Finding:
    """One old entry the new feed no longer holds under its id."""

    kind: str  # CHANGED, VANISHED or UNPUBLISHED
    feed: str  # the feed file, relative to the site root
    title: str
    old_id: str
    new_id: str = ""
    status: str = ""  # UNPUBLISHED: the article's Status now

    @property
    def is_problem(self) -> bool:
        return self.kind != UNPUBLISHED

    def line(self) -> str:
        """The report line: feed file, entry title, old and new id."""
        start = f"{self.feed}: {self.title!r}"
        if self.kind == CHANGED:
            return f"{start} changed id: {self.old_id} -> {self.new_id}"
        if self.kind == UNPUBLISHED:
            return f"{start} unpublished (Status: {self.status}): {self.old_id}"
        return (
            f"{start} vanished: {self.old_id} (no published article has this id; "
            "to withdraw an article, keep it with Status: unpublished)"
        )


# --- reading feeds ------------------------------------------------------------------------------


def looks_like_feed_file(path: str | Path) -> bool:
    """True for the file names a feed may have (.xml, .atom, .rss, .json)."""
    return Path(path).suffix.lower() in FEED_SUFFIXES


def parse_feed_document(data: bytes, name: str) -> FeedDocument | None:
    """Atom, RSS 2.0 or JSON Feed entries; None for another kind of document (a
    sitemap, an OPML list); FeedCheckError naming `name` when it is malformed."""
    start = data.lstrip()[:1]
    if start == b"{":
        return _parse_json_feed(data, name)
    if start != b"<":
        return None
    try:
        root = etree.fromstring(data.lstrip(), parser=_PARSER)
    except etree.XMLSyntaxError as error:
        line = f" at line {error.lineno}" if error.lineno else ""
        raise FeedCheckError(f"{name}: malformed XML{line}: {error.msg}") from error
    tag = etree.QName(root)
    if tag.localname == "feed" and tag.namespace == ATOM:
        return _parse_atom(root)
    if tag.localname == "rss":
        return _parse_rss(root)
    return None


def _text(node) -> str:
    return " ".join("".join(node.itertext()).split()) if node is not None else ""


def _parse_atom(root) -> FeedDocument:
    atom = f"{{{ATOM}}}"
    entries = []
    for node in root.iterfind(f"{atom}entry"):
        entries.append(
            Entry(
                id=_text(node.find(f"{atom}id")),
                title=_text(node.find(f"{atom}title")),
                link=_atom_link(node, "alternate"),
            )
        )
    return FeedDocument("atom", _atom_link(root, "self"), tuple(entries))


def _atom_link(node, rel: str) -> str:
    for link in node.iterfind(f"{{{ATOM}}}link"):
        if link.get("rel", "alternate") == rel:
            return (link.get("href") or "").strip()
    return ""


def _parse_rss(root) -> FeedDocument:
    channel = root.find("channel")
    if channel is None:
        return FeedDocument("rss", "", ())
    entries = []
    for item in channel.iterfind("item"):
        link = _text(item.find("link"))
        entries.append(
            Entry(id=_text(item.find("guid")) or link, title=_text(item.find("title")), link=link)
        )
    return FeedDocument("rss", _atom_link(channel, "self"), tuple(entries))


def _parse_json_feed(data: bytes, name: str) -> FeedDocument | None:
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, ValueError) as error:
        raise FeedCheckError(f"{name}: malformed JSON: {error}") from error
    if not isinstance(document, dict) or not str(document.get("version", "")).startswith(
        JSON_FEED_VERSION
    ):
        return None
    entries = []
    for item in document.get("items") or ():
        if not isinstance(item, dict):
            continue
        link = str(item.get("url") or "")
        entries.append(
            Entry(
                id=str(item.get("id") if item.get("id") is not None else link),
                title=" ".join(str(item.get("title") or "").split()),
                link=link,
            )
        )
    return FeedDocument("json", str(document.get("feed_url") or ""), tuple(entries))


# --- comparing ----------------------------------------------------------------------------------


def site_root(self_link: str, feed_path: str) -> str:
    """The site's root URL, from a feed's self link and the feed's path under it."""
    suffix = "/" + feed_path.lstrip("/")
    return self_link[: -len(suffix)] if self_link.endswith(suffix) else ""


def page_key(link: str, root: str) -> str:
    """A permalink as a path under the site's root ('2024/01/story.html')."""
    if root and link.startswith(root + "/"):
        return link[len(root) + 1 :].split("#")[0]
    return urlsplit(link).path.lstrip("/")


def ids_by_page(
    feeds: Mapping[str, FeedDocument], published_ids: Collection[str]
) -> dict[str, str]:
    """Site-relative permalink -> entry id, across feeds (path -> document), for the
    entries whose id is published."""
    found: dict[str, str] = {}
    for feed_path in sorted(feeds):
        document = feeds[feed_path]
        root = site_root(document.self_link, feed_path)
        for entry in document.entries:
            if entry.link and entry.id in published_ids:
                found.setdefault(page_key(entry.link, root), entry.id)
    return found


def compare_feed(
    feed_path: str, old: FeedDocument, new: FeedDocument, published: PublishedSet
) -> list[Finding]:
    """The findings for one feed file: every old entry whose id the new one lacks."""
    new_ids = {entry.id for entry in new.entries}
    new_root = site_root(new.self_link, feed_path)
    new_by_page = {page_key(e.link, new_root): e.id for e in new.entries if e.link}
    old_root = site_root(old.self_link, feed_path)
    findings = []
    for entry in old.entries:
        if entry.id in new_ids or entry.id in published.ids:
            continue
        page = page_key(entry.link, old_root) if entry.link else ""
        if page in published.pages:
            continue
        new_id = (new_by_page.get(page) or published.ids_by_page.get(page)) if page else None
        if new_id and new_id != entry.id:
            findings.append(Finding(CHANGED, feed_path, entry.title, entry.id, new_id=new_id))
            continue
        status = published.withdrawn_ids.get(entry.id) or published.withdrawn_pages.get(page)
        if status:
            findings.append(Finding(UNPUBLISHED, feed_path, entry.title, entry.id, status=status))
        else:
            findings.append(Finding(VANISHED, feed_path, entry.title, entry.id))
    return findings


def fallback_entry_id(relative_source_path: str, day: str, authority: str) -> str:
    """The feed id plugins/feeds gives an article without Uid: its path and Date's day.

    Must stay identical to the plugin's ``fallback_entry_id`` (tests/test_check.py
    builds a site with such an article and compares).
    """
    return f"tag:{authority},{day}:{quote(Path(relative_source_path).as_posix())}"
