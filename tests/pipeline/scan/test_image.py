"""image.wipe_seals: a colour scan's red seal becomes paper, black print under it stays."""

from __future__ import annotations

import numpy as np

from pipeline.scan.image import wipe_seals


def test_a_seal_on_a_darkened_copy_becomes_that_copy_s_paper() -> None:
    """Paper at grey 215 (a photocopy), a red ring on it, a black bar across the ring: the ring
    reads as the paper around it, not as white (a white ring's edges would read as ink against
    the grey paper), and the bar stays black."""
    bgr = np.full((200, 200, 3), 215, np.uint8)
    yy, xx = np.mgrid[:200, :200]
    ring = np.abs(np.hypot(yy - 100, xx - 100) - 60) < 6
    bgr[ring] = (60, 60, 200)  # BGR: red ink
    bgr[98:102, 20:180] = 20  # black print over it
    grey = wipe_seals(bgr, 20)
    assert abs(int(grey[ring & ~((yy >= 98) & (yy < 102))].astype(int).mean()) - 215) <= 3
    assert grey[98:102, 20:180].max() < 60
