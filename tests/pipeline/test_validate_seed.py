"""The seed transcription, normalized and validated, yields findings for its known problems."""

from __future__ import annotations

from collections import Counter

import pytest

from pipeline.model import Document, Finding
from pipeline.normalize import normalize
from pipeline.validate import validate
from tests.pipeline.rules.build import seed_extraction


@pytest.fixture(scope="module")
def seed() -> Document:
    return normalize(seed_extraction())


@pytest.fixture(scope="module")
def found(seed: Document) -> tuple[Finding, ...]:
    return validate(seed)


def of(found: tuple[Finding, ...], code: str | None, rule: str) -> list[Finding]:
    return [f for f in found if f.project_code == code and f.rule == rule]


def test_seed_normalizes_to_the_transcription_shape(seed: Document) -> None:
    assert (seed.unit_name, seed.budget_year, seed.amount_unit) == ("拉萨市信访局本级", 2025, "万元")
    assert len(seed.projects) == 24 and seed.indicator_count == 192
    first = seed.projects[0]
    assert (first.code, first.name) == ("54000021R000000005055", "工资性支出")
    assert first.indicators[0].core and first.indicators[0].level3 == "人员覆盖率"


DANGJIAN = "54000021Y000000005232"


def test_party_building_missing_weights_and_values(found: tuple[Finding, ...]) -> None:
    """党建经费: blank 权重 on most rows, both value cells blank on 党员大会次数 and 主题党日活动数."""
    weights = {f.level3 for f in of(found, DANGJIAN, "W1")}
    assert {"党员大会次数", "主题党日活动数", "党员签到率", "党员凝聚力"} <= weights
    assert all(f.severity == "error" for f in of(found, DANGJIAN, "W1"))
    values = {f.level3 for f in of(found, DANGJIAN, "V2")}
    assert values == {"党员大会次数", "主题党日活动数"}
    # the satisfaction row's name is unreadable, and its this-year target (99) is looser than 100
    assert [f.row for f in of(found, DANGJIAN, "S1")] == [13]
    assert [f.row for f in of(found, DANGJIAN, "V10")] == [13]


def test_other_known_problems(found: tuple[Finding, ...]) -> None:
    # the project whose code and name the OCR lost
    assert [f.row for f in of(found, None, "S1") if f.row is None] == [None]
    # 车辆故障率: 本年绩效指标值 printed 100 against an overall ≤10
    assert any(f.level3 == "车辆故障率" for f in of(found, None, "V10"))
    # 信访联席会议经费: 项目成本控制 has no operator; the garbled row 8 has no names
    joint = "54010021T000000010174"
    assert any(f.level3 == "项目成本控制" for f in of(found, joint, "V1"))
    assert any(f.row == 7 for f in of(found, joint, "S1"))
    # 商品和服务支出 / 工会经费: the satisfaction row's name is blank
    for code in ("54000021Y000000005098", "54000021Y000000005227"):
        assert [f.row for f in of(found, code, "S1")] == [5]
    # 网上信访经费: 本年权重 sums to 90 but not in the 50/30/10 split
    assert len(of(found, "54010021T000000010170", "W3")) == 3


def test_clean_template_projects_have_no_errors(found: tuple[Finding, ...]) -> None:
    """The R-series projects read cleanly: nothing worse than warnings/info."""
    clean = "54000021R000000005055"
    assert not [f for f in found if f.project_code == clean and f.severity == "error"]


def test_seed_summary(found: tuple[Finding, ...]) -> None:
    counts = Counter(f.rule for f in found)
    assert counts["W1"] >= 30 and counts["V2"] >= 5
    assert not counts["S2"] and not counts["V5"] and not counts["V7"]  # things the seed does not have
