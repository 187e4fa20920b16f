"""Placeholder."""

from __future__ import annotations


def needs_image(page, objs) -> bool:
    return not objs.glyphs
