"""Mediation assignment at scale (issue 4), in-process against a throw-away PostgreSQL database.

    uv run python bench/mediation_assign_bench.py          # TEST_DATABASE_URL names the server (default local)
    BENCH_MEDIATORS=5000 BENCH_PROCEEDINGS=100000 BENCH_CENTERS=37 uv run python bench/mediation_assign_bench.py

Data: BENCH_MEDIATORS mediators over BENCH_CENTERS centres (three organisations each), BENCH_PROCEEDINGS
open proceedings spread over them (load and 30-day fairness history to match), declared conflicts and leave.
Measures:
1. one assignment decision (snapshot load + pure decision + capacity claim), rolled back: p50/p95;
   also in one centre holding BENCH_BIG_CENTER mediators, the worst case of a single huge centre;
2. deactivating a mediator who holds 200 open proceedings: all reassigned (one transaction);
3. ``intake.case.routed`` delivered to ``/internal/events`` at BENCH_RATE a second (open loop) until a
   mediator is assigned and committed: p50/p95 (in-process ASGI; the relay hop between processes is
   not included — it is the kit's, measured by the gateway/intake benches).
Prints the figures and writes ``bench/results/mediation-assign-<time>.json``.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from mediation.assignment import service as assignment
from mediation.assignment.models import AssignmentRecord
from mediation.config import MediationSettings
from mediation.main import create_app
from mediation.proceedings.models import Proceeding, ProceedingRespondent
from mediation.proceedings.service import SYSTEM, Actor
from mediation.registry.models import Mediator, MediatorConflict, MediatorLeave, Organisation
from onewindow_domain.calendar import china_today
from onewindow_domain.identifiers import make_credit_code
from onewindow_kit.auth import Signer, StaticKeySource, generate_private_key_pem
from onewindow_kit.migrations import upgrade
from onewindow_kit.testing import AUDIENCE, ISSUER, create_pg_database, drop_pg_database, postgres_url, unique_db_name
from sqlalchemy import insert, select, update

ROOT = Path(__file__).resolve().parents[1]
MIGRATIONS = ROOT / "services" / "mediation" / "migrations"
MEDIATORS = int(os.environ.get("BENCH_MEDIATORS", "5000"))
PROCEEDINGS = int(os.environ.get("BENCH_PROCEEDINGS", "100000"))
CENTERS = int(os.environ.get("BENCH_CENTERS", "37"))
BIG_CENTER = int(os.environ.get("BENCH_BIG_CENTER", "1000"))
DECISIONS = int(os.environ.get("BENCH_DECISIONS", "300"))
RATE = int(os.environ.get("BENCH_RATE", "50"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
CATEGORIES = ["wage_arrears", "overtime", "severance", "unlawful_termination", "work_injury", "social_insurance"]
INDUSTRIES = ["制造业", "建筑业", "餐饮业", "零售业", "物流", "信息技术"]
STREETS = [f"街道{i}" for i in range(10)]


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def populate(db_url: str) -> dict[str, list[str]]:
    """Bulk rows with Core inserts; returns mediator ids per centre."""
    settings = MediationSettings(database_url=db_url, environment="test", relay_enabled=False, scheduler_enabled=False)
    app = create_app(settings)
    rng = random.Random(4)
    by_center: dict[str, list[str]] = {}
    async with app.router.lifespan_context(app):
        db = app.state.db
        centers = [f"c{i:02d}" for i in range(CENTERS)] + ["big"]
        sizes = dict.fromkeys(centers[:-1], (MEDIATORS - BIG_CENTER) // CENTERS) | {"big": BIG_CENTER}
        orgs, mediators, conflicts, leaves = [], [], [], []
        for c in centers:
            for level in ("district", "street", "industry"):
                orgs.append(
                    {
                        "id": f"{c}-{level}",
                        "center_id": c,
                        "name": f"{c} {level} 调解组织",
                        "level": level,
                        "streets": [] if level == "district" else rng.sample(STREETS, 4),
                        "court_roster": level == "district",
                        "roster_courts": [],
                        "active": True,
                        "version": 1,
                    }
                )
            for i in range(sizes[c]):
                mid = f"{c}-m{i:04d}"
                by_center.setdefault(c, []).append(mid)
                mediators.append(
                    {
                        "id": mid,
                        "organisation_id": f"{c}-{rng.choice(['district', 'street', 'industry'])}",
                        "name": f"调解员{mid}",
                        "registration_status": "registered",
                        "registration_no": mid,
                        "grade": rng.choice(["intermediate", "senior"]),
                        "specialities": rng.sample(CATEGORIES, 3),
                        "industries": rng.sample(INDUSTRIES, 2),
                        "collective_qualified": rng.random() < 0.3,
                        "languages": ["普通话"] + (["粤语"] if rng.random() < 0.4 else []),
                        "streets": [],
                        "capacity": 60,
                        "open_count": 0,
                        "is_lawyer": False,
                        "active": True,
                        "version": 1,
                    }
                )
                if rng.random() < 0.1:
                    conflicts.append(
                        {
                            "id": uuid.uuid4().hex,
                            "mediator_id": mid,
                            "credit_code": make_credit_code(seq=rng.randint(0, 999)),
                            "employer_name": "某公司",
                            "relation": "worked_for",
                        }
                    )
                if rng.random() < 0.05:
                    start = china_today() + timedelta(days=rng.randint(-5, 20))
                    leaves.append(
                        {
                            "id": uuid.uuid4().hex,
                            "mediator_id": mid,
                            "start_on": start,
                            "end_on": start + timedelta(days=5),
                        }
                    )
        async with db.transaction() as s:
            await s.execute(insert(Organisation), orgs)
            await s.execute(insert(Mediator), mediators)
            if conflicts:
                await s.execute(insert(MediatorConflict), conflicts)
            if leaves:
                await s.execute(insert(MediatorLeave), leaves)
        everyone = [m["id"] for m in mediators]
        center_of = {m: m.split("-m")[0] for m in everyone}
        today = china_today()
        loads: dict[str, int] = {}
        for start in range(0, PROCEEDINGS, 5000):
            rows, respondents, records = [], [], []
            for _ in range(min(5000, PROCEEDINGS - start)):
                mid = rng.choice(everyone)
                if loads.get(mid, 0) >= 55:
                    continue
                loads[mid] = loads.get(mid, 0) + 1
                pid = uuid.uuid4().hex
                code = make_credit_code(seq=rng.randint(0, 999))
                rows.append(
                    {
                        "id": pid,
                        "case_id": pid,
                        "case_no": pid[:12],
                        "center_id": center_of[mid],
                        "source": "window",
                        "claims": [{"category": rng.choice(CATEGORIES), "amount": "10000"}],
                        "respondents": [{"name": "某公司", "credit_code": code, "industry": rng.choice(INDUSTRIES)}],
                        "languages": [],
                        "received_on": today,
                        "clock_rule": "mediation_15d",
                        "deadline_on": today + timedelta(days=rng.randint(1, 15)),
                        "deadline_basis_zh": "bench",
                        "unconfirmed_years": [],
                        "panel": [],
                        "status": "assigned",
                        "mediator_id": mid,
                        "complexity": rng.choice(["simple", "standard", "complex"]),
                        "assigned_at": datetime.now(UTC),
                    }
                )
                respondents.append({"proceeding_id": pid, "credit_code": code, "name": "某公司"})
                records.append(
                    {
                        "proceeding_id": pid,
                        "center_id": center_of[mid],
                        "kind": "auto",
                        "mediator_id": mid,
                        "complexity": rows[-1]["complexity"],
                        "weights_version": "bench",
                        "explanation": {},
                        "decided_by": "bench",
                        "decided_at": datetime.now(UTC) - timedelta(days=rng.randint(0, 29)),
                    }
                )
            async with db.transaction() as s:
                await s.execute(insert(Proceeding), rows)
                await s.execute(insert(ProceedingRespondent), respondents)
                await s.execute(insert(AssignmentRecord), records)
        async with db.transaction() as s:
            for mid, n in loads.items():
                await s.execute(update(Mediator).where(Mediator.id == mid).values(open_count=n))
    return by_center


def new_proceeding(center: str, rng: random.Random) -> Proceeding:
    pid = uuid.uuid4().hex
    return Proceeding(
        id=pid,
        case_id=pid,
        case_no=pid[:12],
        center_id=center,
        street=rng.choice([*STREETS, None]),
        source="window",
        claims=[{"category": c, "amount": "10000"} for c in rng.sample(CATEGORIES, 2)],
        respondents=[
            {
                "name": "某公司",
                "credit_code": make_credit_code(seq=rng.randint(0, 999)),
                "industry": rng.choice(INDUSTRIES),
            }
        ],
        languages=rng.choice([[], ["粤语"]]),
        received_on=china_today(),
        clock_rule="mediation_15d",
        deadline_on=china_today() + timedelta(days=15),
        deadline_basis_zh="bench",
        complexity="standard",
    )


async def decisions(db_url: str, centers: list[str]) -> dict[str, float]:
    settings = MediationSettings(database_url=db_url, environment="test", relay_enabled=False, scheduler_enabled=False)
    app = create_app(settings)
    rng = random.Random(7)
    timings = []
    async with app.router.lifespan_context(app):
        for _ in range(DECISIONS):
            # A bare session, rolled back on purpose: each decision is measured on the same data.
            async with app.state.db.sessionmaker() as s:
                p = new_proceeding(rng.choice(centers), rng)
                s.add(p)
                await s.flush()
                t0 = time.perf_counter()
                await assignment.assign(session=s, proceeding=p, actor=SYSTEM, settings=settings)
                timings.append((time.perf_counter() - t0) * 1000)
                await s.rollback()
    return {"decisions": len(timings), "p50_ms": round(pct(timings, 50), 2), "p95_ms": round(pct(timings, 95), 2)}


async def reassignment(db_url: str, center: str, holder: str) -> dict[str, float]:
    settings = MediationSettings(database_url=db_url, environment="test", relay_enabled=False, scheduler_enabled=False)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        async with app.state.db.transaction() as s:
            ids = (
                (
                    await s.execute(
                        select(Proceeding.id)
                        .where(Proceeding.center_id == center, Proceeding.mediator_id != holder)
                        .limit(200)
                    )
                )
                .scalars()
                .all()
            )
            await s.execute(update(Proceeding).where(Proceeding.id.in_(ids)).values(mediator_id=holder))
            await s.execute(update(Mediator).where(Mediator.id == holder).values(open_count=200, capacity=250))
        async with app.state.db.transaction() as s:
            await s.execute(update(Mediator).where(Mediator.id == holder).values(active=False))
            t0 = time.perf_counter()
            report = await assignment.reassign_from(
                session=s, mediator_id=holder, actor=Actor("bench", "bench"), settings=settings
            )
        elapsed = time.perf_counter() - t0  # the commit included
    return {
        "proceedings": len(report.reassigned) + len(report.parked),
        "reassigned": len(report.reassigned),
        "parked": len(report.parked),
        "seconds": round(elapsed, 3),
    }


async def routed_to_assigned(db_url: str, centers: list[str]) -> dict[str, float]:
    signer = Signer(generate_private_key_pem())
    settings = MediationSettings(database_url=db_url, environment="test", relay_enabled=False, scheduler_enabled=False)
    app = create_app(settings, key_source=StaticKeySource({"keys": [signer.jwk]}))
    now = int(time.time())
    token = signer.sign(
        {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": "svc-intake",
            "iat": now,
            "exp": now + 3600,
            "jti": "b",
            "roles": ["service"],
            "kind": "service",
        }
    )
    rng = random.Random(9)
    latencies: list[float] = []
    errors = 0
    gate = asyncio.Semaphore(16)  # like a relay: a bounded number of deliveries in flight; queueing counts in latency
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://bench",
            headers={"Authorization": f"Bearer {token}"},
        ) as client,
    ):

        async def one() -> None:
            nonlocal errors
            case_id = uuid.uuid4().hex
            event = {
                "id": str(uuid.uuid4()),
                "type": "intake.case.routed",
                "occurred_at": datetime.now(UTC).isoformat(),
                "source": "intake",
                "case_id": case_id,
                "data": {
                    "case_id": case_id,
                    "case_no": case_id[:12],
                    "center_id": rng.choice(centers),
                    "route": "mediation",
                    "street": rng.choice(STREETS),
                    "collective": False,
                    "worker_count": 1,
                    "risk_grade": "green",
                    "received_on": china_today().isoformat(),
                    "external_ref": None,
                    "claims": [{"category": "wage_arrears", "amount": "9000.00"}],
                    "respondents": [
                        {
                            "name": "某公司",
                            "credit_code": make_credit_code(seq=rng.randint(0, 999)),
                            "industry": "制造业",
                        }
                    ],
                },
            }
            t0 = time.perf_counter()
            async with gate:
                r = await client.post("/internal/events", json=event)
            latencies.append((time.perf_counter() - t0) * 1000)
            errors += r.status_code != 200

        tasks, start = [], time.perf_counter()
        for i in range(RATE * SECONDS):
            await asyncio.sleep(max(0, start + i / RATE - time.perf_counter()))
            tasks.append(asyncio.create_task(one()))
        await asyncio.gather(*tasks)
    return {
        "rate": RATE,
        "sent": RATE * SECONDS,
        "errors": errors,
        "p50_ms": round(pct(latencies, 50), 1),
        "p95_ms": round(pct(latencies, 95), 1),
        "p99_ms": round(pct(latencies, 99), 1),
    }


def main() -> int:
    admin = postgres_url() or "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
    name = unique_db_name("bench_mediation")
    url = asyncio.run(create_pg_database(admin, name))
    try:
        upgrade(MIGRATIONS, url)
        t0 = time.perf_counter()
        by_center = asyncio.run(populate(url))
        print(
            f"populated {MEDIATORS} mediators, ~{PROCEEDINGS} proceedings in {time.perf_counter() - t0:.0f}s",
            flush=True,
        )
        typical = [c for c in by_center if c != "big"]
        results: dict[str, object] = {
            "mediators": MEDIATORS,
            "proceedings": PROCEEDINGS,
            "centers": CENTERS,
            "mediators_per_typical_center": len(by_center[typical[0]]),
            "big_center_mediators": BIG_CENTER,
        }
        for key, job in (
            ("decision_typical_center", lambda: decisions(url, typical)),
            ("decision_big_center", lambda: decisions(url, ["big"])),
            ("reassign_200", lambda: reassignment(url, typical[0], by_center[typical[0]][0])),
            ("routed_to_assigned", lambda: routed_to_assigned(url, typical)),
        ):
            results[key] = asyncio.run(job())
            print(f"{key}: {results[key]}", flush=True)
        print(json.dumps(results, ensure_ascii=False), flush=True)
    finally:
        asyncio.run(drop_pg_database(admin, name))
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / f"mediation-assign-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(
        json.dumps(results, indent=2, ensure_ascii=False)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
