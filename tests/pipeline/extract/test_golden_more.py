"""extract + normalize against goldens from producers the extractor was not built on.

tests/fixtures/reportlab_golden.py drew them (see tests/fixtures/golden/README.md): reportlab
``platypus.Table`` (SPAN merges, repeated one- or two-row headers, GRID or BOX + INNERGRID,
CJK-wrapped Paragraphs, /Rotate 90) and a "system export" drawn cell by cell on reportlab's
canvas (a rectangle or filled bars per cell, synonym header without the 本年 columns, merged
cells repeated or continued across page breaks, a multi-unit city bundle with /Rotate 270).

Comparison and pairing are test_golden.py's (as printed, as the acceptance scorer compares). A bundle's truth gives
each project its own ``unit_name``; score.py's truth shape has one unit per document, so its
figure for ``system-bundle`` counts the other units' rows as unit_name errors and is printed,
not held to the floor. What the extractor still gets wrong is marked as strict xfail with the
diagnosis; the README has the detail and the proposed fixes.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import replace
from functools import cache
from typing import Any

import pypdfium2 as pdfium
import pytest
from pypdf import PdfReader

from tests import scoring
from tests.fixtures import reportlab_golden as rg
from tests.pipeline.extract.test_golden import (
    FIELDS,
    GOLDEN,
    acceptance,
    export_records,
    pairs,
    show,
    unpaired,
    wrong_values,
)
from tests.pipeline.extract.test_golden import truth_rows as document_rows

FAMILIES = ("reportlab-table", "system-canvas", "system-bundle")
SINGLE_UNIT = ("reportlab-table", "system-canvas")
# The acceptance measure over reportlab-table + system-canvas may not fall below these (first run: field accuracy
# 0.9368, row recall 0.9449, before the extractor learnt these producers; now 1.0).
SCORE_FLOOR = 0.999
RECALL_FLOOR = 1.0
TRUTHS = {
    p.stem: json.loads(p.read_text(encoding="utf-8"))
    for family in FAMILIES
    for p in sorted((GOLDEN / "truth" / family).glob("*.json"))
}
SPECS = {s.name: s for s in rg.SPECS}

# The failures these files first showed (a blank project cell under a unit printed afresh; a hanging 。;
# a cut-off repeat; a one-line CODE- piece; cells inset 2 pt apart; a 项目编码 column) are fixed in the
# extractor; the diagnoses are in tests/fixtures/golden/README.md. Nothing is expected to fail here.
KNOWN_DOCUMENTS: dict[str, str] = {}
KNOWN: dict[tuple[str, str], str] = {}


def truth_rows(truth: dict[str, Any]) -> list[dict[str, Any]]:
    """score.py's rows, with a bundle project's own unit_name."""
    rows = document_rows(truth)
    units = [p.get("unit_name") or truth["unit_name"] for p in truth["projects"] for _ in p["indicators"]]
    return [{**r, "unit_name": u} for r, u in zip(rows, units, strict=True)]


@cache
def exported(name: str) -> tuple[dict[str, Any], ...]:
    return tuple(export_records(GOLDEN / TRUTHS[name]["file"]))


def field_errors(name: str, field: str) -> list[str]:
    """Wrong values among paired rows, and every truth row that was not found (as score.py counts it)."""
    want, got = truth_rows(TRUTHS[name]), list(exported(name))
    found = {ti for ti, _ in pairs(want, got)}
    missed = [f"row {ti} [{want[ti]['level3']}]: not extracted" for ti in range(len(want)) if ti not in found]
    return missed + wrong_values(want, got, field)


def test_goldens_are_committed_whole() -> None:
    """Every spec has its committed PDF (the truth's sha256), drawn by ReportLab, under 2 MB in all."""
    assert set(TRUTHS) == set(SPECS)
    assert {t["layout"] for t in TRUTHS.values()} == set(FAMILIES)
    total = 0
    for name, truth in TRUTHS.items():
        data = (GOLDEN / truth["file"]).read_bytes()
        total += len(data)
        assert hashlib.sha256(data).hexdigest() == truth["sha256"], name
        assert truth["file"] == f"{SPECS[name].family}/{name}.pdf" and truth["layout"] == SPECS[name].family
        pdf = pdfium.PdfDocument(data)
        assert "ReportLab" in pdf.get_metadata_dict().get("Producer", ""), name
        pdf.close()
    assert total < 2 * 1024 * 1024


def test_truths_are_visible() -> None:
    """Every truth character is on paper, no visible text overprints other text, and the truth reads back whole."""
    for name, truth in TRUTHS.items():
        spec = SPECS[name]
        golden = rg.Golden.from_json(truth)
        assert {k: truth[k] for k in golden.to_json()} == golden.to_json(), name
        assert len(golden.units) == len(truth["projects"]) and golden.truth.rows == len(truth_rows(truth))
        data = (GOLDEN / truth["file"]).read_bytes()
        assert not rg.invisible(spec, golden, data), name
        assert not rg.overlapping(rg.visible_glyphs(data)), name


def test_visibility_check_sees_missing_text() -> None:
    spec = SPECS["sys-landscape-cell-rects"]
    golden = rg.Golden.from_json(TRUTHS[spec.name])
    data = (GOLDEN / TRUTHS[spec.name]["file"]).read_bytes()
    first = golden.truth.projects[0]
    changed = replace(first, goal=(first.goal or "") + "鑫鑫")
    truth = replace(golden.truth, projects=(changed, *golden.truth.projects[1:]))
    assert rg.invisible(spec, replace(golden, truth=truth), data) == Counter({"鑫": 2})


def test_system_exports_print_no_this_year_columns() -> None:
    for name, truth in TRUTHS.items():
        rows = truth_rows(truth)
        has_this_year = any(r["target_this_year"] or r["weight_this_year"] is not None for r in rows)
        assert has_this_year == (SPECS[name].family == "reportlab-table"), name


def test_the_bundle_changes_unit_between_projects() -> None:
    """Several units in one table, the 单位名称 cell merged over each unit's projects."""
    spec = SPECS["sys-city-bundle-rotate270"]
    golden = rg.Golden.from_json(TRUTHS[spec.name])
    assert len(set(golden.units)) == spec.units == 4
    changes = [u for k, u in enumerate(golden.units) if k == 0 or u != golden.units[k - 1]]
    assert changes == list(dict.fromkeys(golden.units))  # each unit's projects stand together
    rows = rg.body_rows(golden, [k for k, _, _ in rg.SYSTEM_COLUMNS], spec.truth_seed or 0)
    unit_runs = rg.runs(rows, ["unit"], unit_over_projects=True)
    assert len(unit_runs) == 4 and all(rows[m.first].project != rows[m.last].project for m in unit_runs)
    assert {p["unit_name"] for p in TRUTHS[spec.name]["projects"]} == set(golden.units)


def test_rotated_goldens_are_stored_turned() -> None:
    """/Rotate 90 by pypdf post-processing, /Rotate 270 by reportlab's canvas: portrait MediaBoxes either way."""
    for name, rotate in (("rl-landscape-rotate90", 90), ("sys-city-bundle-rotate270", 270)):
        reader = PdfReader(GOLDEN / TRUTHS[name]["file"])
        for page in reader.pages:
            assert page.get("/Rotate") == rotate, name
            assert float(page.mediabox.width) < float(page.mediabox.height), name


def test_two_row_header_and_hanging_punctuation_are_in_the_files() -> None:
    """The habits the diagnoses name are really printed: 绩效指标 above 一级指标, a 。 past the goal's rule."""
    import pdfplumber

    with pdfplumber.open(GOLDEN / TRUTHS["rl-portrait-two-row-header"]["file"]) as pdf:
        words = pdf.pages[0].extract_words()
        group = min(
            w["bottom"] for w in words if w["text"] == "绩效指标"
        )  # the label spanning the indicators
        assert group < min(w["top"] for w in words if w["text"].startswith("一级"))
    with pdfplumber.open(GOLDEN / TRUTHS["rl-seed-2025-lasa"]["file"]) as pdf:
        page = pdf.pages[6]
        rules = sorted({round(r["x0"], 1) for r in page.lines if abs(r["x0"] - r["x1"]) < 0.1})
        assert [c for c in page.chars if c["text"] == "。" and any(c["x0"] < x < c["x1"] for x in rules)]


def test_regenerated_goldens_match() -> None:
    """The generator draws the committed truths into the committed files: the same bytes under the same
    reportlab version, else the same visible text. (Truths are read back, not re-rolled: truths.py may change.)"""
    pytest.importorskip("reportlab", reason="reportlab is in the test extra: pip install -e '.[test]'")
    import reportlab

    for name in ("rl-portrait-two-row-header", "sys-portrait-filled-borders"):
        _, data = rg.build(SPECS[name], rg.Golden.from_json(TRUTHS[name]))
        committed = (GOLDEN / TRUTHS[name]["file"]).read_bytes()
        if TRUTHS[name]["producer"].startswith(f"ReportLab {reportlab.Version} "):
            assert hashlib.sha256(data).hexdigest() == TRUTHS[name]["sha256"], name
        seen = Counter(g.char for g in rg.visible_glyphs(data))
        assert seen == Counter(g.char for g in rg.visible_glyphs(committed)), name


# --------------------------------------------------------------------------- extraction


def _document_case(name: str) -> Any:
    reason = KNOWN_DOCUMENTS.get(name)
    return pytest.param(name, marks=[pytest.mark.xfail(strict=True, reason=reason)] if reason else [])


@pytest.mark.parametrize("name", [_document_case(n) for n in sorted(TRUTHS)])
def test_every_row_comes_back(name: str) -> None:
    problem = unpaired(truth_rows(TRUTHS[name]), list(exported(name)))
    assert not problem, f"{name}: {problem}"


def _field_case(name: str, field: str) -> Any:
    reason = KNOWN.get((name, field)) or KNOWN_DOCUMENTS.get(name)
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(name, field, id=f"{name}-{field}", marks=marks)


@pytest.mark.parametrize(("name", "field"), [_field_case(n, f) for n in sorted(TRUTHS) for f in FIELDS])
def test_field(name: str, field: str) -> None:
    errors = field_errors(name, field)
    assert not errors, f"{name}: {field} wrong on {len(errors)} rows:\n" + "\n".join(errors[:8])


def test_known_failures_name_real_cases() -> None:
    assert {n for n, _ in KNOWN} | set(KNOWN_DOCUMENTS) <= set(TRUTHS) and {f for _, f in KNOWN} <= set(
        FIELDS
    )


# --------------------------------------------------------------------------- the acceptance measure


def _score(families: tuple[str, ...]) -> scoring.Report:
    records = (r for name, t in sorted(TRUTHS.items()) if t["layout"] in families for r in exported(name))
    return acceptance(families, records)


def test_acceptance_measure_on_the_new_families(capsys: pytest.CaptureFixture[str]) -> None:
    """The acceptance measure, printed; the single-unit families may not fall below the floors."""
    single = _score(SINGLE_UNIT)
    bundle = _score(("system-bundle",))
    with capsys.disabled():
        print(show("golden-more", single) + "\n[golden-more] system-bundle (the measure has one unit per "
              "document, so rows of the other units count as unit_name errors):\n  " + bundle.table()[1])  # fmt: skip
    o, text = single.overall, "\n".join(single.lines())
    assert o.row_recall >= RECALL_FLOOR and o.precision == 1.0, text
    assert o.field_accuracy >= SCORE_FLOOR, text
    o = bundle.overall
    assert o.row_recall == 1.0 and o.precision == 1.0, "\n".join(bundle.lines())
