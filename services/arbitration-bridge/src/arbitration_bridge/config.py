"""arbitration-bridge settings (env prefix ``ARBITRATION_``); what every bridge has is the kit's
``BridgeSettings``."""

from typing import ClassVar

from onewindow_kit.bridge.settings import BridgeSettings
from pydantic import Field
from pydantic_settings import SettingsConfigDict


class ArbitrationBridgeSettings(BridgeSettings):
    model_config = SettingsConfigDict(env_prefix="ARBITRATION_", extra="ignore", env_nested_delimiter="__")
    encrypted_what: ClassVar[str] = "referrals and transfers carry parties' identities and webhook secrets"

    service_name: str = "arbitration-bridge"
    database_url: str = "sqlite+aiosqlite:///var/db/arbitration.sqlite3"

    # No statute fixes the centre's answer to an arbitration referral: it is what the centre and the
    # commission agreed (config), counted in working days (auto_accept_when_due accepts on that day).
    acceptance_working_days: int = Field(default=3, ge=1, le=30)

    # Transfers and reviews go to the commission registered for the case's centre; with several
    # (or none) registered there, this one, unless the clerk names another.
    default_partner_id: str | None = None

    # The worker also gathers the parties' service addresses for failed referrals, prepares
    # transfers and reviews (the file and the identities from intake), and flags transfers the
    # commission has not answered within its 5 days (劳动争议调解仲裁法 第29条).
