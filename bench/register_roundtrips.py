"""SQL round trips per registration on PostgreSQL (issue 17: ≤ 8), counted, not timed.

    uv run python bench/register_roundtrips.py [checkout]       # BENCH_REGISTRATIONS=20
    BENCH_CPU_REGISTRATIONS=300 uv run python bench/register_roundtrips.py [checkout]   # and CPU ms each

Runs intake in-process (ASGI, no network) on a fresh, migrated PostgreSQL database, registers a
one-worker case BENCH_REGISTRATIONS times (the first, warm-up one is not counted) and counts, with
SQLAlchemy's engine events, every statement sent plus the BEGIN and COMMIT each transaction costs
on asyncpg, and the pool's liveness pings (three round trips each; decision 0029). Prints a JSON line: round trips per registration and the statements of the last one.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "services" / "intake" / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

N = int(os.environ.get("BENCH_REGISTRATIONS", "20"))
CPU_N = int(os.environ.get("BENCH_CPU_REGISTRATIONS", "0"))  # 0: round trips only


async def _cpu_per_registration(client, headers: dict, case_form) -> dict:  # type: ignore[no-untyped-def]
    """This process's CPU time per registration over BENCH_CPU_REGISTRATIONS registrations, one at a
    time, against rotating employers and workers (bench/stack_load.forms); the in-process ASGI
    client's share is included, the relay's and SMS worker's are not (both off). Also the time the
    cyclic garbage collector took, by generation."""
    import gc
    import time

    from stack_load import forms

    bodies = forms(case_form, CPU_N)
    gc_ms = {0: 0.0, 1: 0.0, 2: 0.0}
    started: list[float] = []

    def on_gc(phase: str, info: dict) -> None:
        if phase == "start":
            started.append(time.process_time())
        elif started:
            gc_ms[info["generation"]] += 1000 * (time.process_time() - started.pop())

    gc.callbacks.append(on_gc)
    try:
        t0 = time.process_time()
        for body in bodies:
            response = await client.post("/cases", json=body, headers=headers)
            assert response.status_code == 201, response.text
        elapsed = time.process_time() - t0
    finally:
        gc.callbacks.remove(on_gc)
    return {
        "registrations": CPU_N,
        "cpu_ms_per_registration": round(1000 * elapsed / CPU_N, 2),
        "gc_ms_per_registration_by_generation": {g: round(v / CPU_N, 3) for g, v in gc_ms.items()},
    }


async def main() -> dict:
    import httpx
    from common import admin_url, count_statements
    from factories import case_form
    from intake.config import IntakeSettings
    from intake.main import create_app
    from onewindow_kit.auth import Signer, generate_private_key_pem
    from onewindow_kit.crypto import new_key
    from onewindow_kit.migrations import upgrade
    from onewindow_kit.testing import TestKeys, create_pg_database, drop_pg_database, unique_db_name

    admin = admin_url()
    name = unique_db_name("bench_rt")
    url = await create_pg_database(admin, name)
    try:
        await asyncio.to_thread(upgrade, ROOT / "services" / "intake" / "migrations", url)
        keys = TestKeys(Signer(generate_private_key_pem()), Signer(generate_private_key_pem()))
        settings = IntakeSettings(
            database_url=url,
            environment="test",
            relay_enabled=False,
            sms_worker_enabled=False,  # its polling statements would be counted as the registration's
            data_keys={"k1": new_key()},
            lookup_key=new_key(),
        )
        app = create_app(settings, key_source=keys.source)
        async with app.router.lifespan_context(app):
            statements = count_statements(app.state.db.engine.sync_engine)

            # A pool ping is three more (asyncpg: BEGIN, ';', ROLLBACK) and no cursor event shows
            # it: before decision 0029 every checkout paid it, unseen by this count.
            from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_connection

            real_ping = AsyncAdapt_asyncpg_connection.ping

            def _ping(self):  # type: ignore[no-untyped-def]
                statements.extend(["PING-BEGIN", "PING-;", "PING-ROLLBACK"])
                return real_ping(self)

            AsyncAdapt_asyncpg_connection.ping = _ping  # type: ignore[method-assign]

            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://intake") as client:
                admin_h = keys.headers(roles=["admin"])
                center = {"id": "futian", "name": "福田中心", "short_name": "福田", "district": "深圳市福田区"}
                assert (await client.post("/centers", json=center, headers=admin_h)).status_code == 201
                clerk = keys.headers(roles=["clerk"], center_id="futian")
                body = case_form()
                per: list[int] = []
                last: list[str] = []
                for i in range(N):
                    statements.clear()
                    response = await client.post("/cases", json=body, headers=clerk)
                    assert response.status_code == 201, response.text
                    if i:
                        per.append(len(statements))
                        last = list(statements)
                cpu = await _cpu_per_registration(client, clerk, case_form) if CPU_N else None
        kinds = Counter(s.split(" ")[0] for s in last)
        return {
            "registrations_counted": len(per),
            "round_trips_per_registration": max(per),
            "min": min(per),
            "by_kind": dict(kinds),
            "statements": last,
            "in_process_cpu": cpu,
        }
    finally:
        await drop_pg_database(admin, name)


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main()), ensure_ascii=False), flush=True)
