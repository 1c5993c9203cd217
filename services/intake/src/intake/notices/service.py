"""SMS notices to parties (短信通知) through the kit's sender (``onewindow_kit.sms``).

Requests and event handlers only *queue* a notice (a row, in their own transaction, with a key
that makes a redelivered event or a second click queue nothing); :class:`SmsNoticeWorker` sends
it outside any transaction, retries on the provider's refusals and rate limit, and polls the
delivery receipt. What is queued names the template and its variables (case number, dates, a
title, a link token); the number is decrypted from the party only when the message goes, and logs
carry ids and the masked number only.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from onewindow_domain.clock import CHINA_TZ
from onewindow_kit.crypto import FieldCipher
from onewindow_kit.db import Database, utcnow
from onewindow_kit.errors import AppError
from onewindow_kit.sms import SmsRateLimited, SmsSender, SmsTemplateId, SmsUnavailable, render
from onewindow_kit.worker import WakeSignal, Worker, backoff_seconds
from sqlalchemy import Row, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col

from intake.cases.models import CaseFile, CaseParty
from intake.notices.models import SmsNotice

log = logging.getLogger("intake.notices")

SMS_NOTICES = WakeSignal("sms_notices")
PURPOSES: dict[str, SmsTemplateId] = {
    "registration": SmsTemplateId.case_registered,
    "session_notice": SmsTemplateId.session_notice,
    "instalment_reminder": SmsTemplateId.instalment_reminder,
    "document_served": SmsTemplateId.document_served,
    # Online applications (docs/decisions/0021): to the applicant's phone, before there is a case.
    "application_received": SmsTemplateId.application_received,
    "application_returned": SmsTemplateId.application_returned,
    "application_registered": SmsTemplateId.application_registered,
}
MAX_ATTEMPTS = 8
RECEIPT_GIVE_UP = timedelta(hours=72)  # Dysmsapi keeps send details for 30 days; a report this late is no report

DeliveryHook = Callable[[AsyncSession, SmsNotice], Awaitable[None]]


def _notice(
    *, case: CaseFile, party: CaseParty, purpose: str, variables: dict[str, str], key: str
) -> dict[str, Any] | None:
    """The ``SmsNotice`` fields of one notice to ``party`` (None if the party has no phone)."""
    if not party.phone_enc:
        return None
    template = PURPOSES[purpose]
    render(template, variables)  # refuses personal numbers and wrong variables now, not in the worker
    return {
        "case_id": case.id,
        "party_id": party.id,
        "purpose": purpose,
        "template": template.value,
        "variables": variables,
        "dedupe_key": f"{purpose}:{party.id}:{key}"[:120],
        "to_masked": party.phone_masked or "****",
    }


async def enqueue(
    session: AsyncSession,
    *,
    case: CaseFile,
    party: CaseParty,
    purpose: str,
    variables: dict[str, str],
    key: str,
) -> SmsNotice | None:
    """Queue one notice to ``party`` (None if the party has no phone); the same ``key`` queues once."""
    values = _notice(case=case, party=party, purpose=purpose, variables=variables, key=key)
    if values is None:
        return None
    existing = (
        await session.execute(select(SmsNotice).where(col(SmsNotice.dedupe_key) == values["dedupe_key"]))
    ).scalar()
    if existing is not None:
        return existing
    notice = SmsNotice(**values)
    session.add(notice)
    SMS_NOTICES.mark(session)
    return notice


async def enqueue_for_applicants(
    session: AsyncSession, *, case: CaseFile, purpose: str, variables: dict[str, str], key: str
) -> list[SmsNotice]:
    """One notice to each applicant with a phone (workers; the employer is served otherwise)."""
    parties = (
        await session.execute(
            select(CaseParty)
            .where(col(CaseParty.case_id) == case.id, col(CaseParty.role) == "applicant")
            .order_by(col(CaseParty.position))
        )
    ).scalars()
    out = []
    for party in parties:
        notice = await enqueue(session, case=case, party=party, purpose=purpose, variables=variables, key=key)
        if notice is not None:
            out.append(notice)
    return out


async def enqueue_for_application(
    session: AsyncSession,
    *,
    application_id: str,
    to_masked: str,
    purpose: str,
    variables: dict[str, str],
    phone_enc: str,
) -> SmsNotice:
    """Queue one notice about an online application to its applicant's (encrypted) number; once
    per application and purpose (a second click or a retried request queues nothing more)."""
    template = PURPOSES[purpose]
    render(template, variables)
    dedupe_key = f"{purpose}:{application_id}"
    existing = (await session.execute(select(SmsNotice).where(col(SmsNotice.dedupe_key) == dedupe_key))).scalar()
    if existing is not None:
        return existing
    notice = SmsNotice(
        application_id=application_id,
        phone_enc=phone_enc,
        purpose=purpose,
        template=template.value,
        variables=variables,
        dedupe_key=dedupe_key,
        to_masked=to_masked,
    )
    session.add(notice)
    SMS_NOTICES.mark(session)
    return notice


def registration_notices(
    session: AsyncSession, case: CaseFile, parties: Iterable[CaseParty]
) -> list[tuple[type[SQLModel], dict[str, Any]]]:
    """受理通知: tell each applicant the case number, queued in the registering transaction — as
    rows that registration writes in its own statement (no look-up: a case registered in this
    transaction has no notice yet). A case from an online application (channel ``online``) gets
    the portal's wording instead — one message, not two: "your application is registered, follow
    it with this number"."""
    purpose = "application_registered" if case.channel == "online" else "registration"
    rows: list[tuple[type[SQLModel], dict[str, Any]]] = []
    for party in parties:
        if party.role == "applicant":
            values = _notice(
                case=case, party=party, purpose=purpose, variables={"case_number": case.case_no}, key=case.id
            )
            if values is not None:
                rows.append((SmsNotice, values))
    if rows:
        SMS_NOTICES.mark(session)
    return rows


class SmsNoticeWorker(Worker):
    """Sends queued notices and collects their delivery receipts."""

    def __init__(
        self,
        *,
        db: Database,
        sender: SmsSender,
        cipher: FieldCipher,
        enabled: Iterable[str],
        on_delivered: dict[str, DeliveryHook] | None = None,
        receipt_poll_seconds: float = 30.0,
        idle_seconds: float = 30.0,
        poll_seconds: float = 1.0,
        batch: int = 20,
    ) -> None:
        super().__init__(
            name="intake:sms-notices",
            db=db,
            signals=[SMS_NOTICES],
            poll_seconds=poll_seconds,
            idle_seconds=idle_seconds,
            lock_key=14_000_002,
        )
        self.database = db
        self.sender = sender
        self.cipher = cipher
        self.enabled = frozenset(enabled)
        self.on_delivered = on_delivered or {}
        self.receipt_poll_seconds = receipt_poll_seconds
        self.batch = batch

    async def run_once(self) -> float | None:
        sent_any = await self.send_due()
        waiting = await self.collect_receipts()
        if sent_any:
            return 0.0
        return self.receipt_poll_seconds if waiting else None

    async def _batch(self, order_by: Any, *where: Any) -> Sequence[Row[SmsNotice, str]]:
        """Up to ``batch`` notices matching ``where``, each with its phone (the notice's, else the party's)."""
        async with self.database.transaction(read_only=True) as session:
            return (
                await session.execute(
                    select(SmsNotice, func.coalesce(col(SmsNotice.phone_enc), col(CaseParty.phone_enc)))
                    .outerjoin(CaseParty, col(CaseParty.id) == col(SmsNotice.party_id))
                    .where(*where)
                    .order_by(order_by)
                    .limit(self.batch)
                )
            ).all()

    async def send_due(self) -> bool:
        """Send what is due; True when a full batch went (there may be more)."""
        now = utcnow()
        rows = await self._batch(
            col(SmsNotice.next_attempt_at), col(SmsNotice.status) == "pending", col(SmsNotice.next_attempt_at) <= now
        )
        for notice, phone_enc in rows:
            await self._send_one(notice, phone_enc)
        return len(rows) >= self.batch

    async def _send_one(self, notice: SmsNotice, phone_enc: str | None) -> None:
        changes: dict[str, Any]
        if notice.purpose not in self.enabled:
            changes = {"status": "skipped", "error": "notice purpose disabled"}
        elif not phone_enc:
            changes = {"status": "failed", "error": "party has no phone"}
        else:
            phone = self.cipher.decrypt(phone_enc, context="phone")
            try:
                message_id = await self.sender.send(notice.template, phone, dict(notice.variables))
            except SmsRateLimited as exc:
                changes = {"next_attempt_at": utcnow() + timedelta(seconds=exc.retry_after)}
            except SmsUnavailable as exc:
                changes = self._retry(notice, exc.detail)
            except AppError as exc:  # not a mobile number, a template the provider lacks: will not get better
                changes = {"status": "failed", "error": exc.detail[:200]}
            except Exception as exc:  # network trouble talking to the provider
                log.warning("sms notice send failed", extra={"notice_id": notice.id, "error": type(exc).__name__})
                changes = self._retry(notice, type(exc).__name__)
            else:
                changes = {"status": "sent", "message_id": message_id, "sent_at": utcnow(), "error": None}
        async with self.database.transaction() as session:
            row = await session.get(SmsNotice, notice.id)
            if row is None:
                return
            for name, value in changes.items():
                setattr(row, name, value)
            if changes.get("status") == "failed":
                await self._delivered(session, row)
        log.info(
            "sms notice",
            extra={"notice_id": notice.id, "purpose": notice.purpose, "status": changes.get("status", "pending")},
        )

    def _retry(self, notice: SmsNotice, error: str) -> dict[str, Any]:
        attempts = notice.attempts + 1
        if attempts >= MAX_ATTEMPTS:
            return {"status": "failed", "attempts": attempts, "error": error[:200]}
        delay = backoff_seconds(attempts, base=5.0, cap=600.0)
        return {"attempts": attempts, "error": error[:200], "next_attempt_at": utcnow() + timedelta(seconds=delay)}

    async def collect_receipts(self) -> bool:
        """Ask for the delivery report of each message still awaiting one; True while some still wait."""
        now = utcnow()
        rows = await self._batch(
            col(SmsNotice.sent_at),
            col(SmsNotice.status) == "sent",
            or_(col(SmsNotice.sent_at).is_(None), col(SmsNotice.sent_at) > now - RECEIPT_GIVE_UP),
        )
        waiting = False
        for notice, phone_enc in rows:
            assert notice.message_id is not None and notice.sent_at is not None and phone_enc
            try:
                receipt = await self.sender.receipt(
                    notice.message_id, to=self.cipher.decrypt(phone_enc, context="phone"), sent_on=notice.sent_at
                )
            except Exception as exc:
                log.warning("sms receipt failed", extra={"notice_id": notice.id, "error": type(exc).__name__})
                waiting = True
                continue
            if receipt.status == "pending":
                waiting = True
                continue
            async with self.database.transaction() as session:
                row = await session.get(SmsNotice, notice.id)
                if row is None or row.status != "sent":
                    continue
                row.status = receipt.status  # delivered | failed
                row.delivered_at = (receipt.reported_at or utcnow()) if receipt.status == "delivered" else None
                row.error = receipt.error_code if receipt.status == "failed" else None
                await self._delivered(session, row)
        return waiting

    async def _delivered(self, session: AsyncSession, notice: SmsNotice) -> None:
        hook = self.on_delivered.get(notice.purpose)
        if hook is not None:
            await hook(session, notice)


def local_time(value: Any) -> str:
    """An ISO instant from an event as China time, ``2026-12-05 14:30``."""
    instant = datetime.fromisoformat(str(value))
    return instant.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")
