"""Writers for `jixiao export`: JSON lines, CSV and an Excel workbook of indicator rows.

The rows come from the database already in contract order (`db.store.export_rows`), the
columns from `db.store.EXPORT_KEYS`; these functions only decide how a format spells a value.
"""

from __future__ import annotations

import csv
import json
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import chain, islice
from pathlib import Path
from typing import Any, TextIO

WIDTH_SAMPLE_ROWS = 1000  # rows looked at to size the xlsx columns
MAX_COLUMN_WIDTH = 60  # xlsx characters; longer text (goals) wraps in the cell
MIN_COLUMN_WIDTH = 6
LIST_SEPARATOR = "; "  # a list (a document's notes) in one csv or xlsx cell


def write_jsonl(rows: Iterable[Mapping[str, Any]], out: TextIO) -> int:
    """One JSON object per line, Chinese as is (not \\u-escaped). Returns the row count."""
    n = 0
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False, default=str))
        out.write("\n")
        n += 1
    return n


def write_csv(rows: Iterable[Mapping[str, Any]], out: TextIO, columns: Sequence[str]) -> int:
    """A header in contract order, then one line per row; null is an empty field."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    n = 0
    for row in rows:
        writer.writerow([csv_value(row.get(c)) for c in columns])
        n += 1
    return n


def csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):  # a document's notes: one cell
        return LIST_SEPARATOR.join(csv_value(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def write_xlsx(rows: Iterable[Mapping[str, Any]], path: Path, columns: Sequence[str]) -> int:
    """A workbook with a frozen, filterable header row and columns sized for Chinese text.

    Streams (openpyxl write-only mode): column widths are taken from the first
    `WIDTH_SAMPLE_ROWS` rows, which are held back until the widths are set.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("indicators")
    iterator: Iterator[Mapping[str, Any]] = iter(rows)
    sample = list(islice(iterator, WIDTH_SAMPLE_ROWS))
    for i, column in enumerate(columns, start=1):
        width = max([display_width(column)] + [display_width(xlsx_value(r.get(column))) for r in sample])
        ws.column_dimensions[get_column_letter(i)].width = min(
            MAX_COLUMN_WIDTH, max(MIN_COLUMN_WIDTH, width + 2)
        )
    ws.freeze_panes = "A2"

    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(ws, value=column)
        cell.font = bold
        header.append(cell)
    ws.append(header)

    wrap = Alignment(wrap_text=True, vertical="top")
    n = 0
    for row in chain(sample, iterator):
        cells = []
        for column in columns:
            value = xlsx_value(row.get(column))
            cell = WriteOnlyCell(ws, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula: the operator "=" and targets are text
                if display_width(value) > MAX_COLUMN_WIDTH:
                    cell.alignment = wrap
            cells.append(cell)
        ws.append(cells)
        n += 1
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{n + 1}"  # written when the sheet closes
    wb.save(path)
    return n


def xlsx_value(value: Any) -> Any:
    """Numbers and booleans stay typed; text loses characters Excel cannot store."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, list | tuple):
        value = LIST_SEPARATOR.join(str(v) for v in value)
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", str(value))


def display_width(value: Any) -> int:
    """Columns a value takes on screen: CJK and full-width characters count double."""
    if value is None:
        return 0
    text = str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)
