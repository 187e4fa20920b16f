"""extract + normalize against the layouts of domain/layouts.md (tests/fixtures/golden/layout-*).

Each family draws real published header rows — disclosure grids, 申报表/批复表 forms with their
info block, 部门整体 tables, 自评表 with budget block and totals, 中期|年度 side by side, headers
in other orders and wordings — with an exact truth (tests/fixtures/layouts_golden.py). Every
field is compared row by row, the self-evaluation and period fields too, and the acceptance
measure (tests/scoring.py) may not fall below FAMILY_FLOOR on any family.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest

from pipeline.extract import extract
from pipeline.normalize import normalize
from tests.pipeline.extract.test_golden import (
    GOLDEN,
    acceptance,
    export_records,
    pairs,
    show,
    unpaired,
    wrong_values,
)

FAMILY_FLOOR = 0.99
EXTRA = ("table_kind", "period", "actual", "score")
FIELDS = ("unit_name", "budget_year", "project_code", "project_name", "goal", "level1", "level2", "level3",
          "core", "operator", "target", "target_this_year", "measure_unit", "weight", "weight_this_year", *EXTRA)  # fmt: skip
TRUTHS = {
    p.stem: json.loads(p.read_text(encoding="utf-8"))
    for p in sorted((GOLDEN / "truth").glob("layout-*/*.json"))
}
FAMILIES = sorted({t["layout"] for t in TRUTHS.values()})


def truth_rows(truth: dict[str, Any]) -> list[dict[str, Any]]:
    """The truth as export records, the fields a truth carries for its kind included; a project's own
    unit where a document holds several (the acceptance measure knows only the document's)."""
    rows = []
    for p in truth["projects"]:
        for i in p["indicators"]:
            row = {"unit_name": p.get("unit_name") or truth["unit_name"], "budget_year": truth["budget_year"], "project_code": p["code"],
                   "project_name": p["name"], "goal": p["goal"], "level1": i["level1"], "level2": i["level2"],
                   "level3": i["level3"], "core": i["core"], "operator": i["operator"], "target": i["target"],
                   "target_this_year": i["target_this_year"], "measure_unit": i["unit"], "weight": i["weight"],
                   "weight_this_year": i["weight_this_year"],
                   "table_kind": p.get("table_kind", truth.get("table_kind", "project_target")),
                   "period": i.get("period", "annual"), "actual": i.get("actual"), "score": i.get("score")}  # fmt: skip
            rows.append(row)
    return rows


@cache
def exported(name: str) -> tuple[dict[str, Any], ...]:
    return tuple(export_records(GOLDEN / TRUTHS[name]["file"]))


@cache
def document(name: str) -> Any:
    return normalize(extract((GOLDEN / TRUTHS[name]["file"]).read_bytes()))


def test_every_layout_family_is_here() -> None:
    assert {"layout-disclosure-grid", "layout-forms", "layout-evaluation", "layout-midterm",
            "layout-department", "layout-info-lines"} <= set(FAMILIES)  # fmt: skip


@pytest.mark.parametrize("name", sorted(TRUTHS))
def test_every_row_comes_back(name: str) -> None:
    problem = unpaired(truth_rows(TRUTHS[name]), list(exported(name)))
    assert not problem, f"{name}: {problem}"


@pytest.mark.parametrize(
    ("name", "field"), [pytest.param(n, f, id=f"{n}-{f}") for n in sorted(TRUTHS) for f in FIELDS]
)
def test_field(name: str, field: str) -> None:
    errors = wrong_values(truth_rows(TRUTHS[name]), list(exported(name)), field)
    assert not errors, f"{name}: {field} wrong on {len(errors)} rows:\n" + "\n".join(errors[:8])


@pytest.mark.parametrize(
    "name", sorted(n for n, t in TRUTHS.items() if any("evaluation" in p for p in t["projects"]))
)
def test_self_evaluation_budget_block_and_totals(name: str) -> None:
    """The budget-execution block, 总分 and 评价结论 are stored with their project."""
    truth = [p["evaluation"] for p in TRUTHS[name]["projects"]]
    got = [p.evaluation for p in document(name).projects]
    assert len(got) == len(truth)
    for want, have in zip(truth, got, strict=True):
        assert have is not None
        assert have.total_score == want["total_score"] and (have.conclusion or None) == want["conclusion"]
        lines = [{k: getattr(line, k) for k in ("label", "planned", "budget", "executed", "points", "rate", "score")}
                 for line in have.budget]  # fmt: skip
        assert lines == [{k: line.get(k) for k in lines[0]} for line in want["budget"]]


def test_columns_not_understood_are_named_in_the_notes() -> None:
    noted = {name for name in TRUTHS if any("not understood" in n for n in document(name).notes)}
    for name in noted:
        assert all("left out of the rows" in n for n in document(name).notes if "not understood" in n)
    assert pairs([{"level3": "a"}], [{"level3": "a"}]) == [(0, 0)]


@pytest.mark.parametrize("family", FAMILIES)
def test_acceptance_measure_per_family(family: str, capsys: pytest.CaptureFixture[str]) -> None:
    report = acceptance(
        [family], (r for n, t in sorted(TRUTHS.items()) if t["layout"] == family for r in exported(n))
    )
    with capsys.disabled():
        print(show(f"layouts {family}", report))
    o = report.overall
    assert o.row_recall == 1.0 and o.precision == 1.0, "\n".join(report.lines())
    assert o.field_accuracy >= FAMILY_FLOOR, "\n".join(report.lines())
