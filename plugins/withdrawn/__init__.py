"""Broadsheet withdrawn: ``Status: unpublished`` leaves a "withdrawn" notice at the
story's URL."""

from .withdrawn import register

__all__ = ["register"]
