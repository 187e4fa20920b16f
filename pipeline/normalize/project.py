"""Split 项目名称 "CODE-NAME" into the project code and the project name; take the unit code off
单位名称.

The code is the 一体化 project code (e.g. 54000021R000000005055): a run of ASCII letters and digits
before the first dash (-, －, —, –) or, when there is no dash, before the first space. Wrapped
lines and OCR spaces may fall inside the code, so whitespace is removed from the code run. A scan
may lose the thin dash altogether: a run of full length (GLUED_CODE_LENGTH) running straight into
the name's first Chinese character is a code too; a whole typed code (8 digits, a letter, 12
digits) ends there even when digits, a point or a colon follow it (the dash lost or misread). Marks before the code (a scan's speck read as
`·`, a pen's stroke as `/`) are no part of it.

The split is found in a folded copy (full-width digits and dashes read as ASCII), so the code is
ASCII; the name is cut out of the printed text and keeps its full-width punctuation.
"""

from __future__ import annotations

import re

from pipeline.normalize.text import as_printed, clean_line, fold_aligned

_DASHES = "-‐‑‒–—―－"
_BEFORE_DASH = re.compile(rf"^([A-Za-z0-9\s]+?)\s*[{_DASHES}]")
_BEFORE_SPACE = re.compile(r"^([A-Za-z0-9]+)\s+(?=\S)")
_GLUED = re.compile(r"^([A-Za-z0-9]+)(?=[\u3400-\u9fff])")
# a whole 一体化 code (division 6, year 2, type letter, serial 12) and a point or colon, or digits,
# before the name's first Chinese character: the mark is a scan's dash, the digits open the name (2024年度…)
_TYPED = re.compile(r"^(\d{8}[A-Z]\d{12})[.·:]?(?=\d*[\u3400-\u9fff])")
_MARKS_BEFORE = re.compile(  # a scan's specks or a pen's stroke before a code
    "^[" + re.escape("/\\|.·,，:：;；'\"‘’“”" + _DASHES) + r"]+\s*(?=[A-Za-z0-9])"
)
GLUED_CODE_LENGTH = 15  # 一体化 codes run 20–21 characters; "2025年…" or "G318国道…" are names


def _is_code(candidate: str, min_length: int) -> bool:
    return len(candidate) >= min_length and any(c.isdigit() for c in candidate) and candidate.isascii()


def split_project(text: str, min_code_length: int = 6) -> tuple[str | None, str]:
    """`54000021R000000005055-工资性支出` → ("54000021R000000005055", "工资性支出").

    Without a code (fewer than `min_code_length` characters, no digit, or no separator after it)
    the code is None and the whole cleaned text is the name.
    """
    printed = as_printed(text).strip()
    folded = fold_aligned(printed)  # same length: a span of `folded` is the same span of `printed`
    marks = _MARKS_BEFORE.match(folded)
    if marks:  # marks before a code (/4207…-, ·5401…-): no code or name opens with one
        code, name = split_project(printed[marks.end() :], min_code_length)
        if code is not None:
            return code, name
    for pattern, least in ((_BEFORE_DASH, min_code_length), (_BEFORE_SPACE, min_code_length),
                           (_TYPED, min_code_length), (_GLUED, max(min_code_length, GLUED_CODE_LENGTH))):  # fmt: skip
        m = pattern.match(folded)
        if m:
            code = re.sub(r"\s+", "", m.group(1))
            if code.isalnum() and _is_code(code, least):
                return code, clean_line(printed[m.end() :])
    return None, clean_line(printed)


_WHOLE_TYPED = re.compile(r"^\d{8}[A-Z]\d{12}$")
_ALL_DIGITS = re.compile(r"^\d{21}$")
TYPE_LETTER_MISREAD = {"T": "17", "R": "8"}  # a recogniser's digit for the type letter


_TYPED_SHAPE = re.compile(r"^[0-9BCDOQISZ]{8}[A-Z][0-9BCDOQISZ]{12}$")
DIGIT_MISREAD = str.maketrans("BCDOQISZ", "80000152")  # letters a recogniser reads for a code's digits


# points, colons and slashes (a scanner's streak through a 0 read C/) inside a code, and crosses
_SPECKED_CODE = re.compile(r"^([0-9A-Z]{3,}(?:[.·:/±+][0-9A-Z]{3,}){1,2})(?=\s*[-‐‑‒–—―－])")
_CROSS = re.compile(r"[±+]")  # a 1 a streak crossed: its upright and the streak's bar make a cross


# a Latin letter among marks (two at most each side) read before a typed code: a pen's stroke (√V5401…)
_STROKE_BEFORE_TYPED = re.compile(
    r"^[^\w\u3400-\u9fff]{0,2}[A-Za-z]?[^\w\u3400-\u9fff]{0,2}(?=\d{8}[A-Z]\d{12}(?!\d))"
)


def without_code_specks(text: str) -> str:
    """A scanned project's text with the specks read inside its code taken out (5400.0021R…-,
    540:10020504176826083-, a streak's 54010023T0000C/1513444-): a code of `GLUED_CODE_LENGTH`
    or more letters and digits before its dash, cut by one or two points, colons or slashes, each
    part three characters or more; a cross (± +) in a digit's place of a typed code is a 1 a
    streak crossed (seed 54's 540100±8T000002064277-), elsewhere a speck; and a pen's
    stroke read before a typed code (√V54010023T…) left out."""
    text = _STROKE_BEFORE_TYPED.sub("", text, count=1)
    m = _SPECKED_CODE.match(text)
    if not m:
        return text
    code = re.sub(r"[.·:/]", "", m.group(1))
    crossed = _CROSS.sub("1", code)
    code = crossed if _TYPED_SHAPE.match(crossed) else _CROSS.sub("", code)  # a cross in a digit's place
    return code + text[m.end() :] if len(code) >= GLUED_CODE_LENGTH else text


def restore_digits(code: str | None) -> str | None:
    """A scanned typed code with a digit read as the letter it looks like (54D00022T…, …196B412)
    has the digit back: the type letter (the ninth character) is a typed code's only letter. A
    mark read before it (a pen's /, a speck) is no part of it."""
    if not code:
        return code
    marks = _MARKS_BEFORE.match(code)
    if marks and _TYPED_SHAPE.match(code[marks.end() :]):
        code = code[marks.end() :]
    if not _TYPED_SHAPE.match(code) or _WHOLE_TYPED.match(code):
        return code
    return code[:8].translate(DIGIT_MISREAD) + code[8] + code[9:].translate(DIGIT_MISREAD)


def restore_type_letters(codes: list[str | None], scanned: list[bool]) -> list[str | None]:
    """Scanned codes of 21 digits with their type letter back (54010021T… read 540100211…): where
    the document's typed codes of the same division and year (the first 8 digits; with none of that
    year, of the division, the first 6) all carry one letter, and the digit read is one that letter
    is mistaken for; or where just one of their letters is mistaken for it (R and T, a 1: T).
    Failing those, in a document of typed codes with no code of 21 digits whose ninth digit no
    letter is mistaken for (no sign of a numbering of digits only), the one letter mistaken for
    the digit read (1 and 7: T; seeds 44 and 45 read 54060020T… as 540600201… beside 54060023X…).
    Other codes stay as read (a document of numeric codes has no typed ones)."""
    letters: dict[str, set[str]] = {}
    for code in codes:
        if code and _WHOLE_TYPED.match(code):
            letters.setdefault(code[:8], set()).add(code[8])
            letters.setdefault(code[:6], set()).add(code[8])
    numbered = any(code and _ALL_DIGITS.match(code) and not _letters_for(code[8]) for code in codes)
    anywhere = bool(letters) and not numbered
    out = []
    for code, scan in zip(codes, scanned, strict=True):
        if scan and code and _ALL_DIGITS.match(code):
            kin = letters.get(code[:8]) or letters.get(code[:6]) or set()
            letter = _type_letter(code[8], kin, anywhere)
            if letter is not None:
                code = code[:8] + letter + code[9:]
        out.append(code)
    return out


def _letters_for(digit: str) -> list[str]:
    """The type letters a recogniser reads as this digit."""
    return [letter for letter, digits in TYPE_LETTER_MISREAD.items() if digit in digits]


def _type_letter(digit: str, kin: set[str], anywhere: bool) -> str | None:
    """The type letter read as `digit`, from the letters of the code's kin (`kin`), else, where
    `anywhere`, from every letter; None where none or more than one fits."""
    near = [letter for letter in sorted(kin) if letter in _letters_for(digit)]
    if len(near) == 1:
        return near[0]
    if near or not anywhere:
        return None
    every = _letters_for(digit)
    return every[0] if len(every) == 1 else None
