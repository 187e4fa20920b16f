"""Grids captioned with `label：value` lines (项目名称, 绩效目标, 主管部门 …) instead of columns."""

from __future__ import annotations

from fpdf import FPDF

from pipeline.extract import extract
from pipeline.extract.context import best_fields, read_lines
from pipeline.extract.header import page_header_fields
from pipeline.normalize import normalize
from tests.fixtures.fonts import cjk_font

HEADER = ["一级指标", "二级指标", "三级指标", "绩效指标性质", "绩效指标值", "度量单位", "权重"]
WIDTHS = [70, 80, 110, 60, 70, 50, 40]
PROJECTS = [
    ("54000021R000000005055-工资性支出", "保障工资及时，足额发放（2025年）。", [("产出指标", "数量指标", "人员覆盖率", "=", "100", "%", "50"),
                                                          ("满意度指标", "服务对象满意度指标", "受益对象满意度", "≥", "90", "%", "40")]),
    ("54000021R000000005088-其他社会保险缴费（单位部分）", "足额缴纳社保。", [("产出指标", "时效指标", "及时支付率", "=", "100", "%", "90")]),
]  # fmt: skip


def grid(pdf: FPDF, top: float, rows: list[tuple[str, ...]], header: bool = True) -> float:
    """Ruled rows of the columns in WIDTHS from `top`, the header first; the y under them."""
    y = top
    for cells in [tuple(HEADER), *rows] if header else rows:
        x = 40.0
        for text, width in zip(cells, WIDTHS, strict=True):
            pdf.rect(x, y, width, 18)
            pdf.set_xy(x + 2, y + 4)
            pdf.cell(width - 4, 10, text)
            x += width
        y += 18
    return y


def captioned_pdf() -> bytes:
    pdf = FPDF(orientation="L", unit="pt", format="A4")
    pdf.add_font("cjk", fname=str(cjk_font().path))
    pdf.set_font("cjk", size=8)
    pdf.add_page()
    pdf.set_xy(300, 20)
    pdf.cell(200, 14, "项目支出绩效目标表")
    pdf.set_xy(40, 40)
    pdf.cell(300, 12, "预算年度：2025    单位名称：拉萨市信访局（本级）")
    y = 70.0
    for name, goal, rows in PROJECTS:
        for line in (f"项目名称：{name}", f"绩效目标：{goal}"):
            pdf.set_xy(40, y)
            pdf.cell(400, 12, line)
            y += 14
        y = grid(pdf, y + 4, rows) + 20
    return bytes(pdf.output())


def test_captions_name_the_project_and_goal_of_the_grid_below() -> None:
    doc = normalize(extract(captioned_pdf()))
    got = [(p.code, p.name, p.goal, [i.level3 for i in p.indicators]) for p in doc.projects]
    want = [(n.split("-")[0], n.split("-", 1)[1], g, [r[2] for r in rows]) for n, g, rows in PROJECTS]
    assert got == want
    assert doc.budget_year == 2025 and doc.unit_name == "拉萨市信访局（本级）"
    assert [i.weight for p in doc.projects for i in p.indicators] == [50, 40, 90]


def captions(lines: list[str]) -> dict[str, str]:
    return best_fields(read_lines(lines))


def test_a_wrapped_goal_caption_is_joined() -> None:
    assert captions(["项目名称：A123456-经费", "绩效目标：保障运转，", "减少结余。", "其他"]) == {
        "project": "A123456-经费",
        "goal": "保障运转，减少结余。其他",
    }


def test_captions_are_matched_folded_and_kept_as_printed() -> None:
    """`项目名称:` / `绩效目标：` with either colon; the values keep their full-width punctuation."""
    assert captions(
        ["项目名称:５４０１２３４５６－经费（第一批）", "⽬标：x", "年度绩效目标：保障运转；减少结余（3项）"]
    ) == {
        "project": "５４０１２３４５６－经费（第一批）⽬标：x",
        "goal": "保障运转；减少结余（3项）",
    }


def test_page_header_values_are_cut_out_as_printed() -> None:
    found = page_header_fields(["预算年度：２０２５年    单位名称：拉萨市信访局（本级）   金额单位：万元"])
    assert found["year"] == "2025"  # a number: read folded
    assert found["unit_name"] == "拉萨市信访局（本级）"
    assert found["amount_unit"] == "万元"
    assert page_header_fields(["部门（单位）名称：拉萨市財政局"])["unit_name"] == "拉萨市財政局"


def test_a_scan_s_colon_read_as_a_point_after_a_header_label() -> None:
    assert page_header_fields(["预算年度．2025.", "金额单位·万元"]) == {"year": "2025", "amount_unit": "万元"}


def test_a_scan_s_colon_read_as_a_point_after_a_second_label_on_the_line() -> None:
    """Seed 39's unit-code-2025-odd: 金额单位's colon read as ．; the unit's name stopped running on
    into it (日喀则市水利局本级金额单位．万元 on every row)."""
    assert read_lines(["单位名称：日喀则市水利局本级   金额单位．万元"]) == [
        ("单位名称", "日喀则市水利局本级"),
        ("金额单位", "万元"),
    ]
    assert read_lines(["项目名称：办公费1.5万元"]) == [("项目名称", "办公费1.5万元")]
    # seed 57's info-lines-2023-flow: 整体目标's colon read as ；, the goal left unread
    assert read_lines(["整体目标；按期完成学前教育资助项目年度工作任务；资金使用规范。"]) == [
        ("整体目标", "按期完成学前教育资助项目年度工作任务；资金使用规范。")
    ]
    # seed 70's ubo-2023: two specks before the goal's label read as a colon; the goal ran on into
    # the project's name above it
    assert read_lines(
        ["项目名称：54010021R000001230738-学前教育资助经费", "：年度绩效目标：根据拉财行【2019】20号文件精神"]
    ) == [
        ("项目名称", "54010021R000001230738-学前教育资助经费"),
        ("年度绩效目标", "根据拉财行【2019】20号文件精神"),
    ]


def test_a_label_misread_by_one_character_leading_its_line_is_still_its_label() -> None:
    """Seed 74's info-lines-2023-flow (150-dpi bitonal photocopy): 项目名称 read 项目名郡, and the
    project's code and name ran on into the unit's name above it on 18 rows; a misread label
    leads its line, a value's words before a colon further on stay the value's."""
    assert read_lines(
        ["单位信息:[033051]那曲市疾病预防控制中心", "项目名郡:54060020T000001775532-基层医疗卫生机构运行项目"]
    ) == [
        ("单位信息", "[033051]那曲市疾病预防控制中心"),
        ("项目名称", "54060020T000001775532-基层医疗卫生机构运行项目"),
    ]
    assert read_lines(["项目编郡：54060020T000001775532"])[0][0] in (
        "项目编码",
        "项目编号",
    )  # one thing either way
    assert read_lines(["整体目标：提升能力， 项目名郡：培训经费"]) == [
        ("整体目标", "提升能力， 项目名郡：培训经费")
    ]


def test_several_labels_on_one_line_and_the_unit_from_the_best_label() -> None:
    pairs = read_lines(
        [
            "单位信息：某某局    项目名称：培训经费",
            "主管部门：市财政局   项目经办人：张三",
            "整体目标：提升能力，",
            "保障运转。",
        ]
    )
    assert pairs == [("单位信息", "某某局"), ("项目名称", "培训经费"), ("主管部门", "市财政局"), ("项目经办人", "张三"),
                     ("整体目标", "提升能力，保障运转。")]  # fmt: skip
    assert best_fields(pairs) == {
        "unit_name": "某某局",
        "project": "培训经费",
        "goal": "提升能力，保障运转。",
    }


def grid_with_project_lines() -> bytes:
    """One ruled grid for all projects: a line across the grid names each project above its rows."""
    pdf = FPDF(orientation="L", unit="pt", format="A4")
    pdf.add_font("cjk", fname=str(cjk_font().path))
    pdf.set_font("cjk", size=8)
    pdf.add_page()
    pdf.set_xy(300, 20)
    pdf.cell(200, 14, "2025年项目支出绩效目标表")
    y, width = grid(pdf, 50.0, []), sum(WIDTHS)
    for name, goal, rows in PROJECTS:
        pdf.rect(40, y, width, 18)
        pdf.set_xy(42, y + 4)
        pdf.cell(width - 4, 10, f"项目名称：{name}    绩效目标：{goal}")
        y = grid(pdf, y + 18, rows, header=False)
    return bytes(pdf.output())


def test_lines_across_one_grid_name_the_project_of_the_rows_under_them() -> None:
    doc = normalize(extract(grid_with_project_lines()))
    got = [(p.code, p.name, p.goal, [i.level3 for i in p.indicators]) for p in doc.projects]
    want = [(n.split("-")[0], n.split("-", 1)[1], g, [r[2] for r in rows]) for n, g, rows in PROJECTS]
    assert got == want and doc.budget_year == 2025
