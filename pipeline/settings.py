"""Frozen settings, one dataclass per stage, gathered for a whole run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.scan.settings import ScanSettings
    from pipeline.validate.profile import Profile


@dataclass(frozen=True)
class ExtractSettings:
    read_scans: bool = True  # read image-only pages (and scanners' invisible text layers) from the image
    scan: ScanSettings | None = None  # the image reader's tolerances (None: pipeline.scan's defaults)
    dedupe_tolerance: float = 2.0  # pt: a glyph drawn again within half of this is fake bold
    snap_tolerance: float = 2.5  # pt: ruling lines this close are one line (cells inset 1 pt apart)
    min_header_hits: int = 3  # header cells that must be recognised to accept a table


@dataclass(frozen=True)
class NormalizeSettings:
    min_code_length: int = 6  # a 项目名称 prefix shorter than this is part of the name, not a code


@dataclass(frozen=True)
class ValidateSettings:
    # name of a shipped profile, a path to a TOML file, or a Profile already loaded with
    # pipeline.validate.load_profile (validate then does no I/O)
    profile: str | Profile = "national"


@dataclass(frozen=True)
class PipelineSettings:
    extract: ExtractSettings = field(default_factory=ExtractSettings)
    normalize: NormalizeSettings = field(default_factory=NormalizeSettings)
    validate: ValidateSettings = field(default_factory=ValidateSettings)
