"""case_party.phone_masked holds landlines too (0755-88888888 masks to 13 characters)

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlmodel
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("case_party", schema=None) as batch_op:
        batch_op.alter_column(
            "phone_masked",
            type_=sqlmodel.sql.sqltypes.AutoString(length=30),
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=11),
            existing_nullable=True,
        )


def downgrade() -> None:
    with op.batch_alter_table("case_party", schema=None) as batch_op:
        batch_op.alter_column(
            "phone_masked",
            type_=sqlmodel.sql.sqltypes.AutoString(length=11),
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=30),
            existing_nullable=True,
        )
