"""Text clean-up shared by every normalizer: NFKC plus whitespace rules for Chinese cells.

Wrapped lines in a table cell come back joined with ``\\n`` (or with stray spaces from OCR); in
Chinese text such a break is not a word boundary, so it is dropped without a separator. Every
function here is idempotent: it repeats its steps until nothing changes, because removing a space
can bring two characters together that NFKC composes, and NFKC can turn a character into a space.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

# Invisible characters that survive NFKC and are never content in these tables.
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_WHITESPACE = re.compile(r"\s+")
_ASCII_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_ASCII_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def nfkc(text: str) -> str:
    """Compatibility-normalize: Kangxi radicals (⽬→目), full-width digits, letters, ＞＝ → >=.

    ≥ ≤ ★ ☆ have no compatibility mapping and come through unchanged.
    """
    return unicodedata.normalize("NFKC", text)


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
    """NFKC and remove every whitespace character (`10. 5` → `10.5`)."""
    return _fixpoint(lambda s: _WHITESPACE.sub("", _INVISIBLE.sub("", nfkc(s))), text)


def _squeeze_step(s: str) -> str:
    s = _INVISIBLE.sub("", nfkc(s))
    if has_cjk(s):
        return _WHITESPACE.sub("", s)
    return _WHITESPACE.sub(" ", s).strip()


def clean_cell(text: str) -> str:
    """A short table cell (level names, units): NFKC; a cell holding any CJK character loses all
    whitespace (wrapped lines join without a separator); a purely Latin cell keeps single spaces."""
    return _fixpoint(_squeeze_step, text)


def _join_step(s: str) -> str:
    s = _INVISIBLE.sub("", nfkc(s)).strip()

    def keep(m: re.Match[str]) -> str:
        before = s[m.start() - 1] if m.start() > 0 else ""
        after = s[m.end()] if m.end() < len(s) else ""
        latin = before in _ASCII_ALNUM and after in _ASCII_ALNUM
        if latin and (before in _ASCII_LETTERS or after in _ASCII_LETTERS):
            return " "
        return ""

    return _WHITESPACE.sub(keep, s)


def clean_line(text: str) -> str:
    """Running text (project name, goal, unit name) on one line: NFKC, no line breaks, no spaces
    except a single one between two Latin words (`Windows 10`, `LED lamp`); digits split by a
    wrap (`202\\n5`) are joined."""
    return _fixpoint(_join_step, text)


def or_none(text: str) -> str | None:
    return text if text else None
