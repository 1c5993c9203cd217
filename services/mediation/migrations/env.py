from sqlmodel import SQLModel

import mediation.centers.models  # noqa: F401  (registers the tables)
import onewindow_kit.events.models  # noqa: F401
from onewindow_kit.migrations import run_env

run_env(SQLModel.metadata)
