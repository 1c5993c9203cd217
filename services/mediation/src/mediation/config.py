"""Mediation settings (env prefix ``MEDIATION_``)."""

from pydantic_settings import SettingsConfigDict

from onewindow_kit.settings import ServiceSettings


class MediationSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MEDIATION_", extra="ignore", env_nested_delimiter="__")

    service_name: str = "mediation"
    database_url: str = "sqlite+aiosqlite:///var/db/mediation.sqlite3"
