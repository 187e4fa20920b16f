"""Validation: `Document` → findings (placeholder; being written)."""

from __future__ import annotations

from pipeline.model import Document, Finding
from pipeline.settings import ValidateSettings


def validate(document: Document, settings: ValidateSettings | None = None) -> tuple[Finding, ...]:
    raise NotImplementedError
