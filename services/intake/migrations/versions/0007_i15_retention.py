"""Retention: which case files the retention job has anonymised

Revision ID: 0007_i15_retention
Revises: 0006_i10_notifications
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from onewindow_kit.db import UtcDateTime

revision: str = "0007_i15_retention"
down_revision: str | None = "0006_i10_notifications"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "case_retention",
        sa.Column("case_id", S(length=32), nullable=False),
        sa.Column("retention_class", S(length=20), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("anonymised_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_case_retention")),
    )


def downgrade() -> None:
    op.drop_table("case_retention")
