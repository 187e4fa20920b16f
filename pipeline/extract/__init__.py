"""Extraction: PDF bytes → `Extraction` (cell text as printed, merged cells resolved)."""

from __future__ import annotations

from pipeline.model import Extraction
from pipeline.progress import Progress, no_progress
from pipeline.settings import ExtractSettings


def extract(
    data: bytes, settings: ExtractSettings | None = None, progress: Progress = no_progress
) -> Extraction:
    raise NotImplementedError("extractor is being written")
