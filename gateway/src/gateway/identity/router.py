"""``/admin/users`` and ``/admin/clients``: administrators manage who may get tokens."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response
from onewindow_kit.auth import AdminPrincipal, Principal, require_roles
from onewindow_kit.db import SessionDep
from onewindow_kit.errors import AlreadyExists
from onewindow_kit.openapi import problems

from gateway.identity import service
from gateway.identity.exceptions import CannotDisableSelf
from gateway.identity.schemas import (
    AccountPublic,
    ClientCreate,
    ClientCreated,
    ClientList,
    ClientPublic,
    ClientSecret,
    TemporaryPassword,
    UserCreate,
    UserList,
    UserPublic,
    UserUpdate,
)

router = APIRouter(prefix="/admin", tags=["admin"])

Limit = Annotated[int, Query(ge=1, le=500)]
# Supervisors register mediators in their centre's roster, so they may pick (not manage) accounts.
AccountPicker = Annotated[Principal, Depends(require_roles("admin", "supervisor"))]


@router.post("/users", status_code=201, operation_id="create_user", responses=problems(AlreadyExists))
async def create_user(data: UserCreate, session: SessionDep, _admin: AdminPrincipal) -> UserPublic:
    """Create a staff user (409 if the username is taken)."""
    user = await service.create_user(session=session, data=data)
    return UserPublic.model_validate(user)


@router.get("/users", operation_id="list_users")
async def list_users(
    session: SessionDep,
    _admin: AdminPrincipal,
    active: bool | None = None,
    cursor: str | None = None,
    limit: Limit = 100,
) -> UserList:
    """Staff users by username; pass ``next_cursor`` back as ``cursor`` for the next page."""
    users, next_cursor = await service.list_users(session=session, active=active, after=cursor, limit=limit)
    return UserList(items=[UserPublic.model_validate(u) for u in users], next_cursor=next_cursor)


@router.get("/users/{user_id}", operation_id="get_user")
async def get_user(user_id: uuid.UUID, session: SessionDep, _admin: AdminPrincipal) -> UserPublic:
    """One staff user."""
    return UserPublic.model_validate(await service.get_user(session=session, user_id=user_id))


@router.patch("/users/{user_id}", operation_id="update_user")
async def update_user(user_id: uuid.UUID, data: UserUpdate, session: SessionDep, _admin: AdminPrincipal) -> UserPublic:
    """Change name, roles, centre or password; a new password ends the user's sessions and lockout."""
    user = await service.get_user(session=session, user_id=user_id)
    return UserPublic.model_validate(await service.update_user(session=session, user=user, data=data))


@router.post("/users/{user_id}/disable", operation_id="disable_user", responses=problems(CannotDisableSelf))
async def disable_user(user_id: uuid.UUID, session: SessionDep, admin: AdminPrincipal) -> UserPublic:
    """Disable a user: no more logins, refresh tokens revoked (access tokens run out within minutes)."""
    user = await service.get_user(session=session, user_id=user_id)
    if str(user.id) == admin.subject:
        raise CannotDisableSelf("administrators cannot disable themselves")
    return UserPublic.model_validate(await service.set_user_active(session=session, user=user, active=False))


@router.post("/users/{user_id}/enable", operation_id="enable_user")
async def enable_user(user_id: uuid.UUID, session: SessionDep, _admin: AdminPrincipal) -> UserPublic:
    """Re-enable a disabled user (also clears a login lockout)."""
    user = await service.get_user(session=session, user_id=user_id)
    return UserPublic.model_validate(await service.set_user_active(session=session, user=user, active=True))


@router.post("/users/{user_id}/reset-password", operation_id="reset_user_password")
async def reset_user_password(
    user_id: uuid.UUID, session: SessionDep, _admin: AdminPrincipal, response: Response
) -> TemporaryPassword:
    """Set a new temporary password (shown in this answer only); it also clears a lockout and ends
    the user's sessions."""
    user = await service.get_user(session=session, user_id=user_id)
    password = await service.reset_password(session=session, user=user)
    response.headers["Cache-Control"] = "no-store"
    return TemporaryPassword(user_id=user.id, username=user.username, password=password)


@router.post("/users/{user_id}/unlock", operation_id="unlock_user")
async def unlock_user(user_id: uuid.UUID, session: SessionDep, _admin: AdminPrincipal) -> UserPublic:
    """End a login lockout now (after repeated wrong passwords); the password stays."""
    user = await service.get_user(session=session, user_id=user_id)
    return UserPublic.model_validate(await service.unlock_user(session=session, user=user))


@router.get("/accounts", operation_id="list_accounts")
async def list_accounts(
    session: SessionDep,
    principal: AccountPicker,
    role: Literal["mediator", "clerk", "supervisor"] = "mediator",
) -> list[AccountPublic]:
    """Active accounts with ``role`` to pick from (a supervisor sees their own centre's only)."""
    center_id = None if "admin" in principal.roles else (principal.center_id or "")
    users = await service.list_accounts_with_role(session=session, role=role, center_id=center_id)
    return [AccountPublic.model_validate(u) for u in users]


@router.post("/clients", status_code=201, operation_id="create_client", responses=problems(AlreadyExists))
async def create_client(
    data: ClientCreate, session: SessionDep, _admin: AdminPrincipal, response: Response
) -> ClientCreated:
    """Create a partner or service client. The secret is in this answer only; it is not stored."""
    client, secret = await service.create_client(session=session, data=data)
    response.headers["Cache-Control"] = "no-store"
    return ClientCreated(**ClientPublic.model_validate(client).model_dump(), client_secret=secret)


@router.get("/clients", operation_id="list_clients")
async def list_clients(
    session: SessionDep,
    _admin: AdminPrincipal,
    kind: Literal["partner", "service"] | None = None,
    cursor: str | None = None,
    limit: Limit = 100,
) -> ClientList:
    """Clients by client_id; pass ``next_cursor`` back as ``cursor`` for the next page."""
    clients, next_cursor = await service.list_clients(session=session, kind=kind, after=cursor, limit=limit)
    return ClientList(items=[ClientPublic.model_validate(c) for c in clients], next_cursor=next_cursor)


@router.get("/clients/{client_id}", operation_id="get_client")
async def get_client(client_id: str, session: SessionDep, _admin: AdminPrincipal) -> ClientPublic:
    """One client (never its secret)."""
    return ClientPublic.model_validate(await service.get_client(session=session, client_id=client_id))


@router.post("/clients/{client_id}/disable", operation_id="disable_client")
async def disable_client(client_id: str, session: SessionDep, _admin: AdminPrincipal) -> ClientPublic:
    """Disable a client: it gets no new tokens."""
    client = await service.get_client(session=session, client_id=client_id)
    return ClientPublic.model_validate(await service.set_client_active(session=session, client=client, active=False))


@router.post("/clients/{client_id}/enable", operation_id="enable_client")
async def enable_client(client_id: str, session: SessionDep, _admin: AdminPrincipal) -> ClientPublic:
    """Re-enable a disabled client."""
    client = await service.get_client(session=session, client_id=client_id)
    return ClientPublic.model_validate(await service.set_client_active(session=session, client=client, active=True))


@router.post("/clients/{client_id}/rotate-secret", operation_id="rotate_client_secret")
async def rotate_client_secret(
    client_id: str, session: SessionDep, _admin: AdminPrincipal, response: Response
) -> ClientSecret:
    """Issue a new secret (shown once); the old one stops working at once."""
    client = await service.get_client(session=session, client_id=client_id)
    secret = await service.rotate_client_secret(session=session, client=client)
    response.headers["Cache-Control"] = "no-store"
    return ClientSecret(client_id=client.client_id, client_secret=secret)
