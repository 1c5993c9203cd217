import court_bridge.agreements.models
import court_bridge.confirmations.models
import court_bridge.payment_orders.models
import court_bridge.referrals.models  # noqa: F401
import onewindow_kit.events.models
import onewindow_kit.idempotency
import onewindow_kit.partners.models
import onewindow_kit.webhooks.models  # noqa: F401
from onewindow_kit.migrations import run_env
from sqlmodel import SQLModel

run_env(SQLModel.metadata)
