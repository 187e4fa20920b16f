"""Hand-built pipeline records for the database tests (no extractor involved)."""

from __future__ import annotations

import hashlib

from sqlalchemy import Engine, func, select

from db import intake
from pipeline.model import Document, Finding, Indicator, Project


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
