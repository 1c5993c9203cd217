"""court-bridge settings (env prefix ``COURT_``)."""

from pydantic_settings import SettingsConfigDict

from onewindow_kit.settings import ServiceSettings


class CourtBridgeSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="COURT_", extra="ignore", env_nested_delimiter="__")

    service_name: str = "court-bridge"
    database_url: str = "sqlite+aiosqlite:///var/db/court.sqlite3"
