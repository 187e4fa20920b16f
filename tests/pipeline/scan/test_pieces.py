"""A rule's piece that met no other rule is taken back into the rules once the edges are final."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from pipeline.extract.objects import Edge
from pipeline.scan.pieces import pieces_on_edges
from pipeline.scan.settings import DEFAULT
from tests.pipeline.scan.pages import image_pdf, scan_bytes

SCALE = 200 / 72
HEADER = Path(__file__).parent / "images" / "frame-piece-over-a-header-cell-200dpi.png"


def test_a_frames_piece_beside_a_header_cell_is_rule_and_the_cell_reads_two_lines() -> None:
    """Seed 64's writer-landscape-01 (200-dpi bitonal, broken rules), the table's top 750 px: over
    the last header cell (本年 / 权重) the top rule was lost and the frame's right rule is a lone
    piece stopping short of the header's foot; it met no rule, stayed ink, and joined both lines
    into one band that read `年` — the 本年权重 column was lost on every row of the page."""
    page = scan_bytes(image_pdf(Image.open(HEADER)))
    s = 72 / 200
    cell = sorted(
        (g for g in page.objects.glyphs if g.x0 > 2170 * s and g.top < 150 * s),
        key=lambda g: (round(g.top), g.x0),
    )
    assert "".join(g.text for g in cell) == "本年权重"
    assert cell[0].top < cell[2].top - 20 * s  # two lines, one above the other


def _page() -> tuple[np.ndarray, list[Edge]]:
    ink = np.zeros((300, 300), np.uint8)
    ink[20:120, 200] = 255  # a lone piece of the rule at x = 200 (1 px, 100 px long)
    ink[150:290, 200:202] = 255  # the rule below it, found
    edges = [Edge("v", 200.5 / SCALE, 10 / SCALE, 200.5 / SCALE, 290 / SCALE)]
    return ink, edges


def test_ink_straight_along_an_edge_joins_the_rule_mask() -> None:
    ink, edges = _page()
    h, v = pieces_on_edges(edges, ink, (np.zeros_like(ink), np.zeros_like(ink)), SCALE, DEFAULT)
    assert v[20:120, 200].all() and not h.any()
    assert not v[:, :199].any() and not v[:, 203:].any()


def test_a_stroke_off_the_line_or_shorter_than_a_seed_stays_ink() -> None:
    ink, edges = _page()
    ink[20:120, 200] = 0
    ink[30:110, 208] = 255  # a character's long stroke 8 px beside the line (2.9 pt)
    ink[40:60, 200] = 255  # a short one on it (20 px: 7 pt, under a seed's 10)
    _, v = pieces_on_edges(edges, ink, (np.zeros_like(ink), np.zeros_like(ink)), SCALE, DEFAULT)
    assert not v[:140].any()
