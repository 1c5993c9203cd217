"""Registering partners from a file, idempotently (a bridge's ``seed --partners FILE`` command).

The file is a list of ``{"partner_id", "name", "center_id"?, "webhook_url"?, "webhook_secret"?}``
(or ``{"partners": [...]}``). A partner that exists is updated and re-enabled; a given
``webhook_secret`` that is not already valid becomes its only secret. A partner without one gets a
fresh secret, returned once. URLs are checked by the outbound guard of the bridge's settings.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from onewindow_kit.crypto import FieldCipher
from onewindow_kit.db import Database
from onewindow_kit.partners import service
from onewindow_kit.partners.models import Partner
from onewindow_kit.webhooks.guard import AddressGuard
from onewindow_kit.webhooks.settings import WebhookSettings


class SeedPartner(BaseModel):
    model_config = ConfigDict(extra="forbid")

    partner_id: str = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    name: str = Field(min_length=1, max_length=200)
    center_id: str | None = None
    webhook_url: str | None = None
    webhook_secret: str | None = None


def load_seed_file(path: str | Path) -> list[SeedPartner]:
    """The entries of a seed file (a list, or ``{"partners": [...]}``)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return [SeedPartner.model_validate(item) for item in (data["partners"] if isinstance(data, dict) else data)]


async def seed_partners(
    *,
    database_url: str,
    kind: str,
    webhooks: WebhookSettings,
    cipher: FieldCipher | None,
    entries: list[SeedPartner],
    guard: AddressGuard | None = None,
) -> list[dict[str, Any]]:
    """Create or update each partner of ``kind``: ``[{"partner_id", "action", "webhook_secret"}]``
    (the secret only when one was generated)."""
    guard = guard or AddressGuard(
        require_https=webhooks.require_https,
        allowed_hosts=webhooks.allowed_hosts,
        allowed_networks=webhooks.allowed_networks,
    )
    db = Database(database_url)
    out = []
    try:
        for entry in entries:
            if entry.webhook_url:
                await guard.check_url(entry.webhook_url)
            async with db.transaction() as session:
                partner = await session.get(Partner, entry.partner_id)
                shown = None
                if partner is None:
                    partner, secret = await service.create_partner(
                        session=session,
                        partner_id=entry.partner_id,
                        kind=kind,
                        name=entry.name,
                        center_id=entry.center_id,
                        webhook_url=entry.webhook_url,
                        client_id=None,
                        cipher=cipher,
                        secret=entry.webhook_secret,
                    )
                    shown = None if entry.webhook_secret else secret
                    action = "created"
                else:
                    if partner.kind != kind:
                        raise ValueError(f"partner {entry.partner_id} exists and is a {partner.kind}, not a {kind}")
                    await service.update_partner(
                        session=session,
                        partner=partner,
                        changes={
                            "name": entry.name,
                            "center_id": entry.center_id,
                            "webhook_url": entry.webhook_url,
                            "active": True,
                        },
                    )
                    valid = await service.valid_secrets(session=session, partner_id=partner.id, cipher=cipher)
                    if entry.webhook_secret and entry.webhook_secret not in valid:
                        await service.rotate_secret(
                            session=session,
                            partner=partner,
                            cipher=cipher,
                            overlap=timedelta(0),
                            secret=entry.webhook_secret,
                        )
                    action = "updated"
            out.append({"partner_id": entry.partner_id, "action": action, "webhook_secret": shown})
    finally:
        await db.dispose()
    return out
