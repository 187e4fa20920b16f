"""`jixiao report`: the workbook opens, its sheets are set up for WPS/Excel, and its counts agree
with `jixiao findings` under the same filters. Also `jixiao findings --unit-name/--year`.

The database is filled through `db.store` and `db.across` with hand-built records (no extractor);
tests/cli/test_report_archive.py runs the whole way from generated PDFs.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from db import across, intake, queries, results
from db.engine import make_engine, migrate
from pipeline.model import Document, Finding, Indicator, Project
from pipeline.validate import RULES, load_profile
from tests.cli.conftest import Invoke, Workspace
from tests.db.factories import sha

UNIT = "拉萨市信访局本级"
OTHER = "拉萨市财政局本级"
SHEETS = ["汇总", "问题清单", "跨年度", "自评情况", "扫描件", "规则说明"]
SEVERITY = {"错误": "error", "警告": "warning", "提示": "info"}


def ind(level3: str, target: str, operator: str = "≥", page: int = 1, level1: str = "产出指标") -> Indicator:
    return Indicator(level1, "数量指标", level3, False, operator, target, target, "次", 30.0, None, page)


def project(code: str, rows: tuple[Indicator, ...], unit: str = UNIT) -> Project:
    return Project(code, f"项目{code[-3:]}", "目标", unit, rows)


def filled_database(workspace: Workspace) -> None:
    """UNIT 2024 and 2025 (one project copied, one with a lowered target, one W2 error in 2025),
    OTHER 2025 with a 定性 row; then the cross-document checks, as `ingest` runs them."""
    engine = make_engine(workspace.database_url)
    migrate(engine)
    batch = intake.create_batch(engine, ["inputs"])
    store_dir = workspace.store
    store_dir.mkdir(parents=True, exist_ok=True)

    def save(label: str, document: Document, findings: tuple[Finding, ...] = ()) -> None:
        path = store_dir / f"{sha(label)}.pdf"
        path.write_bytes(b"%PDF-1.4 placeholder")
        intake.register(engine, batch, sha(label), f"{label}.pdf", str(path))
        results.save_outcome(engine, sha(label), document, findings, "test", {})

    copied = (ind("会议次数", "12"), ind("培训人次", "300"), ind("社会稳定性", "稳定", "定性", 2, "效益指标"))
    lowered_2024 = (ind("检查企业数量", "40"), ind("宣传次数", "6", page=2))
    lowered_2025 = (ind("检查企业数量", "30", page=3), ind("宣传次数", "6", page=3))
    save("a2024", Document(UNIT, 2024, "万元", 2, "ruled", (project("54000024R000000000001", copied),
                                                               project("54000024R000000000002", lowered_2024))))  # fmt: skip
    save(
        "a2025",
        Document(UNIT, 2025, "万元", 3, "ruled", (project("54000024R000000000001", copied),
                                                  project("54000024R000000000002", lowered_2025))),
        (Finding("W2", "error", "项目…权重合计60，应为90或100", "54000024R000000000002", 3),
         Finding("V3", "warning", "未填写度量单位", "54000024R000000000001", 1, 0, "会议次数")),
    )  # fmt: skip
    save(
        "b2025",
        Document(OTHER, 2025, "万元", 1, "ruled", (project("54000025R000000000009", copied[2:], OTHER),)),
        (Finding("S5", "error", "缺少产出指标", "54000025R000000000009", 1),),
    )
    across.refresh_all(engine, load_profile("national"))
    engine.dispose()


@pytest.fixture
def filled(workspace: Workspace) -> Workspace:
    filled_database(workspace)
    return workspace


def findings(jixiao: Invoke, *args: str) -> list[dict]:
    result = jixiao("findings", "--format", "jsonl", *args)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def table(ws: Worksheet) -> list[dict]:
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def report(jixiao: Invoke, out: Path, *args: str) -> dict[str, list[dict]]:
    result = jixiao("report", "--out", str(out), *args)
    assert result.exit_code == 0, result.output
    assert f"report written to {out}" in result.stderr
    wb = load_workbook(out)
    assert wb.sheetnames == SHEETS
    return {name: table(wb[name]) for name in SHEETS}


def test_every_sheet_has_a_frozen_filtered_chinese_header_and_sized_columns(
    filled: Workspace, jixiao: Invoke
) -> None:
    out = filled.root / "report.xlsx"
    report(jixiao, out)
    wb = load_workbook(out)
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2", ws.title
        assert ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}{ws.max_row}", ws.title
        headers = [c.value for c in ws[1]]
        assert all(any("\u4e00" <= ch <= "\u9fff" for ch in h) for h in headers), headers
        assert all(c.font.bold for c in ws[1])
        widths = [ws.column_dimensions[c.column_letter].width for c in ws[1]]
        assert all(6 <= w <= 68 for w in widths), (ws.title, widths)  # 68: a full SHA-256
        assert ws.print_title_rows == "$1:$1"
    message_width = wb["问题清单"].column_dimensions["J"].width
    assert message_width > wb["问题清单"].column_dimensions["B"].width  # 问题说明 is wider than 规则


def test_counts_agree_with_findings_on_the_same_filters(filled: Workspace, jixiao: Invoke) -> None:
    for args in ((), ("--year", "2025"), ("--unit-name", UNIT), ("--unit-name", UNIT, "--year", "2024")):
        listed = findings(jixiao, *args)
        sheets = report(jixiao, filled.root / f"r{len(args)}.xlsx", *args)
        by_severity = Counter(f["severity"] for f in listed)
        summary = sheets["汇总"]
        assert sum(r["错误"] for r in summary) == by_severity["error"], args
        assert sum(r["警告"] for r in summary) == by_severity["warning"], args
        assert sum(r["提示"] for r in summary) == by_severity["info"], args
        issues = sheets["问题清单"]
        assert [(r["文件SHA-256"], r["规则"], SEVERITY[r["级别"]], r["问题说明"]) for r in issues] == [
            (f["document_sha256"], f["rule"], f["severity"], f["message"]) for f in listed
        ], args
        assert len(sheets["跨年度"]) == sum(f["rule"] in ("Y1", "Y2", "Y3", "Y4") for f in listed), args
        rules = {r["规则"]: r["本报告问题数"] for r in sheets["规则说明"]}
        assert all(rules[rule] == n for rule, n in Counter(f["rule"] for f in listed).items())


def test_summary_figures_per_unit_and_year(filled: Workspace, jixiao: Invoke) -> None:
    summary = report(jixiao, filled.root / "r.xlsx")["汇总"]
    by_key = {(r["单位名称"], r["预算年度"]): r for r in summary}
    assert list(by_key) == [(UNIT, 2024), (UNIT, 2025), (OTHER, 2025)]  # by unit, then year
    a2025 = by_key[(UNIT, 2025)]
    assert (a2025["文件数"], a2025["项目数"], a2025["指标数"]) == (1, 2, 5)
    assert (a2025["错误"], a2025["警告"], a2025["提示"]) == (1, 2, 1)  # W2; V3 + Y2; Y1
    assert a2025["定量指标数"] == 4 and a2025["定量指标占比"] == pytest.approx(0.8)
    assert a2025["权重合规项目数"] == 1 and a2025["权重合规项目占比"] == pytest.approx(0.5)
    b2025 = by_key[(OTHER, 2025)]
    assert (b2025["定量指标占比"], b2025["权重合规项目占比"], b2025["错误"]) == (0, 1, 1)
    assert by_key[(UNIT, 2024)]["错误"] == 0 and by_key[(UNIT, 2024)]["提示"] == 0


def test_findings_link_to_the_stored_pdf_at_the_page(filled: Workspace, jixiao: Invoke) -> None:
    out = filled.root / "r.xlsx"
    report(jixiao, out)
    ws = load_workbook(out)["问题清单"]
    headers = [c.value for c in ws[1]]
    w2 = next(r for r in ws.iter_rows(min_row=2) if r[headers.index("规则")].value == "W2")
    link = w2[headers.index("文件名")].hyperlink.target
    assert link.endswith("#page=3") and w2[headers.index("页码")].hyperlink.target == link
    assert Path(unquote(urlparse(link).path)).read_bytes().startswith(b"%PDF")
    assert w2[headers.index("文件名")].value == "a2025.pdf"
    assert w2[headers.index("项目编码")].value == "54000024R000000000002"
    v3 = next(r for r in ws.iter_rows(min_row=2) if r[headers.index("规则")].value == "V3")
    assert (v3[headers.index("三级指标")].value, v3[headers.index("项目内行号")].value) == ("会议次数", 1)


def test_the_cross_year_sheet_names_the_year_compared_with(filled: Workspace, jixiao: Invoke) -> None:
    out = filled.root / "r.xlsx"
    rows = report(jixiao, out)["跨年度"]
    assert sorted(r["规则"] for r in rows) == ["Y1", "Y2"]
    y2 = next(r for r in rows if r["规则"] == "Y2")
    assert (y2["预算年度"], y2["对照年度"], y2["对照文件"], y2["三级指标"]) == (
        2025,
        2024,
        "a2024.pdf",
        "检查企业数量",
    )
    assert (y2["页码"], y2["项目内行号"], y2["对照页码"], y2["对照行号"]) == (3, 1, 1, 1)
    ws = load_workbook(out)["跨年度"]
    headers = [c.value for c in ws[1]]
    y2_cells = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "Y2")
    assert y2_cells[headers.index("对照文件")].hyperlink.target.endswith(f"{sha('a2024')}.pdf#page=1")


def test_rule_sheet_lists_exactly_the_registry(filled: Workspace, jixiao: Invoke) -> None:
    rules = report(jixiao, filled.root / "r.xlsx")["规则说明"]
    ids = [r["规则"] for r in rules]
    assert sorted(ids) == sorted(r.id for r in RULES) and len(ids) == len(set(ids))
    assert {"Y1", "Y2", "Y3", "Y4", "Y5"} <= set(ids)
    assert ids == sorted(ids, key=lambda i: ("SVDWEXYPO".index(i[0]), int(i[1:])))
    assert ids.index("W5") < ids.index("E1") < ids.index("E6") < ids.index("Y1")
    registry = {r.id: r for r in RULES}
    for row in rules:
        rule = registry[row["规则"]]
        assert (row["检查内容"], row["依据"]) == (rule.title, rule.basis)
        assert SEVERITY[row["默认级别"]] == rule.severity
    w2 = next(r for r in rules if r["规则"] == "W2")
    assert (w2["分组"], w2["默认级别"], w2["适用表格"]) == ("权重", "错误", "全部") and w2["依据"]
    e4 = next(r for r in rules if r["规则"] == "E4")
    assert (e4["分组"], e4["默认级别"], e4["适用表格"]) == ("自评表", "警告", "项目自评表、部门整体自评表")
    y5 = next(r for r in rules if r["规则"] == "Y5")
    assert y5["适用表格"] == "项目绩效目标表、部门整体绩效目标表"
    y2 = next(r for r in rules if r["规则"] == "Y2")
    assert (y2["分组"], y2["默认级别"], y2["本报告问题数"]) == ("跨年度与跨单位", "警告", 1)


def test_html_report_has_the_same_tables(filled: Workspace, jixiao: Invoke) -> None:
    out = filled.root / "report.html"
    result = jixiao("report", "--out", str(out), "--year", "2025")
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    same = filled.root / "same.xlsx"
    assert jixiao("report", "--out", str(same), "--year", "2025").exit_code == 0
    wb = load_workbook(same)
    for ws in wb.worksheets:
        assert f">{ws.title}（{ws.max_row - 1}）<" in text
    assert text.count("<tr>") == sum(ws.max_row for ws in wb.worksheets)
    assert f"问题清单（{len(findings(jixiao, '--year', '2025'))}）" in text
    assert "#page=3" in text and "年度：2025" in text


def test_findings_filters_agree_with_the_unfiltered_list(filled: Workspace, jixiao: Invoke) -> None:
    everything = findings(jixiao)
    engine = make_engine(filled.database_url)
    assert everything == list(queries.finding_rows(engine))  # same rows, same order as db.store
    engine.dispose()
    years = {d["sha256"]: d["budget_year"] for d in _documents(jixiao)}
    assert findings(jixiao, "--year", "2024") == [
        f for f in everything if years[f["document_sha256"]] == 2024
    ]
    assert findings(jixiao, "--unit-name", OTHER) == [
        f for f in everything if f["document_sha256"] == sha("b2025")
    ]
    assert findings(jixiao, "--unit-name", "没有这个单位") == []


def _documents(jixiao: Invoke) -> list[dict]:
    result = jixiao("documents", "--format", "jsonl")
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_report_needs_out_and_knows_its_formats(workspace: Workspace, jixiao: Invoke) -> None:
    assert jixiao("report").exit_code == 2
    assert jixiao("report", "--out", "x.xlsx", "--format", "pdf").exit_code == 2
    empty = workspace.root / "empty.xlsx"
    result = jixiao("report", "--out", str(empty))
    assert result.exit_code == 0
    wb = load_workbook(empty)
    assert [ws.max_row for ws in wb.worksheets][:3] == [1, 1, 1]  # headers only
