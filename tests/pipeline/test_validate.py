"""The registry and the runner: ids, provenance, message shape, order, severity overrides."""

from __future__ import annotations

import re
from dataclasses import replace
from types import ModuleType

import pytest

from pipeline.model import Finding
from pipeline.settings import ValidateSettings
from pipeline.validate import RULES, run_rules, validate
from pipeline.validate.registry import collect, rule
from tests.pipeline.rules.build import NATIONAL, document, good_rows, project, with_row

IMPLEMENTED = (
    *(f"S{i}" for i in range(1, 11)),
    *(f"V{i}" for i in range(1, 11)),
    *(f"D{i}" for i in range(1, 6)),
    *(f"W{i}" for i in range(1, 6)),
    *(f"E{i}" for i in range(1, 7)),
    "P1",
    "P3",
    "P5",
    *(f"Y{i}" for i in range(1, 6)),
    "O1",
    "O2",
)


def test_registry_holds_every_implemented_rule_once() -> None:
    assert sorted(r.id for r in RULES) == sorted(IMPLEMENTED)
    for r in RULES:
        assert r.group == r.id[0]
        assert r.severity in ("error", "warning", "info")
        assert "{where}" in r.template and re.search(r"[\u4e00-\u9fff]", r.title)
        for o in r.outcomes.values():
            assert "{where}" in o.template


def test_duplicate_rule_ids_are_refused() -> None:
    def check(ctx: object) -> list[Finding]:
        return []

    module = ModuleType("m")
    module.a = rule("S1", scope="row", severity="error", template="{where}", basis="", title="x")(check)  # type: ignore[attr-defined]
    module.b = rule("S1", scope="row", severity="error", template="{where}", basis="", title="y")(check)  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="S1"):
        collect(module)
    with pytest.raises(ValueError):
        rule("Q1", scope="row", severity="error", template="", basis="", title="")


def test_row_finding_provenance_and_message() -> None:
    doc = with_row(0, operator=None, raw={"operator": "Lacra"}, page=3)
    (f,) = [f for f in validate(doc) if f.rule == "V1"]
    assert (f.project_code, f.page, f.row, f.level3, f.severity) == (
        "54000021R000000005055",
        3,
        0,
        "人员覆盖率",
        "error",
    )
    assert f.message.startswith("项目「54000021R000000005055-工资性支出」三级指标「人员覆盖率」：")
    assert f.rule.isascii() and f.severity.isascii()


def test_findings_come_in_document_order() -> None:
    rows = list(good_rows())
    rows[0] = replace(rows[0], target="120")  # V8 on row 0
    rows[2] = replace(rows[2], weight=None)  # W1 on row 2
    first = project(*rows)
    second = project(*(*good_rows()[:6], replace(good_rows()[6], target="70")), code="54000021R000000009999")
    found = validate(document(first, second))
    keys = [(f.project_code, f.row) for f in found]
    assert keys[0] == (None, None)  # the document-level W2 summary
    a = [r for c, r in keys if c == "54000021R000000005055"]
    assert a == [0, 2] and [f.rule for f in found[1:3]] == ["V8", "W1"]
    # then the second project: its project-level W4 (info) before its row-level D5
    assert keys[3:] == [("54000021R000000009999", None), ("54000021R000000009999", 6)]
    assert [f.rule for f in found[3:]] == ["W4", "D5"]


def test_severity_override_by_rule_and_by_outcome() -> None:
    doc = with_row(0, operator=None)  # V1 "missing" outcome: warning by default
    (f,) = [f for f in validate(doc) if f.rule == "V1"]
    assert f.severity == "warning"
    p = replace(NATIONAL, severity={"V1": "info"})
    (f,) = [f for f in run_rules(doc, p) if f.rule == "V1"]
    assert f.severity == "info"
    p = replace(NATIONAL, severity={"V1": "info", "V1.missing": "error"})
    (f,) = [f for f in run_rules(doc, p) if f.rule == "V1"]
    assert f.severity == "error"


def test_validate_is_deterministic_and_pure() -> None:
    doc = with_row(0, weight=25, target="120")
    assert validate(doc) == validate(doc, ValidateSettings())
    assert doc == with_row(0, weight=25, target="120")


def test_empty_document_has_no_findings() -> None:
    assert validate(replace(document(), projects=())) == ()
