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
from dataclasses import dataclass, field

import pypdfium2 as pdfium

from pipeline.errors import ExtractionError, ScannedPdfError
from pipeline.extract.captions import captioned, captions
from pipeline.extract.grid import fill_cells, find_tables, line_text, lines_of, take_spill
from pipeline.extract.header import page_header_fields
from pipeline.extract.objects import Glyph, read_page
from pipeline.extract.pdf import open_pdf
from pipeline.extract.rows import Columns, GridRow, continues, page_rows, read_header
from pipeline.extract.stitch import stitch
from pipeline.model import Extraction
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
    columns: Columns | None = None
    notes: list[str] = field(default_factory=list)
    textless: list[int] = field(default_factory=list)  # pages without a text layer (scans)
    cover_year: str | None = None  # "2025年…预算" on a page before the table: the last resort
    early: dict[str, str] = field(default_factory=dict)  # 预算年度… printed on a page before the table's


def extract(
    data: bytes, settings: ExtractSettings | None = None, progress: Progress = no_progress
) -> Extraction:
    settings = settings or ExtractSettings()
    pdf = open_pdf(data)
    try:
        n_pages = len(pdf)
        scan = _Scan()
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
            f"scanned PDF: none of its {n_pages} pages has a text layer; "
            "OCR of scans is not supported yet — ask the unit for the system-exported PDF"
        )
    if scan.textless:
        scan.notes.append(f"pages without a text layer (scans?) skipped: {_ranges(scan.textless)}")
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
    )


def _read_page(page: pdfium.PdfPage, number: int, settings: ExtractSettings, scan: _Scan) -> None:
    objs = read_page(page)
    if not objs.glyphs:
        scan.textless.append(number)  # an image-only page: the OCR reader will take these
        return
    tables = find_tables(objs.edges, settings.snap_tolerance)
    outside = take_spill(tables, fill_cells(tables, objs.glyphs, settings.dedupe_tolerance), objs.height)
    found = False
    above_from = 0.0  # captions of a table stand between the previous table and it
    for index, table in enumerate(tables):
        table_top, table_bottom = min(c.top for c in table.cells), max(c.bottom for c in table.cells)
        caption_from, above_from = above_from, table_bottom
        header = read_header(table, settings.min_header_hits)
        if header is not None:
            scan.columns, header_bottom = header
            titles = [c.text for c in table.cells if c.bottom <= header_bottom and c.text]
            _read_page_header(outside, table_top, titles, scan)
        elif scan.columns is not None and continues(table, scan.columns):
            header_bottom = min(c.top for c in table.cells)
        else:
            continue
        rows = page_rows(table, number, scan.columns, header_bottom)
        if rows and "project" not in scan.columns:
            between = [g for g in outside if g.top >= caption_from - 1 and g.bottom <= table_top + 1]
            caption = captions([_spaced_line(line) for line in lines_of(between)])
            rows = captioned(rows, caption, (number, -1 - 10 * index))
        if rows:
            found = True
            scan.rows.extend(rows)
    if found:
        scan.table_pages.append(number)
    elif not scan.rows:
        # a browser moves a table whose first group does not fit to the next page, leaving its
        # title and 预算年度 line behind on a page of their own
        for key, value in page_header_fields([_spaced_line(line) for line in lines_of(outside)]).items():
            scan.early.setdefault(key, value)
        if scan.cover_year is None:
            scan.cover_year = cover_year("".join(g.text for g in outside))
    elif not tables and _mentions_indicators(objs.glyphs):
        scan.notes.append(
            f"page {number}: indicator headers without ruling lines (borderless tables are not read)"
        )


def _read_page_header(outside: list[Glyph], table_top: float, titles: list[str], scan: _Scan) -> None:
    """预算年度/金额单位/单位名称 printed above the table, or in title rows inside its grid."""
    above = lines_of([g for g in outside if g.bottom <= table_top + 1])
    lines = [_spaced_line(line) for line in above] + titles
    for key, value in page_header_fields(lines).items():
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
