"""A rule's pieces that stand alone, taken back into the rule masks once every rule is known.

`rules.py` keeps a straight run as a rule when it meets a rule the other way; a piece of a broken
rule that meets none (a frame's rule over a header cell whose top rule was lost: it starts in the
open and stops a few pixels short of the header's foot) is left as ink. The rule itself comes
back as an edge later (ends.py carries the rest of the line over it), but its piece stays text:
it joins the cell's lines into one tall band (本年 over 权重 read as one line, `年`), and the
column it headed is lost. So, with the edges final, ink lying straight along an edge is rule
ink: runs at least `rule_seed_length_pt` long on its line, standing apart from the rule's pixels
found already and with paper beside them. A character's stroke is shorter than a seed's length;
a character's bar on a line carried through a merged cell's text has the character beside it.
"""

from __future__ import annotations

import cv2
import numpy as np

from pipeline.extract.objects import Edge
from pipeline.scan.settings import ScanSettings


def pieces_on_edges(
    edges: list[Edge],
    ink: np.ndarray,
    masks: tuple[np.ndarray, np.ndarray],
    scale: float,
    settings: ScanSettings,
) -> tuple[np.ndarray, np.ndarray]:
    """(horizontal, vertical) rule masks with the ink lying straight along each edge added: runs
    along the edge's own rows (within `rule_collinear_pt` of its line), each at least a seed long,
    apart from the rule's pixels found already (a run that goes on from them is the rule's own
    stretch, left out where the finder saw text across it) and with paper a point beside it each
    side along all but `rule_text_beside` of it (a character's bar lying on a line carried through
    a merged cell's text has the character's other strokes beside it). A thicker rule's rows
    beyond the line's go with the clearance painted around every rule (text_ink)."""
    h_mask, v_mask = masks[0].copy(), masks[1].copy()
    length = max(3, int(round(settings.rule_seed_length_pt * scale)) | 1)  # odd: the opening keeps its place
    near = max(1, int(round(settings.rule_collinear_pt * scale)))
    side = max(1, int(round(scale)))  # a point
    kernel = np.ones((1, length), np.uint8)
    for e in edges:
        horizontal = e.orientation == "h"
        plane, own = (ink, h_mask) if horizontal else (ink.T, v_mask.T)  # the line along the rows
        at = int(round((e.top if horizontal else e.x0) * scale))
        lo = max(0, int((e.x0 if horizontal else e.top) * scale))
        hi = min(plane.shape[1], int(np.ceil((e.x1 if horizontal else e.bottom) * scale)) + 1)
        a, b = max(0, at - near), min(plane.shape[0], at + near + 1)
        if hi - lo < length or b <= a:
            continue
        band, ruled = plane[a:b, lo:hi], own[a:b, lo:hi] > 0
        if not np.count_nonzero((band > 0) & ~ruled):
            continue  # nothing but the rule itself on its line
        runs = cv2.morphologyEx(np.ascontiguousarray(band), cv2.MORPH_OPEN, kernel)
        if not runs.any():
            continue
        n, labels, stats, _ = cv2.connectedComponentsWithStats(runs, connectivity=8)
        touching = np.bincount(labels[ruled & (runs > 0)], minlength=n) > 0
        for k in range(1, n):
            x, y, w, h = (int(v) for v in stats[k, :4])
            top, bottom = a + y, a + y + h
            beside = max(
                np.count_nonzero(
                    plane[max(0, top - 1 - side) : max(0, top - 1), lo + x : lo + x + w].any(axis=0)
                ),
                np.count_nonzero(plane[bottom + 1 : bottom + 1 + side, lo + x : lo + x + w].any(axis=0)),
            )
            if not touching[k] and beside <= settings.rule_text_beside * w:
                own[a:b, lo:hi][labels == k] = 255
    return h_mask, v_mask
