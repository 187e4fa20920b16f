"""documents.across_due: stored since the cross-document findings over its units and years were
last refreshed. A batch is done once its documents are final and none is still due.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # existing documents were refreshed by the runs that stored them. A plain ADD COLUMN: a
    # batch copy on SQLite would drop the old table and cascade the delete to every row
    op.add_column(
        "documents", sa.Column("across_due", sa.Boolean(), server_default=sa.false(), nullable=False)
    )


def downgrade() -> None:
    op.drop_column("documents", "across_due")  # DROP COLUMN on SQLite too (3.35+), no copy
