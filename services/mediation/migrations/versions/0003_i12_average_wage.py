"""average_wage_figure: the city average wage set by an administrator (issue 12)

Revision ID: 0003_i12_average_wage
Revises: 0002
Create Date: 2026-12-01 21:55:00
"""

from collections.abc import Sequence

import onewindow_kit.db
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0003_i12_average_wage"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "average_wage_figure",
        sa.Column("city", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("monthly", sa.Numeric(14, 2), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.Column("set_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("set_at", onewindow_kit.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("city", "year", name=op.f("pk_average_wage_figure")),
    )


def downgrade() -> None:
    op.drop_table("average_wage_figure")
