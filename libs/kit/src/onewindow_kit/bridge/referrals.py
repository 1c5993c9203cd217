"""The referral lifecycle both bridges run, one class a bridge subclasses with its vocabulary.

A partner (a court, a commission) refers a dispute; the bridge stores it (parties encrypted),
registers the case at intake (inline, or the worker when intake is down), the centre accepts it
(a clerk, the worker on the due day of the acceptance clock, or a mediator's assignment) or declines
it, the partner may withdraw it before a result, and mediation's events become its status
(in_mediation → agreed | failed | expired) and the partner's webhooks, in order.

Service methods: keyword-only, ``flush()`` only (the caller's session commits). Every change the
partner must hear about enqueues its webhook in the same transaction; every change the other
services must hear about publishes its event in the same transaction.

The subclass names its table (``model``), its contract's schemas (``payload_model``,
``result_model``, ``agreement_model``, ``mediator_model``), its partner's vocabulary (``partner``,
``number_field``, the Chinese lines of the timeline) and, where its contract differs, overrides a
hook (``intake_case_body``, ``end_with``, ``result_exclude``). The kit knows no statute: the
bridge passes the due dates in (``onewindow_domain.clocks``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import date, datetime, timedelta
from typing import Any, ClassVar, Protocol

from pydantic import BaseModel
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from onewindow_kit.auth import Principal
from onewindow_kit.bridge.casefile import IntakeClient, IntakeError
from onewindow_kit.bridge.messages import announce, notify
from onewindow_kit.bridge.worker import attempt, each_due
from onewindow_kit.crypto import FieldCipher
from onewindow_kit.db import Database, utcnow
from onewindow_kit.errors import AlreadyExists, Conflict, NotFound, StateConflict
from onewindow_kit.events import EventEnvelope
from onewindow_kit.pagination import keyset_page
from onewindow_kit.partners.models import Partner
from onewindow_kit.worker import WakeSignal

log = logging.getLogger("onewindow_kit.bridge.referrals")

FINAL_STATUSES = frozenset({"declined", "agreed", "failed", "expired", "withdrawn"})
PAYLOAD_CONTEXT = "referral_payload"

# mediation.proceeding.<verb> → the referral's outcome
RESULT_EVENTS = {
    "agreed": "agreed",
    "terminated": "failed",
    "declined": "failed",
    "withdrawn": "failed",
    "expired": "expired",
}
FAILED_REASONS_ZH = {"declined": "当事人不同意调解", "withdrawn": "申请人撤回调解申请"}
# Every mediation.proceeding.<verb> a bridge consumes (the ones without a result change nothing for
# the partner, but carry the proceeding id and may complete a lost registration).
PROCEEDING_VERBS = (
    "opened",
    "assigned",
    "accepted",
    "declined",
    "session_scheduled",
    "agreed",
    "terminated",
    "withdrawn",
    "expired",
)
Handler = Callable[[AsyncSession, EventEnvelope], Awaitable[None]]


class BridgeSettingsLike(Protocol):
    auto_accept: bool
    auto_accept_when_due: bool
    retry_base_seconds: float
    retry_max_seconds: float
    worker_poll_seconds: float


class BridgeContextLike(Protocol):
    """What the lifecycle needs of a bridge's context (``onewindow_kit.bridge.context``)."""

    @property
    def settings(self) -> BridgeSettingsLike: ...

    @property
    def cipher(self) -> FieldCipher: ...

    @property
    def intake(self) -> IntakeClient | None: ...

    @property
    def db(self) -> Database: ...


def actor_of(principal: Principal | None, fallback: str) -> str:
    return (principal.name or principal.subject) if principal else fallback


def can_see(principal: Principal, center_id: str | None) -> bool:
    return principal.has_any_role("admin") or (center_id is not None and principal.center_id == center_id)


def touch(row: Any) -> None:
    row.updated_at = utcnow()


class ReferralLifecycle:
    # The bridge's table and contract schemas.
    model: ClassVar[Any]
    payload_model: ClassVar[type[BaseModel]]
    result_model: ClassVar[type[BaseModel]]
    agreement_model: ClassVar[type[BaseModel]]
    mediator_model: ClassVar[type[BaseModel]]
    result_exclude: ClassVar[set[str] | None] = None  # fields of the result kept out of the JSON column

    # The partner's vocabulary.
    partner: ClassVar[str]  # "court" | "arbitration": registry kind, external_ref.partner, event prefix
    number_field: ClassVar[str]  # the partner's own number of the referral (column, webhooks, events)
    channel: ClassVar[str]  # intake's channel for the registered case
    withdrawn_zh: ClassVar[str]  # "法院撤回委派调解"
    declined_zh: ClassVar[str]  # "中心不予接受法院委派"
    wake: ClassVar[WakeSignal]  # marked where work is written; wakes the bridge's worker after the commit

    # -- the vocabulary's lines (override where the partner's differ) ------------------------------

    def today(self) -> date:
        """Today in China (the bridge answers with ``onewindow_domain.calendar.china_today``)."""
        raise NotImplementedError

    def number(self, referral: Any) -> str:
        return str(getattr(referral, self.number_field))

    def kind_zh(self, referral: Any) -> str:
        raise NotImplementedError

    def partner_name(self, referral: Any) -> str:
        raise NotImplementedError

    def received_zh(self, referral: Any) -> str:
        raise NotImplementedError

    def accepted_zh(self, referral: Any) -> str:
        return f"中心已接受{self.kind_zh(referral)}（{self.number(referral)}），调解期限至{referral.deadline_on.isoformat()}"

    def deadline_on_acceptance(self, referral: Any, payload: Callable[[], Any], accepted_on: date) -> date | None:
        """The mediation deadline once acceptance is confirmed, when the partner's rule counts it from
        that day (the court's: 在线调解规则 第24条); None keeps the deadline set on arrival. ``payload()``
        decrypts the partner's referral, only for a lifecycle that needs it."""
        return None

    def event_type(self, verb: str) -> str:
        return f"{self.partner}.referral.{verb}"

    # -- creating and reading (the partner's side) -------------------------------------------------

    def seal_payload(self, data: BaseModel, cipher: FieldCipher) -> str:
        return cipher.encrypt(data.model_dump_json(), context=PAYLOAD_CONTEXT)

    def open_payload(self, referral: Any, cipher: FieldCipher) -> Any:
        return self.payload_model.model_validate_json(cipher.decrypt(referral.payload_enc, context=PAYLOAD_CONTEXT))

    def duplicate(self, existing_id: str, number: str) -> AlreadyExists:
        return AlreadyExists(
            f"a referral with {self.number_field} {number} already exists: {existing_id}",
            extra={"referral_id": existing_id},
        )

    def arrival(
        self,
        *,
        partner: Partner,
        data: BaseModel,
        cipher: FieldCipher,
        default_center_id: str,
        accept_due_on: Callable[[date], date],
        inline_seconds: float,
    ) -> dict[str, Any]:
        """The columns every new referral has: received today, its acceptance clock, its centre,
        its sealed payload, and registration left to the request for ``inline_seconds``."""
        today = self.today()
        return {
            "partner_id": partner.id,
            "received_on": today,
            "accept_due_on": accept_due_on(today),
            "center_id": partner.center_id or default_center_id,
            "payload_enc": self.seal_payload(data, cipher),
            # The request registers it at intake itself; the worker steps in only if that did not finish.
            "case_next_attempt_at": utcnow() + timedelta(seconds=inline_seconds),
        }

    async def create(self, *, session: AsyncSession, referral: Any) -> Any:
        """Store a new referral; 409 with the existing id for a number the partner referred before."""
        number = self.number(referral)
        existing = await self.by_number(session, referral.partner_id, number)
        if existing is not None:
            raise self.duplicate(existing, number)
        try:
            async with session.begin_nested():
                session.add(referral)
                await session.flush()
        except IntegrityError:
            # A concurrent request with another key created the same number first.
            existing = await self.by_number(session, referral.partner_id, number)
            raise self.duplicate(existing or "unknown", number) from None
        return referral

    async def by_number(self, session: AsyncSession, partner_id: str, number: str) -> str | None:
        column = getattr(self.model, self.number_field)
        found = await session.execute(
            select(self.model.id).where(self.model.partner_id == partner_id, column == number)
        )
        return found.scalar_one_or_none()

    async def lock(self, session: AsyncSession, referral_id: str) -> Any:
        """The referral, row-locked until the transaction ends (PostgreSQL; SQLite's writers are serial
        already): two actors deciding at once (a clerk, the worker, a mediation event) take turns."""
        return await session.get(self.model, referral_id, with_for_update=True, populate_existing=True)

    async def get_partner_referral(
        self, *, session: AsyncSession, partner_id: str, referral_id: str, for_update: bool = False
    ) -> Any:
        """The referral if this partner sent it (404 otherwise: another partner's does not exist for you)."""
        referral = await (self.lock(session, referral_id) if for_update else session.get(self.model, referral_id))
        if referral is None or referral.partner_id != partner_id:
            raise NotFound(f"referral {referral_id} does not exist")
        return referral

    async def list_partner_referrals(
        self,
        *,
        session: AsyncSession,
        partner_id: str,
        status: str | None,
        updated_since: datetime | None,
        cursor: str | None,
        limit: int,
    ) -> tuple[list[Any], str | None]:
        """A partner's referrals by last change, oldest first (it syncs with ``updated_since``)."""
        m = self.model
        query = select(m).where(m.partner_id == partner_id)
        if status:
            query = query.where(m.status == status)
        if updated_since is not None:
            query = query.where(m.updated_at >= updated_since)
        return await keyset_page(session, query, m.updated_at, m.id, cursor=cursor, limit=limit, newest_first=False)

    # -- telling the partner (webhooks) and the other services (events) ----------------------------

    async def notify_partner(
        self,
        session: AsyncSession,
        referral: Any,
        event_type: str,
        data: Mapping[str, Any],
        *,
        cipher: FieldCipher,
        occurred_at: datetime | None = None,
    ) -> None:
        """Queue a contract webhook for the referral's partner, in order behind its earlier ones."""
        await notify(
            session,
            partner_id=referral.partner_id,
            stream_key=referral.id,
            event_type=event_type,
            data={"referral_id": referral.id, self.number_field: self.number(referral), **data},
            cipher=cipher,
            occurred_at=occurred_at,
        )

    async def announce(
        self, session: AsyncSession, referral: Any, event_type: str, summary_zh: str, **data: Any
    ) -> None:
        """Publish an event about the referral's case (intake's timeline, mediation), naming the referral."""
        await announce(
            session,
            case_id=referral.case_id,
            event_type=event_type,
            summary_zh=summary_zh,
            referral_id=referral.id,
            **{self.number_field: self.number(referral)},
            kind=referral.kind,
            partner_id=referral.partner_id,
            **data,
        )

    # -- registration at intake ---------------------------------------------------------------------

    def external_ref(self, referral: Any, data: Any) -> dict[str, Any]:
        """The case's partner reference (decision 0006)."""
        return {
            "partner": self.partner,
            "partner_id": referral.partner_id,
            "referral_id": referral.id,
            "partner_case_no": self.number(referral),
            "kind": referral.kind,
        }

    def intake_facts(self, data: Any) -> str:
        return str(data.facts)

    def intake_case_body(self, referral: Any, data: Any) -> dict[str, Any]:
        """The registration form intake receives for a referral (decision 0006)."""
        reason = f"{self.partner_name(referral)}{self.kind_zh(referral)}（{self.number(referral)}）"
        return {
            "channel": self.channel,
            "applicants": [a.model_dump(exclude_none=True) for a in data.applicants],
            "respondents": [r.model_dump(exclude_none=True) for r in data.respondents],
            "claims": [c.model_dump(mode="json", exclude_none=True) for c in data.claims],
            "facts": self.intake_facts(data),
            "route": {"route": "mediation", "reason": reason[:500]},
            "deadline_on": referral.deadline_on.isoformat(),
            "external_ref": self.external_ref(referral, data),
        }

    async def complete_registration(
        self, *, session: AsyncSession, referral_id: str, case_id: str, case_no: str
    ) -> bool:
        """Record the case intake registered (once, whoever learns it first) and tell the other services.
        Acceptance is a separate step (the worker, a clerk, or a mediator's assignment)."""
        m = self.model
        taken = await session.execute(
            update(m)
            .where(m.id == referral_id, m.case_id.is_(None))
            .values(
                case_id=case_id, case_no=case_no, case_state="registered", case_last_error=None, updated_at=utcnow()
            )
        )
        if getattr(taken, "rowcount", 0) != 1:
            return False
        referral = await self.lock(session, referral_id)
        assert referral is not None
        await self.announce(
            session,
            referral,
            self.event_type("received"),
            self.received_zh(referral),
            deadline_on=referral.deadline_on.isoformat(),
            referred_on=referral.referred_on.isoformat(),
        )
        reason = (referral.result or {}).get("reason")
        if referral.status == "withdrawn":
            # Withdrawn while intake was registering it: the case exists now, so stop its mediation.
            await self.announce(session, referral, self.event_type("withdrawn"), self.withdrawn_zh, reason=reason)
        elif referral.status == "declined":
            await self.announce(session, referral, self.event_type("declined"), self.declined_zh, reason=reason)
        await session.flush()
        return True

    async def register(self, ctx: BridgeContextLike, referral_id: str) -> str:
        """Register one pending referral at intake: ``registered``, ``retry``, ``rejected`` or ``skipped``."""
        intake = ctx.intake
        assert intake is not None

        def pending(referral: Any) -> bool:
            return referral.case_state == "pending" and referral.case_id is None

        async def call(referral: Any) -> Any:
            body = self.intake_case_body(referral, self.open_payload(referral, ctx.cipher))
            return await intake.register_case(
                center_id=referral.center_id, body=body, idempotency_key=f"{self.partner}-referral:{referral_id}"
            )

        async def record(session: AsyncSession, case: Any) -> None:
            await self.complete_registration(
                session=session, referral_id=referral_id, case_id=case.id, case_no=case.case_no
            )
            self.wake.mark(session)  # the worker accepts it (after the partner has its 201)

        def refused(referral: Any, exc: IntakeError) -> None:
            referral.case_state = "rejected"
            log.error(
                "intake refused to register a referred case; an administrator must look", extra={"status": exc.status}
            )

        outcome = await attempt(
            ctx.db,
            ctx.settings,
            model=self.model,
            row_id=referral_id,
            ready=pending,
            call=call,
            record=record,
            on_refused=refused,
            wake=self.wake,
            attempts="case_attempts",
            last_error="case_last_error",
            next_attempt_at="case_next_attempt_at",
        )
        return {"done": "registered", "refused": "rejected"}.get(outcome, outcome)

    async def register_due(self, ctx: BridgeContextLike) -> float | None:
        """The worker's step: register every referral whose registration is due."""
        return await each_due(
            ctx.db,
            self.model,
            state_column="case_state",
            state="pending",
            at_column="case_next_attempt_at",
            work=lambda referral_id: self.register(ctx, referral_id),
            poll_seconds=ctx.settings.worker_poll_seconds,
        )

    # -- decisions: the centre accepts or declines, the partner withdraws --------------------------

    async def accept(
        self,
        *,
        session: AsyncSession,
        referral: Any,
        principal: Principal | None,
        cipher: FieldCipher,
        actor: str | None = None,
    ) -> Any:
        """Accept the referral: the partner hears ``referral.accepted`` with the case number and deadline."""
        if referral.status != "received":
            raise StateConflict(
                f"a referral that is {referral.status} cannot be accepted", extra={"current_status": referral.status}
            )
        if referral.case_no is None:
            raise StateConflict(
                "the case is still being registered at intake; accept it once it has a case number",
                extra={"case_state": referral.case_state},
            )
        rebased = self.deadline_on_acceptance(referral, lambda: self.open_payload(referral, cipher), self.today())
        if rebased is not None:
            referral.deadline_on = rebased
        referral.status = "accepted"
        referral.accepted_at = utcnow()
        referral.decided_by = actor or actor_of(principal, "auto")
        touch(referral)
        await self.notify_partner(
            session,
            referral,
            "referral.accepted",
            {"case_no": referral.case_no, "deadline": referral.deadline_on},
            cipher=cipher,
        )
        await self.announce(
            session,
            referral,
            self.event_type("accepted"),
            self.accepted_zh(referral),
            deadline_on=referral.deadline_on.isoformat(),
        )
        await session.flush()
        return referral

    async def decline(
        self, *, session: AsyncSession, referral: Any, principal: Principal, reason: str, cipher: FieldCipher
    ) -> Any:
        """Decline the referral with a reason: ``referral.declined`` to the partner, mediation stops."""
        if referral.status != "received":
            raise StateConflict(
                f"a referral that is {referral.status} cannot be declined", extra={"current_status": referral.status}
            )
        referral.status = "declined"
        referral.decided_by = actor_of(principal, "staff")
        referral.result = self.result("declined", reason=reason, decided_at=utcnow())
        touch(referral)
        await self.notify_partner(session, referral, "referral.declined", {"reason": reason}, cipher=cipher)
        if referral.case_id:
            await self.announce(
                session, referral, self.event_type("declined"), f"{self.declined_zh}：{reason}", reason=reason
            )
        elif referral.case_state in ("pending", "rejected"):
            referral.case_state = "cancelled"
        await session.flush()
        return referral

    async def withdraw(self, *, session: AsyncSession, referral: Any, reason: str) -> Any:
        """The partner withdraws its referral (409 once there is a result); mediation is told to stop."""
        if referral.status in FINAL_STATUSES:
            raise StateConflict(
                f"the referral already has a result ({referral.status}) and can no longer be withdrawn",
                extra={"current_status": referral.status},
            )
        referral.status = "withdrawn"
        referral.result = self.result("withdrawn", reason=reason, decided_at=utcnow())
        touch(referral)
        if referral.case_id:
            await self.announce(
                session, referral, self.event_type("withdrawn"), f"{self.withdrawn_zh}：{reason}", reason=reason
            )
        elif referral.case_state in ("pending", "rejected"):
            referral.case_state = "cancelled"
        await session.flush()
        return referral

    def result(
        self,
        outcome: str,
        *,
        decided_at: datetime,
        agreement: dict[str, Any] | None = None,
        reason: str | None = None,
        undisputed_facts: str | None = None,
        dispute_focus: str | None = None,
    ) -> dict[str, Any]:
        return self.result_model(
            outcome=outcome,
            agreement=agreement,
            reason=reason,
            undisputed_facts=undisputed_facts,
            dispute_focus=dispute_focus,
            decided_at=decided_at,
        ).model_dump(mode="json", exclude=self.result_exclude)

    async def accept_ready(self, ctx: BridgeContextLike, *, when_due_actor: str) -> int:
        """The worker's step: accept registered referrals nobody has decided — all of them with
        ``auto_accept``, otherwise those whose acceptance clock ends today (with
        ``auto_accept_when_due``: the partner is owed an answer)."""
        settings = ctx.settings
        if not settings.auto_accept and not settings.auto_accept_when_due:
            return 0
        m = self.model
        ready = [m.status == "received", m.case_state == "registered"]
        if not settings.auto_accept:
            ready.append(m.accept_due_on <= self.today())
        async with ctx.db.transaction(read_only=True) as session:
            if not (await session.execute(select(m.id).where(*ready).limit(1))).first():
                return 0
        accepted = 0
        async with ctx.db.transaction() as session:
            rows = await session.execute(
                select(m).where(*ready).order_by(m.created_at).limit(100).with_for_update(skip_locked=True)
            )  # a clerk or an event may hold one now
            for referral in rows.scalars().all():
                try:
                    await self.accept(
                        session=session,
                        referral=referral,
                        principal=None,
                        cipher=ctx.cipher,
                        actor="auto" if settings.auto_accept else when_due_actor,
                    )
                    accepted += 1
                except Conflict:
                    continue
        return accepted

    # -- mediation's events become the referral's status and the partner's webhooks ----------------

    async def referral_for_event(self, session: AsyncSession, event: EventEnvelope) -> Any:
        """The referral an event is about, from ``data.external_ref`` (None for other cases)."""
        ref = event.data.get("external_ref") or {}
        if not isinstance(ref, dict) or ref.get("partner") != self.partner or not ref.get("referral_id"):
            return None
        referral = await self.lock(session, str(ref["referral_id"]))
        if referral is None or (ref.get("partner_id") and ref["partner_id"] != referral.partner_id):
            log.warning("event names an unknown referral", extra={"event_id": str(event.id), "event_type": event.type})
            return None
        return referral

    def event_handlers(
        self,
        *,
        on_proceeding: Handler,
        on_case_registered: Handler | None = None,
        more: Mapping[str, Handler] | None = None,
    ) -> dict[str, Handler]:
        """The bridge's event handlers: ``on_proceeding`` for every ``mediation.proceeding.*``;
        ``intake.case.registered`` completes a registration whose answer was lost (then
        ``on_case_registered`` for what the bridge adds) and wakes the worker to accept it."""

        async def case_registered(session: AsyncSession, event: EventEnvelope) -> None:
            if on_case_registered is not None:
                await on_case_registered(session, event)
            if await self.apply_case_registered(session=session, event=event):
                self.wake.mark(session)  # the worker accepts it

        handlers: dict[str, Handler] = {f"mediation.proceeding.{verb}": on_proceeding for verb in PROCEEDING_VERBS}
        handlers["intake.case.registered"] = case_registered
        return handlers | dict(more or {})

    async def apply_case_registered(self, *, session: AsyncSession, event: EventEnvelope) -> bool:
        """``intake.case.registered`` of a referred case: completes a registration whose answer we missed."""
        referral = await self.referral_for_event(session, event)
        if referral is None or referral.case_id is not None or not event.case_id:
            return False
        return await self.complete_registration(
            session=session,
            referral_id=referral.id,
            case_id=event.case_id,
            case_no=str(event.data.get("case_no") or ""),
        )

    async def apply_proceeding_event(self, *, session: AsyncSession, event: EventEnvelope, cipher: FieldCipher) -> Any:
        """``mediation.proceeding.*`` of a referred case → status, mediator, result and webhooks, in order."""
        referral = await self.referral_for_event(session, event)
        if referral is None:
            return None
        verb = event.type.rsplit(".", 1)[1]
        if referral.status in FINAL_STATUSES:
            return None  # e.g. the proceeding withdrawn because the partner withdrew: nothing more to say
        data = event.data
        if referral.case_id is None and event.case_id:
            # Mediation knows the case before we heard intake's answer: take it from the event.
            await self.complete_registration(
                session=session, referral_id=referral.id, case_id=event.case_id, case_no=str(data.get("case_no") or "")
            )
        if data.get("proceeding_id"):
            referral.proceeding_id = str(data["proceeding_id"])
        if verb != "assigned" and verb not in RESULT_EVENTS:
            await session.flush()
            return referral  # opened, accepted (by the parties), session_scheduled: no change for the partner
        if referral.status == "received":
            # A mediator at work means the centre took the case: the partner hears that first.
            await self.accept(session=session, referral=referral, principal=None, cipher=cipher, actor="mediation")
        occurred_at = event.occurred_at
        if verb == "assigned":
            mediator = data.get("mediator") or {}
            public = self.mediator_model(
                name=str(mediator.get("name") or ""), organisation=mediator.get("organisation")
            )
            referral.mediator = public.model_dump()
            referral.status = "in_mediation"
            touch(referral)
            await self.notify_partner(
                session,
                referral,
                "referral.mediator_assigned",
                {"mediator": public.model_dump()},
                cipher=cipher,
                occurred_at=occurred_at,
            )
        elif (outcome := RESULT_EVENTS[verb]) == "agreed":
            raw = data.get("agreement") or {}
            agreement = self.agreement_model.model_validate(raw).model_dump(mode="json")
            referral.result = self.result("agreed", agreement=agreement, decided_at=occurred_at)
            referral.status = "agreed"
            # A contract's agreement schema may not carry effective_on: mediation's event does.
            effective = agreement.get("effective_on") or raw.get("effective_on") or agreement["signed_on"]
            referral.agreement_effective_on = date.fromisoformat(str(effective))
            touch(referral)
            await self.notify_partner(
                session, referral, "referral.agreed", {"agreement": agreement}, cipher=cipher, occurred_at=occurred_at
            )
        else:
            reason = data.get("reason")
            if outcome == "failed" and not reason:
                reason = FAILED_REASONS_ZH.get(verb, "调解不成")
            referral.result = self.result(
                outcome,
                reason=reason,
                undisputed_facts=data.get("undisputed_facts"),
                dispute_focus=data.get("dispute_focus"),
                decided_at=occurred_at,
            )
            referral.status = outcome
            touch(referral)
            await self.end_with(session=session, referral=referral, cipher=cipher, occurred_at=occurred_at)
        await session.flush()
        return referral

    async def end_with(
        self, *, session: AsyncSession, referral: Any, cipher: FieldCipher, occurred_at: datetime
    ) -> None:
        """Tell the partner a failed or expired result (``referral.result`` is set): at once, by default."""
        result = referral.result
        data: dict[str, Any] = {}
        if referral.status == "failed":
            data = {
                "reason": result.get("reason"),
                "undisputed_facts": result.get("undisputed_facts"),
                "dispute_focus": result.get("dispute_focus"),
            }
        await self.notify_partner(
            session, referral, f"referral.{referral.status}", data, cipher=cipher, occurred_at=occurred_at
        )

    # -- the clerks' desk ---------------------------------------------------------------------------

    async def get_staff_referral(
        self, *, session: AsyncSession, principal: Principal, referral_id: str, for_update: bool = False
    ) -> Any:
        """The referral if it was sent to the caller's centre (404 otherwise)."""
        referral = await (self.lock(session, referral_id) if for_update else session.get(self.model, referral_id))
        if referral is None or not can_see(principal, referral.center_id):
            raise NotFound(f"referral {referral_id} does not exist")
        return referral

    async def list_staff_referrals(
        self,
        *,
        session: AsyncSession,
        principal: Principal,
        status: str | None,
        awaiting_decision: bool | None,
        case_state: str | None,
        cursor: str | None,
        limit: int,
    ) -> tuple[list[Any], str | None]:
        """Referrals of the caller's centre (all centres for admins), newest first."""
        m = self.model
        query = select(m)
        if not principal.has_any_role("admin"):
            query = query.where(m.center_id == principal.center_id)
        if status:
            query = query.where(m.status == status)
        if awaiting_decision is not None:
            query = query.where(m.status == "received") if awaiting_decision else query.where(m.status != "received")
        if case_state:
            query = query.where(m.case_state == case_state)
        return await keyset_page(session, query, m.created_at, m.id, cursor=cursor, limit=limit)

    async def retry_registration(self, *, session: AsyncSession, referral: Any) -> Any:
        """Put a rejected (or waiting) registration back in line to be tried now."""
        if referral.case_state not in ("pending", "rejected"):
            raise StateConflict(
                f"the case registration is {referral.case_state}", extra={"case_state": referral.case_state}
            )
        referral.case_state = "pending"
        referral.case_next_attempt_at = utcnow()
        await session.flush()
        return referral

    async def referral_of_case(self, *, session: AsyncSession, case_id: str) -> Any:
        """The referral whose case this is (None for window cases)."""
        query = select(self.model).where(self.model.case_id == case_id).limit(1)
        return (await session.execute(query)).scalar_one_or_none()
