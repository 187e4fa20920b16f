"""Celery settings for the distributed mode, read from the environment once per process.

Delivery is at-least-once and the database decides what is done (see `worker.tasks`):
a message is acknowledged only after its document reached a final state (`acks_late`), a
pool process that dies puts its message back (`task_reject_on_worker_lost`), and each pool
process holds one message at a time (prefetch 1) so a killed worker strands as little as
possible. Redis hands an unacknowledged message to another worker after the visibility
timeout, which therefore must exceed the hard time limit, or a long document would be run
twice at once.

Every variable has a default that works on one machine; deploy/.env.example lists them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

DEFAULT_BROKER_URL = "redis://127.0.0.1:6379/0"
QUEUE = "jixiao"  # the documents' queue; `worker.recovery` reads it to see what is waiting

PROCESS_TASK = "jixiao.process_document"
RECONCILE_TASK = "jixiao.reconcile"
REPROCESS_TASK = "jixiao.reprocess_outdated"
OUTLIERS_TASK = "jixiao.refresh_outliers"

_HH_MM = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")


class ConfigError(ValueError):
    """An environment variable holds something unusable; the message names it."""


@dataclass(frozen=True)
class QueueSettings:
    broker_url: str
    result_backend: str
    soft_time_limit: int  # seconds per document, then the task is told to stop (SoftTimeLimitExceeded)
    hard_time_limit: int  # seconds per document, then the pool process is killed
    visibility_timeout: int  # seconds before Redis redelivers an unacknowledged message
    max_tasks_per_child: int  # documents before a pool process is replaced
    max_memory_mib: int  # resident MiB after which a pool process is replaced (after its task)
    result_expires: int  # seconds a task result stays in the backend
    reconcile_every: int  # seconds between beat `reconcile` sweeps (0: no sweep)
    reconcile_min_age: int  # a sweep leaves documents changed more recently than this alone
    outliers_every: int  # seconds between beat runs of the Y4 check over the database (0: none)
    nightly_at: time | None  # local wall-clock time of the nightly reprocessing (None: off)
    timezone: str  # the zone `nightly_at` is read in
    progress_every: float  # minimum seconds between two progress reports within one stage
    max_attempts: int  # deliveries of one document that may end with a dead process

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> QueueSettings:
        env = os.environ if env is None else env
        broker = env.get("JIXIAO_BROKER_URL") or DEFAULT_BROKER_URL
        soft = _int(env, "JIXIAO_SOFT_TIME_LIMIT", 600, minimum=1)
        hard = _int(env, "JIXIAO_HARD_TIME_LIMIT", soft + 60, minimum=soft + 1)
        return cls(
            broker_url=broker,
            result_backend=_default_backend(env.get("JIXIAO_RESULT_BACKEND") or broker),
            soft_time_limit=soft,
            hard_time_limit=hard,
            visibility_timeout=_int(env, "JIXIAO_VISIBILITY_TIMEOUT", hard + 600, minimum=hard + 1),
            max_tasks_per_child=_int(env, "JIXIAO_MAX_TASKS_PER_CHILD", 500, minimum=1),
            max_memory_mib=_int(env, "JIXIAO_MAX_MEMORY_MIB", 1024, minimum=64),
            result_expires=_int(env, "JIXIAO_RESULT_EXPIRES", 86_400, minimum=60),
            reconcile_every=_int(env, "JIXIAO_RECONCILE_EVERY", 300, minimum=0),
            reconcile_min_age=_int(env, "JIXIAO_RECONCILE_MIN_AGE", 120, minimum=0),
            outliers_every=_int(env, "JIXIAO_OUTLIERS_EVERY", 3600, minimum=0),
            nightly_at=_clock(env.get("JIXIAO_NIGHTLY_AT", "02:30")),
            timezone=_zone(env.get("JIXIAO_TIMEZONE") or "Asia/Shanghai"),
            progress_every=_float(env, "JIXIAO_PROGRESS_EVERY", 0.5),
            max_attempts=_int(env, "JIXIAO_MAX_ATTEMPTS", 3, minimum=1),
        )

    def nightly_utc(self, today: datetime | None = None) -> time | None:
        """`nightly_at` in `timezone`, as a UTC time of day (Celery's schedule runs in UTC).

        Converted with today's offset: exact for zones without daylight saving (Asia/Shanghai);
        elsewhere the run moves by an hour twice a year until the beat is restarted.
        """
        if self.nightly_at is None:
            return None
        day = (today or datetime.now(UTC)).date()
        local = datetime.combine(day, self.nightly_at, tzinfo=ZoneInfo(self.timezone))
        return local.astimezone(UTC).time()

    def beat_schedule(self) -> dict[str, dict[str, Any]]:
        from celery.schedules import crontab

        schedule: dict[str, dict[str, Any]] = {}
        if self.reconcile_every > 0:
            schedule["reconcile"] = {
                "task": RECONCILE_TASK,
                "schedule": timedelta(seconds=self.reconcile_every),
                # a sweep nobody ran before the next one is due is worthless: let it expire
                "options": {"expires": self.reconcile_every},
            }
        if self.outliers_every > 0:
            schedule["refresh-outliers"] = {
                "task": OUTLIERS_TASK,
                "schedule": timedelta(seconds=self.outliers_every),
                "options": {"expires": self.outliers_every},
            }
        at = self.nightly_utc()
        if at is not None:
            schedule["reprocess-outdated-nightly"] = {
                "task": REPROCESS_TASK,
                "schedule": crontab(hour=at.hour, minute=at.minute),
                "options": {"expires": 6 * 3600},
            }
        return schedule

    def celery_config(self) -> dict[str, Any]:
        """The `app.conf` mapping."""
        return {
            "broker_url": self.broker_url,
            "result_backend": self.result_backend,
            "task_default_queue": QUEUE,
            "task_serializer": "json",
            "result_serializer": "json",
            "accept_content": ["json"],
            "timezone": "UTC",
            "enable_utc": True,
            # delivery: at least once, one message per pool process, the database decides
            "task_acks_late": True,
            "task_reject_on_worker_lost": True,
            "task_acks_on_failure_or_timeout": True,
            "worker_prefetch_multiplier": 1,
            "task_soft_time_limit": self.soft_time_limit,
            "task_time_limit": self.hard_time_limit,
            "broker_transport_options": {
                "visibility_timeout": self.visibility_timeout,
                # kombu sweeps for expired unacked messages every interval × throttle seconds
                # (default 10 × 10); every 10 s keeps a dead worker's message from waiting longer
                "unacked_restore_interval": 10,
                "unacked_restore_throttle": 1,
                "socket_connect_timeout": 5,
            },
            "broker_connection_retry_on_startup": True,
            # a running document finishes when Redis goes away; its message may come back, and
            # then finds the document final (Celery 6 will default to cancelling it instead)
            "worker_cancel_long_running_tasks_on_connection_loss": False,
            "task_publish_retry_policy": {
                "max_retries": 3,
                "interval_start": 0,
                "interval_step": 0.5,
                "interval_max": 1,
            },
            "worker_max_tasks_per_child": self.max_tasks_per_child,
            "worker_max_memory_per_child": self.max_memory_mib * 1024,  # Celery counts KiB
            # what Flower needs, on by configuration: no -E flag, queued tasks visible
            "worker_send_task_events": True,
            "task_send_sent_event": True,
            "task_track_started": True,
            "result_expires": self.result_expires,
            "redis_socket_connect_timeout": 5,
            "worker_hijack_root_logger": True,
            "beat_schedule": self.beat_schedule(),
        }


REDIS_RESULTS = "worker.backend:RedisResults"  # Celery's Redis backend without subscribe-on-send


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


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return max(default, minimum)
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r}: expected a whole number") from None
    if value < minimum:
        raise ConfigError(f"{name}={value}: must be at least {minimum}")
    return value


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
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
