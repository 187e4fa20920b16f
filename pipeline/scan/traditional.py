"""Traditional characters on a page printed in them, where the recogniser leaned to the simplified form.

The recognition model learnt mostly simplified text: a printed 經 or 費 is often read as 经 or 费,
with the traditional form as its close second (0.05–0.5 of the probability) where a printed
simplified character leaves it at 0.01 or less. On a page that shows traditional characters read
surely (經, 據, 資: forms that are no simplified character), a character read in its simplified
form whose traditional form came close is taken as printed traditional. Pages with no sure
traditional character are left as read: the text stays as printed (CONTRACT "Text as printed").
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.scan.recognize import Reading


@cache
def forms() -> dict[str, str]:
    """Simplified character → its traditional forms (traditional.tsv, from OpenCC's tables)."""
    text = (resources.files("pipeline.scan") / "traditional.tsv").read_text(encoding="utf-8")
    pairs = (line.split("\t") for line in text.splitlines() if line and not line.startswith("#"))
    return {simplified: traditional for simplified, traditional in pairs}


@cache
def traditional_only() -> frozenset[str]:
    return frozenset(ch for many in forms().values() for ch in many)


def prints_traditional(readings: list[Reading], sure: float, least: int) -> bool:
    """Whether the page shows `least` different traditional-only characters read at `sure` or more."""
    only = traditional_only()
    seen = {ch for r in readings for ch, p in zip(r.text, r.probs, strict=False) if ch in only and p >= sure}
    return len(seen) >= least


def as_traditional(reading: Reading, lean: float) -> Reading:
    """The reading with each simplified character whose traditional form was read at `lean` or
    more (`Reading.traditional`) put in that form; the character keeps its probability."""
    if len(reading.traditional) != len(reading.text):
        return reading  # read by shape, or spliced from pieces: nothing to go by
    text = "".join(
        form if form and p >= lean else ch
        for ch, (form, p) in zip(reading.text, reading.traditional, strict=True)
    )
    return reading if text == reading.text else reading._replace(text=text)
