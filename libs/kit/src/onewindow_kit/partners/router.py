"""Admin endpoints of the partner registry: ``partner_admin_router(kind="court")`` in each bridge.

No database transaction is open while the URL is resolved or the gateway is called (on SQLite a
transaction holds the write lock), so those steps run between short sessions.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import httpx
from fastapi import APIRouter, Depends, Request, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from onewindow_kit.auth import Principal, require_roles
from onewindow_kit.db import SessionDep
from onewindow_kit.dependencies import DatabaseDep, HttpDep, SettingsDep, WebhooksDep, webhooks_of
from onewindow_kit.errors import AlreadyExists, Forbidden, UpstreamUnavailable, ValidationFailed
from onewindow_kit.openapi import problems
from onewindow_kit.partners import service
from onewindow_kit.partners.models import Partner
from onewindow_kit.partners.schemas import (
    ClientCredentials,
    PartnerCreate,
    PartnerCreated,
    PartnerPublic,
    PartnerUpdate,
    SecretPublic,
    SecretRotated,
    SecretRotation,
)
from onewindow_kit.settings import ServiceSettings
from onewindow_kit.webhooks.guard import UrlRefused
from onewindow_kit.webhooks.outbox import WEBHOOKS_WAKE

AdminOnly = Annotated[Principal, Depends(require_roles("admin"))]


async def check_webhook_url(request: Request, url: str | None) -> None:
    """422 on ``webhook_url`` when the guard refuses it (scheme, host allow-list, internal address)."""
    if url is None:
        return
    try:
        await webhooks_of(request.app).guard.check_url(url)
    except UrlRefused as exc:
        raise ValidationFailed(
            f"webhook_url: {exc.message}", errors=[{"field": "webhook_url", "message": exc.message_zh}]
        ) from exc


async def to_public(session: AsyncSession, partner: Partner) -> PartnerPublic:
    rows = await service.secret_rows(session=session, partner_id=partner.id)
    return PartnerPublic(
        partner_id=partner.id,
        kind=partner.kind,
        name=partner.name,
        center_id=partner.center_id,
        webhook_url=partner.webhook_url,
        client_id=partner.client_id,
        active=partner.active,
        secrets=[SecretPublic(id=r.id or 0, created_at=r.created_at, expires_at=r.expires_at) for r in rows],
        created_at=partner.created_at,
        updated_at=partner.updated_at,
    )


async def _issue_gateway_client(
    request: Request, settings: ServiceSettings, http: httpx.AsyncClient, data: PartnerCreate, kind: str
) -> ClientCredentials:
    try:
        response = await http.post(
            f"{settings.gateway_url.rstrip('/')}/admin/clients",
            json={
                "client_id": data.partner_id,
                "name": data.name,
                "kind": "partner",
                "roles": [f"{kind}_partner"],
                "partner_id": data.partner_id,
            },
            headers={"authorization": request.headers.get("authorization", "")},
            timeout=10.0,
        )
    except httpx.HTTPError as exc:
        raise UpstreamUnavailable("the gateway did not answer; the partner was not created") from exc
    if response.status_code == 409:
        raise AlreadyExists(
            f"the gateway already has a client {data.partner_id}; register the partner without "
            "issue_client_credentials, or rotate that client's secret at the gateway"
        )
    if response.status_code in (401, 403):
        raise Forbidden("the gateway refused to create the client with your token")
    if response.status_code != 201:
        raise UpstreamUnavailable(f"the gateway answered {response.status_code} when creating the client")
    body = response.json()
    return ClientCredentials(client_id=body["client_id"], client_secret=body["client_secret"])


def partner_admin_router(*, kind: str, prefix: str = "/admin/partners") -> APIRouter:
    """Create, read, change, rotate the secret of, disable and enable partners of ``kind``."""
    router = APIRouter(prefix=prefix, tags=["admin: partners"])

    @router.post(
        "",
        response_model=PartnerCreated,
        status_code=status.HTTP_201_CREATED,
        operation_id="create_partner",
        responses=problems(AlreadyExists, UpstreamUnavailable),
    )
    async def create_partner(
        data: PartnerCreate,
        request: Request,
        response: Response,
        db: DatabaseDep,
        http: HttpDep,
        settings: SettingsDep,
        runtime: WebhooksDep,
        _admin: AdminOnly,
    ) -> PartnerCreated:
        """Register a partner: its webhook URL (checked by the outbound guard), the centre its
        referrals go to, and a first ``whsec_`` secret — shown in this answer only. With
        ``issue_client_credentials`` the gateway client is created too (its secret shown once)."""
        async with db.transaction(read_only=True) as session:
            if await session.get(Partner, data.partner_id) is not None:
                raise AlreadyExists(f"partner {data.partner_id} already exists", extra={"partner_id": data.partner_id})
        await check_webhook_url(request, data.webhook_url)
        credentials = (
            await _issue_gateway_client(request, settings, http, data, kind) if data.issue_client_credentials else None
        )
        async with db.transaction() as session:
            partner, secret = await service.create_partner(
                session=session,
                partner_id=data.partner_id,
                kind=kind,
                name=data.name,
                center_id=data.center_id,
                webhook_url=data.webhook_url,
                client_id=credentials.client_id if credentials else None,
                cipher=runtime.cipher,
            )
            public = await to_public(session, partner)
        response.headers["Cache-Control"] = "no-store"
        return PartnerCreated(**public.model_dump(), webhook_secret=secret, client_credentials=credentials)

    @router.get("", response_model=list[PartnerPublic], operation_id="list_partners")
    async def list_partners(session: SessionDep, _admin: AdminOnly) -> list[PartnerPublic]:
        """Every partner of this bridge, by id (valid secrets listed by date, never their values)."""
        return [await to_public(session, p) for p in await service.list_partners(session=session, kind=kind)]

    @router.get("/{partner_id}", response_model=PartnerPublic, operation_id="get_partner")
    async def get_partner(partner_id: str, session: SessionDep, _admin: AdminOnly) -> PartnerPublic:
        """One partner."""
        return await to_public(session, await service.get_partner(session=session, partner_id=partner_id, kind=kind))

    @router.patch("/{partner_id}", response_model=PartnerPublic, operation_id="update_partner")
    async def update_partner(
        partner_id: str, data: PartnerUpdate, request: Request, db: DatabaseDep, runtime: WebhooksDep, _admin: AdminOnly
    ) -> PartnerPublic:
        """Change the name, the centre or the webhook URL (checked by the outbound guard)."""
        changes = data.model_dump(exclude_unset=True)
        if "name" in changes and changes["name"] is None:
            raise ValidationFailed.field("name", "必填")
        await check_webhook_url(request, changes.get("webhook_url"))
        async with db.transaction() as session:
            partner = await service.get_partner(session=session, partner_id=partner_id, kind=kind)
            partner = await service.update_partner(session=session, partner=partner, changes=changes)
            public = await to_public(session, partner)
        runtime.wake()
        return public

    @router.post("/{partner_id}/rotate-secret", response_model=SecretRotated, operation_id="rotate_partner_secret")
    async def rotate_partner_secret(
        partner_id: str,
        response: Response,
        session: SessionDep,
        runtime: WebhooksDep,
        _admin: AdminOnly,
        data: SecretRotation | None = None,
    ) -> SecretRotated:
        """A new ``whsec_`` secret (shown once). Deliveries are signed with both the new and the
        previous secret for ``overlap_hours`` (default from settings), then with the new one only."""
        partner = await service.get_partner(session=session, partner_id=partner_id, kind=kind)
        hours = data.overlap_hours if data and data.overlap_hours is not None else runtime.settings.secret_overlap_hours
        secret, _row = await service.rotate_secret(
            session=session, partner=partner, cipher=runtime.cipher, overlap=timedelta(hours=hours)
        )
        public = await to_public(session, partner)
        response.headers["Cache-Control"] = "no-store"
        return SecretRotated(partner_id=partner.id, webhook_secret=secret, secrets=public.secrets)

    @router.post("/{partner_id}/disable", response_model=PartnerPublic, operation_id="disable_partner")
    async def disable_partner(partner_id: str, session: SessionDep, _admin: AdminOnly) -> PartnerPublic:
        """Disable a partner: its API calls are refused (403) and its webhooks are held, not dropped.
        (Its gateway client is disabled at the gateway: ``POST /admin/clients/{id}/disable``.)"""
        partner = await service.get_partner(session=session, partner_id=partner_id, kind=kind)
        return await to_public(session, await service.set_active(session=session, partner=partner, active=False))

    @router.post("/{partner_id}/enable", response_model=PartnerPublic, operation_id="enable_partner")
    async def enable_partner(partner_id: str, session: SessionDep, _admin: AdminOnly) -> PartnerPublic:
        """Re-enable a partner; held webhooks go out again."""
        partner = await service.get_partner(session=session, partner_id=partner_id, kind=kind)
        public = await to_public(session, await service.set_active(session=session, partner=partner, active=True))
        WEBHOOKS_WAKE.mark(session)  # wake the deliverer after the commit
        return public

    return router
