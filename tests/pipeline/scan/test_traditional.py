"""Traditional characters read as printed on a page that prints them, and nowhere else."""

from __future__ import annotations

import pytest

from pipeline.scan.recognize import Reading
from pipeline.scan.settings import DEFAULT
from pipeline.scan.traditional import as_traditional, forms, prints_traditional, traditional_only
from tests.pipeline.scan.pages import image_pdf, page_image, scan_bytes

GOLDEN = "tests/fixtures/golden/layout-calc-symbol"


def _reading(text: str, probs: list[float], leans: dict[int, tuple[str, float]]) -> Reading:
    forms_read = tuple(leans.get(k, ("", 0.0)) for k in range(len(text)))
    return Reading(text, sum(probs) / len(probs), tuple(probs), tuple(0.0 for _ in text), forms_read)


def test_the_table_maps_simplified_to_traditional_only_forms() -> None:
    assert forms()["费"] == "費"
    assert forms()["级"] == "級"
    assert "像" not in traditional_only()  # 象's variant, in simplified use itself
    assert not set(forms()) & traditional_only()


def test_a_simplified_character_whose_traditional_form_came_close_takes_it() -> None:
    read = _reading("维修经费", [0.99, 0.99, 0.75, 0.6], {2: ("經", 0.23), 3: ("費", 0.05), 0: ("維", 0.01)})
    assert as_traditional(read, 0.04).text == "维修經費"
    assert as_traditional(read, 0.04).probs == read.probs
    assert as_traditional(read, 0.1).text == "维修經费"


def test_a_reading_without_forms_is_left_as_read() -> None:
    read = Reading("经费", 0.7, (0.7, 0.7), (0.2, 0.6))
    assert as_traditional(read, 0.0) is read


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (["城市道路維修經费", "資金"], True),
        (["28.8萬元", "萬元"], False),  # one traditional measure word in a simplified table
        (["经费", "资金"], False),
    ],
)
def test_a_page_prints_traditional_characters_when_two_different_ones_are_read(
    texts: list[str], expected: bool
) -> None:
    readings = [_reading(t, [0.8] * len(t), {}) for t in texts]
    assert prints_traditional(readings, DEFAULT.traditional_sure, DEFAULT.traditional_least) is expected


def test_doubted_traditional_characters_are_no_evidence() -> None:
    readings = [_reading("維經", [0.3, 0.4], {})]
    assert not prints_traditional(readings, DEFAULT.traditional_sure, DEFAULT.traditional_least)


@pytest.mark.parametrize("dpi", [150, 200])
def test_a_scanned_traditional_table_reads_as_printed(dpi: int) -> None:
    image = page_image(f"{GOLDEN}/calc-symbol-2022-traditional.pdf", 0, dpi)
    text = "".join(g.text for g in scan_bytes(image_pdf(image, dpi)).objects.glyphs)
    assert "維修經費" in text and "本級" in text  # the model alone reads 經费 and 本级
    assert "经费" not in text and "經费" not in text and "本级" not in text


def test_a_scanned_simplified_table_stays_simplified() -> None:
    image = page_image(f"{GOLDEN}/calc-symbol-2023.pdf", 0, 150)
    text = "".join(g.text for g in scan_bytes(image_pdf(image, 150)).objects.glyphs)
    assert len(text) > 200
    assert not set(text) & traditional_only()
