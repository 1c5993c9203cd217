"""Proxy benchmark: an authenticated small GET, direct to a service vs through the gateway.

    uv run python bench/proxy_bench.py                       # direct vs gateway
    uv run python bench/proxy_bench.py --variants builtin,httpx,httpcore
    uv run --with aiohttp python bench/proxy_bench.py --variants aiohttp

Starts, on loopback ports: a trivial upstream (FastAPI under uvicorn, verifying the Bearer token
with the kit's TokenVerifier like a real service), the real gateway (migrated and seeded in a temp
folder, rate limit off), and optionally bare proxies built on other HTTP clients (the same lean
ASGI forwarding, only the client differs), then runs ``wrk -t1 -c32 -d10s --latency`` against each
and prints requests/s, median and p99 latency, and the ratios to direct. All servers run with
``--loop uvloop --http httptools --no-access-log``; every process is stopped at the end.
"""

import argparse
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PASSWORD = "bench-password-1"

# ---------------------------------------------------------------------------------------------
# The processes under test (this file is also their entry point: ``proxy_bench.py serve-…``)
# ---------------------------------------------------------------------------------------------


def upstream_app() -> Any:
    """A service-like endpoint: verify the token (cached after the first time), answer JSON."""
    from fastapi import FastAPI
    from onewindow_kit.auth import CurrentPrincipal, StaticKeySource, TokenVerifier

    app = FastAPI()
    jwks = json.loads(Path(os.environ["BENCH_JWKS_FILE"]).read_text())
    app.state.verifier = TokenVerifier(StaticKeySource(jwks), issuer="onewindow-gateway", audience="onewindow")

    @app.get("/cases/{case_id}")
    async def get_case(case_id: str, principal: CurrentPrincipal) -> dict[str, Any]:
        return {"case_id": case_id, "status": "registered", "center_id": principal.center_id, "claims": 3}

    @app.get("/readyz")
    async def readyz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def variant_app() -> Any:
    """A bare proxy (no auth, no limits) forwarding everything to BENCH_UPSTREAM with one client."""
    client_name = os.environ["BENCH_CLIENT"]
    upstream = os.environ["BENCH_UPSTREAM"].rstrip("/")
    hop = {
        b"connection",
        b"keep-alive",
        b"transfer-encoding",
        b"te",
        b"trailer",
        b"upgrade",
        b"host",
        b"proxy-authorization",
        b"proxy-authenticate",
        b"content-length",
        b"date",
        b"server",
    }
    state: dict[str, Any] = {}

    async def startup() -> None:
        if client_name == "httpx":
            import httpx

            limits = httpx.Limits(max_connections=200, max_keepalive_connections=200, keepalive_expiry=4)
            state["client"] = httpx.AsyncClient(limits=limits, timeout=30)
        elif client_name == "httpcore":
            import httpcore

            state["client"] = httpcore.AsyncConnectionPool(max_connections=200, keepalive_expiry=4)
        elif client_name == "aiohttp":
            import aiohttp

            connector = aiohttp.TCPConnector(limit=200, keepalive_timeout=4)
            state["client"] = aiohttp.ClientSession(connector=connector, auto_decompress=False)
        elif client_name == "null":
            state["client"] = None  # no upstream at all: the cost of uvicorn + ASGI alone
        elif client_name == "builtin":
            from gateway.proxy.upstream import UpstreamPool

            state["client"] = UpstreamPool("bench", upstream, max_connections=200)
        else:
            raise SystemExit(f"unknown client {client_name}")

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await startup()
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        await receive()
        headers = [(k, v) for k, v in scope["headers"] if k not in hop]
        target = scope["raw_path"] + (b"?" + scope["query_string"] if scope["query_string"] else b"")
        client = state["client"]
        if client_name == "null":
            body = b'{"case_id":"1","status":"registered","center_id":"bench","claims":3}'
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
                }
            )
            await send({"type": "http.response.body", "body": body})
        elif client_name == "httpx":
            request = client.build_request(scope["method"], upstream + target.decode(), headers=headers)
            response = await client.send(request, stream=True)
            out = [(k, v) for k, v in response.headers.raw if k.lower() not in hop]
            await send({"type": "http.response.start", "status": response.status_code, "headers": out})
            async for chunk in response.aiter_raw():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await response.aclose()
            await send({"type": "http.response.body", "body": b""})
        elif client_name == "httpcore":
            host = urllib.parse.urlsplit(upstream).netloc.encode()
            async with client.stream(
                scope["method"].encode(), upstream.encode() + target, headers=[(b"host", host), *headers]
            ) as response:
                out = [(k, v) for k, v in response.headers if k.lower() not in hop]
                await send({"type": "http.response.start", "status": response.status, "headers": out})
                async for chunk in response.aiter_stream():
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        elif client_name == "aiohttp":
            async with client.request(
                scope["method"], upstream + target.decode(), headers={k.decode(): v.decode() for k, v in headers}
            ) as response:
                out = [(k, v) for k, v in response.raw_headers if k.lower() not in hop]
                await send({"type": "http.response.start", "status": response.status, "headers": out})
                async for chunk in response.content.iter_any():
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        else:
            conn, _ = await client.acquire()
            head = b"".join(
                [
                    scope["method"].encode(),
                    b" ",
                    target,
                    b" HTTP/1.1\r\nhost: ",
                    client.host_header,
                    b"\r\n",
                    *[k + b": " + v + b"\r\n" for k, v in headers],
                    b"\r\n",
                ]
            )
            conn.write(head)
            await conn.read_head(30)
            out = [(k, v) for k, v in conn.headers if k not in hop]
            await send({"type": "http.response.start", "status": conn.status, "headers": out})
            while (data := await conn.read_body(30)) is not None:
                await send({"type": "http.response.body", "body": data, "more_body": True})
            client.release(conn)
            await send({"type": "http.response.body", "body": b""})

    return app


# ---------------------------------------------------------------------------------------------
# The driver
# ---------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_ready(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status < 500:
                    return
        except Exception:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not come up")


def uvicorn_cmd(target: str, port: int, *, factory: bool = True) -> list[str]:
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        target,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--no-access-log",
        "--no-proxy-headers",
        "--log-level",
        "warning",
    ]
    return cmd + (["--factory"] if factory else [])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wrk(
    url: str, token: str, *, connections: int, duration: int, pids: dict[str, int] | None = None
) -> dict[str, float]:
    before = {name: cpu_seconds(pid) for name, pid in (pids or {}).items()}
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", "-H", f"Authorization: Bearer {token}", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    cpu = {
        f"cpu_us_{name}": 1e6 * (cpu_seconds(pid) - before[name]) / max(1, requests)
        for name, pid in (pids or {}).items()
    }

    def ms(label: str) -> float:
        value, unit = re.search(rf"\s{label}\s+([\d.]+)(us|ms|s)\b", out).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    failures = sum(int(n) for n in socket_errors.groups()) if socket_errors else 0
    if errors:
        print(out, file=sys.stderr)
        print(
            subprocess.run(
                ["curl", "-si", "-H", f"Authorization: Bearer {token}", url], capture_output=True, text=True
            ).stdout,
            file=sys.stderr,
        )
        raise SystemExit(f"wrk saw errors against {url}")
    # Socket errors (wrk's 2 s timeouts, mostly) are counted, not fatal: a slow client is a result.
    return {"rps": rps, "p50_ms": ms("50%"), "p99_ms": ms("99%"), "socket_errors": failures, **cpu}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved repetitions (medians are reported)")
    parser.add_argument(
        "--variants", default="", help="bare proxies to compare: builtin,httpx,httpcore,aiohttp (null: no upstream)"
    )
    parser.add_argument("--rate-limit", action="store_true", help="keep the gateway's rate limiter on (very high)")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="ow-bench-"))
    procs: list[subprocess.Popen[bytes]] = []
    env = {**os.environ, "PYTHONPATH": str(HERE)}

    def start(cmd: list[str], extra_env: dict[str, str]) -> None:
        procs.append(subprocess.Popen(cmd, env={**env, **extra_env}, cwd=work))

    try:
        up_port, gw_port = free_port(), free_port()
        upstream_url = f"http://127.0.0.1:{up_port}"
        gw_env = {
            "GATEWAY_DATABASE_URL": f"sqlite+aiosqlite:///{work}/gateway.sqlite3",
            "GATEWAY_KEYS_DIR": str(work / "keys"),
            "GATEWAY_UPSTREAMS": json.dumps(
                dict.fromkeys(("intake", "mediation", "arbitration-bridge", "court-bridge"), upstream_url)
            ),
            "GATEWAY_RATE_LIMIT_ENABLED": "true" if args.rate_limit else "false",
            "GATEWAY_RATE_LIMIT_PER_SECOND": "1000000",
            "GATEWAY_RATE_LIMIT_BURST": "1000000",
            "GATEWAY_LOG_LEVEL": "WARNING",
        }
        accounts = {
            "users": [
                {
                    "username": "bench",
                    "password": PASSWORD,
                    "display_name": "Bench",
                    "roles": ["clerk"],
                    "center_id": "bench",
                }
            ]
        }
        (work / "accounts.json").write_text(json.dumps(accounts))
        for command in (["migrate"], ["seed", "--accounts", str(work / "accounts.json")], ["rotate-key"]):
            subprocess.run(
                [sys.executable, "-m", "gateway", *command],
                env={**env, **gw_env},
                cwd=work,
                check=True,
                stdout=subprocess.DEVNULL,
            )

        start(uvicorn_cmd("gateway.main:create_app", gw_port), gw_env)
        wait_ready(f"http://127.0.0.1:{gw_port}/healthz")
        with urllib.request.urlopen(f"http://127.0.0.1:{gw_port}/.well-known/jwks.json") as response:
            (work / "jwks.json").write_bytes(response.read())
        start(uvicorn_cmd("proxy_bench:upstream_app", up_port), {"BENCH_JWKS_FILE": str(work / "jwks.json")})
        wait_ready(f"{upstream_url}/readyz")
        form = urllib.parse.urlencode({"grant_type": "password", "username": "bench", "password": PASSWORD}).encode()
        with urllib.request.urlopen(f"http://127.0.0.1:{gw_port}/auth/token", data=form) as response:
            token = json.loads(response.read())["access_token"]

        targets = {"direct": f"{upstream_url}/cases/1", "gateway": f"http://127.0.0.1:{gw_port}/api/intake/cases/1"}
        gateway_pid, upstream_pid = procs[0].pid, procs[1].pid
        proxy_pids = {"direct": None, "gateway": gateway_pid}
        for variant in filter(None, args.variants.split(",")):
            port = free_port()
            start(
                uvicorn_cmd("proxy_bench:variant_app", port), {"BENCH_CLIENT": variant, "BENCH_UPSTREAM": upstream_url}
            )
            wait_ready(f"http://127.0.0.1:{port}/readyz")
            targets[f"bare-{variant}"] = f"http://127.0.0.1:{port}/cases/1"
            proxy_pids[f"bare-{variant}"] = procs[-1].pid

        for url in targets.values():
            wrk(url, token, connections=args.connections, duration=2)  # warm up pools and caches
        # Rounds interleave the targets, so a disturbance on the machine hits all of them alike;
        # each figure is the median over the rounds.
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in targets}
        for _ in range(args.rounds):
            for name, url in targets.items():
                pids = {"upstream": upstream_pid}
                if proxy_pids[name] is not None:
                    pids["proxy"] = proxy_pids[name]
                runs[name].append(wrk(url, token, connections=args.connections, duration=args.duration, pids=pids))

        def median(values: list[float]) -> float:
            return statistics.median(values)

        results = {name: {key: median([r[key] for r in rs]) for key in rs[0]} for name, rs in runs.items()}
        direct = results["direct"]
        print(
            f"\nwrk -t1 -c{args.connections} -d{args.duration}s x {args.rounds} rounds (medians), "
            f"authenticated small GET, {os.cpu_count()} CPUs\n"
        )
        print(
            f"{'target':<16}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'% direct':>10}{'+p50 ms':>9}"
            f"{'proxy CPU':>11}{'upstream CPU':>14}{'sock err':>10}  (CPU: µs per request)"
        )
        for name, r in results.items():
            proxy_cpu = f"{r['cpu_us_proxy']:>11.0f}" if "cpu_us_proxy" in r else f"{'-':>11}"
            print(
                f"{name:<16}{r['rps']:>10.0f}{r['p50_ms']:>9.2f}{r['p99_ms']:>9.2f}"
                f"{100 * r['rps'] / direct['rps']:>9.1f}%{r['p50_ms'] - direct['p50_ms']:>9.2f}"
                f"{proxy_cpu}{r['cpu_us_upstream']:>14.0f}{r['socket_errors']:>10.0f}"
            )
        if args.json:
            Path(args.json).write_text(json.dumps({"results": results, "runs": runs}, indent=2))
    finally:
        for proc in reversed(procs):  # proxies before the upstream they forward to
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    main()
