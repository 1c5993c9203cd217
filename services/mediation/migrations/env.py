from sqlmodel import SQLModel

import mediation.agreements.models  # noqa: F401  (registers the tables)
import mediation.assignment.models  # noqa: F401
import mediation.centers.models  # noqa: F401
import mediation.proceedings.models  # noqa: F401
import mediation.registry.models  # noqa: F401
import mediation.sessions.models  # noqa: F401
import mediation.subsidies.models  # noqa: F401
import onewindow_kit.events.models  # noqa: F401
from onewindow_kit.migrations import run_env

run_env(SQLModel.metadata)
