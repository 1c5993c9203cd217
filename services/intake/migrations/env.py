import intake.attachments.models
import intake.cases.models
import intake.centers.models
import intake.desks.models
import intake.documents.models
import intake.exports.models
import intake.ledger.models
import intake.notices.models
import intake.notifications.models
import intake.portal.models
import intake.retention.models  # noqa: F401
import onewindow_kit.events.models
import onewindow_kit.idempotency  # noqa: F401
from onewindow_kit.migrations import run_env
from sqlmodel import SQLModel

run_env(SQLModel.metadata)
