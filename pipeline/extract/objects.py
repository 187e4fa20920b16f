"""A page's glyphs and ruling lines, read with pdfium, in display coordinates.

pdfium gives both in PDF user space (origin bottom-left, before /Rotate). Everything
downstream works in the space a reader sees: origin top-left, y growing downwards, the
page's /Rotate applied — so a portrait page stored with /Rotate 90 reads as landscape.

This is the fast path the whole extractor rests on: pdfium reads a page's characters with
their boxes in about 2 ms, where pdfminer (under pdfplumber) spends ~26 ms parsing it.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable, Iterator
from typing import NamedTuple

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c


class Glyph(NamedTuple):
    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    turn: int = 0  # reading direction as seen: 0 left→right, 1 upwards (90° ccw), 3 downwards, 2 upside down
    conf: float | None = None  # recognition confidence (0–1) when read from an image; None from a text layer


class Edge(NamedTuple):
    """A horizontal ('h') or vertical ('v') ruling segment."""

    orientation: str
    x0: float
    top: float
    x1: float
    bottom: float


class PageObjects(NamedTuple):
    width: float
    height: float
    glyphs: list[Glyph]
    edges: list[Edge]
    image_cover: float = 0.0  # share of the page's area under images (a scan covers most of it)


Transform = Callable[[float, float], tuple[float, float]]

_THIN = 3.0  # pt: a path whose box is thinner than this is a rule, whatever its draw mode
_WHITE = 250  # a stroke or fill lighter than this on every channel is invisible on paper


def read_page(page: pdfium.PdfPage) -> PageObjects:
    """Glyphs and ruling edges of one page."""
    left, bottom, right, top = page.get_bbox()
    rotation = page.get_rotation() % 360
    to_display = _display_transform(left, bottom, right - left, top - bottom, rotation)
    width, height = (right - left, top - bottom)
    if rotation in (90, 270):
        width, height = height, width
    glyphs = list(_glyphs(page, to_display))
    images: list[float] = []
    edges = list(_edges(page, to_display, images))
    cover = min(1.0, sum(images) / max(1.0, width * height))
    return PageObjects(width, height, glyphs, edges, cover)


def _display_transform(x0: float, y0: float, w: float, h: float, rotation: int) -> Transform:
    if rotation == 90:
        return lambda x, y: (y - y0, x - x0)
    if rotation == 180:
        return lambda x, y: (w - (x - x0), y - y0)
    if rotation == 270:
        return lambda x, y: (h - (y - y0), w - (x - x0))
    return lambda x, y: (x - x0, h - (y - y0))


def _box(
    to_display: Transform, left: float, low: float, right: float, high: float
) -> tuple[float, float, float, float]:
    ax, ay = to_display(left, low)
    bx, by = to_display(right, high)
    return (min(ax, bx), min(ay, by), max(ax, bx), max(ay, by))


# --------------------------------------------------------------------------- glyphs


def _glyphs(page: pdfium.PdfPage, to_display: Transform) -> Iterator[Glyph]:
    textpage = page.get_textpage()
    try:
        raw = textpage.raw
        count = pdfium_c.FPDFText_CountChars(raw)
        codes = _codes(raw, count)
        rect = pdfium_c.FS_RECTF()
        (ox, oy), (xx, xy), (yx, yy) = to_display(0, 0), to_display(1, 0), to_display(0, 1)
        ax, ay, bx, by = xx - ox, xy - oy, yx - ox, yy - oy  # display = o + x·a + y·b
        clipped, turned = _text_objects(page.raw, (ax, ay, bx, by))
        for i in range(count):
            code = codes[i]
            if (code == 2 or code == 0xFFFE) and pdfium_c.FPDFText_IsHyphen(raw, i) == 1:
                code = 0x2D  # a printed hyphen at a line's end, which pdfium marks as soft (CODE-, 会议-宣传)
            elif code <= 32 or code == 0xFFFE or code == 0xFFFF:
                continue  # spaces, line breaks pdfium generated, control codes
            if not pdfium_c.FPDFText_GetLooseCharBox(raw, i, rect):
                continue
            if clipped and _hidden(raw, i, rect, clipped):
                continue
            x_a = ox + rect.left * ax + rect.bottom * bx
            x_b = ox + rect.right * ax + rect.top * bx
            y_a = oy + rect.left * ay + rect.bottom * by
            y_b = oy + rect.right * ay + rect.top * by
            if x_b < x_a:
                x_a, x_b = x_b, x_a
            if y_b < y_a:
                y_a, y_b = y_b, y_a
            turn = turned.get(_object_at(raw, i), 0) if turned else 0
            yield Glyph(chr(code), x_a, y_a, x_b, y_b, turn)
    finally:
        textpage.close()


ClipBoxes = list[tuple[float, float, float, float]]  # left, bottom, right, top in user space


def _text_objects(
    page_raw: object, linear: tuple[float, float, float, float]
) -> tuple[dict[int, ClipBoxes], dict[int, int]]:
    """Text objects that their clip path cuts (with the clip's boxes), and those set at a turn, by address.

    LibreOffice Calc prints a merged cell cut by a page break on both pages, placed for the
    whole cell and clipped to each page's part; the clipped-away glyphs stay in the text layer
    and would leak into the next page's header cells. Most objects are clipped to a box that
    holds them whole: only the others need a per-glyph test. Text rotated in a narrow cell
    (一级指标 set at 90°) reads along the page's height: its turn orders the cell's glyphs.
    """
    clipped: dict[int, ClipBoxes] = {}
    turned: dict[int, int] = {}
    left, low, right, high = ctypes.c_float(), ctypes.c_float(), ctypes.c_float(), ctypes.c_float()
    matrix = pdfium_c.FS_MATRIX()
    ax, ay, bx, by = linear
    for i in range(pdfium_c.FPDFPage_CountObjects(page_raw)):
        obj = pdfium_c.FPDFPage_GetObject(page_raw, i)
        if pdfium_c.FPDFPageObj_GetType(obj) != pdfium_c.FPDF_PAGEOBJ_TEXT:
            continue
        address = ctypes.cast(obj, ctypes.c_void_p).value or 0
        if pdfium_c.FPDFPageObj_GetMatrix(obj, matrix):
            dx, dy = matrix.a * ax + matrix.b * bx, matrix.a * ay + matrix.b * by  # baseline, as seen
            turn = (0 if dx > 0 else 2) if abs(dx) >= abs(dy) else (1 if dy < 0 else 3)
            if turn:
                turned[address] = turn
        clip = pdfium_c.FPDFPageObj_GetClipPath(obj)
        if not clip or not pdfium_c.FPDFPageObj_GetBounds(obj, left, low, right, high):
            continue
        boxes = _clip_boxes(clip)
        bounds = (left.value, low.value, right.value, high.value)
        if boxes and not all(_contains(box, bounds) for box in boxes):
            clipped[address] = boxes
    return clipped, turned


def _object_at(textpage: object, index: int) -> int:
    return ctypes.cast(pdfium_c.FPDFText_GetTextObject(textpage, index), ctypes.c_void_p).value or 0


def _clip_boxes(clip: object) -> ClipBoxes:
    x, y = ctypes.c_float(), ctypes.c_float()
    boxes: ClipBoxes = []
    for i in range(pdfium_c.FPDFClipPath_CountPaths(clip)):
        xs: list[float] = []
        ys: list[float] = []
        for j in range(pdfium_c.FPDFClipPath_CountPathSegments(clip, i)):
            pdfium_c.FPDFPathSegment_GetPoint(pdfium_c.FPDFClipPath_GetPathSegment(clip, i, j), x, y)
            xs.append(x.value)
            ys.append(y.value)
        if xs:
            boxes.append((min(xs), min(ys), max(xs), max(ys)))
    return boxes


def _contains(box: tuple[float, float, float, float], inner: tuple[float, float, float, float]) -> bool:
    """`inner` lies well inside: ink grazing the clip's edge may belong to a hidden line (a comma's tail)."""
    slack = -2.0
    return (
        box[0] - slack <= inner[0]
        and box[1] - slack <= inner[1]
        and inner[2] <= box[2] + slack
        and inner[3] <= box[3] + slack
    )


def _hidden(textpage: object, index: int, rect: pdfium_c.FS_RECTF, clipped: dict[int, ClipBoxes]) -> bool:
    """The glyph's centre lies outside its text object's clip path: nobody can see it."""
    boxes = clipped.get(_object_at(textpage, index))
    if boxes is None:
        return False
    x, y = (rect.left + rect.right) / 2, (rect.bottom + rect.top) / 2
    return not all(b[0] <= x <= b[2] and b[1] <= y <= b[3] for b in boxes)


def _codes(raw: object, count: int) -> list[int]:
    """Every character's code point with one call when the page has no astral characters."""
    buffer = ctypes.create_string_buffer((count + 1) * 2)
    written = pdfium_c.FPDFText_GetText(raw, 0, count, ctypes.cast(buffer, ctypes.POINTER(ctypes.c_ushort)))
    units = buffer.raw[: max(0, written - 1) * 2]
    if len(units) == count * 2 and not any(0xD800 <= u <= 0xDFFF for u in memoryview(units).cast("H")):
        return list(memoryview(units).cast("H"))
    return [pdfium_c.FPDFText_GetUnicode(raw, i) for i in range(count)]


# --------------------------------------------------------------------------- edges


def _edges(page: pdfium.PdfPage, to_display: Transform, images: list[float]) -> Iterator[Edge]:
    yield from _object_edges(page.raw, None, to_display, images)


def _object_edges(
    page_raw: object, form: object | None, to_display: Transform, images: list[float]
) -> Iterator[Edge]:
    """Rules of the page's paths; the area of each image found on the way goes into `images`."""
    if form is None:
        count = pdfium_c.FPDFPage_CountObjects(page_raw)
        get = lambda i: pdfium_c.FPDFPage_GetObject(page_raw, i)  # noqa: E731
    else:
        count = pdfium_c.FPDFFormObj_CountObjects(form)
        get = lambda i: pdfium_c.FPDFFormObj_GetObject(form, i)  # noqa: E731
    for i in range(count):
        obj = get(i)
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        if kind == pdfium_c.FPDF_PAGEOBJ_PATH:
            yield from _path_edges(obj, to_display)
        elif kind == pdfium_c.FPDF_PAGEOBJ_FORM:
            yield from _object_edges(page_raw, obj, to_display, images)
        elif kind == pdfium_c.FPDF_PAGEOBJ_IMAGE:
            images.append(_area(obj))


def _area(obj: object) -> float:
    left, low, right, high = ctypes.c_float(), ctypes.c_float(), ctypes.c_float(), ctypes.c_float()
    if not pdfium_c.FPDFPageObj_GetBounds(obj, left, low, right, high):
        return 0.0
    return max(0.0, right.value - left.value) * max(0.0, high.value - low.value)


def _path_edges(obj: object, to_display: Transform) -> Iterator[Edge]:
    left, low, right, high = ctypes.c_float(), ctypes.c_float(), ctypes.c_float(), ctypes.c_float()
    if not pdfium_c.FPDFPageObj_GetBounds(obj, left, low, right, high):
        return
    fillmode, stroke = ctypes.c_int(), ctypes.c_int()
    pdfium_c.FPDFPath_GetDrawMode(obj, fillmode, stroke)
    stroked, filled = bool(stroke.value), fillmode.value != 0
    if not stroked and not filled:
        return  # a clipping path or an invisible outline
    x0, top, x1, bottom = _box(to_display, left.value, low.value, right.value, high.value)
    thin_h, thin_v = bottom - top <= _THIN, x1 - x0 <= _THIN
    if thin_h or thin_v:
        if _invisible(obj, stroked):
            return
        if thin_h and x1 - x0 > _THIN:
            mid = (top + bottom) / 2
            yield Edge("h", x0, mid, x1, mid)
        elif thin_v and bottom - top > _THIN:
            mid = (x0 + x1) / 2
            yield Edge("v", mid, top, mid, bottom)
        return
    if not stroked or _invisible(obj, True):
        return  # a filled background, not a rule
    yield from _segment_edges(obj, to_display)


def _invisible(obj: object, stroked: bool) -> bool:
    r, g, b, a = ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint()
    getter = pdfium_c.FPDFPageObj_GetStrokeColor if stroked else pdfium_c.FPDFPageObj_GetFillColor
    if not getter(obj, r, g, b, a):
        return False
    return a.value == 0 or min(r.value, g.value, b.value) >= _WHITE


def _segment_edges(obj: object, to_display: Transform) -> Iterator[Edge]:
    """Axis-aligned straight segments of a stroked path (a rectangle, or a whole grid in one path)."""
    matrix = pdfium_c.FS_MATRIX()
    if not pdfium_c.FPDFPageObj_GetMatrix(obj, matrix):
        return
    a, b, c, d, e, f = matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f
    x, y = ctypes.c_float(), ctypes.c_float()
    start: tuple[float, float] | None = None
    prev: tuple[float, float] | None = None
    for i in range(pdfium_c.FPDFPath_CountSegments(obj)):
        seg = pdfium_c.FPDFPath_GetPathSegment(obj, i)
        pdfium_c.FPDFPathSegment_GetPoint(seg, x, y)
        point = to_display(a * x.value + c * y.value + e, b * x.value + d * y.value + f)
        kind = pdfium_c.FPDFPathSegment_GetType(seg)
        if kind == pdfium_c.FPDF_SEGMENT_MOVETO:
            start = prev = point
            continue
        if prev is not None and kind == pdfium_c.FPDF_SEGMENT_LINETO:
            edge = _straight(prev, point)
            if edge:
                yield edge
        prev = point
        if pdfium_c.FPDFPathSegment_GetClose(seg) and start is not None:
            edge = _straight(point, start)
            if edge:
                yield edge
            prev = start


def _straight(p: tuple[float, float], q: tuple[float, float]) -> Edge | None:
    (px, py), (qx, qy) = p, q
    if abs(py - qy) <= 0.5 and abs(px - qx) > _THIN:
        y = (py + qy) / 2
        return Edge("h", min(px, qx), y, max(px, qx), y)
    if abs(px - qx) <= 0.5 and abs(py - qy) > _THIN:
        x = (px + qx) / 2
        return Edge("v", x, min(py, qy), x, max(py, qy))
    return None
