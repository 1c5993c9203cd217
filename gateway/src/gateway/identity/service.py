"""Staff users and clients: creation, changes, authentication with lockout, and seeding."""

from __future__ import annotations

import math
import secrets
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import anyio
from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from onewindow_kit.db import utcnow
from onewindow_kit.errors import AlreadyExists, NotFound, ValidationFailed
from sqlalchemy import select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.identity.exceptions import AccountLocked, InvalidCredentials
from gateway.identity.models import Client, RefreshToken, StaffUser
from gateway.identity.schemas import (
    CENTRE_ROLES,
    AccountsFile,
    ClientCreate,
    UserCreate,
    UserUpdate,
)

# ---------------------------------------------------------------------------------------------
# Hashing: argon2id, always off the event loop and never more than a few at once (each one takes
# argon2_memory_kib of memory and a core for tens of milliseconds).
# ---------------------------------------------------------------------------------------------


class SecretHashing:
    def __init__(self, *, time_cost: int = 3, memory_kib: int = 65536, parallelism: int = 2, threads: int = 4) -> None:
        self.hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, type=Type.ID)
        self.threads = threads
        self._limiter: anyio.CapacityLimiter | None = None
        self._dummy: str | None = None

    @property
    def limiter(self) -> anyio.CapacityLimiter:
        if self._limiter is None:  # created inside the running loop
            self._limiter = anyio.CapacityLimiter(self.threads)
        return self._limiter

    async def hash(self, secret: str) -> str:
        return await anyio.to_thread.run_sync(self.hasher.hash, secret, limiter=self.limiter)

    async def verify(self, hashed: str, secret: str) -> bool:
        def check() -> bool:
            try:
                return self.hasher.verify(hashed, secret)
            except (VerificationError, InvalidHashError):
                return False

        return await anyio.to_thread.run_sync(check, limiter=self.limiter)

    async def verify_dummy(self, secret: str) -> None:
        """Spend the time of a real verification, so an unknown name answers as slowly as a known one."""
        if self._dummy is None:
            self._dummy = await self.hash(secrets.token_urlsafe(16))
        await self.verify(self._dummy, secret)

    def needs_rehash(self, hashed: str) -> bool:
        try:
            return self.hasher.check_needs_rehash(hashed)
        except InvalidHashError:
            return True


hashing = SecretHashing()


def configure_hashing(*, time_cost: int, memory_kib: int, parallelism: int, threads: int) -> None:
    """Set the cost of new hashes (from the gateway's settings; existing hashes keep theirs)."""
    global hashing
    hashing = SecretHashing(time_cost=time_cost, memory_kib=memory_kib, parallelism=parallelism, threads=threads)


def new_client_secret() -> str:
    return "cs_" + secrets.token_urlsafe(32)


# ---------------------------------------------------------------------------------------------
# Staff users
# ---------------------------------------------------------------------------------------------


async def get_user_by_username(*, session: AsyncSession, username: str) -> StaffUser | None:
    """The user with this username (exact match), or None."""
    return (await session.execute(select(StaffUser).where(StaffUser.username == username))).scalar_one_or_none()


async def get_user(*, session: AsyncSession, user_id: uuid.UUID) -> StaffUser:
    """The user with this id; NotFound otherwise."""
    user = await session.get(StaffUser, user_id)
    if user is None:
        raise NotFound("no such user")
    return user


async def create_user(*, session: AsyncSession, data: UserCreate) -> StaffUser:
    """Create a staff user; Conflict if the username is taken."""
    if await get_user_by_username(session=session, username=data.username) is not None:
        raise AlreadyExists(f"username {data.username!r} is taken")
    user = StaffUser(
        username=data.username,
        display_name=data.display_name,
        roles=sorted(set(data.roles)),
        center_id=data.center_id,
        password_hash=await hashing.hash(data.password),
    )
    session.add(user)
    await session.flush()
    return user


async def list_users(
    *, session: AsyncSession, active: bool | None, after: str | None, limit: int
) -> tuple[list[StaffUser], str | None]:
    """Users ordered by username, ``limit`` after the cursor, and the next cursor."""
    query = select(StaffUser).order_by(StaffUser.username).limit(limit + 1)
    if active is not None:
        query = query.where(StaffUser.active == active)
    if after:
        query = query.where(StaffUser.username > after)
    users = list((await session.execute(query)).scalars())
    more = len(users) > limit
    users = users[:limit]
    return users, (users[-1].username if more else None)


async def update_user(*, session: AsyncSession, user: StaffUser, data: UserUpdate) -> StaffUser:
    """Change a user's name, roles, centre or password (a new password also clears a lockout)."""
    fields = data.model_dump(exclude_unset=True)
    roles = fields.get("roles", user.roles)
    center_id = fields.get("center_id", user.center_id)
    if CENTRE_ROLES.intersection(roles) and not center_id:
        raise ValidationFailed.field("center_id", "center_id is required for clerks, mediators and supervisors")
    if "display_name" in fields and data.display_name is not None:
        user.display_name = data.display_name
    if "roles" in fields and data.roles is not None:
        user.roles = sorted(set(data.roles))
    if "center_id" in fields:
        user.center_id = data.center_id
    if data.password is not None:
        user.password_hash = await hashing.hash(data.password)
        user.failed_login_count = 0
        user.locked_until = None
        await revoke_user_refresh_tokens(session=session, user_id=user.id)
    user.updated_at = utcnow()
    await session.flush()
    return user


async def set_user_active(*, session: AsyncSession, user: StaffUser, active: bool) -> StaffUser:
    """Disable (revoking every refresh token) or re-enable a user."""
    user.active = active
    user.updated_at = utcnow()
    if active:
        user.failed_login_count = 0
        user.locked_until = None
    else:
        await revoke_user_refresh_tokens(session=session, user_id=user.id)
    await session.flush()
    return user


async def reset_password(*, session: AsyncSession, user: StaffUser) -> str:
    """Give a user a fresh temporary password (returned once, never stored in clear); it also
    clears a lockout and ends the user's sessions."""
    password = secrets.token_urlsafe(9)
    user.password_hash = await hashing.hash(password)
    user.failed_login_count = 0
    user.locked_until = None
    user.updated_at = utcnow()
    await revoke_user_refresh_tokens(session=session, user_id=user.id)
    await session.flush()
    return password


async def unlock_user(*, session: AsyncSession, user: StaffUser) -> StaffUser:
    """End a login lockout now (the password is unchanged)."""
    user.failed_login_count = 0
    user.locked_until = None
    user.updated_at = utcnow()
    await session.flush()
    return user


async def list_accounts_with_role(*, session: AsyncSession, role: str, center_id: str | None) -> list[StaffUser]:
    """Active users holding ``role`` (in ``center_id`` when given), by username."""
    query = select(StaffUser).where(StaffUser.active == true()).order_by(StaffUser.username)
    if center_id is not None:
        query = query.where(StaffUser.center_id == center_id)
    # roles is a JSON list: filtered here, the table holds staff accounts only (hundreds, not millions).
    return [u for u in (await session.execute(query)).scalars() if role in u.roles]


async def revoke_user_refresh_tokens(*, session: AsyncSession, user_id: uuid.UUID) -> None:
    """Revoke every live refresh token of a user (their sessions end at the next refresh)."""
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def lockout_seconds(failures: int, *, max_failures: int, base_seconds: int, max_seconds: int) -> int:
    """Lock time after ``failures`` consecutive failures: 0 below the threshold, then doubling."""
    if failures < max_failures:
        return 0
    return min(max_seconds, base_seconds * 2 ** min(failures - max_failures, 30))


async def authenticate_user(
    *,
    session: AsyncSession,
    username: str,
    password: str,
    max_failures: int,
    lockout_base_seconds: int,
    lockout_max_seconds: int,
    now: datetime | None = None,
) -> StaffUser:
    """The active user with this username and password.

    Raises AccountLocked while a lockout runs (without looking at the password), InvalidCredentials
    otherwise. A failure is counted in the same transaction, which the caller commits."""
    now = now or utcnow()
    user = await get_user_by_username(session=session, username=username)
    if user is None:
        await hashing.verify_dummy(password)
        raise InvalidCredentials(known=False)
    if user.locked_until is not None and user.locked_until > now:
        raise AccountLocked(math.ceil((user.locked_until - now).total_seconds()))
    if not await hashing.verify(user.password_hash, password):
        failures = (
            await session.execute(
                update(StaffUser)
                .where(StaffUser.id == user.id)
                .values(failed_login_count=StaffUser.failed_login_count + 1)
                .returning(StaffUser.failed_login_count)
            )
        ).scalar_one()
        lock = lockout_seconds(
            failures, max_failures=max_failures, base_seconds=lockout_base_seconds, max_seconds=lockout_max_seconds
        )
        if lock:
            await session.execute(
                update(StaffUser).where(StaffUser.id == user.id).values(locked_until=now + timedelta(seconds=lock))
            )
            raise AccountLocked(lock)
        raise InvalidCredentials()
    if not user.active:
        raise InvalidCredentials("this account is disabled")
    if user.failed_login_count or user.locked_until is not None:
        user.failed_login_count = 0
        user.locked_until = None
    if hashing.needs_rehash(user.password_hash):
        user.password_hash = await hashing.hash(password)
    await session.flush()
    return user


# ---------------------------------------------------------------------------------------------
# Clients
# ---------------------------------------------------------------------------------------------


async def get_client(*, session: AsyncSession, client_id: str) -> Client:
    """The client with this client_id; NotFound otherwise."""
    client = await _find_client(session=session, client_id=client_id)
    if client is None:
        raise NotFound("no such client")
    return client


async def _find_client(*, session: AsyncSession, client_id: str) -> Client | None:
    return (await session.execute(select(Client).where(Client.client_id == client_id))).scalar_one_or_none()


async def create_client(*, session: AsyncSession, data: ClientCreate) -> tuple[Client, str]:
    """Create a client with a fresh secret; returns the client and the secret (shown once)."""
    if await _find_client(session=session, client_id=data.client_id) is not None:
        raise AlreadyExists(f"client_id {data.client_id!r} is taken")
    secret = new_client_secret()
    client = Client(
        client_id=data.client_id,
        name=data.name,
        kind=data.kind,
        roles=sorted(set(data.roles)),
        partner_id=data.partner_id,
        secret_hash=await hashing.hash(secret),
    )
    session.add(client)
    await session.flush()
    return client, secret


async def list_clients(
    *, session: AsyncSession, kind: str | None, after: str | None, limit: int
) -> tuple[list[Client], str | None]:
    """Clients ordered by client_id, ``limit`` after the cursor, and the next cursor."""
    query = select(Client).order_by(Client.client_id).limit(limit + 1)
    if kind is not None:
        query = query.where(Client.kind == kind)
    if after:
        query = query.where(Client.client_id > after)
    clients = list((await session.execute(query)).scalars())
    more = len(clients) > limit
    clients = clients[:limit]
    return clients, (clients[-1].client_id if more else None)


async def set_client_active(*, session: AsyncSession, client: Client, active: bool) -> Client:
    """Disable or re-enable a client (tokens it already holds run out within their short life)."""
    client.active = active
    client.updated_at = utcnow()
    await session.flush()
    return client


async def rotate_client_secret(*, session: AsyncSession, client: Client) -> str:
    """Give the client a new secret (the old one stops working at once); returns it."""
    secret = new_client_secret()
    client.secret_hash = await hashing.hash(secret)
    client.updated_at = utcnow()
    await session.flush()
    return secret


async def authenticate_client(*, session: AsyncSession, client_id: str, client_secret: str) -> Client:
    """The active client with these credentials; InvalidCredentials otherwise."""
    client = await _find_client(session=session, client_id=client_id)
    if client is None:
        await hashing.verify_dummy(client_secret)
        raise InvalidCredentials("invalid client credentials", known=False)
    if not await hashing.verify(client.secret_hash, client_secret):
        raise InvalidCredentials("invalid client credentials", known=False)
    if not client.active:
        raise InvalidCredentials("this client is disabled")
    return client


# ---------------------------------------------------------------------------------------------
# Seeding
# ---------------------------------------------------------------------------------------------


async def ensure_accounts(session: AsyncSession, accounts: Mapping[str, Any]) -> None:
    """Create each account of ``accounts`` that is missing, and reset the password or secret,
    roles, names and scope of each that exists (re-enabling it). Idempotent."""
    data = AccountsFile.model_validate(accounts)
    now = utcnow()
    for item in data.users:
        user = await get_user_by_username(session=session, username=item.username)
        if user is None:
            user = StaffUser(
                username=item.username,
                display_name=item.display_name,
                password_hash=await hashing.hash(item.password),
                created_at=now,
            )
            session.add(user)
        elif not await hashing.verify(user.password_hash, item.password):
            # A reset password ends the sessions opened with the old one.
            user.password_hash = await hashing.hash(item.password)
            await revoke_user_refresh_tokens(session=session, user_id=user.id)
        user.display_name = item.display_name
        user.roles = sorted(set(item.roles))
        user.center_id = item.center_id
        user.active = True
        user.failed_login_count = 0
        user.locked_until = None
        user.updated_at = now
    for seed in data.clients:
        client = await _find_client(session=session, client_id=seed.client_id)
        if client is None:
            client = Client(
                client_id=seed.client_id,
                name=seed.name,
                kind=seed.kind,
                secret_hash=await hashing.hash(seed.client_secret),
                created_at=now,
            )
            session.add(client)
        elif not await hashing.verify(client.secret_hash, seed.client_secret):
            client.secret_hash = await hashing.hash(seed.client_secret)
        client.name = seed.name
        client.kind = seed.kind
        client.roles = sorted(set(seed.roles))
        client.partner_id = seed.partner_id
        client.active = True
        client.updated_at = now
    await session.flush()
