"""The rule registry: every rule, gathered once into an immutable tuple (definition order).

`RULES` holds them all, the self-evaluation E1–E6, the scan checks O1–O2 and the cross-document Y1–Y4 of
`pipeline.validate.across` included;
`DOCUMENT_RULES` and `ACROSS_RULES` split them by scope (one document at a time, or many).
"""

from __future__ import annotations

from pipeline.validate import across
from pipeline.validate.registry import collect
from pipeline.validate.rules import direction, evaluation, integrity, ocr, structure, value_type, weights

RULES = collect(structure, value_type, direction, weights, evaluation, integrity, ocr, across)
DOCUMENT_RULES = tuple(r for r in RULES if not r.across)
ACROSS_RULES = tuple(r for r in RULES if r.across)
