"""Header cells → columns, on hand-made grids: flat, spanning, side-by-side, under an info block."""

from __future__ import annotations

from pipeline.extract.grid import Cell, Table
from pipeline.extract.grids import find_grids, unsplit
from pipeline.extract.objects import Glyph
from pipeline.extract.vocabulary import exact_meaning, near_header


def cell(x0: float, top: float, x1: float, bottom: float, text: str) -> Cell:
    """A cell whose text is laid out on one line from its left edge."""
    glyphs = [Glyph(ch, x0 + 1 + 8 * i, top + 1, x0 + 9 + 8 * i, top + 9) for i, ch in enumerate(text)]
    return Cell(x0, top, x1, bottom, glyphs)


def row(top: float, labels: list[str], width: float = 100, bottom: float | None = None) -> list[Cell]:
    return [cell(width * i, top, width * (i + 1), bottom or top + 20, t) for i, t in enumerate(labels)]


def slots(table: Table) -> list[tuple[str, str | None, float]]:
    (grid,) = find_grids(table, 3)
    return [(c.key, c.period, c.x0) for c in sorted(grid.columns, key=lambda c: c.x0)]


def test_flat_header_maps_every_column() -> None:
    labels = ["单位名称", "项目名称", "绩效目标", "一级指标", "二级指标", "三级指标", "绩效指标性质",
              "绩效指标值", "本年绩效指标值", "绩效度量单位", "权重", "本年权重"]  # fmt: skip
    (grid,) = find_grids(Table(row(0, labels) + [cell(0, 20, 100, 40, "")]), 3)
    assert [c.key for c in grid.columns] == ["unit_name", "project", "goal", "level1", "level2", "level3",
                                            "operator", "target", "target_this_year", "measure_unit",
                                            "weight", "weight_this_year"]  # fmt: skip
    assert grid.bottom == 20 and grid.unknown == ()


def test_values_and_weights_under_a_spanning_this_year_header() -> None:
    """全年 | 本年 groups over 绩效指标值 | 权重 pairs: the 本年 pair is the this-year columns."""
    cells = [
        cell(0, 0, 100, 40, "三级指标"),
        cell(100, 0, 200, 40, "二级指标"),
        cell(200, 0, 400, 20, "全年"),
        cell(400, 0, 600, 20, "本年"),
        *row(20, ["", "", "绩效指标值", "权重", "绩效指标值", "权重"])[2:],
        cell(0, 40, 100, 60, "人员覆盖率"),
    ]
    assert slots(Table(cells)) == [
        ("level3", None, 0), ("level2", None, 100), ("target", None, 200), ("weight", None, 300),
        ("target_this_year", None, 400), ("weight_this_year", None, 500),
    ]  # fmt: skip


def test_a_money_table_is_not_a_performance_header() -> None:
    assert find_grids(Table(row(0, ["科目编码", "科目名称", "合计"])), 3) == []


def test_a_spanning_annual_value_over_operator_value_and_unit() -> None:
    cells = [
        cell(0, 0, 100, 40, "一级指标"),
        cell(100, 0, 200, 40, "二级指标"),
        cell(200, 0, 300, 40, "三级指标"),
        cell(300, 0, 600, 20, "年度指标值"),
        *row(20, ["", "", "", "指标性质", "指标值", "度量单位"])[3:],
    ]
    assert [k for k, _, _ in slots(Table(cells))] == [
        "level1",
        "level2",
        "level3",
        "operator",
        "target",
        "measure_unit",
    ]


def test_midterm_and_annual_groups_side_by_side() -> None:
    cells = [
        cell(0, 0, 100, 40, "一级指标"),
        cell(100, 0, 400, 20, "中期目标"),
        cell(400, 0, 700, 20, "年度目标"),
        *row(20, ["", "二级指标", "三级指标", "指标值", "二级指标", "三级指标", "指标值"])[1:],
    ]
    assert slots(Table(cells)) == [
        ("level1", None, 0), ("level2", "midterm", 100), ("level3", "midterm", 200), ("target", "midterm", 300),
        ("level2", "annual", 400), ("level3", "annual", 500), ("target", "annual", 600),
    ]  # fmt: skip


def test_two_sets_of_levels_without_group_headers_are_midterm_then_annual() -> None:
    labels = ["绩效指标", "一级 指标", "二级 指标", "三级 指标", "指标值(或计划水平)", "二级 指标", "三级 指标",
              "计划指标值(或计划水平)"]  # fmt: skip
    got = slots(Table(row(0, labels)))
    assert [p for _, p, _ in got] == [None, "midterm", "midterm", "midterm", "annual", "annual", "annual"]
    assert [k for k, _, _ in got] == ["level1", "level2", "level3", "target", "level2", "level3", "target"]


def test_a_header_under_an_info_block_with_a_side_label_and_unknown_column() -> None:
    cells = [
        cell(0, 0, 100, 20, "项目名称"),
        cell(100, 0, 600, 20, "某某专项经费"),
        cell(0, 20, 100, 80, "本年度绩效指标"),  # the side label runs on into the data
        *row(20, ["", "一级指标", "二级指标", "三级指标", "指标值及单位", "神秘列"])[1:],
        *row(40, ["", "产出指标", "数量指标", "培训人数", "≥100人", "x"])[1:],
    ]
    (grid,) = find_grids(Table(cells), 3)
    assert [c.key for c in grid.columns] == ["level1", "level2", "level3", "target"]
    assert grid.top == 20 and grid.bottom == 40 and grid.unknown == ("神秘列",)


def test_self_evaluation_columns_and_the_prior_year_actual() -> None:
    labels = [
        "一级指标",
        "二级指标",
        "三级指标",
        "分值",
        "年度\n指标值",
        "全年实际值",
        "得分",
        "未完成原因及拟采取的改进措施",
    ]
    assert [k for k, _, _ in slots(Table(row(0, labels)))] == [
        "level1", "level2", "level3", "weight", "target", "actual", "score", "reason",
    ]  # fmt: skip
    cells = [
        *row(0, ["绩效指标", "一级指标", "二级指标", "三级指标"], bottom=40),
        cell(400, 0, 600, 20, "指标值"),
        cell(400, 20, 500, 40, "2021年实际实现值"),
        cell(500, 20, 600, 40, "预期2022年实现值"),
    ]
    assert [k for k, _, _ in slots(Table(cells))] == ["level1", "level2", "level3", "prior", "target"]


def test_a_repeated_header_starts_a_second_grid() -> None:
    labels = ["一级指标", "二级指标", "三级指标", "指标值"]
    cells = (
        row(0, labels)
        + row(20, ["产出指标", "数量指标", "a", "1"])
        + row(40, labels)
        + row(60, ["产出指标", "数量指标", "b", "2"])
    )
    assert [g.bottom for g in find_grids(Table(cells), 3)] == [20, 60]


def test_every_header_word_passes_the_cheap_filter() -> None:
    """Cells are only looked up when they carry a hint: no header word of the vocabulary may lack one."""
    from pipeline.extract.grids import _HINTS
    from pipeline.extract.vocabulary import _EXACT

    assert [k for k in _EXACT if not any(h in k for h in _HINTS)] == []


def test_every_level_word_passes_the_level_filter() -> None:
    from pipeline.extract.grids import _LEVEL_HINT
    from pipeline.extract.vocabulary import _EXACT, LEVELS

    assert [k for k, m in _EXACT.items() if m.key in LEVELS and not _LEVEL_HINT.search(k)] == []


def test_a_speck_read_beside_a_header_word_leaves_its_meaning() -> None:
    """A scan's speck before or after a header label is read as · or .: the column is still known."""
    from pipeline.extract.vocabulary import header_meaning

    want = header_meaning("项目名称")
    assert want is not None
    assert [
        header_meaning(t) for t in ("·项目名称", ".项目名称", "项目名称·", "项目名称：.", "：项目名称")
    ] == [want] * 5
    assert header_meaning("·") is None
    # a speck read as 、 after it, a pen's stroke read as ! or | before it (seed 13)
    assert [header_meaning(t) for t in ("项目名称、", "项目名称，", "!项目名称", "|项目名称")] == [want] * 4
    # … or between two of its characters (seed 56's rl-landscape-unit-above: 项目.名称 on a photocopy)
    assert [header_meaning(t) for t in ("项目.名称", "项目·名称", "项目．名称")] == [want] * 3


def test_a_level_header_with_its_level_character_dropped_is_still_that_level() -> None:
    """The recogniser skips 级 in 三级指标 now and then (a 150-dpi photocopy): 三指标 is no other header."""
    from pipeline.extract.vocabulary import header_meaning

    assert [getattr(header_meaning(t), "key", None) for t in ("三指标", "一指标", "二指标")] == [
        "level3",
        "level1",
        "level2",
    ]
    assert header_meaning("三") is None


def test_a_pen_stroke_read_after_a_header_label_leaves_its_meaning() -> None:
    """A stroke through the header cell, read as A/ after 三级指标 (or a zigzag, as AA: seed 39's
    midterm-planned-2024 lost its annual 三级指标 column and half its rows): the column is still
    三级指标."""
    from pipeline.extract.vocabulary import header_meaning

    assert header_meaning("三级指标A/") == header_meaning("三级指标")
    assert header_meaning("三级指标AA") == header_meaning("三级指标") is not None
    # and before it: seed 37's calc-symbol-2024-flow, page 3 (二级指标 Y | /> 三级指标): once
    # 二级指标 Y was understood, the header without its 三级指标 lost the level 3 of 11 rows
    assert header_meaning("/> 三级指标") == header_meaning("三级指标")
    assert header_meaning("A/") is None
    # seed 45's var-department-then-projects, page 3: a pen's dash after 项目名称 lost the column
    assert header_meaning("项目名称—") == header_meaning("项目名称") is not None


def test_a_header_cell_of_two_words_over_two_columns_is_split_where_the_body_parts() -> None:
    """A poor copy lost the rule between 二级指标 and 三级指标 across the header row only (seed 13's
    writer-landscape-long-project): the body's cells still part at 260."""
    header = [cell(0, 0, 100, 20, "项目名称"), cell(100, 0, 200, 20, "一级指标"),
              cell(200, 0, 350, 20, "二级指标三级指标"), cell(350, 0, 450, 20, "指标值")]  # fmt: skip
    body = [cell(0, 20, 100, 40, "x"), cell(100, 20, 200, 40, "产出指标"), cell(200, 20, 260, 40, "数量指标"),
            cell(260, 20, 350, 40, "培训人次"), cell(350, 20, 450, 40, "100")]  # fmt: skip
    assert slots(Table(header + body)) == [
        ("project", None, 0), ("level1", None, 100), ("level2", None, 200), ("level3", None, 260), ("target", None, 350)
    ]  # fmt: skip
    # a pen's stroke read before the words (!一级指标二级指标) is no part of them
    header[1:3] = [cell(100, 0, 260, 20, "!一级指标二级指标"), cell(260, 0, 350, 20, "三级指标")]
    assert [k for k, _, _ in slots(Table(header + body))] == [
        "project",
        "level1",
        "level2",
        "level3",
        "target",
    ]


def test_a_header_cell_of_two_known_labels_read_as_one_by_its_words_is_split_too() -> None:
    """Seed 53's dept-info-2024: the rule between 三级指标 and 指标值类型 lost across the header row;
    read by its words the cell names a note column (类型), but it parts one way only into two
    labels known whole, and the body parts under it at 297."""
    header = [cell(0, 0, 100, 20, "一级指标"), cell(100, 0, 200, 20, "二级指标"),
              cell(200, 0, 380, 20, "三级指标 指标值类型"), cell(380, 0, 450, 20, "指标值")]  # fmt: skip
    body = [cell(0, 20, 100, 40, "产出指标"), cell(100, 20, 200, 40, "数量指标"),
            cell(200, 20, 297, 40, "培训人次"), cell(297, 20, 380, 40, "定量"), cell(380, 20, 450, 40, "100")]  # fmt: skip
    assert [(k, x) for k, _, x in slots(Table(header + body))] == [
        ("level1", 0), ("level2", 100), ("level3", 200), ("operator", 297), ("target", 380)
    ]  # fmt: skip


def test_two_wrapped_header_labels_run_into_one_cell_part_where_the_body_parts() -> None:
    """Seed 52's writer-portrait-01: the rule between 绩效指标性质 and 绩效指标值, each wrapped over
    two lines, lost across the header row: the cell reads 绩效指绩效指标标性质值 (line by line), no
    two words in a row, but its glyphs part at the body's rule into two known labels."""

    def wrapped(x0: float, lines: list[str]) -> list[Glyph]:
        return [Glyph(ch, x0 + 8 * i, 2 + 10 * k, x0 + 8 * i + 8, 10 + 10 * k)
                for k, line in enumerate(lines) for i, ch in enumerate(line)]  # fmt: skip

    header = [cell(0, 0, 100, 20, "一级指标"), cell(100, 0, 200, 20, "二级指标"), cell(200, 0, 300, 20, "三级指标"),
              Cell(300, 0, 400, 20, wrapped(305, ["绩效指", "标性质"]) + wrapped(352, ["绩效指标", "值"]))]  # fmt: skip
    body = [cell(0, 20, 100, 40, "产出指标"), cell(100, 20, 200, 40, "数量指标"), cell(200, 20, 300, 40, "培训人次"),
            cell(300, 20, 350, 40, "≥"), cell(350, 20, 400, 40, "100")]  # fmt: skip
    assert [(k, x) for k, _, x in slots(Table(header + body))] == [
        ("level1", 0), ("level2", 100), ("level3", 200), ("operator", 300), ("target", 350)
    ]  # fmt: skip
    body[3:5] = [cell(300, 20, 400, 40, "≥100")]  # no parting below: one cell, no operator column
    assert "operator" not in [k for k, _, _ in slots(Table(header + body))]


def test_a_header_cell_of_two_words_stays_whole_without_one_parting_below() -> None:
    header = [cell(0, 0, 100, 20, "项目名称"), cell(100, 0, 200, 20, "一级指标"),
              cell(200, 0, 350, 20, "二级指标三级指标"), cell(350, 0, 450, 20, "指标值")]  # fmt: skip
    body = [cell(0, 20, 100, 40, "x"), cell(100, 20, 200, 40, "产出指标"), cell(200, 20, 350, 40, "数量指标"),
            cell(350, 20, 450, 40, "100")]  # fmt: skip
    assert find_grids(Table(header + body), 3) == []  # no 二级 or 三级 column: no grid (as before the split)
    body[2:3] = [cell(200, 20, 260, 40, "数量指标"), cell(260, 20, 350, 40, "培训人次")]
    assert len(find_grids(Table(header + body), 3)) == 1


def test_a_header_cell_run_on_into_the_body_is_cut_where_its_row_ends() -> None:
    """A copy faded the header row's rule under 单位名称 only (seed 14's grid-2023-two-units, page 2):
    the header cell runs on over the unit below it, and a flat mark on the cut is the rule's remnant."""
    from pipeline.extract.grids import unspilled

    merged = Cell(0, 0, 100, 80, [
        Glyph("单", 1, 5, 9, 13), Glyph("位", 9, 5, 17, 13), Glyph("名", 17, 5, 25, 13), Glyph("称", 25, 5, 33, 13),
        Glyph("-", 2, 19.5, 6, 20.5, conf=0.95),  # the faded rule read as a dash
        Glyph("5", 1, 40, 6, 48), Glyph("5", 6, 40, 11, 48), Glyph("2", 11, 40, 16, 48), Glyph("-", 16, 40, 21, 48),
        Glyph("财", 21, 40, 29, 48), Glyph("政", 29, 40, 37, 48), Glyph("局", 37, 40, 45, 48),
    ])  # fmt: skip
    header = [cell(100, 0, 200, 20, "项目名称"), cell(200, 0, 300, 20, "一级指标"), cell(300, 0, 400, 20, "二级指标"),
              cell(400, 0, 500, 20, "三级指标"), cell(500, 0, 600, 20, "指标值")]  # fmt: skip
    body = [cell(100, 20, 200, 80, "x"), cell(200, 20, 300, 80, "产出指标"), cell(300, 20, 400, 80, "数量指标"),
            cell(400, 20, 500, 80, "培训人次"), cell(500, 20, 600, 80, "100")]  # fmt: skip
    table = Table([merged, *header, *body])
    assert find_grids(table, 3)[0].keys == {"project", "level1", "level2", "level3", "target"}
    cut = unspilled(table)
    head, rest = [c for c in cut.cells if c.x0 == 0]
    assert (head.text, head.bottom, rest.text, rest.top) == ("单位名称", 20, "552-财政局", 20)
    assert "unit_name" in find_grids(cut, 3)[0].keys
    # a side label (年度绩效目标 over header and body, nothing under the cut) stays whole
    side = cell(0, 0, 100, 80, "年度绩效目标")
    assert unspilled(Table([side, *header, *body])).cells[0] is side


def test_a_stroke_or_a_rules_stub_read_before_a_label_is_no_part_of_it() -> None:
    from pipeline.extract.vocabulary import header_meaning

    assert header_meaning("i单位名称") == header_meaning("l单位名称") == header_meaning("单位名称")
    assert header_meaning("—级指标") == header_meaning("一级指标")  # a scan's 一 read as a dash
    # a pen's stroke across the header read as a dash (seed 37's writer-landscape-01)
    assert header_meaning("—三级指标") == header_meaning("三级指标")


def test_a_level_header_misread_as_its_neighbours_level_takes_its_place() -> None:
    """Seed 19's grid-2022-odd-cells: a streak along 三级指标's top bar left 二级指标 twice; the
    levels print 一, 二, 三 left to right. Two sets side by side stay as they read."""
    labels = ["项目名称", "一级指标", "二级指标", "二级指标", "指标值", "权重"]
    assert [k for k, _, _ in slots(Table(row(0, labels)))] == [
        "project", "level1", "level2", "level3", "target", "weight",
    ]  # fmt: skip
    labels = ["项目名称", "二级指标", "二级指标", "三级指标", "指标值"]  # 一 read as 二
    assert [k for k, _, _ in slots(Table(row(0, labels)))][1:4] == ["level1", "level2", "level3"]
    labels = [
        "一级 指标",
        "二级 指标",
        "三级 指标",
        "指标值(或计划水平)",
        "二级 指标",
        "三级 指标",
        "计划指标值(或计划水平)",
    ]
    assert [k for k, _, _ in slots(Table(row(0, labels)))] == [
        "level1", "level2", "level3", "target", "level2", "level3", "target",
    ]  # fmt: skip


def test_a_header_word_cut_in_two_by_a_stray_line_is_one_cell_again() -> None:
    """Seed 20's sys-portrait-filled-borders (300 dpi, bitonal): a streak over the header's grey
    fill stood as a rule across the header row alone, cutting 项目名称 into 项目 | 名称; the body
    below runs across the cut. Where the body parts there too, the two stay apart."""
    header = [cell(0, 0, 100, 20, "单位名称"), cell(100, 0, 150, 20, "项目"), cell(150, 0, 200, 20, "名称"),
              *row(0, ["", "", "一级指标", "二级指标", "三级指标", "指标值"])[2:]]  # fmt: skip
    body = [
        cell(0, 20, 100, 40, "某局"),
        cell(100, 20, 200, 40, "5401-某项目"),
        *row(20, ["", "", "产出", "数量", "人数", "5"])[2:],
    ]
    assert [k for k, _, _ in slots(Table(header + body))][:2] == ["unit_name", "project"]
    parted = [cell(0, 20, 100, 40, "某局"), cell(100, 20, 150, 40, "5401"), cell(150, 20, 200, 40, "某项目"),
              *row(20, ["", "", "产出", "数量", "人数", "5"])[2:]]  # fmt: skip
    (grid,) = find_grids(Table(header + parted), 3)
    assert "名称" in grid.unknown  # left as two cells
    (grid,) = find_grids(Table(header + body), 3)
    assert "名称" not in grid.unknown


def test_a_header_label_one_character_off_a_known_one_maps_its_column() -> None:
    """Seed 30's writer-landscape-01 (photocopied, bitonal): 填效指标性质 and 三级推标 read from the
    header; each is one character from one known label. 四级指标 is as near to three: not understood."""
    labels = ["单位名称", "项目名称", "绩效目标", "一级指标", "二级指标", "三级推标", "填效指标性质",
              "绩效指标值", "绩效度量单位", "权重", "四级指标"]  # fmt: skip
    (grid,) = find_grids(Table(row(0, labels) + row(20, ["x"] * len(labels))), 3)
    assert [c.key for c in grid.columns] == ["unit_name", "project", "goal", "level1", "level2", "level3",
                                            "operator", "target", "measure_unit", "weight"]  # fmt: skip
    assert grid.unknown == ("四级指标",)


def test_a_header_label_misread_twice_apart_or_short_of_a_character_maps_its_column() -> None:
    """Seed 32's writer-landscape-long-project (bitonal photocopy): 绩 and 指 misread in every
    long label (镜效措标性质, 本年填效措标值, 馈效皮量单位), 绩效目标 read 效目标. 绩效指标名称 is
    a label of its own, two characters side by side from 绩效指标性质: a word, not a misreading."""
    labels = ["单位名称", "项目名称", "效目标", "一级指标", "二级指标", "三级指标", "镜效措标性质",
              "绩效指标值", "本年填效措标值", "馈效皮量单位", "权重"]  # fmt: skip
    (grid,) = find_grids(Table(row(0, labels) + row(20, ["x"] * len(labels))), 3)
    assert [c.key for c in grid.columns] == ["unit_name", "project", "goal", "level1", "level2", "level3",
                                            "operator", "target", "target_this_year", "measure_unit",
                                            "weight"]  # fmt: skip
    assert grid.unknown == ()
    assert near_header("绩效指标名称") is None and exact_meaning("绩效指标名称").key == "level3"
    assert near_header("四级指标") is None
    # half of 权重 under a streak (seed 57's rl-landscape-grid: 重 beside 本年权重, every weight lost)
    assert near_header("重").key == near_header("权").key == "weight"
    assert near_header("值") is None and near_header("分") is None
    # seed 74's photocopied 150-dpi headers: 权重(%) read 权量(%), 指标值 read 推标值 (every weight
    # and every target lost); a three-character label one off names the column where all near agree
    assert near_header("权量(%)").key == "weight" and near_header("推标值").key == "target"
    assert near_header("单量") is None and near_header("标准值") is None
    assert near_header("指标性").key == "operator"  # 指标性质 cut short before 指标值 misread (seed 74)


def test_a_column_a_stray_line_split_through_its_label_is_one_again() -> None:
    """Seed 25's info-lines-2022: a streak down the 三级指标 column read as a rule parts its label
    (三 | 及指标) and every cell under it, the right halves all empty: one column again. A column
    really split in two (text both sides) stays as it is."""
    labels = ["一级指标", "二级指标", "三", "及指标", "指标值"]
    body = [
        *row(20, ["产出指标", "数量指标", "会议次数", "", "12"]),
        *row(40, ["", "", "培训人次", "", "300"]),
    ]
    table = unsplit(Table(row(0, labels) + body))
    (grid,) = find_grids(table, 3)
    assert [c.key for c in grid.columns] == ["level1", "level2", "level3", "target"]
    assert sorted(c.text.replace(" ", "") for c in table.cells if c.x0 == 200) == [
        "三及指标",
        "会议次数",
        "培训人次",
    ]
    both = [
        *row(20, ["产出指标", "数量指标", "会议次数", "次", "12"]),
        *row(40, ["", "", "培训人次", "", "300"]),
    ]
    kept = Table(row(0, labels) + both)
    assert unsplit(kept) is kept


def test_a_level_header_that_lost_its_digit_takes_the_level_its_place_leaves() -> None:
    """Seed 36's midterm-planned-2024: a seal over the annual table's 二级指标 left 级指标, as near
    一级, 二级 and 三级 alike. Between the shared 一级 and the annual 三级 only 二级 is free: the
    column is the annual 二级. Where its level is taken it names nothing."""
    labels = [
        "一级 指标",
        "二级 指标",
        "三级 指标",
        "指标值(或计划水平)",
        "级 指标",
        "三级 指标",
        "计划指标值(或计划水平)",
    ]
    assert slots(Table(row(0, labels))) == [
        ("level1", None, 0), ("level2", "midterm", 100), ("level3", "midterm", 200), ("target", "midterm", 300),
        ("level2", "annual", 400), ("level3", "annual", 500), ("target", "annual", 600),
    ]  # fmt: skip
    levels = ["project", "level1", "level2", "level3", "target"]
    labels = ["项目名称", "一级指标", "级指标", "三级指标", "指标值"]
    assert [k for k, _, _ in slots(Table(row(0, labels)))] == levels
    labels = ["项目名称", "一级指标", "二级指标", "级指标", "三级指标", "指标值"]  # its level taken
    assert [k for k, _, _ in slots(Table(row(0, labels)))] == levels
