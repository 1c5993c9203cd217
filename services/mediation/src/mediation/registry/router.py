"""Registry routes: organisations, mediators, leave, conflicts, audit."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status
from onewindow_kit.auth import Principal, require_roles
from onewindow_kit.db import SessionDep
from onewindow_kit.errors import NotFound
from onewindow_kit.openapi import problems

from mediation.config import SettingsDep
from mediation.registry import service
from mediation.registry.models import Mediator, Organisation
from mediation.registry.schemas import (
    AuditPublic,
    ConflictCreate,
    ConflictPublic,
    LeaveCreate,
    LeavePublic,
    MediatorCreate,
    MediatorPublic,
    MediatorUpdate,
    OrganisationCreate,
    OrganisationPublic,
    OrganisationUpdate,
    ReassignmentPublic,
)

router = APIRouter(tags=["registry"])

RegistryRead = Annotated[Principal, Depends(require_roles("clerk", "mediator", "supervisor", "admin", "service"))]
RegistryWrite = Annotated[Principal, Depends(require_roles("supervisor", "admin"))]
MediatorSelf = Annotated[Principal, Depends(require_roles("mediator"))]


def _mediator_public(m: Mediator, org: Organisation | None = None, report: object | None = None) -> MediatorPublic:
    public = MediatorPublic.model_validate(m)
    public.organisation_name = org.name if org else None
    if report is not None:
        public.reassignment = ReassignmentPublic.model_validate(report.__dict__)
    return public


@router.post(
    "/organisations",
    response_model=OrganisationPublic,
    status_code=status.HTTP_201_CREATED,
    operation_id="create_organisation",
)
async def create_organisation(
    data: OrganisationCreate, session: SessionDep, principal: RegistryWrite
) -> OrganisationPublic:
    """Register a mediation organisation (调解组织) in the caller's centre."""
    return OrganisationPublic.model_validate(
        await service.create_organisation(session=session, principal=principal, data=data)
    )


@router.get("/organisations", response_model=list[OrganisationPublic], operation_id="list_organisations")
async def list_organisations(
    session: SessionDep, principal: RegistryRead, center_id: str | None = None
) -> list[OrganisationPublic]:
    """Organisations of the caller's centre (admins: ``center_id`` or all)."""
    rows = await service.list_organisations(session=session, principal=principal, center_id=center_id)
    return [OrganisationPublic.model_validate(o) for o in rows]


@router.get("/organisations/{organisation_id}", response_model=OrganisationPublic, operation_id="get_organisation")
async def get_organisation(organisation_id: str, session: SessionDep, principal: RegistryRead) -> OrganisationPublic:
    """One organisation."""
    return OrganisationPublic.model_validate(
        await service.get_organisation(session=session, principal=principal, organisation_id=organisation_id)
    )


@router.patch("/organisations/{organisation_id}", response_model=OrganisationPublic, operation_id="update_organisation")
async def update_organisation(
    organisation_id: str, data: OrganisationUpdate, settings: SettingsDep, session: SessionDep, principal: RegistryWrite
) -> OrganisationPublic:
    """Change an organisation; ``active: false`` reassigns its mediators' open proceedings."""
    org = await service.get_organisation(session=session, principal=principal, organisation_id=organisation_id)
    org, _reports = await service.update_organisation(
        session=session, principal=principal, organisation=org, data=data, settings=settings
    )
    return OrganisationPublic.model_validate(org)


@router.post(
    "/mediators", response_model=MediatorPublic, status_code=status.HTTP_201_CREATED, operation_id="create_mediator"
)
async def create_mediator(data: MediatorCreate, session: SessionDep, principal: RegistryWrite) -> MediatorPublic:
    """Register a mediator (调解员) in one of the caller's organisations."""
    mediator = await service.create_mediator(session=session, principal=principal, data=data)
    return _mediator_public(mediator, await session.get(Organisation, mediator.organisation_id))


@router.get("/mediators", response_model=list[MediatorPublic], operation_id="list_mediators")
async def list_mediators(
    session: SessionDep,
    principal: RegistryRead,
    center_id: str | None = None,
    organisation_id: str | None = None,
    active: bool | None = None,
) -> list[MediatorPublic]:
    """Mediators of the caller's centre, with their current load."""
    rows = await service.list_mediators(
        session=session, principal=principal, center_id=center_id, organisation_id=organisation_id, active=active
    )
    return [_mediator_public(m, o) for m, o in rows]


@router.get(
    "/mediators/me", response_model=MediatorPublic, responses=problems(NotFound), operation_id="get_my_mediator_record"
)
async def get_my_mediator_record(session: SessionDep, principal: MediatorSelf) -> MediatorPublic:
    """The registry record linked to the calling mediator's account (404 when none is linked)."""
    mediator = await service.mediator_for_principal(session=session, principal=principal)
    if mediator is None:
        raise NotFound("no mediator record is linked to this account; ask a supervisor to set user_subject or username")
    return _mediator_public(mediator, await session.get(Organisation, mediator.organisation_id))


@router.get("/mediators/{mediator_id}", response_model=MediatorPublic, operation_id="get_mediator")
async def get_mediator(mediator_id: str, session: SessionDep, principal: RegistryRead) -> MediatorPublic:
    """One mediator."""
    mediator = await service.get_mediator(session=session, principal=principal, mediator_id=mediator_id)
    return _mediator_public(mediator, await session.get(Organisation, mediator.organisation_id))


@router.patch("/mediators/{mediator_id}", response_model=MediatorPublic, operation_id="update_mediator")
async def update_mediator(
    mediator_id: str, data: MediatorUpdate, settings: SettingsDep, session: SessionDep, principal: RegistryWrite
) -> MediatorPublic:
    """Change a mediator. Deactivating (``active: false``) or de-registering reassigns their open
    proceedings; the answer's ``reassignment`` lists where each went, which were parked, and which
    are now at risk of missing their deadline."""
    mediator = await service.get_mediator(session=session, principal=principal, mediator_id=mediator_id)
    mediator, report = await service.update_mediator(
        session=session, principal=principal, mediator=mediator, data=data, settings=settings
    )
    return _mediator_public(mediator, await session.get(Organisation, mediator.organisation_id), report)


@router.post(
    "/mediators/{mediator_id}/leaves",
    response_model=LeavePublic,
    status_code=status.HTTP_201_CREATED,
    operation_id="add_mediator_leave",
)
async def add_mediator_leave(
    mediator_id: str, data: LeaveCreate, settings: SettingsDep, session: SessionDep, principal: RegistryWrite
) -> LeavePublic:
    """Record leave; open proceedings whose clock overlaps it are reassigned."""
    mediator = await service.get_mediator(session=session, principal=principal, mediator_id=mediator_id)
    leave, report = await service.add_leave(
        session=session, principal=principal, mediator=mediator, data=data, settings=settings
    )
    public = LeavePublic.model_validate(leave)
    if report is not None:
        public.reassignment = ReassignmentPublic.model_validate(report.__dict__)
    return public


@router.get("/mediators/{mediator_id}/leaves", response_model=list[LeavePublic], operation_id="list_mediator_leaves")
async def list_mediator_leaves(mediator_id: str, session: SessionDep, principal: RegistryRead) -> list[LeavePublic]:
    """Leave periods of a mediator."""
    mediator = await service.get_mediator(session=session, principal=principal, mediator_id=mediator_id)
    return [LeavePublic.model_validate(x) for x in await service.list_leaves(session=session, mediator=mediator)]


@router.delete(
    "/mediators/{mediator_id}/leaves/{leave_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="delete_mediator_leave",
)
async def delete_mediator_leave(
    mediator_id: str, leave_id: str, session: SessionDep, principal: RegistryWrite
) -> Response:
    """Cancel a leave period."""
    mediator = await service.get_mediator(session=session, principal=principal, mediator_id=mediator_id)
    await service.delete_leave(session=session, principal=principal, mediator=mediator, leave_id=leave_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/mediators/{mediator_id}/conflicts",
    response_model=ConflictPublic,
    status_code=status.HTTP_201_CREATED,
    operation_id="declare_mediator_conflict",
)
async def declare_mediator_conflict(
    mediator_id: str, data: ConflictCreate, settings: SettingsDep, session: SessionDep, principal: RegistryWrite
) -> ConflictPublic:
    """Declare an employer (by credit code) the mediator worked for or represented."""
    mediator = await service.get_mediator(session=session, principal=principal, mediator_id=mediator_id)
    conflict, report = await service.add_conflict(
        session=session, principal=principal, mediator=mediator, data=data, settings=settings
    )
    public = ConflictPublic.model_validate(conflict)
    if report is not None:
        public.reassignment = ReassignmentPublic.model_validate(report.__dict__)
    return public


@router.get(
    "/mediators/{mediator_id}/conflicts", response_model=list[ConflictPublic], operation_id="list_mediator_conflicts"
)
async def list_mediator_conflicts(
    mediator_id: str, session: SessionDep, principal: RegistryWrite
) -> list[ConflictPublic]:
    """Declared conflicts of a mediator (supervisors and admins)."""
    mediator = await service.get_mediator(session=session, principal=principal, mediator_id=mediator_id)
    return [ConflictPublic.model_validate(x) for x in await service.list_conflicts(session=session, mediator=mediator)]


@router.delete(
    "/mediators/{mediator_id}/conflicts/{conflict_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="delete_mediator_conflict",
)
async def delete_mediator_conflict(
    mediator_id: str, conflict_id: str, session: SessionDep, principal: RegistryWrite
) -> Response:
    """Withdraw a declared conflict."""
    mediator = await service.get_mediator(session=session, principal=principal, mediator_id=mediator_id)
    await service.delete_conflict(session=session, principal=principal, mediator=mediator, conflict_id=conflict_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/registry/audit", response_model=list[AuditPublic], operation_id="list_registry_audit")
async def list_registry_audit(
    session: SessionDep,
    principal: RegistryWrite,
    entity: str | None = None,
    entity_id: str | None = None,
    mediator_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[AuditPublic]:
    """Who changed what in the registry and when, newest first."""
    rows = await service.audit_log(
        session=session, principal=principal, entity=entity, entity_id=entity_id, mediator_id=mediator_id, limit=limit
    )
    return [AuditPublic.model_validate(r) for r in rows]
