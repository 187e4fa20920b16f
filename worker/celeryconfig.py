"""The Celery configuration of the distributed mode, made from `worker.settings.Settings`.

Delivery is at-least-once and the database decides what is done (see `worker.tasks`):
a message is acknowledged only after its document reached a final state (`acks_late`), a
pool process that dies puts its message back (`task_reject_on_worker_lost`), and each pool
process holds one message at a time (prefetch 1) so a killed worker strands as little as
possible. Redis hands an unacknowledged message to another worker after the visibility
timeout, which therefore must exceed the hard time limit, or a long document would be run
twice at once.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from worker.settings import Settings

QUEUE = "jixiao"  # the documents' queue; `worker.recovery` reads it to see what is waiting
# scanned pages read from their images, one task per page: a worker started with `-Q ocr` takes
# only those, one with `-Q jixiao` none of them; a worker without -Q takes both queues
OCR_QUEUE = "ocr"
QUEUES = (QUEUE, OCR_QUEUE)

PROCESS_TASK = "jixiao.process_document"
SCAN_TASK = "jixiao.scan_page"  # one page of a scanned document (kwargs sha256, page)
ASSEMBLE_TASK = "jixiao.assemble_document"  # a scanned document once its pages are read
DOCUMENT_TASKS = (PROCESS_TASK, SCAN_TASK, ASSEMBLE_TASK)  # each carries its document's sha256
RECONCILE_TASK = "jixiao.reconcile"
REPROCESS_TASK = "jixiao.reprocess_outdated"
OUTLIERS_TASK = "jixiao.refresh_outliers"
REFRESH_TASK = "jixiao.refresh_units"


def nightly_utc(settings: Settings, today: datetime | None = None) -> time | None:
    """`nightly_at` in `timezone`, as a UTC time of day (Celery's schedule runs in UTC).

    Converted with today's offset: exact for zones without daylight saving (Asia/Shanghai);
    elsewhere the run moves by an hour twice a year until the beat is restarted.
    """
    if settings.nightly_at is None:
        return None
    day = (today or datetime.now(UTC)).date()
    local = datetime.combine(day, settings.nightly_at, tzinfo=ZoneInfo(settings.timezone))
    return local.astimezone(UTC).time()


def beat_schedule(settings: Settings) -> dict[str, dict[str, Any]]:
    from celery.schedules import crontab

    schedule: dict[str, dict[str, Any]] = {}
    if settings.reconcile_every > 0:
        schedule["reconcile"] = {
            "task": RECONCILE_TASK,
            "schedule": timedelta(seconds=settings.reconcile_every),
            # a sweep nobody ran before the next one is due is worthless: let it expire
            "options": {"expires": settings.reconcile_every},
        }
    if settings.outliers_every > 0:
        schedule["refresh-outliers"] = {
            "task": OUTLIERS_TASK,
            "schedule": timedelta(seconds=settings.outliers_every),
            "options": {"expires": settings.outliers_every},
        }
    at = nightly_utc(settings)
    if at is not None:
        schedule["reprocess-outdated-nightly"] = {
            "task": REPROCESS_TASK,
            "schedule": crontab(hour=at.hour, minute=at.minute),
            "options": {"expires": 6 * 3600},
        }
    return schedule


def celery_config(settings: Settings) -> dict[str, Any]:
    """The `app.conf` mapping."""
    from kombu import Queue

    return {
        "broker_url": settings.celery_broker_url,
        "result_backend": settings.result_backend,
        "task_default_queue": QUEUE,
        "task_queues": [Queue(name, routing_key=name) for name in QUEUES],
        "task_routes": {SCAN_TASK: {"queue": OCR_QUEUE, "routing_key": OCR_QUEUE}},
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
        "task_soft_time_limit": settings.soft_time_limit,
        # the hard limit kills the pool process (pdfium does not hear the soft limit's signal);
        # `worker.tasks.DocumentTask.on_failure` then marks its document failed at once
        "task_time_limit": settings.hard_time_limit,
        "broker_transport_options": {
            "visibility_timeout": settings.visibility_timeout,
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
        "worker_max_tasks_per_child": settings.max_tasks_per_child,
        "worker_max_memory_per_child": settings.max_memory_mib * 1024,  # Celery counts KiB
        # what Flower needs, on by configuration: no -E flag, queued tasks visible
        "worker_send_task_events": True,
        "task_send_sent_event": True,
        "task_track_started": True,
        "result_expires": settings.result_expires,
        "redis_socket_connect_timeout": 5,
        "worker_hijack_root_logger": True,
        "beat_schedule": beat_schedule(settings),
    }
