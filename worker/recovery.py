"""Putting lost work back on the queue, and re-running documents on purpose.

The database says which documents are unfinished (`queued`/`running`); the broker is not a
durable record (a Redis restarted without persistence forgets its queue, a worker killed with
-9 leaves its message unacknowledged for the visibility timeout). `reconcile` compares the two:
a pending document that no message in the queue, no live worker, and no recently delivered
message carries is published again.

A mistaken re-publish costs one no-op task (the task finds the document final, or both
deliveries store the same rows once), so every doubt is resolved towards publishing.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from celery import Celery
from sqlalchemy import Engine

from db import queries, transitions
from db.models import utcnow
from db.status import FINAL, PENDING, Status
from pipeline import PIPELINE_VERSION
from worker import runtime
from worker.celeryconfig import DOCUMENT_TASKS, QUEUES

ORPHAN_GRACE = 5.0  # seconds: an unacknowledged message younger than this may still be on its way to a worker


class BrokerNotSupported(RuntimeError):
    """`reconcile` reads Redis's queue and unacked set; other brokers are not supported."""


@dataclass(frozen=True)
class Carried:
    """What the broker and the live workers hold right now."""

    sha256s: frozenset[str]
    workers: tuple[str, ...]  # workers that answered
    waiting: int  # messages in the queue
    held: int  # tasks live workers said they hold (active, reserved, scheduled)
    orphaned: int  # unacknowledged messages no live worker holds (a dead worker's)


@dataclass(frozen=True)
class ReconcileReport:
    pending: int  # queued/running documents considered
    carried: int  # of them, carried by a live task
    requeued: list[str] = field(default_factory=list)  # SHA-256 of the documents published again
    workers: tuple[str, ...] = ()

    def line(self) -> str:
        who = ", ".join(self.workers) if self.workers else "no live worker answered"
        return (
            f"{self.pending} unfinished document(s): {self.carried} carried by a live task, "
            f"{len(self.requeued)} re-enqueued ({who})"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "pending": self.pending,
            "carried": self.carried,
            "requeued": len(self.requeued),
            "workers": list(self.workers),
        }


# --------------------------------------------------------------------------- who is alive


def live_workers(app: Celery, timeout: float = 2.0, *, any_one: bool = False) -> list[str]:
    """Names of the workers that answer a ping within `timeout` (the first one only with `any_one`)."""
    kwargs: dict[str, Any] = {"limit": 1} if any_one else {}
    replies = app.control.ping(timeout=timeout, **kwargs) or []
    return sorted(name for reply in replies for name in reply)


def carried_documents(app: Celery, *, timeout: float = 2.0, orphan_grace: float = ORPHAN_GRACE) -> Carried:
    """Documents some message or live worker carries: in the queue, held by a worker, or just delivered."""
    workers = live_workers(app, timeout)
    held_ids, held_shas = _held_by_workers(app, workers, timeout)
    shas = set(held_shas)
    waiting = orphaned = 0
    with app.connection_for_read() as conn:
        channel = conn.default_channel
        if conn.transport.driver_type != "redis":
            raise BrokerNotSupported(
                f"reconcile reads the Redis queue; the broker {conn.as_uri()} is {conn.transport.driver_type}"
            )
        client = channel.client
        for raw in _queued_messages(client, channel):
            sha, _ = _document_of(raw)
            if sha:
                waiting += 1
                shas.add(sha)
        now = time.time()
        delivered = dict(client.zrange(channel.unacked_index_key, 0, -1, withscores=True))
        for tag, value in client.hgetall(channel.unacked_key).items():
            try:
                raw = json.loads(value)[0]
            except (ValueError, IndexError, TypeError):
                continue
            sha, task_id = _document_of(raw)
            if not sha:
                continue
            fresh = now - float(delivered.get(tag, now)) < orphan_grace
            if task_id in held_ids or fresh:
                shas.add(sha)
            else:
                orphaned += 1
    return Carried(frozenset(shas), tuple(workers), waiting, len(held_ids), orphaned)


def _held_by_workers(app: Celery, workers: list[str], timeout: float) -> tuple[set[str], set[str]]:
    """Task ids and documents the answering workers hold: running, prefetched, or waiting for a retry."""
    ids: set[str] = set()
    shas: set[str] = set()
    if not workers:
        return ids, shas
    inspect = app.control.inspect(destination=workers, timeout=timeout, limit=len(workers))
    for ask in (inspect.active, inspect.reserved, inspect.scheduled):
        for entries in (ask() or {}).values():
            for entry in entries or []:
                request = entry.get("request", entry)  # `scheduled` wraps the request
                if request.get("name") is not None and request.get("name") not in DOCUMENT_TASKS:
                    continue
                if request.get("id"):
                    ids.add(request["id"])
                sha = _sha_of(request.get("args"), request.get("kwargs"))
                if sha:
                    shas.add(sha)
    return ids, shas


def _queued_messages(client: Any, channel: Any) -> Iterator[dict[str, Any]]:
    """Every message waiting in the documents' queue and the page tasks' (each priority sub-queue)."""
    names = {channel._q_for_pri(queue, pri) for queue in QUEUES for pri in channel.priority_steps}
    for name in sorted(names):
        for value in client.lrange(name, 0, -1):
            try:
                yield json.loads(value)
            except ValueError:
                continue


def _document_of(raw: dict[str, Any]) -> tuple[str | None, str | None]:
    """(sha256, task id) of a raw kombu message, or (None, …) when it is not a document task."""
    headers = raw.get("headers") or {}
    if headers.get("task") not in DOCUMENT_TASKS:
        return None, headers.get("id")
    try:
        body = raw["body"]
        if (raw.get("properties") or {}).get("body_encoding") == "base64":
            body = base64.b64decode(body)
        args, kwargs, *_ = json.loads(body)
    except (KeyError, ValueError, TypeError):
        return None, headers.get("id")
    return _sha_of(args, kwargs), headers.get("id")


def _sha_of(args: Any, kwargs: Any) -> str | None:
    if isinstance(kwargs, dict) and isinstance(kwargs.get("sha256"), str):
        return kwargs["sha256"]
    if isinstance(args, list | tuple) and args and isinstance(args[0], str):
        return args[0]
    return None


# --------------------------------------------------------------------------- the verbs


def reconcile(
    engine: Engine,
    app: Celery,
    *,
    min_age: float = 0.0,
    timeout: float = 2.0,
    orphan_grace: float = ORPHAN_GRACE,
) -> ReconcileReport:
    """Re-enqueue every queued/running document that no live task carries.

    `min_age` leaves documents changed in the last seconds alone (the periodic sweep uses it
    so that it does not race an ingest that is still publishing).
    """
    before = utcnow() - timedelta(seconds=min_age) if min_age > 0 else None
    pending = queries.documents_in_state(engine, PENDING, updated_before=before)
    if not pending:
        return ReconcileReport(0, 0)
    carried = carried_documents(app, timeout=timeout, orphan_grace=orphan_grace)
    lost = [doc for doc in pending if doc.sha256 not in carried.sha256s]
    _publish(lost)
    return ReconcileReport(len(pending), len(pending) - len(lost), [d.sha256 for d in lost], carried.workers)


def retry_failed(engine: Engine, app: Celery, batch_id: int | None = None) -> list[queries.DocRef]:
    """Failed documents (of one batch, or all) back to `queued`, and on the queue."""
    docs = queries.documents_in_state(engine, [Status.FAILED], batch_id=batch_id)
    return requeue(engine, app, docs)


def reprocess(engine: Engine, app: Celery, *, everything: bool = False) -> list[queries.DocRef]:
    """Documents stored by another pipeline version (`everything`: every finished document) re-run.

    Their rows stay readable meanwhile: the worker replaces them in one transaction.
    """
    if everything:
        docs = queries.documents_in_state(engine, FINAL)
    else:
        docs = queries.outdated(engine, PIPELINE_VERSION)
    return requeue(engine, app, docs)


def requeue(engine: Engine, app: Celery, docs: list[queries.DocRef]) -> list[queries.DocRef]:
    """Finished documents back to `queued`, and on the queue (their rows stay until replaced)."""
    counter = runtime.attempts(app.conf.result_backend or "")
    for doc in docs:
        counter.forget(doc.sha256)  # a fresh start: earlier dead-worker deliveries no longer count
        transitions.set_status(engine, doc.sha256, Status.QUEUED)
    _publish(docs)
    return docs


def _publish(docs: Iterable[queries.DocRef]) -> None:
    from worker.tasks import enqueue

    enqueue(list(docs))
