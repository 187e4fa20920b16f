"""Validation profiles: which rules run and with which thresholds, per province or city.

A profile is a TOML file. The shipped ones live in `pipeline/profiles/` (``national`` is the
default); a local one names its parent with ``extends = "national"`` (a shipped name, or a path
relative to the extending file) and overrides only the keys it changes: tables merge key by key,
everything else is replaced. Unknown keys are an error, so a typo cannot silently switch a check
off. Loading is the only I/O of the validate stage: do it once with `load_profile` and pass the
resulting `Profile` in `ValidateSettings.profile`.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, get_args

from pipeline.model import Severity

PROFILES_DIR = Path(__file__).resolve().parent.parent / "profiles"
Hierarchy = Literal["either", "88", "101"]
SEVERITIES: frozenset[str] = frozenset(get_args(Severity))


class ProfileError(ValueError):
    """A profile file is missing, not TOML, or holds a key or value the validator does not know."""


def _frozen(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class Profile:
    name: str = "national"
    description: str = ""
    select: tuple[str, ...] = ("ALL",)  # rule ids or group letters (S V D W E P Y O) or ALL
    ignore: tuple[str, ...] = ()
    # hierarchy (rules.md §1.2, S3/S7/S10)
    hierarchy: Hierarchy = "either"  # which canonical tree 二级 must fit: 88号, 101号 or either
    style_101_from_year: int = 2022  # from this budget year on, a 成本 indicator is expected (S7)
    cost_indicator_required: bool = False  # S7 is an error instead of a warning
    core_required: bool = False  # S10: each project needs ≥1 ★ indicator
    # values (§1.5, V8, D5, P3)
    satisfaction_floor: float = 80.0
    max_indicator_name_length: int = 30
    # weights (§1.3, W2/W3)
    weight_totals: tuple[float, ...] = (90.0, 100.0)
    weight_tolerance: float = 0.5
    budget_execution_weight: float = 10.0
    level1_weights: Mapping[str, float] = field(
        default_factory=lambda: _frozen({"产出指标": 50.0, "效益指标": 30.0, "满意度指标": 10.0}), hash=False
    )
    level1_weights_without_satisfaction: Mapping[str, float] = field(
        default_factory=lambda: _frozen({"产出指标": 50.0, "效益指标": 40.0}), hash=False
    )
    # across documents (Y rules)
    template_min_indicators: int = 3  # Y3 compares indicator sets of at least this size
    outlier_min_samples: int = 5  # Y4
    outlier_iqr_factor: float = 1.5  # Y4
    # values read from scans (§2.8b, O1/O2): a cell read by OCR under this confidence is checked by a person
    ocr_confidence: float = 0.90
    # severity overrides: "W4" = "warning" (every outcome of the rule) or "S5.benefit" (one outcome)
    severity: Mapping[str, Severity] = field(default_factory=lambda: _frozen({}), hash=False)

    def selects(self, rule_id: str) -> bool:
        chosen = {s.upper() for s in self.select}
        if rule_id in self.ignore or rule_id[0] in self.ignore:
            return False
        return "ALL" in chosen or rule_id in chosen or rule_id[0] in chosen

    def severity_for(self, rule_id: str, outcome: str, default: Severity) -> Severity:
        if outcome and f"{rule_id}.{outcome}" in self.severity:
            return self.severity[f"{rule_id}.{outcome}"]
        return self.severity.get(rule_id, default)


# TOML layout: table -> key -> Profile field
_LAYOUT: dict[str, dict[str, str]] = {
    "": {"name": "name", "description": "description", "extends": ""},
    "rules": {"select": "select", "ignore": "ignore"},
    "hierarchy": {
        "style": "hierarchy",
        "style_101_from_year": "style_101_from_year",
        "cost_indicator_required": "cost_indicator_required",
        "core_required": "core_required",
    },
    "values": {
        "satisfaction_floor": "satisfaction_floor",
        "max_indicator_name_length": "max_indicator_name_length",
    },
    "weights": {
        "totals": "weight_totals",
        "tolerance": "weight_tolerance",
        "budget_execution": "budget_execution_weight",
        "level1": "level1_weights",
        "level1_without_satisfaction": "level1_weights_without_satisfaction",
    },
    "across": {
        "template_min_indicators": "template_min_indicators",
        "outlier_min_samples": "outlier_min_samples",
        "outlier_iqr_factor": "outlier_iqr_factor",
    },
    "scan": {"ocr_confidence": "ocr_confidence"},
    "severity": {},  # free keys: rule ids
}


def _merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _merge(dict(out[key]), value)
        else:
            out[key] = value
    return out


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise ProfileError(f"profile file not found: {path}") from None
    except tomllib.TOMLDecodeError as e:
        raise ProfileError(f"profile {path} is not valid TOML: {e}") from None


def _locate(name_or_path: str | Path, relative_to: Path | None = None) -> Path:
    text = str(name_or_path)
    if "/" not in text and "\\" not in text and not text.endswith(".toml"):
        shipped = PROFILES_DIR / f"{text}.toml"
        if not shipped.is_file():
            known = ", ".join(sorted(p.stem for p in PROFILES_DIR.glob("*.toml")))
            raise ProfileError(f"no shipped profile named {text!r} (shipped: {known})")
        return shipped
    path = Path(text).expanduser()
    if not path.is_absolute() and relative_to is not None:
        path = relative_to / path
    return path


def _raw(
    name_or_path: str | Path, relative_to: Path | None = None, seen: tuple[Path, ...] = ()
) -> dict[str, Any]:
    path = _locate(name_or_path, relative_to).resolve()
    if path in seen:
        raise ProfileError(f"profile {path} extends itself (cycle)")
    data = _read(path)
    parent = data.get("extends")
    if parent is None:
        return data
    if not isinstance(parent, str):
        raise ProfileError(f"profile {path}: extends must be a profile name or path")
    base = _raw(parent, path.parent, (*seen, path))
    base.pop("extends", None)
    base.pop("name", None)  # the child is its own profile
    return _merge(base, data)


def _number(key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ProfileError(f"{key} must be a number, not {value!r}")
    return float(value)


def _convert(fname: str, key: str, value: Any) -> Any:
    default = Profile.__dataclass_fields__[fname].default
    if fname in ("select", "ignore"):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ProfileError(f"{key} must be a list of rule ids")
        return tuple(v.upper() for v in value)
    if fname == "weight_totals":
        if not isinstance(value, list) or not value:
            raise ProfileError(f"{key} must be a non-empty list of numbers")
        return tuple(_number(key, v) for v in value)
    if fname in ("level1_weights", "level1_weights_without_satisfaction"):
        if not isinstance(value, Mapping):
            raise ProfileError(f"{key} must be a table of 一级指标 = weight")
        return _frozen({str(k): _number(f"{key}.{k}", v) for k, v in value.items()})
    if fname == "hierarchy":
        if value not in get_args(Hierarchy):
            raise ProfileError(f"{key} must be one of {', '.join(get_args(Hierarchy))}")
        return value
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ProfileError(f"{key} must be true or false")
        return value
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ProfileError(f"{key} must be an integer")
        return value
    if fname == "ocr_confidence":
        number = _number(key, value)
        if not 0.0 <= number <= 1.0:
            raise ProfileError(f"{key} must be a confidence between 0 and 1, not {value!r}")
        return number
    if isinstance(default, float):
        return _number(key, value)
    if not isinstance(value, str):
        raise ProfileError(f"{key} must be text")
    return value


def profile_from_mapping(data: Mapping[str, Any], name: str = "custom") -> Profile:
    """Build a Profile from parsed TOML (already merged with its parents)."""
    values: dict[str, Any] = {"name": name}
    for key, value in data.items():
        if isinstance(value, Mapping) and key in _LAYOUT and key != "":
            table = _LAYOUT[key]
            if key == "severity":
                sev: dict[str, Severity] = {}
                for rid, s in value.items():
                    if s not in SEVERITIES:
                        raise ProfileError(f"severity.{rid} must be one of error, warning, info")
                    head, dot, outcome = str(rid).partition(".")
                    sev[head.upper() + dot + outcome] = s
                values["severity"] = _frozen(sev)
                continue
            for sub, subvalue in value.items():
                if sub not in table:
                    raise ProfileError(f"unknown profile key [{key}] {sub}")
                values[table[sub]] = _convert(table[sub], f"{key}.{sub}", subvalue)
        elif key in _LAYOUT[""]:
            if _LAYOUT[""][key]:
                values[_LAYOUT[""][key]] = _convert(_LAYOUT[""][key], key, value)
        else:
            raise ProfileError(f"unknown profile key {key}")
    return Profile(**values)


def load_profile(name_or_path: str | Path = "national") -> Profile:
    """Read a shipped profile by name (``national``) or a TOML file by path, following `extends`."""
    data = _raw(name_or_path)
    fallback = Path(str(name_or_path)).stem
    name = data.get("name", fallback)
    return profile_from_mapping(data, name if isinstance(name, str) else fallback)
