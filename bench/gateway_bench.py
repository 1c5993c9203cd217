"""Gateway overhead: an authenticated GET of one small intake resource, through the gateway vs
straight to intake, side by side in one run (the machines are shared and noisy: rounds alternate).

    make bench                                  # or: uv run python bench/gateway_bench.py
    BENCH_ROUNDS=5 BENCH_SECONDS=10 BENCH_CONNECTIONS=32 make bench
    TEST_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/postgres make bench   # on PostgreSQL

Load comes from wrk (Debian package ``wrk``), one thread, so the load generator does not eat the
CPU it measures. Prints a Markdown table and writes ``bench/results/gateway-<time>.json``.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "deploy"))

import stack as stack_module  # noqa: E402
from onewindow_kit.testing import create_pg_database, drop_pg_database, postgres_url, unique_db_name  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(url: str, token: str) -> dict[str, float]:
    out = subprocess.run(
        ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency", "-H", f"Authorization: Bearer {token}", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    result = {"rps": rps}
    for pct in ("50", "75", "90", "99"):
        m = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        result[f"p{pct}_ms"] = float(m.group(1)) * UNITS[m.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    result["non_2xx"] = int(errors.group(1)) if errors else 0
    return result


def main() -> int:
    if not shutil.which("wrk"):
        print("wrk is not installed: apt-get install wrk", file=sys.stderr)
        return 2
    table = stack_module.load_table()
    var_dir = Path(tempfile.mkdtemp(prefix="ow-bench-"))
    admin_url = postgres_url()
    urls, created = {}, []
    for spec in table:
        if admin_url:
            name = unique_db_name("bench_" + spec.name)
            urls[spec.name] = asyncio.run(create_pg_database(admin_url, name))
            created.append(name)
        else:
            urls[spec.name] = f"sqlite+aiosqlite:///{var_dir / 'db' / (spec.database + '.sqlite3')}"
    config = stack_module.StackConfig(
        var_dir=var_dir,
        ports={s.name: stack_module.free_port() for s in table},
        database_urls=urls,
        environment="test",
        log_level="WARNING",
        # The limiter would (rightly) throttle one principal sending thousands of requests a second.
        extra_env={"gateway": {"GATEWAY_RATE_LIMIT_ENABLED": "false"}},
    )
    running = stack_module.Stack(config, table)
    try:
        running.prepare()
        running.start_all()
        creds = json.loads((var_dir / "demo-accounts.json").read_text())
        clerk = next(u for u in creds["users"] if u["username"] == "clerk")
        token = httpx.post(
            config.url("gateway") + "/auth/token",
            data={"grant_type": "password", "username": "clerk", "password": clerk["password"]},
        ).json()["access_token"]
        targets = {
            "direct": config.url("intake") + "/centers/futian",
            "gateway": config.url("gateway") + "/api/intake/centers/futian",
        }
        for url in targets.values():  # warm up: caches, pools, JIT-free but lazy imports
            assert httpx.get(url, headers={"Authorization": f"Bearer {token}"}).status_code == 200
            subprocess.run(
                ["wrk", "-t1", "-c8", "-d2s", "-H", f"Authorization: Bearer {token}", url], capture_output=True
            )
        runs: dict[str, list[dict[str, float]]] = {"direct": [], "gateway": []}
        for i in range(ROUNDS):
            order = ("direct", "gateway") if i % 2 == 0 else ("gateway", "direct")
            for name in order:
                runs[name].append(wrk(targets[name], token))
                print(f"round {i + 1} {name:8s} {runs[name][-1]}", flush=True)
    finally:
        running.stop_all()
        for name in created:
            asyncio.run(drop_pg_database(admin_url or "", name))
        shutil.rmtree(var_dir, ignore_errors=True)

    def med(name: str, key: str) -> float:
        return statistics.median(r[key] for r in runs[name])

    ratios = [g["rps"] / d["rps"] for d, g in zip(runs["direct"], runs["gateway"], strict=True)]
    summary = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_implementation()} {platform.python_version()}",
        "database": "postgresql" if admin_url else "sqlite",
        "wrk": f"-t1 -c{CONNECTIONS} -d{SECONDS}s, {ROUNDS} alternating rounds",
        "runs": runs,
        "throughput_ratio_median": statistics.median(ratios),
        "throughput_ratio_min": min(ratios),
        "added_p50_ms": med("gateway", "p50_ms") - med("direct", "p50_ms"),
    }
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / f"gateway-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(json.dumps(summary, indent=2))
    print(f"\n{summary['machine']}; {summary['database']}; wrk {summary['wrk']}\n")
    print("| path | req/s (median) | p50 ms | p75 ms | p90 ms | p99 ms | non-2xx |")
    print("|---|---|---|---|---|---|---|")
    for name in ("direct", "gateway"):
        print(
            f"| {name} | {med(name, 'rps'):.0f} | {med(name, 'p50_ms'):.2f} | {med(name, 'p75_ms'):.2f} | "
            f"{med(name, 'p90_ms'):.2f} | {med(name, 'p99_ms'):.2f} | {sum(int(r['non_2xx']) for r in runs[name])} |"
        )
    print(
        f"\nthroughput kept through the gateway: median {summary['throughput_ratio_median']:.0%} "
        f"(worst round {summary['throughput_ratio_min']:.0%}); added median latency {summary['added_p50_ms']:.2f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
