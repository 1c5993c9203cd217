"""`make bench`: every row of issue 17's target table in one run, beside its anchors.

    make bench                       # BENCH_SECONDS=15 BENCH_RATE=100 BENCH_IDLE_SECONDS=30
    BENCH_ASSIGN=0 make bench        # leave out the mediation assignment bench (it loads 100k rows)

In order, on the same PostgreSQL (TEST_DATABASE_URL, default local) and the same machine:
1. anchor (a): pgbench TPC-B, 16 clients, on a throw-away database;
2. this checkout's whole stack: idle CPU over BENCH_IDLE_SECONDS from /proc, registration
   throughput through the gateway (wrk, 16 connections), p99 at a fixed BENCH_RATE/s, RSS, CPU per
   registration per process; then anchor (b), bench/anchor_app.py behind a second gateway; then
   the same stack with intake in BENCH_INTAKE_PROCESSES processes (default 2, `serve --processes`,
   decision 0036; 1 leaves it out): throughput and the fixed-rate p99 as two extra rows;
3. anchor (c): the same for the code before issue 17 (commit aa836c9, BENCH_BASELINE), from a git
   worktree with its own environment, created on first use under /tmp;
4. SQL round trips per registration (bench/register_roundtrips.py) for both;
5. mediation assignment (bench/mediation_assign_bench.py: its own baseline, the commit the assignment
   work started from, and this checkout on the same 100,000 proceedings), unless BENCH_ASSIGN=0;
6. dashboard statistics of a centre-year at 1 M cases (bench/intake_stats_bench.py: loads 1 M cases
   inside PostgreSQL, times GET /stats on its baseline and on this checkout), unless BENCH_STATS=0.
Prints one table (markdown) and writes bench/results/run-<time>.json and .md.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from common import admin_url, baseline_worktree, loadavg  # noqa: E402

BASELINE = os.environ.get("BENCH_BASELINE", "aa836c9")
BASE_DIR = Path(os.environ["BENCH_BASELINE_DIR"]) if os.environ.get("BENCH_BASELINE_DIR") else None
SECONDS = int(os.environ.get("BENCH_SECONDS", "15"))
# A second run of this checkout's stack with intake served by this many processes (decision 0036);
# 1 leaves it out.
INTAKE_PROCESSES = int(os.environ.get("BENCH_INTAKE_PROCESSES", "2"))


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def pgbench() -> dict:
    from onewindow_kit.testing import create_pg_database, drop_pg_database, unique_db_name

    admin = admin_url()
    name = unique_db_name("bench_pgbench")
    url = asyncio.run(create_pg_database(admin, name))
    dsn = url.replace("postgresql+asyncpg://", "postgresql://")
    try:
        subprocess.run(["pgbench", "-i", "-q", "-s", "10", dsn], check=True, capture_output=True)
        out = subprocess.run(
            ["pgbench", "-c", "16", "-j", "2", "-T", str(SECONDS), dsn], check=True, capture_output=True, text=True
        ).stdout
        tps = float(re.search(r"tps = ([\d.]+)", out).group(1))
        return {"tps": tps, "loadavg": loadavg()}
    finally:
        asyncio.run(drop_pg_database(admin, name))


def baseline_checkout() -> Path:
    return baseline_worktree(BASELINE, BASE_DIR)


def run_json(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> dict:
    result = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _last_json(stdout: str) -> dict | None:
    for line in reversed(stdout.strip().splitlines()):
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError:
                return None
    return None


def assign() -> dict:
    result = subprocess.run(
        [sys.executable, str(HERE / "mediation_assign_bench.py")], cwd=ROOT, capture_output=True, text=True
    )
    out = "\n".join(line for line in result.stdout.splitlines() if not line.startswith('{"ts"'))
    return {
        "output": out[-6000:],
        "returncode": result.returncode,
        "result": _last_json(result.stdout),
        "loadavg": loadavg(),
    }


def stats() -> dict:
    result = subprocess.run(
        [sys.executable, str(HERE / "intake_stats_bench.py")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=os.environ | {"BENCH_EXPLAIN": os.environ.get("BENCH_EXPLAIN", "0")},
    )
    return {"returncode": result.returncode, "result": _last_json(result.stdout), "tail": result.stderr[-2000:]}


def assign_rows(r: dict) -> list[str]:
    """The four assignment rows (issue 17), this checkout beside the assignment bench's own baseline."""
    res = (r.get("assign") or {}).get("result")
    if not res:
        return ["| mediation assignment (4 rows) | see issue 17 | failed or not run (see output below) | | | | — |"]
    cur, base = res["current"], res.get("baseline") or {}
    tag = base.get("commit", "—")

    def dec(x: dict, key: str) -> str:
        v = x.get(key)
        return f"p50 {v['p50_ms']} / p95 {v['p95_ms']} ms" if v else "—"

    ra, rb = cur["reassign_200"], base.get("reassign_200") or {}
    ro, rob = cur["routed_to_assigned"], base.get("routed_to_assigned") or {}
    return [
        f"| one assignment decision, typical centre ({res['mediators_per_typical_center']} mediators) | p95 ≤ 20 ms | "
        f"{dec(cur, 'decision_typical_center')} | | {tag}: {dec(base, 'decision_typical_center')} | | "
        f"{mark(cur['decision_typical_center']['p95_ms'] <= 20)} |",
        f"| one assignment decision, centre of {res['big_center_mediators']} mediators | p95 ≤ 50 ms | "
        f"{dec(cur, 'decision_big_center')} | | {tag}: {dec(base, 'decision_big_center')} | | "
        f"{mark(cur['decision_big_center']['p95_ms'] <= 50)} |",
        f"| reassign a departing mediator's {ra['proceedings']} proceedings (deadline-risk check kept) | ≤ 2 s | "
        f"{ra['seconds']} s | | {tag}: {rb.get('seconds', '—')} s | | {mark(ra['seconds'] <= 2)} |",
        f"| `intake.case.routed` → assigned at {ro['rate']}/s for {res['routed_seconds']} s | p95 ≤ 1 s | "
        f"p50 {ro['p50_ms']} / p95 {ro['p95_ms']} ms (errors {ro['errors']}) | | "
        f"{tag}: p50 {rob.get('p50_ms', '—')} / p95 {rob.get('p95_ms', '—')} ms | | "
        f"{mark(ro['p95_ms'] <= 1000 and ro['errors'] == 0)} |",
    ]


def stats_row(r: dict) -> str:
    """Dashboard statistics of a centre-year at 1 M cases, beside the stats bench's own baseline."""
    if "stats" not in r:
        return (
            "| dashboard statistics of a centre-year at 1 M cases | p95 ≤ 200 ms | not run (BENCH_STATS=0) | | | | — |"
        )
    res = r["stats"].get("result")
    if not res:
        return "| dashboard statistics of a centre-year at 1 M cases | p95 ≤ 200 ms | bench failed | | | | — |"
    cur, base = res["current"], res.get("baseline") or {}
    if "timed_out_after_s" in cur:
        return (
            f"| dashboard statistics of a centre-year at {res['cases']:,} cases | p95 ≤ 200 ms | "
            f"no request completed ({cur.get('error')}, client timeout {cur['timed_out_after_s']} s) | | | | **not met** |"
        )
    if "timed_out_after_s" in base:
        base = base | {"p50_ms": f"no request completed ({base.get('error')})", "p95_ms": "—"}
    return (
        f"| dashboard statistics of a centre-year at {res['cases']:,} cases ({cur['cases']:,} in the window) | "
        f"p95 ≤ 200 ms | p50 {cur['p50_ms']} / p95 {cur['p95_ms']} ms | | "
        f"{base.get('commit', '—')}: p50 {base.get('p50_ms', '—')} / p95 {base.get('p95_ms', '—')} ms "
        f"(same figures: {res.get('same_figures_as_baseline')}) | | {mark(cur['p95_ms'] <= 200)} |"
    )


def mark(ok: bool | None) -> str:
    return "—" if ok is None else ("**met**" if ok else "**not met**")


def table(r: dict) -> str:
    cur, base, anc = r["current"], r["baseline"], r["current"].get("anchor", {})
    pg = r["pgbench"]["tps"]
    cur_tp = cur["throughput"]["per_second"]
    anc_tp = anc.get("throughput", {}).get("per_second")
    base_tp = base["throughput"]["per_second"]
    rows = [
        "| measure | target | this branch | anchor (b) FastAPI+asyncpg | baseline (c) aa836c9 | pgbench (a) | status |",
        "|---|---|---|---|---|---|---|",
    ]
    ratio_b = f"{100 * cur_tp / anc_tp:.0f}% of (b)" if anc_tp else "n/a"
    rows.append(
        f"| registrations/s through the gateway (wrk -c16) | ≥ 300/s and ≥ 60% of (b) | {cur_tp:.1f}/s "
        f"(p50 {cur['throughput']['p50_ms']} ms, p99 {cur['throughput']['p99_ms']} ms; {ratio_b}; "
        f"{100 * cur_tp / pg:.1f}% of (a)) | {anc_tp or 'n/a'}/s | {base_tp:.1f}/s ({cur_tp / base_tp:.1f}×) "
        f"| {pg:.0f} tps | {mark(cur_tp >= 300 and bool(anc_tp) and cur_tp >= 0.6 * anc_tp)} |"
    )
    fr, bfr, afr = cur["fixed_rate"], base["fixed_rate"], anc.get("fixed_rate", {})
    rows.append(
        f"| p99 at a fixed {fr['rate']} registrations/s | ≤ 250 ms | p99 {fr['p99_ms']} ms (p50 {fr['p50_ms']}, "
        f"errors {fr['errors']}) | p99 {afr.get('p99_ms', 'n/a')} ms | p99 {bfr['p99_ms']} ms | | "
        f"{mark(fr['p99_ms'] <= 250 and fr['errors'] == 0)} |"
    )
    multi = r.get("multi")
    if multi:
        mtp, mfr, n = multi["throughput"], multi["fixed_rate"], multi["processes"]
        mcpu = ", ".join(f"{k} {v}" for k, v in multi["cpu_ms_per_registration"].items())
        rows.append(
            f"| registrations/s, intake in {n} processes (`serve --processes {n}`; anchor (b) is one) | "
            f"≥ 300/s | {mtp['per_second']:.1f}/s (p50 {mtp['p50_ms']} ms, p99 {mtp['p99_ms']} ms; CPU ms per "
            f"registration: {mcpu}) | | | | {mark(mtp['per_second'] >= 300)} |"
        )
        rows.append(
            f"| p99 at a fixed {mfr['rate']}/s, intake in {n} processes | ≤ 250 ms | p99 {mfr['p99_ms']} ms "
            f"(p50 {mfr['p50_ms']}, errors {mfr['errors']}) | | | | {mark(mfr['p99_ms'] <= 250 and mfr['errors'] == 0)} |"
        )
    rt, brt = r["roundtrips"]["current"], r["roundtrips"]["baseline"]
    rows.append(
        f"| SQL round trips per registration (PostgreSQL, incl. BEGIN/COMMIT) | ≤ 8 | "
        f"{rt['round_trips_per_registration']} | 9 (by construction) | {brt['round_trips_per_registration']} | | "
        f"{mark(rt['round_trips_per_registration'] <= 8)} |"
    )
    idle, bidle = cur["idle"], base["idle"]
    rows.append(
        f"| whole stack at rest (5 processes, {idle['window_s']} s from /proc) | ≤ 1% of one core | "
        f"{idle['total_percent_of_one_core']}% | | {bidle['total_percent_of_one_core']}% | | "
        f"{mark(idle['total_percent_of_one_core'] <= 1.0)} |"
    )
    rss = ", ".join(f"{k} {v}" for k, v in cur["rss_mb_at_rest"].items())
    rss2 = ", ".join(f"{k} {v}" for k, v in cur["rss_mb_after_load"].items())
    brss = ", ".join(f"{k} {v}" for k, v in base["rss_mb_after_load"].items())
    rows.append(f"| RSS MB at rest / after the bench | reported | {rss} / {rss2} | | after: {brss} | | reported |")
    cpu = ", ".join(f"{k} {v}" for k, v in cur["cpu_ms_per_registration"].items())
    bcpu = ", ".join(f"{k} {v}" for k, v in base["cpu_ms_per_registration"].items())
    rows.append(f"| CPU ms per registration, per process | (where the time goes) | {cpu} | | {bcpu} | | |")
    if "assign" in r:
        rows.extend(assign_rows(r))
    rows.append(stats_row(r))
    loads = (
        f"load average (1/5/15 min): start {r['loadavg_start']}, after pgbench {r['pgbench']['loadavg']}, "
        f"current stack under load {cur['loadavg_after_throughput']}, baseline under load "
        f"{base['loadavg_after_throughput']}, end {r['loadavg_end']}"
    )
    return "\n".join(rows) + "\n\n" + loads + "\n"


def main() -> int:
    r: dict = {"started": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "loadavg_start": loadavg()}
    log("anchor (a): pgbench")
    r["pgbench"] = pgbench()
    log(f"pgbench {r['pgbench']['tps']:.0f} tps; this checkout's stack (+ anchor b)")
    r["current"] = run_json([sys.executable, str(HERE / "stack_load.py"), str(ROOT), "--anchor"], ROOT)
    if INTAKE_PROCESSES > 1:
        log(f"this checkout's stack, intake in {INTAKE_PROCESSES} processes")
        multi_env = os.environ | {"INTAKE_PROCESSES": str(INTAKE_PROCESSES), "BENCH_IDLE_SECONDS": "3"}
        multi = run_json([sys.executable, str(HERE / "stack_load.py"), str(ROOT)], ROOT, env=multi_env)
        r["multi"] = multi | {"processes": INTAKE_PROCESSES}
    base = baseline_checkout()
    py = str(base / ".venv" / "bin" / "python")
    log("baseline (c) stack")
    r["baseline"] = run_json([py, str(HERE / "stack_load.py"), str(base)], base)
    log("round trips")
    r["roundtrips"] = {
        "current": run_json([sys.executable, str(HERE / "register_roundtrips.py"), str(ROOT)], ROOT),
        "baseline": run_json([py, str(HERE / "register_roundtrips.py"), str(base)], base),
    }
    if os.environ.get("BENCH_ASSIGN", "1") != "0":
        log("mediation assignment")
        r["assign"] = assign()
    if os.environ.get("BENCH_STATS", "1") != "0":
        log("dashboard statistics at 1 M cases")
        r["stats"] = stats()
    r["loadavg_end"] = loadavg()
    md = table(r)
    if "assign" in r:
        md += "\nmediation_assign_bench.py output:\n\n```\n" + r["assign"]["output"].strip() + "\n```\n"
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (out / f"run-{stamp}.json").write_text(json.dumps(r, indent=2, ensure_ascii=False))
    (out / f"run-{stamp}.md").write_text(md)
    print(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
