import arbitration_bridge.cases.models
import arbitration_bridge.referrals.models
import arbitration_bridge.reviews.models
import arbitration_bridge.transfers.models  # noqa: F401
import onewindow_kit.events.models
import onewindow_kit.idempotency
import onewindow_kit.partners.models
import onewindow_kit.webhooks.models  # noqa: F401
from onewindow_kit.migrations import run_env
from sqlmodel import SQLModel

run_env(SQLModel.metadata)
