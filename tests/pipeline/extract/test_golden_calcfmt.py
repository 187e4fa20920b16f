"""extract + normalize against Calc exports of sheets a user has re-formatted before printing.

tests/fixtures/calc_format.py (specs: office.CALCFMT_SPECS, family calc-format) writes the 绩效表
with stacked or 90°-rotated 一级/二级 text, wrap off on 三级指标 (a long name running on over an
empty 绩效指标性质 cell, or cut at a border), manual line breaks, shrink-to-fit, fills and zebra
rows, grey/blue/white borders, a hidden column, a print area, a manual page break, fit-to-width
small text and Excel number formats; LibreOffice 7.4 prints it. The truth is what is printed
(`calc_format.printed_truth`: `0%` makes 0.995 print as 100%; a cut name is its visible part, with
a doubt). See tests/fixtures/golden/README.md. The committed PDFs are read as they are.

Comparison and pairing are test_golden.py's (as printed, as the acceptance scorer compares).
What the extractor gets wrong would go in KNOWN as a strict xfail with the diagnosis.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import cache
from typing import Any

import pdfplumber
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw
import pytest

from tests.fixtures import calc_format, office
from tests.fixtures.truths import Truth
from tests.pipeline.extract.test_golden import (
    FIELDS,
    GOLDEN,
    acceptance,
    export_records,
    show,
    truth_rows,
    unpaired,
    wrong_values,
)

FAMILY = "calc-format"
TRUTHS = {
    p.stem: json.loads(p.read_text(encoding="utf-8"))
    for p in sorted((GOLDEN / "truth" / FAMILY).glob("*.json"))
}
SPECS = {s.name: s for s in office.CALCFMT_SPECS}
# The acceptance measure over calc-format: 0.9750 as first measured, 1.0 since the extractor learnt text set at 90°
# (turned upright per text object; its cut start joined in reading order) and no-wrap text running on
# across a rule into an empty neighbour.
SCORE_FLOOR = 0.999

# (name, field) → reason, field "rows" for test_every_row_comes_back: nothing is expected to fail now.
KNOWN: dict[tuple[str, str], str] = {}


@cache
def exported(name: str) -> tuple[dict[str, Any], ...]:
    return tuple(export_records(GOLDEN / TRUTHS[name]["file"]))


def committed(name: str) -> Truth:
    return Truth.from_json(TRUTHS[name])


def data_of(name: str) -> bytes:
    return (GOLDEN / TRUTHS[name]["file"]).read_bytes()


def page_texts(name: str) -> list[str]:
    with pdfplumber.open(GOLDEN / TRUTHS[name]["file"]) as pdf:
        return [page.extract_text() or "" for page in pdf.pages]


# --------------------------------------------------------------------------- the goldens themselves


def test_goldens_are_committed_whole() -> None:
    """Every spec has its committed LibreOffice PDF (the truth's sha256); under 1.5 MB in all."""
    assert set(TRUTHS) == set(SPECS)
    total = 0
    for name, truth in TRUTHS.items():
        assert truth["layout"] == FAMILY and truth["file"] == f"{FAMILY}/{name}.pdf", name
        assert truth["habits"] == list(SPECS[name].habits), name
        data = data_of(name)
        total += len(data)
        assert hashlib.sha256(data).hexdigest() == truth["sha256"], name
        pdf = pdfium.PdfDocument(data)
        producer = pdf.get_metadata_dict().get("Producer", "")
        pdf.close()
        assert producer.startswith("LibreOffice"), (name, producer)
    assert total < 1.5 * 1024 * 1024
    assert set(calc_format.CALCFMT_HABITS) == {h for s in SPECS.values() for h in s.habits}


def test_truths_are_visible() -> None:
    """Every truth character is on paper (glyph centre inside the clip path)."""
    for name in TRUTHS:
        assert not office.invisible(committed(name), SPECS[name], data_of(name)), name


def test_truth_is_what_is_printed() -> None:
    """Number formats: the stored value differs from the print, the truth follows the print."""
    assert calc_format.printed(0.995, "0%") == "100%" and calc_format.printed(0.225, "0%") == "23%"
    assert calc_format.printed(1000, "#,##0") == "1,000" and calc_format.printed(0.35, "0.0") == "0.4"
    assert calc_format.stored_target("99.5", "%") == (0.995, "0%")
    truth = committed("calcfmt-number-formats")
    targets = [i.target for p in truth.projects for i in p.indicators if i.target]
    assert any(t.endswith("%") for t in targets) and any(re.fullmatch(r"\d+\.\d\d", t) for t in targets)
    text = "".join(page_texts("calcfmt-number-formats"))
    assert all(t.replace(" ", "") in text.replace(" ", "") for t in targets)
    weights = [i.weight for p in committed("calcfmt-stacked-level1").projects for i in p.indicators]
    assert all(w is None or float(w).is_integer() for w in weights)  # 0% prints 12.5 as 13%


def test_cut_name_is_its_visible_part_with_a_doubt() -> None:
    truth = committed("calcfmt-nowrap-level3")
    doubts = [d for p in truth.projects for d in p.doubts]
    assert doubts and all("cut at the cell border" in d for d in doubts)
    cut = [i for p in truth.projects if p.doubts for i in p.indicators if i.level3 and i.level3 in doubts[0]]
    assert cut and all(i.operator is None for i in cut)


def test_sources_carry_the_habits() -> None:
    """The workbooks really hold what the specs name (openpyxl view of the regenerated sheet)."""

    def sheet(name: str) -> Any:
        spec = SPECS[name]
        return office.calc_workbook(office.spec_truth(spec), spec)["项目支出绩效表"]

    ws = sheet("calcfmt-stacked-level1")
    assert ws["D4"].alignment.text_rotation == 255 and ws["L4"].number_format == "0%"
    ws = sheet("calcfmt-rotate90-levels")
    assert ws["D4"].alignment.text_rotation == 90 == ws["E4"].alignment.text_rotation
    assert "\n" in ws["B4"].value and ws["A4"].border.left.color.rgb.endswith("4472C4")
    ws = sheet("calcfmt-nowrap-level3")
    assert not ws["F4"].alignment.wrap_text and ws["H4"].alignment.shrink_to_fit
    ws = sheet("calcfmt-white-phantom")
    assert ws["A1"].border.left.color.rgb.endswith("FFFFFF")
    assert not any(str(r).startswith("D") for r in ws.merged_cells.ranges)  # 一级 runs not merged
    ws = sheet("calcfmt-print-area-break")
    assert ws.column_dimensions["G"].hidden and ws["G3"].value == "指标解释" and ws.row_breaks.brk
    assert ws.print_area and ws.print_title_rows == "$3:$3"


def test_calc_prints_the_habits() -> None:
    """What the README says LibreOffice did with them is really in the files."""
    texts = page_texts("calcfmt-print-area-break")
    assert len(texts) == 2 and not any("指标解释" in t or "填报说明" in t for t in texts)  # hidden / outside
    with pdfplumber.open(GOLDEN / TRUTHS["calcfmt-white-phantom"]["file"]) as pdf:
        colours = {tuple(round(c, 2) for c in ln["stroking_color"]) for ln in pdf.pages[0].lines}
    assert (1.0, 1.0, 1.0) in colours and (0.5, 0.5, 0.5) in colours
    pdf = pdfium.PdfDocument(data_of("calcfmt-rotate90-levels"))
    page = pdf[0]
    text = page.get_textpage()
    angles = {round(pdfium_raw.FPDFText_GetCharAngle(text.raw, i), 2) for i in range(text.count_chars())}
    text.close()
    page.close()
    pdf.close()
    assert 4.71 in angles  # 90° text: glyphs drawn going up the page


# --------------------------------------------------------------------------- extraction


def _case(name: str, field: str) -> Any:
    reason = KNOWN.get((name, field))
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(name, id=name, marks=marks) if field == "rows" else pytest.param(
        name, field, id=f"{name}-{field}", marks=marks)  # fmt: skip


@pytest.mark.parametrize("name", [_case(n, "rows") for n in sorted(TRUTHS)])
def test_every_row_comes_back(name: str) -> None:
    problem = unpaired(truth_rows(TRUTHS[name]), list(exported(name)))
    assert not problem, f"{name}: {problem}"


@pytest.mark.parametrize(("name", "field"), [_case(n, f) for n in sorted(TRUTHS) for f in FIELDS])
def test_field(name: str, field: str) -> None:
    errors = wrong_values(truth_rows(TRUTHS[name]), list(exported(name)), field)
    assert not errors, f"{name}: {field} wrong on {len(errors)} rows:\n" + "\n".join(errors[:8])


def test_known_failures_name_real_cases() -> None:
    assert {n for n, _ in KNOWN} <= set(TRUTHS) and {f for _, f in KNOWN} <= {*FIELDS, "rows"}


# --------------------------------------------------------------------------- the acceptance measure


def test_acceptance_measure_on_calc_format(capsys: pytest.CaptureFixture[str]) -> None:
    """The acceptance measure over calc-format, printed and held to the floor."""
    report = acceptance((FAMILY,), (r for name in sorted(TRUTHS) for r in exported(name)))
    with capsys.disabled():
        print(show("golden-calcfmt", report))
    assert report.overall.field_accuracy >= SCORE_FLOOR, "\n".join(report.lines())
