"""Writing a parsed document's rows: projects, indicators and document-scope findings.

`save_outcome` first locks the document row (PostgreSQL: FOR NO KEY UPDATE, which still lets
other transactions insert submissions pointing at it; SQLite: BEGIN IMMEDIATE), then replaces
the children. Every writer takes the document row before any child row, so lock order is
fixed and two saves of one document simply queue.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, delete, insert, select, update

from db.engine import write_connection
from db.models import (
    SCOPE_DOCUMENT,
    Document,
    Finding,
    Indicator,
    Project,
    utcnow,
)
from db.status import Status
from db.transitions import NotFoundError
from pipeline import model


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
                status=Status.STORED if document.projects else Status.NO_TABLE,
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


def no_table_reason(document: model.Document) -> str:
    """Why a readable PDF gave no rows: the pages read and the extractor's notes."""
    reason = f"no 项目支出绩效表 found in {document.pages} page(s)"
    return "; ".join([reason, *document.notes])
