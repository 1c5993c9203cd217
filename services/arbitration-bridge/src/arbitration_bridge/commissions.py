"""Which commission a window case's transfer or review goes to: the one the clerk names, else the
one registered for the case's centre, else the configured default."""

from __future__ import annotations

from onewindow_kit.errors import Conflict, ValidationFailed
from onewindow_kit.partners.models import Partner
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession


class CommissionUnresolved(Conflict):
    """No arbitration commission, or several, serve the case's centre and none was named."""

    title, slug = "Arbitration commission unresolved", "commission-unresolved"


async def choose_commission(
    *, session: AsyncSession, center_id: str, partner_id: str | None, default_partner_id: str | None
) -> Partner:
    """The active arbitration commission for a case of ``center_id`` (422 for an unknown name, 409 when none fits)."""
    if partner_id:
        partner = await session.get(Partner, partner_id)
        if partner is None or partner.kind != "arbitration" or not partner.active:
            raise ValidationFailed.field("partner_id", "仲裁院未登记或已停用")
        return partner
    rows = (
        (
            await session.execute(
                select(Partner)
                .where(Partner.kind == "arbitration", Partner.active.is_(True), Partner.center_id == center_id)
                .order_by(Partner.id)
            )
        )
        .scalars()
        .all()
    )
    if len(rows) == 1:
        return rows[0]
    if default_partner_id:
        partner = await session.get(Partner, default_partner_id)
        if partner is not None and partner.kind == "arbitration" and partner.active:
            return partner
    if rows:
        raise CommissionUnresolved(
            f"several arbitration commissions serve centre {center_id}; name one with partner_id",
            extra={"partner_ids": [p.id for p in rows]},
        )
    raise CommissionUnresolved(
        f"no arbitration commission is registered for centre {center_id}",
        extra={"detail_zh": "本中心尚未登记对接的仲裁院，请管理员先登记"},
    )
