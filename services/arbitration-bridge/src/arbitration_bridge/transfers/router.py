"""Transfer routes: the commission's decision (partner API) and the staff's desk (``/transfers``,
via the gateway's ``/api/arbitration/transfers``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from onewindow_kit.bridge.documents import (
    LINKED_DOCUMENT_RESPONSES,
    LinkExpires,
    LinkSignature,
    linked_document_response,
)
from onewindow_kit.bridge.routes import partner_decision
from onewindow_kit.db import SessionDep
from onewindow_kit.dependencies import database_of
from onewindow_kit.errors import AlreadyExists, NotFound, StateConflict, UpstreamUnavailable
from onewindow_kit.openapi import problems
from onewindow_kit.partners.dependencies import BoundedBody, RequiredKey
from sqlalchemy.ext.asyncio import AsyncSession

from arbitration_bridge.casefile.dependencies import case_of, center_of
from arbitration_bridge.commissions import CommissionUnresolved
from arbitration_bridge.context import get_context
from arbitration_bridge.referrals.dependencies import CurrentCommission, StaffDecide, StaffRead
from arbitration_bridge.referrals.router import PARTNER_PREFIX
from arbitration_bridge.referrals.service import WORK_WAKE
from arbitration_bridge.transfers import service
from arbitration_bridge.transfers.models import Transfer
from arbitration_bridge.transfers.schemas import (
    TransferCreate,
    TransferDecided,
    TransferDecision,
    TransferPage,
    TransferState,
    TransferView,
)

partner_router = APIRouter(prefix=PARTNER_PREFIX, tags=["arbitration partner API v1"])
staff_router = APIRouter(prefix="/transfers", tags=["transfers (staff)"])


@partner_router.post(
    "/transfers/{transfer_id}/decision",
    response_model=TransferDecided,
    operation_id="record_transfer_decision",
    dependencies=[BoundedBody],
    responses=problems(StateConflict, descriptions={409: "Already decided, or the same key in flight"}),
)
async def record_transfer_decision(
    transfer_id: str, commission: CurrentCommission, key: RequiredKey, data: TransferDecision, request: Request
) -> JSONResponse:
    """The commission's decision on a case transferred to it (``transfer.requested``): ``accepted``
    with its case number, or ``rejected`` with the reason (劳动争议调解仲裁法 第29条: within 5 days)."""

    async def work(session: AsyncSession) -> tuple[int, dict[str, Any]]:
        transfer = await service.record_decision(
            session=session, partner_id=commission.id, transfer_id=transfer_id, data=data
        )
        return 200, TransferDecided(
            transfer_id=transfer.id,
            status=data.decision,
            case_no=transfer.case_no,
            arbitration_case_no=transfer.arbitration_case_no,
            decided_on=data.decided_on,
            reason=data.reason,
        ).model_dump(mode="json")

    return await partner_decision(
        request,
        scope=f"arbitration:{commission.id}:transfer-decisions",
        key=key,
        path=f"{PARTNER_PREFIX}/transfers/{transfer_id}/decision",
        work=work,
    )


@partner_router.get(
    "/transfers/{transfer_id}/documents/{document_id}",
    response_class=Response,
    operation_id="download_transfer_document",
    responses=LINKED_DOCUMENT_RESPONSES,
)
async def download_transfer_document(
    transfer_id: str,
    document_id: str,
    commission: CurrentCommission,
    session: SessionDep,
    request: Request,
    expires: LinkExpires,
    signature: LinkSignature,
) -> Response:
    """A document of a transfer sent to this commission, from the signed link in ``transfer.requested``
    (``documents[].url``), fetched with the commission's own token. Check its SHA-256 against the
    bundle's ``documents[].sha256``."""
    transfer = await session.get(Transfer, transfer_id)
    visible = transfer is not None and transfer.partner_id == commission.id
    listed = service.listed_document(transfer, document_id) if transfer is not None and visible else None
    if listed is None:
        raise NotFound(f"transfer {transfer_id} has no document {document_id}")
    ctx = get_context(request)
    return await linked_document_response(
        ctx.documents,
        secret=ctx.settings.lookup_key,
        scope=transfer_id,
        listed=listed,
        document_id=document_id,
        expires=expires,
        signature=signature,
    )


@staff_router.post(
    "",
    response_model=TransferView,
    status_code=201,
    operation_id="create_arbitration_transfer",
    responses=problems(
        NotFound,
        StateConflict,
        AlreadyExists,
        CommissionUnresolved,
        UpstreamUnavailable,
        descriptions={
            409: "The case does not qualify for the kind (failed_mediation: the mediation has not "
            "terminated or expired; refused_mediation: a proceeding is still running or agreed; "
            "breached_agreement: no overdue instalment), the case was referred, it is already "
            "transferred, an interest dispute (劳动法 第84条), or no commission fits",
            503: "Intake did not answer (the case's centre was needed)",
        },
    ),
)
async def create_arbitration_transfer(data: TransferCreate, request: Request, principal: StaffDecide) -> TransferView:
    """The worker chose arbitration — after the window mediation terminated or expired (调解不成转仲裁,
    ``kind=failed_mediation``), instead of mediation (``refused_mediation``: at the window or after
    declining; 人民调解法 第17条) or because the employer breached the agreement
    (``breached_agreement``): the 申请书 and the file go to the commission (``transfer.requested``);
    its 5-working-day acceptance clock starts then."""
    ctx = get_context(request)
    db = database_of(request.app)
    async with db.transaction(read_only=True) as session:
        record = await service.known_center(session=session, case_id=data.case_id)
        center_id = record.center_id if record is not None else None
    if record is None and data.kind != "refused_mediation":
        raise NotFound(f"case {data.case_id} has no mediation known to the arbitration bridge")
    if data.kind != "failed_mediation":
        # Direct arbitration reads the case first (no transaction open): its centre (it may be new to
        # us) and its dispute type — an interest dispute is not arbitrated (劳动法 第84条).
        case = await case_of(ctx, data.case_id)
        center_id = center_id or case.center_id
        if case.dispute_type == "interest":
            raise StateConflict(
                "an interest dispute is not arbitrated (劳动法 第84条)",
                extra={
                    "dispute_type": "interest",
                    "detail_zh": "利益争议不属于劳动仲裁受理范围（劳动法第84条），应通过三方协调处理",
                },
            )
    if center_id is None:
        center_id = await center_of(ctx, data.case_id)  # no transaction is open while intake is asked
    async with db.transaction() as session:
        transfer = await service.open_transfer(
            session=session,
            principal=principal,
            data=data,
            center_id=center_id,
            default_partner_id=ctx.settings.default_partner_id,
        )
        WORK_WAKE.mark(session)  # the worker gathers the file and sends it
        view = service.to_view(transfer)
    return view


@staff_router.get("", response_model=TransferPage, operation_id="list_arbitration_transfers")
async def list_arbitration_transfers(
    session: SessionDep,
    principal: StaffRead,
    state: TransferState | None = None,
    case_id: Annotated[str | None, Query(max_length=64)] = None,
    overdue: bool | None = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> TransferPage:
    """Transfers of the caller's centre, newest first, with their 5-day clocks."""
    rows, next_cursor = await service.list_staff_transfers(
        session=session, principal=principal, state=state, case_id=case_id, overdue=overdue, cursor=cursor, limit=limit
    )
    return TransferPage(items=[service.to_view(t) for t in rows], next_cursor=next_cursor)


@staff_router.get("/overdue", response_model=TransferPage, operation_id="list_overdue_arbitration_transfers")
async def list_overdue_arbitration_transfers(
    session: SessionDep,
    principal: StaffRead,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> TransferPage:
    """Transfers the commission has not decided within its 5 days (for supervisors to follow up)."""
    rows, next_cursor = await service.list_staff_transfers(
        session=session, principal=principal, state=None, case_id=None, overdue=True, cursor=cursor, limit=limit
    )
    return TransferPage(items=[service.to_view(t) for t in rows], next_cursor=next_cursor)


@staff_router.get("/{transfer_id}", response_model=TransferView, operation_id="get_arbitration_transfer")
async def get_arbitration_transfer(transfer_id: str, session: SessionDep, principal: StaffRead) -> TransferView:
    """One transfer: its state, the due date and days left on the commission's 5-day clock, the decision."""
    return service.to_view(
        await service.get_staff_transfer(session=session, principal=principal, transfer_id=transfer_id)
    )
