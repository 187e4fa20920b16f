"""Receiving: a batch, and each file recorded in it (a new document, or a duplicate submission).

`register` inserts with ON CONFLICT (sha256) DO NOTHING, so any number of workers may register
the same bytes at once and exactly one of them creates the document.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from db.blobstore import check_sha256
from db.engine import write_connection
from db.models import (
    Batch,
    Document,
    Submission,
)
from db.status import Status


@dataclass(frozen=True)
class Registration:
    document_id: int
    sha256: str
    duplicate: bool
    status: str  # the document's status now (for a duplicate: that of the original)
    resumed: bool = False  # known bytes, never finished and nobody at work on them: parse again


def _insert(conn: Connection, entity: Any) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(entity)
    if conn.dialect.name == "sqlite":
        return sqlite.insert(entity)
    raise NotImplementedError(f"unsupported database: {conn.dialect.name}")


def create_batch(engine: Engine, sources: list[str]) -> int:
    with write_connection(engine) as conn:
        return conn.execute(insert(Batch).values(sources=list(sources)).returning(Batch.id)).scalar_one()


def register(
    engine: Engine,
    batch_id: int,
    sha256: str,
    source_name: str,
    store_path: str,
    pages: int | None = None,
    *,
    stale_before: datetime | None = None,
) -> Registration:
    """Record one received file; a new document starts `queued`, known bytes make a duplicate.

    Known bytes that never reached a final state are resumed instead: a document still
    `queued` (a run stopped before parsing it), or `running` but untouched since
    `stale_before` (its run died: a live one moves the document on, or the time limit
    fails it), and not received in this batch already. The submission is then no duplicate
    and the caller parses it again.
    """
    check_sha256(sha256)
    with write_connection(engine) as conn:
        new_id = conn.execute(
            _insert(conn, Document)
            .values(
                sha256=sha256,
                source_name=source_name,
                store_path=store_path,
                status=Status.QUEUED,
                pages=pages,
            )
            .on_conflict_do_nothing(index_elements=[Document.sha256])
            .returning(Document.id)
        ).scalar_one_or_none()
        if new_id is not None:
            document_id, status, duplicate = new_id, Status.QUEUED, False
        else:
            # The row exists and is committed: ON CONFLICT waited for its inserter if need be.
            known = conn.execute(
                select(Document.id, Document.status, Document.updated_at).where(Document.sha256 == sha256)
            ).one()
            document_id, status = known.id, known.status
            unfinished = status == Status.QUEUED or (
                status == Status.RUNNING
                and stale_before is not None
                and _aware(known.updated_at) < stale_before
            )
            in_this_batch = conn.execute(
                select(Submission.id).where(
                    Submission.batch_id == batch_id, Submission.document_id == document_id
                )
            ).first()
            resumed = unfinished and in_this_batch is None  # a second copy in one batch is a duplicate
            duplicate = not resumed
        conn.execute(
            insert(Submission).values(
                batch_id=batch_id, document_id=document_id, source_name=source_name, duplicate=duplicate
            )
        )
    return Registration(document_id, sha256, duplicate, status, resumed=new_id is None and not duplicate)


def _aware(moment: datetime) -> datetime:
    """SQLite gives timestamps back without their zone; they were written in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
