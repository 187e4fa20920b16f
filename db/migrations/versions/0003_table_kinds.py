"""Issue 9: which table a project comes from, its info block and self-evaluation; per row the
period, the self-evaluation's 实际完成值 and 得分, and the OCR confidence; per document the
pages read from images and what the extractor noticed.

Existing rows get the defaults: a `project_target` project, `annual` rows, no OCR.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_ADDED = {
    "documents": ("ocr_pages", "notes"),
    "projects": ("table_kind", "info", "evaluation"),
    "indicators": ("period", "actual", "score", "ocr_confidence"),
}


def upgrade() -> None:
    # plain ALTER TABLE … ADD COLUMN on every backend (constant defaults: SQLite needs no copy)
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("ocr_pages", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("notes", sa.JSON(), nullable=True))
    with op.batch_alter_table("projects") as batch:
        batch.add_column(
            sa.Column("table_kind", sa.String(32), server_default="project_target", nullable=False)
        )
        batch.add_column(sa.Column("info", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("evaluation", sa.JSON(), nullable=True))
    with op.batch_alter_table("indicators") as batch:
        batch.add_column(sa.Column("period", sa.String(16), server_default="annual", nullable=False))
        batch.add_column(sa.Column("actual", sa.Text(), nullable=True))
        batch.add_column(sa.Column("score", sa.Float(), nullable=True))
        batch.add_column(sa.Column("ocr_confidence", sa.Float(), nullable=True))


def downgrade() -> None:
    # ALTER TABLE … DROP COLUMN, on SQLite too (3.35+): a batch copy would drop and recreate
    # projects and documents, and with foreign keys on that deletes their children
    for table, columns in _ADDED.items():
        for column in reversed(columns):
            op.drop_column(table, column)
