"""``python -m court_bridge seed --partners PATH``: register courts from a JSON file, idempotently.

The file is a list of ``{"partner_id", "name", "center_id"?, "webhook_url"?, "webhook_secret"?}``
(the demo's simulator court, or a deployment's courts). A court that exists is updated; a given
``webhook_secret`` that is not already valid becomes its only secret. A court without one gets a
fresh secret, printed once. The URL is checked by the outbound guard of the settings.
"""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from onewindow_kit.crypto import FieldCipher
from onewindow_kit.db import Database
from onewindow_kit.partners import service
from onewindow_kit.partners.models import Partner
from onewindow_kit.webhooks.guard import AddressGuard
from pydantic import BaseModel, ConfigDict, Field

from court_bridge.config import CourtBridgeSettings


class SeedPartner(BaseModel):
    model_config = ConfigDict(extra="forbid")

    partner_id: str = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    name: str = Field(min_length=1, max_length=200)
    center_id: str | None = None
    webhook_url: str | None = None
    webhook_secret: str | None = None


async def seed_partners(settings: CourtBridgeSettings, entries: list[SeedPartner]) -> list[dict[str, Any]]:
    hooks = settings.webhooks
    guard = AddressGuard(
        require_https=hooks.require_https, allowed_hosts=hooks.allowed_hosts, allowed_networks=hooks.allowed_networks
    )
    cipher = FieldCipher(settings.data_keys, settings.data_key_active, settings.lookup_key)
    db = Database(settings.database_url)
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
                        kind="court",
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


def seed_command(settings: CourtBridgeSettings, args: Any) -> None:
    data = json.loads(Path(args.partners).read_text(encoding="utf-8"))
    entries = [SeedPartner.model_validate(item) for item in (data["partners"] if isinstance(data, dict) else data)]
    for result in asyncio.run(seed_partners(settings, entries)):
        print(json.dumps(result, ensure_ascii=False))


def seed_arguments(parser: Any) -> None:
    parser.add_argument("--partners", required=True, help='JSON file: a list of courts (or {"partners": [...]})')
