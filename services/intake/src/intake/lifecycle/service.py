"""The case lifecycle as one table: every status, who works a case in it, and what each action or
event does to it. Pure functions — no database — so the property test can walk random histories.

Reading guide: a *move* is something a person does (route, close); an *event* is something another
service or a desk says happened. ``after_event`` returns the next status or ``None`` when the event
only lands on the timeline. Every status but ``closed`` names the people who work a case in it
(``WORKED_BY``); the property test asserts no sequence of events leaves a case anywhere else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from onewindow_kit.errors import StateConflict

# status -> (label for clerks, who works a case in it)
STATUSES: dict[str, tuple[str, str | None]] = {
    "registered": ("已登记，待分流", "window"),
    "routed": ("已分流，待承办", "window"),
    "in_mediation": ("调解中", "mediation"),
    "returned": ("已退回窗口，待选择后续途径", "window"),
    "resolved": ("已达成调解协议，待履行", "mediation"),
    "referred_to_inspection": ("劳动监察办理中", "inspection"),
    "legal_aid": ("法律援助办理中", "legal_aid"),
    "referred_to_petition": ("信访办理中", "petition"),
    "in_negotiation": ("三方协调中", "negotiation"),
    "transferred_to_arbitration": ("已转仲裁", "arbitration"),
    "referred_to_court": ("已转法院", "court"),
    "closed": ("已结案", None),
}
STATUS_ZH = {k: v[0] for k, v in STATUSES.items()}
WORKED_BY = {k: v[1] for k, v in STATUSES.items()}

# A case is open until it is closed; "resolved" stays open while the agreement is performed.
OPEN_STATUSES = tuple(s for s in STATUSES if s != "closed")
# Statuses whose deadline is a running statutory clock: only these can be overdue. A case back at
# the window has no clock of its own (the mediation's 15 days ended with the mediation).
CLOCKED_STATUSES = ("in_mediation", "referred_to_inspection", "legal_aid", "referred_to_petition", "in_negotiation")

ROUTE_ZH = {
    "mediation": "联合调解",
    "inspection": "劳动监察",
    "legal_aid": "法律援助",
    "arbitration": "仲裁",
    "petition": "信访",
    "negotiation": "三方协调",
}
# The status a confirmed route puts the case in. Mediation and direct arbitration wait at
# ``routed`` until the proceeding opens or the commission accepts the transfer.
ROUTE_STATUS = {
    "mediation": "routed",
    "inspection": "referred_to_inspection",
    "legal_aid": "legal_aid",
    "arbitration": "routed",
    "petition": "referred_to_petition",
    "negotiation": "in_negotiation",
}
DESK_ROUTES = ("inspection", "legal_aid", "petition", "negotiation")
DESK_STATUS = {r: ROUTE_STATUS[r] for r in DESK_ROUTES}

# Where a (re-)route may start. Not from in_mediation (end the mediation first: the proceeding
# owns the case until then), not from a partner's hands, not once closed.
ROUTABLE_FROM = (
    "registered",
    "routed",
    "returned",
    "resolved",  # an agreement not performed: arbitration, legal aid, inspection (LDMAL 16 aside)
    "referred_to_inspection",
    "legal_aid",
    "referred_to_petition",
    "in_negotiation",
)
# Closing by hand: from anywhere open except while a proceeding or a partner holds the case.
CLOSABLE_FROM = ("registered", "routed", "returned", "resolved", *DESK_STATUS.values())

# Events of other services and of the desks -> next status (None: timeline only). Keys are
# (event type, status) with "*" for any open status; the more specific key wins.
_MEDIATION_ENDED = (
    "mediation.proceeding.declined",
    "mediation.proceeding.terminated",
    "mediation.proceeding.expired",
    "mediation.proceeding.withdrawn",
)
EVENT_TABLE: dict[tuple[str, str], str | None] = {
    ("mediation.proceeding.opened", "routed"): "in_mediation",
    ("mediation.proceeding.opened", "registered"): "in_mediation",  # court/arbitration referrals
    ("mediation.proceeding.opened", "returned"): "in_mediation",
    # An agreement seen before the opening (out of order) is reconciled, not lost.
    ("mediation.proceeding.agreed", "in_mediation"): "resolved",
    ("mediation.proceeding.agreed", "routed"): "resolved",
    ("mediation.proceeding.agreed", "registered"): "resolved",
    **{(t, s): "returned" for t in _MEDIATION_ENDED for s in ("in_mediation", "routed", "registered")},
    ("mediation.agreement.fulfilled", "resolved"): "closed",
    # Sent to the commission (arbitration-bridge, decision 0018): after a failed mediation, because the
    # worker refused mediation (at the window: registered/routed; after declining: returned), or because
    # the employer breached the agreement (resolved). The case waits at ``routed`` for the
    # commission's acceptance (5 working days, watched by the bridge); the outcome is
    # ``transferred_to_arbitration``, a rejection brings it back to the window.
    **{("arbitration.transfer.requested", s): "routed" for s in ("registered", "returned", "resolved")},
    ("arbitration.transfer.accepted", "*"): "transferred_to_arbitration",
    ("arbitration.transfer.rejected", "registered"): "returned",
    ("arbitration.transfer.rejected", "routed"): "returned",
    ("arbitration.transfer.rejected", "resolved"): "returned",
    # desk events (published by intake's own desks module)
    **{("intake.handoff.declined", s): "returned" for s in DESK_STATUS.values()},
    **{("intake.handoff.returned", s): "returned" for s in DESK_STATUS.values()},
    **{("intake.handoff.closed", s): "closed" for s in DESK_STATUS.values()},
}
# Events that never move a case out of these statuses, whatever the table says for "*".
_FINAL = ("closed",)
# Close reasons the lifecycle itself records.
EVENT_CLOSE_REASON = {
    "mediation.agreement.fulfilled": "agreement_fulfilled",
    "intake.handoff.closed": "handled_by_agency",
}


def after_event(status: str, event_type: str) -> str | None:
    """The status an event puts a case in, or None when it only lands on the timeline."""
    if status in _FINAL:
        return None
    target = EVENT_TABLE.get((event_type, status))
    if target is None:
        target = EVENT_TABLE.get((event_type, "*"))
    return target if target != status else None


@dataclass(frozen=True)
class NextStep:
    route: str
    label_zh: str
    note_zh: str


def allowed_routes(status: str, *, dispute_type: str, current_route: str | None) -> list[str]:
    """The routes a case in ``status`` may take now (empty when it cannot be re-routed)."""
    if status not in ROUTABLE_FROM:
        return []
    routes = []
    for route, target in ROUTE_STATUS.items():
        if route == "arbitration" and dispute_type == "interest":
            continue  # 劳动法 第84条: interest disputes go to coordination, not arbitration
        if status != "registered" and route == current_route and target == status:
            continue  # already there
        routes.append(route)
    return routes


def next_steps(*, dispute_type: str, has_undisputed_facts: bool = False) -> list[NextStep]:
    """What the window offers a case that came back: the ways on that the law leaves open."""
    if dispute_type == "interest":
        return [
            NextStep("negotiation", ROUTE_ZH["negotiation"], "利益争议由三方协调处理，不申请劳动仲裁（劳动法第84条）"),
            NextStep("petition", ROUTE_ZH["petition"], "涉及群体诉求的，可转信访部门协调"),
        ]
    facts = "，调解中确认的无争议事实随案移送" if has_undisputed_facts else ""
    return [
        NextStep("arbitration", "申请劳动仲裁", "可向劳动人事争议仲裁委员会申请仲裁" + facts),
        NextStep(
            "legal_aid", ROUTE_ZH["legal_aid"], "农民工追索劳动报酬、工伤赔偿免予经济困难审查（法律援助法第42条）"
        ),
        NextStep("inspection", ROUTE_ZH["inspection"], "拖欠工资等明显违法行为，可请劳动保障监察处理"),
        NextStep("mediation", "重新调解", "双方同意的，可再次申请调解"),
    ]


def check_route(status: str, route: str, *, dispute_type: str, current_route: str | None) -> str:
    """The status ``route`` puts the case in, or a 409 that names (in Chinese) the allowed routes."""
    allowed = allowed_routes(status, dispute_type=dispute_type, current_route=current_route)
    if route in allowed:
        return ROUTE_STATUS[route]
    if route == "arbitration" and dispute_type == "interest":
        why = "利益争议不属于劳动仲裁受理范围（劳动法第84条），应通过三方协调处理"
    elif status == "in_mediation":
        why = "案件正在调解中，须先由调解员终结调解"
    elif status not in ROUTABLE_FROM:
        why = f"案件当前状态为“{STATUS_ZH[status]}”，不能改变去向"
    else:
        why = f"案件已在“{STATUS_ZH[status]}”"
    raise StateConflict(
        why + _allowed_sentence([ROUTE_ZH[r] for r in allowed]),
        extra={"current_status": status, "allowed_routes": allowed, "allowed": [ROUTE_STATUS[r] for r in allowed]},
    )


def check_close(status: str) -> None:
    """409 in Chinese when a case in ``status`` cannot be closed by hand."""
    if status in CLOSABLE_FROM:
        return
    if status == "closed":
        why = "案件已结案"
    elif status == "in_mediation":
        why = "案件正在调解中，须先由调解员终结调解"
    else:
        why = f"案件当前状态为“{STATUS_ZH[status]}”，由承办机构办结后自动结案"
    raise StateConflict(why, extra={"current_status": status, "allowed": []})


def _allowed_sentence(labels: Sequence[str]) -> str:
    return "；可选去向：" + "、".join(labels) if labels else "；当前不能改变去向"
