"""court-bridge settings (env prefix ``COURT_``); what every bridge has is the kit's ``BridgeSettings``."""

from onewindow_kit.bridge.settings import BridgeSettings
from pydantic_settings import SettingsConfigDict


class CourtBridgeSettings(BridgeSettings):
    model_config = SettingsConfigDict(env_prefix="COURT_", extra="ignore", env_nested_delimiter="__")

    service_name: str = "court-bridge"
    database_url: str = "sqlite+aiosqlite:///var/db/court.sqlite3"

    # auto_accept: the centre answers a court within 3 working days (人民法院在线调解规则 第12条).
    # The worker also prepares 司法确认 applications (identities from intake).
