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
Before and after in one run (issue 17): after loading, the same measures run first with the code of
BENCH_ASSIGN_BASELINE (default ``95b5e2b``, the commit issue 17's assignment work started from; a
branch such as ``main`` is resolved to its commit) in its own git worktree with its own environment
(``/tmp/ow-bench-baseline-<commit>``, ``uv sync`` there on first use, as bench/run_all.py does for the
registration baseline: the baseline's services run on the baseline's kit, so a kit API changed since
cannot stop it) on the schema BENCH_ASSIGN_BASELINE_REV of this checkout's migrations (the
baseline's own head, or one with the columns its kit writes), then the database is upgraded to this
checkout's head (without a baseline the rows are loaded at 0005_s4h17med_fairness_index and upgraded
too, so that 0006 fills the kept fairness counts from them) and the same measures run with this
checkout's code. Each variant reassigns the
proceedings of a different mediator (of a different centre). BENCH_ASSIGN_BASELINE= (empty) skips
the baseline. The loaded tables are VACUUM ANALYZEd once, as autovacuum would have on a live system.
``intake.case.routed`` runs BENCH_ROUTED_SECONDS (default 60) at BENCH_RATE (default 50) a second.
Prints the figures and writes ``bench/results/mediation-assign-<time>.json``.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import subprocess
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
SECONDS = int(os.environ.get("BENCH_ROUTED_SECONDS", "60"))
BASELINE = os.environ.get("BENCH_ASSIGN_BASELINE", "95b5e2b")
BASELINE_REV = os.environ.get("BENCH_ASSIGN_BASELINE_REV", "0005_s4h20_traceparent")
PRE_COUNTS_REV = "0005_s4h17med_fairness_index"  # the last schema without assignment_fairness
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


def baseline_checkout() -> Path | None:
    """A worktree of BASELINE with its own environment (bench/common.py), None without a baseline."""
    if not BASELINE:
        return None
    sys.path.insert(0, str(ROOT / "bench"))
    from common import baseline_worktree

    return baseline_worktree(BASELINE)


def measure(url: str, by_center: dict[str, list[str]], variant: int) -> dict[str, object]:
    """The four measures with whatever ``mediation`` this process imports."""
    typical = [c for c in by_center if c != "big"]
    holder_center = typical[variant % len(typical)]
    results: dict[str, object] = {"code": str(Path(assignment.__file__).resolve().parents[3])}
    for key, job in (
        ("decision_typical_center", lambda: decisions(url, typical)),
        ("decision_big_center", lambda: decisions(url, ["big"])),
        ("reassign_200", lambda: reassignment(url, holder_center, by_center[holder_center][0])),
        ("routed_to_assigned", lambda: routed_to_assigned(url, typical)),
    ):
        results[key] = asyncio.run(job())
        print(f"  {key}: {results[key]}", file=sys.stderr, flush=True)
    return results


def run_variant(url: str, by_center: dict[str, list[str]], variant: int, checkout: Path | None) -> dict[str, object]:
    """This script's ``--measure`` in a child process: with the baseline worktree's interpreter (its
    services and kit) when ``checkout`` is given, else with this checkout's."""
    env = dict(os.environ)
    python, cwd = sys.executable, ROOT
    if checkout is not None:
        python, cwd = str(checkout / ".venv" / "bin" / "python"), checkout
        for name in ("PYTHONPATH", "VIRTUAL_ENV"):
            env.pop(name, None)
    env["MEDIATION_LOG_LEVEL"] = "WARNING"
    env["MEDIATION_GC_FREEZE"] = "true"  # as in production (decision 0031); older baselines ignore it
    spec = json.dumps({"url": url, "by_center": by_center, "variant": variant})
    result = subprocess.run(
        [python, str(Path(__file__).resolve()), "--measure"],
        input=spec,
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"variant {variant} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> int:
    if sys.argv[1:] == ["--measure"]:
        spec = json.loads(sys.stdin.read())
        print(json.dumps(measure(spec["url"], spec["by_center"], spec["variant"]), ensure_ascii=False))
        return 0
    sys.path.insert(0, str(ROOT / "bench"))
    from common import loadavg

    admin = postgres_url() or "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
    name = unique_db_name("bench_mediation")
    url = asyncio.run(create_pg_database(admin, name))
    base_src = baseline_checkout()
    try:
        # Loaded at a schema before 0006 (the kept fairness counts, decision 0035), so that upgrading to
        # this checkout's head fills the counts from the loaded records, as it would on a live system.
        upgrade(MIGRATIONS, url, BASELINE_REV if base_src is not None else PRE_COUNTS_REV)
        t0 = time.perf_counter()
        by_center = asyncio.run(populate(url))
        asyncio.run(vacuum_analyze(url))
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
            "routed_seconds": SECONDS,
            "loadavg_start": loadavg(),
        }
        if base_src is not None:
            print(f"baseline {BASELINE} (schema {BASELINE_REV}):", flush=True)
            results["baseline"] = run_variant(url, by_center, 0, base_src) | {"commit": BASELINE}
            results["loadavg_after_baseline"] = loadavg()
            print(json.dumps(results["baseline"], ensure_ascii=False), flush=True)
        upgrade(MIGRATIONS, url)
        asyncio.run(vacuum_analyze(url))
        print("this checkout:", flush=True)
        results["current"] = run_variant(url, by_center, 1, None)
        results["loadavg_end"] = loadavg()
        print(json.dumps(results["current"], ensure_ascii=False), flush=True)
        print(table(results), flush=True)
        print(json.dumps(results, ensure_ascii=False), flush=True)
    finally:
        asyncio.run(drop_pg_database(admin, name))
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / f"mediation-assign-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(
        json.dumps(results, indent=2, ensure_ascii=False)
    )
    return 0


async def vacuum_analyze(url: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()


def table(r: dict[str, object]) -> str:
    """Markdown rows: measure, target, this checkout, baseline, status."""
    cur = r["current"]
    base = r.get("baseline") or {}
    assert isinstance(cur, dict) and isinstance(base, dict)

    def dec(x: dict, key: str) -> str:
        v = x.get(key)
        return f"p50 {v['p50_ms']} / p95 {v['p95_ms']} ms" if v else "—"

    def mark(ok: bool) -> str:
        return "**met**" if ok else "**not met**"

    ra, rb = cur["reassign_200"], base.get("reassign_200")
    ro, rob = cur["routed_to_assigned"], base.get("routed_to_assigned")
    rows = [
        "| measure | target | this checkout | baseline | status |",
        "|---|---|---|---|---|",
        f"| one decision, typical centre ({r['mediators_per_typical_center']} mediators) | p95 ≤ 20 ms | "
        f"{dec(cur, 'decision_typical_center')} | {dec(base, 'decision_typical_center')} | "
        f"{mark(cur['decision_typical_center']['p95_ms'] <= 20)} |",
        f"| one decision, centre of {r['big_center_mediators']} mediators | p95 ≤ 50 ms | "
        f"{dec(cur, 'decision_big_center')} | {dec(base, 'decision_big_center')} | "
        f"{mark(cur['decision_big_center']['p95_ms'] <= 50)} |",
        f"| reassign a departing mediator's {ra['proceedings']} proceedings (risk check kept) | ≤ 2 s | "
        f"{ra['seconds']} s | {rb['seconds'] if rb else '—'} s | {mark(ra['seconds'] <= 2)} |",
        f"| intake.case.routed → assigned at {ro['rate']}/s for {r['routed_seconds']} s | p95 ≤ 1 s | "
        f"p50 {ro['p50_ms']} / p95 {ro['p95_ms']} ms, errors {ro['errors']} | "
        + (f"p50 {rob['p50_ms']} / p95 {rob['p95_ms']} ms, errors {rob['errors']}" if rob else "—")
        + f" | {mark(ro['p95_ms'] <= 1000 and ro['errors'] == 0)} |",
    ]
    return "\n".join(rows)


if __name__ == "__main__":
    sys.exit(main())
