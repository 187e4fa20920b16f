"""Initial schema: batches, documents, submissions, projects, indicators, findings.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batches")),
    )
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("source_name", sa.Text(), nullable=False),
        sa.Column("store_path", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("stage", sa.String(32), nullable=True),
        sa.Column("pages", sa.Integer(), nullable=True),
        sa.Column("unit_name", sa.Text(), nullable=True),
        sa.Column("budget_year", sa.Integer(), nullable=True),
        sa.Column("amount_unit", sa.Text(), nullable=True),
        sa.Column("layout", sa.String(64), nullable=True),
        sa.Column("pipeline_version", sa.String(64), nullable=True),
        sa.Column("timings", sa.JSON(), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
        sa.UniqueConstraint("sha256", name=op.f("uq_documents_sha256")),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'stored', 'failed', 'no_table')",
            name=op.f("ck_documents_status"),
        ),
    )
    op.create_index(op.f("ix_documents_status"), "documents", ["status"])
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("source_name", sa.Text(), nullable=False),
        sa.Column("duplicate", sa.Boolean(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submissions")),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batches.id"], name=op.f("fk_submissions_batch_id_batches"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_submissions_document_id_documents"),
            ondelete="CASCADE",
        ),
    )
    op.create_index(op.f("ix_submissions_batch_id"), "submissions", ["batch_id"])
    op.create_index(op.f("ix_submissions_document_id"), "submissions", ["document_id"])
    op.create_table(
        "projects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("code", sa.Text(), nullable=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("goal", sa.Text(), nullable=True),
        sa.Column("unit_name", sa.Text(), nullable=True),
        sa.Column("page", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects")),
        sa.UniqueConstraint("document_id", "ordinal", name=op.f("uq_projects_document_id_ordinal")),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_projects_document_id_documents"),
            ondelete="CASCADE",
        ),
    )
    op.create_table(
        "indicators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("level1", sa.Text(), nullable=True),
        sa.Column("level2", sa.Text(), nullable=True),
        sa.Column("level3", sa.Text(), nullable=True),
        sa.Column("core", sa.Boolean(), nullable=False),
        sa.Column("operator", sa.Text(), nullable=True),
        sa.Column("target", sa.Text(), nullable=True),
        sa.Column("target_this_year", sa.Text(), nullable=True),
        sa.Column("measure_unit", sa.Text(), nullable=True),
        sa.Column("weight", sa.Float(), nullable=True),
        sa.Column("weight_this_year", sa.Float(), nullable=True),
        sa.Column("page", sa.Integer(), nullable=False),
        sa.Column("raw", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicators")),
        sa.UniqueConstraint("project_id", "ordinal", name=op.f("uq_indicators_project_id_ordinal")),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_indicators_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_indicators_document_id_documents"),
            ondelete="CASCADE",
        ),
    )
    op.create_index(op.f("ix_indicators_document_id"), "indicators", ["document_id"])
    op.create_table(
        "findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("project_code", sa.Text(), nullable=True),
        sa.Column("rule", sa.String(32), nullable=False),
        sa.Column("severity", sa.String(8), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("page", sa.Integer(), nullable=True),
        sa.Column("row", sa.Integer(), nullable=True),
        sa.Column("level3", sa.Text(), nullable=True),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("subject", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_findings")),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_findings_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.CheckConstraint("severity IN ('error', 'warning', 'info')", name=op.f("ck_findings_severity")),
        sa.CheckConstraint("scope IN ('document', 'cross')", name=op.f("ck_findings_scope")),
    )
    op.create_index(op.f("ix_findings_document_id_rule"), "findings", ["document_id", "rule"])


def downgrade() -> None:
    op.drop_table("findings")
    op.drop_table("indicators")
    op.drop_table("projects")
    op.drop_table("submissions")
    op.drop_table("documents")
    op.drop_table("batches")
