"""Ink, ruling lines and the text left between them, from a page image.

The page is binarised against its neighbourhood (adaptive: a photocopy's grey paper and a
binding shadow stay paper); for rules a pixel darker than the paper just across the line counts
too (the faded stretches of a poor copy). Rules are built from straight runs at least a seed long
(text strokes are mostly shorter, curves such as seals, signatures and ticks too bent): collinear
runs whose gaps are at most `rule_bridge_pt` are one broken line, continued at its ends by the
short runs between two breaks, but never past a rule the other way. A faded stretch, which a
bitonal threshold loses whole, is bridged further (`rule_faded_pt`) across clean paper between
lines no ink touches along (text's bars and strokes are touched by the rest of their characters),
and a rule's faded last stretch is carried on to the table's rule it points at. A line counts as a rule when
it is long enough and meets or crosses a rule the other way (a table's rows and columns share
their rules), or runs alone over a good share of the page with no text crowding it: a bold
stroke, or a line of character tops run together, stands free in its cell.

A scanner streak is no rule. It is a straight line across the page, but a bitonal copy breaks it
wherever it is light and the deskew may slant it a little, so it is found as collinear pieces
(any gap between them) that span most of the page and run on well past the table's outer rules,
where a table's own rules end (or from one edge of the page to the other). Inside the table it
stays a rule only between two rules the other way where a real rule lies under it: no text runs
across it there, and it is clearly darker (or, bitonal, wider) than where it runs alone. Its
pixels are handed on (`Rules.streaks`) to be mended, not read; a line that met only a streak
(a row of characters' bars it crosses) is no rule either.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from typing import NamedTuple

import cv2
import numpy as np

from pipeline.extract.objects import Edge
from pipeline.scan.components import components
from pipeline.scan.dashes import dashed_streaks
from pipeline.scan.ends import carried_ends, closed_corners, trimmed_overhangs
from pipeline.scan.joints import lost_rules
from pipeline.scan.labels import centred
from pipeline.scan.lost import lost_frames, lost_whole, under_streaks
from pipeline.scan.pieces import pieces_on_edges
from pipeline.scan.settings import DEFAULT, ScanSettings
from pipeline.scan.stubs import stubbed_stretches


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
    _, labels, stats = components(long_mask)
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


def _crossings(
    spans: np.ndarray, lo: int, hi: int, at: float, reach: float, short: float = 0.0
) -> np.ndarray:
    """Where (px along) the lines the other way (`spans`: rows of lo, hi, at) cross or meet this one
    (or end at most `short` px short of it)."""
    if not len(spans):
        return spans[:, 2]
    hit = (spans[:, 2] >= lo - reach) & (spans[:, 2] <= hi + reach)
    hit &= (spans[:, 0] - reach - short <= at) & (at <= spans[:, 1] + reach + short)
    return spans[hit, 2]


def _clean(
    plane: np.ndarray, lo: int, hi: int, top: int, bottom: int, at: float,
    spans: np.ndarray, scale: float, reach: float, share: float = 0.1, short: float = 0.0,
) -> bool:  # fmt: skip
    """No ink runs across the line between `lo` and `hi` (px along; `plane` has the line along its
    rows) but where a line the other way (`spans`) crosses it, or ends `short` px short of it (its
    own lost stretch, whose leftovers cross here): a faded stretch of a rule lies on clean paper
    (its own leftovers on the line itself), text lined up along it has its characters in between."""
    if hi <= lo:
        return True
    top, bottom = max(0, top - 1), bottom + 1
    beside = _px(1.0, scale)
    cols = plane[max(0, top - beside) : top, lo:hi].any(axis=0)
    cols |= plane[bottom : bottom + beside, lo:hi].any(axis=0)
    for o_at in _crossings(spans, lo, hi, at, reach, short):
        cols[max(0, int(o_at - reach) - lo) : max(0, int(o_at + reach) + 1 - lo)] = False
    return np.count_nonzero(cols) <= share * (hi - lo)


def _touched(plane: np.ndarray, chain: list[_Piece], spans: np.ndarray, scale: float, reach: float) -> float:
    """The share of the line's length where ink touches it from one side, within a point (the
    worse side), leaving out where a line the other way crosses it: the strokes hanging off a
    line of character tops run together, or of a character's bars lined up across a row; a
    rule has only the rules it meets, and at its ends the rule it ends at (even one not found
    clean: text or a photocopy's specks along that one). `plane` has the line along its rows."""
    lo, hi, at = _span(chain)
    top, bottom = min(q.top for q in chain) - 1, max(q.bottom for q in chain) + 1
    beside = _px(1.0, scale)
    free = np.ones(hi - lo, bool)
    corner = int(2 * reach)
    free[:corner] = free[len(free) - corner :] = False
    for o_at in _crossings(spans, lo, hi, at, reach):
        free[max(0, int(o_at - reach) - lo) : max(0, int(o_at + reach) + 1 - lo)] = False
    worst = 0.0
    for a, b in ((max(0, top - beside), max(0, top)), (bottom, bottom + beside)):
        cols = plane[a:b, lo:hi].any(axis=0) & free
        worst = max(worst, np.count_nonzero(cols) / max(1, np.count_nonzero(free)))
    return worst


def _met(lines: np.ndarray, others: list[tuple[int, int, float]], reach: float) -> np.ndarray:
    """Those of these lines (rows of lo, hi, at) that a line the other way meets or crosses: a
    table's rule, not a scanner's dark edge or a streak off on its own."""
    keep = [
        n for n, (lo, hi, at) in enumerate(lines)
        if any(o_lo - reach <= at <= o_hi + reach and lo - reach <= o_at <= hi + reach for o_lo, o_hi, o_at in others)
    ]  # fmt: skip
    return lines[keep]


def _reach_rules(
    chain: list[_Piece], spans: np.ndarray, lines: np.ndarray, ink: np.ndarray, scale: float,
    settings: ScanSettings, horizontal: bool, stubs: tuple[list[_Piece], list[float]] = ([], []),
) -> None:  # fmt: skip
    """Carry a rule that meets a rule the other way on, at either end, to the next rule the
    other way it points at, when that lies at most `rule_faded_pt` on across clean paper: the
    faded last stretch of a poor copy's rule (a bitonal threshold loses it whole). `spans` are the
    rules the other way (lo, hi, at) it may reach; an end at any line the other way (`lines`: a
    merged cell's rule stops there) stays, unless what is left of the rule past it lies on the
    way (`stubs`: short runs on the line, and their places across), a row's rule faded from a
    junction on (also where the end was first carried to a line: faded across two cells). The stretch is added as a piece of no pixels (its gap is drawn)."""
    reach = settings.rule_meet_pt * scale
    faded = settings.rule_faded_pt * scale
    tolerance = max(1.5, settings.rule_collinear_pt * scale)
    lo, hi, at = _span(chain)
    crossing = _crossings(spans, -(10**9), 10**9, at, reach)  # the lines it points at
    if not ((crossing >= lo - reach) & (crossing <= hi + reach)).any():
        return
    plane = ink if horizontal else ink.T
    top, bottom = min(q.top for q in chain), max(q.bottom for q in chain)
    stops = _crossings(lines, -(10**9), 10**9, at, reach)
    for sign, end in ((1, hi), (-1, lo)):
        for _ in range(2):  # carried to a rule, it may step on across the next cell on stubs of it
            o = _reach_target(end, sign, crossing, stops, stubs, at, faded, reach, tolerance)
            if o is None:
                break
            a, b = (end, o) if sign > 0 else (o + 1, end)
            stepped = abs(o - end) > faded or (abs(stops - end) <= 2 * reach).any()  # on stubs of it
            if not _clean(
                plane, a, b, top, bottom, at, spans, scale, reach, STEPPED_CLEAN if stepped else 0.1
            ):
                break
            ref = chain[-1] if sign > 0 else chain[0]
            piece = _Piece(o, o + 1, ref.at, ref.top, ref.bottom, 0)
            chain.insert(len(chain) if sign > 0 else 0, piece)
            end = o


def _reach_target(
    end: int, sign: int, crossing: np.ndarray, stops: np.ndarray, stubs: tuple[list[_Piece], list[float]],
    at: float, faded: float, reach: float, tolerance: float,
) -> int | None:  # fmt: skip
    """Where (px along) a rule's end at `end` may be carried on to (`sign`: on past its high end,
    or back past its low end): the next rule it points at (`crossing`) within `faded`, when the
    end is free (within twice that when stubs of the rule split the way into stretches that
    short); from an end at a line the other way (`stops`), only when what is left of the
    rule (`stubs`: short runs on the line) lies on the way, and then to any line that stub
    reaches too (a header's rule, text close to it, is no clean rule)."""
    near = [int(o) for o in crossing if reach < sign * (o - end) <= faded]
    if not (abs(stops - end) <= 2 * reach).any():
        if near:
            return min(near, key=lambda o: sign * o)
        further = [int(o) for o in crossing if faded < sign * (o - end) <= 2 * faded]
        if not further:
            return None
        o = min(further, key=lambda v: sign * v)  # further on, a stub of the rule on the way
        a, b = min(end, o), max(end, o)
        return (
            o
            if _hops(a, b, _stones(*stubs, at, a - int(reach), b + int(reach), tolerance)) <= faded
            else None
        )
    # stubs of the rule may step it on across a column wider than `faded` (a level column's rule
    # faded between a stub at each side), each stretch of paper between them no longer than that
    far = 2 * faded
    stones = _stones(*stubs, at, end - int(far) - 1, end + int(far) + 1, tolerance)
    stones = [q for q in stones if (q.lo > end if sign > 0 else q.hi < end)]
    near = [int(o) for o in crossing if 2 * reach < sign * (o - end) <= far]  # past the line it stops at
    touched = [
        int(o) for o in stops if 2 * reach < sign * (o - end) <= far
        and any(q.lo - 2 * reach <= o <= q.hi + 2 * reach for q in stones)
    ]  # fmt: skip
    ahead = sorted(near + touched, key=lambda o: sign * o)
    if not ahead:
        return None
    o = ahead[0]
    a, b = min(end, o), max(end, o)
    on_way = [q for q in stones if a - reach <= q.lo and q.hi <= b + reach]
    return o if on_way and _hops(a, b, on_way) <= faded else None


STEPPED_CLEAN = 0.05  # a gap bridged on stubs: ink a point beside it along at most this share
COLUMN_GAP_PT = 2.0  # a column's rule lost across a whole row: labels' strokes twice this (below)
COLUMN_CLEAR_PT = 1.0  # … and paper this far each side of what is left of it


def _between_labels(
    chain: list[_Piece], rows: np.ndarray, columns: np.ndarray, plane: np.ndarray, scale: float,
    settings: ScanSettings,
) -> None:  # fmt: skip
    """Carry a column's rule that ends at a row's rule (or a stub's length past it: what is left
    of the lost stretch) on across the next row (up to `rule_header_faded_pt` high: a two-row
    header's merged cells) where it faded whole: paper `COLUMN_CLEAR_PT` each side of it all down
    that row, and on each side a label centred between it and the next column (two header labels,
    三级指标 | 指标值; a centred ≤ | 45.6), that column crossing the row or lost across it too. A
    merged cell's one label crosses the line or stands
    centred in the merged cell, off both halves' centres. `rows`, `columns`: the lines across
    and down (lo, hi, at); `plane` the ink with the column along its rows."""
    reach = settings.rule_meet_pt * scale
    faded = settings.rule_header_faded_pt * scale
    gap, margin, clear = _px(COLUMN_GAP_PT, scale), int(2 * reach), _px(COLUMN_CLEAR_PT, scale)
    lo, hi, at = _span(chain)
    stops = np.sort(_crossings(rows, -(10**9), 10**9, at, reach))
    stub = settings.rule_bridge_pt * scale  # what is left of the lost stretch may run on past the row's rule
    for sign, end in ((1, hi), (-1, lo)):
        past = sign * (end - stops)
        at_row = stops[(past >= -2 * reach) & (past <= stub)]
        if not len(at_row):
            continue
        row = float(at_row[0])
        beyond = [o for o in stops if 2 * reach < sign * (o - end) <= faded]
        if not beyond:
            continue
        o = int(min(beyond, key=lambda v: sign * v))
        a, b = min(end, o) + margin, max(end, o) - margin
        if b <= a:
            continue
        mid = (a + b) / 2
        near = row - sign * 2 * reach  # just past the row's rule, on the chain's side
        sides = [  # the columns each side: across the row, or from below it (their stretch faded too)
            c[2] for c in columns
            if (c[0] - reach <= mid <= c[1] + reach or c[0] - reach <= near <= c[1] + reach)
            and abs(c[2] - at) > 2 * gap
        ]  # fmt: skip
        left, right = [x for x in sides if x < at], [x for x in sides if x > at]
        if not left or not right:
            continue
        x0, x1 = int(max(left)) + margin, int(min(right)) - margin
        own0, own1 = min(q.top for q in chain) - 1, max(q.bottom for q in chain) + 1  # a stub of it may stay
        c0, c1 = own0 - clear, own1 + clear
        if x0 >= c0 or c1 >= x1 or plane[c0:own0, a:b].any() or plane[own1:c1, a:b].any():
            continue
        if centred(plane[x0:c0, a:b], x0, int(max(left)), int(at), gap) and centred(
            plane[c1:x1, a:b], c1, int(at), int(min(right)), gap
        ):
            ref = chain[-1] if sign > 0 else chain[0]
            chain.insert(len(chain) if sign > 0 else 0, _Piece(o, o + 1, ref.at, ref.top, ref.bottom, 0))


def _stubs(
    short: np.ndarray, ink: np.ndarray, scale: float, settings: ScanSettings, horizontal: bool
) -> list[_Piece]:
    """The thin runs of the short mask (`_chains`) with no ink a point beside them along most of
    their length, as pieces by their place across: what is left of a rule between its faded
    stretches (a few points of it); a character's stroke has the character's other strokes
    beside it (元's hook by a frame)."""
    _, _, stats = components(short)
    if len(stats) < 2:
        return []
    x, y, w, h, area = stats[1:].T
    lo, along, top, across = (x, w, y, h) if horizontal else (y, h, x, w)
    thin = area <= settings.rule_max_thickness_pt * scale * np.maximum(1, along)
    plane, b = (ink if horizontal else ink.T), _px(1.0, scale)
    pieces = []
    for a, n, t, c in zip(lo[thin], along[thin], top[thin], across[thin], strict=True):
        if _alone(plane, a, a + n, t, t + c, b):
            pieces.append(_Piece(int(a), int(a + n), t + c / 2, int(t), int(t + c), 0))
    return sorted(pieces, key=lambda q: q.at)


def _alone(plane: np.ndarray, lo: int, hi: int, top: int, bottom: int, b: int) -> bool:
    """No ink within `b` px beside the line (`plane` has it along its rows) along two thirds of it."""
    near = plane[max(0, top - 1 - b) : max(0, top - 1), lo:hi].any(axis=0)
    near |= plane[bottom + 1 : bottom + 1 + b, lo:hi].any(axis=0)
    return np.count_nonzero(near) <= (hi - lo) / 3


def _short_lines(
    chains: list[list[_Piece]], length: float, ink: np.ndarray, scale: float, horizontal: bool
) -> list[_Piece]:
    """The lines too short to be rules with no ink a point beside them along most of their
    length, as pieces: what is left of a rule whose other stretches faded (a column's rule in a
    header row, faded from just over halfway down to the junction under it)."""
    plane, b = (ink if horizontal else ink.T), _px(1.0, scale)
    pieces = []
    for chain in chains:
        lo, hi, at = _span(chain)
        if hi - lo >= length:
            continue
        top, bottom = min(q.top for q in chain), max(q.bottom for q in chain)
        if _alone(plane, lo, hi, top, bottom, b):
            pieces.append(_Piece(lo, hi, at, top, bottom, 0))
    return pieces


def _stones(
    stubs: list[_Piece], ats: list[float], at: float, lo: int, hi: int, tolerance: float
) -> list[_Piece]:
    """The stubs (sorted by `ats`, their places across) collinear with a line at `at` that lie
    wholly between `lo` and `hi` along it, in order along."""
    first, last = bisect_left(ats, at - tolerance), bisect_right(ats, at + tolerance)
    return sorted(q for q in stubs[first:last] if lo < q.lo and q.hi < hi)


def _hops(lo: int, hi: int, stones: list[_Piece], crossed: np.ndarray | None = None) -> float:
    """The longest stretch of paper from `lo` to `hi` along a line, these stubs stepped on, and the
    rule the other way that crosses it, if one does (`crossed`, px along): a line lost either side
    of one column's rule, each stretch within its cell (seed 53's dept-info-2024, a header's foot).
    A gap across two or more rules is cells merged across them (an info block's value cells)."""
    crossings = [] if crossed is None or len(crossed) != 1 else list(crossed)
    steps = sorted([(q.lo, q.hi) for q in stones] + [(p, p) for p in crossings])
    longest, at = 0.0, lo
    for a, b in steps:
        longest, at = max(longest, a - at), max(at, b)
    return max(longest, hi - at)


def _join_faded(
    chains: list[list[_Piece]], spans: np.ndarray, ink: np.ndarray, scale: float,
    settings: ScanSettings, horizontal: bool, stubs: list[_Piece] = [],  # noqa: B006 — read only
) -> list[list[_Piece]]:  # fmt: skip
    """Collinear chains up to `rule_faded_pt` apart joined into one: a poor copy's faded stretch
    of a rule, lost whole to a bitonal threshold; further apart where what is left of the rule
    between faded stretches (`stubs`, short runs on the line) splits the gap into stretches that
    short. Only across clean paper (`_clean`) and where ink touches neither chain along it
    (`_touched`: a line of character tops, a character's bars lined up across a row or its
    strokes down successive lines of text). `spans`: the rules the other way (rows of lo, hi, at)
    that may cross a line; `ink` the plain ink (a faded stretch still ink is chained already)."""
    faded, bridge = settings.rule_faded_pt * scale, settings.rule_bridge_pt * scale
    if not chains or faded <= bridge:
        return chains
    tolerance = max(1.5, settings.rule_collinear_pt * scale)
    reach = settings.rule_meet_pt * scale
    short = settings.rule_end_reach_pt * scale  # a rule across ending this short of the gap: its lost stretch
    plane = ink if horizontal else ink.T
    # left to right, each chain growing rightwards; its candidates found by their place across (a
    # slant makes the next piece's place differ a little either way)
    order = sorted(range(len(chains)), key=lambda i: (chains[i][0].lo, chains[i][0].at))
    by_at = sorted(range(len(chains)), key=lambda i: chains[i][0].at)
    at_keys = [chains[i][0].at for i in by_at]
    joined: list[list[_Piece]] = []
    hugged: dict[int, bool] = {}
    ats = [q.at for q in stubs]

    def crowded(chain: list[_Piece]) -> bool:
        key = id(chain)
        if key not in hugged:
            hugged[key] = _touched(plane, chain, spans, scale, reach) > settings.rule_faded_touched
        return hugged[key]

    used = [False] * len(chains)
    for i in order:
        if used[i]:
            continue
        chain = list(chains[i])
        used[i] = True
        while True:
            end, last = max(q.hi for q in chain), chain[-1]
            best = None
            near = by_at[
                bisect_left(at_keys, last.at - tolerance) : bisect_right(at_keys, last.at + tolerance)
            ]
            for j in near:
                other = chains[j]
                if used[j]:
                    continue
                if other[0].lo - end > bridge and (best is None or other[0].lo < chains[best][0].lo):
                    best = j
            if best is None:
                break
            other = chains[best]
            lo, hi = end, other[0].lo
            stones = _stones(stubs, ats, last.at, lo, hi, tolerance) if hi - lo > faded else []
            if _hops(lo, hi, stones, _crossings(spans, lo, hi, last.at, reach)) > faded:
                break
            top, bottom = min(last.top, other[0].top), max(last.bottom, other[0].bottom)
            share = STEPPED_CLEAN if stones else 0.1
            if not _clean(plane, lo, hi, top, bottom, last.at, spans, scale, reach, share, short):
                break
            if crowded(chain) or crowded(other):
                break
            chain.extend(stones)
            chain.extend(other)
            used[best] = True
        joined.append(chain)
    joined.sort(key=lambda c: c[0].lo)
    return joined


def _strokes_off(
    chain: list[_Piece], spans: np.ndarray, plane: np.ndarray, scale: float, settings: ScanSettings
) -> None:
    """Drop a chain's end piece that lies inside one cell past a rule the other way, across the
    gap to the rest, and runs through text (ink a point either side of it along `rule_text_beside`
    of it): a row of characters' strokes set in a merged cell, bridged to a rule that ends at the
    cell's edge (seed 57's sys-landscape-cell-rects: 社会效益指标 cut through its middle). Inside
    one cell: the cell's far rule stands within `rule_bridge_pt` twice of the piece's far end (a
    scanner streak's end pieces run on past the table, and stay its own). A rule's piece past a
    faded crossing lies on clean paper. Changes `chain` in place."""
    reach, near = settings.rule_meet_pt * scale, 2 * settings.rule_bridge_pt * scale
    while len(chain) > 1:
        for end, next_to in ((0, 1), (-1, -2)):
            piece, rest = chain[end], chain[next_to]
            gap_lo, gap_hi = (piece.hi, rest.lo) if end == 0 else (rest.hi, piece.lo)
            far_lo, far_hi = (piece.lo - near, piece.lo) if end == 0 else (piece.hi, piece.hi + near)
            if (
                len(_crossings(spans, int(gap_lo), int(gap_hi), piece.at, reach))
                and len(_crossings(spans, int(far_lo), int(far_hi), piece.at, reach))
                and _through_text(plane, piece, scale) >= settings.rule_text_beside
            ):
                del chain[end]
                break
        else:
            return


def _through_text(plane: np.ndarray, piece: _Piece, scale: float) -> float:
    """The share of the piece's length with ink within a point of it on both sides."""
    b = _px(1.0, scale)
    above = plane[max(0, piece.top - 1 - b) : max(0, piece.top - 1), piece.lo : piece.hi].any(axis=0)
    below = plane[piece.bottom + 1 : piece.bottom + 1 + b, piece.lo : piece.hi].any(axis=0)
    return np.count_nonzero(above & below) / max(1, piece.hi - piece.lo)


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
) -> tuple[list[tuple[np.ndarray, np.ndarray, list[_Chain], list[_Chain]]], frozenset[int]]:
    """Horizontal and vertical rules: lines at least `rule_min_length_pt` long (gaps bridged) that
    meet or cross a line the other way, or run on alone over `rule_alone_share` of the page with
    no text crowding one side (a frame's line; the tops of a line of characters run together are
    not one). A bold stroke, or a line of strokes run together, stands free in its cell.
    Each way: the long runs' labels, the short runs, the rules, and every line however short
    (a scanner streak's pieces); and the ids of the lines with ink beside them (`_stands`)."""
    raw = [_chains(ink, scale, settings, horizontal) for ink, horizontal in ((ink_h, True), (ink_v, False))]
    length = settings.rule_min_length_pt * scale
    reach = settings.rule_meet_pt * scale
    tolerance = max(1.5, settings.rule_collinear_pt * scale)
    bridge = settings.rule_bridge_pt * scale
    long = [[c for c in chains if _span(c)[1] - _span(c)[0] >= length] for _, chains, _ in raw]
    arrays = [np.array([_span(c) for c in chains], float).reshape(-1, 3) for chains in long]
    ruled = [  # the long lines no ink touches along (a line of character bars is none): they cross
        np.array(
            [_span(c) for c in long[k] if _touched(ink if k == 0 else ink.T, c, arrays[1 - k], scale, reach)
             <= settings.rule_faded_touched], float,
        ).reshape(-1, 3)
        for k in range(2)
    ]  # fmt: skip
    stubs = [
        sorted(
            _stubs(raw[k][2], ink, scale, settings, k == 0)
            + _short_lines(raw[k][1], length, ink, scale, k == 0),
            key=lambda q: q.at,
        )
        for k in range(2)
    ]
    stones = [(pieces, [q.at for q in pieces]) for pieces in stubs]
    joined = [_join_faded(raw[k][1], ruled[1 - k], ink, scale, settings, k == 0, stubs[k]) for k in range(2)]
    for chain in joined[0]:  # rows of characters run level (a streak's pieces down the page stay)
        _strokes_off(chain, ruled[1], ink, scale, settings)
    raw = [(labels, joined[k], short) for k, (labels, _, short) in enumerate(raw)]
    spans = [[sp for sp in map(_span, chains) if sp[1] - sp[0] >= length] for _, chains, _ in raw]
    targets = [_met(ruled[k], spans[1 - k], reach) for k in range(2)]
    grids = [np.array(sp, float).reshape(-1, 3) for sp in spans]
    found = []
    for k, (labels, chains, short) in enumerate(raw):
        along = short if k == 0 else short.T
        for chain in chains:
            lo, hi, _ = _span(chain)
            if hi - lo >= length:  # a rule already: a stroke or two run together is not continued
                _extend(chain, along, spans[1 - k], tolerance, bridge, reach)
                plane = ink if k == 0 else ink.T
                if _touched(plane, chain, ruled[1 - k], scale, reach) <= settings.rule_faded_touched:
                    _reach_rules(chain, targets[1 - k], grids[1 - k], ink, scale, settings, k == 0, stones[k])
                    if k == 1:
                        _between_labels(chain, grids[0], grids[1], plane, scale, settings)
        done = [_finish(c) for c in chains]
        found.append((labels, short, [c for c in done if c.hi - c.lo >= length], done))
    twins = [_twins(chains, ink, scale, settings, k == 0) for k, (_, _, chains, _) in enumerate(found)]
    texty = frozenset(
        id(c) for k, (_, _, chains, _) in enumerate(found) for c in chains
        if _beside(ink, c, scale, k == 0, twins[k].get(id(c), ())) >= settings.rule_text_beside
    )  # fmt: skip
    # a line stands by the rules it meets: two lines of characters' strokes that cross (a column of
    # strokes down a goal's lines, a row of character tops) hold each other up only until one falls
    kept = [found[0][2], found[1][2]]
    while True:
        now = [
            [c for c in kept[k] if _stands(c, kept[1 - k], ink, scale, settings, k == 0, texty)]
            for k in range(2)
        ]
        if [len(c) for c in now] == [len(c) for c in kept]:
            break
        kept = now
    return [(labels, short, kept[k], every) for k, (labels, short, _, every) in enumerate(found)], texty


def _beside(
    ink: np.ndarray, c: _Chain, scale: float, horizontal: bool, twins: tuple[_Chain, ...] = ()
) -> float:
    """The share of the line's length with ink within a point beside it, the worse side: a line
    run together from a line of text's strokes (its tops, or strokes lined up down successive
    lines) has the characters' other strokes all along it; a rule only what crosses it, or a
    cell's text set close to it. The rows of `twins` (`_twins`: the other line of a double rule)
    are left out: their ink is a rule's, not text."""
    b = _px(1.0, scale)
    plane = ink if horizontal else ink.T
    worst = 0.0
    for a, z in ((max(0, c.top - 1 - b), max(0, c.top - 1)), (c.bottom + 1, c.bottom + 1 + b)):
        band = plane[a:z, c.lo : c.hi]
        if twins:
            rows = np.ones(band.shape[0], bool)
            for t in twins:
                rows[max(0, t.top - 1 - a) : max(0, t.bottom + 2 - a)] = False
            band = band[rows]
        worst = max(worst, np.count_nonzero(band.any(axis=0)) / max(1, c.hi - c.lo))
    return worst


def _twins(
    chains: list[_Chain], ink: np.ndarray, scale: float, settings: ScanSettings, horizontal: bool
) -> dict[int, tuple[_Chain, ...]]:
    """Each line's twin (by id): the one other line running beside it within `rule_twin_pt`,
    along `rule_twin_share` of both, when neither has another such line and the paper between
    them and a point outside them is clean but for `rule_text_beside` of their length (what
    crosses them) — a double rule (a table drawn with separate cell borders, two lines a couple of
    points apart between every two cells). Characters' bars run together along a line of text
    come three or more abreast, or two with the characters' uprights between them or below."""
    near = settings.rule_twin_pt * scale
    plane = ink if horizontal else ink.T
    ordered = sorted(chains, key=lambda c: c.at)
    beside: dict[int, list[_Chain]] = {id(c): [] for c in chains}
    for i, c in enumerate(ordered):
        for o in ordered[i + 1 :]:
            if o.at - c.at > near:
                break
            overlap = min(o.hi, c.hi) - max(o.lo, c.lo)
            if overlap >= settings.rule_twin_share * max(c.hi - c.lo, o.hi - o.lo):
                beside[id(c)].append(o)
                beside[id(o)].append(c)
    twins: dict[int, tuple[_Chain, ...]] = {}
    b = _px(1.0, scale)
    for c in chains:
        found = beside[id(c)]
        if len(found) != 1 or len(beside[id(found[0])]) != 1:
            continue
        o = found[0]
        upper, lower = (c, o) if c.at < o.at else (o, c)
        lo, hi = max(c.lo, o.lo), min(c.hi, o.hi)
        between = plane[upper.bottom + 1 : max(upper.bottom + 1, lower.top - 1), lo:hi]
        above = plane[max(0, upper.top - 1 - b) : max(0, upper.top - 1), lo:hi]
        below = plane[lower.bottom + 1 : lower.bottom + 1 + b, lo:hi]
        if all(
            np.count_nonzero(p.any(axis=0)) <= settings.rule_text_beside * (hi - lo)
            for p in (between, above, below)
        ):
            twins[id(c)] = (o,)
    return twins


def _stands(
    c: _Chain, others: list[_Chain], ink: np.ndarray, scale: float, settings: ScanSettings, horizontal: bool,
    texty: frozenset[int] = frozenset(),
) -> bool:  # fmt: skip
    """The line is a rule: it meets or crosses one of these lines the other way, or runs on alone
    over `rule_alone_share` of the page with no text crowding it (see `_lines`). A line with ink
    beside it along much of it (`texty`, ids: `_beside`) must meet or cross two lines the other
    way that have not: a rule with a cell's text set close to it runs between two rules, a line
    of characters' strokes meets only others like it (or one rule its text starts by). One
    bridged over gaps along `rule_text_gaps` of it is characters' strokes however it meets rules
    (the feet of a header's first line, 绩效度 over 量单位, between the cell's rules)."""
    reach = settings.rule_meet_pt * scale
    if id(c) in texty:
        if sum(b - a for a, b in c.gaps) >= settings.rule_text_gaps * (c.hi - c.lo):
            return False
        return (
            sum(
                id(o) not in texty
                and c.lo - reach <= o.at <= c.hi + reach
                and o.lo - reach <= c.at <= o.hi + reach
                for o in others
            )
            >= 2
        )
    return any(
        c.lo - reach <= o.at <= c.hi + reach and o.lo - reach <= c.at <= o.hi + reach for o in others
    ) or (
        c.hi - c.lo >= settings.rule_alone_share * ink.shape[1 if horizontal else 0]
        and not _hugged(ink, c, scale, horizontal)
    )


def _draw(labels: np.ndarray, short: np.ndarray, chains: list[_Chain], horizontal: bool) -> np.ndarray:
    """uint8 0/255: the pixels of these lines, their gaps filled."""
    mask = np.zeros(labels.shape, np.uint8)
    along, runs = (mask, short) if horizontal else (mask.T, short.T)
    if not chains:
        return mask
    lookup = np.zeros(int(labels.max()) + 1, np.uint8)  # label → 255 where it is one of the lines'
    for c in chains:
        lookup[list(c.labels)] = 255
    box = (  # only where the lines lie (a streak is a narrow band of the page)
        slice(min(c.top for c in chains), max(c.bottom for c in chains)),
        slice(min(c.lo for c in chains), max(c.hi for c in chains)),
    )
    along[box] = lookup[(labels if horizontal else labels.T)[box]]
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
    n, _, stats = components(mask)
    reach = max(2, _px(1.0, scale))
    thick = settings.rule_max_thickness_pt * scale
    height, width = ink.shape
    x, y, w, h, area = stats[1:].T.astype(np.int64)
    keep = area / np.maximum(1, w if horizontal else h) <= thick
    # ink of the rules the other way in a box about each end, summed from one integral image
    total = cv2.integral((across > 0).view(np.uint8))
    if horizontal:
        ends = (
            _box_sums(total, y, y + h, x - reach, x + reach),
            _box_sums(total, y, y + h, x + w - reach, x + w + reach),
        )
    else:
        ends = (
            _box_sums(total, y - reach, y + reach, x, x + w),
            _box_sums(total, y + h - reach, y + h + reach, x, x + w),
        )
    for k in np.flatnonzero(keep & (ends[0] > 0) & (ends[1] > 0)):
        x0, y0, w0, h0 = int(x[k]), int(y[k]), int(w[k]), int(h[k])
        out[y0 : y0 + h0, x0 : x0 + w0] |= mask[y0 : y0 + h0, x0 : x0 + w0]
        if not own[y0 : y0 + h0, x0 : x0 + w0].any():
            boxes.append((x0, y0, w0, h0))
    return out, boxes


def _box_sums(
    total: np.ndarray, top: np.ndarray, bottom: np.ndarray, left: np.ndarray, right: np.ndarray
) -> np.ndarray:
    """Sums of the image whose integral (`cv2.integral`) is `total` over rows top..bottom-1 and
    columns left..right-1, each clipped to the image."""
    rows, cols = total.shape[0] - 1, total.shape[1] - 1
    t, b = np.clip(top, 0, rows), np.clip(bottom, 0, rows)
    lo, hi = np.clip(left, 0, cols), np.clip(right, 0, cols)
    b, hi = np.maximum(b, t), np.maximum(hi, lo)
    return total[b, hi] - total[t, hi] - total[b, lo] + total[t, lo]


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


def _collinear(chains: list[_Chain], drift: float) -> list[list[int]]:
    """The chains that lie on one straight line however far apart along it (indices): a scanner
    streak breaks into pieces wherever it is too light for the threshold (a bitonal copy), and
    the deskew may slant it by a few px over the page. Centres within `drift` across are one line."""
    order = sorted(range(len(chains)), key=lambda i: chains[i].at)
    groups: list[list[int]] = []
    for i in order:
        if groups and chains[i].at - chains[groups[-1][0]].at <= drift:
            groups[-1].append(i)
        else:
            groups.append([i])
    return groups


def _frame(line: list[_Chain], others: list[_Chain], reach: float) -> tuple[float, float] | None:
    """The outermost rules the other way that the line meets or crosses (px along it), if any."""
    at = sum(c.at for c in line) / len(line)
    met = [o.at for o in others if o.lo - reach <= at <= o.hi + reach]
    return (min(met), max(met)) if met else None


def _crossed(line: list[_Chain], others: list[_Chain], reach: float) -> list[_Chain]:
    """The rules the other way that the line meets or crosses."""
    lo, hi = min(c.lo for c in line), max(c.hi for c in line)
    at = sum(c.at for c in line) / len(line)
    return [o for o in others if o.lo - reach <= at <= o.hi + reach and lo - reach <= o.at <= hi + reach]


def _runs_past(line: list[_Chain], others: list[_Chain], reach: float, margin: float, far: float) -> bool:
    """Whether the line runs past the outermost rules the other way that it crosses by `margin`
    at both ends and by `far` at one: no table's rule does, the rules of a table open at one side
    end at its rule on the other."""
    crossed = _crossed(line, others, reach)
    if not crossed:
        return False
    before = min(o.at for o in crossed) - min(c.lo for c in line)
    after = max(c.hi for c in line) - max(o.at for o in crossed)
    return min(before, after) >= margin and max(before, after) >= far


def _open_ends(
    line: list[_Chain], rules: list[_Chain], others: list[_Chain], extent: int, snap: float, edge: float,
    reach: float, past: bool, runners: set[int],
) -> tuple[bool, bool]:  # fmt: skip
    """Whether each end of the line may count as running past a table: not where another rule
    this way ends too (a table open at its sides, with no rules down them, still ends its rows
    together), nor short of where the table's other rules this way end (those between the ends
    of the rules the other way that the line crosses: a broken rule whose last stretch faded,
    where the frame's rule is lost too), unless the end lies at the page's edge (streaks run to
    it, all of them). Where the line runs far past its frame (`past`), ending together with lines
    that do so too (`runners`, ids of their pieces) is no table's side: streaks
    drawn on a page scanned askew end together, at the page's edge turned level."""
    ids = {id(c) for c in line}
    rest = [r for r in rules if id(r) not in ids]
    mates = [r for r in rest if id(r) not in runners] if past else rest
    lo, hi = min(c.lo for c in line), max(c.hi for c in line)
    crossed = _crossed(line, others, reach)
    lo_at = min((o.lo for o in crossed), default=0) - reach
    hi_at = max((o.hi for o in crossed), default=0) + reach
    table = [r for r in mates if lo_at <= r.at <= hi_at] if crossed else []
    return (
        lo <= edge or not any(abs(r.lo - lo) <= snap for r in mates) and all(lo < r.lo - snap for r in table),
        hi >= extent - edge
        or not any(abs(r.hi - hi) <= snap for r in mates)
        and all(hi > r.hi + snap for r in table),
    )


def _outside(
    line: list[_Chain], frame: tuple[float, float] | None, reach: float, ends: tuple[bool, bool],
    texty: frozenset[int] = frozenset(),
) -> float:  # fmt: skip
    """How long the line's pieces run past its frame (px, at its open ends together): a table's
    rules end at its outermost rules, a streak goes on across the margins. A piece with ink
    beside it (`texty`: a title character's long stroke in line with a column's rule) is none."""
    line = [c for c in line if id(c) not in texty]
    if frame is None:  # it crosses no table: all of it, unless it is one of several rules ending together
        return float(sum(c.hi - c.lo for c in line)) if all(ends) else 0.0
    lo, hi = frame[0] - reach, frame[1] + reach
    return float(
        sum(
            (max(0.0, min(c.hi, lo) - c.lo) if ends[0] else 0.0)
            + (max(0.0, c.hi - max(c.lo, hi)) if ends[1] else 0.0)
            for c in line
        )
    )


def _inside_rows(
    line: list[_Chain], frame: tuple[float, float], junctions: list[float], skip: int, length: int
) -> np.ndarray:
    """The rows (px along the line) of its pieces inside the frame, less those of the rules it
    meets or crosses there (their ink is no text, and a junction is dark whatever lies under it)."""
    lo, hi = max(0, int(frame[0])), min(length, int(frame[1]) + 1)
    free = np.zeros(length, bool)
    for c in line:
        free[max(lo, c.lo) : min(hi, c.hi)] = True
    for at in junctions:
        free[max(0, int(at) - skip) : int(at) + skip + 1] = False
    return np.flatnonzero(free)


def _outside_rows(line: list[_Chain], frame: tuple[float, float], length: int) -> np.ndarray:
    """The rows (px along the line) of its pieces past the frame."""
    lo, hi = max(0, int(frame[0])), min(length, int(frame[1]) + 1)
    free = np.zeros(length, bool)
    for c in line:
        free[c.lo : c.hi] = True
    free[lo:hi] = False
    return np.flatnonzero(free)


def _sides(
    plane: np.ndarray, line: list[_Chain], rows: np.ndarray, near: int
) -> tuple[np.ndarray, np.ndarray]:
    """For each of these rows (px along the line), whether ink lies within `near` px before the
    line and after it. `plane` has the line along its rows (a horizontal line's ink transposed)."""
    width = plane.shape[1]
    top, bottom = min(c.top for c in line) - 1, max(c.bottom for c in line) + 1
    before = plane[rows, max(0, top - near) : max(0, top)].any(axis=1)
    after = plane[rows, min(width, bottom) : min(width, bottom + near)].any(axis=1)
    return before, after


def _profile(
    grey: np.ndarray, ink: np.ndarray, line: list[_Chain], rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Along these rows, the line's darkest grey and its width in ink pixels."""
    top, bottom = max(0, min(c.top for c in line) - 1), max(c.bottom for c in line) + 1
    return grey[rows, top:bottom].min(axis=1), np.count_nonzero(ink[rows, top:bottom], axis=1)


def _clear(ink: np.ndarray, line: list[_Chain], rows: np.ndarray, near: int) -> np.ndarray:
    """Those of these rows with no ink beside the line (text crossing it or standing close would
    count as the line's own darkness and width)."""
    before, after = _sides(ink, line, rows, near)
    return rows[~before & ~after]


def _kept_stretches(
    grey: np.ndarray, ink: np.ndarray, line: list[_Chain], stops: list[float], inside: np.ndarray,
    alone: np.ndarray, scale: float, settings: ScanSettings, black_white: bool = False,
) -> list[tuple[float, float]]:  # fmt: skip
    """The stretches between two rules the other way (`stops`, px along) where the streak lies on
    a real rule: no text runs across it there, and along nearly all of it the line is clearly
    wider than where it runs alone past the table (`alone`: those rows) or, where the streak is
    grey, clearly darker (a streak is light grey, a rule black; a light hairline under a streak
    is only wider: seed 58's rl-portrait-two-row-header). A table's
    rule often stops at a column the streak runs on across, so each stretch is judged apart.
    `grey` and `ink` have the line along their rows."""
    near, crossing = _px(settings.streak_text_pt, scale), _px(settings.streak_crossing_pt, scale)
    dark, wide = (float(np.median(v)) for v in _profile(grey, ink, line, alone))
    # a black-and-white scan's streak is black, though turned level with its page (deskewed) it is
    # grey where it falls between two pixel columns and black only where it falls on one
    bitonal = black_white or dark < settings.streak_rule_contrast
    kept: list[tuple[float, float]] = []
    for a, b in zip(stops, stops[1:], strict=False):
        rows = inside[(inside > a) & (inside < b)]
        if not len(rows):
            continue
        before, after = _sides(ink, line, rows, near)
        if np.count_nonzero(before & after) >= crossing:
            continue  # it runs through text here
        clear = rows[~before & ~after]
        if len(clear) < 0.5 * len(rows):
            continue
        darkest, width = _profile(grey, ink, line, clear)
        ruled = width >= wide + _px(settings.streak_rule_wider_pt, scale)
        if not bitonal:  # a grey streak over a rule: darker, or over a light hairline, wider
            ruled |= darkest <= dark - settings.streak_rule_contrast
        if np.count_nonzero(ruled) >= settings.streak_rule_share * len(clear):
            if kept and kept[-1][1] >= a:
                kept[-1] = (kept[-1][0], b)
            else:
                kept.append((a, b))
    return kept


class _Streak(NamedTuple):
    chains: list[_Chain]  # every piece of the line
    keep: list[tuple[float, float]]  # px along: the stretches that stay rules (real rules under the streak)


def _streak_lines(
    found: list[tuple[np.ndarray, np.ndarray, list[_Chain], list[_Chain]]],
    grey: np.ndarray, ink: np.ndarray, scale: float, settings: ScanSettings,
) -> list[list[_Streak]]:  # fmt: skip
    """Each way, the scanner streaks: straight lines whose collinear pieces (any gap between them)
    span `streak_span_share` of the page, mostly inked, and run `streak_margin_pt` (both ends
    together) past the outermost rules the other way that they cross: a table's rules end there,
    a streak runs on across the margins. Where a real rule lies under a streak, between two rules
    the other way, that stretch stays a rule (`_kept_stretches`)."""
    reach = settings.rule_meet_pt * scale
    drift = max(1.5, settings.streak_drift_pt * scale)
    margin = settings.streak_margin_pt * scale
    near = _px(settings.streak_text_pt, scale)
    skip = _px(settings.rule_max_thickness_pt / 2 + settings.rule_meet_pt, scale)
    edge = margin / 2
    black_white = float(np.mean(grey == 255)) >= settings.bitonal_white_share  # paper white exactly
    lines, partial = [], []
    for k, (_, _, _, every) in enumerate(found):
        extent = ink.shape[1 - k]
        whole, short = [], []
        for group in _collinear(every, drift):
            line = [every[i] for i in group]
            span = max(c.hi for c in line) - min(c.lo for c in line)
            inked = sum(c.hi - c.lo for c in line)  # not the like strokes of a line of characters
            if inked >= settings.streak_ink_share * span:
                (whole if span >= settings.streak_span_share * extent else short).append(line)
        lines += [(k, line) for line in whole]
        streaked = {id(c) for line in whole for c in line}
        rest = [c for c in every if id(c) not in streaked]
        partial += [(k, line) for line in short if _partial(line, rest, found[1 - k][2], extent, edge, reach)]
    lines += partial
    partly = set(range(len(lines) - len(partial), len(lines)))  # not the page's edge where they end
    out: list[list[_Streak]] = [[], []]
    if not lines:
        return out
    # a character's long stroke in line with a column's rule (a title's 门 over the table) runs
    # past the frame too, with the character's other strokes beside nearly all along it: no
    # streak's piece (a streak's own pieces show ink beside them where a deskew slants them)
    texty = frozenset(
        id(c)
        for k, line in lines
        for c in line
        if _beside(ink, c, scale, k == 0) >= settings.streak_stroke_beside
    )
    snap, far = settings.cell_snap_pt * scale, settings.streak_far_pt * scale

    def ends_of(
        others: list[list[_Chain]], edges: tuple[float, float] = (edge, edge)
    ) -> list[tuple[bool, bool]]:
        """Each line's open ends, the rules the other way being `others[k]` for lines way k, an
        end within `edges[k]` of the page's edge counting as open."""
        past = [_runs_past(line, others[k], reach, margin, far) for k, line in lines]
        runners = [
            {id(c) for n, (j, line) in enumerate(lines) if j == k and past[n] for c in line} for k in (0, 1)
        ]
        return [
            _open_ends(
                line, found[k][2], others[k], ink.shape[1 - k], snap, edges[k], reach, past[n], runners[k]
            )
            for n, (k, line) in enumerate(lines)
        ]

    ends = ends_of([found[1][2], found[0][2]])
    first = [_frame(line, found[1 - k][2], reach) for k, line in lines]
    streaky = {
        n for n, (k, line) in enumerate(lines) if _outside(line, first[n], reach, ends[n], texty) >= margin
    }
    again: set[int] = set()  # a streak the other way makes no table's frame: decide once more without those
    gone_of = [{id(c) for m in streaky for c in lines[m][1] if lines[m][0] != k} for k in (0, 1)]
    left = [[o for o in found[1 - k][2] if id(o) not in gone_of[k]] for k in (0, 1)]
    ends_again = ends_of(left) if gone_of[0] or gone_of[1] else ends
    for n, (k, line) in enumerate(lines):
        if n in streaky or first[n] is None or not gone_of[k]:
            continue
        frame = _frame(line, left[k], reach)
        if frame is not None and _outside(line, frame, reach, ends_again[n], texty) >= margin:
            again.add(n)
    streaky |= again
    # streaks drawn down a page scanned askew end where its edge was turned level, short of the
    # page's edge (up to half the page's width times the skew's sine): where streaks were found,
    # the page's edge each way is taken where they end, and the other lines decided once more
    # (seed 36's calc-symbol-2024-flow, page 2: streaks end 12.2 pt from the edge, one beside a
    # column's rule cut 项目名称 in two)
    edges = [edge, edge]
    for k in (0, 1):
        found_k = [line for n, (j, line) in enumerate(lines) if n in streaky and j == k and n not in partly]
        if found_k:
            extent = ink.shape[1 - k]
            short = max(
                max(min(c.lo for c in line) for line in found_k),
                extent - min(max(c.hi for c in line) for line in found_k),
            )
            edges[k] = min(margin, max(edge, short + snap))
    if edges != [edge, edge]:
        wider = ends_of([left[0], left[1]] if again else [found[1][2], found[0][2]], (edges[0], edges[1]))
        for n, (_, line) in enumerate(lines):
            if n not in streaky and first[n] is not None and wider[n] != ends[n]:
                if _outside(line, first[n], reach, wider[n], texty) >= margin:
                    streaky.add(n)
    for n in sorted(streaky):
        k, line = lines[n]
        gone = {id(c) for m in streaky for c in lines[m][1] if lines[m][0] != k}
        at = sum(c.at for c in line) / len(line)
        stops = sorted(
            o.at for o in found[1 - k][2] if id(o) not in gone and o.lo - reach <= at <= o.hi + reach
        )
        keep: list[tuple[float, float]] = []
        if stops:
            crossed = found[1 - k][2] + [c for j, other in lines if j != k for c in other]
            junctions = [o.at for o in crossed if o.lo - reach <= at <= o.hi + reach]
            plane, paper = (ink, grey) if k == 1 else (ink.T, grey.T)
            frame = (stops[0], stops[-1])
            inside = _inside_rows(line, frame, junctions, skip, plane.shape[0])
            alone = _clear(plane, line, _outside_rows(line, frame, plane.shape[0]), near)
            if len(alone):
                kept = _kept_stretches(paper, plane, line, stops, inside, alone, scale, settings, black_white)
                keep = [(lo - reach, hi + reach) for lo, hi in kept]
        out[k].append(_Streak(line, keep))
    return out


def _partial(
    line: list[_Chain], rest: list[_Chain], across: list[_Chain], extent: int, edge: float, reach: float
) -> bool:
    """A line that runs in from the page's edge and stops inside a table, crossing two of its
    rules at least, where nothing else this way (`rest`: whole streaks aside) reaches that edge:
    a candidate streak that a copy kept dark only part of the way (the rest too light for the
    threshold but for ticks on the rules it crosses, joints.py); `_outside` then judges it like
    any streak. A table the page's edge cut off reaches that edge with all its columns."""
    lo, hi = min(c.lo for c in line), max(c.hi for c in line)
    ids = {id(c) for c in line}
    if lo <= edge:
        alone = not any(c.lo <= edge for c in rest if id(c) not in ids)
    elif hi >= extent - edge:
        alone = not any(c.hi >= extent - edge for c in rest if id(c) not in ids)
    else:
        return False
    return alone and len(_crossed(line, across, reach)) >= 2


def _along_streak(c: _Chain, streaks: list[_Streak], reach: float) -> bool:
    """A chain whose ink spans a streak's line across, within the streak's length, where no rule
    lies under it (`_Streak.keep`): the streak's stretch swollen by the strokes it runs through,
    its centre off the streak's (seed 74's info-lines-2023-flow: a streak through 成 of every row,
    its stretch over the header and four rows 6 px wide and 2 px off, read as a column's rule). Not
    drawn as the streak: the strokes beside it are text."""
    mid = (c.lo + c.hi) / 2
    for st in streaks:
        near = min(
            st.chains, key=lambda q: 0 if q.lo <= mid <= q.hi else min(abs(q.lo - mid), abs(q.hi - mid))
        )
        if (
            c.top <= near.at <= c.bottom
            and min(q.lo for q in st.chains) - reach <= c.lo
            and c.hi <= max(q.hi for q in st.chains) + reach
            and not any(lo <= c.lo and c.hi <= hi for lo, hi in st.keep)
        ):
            return True
    return False


def _unreached(c: _Chain, streaks: list[_Streak], others: list[_Chain], reach: float) -> _Chain:
    """The chain less a stretch carried from a free end over paper to a streak the other way:
    `_reach_rules` carries a rule's loose end to the line it points at before the streaks are
    known (seed 74's grid-2023-landscape: four columns open at the table's foot carried 34 pt
    down to a streak across the page, their cells no longer closing with the goal's). Not where
    a real rule lies under the streak there (`_Streak.keep`), nor where the end was at a line
    the other way (`others`) and stepped on over stubs of the rule."""

    def streak_at(end: float) -> bool:
        return any(
            abs(end - sum(q.at for q in st.chains) / len(st.chains)) <= reach
            and not any(lo - reach <= c.at <= hi + reach for lo, hi in st.keep)
            for st in streaks
        )

    def free(end: float) -> bool:
        return not any(abs(o.at - end) <= reach and o.lo - reach <= c.at <= o.hi + reach for o in others)

    lo, hi, gaps = c.lo, c.hi, list(c.gaps)
    if gaps and gaps[-1][1] >= hi - 1 and streak_at(hi - 1) and free(gaps[-1][0]):
        hi = gaps.pop()[0]
    if gaps and gaps[0][0] <= lo + 1 and streak_at(lo) and free(gaps[0][1]):
        lo = gaps.pop(0)[1]
    if (lo, hi) == (c.lo, c.hi):
        return c
    shorts = tuple(q for q in c.shorts if lo <= q[0] and q[1] <= hi)
    return c._replace(lo=lo, hi=hi, shorts=shorts, gaps=tuple(gaps))


def _clip(c: _Chain, lo: float, hi: float) -> _Chain:
    """The chain cut to [lo, hi) along (its pixels are cut when drawn)."""
    return c._replace(lo=max(c.lo, int(lo)), hi=min(c.hi, int(np.ceil(hi))))


def find_rules(grey: np.ndarray, scale: float, settings: ScanSettings = DEFAULT) -> Rules:
    ink = binarize(grey, scale, settings)
    height, width = ink.shape
    ink_h = ink | faint_lines(grey, scale, settings, True)
    ink_v = ink | faint_lines(grey, scale, settings, False)
    margin = settings.streak_margin_pt * scale
    reach = settings.rule_meet_pt * scale
    found, texty = _lines(ink, ink_h, ink_v, scale, settings)
    streak_lines = _streak_lines(found, grey, ink, scale, settings)
    splits = []
    swollen: list[list[_Chain]] = []  # each way, streaks' stretches swollen by strokes: no rules, no streak
    for k, (_, _, chains, _) in enumerate(found):
        extent = width if k == 0 else height
        gone = {id(c) for s in streak_lines[k] for c in s.chains}
        cut = {id(c): s.keep for s in streak_lines[k] if s.keep for c in s.chains}
        across = [c for s in streak_lines[k] for c in s.chains]
        for c in chains:
            if c.lo <= margin / 4 and c.hi >= extent - margin / 4 and id(c) not in gone:  # edge to edge
                gone.add(id(c))
                across.append(c)
        others = found[1 - k][2]
        swollen.append([c for c in chains if id(c) not in gone and _along_streak(c, streak_lines[k], reach)])
        gone |= {id(c) for c in swollen[k]}
        whole = [_unreached(c, streak_lines[1 - k], others, reach) for c in chains if id(c) not in gone]
        parts = [_clip(c, lo, hi) for c in chains if id(c) in cut for lo, hi in cut[id(c)]]
        splits.append((whole, [c for c in parts if c.hi > c.lo], across))
    if splits[0][2] or splits[1][2]:  # a line that met only a streak is none (a row of characters' bars)
        splits = [
            (
                [
                    c
                    for c in whole
                    if _stands(c, sum(splits[1 - k][:2], []), ink, scale, settings, k == 0, texty)
                ],
                parts,
                across,
            )
            for k, (whole, parts, across) in enumerate(splits)
        ]
    masks, streaks, edges, counts = [], [], [], []
    for k, ((labels, short, _, _), (whole, parts, across)) in enumerate(zip(found, splits, strict=True)):
        mask = _draw(labels, short, whole, k == 0)
        streak = _draw(labels, short, across, k == 0) if across else np.zeros_like(ink)
        s_view, m_view = (streak, mask) if k == 0 else (streak.T, mask.T)
        for c in parts:  # a rule a streak lies on: its stretch inside the table stays a rule
            box = (slice(max(0, c.top - 1), c.bottom + 1), slice(c.lo, c.hi))
            m_view[box] |= s_view[box]
            s_view[box] = 0
        masks.append(mask)
        streaks.append(streak)
        for c in whole + parts:
            lo, hi, at = c.lo / scale, c.hi / scale, c.at / scale
            edges.append(Edge("h", lo, at, hi, at) if k == 0 else Edge("v", at, lo, at, hi))
        counts.append(len(whole) + len(parts))
    h_mask, v_mask = masks
    for k in (0, 1):  # streaks a bitonal copy left only dashes of
        whole, parts, _ = splits[1 - k]
        spans = np.array([(c.lo, c.hi, c.at) for c in whole + parts], float).reshape(-1, 3)
        known = cv2.bitwise_or(masks[k], streaks[k])  # rules, and streaks found whole: not again
        streaks[k] |= dashed_streaks(ink, known, spans, scale, k == 0, settings)
    if streaks[0].any() or streaks[1].any():  # a streak's piece between two rules is no short rule
        gone = cv2.dilate(cv2.bitwise_or(*streaks), np.ones((3, 3), np.uint8))
        ink_h, ink_v = cv2.subtract(ink_h, gone), cv2.subtract(ink_v, gone)
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
    streak_at = [
        [sum(c.at for c in st.chains) / len(st.chains) / scale for st in way] for way in streak_lines
    ]
    edges += _off_streaks(_lost(grey, edges, scale, settings), streak_at, settings.cell_snap_pt)
    # a rule's way is judged without the streaks' ink: a streak along a rule is no text across it
    way_ink = cv2.subtract(ink, cv2.dilate(cv2.bitwise_or(*streaks), np.ones((3, 3), np.uint8)))
    edges = carried_ends(edges, way_ink, scale, settings)
    text = cv2.subtract(ink, cv2.dilate(cv2.bitwise_or(h_mask, v_mask), np.ones((5, 5), np.uint8)))
    edges += lost_whole(edges, ink, text, scale, settings)
    frames = lost_frames(edges, ink, text, scale, settings)
    if frames:  # the rows' rules that faded short of the frame now meet it
        edges = carried_ends(edges + frames, way_ink, scale, settings)
    edges = closed_corners(edges, way_ink, scale, settings)  # a frame's corner lost from both its rules
    downs = streak_at[1]
    if downs:  # a column's rule a light streak replaced end to end, the rows crossing it
        unstreaked = cv2.subtract(text, cv2.dilate(streaks[1], np.ones((3, 3), np.uint8)))
        edges += under_streaks(downs, edges, unstreaked, scale, settings)
    beside = [_draw(found[k][0], found[k][1], swollen[k], k == 0) for k in (0, 1)]
    stubbed, (h_mask, v_mask) = stubbed_stretches(
        edges,
        ink,
        (h_mask, v_mask),
        scale,
        settings,
        cv2.bitwise_or(cv2.bitwise_or(*streaks), cv2.bitwise_or(*beside)),
    )
    edges += stubbed  # a column's stretch lost across one row but for a stub
    edges, cut = trimmed_overhangs(edges, way_ink, scale, settings)
    for x, top, bottom in cut:  # a column's rule run on through a line of text: its strokes are text again
        c, a, b = int(round(x * scale)), int(top * scale), int(np.ceil(bottom * scale))
        half = max(2, int(np.ceil(settings.rule_end_near_pt * scale)))
        v_mask[max(0, a - half) : max(0, b - half), max(0, c - half) : c + half + 1] = 0
    h_mask, v_mask = pieces_on_edges(edges, ink, (h_mask, v_mask), scale, settings)
    return Rules(
        ink,
        h_mask,
        v_mask,
        edges,
        counts[0] + len(h_boxes),
        counts[1] + len(v_boxes),
        (streaks[0], streaks[1]),
    )


def _off_streaks(lost: list[Edge], streak_at: list[list[float]], snap: float) -> list[Edge]:
    """The lost rules that do not lie along a streak (pt: `streak_at`, across and down the page):
    a streak too light to threshold but for the ticks it leaves on the rules it crosses lies
    there, not a rule (joints.py's ticks read alike)."""
    return [
        e
        for e in lost
        if not any(abs(at - (e.top if e.orientation == "h" else e.x0)) <= snap
                   for at in streak_at[0 if e.orientation == "h" else 1])
    ]  # fmt: skip


def _lost(grey: np.ndarray, edges: list[Edge], scale: float, settings: ScanSettings) -> list[Edge]:
    """Rules a bitonal scan lost both ways, from the ticks they left on the rules they crossed
    (joints.py). Ticks are looked for in plainly dark pixels, not in the adaptive threshold's ink:
    that swells a grey rule's soft edge by a pixel beside a cell's text, a tick of its own making."""
    ink = (grey < settings.rule_tick_grey).astype(np.uint8)
    h = [e for e in edges if e.orientation == "h"]
    v = [e for e in edges if e.orientation == "v"]
    lost_h = lost_rules(ink, v, h, scale, settings)
    # turned: horizontal rules stand as vertical ones in the transposed page
    flip = [Edge("v", e.top, e.x0, e.bottom, e.x1) for e in h]
    flip_found = [Edge("h", e.top, e.x0, e.bottom, e.x1) for e in v]
    lost_v = [
        Edge("v", e.top, e.x0, e.bottom, e.x1) for e in lost_rules(ink.T, flip, flip_found, scale, settings)
    ]
    return lost_h + lost_v


def mend_streaks(grey: np.ndarray, rules: Rules, settings: ScanSettings = DEFAULT) -> np.ndarray:
    """`grey` with each streak's pixels filled in from just beside the streak (the mean of both
    sides, or the one side off the streak): a text stroke crossing it stays whole, one ending at
    it is not cut off, and the streak itself goes. Pixels `streak_stroke_contrast` darker than the
    streak's own grey there are a character's stroke and stay as they are: one running along a light streak
    (金's upright, seed 48's eval-long-portrait) would be filled with the paper beside it; a black
    streak keeps none. Changes `grey` in place."""
    for streak, axis in zip(rules.streaks, (0, 1), strict=True):
        if not streak.any():
            continue
        wide = cv2.dilate(streak, np.ones((3, 1) if axis == 0 else (1, 3), np.uint8)) > 0
        wide &= ~_strokes_under(grey, streak, wide, axis, settings)
        filled = np.zeros_like(wide)
        for reach in (2, 3, 5):  # px: past half the widened streak, for streaks 1 to 3 px wide
            before, after = np.roll(grey, reach, axis=axis), np.roll(grey, -reach, axis=axis)
            ok_before, ok_after = ~np.roll(wide, reach, axis=axis), ~np.roll(wide, -reach, axis=axis)
            both = wide & ~filled & ok_before & ok_after
            grey[both] = ((before[both].astype(np.uint16) + after[both]) // 2).astype(np.uint8)
            filled |= both
            for ok, side in ((ok_before, before), (ok_after, after)):
                one = wide & ~filled & ok
                grey[one] = side[one]
                filled |= one
        rest = wide & ~filled
        grey[rest] = np.maximum(np.roll(grey, 5, axis=axis), np.roll(grey, -5, axis=axis))[rest]
    return grey


def _strokes_under(
    grey: np.ndarray, streak: np.ndarray, wide: np.ndarray, axis: int, settings: ScanSettings
) -> np.ndarray:
    """Pixels of the widened streak `wide` (`axis` 0: across the page, 1: down it)
    `streak_stroke_contrast` darker than the streak's own grey beside them along it (a running
    median over `streak_level_px` of its pixels: a streak's grey drifts along the page; in the
    next line of it where the widening alone reaches there): ink of a stroke, not of the streak."""
    g, on, w = (grey, streak > 0, wide) if axis == 1 else (grey.T, streak.T > 0, wide.T)
    level = np.full(g.shape, np.inf, np.float32)
    for k in np.nonzero(on.any(axis=0))[0]:
        rows = np.nonzero(on[:, k])[0]
        values = np.ascontiguousarray(g[rows, k]).reshape(-1, 1)
        size = min(settings.streak_level_px, len(rows) - 1 + len(rows) % 2)
        level[rows, k] = (cv2.medianBlur(values, size) if size >= 3 else values).ravel()
    near = np.minimum(level, np.minimum(np.roll(level, 1, axis=1), np.roll(level, -1, axis=1)))
    out = w & np.isfinite(near) & (g < near - settings.streak_stroke_contrast)
    return out if axis == 1 else out.T


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
