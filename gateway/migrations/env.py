"""Alembic environment of the gateway's database."""

from sqlmodel import SQLModel

import gateway.identity.models  # noqa: F401  (registers the tables)
import gateway.tokens.models  # noqa: F401
from onewindow_kit.migrations import run_env

run_env(SQLModel.metadata)
