"""Broadsheet related stories: the few other articles a reader should read next."""

from .related_stories import register

__all__ = ["register"]
