"""Dashboard statistics of a centre-year at a million cases (issue 17), on PostgreSQL.

    uv run python bench/intake_stats_bench.py                      # 1,000,000 cases (≈ 1–3 min to load)
    BENCH_CASES=100000 uv run python bench/intake_stats_bench.py   # quicker
    BENCH_KEEP_DB=onewindow_bench_stats uv run python bench/intake_stats_bench.py   # load once, reuse

The loader generates the rows inside PostgreSQL (``INSERT … SELECT`` over ``generate_series``;
no row crosses the wire), with the shape the statistics read: 10 centres over three years
(2024–2026) in registration order, channels, routes and statuses in realistic shares, amounts
claimed / recovered / agreed, closing dates, deadlines (some overdue), collective cases; a
timeline of 2–5 entries per case (registered, routed, the mediation's opening, assignment and
outcome, transfers to arbitration and the partners' decisions) and hand-offs to the four desks
with outcomes and legal-aid review dates. Personal data is not generated: no figure reads it.

Then it starts the real intake process (uvicorn, ports from BENCH_PORT_MIN–MAX) on the database
and times ``GET /stats`` for one centre and the year 2025 (≈ 33,000 cases at 1 M) one request
at a time, as the centre's supervisor: BENCH_QUERIES requests after 3 warm-ups, p50/p95/p99 (a variant
stops after BENCH_STATS_BUDGET seconds with the requests made so far; one request longer than
BENCH_STATS_TIMEOUT is reported as such, not as a failed run).
With BENCH_STATS_BASELINE=<commit> (default: the commit issue 17's statistics work started from)
the same requests run first against that commit's intake in its own git worktree with its own
environment (``/tmp/ow-bench-baseline-<commit>``, ``uv sync`` there on first use, as bench/run_all.py
does for the registration baseline, so the baseline runs on its own kit) on that commit's schema
(BENCH_STATS_BASELINE_REV), then the database is upgraded to this checkout's head (its indexes)
and the same requests run with this checkout's code: before and after in one run, same data. Finally the statements of one request are captured in-process and run again under
``EXPLAIN (ANALYZE)``: the plans are printed (BENCH_EXPLAIN=0 to skip).
Prints one JSON line last; writes bench/results/intake-stats-<time>.json.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import asyncpg
import httpx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "deploy"))

import stack as stack_module  # noqa: E402
from common import admin_url, baseline_worktree, free_ports, loadavg, pct  # noqa: E402
from onewindow_kit.auth import Signer, generate_private_key_pem  # noqa: E402
from onewindow_kit.crypto import new_key  # noqa: E402
from onewindow_kit.migrations import upgrade  # noqa: E402
from onewindow_kit.testing import create_pg_database, drop_pg_database  # noqa: E402

N = int(os.environ.get("BENCH_CASES", "1000000"))
QUERIES = int(os.environ.get("BENCH_QUERIES", "40"))
TIMEOUT = float(os.environ.get("BENCH_STATS_TIMEOUT", "120"))  # one request, seconds
BUDGET = float(os.environ.get("BENCH_STATS_BUDGET", "300"))  # one variant's requests, seconds (after 1 timed)
BASELINE = os.environ.get("BENCH_STATS_BASELINE", "95b5e2b")
# BASELINE's schema plus the traceparent column the shared kit writes (issue 20)
BASELINE_REV = os.environ.get("BENCH_STATS_BASELINE_REV", "0010_s4h20_traceparent")
CENTERS = ["futian", "luohu", "nanshan", "baoan", "longgang", "longhua", "pingshan", "guangming", "yantian", "dapeng"]
CENTER, SINCE, UNTIL = "futian", date(2025, 1, 1), date(2025, 12, 31)
MIGRATIONS = ROOT / "services" / "intake" / "migrations"

# Shares are cumulative thresholds over one uniform random number per column.
LOAD_SQL = [
    """
    CREATE TEMP TABLE g AS
    SELECT i,
           (ARRAY['futian','luohu','nanshan','baoan','longgang','longhua','pingshan','guangming','yantian','dapeng'])
               [1 + i % 10] AS center_id,
           timestamptz '2023-12-31 16:00:00+00' + (i * (3 * 365 * 86400.0 / $1)) * interval '1 second' AS at,
           random() AS r_channel, random() AS r_route, random() AS r_status, random() AS r_grade,
           random() AS r_amount, random() AS r_days, random() AS r_outcome, random() AS r_collective
    FROM generate_series(0, $1 - 1) AS i
    """,
    """
    CREATE TEMP TABLE c AS
    SELECT g.*,
           CASE WHEN r_channel < 0.62 THEN 'walk_in' WHEN r_channel < 0.70 THEN 'phone'
                WHEN r_channel < 0.85 THEN 'online' WHEN r_channel < 0.93 THEN 'court_referral'
                WHEN r_channel < 0.97 THEN 'arbitration_referral' WHEN r_channel < 0.99 THEN 'inspection_transfer'
                ELSE 'petition_transfer' END AS channel,
           CASE WHEN r_route < 0.05 THEN NULL WHEN r_route < 0.60 THEN 'mediation'
                WHEN r_route < 0.70 THEN 'inspection' WHEN r_route < 0.77 THEN 'legal_aid'
                WHEN r_route < 0.90 THEN 'arbitration' WHEN r_route < 0.95 THEN 'petition'
                ELSE 'negotiation' END AS route,
           CASE WHEN r_grade < 0.80 THEN 'green' WHEN r_grade < 0.95 THEN 'yellow' ELSE 'red' END AS risk_grade,
           r_collective < 0.03 AS collective,
           round((3000 + r_amount * 60000)::numeric, 2) AS total_claimed
    FROM g
    """,
    # Status from the route and the case's age (the older, the likelier it is closed).
    """
    CREATE TEMP TABLE s AS
    SELECT c.*,
           CASE
             WHEN route IS NULL THEN CASE WHEN at < now() - interval '30 days' THEN 'closed' ELSE 'registered' END
             WHEN at > now() - interval '20 days' THEN
               CASE route WHEN 'mediation' THEN (CASE WHEN r_status < 0.3 THEN 'routed' ELSE 'in_mediation' END)
                          WHEN 'inspection' THEN 'referred_to_inspection' WHEN 'legal_aid' THEN 'legal_aid'
                          WHEN 'petition' THEN 'referred_to_petition' WHEN 'negotiation' THEN 'in_negotiation'
                          ELSE 'transferred_to_arbitration' END
             WHEN route = 'mediation' THEN
               CASE WHEN r_outcome < 0.55 THEN (CASE WHEN r_status < 0.85 THEN 'closed' ELSE 'resolved' END)
                    WHEN r_outcome < 0.60 THEN 'referred_to_court'
                    WHEN r_status < 0.02 THEN 'in_mediation'
                    WHEN r_status < 0.30 THEN 'returned' ELSE 'closed' END
             WHEN route = 'arbitration' THEN (CASE WHEN r_status < 0.7 THEN 'transferred_to_arbitration' ELSE 'closed' END)
             WHEN r_status < 0.03 THEN
               CASE route WHEN 'inspection' THEN 'referred_to_inspection' WHEN 'legal_aid' THEN 'legal_aid'
                          WHEN 'petition' THEN 'referred_to_petition' ELSE 'in_negotiation' END
             ELSE 'closed' END AS status
    FROM c
    """,
    """
    INSERT INTO case_file (id, center_id, year, seq, case_no, channel, status, version, dispute_type, risk_grade,
        collective, worker_count, triage, suggested_route, route, routed_at, facts, street, total_claimed, recovered,
        agreed_amount, employer_names, primary_credit_code, deadline_on, registered_by, registered_at, updated_at,
        closed_at, close_reason)
    SELECT md5(i::text), center_id, extract(year FROM at AT TIME ZONE 'Asia/Shanghai')::int, i,
           center_id || '一窗〔' || extract(year FROM at AT TIME ZONE 'Asia/Shanghai')::int || '〕' || i || '号',
           channel, status, 3, 'rights', risk_grade, collective, CASE WHEN collective THEN 12 ELSE 1 END, '{}',
           coalesce(route, 'mediation'), route, CASE WHEN route IS NOT NULL THEN at + interval '2 hours' END,
           '申请人称被拖欠工资。', '街道' || (i % 12),
           total_claimed,
           CASE WHEN route = 'mediation' AND r_outcome < 0.55 AND status = 'closed'
                THEN round(total_claimed * (0.6 + r_days * 0.4)::numeric, 2) ELSE 0 END,
           CASE WHEN route = 'mediation' AND r_outcome < 0.55 THEN round(total_claimed * (0.6 + r_days * 0.4)::numeric, 2) END,
           '深圳市某某' || (i % 20000) || '号有限公司', '9144030000000' || lpad((i % 20000)::text, 5, '0'),
           CASE WHEN status IN ('in_mediation', 'referred_to_inspection', 'legal_aid', 'referred_to_petition',
                                'in_negotiation', 'routed')
                THEN (at AT TIME ZONE 'Asia/Shanghai')::date + 15 + (r_days * 40)::int END,
           'bench', at, at + interval '1 day',
           CASE WHEN status = 'closed' THEN at + (1 + r_days * 90) * interval '1 day' END,
           CASE WHEN status = 'closed' THEN 'agreement_fulfilled' END
    FROM s
    """,
    """
    INSERT INTO timeline_entry (case_id, at, source, kind, actor, summary, data)
    SELECT md5(i::text), t.at, t.source, t.kind, NULL, t.summary, '{}'
    FROM s
    CROSS JOIN LATERAL (VALUES
        (s.at, 'intake', 'case.registered', '窗口登记', true),
        (s.at + interval '2 hours', 'intake', 'case.routed', '分流', s.route IS NOT NULL),
        (s.at + interval '3 hours', 'mediation', 'mediation.proceeding.opened', '调解立案',
         s.route = 'mediation' AND s.status <> 'routed'),
        (s.at + interval '3 hours', 'mediation', 'mediation.proceeding.assigned', '分派调解员',
         s.route = 'mediation' AND s.status <> 'routed'),
        (s.at + (1 + s.r_days * 14) * interval '1 day', 'mediation',
         CASE WHEN s.r_outcome < 0.60 THEN 'mediation.proceeding.agreed'
              WHEN s.r_outcome < 0.85 THEN 'mediation.proceeding.terminated'
              WHEN s.r_outcome < 0.93 THEN 'mediation.proceeding.declined'
              ELSE 'mediation.proceeding.expired' END,
         '调解结束', s.route = 'mediation' AND s.status NOT IN ('routed', 'in_mediation')),
        (s.at + interval '1 day', 'intake', 'arbitration.transfer.requested', '移送仲裁',
         s.route = 'arbitration' OR (s.route = 'mediation' AND s.status = 'returned' AND s.r_days < 0.5)),
        (s.at + interval '4 days', 'arbitration-bridge',
         CASE WHEN s.r_days < 0.9 THEN 'arbitration.transfer.accepted' ELSE 'arbitration.transfer.rejected' END,
         '仲裁院决定', s.route = 'arbitration'),
        (s.at + interval '20 days', 'court-bridge', 'court.confirmation.ruled', '司法确认裁定',
         s.route = 'mediation' AND s.r_outcome < 0.10),
        (s.at + interval '20 days', 'arbitration-bridge', 'arbitration.review.decided', '仲裁审查确认',
         s.route = 'mediation' AND s.r_outcome >= 0.10 AND s.r_outcome < 0.14)
    ) AS t(at, source, kind, summary, present)
    WHERE t.present
    """,
    """
    INSERT INTO handoff (id, case_id, center_id, desk, status, stage, received_on, due_on, clocks, green_channel,
        priority_provision, outcome, decided_on, created_at, updated_at, ended_at)
    SELECT md5('h' || i::text), md5(i::text), center_id, route,
           CASE WHEN status = 'closed' THEN 'concluded' WHEN r_outcome < 0.05 THEN 'declined' ELSE 'accepted' END,
           'received', (at AT TIME ZONE 'Asia/Shanghai')::date, (at AT TIME ZONE 'Asia/Shanghai')::date + 15, '[]',
           false, false,
           CASE WHEN status <> 'closed' THEN NULL
                WHEN route = 'inspection' THEN (ARRAY['filed','not_filed','ordered_correction','penalised','transferred'])
                                               [1 + (r_outcome * 5)::int % 5]
                WHEN route = 'legal_aid' THEN (CASE WHEN r_outcome < 0.8 THEN 'granted' ELSE 'refused' END)
                WHEN route = 'petition' THEN (CASE WHEN r_outcome < 0.8 THEN 'concluded' ELSE 'not_accepted' END)
                ELSE (CASE WHEN r_outcome < 0.6 THEN 'agreed' ELSE 'failed' END) END,
           CASE WHEN route = 'legal_aid' AND status = 'closed'
                THEN (at AT TIME ZONE 'Asia/Shanghai')::date + (1 + r_days * 12)::int END,
           at, at, CASE WHEN status = 'closed' THEN at + interval '10 days' END
    FROM s WHERE route IN ('inspection', 'legal_aid', 'petition', 'negotiation')
    """,
]


async def load(url: str) -> dict[str, int]:
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute(
            "INSERT INTO center (id, name, short_name, district, case_no_format, active, created_at, updated_at) "
            "SELECT c, c || '中心', c, c, '{short_name}一窗〔{year}〕{seq:07d}号', true, now(), now() "
            "FROM unnest($1::text[]) c",
            CENTERS,
        )
        await conn.execute("SELECT setseed(0.17)")
        for sql in LOAD_SQL:
            t0 = time.monotonic()
            if "$1" in sql:
                await conn.execute(sql, N)
            else:
                await conn.execute(sql)
            print(f"  {sql.split()[0].lower()} {sql.split()[2]}: {time.monotonic() - t0:.0f}s", flush=True)
        await conn.execute("VACUUM ANALYZE case_file")
        await conn.execute("VACUUM ANALYZE timeline_entry")
        await conn.execute("VACUUM ANALYZE handoff")
        counts = {
            t: await conn.fetchval(f"SELECT count(*) FROM {t}") for t in ("case_file", "timeline_entry", "handoff")
        }
        counts["centre_year"] = await conn.fetchval(
            "SELECT count(*) FROM case_file WHERE center_id = $1 AND registered_at >= $2 AND registered_at < $3",
            CENTER,
            stack_module_dt(SINCE),
            stack_module_dt(date(UNTIL.year + 1, 1, 1)),
        )
        return counts
    finally:
        await conn.close()


async def vacuum_analyze(url: str) -> None:
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        # case_event_count (this checkout's timeline counts, kept by triggers) is vacuumed like the
        # tables it summarises, so its visibility map lets the window be an index-only scan.
        tables = ["case_file", "timeline_entry", "handoff"]
        if await conn.fetchval("SELECT to_regclass('case_event_count') IS NOT NULL"):
            tables.append("case_event_count")
        for table in tables:
            await conn.execute(f"VACUUM ANALYZE {table}")
    finally:
        await conn.close()


def stack_module_dt(d: date) -> object:
    from datetime import datetime

    from onewindow_domain.calendar import CHINA_TZ

    return datetime.combine(d, datetime.min.time(), CHINA_TZ)


def baseline_checkout() -> Path | None:
    """A worktree of BASELINE with its own environment (bench/common.py), None when
    BENCH_STATS_BASELINE is empty."""
    return baseline_worktree(BASELINE) if BASELINE else None


def time_stats(url: str, keys: dict[str, str], checkout: Path | None) -> dict[str, object]:
    signer = Signer(generate_private_key_pem())
    port = free_ports(1)[0]
    env = os.environ | {
        "INTAKE_DATABASE_URL": url,
        "INTAKE_JWKS_JSON": json.dumps({"keys": [signer.jwk]}),
        "INTAKE_DATA_KEYS": json.dumps({"k1": keys["data"]}),
        "INTAKE_LOOKUP_KEY": keys["lookup"],
        "INTAKE_RELAY_ENABLED": "false",
        "INTAKE_LOG_LEVEL": "WARNING",
    }
    python, cwd = sys.executable, ROOT
    if checkout is not None:  # the baseline's intake on the baseline's own kit and environment
        python, cwd = str(checkout / ".venv" / "bin" / "python"), checkout
        env = {k: v for k, v in env.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    proc = subprocess.Popen([python, "-m", "intake", "serve", "--port", str(port)], cwd=cwd, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):  # up to 2 minutes: a loaded machine starts a process slowly
            if stack_module.http_status(base + "/readyz") == 200:
                break
            time.sleep(0.2)
        now = int(time.time())
        token = signer.sign(
            {
                "iss": "onewindow-gateway",
                "aud": "onewindow",
                "sub": "bench",
                "iat": now,
                "exp": now + 3600,
                "roles": ["supervisor"],
                "kind": "staff",
                "center_id": CENTER,
            }
        )
        params = {"since": SINCE.isoformat(), "until": UNTIL.isoformat()}
        body: dict[str, object] = {}
        times: list[float] = []
        started = time.monotonic()
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT) as http:
            try:
                for i in range(3 + QUERIES):
                    if i > 3 and time.monotonic() - started > BUDGET:
                        break  # enough for a slow variant: the requests made so far stand
                    t0 = time.perf_counter()
                    response = http.get("/stats", params=params).raise_for_status()
                    if i >= 3:  # after three warm-ups
                        times.append((time.perf_counter() - t0) * 1000)
                    body = response.json()
            except httpx.HTTPError as exc:
                if not times:
                    # One request took longer than the client waits, or the server dropped it (the
                    # baseline at 1 M cases did both): say so instead of failing the whole run.
                    return {
                        "timed_out_after_s": TIMEOUT,
                        "error": type(exc).__name__,
                        "cases": body.get("cases"),
                        "loadavg": loadavg(),
                    }
        return {
            "requests": len(times),
            "p50_ms": round(pct(times, 50), 1),
            "p95_ms": round(pct(times, 95), 1),
            "p99_ms": round(pct(times, 99), 1),
            "cases": body.get("cases"),
            "body": body,
            "loadavg": loadavg(),
        }
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:  # stuck in a long statement
            proc.kill()
            proc.wait(10)


async def explain(url: str) -> list[str]:
    """Run one statistics request in-process, capture its statements and EXPLAIN ANALYZE each."""
    from intake.statistics import service as statistics
    from onewindow_kit.db import Database
    from sqlalchemy import event

    db = Database(url)
    captured: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT"):
            captured.append((statement, parameters))

    event.listen(db.engine.sync_engine, "before_cursor_execute", capture)
    try:
        async with db.sessionmaker() as s:
            await statistics.figures(session=s, center_id=CENTER, since=SINCE, until=UNTIL, promise_days=7)
    finally:
        await db.dispose()
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    plans = []
    try:
        for statement, parameters in captured:
            rows = await conn.fetch("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + statement, *(parameters or ()))
            plans.append(
                " ".join(statement.split())[:160] + " …\n" + "\n".join("    " + r[0] for r in rows if r[0].strip())
            )
    finally:
        await conn.close()
    return plans


def main() -> int:
    keep = os.environ.get("BENCH_KEEP_DB")
    name = keep or f"onewindow_bench_stats_{os.getpid()}"
    admin = admin_url()
    keys = {"data": new_key(), "lookup": new_key()}
    url = None
    result: dict[str, object] = {"cases": N, "queries": QUERIES, "centre": CENTER, "year": SINCE.year}
    try:
        try:
            url = asyncio.run(create_pg_database(admin, name))
            fresh = True
        except asyncpg.DuplicateDatabaseError:
            url = admin.rsplit("/", 1)[0] + "/" + name
            fresh = False
        base_src = baseline_checkout()
        if fresh:
            print(f"loading {N:,} cases into {name}…", flush=True)
            upgrade(MIGRATIONS, url, BASELINE_REV if base_src is not None else "head")
            t0 = time.monotonic()
            result["rows"] = asyncio.run(load(url))
            result["load_seconds"] = round(time.monotonic() - t0)
            print(f"  load took {result['load_seconds']}s: {result['rows']}", flush=True)
        result["loadavg_start"] = loadavg()
        if base_src is not None:
            result["baseline"] = time_stats(url, keys, base_src) | {"commit": BASELINE}
            print(f"baseline {BASELINE}: {_brief(result['baseline'])}", flush=True)
        t0 = time.monotonic()
        upgrade(MIGRATIONS, url)  # this checkout's indexes
        asyncio.run(vacuum_analyze(url))
        result["upgrade_seconds"] = round(time.monotonic() - t0)
        result["current"] = time_stats(url, keys, None)
        print(f"this checkout: {_brief(result['current'])}", flush=True)
        if base_src is not None and "body" in result["baseline"]:  # type: ignore[operator]
            same = _comparable(result["baseline"]["body"]) == _comparable(result["current"]["body"])  # type: ignore[index]
            result["same_figures_as_baseline"] = same
            print(f"same figures as the baseline: {same}", flush=True)
        if os.environ.get("BENCH_EXPLAIN", "1") != "0":
            plans = asyncio.run(explain(url))
            result["plans"] = plans
            print("\nquery plans (EXPLAIN ANALYZE, this checkout):\n\n" + "\n\n".join(plans), flush=True)
    finally:
        if url and not keep:
            asyncio.run(drop_pg_database(admin, name))
    for key in ("baseline", "current"):
        if isinstance(result.get(key), dict):
            result[key].pop("body", None)  # type: ignore[union-attr]
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / f"intake-stats-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(
        json.dumps(result, indent=2, ensure_ascii=False)
    )
    print(json.dumps({k: v for k, v in result.items() if k != "plans"}, ensure_ascii=False))
    return 0


def _brief(r: object) -> str:
    assert isinstance(r, dict)
    if "timed_out_after_s" in r:
        return f"no request completed: {r.get('error')} (the client waits {r['timed_out_after_s']} s)"
    return f"p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms, p99 {r['p99_ms']} ms over {r['cases']} cases"


def _comparable(body: object) -> object:
    """The response without what a new field would add: the baseline's keys only are compared."""
    return json.dumps(body, sort_keys=True)


if __name__ == "__main__":
    sys.exit(main())
