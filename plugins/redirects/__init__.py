"""Broadsheet redirects: old article URLs (Previous_slugs) lead to the article."""

from .redirects import register

__all__ = ["register"]
