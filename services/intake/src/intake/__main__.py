import asyncio
import json
from pathlib import Path

from onewindow_kit.cli import main
from onewindow_kit.db import Database

from intake.config import IntakeSettings
from intake.main import EVENT_ROUTES

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def seed(settings: IntakeSettings, _args: object) -> None:
    """Create the demo centre (once), announcing it like any other centre."""
    from onewindow_kit.events import EventRoutes

    from intake.centers.models import Center
    from intake.centers.schemas import CenterCreate
    from intake.centers.service import create_center

    async def run() -> None:
        db = Database(
            settings.database_url, info={"event_routes": EventRoutes(EVENT_ROUTES), "service": settings.service_name}
        )
        async with db.transaction() as session:
            if await session.get(Center, "futian") is None:
                await create_center(
                    session=session,
                    data=CenterCreate(
                        id="futian", name="福田区劳动纠纷一站式治理中心", short_name="福田", district="深圳市福田区"
                    ),
                )
        await db.dispose()

    asyncio.run(run())
    print(json.dumps({"seeded": "intake", "centers": ["futian"]}))


def backfill_phone_hashes(settings: IntakeSettings, _args: object) -> None:
    """Give parties registered before the portal their phone's keyed hash (idempotent)."""
    from onewindow_kit.crypto import FieldCipher

    from intake.portal.backfill import backfill_phone_hashes as backfill

    async def run() -> dict[str, int]:
        db = Database(settings.database_url)
        cipher = FieldCipher(settings.data_keys, settings.data_key_active, settings.lookup_key)
        try:
            result = await backfill(db=db, cipher=cipher)
        finally:
            await db.dispose()
        return {"scanned": result.scanned, "filled": result.filled, "skipped": result.skipped}

    print(json.dumps({"backfill": "phone_hash", **asyncio.run(run())}))


if __name__ == "__main__":
    main(
        name="intake",
        settings_factory=IntakeSettings,
        app_factory="intake.main:create_app",
        migrations_dir=MIGRATIONS,
        extra_commands={"seed": seed, "backfill-phone-hashes": backfill_phone_hashes},
    )
