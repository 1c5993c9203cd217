"""Intake settings (env prefix ``INTAKE_``)."""

from typing import Annotated

from fastapi import Depends
from onewindow_kit.dependencies import settings_dependency
from onewindow_kit.settings import ServiceSettings
from onewindow_kit.sms import SmsSettings
from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from intake.desks.schemas import DeskConfig
from intake.triage.schemas import TriageConfig


class IntakeSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INTAKE_", extra="ignore", env_nested_delimiter="__")

    service_name: str = "intake"
    database_url: str = "sqlite+aiosqlite:///var/db/intake.sqlite3"

    triage: TriageConfig = Field(default_factory=TriageConfig)
    desks: DeskConfig = Field(default_factory=DeskConfig)
    # Roles that see full ID and phone numbers (each read is logged in pii_access). The bridges
    # (role service) need them for partner hand-offs: a court files a 司法确认 with the parties' IDs.
    pii_roles: list[str] = Field(default_factory=lambda: ["clerk", "supervisor", "mediator", "service"])
    # Retention (DOMAIN.md §9): closed case files are anonymised this many years after closing.
    # The job runs every interval; without ``retention_apply`` it only logs its dry run.
    retention_mediated_years: int = Field(default=5, ge=5)
    retention_awarded_years: int = Field(default=10, ge=10)
    retention_interval_seconds: float = Field(default=86400.0, gt=0)
    retention_apply: bool = False
    retention_enabled: bool = True
    # Evidence attachments: the largest file (413 above it, before anything is stored) and the
    # types taken, as detected from the content (not the file name).
    attachment_max_bytes: int = Field(default=20 * 1024 * 1024, gt=0)
    attachment_allowed_types: list[str] = Field(
        default_factory=lambda: ["pdf", "jpeg", "png", "heic", "webp", "docx", "xlsx"]
    )
    # SMS notices to parties (onewindow_kit.sms; ``INTAKE_SMS__PROVIDER=aliyun`` and friends): which
    # purposes are sent, the base of service links, how often delivery receipts are polled.
    sms: SmsSettings = Field(default_factory=SmsSettings)
    sms_notices: list[str] = Field(
        default_factory=lambda: [
            "registration",
            "session_notice",
            "instalment_reminder",
            "document_served",
            "application_received",
            "application_returned",
            "application_registered",
        ]
    )
    sms_link_base: str = "http://127.0.0.1:8000/s"
    sms_receipt_poll_seconds: float = Field(default=30.0, gt=0)
    sms_worker_enabled: bool = True

    @model_validator(mode="after")
    def _keys_present(self) -> "IntakeSettings":
        if not self.data_keys or not self.lookup_key:
            raise ValueError("INTAKE_DATA_KEYS and INTAKE_LOOKUP_KEY must be set (make run generates them into var/)")
        return self


# Intake's settings as a route dependency (``settings: SettingsDep``).
SettingsDep = Annotated[IntakeSettings, Depends(settings_dependency(IntakeSettings))]
