"""``python -m gateway migrate | serve | seed --accounts PATH | rotate-key``."""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path

from onewindow_kit.cli import main as cli_main
from onewindow_kit.db import Database
from onewindow_kit.errors import validation_errors
from pydantic import ValidationError

from gateway.config import GatewaySettings
from gateway.identity.schemas import AccountsFile
from gateway.identity.service import configure_hashing, ensure_accounts
from gateway.keys.service import rotate

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


def _seed(settings: GatewaySettings, args: argparse.Namespace) -> None:
    accounts = json.loads(Path(args.accounts).read_text(encoding="utf-8"))
    try:
        AccountsFile.model_validate(accounts)
    except ValidationError as exc:
        lines = [f"  {e['field']}: {e['message']}" for e in validation_errors(exc.errors())]
        raise SystemExit(f"{args.accounts} is not a valid accounts file:\n" + "\n".join(lines)) from None
    configure_hashing(
        time_cost=settings.argon2_time_cost,
        memory_kib=settings.argon2_memory_kib,
        parallelism=settings.argon2_parallelism,
        threads=settings.hashing_threads,
    )

    async def run() -> None:
        db = Database(settings.database_url)
        try:
            async with db.transaction() as session:
                await ensure_accounts(session, accounts)
        finally:
            await db.dispose()

    asyncio.run(run())
    print(f"seeded {len(accounts.get('users', []))} users and {len(accounts.get('clients', []))} clients")


def _rotate_key(settings: GatewaySettings, _args: argparse.Namespace) -> None:
    key = rotate(
        settings.keys_dir,
        retire_after_seconds=settings.access_token_ttl_seconds + settings.key_retire_margin_seconds,
    )
    print(f"active signing key: {key.kid}")


def _seed_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--accounts", required=True, help="JSON file {users: [...], clients: [...]}")


def main(argv: list[str] | None = None) -> None:
    cli_main(
        name="gateway",
        settings_factory=GatewaySettings,
        app_factory="gateway.main:create_app",
        migrations_dir=MIGRATIONS_DIR,
        argv=argv,
        extra_commands={"seed": _seed, "rotate-key": _rotate_key},
        extra_arguments={"seed": _seed_arguments},
    )


if __name__ == "__main__":
    main()
