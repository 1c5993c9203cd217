from sqlmodel import SQLModel

import intake.cases.models  # noqa: F401  (registers the tables)
import intake.centers.models  # noqa: F401
import onewindow_kit.idempotency  # noqa: F401
import onewindow_kit.events.models  # noqa: F401
from onewindow_kit.migrations import run_env

run_env(SQLModel.metadata)
