"""SQL statements per ``intake.case.routed`` → assigned and per reassigned proceeding (issue 17),
counted on PostgreSQL, not timed.

    uv run python bench/mediation_roundtrips.py      # BENCH_ROUTED=30; PYTHONPATH=<other>/services/mediation/src for another checkout

Runs mediation in-process (ASGI, no network) on a fresh, migrated database with three mediators,
delivers BENCH_ROUTED routed events (the first, warm-up one not counted), then deactivates the
mediator holding the most proceedings and divides the statements of that request by the number of
proceedings it moved. Counts every statement sent (SQLAlchemy engine events) plus BEGIN and COMMIT
(SAVEPOINT and RELEASE are statements of their own). Prints a JSON line.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "services" / "mediation" / "tests"))
sys.path.insert(0, str(HERE))

N = int(os.environ.get("BENCH_ROUTED", "30"))


async def main() -> dict:
    import httpx
    import mediation
    from common import admin_url, count_statements
    from factories import build_registry, mediator_form, routed
    from mediation.config import MediationSettings
    from mediation.main import create_app
    from mediation.proceedings.models import Proceeding
    from onewindow_kit.auth import Signer, generate_private_key_pem
    from onewindow_kit.migrations import upgrade
    from onewindow_kit.testing import TestKeys, create_pg_database, drop_pg_database, unique_db_name
    from sqlalchemy import func, select

    logging.disable(logging.INFO)

    admin = admin_url()
    name = unique_db_name("bench_medrt")
    url = await create_pg_database(admin, name)
    try:
        await asyncio.to_thread(upgrade, HERE.parent / "services" / "mediation" / "migrations", url)
        keys = TestKeys(Signer(generate_private_key_pem()), Signer(generate_private_key_pem()))
        settings = MediationSettings(database_url=url, environment="test", relay_enabled=False, scheduler_enabled=False)
        app = create_app(settings, key_source=keys.source)
        async with app.router.lifespan_context(app):
            statements = count_statements(app.state.db.engine.sync_engine)
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://mediation") as client:
                forms = [
                    mediator_form("street", "张敏", "m1", capacity=200),
                    mediator_form("street", "陈刚", "m2", capacity=200),
                    mediator_form("district", "王磊", "m3", grade="senior", collective_qualified=True, capacity=200),
                ]
                reg = await build_registry(client, keys, mediators=forms)
                svc = keys.headers(roles=["service"], sub="svc-intake")
                per: list[int] = []
                last: list[str] = []
                for i in range(N):
                    statements.clear()
                    r = await client.post("/internal/events", json=routed(), headers=svc)
                    assert r.status_code == 200, r.text
                    if i:
                        per.append(len(statements))
                        last = list(statements)
                async with app.state.db.transaction(read_only=True) as session:
                    held = (
                        await session.execute(
                            select(Proceeding.mediator_id, func.count())
                            .where(Proceeding.mediator_id.is_not(None))
                            .group_by(Proceeding.mediator_id)
                            .order_by(func.count().desc())
                        )
                    ).first()
                assert held is not None
                holder = held[0]
                statements.clear()
                r = await client.patch(f"/mediators/{holder}", headers=reg.supervisor, json={"active": False})
                assert r.status_code == 200, r.text
                moved = len(r.json()["reassignment"]["reassigned"])
                reassign = list(statements)
        return {
            "mediation": str(Path(mediation.__file__).parent),
            "routed_counted": len(per),
            "statements_per_routed": max(per),
            "min": min(per),
            "routed_by_kind": dict(Counter(s.split(" ")[0] for s in last)),
            "routed_statements": last,
            "reassigned": moved,
            "reassign_statements": len(reassign),
            "statements_per_reassigned": round(len(reassign) / max(moved, 1), 2),
            "reassign_by_kind": dict(Counter(s.split(" ")[0] for s in reassign)),
            "reassign_statements_list": reassign if os.environ.get("BENCH_SHOW") else None,
        }
    finally:
        await drop_pg_database(admin, name)


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main()), ensure_ascii=False, indent=1), flush=True)
