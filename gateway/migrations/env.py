"""Alembic environment of the gateway's database."""

import gateway.identity.models
import gateway.party.models  # noqa: F401
from onewindow_kit.migrations import run_env
from sqlmodel import SQLModel

run_env(SQLModel.metadata)
