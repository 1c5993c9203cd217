"""``python -m arbitration_bridge seed --partners PATH``: register commissions from a JSON file,
idempotently (the demo's simulator commission, or a deployment's commissions). The file format and
the rules are the kit's (``onewindow_kit.partners.seed``)."""

from __future__ import annotations

from typing import Any

from onewindow_kit.bridge.seed import seed_bridge_partners, seed_cli
from onewindow_kit.partners.seed import SeedPartner

from arbitration_bridge.config import ArbitrationBridgeSettings


async def seed_commissions(settings: ArbitrationBridgeSettings, entries: list[SeedPartner]) -> list[dict[str, Any]]:
    return await seed_bridge_partners(settings, "arbitration", entries)


seed_command, seed_arguments = seed_cli(kind="arbitration", what="commissions")
