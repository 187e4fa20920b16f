"""Project blocks captioned above their grid: `项目名称：CODE-NAME` and `绩效目标：…` as text lines.

Some exports print one small indicator grid per project and name the project, and its goal,
in lines above the grid instead of in columns. The caption then plays the part of the merged
项目名称/绩效目标 cells: every row of the grid below it belongs to that project.
"""

from __future__ import annotations

import re

from pipeline.extract.header import fold_aligned
from pipeline.extract.rows import CellRef, GridRow

_CAPTION = re.compile(r"^\s*(项目名称|年度绩效目标|项目绩效目标|绩效目标)\s*[:：]\s*(.*)$")
_KEYS = {"项目名称": "project", "年度绩效目标": "goal", "项目绩效目标": "goal", "绩效目标": "goal"}


def captions(lines: list[str]) -> dict[str, str]:
    """{"project": …, "goal": …} from caption lines; a caption's wrapped lines are joined to it."""
    found: dict[str, str] = {}
    current: str | None = None
    for raw in lines:
        line = raw.strip()
        m = _CAPTION.match(fold_aligned(line))  # matched folded, the text kept as printed
        if m:
            current = _KEYS[m.group(1)]
            found[current] = line[m.start(2) : m.end(2)].strip()
        elif current is not None and line:
            found[current] += line
    return {k: v for k, v in found.items() if v}


def captioned(rows: list[GridRow], caption: dict[str, str], ident: tuple[int, int]) -> list[GridRow]:
    """The rows with the caption's fields as cells of one (virtual) merged cell each."""
    if not caption:
        return rows
    return [
        GridRow(
            row.page,
            {
                **row.cells,
                **{
                    key: CellRef(text, (ident[0], ident[1] - i), False, False)
                    for i, (key, text) in enumerate(caption.items())
                },
            },
        )
        for row in rows
    ]
