"""Helpers shared by the gateway's tests (plain functions; fixtures are in conftest.py)."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI
from gateway.config import GatewaySettings
from gateway.identity.service import ensure_accounts
from gateway.main import create_app

PASSWORD = "correct horse battery"
ACCOUNTS: dict[str, Any] = {
    "users": [
        {
            "username": "alice",
            "password": PASSWORD,
            "display_name": "Alice Clerk",
            "roles": ["clerk"],
            "center_id": "futian",
        },
        {
            "username": "bob",
            "password": PASSWORD,
            "display_name": "Bob Mediator",
            "roles": ["mediator"],
            "center_id": "futian",
        },
        {
            "username": "root",
            "password": PASSWORD,
            "display_name": "Root Admin",
            "roles": ["admin", "supervisor"],
            "center_id": "futian",
        },
    ],
    "clients": [
        {
            "client_id": "court-futian",
            "client_secret": "court-secret",
            "name": "福田区人民法院",
            "kind": "partner",
            "roles": ["court_partner"],
            "partner_id": "court-futian",
        },
        {
            "client_id": "svc-intake",
            "client_secret": "intake-secret",
            "name": "intake",
            "kind": "service",
            "roles": ["service"],
        },
    ],
}


@asynccontextmanager
async def running(settings: GatewaySettings, *, seed: bool = True) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """Another gateway (own settings) with its lifespan running, and a client for it."""
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        if seed:
            async with application.state.db.transaction() as session:
                await ensure_accounts(session, ACCOUNTS)
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            yield application, c


async def login(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> httpx.Response:
    return await client.post("/auth/token", data={"grant_type": "password", "username": username, "password": password})


async def bearer(client: httpx.AsyncClient, username: str = "alice") -> dict[str, str]:
    response = await login(client, username)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def jwt_parts(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and claims of a JWT, unverified (for assertions only)."""

    def part(segment: str) -> dict[str, Any]:
        return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))

    header, claims, _ = token.split(".")
    return part(header), part(claims)


async def admin_user(client: httpx.AsyncClient, admin: dict[str, str], username: str) -> dict[str, Any]:
    """``username``'s record as ``/admin/users`` lists it (``admin``: an admin's headers)."""
    users = (await client.get("/admin/users", headers=admin)).json()["items"]
    return next(u for u in users if u["username"] == username)
