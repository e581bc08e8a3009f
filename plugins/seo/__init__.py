"""Broadsheet SEO: sitemap.xml, robots.txt and the 404 page (broadsheet.seo)."""

from .seo import register

__all__ = ["register"]
