"""What the partner admin endpoints accept and return (secrets only in creation/rotation answers)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

# The partner id is also a gateway client id when we create the client: the stricter of the two patterns.
PartnerId = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
CenterId = Field(default=None, min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.:-]+$")


class PartnerCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    partner_id: str = PartnerId
    name: str = Field(min_length=1, max_length=200)
    center_id: str | None = CenterId
    webhook_url: str | None = Field(default=None, max_length=2000)
    # Also create the partner's gateway client (client_credentials, role <kind>_partner, this
    # partner_id), with the administrator's own token; its secret is in the answer, once.
    issue_client_credentials: bool = False


class PartnerUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = Field(default=None, min_length=1, max_length=200)
    center_id: str | None = CenterId
    webhook_url: str | None = Field(default=None, max_length=2000)


class SecretPublic(BaseModel):
    id: int
    created_at: datetime
    expires_at: datetime | None


class PartnerPublic(BaseModel):
    partner_id: str
    kind: str
    name: str
    center_id: str | None
    webhook_url: str | None
    client_id: str | None
    active: bool
    secrets: list[SecretPublic]  # the valid ones, newest first (never their values)
    created_at: datetime
    updated_at: datetime


class ClientCredentials(BaseModel):
    client_id: str
    client_secret: str


class PartnerCreated(PartnerPublic):
    """Shown once: the webhook secret (and the gateway client secret) are not retrievable later."""

    webhook_secret: str
    client_credentials: ClientCredentials | None = None


class SecretRotation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # How long the previous secret keeps signing next to the new one; 0 revokes it at once (a leak).
    overlap_hours: float | None = Field(default=None, ge=0, le=24 * 30)


class SecretRotated(BaseModel):
    partner_id: str
    webhook_secret: str
    secrets: list[SecretPublic]
