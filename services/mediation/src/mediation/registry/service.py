"""Registry service: organisations and mediators managed by supervisors (their centre) and admins.

Every change is audited (who, when, each field's old and new value). A change that makes a
mediator unavailable — deactivated, no longer registered, leave, a newly declared conflict, the
organisation deactivated — reassigns the affected open proceedings at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from onewindow_domain.calendar import china_today
from onewindow_kit.auth import Principal
from onewindow_kit.db import utcnow
from onewindow_kit.errors import Forbidden, NotFound, ValidationFailed
from pydantic import BaseModel
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from mediation.actor import Actor
from mediation.assignment import service as assignment
from mediation.assignment.service import ReassignReport
from mediation.config import MediationSettings
from mediation.registry.models import (
    Mediator,
    MediatorConflict,
    MediatorLeave,
    Organisation,
    RegistryAudit,
)
from mediation.registry.schemas import (
    ConflictCreate,
    LeaveCreate,
    MediatorCreate,
    MediatorUpdate,
    OrganisationCreate,
    OrganisationUpdate,
)

# ---------------------------------------------------------------------------------------------
# Scope and identity
# ---------------------------------------------------------------------------------------------


def can_manage(principal: Principal, center_id: str) -> bool:
    """Admins manage every centre's registry, supervisors their own."""
    return principal.has_any_role("admin") or (
        principal.has_any_role("supervisor") and principal.center_id == center_id
    )


def can_read(principal: Principal, center_id: str) -> bool:
    return principal.has_any_role("admin", "service") or principal.center_id == center_id


async def mediator_for_principal(*, session: AsyncSession, principal: Principal) -> Mediator | None:
    """The mediator a staff token belongs to: by the token's ``sub`` (``user_subject``), else by
    its login name (``preferred_username`` / ``username`` claims) matched to ``username``."""
    if principal.kind != "staff":
        return None
    found = (
        await session.execute(select(Mediator).where(Mediator.user_subject == principal.subject))
    ).scalar_one_or_none()
    if found is not None:
        return found
    login = principal.claims.get("preferred_username") or principal.claims.get("username")
    if isinstance(login, str) and login:
        return (await session.execute(select(Mediator).where(Mediator.username == login))).scalar_one_or_none()
    return None


def _audit(
    session: AsyncSession,
    actor: Actor,
    *,
    entity: str,
    entity_id: str,
    action: str,
    changes: dict[str, Any],
    mediator_id: str | None = None,
) -> None:
    session.add(
        RegistryAudit(
            entity=entity,
            entity_id=entity_id,
            mediator_id=mediator_id,
            action=action,
            actor_subject=actor.subject,
            actor_name=actor.name,
            changes=changes,
        )
    )


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, (date,)):
        return value.isoformat()
    return getattr(value, "value", value)


def _snapshot(model: BaseModel) -> dict[str, Any]:
    return {k: _plain(v) for k, v in model.model_dump(exclude_unset=True).items()}


def _apply(row: Any, changes: dict[str, Any]) -> dict[str, list[Any]]:
    """Set the fields that differ; return ``{field: [old, new]}`` for the audit."""
    diff: dict[str, list[Any]] = {}
    for key, new in changes.items():
        old = getattr(row, key)
        if old != new:
            diff[key] = [_plain(old), new]
            setattr(row, key, new)
    return diff


# ---------------------------------------------------------------------------------------------
# Organisations
# ---------------------------------------------------------------------------------------------


async def _unique_org_name(session: AsyncSession, center_id: str, name: str, exclude: str | None = None) -> None:
    stmt = select(Organisation.id).where(Organisation.center_id == center_id, Organisation.name == name)
    if exclude:
        stmt = stmt.where(Organisation.id != exclude)
    if (await session.execute(stmt)).first() is not None:
        raise ValidationFailed.field("name", "本中心已有同名调解组织")


async def create_organisation(*, session: AsyncSession, principal: Principal, data: OrganisationCreate) -> Organisation:
    """Register an organisation in the caller's centre (admins name the centre)."""
    center_id = data.center_id if principal.has_any_role("admin") and data.center_id else principal.center_id
    if not center_id:
        raise ValidationFailed.field("center_id", "须指定所属中心")
    if not can_manage(principal, center_id):
        raise Forbidden("supervisors manage only their own centre's registry")
    await _unique_org_name(session, center_id, data.name)
    values = _snapshot(data)
    values.pop("center_id", None)
    org = Organisation(center_id=center_id, **values)
    session.add(org)
    await session.flush()
    _audit(
        session,
        Actor.of(principal),
        entity="organisation",
        entity_id=org.id,
        action="created",
        changes={"center_id": [None, center_id], **{k: [None, v] for k, v in values.items()}},
    )
    return org


async def get_organisation(*, session: AsyncSession, principal: Principal, organisation_id: str) -> Organisation:
    """The organisation, if the caller's centre has it (404 otherwise)."""
    org = await session.get(Organisation, organisation_id)
    if org is None or not can_read(principal, org.center_id):
        raise NotFound(f"organisation {organisation_id} does not exist")
    return org


async def list_organisations(
    *, session: AsyncSession, principal: Principal, center_id: str | None
) -> Sequence[Organisation]:
    """Organisations of the caller's centre (admins: any or all)."""
    stmt = select(Organisation).order_by(Organisation.center_id, Organisation.name)
    scope = center_id if principal.has_any_role("admin", "service") else principal.center_id
    if scope:
        stmt = stmt.where(Organisation.center_id == scope)
    return (await session.execute(stmt)).scalars().all()


async def update_organisation(
    *,
    session: AsyncSession,
    principal: Principal,
    organisation: Organisation,
    data: OrganisationUpdate,
    settings: MediationSettings,
) -> tuple[Organisation, list[ReassignReport]]:
    """Change an organisation; deactivating it reassigns its mediators' open proceedings."""
    if not can_manage(principal, organisation.center_id):
        raise Forbidden("supervisors manage only their own centre's registry")
    values = _snapshot(data)
    if "name" in values:
        await _unique_org_name(session, organisation.center_id, values["name"], exclude=organisation.id)
    if values.get("roster_courts") and not values.get("court_roster", organisation.court_roster):
        raise ValidationFailed.field("roster_courts", "非特邀调解组织不能填写特邀法院")
    was_active = organisation.active
    diff = _apply(organisation, values)
    reports: list[ReassignReport] = []
    if diff:
        organisation.version += 1
        organisation.updated_at = utcnow()
        actor = Actor.of(principal)
        _audit(
            session,
            actor,
            entity="organisation",
            entity_id=organisation.id,
            action="deactivated" if was_active and not organisation.active else "updated",
            changes=diff,
        )
        await session.flush()
        if was_active and not organisation.active:
            ids = (
                (
                    await session.execute(
                        select(Mediator.id).where(Mediator.organisation_id == organisation.id).order_by(Mediator.id)
                    )
                )
                .scalars()
                .all()
            )
            for mediator_id in ids:
                reports.append(
                    await assignment.reassign_from(
                        session=session, mediator_id=mediator_id, actor=actor, settings=settings
                    )
                )
    return organisation, reports


# ---------------------------------------------------------------------------------------------
# Mediators
# ---------------------------------------------------------------------------------------------


async def _unique_account(
    session: AsyncSession, *, username: str | None, user_subject: str | None, exclude: str | None = None
) -> None:
    for column, value, field in (
        (Mediator.username, username, "username"),
        (Mediator.user_subject, user_subject, "user_subject"),
    ):
        if not value:
            continue
        stmt = select(Mediator.id).where(column == value)
        if exclude:
            stmt = stmt.where(Mediator.id != exclude)
        if (await session.execute(stmt)).first() is not None:
            raise ValidationFailed.field(field, "该账号已关联其他调解员")


async def _managed_org(session: AsyncSession, principal: Principal, organisation_id: str) -> Organisation:
    org = await session.get(Organisation, organisation_id)
    if org is None or not can_read(principal, org.center_id):
        raise ValidationFailed.field("organisation_id", "调解组织不存在")
    if not can_manage(principal, org.center_id):
        raise Forbidden("supervisors manage only their own centre's registry")
    return org


async def create_mediator(*, session: AsyncSession, principal: Principal, data: MediatorCreate) -> Mediator:
    """Register a mediator in one of the caller's organisations."""
    await _managed_org(session, principal, data.organisation_id)
    await _unique_account(session, username=data.username, user_subject=data.user_subject)
    values = _snapshot(data)
    mediator = Mediator(**values)
    session.add(mediator)
    await session.flush()
    _audit(
        session,
        Actor.of(principal),
        entity="mediator",
        entity_id=mediator.id,
        mediator_id=mediator.id,
        action="created",
        changes={k: [None, v] for k, v in values.items()},
    )
    return mediator


async def get_mediator(*, session: AsyncSession, principal: Principal, mediator_id: str) -> Mediator:
    """The mediator, if the caller's centre has them (404 otherwise)."""
    mediator = await session.get(Mediator, mediator_id)
    if mediator is not None:
        org = await session.get(Organisation, mediator.organisation_id)
        if org is not None and can_read(principal, org.center_id):
            return mediator
    raise NotFound(f"mediator {mediator_id} does not exist")


async def list_mediators(
    *,
    session: AsyncSession,
    principal: Principal,
    center_id: str | None,
    organisation_id: str | None,
    active: bool | None,
) -> Sequence[tuple[Mediator, Organisation]]:
    """Mediators of the caller's centre, with their organisation."""
    stmt = select(Mediator, Organisation).join(Organisation, Organisation.id == Mediator.organisation_id)
    scope = center_id if principal.has_any_role("admin", "service") else principal.center_id
    if scope:
        stmt = stmt.where(Organisation.center_id == scope)
    if organisation_id:
        stmt = stmt.where(Mediator.organisation_id == organisation_id)
    if active is not None:
        stmt = stmt.where(Mediator.active.is_(active))
    return [
        tuple(r) for r in (await session.execute(stmt.order_by(Organisation.name, Mediator.name, Mediator.id))).all()
    ]


def available(mediator: Mediator) -> bool:
    return mediator.active and mediator.registration_status == "registered"


async def update_mediator(
    *,
    session: AsyncSession,
    principal: Principal,
    mediator: Mediator,
    data: MediatorUpdate,
    settings: MediationSettings,
) -> tuple[Mediator, ReassignReport | None]:
    """Change a mediator; becoming unavailable (inactive, not registered) reassigns their open proceedings."""
    current_org = await session.get(Organisation, mediator.organisation_id)
    if current_org is None or not can_manage(principal, current_org.center_id):
        raise Forbidden("supervisors manage only their own centre's registry")
    values = _snapshot(data)
    if "organisation_id" in values:
        await _managed_org(session, principal, values["organisation_id"])
    await _unique_account(
        session, username=values.get("username"), user_subject=values.get("user_subject"), exclude=mediator.id
    )
    status = values.get("registration_status", mediator.registration_status)
    if status == "registered" and not values.get("registration_no", mediator.registration_no):
        raise ValidationFailed.field("registration_no", "已备案的调解员须填写备案编号")
    if (
        values.get("collective_qualified", mediator.collective_qualified)
        and values.get("grade", mediator.grade) == "junior"
    ):
        raise ValidationFailed.field("collective_qualified", "初级调解员不能取得集体争议调解资格")
    was_available = available(mediator)
    diff = _apply(mediator, values)
    report = None
    if diff:
        mediator.version += 1
        mediator.updated_at = utcnow()
        actor = Actor.of(principal)
        action = "updated"
        if "active" in diff:
            action = "activated" if mediator.active else "deactivated"
        _audit(
            session,
            actor,
            entity="mediator",
            entity_id=mediator.id,
            mediator_id=mediator.id,
            action=action,
            changes=diff,
        )
        await session.flush()
        if was_available and not available(mediator):
            report = await assignment.reassign_from(
                session=session, mediator_id=mediator.id, actor=actor, settings=settings
            )
    return mediator, report


# ---------------------------------------------------------------------------------------------
# Leave and conflicts
# ---------------------------------------------------------------------------------------------


async def _check_manage_mediator(session: AsyncSession, principal: Principal, mediator: Mediator) -> None:
    org = await session.get(Organisation, mediator.organisation_id)
    if org is None or not can_manage(principal, org.center_id):
        raise Forbidden("supervisors manage only their own centre's registry")


async def add_leave(
    *, session: AsyncSession, principal: Principal, mediator: Mediator, data: LeaveCreate, settings: MediationSettings
) -> tuple[MediatorLeave, ReassignReport | None]:
    """Record leave; open proceedings whose clock overlaps it are reassigned."""
    await _check_manage_mediator(session, principal, mediator)
    leave = MediatorLeave(mediator_id=mediator.id, start_on=data.start_on, end_on=data.end_on, reason=data.reason)
    session.add(leave)
    await session.flush()
    actor = Actor.of(principal)
    _audit(
        session,
        actor,
        entity="leave",
        entity_id=leave.id,
        mediator_id=mediator.id,
        action="created",
        changes={
            "start_on": [None, data.start_on.isoformat()],
            "end_on": [None, data.end_on.isoformat()],
            "reason": [None, data.reason],
        },
    )
    report = None
    if data.end_on >= china_today():
        report = await assignment.reassign_from(
            session=session, mediator_id=mediator.id, actor=actor, settings=settings, leave=(data.start_on, data.end_on)
        )
    return leave, report


async def list_leaves(*, session: AsyncSession, mediator: Mediator) -> Sequence[MediatorLeave]:
    return (
        (
            await session.execute(
                select(MediatorLeave).where(MediatorLeave.mediator_id == mediator.id).order_by(MediatorLeave.start_on)
            )
        )
        .scalars()
        .all()
    )


async def delete_leave(*, session: AsyncSession, principal: Principal, mediator: Mediator, leave_id: str) -> None:
    """Cancel a leave period (proceedings already reassigned stay with their new mediator)."""
    await _check_manage_mediator(session, principal, mediator)
    leave = await session.get(MediatorLeave, leave_id)
    if leave is None or leave.mediator_id != mediator.id:
        raise NotFound(f"leave {leave_id} does not exist")
    _audit(
        session,
        Actor.of(principal),
        entity="leave",
        entity_id=leave.id,
        mediator_id=mediator.id,
        action="deleted",
        changes={"start_on": [leave.start_on.isoformat(), None], "end_on": [leave.end_on.isoformat(), None]},
    )
    await session.execute(delete(MediatorLeave).where(MediatorLeave.id == leave.id))


async def add_conflict(
    *,
    session: AsyncSession,
    principal: Principal,
    mediator: Mediator,
    data: ConflictCreate,
    settings: MediationSettings,
) -> tuple[MediatorConflict, ReassignReport | None]:
    """Declare a conflict of interest; that employer's open proceedings with this mediator are reassigned."""
    await _check_manage_mediator(session, principal, mediator)
    exists = (
        await session.execute(
            select(MediatorConflict.id).where(
                MediatorConflict.mediator_id == mediator.id, MediatorConflict.credit_code == data.credit_code
            )
        )
    ).first()
    if exists is not None:
        raise ValidationFailed.field("credit_code", "已申报过该用人单位的利益冲突")
    conflict = MediatorConflict(mediator_id=mediator.id, **_snapshot(data))
    session.add(conflict)
    await session.flush()
    actor = Actor.of(principal)
    _audit(
        session,
        actor,
        entity="conflict",
        entity_id=conflict.id,
        mediator_id=mediator.id,
        action="created",
        changes={k: [None, v] for k, v in _snapshot(data).items()},
    )
    report = await assignment.reassign_from(
        session=session, mediator_id=mediator.id, actor=actor, settings=settings, credit_code=data.credit_code
    )
    return conflict, report if report.reassigned or report.parked else None


async def list_conflicts(*, session: AsyncSession, mediator: Mediator) -> Sequence[MediatorConflict]:
    return (
        (
            await session.execute(
                select(MediatorConflict)
                .where(MediatorConflict.mediator_id == mediator.id)
                .order_by(MediatorConflict.created_at)
            )
        )
        .scalars()
        .all()
    )


async def delete_conflict(*, session: AsyncSession, principal: Principal, mediator: Mediator, conflict_id: str) -> None:
    """Withdraw a declared conflict (audited)."""
    await _check_manage_mediator(session, principal, mediator)
    conflict = await session.get(MediatorConflict, conflict_id)
    if conflict is None or conflict.mediator_id != mediator.id:
        raise NotFound(f"conflict {conflict_id} does not exist")
    _audit(
        session,
        Actor.of(principal),
        entity="conflict",
        entity_id=conflict.id,
        mediator_id=mediator.id,
        action="deleted",
        changes={"credit_code": [conflict.credit_code, None], "employer_name": [conflict.employer_name, None]},
    )
    await session.execute(delete(MediatorConflict).where(MediatorConflict.id == conflict.id))


async def audit_log(
    *,
    session: AsyncSession,
    principal: Principal,
    entity: str | None,
    entity_id: str | None,
    mediator_id: str | None,
    limit: int,
) -> Sequence[RegistryAudit]:
    """Registry changes, newest first (admins all; supervisors filter by an entity they can see)."""
    stmt = select(RegistryAudit).order_by(RegistryAudit.id.desc()).limit(limit)
    if entity:
        stmt = stmt.where(RegistryAudit.entity == entity)
    if entity_id:
        stmt = stmt.where(RegistryAudit.entity_id == entity_id)
    if mediator_id:
        stmt = stmt.where(RegistryAudit.mediator_id == mediator_id)
    rows = (await session.execute(stmt)).scalars().all()
    if principal.has_any_role("admin"):
        return rows
    # Supervisors: only entries about their centre's organisations and mediators.
    org_ids = set(
        (await session.execute(select(Organisation.id).where(Organisation.center_id == principal.center_id))).scalars()
    )
    med_ids = (
        set((await session.execute(select(Mediator.id).where(Mediator.organisation_id.in_(org_ids)))).scalars())
        if org_ids
        else set()
    )
    return [r for r in rows if (r.entity == "organisation" and r.entity_id in org_ids) or (r.mediator_id in med_ids)]
