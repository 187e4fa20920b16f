"""Ink, ruling lines and the text left between them, from a page image.

The page is binarised against its neighbourhood (adaptive: a photocopy's grey paper and a
binding shadow stay paper); for rules a pixel darker than the paper just across the line counts
too (the faded stretches of a poor copy). Rules are built from straight runs at least a seed long
(text strokes are mostly shorter, curves such as seals, signatures and ticks too bent): collinear
runs whose gaps are at most `rule_bridge_pt` are one broken line, continued at its ends by the
short runs between two breaks, but never past a rule the other way. A line counts as a rule when
it is long enough and meets or crosses a rule the other way (a table's rows and columns share
their rules), or runs alone over a good share of the page with no text crowding it: a bold
stroke, or a line of character tops run together, stands free in its cell. A straight line that
runs from one edge of the page to the other is a scanner streak, not a rule.
"""

from __future__ import annotations

from typing import NamedTuple

import cv2
import numpy as np

from pipeline.extract.objects import Edge
from pipeline.scan.settings import DEFAULT, ScanSettings


class Rules(NamedTuple):
    ink: np.ndarray  # uint8 0/255: every dark mark
    horizontal: np.ndarray  # uint8 0/255: the horizontal rules' pixels
    vertical: np.ndarray  # uint8 0/255: the vertical rules' pixels
    edges: list[Edge]  # in points
    h_count: int  # rules found each way (a table has more rows than columns: orientation)
    v_count: int
    streaks: tuple[np.ndarray, np.ndarray]  # uint8 0/255: scanner streaks across, and down the page


def binarize(grey: np.ndarray, scale: float, settings: ScanSettings) -> np.ndarray:
    """255 where the page is inked, 0 on paper."""
    block = max(3, int(settings.binarize_block_pt * scale) | 1)
    return cv2.adaptiveThreshold(
        grey, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, settings.binarize_offset
    )


def _px(pt: float, scale: float) -> int:
    return max(1, int(round(pt * scale)))


def _runs(ink: np.ndarray, length: int, gap: int, horizontal: bool) -> np.ndarray:
    """Straight runs at least `length` px long, gaps up to `gap` px (a pixel of noise) closed."""
    shape = (lambda n: (n, 1)) if horizontal else (lambda n: (1, n))
    kernel = lambda n: cv2.getStructuringElement(cv2.MORPH_RECT, shape(n))  # noqa: E731
    mask = cv2.morphologyEx(ink, cv2.MORPH_OPEN, kernel(length))
    return cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel(gap + 1))


class _Chain(NamedTuple):
    lo: int  # px along the line
    hi: int
    at: float  # px across: the line's centre
    top: int  # px across: the pieces' extent
    bottom: int
    labels: tuple[int, ...]  # the long pieces' component labels
    shorts: tuple[tuple[int, int, int, int], ...]  # lo, hi, top, bottom of each short piece (its runs)
    gaps: tuple[tuple[int, int], ...]  # lo, hi of each bridged gap


class _Piece(NamedTuple):
    lo: int
    hi: int
    at: float
    top: int
    bottom: int
    label: int  # 0: a short piece (runs of the short mask inside its box)


def _chains(
    ink: np.ndarray, scale: float, settings: ScanSettings, horizontal: bool
) -> tuple[np.ndarray, list[list[_Piece]], np.ndarray]:
    """The lines running this way as chains of collinear runs at least a seed long whose gaps are
    at most `rule_bridge_pt` (a poor copy's breaks); the component labels of those runs; and the
    shorter runs that may continue them (a mask)."""
    seed, gap = _px(settings.rule_seed_length_pt, scale), _px(settings.rule_gap_pt, scale)
    long_mask = _runs(ink, seed, gap, horizontal)
    short_mask = _runs(ink, _px(settings.rule_piece_length_pt, scale), gap, horizontal)
    short_mask[cv2.dilate(long_mask, np.ones((3, 3), np.uint8)) > 0] = 0
    _, labels, stats, _ = cv2.connectedComponentsWithStats(long_mask, connectivity=8)
    thick = settings.rule_max_thickness_pt * scale
    pieces = []
    for k, (x, y, w, h, area) in enumerate(stats[1:], start=1):
        lo, along, top, across = (x, w, y, h) if horizontal else (y, h, x, w)
        if area / max(1, along) <= thick:  # else a filled band (a dark header, a shadow), not a line
            pieces.append(_Piece(lo, lo + along, top + across / 2, top, top + across, k))
    pieces.sort()
    tolerance = max(1.5, settings.rule_collinear_pt * scale)
    bridge = settings.rule_bridge_pt * scale
    chains: list[list[_Piece]] = []
    ends: list[int] = []
    for p in pieces:
        for c, chain in enumerate(chains):
            if abs(chain[-1].at - p.at) <= tolerance and -bridge <= p.lo - ends[c] <= bridge:
                chain.append(p)
                ends[c] = max(ends[c], p.hi)
                break
        else:
            chains.append([p])
            ends.append(p.hi)
    return labels, chains, short_mask


def _span(chain: list[_Piece]) -> tuple[int, int, float]:
    return min(q.lo for q in chain), max(q.hi for q in chain), (chain[0].at + chain[-1].at) / 2


def _extend(
    chain: list[_Piece], short: np.ndarray, across: list[tuple[int, int, float]],
    tolerance: float, bridge: float, reach: float,
) -> None:  # fmt: skip
    """Continue the chain at both ends with the short runs that follow it across its breaks (the
    short stretches between two gaps), up to a rule the other way: past one, a collinear run is
    a character's stroke (the 纟 of 经 right above a T-junction). `short` has the line along its
    rows (a vertical line's mask transposed)."""
    height, width = short.shape
    span = int(bridge) + 1
    for end in (1, -1):
        while True:
            edge = max(q.hi for q in chain) if end == 1 else min(q.lo for q in chain)
            ref = chain[-1] if end == 1 else chain[0]
            r0, r1 = max(0, int(ref.at - tolerance)), min(height, int(ref.at + tolerance) + 1)
            band = short[r0:r1]
            if end == 1:
                hits = np.flatnonzero(band[:, edge : min(width, edge + span)].any(axis=0))
                if not len(hits):
                    break
                start = stop = edge + int(hits[0])
                while stop < width and band[:, stop].any():
                    stop += 1
                lo, hi, gap_lo, gap_hi = start, stop, edge, start
            else:
                hits = np.flatnonzero(band[:, max(0, edge - span) : edge].any(axis=0))
                if not len(hits):
                    break
                stop = start = max(0, edge - span) + int(hits[-1]) + 1
                while start > 0 and band[:, start - 1].any():
                    start -= 1
                lo, hi, gap_lo, gap_hi = start, stop, stop, edge
            if any(
                gap_lo - reach <= at <= gap_hi + reach and o_lo - reach <= ref.at <= o_hi + reach
                for o_lo, o_hi, at in across
            ):
                break
            rows = np.flatnonzero(band[:, lo:hi].any(axis=1))
            top, bottom = r0 + int(rows[0]), r0 + int(rows[-1]) + 1
            piece = _Piece(lo, hi, (top + bottom) / 2, top, bottom, 0)
            if end == 1:
                chain.append(piece)
            else:
                chain.insert(0, piece)


def _finish(chain: list[_Piece]) -> _Chain:
    chain.sort()
    top, bottom = min(q.top for q in chain), max(q.bottom for q in chain)
    gaps, reach = [], chain[0].hi
    for q in chain[1:]:
        if q.lo > reach:
            gaps.append((reach, q.lo))
        reach = max(reach, q.hi)
    return _Chain(
        chain[0].lo, reach, (top + bottom) / 2, top, bottom,
        tuple(q.label for q in chain if q.label), tuple((q.lo, q.hi, q.top, q.bottom) for q in chain if not q.label),
        tuple(gaps),
    )  # fmt: skip


def _hugged(ink: np.ndarray, c: _Chain, scale: float, horizontal: bool) -> bool:
    """Ink crowds the line along one side (1–3 pt away): the tops or feet of a line of text."""
    off, band = _px(1.0, scale), _px(2.0, scale)
    sides = []
    for a, b in ((max(0, c.top - off - band), max(0, c.top - off)), (c.bottom + off, c.bottom + off + band)):
        part = ink[a:b, c.lo : c.hi] if horizontal else ink[c.lo : c.hi, a:b]
        sides.append(np.count_nonzero(part) / max(1, part.size))
    return max(sides) >= 0.3


def _lines(
    ink: np.ndarray, ink_h: np.ndarray, ink_v: np.ndarray, scale: float, settings: ScanSettings
) -> list[tuple[np.ndarray, np.ndarray, list[_Chain]]]:
    """Horizontal and vertical rules: lines at least `rule_min_length_pt` long (gaps bridged) that
    meet or cross a line the other way, or run on alone over `rule_alone_share` of the page with
    no text crowding one side (a frame's line; the tops of a line of characters run together are
    not one). A bold stroke, or a line of strokes run together, stands free in its cell.
    Each way: the long runs' labels, the short runs, the lines."""
    raw = [_chains(ink, scale, settings, horizontal) for ink, horizontal in ((ink_h, True), (ink_v, False))]
    length = settings.rule_min_length_pt * scale
    reach = settings.rule_meet_pt * scale
    tolerance = max(1.5, settings.rule_collinear_pt * scale)
    bridge = settings.rule_bridge_pt * scale
    spans = [[sp for sp in map(_span, chains) if sp[1] - sp[0] >= length] for _, chains, _ in raw]
    found = []
    for k, (labels, chains, short) in enumerate(raw):
        along = short if k == 0 else short.T
        for chain in chains:
            lo, hi, _ = _span(chain)
            if hi - lo >= length:  # a rule already: a stroke or two run together is not continued
                _extend(chain, along, spans[1 - k], tolerance, bridge, reach)
        done = [_finish(c) for c in chains]
        found.append((labels, short, [c for c in done if c.hi - c.lo >= length]))
    out = []
    for k, (labels, short, chains) in enumerate(found):
        others = found[1 - k][2]
        keep = [
            c
            for c in chains
            if any(
                c.lo - reach <= o.at <= c.hi + reach and o.lo - reach <= c.at <= o.hi + reach for o in others
            )
            or (
                c.hi - c.lo >= settings.rule_alone_share * ink.shape[1 - k]
                and not _hugged(ink, c, scale, k == 0)
            )
        ]
        out.append((labels, short, keep))
    return out


def _draw(labels: np.ndarray, short: np.ndarray, chains: list[_Chain], horizontal: bool) -> np.ndarray:
    """uint8 0/255: the pixels of these lines, their gaps filled."""
    lookup = np.zeros(int(labels.max()) + 1, bool)
    for c in chains:
        lookup[list(c.labels)] = True
    mask = np.where(lookup[labels], 255, 0).astype(np.uint8)
    along, runs = (mask, short) if horizontal else (mask.T, short.T)
    for c in chains:
        for lo, hi, top, bottom in c.shorts:
            along[top:bottom, lo:hi] |= runs[top:bottom, lo:hi]
        for lo, hi in c.gaps:
            along[c.top : c.bottom, lo:hi] = 255
    return mask


def _connectors(
    ink: np.ndarray,
    across: np.ndarray,
    scale: float,
    settings: ScanSettings,
    horizontal: bool,
    own: np.ndarray,
) -> tuple[np.ndarray, list[tuple[int, int, int, int]]]:
    """Rules too short for the long kernel that run from one perpendicular rule to another, and
    the boxes (x, y, w, h) of those that are not part of a line in `own` (the rules found this way).

    A row 14 pt high has vertical rules 14 pt long, as short as a large character's stroke;
    a stroke, though, never reaches a rule at both of its ends.
    """
    length = _px(settings.rule_short_length_pt, scale)
    shape = (length, 1) if horizontal else (1, length)
    mask = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, shape))
    out = np.zeros_like(mask)
    boxes: list[tuple[int, int, int, int]] = []
    n, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    reach = max(2, _px(1.0, scale))
    thick = settings.rule_max_thickness_pt * scale
    height, width = ink.shape
    for x, y, w, h, area in stats[1:]:
        along = w if horizontal else h
        if area / max(1, along) > thick:
            continue
        if horizontal:
            ends = (
                across[y : y + h, max(0, x - reach) : x + reach],
                across[y : y + h, x + w - reach : min(width, x + w + reach)],
            )
        else:
            ends = (
                across[max(0, y - reach) : y + reach, x : x + w],
                across[y + h - reach : min(height, y + h + reach), x : x + w],
            )
        if all(e.any() for e in ends):
            out[y : y + h, x : x + w] |= mask[y : y + h, x : x + w]
            if not own[y : y + h, x : x + w].any():
                boxes.append((int(x), int(y), int(w), int(h)))
    return out, boxes


def faint_lines(grey: np.ndarray, scale: float, settings: ScanSettings, horizontal: bool) -> np.ndarray:
    """255 where the page is darker than the paper just across a line running this way.

    A faded stretch of a rule (a poor copy) is too light for the adaptive threshold when text
    stands near it and darkens the neighbourhood's mean; against the brightest pixel a few pixels
    above and below (left and right of a vertical rule) it still stands out clearly.
    """
    r = max(2, _px(settings.faint_reach_pt, scale))
    kernel = np.ones((2 * r + 1, 1) if horizontal else (1, 2 * r + 1), np.uint8)
    paper = cv2.subtract(cv2.dilate(grey, kernel), settings.faint_contrast)  # saturates at 0
    return cv2.compare(grey, paper, cv2.CMP_LT)


def find_rules(grey: np.ndarray, scale: float, settings: ScanSettings = DEFAULT) -> Rules:
    ink = binarize(grey, scale, settings)
    height, width = ink.shape
    ink_h = ink | faint_lines(grey, scale, settings, True)
    ink_v = ink | faint_lines(grey, scale, settings, False)
    margin = settings.streak_margin_pt * scale
    masks, streaks, edges, counts = [], [], [], []
    for k, (labels, short, chains) in enumerate(_lines(ink, ink_h, ink_v, scale, settings)):
        extent = width if k == 0 else height
        edge_to_edge = [c.lo <= margin / 4 and c.hi >= extent - margin / 4 for c in chains]  # scanner streaks
        rules = [c for c, streak in zip(chains, edge_to_edge, strict=True) if not streak]
        masks.append(_draw(labels, short, rules, k == 0))
        streaks.append(
            _draw(labels, short, [c for c, s in zip(chains, edge_to_edge, strict=True) if s], k == 0)
            if any(edge_to_edge)
            else np.zeros_like(ink)
        )
        for c in rules:
            lo, hi, at = c.lo / scale, c.hi / scale, c.at / scale
            edges.append(Edge("h", lo, at, hi, at) if k == 0 else Edge("v", at, lo, at, hi))
        counts.append(len(rules))
    h_mask, v_mask = masks
    short_v, v_boxes = _connectors(ink_v, h_mask, scale, settings, horizontal=False, own=v_mask)
    short_h, h_boxes = _connectors(ink_h, v_mask, scale, settings, horizontal=True, own=h_mask)
    for x, y, w, h in h_boxes:
        mid = (y + h / 2) / scale
        edges.append(Edge("h", x / scale, mid, (x + w) / scale, mid))
    for x, y, w, h in v_boxes:
        mid = (x + w / 2) / scale
        edges.append(Edge("v", mid, y / scale, mid, (y + h) / scale))
    h_mask = cv2.bitwise_or(h_mask, short_h)
    v_mask = cv2.bitwise_or(v_mask, short_v)
    return Rules(
        ink,
        h_mask,
        v_mask,
        edges,
        counts[0] + len(h_boxes),
        counts[1] + len(v_boxes),
        (streaks[0], streaks[1]),
    )


def mend_streaks(grey: np.ndarray, rules: Rules) -> np.ndarray:
    """`grey` with each streak's pixels taken from beside the streak (the lighter side): text
    strokes crossing it stay whole, the streak itself goes. Changes `grey` in place."""
    for streak, axis in zip(rules.streaks, (0, 1), strict=True):
        if not streak.any():
            continue
        wide = cv2.dilate(streak, np.ones((3, 1) if axis == 0 else (1, 3), np.uint8)) > 0
        reach = 5  # px: past a streak's width and the dilation
        before = np.roll(grey, reach, axis=axis)
        after = np.roll(grey, -reach, axis=axis)
        grey[wide] = np.maximum(before[wide], after[wide])
    return grey


def text_ink(rules: Rules, settings: ScanSettings) -> tuple[np.ndarray, np.ndarray]:
    """The ink that is not a rule nor a streak, and the rules widened by the clearance (to paint white in crops)."""
    lines = cv2.bitwise_or(rules.horizontal, rules.vertical)
    r = settings.rule_clearance_px
    if r > 0:
        lines = cv2.dilate(lines, cv2.getStructuringElement(cv2.MORPH_RECT, (2 * r + 1, 2 * r + 1)))
    text = cv2.bitwise_and(rules.ink, cv2.bitwise_not(lines))
    for streak in rules.streaks:
        if streak.any():
            text = cv2.bitwise_and(text, cv2.bitwise_not(cv2.dilate(streak, np.ones((3, 3), np.uint8))))
    return text, lines
