"""arbitration-bridge settings (env prefix ``ARBITRATION_``)."""

from pydantic_settings import SettingsConfigDict

from onewindow_kit.settings import ServiceSettings


class ArbitrationBridgeSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ARBITRATION_", extra="ignore", env_nested_delimiter="__")

    service_name: str = "arbitration-bridge"
    database_url: str = "sqlite+aiosqlite:///var/db/arbitration.sqlite3"
