"""Rows of successive pages → project blocks, re-joining what a page break cut.

Within a page a merged cell is one cell, so rows sharing it share its text. Across a page
break the producer either repeats the merged text, leaves the cell blank, or prints the rest
of the text that did not fit. A cell at the top of a page is therefore read against the cell
that ran to the foot of the previous page:

- blank, or the same text          → the same value continues;
- a 项目名称 that starts a new CODE- → a new project (unless the previous code is incomplete);
- anything else                    → the rest of the cut text, appended.

Level names (一级/二级) are short: their rest is appended only when the two parts make a
known level name. Rows hold the value object, not its text, so every row of a merged cell
sees the text completed by later pages.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from pipeline.extract.context import Facts
from pipeline.extract.header import clean
from pipeline.extract.rows import CellRef, GridRow
from pipeline.model import EVALUATION_KINDS, PROJECT_TARGET, RawEvaluation, RawProject, RawRow

_CODE_NAME = re.compile(r"^[A-Za-z0-9]{6,}\s*[-－—–]")
_CODE_ONLY = re.compile(r"^[A-Za-z0-9]{6,}\s*[-－—–]?$")  # a code whose name the break moved on
_BARE_CODE = re.compile(r"[A-Za-z0-9]+")  # a code the page break cut before its name began
LEVEL_NAMES = frozenset(
    {
        "产出指标", "效益指标", "满意度指标", "成本指标", "效果指标",
        "数量指标", "质量指标", "时效指标", "进度指标",
        "经济成本指标", "社会成本指标", "生态环境成本指标",
        "经济效益指标", "社会效益指标", "生态效益指标", "环境效益指标", "可持续影响指标",
        "服务对象满意度指标", "社会公众或服务对象满意度指标",
    }
)  # fmt: skip

MERGED = ("unit_name", "unit_code", "project_code", "project", "amount", "goal", "level1", "level2")
_ATOMIC = ("unit_code", "project_code", "amount")  # short values: never cut, only repeated or new
_SENTENCE_END = ("。", "！", "；", ".", "!")


@dataclass
class _Value:
    """One merged cell's text, possibly spread over several pages."""

    text: str
    ident: tuple[int, int]
    open_at_bottom: bool
    ended_short: bool = False  # the last part's last line stopped short of the cell's edge

    def take(self, ref: CellRef, text: str | None = None) -> _Value:
        if text is not None:
            self.text = text
        self.ident, self.open_at_bottom, self.ended_short = ref.ident, ref.at_bottom, ref.ends_short
        return self


_Row = tuple[int, dict[str, str], dict[str, _Value], str, GridRow]


@dataclass
class _Block:
    rows: list[_Row]
    facts: list[Facts]  # of every grid the block's rows came from, in order


def stitch(rows: Iterable[GridRow]) -> list[RawProject]:
    """Project blocks in document order; rows keep their page."""
    blocks: list[_Block] = []
    values: dict[str, _Value] = {}
    for row in rows:
        new_project = _starts_project(values, row)
        if new_project or not blocks:
            blocks.append(_Block([], []))
        for key in MERGED:
            ref = row.cells.get(key)
            if ref is not None:
                values[key] = _next_value(values.get(key), ref, key, new_project)
        block = blocks[-1]
        if row.facts is not None and not any(f is row.facts for f in block.facts):
            block.facts.append(row.facts)
        own = {k: ref.text for k, ref in row.cells.items() if k not in MERGED}
        if not any(text.strip() for text in own.values()):
            continue  # only merged text cut off onto this page: it continued the values above
        block.rows.append((row.page, own, {k: values[k] for k in MERGED if k in row.cells}, row.period, row))
    return [_project(block) for block in blocks if block.rows]


def _continues(value: _Value | None, ref: CellRef) -> bool:
    """The cell opens a later page and the column's last cell ran to the foot of its page."""
    return value is not None and ref.at_top and value.open_at_bottom and ref.ident[0] > value.ident[0]


def _starts_project(values: dict[str, _Value], row: GridRow) -> bool:
    value, ref = values.get("project"), row.cells.get("project")
    if value is None:
        return True
    if ref is None or ref.ident == value.ident:
        return False
    if not _continues(value, ref):
        return True
    text, before = clean(_said(ref.text, value.text)), clean(value.text)
    if not text:
        return _fresh_group(values, row)
    if text == before or before.startswith(text) or text.startswith(before):
        return False  # repeated whole, or cut short (a repeat that did not fit its cell)
    if value.ended_short and not _CODE_ONLY.match(before):
        return True  # the name above ended before its cell's edge: whole, so this is another
    if _new_atomic_value(values, row) or _fresh_goal(values.get("goal"), row.cells.get("goal")):
        return True  # another code or amount, or a goal begun afresh after a finished one
    return bool(_CODE_NAME.match(text)) and not _BARE_CODE.fullmatch(before)


def _new_atomic_value(values: dict[str, _Value], row: GridRow) -> bool:
    for key in _ATOMIC:
        value, ref = values.get(key), row.cells.get(key)
        if value is not None and ref is not None and clean(ref.text) and clean(ref.text) != clean(value.text):
            return True
    return False


def _fresh_goal(value: _Value | None, ref: CellRef | None) -> bool:
    """The goal above ended a sentence and this one is another text, not its rest repeated."""
    if value is None or ref is None:
        return False
    before, after = clean(value.text), clean(_said(ref.text, value.text))
    return bool(after) and before.endswith(_SENTENCE_END) and not before.startswith(after) and after != before


def _fresh_group(values: dict[str, _Value], row: GridRow) -> bool:
    """A blank 项目名称 at a page top under a 单位名称 printed again in full: a new block whose
    project has no name — but only when the rest of the group is printed afresh too.

    Producers that move a whole merged group to the next page (reportlab) print every merged
    cell afresh there: the unit, a whole new goal and a 一级 name. A project cut by the break
    shows its unit again too, but its goal blank, repeated or going on with the rest of its
    text, and its 一级 blank: that project keeps its name.
    """
    unit, ref = values.get("unit_name"), row.cells.get("unit_name")
    if unit is None or ref is None or ref.ident == unit.ident:
        return False
    if not clean(ref.text) or clean(ref.text) != clean(unit.text):
        return False
    level1 = row.cells.get("level1")
    if level1 is None or not clean(level1.text):
        return False  # the group goes on: its 一级 was not printed again
    goal, goal_ref = values.get("goal"), row.cells.get("goal")
    if goal is None or goal_ref is None or not clean(goal_ref.text):
        return goal_ref is None
    return clean(goal_ref.text) != clean(goal.text)


def _said(text: str, before: str) -> str:
    """The text, or nothing when it holds marks alone (—, ）, ·) that close nothing the text before
    left open: a pen's stroke read across the cell. A name's closing bracket may wrap onto the
    next page alone (…（2023年延续项目 | ）)."""
    if any(ch.isalnum() for ch in text):
        return text
    opened = sum(before.count(o) - before.count(c) for o, c in _PAIRS)
    return text if opened > 0 and any(c in text for _, c in _PAIRS) else ""


_PAIRS = (("（", "）"), ("(", ")"), ("【", "】"), ("[", "]"), ("“", "”"), ("《", "》"))


def _next_value(value: _Value | None, ref: CellRef, key: str, new_project: bool) -> _Value:
    if value is not None and ref.ident == value.ident:
        return value
    fresh = _Value(ref.text, ref.ident, ref.at_bottom, ref.ends_short)
    if value is None or not _continues(value, ref):
        return fresh
    if new_project and key != "unit_name":
        return fresh
    before, after = clean(value.text), clean(_said(ref.text, value.text))
    if not after or before == after or before.startswith(after):
        return value.take(ref)
    if after.startswith(before):
        return value.take(ref, ref.text)  # the earlier page showed a cut-off copy
    if key == "unit_name" and new_project:
        return fresh
    if key in ("level1", "level2"):
        if before + after in LEVEL_NAMES:
            return value.take(ref, value.text + ref.text)
        if after + before in LEVEL_NAMES:  # text set at 90° reads upwards: its start went to the next page
            return value.take(ref, ref.text + value.text)
        return fresh
    return value.take(ref, value.text + ref.text)


def _project(block: _Block) -> RawProject:
    rows = tuple(
        RawRow(page, {**own, **{k: v.text for k, v in merged.items()}}, period, grid.confidence, grid.ocr)
        for page, own, merged, period, grid in block.rows
    )
    merged = block.rows[0][2]
    kind = next((f.table_kind for f in block.facts if f.table_kind), PROJECT_TARGET)
    info: dict[str, str] = {}
    for facts in block.facts:
        for label, value in facts.info.items():
            info.setdefault(label, value)
    return RawProject(
        unit_name=merged["unit_name"].text if "unit_name" in merged else "",
        project=merged["project"].text if "project" in merged else "",
        goal=merged["goal"].text if "goal" in merged else "",
        rows=rows,
        code=merged["project_code"].text if "project_code" in merged else "",
        table_kind=kind,
        info=info,
        evaluation=_evaluation(block.facts) if kind in EVALUATION_KINDS else None,
    )


def _evaluation(facts: list[Facts]) -> RawEvaluation:
    """The budget block of the first grid that has one; the last 总分 and 评价结论 printed."""
    budget = next((f.budget for f in facts if f.budget), [])
    total = next((f.total for f in reversed(facts) if f.total), "")
    conclusion = next((f.conclusion for f in reversed(facts) if f.conclusion), "")
    return RawEvaluation(tuple(dict(line) for line in budget), total, conclusion)
