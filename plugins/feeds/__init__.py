"""Broadsheet feeds: Atom, RSS 2.0 and JSON Feed (site, per tag, per category, digests)
and their OPML list, written with feedgen."""

from .feeds import register

__all__ = ["register"]
