from sqlmodel import SQLModel

import court_bridge.confirmations.models  # noqa: F401  (registers the tables)
import court_bridge.referrals.models  # noqa: F401
import onewindow_kit.events.models  # noqa: F401
import onewindow_kit.idempotency  # noqa: F401
import onewindow_kit.partners.models  # noqa: F401
import onewindow_kit.webhooks.models  # noqa: F401
from onewindow_kit.migrations import run_env

run_env(SQLModel.metadata)
