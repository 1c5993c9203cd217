"""``python -m arbitration_bridge seed --partners PATH``: register commissions from a JSON file,
idempotently (the demo's simulator commission, or a deployment's commissions). The file format and
the rules are the kit's (``onewindow_kit.partners.seed``)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from onewindow_kit.crypto import FieldCipher
from onewindow_kit.partners.seed import SeedPartner, load_seed_file, seed_partners

from arbitration_bridge.config import ArbitrationBridgeSettings


async def seed_commissions(settings: ArbitrationBridgeSettings, entries: list[SeedPartner]) -> list[dict[str, Any]]:
    cipher = FieldCipher(settings.data_keys, settings.data_key_active, settings.lookup_key)
    return await seed_partners(
        database_url=settings.database_url,
        kind="arbitration",
        webhooks=settings.webhooks,
        cipher=cipher,
        entries=entries,
    )


def seed_command(settings: ArbitrationBridgeSettings, args: Any) -> None:
    for result in asyncio.run(seed_commissions(settings, load_seed_file(args.partners))):
        print(json.dumps(result, ensure_ascii=False))


def seed_arguments(parser: Any) -> None:
    parser.add_argument("--partners", required=True, help='JSON file: a list of commissions (or {"partners": [...]})')
