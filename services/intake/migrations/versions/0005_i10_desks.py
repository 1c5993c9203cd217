"""Agency desks: hand-offs with their clocks and notes; cases keep the agreed amount apart from
the money paid (挽回金额) and the reason a case came back to the window

Revision ID: 0005_i10_desks
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from onewindow_kit.db import UtcDateTime

revision: str = "0005_i10_desks"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.add_column(sa.Column("agreed_amount", sa.Numeric(14, 2), nullable=True))
        batch_op.add_column(sa.Column("return_reason", S(length=500), nullable=True))
    # Until now ``recovered`` held the amount agreed, not money paid: move it to agreed_amount;
    # payments are counted from mediation.agreement.instalment_paid events from here on.
    op.execute("UPDATE case_file SET agreed_amount = recovered, recovered = 0 WHERE recovered > 0")
    op.create_table(
        "handoff",
        sa.Column("id", S(length=32), nullable=False),
        sa.Column("case_id", S(length=32), nullable=False),
        sa.Column("center_id", S(length=40), nullable=False),
        sa.Column("desk", S(length=20), nullable=False),
        sa.Column("status", S(length=20), nullable=False),
        sa.Column("stage", S(length=20), nullable=False),
        sa.Column("reason", S(length=500), nullable=True),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("clocks", sa.JSON(), nullable=False),
        sa.Column("green_channel", sa.Boolean(), nullable=False),
        sa.Column("priority_provision", sa.Boolean(), nullable=False),
        sa.Column("decline_reason", S(length=500), nullable=True),
        sa.Column("outcome", S(length=30), nullable=True),
        sa.Column("outcome_reason", S(length=1000), nullable=True),
        sa.Column("reply", S(length=2000), nullable=True),
        sa.Column("aid_lawyer", S(length=100), nullable=True),
        sa.Column("aid_result", S(length=1000), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("handled_by", S(length=100), nullable=True),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["case_file.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_handoff_case_id", "handoff", ["case_id"])
    op.create_index("ix_handoff_desk_queue", "handoff", ["center_id", "desk", "status", "due_on"])
    op.create_table(
        "handoff_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("handoff_id", S(length=32), nullable=False),
        sa.Column("at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("author", S(length=100), nullable=False),
        sa.Column("text", S(length=2000), nullable=False),
        sa.ForeignKeyConstraint(["handoff_id"], ["handoff.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_handoff_note_handoff_id", "handoff_note", ["handoff_id"])


def downgrade() -> None:
    op.drop_index("ix_handoff_note_handoff_id", table_name="handoff_note")
    op.drop_table("handoff_note")
    op.drop_index("ix_handoff_desk_queue", table_name="handoff")
    op.drop_index("ix_handoff_case_id", table_name="handoff")
    op.drop_table("handoff")
    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.drop_column("return_reason")
        batch_op.drop_column("agreed_amount")
