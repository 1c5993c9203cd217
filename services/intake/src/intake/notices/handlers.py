"""Mediation's events that tell the parties something by SMS: a session notice, an unpaid instalment.

Each handler first does what every partner event does (the timeline, the lifecycle), then queues
the notices in the same transaction; the inbox makes a redelivered event queue nothing more, and
the notice's key does so too.
"""

from __future__ import annotations

from onewindow_kit.events import EventEnvelope
from sqlalchemy.ext.asyncio import AsyncSession

from intake.cases.models import CaseFile
from intake.cases.service import apply_partner_event
from intake.notices.service import enqueue_for_applicants, local_time


async def session_scheduled(session: AsyncSession, event: EventEnvelope) -> None:
    """调解会通知 to each applicant."""
    await apply_partner_event(session, event)
    case = await session.get(CaseFile, event.case_id) if event.case_id else None
    meeting = event.data.get("session") or {}
    if case is None or not meeting.get("starts_at"):
        return
    place = (
        f"调解室{meeting['room']}"
        if meeting.get("room")
        else "在线视频"
        if meeting.get("mode") == "online"
        else "中心调解室"
    )
    await enqueue_for_applicants(
        session,
        case=case,
        purpose="session_notice",
        variables={"case_number": case.case_no, "when": local_time(meeting["starts_at"]), "place": place[:40]},
        key=str(meeting.get("id") or event.id),
    )


async def payment_overdue(session: AsyncSession, event: EventEnvelope) -> None:
    """Instalment reminder (履行提醒) to each applicant when an agreed instalment is overdue."""
    await apply_partner_event(session, event)
    case = await session.get(CaseFile, event.case_id) if event.case_id else None
    instalment = event.data.get("instalment") or {}
    if case is None or not instalment.get("due_on"):
        return
    await enqueue_for_applicants(
        session,
        case=case,
        purpose="instalment_reminder",
        variables={
            "case_number": case.case_no,
            "position": str(instalment.get("position") or 1),
            "due_on": str(instalment["due_on"])[:10],
        },
        key=f"{event.data.get('agreement_no')}:{instalment['due_on']}",
    )


EVENT_HANDLERS = {
    "mediation.proceeding.session_scheduled": session_scheduled,
    "mediation.agreement.payment_overdue": payment_overdue,
}
