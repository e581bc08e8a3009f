"""Broadsheet digests: issue pages, their archive, the home page's lead issue."""

from .digests import register

__all__ = ["register"]
