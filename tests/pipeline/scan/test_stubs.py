"""stubs: a column's rule lost across one row comes back from a stub hanging off a rule; a
character's stroke in line with it does not."""

from __future__ import annotations

import numpy as np

from pipeline.extract.objects import Edge
from pipeline.scan.settings import DEFAULT
from pipeline.scan.stubs import stubbed_stretches

SCALE = 2.0  # px per pt


def table() -> tuple[list[Edge], np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """Rows at 10, 40 and 100 pt, columns at 0 and 200 pt, and one at 100 pt from 40 down: the
    first row's stretch of it gone. The page's ink and the rules' masks (rules 2 px wide)."""
    edges = [Edge("h", 0, 10, 200, 10), Edge("h", 0, 40, 200, 40), Edge("h", 0, 100, 200, 100),
             Edge("v", 0, 10, 0, 100), Edge("v", 200, 10, 200, 100), Edge("v", 100, 40, 100, 100)]  # fmt: skip
    h = np.zeros((260, 460), np.uint8)
    v = np.zeros_like(h)
    for y in (20, 80, 200):
        h[y - 1 : y + 1, 0:401] = 255
    for x in (0, 400):
        v[20:201, max(0, x - 1) : x + 1] = 255
    v[80:201, 199:201] = 255
    return edges, h | v, (h, v)


def found(edges: list[Edge], ink: np.ndarray, masks: tuple[np.ndarray, np.ndarray]) -> list[Edge]:
    return stubbed_stretches(edges, ink, masks, SCALE, DEFAULT)[0]


def test_a_stub_hanging_off_the_rows_rule_puts_the_stretch_back() -> None:
    edges, ink, masks = table()
    ink[21:33, 199:201] = 255  # 6 pt of the lost stretch, hanging off the rule at 10 pt
    assert found(edges, ink, masks) == [Edge("v", 100, 10, 100, 40)]
    _, (_, v) = stubbed_stretches(edges, ink, masks, SCALE, DEFAULT)
    assert v[21:33, 199:201].all()  # the stub is rule now, not text


def test_nothing_on_the_line_is_a_merged_cell() -> None:
    edges, ink, masks = table()
    assert found(edges, ink, masks) == []


def test_a_characters_stroke_in_line_with_the_rule_is_no_stub() -> None:
    """Seed 39's eval-g2-budget-b: 提's 扌 stood in line with the columns' rule below, in a merged
    goal cell, and split the goal in two (是升服务水平…): clear of the rules, a bar across it."""
    edges, ink, masks = table()
    ink[28:74, 199:201] = 255  # the stroke, 4 pt clear of both rules …
    assert found(edges, ink, masks) == []
    ink[28:74, 199:201] = 0
    ink[21:74, 199:201] = 255  # … and touching the rule above, but with its bar 4 px each way
    ink[40:42, 195:205] = 255
    assert found(edges, ink, masks) == []


def test_a_stub_of_a_cell_boundary_lost_whole_puts_it_back() -> None:
    """Seed 39's var-midterm-portrait-lookalike: the rule between 实施单位's value and its label
    lost but for a stub standing on the row's foot, read as 1 after the unit's name; no rule of
    that line anywhere beyond."""
    edges, ink, masks = table()
    edges = edges[:-1]
    ink[80:201, 199:201] = 0
    masks[1][80:201, 199:201] = 0
    ink[66:79, 199:201] = 255  # 6.5 pt standing on the rule at 40 pt
    assert found(edges, ink, masks) == [Edge("v", 100, 10, 100, 40)]
    ink[66:79, 199:201] = 0
    ink[50:70, 199:201] = 255  # a stroke as long, clear of the rules: a character's (a 1)
    assert found(edges, ink, masks) == []


def test_a_stretch_put_back_leads_on_to_the_next_one_with_a_short_stub() -> None:
    """Seed 71's rl-seed-2025-lasa, page 6 (200-dpi bitonal, broken rules): the rule between 三级指标
    and 绩效指标性质 lost across the header but for a stub of 3 px off the frame's top (5–10 % of the
    row), and across the first row but for a stub standing on the header's foot. The first row's
    stretch came back from its stub; the header's was never looked at (only rules found before
    lead on), and its stub was under a tenth of the row: 三级指标 and 绩效指标性质 read as one
    header cell and the page lost both columns. A stretch put back leads on like a rule found."""
    edges, ink, masks = table()
    edges = edges[:-1]
    ink[80:201, 199:201] = 0
    masks[1][80:201, 199:201] = 0
    ink[81:94, 199:201] = 255  # 6.5 pt hanging off the header's foot (40 pt): the first row's stub
    ink[21:25, 199:201] = 255  # 2 pt off the top rule (10 pt): 7 % of the header's 30 pt
    assert sorted(found(edges, ink, masks), key=lambda e: e.top) == [
        Edge("v", 100, 10, 100, 40),
        Edge("v", 100, 40, 100, 100),
    ]
    ink[21:25, 199:201] = 0
    assert found(edges, ink, masks) == [Edge("v", 100, 40, 100, 100)]  # no stub: a merged header


def test_a_stretch_put_back_leads_on_only_where_the_boundary_closes() -> None:
    """Seed 62's eval-g1-budget-a (150-dpi bitonal, streaks): a streak's piece in a 三级指标 cell
    taken for a lone stub put that row's stretch back, which led on up the row above with a short
    mark off its rule, splitting 慰问开展及时性's cell: a stretch led on to must end on the table's
    outer rule or where a rule of its own line goes on."""
    edges = [Edge("h", 0, 10, 200, 10), Edge("h", 0, 40, 200, 40), Edge("h", 0, 70, 200, 70),
             Edge("h", 0, 100, 200, 100), Edge("v", 0, 10, 0, 100), Edge("v", 200, 10, 200, 100)]  # fmt: skip
    h = np.zeros((260, 460), np.uint8)
    v = np.zeros_like(h)
    for y in (20, 80, 140, 200):
        h[y - 1 : y + 1, 0:401] = 255
    for x in (0, 400):
        v[20:201, max(0, x - 1) : x + 1] = 255
    ink = h | v
    ink[141:154, 199:201] = 255  # 6.5 pt hanging off the rule at 70: the lone stub's row
    ink[81:85, 199:201] = 255  # 2 pt off the rule at 40: the row above's short mark
    assert found(edges, ink, (h, v)) == [Edge("v", 100, 70, 100, 100)]  # 40 is no outer rule
    edges.append(Edge("v", 100, 10, 100, 40))  # the line goes on above 40: the boundary closes
    v[20:81, 199:201] = 255
    ink |= v
    assert sorted(found(edges, ink, (h, v)), key=lambda e: e.top) == [
        Edge("v", 100, 40, 100, 70),
        Edge("v", 100, 70, 100, 100),
    ]
