"""assignment: fairness counts per mediator and centre, kept with each assignment (decision 0035)

The assignment snapshot counted each mediator's decisions by complexity over the fairness window
with a GROUP BY over every record of the window (20,000 at a centre of 1,000 mediators). The
counts per day are now kept in ``assignment_fairness``, written in the same transaction as each
record with a mediator; this revision fills them from the records already stored.

Revision ID: 0006_s8pool_fairness_counts
Revises: 0005_s4h17med_fairness_index
Create Date: 2026-12-03 13:05:00
"""

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0006_s8pool_fairness_counts"
down_revision: str | None = "0005_s4h17med_fairness_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHINA = timezone(timedelta(hours=8))  # onewindow_domain.calendar.CHINA_TZ (no daylight saving)
KEPT_DAYS = 400  # mediation.assignment.service.FAIRNESS_KEPT_DAYS


def upgrade() -> None:
    table = op.create_table(
        "assignment_fairness",
        sa.Column("center_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("mediator_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("days", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("center_id", "mediator_id", name=op.f("pk_assignment_fairness")),
    )
    bind = op.get_bind()
    since = datetime.now(UTC) - timedelta(days=KEPT_DAYS + 1)
    rows = bind.execute(
        sa.text(
            "SELECT center_id, mediator_id, complexity, decided_at FROM assignment_record WHERE mediator_id IS NOT NULL"
        )
    ).all()
    counts: dict[tuple[str, str], dict[str, dict[str, int]]] = {}
    for center_id, mediator_id, complexity, decided_at in rows:
        at = datetime.fromisoformat(decided_at) if isinstance(decided_at, str) else decided_at
        at = at.replace(tzinfo=UTC) if at.tzinfo is None else at  # SQLite stores naive UTC
        if at < since:
            continue
        day = at.astimezone(CHINA).date().isoformat()
        per_day = counts.setdefault((center_id, mediator_id), {}).setdefault(day, {})
        per_day[complexity] = per_day.get(complexity, 0) + 1
    if counts:
        op.bulk_insert(
            table,
            [
                {"center_id": c, "mediator_id": m, "days": json.dumps(days, sort_keys=True, separators=(",", ":"))}
                for (c, m), days in counts.items()
            ],
        )


def downgrade() -> None:
    op.drop_table("assignment_fairness")
