"""`jixiao report` and scans: O1/O2 findings in 问题清单 with their page and cell box, rows read
by OCR and low-confidence cells per unit and year in 汇总, and the 扫描件 sheet — each document
read from page images, linked to the page of its least sure row. The database is filled with
hand-built records (no extractor); the findings are what validation makes of them."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from openpyxl import load_workbook

from db import intake, results
from db.engine import make_engine, migrate
from db.reporting import scan_summaries
from jixiao.report import box_text
from pipeline.model import Document, Indicator, Project
from pipeline.validate import validate
from tests.cli.conftest import Invoke, Workspace
from tests.cli.test_report import SHEETS, report
from tests.db.factories import sha

UNIT = "拉萨市信访局本级"
OTHER = "拉萨市财政局本级"
SURE = 0.98


def row(
    level3: str, page: int, operator: str = "≥", target: str = "95", low: dict[str, float] | None = None
) -> Indicator:
    """A row read from a page image: every cell at SURE, those named in `low` at their confidence."""
    boxes = {
        "level3": (200.4, 120.0, 300.2, 138.6),
        "operator": (300.2, 120.0, 330.0, 138.6),
        "target": (330.0, 120.0, 400.0, 138.6),
    }
    cells = {k: ((low or {}).get(k, SURE), box) for k, box in boxes.items()}
    return Indicator(
        "产出指标", "数量指标", level3, False, operator, target, None, "%", 30.0, None, page,
        raw={"level3": level3, "operator": operator, "target": target},
        ocr_confidence=min(c for c, _ in cells.values()), ocr_cells=cells,
    )  # fmt: skip


def text_row(level3: str) -> Indicator:
    return Indicator("产出指标", "数量指标", level3, False, "≥", "90", None, "%", 30.0, None, 1)


def scanned_document() -> Document:
    rows = (
        row("培训覆盖率", 1),
        row("检查完成率", 2, target="0.8", low={"target": 0.62}),  # O1 on 指标值
        row("宣传次数", 2, operator="≥", target="12", low={"operator": 0.55}),  # O1 and O2 on 指标性质
    )
    project = Project("54000025R000000000007", "信访业务培训", "目标", UNIT, rows)
    return Document(UNIT, 2025, "万元", 3, "ruled", (project,), ocr_pages=2)


def text_document() -> Document:
    project = Project("54000025R000000000009", "财政监督", "目标", OTHER, (text_row("检查户数"),))
    return Document(OTHER, 2025, "万元", 1, "ruled", (project,))


@pytest.fixture
def scanned(workspace: Workspace) -> Workspace:
    engine = make_engine(workspace.database_url)
    migrate(engine)
    batch = intake.create_batch(engine, ["inputs"])
    workspace.store.mkdir(parents=True, exist_ok=True)
    for label, document in (("s2025", scanned_document()), ("t2025", text_document())):
        path = workspace.store / f"{sha(label)}.pdf"
        path.write_bytes(b"%PDF-1.4 placeholder")
        intake.register(engine, batch, sha(label), f"{label}.pdf", str(path))
        results.save_outcome(engine, sha(label), document, validate(document), "test", {})
    engine.dispose()
    return workspace


def test_the_scanned_document_makes_o_findings() -> None:
    found = sorted((f.rule, f.level3, f.page) for f in validate(scanned_document()) if f.rule[0] == "O")
    assert found == [("O1", "宣传次数", 2), ("O1", "检查完成率", 2), ("O2", "宣传次数", 2)]
    assert not [f for f in validate(text_document()) if f.rule[0] == "O"]


def test_o_findings_in_the_issue_list_with_page_and_box(scanned: Workspace, jixiao: Invoke) -> None:
    out = scanned.root / "r.xlsx"
    issues = report(jixiao, out)["问题清单"]
    o = sorted(
        (r["规则"], r["三级指标"], r["页码"], r["单元格位置(磅)"]) for r in issues if r["规则"][0] == "O"
    )
    assert o == [
        ("O1", "宣传次数", 2, "(300, 120)–(330, 139)"),
        ("O1", "检查完成率", 2, "(330, 120)–(400, 139)"),
        ("O2", "宣传次数", 2, "(300, 120)–(330, 139)"),
    ]
    assert all(r["级别"] == "警告" for r in issues if r["规则"][0] == "O")
    assert all(r["单元格位置(磅)"] is None for r in issues if r["规则"][0] != "O")
    ws = load_workbook(out)["问题清单"]
    headers = [c.value for c in ws[1]]
    o1 = next(r for r in ws.iter_rows(min_row=2) if r[headers.index("规则")].value == "O1")
    box_link = o1[headers.index("单元格位置(磅)")].hyperlink.target
    assert box_link == o1[headers.index("页码")].hyperlink.target and box_link.endswith("#page=2")


def test_the_summary_counts_scanned_rows_and_low_cells(scanned: Workspace, jixiao: Invoke) -> None:
    summary = {r["单位名称"]: r for r in report(jixiao, scanned.root / "r.xlsx")["汇总"]}
    s, t = summary[UNIT], summary[OTHER]
    assert (s["扫描识别行数"], s["低置信度单元格(O1)"], s["运算符待核(O2)"]) == (3, 2, 1)
    assert s["最低识别置信度"] == pytest.approx(0.55)
    assert (t["扫描识别行数"], t["最低识别置信度"], t["低置信度单元格(O1)"], t["运算符待核(O2)"]) == (
        0,
        None,
        0,
        0,
    )
    # the O findings are warnings among the others
    assert s["警告"] >= s["低置信度单元格(O1)"] + s["运算符待核(O2)"]


def test_the_scan_sheet_lists_documents_read_from_images(scanned: Workspace, jixiao: Invoke) -> None:
    assert SHEETS.index("扫描件") == SHEETS.index("规则说明") - 1
    out = scanned.root / "r.xlsx"
    (s,) = report(jixiao, out)["扫描件"]  # the text-layer document is not listed
    assert (s["单位名称"], s["预算年度"], s["文件名"], s["页数"], s["扫描页数"]) == (
        UNIT,
        2025,
        "s2025.pdf",
        3,
        2,
    )
    assert (s["指标数"], s["扫描识别行数"], s["最低置信度所在页"]) == (3, 3, 2)
    assert s["最低识别置信度"] == pytest.approx(0.55)
    assert (s["低置信度单元格(O1)"], s["运算符待核(O2)"], s["文件SHA-256"]) == (2, 1, sha("s2025"))
    ws = load_workbook(out)["扫描件"]
    headers = [c.value for c in ws[1]]
    link = ws.cell(2, headers.index("文件名") + 1).hyperlink.target
    assert (
        link.endswith("#page=2")
        and ws.cell(2, headers.index("最低置信度所在页") + 1).hyperlink.target == link
    )
    assert Path(unquote(urlparse(link).path)).read_bytes().startswith(b"%PDF")
    assert ws.cell(2, headers.index("最低识别置信度") + 1).number_format == "0.000"


def test_the_scan_sheet_follows_the_filters(scanned: Workspace, jixiao: Invoke) -> None:
    out = scanned.root / "r.xlsx"
    assert len(report(jixiao, out, "--unit-name", UNIT)["扫描件"]) == 1
    assert report(jixiao, out, "--unit-name", OTHER)["扫描件"] == []
    assert report(jixiao, out, "--year", "2024")["扫描件"] == []
    html = scanned.root / "r.html"
    assert jixiao("report", "--out", str(html), "--format", "html").exit_code == 0
    text = html.read_text(encoding="utf-8")
    assert "扫描件（1）" in text and '<td class="num">0.550</td>' in text


def test_scan_summaries_read_what_was_stored(scanned: Workspace) -> None:
    engine = make_engine(scanned.database_url)
    try:
        (s,) = scan_summaries(engine)
        assert (s.document_sha256, s.ocr_pages, s.ocr_rows, s.lowest_page, s.low_cells) == (
            sha("s2025"),
            2,
            3,
            2,
            2,
        )
        assert scan_summaries(engine, year=2023) == []
    finally:
        engine.dispose()


def test_a_document_with_scanned_pages_but_no_rows_read_from_them(workspace: Workspace) -> None:
    """A digital table after a scanned cover: listed (pages read from images), no OCR rows, no lowest."""
    engine = make_engine(workspace.database_url)
    migrate(engine)
    try:
        batch = intake.create_batch(engine, ["inputs"])
        intake.register(engine, batch, sha("cover"), "cover.pdf", "cover.pdf")
        document = replace(text_document(), ocr_pages=1, pages=2)
        results.save_outcome(engine, sha("cover"), document, (), "t", {})
        (s,) = scan_summaries(engine)
        assert (s.ocr_pages, s.ocr_rows, s.lowest, s.lowest_page, s.unit_name) == (1, 0, None, None, OTHER)
    finally:
        engine.dispose()


def test_box_text() -> None:
    assert box_text((72, 140, 131, 158)) == "(72, 140)–(131, 158)"
