"""Broadsheet build_speed: Pelican's quadratic listings and per-access URLs made cheap."""

from .build_speed import register

__all__ = ["register"]
