"""The whole pipeline for one PDF, as one pure function."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from pipeline.extract import extract
from pipeline.model import Document, Extraction, Finding
from pipeline.normalize import normalize
from pipeline.progress import Progress, no_progress
from pipeline.settings import PipelineSettings
from pipeline.validate import validate


@dataclass(frozen=True)
class Outcome:
    extraction: Extraction
    document: Document
    findings: tuple[Finding, ...]
    timings: dict[str, float] = field(default_factory=dict)  # stage -> seconds

    @property
    def has_table(self) -> bool:
        return self.extraction.has_table


def process(
    data: bytes, settings: PipelineSettings | None = None, progress: Progress = no_progress
) -> Outcome:
    """extract → normalize → validate. Raises `pipeline.errors.PipelineError` on bad input."""
    settings = settings or PipelineSettings()
    timings: dict[str, float] = {}
    t = time.perf_counter()
    extraction = extract(data, settings.extract, progress)
    timings["extract"] = time.perf_counter() - t
    t = time.perf_counter()
    document = normalize(extraction, settings.normalize)
    progress("normalize", 1, 1)
    timings["normalize"] = time.perf_counter() - t
    t = time.perf_counter()
    findings = validate(document, settings.validate)
    progress("validate", 1, 1)
    timings["validate"] = time.perf_counter() - t
    return Outcome(extraction, document, findings, timings)
