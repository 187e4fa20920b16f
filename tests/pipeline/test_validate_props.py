"""Property tests: validation never crashes and every finding is well-formed, whatever the cells."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.model import ANNUAL, MIDTERM, TABLE_KINDS, BudgetLine, Document, Evaluation, Indicator, Project
from pipeline.settings import ValidateSettings
from pipeline.validate import RULES, run_across
from tests.pipeline.rules.build import NATIONAL, validate

PIECES = st.sampled_from(
    ["产出指标", "效益指标", "满意度指标", "成本指标", "数量指标", "时效指标", "服务对象满意度指标", "满意度",
     "覆盖率", "成本", "≥", "≤", "=", "%", "百分比", "万元", "元/人", "XX", "**", "2024年", "12月", "前", "第3页",
     "100", "0.5", "1,000", "-3", "14-24", "定性", "率", "{", "}", "★", "", " "]
)  # fmt: skip
TEXT = st.lists(PIECES, max_size=4).map("".join)
MAYBE = st.one_of(st.none(), TEXT)
WEIGHT = st.one_of(st.none(), st.floats(min_value=-10, max_value=200, allow_nan=False))
AMOUNT = st.one_of(st.none(), st.floats(min_value=-10, max_value=1e6, allow_nan=False))


@st.composite
def indicators(draw: st.DrawFn) -> Indicator:
    return Indicator(
        level1=draw(MAYBE),
        level2=draw(MAYBE),
        level3=draw(MAYBE),
        core=draw(st.booleans()),
        operator=draw(st.sampled_from([None, "=", "≥", "≤", ">", "<", "定性"])),
        target=draw(MAYBE),
        target_this_year=draw(MAYBE),
        measure_unit=draw(MAYBE),
        weight=draw(WEIGHT),
        weight_this_year=draw(WEIGHT),
        page=draw(st.integers(1, 5)),
        raw=draw(
            st.dictionaries(
                st.sampled_from(["operator", "weight", "weight_this_year", "reason"]), TEXT, max_size=4
            )
        ),
        period=draw(st.sampled_from([ANNUAL, MIDTERM])),
        actual=draw(MAYBE),
        score=draw(WEIGHT),
    )


LINES = st.builds(
    BudgetLine,
    label=TEXT,
    planned=AMOUNT,
    budget=AMOUNT,
    executed=AMOUNT,
    points=WEIGHT,
    rate=MAYBE,
    score=WEIGHT,
)
EVALUATIONS = st.builds(
    Evaluation,
    budget=st.lists(LINES, max_size=3).map(tuple),
    total_score=WEIGHT,
    conclusion=st.one_of(MAYBE, st.sampled_from(["优", "良好", "自评等级为中", "差"])),
)


PROJECTS = st.builds(
    Project,
    code=st.one_of(st.none(), st.sampled_from(["54000021R000000005055", "54000021R000000005088"])),
    name=TEXT,
    goal=MAYBE,
    unit_name=MAYBE,
    indicators=st.lists(indicators(), max_size=8).map(tuple),
    table_kind=st.sampled_from(TABLE_KINDS),
    evaluation=st.one_of(st.none(), EVALUATIONS),
)
DOCUMENTS = st.builds(
    Document,
    unit_name=MAYBE,
    budget_year=st.one_of(st.none(), st.integers(2015, 2030)),
    amount_unit=MAYBE,
    pages=st.just(5),
    layout=st.just("hand"),
    projects=st.lists(PROJECTS, max_size=3).map(tuple),
)
RULE_IDS = {r.id for r in RULES}


@settings(max_examples=150, deadline=None)
@given(DOCUMENTS)
def test_validate_never_crashes_and_findings_are_well_formed(doc: Document) -> None:
    for f in validate(doc, ValidateSettings(profile=NATIONAL)):
        assert f.rule in RULE_IDS
        assert f.severity in ("error", "warning", "info")
        assert f.message and not re.search(r"\{[a-z_]+(?::[^}]*)?\}", f.message)  # template fully rendered
        if f.row is not None:
            assert f.project_code in {p.code for p in doc.projects}
            assert f.page is not None and f.page >= 1


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["甲", "乙", None]), st.one_of(st.none(), st.integers(2022, 2025)), PROJECTS
        ),
        max_size=6,
    )
)
def test_across_never_crashes(entries: list) -> None:
    for located in run_across(entries, NATIONAL):
        assert 0 <= located.index < len(entries)
        assert all(0 <= i < len(entries) and i != located.index for i, _ in located.related)
        assert located.finding.rule in {"Y1", "Y2", "Y3", "Y4"}
