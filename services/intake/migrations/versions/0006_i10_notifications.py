"""Staff notifications: one row per audience and cause, read state per person

Revision ID: 0006_i10_notifications
Revises: 0005_i10_desks
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from onewindow_kit.db import UtcDateTime

revision: str = "0006_i10_notifications"
down_revision: str | None = "0005_i10_desks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("center_id", S(length=40), nullable=False),
        sa.Column("audience", S(length=80), nullable=False),
        sa.Column("cause", S(length=160), nullable=False),
        sa.Column("kind", S(length=30), nullable=False),
        sa.Column("title", S(length=200), nullable=False),
        sa.Column("body", S(length=500), nullable=False),
        sa.Column("case_id", S(length=32), nullable=True),
        sa.Column("link", S(length=200), nullable=True),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("center_id", "audience", "cause"),
    )
    op.create_index("ix_notification_inbox", "notification", ["center_id", "audience", "id"])
    op.create_table(
        "notification_read",
        sa.Column("notification_id", sa.Integer(), nullable=False),
        sa.Column("subject", S(length=64), nullable=False),
        sa.Column("read_at", UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["notification_id"], ["notification.id"]),
        sa.PrimaryKeyConstraint("notification_id", "subject"),
    )


def downgrade() -> None:
    op.drop_table("notification_read")
    op.drop_index("ix_notification_inbox", table_name="notification")
    op.drop_table("notification")
