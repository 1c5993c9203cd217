"""Intake settings (env prefix ``INTAKE_``)."""

from pydantic_settings import SettingsConfigDict

from onewindow_kit.settings import ServiceSettings


class IntakeSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INTAKE_", extra="ignore", env_nested_delimiter="__")

    service_name: str = "intake"
    database_url: str = "sqlite+aiosqlite:///var/db/intake.sqlite3"
