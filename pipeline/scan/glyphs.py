"""A recognised line segment → one Glyph per character, boxes estimated inside the segment.

The recogniser gives a line's text, not where each character stands; the segment's box is split
by the characters' advances (a CJK or full-width character about as wide as the line is high, an
ASCII one about half that), scaled so the advances fill the inked width. Spaces take their
advance and give no glyph, as in a text layer.
"""

from __future__ import annotations

import unicodedata

from pipeline.extract.objects import Glyph


def is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def line_glyphs(
    text: str,
    box: tuple[float, float, float, float],
    conf: float,
    cjk_advance: float = 1.0,
    narrow_advance: float = 0.55,
) -> list[Glyph]:
    """Glyphs of `text` spread over `box` (x0, top, x1, bottom, in points)."""
    x0, top, x1, bottom = box
    if not text:
        return []
    height = max(1e-3, bottom - top)
    advances = [(cjk_advance if is_wide(ch) else narrow_advance) * height for ch in text]
    total = sum(advances)
    factor = (x1 - x0) / total if total > 0 else 1.0
    glyphs = []
    x = x0
    for ch, advance in zip(text, advances, strict=True):
        width = advance * factor
        if not ch.isspace():
            glyphs.append(Glyph(ch, x, top, x + width, bottom, 0, conf))
        x += width
    return glyphs
