"""Placeholder: operators by shape (filled in below)."""

from __future__ import annotations

import numpy as np

from pipeline.scan.settings import ScanSettings


def read_operator(crop: np.ndarray, text: str, settings: ScanSettings) -> tuple[str, float] | None:
    return None
