"""Hand-built pipeline records for the database tests (no extractor involved)."""

from __future__ import annotations

import hashlib
from dataclasses import replace

from sqlalchemy import Engine, func, select

from db import intake
from pipeline.model import (
    DEPARTMENT_TARGET,
    MIDTERM,
    PROJECT_EVALUATION,
    BudgetLine,
    Document,
    Evaluation,
    Finding,
    Indicator,
    Project,
)


def sha(label: str) -> str:
    return hashlib.sha256(label.encode()).hexdigest()


def indicator(n: int, page: int = 1, *, core: bool = False) -> Indicator:
    return Indicator(
        level1="产出指标",
        level2="数量指标",
        level3=f"指标{n}",
        core=core,
        operator="≥",
        target=f"{n}0",
        target_this_year=f"{n}0",
        measure_unit="%",
        weight=10.0 + n,
        weight_this_year=None,
        page=page,
        raw={"level3": f"★指标{n}" if core else f"指标{n}"},
    )


def project(
    code: str, name: str, n_indicators: int, *, page: int = 1, unit_name: str | None = None
) -> Project:
    return Project(
        code=code,
        name=name,
        goal=f"{name}的绩效目标",
        unit_name=unit_name,
        indicators=tuple(indicator(i, page, core=i == 0) for i in range(n_indicators)),
    )


def document(
    sizes: tuple[int, ...] = (2, 3),
    *,
    unit_name: str | None = "拉萨市信访局本级",
    budget_year: int | None = 2024,
    tag: str = "A",
) -> Document:
    """A document with one project per entry of `sizes`, each with that many indicators."""
    return Document(
        unit_name=unit_name,
        budget_year=budget_year,
        amount_unit="万元",
        pages=len(sizes) + 1,
        layout="ruled",
        projects=tuple(
            project(f"5400002{tag}{i:03d}", f"项目{tag}{i}", size, page=i + 1, unit_name=unit_name)
            for i, size in enumerate(sizes)
        ),
    )


def findings(code: str | None = "5400002A000") -> tuple[Finding, ...]:
    return (
        Finding(rule="W2", severity="warning", message="权重合计不为100", project_code=code, page=1),
        Finding(rule="E1", severity="error", message="缺少单位名称"),
        Finding(
            rule="I3", severity="info", message="指标说明", project_code=code, page=2, row=1, level3="指标1"
        ),
    )


def count(engine: Engine, entity: type) -> int:
    """Rows of `entity`'s table."""
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(entity)).scalar_one()


def registered(engine: Engine, label: str = "a", name: str = "a.pdf") -> tuple[int, str]:
    """A new batch with one document registered in it: (batch id, SHA-256)."""
    batch = intake.create_batch(engine, [name])
    reg = intake.register(engine, batch, sha(label), name, f"/store/{label}.pdf", pages=3)
    return batch, reg.sha256


def evaluated_document(
    *, ocr_pages: int = 2, notes: tuple[str, ...] = ("page 3: 未识别的列「备注」",)
) -> Document:
    """A document with the issue-9 fields set: a 项目支出绩效自评表 project (info block,
    budget block, scores, a midterm row read by OCR) followed by a 部门整体支出绩效目标表."""
    evaluated = Project(
        code="54000021R000000005055",
        name="工资性支出",
        goal="保障在职人员工资按时足额发放",
        unit_name="拉萨市信访局本级",
        indicators=(
            Indicator(
                level1="产出指标",
                level2="数量指标",
                level3="发放人数",
                core=False,
                operator="≥",
                target="21933",
                target_this_year=None,
                measure_unit="人",
                weight=20.0,
                weight_this_year=None,
                page=3,
                actual="21950人",
                score=19.5,
                ocr_confidence=0.875,
            ),
            replace(
                indicator(1, 4), level1="效益指标", level3="群众满意度", target="有效提升", period=MIDTERM
            ),
        ),
        table_kind=PROJECT_EVALUATION,
        info={"项目名称": "工资性支出", "主管部门": "拉萨市信访局", "实施单位": "拉萨市信访局本级"},
        evaluation=Evaluation(
            budget=(
                BudgetLine(
                    "年度资金总额", planned=620.0, budget=630.5, executed=600.0, points=10.0, rate="95.2%"
                ),
                BudgetLine("其中：财政拨款", planned=620.0, budget=630.5, executed=600.0),
            ),
            total_score=92.5,
            conclusion="优",
        ),
    )
    department = Project(
        code=None,
        name="",
        goal="年度总体目标：完成信访事项办理",
        unit_name="拉萨市信访局本级",
        indicators=(replace(indicator(2, 5), level2="质量指标", level3="按期办结率", target="95"),),
        table_kind=DEPARTMENT_TARGET,
    )
    return Document(
        unit_name="拉萨市信访局本级",
        budget_year=2024,
        amount_unit="万元",
        pages=5,
        layout="ruled",
        projects=(evaluated, department),
        notes=notes,
        ocr_pages=ocr_pages,
    )
