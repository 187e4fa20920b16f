"""Every setting of a run, read once from the environment (and flags) into one frozen object.

One rule per variable, checked when the object is built: a bad value raises `ConfigError`
naming the variable, so any command stops before it touches a file; nothing falls back to a
default in silence. The CLI, the in-process runner, the Celery app and the workers all take
their settings from here; no other module reads `os.environ`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import make_url

from db.engine import DEFAULT_DATABASE_URL, driver_url, redact
from pipeline.settings import ExtractSettings, PipelineSettings, ValidateSettings
from pipeline.validate.profile import Profile, ProfileError, load_profile

DEFAULT_STORE = "./jixiao-store"
DEFAULT_BROKER_URL = "redis://127.0.0.1:6379/0"  # where a Celery worker looks when none is set
REDIS_RESULTS = "worker.backend:RedisResults"  # Celery's Redis backend without subscribe-on-send

_HH_MM = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")


class ConfigError(ValueError):
    """A setting holds something unusable; the message names its variable."""


@dataclass(frozen=True)
class Settings:
    # where things are
    database_url: str  # SQLAlchemy URL with its driver (a plain postgresql:// gets psycopg)
    broker_url: str | None  # None: documents are parsed in this process
    result_backend: str
    store: Path  # the content-addressed folder of received PDFs (absolute)
    profile_name: str  # a shipped validation profile or a city TOML's path
    max_file_mb: int  # MiB read of any one input file or zip member; a bigger one is not received
    read_scans: bool  # read image-only pages (scans) by OCR; off: such documents fail as scans
    # limits per document
    soft_time_limit: int  # seconds, then the document fails with that reason (both modes)
    hard_time_limit: int  # seconds, then the worker process is killed (broker mode)
    visibility_timeout: int  # seconds before Redis redelivers an unacknowledged message
    max_tasks_per_child: int  # documents before a pool process is replaced
    max_memory_mib: int  # resident MiB after which a pool process is replaced (after its task)
    max_parse_mb: int  # MB of address space a process parsing a document may use (0: no cap)
    max_attempts: int  # deliveries of one document that may end with a dead process
    result_expires: int  # seconds a task result stays in the backend
    progress_every: float  # minimum seconds between two progress reports within one stage
    # beat
    reconcile_every: int  # seconds between `reconcile` sweeps (0: no sweep)
    reconcile_min_age: int  # a sweep leaves documents changed more recently than this alone
    outliers_every: int  # seconds between runs of the Y4 check over the database (0: none)
    nightly_at: time | None  # local wall-clock time of the nightly reprocessing (None: off)
    timezone: str  # the zone `nightly_at` is read in
    # HTTP API (`jixiao serve`)
    api_tokens: tuple[str, ...] = field(default=(), repr=False)  # bearer tokens; none: loopback only
    max_upload_mb: int = 512  # MiB one upload request may carry (413 over it, nothing kept)
    max_uploads: int = 4  # upload requests received at once; more wait for a slot

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **flags: Any) -> Settings:
        """Settings from `env` (default: the process environment); `flags` given and not None win."""
        env = os.environ if env is None else env
        broker = _text(env, "JIXIAO_BROKER_URL")
        soft = _int(env, "JIXIAO_SOFT_TIME_LIMIT", 600, minimum=1)
        hard = _int(env, "JIXIAO_HARD_TIME_LIMIT", soft + 60, minimum=soft + 1)
        settings = cls(
            database_url=_database_url(_text(env, "JIXIAO_DATABASE_URL") or DEFAULT_DATABASE_URL),
            broker_url=broker,
            result_backend=_default_backend(
                _text(env, "JIXIAO_RESULT_BACKEND") or broker or DEFAULT_BROKER_URL
            ),
            store=Path(_text(env, "JIXIAO_STORE") or DEFAULT_STORE).absolute(),
            profile_name=_profile(_text(env, "JIXIAO_PROFILE") or "national"),
            max_file_mb=_int(env, "JIXIAO_MAX_FILE_MB", 512, minimum=1),
            read_scans=_int(env, "JIXIAO_OCR", 1, minimum=0) > 0,
            soft_time_limit=soft,
            hard_time_limit=hard,
            visibility_timeout=_int(env, "JIXIAO_VISIBILITY_TIMEOUT", hard + 600, minimum=hard + 1),
            max_tasks_per_child=_int(env, "JIXIAO_MAX_TASKS_PER_CHILD", 500, minimum=1),
            max_memory_mib=_int(env, "JIXIAO_MAX_MEMORY_MIB", 1024, minimum=64),
            max_parse_mb=_parse_mb(env),
            max_attempts=_int(env, "JIXIAO_MAX_ATTEMPTS", 3, minimum=1),
            result_expires=_int(env, "JIXIAO_RESULT_EXPIRES", 86_400, minimum=60),
            progress_every=_float(env, "JIXIAO_PROGRESS_EVERY", 0.5),
            reconcile_every=_int(env, "JIXIAO_RECONCILE_EVERY", 300, minimum=0),
            reconcile_min_age=_int(env, "JIXIAO_RECONCILE_MIN_AGE", 120, minimum=0),
            outliers_every=_int(env, "JIXIAO_OUTLIERS_EVERY", 3600, minimum=0),
            nightly_at=_clock(env.get("JIXIAO_NIGHTLY_AT", "02:30")),
            timezone=_zone(_text(env, "JIXIAO_TIMEZONE") or "Asia/Shanghai"),
            api_tokens=tuple(
                t.strip() for t in (_text(env, "JIXIAO_API_TOKENS") or "").split(",") if t.strip()
            ),
            max_upload_mb=_int(env, "JIXIAO_MAX_UPLOAD_MB", 512, minimum=1),
            max_uploads=_int(env, "JIXIAO_MAX_UPLOADS", 4, minimum=1),
        )
        return settings.with_flags(**flags)

    def with_flags(self, *, database_url: str | None = None, **others: Any) -> Settings:
        """A copy with the command line's values where it gave any (`--database-url`)."""
        changes = {k: v for k, v in others.items() if v is not None}
        if database_url is not None:
            changes["database_url"] = _database_url(database_url, name="--database-url")
        return replace(self, **changes) if changes else self

    @property
    def in_process(self) -> bool:
        """No broker: `jixiao ingest` parses on this machine's cores."""
        return self.broker_url is None

    @property
    def celery_broker_url(self) -> str:
        return self.broker_url or DEFAULT_BROKER_URL

    def profile(self) -> Profile:
        """The validation profile, loaded (checked once already, when these settings were built)."""
        return _load_profile(self.profile_name)

    def pipeline(self) -> PipelineSettings:
        """What `pipeline.run.process` needs; the profile travels by name (it crosses processes)."""
        return PipelineSettings(
            extract=ExtractSettings(read_scans=self.read_scans),
            validate=ValidateSettings(profile=self.profile_name),
        )

    def child_env(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """The environment for a process of ours started from this one (`jixiao work`): the same
        settings, the database URL included, so it never has to travel on a command line."""
        env = dict(os.environ if base is None else base)
        env.update(
            JIXIAO_DATABASE_URL=self.database_url,
            JIXIAO_STORE=str(self.store),
            JIXIAO_PROFILE=self.profile_name,
            JIXIAO_SOFT_TIME_LIMIT=str(self.soft_time_limit),
            JIXIAO_MAX_PARSE_MB=str(self.max_parse_mb),
            JIXIAO_OCR="1" if self.read_scans else "0",
        )
        return env


# --------------------------------------------------------------------------- one rule each


def _text(env: Mapping[str, str], name: str) -> str | None:
    raw = env.get(name)
    return raw.strip() if raw is not None and raw.strip() else None


def _database_url(raw: str, name: str = "JIXIAO_DATABASE_URL") -> str:
    try:
        url = make_url(driver_url(raw))
    except Exception:  # noqa: BLE001 — SQLAlchemy raises several types for a bad URL
        raise ConfigError(f"{name}: not a database URL ({redact(raw)}); e.g. sqlite:///jixiao.db") from None
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigError(f"{name}: {url.get_backend_name()} is not supported; use sqlite or postgresql")
    return url.render_as_string(hide_password=False)


def _profile(name: str) -> str:
    try:
        _load_profile(name)
    except ProfileError as exc:
        raise ConfigError(f"JIXIAO_PROFILE: {exc}") from None
    return name


_profiles: dict[str, Profile] = {}


def _load_profile(name: str) -> Profile:
    """Loaded once per process and name: a profile is read-only data."""
    if name not in _profiles:
        _profiles[name] = load_profile(name)
    return _profiles[name]


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = _text(env, name)
    if raw is None:
        return max(default, minimum)
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r}: expected a whole number") from None
    if value < minimum:
        raise ConfigError(f"{name}={value}: must be at least {minimum}")
    return value


MIN_PARSE_MB = 256
PARSE_MB_FLOOR = 2048


def default_parse_mb() -> int:
    """Half of this machine's memory shared equally among its usable cores, never under 2048 MB:
    every core may be parsing at once, and the rest of the machine (the database, the main
    process, the page cache) keeps the other half; pdfium + Python reserve a few hundred MB of
    address space before a page is read."""
    try:
        physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // (1024 * 1024)
        cores = len(os.sched_getaffinity(0)) or 1
    except (AttributeError, ValueError, OSError):  # not on Linux
        return PARSE_MB_FLOOR
    return max(PARSE_MB_FLOOR, physical // (2 * cores))


def _parse_mb(env: Mapping[str, str]) -> int:
    value = _int(env, "JIXIAO_MAX_PARSE_MB", default_parse_mb(), minimum=0)
    if 0 < value < MIN_PARSE_MB:
        raise ConfigError(f"JIXIAO_MAX_PARSE_MB={value}: must be at least {MIN_PARSE_MB}, or 0 for no cap")
    return value


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = _text(env, name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r}: expected a number of seconds") from None
    if value < 0:
        raise ConfigError(f"{name}={value}: must not be negative")
    return value


def _clock(raw: str) -> time | None:
    """ "HH:MM" → time; "" or "off" → None."""
    text = raw.strip().lower()
    if text in ("", "off", "none", "disabled"):
        return None
    match = _HH_MM.fullmatch(text)
    if not match:
        raise ConfigError(f"JIXIAO_NIGHTLY_AT={raw!r}: expected HH:MM (24-hour clock) or 'off'")
    return time(int(match.group(1)), int(match.group(2)))


def _zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except Exception:  # noqa: BLE001 — ZoneInfo raises several types for a bad key
        raise ConfigError(f"JIXIAO_TIMEZONE={name!r}: not an IANA time zone (e.g. Asia/Shanghai)") from None
    return name


def _default_backend(url: str) -> str:
    """A redis:// URL → our Redis backend there; any other backend setting is kept as given,
    except a non-Redis broker URL, which means no result backend (`disabled://`)."""
    if url.startswith(("redis://", "rediss://")):
        return f"{REDIS_RESULTS}+{url}"
    if url.startswith(("amqp://", "pyamqp://", "filesystem://", "sqla+", "memory://")):
        return "disabled://"
    return url


def backend_redis_url(backend: str) -> str | None:
    """The redis:// URL inside a result backend setting, or None when the backend is not Redis."""
    url = backend.split("+", 1)[1] if backend.startswith(REDIS_RESULTS + "+") else backend
    return url if url.startswith(("redis://", "rediss://")) else None
