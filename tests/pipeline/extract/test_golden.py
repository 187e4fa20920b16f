"""extract + normalize against PDFs that LibreOffice drew (tests/fixtures/golden), field by field.

Our own corpus is drawn by tests/fixtures/render.py, which the extractor was built against.
These goldens come from another producer (LibreOffice Calc and Writer exports of 一体化-style
workbooks and documents, see tests/fixtures/golden/README.md), so they check the extractor
against borders, merged cells and page breaks it was not shaped on. The committed PDFs are
read as they are; LibreOffice is not needed here.

Field by field, values compare as the acceptance scorer does (CONTRACT "Text as printed"):
whitespace removed, Kangxi radicals / CJK compatibility ideographs read as the unified ideograph,
nothing else folded (full-width ，：（）stay full-width, `>=` is not `≥`), a trailing ★ dropped
from level3, None == '', numbers numerically, core as a boolean. Rows are paired in document order
on their 三级指标 so that one missing row does not shift the rest. The acceptance measure itself
(tests/scoring.py, what the acceptance scorer counts) adds row matching and the totals:
test_acceptance_measure_on_the_goldens.

Calc's two page-break habits (a merged cell left open at the page foot; a cut cell's text drawn
on both pages and clipped) were found by these files and are handled by the extractor
(cells.py closing rules, objects.py clip test); the diagnosis is in tests/fixtures/golden/README.md.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pypdfium2 as pdfium
import pytest

from pipeline.extract import extract
from pipeline.normalize import normalize
from tests import scoring
from tests.fixtures import office
from tests.fixtures.truths import Truth

GOLDEN = Path(__file__).resolve().parents[2] / "fixtures" / "golden"
FIELDS = ("unit_name", "budget_year", "project_code", "project_name", "goal", "level1", "level2", "level3",
          "core", "operator", "target", "target_this_year", "measure_unit", "weight", "weight_this_year")  # fmt: skip
FAMILIES = {"office-calc", "office-writer", "office-mixed"}
SCORE_FLOOR = 0.999  # the acceptance measure (tests/scoring.py) on these goldens may not fall below this

# --------------------------------------------------------------------------- goldens


def golden_truths() -> list[dict[str, Any]]:
    """The LibreOffice goldens (other producers' families beside them are test_golden_more.py's)."""
    return [
        json.loads(p.read_text(encoding="utf-8")) for p in sorted((GOLDEN / "truth").glob("office-*/*.json"))
    ]


TRUTHS = {Path(t["file"]).stem: t for t in golden_truths()}


def truth_rows(truth: dict[str, Any]) -> list[dict[str, Any]]:
    """The truth as export records (score.py's truth_rows)."""
    return [
        {"unit_name": truth["unit_name"], "budget_year": truth["budget_year"], "project_code": p["code"],
         "project_name": p["name"], "goal": p["goal"], "level1": i["level1"], "level2": i["level2"],
         "level3": i["level3"], "core": i["core"], "operator": i["operator"], "target": i["target"],
         "target_this_year": i["target_this_year"], "measure_unit": i["unit"], "weight": i["weight"],
         "weight_this_year": i["weight_this_year"]}
        for p in truth["projects"] for i in p["indicators"]
    ]  # fmt: skip


def export_records(path: Path) -> list[dict[str, Any]]:
    """The contract's export records for one PDF, straight from extract → normalize."""
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    doc = normalize(extract(data))
    return [
        {"document_sha256": sha, "source_name": path.name, "unit_name": p.unit_name or doc.unit_name,
         "budget_year": doc.budget_year, "project_code": p.code, "project_name": p.name, "goal": p.goal,
         "level1": i.level1, "level2": i.level2, "level3": i.level3, "core": i.core, "operator": i.operator,
         "target": i.target, "target_this_year": i.target_this_year, "measure_unit": i.measure_unit,
         "weight": i.weight, "weight_this_year": i.weight_this_year, "page": i.page,
         "table_kind": p.table_kind, "period": i.period, "actual": i.actual, "score": i.score}
        for p in doc.projects for i in p.indicators
    ]  # fmt: skip


@cache
def exported(name: str) -> tuple[dict[str, Any], ...]:
    return tuple(export_records(GOLDEN / TRUTHS[name]["file"]))


# --------------------------------------------------------------------------- comparison


def norm(field: str, value: Any) -> Any:
    """`value` as the acceptance measure compares it: as printed (scoring.printed), whitespace
    removed, a trailing ★ dropped from level3, numbers as numbers, core as a boolean."""
    if field == "core":
        return bool(value)
    text = scoring.printed(value)
    if field == "level3":
        text = text.rstrip("★☆")
    number = scoring.number(text)
    return text if number is None else number


def pairs(truth: list[dict[str, Any]], got: list[dict[str, Any]]) -> list[tuple[int, int]]:
    """Truth/export rows paired in document order on their 三级指标."""
    keys_t = [norm("level3", r["level3"]) for r in truth]
    keys_g = [norm("level3", r["level3"]) for r in got]
    matcher = difflib.SequenceMatcher(None, keys_t, keys_g, autojunk=False)
    return [(b.a + k, b.b + k) for b in matcher.get_matching_blocks() for k in range(b.size)]


def unpaired(want: list[dict[str, Any]], got: list[dict[str, Any]]) -> str:
    """'' when every truth row and every exported row found a partner; else what is missing and extra."""
    matched = pairs(want, got)
    missing = sorted(set(range(len(want))) - {t for t, _ in matched})
    extra = sorted(set(range(len(got))) - {g for _, g in matched})
    if not missing and not extra:
        return ""
    return (
        f"{len(got)} rows, truth has {len(want)}; missing {[want[i]['level3'] for i in missing][:10]}, "
        f"extra {[(got[i]['page'], got[i]['level3']) for i in extra][:10]}"
    )


def wrong_values(want: list[dict[str, Any]], got: list[dict[str, Any]], field: str) -> list[str]:
    """One line per paired row whose `field` differs under the lenient normalisation."""
    return [
        f"row {ti} p{got[gi]['page']} [{want[ti]['level3']}]: truth={want[ti][field]!r} got={got[gi][field]!r}"
        for ti, gi in pairs(want, got)
        if norm(field, want[ti][field]) != norm(field, got[gi][field])
    ]


def field_errors(name: str, field: str) -> list[str]:
    return wrong_values(truth_rows(TRUTHS[name]), list(exported(name)), field)


def test_norm_compares_as_printed() -> None:
    assert norm("level3", " 人员覆盖率★ ") == "人员覆盖率"
    assert norm("weight", 10) == norm("weight", "10.0") == norm("weight", " 1 0 ")
    assert norm("target", None) == norm("target", "")
    assert norm("core", True) is True and norm("core", None) is False
    assert norm("goal", "a b") != norm("goal", "a c")
    assert norm("level3", "⽬标完成率") == norm("level3", "目标完成率")  # a font artefact, not a difference
    assert norm("project_name", "经费（第一批）\n") == "经费（第一批）"
    for field, a, b in (
        ("goal", "目标：完成", "目标:完成"),
        ("operator", "≥", ">="),
        ("unit", "台（套）", "台(套)"),
    ):
        assert norm(field, a) != norm(field, b) and not scoring.same(field, a, b)  # both count these wrong
        assert scoring.same(field, a, b, lenient=True)  # only the lenient mode folds them


def test_pairs_survive_a_missing_row() -> None:
    truth = [{"level3": x} for x in ("甲", "乙", "丙", "丁")]
    got = [{"level3": x} for x in ("甲", "丙★", "丁")]
    assert pairs(truth, got) == [(0, 0), (2, 1), (3, 2)]


# --------------------------------------------------------------------------- the goldens themselves


def test_goldens_are_committed_whole() -> None:
    """Every truth names a committed PDF with the same bytes; all three producers' families present."""
    assert len(TRUTHS) >= 6
    assert {t["layout"] for t in TRUTHS.values()} == FAMILIES
    total = 0
    for truth in TRUTHS.values():
        data = (GOLDEN / truth["file"]).read_bytes()
        total += len(data)
        assert hashlib.sha256(data).hexdigest() == truth["sha256"], truth["file"]
        assert data.startswith(b"%PDF-"), truth["file"]
        pdf = pdfium.PdfDocument(data)
        assert pdf.get_metadata_dict().get("Producer", "").startswith("LibreOffice"), truth["file"]
        pdf.close()
        assert truth["file"] == f"{truth['layout']}/{Path(truth['file']).name}"
    assert total < 3 * 1024 * 1024


def committed_truth(name: str) -> Truth:
    """The truth as committed: the random generator may since have moved on."""
    return Truth.from_json(TRUTHS[name])


def test_truths_are_visible_in_their_pdfs() -> None:
    """Every character of each committed truth is visible in its PDF."""
    specs = {s.name: s for s in office.SPECS}
    assert set(TRUTHS) == set(specs)
    for name, truth in TRUTHS.items():
        spec = specs[name]
        assert truth["layout"] == spec.family, name
        data = (GOLDEN / truth["file"]).read_bytes()
        assert not office.invisible(committed_truth(name), spec, data), name


def test_visibility_check_sees_missing_text() -> None:
    spec = next(s for s in office.SPECS if s.name == "calc-landscape-01")
    truth = committed_truth(spec.name)
    data = (GOLDEN / TRUTHS[spec.name]["file"]).read_bytes()
    first = truth.projects[0]
    changed = replace(truth, projects=(replace(first, goal=(first.goal or "") + "鑫鑫"), *truth.projects[1:]))
    assert office.invisible(changed, spec, data) == Counter({"鑫": 2})


def test_sources_carry_the_merges() -> None:
    """The workbook merges 单位/项目/目标 per project and runs of 一级/二级; the .fodt spans the same rows."""
    spec = next(s for s in office.SPECS if s.family == "office-mixed")
    truth = office.spec_truth(spec)
    wb = office.calc_workbook(truth, spec)
    assert wb.sheetnames == ["部门收支总表", "项目支出表", "项目支出绩效表"]
    ws = wb["项目支出绩效表"]
    merged = {str(r) for r in ws.merged_cells.ranges}
    n = len(truth.projects[0].indicators)
    assert {f"B4:B{3 + n}", f"C4:C{3 + n}", "A1:L1"} <= merged
    assert ws.print_title_rows == "$3:$3" and ws.page_setup.fitToWidth == 1
    assert [c.value for c in ws[3]] == list(office.LABELS)
    writer = next(s for s in office.SPECS if s.family == "office-writer")
    root = ElementTree.fromstring(office.writer_document(office.spec_truth(writer), writer))
    table_ns = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
    spans = [int(c.get(f"{{{table_ns}}}number-rows-spanned")) for c in root.iter(f"{{{table_ns}}}table-cell")
             if c.get(f"{{{table_ns}}}number-rows-spanned")]  # fmt: skip
    covered = sum(1 for _ in root.iter(f"{{{table_ns}}}covered-table-cell"))
    assert spans and covered == sum(k - 1 for k in spans)


# --------------------------------------------------------------------------- extraction


@pytest.mark.parametrize("name", sorted(TRUTHS))
def test_every_row_comes_back(name: str) -> None:
    problem = unpaired(truth_rows(TRUTHS[name]), list(exported(name)))
    assert not problem, f"{name}: {problem}"


def _field_case(name: str, field: str) -> Any:
    return pytest.param(name, field, id=f"{name}-{field}")


@pytest.mark.parametrize(("name", "field"), [_field_case(n, f) for n in sorted(TRUTHS) for f in FIELDS])
def test_field(name: str, field: str) -> None:
    errors = field_errors(name, field)
    assert not errors, f"{name}: {field} wrong on {len(errors)} rows:\n" + "\n".join(errors[:8])


# --------------------------------------------------------------------------- the acceptance measure


def acceptance(families: Iterable[str], records: Iterable[Mapping[str, Any]]) -> scoring.Report:
    """tests/scoring.py (what the acceptance scorer counts) over the goldens of `families`."""
    return scoring.score(GOLDEN, records, layouts=families)


def show(label: str, report: scoring.Report) -> str:
    """The family table and the summary line, for the test log."""
    return f"\n[{label}] field accuracy on tests/fixtures/golden:\n  " + "\n  ".join(
        [*report.table(), report.summary]
    )


def test_acceptance_measure_on_the_goldens(capsys: pytest.CaptureFixture[str]) -> None:
    """The acceptance measure over the goldens, printed; it may not fall below SCORE_FLOOR."""
    report = acceptance(FAMILIES, (r for name in sorted(TRUTHS) for r in exported(name)))
    with capsys.disabled():
        print(show("golden", report))
    o, text = report.overall, "\n".join(report.lines())
    assert o.row_recall == 1.0 and o.precision == 1.0, text
    assert o.field_accuracy >= SCORE_FLOOR, text
