"""Frozen settings, one dataclass per stage, gathered for a whole run."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ExtractSettings:
    dedupe_tolerance: float = 1.0  # pt: a glyph drawn again within this distance is fake bold
    snap_tolerance: float = 2.0  # pt: ruling lines this close are one line
    min_header_hits: int = 3  # header cells that must be recognised to accept a table


@dataclass(frozen=True)
class NormalizeSettings:
    min_code_length: int = 6  # a 项目名称 prefix shorter than this is part of the name, not a code


@dataclass(frozen=True)
class ValidateSettings:
    profile: str = "national"  # name of a shipped profile or a path to a TOML file


@dataclass(frozen=True)
class PipelineSettings:
    extract: ExtractSettings = field(default_factory=ExtractSettings)
    normalize: NormalizeSettings = field(default_factory=NormalizeSettings)
    validate: ValidateSettings = field(default_factory=ValidateSettings)
