"""Broadsheet: import scraped news articles as clean Markdown for a Pelican site."""

__version__ = "0.1.0"
