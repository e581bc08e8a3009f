"""Broadsheet autotag: tags from the curated vocabulary and from the text."""

from .autotag import register

__all__ = ["register"]
