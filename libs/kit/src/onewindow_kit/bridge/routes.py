"""What the referral routes of both bridges do between parsing and answering: the partner's
idempotent writes (create a referral and register its case at once; withdraw it) and the admin's
retry. The routes themselves stay in each bridge: they are its contract's surface (paths, schemas,
operation ids, documentation)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from onewindow_kit.bridge.referrals import BridgeContextLike, ReferralLifecycle
from onewindow_kit.dependencies import database_of
from onewindow_kit.idempotency import fingerprint, run_idempotent
from onewindow_kit.partners.models import Partner

log = logging.getLogger("onewindow_kit.bridge.routes")

REPLAYED = {"Idempotent-Replayed": "true"}


async def idempotent_write(
    request: Request,
    *,
    scope: str,
    key: str | None,
    path: str,
    work: Callable[[AsyncSession], Awaitable[tuple[int, dict[str, Any]]]],
) -> tuple[int, dict[str, Any], bool]:
    """Run a partner's POST once per ``Idempotency-Key`` (a replay answers the stored result):
    ``(status, body, replayed)``."""
    return await run_idempotent(
        database_of(request.app),
        scope=scope,
        key=key,
        fingerprint=fingerprint("POST", path, await request.body()),
        work=work,
    )


def answer(
    body: dict[str, Any], status_code: int, *, replayed: bool, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(body, status_code=status_code, headers=(headers or {}) | (REPLAYED if replayed else {}) or None)


async def partner_decision(
    request: Request,
    *,
    scope: str,
    key: str | None,
    path: str,
    work: Callable[[AsyncSession], Awaitable[tuple[int, dict[str, Any]]]],
) -> JSONResponse:
    """A partner's decision or ruling on something the centre sent it (a transfer, a review, a
    司法确认 application): ``work`` once per ``Idempotency-Key``, the stored answer on a replay
    (``Idempotent-Replayed: true``). Whether the same decision under another key is a duplicate is
    the flow's own rule (``work`` answers it)."""
    status_code, body, replayed = await idempotent_write(request, scope=scope, key=key, path=path, work=work)
    return answer(body, status_code, replayed=replayed)


async def create_and_register(
    request: Request,
    ctx: BridgeContextLike,
    lifecycle: ReferralLifecycle,
    *,
    partner: Partner,
    key: str,
    prefix: str,
    create: Callable[[AsyncSession], Awaitable[Any]],
    created: Callable[[dict[str, Any], str | None], Any],
    intake_timeout_seconds: float,
) -> JSONResponse:
    """``POST {prefix}/referrals``: store the referral once per key (``create``), then register its
    case at intake within the request when intake answers in time (the worker retries otherwise; the
    partner has its ``referral_id`` either way), and answer ``created(stored, case_no)``."""

    async def work(session: AsyncSession) -> tuple[int, dict[str, Any]]:
        referral = await create(session)
        # The creation's result: a replay answers it again (with the case number once known).
        return 201, {
            "referral_id": referral.id,
            "status": referral.status,
            "deadline": referral.deadline_on.isoformat(),
        }

    status_code, stored, replayed = await idempotent_write(
        request, scope=f"{lifecycle.partner}:{partner.id}:referrals", key=key, path=f"{prefix}/referrals", work=work
    )
    referral_id = stored["referral_id"]
    if not replayed and ctx.intake is not None:
        try:
            async with asyncio.timeout(intake_timeout_seconds + 1):
                await lifecycle.register(ctx, referral_id)
        except Exception:  # the worker retries; the partner has its referral_id either way
            log.warning("registering the referred case at intake failed; the worker retries", exc_info=True)
    async with database_of(request.app).transaction(read_only=True) as session:
        referral = await session.get(lifecycle.model, referral_id)
    assert referral is not None
    body = created(stored, referral.case_no)
    location = {"Location": f"{prefix}/referrals/{referral.id}"}
    return answer(body.model_dump(mode="json"), status_code, replayed=replayed, headers=location)


async def withdraw(
    request: Request,
    lifecycle: ReferralLifecycle,
    *,
    partner: Partner,
    key: str | None,
    prefix: str,
    referral_id: str,
    reason: str,
    public: Callable[[Any], Any],
) -> JSONResponse:
    """``POST {prefix}/referrals/{id}/withdraw``, once per key when the partner sends one."""

    async def work(session: AsyncSession) -> tuple[int, dict[str, Any]]:
        referral = await lifecycle.get_partner_referral(
            session=session, partner_id=partner.id, referral_id=referral_id, for_update=True
        )
        referral = await lifecycle.withdraw(session=session, referral=referral, reason=reason)
        return 200, public(referral).model_dump(mode="json")

    status_code, body, replayed = await idempotent_write(
        request,
        scope=f"{lifecycle.partner}:{partner.id}:withdrawals",
        key=key,
        path=f"{prefix}/referrals/{referral_id}/withdraw",
        work=work,
    )
    return answer(body, status_code, replayed=replayed)
