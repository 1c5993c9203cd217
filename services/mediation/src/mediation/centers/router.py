from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from onewindow_kit.auth import Principal, require_roles
from onewindow_kit.db import SessionDep

from mediation.centers import service
from mediation.centers.schemas import CenterPublic

router = APIRouter(prefix="/centers", tags=["centres"])

StaffRead = Annotated[Principal, Depends(require_roles("clerk", "mediator", "supervisor", "admin"))]


@router.get("", response_model=list[CenterPublic], operation_id="list_centers")
async def list_centers(session: SessionDep, _principal: StaffRead) -> list[CenterPublic]:
    """Centres mediation has learned of from intake."""
    return [CenterPublic.model_validate(c) for c in await service.list_centers(session=session)]
