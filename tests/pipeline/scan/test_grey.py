"""The histogram percentile is numpy's, value for value."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.scan.grey import percentile


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("q", [0, 10, 50, 90, 99.5, 100])
def test_same_as_numpy(seed: int, q: float) -> None:
    rng = np.random.default_rng(seed)
    shape = tuple(int(v) for v in rng.integers(1, 40, size=2))
    crop = rng.integers(0, 256, size=shape, dtype=np.uint8)
    if seed % 3 == 0:
        crop[:] = np.clip(crop, 200, 255)  # a crop of paper: few levels, many ties
    assert percentile(crop, q) == pytest.approx(float(np.percentile(crop, q)), abs=1e-9)
