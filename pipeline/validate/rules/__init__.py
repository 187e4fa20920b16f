"""All per-document rules, gathered once into an immutable tuple (definition order)."""

from __future__ import annotations

from pipeline.validate.registry import collect
from pipeline.validate.rules import direction, integrity, structure, value_type, weights

RULES = collect(structure, value_type, direction, weights, integrity)
