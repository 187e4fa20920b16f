"""Hand-built Documents for rule tests, and the seed transcription as an Extraction."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from pipeline.model import (
    ANNUAL,
    PROJECT_TARGET,
    Document,
    Evaluation,
    Extraction,
    Finding,
    Indicator,
    Project,
    RawProject,
    RawRow,
)
from pipeline.settings import ValidateSettings
from pipeline.validate import Profile, load_profile, validate

NATIONAL = load_profile("national")
SEED = Path(__file__).with_name("data") / "seed-transcription.json"


def ind(
    level3: str | None = "人员覆盖率",
    *,
    level1: str | None = "产出指标",
    level2: str | None = "数量指标",
    operator: str | None = "=",
    target: str | None = "100",
    target_this_year: str | None = None,
    unit: str | None = "%",
    weight: float | None = None,
    weight_this_year: float | None = None,
    core: bool = False,
    page: int = 1,
    raw: dict[str, str] | None = None,
    period: str = ANNUAL,
    actual: str | None = None,
    score: float | None = None,
) -> Indicator:
    return Indicator(
        level1=level1,
        level2=level2,
        level3=level3,
        core=core,
        operator=operator,
        target=target,
        target_this_year=target_this_year,
        measure_unit=unit,
        weight=weight,
        weight_this_year=weight_this_year,
        page=page,
        raw=raw or {},
        period=period,
        actual=actual,
        score=score,
    )


def good_rows() -> tuple[Indicator, ...]:
    """A clean project: 产出 50 / 效益 30 / 满意度 10, total 90, one 成本 row."""
    return (
        ind("人员覆盖率", weight=20, core=True),
        ind("足额保障率", level2="质量指标", weight=10),
        ind("及时支付率", level2="时效指标", weight=10),
        ind("项目成本控制", level2="成本指标", operator="≤", target="10.5", unit="万元", weight=10),
        ind(
            "社会稳定性",
            level1="效益指标",
            level2="社会效益指标",
            operator="定性",
            target="稳定",
            unit=None,
            weight=15,
        ),
        ind(
            "人员幸福感",
            level1="效益指标",
            level2="社会效益指标",
            operator="定性",
            target="提升",
            unit=None,
            weight=15,
        ),
        ind(
            "受益对象满意度",
            level1="满意度指标",
            level2="服务对象满意度指标",
            operator="≥",
            target="90",
            weight=10,
        ),
    )


def project(
    *rows: Indicator,
    code: str | None = "54000021R000000005055",
    name: str = "工资性支出",
    goal: str | None = None,
    table_kind: str = PROJECT_TARGET,
    evaluation: Evaluation | None = None,
    unit_name: str | None = "拉萨市信访局本级",
) -> Project:
    return Project(
        code=code,
        name=name,
        goal="严格执行相关政策,保障工资及时、足额发放,预算编制科学合理。" if goal is None else goal,
        unit_name=unit_name,
        indicators=rows or good_rows(),
        table_kind=table_kind,
        evaluation=evaluation,
    )


def document(*projects: Project, year: int | None = 2025) -> Document:
    return Document(
        unit_name="拉萨市信访局本级",
        budget_year=year,
        amount_unit="万元",
        pages=1,
        layout="hand",
        projects=projects or (project(),),
    )


def with_row(row: int, **changes: Any) -> Document:
    """The clean document with one indicator of its project changed."""
    if "unit" in changes:
        changes["measure_unit"] = changes.pop("unit")
    rows = list(good_rows())
    rows[row] = replace(rows[row], **changes)
    return document(project(*rows))


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def seed_extraction() -> Extraction:
    """The seed transcription as the extractor would hand it over (cells as printed)."""
    data = json.loads(SEED.read_text(encoding="utf-8"))
    projects = []
    for p in data["projects"]:
        printed = "-".join(x for x in (p["code"], p["name"]) if x)
        rows = tuple(
            RawRow(
                page=1,
                cells={
                    "unit_name": data["unit_name"],
                    "project": printed,
                    "goal": _cell(p["goal"]),
                    "level1": _cell(i["level1"]),
                    "level2": _cell(i["level2"]),
                    "level3": _cell(i["level3"]) + ("★" if i["core"] else ""),
                    "operator": _cell(i["operator"]),
                    "target": _cell(i["target"]),
                    "target_this_year": _cell(i["target_this_year"]),
                    "measure_unit": _cell(i["unit"]),
                    "weight": _cell(i["weight"]),
                    "weight_this_year": _cell(i["weight_this_year"]),
                },
            )
            for i in p["indicators"]
        )
        projects.append(
            RawProject(unit_name=data["unit_name"], project=printed, goal=_cell(p["goal"]), rows=rows)
        )
    return Extraction(
        pages=8,
        table_pages=tuple(range(1, 9)),
        layout="seed",
        title=data["title"],
        budget_year=str(data["budget_year"]),
        amount_unit=data["amount_unit"],
        projects=tuple(projects),
    )


def findings(doc: Document, rule_id: str, profile: Profile = NATIONAL) -> list[Finding]:
    """The findings of one rule on `doc`."""
    return [f for f in validate(doc, ValidateSettings(profile=profile)) if f.rule == rule_id]


def fires(doc: Document, rule_id: str, profile: Profile = NATIONAL) -> bool:
    return bool(findings(doc, rule_id, profile))
