"""Broadsheet feeds: the site's Atom and RSS 2.0 feeds, written with feedgen."""

from .feeds import register

__all__ = ["register"]
