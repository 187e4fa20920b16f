"""lookalikes: a scanned operator cell's look-alike readings; reading rows never loads the OCR stack."""

from __future__ import annotations

import subprocess
import sys

import pytest

from pipeline.extract.lookalikes import operator_cell


@pytest.mark.parametrize(
    ("read", "expected"),
    [
        ("N", ("≥", True)),
        ("K", ("≤", True)),
        ("—", ("=", True)),
        ("<m", ("≤", True)),
        ("定性。", ("定性", False)),  # a speck after it: no guess
        ("≥'", ("≥", False)),
        ("≥", None),  # as printed: nothing to do
        ("M", None),  # read for both ≥ and ≤
        ("定量", None),
        ("95", None),
    ],
)
def test_look_alikes_and_specks_in_the_operator_column(read: str, expected: tuple[str, bool] | None) -> None:
    assert operator_cell(read) == expected


def test_reading_text_layers_loads_neither_onnxruntime_nor_opencv() -> None:
    """A parse process runs under a memory cap (JIXIAO_MAX_PARSE_MB): the OCR stack's hundreds of MB
    of address space are mapped only when a page is read from its image."""
    code = (
        "import sys, pipeline.extract, pipeline.normalize, pipeline.validate; "
        "print(sorted(m for m in ('pipeline.scan', 'onnxruntime', 'cv2') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
