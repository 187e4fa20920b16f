"""Reading out: documents, export rows, findings, a batch's counts; rows as mappings by name.

Readers run one statement per answer, so they see a document's old rows or its new rows,
never a half-replaced set.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, Select, case, exists, func, select

from db.models import (
    Batch,
    Document,
    Finding,
    Indicator,
    Project,
    Submission,
)
from db.status import DUPLICATE, FINAL, Status
from db.transitions import NotFoundError

DOCUMENT_KEYS: tuple[str, ...] = (
    "sha256",
    "source_name",
    "status",
    "error",
    "pages",
    "unit_name",
    "budget_year",
    "projects",
    "indicators",
    "ocr_pages",  # pages read from images
    "notes",  # ours, not the contract's: what the extractor noticed (a list, empty until read)
)


EXPORT_KEYS: tuple[str, ...] = (
    "document_sha256",
    "source_name",
    "unit_name",
    "budget_year",
    "project_code",
    "project_name",
    "goal",
    "level1",
    "level2",
    "level3",
    "core",
    "operator",
    "target",
    "target_this_year",
    "measure_unit",
    "weight",
    "weight_this_year",
    "page",
    "table_kind",
    "period",
    "actual",
    "score",
    "ocr_confidence",
)


FINDING_KEYS: tuple[str, ...] = (
    "document_sha256",
    "project_code",
    "rule",
    "severity",
    "message",
    "page",
    "row",
    "level3",
)


_STREAM_BATCH = 1000


@dataclass(frozen=True)
class DocRef:
    sha256: str
    source_name: str
    store_path: str
    status: str
    unit_name: str | None = None  # known once extracted; a queue task shows them to the operator
    budget_year: int | None = None


@dataclass(frozen=True)
class BatchSummary:
    """Where a batch stands, one count per submission."""

    batch_id: int
    total: int
    stored: int
    duplicate: int
    no_table: int
    failed: int
    queued: int
    running: int
    pages_done: int  # pages of this batch's originals that reached a final state
    pages_total: int  # pages of this batch's originals, as far as known
    failures: list[tuple[str, str]]  # (source_name, error) of failed originals
    across_due: int = 0  # final originals whose cross-document findings are not refreshed yet

    @property
    def counts(self) -> dict[str, int]:
        return {
            s: getattr(self, s)
            for s in (Status.STORED, DUPLICATE, Status.NO_TABLE, Status.FAILED, Status.QUEUED, Status.RUNNING)
        }

    @property
    def pending(self) -> int:
        return self.queued + self.running

    @property
    def finished(self) -> bool:
        """Every document final."""
        return self.pending == 0

    @property
    def done(self) -> bool:
        """Finished, and the findings across documents include what it stored."""
        return self.finished and self.across_due == 0


def _stream(engine: Engine, statement: Select[Any], keys: tuple[str, ...]) -> Iterator[dict[str, Any]]:
    """Rows of one statement as dicts by column name, fetched in chunks (a server-side cursor on
    PostgreSQL). The statement's labels must be exactly `keys`, in their order: checked once."""
    with engine.connect() as conn:
        result = conn.execution_options(yield_per=_STREAM_BATCH).execute(statement)
        if tuple(result.keys()) != keys:
            raise AssertionError(f"columns {tuple(result.keys())} are not {keys}")
        for row in result.mappings():
            yield dict(row)


def _counts(column: Any, label: str) -> Any:
    return select(column.label("document_id"), func.count().label(label)).group_by(column).subquery()


def document_rows(engine: Engine, batch_id: int | None = None) -> Iterator[dict[str, Any]]:
    """One row per submission (`DOCUMENT_KEYS`), in the order received.

    A duplicate submission shows status `duplicate` and no error; its pages, unit, year,
    counts, OCR pages and notes are those of the stored original (the same bytes). `notes` is
    a list, empty until the document has been read.
    """
    projects = _counts(Project.document_id, "n")
    indicators = _counts(Indicator.document_id, "n")
    statement = (
        select(
            Document.sha256,
            Submission.source_name,
            case((Submission.duplicate, DUPLICATE), else_=Document.status).label("status"),
            case((Submission.duplicate, None), else_=Document.error).label("error"),
            Document.pages,
            Document.unit_name,
            Document.budget_year,
            func.coalesce(projects.c.n, 0).label("projects"),
            func.coalesce(indicators.c.n, 0).label("indicators"),
            Document.ocr_pages,
            Document.notes,
        )
        .select_from(Submission)
        .join(Document, Submission.document_id == Document.id)
        .outerjoin(projects, projects.c.document_id == Document.id)
        .outerjoin(indicators, indicators.c.document_id == Document.id)
        .order_by(Submission.id)
    )
    if batch_id is not None:
        statement = statement.where(Submission.batch_id == batch_id)
    return ({**row, "notes": row["notes"] or []} for row in _stream(engine, statement, DOCUMENT_KEYS))


def in_batch(batch_id: int) -> Any:
    """A condition on `Document.id`: the documents this batch received (a duplicate's are those
    of the stored original: the same bytes, the same rows)."""
    return Document.id.in_(select(Submission.document_id).where(Submission.batch_id == batch_id))


def check_batch(engine: Engine, batch_id: int) -> None:
    """Raises `NotFoundError` when there is no such batch."""
    with engine.connect() as conn:
        _batch_created(conn, batch_id)


def _batch_created(conn: Connection, batch_id: int) -> datetime:
    """When the batch was created; `NotFoundError` when there is no such batch."""
    created = conn.scalar(select(Batch.created_at).where(Batch.id == batch_id))
    if created is None:
        raise NotFoundError(f"no batch {batch_id}")
    return created


def batch_ids(engine: Engine, limit: int = 50) -> list[int]:
    """The newest batches first."""
    with engine.connect() as conn:
        return list(conn.scalars(select(Batch.id).order_by(Batch.id.desc()).limit(limit)))


def batch_times(engine: Engine, batch_id: int) -> tuple[datetime, datetime | None]:
    """When the batch was created, and when one of its originals last changed (None: none yet)."""
    with engine.connect() as conn:
        created = _batch_created(conn, batch_id)
        last = conn.scalar(
            select(func.max(Document.updated_at))
            .select_from(Submission)
            .join(Document, Submission.document_id == Document.id)
            .where(Submission.batch_id == batch_id, Submission.duplicate.is_(False))
        )
    return created, last


def export_rows(
    engine: Engine, unit_name: str | None = None, year: int | None = None, batch_id: int | None = None
) -> Iterator[dict[str, Any]]:
    """One row per indicator (`EXPORT_KEYS`): document order, then project, then printed row order.

    `unit_name` is the project's 单位名称, or the document's when the table has no such column.
    A department table's rows have no project: `project_code` and `project_name` are null.
    `batch_id`: only the documents that batch received (`in_batch`).
    """
    unit = func.coalesce(Project.unit_name, Document.unit_name)
    statement = (
        select(
            Document.sha256.label("document_sha256"),
            Document.source_name,
            unit.label("unit_name"),
            Document.budget_year,
            Project.code.label("project_code"),
            func.nullif(Project.name, "").label("project_name"),  # a department table has none
            Project.goal,
            Indicator.level1,
            Indicator.level2,
            Indicator.level3,
            Indicator.core,
            Indicator.operator,
            Indicator.target,
            Indicator.target_this_year,
            Indicator.measure_unit,
            Indicator.weight,
            Indicator.weight_this_year,
            Indicator.page,
            Project.table_kind,
            Indicator.period,
            Indicator.actual,
            Indicator.score,
            Indicator.ocr_confidence,
        )
        .select_from(Indicator)
        .join(Project, Indicator.project_id == Project.id)
        .join(Document, Indicator.document_id == Document.id)
        .order_by(Document.id, Project.ordinal, Indicator.ordinal)
    )
    if unit_name is not None:
        statement = statement.where(unit == unit_name)
    if year is not None:
        statement = statement.where(Document.budget_year == year)
    if batch_id is not None:
        statement = statement.where(in_batch(batch_id))
    return _stream(engine, statement, EXPORT_KEYS)


def finding_rows(engine: Engine, document_sha256: str | None = None) -> Iterator[dict[str, Any]]:
    """One row per finding (`FINDING_KEYS`): by document, in the order validated; cross-document last."""
    statement = (
        select(
            Document.sha256.label("document_sha256"),
            Finding.project_code,
            Finding.rule,
            Finding.severity,
            Finding.message,
            Finding.page,
            Finding.row,
            Finding.level3,
        )
        .select_from(Finding)
        .outerjoin(Document, Finding.document_id == Document.id)
        .order_by(Finding.document_id.is_(None), Finding.document_id, Finding.id)
    )
    if document_sha256 is not None:
        statement = statement.where(Document.sha256 == document_sha256)
    return _stream(engine, statement, FINDING_KEYS)


def batch_summary(engine: Engine, batch_id: int) -> BatchSummary:
    shown = case((Submission.duplicate, DUPLICATE), else_=Document.status)
    with engine.connect() as conn:
        _batch_created(conn, batch_id)
        in_batch = Submission.batch_id == batch_id
        original = Submission.duplicate.is_(False)
        counts = {
            row.status: row.n
            for row in conn.execute(
                select(shown.label("status"), func.count().label("n"))
                .select_from(Submission)
                .join(Document, Submission.document_id == Document.id)
                .where(in_batch)
                .group_by(shown)
            )
        }
        pages = conn.execute(
            select(
                func.coalesce(func.sum(case((Document.status.in_(FINAL), Document.pages), else_=0)), 0).label(
                    "done"
                ),
                func.coalesce(func.sum(Document.pages), 0).label("total"),
            )
            .select_from(Submission)
            .join(Document, Submission.document_id == Document.id)
            .where(in_batch, original)
        ).one()
        due = conn.execute(
            select(func.count())
            .select_from(Submission)
            .join(Document, Submission.document_id == Document.id)
            .where(in_batch, original, Document.across_due.is_(True))
        ).scalar_one()
        failures = conn.execute(
            select(Submission.source_name, func.coalesce(Document.error, "").label("error"))
            .join(Document, Submission.document_id == Document.id)
            .where(in_batch, original, Document.status == Status.FAILED)
            .order_by(Submission.id)
        ).all()
    return BatchSummary(
        batch_id=batch_id,
        total=sum(counts.values()),
        stored=counts.get(Status.STORED, 0),
        duplicate=counts.get(DUPLICATE, 0),
        no_table=counts.get(Status.NO_TABLE, 0),
        failed=counts.get(Status.FAILED, 0),
        queued=counts.get(Status.QUEUED, 0),
        running=counts.get(Status.RUNNING, 0),
        pages_done=int(pages.done),
        pages_total=int(pages.total),
        failures=[(row.source_name, row.error) for row in failures],
        across_due=int(due),
    )


_DOCREF_COLUMNS = (
    Document.sha256,
    Document.source_name,
    Document.store_path,
    Document.status,
    Document.unit_name,
    Document.budget_year,
)


def _docrefs(engine: Engine, statement: Select[Any]) -> list[DocRef]:
    with engine.connect() as conn:
        return [DocRef(**row) for row in conn.execute(statement.order_by(Document.id)).mappings()]


def across_due(engine: Engine) -> list[str]:
    """Documents stored since the cross-document findings over them were refreshed."""
    with engine.connect() as conn:
        statement = select(Document.sha256).where(Document.across_due.is_(True)).order_by(Document.id)
        return list(conn.execute(statement).scalars())


def find_document(engine: Engine, sha256: str) -> DocRef | None:
    """The document with these bytes, if registered."""
    refs = _docrefs(engine, select(*_DOCREF_COLUMNS).where(Document.sha256 == sha256))
    return refs[0] if refs else None


def documents_in_state(
    engine: Engine,
    statuses: Sequence[str],
    batch_id: int | None = None,
    updated_before: datetime | None = None,
) -> list[DocRef]:
    """Documents whose status is one of `statuses`; with `batch_id`, those submitted in that batch;
    with `updated_before`, only those whose last change is older (a sweep leaves fresh ones alone)."""
    statement = select(*_DOCREF_COLUMNS).where(Document.status.in_(list(statuses)))
    if updated_before is not None:
        statement = statement.where(Document.updated_at < updated_before)
    if batch_id is not None:
        statement = statement.where(
            exists().where(Submission.document_id == Document.id, Submission.batch_id == batch_id)
        )
    return _docrefs(engine, statement)


def outdated(engine: Engine, pipeline_version: str) -> list[DocRef]:
    """Stored (or no_table) documents produced by another pipeline version."""
    statement = select(*_DOCREF_COLUMNS).where(
        Document.status.in_((Status.STORED, Status.NO_TABLE)),
        (Document.pipeline_version.is_(None)) | (Document.pipeline_version != pipeline_version),
    )
    return _docrefs(engine, statement)
