"""Read RSS 2.0, RSS 1.0 (RDF) and Atom feeds into entries, with lxml.

Full content comes from `content:encoded` (RSS) or `<content>` (Atom) when the feed
carries it; otherwise the entry has only its summary and the importer fetches the
linked page. The parser never resolves entities or touches the network, and a
malformed feed is refused with the line where it breaks.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from bs4 import BeautifulSoup
from lxml import etree

from broadsheet.errors import SourceError

ATOM = "http://www.w3.org/2005/Atom"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
DC = "http://purl.org/dc/elements/1.1/"
RSS1 = "http://purl.org/rss/1.0/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"

_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, recover=False
)


@dataclass(frozen=True)
class FeedEntry:
    """One feed item: its link, title, dates as printed, author, and HTML content or summary."""

    link: str | None
    title: str | None
    published: str | None
    updated: str | None
    author: str | None
    content: str | None
    summary: str | None


@dataclass(frozen=True)
class Feed:
    """A parsed feed: its title and entries, in the feed's order."""

    title: str | None
    entries: list[FeedEntry] = field(default_factory=list)


def parse_feed(data: bytes) -> Feed:
    """Parse an RSS or Atom document; SourceError when it is not well-formed or not a feed."""
    try:
        root = etree.fromstring(data.lstrip(), parser=_PARSER)
    except etree.XMLSyntaxError as error:
        line = f" at line {error.lineno}" if error.lineno else ""
        raise SourceError(f"malformed XML{line}: {error.msg}") from error
    tag = etree.QName(root).localname.lower()
    if tag == "rss":
        channel = root.find("channel")
        if channel is None:
            raise SourceError("RSS feed without a <channel>")
        return Feed(_text(channel, "title"), [_rss_item(item) for item in channel.iter("item")])
    if tag == "rdf":
        channel = root.find(f"{{{RSS1}}}channel")
        title = _text(channel, f"{{{RSS1}}}title") if channel is not None else None
        items = [_rss_item(item, RSS1) for item in root.iter(f"{{{RSS1}}}item")]
        return Feed(title, items)
    if tag == "feed" and root.tag == f"{{{ATOM}}}feed":
        return Feed(
            _text(root, f"{{{ATOM}}}title"), [_atom_entry(e) for e in root.iter(f"{{{ATOM}}}entry")]
        )
    raise SourceError(f"XML document <{tag}> is not an RSS or Atom feed")


def _text(parent: etree._Element | None, path: str) -> str | None:
    if parent is None:
        return None
    node = parent.find(path)
    if node is None:
        return None
    value = "".join(node.itertext()).strip()
    return value or None


def _rss_item(item: etree._Element, namespace: str = "") -> FeedEntry:
    prefix = f"{{{namespace}}}" if namespace else ""
    link = _text(item, f"{prefix}link")
    if not link:
        guid = item.find("guid")
        if guid is not None and guid.get("isPermaLink", "true") != "false":
            link = _text(item, "guid")
    author = _text(item, f"{{{DC}}}creator") or _text(item, "author")
    return FeedEntry(
        link=link,
        title=_plain(_text(item, f"{prefix}title")),
        published=_text(item, "pubDate") or _text(item, f"{{{DC}}}date"),
        updated=None,
        author=author,
        content=_text(item, f"{{{CONTENT}}}encoded"),
        summary=_text(item, f"{prefix}description"),
    )


def _atom_entry(entry: etree._Element) -> FeedEntry:
    link = None
    for node in entry.findall(f"{{{ATOM}}}link"):
        if node.get("rel", "alternate") == "alternate" and node.get("href"):
            link = node.get("href")
            break
    author = _text(entry, f"{{{ATOM}}}author/{{{ATOM}}}name")
    return FeedEntry(
        link=link,
        title=_plain(_atom_text(entry.find(f"{{{ATOM}}}title"))),
        # Atom requires <updated> and makes <published> optional: an entry without
        # <published> was first published when it was last updated, as far as we know.
        published=_text(entry, f"{{{ATOM}}}published") or _text(entry, f"{{{ATOM}}}updated"),
        updated=_text(entry, f"{{{ATOM}}}updated"),
        author=author,
        content=_atom_text(entry.find(f"{{{ATOM}}}content")),
        summary=_atom_text(entry.find(f"{{{ATOM}}}summary")),
    )


def _atom_text(node: etree._Element | None) -> str | None:
    """An Atom text construct as HTML: type text is escaped, xhtml serialised, html as is."""
    if node is None:
        return None
    kind = node.get("type", "text")
    if kind == "xhtml":
        parts = [etree.tostring(child, encoding="unicode", method="html") for child in node]
        value = (node.text or "") + "".join(parts)
    elif kind == "html":
        value = node.text or ""
    else:
        value = html.escape("".join(node.itertext()))
        if node.get("src") and not value:
            return None
    return value.strip() or None


def _plain(value: str | None) -> str | None:
    """Titles in feeds may carry escaped markup; keep their words only."""
    if value is None:
        return None
    if "<" in value:
        value = BeautifulSoup(value, "lxml").get_text(" ")
    return " ".join(value.split()) or None
