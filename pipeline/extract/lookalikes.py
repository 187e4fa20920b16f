"""Operators a scan's recogniser read as look-alikes, in the operator column (指标性质).

The recognition model has no ≥ or ≤; scan/operators.py reads operators by their shape, but in a
photocopy's blur or at 150 dpi the shape is lost and the model's reading is all there is. In
that one column the closed vocabulary makes the reading decidable. Here, not in pipeline.scan:
extract's row reader uses it, and pipeline.scan (onnxruntime, OpenCV) is imported only when a
page is read from its image.
"""

from __future__ import annotations

import re

OPERATORS = "≥≤<>=＝"
# what the recogniser reads for an operator printed in a photocopy's blur or at 150 dpi (held-out
# scans: ≥ read N 31 times, W, 2; ≤ K, n; = 1 I Ⅱ H 0 μ, and a dash 23 times: its bars run
# together; > V v; < ^); M is read for both ≥ and ≤. No layout prints a dash in this column (on two
# held-out seeds of all 63 layouts every dash read there was an =)
_LOOK_ALIKES = {
    **dict.fromkeys("NW2", "≥"), **dict.fromkeys("Kn", "≤"), **dict.fromkeys("Vv", ">"), "^": "<",
    **dict.fromkeys("1IⅡH0μ—-–一", "="),
}  # fmt: skip
_MARKS_AFTER = re.compile(r"[.。．·‘’'`]+$")
_BAR_UNDER = re.compile(r"^([<>])[a-z]$")  # the chevron read, its bar read as a letter (<m, >u)
OPERATOR_KINDS = ("定性", "定量")
GUESSED = 0.5  # the confidence a look-alike's operator keeps at most: under any threshold, so reported


def operator_cell(text: str) -> tuple[str, bool] | None:
    """The operator an operator column's cell (指标性质) holds, and whether it is a guess: read as
    a look-alike (N for ≥, K for ≤, the bars of = run together as one: a guess) or with a speck
    after it (定性。, ≥': no guess). None when the text is no such reading. Only for that column:
    elsewhere N, 2 and 1 are text."""
    text = text.strip()
    bare = _MARKS_AFTER.sub("", text)
    if bare != text and bare and (bare in OPERATORS or bare in OPERATOR_KINDS):
        return bare, False
    if bare in _LOOK_ALIKES:
        return _LOOK_ALIKES[bare], True
    m = _BAR_UNDER.match(bare)
    return None if m is None else ("≤" if m.group(1) == "<" else "≥", True)
