"""Writing parsed documents: projects, indicators and document-scope findings, many at a time.

The work is split so the one writer does little: `rows_of` turns a parsed document into plain
tuples (run where the document was parsed: a pool process or a Celery worker), and
`save_rows` writes any number of documents in one transaction, indicators and findings by the
driver's own executemany (no ORM object, no per-row parameter processing).

`save_rows` first locks each document row (PostgreSQL: FOR NO KEY UPDATE, which still lets
other transactions insert submissions pointing at it; SQLite: BEGIN IMMEDIATE), then replaces
its children. Every writer takes the document row before any child row, so lock order is fixed
and two saves of one document simply queue. Documents are locked in SHA-256 order, so two
writers of overlapping groups cannot deadlock.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, select, update

from db.engine import write_connection
from db.models import SCOPE_DOCUMENT, Document, Finding, Indicator, Project, utcnow
from db.status import Status
from db.transitions import NotFoundError
from pipeline import model

# Column order of the tuples `rows_of` makes: the tables' own, less the id (and a finding's
# subject, which only cross-document findings have).
INDICATOR_COLUMNS = tuple(c.name for c in Indicator.__table__.columns if c.name != "id")
FINDING_COLUMNS = tuple(c.name for c in Finding.__table__.columns if c.name not in ("id", "subject"))
# After (project_id, document_id, ordinal), every indicators column is the `model.Indicator`
# field of the same name: a column added to the table is written without a list to keep up.
_ROW_FIELDS = INDICATOR_COLUMNS[3:]
_MISSING = set(_ROW_FIELDS) - {f.name for f in dataclasses.fields(model.Indicator)}
if INDICATOR_COLUMNS[:3] != ("project_id", "document_id", "ordinal") or _MISSING:
    raise RuntimeError(f"indicators columns {INDICATOR_COLUMNS} do not follow model.Indicator ({_MISSING})")


@dataclass(frozen=True)
class Rows:
    """One parsed document as rows to insert; plain tuples, cheap to send between processes.

    Indicator tuples start with their project's ordinal (replaced by its id when written) and
    leave out the document id; finding tuples leave out the document id and scope.
    """

    document: dict[str, Any]  # the documents row's new values
    projects: tuple[dict[str, Any], ...] = ()
    indicators: tuple[tuple[Any, ...], ...] = ()
    findings: tuple[tuple[Any, ...], ...] = ()
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def status(self) -> Status:
        return Status(self.document["status"])


def rows_of(
    document: model.Document,
    findings: Sequence[model.Finding],
    pipeline_version: str,
    timings: dict[str, float] | None = None,
) -> Rows:
    """The rows `save_rows` writes for `document`. Pure: runs in whichever process parsed it."""
    return Rows(
        document={
            "status": Status.STORED.value if document.projects else Status.NO_TABLE.value,
            "stage": None,
            # a no_table document says what was looked at, and what was noticed there
            "error": None if document.projects else no_table_reason(document),
            "pages": document.pages,
            "unit_name": document.unit_name,
            "budget_year": document.budget_year,
            "amount_unit": document.amount_unit,
            "layout": document.layout,
            "pipeline_version": pipeline_version,
            "ocr_pages": document.ocr_pages,
            "notes": list(document.notes),  # for every outcome: what the extractor noticed
            "timings": dict(timings or {}),
        },
        projects=tuple(
            {
                "ordinal": i,
                "code": p.code,
                "name": p.name,
                "goal": p.goal,
                "unit_name": p.unit_name,
                "page": p.page,
                "table_kind": p.table_kind,
                "info": dict(p.info) or None,
                "evaluation": dataclasses.asdict(p.evaluation) if p.evaluation is not None else None,
            }
            for i, p in enumerate(document.projects)
        ),
        indicators=tuple(
            (i, j, *_row_values(r))
            for i, p in enumerate(document.projects)
            for j, r in enumerate(p.indicators)
        ),
        findings=tuple(
            (f.project_code, f.rule, f.severity, f.message, f.page, f.row, f.level3) for f in findings
        ),
        timings=dict(timings or {}),
    )


def _row_values(row: model.Indicator) -> tuple[Any, ...]:
    """An indicator's values in `_ROW_FIELDS` order; its raw cells as JSON text."""
    return tuple(
        json.dumps(dict(row.raw), ensure_ascii=False) if name == "raw" else getattr(row, name)
        for name in _ROW_FIELDS
    )


def save_rows(engine: Engine, documents: Sequence[tuple[str, Rows]]) -> None:
    """Replace each document's projects, indicators and document-scope findings, and set its
    status (`stored`, or `no_table` without projects): all of them in one transaction."""
    with write_connection(engine) as conn:
        for sha256, rows in sorted(documents, key=lambda item: item[0]):
            _replace(conn, sha256, rows)


def save_outcome(
    engine: Engine,
    sha256: str,
    document: model.Document,
    findings: Sequence[model.Finding],
    pipeline_version: str,
    timings: dict[str, float],
) -> None:
    """One document, straight from the pipeline's types."""
    save_rows(engine, [(sha256, rows_of(document, findings, pipeline_version, timings))])


def no_table_reason(document: model.Document) -> str:
    """Why a readable PDF gave no rows: the pages read and the extractor's notes."""
    reason = f"no 项目支出绩效表 found in {document.pages} page(s)"
    return "; ".join([reason, *document.notes])


# --------------------------------------------------------------------------- internals


def _replace(conn: Connection, sha256: str, rows: Rows) -> None:
    document_id = conn.execute(
        select(Document.id).where(Document.sha256 == sha256).with_for_update(key_share=True)
    ).scalar_one_or_none()
    if document_id is None:
        raise NotFoundError(f"no document {sha256}")

    conn.execute(delete(Indicator).where(Indicator.document_id == document_id))
    conn.execute(delete(Project).where(Project.document_id == document_id))
    conn.execute(delete(Finding).where(Finding.document_id == document_id, Finding.scope == SCOPE_DOCUMENT))

    if rows.projects:
        project_ids = (
            conn.execute(
                insert(Project).returning(Project.id, sort_by_parameter_order=True),
                [{"document_id": document_id, **p} for p in rows.projects],
            )
            .scalars()
            .all()
        )
        if rows.indicators:
            _executemany(
                conn,
                "indicators",
                INDICATOR_COLUMNS,
                [(project_ids[r[0]], document_id, *r[1:]) for r in rows.indicators],
            )
    if rows.findings:
        _executemany(
            conn, "findings", FINDING_COLUMNS, [(document_id, *f, SCOPE_DOCUMENT) for f in rows.findings]
        )
    conn.execute(
        update(Document)
        .where(Document.id == document_id)
        .values(**rows.document, across_due=True, updated_at=utcnow())
    )


def _executemany(conn: Connection, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """INSERT by the driver's executemany: tuples as they are, in the driver's placeholder style.

    JSON columns arrive as text already (`rows_of` encoded them); PostgreSQL casts the untyped
    parameter to the column's type.
    """
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    quoted = ", ".join(f'"{c}"' for c in columns)
    statement = f"INSERT INTO {table} ({quoted}) VALUES ({', '.join([mark] * len(columns))})"
    conn.exec_driver_sql(statement, rows)
