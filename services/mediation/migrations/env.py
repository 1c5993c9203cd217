import mediation.agreements.models
import mediation.assignment.models
import mediation.calculators.models
import mediation.centers.models
import mediation.documents.models
import mediation.proceedings.models
import mediation.registry.models
import mediation.sessions.models
import mediation.subsidies.models  # noqa: F401
import onewindow_kit.events.models  # noqa: F401
from onewindow_kit.migrations import run_env
from sqlmodel import SQLModel

run_env(SQLModel.metadata)
