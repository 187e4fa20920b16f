"""What the CLI and the workers do to the database: plain functions, each one short transaction.

Concurrency, the same on both backends:
- `register` inserts with ON CONFLICT (sha256) DO NOTHING, so any number of workers may
  register the same bytes at once and exactly one of them creates the document.
- `save_outcome` first locks the document row (PostgreSQL: FOR NO KEY UPDATE, which still lets
  other transactions insert submissions pointing at it; SQLite: BEGIN IMMEDIATE), then replaces
  the children. Every writer takes the document row before any child row, so lock order is
  fixed and two saves of one document simply queue.
- Readers run one statement per answer, so they see a document's old rows or its new rows,
  never a half-replaced set.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, Select, case, delete, exists, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from db.blobstore import check_sha256
from db.engine import write_connection
from db.models import (
    DOCUMENT_STATUSES,
    DUPLICATE,
    FAILED,
    FINAL_STATUSES,
    NO_TABLE,
    PENDING_STATUSES,
    QUEUED,
    RUNNING,
    SCOPE_DOCUMENT,
    STORED,
    Batch,
    Document,
    Finding,
    Indicator,
    Project,
    Submission,
    utcnow,
)
from pipeline import model

# Keys and their order are part of the outside contract (shared/CONTRACT.md).
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


class NotFoundError(LookupError):
    """The document or batch named does not exist."""


@dataclass(frozen=True)
class Registration:
    document_id: int
    sha256: str
    duplicate: bool
    status: str  # the document's status now (for a duplicate: that of the original)


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

    @property
    def counts(self) -> dict[str, int]:
        return {s: getattr(self, s) for s in (STORED, DUPLICATE, NO_TABLE, FAILED, QUEUED, RUNNING)}

    @property
    def pending(self) -> int:
        return self.queued + self.running

    @property
    def finished(self) -> bool:
        return self.pending == 0


def _insert(conn: Connection, entity: Any) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(entity)
    if conn.dialect.name == "sqlite":
        return sqlite.insert(entity)
    raise NotImplementedError(f"unsupported database: {conn.dialect.name}")


# --------------------------------------------------------------------------- writes


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
            .values(sha256=sha256, source_name=source_name, store_path=store_path, status=QUEUED, pages=pages)
            .on_conflict_do_nothing(index_elements=[Document.sha256])
            .returning(Document.id)
        ).scalar_one_or_none()
        if new_id is not None:
            document_id, status, duplicate = new_id, QUEUED, False
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


def set_status(
    engine: Engine, sha256: str, status: str, stage: str | None = None, error: str | None = None
) -> None:
    """Set status, stage and error as given (None clears them) and stamp updated_at."""
    if status not in DOCUMENT_STATUSES:
        raise ValueError(f"unknown document status {status!r}; one of {', '.join(DOCUMENT_STATUSES)}")
    _update_document(engine, sha256, status=status, stage=stage, error=error)


def mark_failed(engine: Engine, sha256: str, error: str, stage: str | None = None) -> None:
    """Final failure. Rows stored by an earlier successful run are kept (still the best data)."""
    _update_document(engine, sha256, status=FAILED, stage=stage, error=error)


def _update_document(engine: Engine, sha256: str, **values: Any) -> None:
    with write_connection(engine) as conn:
        result = conn.execute(
            update(Document).where(Document.sha256 == sha256).values(updated_at=utcnow(), **values)
        )
        if result.rowcount != 1:
            raise NotFoundError(f"no document {sha256}")


def claim(engine: Engine, sha256: str, stage: str = "extract") -> bool:
    """queued/running → running; False when the document is final (or unknown): nothing to do.

    `running` may be claimed again so that a task redelivered after a worker died proceeds.
    """
    with write_connection(engine) as conn:
        result = conn.execute(
            update(Document)
            .where(Document.sha256 == sha256, Document.status.in_(PENDING_STATUSES))
            .values(status=RUNNING, stage=stage, error=None, updated_at=utcnow())
        )
        return result.rowcount == 1


def set_stage(engine: Engine, sha256: str, stage: str) -> bool:
    """Record the stage a `running` document has reached; False when it is no longer running.

    Conditional, unlike `set_status`: a late report from a redelivered task must not turn a
    document that another task already finished back into `running`.
    """
    with write_connection(engine) as conn:
        result = conn.execute(
            update(Document)
            .where(Document.sha256 == sha256, Document.status == RUNNING)
            .values(stage=stage, updated_at=utcnow())
        )
        return result.rowcount == 1


def save_outcome(
    engine: Engine,
    sha256: str,
    document: model.Document,
    findings: Sequence[model.Finding],
    pipeline_version: str,
    timings: dict[str, float],
) -> None:
    """Replace the document's projects, indicators and document-scope findings in one transaction.

    Status becomes `stored`, or `no_table` when the document has no projects.
    """
    with write_connection(engine) as conn:
        document_id = conn.execute(
            select(Document.id).where(Document.sha256 == sha256).with_for_update(key_share=True)
        ).scalar_one_or_none()
        if document_id is None:
            raise NotFoundError(f"no document {sha256}")

        conn.execute(delete(Indicator).where(Indicator.document_id == document_id))
        conn.execute(delete(Project).where(Project.document_id == document_id))
        conn.execute(
            delete(Finding).where(Finding.document_id == document_id, Finding.scope == SCOPE_DOCUMENT)
        )

        if document.projects:
            project_ids = (
                conn.execute(
                    insert(Project).returning(Project.id, sort_by_parameter_order=True),
                    [_project_row(document_id, i, p) for i, p in enumerate(document.projects)],
                )
                .scalars()
                .all()
            )
            indicator_rows = [
                _indicator_row(document_id, project_id, j, indicator)
                for project_id, project in zip(project_ids, document.projects, strict=True)
                for j, indicator in enumerate(project.indicators)
            ]
            if indicator_rows:
                conn.execute(insert(Indicator), indicator_rows)
        if findings:
            conn.execute(insert(Finding), [_finding_row(document_id, f) for f in findings])

        conn.execute(
            update(Document)
            .where(Document.id == document_id)
            .values(
                status=STORED if document.projects else NO_TABLE,
                # a no_table document says what was looked at, and what was noticed there
                stage=None,
                error=None if document.projects else no_table_reason(document),
                pages=document.pages,
                unit_name=document.unit_name,
                budget_year=document.budget_year,
                amount_unit=document.amount_unit,
                layout=document.layout,
                pipeline_version=pipeline_version,
                timings=dict(timings),
                updated_at=utcnow(),
            )
        )


def _project_row(document_id: int, ordinal: int, project: model.Project) -> dict[str, Any]:
    return {
        "document_id": document_id,
        "ordinal": ordinal,
        "code": project.code,
        "name": project.name,
        "goal": project.goal,
        "unit_name": project.unit_name,
        "page": project.page,
    }


def _indicator_row(
    document_id: int, project_id: int, ordinal: int, indicator: model.Indicator
) -> dict[str, Any]:
    return {
        "project_id": project_id,
        "document_id": document_id,
        "ordinal": ordinal,
        "level1": indicator.level1,
        "level2": indicator.level2,
        "level3": indicator.level3,
        "core": indicator.core,
        "operator": indicator.operator,
        "target": indicator.target,
        "target_this_year": indicator.target_this_year,
        "measure_unit": indicator.measure_unit,
        "weight": indicator.weight,
        "weight_this_year": indicator.weight_this_year,
        "page": indicator.page,
        "raw": dict(indicator.raw),
    }


def _finding_row(document_id: int, finding: model.Finding) -> dict[str, Any]:
    return {
        "document_id": document_id,
        "project_code": finding.project_code,
        "rule": finding.rule,
        "severity": finding.severity,
        "message": finding.message,
        "page": finding.page,
        "row": finding.row,
        "level3": finding.level3,
        "scope": SCOPE_DOCUMENT,
        "subject": None,
    }


# --------------------------------------------------------------------------- reads


def _stream(engine: Engine, statement: Select[Any], keys: tuple[str, ...]) -> Iterator[dict[str, Any]]:
    """Rows of one statement as dicts with `keys`, fetched in chunks (a server-side cursor on PostgreSQL)."""
    with engine.connect() as conn:
        result = conn.execution_options(yield_per=_STREAM_BATCH).execute(statement)
        for row in result:
            yield dict(zip(keys, row, strict=True))


def _counts(column: Any, label: str) -> Any:
    return select(column.label("document_id"), func.count().label(label)).group_by(column).subquery()


def document_rows(engine: Engine, batch_id: int | None = None) -> Iterator[dict[str, Any]]:
    """One row per submission (`DOCUMENT_KEYS`), in the order received.

    A duplicate submission shows status `duplicate` and no error; its pages, unit, year and
    counts are those of the stored original (the same bytes).
    """
    projects = _counts(Project.document_id, "n")
    indicators = _counts(Indicator.document_id, "n")
    statement = (
        select(
            Document.sha256,
            Submission.source_name,
            case((Submission.duplicate, DUPLICATE), else_=Document.status),
            case((Submission.duplicate, None), else_=Document.error),
            Document.pages,
            Document.unit_name,
            Document.budget_year,
            func.coalesce(projects.c.n, 0),
            func.coalesce(indicators.c.n, 0),
        )
        .select_from(Submission)
        .join(Document, Submission.document_id == Document.id)
        .outerjoin(projects, projects.c.document_id == Document.id)
        .outerjoin(indicators, indicators.c.document_id == Document.id)
        .order_by(Submission.id)
    )
    if batch_id is not None:
        statement = statement.where(Submission.batch_id == batch_id)
    return _stream(engine, statement, DOCUMENT_KEYS)


def export_rows(
    engine: Engine, unit_name: str | None = None, year: int | None = None
) -> Iterator[dict[str, Any]]:
    """One row per indicator (`EXPORT_KEYS`): document order, then project, then printed row order.

    `unit_name` is the project's 单位名称, or the document's when the table has no such column.
    """
    unit = func.coalesce(Project.unit_name, Document.unit_name)
    statement = (
        select(
            Document.sha256,
            Document.source_name,
            unit,
            Document.budget_year,
            Project.code,
            Project.name,
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
    return _stream(engine, statement, EXPORT_KEYS)


def finding_rows(engine: Engine, document_sha256: str | None = None) -> Iterator[dict[str, Any]]:
    """One row per finding (`FINDING_KEYS`): by document, in the order validated; cross-document last."""
    statement = (
        select(
            Document.sha256,
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
        if conn.execute(select(Batch.id).where(Batch.id == batch_id)).first() is None:
            raise NotFoundError(f"no batch {batch_id}")
        in_batch = Submission.batch_id == batch_id
        original = Submission.duplicate.is_(False)
        counts = dict(
            conn.execute(
                select(shown, func.count())
                .select_from(Submission)
                .join(Document, Submission.document_id == Document.id)
                .where(in_batch)
                .group_by(shown)
            ).all()
        )
        pages_done, pages_total = conn.execute(
            select(
                func.coalesce(
                    func.sum(case((Document.status.in_(FINAL_STATUSES), Document.pages), else_=0)), 0
                ),
                func.coalesce(func.sum(Document.pages), 0),
            )
            .select_from(Submission)
            .join(Document, Submission.document_id == Document.id)
            .where(in_batch, original)
        ).one()
        failures = conn.execute(
            select(Submission.source_name, func.coalesce(Document.error, ""))
            .join(Document, Submission.document_id == Document.id)
            .where(in_batch, original, Document.status == FAILED)
            .order_by(Submission.id)
        ).all()
    return BatchSummary(
        batch_id=batch_id,
        total=sum(counts.values()),
        stored=counts.get(STORED, 0),
        duplicate=counts.get(DUPLICATE, 0),
        no_table=counts.get(NO_TABLE, 0),
        failed=counts.get(FAILED, 0),
        queued=counts.get(QUEUED, 0),
        running=counts.get(RUNNING, 0),
        pages_done=int(pages_done),
        pages_total=int(pages_total),
        failures=[(name, error) for name, error in failures],
    )


def _docrefs(engine: Engine, statement: Select[Any]) -> list[DocRef]:
    with engine.connect() as conn:
        return [DocRef(*row) for row in conn.execute(statement.order_by(Document.id))]


_DOCREF_COLUMNS = (
    Document.sha256,
    Document.source_name,
    Document.store_path,
    Document.status,
    Document.unit_name,
    Document.budget_year,
)


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
        Document.status.in_((STORED, NO_TABLE)),
        (Document.pipeline_version.is_(None)) | (Document.pipeline_version != pipeline_version),
    )
    return _docrefs(engine, statement)


def no_table_reason(document: model.Document) -> str:
    """Why a readable PDF gave no rows: the pages read and the extractor's notes."""
    reason = f"no 项目支出绩效表 found in {document.pages} page(s)"
    return "; ".join([reason, *document.notes])
