"""Broadsheet sources: a page per outlet, the sources index, full-text rules on the site."""

from .sources import register

__all__ = ["register"]
