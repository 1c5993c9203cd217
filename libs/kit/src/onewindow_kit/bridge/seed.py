"""``python -m <bridge> seed --partners PATH``: register the bridge's partners from a JSON file,
idempotently (the demo's simulators, or a deployment's courts and commissions). The file format and
the rules are the kit's (``onewindow_kit.partners.seed``)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from onewindow_kit.bridge.settings import BridgeSettings
from onewindow_kit.crypto import FieldCipher
from onewindow_kit.partners.seed import SeedPartner, load_seed_file, seed_partners


async def seed_bridge_partners(settings: BridgeSettings, kind: str, entries: list[SeedPartner]) -> list[dict[str, Any]]:
    """Create or update each partner of ``kind`` in the bridge's registry."""
    cipher = FieldCipher(settings.data_keys, settings.data_key_active, settings.lookup_key)
    return await seed_partners(
        database_url=settings.database_url, kind=kind, webhooks=settings.webhooks, cipher=cipher, entries=entries
    )


def seed_cli(*, kind: str, what: str) -> tuple[Callable[[Any, Any], None], Callable[[Any], None]]:
    """The ``seed`` command and its arguments for ``onewindow_kit.cli.main`` (``what``: "courts")."""

    def seed_command(settings: Any, args: Any) -> None:
        for result in asyncio.run(seed_bridge_partners(settings, kind, load_seed_file(args.partners))):
            print(json.dumps(result, ensure_ascii=False))

    def seed_arguments(parser: Any) -> None:
        parser.add_argument("--partners", required=True, help=f'JSON file: a list of {what} (or {{"partners": [...]}})')

    return seed_command, seed_arguments
