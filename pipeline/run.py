"""The whole pipeline for one PDF, as one pure function."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from pipeline.extract import extract
from pipeline.extract.objects import PageObjects
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
    data: bytes,
    settings: PipelineSettings | None = None,
    progress: Progress = no_progress,
    scanned: Mapping[int, PageObjects] | None = None,
) -> Outcome:
    """extract → normalize → validate. Raises `pipeline.errors.PipelineError` on bad input.

    `scanned`: pages (1-based) already read from their images elsewhere (page tasks, the
    in-process pool); `pipeline.extract.extract` reads any other page that needs its image.
    """
    settings = settings or PipelineSettings()
    timings: dict[str, float] = {}
    t = time.perf_counter()
    extraction = extract(data, settings.extract, progress, scanned)
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
