"""Broadsheet fast_markdown: the importer's plain Markdown read without Python-Markdown."""

from .fast_markdown import register

__all__ = ["register"]
