"""Case service functions: keyword-only, one-line docstrings, ``flush()`` only (the session
dependency commits). Personal data is encrypted here and never leaves in events or logs.

One module per concern; this package re-exports them, so ``service.register_case`` and the like
keep working."""

from intake.cases.service.lifecycle import (
    CLOCKED_STATUSES,
    OPEN_STATUSES,
    STATUS_ZH,
    PreconditionFailed,
    PreconditionRequired,
    _bump,
    _timeline,
    check_version,
    route_case,
    transition_case,
)
from intake.cases.service.partner_events import EVENT_SUMMARY, apply_partner_event, lifecycle_follow
from intake.cases.service.reading import can_see, case_parts, get_case, reveal_pii, timeline
from intake.cases.service.registration import next_case_number, register_case
from intake.cases.service.search import CaseQuery, applicants_of, search_cases
from intake.cases.service.statistics import statistics
from intake.cases.service.triage_input import employer_history, preview_triage, triage_form

__all__ = [
    "CLOCKED_STATUSES",
    "EVENT_SUMMARY",
    "OPEN_STATUSES",
    "STATUS_ZH",
    "CaseQuery",
    "PreconditionFailed",
    "PreconditionRequired",
    "applicants_of",
    "apply_partner_event",
    "can_see",
    "case_parts",
    "check_version",
    "employer_history",
    "get_case",
    "lifecycle_follow",
    "next_case_number",
    "preview_triage",
    "register_case",
    "reveal_pii",
    "route_case",
    "search_cases",
    "statistics",
    "timeline",
    "transition_case",
    "triage_form",
]

# The names the desks module uses (it builds on the case file).
add_timeline = _timeline
bump = _bump
