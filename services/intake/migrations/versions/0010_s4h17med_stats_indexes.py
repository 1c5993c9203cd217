"""statistics: a centre-year from the index alone; timeline entries by case and kind (issue 17)

``ix_case_file_stats`` is (center_id, registered_at) and, on PostgreSQL, INCLUDEs every column
the dashboard reads, so the statistics of a window are index-only scans.
``ix_timeline_entry_case_kind`` answers "did this case have this event" without the heap.

Revision ID: 0010_s4h17med_stats_indexes
Revises: 0010_s4h20_traceparent
Create Date: 2026-12-02 04:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010_s4h17med_stats_indexes"
down_revision: str | None = "0010_s4h20_traceparent"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATS_COLUMNS = [
    "channel",
    "route",
    "status",
    "risk_grade",
    "collective",
    "total_claimed",
    "recovered",
    "agreed_amount",
    "closed_at",
    "deadline_on",
    "id",
]


def upgrade() -> None:
    op.create_index("ix_case_file_stats", "case_file", ["center_id", "registered_at"], postgresql_include=STATS_COLUMNS)
    op.create_index("ix_timeline_entry_case_kind", "timeline_entry", ["case_id", "kind"])


def downgrade() -> None:
    op.drop_index("ix_timeline_entry_case_kind", table_name="timeline_entry")
    op.drop_index("ix_case_file_stats", table_name="case_file")
