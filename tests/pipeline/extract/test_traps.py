"""The traps real PDFs hold, one at a time, on the seed transcription rendered."""

from __future__ import annotations

import io
import random
import unicodedata

import pdfplumber
import pypdfium2 as pdfium
import pytest

from pipeline.errors import ScannedPdfError
from pipeline.extract import extract
from pipeline.normalize import normalize
from pipeline.settings import ExtractSettings
from tests.fixtures.render import RenderOptions, render_pdf
from tests.fixtures.truths import Truth, random_truth, seed_truth


@pytest.fixture(scope="module")
def seed() -> Truth:
    return seed_truth()


def rows(truth: Truth) -> int:
    return sum(len(p.indicators) for p in truth.projects)


def page_text(data: bytes) -> str:
    pdf = pdfium.PdfDocument(data)
    try:
        return "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    finally:
        pdf.close()


def test_kangxi_radicals_in_the_text_layer_come_back_as_ordinary_characters(seed: Truth) -> None:
    data = render_pdf(seed, RenderOptions(kangxi=0.5, trap_seed=3))
    assert any(0x2F00 <= ord(ch) <= 0x2FDF for ch in page_text(data)), "the trap must be in the PDF"
    doc = normalize(extract(data))
    text = "".join(
        (p.goal or "") + p.name + "".join(i.level3 or "" for i in p.indicators) for p in doc.projects
    )
    assert not any(0x2F00 <= ord(ch) <= 0x2FDF for ch in text)
    assert doc.indicator_count == rows(seed)


def test_fake_bold_title_is_read_once(seed: Truth) -> None:
    data = render_pdf(seed, RenderOptions(fake_bold_title=True))
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        assert sum(c["text"] == "绩" for c in pdf.pages[0].chars if c["top"] < 40) == 2, (
            "the title is drawn twice"
        )
    assert extract(data).title == "项目支出绩效表"


def test_rotated_pages_read_as_landscape(seed: Truth) -> None:
    data = render_pdf(seed, RenderOptions(rotate90=True))
    pdf = pdfium.PdfDocument(data)
    assert pdf[0].get_rotation() == 90
    pdf.close()
    doc = normalize(extract(data))
    assert doc.indicator_count == rows(seed)
    assert [p.code for p in doc.projects] == [p.code for p in seed.projects]


def test_footer_and_total_row_never_become_rows(seed: Truth) -> None:
    data = render_pdf(seed, RenderOptions(total_row=True))
    assert "合计" in page_text(data) and "第 1 页" in page_text(data).replace("第1页", "第 1 页")
    doc = normalize(extract(data))
    names = [i.level3 for p in doc.projects for i in p.indicators]
    assert doc.indicator_count == rows(seed)
    assert not any(n and ("合计" in n or "页" in n) for n in names)


def test_other_tables_around_the_performance_table_are_skipped(seed: Truth) -> None:
    opts = RenderOptions(before=("cover", "summary", "projects"), after=("notes",))
    extraction = extract(render_pdf(seed, opts))
    assert sum(len(p.rows) for p in extraction.projects) == rows(seed)
    assert extraction.table_pages[0] > 1


def test_year_and_amount_unit_come_from_the_page_header() -> None:
    truth = random_truth(random.Random(5))
    extraction = extract(render_pdf(truth, RenderOptions()))
    assert extraction.budget_year == str(truth.budget_year)
    assert extraction.amount_unit == truth.amount_unit


@pytest.mark.parametrize("continuation", ["repeat", "blank", "rest"])
def test_page_break_styles_give_the_same_projects(seed: Truth, continuation: str) -> None:
    doc = normalize(extract(render_pdf(seed, RenderOptions(continuation=continuation))))
    got = [tuple(map(nfkc, (p.code, p.name, p.goal))) for p in doc.projects]
    assert got == [tuple(map(nfkc, (p.code, p.name, p.goal))) for p in seed.projects]


def nfkc(text: str | None) -> str:
    return unicodedata.normalize("NFKC", text or "")


def image_only_pdf() -> bytes:
    from fpdf import FPDF
    from PIL import Image

    pdf = FPDF(unit="pt", format="A4")
    for _ in range(2):
        pdf.add_page()
        pdf.image(Image.new("L", (827, 1169), 235), x=0, y=0, w=595.28, h=841.89)  # a blank scan
    return bytes(pdf.output())


def test_an_image_only_pdf_is_read_from_its_images() -> None:
    extraction = extract(image_only_pdf())
    assert extraction.ocr_pages == 2 and not extraction.projects
    assert any("read from their images" in note for note in extraction.notes)


def test_with_scans_off_an_image_only_pdf_fails_as_a_scan() -> None:
    with pytest.raises(ScannedPdfError, match="JIXIAO_OCR=0"):
        extract(image_only_pdf(), ExtractSettings(read_scans=False))


def test_budget_year_falls_back_to_the_cover_page() -> None:
    from pipeline.extract import cover_year

    assert cover_year("拉萨市信访局\n2025年部门预算\n二〇二五年三月") == "2025"
    assert cover_year("编制日期：2024年12月") is None
    assert cover_year("２０２４年 部门预算公开") == "2024"


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["单位名称：拉萨市信访局本级  预算年度：2025 金额单位：万元"],
         {"unit_name": "拉萨市信访局本级", "year": "2025", "amount_unit": "万元"}),
        (["单位名称 拉萨市信访局本级 金额单位:万元"], {"unit_name": "拉萨市信访局本级", "amount_unit": "万元"}),
        (["2024年部门预算项目支出绩效目标表", "单位：万元"], {"year": "2024", "amount_unit": "万元"}),
        (["单位名称"], {}),
    ],
)  # fmt: skip
def test_page_header_fields_in_their_printed_variants(lines: list[str], expected: dict[str, str]) -> None:
    from pipeline.extract.header import page_header_fields

    found = page_header_fields(lines)
    found.pop("title", None)
    assert found == expected
