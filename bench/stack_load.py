"""One checkout's stack under registration load (run by bench/run_all.py, with that checkout's
interpreter, so the baseline runs its own code): idle CPU, throughput, fixed-rate latency, RSS.

    <checkout>/.venv/bin/python bench/stack_load.py <checkout> [--anchor]

With ``--anchor`` it also starts anchor (b), bench/anchor_app.py, on the stack's intake database,
behind a second gateway process of the same code and keys whose ``intake`` upstream is the anchor,
and measures it the same way. Prints one JSON line.
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
sys.path.insert(0, str(HERE))
from common import cpu_percent_over, cpu_seconds, free_ports, loadavg, pct, rss_mb, whole_stack  # noqa: E402

SECONDS = int(os.environ.get("BENCH_SECONDS", "15"))
RATE = int(os.environ.get("BENCH_RATE", "100"))
IDLE = float(os.environ.get("BENCH_IDLE_SECONDS", "30"))
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def forms(case_form, n: int = 1000) -> list[dict]:  # type: ignore[no-untyped-def]
    """Registrations against ``n`` different employers, taken in turn: one employer registered
    thousands of times a minute would make every registration link the 200 earlier ones (the
    collective-dispute check) and measure that instead of a registration."""
    from datetime import date, timedelta

    from onewindow_domain.identifiers import make_credit_code, make_id_number

    out = []
    for i in range(n):
        body = case_form()
        body["respondents"][0]["credit_code"] = make_credit_code(seq=10_000 + i)
        body["respondents"][0]["name"] = f"深圳市某某电子有限公司{i}"
        # And a different worker each time: one ID number registered thousands of times would make
        # every registration list the worker's 200 earlier open cases (triage's open-case check,
        # stored in the case's triage and returned) — the same artefact as one employer.
        body["applicants"][0]["id_number"] = make_id_number(birth=date(1970, 1, 1) + timedelta(days=i), seq=i % 1000)
        body["applicants"][0]["phone"] = f"139{i:08d}"
        out.append(body)
    return out


def wrk(url: str, token: str, bodies: list[dict], seconds: int, work: Path) -> dict:
    script = work / "post.lua"
    listed = ",\n".join(f"[==[{json.dumps(b, ensure_ascii=False)}]==]" for b in bodies)
    script.write_text(
        'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
        f'wrk.headers["Authorization"] = "Bearer {token}"\n'
        f"bodies = {{\n{listed}\n}}\ni = 0\n"
        "request = function()\n  i = i % #bodies + 1\n  return wrk.format(nil, nil, nil, bodies[i])\nend\n"
    )
    out = subprocess.run(
        ["wrk", "-t1", "-c16", f"-d{seconds}s", "--latency", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    lat = {}
    for p in ("50", "99"):
        m = re.search(rf"^\s+{p}(?:\.0+)?%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        lat[p] = round(float(m.group(1)) * UNITS[m.group(2)], 1) if m else None
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50_ms": lat["50"],
        "p99_ms": lat["99"],
        "non_2xx": int(non2xx.group(1)) if non2xx else 0,
    }


async def fixed_rate(url: str, token: str, bodies: list[dict], rate: int, seconds: int) -> dict:
    import httpx

    latencies: list[float] = []
    errors = 0
    async with httpx.AsyncClient(
        headers={"Authorization": f"Bearer {token}"}, timeout=60, limits=httpx.Limits(max_connections=400)
    ) as http:

        async def one(body: dict) -> None:
            nonlocal errors
            t0 = time.perf_counter()
            try:
                response = await http.post(url, json=body)
                errors += response.status_code != 201
            except Exception:
                errors += 1
            latencies.append((time.perf_counter() - t0) * 1000)

        tasks = []
        start = time.perf_counter()
        for i in range(rate * seconds):
            await asyncio.sleep(max(0, start + i / rate - time.perf_counter()))
            tasks.append(asyncio.create_task(one(bodies[i % len(bodies)])))
        await asyncio.gather(*tasks)
    return {
        "rate": rate,
        "sent": rate * seconds,
        "errors": errors,
        "p50_ms": round(pct(latencies, 50), 1),
        "p95_ms": round(pct(latencies, 95), 1),
        "p99_ms": round(pct(latencies, 99), 1),
    }


def wait_http(url: str, timeout: float = 60) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


def main() -> None:
    root = Path(sys.argv[1]).resolve()
    anchor = "--anchor" in sys.argv
    sys.path.insert(0, str(root / "services" / "intake" / "tests"))
    from factories import case_form

    out: dict = {"root": str(root), "loadavg_start": loadavg()}
    with whole_stack(root, label="load") as running:
        time.sleep(10)  # let start-up work settle
        pids = running.pids()
        elapsed, percent = cpu_percent_over(pids, IDLE)
        out["idle"] = {
            "window_s": round(elapsed, 1),
            "cpu_percent_of_one_core": {n: round(v, 2) for n, v in percent.items()},
            "total_percent_of_one_core": round(sum(percent.values()), 2),
        }
        out["rss_mb_at_rest"] = {n: round(rss_mb(p), 1) for n, p in pids.items()}
        token = running.clerk_token()
        bodies = forms(case_form)
        body = bodies[0]
        url = running.gateway + "/api/intake/cases"
        import httpx

        first = httpx.post(url, json=body, headers={"Authorization": f"Bearer {token}"})
        assert first.status_code == 201, first.text
        out["loadavg_before_load"] = loadavg()
        cpu0 = {n: cpu_seconds(p) for n, p in pids.items()}
        out["throughput"] = wrk(url, token, bodies, SECONDS, running.var_dir)
        cpu1 = {n: cpu_seconds(p) for n, p in pids.items()}
        done = out["throughput"]["per_second"] * SECONDS
        out["cpu_ms_per_registration"] = {n: round(1000 * (cpu1[n] - cpu0[n]) / max(done, 1), 1) for n in pids}
        out["loadavg_after_throughput"] = loadavg()
        time.sleep(5)  # let the relays drain
        out["fixed_rate"] = asyncio.run(fixed_rate(url, token, bodies, RATE, SECONDS))
        out["loadavg_after_fixed_rate"] = loadavg()
        out["rss_mb_after_load"] = {n: round(rss_mb(p), 1) for n, p in pids.items()}
        if anchor:
            out["anchor"] = run_anchor(running, token, bodies)
    print(json.dumps(out), flush=True)


def run_anchor(running, token: str, bodies: list[dict]) -> dict:  # type: ignore[no-untyped-def]
    stack = running.stack
    anchor_port, gateway_port = free_ports(2, set(running.config.ports.values()))
    env = dict(os.environ) | {"ANCHOR_DATABASE_URL": running.config.database_urls["intake"]}
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "anchor_app:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(anchor_port),
                "--loop",
                "uvloop",
                "--http",
                "httptools",
                "--no-access-log",
                "--log-level",
                "warning",
            ],
            cwd=HERE,
            env=env,
        )
    ]
    gw_env = stack.env_for("gateway")
    upstreams = json.loads(gw_env["GATEWAY_UPSTREAMS"])
    upstreams["intake"] = f"http://127.0.0.1:{anchor_port}"
    gw_env["GATEWAY_UPSTREAMS"] = json.dumps(upstreams)
    spec = stack.specs["gateway"]
    procs.append(
        subprocess.Popen(
            [sys.executable, "-m", spec.module, "serve", "--host", "127.0.0.1", "--port", str(gateway_port)],
            cwd=stack_root(running),
            env=gw_env,
        )
    )
    try:
        wait_http(f"http://127.0.0.1:{anchor_port}/docs")
        wait_http(f"http://127.0.0.1:{gateway_port}/health")
        url = f"http://127.0.0.1:{gateway_port}/api/intake/cases"
        import httpx

        first = httpx.post(url, json=bodies[0], headers={"Authorization": f"Bearer {token}"})
        assert first.status_code == 201, first.text
        result = {"throughput": wrk(url, token, bodies, SECONDS, running.var_dir), "loadavg": loadavg()}
        time.sleep(2)
        result["fixed_rate"] = asyncio.run(fixed_rate(url, token, bodies, RATE, SECONDS))
        return result
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=20)


def stack_root(running) -> Path:  # type: ignore[no-untyped-def]
    import stack as stack_module

    return Path(stack_module.ROOT)


if __name__ == "__main__":
    main()
