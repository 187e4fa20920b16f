"""Extraction: PDF bytes → `Extraction` (cell text as printed, merged cells resolved, pages joined).

Per page: pdfium reads glyphs and ruling lines (objects.py); the rules become cells (cells.py,
after pdfplumber's edge merging) and glyphs go into them (grid.py); the header text names the
columns (header.py) and rows are read by geometry (rows.py), with captions above captioned grids
(captions.py); then the pages' rows are stitched into projects (stitch.py). Pages whose tables
carry no performance header (covers, 收支总表, 项目支出表) are skipped. The reader is chosen per
page: a page with a text layer is read here; an image-only page is set aside for an OCR reader
(not built yet), and a document of nothing else fails as a scan.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import pypdfium2 as pdfium

from pipeline.errors import ExtractionError, ScannedPdfError
from pipeline.extract.context import (
    Facts,
    best_fields,
    is_page_footer,
    project_bands,
    read_info,
    read_lines,
    read_totals,
)
from pipeline.extract.grid import Cell, Table, fill_cells, find_tables, line_text, lines_of, take_spill
from pipeline.extract.grids import Grid, find_grids, unspilled, unsplit
from pipeline.extract.header import page_header_fields
from pipeline.extract.kinds import is_title, table_kind
from pipeline.extract.objects import Glyph, PageObjects, read_page
from pipeline.extract.pdf import open_pdf
from pipeline.extract.rows import CellRef, GridRow, continues, page_rows
from pipeline.extract.stitch import stitch
from pipeline.extract.vocabulary import LEVELS, header_meaning
from pipeline.model import DEPARTMENT_KINDS, Extraction
from pipeline.progress import Progress, no_progress
from pipeline.settings import ExtractSettings

LAYOUT = "ruled"


def _spaced_line(line: list[Glyph]) -> str:
    """A page-header line: a space only where a wide gap separates two fields."""
    return line_text(line, gap=1.0)


@dataclass
class _Scan:
    """What the page loop has gathered so far."""

    rows: list[GridRow] = field(default_factory=list)
    table_pages: list[int] = field(default_factory=list)
    header: dict[str, str] = field(default_factory=dict)
    grid: Grid | None = None  # the last grid's header: a headerless table on a later page continues it
    title: str = ""  # the last table title seen (项目支出绩效目标表, 部门整体支出绩效自评表 …)
    unknown: dict[str, list[int]] = field(default_factory=dict)  # header not understood → pages
    # an info block left at a page's foot, its grid on the next page: (cells, lines)
    carry: tuple[list[Cell], list[str]] = ((), ())  # type: ignore[assignment]
    notes: list[str] = field(default_factory=list)
    textless: list[int] = field(default_factory=list)  # image-only pages read as nothing (scans off)
    ocr: list[int] = field(default_factory=list)  # pages read from their image
    scanned: Mapping[int, PageObjects] = field(default_factory=dict)  # read already (a page task)
    cover_year: str | None = None  # "2025年…预算" on a page before the table: the last resort
    early: dict[str, str] = field(default_factory=dict)  # 预算年度… printed on a page before the table's


def extract(
    data: bytes,
    settings: ExtractSettings | None = None,
    progress: Progress = no_progress,
    scanned: Mapping[int, PageObjects] | None = None,
) -> Extraction:
    """`scanned`: pages (1-based) already read from their images, e.g. by page tasks on other
    workers (`read_scanned`); any other page that needs its image is read here."""
    settings = settings or ExtractSettings()
    pdf = open_pdf(data)
    try:
        n_pages = len(pdf)
        scan = _Scan(scanned=scanned or {})
        for index in range(n_pages):
            page = pdf[index]
            try:
                _read_page(page, index + 1, settings, scan)
            except pdfium.PdfiumError as exc:
                raise ExtractionError(f"page {index + 1}: pdfium could not read it ({exc})") from exc
            finally:
                page.close()
            progress("extract", index + 1, n_pages)
    finally:
        pdf.close()
    if not scan.rows and scan.textless and len(scan.textless) == n_pages:
        raise ScannedPdfError(
            f"scanned PDF: none of its {n_pages} pages has a text layer and reading scans is "
            "switched off (JIXIAO_OCR=0)"
        )
    if scan.textless:
        scan.notes.append(
            f"pages without a text layer skipped (reading scans is off): {_ranges(scan.textless)}"
        )
    if scan.ocr:
        scan.notes.append(f"pages read from their images (scans): {_ranges(scan.ocr)}")
    if scan.unknown:
        left_out = ", ".join(f"{label} (page {_ranges(pages)})" for label, pages in scan.unknown.items())
        scan.notes.append(f"columns not understood, left out of the rows: {left_out}")
    return Extraction(
        pages=n_pages,
        table_pages=tuple(scan.table_pages),
        layout=LAYOUT,
        title=scan.header.get("title") or scan.early.get("title"),
        budget_year=scan.header.get("year") or scan.early.get("year") or scan.cover_year,
        amount_unit=scan.header.get("amount_unit") or scan.early.get("amount_unit"),
        unit_name=scan.header.get("unit_name") or scan.early.get("unit_name"),
        projects=tuple(stitch(scan.rows)),
        notes=tuple(scan.notes),
        ocr_pages=len(scan.ocr),
    )


def pages_to_scan(data: bytes) -> list[int]:
    """The 1-based pages of a PDF that are read from their images: what page tasks fan out over."""
    from pipeline.scan import needs_image  # pipeline.scan reads pipeline.extract's modules

    pdf = open_pdf(data)
    try:
        out = []
        for index in range(len(pdf)):
            page = pdf[index]
            try:
                objs = read_page(page)
                cover = _SCAN_COVER if not objs.glyphs else _TEXT_UNDER_SCAN
                if objs.image_cover >= cover and needs_image(page, objs):
                    out.append(index + 1)
            finally:
                page.close()
        return out
    finally:
        pdf.close()


def read_scanned(data: bytes, number: int, settings: ExtractSettings | None = None) -> PageObjects:
    """One page (1-based) read from its image: a page task's whole work."""
    pdf = open_pdf(data)
    try:
        page = pdf[number - 1]
        try:
            return _read_image(page, settings or ExtractSettings())
        finally:
            page.close()
    finally:
        pdf.close()


def _read_image(page: pdfium.PdfPage, settings: ExtractSettings) -> PageObjects:
    from pipeline.scan import read_scanned_page
    from pipeline.scan.settings import DEFAULT

    return read_scanned_page(page, settings.scan or DEFAULT).objects


def _read_page(page: pdfium.PdfPage, number: int, settings: ExtractSettings, scan: _Scan) -> None:
    objs = _page_objects(page, number, settings, scan)
    if not objs.glyphs:
        if settings.read_scans is False:
            scan.textless.append(number)
        return
    tables = find_tables(objs.edges, settings.snap_tolerance)
    outside = take_spill(tables, fill_cells(tables, objs.glyphs, settings.dedupe_tolerance), objs.height)
    tables = [unsplit(unspilled(t)) for t in tables]
    scanned = bool(scan.ocr) and scan.ocr[-1] == number
    page = _Page(number, outside, scanned, context=list(scan.carry[0]), context_lines=list(scan.carry[1]))
    scan.carry = ([], [])
    for index, table in enumerate(tables):
        page.read_table(table, index, settings, scan)
    page.carry_over(objs.height, scan)
    if page.found:
        scan.table_pages.append(number)
    elif not scan.rows:
        # a browser moves a table whose first group does not fit to the next page, leaving its
        # title and 预算年度 line behind on a page of their own
        for key, value in page_header_fields([_spaced_line(line) for line in lines_of(outside)]).items():
            scan.early.setdefault(key, value)
        if scan.cover_year is None:
            scan.cover_year = cover_year("".join(g.text for g in outside))
        scan.title = next((t for t in reversed(page.lines_above(objs.height)) if is_title(t)), scan.title)
    elif not tables and _mentions_indicators(objs.glyphs):
        scan.notes.append(
            f"page {number}: indicator headers without ruling lines (borderless tables are not read)"
        )


_SCAN_COVER = 0.3  # a page without text whose images cover less than this has nothing to read
_TEXT_UNDER_SCAN = 0.5  # a page with text is looked at further only under an image this large


def _page_objects(page: pdfium.PdfPage, number: int, settings: ExtractSettings, scan: _Scan) -> PageObjects:
    """The page's glyphs and rules: from its text layer, or from its image when it is a scan."""
    if number in scan.scanned:
        scan.ocr.append(number)
        return scan.scanned[number]
    objs = read_page(page)
    if not settings.read_scans or objs.image_cover < (_SCAN_COVER if not objs.glyphs else _TEXT_UNDER_SCAN):
        return objs  # no image large enough to be a scan: the text layer (or nothing) is the page
    from pipeline.scan import needs_image  # pipeline.scan reads extract's modules: imported late

    if not needs_image(page, objs):
        return objs
    scan.ocr.append(number)
    return _read_image(page, settings)


@dataclass
class _Page:
    """One page's tables read top to bottom, with what stands between them."""

    number: int
    outside: list[Glyph]
    scanned: bool = False  # read from the page's image: rows carry OCR confidences
    found: bool = False
    above_from: float = 0.0  # the previous table's foot: text between it and the next is that one's
    context: list[Cell] = field(default_factory=list)  # tables of info or budget cells since the last grid
    context_lines: list[str] = field(default_factory=list)
    last_facts: Facts | None = None

    def lines_above(self, top: float) -> list[str]:
        between = [g for g in self.outside if g.top >= self.above_from - 1 and g.bottom <= top + 1]
        return [_spaced_line(line) for line in lines_of(between)]

    def read_table(self, table: Table, index: int, settings: ExtractSettings, scan: _Scan) -> None:
        top, bottom = min(c.top for c in table.cells), max(c.bottom for c in table.cells)
        lines = self.lines_above(top)
        self.above_from = bottom
        numbers = {id(c): index * 100_000 + n for n, c in enumerate(table.cells)}
        grids = find_grids(table, settings.min_header_hits)
        if not grids:
            continued = continues(table, scan.grid) if scan.grid is not None else None
            if continued is not None:
                # the grid goes on without its header; an info block before it starts a project
                grid, ident = continued, (self.number, -1 - 10 * index * 50)
                facts = self._facts(grid, self.context, self.context_lines + lines, scan)
                facts.total, facts.conclusion = read_totals(table.cells, _score_span(grid))
                rows = page_rows(table.cells, numbers, self.number, grid, facts, self.scanned)
                if self.context or self.context_lines:
                    rows = _with_fields(rows, grid, facts, ident)
                self._emit(rows, scan)
                self.last_facts = facts
                self.context, self.context_lines = [], []
                return
            if self.last_facts is not None and not (self.last_facts.total or self.last_facts.conclusion):
                self.last_facts.total, self.last_facts.conclusion = read_totals(
                    table.cells, _score_span(scan.grid)
                )
            self.context.extend(table.cells)
            self.context_lines.extend(lines)
            _note_unread_levels(table, self.number, scan)
            return
        lines = self.context_lines + lines
        previous_end = top
        for i, grid in enumerate(grids):
            data_end = grids[i + 1].top if i + 1 < len(grids) else bottom + 1
            above = [c for c in table.cells if c.bottom <= grid.top + 1.5 and c.top >= previous_end - 1.5]
            data = [c for c in table.cells if grid.bottom - 1.5 <= c.top < data_end - 1.5]
            previous_end = data_end
            facts = self._facts(grid, self.context + above, lines if i == 0 else [], scan)
            facts.total, facts.conclusion = read_totals(data, _score_span(grid))
            if i == 0:
                titles = [c.text for c in above if c.text.strip()]
                _read_page_header(lines, titles, scan)
            ident = (self.number, -1 - 10 * (index * 50 + i))
            for part, part_facts, part_ident in _by_project_lines(data, facts, ident, grid):
                rows = page_rows(part, numbers, self.number, grid, part_facts, self.scanned)
                self._emit(_with_fields(rows, grid, part_facts, part_ident), scan)
            for label in grid.unknown:
                scan.unknown.setdefault(label, [])
                if self.number not in scan.unknown[label]:
                    scan.unknown[label].append(self.number)
            scan.grid = grid
            self.last_facts = facts
        self.context, self.context_lines = [], []

    def carry_over(self, height: float, scan: _Scan) -> None:
        """An info block at the page's foot, after its last grid, names the project on the next page."""
        lines = [line for line in self.lines_above(height) if not is_page_footer(line)]
        cells, lines = self.context, self.context_lines + lines
        if best_fields(list(read_info(cells)[0].items()) + read_lines(lines)):
            scan.carry = (cells, lines)

    def _facts(self, grid: Grid, cells: list[Cell], lines: list[str], scan: _Scan) -> Facts:
        info, _, budget = read_info(cells)
        pairs = read_lines(lines) + list(info.items())
        fields = best_fields(pairs)
        titles = [t for t in lines if is_title(t)] + [c.text for c in cells if is_title(c.text)]
        if titles:
            scan.title = titles[-1]
        has_project = "project" in grid.keys or "project" in fields or "project_code" in fields
        kind = table_kind(scan.title, grid.keys, dict(pairs), has_project)
        return Facts(kind, dict(pairs), fields, budget)

    def _emit(self, rows: list[GridRow], scan: _Scan) -> None:
        if rows:
            self.found = True
            scan.rows.extend(rows)


_FIELD_KEYS = ("unit_name", "project_code", "project", "goal")


def _with_fields(rows: list[GridRow], grid: Grid, facts: Facts, ident: tuple[int, int]) -> list[GridRow]:
    """Rows of a grid whose project, unit or goal stand in an info block or in lines above it:
    each such field becomes one (virtual) merged cell over all the grid's rows. A grid with an
    info block of its own and no 项目名称 column is a block of its own, even when it names no project."""
    if not rows or not (facts.fields or facts.info):
        return rows
    extra = {k: facts.fields[k] for k in _FIELD_KEYS if k in facts.fields and k not in grid.keys}
    if facts.table_kind in DEPARTMENT_KINDS:
        extra.pop("project", None)
        extra.pop("project_code", None)
    if "project" not in grid.keys:
        extra.setdefault("project", "")
    if not extra:
        return rows
    refs = {
        key: CellRef(text, (ident[0], ident[1] - i), False, False)
        for i, (key, text) in enumerate(extra.items())
    }
    return [replace(r, cells={**r.cells, **refs}) for r in rows]


def _by_project_lines(
    data: list[Cell], facts: Facts, ident: tuple[int, int], grid: Grid
) -> list[tuple[list[Cell], Facts, tuple[int, int]]]:
    """A grid's data cells, cut where a line inside the grid names the next project (项目名称：…);
    each part with the facts its line gives. Most grids have no such line: one part; a grid with
    a 项目名称 column never has one."""
    if "project" in grid.keys:
        return [(data, facts, ident)]
    bands = project_bands(data)
    if not bands:  # the usual grid
        return [(data, facts, ident)]
    cuts = [top for top, _ in bands] + [float("inf")]
    parts = [([c for c in data if c.top < cuts[0] - 1.5], facts, ident)]
    for n, (top, bottom) in enumerate(bands):
        info, fields, _ = read_info([c for c in data if c.top >= top - 1.5 and c.bottom <= bottom + 1.5])
        part_facts = Facts(facts.table_kind, {**facts.info, **info}, {**facts.fields, **fields}, facts.budget)
        cells = [c for c in data if bottom - 1.5 <= c.top < cuts[n + 1] - 1.5]
        parts.append((cells, part_facts, (ident[0], ident[1] - 1000 * (n + 1))))
    return [p for p in parts if p[0]]


def _score_span(grid: Grid | None) -> tuple[float, float] | None:
    if grid is None:
        return None
    col = next((c for c in grid.columns if c.key == "score"), None)
    return (col.x0, col.x1) if col else None


def _note_unread_levels(table: Table, number: int, scan: _Scan) -> None:
    """A table naming indicator levels without the columns a grid needs: never a silent no_table."""
    labels = [
        c.text for c in table.cells if "级" in c.text and (m := header_meaning(c.text)) and m.key in LEVELS
    ]
    if labels:
        scan.notes.append(
            f"page {number}: a table names indicator levels ({'、'.join(sorted(set(labels)))}) "
            "but no 三级指标 or 指标值 column was recognised"
        )


def _read_page_header(lines: list[str], titles: list[str], scan: _Scan) -> None:
    """预算年度/金额单位/单位名称 printed above the table, or in title rows inside its grid."""
    for key, value in page_header_fields(lines + titles).items():
        scan.header.setdefault(key, value)


_COVER_YEAR = re.compile(r"(20\d{2})\s*年[^。，,；;]{0,16}预算")


def cover_year(text: str) -> str | None:
    """The budget year a cover or contents page names (`2025年部门预算`), when the table's own page does not."""
    m = _COVER_YEAR.search(unicodedata.normalize("NFKC", text))
    return m.group(1) if m else None


def _mentions_indicators(glyphs: list[Glyph]) -> bool:
    text = "".join(g.text for g in glyphs)
    return "三级指标" in text or ("二级指标" in text and "指标值" in text)


def _ranges(pages: list[int]) -> str:
    """[1, 2, 3, 7] → '1-3, 7'."""
    spans: list[list[int]] = []
    for p in pages:
        if spans and p == spans[-1][1] + 1:
            spans[-1][1] = p
        else:
            spans.append([p, p])
    return ", ".join(f"{a}-{b}" if a != b else str(a) for a, b in spans)
