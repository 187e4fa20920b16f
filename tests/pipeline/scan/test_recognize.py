"""The recogniser's session: provider choice, and the folded model computing what the shipped one does."""

from __future__ import annotations

from collections import Counter
from importlib import resources
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import onnxruntime as ort
import pytest

from pipeline.scan import _by_shape, _Layout
from pipeline.scan.fold import encode, fold, parse
from pipeline.scan.recognize import MODEL, Reading, Recognizer, providers
from tests.pipeline.scan.pages import scan_bytes

MILD = Path(__file__).resolve().parents[2] / "fixtures" / "golden" / "scan-mild"


def test_cpu_alone_by_default() -> None:
    assert providers(["CPUExecutionProvider"]) == ["CPUExecutionProvider"]
    assert providers(["AzureExecutionProvider", "CPUExecutionProvider"]) == ["CPUExecutionProvider"]


def test_cuda_first_when_offered() -> None:
    available = ["TensorrtExecutionProvider", "CUDAExecutionProvider", "CPUExecutionProvider"]
    assert providers(available) == ["CUDAExecutionProvider", "CPUExecutionProvider"]


@pytest.fixture(scope="module")
def shipped() -> bytes:
    return (resources.files("rapidocr_onnxruntime") / "models" / MODEL).read_bytes()


def test_wire_format_round_trip(shipped: bytes) -> None:
    assert encode(parse(shipped)) == shipped


def test_folded_model_computes_the_same(shipped: bytes) -> None:
    folded = fold(shipped)
    assert folded != shipped  # the affine tails and hard-swishes were found
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.log_severity_level = 4
    a = ort.InferenceSession(shipped, options, providers=["CPUExecutionProvider"])
    b = ort.InferenceSession(folded, options, providers=["CPUExecutionProvider"])
    assert a.get_modelmeta().custom_metadata_map == b.get_modelmeta().custom_metadata_map
    x = np.random.default_rng(7).uniform(-1, 1, (2, 3, 40, 160)).astype(np.float32)
    ya, yb = a.run(None, {"x": x})[0], b.run(None, {"x": x})[0]
    assert np.abs(ya - yb).max() < 1e-4
    assert (ya.argmax(axis=2) == yb.argmax(axis=2)).all()
    assert _ops(folded)["Div"] < _ops(shipped)["Div"]
    assert _ops(folded)["HardSigmoid"] > 0
    # the 16 scale-and-shift tails left (before padded convolutions, poolings): 1×1 depthwise Convs
    assert _ops(folded)["Conv"] == _ops(shipped)["Conv"] + 16


def _ops(model: bytes) -> Counter[str]:
    """How many nodes of each op the model's graph holds (ModelProto.graph = 7, GraphProto.node =
    1, NodeProto.op_type = 4)."""
    graph = next(v for n, _, v in parse(model) if n == 7)
    nodes = [parse(v) for n, _, v in parse(graph) if n == 1]
    return Counter(next(v.decode() for n, _, v in node if n == 4) for node in nodes)


def test_fold_leaves_a_foreign_model_alone() -> None:
    assert fold(b"") == b""


def _layout(crops: list[np.ndarray], em: float) -> _Layout:
    n = len(crops)
    return _Layout(np.zeros((1, 1), np.uint8), None, [], crops, [(0, 0, 1, 1)] * n, em, [0] * n, [], [])  # type: ignore[arg-type]


def test_a_lone_dash_is_read_by_shape_not_recognised() -> None:
    em = 22.0
    dash = np.full((30, 40), 255, np.uint8)
    dash[14:16, 10:30] = 0
    text = np.full((30, 200), 255, np.uint8)
    text[8:22, 10:20] = 0
    text[8:22, 150:160] = 0  # ink past 3.5 em: not operator figures alone
    found = _by_shape(_layout([dash, text], em))
    assert set(found) == {0}
    assert found[0].text == "—"


def test_lines_of_one_width_read_together_read_exactly_as_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    crops: list[np.ndarray] = []
    real = Recognizer.__call__

    def keep(self: Recognizer, lines: list[np.ndarray], height: int | None = None) -> list[Reading]:
        crops.extend(lines)
        return real(self, lines, height)

    monkeypatch.setattr(Recognizer, "__call__", keep)
    scan_bytes((MILD / "mild-ubo-2022-portrait-words.pdf").read_bytes())  # its first page
    monkeypatch.undo()
    alone, together = Recognizer(batch=1), Recognizer(batch=16)
    runs = _count_runs(together)
    widths = Counter(together._width(c, 40) for c in crops)
    assert len(crops) > 50 and len(widths) < len(crops)  # some lines share a width
    assert together(crops, 40) == alone(crops, 40)  # text, probabilities, places: bit for bit
    assert runs[0] == sum(-(-n // 16) for n in widths.values()) < len(crops)


def _count_runs(rec: Recognizer) -> list[int]:
    runs = [0]
    session_run = rec.session.run

    def counted(*args: object, **kwargs: object) -> object:
        runs[0] += 1
        return session_run(*args, **kwargs)

    rec.session = SimpleNamespace(run=counted, get_providers=rec.session.get_providers)  # type: ignore[assignment]
    return runs
