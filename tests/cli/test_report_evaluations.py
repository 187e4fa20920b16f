"""`jixiao report`: the 自评情况 sheet — each stored self-evaluation with its 总分, grades, budget
execution rate, indicators met / not met and the sum of its row scores; and the E rules' findings
in the other sheets. The database is filled with hand-built records (no extractor)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from openpyxl import load_workbook

from db import intake, results
from db.engine import make_engine, migrate
from db.reporting import evaluation_summaries
from pipeline.model import (
    DEPARTMENT_EVALUATION,
    MIDTERM,
    PROJECT_EVALUATION,
    BudgetLine,
    Document,
    Evaluation,
    Indicator,
    Project,
)
from pipeline.validate import validate
from tests.cli.conftest import Invoke, Workspace
from tests.cli.test_report import SHEETS, report
from tests.db.factories import sha

UNIT = "拉萨市信访局本级"
OTHER = "拉萨市财政局本级"


def row(
    level3: str,
    target: str,
    actual: str | None,
    score: float | None,
    weight: float = 30.0,
    operator: str = "≥",
    level1: str = "产出指标",
    period: str = "annual",
    reason: str = "",
) -> Indicator:
    return Indicator(
        level1, "数量指标", level3, False, operator, target, None, "%", weight, None, 2,
        raw={"reason": reason}, period=period, actual=actual, score=score,
    )  # fmt: skip


def block(executed: float, total: float | None, conclusion: str | None, budget: float = 200.0) -> Evaluation:
    lines = (
        BudgetLine("年度资金总额", 200.0, budget, executed, 10.0, f"{executed / budget:.0%}", 10.0),
        BudgetLine("其中：本年财政拨款", 150.0, 150.0, 150.0, None, "100%", None),
    )
    return Evaluation(budget=lines, total_score=total, conclusion=conclusion)


def project_evaluation() -> Project:
    rows = (
        row("培训覆盖率", "95", "96%", 30.0),  # met
        row("检查完成率", "90", "80%", 30.0),  # missed, full marks: E3; no reason: E5
        row(
            "群众获得感", "提升", "明显提升", 15.0, weight=30.0, operator="定性", level1="效益指标"
        ),  # not full
        row("检查完成率", "98", None, None, period=MIDTERM),  # the 中期 target: not counted
    )
    return Project(
        "54000025R000000000007", "信访业务培训", "目标", UNIT, rows,
        table_kind=PROJECT_EVALUATION, evaluation=block(190.0, 85.0, "优"),  # 85 is 良: E6
    )  # fmt: skip


def department_evaluation() -> Project:
    rows = (
        row("办结率", "90", "92%", 45.0, weight=45.0),
        row("满意度", "90", "达到预期", 45.0, weight=45.0, level1="满意度指标"),  # words: full marks
    )
    return Project(
        None, "", "部门整体目标", OTHER, rows,
        table_kind=DEPARTMENT_EVALUATION, evaluation=block(100.0, 100.0, "自评等级为优", budget=100.0),
    )  # fmt: skip


def target() -> Project:
    return Project("54000025R000000000008", "项目目标", "目标", UNIT, (row("培训人次", "300", "200", 30.0),))


@pytest.fixture
def evaluated(workspace: Workspace) -> Workspace:
    engine = make_engine(workspace.database_url)
    migrate(engine)
    batch = intake.create_batch(engine, ["inputs"])
    workspace.store.mkdir(parents=True, exist_ok=True)
    documents = {
        "e2025": Document(UNIT, 2025, "万元", 3, "ruled", (target(), project_evaluation())),
        "d2024": Document(OTHER, 2024, "万元", 2, "ruled", (department_evaluation(),)),
    }
    for label, document in documents.items():
        path = workspace.store / f"{sha(label)}.pdf"
        path.write_bytes(b"%PDF-1.4 placeholder")
        intake.register(engine, batch, sha(label), f"{label}.pdf", str(path))
        results.save_outcome(engine, sha(label), document, validate(document), "test", {})
    engine.dispose()
    return workspace


def test_the_evaluation_sheet_lists_each_self_evaluation(evaluated: Workspace, jixiao: Invoke) -> None:
    assert SHEETS.index("自评情况") == SHEETS.index("跨年度") + 1
    sheets = report(jixiao, evaluated.root / "r.xlsx")
    rows = sheets["自评情况"]
    assert [(r["单位名称"], r["预算年度"], r["表格"]) for r in rows] == [
        (UNIT, 2025, "项目自评表"),
        (OTHER, 2024, "部门整体自评表"),
    ]  # by unit (拉萨市信访局 before 拉萨市财政局 in code point order), then year; no target table
    p, d = rows
    assert (p["项目编码"], p["项目名称"], p["总分"], p["评价结论"]) == (
        "54000025R000000000007",
        "信访业务培训",
        85,
        "优",
    )
    assert (p["结论等级"], p["按总分等级"]) == ("优", "良")
    assert p["预算执行率"] == pytest.approx(0.95) and p["执行率（表中）"] == "95%"
    assert (p["指标数"], p["达成指标数"], p["未达成指标数"], p["未判定指标数"]) == (3, 1, 2, 0)
    assert p["指标得分合计"] == 75  # and the block's 10 make the 总分 85
    assert (d["项目编码"], d["项目名称"], d["结论等级"], d["按总分等级"]) == (
        None,
        "（部门整体）",
        "优",
        "优",
    )
    assert (d["达成指标数"], d["未达成指标数"], d["指标得分合计"], d["预算执行率"]) == (2, 0, 90, 1)


def test_the_evaluation_sheet_links_to_the_page_and_follows_the_filters(
    evaluated: Workspace, jixiao: Invoke
) -> None:
    out = evaluated.root / "r.xlsx"
    report(jixiao, out, "--year", "2025")
    ws = load_workbook(out)["自评情况"]
    headers = [c.value for c in ws[1]]
    (first,) = list(ws.iter_rows(min_row=2))
    link = first[headers.index("文件名")].hyperlink.target
    assert link.endswith("#page=2") and first[headers.index("文件名")].value == "e2025.pdf"
    assert Path(unquote(urlparse(link).path)).read_bytes().startswith(b"%PDF")
    assert ws.cell(2, headers.index("预算执行率") + 1).number_format == "0.0%"
    assert [r["单位名称"] for r in report(jixiao, out, "--unit-name", OTHER)["自评情况"]] == [OTHER]
    assert report(jixiao, out, "--unit-name", "没有这个单位")["自评情况"] == []


def test_the_e_rules_findings_reach_the_report(evaluated: Workspace, jixiao: Invoke) -> None:
    sheets = report(jixiao, evaluated.root / "r.xlsx")
    issues = sheets["问题清单"]
    e_rules = sorted((r["规则"], r["三级指标"]) for r in issues if r["规则"].startswith("E"))
    assert e_rules == [("E3", "检查完成率"), ("E5", "检查完成率"), ("E6", None)]
    counts = {r["规则"]: r["本报告问题数"] for r in sheets["规则说明"]}
    assert (counts["E3"], counts["E6"], counts["E1"]) == (1, 1, 0)


def test_html_report_carries_the_evaluation_table(evaluated: Workspace, jixiao: Invoke) -> None:
    out = evaluated.root / "r.html"
    assert jixiao("report", "--out", str(out)).exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert "自评情况（2）" in text and "<td>（部门整体）</td>" in text and "95.0%" in text


def test_evaluation_summaries_read_what_was_stored(evaluated: Workspace) -> None:
    engine = make_engine(evaluated.database_url)
    try:
        (p,) = evaluation_summaries(engine, unit_name=UNIT)
        assert (p.document_sha256, p.page, p.unjudged, p.printed_rate) == (sha("e2025"), 2, 0, "95%")
        assert evaluation_summaries(engine, year=2023) == []
        (d,) = evaluation_summaries(engine, year=2024)
        assert d.project_name is None and d.table_kind == DEPARTMENT_EVALUATION
    finally:
        engine.dispose()


def test_a_stored_evaluation_without_a_budget_block_or_rows(workspace: Workspace) -> None:
    engine = make_engine(workspace.database_url)
    migrate(engine)
    try:
        batch = intake.create_batch(engine, ["inputs"])
        bare = replace(project_evaluation(), evaluation=None, indicators=(row("a", "1", "x", None),))
        intake.register(engine, batch, sha("bare"), "bare.pdf", "bare.pdf")
        results.save_outcome(
            engine, sha("bare"), Document(UNIT, 2025, None, 1, "ruled", (bare,)), (), "t", {}
        )
        (e,) = evaluation_summaries(engine)
        assert (e.total_score, e.grade, e.score_grade, e.execution_rate, e.printed_rate) == (None,) * 5
        assert (e.indicators, e.met, e.not_met, e.unjudged, e.row_scores) == (1, 0, 0, 1, None)
    finally:
        engine.dispose()
