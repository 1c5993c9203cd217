"""assignment: the fairness window's counts from the index alone (issue 17)

The assignment snapshot counts each mediator's decisions by complexity over the last 30 days of
their centre. The index now carries ``complexity`` too, so PostgreSQL answers that GROUP BY with
an index-only scan instead of visiting every record of the window.

Revision ID: 0005_s4h17med_fairness_index
Revises: 0005_s4h20_traceparent
Create Date: 2026-12-02 04:06:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005_s4h17med_fairness_index"
down_revision: str | None = "0005_s4h20_traceparent"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_assignment_record_fairness", table_name="assignment_record")
    op.create_index(
        "ix_assignment_record_fairness", "assignment_record", ["center_id", "decided_at", "mediator_id", "complexity"]
    )


def downgrade() -> None:
    op.drop_index("ix_assignment_record_fairness", table_name="assignment_record")
    op.create_index("ix_assignment_record_fairness", "assignment_record", ["center_id", "decided_at", "mediator_id"])
