from sqlmodel import SQLModel

import arbitration_bridge.cases.models  # noqa: F401  (registers the tables)
import arbitration_bridge.referrals.models  # noqa: F401
import arbitration_bridge.reviews.models  # noqa: F401
import arbitration_bridge.transfers.models  # noqa: F401
import onewindow_kit.events.models  # noqa: F401
import onewindow_kit.idempotency  # noqa: F401
import onewindow_kit.partners.models  # noqa: F401
import onewindow_kit.webhooks.models  # noqa: F401
from onewindow_kit.migrations import run_env

run_env(SQLModel.metadata)
