"""Receiving: a batch, and each file recorded in it (a new document, or a duplicate submission).

`register` inserts with ON CONFLICT (sha256) DO NOTHING, so any number of workers may register
the same bytes at once and exactly one of them creates the document.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from db.blobstore import check_sha256
from db.engine import write_connection
from db.models import Batch, Document, Submission, utcnow
from db.status import PENDING, Status


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
    lease: float | None = None,
) -> Registration:
    """Record one received file; a new document starts `queued`, known bytes make a duplicate.

    The run that records a document holds it for `lease` seconds (and renews the hold while it
    lives: `db.transitions.renew`). Known bytes that never reached a final state and whose
    holder's lease ran out — a run stopped or killed before finishing them — are resumed
    instead of counted as a duplicate, unless received in this batch already: this run takes
    the lease and parses the document again. Without `lease`, nothing is held or resumed.
    """
    check_sha256(sha256)
    now = utcnow()
    until = None if lease is None else now + timedelta(seconds=lease)
    with write_connection(engine) as conn:
        new_id = conn.execute(
            _insert(conn, Document)
            .values(
                sha256=sha256,
                source_name=source_name,
                store_path=store_path,
                status=Status.QUEUED,
                pages=pages,
                lease_until=until,
            )
            .on_conflict_do_nothing(index_elements=[Document.sha256])
            .returning(Document.id)
        ).scalar_one_or_none()
        resumed = False
        if new_id is not None:
            document_id, status, duplicate = new_id, Status.QUEUED, False
        else:
            # The row exists and is committed: ON CONFLICT waited for its inserter if need be.
            known = conn.execute(
                select(Document.id, Document.status, Document.lease_until).where(Document.sha256 == sha256)
            ).one()
            document_id, status = known.id, known.status
            abandoned = (
                lease is not None
                and status in PENDING
                and (known.lease_until is None or _aware(known.lease_until) <= now)
            )
            if abandoned and not _in_batch(conn, batch_id, document_id):  # a second copy stays a duplicate
                taken = conn.execute(  # conditional: of two runs resuming at once, one takes it
                    update(Document)
                    .where(
                        Document.id == document_id,
                        or_(Document.lease_until.is_(None), Document.lease_until <= now),
                    )
                    .values(lease_until=until)
                )
                resumed = taken.rowcount == 1
            duplicate = not resumed
        conn.execute(
            insert(Submission).values(
                batch_id=batch_id, document_id=document_id, source_name=source_name, duplicate=duplicate
            )
        )
    return Registration(document_id, sha256, duplicate, status, resumed=resumed)


def _in_batch(conn: Connection, batch_id: int, document_id: int) -> bool:
    found = conn.execute(
        select(Submission.id).where(Submission.batch_id == batch_id, Submission.document_id == document_id)
    ).first()
    return found is not None


def _aware(moment: datetime) -> datetime:
    """SQLite gives timestamps back without their zone; they were written in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
