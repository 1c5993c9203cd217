"""``python -m court_bridge seed --partners PATH``: register courts from a JSON file, idempotently
(the demo's simulator court, or a deployment's courts). The file format and the rules are the
kit's (``onewindow_kit.partners.seed``)."""

from __future__ import annotations

from typing import Any

from onewindow_kit.bridge.seed import seed_bridge_partners, seed_cli
from onewindow_kit.partners.seed import SeedPartner

from court_bridge.config import CourtBridgeSettings


async def seed_partners(settings: CourtBridgeSettings, entries: list[SeedPartner]) -> list[dict[str, Any]]:
    return await seed_bridge_partners(settings, "court", entries)


seed_command, seed_arguments = seed_cli(kind="court", what="courts")

__all__ = ["SeedPartner", "seed_arguments", "seed_command", "seed_partners"]
