"""Broadsheet parallel_write: the article pages written in several processes."""

from .parallel_write import register

__all__ = ["register"]
