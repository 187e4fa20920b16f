"""Placeholder."""

from __future__ import annotations


def correct(text: str, conf: float) -> tuple[str, float]:
    return text, conf
