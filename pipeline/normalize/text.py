"""Text clean-up shared by every normalizer: text as printed, and a folded copy to match on.

Stored text keeps the characters a reader sees (CONTRACT "Text as printed"): full-width
punctuation stays full-width (，：（）；), traditional characters stay traditional. Only three
things are rewritten: line breaks and spaces inside a cell (wrapped lines in a table cell come
back joined with ``\\n`` or with stray spaces from OCR; in Chinese text such a break is not a word
boundary, so it is dropped without a separator), invisible characters (zero-width spaces, soft
hyphens), and the font artefacts a PDF's text layer reads as look-alikes: Kangxi radicals and CJK
compatibility ideographs (⽬ → 目) become the unified ideograph they render as.

Matching and parsing (operator words, level vocabularies, header labels, numbers such as `１０．５`
or `≥95%`, the code before the dash of 项目名称) compare a folded copy instead: NFKC, whitespace
removed (`compact`). The folded copy is never stored.

Every function here is idempotent: it repeats its steps until nothing changes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

# Invisible characters that are never content in these tables.
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_WHITESPACE = re.compile(r"\s+")
_ASCII_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_ASCII_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
# Kangxi radicals (with the CJK radicals supplement) and CJK compatibility ideographs: what a font
# maps some glyphs to; read as the unified ideograph the reader sees.
_FONT_ARTEFACTS = ((0x2E80, 0x2FDF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F))


def nfkc(text: str) -> str:
    """Fold for matching: Kangxi radicals (⽬→目), full-width digits, letters and punctuation
    (，→, （→( ＞＝ → >=). Never stored: see `as_printed`.

    ≥ ≤ ★ ☆ have no compatibility mapping and come through unchanged.
    """
    return unicodedata.normalize("NFKC", text)


def _unified(ch: str) -> str:
    cp = ord(ch)
    if any(lo <= cp <= hi for lo, hi in _FONT_ARTEFACTS):
        return unicodedata.normalize("NFKC", ch)
    return ch


def as_printed(text: str) -> str:
    """The characters a reader sees: invisible characters dropped, a Kangxi radical or CJK
    compatibility ideograph read as its unified ideograph; everything else untouched."""
    return "".join(map(_unified, _INVISIBLE.sub("", text)))


def fold_aligned(text: str) -> str:
    """A folded copy of `text` with the same length: each character NFKC-folded where that gives
    one character (`－`→`-`, `５`→`5`, `（`→`(`), else kept. A match found in the copy names the
    same span in `text`, so a value can be cut out of the printed text by what the copy matches."""
    out = []
    for ch in text:
        folded = unicodedata.normalize("NFKC", ch)
        out.append(folded if len(folded) == 1 else ch)
    return "".join(out)


def is_cjk(ch: str) -> bool:
    """True for Han ideographs (all planes) and the CJK symbol/kana blocks."""
    cp = ord(ch)
    return (
        0x2E80 <= cp <= 0x2FDF  # radicals
        or 0x3000 <= cp <= 0x30FF  # CJK symbols and punctuation, kana
        or 0x3100 <= cp <= 0x31FF
        or 0x3400 <= cp <= 0x4DBF
        or 0x4E00 <= cp <= 0x9FFF
        or 0xF900 <= cp <= 0xFAFF
        or 0xFE30 <= cp <= 0xFE4F
        or 0x20000 <= cp <= 0x3FFFF
    )


def has_cjk(text: str) -> bool:
    return any(is_cjk(ch) for ch in text)


def _fixpoint(step: Callable[[str], str], text: str) -> str:
    for _ in range(8):
        nxt = step(text)
        if nxt == text:
            return text
        text = nxt
    return text


def compact(text: str) -> str:
    """The folded form things are matched and parsed in: NFKC and no whitespace (`１０． ５` →
    `10.5`, `＞＝` → `>=`). For comparisons only; a stored value is `tight`."""
    return _fixpoint(lambda s: _WHITESPACE.sub("", _INVISIBLE.sub("", nfkc(s))), text)


def tight(text: str) -> str:
    """A value as printed minus every whitespace character (`10. 5` → `10.5`, `≥ 95％` → `≥95％`)."""
    return _fixpoint(lambda s: _WHITESPACE.sub("", as_printed(s)), text)


def _squeeze_step(s: str) -> str:
    s = as_printed(s)
    if has_cjk(_WHITESPACE.sub("", s)):  # U+3000 is whitespace, not a sign of Chinese text
        return _WHITESPACE.sub("", s)
    return _WHITESPACE.sub(" ", s).strip()


def clean_cell(text: str) -> str:
    """A short table cell (level names, units) as printed; a cell holding any CJK character loses
    all whitespace (wrapped lines join without a separator); a purely Latin cell keeps single
    spaces."""
    return _fixpoint(_squeeze_step, text)


def _latin(ch: str) -> str:
    """`ch` as an ASCII letter or digit when it is one, full-width ones included; else ''."""
    folded = unicodedata.normalize("NFKC", ch) if ch else ""
    return folded if folded in _ASCII_ALNUM else ""


def _join_step(s: str) -> str:
    s = as_printed(s).strip()

    def keep(m: re.Match[str]) -> str:
        before = _latin(s[m.start() - 1]) if m.start() > 0 else ""
        after = _latin(s[m.end()]) if m.end() < len(s) else ""
        if before and after and (before in _ASCII_LETTERS or after in _ASCII_LETTERS):
            return " "
        return ""

    return _WHITESPACE.sub(keep, s)


def clean_line(text: str) -> str:
    """Running text (project name, goal, unit name) as printed on one line: no line breaks, no
    spaces except a single one between two Latin words (`Windows 10`, `LED lamp`); digits split by
    a wrap (`202\\n5`) are joined."""
    return _fixpoint(_join_step, text)


def or_none(text: str) -> str | None:
    return text if text else None
