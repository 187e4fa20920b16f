"""A document's status changes, each one short conditional UPDATE.

    queued → running (`claim`) → stored | no_table (`db.results.save_outcome`) | failed (`mark_failed`)

The conditions make concurrent and repeated deliveries safe: `claim` takes only a pending
document, `set_stage` touches only a running one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, update

from db.engine import write_connection
from db.models import (
    Document,
    utcnow,
)
from db.status import PENDING, Status

_CHUNK = 500  # documents per statement


class NotFoundError(LookupError):
    """The document or batch named does not exist."""


def set_status(
    engine: Engine, sha256: str, status: str, stage: str | None = None, error: str | None = None
) -> None:
    """Set status, stage and error as given (None clears them) and stamp updated_at."""
    if status not in tuple(Status):
        raise ValueError(f"unknown document status {status!r}; one of {', '.join(tuple(Status))}")
    _update_document(engine, sha256, status=status, stage=stage, error=error)


def mark_failed(engine: Engine, sha256: str, error: str, stage: str | None = None) -> None:
    """Final failure. Rows stored by an earlier successful run are kept (still the best data)."""
    _update_document(engine, sha256, status=Status.FAILED, stage=stage, error=error)


def _update_document(engine: Engine, sha256: str, **values: Any) -> None:
    with write_connection(engine) as conn:
        result = conn.execute(
            update(Document).where(Document.sha256 == sha256).values(updated_at=utcnow(), **values)
        )
        if result.rowcount != 1:
            raise NotFoundError(f"no document {sha256}")


def claim(engine: Engine, sha256: str, stage: str = "extract", lease: float | None = None) -> bool:
    """queued/running → running; False when the document is final (or unknown): nothing to do.

    `running` may be claimed again so that a task redelivered after a worker died proceeds.
    The claimer holds the document for `lease` seconds (see `db.intake.register`).
    """
    return sha256 in claim_many(engine, [sha256], stage, lease)


def claim_many(
    engine: Engine, sha256s: Sequence[str], stage: str = "extract", lease: float | None = None
) -> set[str]:
    """`claim` for several documents in one statement; returns those claimed."""
    if not sha256s:
        return set()
    now = utcnow()
    with write_connection(engine) as conn:
        claimed = conn.execute(
            update(Document)
            .where(Document.sha256.in_(list(sha256s)), Document.status.in_(PENDING))
            .values(
                status=Status.RUNNING,
                stage=stage,
                error=None,
                updated_at=now,
                lease_until=None if lease is None else now + timedelta(seconds=lease),
            )
            .returning(Document.sha256)
        )
        return set(claimed.scalars())


def renew(engine: Engine, sha256s: Sequence[str], lease: float) -> None:
    """A live run still holds these unfinished documents for `lease` seconds more."""
    until = utcnow() + timedelta(seconds=lease)
    with write_connection(engine) as conn:
        for start in range(0, len(sha256s), _CHUNK):
            conn.execute(
                update(Document)
                .where(
                    Document.sha256.in_(list(sha256s[start : start + _CHUNK])), Document.status.in_(PENDING)
                )
                .values(lease_until=until)
            )


def release(engine: Engine, sha256s: Sequence[str]) -> None:
    """A run that stops lets go of its unfinished documents: the next ingest resumes them."""
    with write_connection(engine) as conn:
        for start in range(0, len(sha256s), _CHUNK):
            conn.execute(
                update(Document)
                .where(
                    Document.sha256.in_(list(sha256s[start : start + _CHUNK])), Document.status.in_(PENDING)
                )
                .values(lease_until=None)
            )


def requeue_running(engine: Engine, sha256s: Sequence[str]) -> int:
    """running → queued for those of `sha256s` still running (an interrupted run's); final ones
    are left alone. Returns how many went back."""
    if not sha256s:
        return 0
    with write_connection(engine) as conn:
        result = conn.execute(
            update(Document)
            .where(Document.sha256.in_(list(sha256s)), Document.status == Status.RUNNING)
            .values(status=Status.QUEUED, stage=None, updated_at=utcnow(), lease_until=None)
        )
        return result.rowcount


def set_stage(engine: Engine, sha256: str, stage: str) -> bool:
    """Record the stage a `running` document has reached; False when it is no longer running.

    Conditional, unlike `set_status`: a late report from a redelivered task must not turn a
    document that another task already finished back into `running`.
    """
    with write_connection(engine) as conn:
        result = conn.execute(
            update(Document)
            .where(Document.sha256 == sha256, Document.status == Status.RUNNING)
            .values(stage=stage, updated_at=utcnow())
        )
        return result.rowcount == 1
