"""Text-line recognition with the PP-OCRv4 recognition model that ships inside rapidocr_onnxruntime.

Only the recognition model runs: the lines come from the page's own geometry (cells, projection),
so no detection pass over the whole page is needed. The model and its character list (stored in
the .onnx file's metadata) load once per process, the model's elementwise tails folded into its
convolutions first (fold.py: the same function, about a third less CPU); onnxruntime runs
single-threaded by default, so CPU-seconds are honest and worker processes scale. Nothing is
downloaded.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from importlib import resources
from typing import NamedTuple

import cv2
import numpy as np
import onnxruntime as ort

from pipeline.scan.fold import fold
from pipeline.scan.traditional import forms

MODEL = "ch_PP-OCRv4_rec_infer.onnx"
_STRIDE = 8  # input columns per output step of the model
_lock = threading.Lock()


class Reading(NamedTuple):
    text: str
    conf: float  # mean probability of the characters read (0 when nothing was read)
    probs: tuple[float, ...]  # one per character of text
    steps: tuple[float, ...]  # each character's centre, as a share (0..1) of the crop's width
    # per character: its likeliest traditional form and that form's probability at the same step
    # ("" and 0 where it has none; traditional.py); empty where the reading was not decoded whole
    traditional: tuple[tuple[str, float], ...] = ()


def providers(available: list[str]) -> list[str]:
    """onnxruntime's execution providers for the session, in order of preference: CUDA first where
    this onnxruntime build offers it (a GPU machine's onnxruntime-gpu), the CPU always last."""
    return (
        ["CUDAExecutionProvider", "CPUExecutionProvider"]
        if "CUDAExecutionProvider" in available
        else ["CPUExecutionProvider"]
    )


class Recognizer:
    """One onnxruntime session of the recognition model and its character list."""

    def __init__(self, threads: int = 1, height: int = 48, batch: int = 16) -> None:
        path = resources.files("rapidocr_onnxruntime") / "models" / MODEL
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 4
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(
            fold(path.read_bytes()), sess_options=options, providers=providers(ort.get_available_providers())
        )
        meta = self.session.get_modelmeta().custom_metadata_map
        self.chars = ["", *meta["character"].splitlines(), " "]  # CTC blank first, space last
        index = {ch: k for k, ch in enumerate(self.chars)}
        self.forms = {
            index[s]: tuple(index[t] for t in many if t in index) for s, many in forms().items() if s in index
        }
        self.height = height
        self.batch = max(1, batch)
        self.input = self.session.get_inputs()[0].name

    def __call__(self, crops: list[np.ndarray], height: int | None = None) -> list[Reading]:
        """Read grey (H×W uint8) line crops, scaled to `height` px (the model's 48 by default); in order.

        Crops that scale to the same width run through the model together, up to `batch` at a
        time, and only those: a batch is never padded, so each line reads exactly as it would
        alone (bit for bit; a padded line's reading hangs on its neighbours), while one run
        instead of several saves the model's per-run work (about 8 % of its CPU on a dense page,
        where short cells of one width — 个, 100%, ≥ — are common)."""
        height = height or self.height
        out: list[Reading] = [Reading("", 0.0, (), ())] * len(crops)
        together: dict[int, list[int]] = {}
        for i, crop in enumerate(crops):
            together.setdefault(self._width(crop, height), []).append(i)
        for width, members in together.items():
            for start in range(0, len(members), self.batch):
                part = members[start : start + self.batch]
                batch = np.empty((len(part), 3, height, width), dtype=np.float32)
                for row, i in enumerate(part):
                    image = cv2.resize(crops[i], (width, height), interpolation=cv2.INTER_AREA
                                       if crops[i].shape[0] > height else cv2.INTER_LINEAR)  # fmt: skip
                    batch[row] = image.astype(np.float32) / 127.5 - 1.0  # the same grey in all 3 channels
                with _lock if self.session.get_providers()[0] != "CPUExecutionProvider" else _null:
                    preds = self.session.run(None, {self.input: batch})[0]
                for row, i in enumerate(part):
                    out[i] = self._decode(preds[row], width)
        return out

    def _width(self, crop: np.ndarray, height: int) -> int:
        h, w = crop.shape[:2]
        return max(_STRIDE, int(np.ceil(height * w / max(1, h))))

    def _decode(self, pred: np.ndarray, width: int) -> Reading:
        steps = min(pred.shape[0], int(np.ceil(width / _STRIDE)) + 1)
        pred = pred[:steps]
        index = pred.argmax(axis=1)
        prob = pred[np.arange(steps), index]
        keep = index != 0
        keep[1:] &= index[1:] != index[:-1]
        positions = np.nonzero(keep)[0]
        if not len(positions):
            return Reading("", 0.0, (), ())
        text = "".join(self.chars[k] for k in index[positions])
        probs = tuple(float(p) for p in prob[positions])
        centres = tuple(min(1.0, (p + 0.5) * _STRIDE / width) for p in positions)
        return Reading(text, float(np.mean(probs)), probs, centres, self._traditional(pred, positions, index))

    def _traditional(
        self, pred: np.ndarray, positions: np.ndarray, index: np.ndarray
    ) -> tuple[tuple[str, float], ...]:
        """Each read character's likeliest traditional form and its probability (Reading.traditional)."""
        out = []
        for p in positions:
            many = self.forms.get(int(index[p]), ())
            best = max(many, key=lambda k: pred[p, k], default=0)
            out.append((self.chars[best], float(pred[p, best])) if best else ("", 0.0))
        return tuple(out)


class _Null:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


_null = _Null()


@lru_cache(maxsize=4)
def recognizer(threads: int = 1, height: int = 48, batch: int = 16) -> Recognizer:
    """The process's recognizer for these settings (the model loads once)."""
    return Recognizer(threads, height, batch)
