from __future__ import annotations

from fastapi import APIRouter, status
from onewindow_kit.db import SessionDep
from onewindow_kit.errors import AlreadyExists
from onewindow_kit.openapi import problems

from intake.centers import service
from intake.centers.auth import CenterAdmin, CenterRead
from intake.centers.schemas import CenterCreate, CenterPublic, CenterUpdate

router = APIRouter(prefix="/centers", tags=["centres"])


@router.get("", response_model=list[CenterPublic], operation_id="list_centers")
async def list_centers(session: SessionDep, _principal: CenterRead) -> list[CenterPublic]:
    """All one-stop centres."""
    return [CenterPublic.model_validate(c) for c in await service.list_centers(session=session)]


@router.get("/{center_id}", response_model=CenterPublic, operation_id="get_center")
async def get_center(center_id: str, session: SessionDep, _principal: CenterRead) -> CenterPublic:
    """One centre, with the format of its case numbers."""
    return CenterPublic.model_validate(await service.get_center(session=session, center_id=center_id))


@router.post(
    "",
    response_model=CenterPublic,
    status_code=status.HTTP_201_CREATED,
    responses=problems(AlreadyExists),
    operation_id="create_center",
)
async def create_center(data: CenterCreate, session: SessionDep, _admin: CenterAdmin) -> CenterPublic:
    """Register a centre (admin)."""
    return CenterPublic.model_validate(await service.create_center(session=session, data=data))


@router.patch("/{center_id}", response_model=CenterPublic, operation_id="update_center")
async def update_center(center_id: str, data: CenterUpdate, session: SessionDep, _admin: CenterAdmin) -> CenterPublic:
    """Change a centre's names, number format or activity (admin)."""
    return CenterPublic.model_validate(await service.update_center(session=session, center_id=center_id, data=data))
