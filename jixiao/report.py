"""`jixiao report`: the findings report for a finance bureau, as an Excel workbook or an HTML page.

Six tables, the same in both formats:
- 汇总 — per unit and year: files, projects, indicators, errors, warnings, hints, the share of
  quantified indicators and the share of projects whose weights are right (`db.reporting`); the
  rows read from scans (OCR), their lowest confidence, and the O1 (low-confidence cells) and O2
  (operators the image did not decide) findings;
- 问题清单 — every finding, with links to the stored PDF at its page; an O finding also gives the
  cell's box on the page, in points (x0, top, x1, bottom from the page's top left);
- 跨年度 — the cross-document findings (Y1–Y4) with the document each one was compared with;
- 自评情况 — per unit and year, each stored self-evaluation (a project's or a department's): 总分,
  评价结论 and the grades it and the 总分 stand for, the budget execution rate (computed, and as
  printed), indicators met / not met / not judged, the sum of the row scores
  (`db.reporting.evaluation_summaries`);
- 扫描件 — each document read from page images: pages read so, rows read by OCR, the lowest
  confidence and the page it is on (linked), O1/O2 findings (`db.reporting.scan_summaries`);
- 规则说明 — every rule of the registry (`pipeline.validate.RULES`, Y1–Y4 and E1–E6 included): id,
  group, the tables it judges, severity, what it checks and its basis.

The workbook is made to open cleanly in WPS and Excel: Chinese headers, sized columns, a frozen
and filterable header row on every sheet, text never taken for a formula. Links are `file:` URIs
with `#page=N`, which PDF viewers in browsers honour (desktop readers open page 1).
"""

from __future__ import annotations

import html
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Engine

from db.reporting import (
    EvaluationSummary,
    FindingDetail,
    ScanSummary,
    UnitSummary,
    document_paths,
    evaluation_summaries,
    finding_details,
    scan_summaries,
    unit_summaries,
)
from jixiao.export import display_width, xlsx_value
from pipeline.model import TABLE_KINDS
from pipeline.validate import RULES
from pipeline.validate.registry import ALL_KINDS, GROUP_ORDER

Format = Literal["xlsx", "html"]
SEVERITY_LABELS = {"error": "错误", "warning": "警告", "info": "提示"}
GROUP_LABELS = {
    "S": "结构",
    "V": "取值与指标性质",
    "D": "指标方向",
    "W": "权重",
    "E": "自评表",
    "X": "与同一文件其他表格的一致性",
    "Y": "跨年度与跨单位",
    "P": "提取完整性",
    "O": "扫描件识别",
}
KIND_LABELS = {
    "project_target": "项目绩效目标表",
    "department_target": "部门整体绩效目标表",
    "project_evaluation": "项目自评表",
    "department_evaluation": "部门整体自评表",
}
CONFIDENCE = "0.000"  # number format of an OCR confidence (0–1)
MAX_WIDTH = 60
MIN_WIDTH = 6
WIDTH_SAMPLE = 500
LINE_HEIGHT = 15.0  # points per line of 11-pt text
MAX_ROW_HEIGHT = 409.0  # Excel's limit
FILTER_BUTTON = 3  # characters the auto-filter arrow covers in a header cell


@dataclass(frozen=True)
class Link:
    """A cell that links somewhere."""

    text: Any
    url: str | None


@dataclass(frozen=True)
class Column:
    header: str
    number_format: str | None = None
    wrap: bool = False
    width: float | None = None  # fixed width in characters (else sized to the content)


@dataclass
class Table:
    name: str
    columns: tuple[Column, ...]
    rows: list[list[Any]] = field(default_factory=list)


@dataclass(frozen=True)
class ReportCounts:
    """What the report holds, for the command's closing line and for tests."""

    units: int
    findings: int
    cross: int
    by_severity: dict[str, int]
    evaluations: int = 0  # self-evaluations listed
    scans: int = 0  # documents read from page images


# --------------------------------------------------------------------------- building


def build_tables(
    engine: Engine,
    unit_name: str | None = None,
    year: int | None = None,
    batch_id: int | None = None,
    links: bool = True,
) -> tuple[list[Table], ReportCounts]:
    """The report's tables for the unit/year/batch (None: all); `links`: each row's link to its
    stored PDF (`file:` URIs of this machine: off where the report leaves it, over HTTP)."""
    scope = {"unit_name": unit_name, "year": year, "batch_id": batch_id}
    summaries = unit_summaries(engine, **scope)
    details = list(finding_details(engine, **scope))
    related = {r["sha256"] for d in details if d.cross for r in (d.subject or {}).get("related", [])}
    paths = document_paths(engine, related) if links else {}
    evaluations = evaluation_summaries(engine, **scope)
    scans = scan_summaries(engine, **scope)
    if not links:
        details = [replace(d, store_path=None) for d in details]
        evaluations = [replace(e, store_path=None) for e in evaluations]
        scans = [replace(s, store_path=None) for s in scans]
    tables = [
        _summary(summaries),
        _findings(details),
        _cross([d for d in details if d.cross], paths),
        _evaluations(evaluations),
        _scans(scans),
        _rules(Counter(d.rule for d in details)),
    ]
    counts = ReportCounts(
        units=len(summaries),
        findings=len(details),
        cross=sum(d.cross for d in details),
        by_severity=dict(Counter(d.severity for d in details)),
        evaluations=len(evaluations),
        scans=len(scans),
    )
    return tables, counts


def pdf_link(store_path: str | None, page: int | None) -> str | None:
    """A `file:` URI of the stored PDF, at `page` when known."""
    if not store_path:
        return None
    uri = Path(store_path).resolve().as_uri()
    return f"{uri}#page={page}" if page else uri


def _label(value: str | None, missing: str) -> str:
    return value if value else missing


def _summary(summaries: Sequence[UnitSummary]) -> Table:
    table = Table(
        "汇总",
        (
            Column("单位名称"),
            Column("预算年度"),
            Column("文件数"),
            Column("项目数"),
            Column("指标数"),
            Column("错误"),
            Column("警告"),
            Column("提示"),
            Column("定量指标数"),
            Column("定量指标占比", "0.0%"),
            Column("权重合规项目数"),
            Column("权重合规项目占比", "0.0%"),
            Column("扫描识别行数"),
            Column("最低识别置信度", CONFIDENCE),
            Column("低置信度单元格(O1)"),
            Column("运算符待核(O2)"),
        ),
    )
    for s in summaries:
        table.rows.append(
            [
                _label(s.unit_name, "（未识别单位）"),
                s.budget_year,
                s.documents,
                s.projects,
                s.indicators,
                s.errors,
                s.warnings,
                s.infos,
                s.quantified,
                s.quantified_share,
                s.weights_ok,
                s.weights_ok_share,
                s.ocr_rows,
                s.ocr_lowest,
                s.low_cells,
                s.undecided_operators,
            ]
        )
    return table


def _row_number(row: int | None) -> int | None:
    return None if row is None else row + 1


def _findings(details: Iterable[FindingDetail]) -> Table:
    table = Table(
        "问题清单",
        (
            Column("级别"),
            Column("规则"),
            Column("单位名称"),
            Column("预算年度"),
            Column("项目编码"),
            Column("项目名称"),
            Column("三级指标"),
            Column("页码"),
            Column("项目内行号"),
            Column("问题说明", wrap=True),
            Column("单元格位置(磅)"),
            Column("文件名"),
            Column("文件SHA-256", width=68),
            Column("类别"),
        ),
    )
    for d in details:
        link = pdf_link(d.store_path, d.page)
        box = d.cell_box
        table.rows.append(
            [
                SEVERITY_LABELS.get(d.severity, d.severity),
                d.rule,
                d.unit_name,
                d.budget_year,
                d.project_code,
                d.project_name,
                d.level3,
                Link(d.page, link) if d.page else None,
                _row_number(d.row),
                d.message,
                Link(box_text(box), link) if box else None,
                Link(d.source_name, link),
                d.document_sha256,
                "跨文件" if d.cross else "本文件",
            ]
        )
    return table


def _cross(details: Iterable[FindingDetail], paths: dict[str, str]) -> Table:
    table = Table(
        "跨年度",
        (
            Column("规则"),
            Column("级别"),
            Column("单位名称"),
            Column("预算年度"),
            Column("项目编码"),
            Column("项目名称"),
            Column("三级指标"),
            Column("页码"),
            Column("项目内行号"),
            Column("问题说明", wrap=True),
            Column("文件名"),
            Column("对照年度"),
            Column("对照文件"),
            Column("对照页码"),
            Column("对照行号"),
        ),
    )
    for d in details:
        link = pdf_link(d.store_path, d.page)
        related = (d.subject or {}).get("related") or [{}]
        for other in related:  # one line per document compared with (Y4 compares with many: none named)
            other_link = pdf_link(paths.get(other.get("sha256", "")), other.get("page"))
            table.rows.append(
                [
                    d.rule,
                    SEVERITY_LABELS.get(d.severity, d.severity),
                    d.unit_name,
                    d.budget_year,
                    d.project_code,
                    d.project_name,
                    d.level3,
                    Link(d.page, link) if d.page else None,
                    _row_number(d.row),
                    d.message,
                    Link(d.source_name, link),
                    other.get("budget_year"),
                    Link(other.get("source_name"), other_link) if other.get("source_name") else None,
                    Link(other.get("page"), other_link) if other.get("page") else None,
                    _row_number(other.get("row")),
                ]
            )
    return table


def _evaluations(evaluations: Iterable[EvaluationSummary]) -> Table:
    table = Table(
        "自评情况",
        (
            Column("单位名称"),
            Column("预算年度"),
            Column("表格"),
            Column("项目编码"),
            Column("项目名称"),
            Column("总分"),
            Column("评价结论", wrap=True),
            Column("结论等级"),
            Column("按总分等级"),
            Column("预算执行率", "0.0%"),
            Column("执行率（表中）"),
            Column("指标数"),
            Column("达成指标数"),
            Column("未达成指标数"),
            Column("未判定指标数"),
            Column("指标得分合计"),
            Column("文件名"),
            Column("页码"),
        ),
    )
    for e in evaluations:
        link = pdf_link(e.store_path, e.page)
        table.rows.append(
            [
                e.unit_name,
                e.budget_year,
                KIND_LABELS.get(e.table_kind, e.table_kind),
                e.project_code,
                "（部门整体）" if e.project_name is None else e.project_name,
                e.total_score,
                e.conclusion,
                e.grade,
                e.score_grade,
                e.execution_rate,
                e.printed_rate,
                e.indicators,
                e.met,
                e.not_met,
                e.unjudged,
                e.row_scores,
                Link(e.source_name, link),
                Link(e.page, link) if e.page else None,
            ]
        )
    return table


def box_text(box: tuple[int, int, int, int]) -> str:
    """A cell's box as the 问题清单 shows it: ``x0, top – x1, bottom`` in points from the page's top left."""
    x0, top, x1, bottom = box
    return f"({x0}, {top})–({x1}, {bottom})"


def _scans(scans: Iterable[ScanSummary]) -> Table:
    table = Table(
        "扫描件",
        (
            Column("单位名称"),
            Column("预算年度"),
            Column("文件名"),
            Column("页数"),
            Column("扫描页数"),
            Column("指标数"),
            Column("扫描识别行数"),
            Column("最低识别置信度", CONFIDENCE),
            Column("最低置信度所在页"),
            Column("低置信度单元格(O1)"),
            Column("运算符待核(O2)"),
            Column("文件SHA-256", width=68),
        ),
    )
    for s in scans:
        link = pdf_link(s.store_path, s.lowest_page)
        table.rows.append(
            [
                _label(s.unit_name, "（未识别单位）"),
                s.budget_year,
                Link(s.source_name, link),
                s.pages,
                s.ocr_pages,
                s.indicators,
                s.ocr_rows,
                s.lowest,
                Link(s.lowest_page, link) if s.lowest_page else None,
                s.low_cells,
                s.undecided_operators,
                s.document_sha256,
            ]
        )
    return table


def _rules(found: Counter[str]) -> Table:
    table = Table(
        "规则说明",
        (
            Column("规则"),
            Column("分组"),
            Column("适用表格", wrap=True),
            Column("默认级别"),
            Column("检查内容", wrap=True),
            Column("依据"),
            Column("本报告问题数"),
        ),
    )
    for rule in sorted(RULES, key=lambda r: (GROUP_ORDER.index(r.group), int(r.id[1:]))):
        kinds = (
            "全部"
            if rule.kinds == ALL_KINDS
            else "、".join(KIND_LABELS[k] for k in TABLE_KINDS if k in rule.kinds)
        )
        table.rows.append(
            [
                rule.id,
                GROUP_LABELS.get(rule.group, rule.group),
                kinds,
                SEVERITY_LABELS.get(rule.severity, rule.severity),
                rule.title,
                rule.basis,
                found.get(rule.id, 0),
            ]
        )
    return table


# --------------------------------------------------------------------------- writing


def write_report(
    engine: Engine,
    out: Path,
    fmt: Format = "xlsx",
    unit_name: str | None = None,
    year: int | None = None,
    batch_id: int | None = None,
    links: bool = True,
) -> ReportCounts:
    """Build the report for the unit/year/batch (None: all) and write it to `out`."""
    tables, counts = build_tables(engine, unit_name=unit_name, year=year, batch_id=batch_id, links=links)
    parts = (
        f"单位：{unit_name}" if unit_name else "",
        f"年度：{year}" if year else "",
        f"批次：{batch_id}" if batch_id is not None else "",
    )
    scope = "，".join(part for part in parts if part) or "全部单位和年度"
    if fmt == "html":
        write_html(tables, out, scope)
    else:
        write_xlsx(tables, out, scope)
    return counts


def _text(value: Any) -> Any:
    return value.text if isinstance(value, Link) else value


def _width(table: Table, index: int) -> float:
    column = table.columns[index]
    sample = (display_width(xlsx_value(_text(r[index]))) for r in table.rows[:WIDTH_SAMPLE])
    widest = max([display_width(column.header) + FILTER_BUTTON, *sample])
    if column.number_format:
        widest = max(widest, 8)
    return min(MAX_WIDTH, max(MIN_WIDTH, widest + 2))


def _lines(value: Any, width: float) -> int:
    """Lines a wrapped text cell needs at `width` characters (CJK counts double)."""
    text = xlsx_value(_text(value))
    if not isinstance(text, str) or not text:
        return 1
    return max(1, math.ceil(display_width(text) / max(1.0, width - 2)))


def write_xlsx(tables: Sequence[Table], out: Path, scope: str) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.title = "项目支出绩效目标审核报告"
    wb.properties.subject = scope
    wb.properties.creator = "jixiao"
    header_font = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    link_font = Font(color="0563C1", underline="single")
    wrap = Alignment(wrap_text=True, vertical="top")
    top = Alignment(vertical="top")
    for table in tables:
        ws = wb.create_sheet(table.name)
        widths = [column.width or _width(table, i) for i, column in enumerate(table.columns)]
        for i, width in enumerate(widths):
            ws.column_dimensions[get_column_letter(i + 1)].width = width
        ws.append([c.header for c in table.columns])
        for cell in ws[1]:
            cell.font, cell.fill = header_font, header_fill
        for row, values in enumerate(table.rows, start=2):
            lines = 1
            for col, (value, column, width) in enumerate(zip(values, table.columns, widths, strict=True), 1):
                cell = ws.cell(row, col, xlsx_value(_text(value)))
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # a message or name that starts with "=" stays text
                if isinstance(value, Link) and value.url:
                    cell.hyperlink = value.url
                    cell.font = link_font
                if column.number_format:
                    cell.number_format = column.number_format
                cell.alignment = wrap if column.wrap else top
                if column.wrap:
                    lines = max(lines, _lines(value, width))
            if lines > 1:  # not every reader grows rows to fit wrapped text by itself
                ws.row_dimensions[row].height = min(MAX_ROW_HEIGHT, LINE_HEIGHT * lines)
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = f"A1:{get_column_letter(len(table.columns))}{len(table.rows) + 1}"
        ws.print_title_rows = "1:1"
        ws.page_setup.orientation = "landscape"
    wb.save(out)


_HTML = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>项目支出绩效目标审核报告</title>
<style>
body {{ font-family: "Microsoft YaHei", "PingFang SC", "WenQuanYi Zen Hei", sans-serif; margin: 1.5em; }}
nav a {{ margin-right: 1.2em; }}
table {{ border-collapse: collapse; margin-bottom: 2.5em; font-size: 13px; }}
th, td {{ border: 1px solid #c8c8c8; padding: 3px 6px; vertical-align: top; }}
th {{ background: #ddebf7; position: sticky; top: 0; }}
td.num {{ text-align: right; }}
td.wrap {{ max-width: 40em; }}
</style>
</head>
<body>
<h1>项目支出绩效目标审核报告</h1>
<p>范围：{scope}；生成时间：{generated}</p>
<nav>{nav}</nav>
{sections}
</body>
</html>
"""


def _html_cell(value: Any, column: Column) -> str:
    text = _text(value)
    if text is None:
        shown = ""
    elif column.number_format == "0.0%" and isinstance(text, float):
        shown = f"{text:.1%}"
    elif column.number_format == CONFIDENCE and isinstance(text, float):
        shown = f"{text:.3f}"
    else:
        shown = html.escape(str(text))
    if isinstance(value, Link) and value.url and shown:
        shown = f'<a href="{html.escape(value.url)}">{shown}</a>'
    classes = "num" if isinstance(text, int | float) and not isinstance(text, bool) else ""
    if column.wrap:
        classes = "wrap"
    return f'<td class="{classes}">{shown}</td>' if classes else f"<td>{shown}</td>"


def write_html(tables: Sequence[Table], out: Path, scope: str) -> None:
    sections = []
    for i, table in enumerate(tables):
        head = "".join(f"<th>{html.escape(c.header)}</th>" for c in table.columns)
        body = "\n".join(
            "<tr>" + "".join(_html_cell(v, c) for v, c in zip(row, table.columns, strict=True)) + "</tr>"
            for row in table.rows
        )
        sections.append(
            f'<h2 id="t{i}">{html.escape(table.name)}（{len(table.rows)}）</h2>\n'
            f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>"
        )
    nav = "".join(f'<a href="#t{i}">{html.escape(t.name)}</a>' for i, t in enumerate(tables))
    out.write_text(
        _HTML.format(
            scope=html.escape(scope),
            generated=datetime.now().astimezone().strftime("%Y-%m-%d %H:%M"),
            nav=nav,
            sections="\n".join(sections),
        ),
        encoding="utf-8",
    )
