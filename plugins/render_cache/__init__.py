"""Broadsheet render_cache: pages whose inputs are unchanged are linked, not rendered."""

from .render_cache import register

__all__ = ["register"]
