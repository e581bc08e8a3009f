"""Broadsheet parallel_read: the articles' Markdown read in several processes."""

from .parallel_read import register

__all__ = ["register"]
