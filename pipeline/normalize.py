"""Normalization: `Extraction` → `Document` (placeholder; being written)."""

from __future__ import annotations

from pipeline.model import Document, Extraction
from pipeline.settings import NormalizeSettings


def normalize(extraction: Extraction, settings: NormalizeSettings | None = None) -> Document:
    raise NotImplementedError
