"""Which validation profile a run judges documents by: `$JIXIAO_PROFILE`, read once per process.

A shipped profile's name (`national`) or the path of a city's TOML file that `extends` one;
unset means `national`. The same setting serves `jixiao ingest`, the Celery workers and the
cross-document checks, so a city profile needs no code change anywhere.
"""

from __future__ import annotations

import os
from functools import lru_cache

from pipeline.settings import PipelineSettings, ValidateSettings
from pipeline.validate.profile import Profile, load_profile

PROFILE_ENV = "JIXIAO_PROFILE"


def profile_name() -> str:
    return os.environ.get(PROFILE_ENV) or "national"


def validation_profile() -> Profile:
    """The profile `$JIXIAO_PROFILE` names, loaded and checked (raises ProfileError when it is wrong)."""
    return _load(profile_name())


def pipeline_settings() -> PipelineSettings:
    """Settings for `pipeline.run.process`; the profile is checked here, so a wrong one stops the run
    before any document. They carry its name, not the loaded object: they cross process boundaries."""
    validation_profile()
    return PipelineSettings(validate=ValidateSettings(profile=profile_name()))


@lru_cache(maxsize=8)
def _load(name: str) -> Profile:
    return load_profile(name)
