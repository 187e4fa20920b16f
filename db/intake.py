"""Receiving: a batch, and each file recorded in it (a new document, or a duplicate submission).

`register` inserts with ON CONFLICT (sha256) DO NOTHING, so any number of workers may register
the same bytes at once and exactly one of them creates the document.
"""

from __future__ import annotations

from dataclasses import dataclass
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
) -> Registration:
    """Record one received file; a new document starts `queued`, known bytes make a duplicate."""
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
            document_id, status = conn.execute(
                select(Document.id, Document.status).where(Document.sha256 == sha256)
            ).one()
            duplicate = True
        conn.execute(
            insert(Submission).values(
                batch_id=batch_id, document_id=document_id, source_name=source_name, duplicate=duplicate
            )
        )
    return Registration(document_id, sha256, duplicate, status)
