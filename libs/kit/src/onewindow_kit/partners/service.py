"""Partner registry service functions: keyword-only, ``flush()`` only (the caller commits)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from onewindow_kit.crypto import FieldCipher
from onewindow_kit.db import utcnow
from onewindow_kit.errors import AlreadyExists, NotFound
from onewindow_kit.partners.models import Partner, PartnerSecret
from onewindow_kit.webhooks.signing import new_secret, secret_key

SECRET_CONTEXT = "webhook_secret"
PLAIN = "plain:"  # the prefix of a secret stored without a data key (kit tests, never a bridge)


def seal(secret: str, cipher: FieldCipher | None) -> str:
    return cipher.encrypt(secret, context=SECRET_CONTEXT) if cipher else PLAIN + secret


def unseal(stored: str, cipher: FieldCipher | None) -> str:
    if stored.startswith(PLAIN):
        return stored[len(PLAIN) :]
    if cipher is None:
        raise RuntimeError("this secret is encrypted and no data key is configured")
    return cipher.decrypt(stored, context=SECRET_CONTEXT)


async def get_partner(*, session: AsyncSession, partner_id: str, kind: str | None = None) -> Partner:
    """The partner, or 404 (also when it is of another kind)."""
    partner = await session.get(Partner, partner_id)
    if partner is None or (kind is not None and partner.kind != kind):
        raise NotFound(f"partner {partner_id} does not exist")
    return partner


async def list_partners(*, session: AsyncSession, kind: str) -> Sequence[Partner]:
    """Every partner of ``kind``, by id."""
    return (await session.execute(select(Partner).where(Partner.kind == kind).order_by(Partner.id))).scalars().all()


async def create_partner(
    *,
    session: AsyncSession,
    partner_id: str,
    kind: str,
    name: str,
    center_id: str | None,
    webhook_url: str | None,
    client_id: str | None,
    cipher: FieldCipher | None,
    secret: str | None = None,
) -> tuple[Partner, str]:
    """Register a partner with a first ``whsec_`` secret: ``(partner, secret)`` (the secret is shown once)."""
    if await session.get(Partner, partner_id) is not None:
        raise AlreadyExists(f"partner {partner_id} already exists", extra={"partner_id": partner_id})
    partner = Partner(
        id=partner_id, kind=kind, name=name, center_id=center_id, webhook_url=webhook_url, client_id=client_id
    )
    session.add(partner)
    await session.flush()
    if secret is None:
        secret = new_secret()
    else:
        secret_key(secret)  # a whsec_ secret or ValueError
    session.add(PartnerSecret(partner_id=partner_id, secret_enc=seal(secret, cipher)))
    await session.flush()
    return partner, secret


async def update_partner(*, session: AsyncSession, partner: Partner, changes: dict[str, object]) -> Partner:
    """Change the name, centre or webhook URL (the URL is checked by the caller)."""
    for key, value in changes.items():
        setattr(partner, key, value)
    partner.updated_at = utcnow()
    await session.flush()
    return partner


async def set_active(*, session: AsyncSession, partner: Partner, active: bool) -> Partner:
    """Disable (no API access, deliveries held) or re-enable a partner."""
    partner.active = active
    partner.updated_at = utcnow()
    await session.flush()
    return partner


async def secret_rows(*, session: AsyncSession, partner_id: str, at: datetime | None = None) -> Sequence[PartnerSecret]:
    """The secrets valid at ``at`` (now), newest first."""
    at = at or utcnow()
    return (
        (
            await session.execute(
                select(PartnerSecret)
                .where(
                    PartnerSecret.partner_id == partner_id,
                    or_(PartnerSecret.expires_at.is_(None), PartnerSecret.expires_at > at),
                )
                .order_by(PartnerSecret.id.desc())
            )
        )
        .scalars()
        .all()
    )


async def valid_secrets(
    *, session: AsyncSession, partner_id: str, cipher: FieldCipher | None, at: datetime | None = None
) -> list[str]:
    """The plaintext secrets to sign with now: the newest, and the previous one during a rotation."""
    return [unseal(row.secret_enc, cipher) for row in await secret_rows(session=session, partner_id=partner_id, at=at)]


async def rotate_secret(
    *,
    session: AsyncSession,
    partner: Partner,
    cipher: FieldCipher | None,
    overlap: timedelta,
    secret: str | None = None,
) -> tuple[str, PartnerSecret]:
    """A new secret (``secret``, or a fresh one) signs from now on; the previous one keeps signing
    alongside it for ``overlap`` (so the partner can switch without losing a message); any older
    one stops at once."""
    now = utcnow()
    current = await secret_rows(session=session, partner_id=partner.id, at=now)
    end = now + overlap
    for index, row in enumerate(current):
        keep_until = end if index == 0 and overlap > timedelta(0) else now
        if row.expires_at is None or row.expires_at > keep_until:
            await session.execute(update(PartnerSecret).where(PartnerSecret.id == row.id).values(expires_at=keep_until))
    if secret is None:
        secret = new_secret()
    else:
        secret_key(secret)  # a whsec_ secret or ValueError
    row = PartnerSecret(partner_id=partner.id, secret_enc=seal(secret, cipher), created_at=now)
    session.add(row)
    partner.updated_at = now
    await session.flush()
    return secret, row
