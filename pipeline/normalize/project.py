"""Split 项目名称 "CODE-NAME" into the project code and the project name; take the unit code off
单位名称.

The code is the 一体化 project code (e.g. 54000021R000000005055): a run of ASCII letters and digits
before the first dash (-, －, —, –) or, when there is no dash, before the first space. Wrapped
lines and OCR spaces may fall inside the code, so whitespace is removed from the code run.

The split is found in a folded copy (full-width digits and dashes read as ASCII), so the code is
ASCII; the name is cut out of the printed text and keeps its full-width punctuation.
"""

from __future__ import annotations

import re

from pipeline.normalize.text import as_printed, clean_line, fold_aligned

_DASHES = "-‐‑‒–—―－"
_BEFORE_DASH = re.compile(rf"^([A-Za-z0-9\s]+?)\s*[{_DASHES}]")
_BEFORE_SPACE = re.compile(r"^([A-Za-z0-9]+)\s+(?=\S)")


def _is_code(candidate: str, min_length: int) -> bool:
    return len(candidate) >= min_length and any(c.isdigit() for c in candidate) and candidate.isascii()


def split_project(text: str, min_code_length: int = 6) -> tuple[str | None, str]:
    """`54000021R000000005055-工资性支出` → ("54000021R000000005055", "工资性支出").

    Without a code (fewer than `min_code_length` characters, no digit, or no separator after it)
    the code is None and the whole cleaned text is the name.
    """
    printed = as_printed(text).strip()
    folded = fold_aligned(printed)  # same length: a span of `folded` is the same span of `printed`
    for pattern in (_BEFORE_DASH, _BEFORE_SPACE):
        m = pattern.match(folded)
        if m:
            code = re.sub(r"\s+", "", m.group(1))
            if code.isalnum() and _is_code(code, min_code_length):
                return code, clean_line(printed[m.end() :])
    return None, clean_line(printed)
