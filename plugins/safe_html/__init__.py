"""Broadsheet safe_html: every rendered body and summary through the HTML allowlist."""

from .safe_html import register

__all__ = ["register"]
