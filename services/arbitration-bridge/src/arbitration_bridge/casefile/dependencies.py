"""Reading a case's centre from intake when the bridge has not heard it from intake's events yet."""

from __future__ import annotations

from onewindow_kit.bridge.casefile import CaseFile, IntakeError
from onewindow_kit.errors import NotFound, UpstreamUnavailable

from arbitration_bridge.context import ArbitrationContext


async def center_of(ctx: ArbitrationContext, case_id: str) -> str:
    """The case's centre from intake (404 when intake has no such case, 503 when it does not answer)."""
    return (await case_of(ctx, case_id)).center_id


async def case_of(ctx: ArbitrationContext, case_id: str) -> CaseFile:
    """The case file from intake (404 when intake has no such case, 503 when it does not answer)."""
    if ctx.intake is None:
        raise UpstreamUnavailable("intake is not configured")
    try:
        return await ctx.intake.case(case_id=case_id)
    except IntakeError as exc:
        if exc.status == 404:
            raise NotFound(f"case {case_id} does not exist") from exc
        raise UpstreamUnavailable("the case system (intake) did not answer; try again shortly") from exc
