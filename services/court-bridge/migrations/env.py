from sqlmodel import SQLModel

import onewindow_kit.events.models  # noqa: F401  (registers the tables)
from onewindow_kit.migrations import run_env

run_env(SQLModel.metadata)
