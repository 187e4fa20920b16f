"""db.across: Y1–Y4 run over stored documents, filed on the right document, replaced atomically.

Every test runs on SQLite and on PostgreSQL (`engine` from tests/db/conftest.py). Documents are
hand-built pipeline records saved with `db.store`, so no extractor is involved.
"""

from __future__ import annotations

import inspect
import threading
from dataclasses import replace
from typing import Any

from sqlalchemy import Engine, func, select

from db import across, intake, queries, results
from db.models import SCOPE_CROSS, Finding
from pipeline.model import Document, Indicator, Project
from pipeline.model import Finding as ModelFinding
from pipeline.validate import ACROSS_RULES, load_profile
from tests.db.factories import sha

UNIT = "拉萨市信访局本级"
OTHER = "拉萨市财政局本级"
NATIONAL = load_profile("national")


def ind(level3: str, target: str, *, level1: str = "产出指标", level2: str = "数量指标",
        operator: str = "≥", unit: str | None = "次", page: int = 1) -> Indicator:  # fmt: skip
    return Indicator(level1, level2, level3, False, operator, target, target, unit, 10.0, None, page)


def rows(
    satisfaction: str = "90", meetings: str = "12", page: int = 1, count: str = "会议次数"
) -> tuple[Indicator, ...]:
    return (
        ind(count, meetings, page=page),
        ind("培训人次", "300", unit="人次", page=page),
        ind("资金使用合规率", "100", level2="质量指标", operator="=", unit="%", page=page),
        ind("社会稳定性", "稳定", level1="效益指标", level2="社会效益指标", operator="定性", unit=None, page=page),
        ind("群众满意度", satisfaction, level1="满意度指标", level2="服务对象满意度指标", unit="%", page=page + 1),
    )  # fmt: skip


def proj(code: str, name: str, indicators: tuple[Indicator, ...], unit: str | None = UNIT) -> Project:
    return Project(code=code, name=name, goal=f"{name}目标", unit_name=unit, indicators=indicators)


def doc(year: int, *projects: Project, unit: str | None = UNIT) -> Document:
    return Document(unit, year, "万元", 3, "ruled", tuple(projects))


def save(engine: Engine, label: str, document: Document, findings: tuple[ModelFinding, ...] = ()) -> str:
    digest = sha(label)
    batch = intake.create_batch(engine, [label])
    intake.register(engine, batch, digest, f"{label}.pdf", f"/store/{label}.pdf")
    results.save_outcome(engine, digest, document, findings, "test", {})
    return digest


def cross(engine: Engine) -> list[dict[str, Any]]:
    """The cross findings as `jixiao findings` shows them, plus the stored subject."""
    with engine.connect() as conn:
        subjects = dict(
            conn.execute(select(Finding.id, Finding.subject).where(Finding.scope == SCOPE_CROSS)).all()
        )
    rows_ = [r for r in queries.finding_rows(engine) if r["rule"] in ("Y1", "Y2", "Y3", "Y4")]
    assert len(rows_) == len(subjects)
    return rows_


def subjects(engine: Engine, rule: str) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                select(Finding.subject)
                .where(Finding.scope == SCOPE_CROSS, Finding.rule == rule)
                .order_by(Finding.id)
            ).scalars()
        )


SALARY = "54000024R000000000001"
TRAINING = "54000024R000000000002"


def two_years(engine: Engine) -> tuple[str, str]:
    """2024 and 2025 of one unit: 工资 copied unchanged, 培训 with its satisfaction target lowered."""
    a = save(
        engine,
        "2024",
        doc(
            2024,
            proj(SALARY, "工资性支出", rows()),
            proj(TRAINING, "业务培训经费", rows("95", "20", count="培训班次")),
        ),
    )
    b = save(
        engine,
        "2025",
        doc(
            2025,
            proj(SALARY, "工资性支出", rows()),
            proj(TRAINING, "业务培训经费", rows("85", "20", page=3, count="培训班次")),
        ),
    )
    return a, b


def test_copied_and_lowered_targets_are_filed_on_the_later_year_with_provenance(engine: Engine) -> None:
    a, b = two_years(engine)
    result = across.refresh_for(engine, UNIT, 2025, NATIONAL)

    assert (result.pairs, result.findings) == (2, 2)
    found = {r["rule"]: r for r in cross(engine)}
    assert set(found) == {"Y1", "Y2"}
    assert found["Y1"]["document_sha256"] == b and found["Y1"]["project_code"] == SALARY
    assert found["Y1"]["severity"] == "info" and "2024" in found["Y1"]["message"]
    assert [(r["sha256"], r["project_code"], r["row"]) for r in subjects(engine, "Y1")[0]["related"]] == [
        (a, SALARY, None)
    ]
    y2 = found["Y2"]
    assert (y2["document_sha256"], y2["project_code"], y2["row"], y2["page"], y2["level3"]) == (
        b, TRAINING, 4, 4, "群众满意度",
    )  # fmt: skip
    assert y2["severity"] == "warning" and "≥85" in y2["message"] and "≥95" in y2["message"]
    (subject,) = subjects(engine, "Y2")
    assert subject["unit_name"] == UNIT and subject["budget_year"] == 2025
    (before,) = subject["related"]
    assert (before["sha256"], before["budget_year"], before["project_code"], before["row"], before["page"]) == (
        a, 2024, TRAINING, 4, 2,
    )  # fmt: skip


def test_refresh_replaces_instead_of_adding(engine: Engine) -> None:
    two_years(engine)
    across.refresh_for(engine, UNIT, 2025, NATIONAL)
    first = cross(engine)
    again = across.refresh_for(engine, UNIT, 2025, NATIONAL)
    assert again.findings == 2
    assert [(r["rule"], r["message"]) for r in cross(engine)] == [(r["rule"], r["message"]) for r in first]


def test_an_earlier_year_arriving_later_judges_the_year_after_it(engine: Engine) -> None:
    b = save(engine, "2025", doc(2025, proj(SALARY, "工资性支出", rows())))
    across.refresh_for(engine, UNIT, 2025, NATIONAL)
    assert cross(engine) == []  # nothing to compare with yet

    save(engine, "2024", doc(2024, proj(SALARY, "工资性支出", rows())))
    result = across.refresh_for(engine, UNIT, 2024, NATIONAL)  # the 2024 document's own refresh

    assert [(r["rule"], r["document_sha256"]) for r in cross(engine)] == [("Y1", b)]
    assert result.findings == 1


def test_changed_data_clears_findings_that_no_longer_hold(engine: Engine) -> None:
    two_years(engine)
    across.refresh_for(engine, UNIT, 2025, NATIONAL)
    assert {r["rule"] for r in cross(engine)} == {"Y1", "Y2"}

    # 2024 re-read: the satisfaction target was 80 (2025's 85 is stricter), the salary project differs
    results.save_outcome(
        engine,
        sha("2024"),
        doc(
            2024,
            proj(SALARY, "工资性支出", rows(meetings="8")),
            proj(TRAINING, "业务培训经费", rows("80", "20", count="培训班次")),
        ),
        (),
        "test",
        {},
    )
    across.refresh_after(engine, [sha("2024")], NATIONAL, whole_database=False)
    assert cross(engine) == []


def test_a_unit_refresh_leaves_other_units_alone(engine: Engine) -> None:
    two_years(engine)
    save(engine, "o2024", doc(2024, proj("54000024R000000000009", "工资性支出", rows(), OTHER), unit=OTHER))
    save(engine, "o2025", doc(2025, proj("54000024R000000000009", "工资性支出", rows(), OTHER), unit=OTHER))
    across.refresh_all(engine, NATIONAL)
    assert sorted(r["rule"] for r in cross(engine)) == ["Y1", "Y1", "Y2"]

    across.refresh_for(engine, UNIT, 2025, replace(load_profile("national"), ignore=("Y",)))
    remaining = cross(engine)
    assert [(r["rule"], r["document_sha256"]) for r in remaining] == [("Y1", sha("o2025"))]


def test_document_findings_survive_a_refresh_and_cross_findings_survive_a_store(engine: Engine) -> None:
    own = (ModelFinding("W2", "error", "权重合计不是90或100", project_code=SALARY, page=1),)
    two_years(engine)
    results.save_outcome(
        engine,
        sha("2025"),
        doc(
            2025,
            proj(SALARY, "工资性支出", rows()),
            proj(TRAINING, "业务培训经费", rows("85", "20", page=3, count="培训班次")),
        ),
        own,
        "test",
        {},
    )
    across.refresh_for(engine, UNIT, 2025, NATIONAL)
    rules = [r["rule"] for r in queries.finding_rows(engine, document_sha256=sha("2025"))]
    assert sorted(rules) == ["W2", "Y1", "Y2"]

    results.save_outcome(  # re-stored with no document findings: only those go
        engine,
        sha("2025"),
        doc(
            2025,
            proj(SALARY, "工资性支出", rows()),
            proj(TRAINING, "业务培训经费", rows("85", "20", page=3, count="培训班次")),
        ),
        (),
        "test",
        {},
    )
    assert sorted(r["rule"] for r in queries.finding_rows(engine, document_sha256=sha("2025"))) == [
        "Y1",
        "Y2",
    ]


def test_y3_template_reuse_within_one_unit_and_year(engine: Engine) -> None:
    first = save(
        engine, "t", doc(2025, proj(SALARY, "工资性支出", rows()), proj(TRAINING, "业务培训经费", rows()))
    )
    save(engine, "u", doc(2025, proj("54000024R000000000005", "党建经费", rows(), OTHER), unit=OTHER))
    across.refresh_year(engine, 2025, NATIONAL)

    (y3,) = cross(engine)
    assert (y3["rule"], y3["document_sha256"], y3["project_code"]) == ("Y3", first, TRAINING)
    (subject,) = subjects(engine, "Y3")
    assert [r["project_code"] for r in subject["related"]] == [SALARY]


def test_y4_unit_cost_outliers_across_units_and_years(engine: Engine) -> None:
    costs = {"单位0": "300", "单位1": "320", "单位2": "310", "单位3": "290", "单位4": "305", "单位5": "3000"}
    for i, (unit, cost) in enumerate(costs.items()):
        cost_row = ind("人均培训成本", cost, level2="成本指标", operator="≤", unit="元/人·天", page=2)
        save(
            engine,
            f"c{i}",
            doc(2024 + i % 2, proj(f"5400002{i}", "业务培训经费", (*rows(), cost_row), unit), unit=unit),
        )
    assert across.refresh_after(engine, (), NATIONAL, whole_database=True).outliers == 1
    (y4,) = cross(engine)
    assert (y4["rule"], y4["document_sha256"], y4["row"], y4["page"]) == ("Y4", sha("c5"), 5, 2)
    assert "3000元" in y4["message"]

    # the outlier corrected: the finding goes on the next run
    fixed = ind("人均培训成本", "315", level2="成本指标", operator="≤", unit="元/人·天", page=2)
    results.save_outcome(engine, sha("c5"), doc(2025, proj("54000025", "业务培训经费", (*rows(), fixed), "单位5"), unit="单位5"), (), "t", {})  # fmt: skip
    assert across.refresh_after(engine, [sha("c5")], NATIONAL, whole_database=True).outliers == 0
    assert cross(engine) == []


def test_profile_selection_switches_rules_off(engine: Engine) -> None:
    two_years(engine)
    profile = replace(load_profile("national"), ignore=("Y1",))
    across.refresh_for(engine, UNIT, 2025, profile)
    assert [r["rule"] for r in cross(engine)] == ["Y2"]


def test_concurrent_refreshes_of_one_unit_do_not_duplicate(engine: Engine) -> None:
    two_years(engine)
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def refresh() -> None:
        try:
            barrier.wait(timeout=30)
            across.refresh_for(engine, UNIT, 2025, NATIONAL)
        except BaseException as exc:  # noqa: BLE001 — reported below
            errors.append(exc)

    threads = [threading.Thread(target=refresh) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors
    with engine.connect() as conn:
        n = conn.execute(
            select(func.count()).select_from(Finding).where(Finding.scope == SCOPE_CROSS)
        ).scalar_one()
    assert n == 2


def test_nothing_stored_nothing_found(engine: Engine) -> None:
    assert across.refresh_all(engine, NATIONAL) == across.Refreshed(0, 0, 0)
    assert across.refresh_after(engine, [], NATIONAL, whole_database=False) == across.Refreshed(0, 0, None)
    assert across.refresh_after(engine, [], NATIONAL, whole_database=True) == across.Refreshed(0, 0, 0)


def test_the_rules_and_their_reach_come_from_the_registry() -> None:
    assert across.UNIT_RULES + across.ALL_UNITS_RULES == ACROSS_RULES
    assert [r.id for r in across.UNIT_RULES] == ["Y1", "Y2", "Y3"]
    assert [r.id for r in across.ALL_UNITS_RULES] == ["Y4"]


def test_a_profile_severity_override_reaches_the_stored_finding(engine: Engine) -> None:
    two_years(engine)
    across.refresh_for(engine, UNIT, 2025, replace(NATIONAL, severity={"Y2": "error"}))
    assert {r["rule"]: r["severity"] for r in cross(engine)} == {"Y1": "info", "Y2": "error"}


def test_every_refresh_takes_the_callers_profile() -> None:
    refreshes = (across.refresh_after, across.refresh_for, across.refresh_unit, across.refresh_year,
                 across.refresh_all, across.refresh_pairs)  # fmt: skip
    for refresh in refreshes:
        assert inspect.signature(refresh).parameters["profile"].default is inspect.Parameter.empty, refresh


def test_refresh_after_one_document_leaves_the_whole_database_rules_for_later(engine: Engine) -> None:
    for i, cost in enumerate(["300", "320", "310", "290", "305", "3000"]):
        cost_row = ind("人均培训成本", cost, level2="成本指标", operator="≤", unit="元/人·天", page=2)
        unit = f"单位{i}"
        document = doc(2025, proj(f"5400002{i}", "业务培训经费", (*rows(), cost_row), unit), unit=unit)
        save(engine, f"c{i}", document)
    # a worker after one document: the unit rules for (单位5, 2025) and (单位5, 2026), no Y4
    after_one = across.refresh_after(engine, [sha("c5")], NATIONAL, whole_database=False)
    assert after_one == across.Refreshed(2, 0, None) and cross(engine) == []
    # the end of a batch, or the beat task: Y4 over everything stored
    at_the_end = across.refresh_after(engine, (), NATIONAL, whole_database=True)
    assert at_the_end == across.Refreshed(0, 0, 1)
    assert [(r["rule"], r["document_sha256"]) for r in cross(engine)] == [("Y4", sha("c5"))]
    # a profile without Y4 clears its findings on the next whole-database refresh
    without_y4 = replace(NATIONAL, ignore=("Y4",))
    assert across.refresh_after(engine, (), without_y4, whole_database=True).outliers == 0
    assert cross(engine) == []


def due(engine: Engine) -> set[str]:
    return set(queries.across_due(engine))


def test_a_stored_document_is_due_until_a_refresh_that_read_it_settles_it(engine: Engine) -> None:
    """A batch is done only once the cross findings include what it stored (`BatchSummary.done`)."""
    a, b = two_years(engine)
    assert due(engine) == {a, b}
    late = across.utcnow()
    across.refresh_after(engine, [a], NATIONAL, whole_database=False)
    assert due(engine) == {b}  # only what was asked for
    results.save_outcome(engine, a, doc(2024, proj(SALARY, "工资性支出", rows())), [], "test", {})
    across.settle(engine, [a, b], late)  # a refresh that began before a was stored again
    assert due(engine) == {a}
    across.settle_pairs(engine, {(UNIT, 2023)}, across.utcnow())  # not a's pair
    assert due(engine) == {a}
    across.settle_pairs(engine, {(UNIT, 2024), (UNIT, 2025)}, across.utcnow())
    assert due(engine) == set()


def test_a_document_spanning_units_is_settled_by_a_refresh_of_all_of_them(engine: Engine) -> None:
    both = save(
        engine, "both", doc(2025, proj(SALARY, "工资性支出", rows()), proj(TRAINING, "培训", rows(), OTHER))
    )
    assert across.stored_pairs_of(engine, both) == {(UNIT, 2025), (OTHER, 2025)}
    across.settle_pairs(engine, {(UNIT, 2025), (UNIT, 2026)}, across.utcnow())
    assert due(engine) == {both}
    across.settle_pairs(engine, {(UNIT, 2025), (OTHER, 2025)}, across.utcnow())
    assert due(engine) == set()


def test_a_plan_deals_units_into_parts_and_running_them_equals_the_sequential_refresh(engine: Engine) -> None:
    shas = [
        save(
            engine,
            f"{unit}-{year}",
            doc(year, proj("54000021R000000005055", "工资性支出", rows(), unit=unit), unit=unit),
            (),
        )
        for unit in ("甲局", "乙局", "丙局")
        for year in (2024, 2025)
    ]
    plan = across.plan_after(engine, shas, whole_database=True, parts=2)
    unit_parts = [p for p in plan if not p.whole_database]
    assert len(unit_parts) == 2 and sum(p.whole_database for p in plan) == 1
    units_per_part = [{unit for unit, _ in p.pairs} for p in unit_parts]
    assert not units_per_part[0] & units_per_part[1]  # a unit's years stay together
    assert set().union(*(p.pairs for p in unit_parts)) == {
        (u, y) for u in ("甲局", "乙局", "丙局") for y in (2024, 2025, 2026)
    }

    for part in reversed(plan):  # any order
        across.refresh_part(engine, part, NATIONAL)
    by_parts = sorted((r["document_sha256"], r["rule"], r["message"]) for r in cross(engine))
    across.refresh_after(engine, shas, NATIONAL, whole_database=True)
    assert sorted((r["document_sha256"], r["rule"], r["message"]) for r in cross(engine)) == by_parts
    assert {r for _, r, _ in by_parts} >= {"Y1"}  # copied targets across years were found


def test_stored_table_kinds_reach_the_rules(engine: Engine) -> None:
    """A self-evaluation copied year on year is no copied target (Y runs on target tables): the
    stored table_kind must come back with the projects the refresh loads."""
    for year in (2024, 2025):
        project = replace(proj(SALARY, "工资性支出", rows()), table_kind="project_evaluation")
        save(engine, str(year), doc(year, project))
    across.refresh_for(engine, UNIT, 2025, NATIONAL)
    assert cross(engine) == []
    save(engine, "2024", doc(2024, proj(SALARY, "工资性支出", rows())))
    save(engine, "2025", doc(2025, proj(SALARY, "工资性支出", rows())))
    across.refresh_for(engine, UNIT, 2025, NATIONAL)
    assert {r["rule"] for r in cross(engine)} == {"Y1"}
