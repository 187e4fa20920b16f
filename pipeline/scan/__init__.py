"""Scanned pages → the same `PageObjects` the digital reader gets from a text layer.

`read_scanned_page` renders the page (image.py), levels it and turns it upright (orient.py),
finds its ruling lines (rules.py) and from them the tables' cells (pipeline.extract.cells, as for
a digital page), drops toner specks (specks.py), cuts each cell's text lines and the lines
outside the tables by projection (lines.py), reads the lines with the recognition model only (recognize.py), reads operators by
shape, puts back the square brackets it leaves out (brackets.py) and corrects against closed
vocabularies (operators.py, vocabulary.py), and returns glyphs
(one per character, `conf` set) and edges in points of the upright page. The row reader then
reads a scanned table exactly like a printed one. `needs_image` (route.py) tells which pages
need this.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import cv2
import numpy as np
import pypdfium2 as pdfium

from pipeline.extract.grid import Table, find_tables
from pipeline.extract.objects import Glyph, PageObjects
from pipeline.scan.brackets import closing_across_lines, square_brackets
from pipeline.scan.dedupe import same_ink
from pipeline.scan.glyphs import line_glyphs
from pipeline.scan.image import PageImage, ScanLimitError, render_page
from pipeline.scan.lines import Segment, segments, typical_height
from pipeline.scan.margins import without_giants
from pipeline.scan.operators import read_operator
from pipeline.scan.orient import deskew, estimate_skew, flip_score, lies_on_side, turn
from pipeline.scan.punctuation import (
    colons,
    commas_under_specks,
    fix_widths,
    full_stops_at_ends,
    glued_hyphens,
    left_end_mark,
    middle_dots,
    next_goal_separators,
    number_marks,
    one_style_per_cell,
    speck_ends,
)
from pipeline.scan.recheck import dropped_at, padded, spliced, window
from pipeline.scan.recognize import Reading, recognizer
from pipeline.scan.route import needs_image
from pipeline.scan.rules import Rules, find_rules, mend_streaks, text_ink
from pipeline.scan.settings import DEFAULT, ScanSettings
from pipeline.scan.specks import specks
from pipeline.scan.stray import (
    doubtful_prime,
    edge_marks,
    far_bits,
    misshapen_bits,
    speck_dashes,
    speck_line,
    speck_points,
    stacked_specks,
    stops_alone,
    stroke_bits,
    stroke_line,
    tiny_character,
)
from pipeline.scan.traditional import as_traditional, prints_traditional
from pipeline.scan.vocabulary import confused_across_lines, correct, level_names_across_lines

__all__ = ["ScanLimitError", "ScanSettings", "ScannedPage", "needs_image", "read_scanned_page"]


@dataclass(frozen=True)
class ScannedPage:
    objects: PageObjects  # glyphs and edges in points of the upright, level page
    rotation: int  # clockwise quarter turn applied to make the page upright: 0, 90, 180 or 270
    skew: float  # degrees the content stood turned counter-clockwise on the scan (corrected)
    dpi: float  # resolution the page was read at
    lines: int  # text lines recognised
    min_conf: float | None  # the lowest line confidence on the page (None: no text)
    mean_conf: float | None
    seconds: float  # CPU seconds (process time) spent on the page
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Ink:
    """What a page's lines are cut from (`_ink`): the same however they are cut, so a page cut again
    (its tall bands split, `_cut`) starts from it instead of finding it twice."""

    tables: list[Table]
    text: np.ndarray  # text ink (0/255) less the specks
    outside: np.ndarray  # text ink outside the tables, less the giant marks
    clean: np.ndarray  # grey, streaks mended, rules and specks painted white: the crops' source
    cell_boxes: list[tuple[int, int, int, int]]  # x0, top, x1, bottom in px of each cell
    line_height: float | None


@dataclass
class _Layout:
    grey: np.ndarray
    rules: Rules
    tables: list[Table]
    crops: list[np.ndarray]
    boxes: list[tuple[int, int, int, int]]  # x0, top, x1, bottom in px of each crop's ink
    line_height: float  # px: a line of body text (0 when the page has none)
    turns: list[int]  # per crop: 0 read across, 1 set at 90° (crop turned to read across)
    choices: list[tuple[list[int], list[int]]]  # crops of a narrow cell read both ways: (across, turned)
    cells: list[list[int]]  # crop indices of each cell's lines
    ink: _Ink | None = None  # what the lines were cut from (cut again from it: `_cut`)


def read_scanned_page(page: pdfium.PdfPage, settings: ScanSettings = DEFAULT) -> ScannedPage:
    """Read an image-only page into glyphs and ruling edges (see the module's docstring)."""
    started = time.process_time()
    if cv2.getNumThreads() != settings.cv_threads:
        cv2.setNumThreads(settings.cv_threads)  # one thread per worker process, like onnxruntime's
    image = render_page(page, settings)
    notes = ["page rendered below its scan's resolution (size limit)"] if image.downscaled else []
    angle = estimate_skew(image.grey, settings)
    grey = deskew(image.grey, angle) if abs(angle) >= settings.min_skew else image.grey
    rules = find_rules(grey, image.scale, settings)
    rec = recognizer(settings.rec_threads, settings.rec_height, settings.rec_batch)
    first = 90 if lies_on_side(rules.h_count, rules.v_count) else 0
    # the rules' counts settle the quarter turn where one way clearly outnumbers the other, unless
    # no line reads at all that way (no line of the usual shape: seed 37's writer-landscape-long-
    # project, page 3, on its side with 5 rows under 12 columns, had none): then both are read
    settled = 0.6 * rules.h_count > rules.v_count
    best: tuple[float, int, np.ndarray, Rules, _Layout, dict[int, Reading]] | None = None
    # the way up is judged on bands as they stand: split (lines.bands), a page on its side turns
    # columns of characters into short pieces that read surely, and the wrong way could win
    probing = replace(settings, tall_band_em=float("inf"))
    for quarter in (first, 90 - first):
        g = turn(grey, quarter)
        r = rules if quarter == 0 else find_rules(g, image.scale, settings)
        lay = _layout(g, r, image, probing)
        score, flip, known = _read_probes(rec, lay, settings)
        if flip:
            g = turn(g, 180)
            r = find_rules(g, image.scale, settings)
            lay = _layout(g, r, image, probing)
        if best is None or score > best[0]:
            best = (score, (quarter + (180 if flip else 0)) % 360, g, r, lay, known)
        if score >= settings.flip_check_below or (settled and score > 0):
            break  # the lines read well this way up (or the rules say so): no need to try the other
    _, rotation, grey, rules, layout, known = best  # type: ignore[misc]
    read: dict[int, Reading] = {}  # first readings already made (a probe's, its line not split)
    if _has_tall_bands(layout, settings.tall_band_em):
        probed = {(layout.boxes[i], layout.turns[i]): reading for i, reading in known.items()}
        layout, known = _cut(grey, rules, layout.ink or _ink(grey, rules, image, settings), settings), {}
        spots = zip(layout.boxes, layout.turns, strict=True)
        read = {i: probed[spot] for i, spot in enumerate(spots) if spot in probed}  # the same crop
    shapes = _by_shape(layout)
    known = {**known, **shapes}
    source = same_ink(layout.crops, settings.same_ink_tolerance)
    rest = [i for i in range(len(layout.crops)) if i not in known and source[i] == i]
    readings = [Reading("", 0.0, (), ())] * len(layout.crops)
    for i, reading in known.items():
        readings[i] = reading
    unread = [i for i in rest if i not in read]
    for i, reading in zip(
        unread, rec([layout.crops[i] for i in unread], settings.rec_fast_height), strict=True
    ):
        readings[i] = reading
    for i in rest:
        readings[i] = read.get(i, readings[i])
    em, below = layout.line_height, settings.rec_recheck_below
    pad = 2 * settings.line_pad_px
    dropped = {
        i: dropped_at(
            readings[i], layout.crops[i].shape[1], layout.crops[i].shape[0] - pad, settings.rec_dropped_gap
        )
        for i in rest
    }
    doubted = [i for i in rest if (not readings[i].probs or min(readings[i].probs) < below or dropped[i])]
    spans = [
        window(layout.crops[i], readings[i], below, settings.rec_recheck_context, em, dropped[i])
        for i in doubted
    ]
    again = rec([padded(layout.crops[i], a, b) for i, (a, b) in zip(doubted, spans, strict=True)])
    for i, (a, b), reading in zip(doubted, spans, again, strict=True):
        # read again at the model's full height where doubted, the surer reading kept
        refill = below if dropped[i] else None
        readings[i] = spliced(readings[i], reading, a, b, layout.crops[i].shape[1], refill)
    for i, j in enumerate(source):
        if j != i:
            readings[i] = readings[j]
    for across, turned in layout.choices:
        worse = across if _mean_conf(readings, turned) > _mean_conf(readings, across) else turned
        for i in worse:
            readings[i] = Reading("", 0.0, (), ())
    if prints_traditional(readings, settings.traditional_sure, settings.traditional_least):
        readings = [as_traditional(r, settings.traditional_lean) for r in readings]
    glyphs = _glyphs(layout, readings, image.scale, settings, shapes)
    height_px, width_px = grey.shape
    objects = PageObjects(width_px / image.scale, height_px / image.scale, glyphs, rules.edges)
    confs = [r.conf for r in readings if r.text]
    return ScannedPage(
        objects=objects,
        rotation=rotation,
        skew=-angle if abs(angle) >= settings.min_skew else 0.0,
        dpi=image.scale * 72.0,
        lines=len(confs),
        min_conf=min(confs) if confs else None,
        mean_conf=float(np.mean(confs)) if confs else None,
        seconds=time.process_time() - started,
        notes=tuple(notes),
    )


def _has_tall_bands(layout: _Layout, tall_em: float) -> bool:
    """A line read across taller than `tall_em` lines and three lines wide: two lines bridged
    (lines._split_tall splits it when the layout is made with the split on)."""
    em = layout.line_height
    return em > 0 and any(
        not turned and bottom - top > tall_em * em and x1 - x0 >= 3 * em
        for (x0, top, x1, bottom), turned in zip(layout.boxes, layout.turns, strict=True)
    )


def _read_probes(
    rec: object, layout: _Layout, settings: ScanSettings
) -> tuple[float, bool, dict[int, Reading]]:
    """How well a few lines read this way up, whether they read better turned half round, and
    their readings (reusable when the page is not turned)."""
    probes = _probes(layout, settings.flip_probe_lines)
    if not probes:
        return 0.0, False, {}
    # fewer than half the probes wanted: little evidence (a page on its side has few lines of
    # ordinary length, and one of them may read surely), so the score counts for less
    evidence = min(1.0, 2 * len(probes) / settings.flip_probe_lines)
    upright = rec([layout.crops[i] for i in probes], settings.rec_fast_height)  # type: ignore[operator]
    confs = [_text_conf(r) for r in upright]
    read = [c for c in confs if c > 0]
    # a pen's stroke picked as a probe reads as nothing: left out when most probes read (two
    # probes of a page on its side, one of them empty, say little)
    up = float(np.mean(read if 2 * len(read) > len(upright) else confs))
    if up >= settings.flip_check_below:
        return up * evidence * _phrases(upright, settings), False, dict(zip(probes, upright, strict=True))
    # the lines read poorly: perhaps the page is upside down
    flipped = rec([layout.crops[i][::-1, ::-1] for i in probes], settings.rec_fast_height)  # type: ignore[operator]
    if flip_score(confs, [_text_conf(r) for r in flipped]) > 0.1:
        down = float(np.mean([_text_conf(r) for r in flipped]))
        return down * evidence * _phrases(flipped, settings), True, {}
    return up * evidence * _phrases(upright, settings), False, dict(zip(probes, upright, strict=True))


def _phrases(readings: list[Reading], settings: ScanSettings) -> float:
    """1 where the probes read phrases, less in proportion where they read a few characters each on
    average: a line across a page on its side (its text running up the page) cuts a character or
    two from each of its text's columns, and those read surely too (seed 36's calc-symbol-2024-flow,
    page 2: 算目财, 据用实 at 0.99 beat the right quarter turn's 服务对象满意度★)."""
    chars = float(np.mean([len(r.text) for r in readings])) if readings else 0.0
    return min(1.0, chars / settings.probe_phrase_chars)


def _text_conf(reading: Reading) -> float:
    """A probe's confidence; marks alone (·.，: a photocopy's specks picked as a line) read as nothing."""
    return reading.conf if any(ch.isalnum() for ch in reading.text) else 0.0


def _by_shape(layout: _Layout) -> dict[int, Reading]:
    """Readings of the crops that hold nothing but operator figures or a lone dash (≥, ＝, —).

    `read_operator` reads such a line wholly by shape and drops whatever the recogniser said, so
    they need not be recognised at all — and they are the lines the recogniser doubts most (≥ read
    as V or 1), each of which would be read a second time at full height. A crop is wholly figures
    when a character the recogniser might have placed at its right end is dropped by
    `read_operator`. Lines of a narrow cell read two ways keep both readings (their confidences
    are compared). `read_operator` looks for figures in a line's first 3.5 em only, so a line with
    ink past that is not tried. A bare `<` or `>` is recognised all the same: `read_operator` then
    keeps the recogniser's sure % or digit (a 150-dpi % looks like a chevron)."""
    em = layout.line_height
    chosen = {i for pair in layout.choices for part in pair for i in part}
    probe = Reading("?", 1.0, (1.0,), (1.0,))
    found: dict[int, Reading] = {}
    for i, crop in enumerate(layout.crops):
        if layout.turns[i] or i in chosen or em <= 0 or (crop[:, int(3.5 * em) :] < 150).any():
            continue
        shaped = read_operator(crop, probe, em)
        if shaped is not None and "?" not in shaped.text and shaped.text not in ("<", ">"):
            found[i] = shaped  # a bare chevron has no bar to confirm it: a blurred % passes for one
    return found


def _mean_conf(readings: list[Reading], indices: list[int]) -> float:
    """Mean character probability over these crops' readings (0 when nothing was read)."""
    probs = [p for i in indices for p in readings[i].probs]
    return float(np.mean(probs)) if probs else 0.0


PROBE_INK = 0.06  # a probe line has dark pixels on at least this share of its crop


def _probes(layout: _Layout, count: int) -> list[int]:
    """A few lines of ordinary length (a word or two to a short phrase) to tell which way is up.

    Lines read across only: a narrow cell's turned candidates would read well on a page lying on its side.
    """
    chosen = {i for pair in layout.choices for part in pair for i in part}
    ratios = {
        i: c.shape[1] / max(1, c.shape[0])
        for i, c in enumerate(layout.crops)
        if not layout.turns[i] and i not in chosen and np.count_nonzero(c < 128) >= PROBE_INK * c.size
    }  # a row of a photocopy's specks has ink on a few per cent of its pixels, a line of text on a fifth
    fit = sorted((i for i, r in ratios.items() if 2.5 <= r <= 7.0), key=lambda i: -ratios[i])
    # too few: longer lines too, the shortest first (a title page's title and its 金额单位 line)
    longer = sorted((i for i, r in ratios.items() if 7.0 < r <= 40.0), key=lambda i: ratios[i])
    return (fit + longer)[:count]


def _layout(grey: np.ndarray, rules: Rules, image: PageImage, settings: ScanSettings) -> _Layout:
    """The tables' cells and every text segment to read, inside cells and outside the tables."""
    return _cut(grey, rules, _ink(grey, rules, image, settings), settings)


def _ink(grey: np.ndarray, rules: Rules, image: PageImage, settings: ScanSettings) -> _Ink:
    """The tables, the text ink less the specks, and the grey the crops are cut from."""
    scale = image.scale
    tables = find_tables(rules.edges, settings.cell_snap_pt)
    text, rule_zone = text_ink(rules, settings)
    h, w = text.shape
    cell_boxes: list[tuple[int, int, int, int]] = []
    for table in tables:
        for c in table.cells:
            x0, top = max(0, int(c.x0 * scale) + 1), max(0, int(c.top * scale) + 1)
            x1, bottom = min(w, int(np.ceil(c.x1 * scale))), min(h, int(np.ceil(c.bottom * scale)))
            if x1 > x0 and bottom > top:
                cell_boxes.append((x0, top, x1, bottom))
    line_height = typical_height(text, cell_boxes, settings) or None
    dots = specks(text, line_height or 0.0, settings.speck_size_em, settings.speck_reach_em, rules=rule_zone)
    text[dots > 0] = 0
    outside = text.copy()
    for table in tables:
        x0, top, x1, bottom = table.bbox
        outside[
            max(0, int(top * scale) - 2) : int(bottom * scale) + 3,
            max(0, int(x0 * scale) - 2) : int(x1 * scale) + 3,
        ] = 0
    outside = without_giants(outside, line_height or 0.0)  # a shadow's edge would join every line
    clean = mend_streaks(grey.copy(), rules, settings)
    clean[rule_zone > 0] = 255
    clean[cv2.dilate(dots, np.ones((3, 3), np.uint8)) > 0] = 255
    return _Ink(tables, text, outside, clean, cell_boxes, line_height)


def _cut(grey: np.ndarray, rules: Rules, ink: _Ink, settings: ScanSettings) -> _Layout:
    """Every text segment of the page, in its cells and outside the tables, and its crop."""
    text, line_height = ink.text, ink.line_height
    found: list[Segment] = []
    choices: list[tuple[list[int], list[int]]] = []  # a narrow cell read as stacked lines, or as turned ones
    cells: list[list[int]] = []  # the lines (crop indices) of each cell
    for x0, top, x1, bottom in ink.cell_boxes:
        edge = settings.rule_clearance_px + 3
        first = len(found)
        inside = []
        for s in segments(text[top:bottom, x0:x1], settings, line_height, split=True):
            if (
                line_height
                and s.bottom - s.top < 0.4 * line_height
                and (s.top <= edge or s.bottom >= bottom - top - edge)
            ):
                continue  # the cut-off foot or head of a line that a rule clips (a spreadsheet's overflow)
            inside.append(s)
        found += [
            Segment(s.x0 + x0, s.top + top, s.x1 + x0, s.bottom + top)
            for s in _off_the_rules(inside, x1 - x0, edge, line_height)
        ]
        cells.append(list(range(first, len(found))))
        box = _ink_box(found[first:])
        if box is not None and line_height:
            turned = _columns(text, box, line_height)
            if isinstance(turned[0], _Upright):
                choices.append(
                    (list(range(first, len(found))), list(range(len(found), len(found) + len(turned))))
                )
                found.extend(turned)
    found.extend(segments(ink.outside, settings, line_height, split=True, apart=True))
    pad = settings.line_pad_px
    crops, boxes, turns = [], [], []
    for s in found:
        crop = ink.clean[max(0, s.top - pad) : s.bottom + pad, max(0, s.x0 - pad) : s.x1 + pad]
        turned = isinstance(s, _Upright)
        crops.append(turn(crop, 90) if turned else crop)  # set at 90° reading upwards: turned to read across
        boxes.append((s.x0, s.top, s.x1, s.bottom))
        turns.append(1 if turned else 0)
    return _Layout(grey, rules, ink.tables, crops, boxes, line_height or 0.0, turns, choices, cells, ink)


def _off_the_rules(inside: list[Segment], width: int, edge: int, em: float | None) -> list[Segment]:
    """A cell's segments less a rule's remnant beside its rule: three or more slivers (under a
    quarter em wide) at one side within `edge` px of it, one above another (a bitonal copy leaves
    the rule's fringe in pieces that read as i or 1). A lone sliver there may be a printed 1."""
    if not em:
        return inside
    thin = 0.25 * em
    slivers = [s for s in inside if s.x1 - s.x0 <= thin and (s.x0 <= edge or s.x1 >= width - edge)]
    drop: set[int] = set()
    for left in (True, False):
        side = [s for s in slivers if (s.x0 <= edge) == left]
        if len(side) >= 3:
            drop |= {id(s) for s in side}
    return [s for s in inside if id(s) not in drop]


def _ink_box(found: list[Segment]) -> Segment | None:
    if not found:
        return None
    return Segment(
        min(s.x0 for s in found),
        min(s.top for s in found),
        max(s.x1 for s in found),
        max(s.bottom for s in found),
    )


class _Upright(Segment):
    """A line set at 90° in a narrow cell (Calc's rotated 一级指标): it reads up or down the page."""


def _columns(text: np.ndarray, s: Segment, line_height: float) -> list[Segment]:
    """The segment, or the lines of text set at 90° it holds (a tall, narrow block)."""
    if s.bottom - s.top < 1.8 * line_height or s.x1 - s.x0 > 1.5 * line_height:
        return [s]
    cols = np.count_nonzero(text[s.top : s.bottom, s.x0 : s.x1], axis=0)
    on = np.flatnonzero(cols)
    if not len(on):
        return [s]
    runs, start = [], on[0]
    for a, b in zip(on[:-1], on[1:], strict=True):
        if b - a > 2:
            runs.append([start, a + 1])
            start = b
    runs.append([start, on[-1] + 1])
    # a character's own white (三, 服 turned) splits a line: runs narrower than a line join a neighbour
    while len(runs) > 1:
        k = min(range(len(runs)), key=lambda i: runs[i][1] - runs[i][0])
        if runs[k][1] - runs[k][0] >= 0.6 * line_height:
            break
        gap_left = runs[k][0] - runs[k - 1][1] if k > 0 else None
        gap_right = runs[k + 1][0] - runs[k][1] if k + 1 < len(runs) else None
        j = k - 1 if gap_right is None or (gap_left is not None and gap_left <= gap_right) else k + 1
        a, b = min(k, j), max(k, j)
        runs[a : b + 1] = [[runs[a][0], runs[b][1]]]
    return [_Upright(s.x0 + a, s.top, s.x0 + b, s.bottom) for a, b in runs]


def _glyphs(
    layout: _Layout,
    readings: list[Reading],
    scale: float,
    settings: ScanSettings,
    shapes: dict[int, Reading] | None = None,
) -> list[Glyph]:
    """Each line's glyphs: operators by shape, punctuation widths, vocabulary; `shapes`: the lines
    already read wholly by shape (`_by_shape`), not measured again."""
    shapes = shapes or {}
    texts: list[tuple[str, float]] = []
    probs: list[tuple[float, ...] | None] = []
    wrapped = stops_alone(layout.cells, layout.boxes, [r.text for r in readings], layout.line_height)
    ended: set[int] = set()  # lines whose last mark the model left out
    for i, (crop, reading) in enumerate(zip(layout.crops, readings, strict=True)):
        if i in wrapped:
            texts.append(("。", reading.conf))
            probs.append(None)
            continue
        done = shapes.get(i) is reading
        shaped = None if done else read_operator(crop, reading, layout.line_height)
        if shaped is not None:
            reading = shaped
        reading = speck_ends(crop, reading, layout.line_height)
        reading = doubtful_prime(reading)
        reading = commas_under_specks(crop, reading)
        reading = fix_widths(crop, reading, layout.line_height, settings.full_width_gap_em)
        reading = middle_dots(crop, reading, layout.line_height)
        reading = glued_hyphens(crop, reading, layout.line_height)
        reading = square_brackets(crop, reading, layout.line_height)
        reading = colons(crop, reading)
        reading = number_marks(crop, reading, layout.line_height)
        if left_end_mark(crop, reading, layout.line_height):
            ended.add(i)
        text, conf = correct(
            reading.text, reading.conf, reading.probs, settings.vocabulary_doubt, settings.header_doubt
        )
        em = layout.line_height
        if (
            speck_line(crop, text, em * settings.speck_line_em)
            or stacked_specks(crop, text, conf, em * settings.speck_line_em)
            or stroke_line(layout.boxes[i], text, em * settings.stroke_line_em)
            or tiny_character(layout.boxes[i], text, em)
            or (
                not layout.turns[i] and misshapen_bits(layout.boxes[i], text, conf, em, settings.wide_bits_em)
            )
        ):
            text = ""
        texts.append((text.strip(), conf))
        probs.append(reading.probs if len(text.strip()) == len(reading.probs) else None)
    level_names_across_lines(layout.cells, texts, probs, settings.vocabulary_doubt)
    confused_across_lines(layout.cells, texts)
    _indented_brackets(layout, texts)
    speck_dashes(layout.cells, layout.boxes, texts, layout.line_height * settings.speck_line_em)
    closing_across_lines(layout.cells, texts)
    stroke_bits(layout.cells, texts)
    far_bits(layout.cells, layout.boxes, texts, layout.line_height * settings.far_bits_em)
    in_cells = {i for lines in layout.cells for i in lines} | {
        i for pair in layout.choices for part in pair for i in part
    }
    outside = [[i] for i in range(len(texts)) if i not in in_cells]
    # an info line outside the tables (单位名称：…本级·) has its specks, and a goal printed there
    # (整体目标：…) its separators, as a cell's text has
    speck_points([*layout.cells, *outside], texts)
    edge_marks(layout.cells, texts)
    next_goal_separators([*layout.cells, *outside], texts)
    full_stops_at_ends(layout.cells, texts, ended)
    one_style_per_cell(layout.cells, texts, settings.one_style_ratio, settings.one_style_least)
    for i, (text, conf) in enumerate(texts):
        if i not in in_cells and text and not any(ch.isalnum() for ch in text):
            texts[i] = ("", conf)  # outside the tables, marks alone (a pen's stroke read as —) say nothing
    glyphs: list[Glyph] = []
    for box, (text, conf), turned in zip(layout.boxes, texts, layout.turns, strict=True):
        if not text:
            continue
        x0, top, x1, bottom = (v / scale for v in box)
        if turned:
            across = line_glyphs(
                text, (top, x0, bottom, x1), conf, settings.cjk_advance, settings.narrow_advance
            )
            # reads upwards: the first character at the foot (grid._upright's frame, turned back)
            glyphs.extend(
                Glyph(g.text, g.top, top + bottom - g.x1, g.bottom, top + bottom - g.x0, 1, g.conf)
                for g in across
            )
            continue
        glyphs.extend(
            line_glyphs(text, (x0, top, x1, bottom), conf, settings.cjk_advance, settings.narrow_advance)
        )
    return glyphs


def _indented_brackets(layout: _Layout, texts: list[tuple[str, float]]) -> None:
    """A line that opens with a bracket, in a cell of left-aligned lines: a full-width （ stands half
    an em in from the others (its ink sits in the right of its box), a half-width ( does not. Its
    closing bracket at the line's end follows it."""
    em = layout.line_height
    if not em:
        return
    for lines in layout.cells:
        for i in lines:
            text, conf = texts[i]
            if not text or text[0] not in "(（" or layout.turns[i]:
                continue
            starts = [
                layout.boxes[j][0] for j in lines if j != i and texts[j][0] and texts[j][0][0] not in "(（"
            ]
            if not starts or max(starts) - min(starts) > 0.15 * em:
                continue  # alone, or lines of a centred cell: nothing to measure against
            middles = [(layout.boxes[j][0] + layout.boxes[j][2]) / 2 for j in lines]
            if max(middles) - min(middles) <= 0.2 * em and abs(layout.boxes[i][0] - min(starts)) > 0.15 * em:
                continue  # centred lines of different lengths
            indent = layout.boxes[i][0] - min(starts)
            wide = indent >= 0.3 * em
            opening, closing = ("（", "）") if wide else ("(", ")")
            text = opening + text[1:]
            if text.endswith((")", "）")) and text.count("(") + text.count("（") == 1:
                text = text[:-1] + closing
            texts[i] = (text, conf)
