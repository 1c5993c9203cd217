"""Case registration through the gateway (issue 3): sustained throughput and latency at a fixed rate.

    uv run python bench/intake_register_bench.py        # PostgreSQL from TEST_DATABASE_URL (default local), else SQLite
    BENCH_SECONDS=20 BENCH_RATE=100 uv run python bench/intake_register_bench.py

1. Throughput: wrk (one thread, 16 connections) POSTs registrations as fast as they are answered.
2. Latency at a fixed rate: an asyncio client sends BENCH_RATE registrations a second (open loop:
   a slow answer does not delay the next request) and records each one's latency.
The whole stack runs (gateway, intake, mediation, bridges), with the event relay delivering.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "deploy"))
sys.path.insert(0, str(ROOT / "services" / "intake" / "tests"))

import stack as stack_module  # noqa: E402
from factories import case_form  # noqa: E402
from onewindow_kit.testing import create_pg_database, drop_pg_database, postgres_url, unique_db_name  # noqa: E402

SECONDS = int(os.environ.get("BENCH_SECONDS", "20"))
RATE = int(os.environ.get("BENCH_RATE", "100"))
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


async def fixed_rate(url: str, token: str, body: dict, rate: int, seconds: int) -> dict:
    latencies: list[float] = []
    errors = 0
    async with httpx.AsyncClient(
        headers={"Authorization": f"Bearer {token}"}, timeout=30, limits=httpx.Limits(max_connections=200)
    ) as http:

        async def one() -> None:
            nonlocal errors
            t0 = time.perf_counter()
            response = await http.post(url, json=body)
            latencies.append((time.perf_counter() - t0) * 1000)
            errors += response.status_code != 201

        tasks = []
        start = time.perf_counter()
        for i in range(rate * seconds):
            await asyncio.sleep(max(0, start + i / rate - time.perf_counter()))
            tasks.append(asyncio.create_task(one()))
        await asyncio.gather(*tasks)
    return {
        "sent": rate * seconds,
        "errors": errors,
        "p50_ms": round(pct(latencies, 50), 1),
        "p95_ms": round(pct(latencies, 95), 1),
        "p99_ms": round(pct(latencies, 99), 1),
    }


def main() -> int:
    table = stack_module.load_table()
    var_dir = Path(tempfile.mkdtemp(prefix="ow-bench-reg-"))
    admin = postgres_url() or "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
    urls, created = {}, []
    for spec in table:
        name = unique_db_name("benchreg_" + spec.name)
        urls[spec.name] = asyncio.run(create_pg_database(admin, name))
        created.append(name)
    config = stack_module.StackConfig(
        var_dir=var_dir,
        ports={s.name: stack_module.free_port() for s in table},
        database_urls=urls,
        environment="test",
        log_level="WARNING",
        extra_env={"gateway": {"GATEWAY_RATE_LIMIT_ENABLED": "false"}},
    )
    running = stack_module.Stack(config, table)
    try:
        running.prepare()
        running.start_all()
        creds = json.loads((var_dir / "demo-accounts.json").read_text())
        clerk = next(u for u in creds["users"] if u["username"] == "clerk")
        gw = config.url("gateway")
        token = httpx.post(
            gw + "/auth/token", data={"grant_type": "password", "username": "clerk", "password": clerk["password"]}
        ).json()["access_token"]
        body = case_form()
        assert (
            httpx.post(gw + "/api/intake/cases", json=body, headers={"Authorization": f"Bearer {token}"}).status_code
            == 201
        )
        script = var_dir / "post.lua"
        script.write_text(
            'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
            f'wrk.headers["Authorization"] = "Bearer {token}"\nwrk.body = [==[{json.dumps(body, ensure_ascii=False)}]==]\n'
        )
        out = subprocess.run(
            ["wrk", "-t1", "-c16", f"-d{SECONDS}s", "--latency", "-s", str(script), gw + "/api/intake/cases"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
        non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        lat = {
            p: float(m.group(1)) * UNITS[m.group(2)]
            for p in ("50", "99")
            for m in [re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)]
        }
        throughput = {
            "cases_per_second": rps,
            "p50_ms": lat["50"],
            "p99_ms": lat["99"],
            "non_2xx": int(non2xx.group(1)) if non2xx else 0,
        }
        print("throughput (wrk -t1 -c16):", throughput, flush=True)
        time.sleep(5)  # let the relays drain
        steady = asyncio.run(fixed_rate(gw + "/api/intake/cases", token, body, RATE, SECONDS))
        print(f"fixed rate {RATE}/s:", steady, flush=True)
    finally:
        running.stop_all()
        for name in created:
            asyncio.run(drop_pg_database(admin, name))
        shutil.rmtree(var_dir, ignore_errors=True)
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(exist_ok=True)
    (out_dir / f"intake-register-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(
        json.dumps({"throughput": throughput, "fixed_rate": steady, "rate": RATE, "seconds": SECONDS}, indent=2)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
