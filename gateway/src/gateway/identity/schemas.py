"""What the admin endpoints and the accounts file accept and return."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from onewindow_kit.auth import PARTNER_ROLES, STAFF_ROLES
from onewindow_kit.types import PatchModel
from pydantic import BaseModel, ConfigDict, Field, model_validator

StaffRole = Literal[
    "clerk", "mediator", "supervisor", "admin", "inspector", "legal_aid_officer", "petition_officer", "coordinator"
]
ClientRole = Literal["court_partner", "arbitration_partner", "service"]
Username = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.@-]*$")
ClientId = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
ScopeId = Field(default=None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")

# Roles whose work is bound to one centre; an administrator may belong to none.
CENTRE_ROLES = frozenset(
    {"clerk", "mediator", "supervisor", "inspector", "legal_aid_officer", "petition_officer", "coordinator"}
)
assert set(STAFF_ROLES) > CENTRE_ROLES


def _check_user_scope(roles: list[str] | None, center_id: str | None) -> None:
    if roles is not None and CENTRE_ROLES.intersection(roles) and not center_id:
        raise ValueError("center_id is required for clerks, mediators, supervisors and desk staff")


def _check_client_roles(kind: str, roles: list[str], partner_id: str | None) -> None:
    if kind == "partner":
        if not roles or not set(roles) <= set(PARTNER_ROLES):
            raise ValueError("a partner client has the roles court_partner and/or arbitration_partner")
        if not partner_id:
            raise ValueError("partner_id is required for a partner client")
    else:
        if roles != ["service"]:
            raise ValueError('a service client has exactly the roles ["service"]')
        if partner_id:
            raise ValueError("a service client has no partner_id")


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Username
    password: str = Field(min_length=8, max_length=256)
    display_name: str = Field(min_length=1, max_length=100)
    roles: list[StaffRole] = Field(min_length=1)
    center_id: str | None = ScopeId

    @model_validator(mode="after")
    def _scope(self) -> UserCreate:
        _check_user_scope(self.roles, self.center_id)
        return self


class UserUpdate(PatchModel):
    """Fields to change; absent fields stay as they are. A new password also unlocks the account."""

    model_config = ConfigDict(extra="forbid")
    nullable = frozenset({"center_id"})  # null clears these; elsewhere null is a 422

    display_name: str | None = Field(default=None, min_length=1, max_length=100)
    roles: list[StaffRole] | None = Field(default=None, min_length=1)
    center_id: str | None = ScopeId
    password: str | None = Field(default=None, min_length=8, max_length=256)


class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    username: str
    display_name: str
    roles: list[str]
    center_id: str | None
    active: bool
    locked_until: datetime | None
    created_at: datetime
    updated_at: datetime


class TemporaryPassword(BaseModel):
    """A reset password, shown once: the user signs in with it (and should change it)."""

    user_id: uuid.UUID
    username: str
    password: str


class AccountPublic(BaseModel):
    """A staff account as another screen picks it (linking a mediator record to its login)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    username: str
    display_name: str
    center_id: str | None


class UserList(BaseModel):
    items: list[UserPublic]
    next_cursor: str | None


class ClientCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    client_id: str = ClientId
    name: str = Field(min_length=1, max_length=200)
    kind: Literal["partner", "service"]
    roles: list[ClientRole] = Field(min_length=1)
    partner_id: str | None = ScopeId

    @model_validator(mode="after")
    def _roles(self) -> ClientCreate:
        _check_client_roles(self.kind, list(self.roles), self.partner_id)
        return self


class ClientPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    client_id: str
    name: str
    kind: str
    roles: list[str]
    partner_id: str | None
    active: bool
    created_at: datetime
    updated_at: datetime


class ClientCreated(ClientPublic):
    """Returned once, at creation: the secret is not stored and cannot be shown again."""

    client_secret: str


class ClientSecret(BaseModel):
    """A new secret, shown once; the old one stops working at once."""

    client_id: str
    client_secret: str


class ClientList(BaseModel):
    items: list[ClientPublic]
    next_cursor: str | None


# The accounts file of ``python -m gateway seed`` (demo and deployment accounts).


class SeedUser(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Username
    password: str = Field(min_length=1, max_length=256)
    display_name: str = Field(min_length=1, max_length=100)
    roles: list[StaffRole] = Field(min_length=1)
    center_id: str | None = ScopeId

    @model_validator(mode="after")
    def _scope(self) -> SeedUser:
        _check_user_scope(self.roles, self.center_id)
        return self


class SeedClient(BaseModel):
    model_config = ConfigDict(extra="forbid")

    client_id: str = ClientId
    client_secret: str = Field(min_length=1, max_length=256)
    name: str = Field(min_length=1, max_length=200)
    kind: Literal["partner", "service"]
    roles: list[ClientRole] = Field(min_length=1)
    partner_id: str | None = ScopeId

    @model_validator(mode="after")
    def _roles(self) -> SeedClient:
        _check_client_roles(self.kind, list(self.roles), self.partner_id)
        return self


class AccountsFile(BaseModel):
    users: list[SeedUser] = Field(default_factory=list)
    clients: list[SeedClient] = Field(default_factory=list)
