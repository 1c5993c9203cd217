"""Profile intake (and the gateway) under registration load with py-spy, for PERFORMANCE.md.

    <checkout>/.venv/bin/python bench/profile_register.py <checkout>    # needs py-spy (uvx py-spy)

Starts that checkout's stack, drives registrations with wrk (16 connections, rotating employers)
and samples the running intake and gateway processes with ``py-spy record --format raw``; prints
the share of samples spent in each of a few buckets (inclusive) and the top self frames.
"""

from __future__ import annotations

import collections
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from common import whole_stack  # noqa: E402
from stack_load import forms, wrk  # noqa: E402

SECONDS = int(os.environ.get("BENCH_PROFILE_SECONDS", "15"))
IDLE_LEAVES = ("Condition.wait (threading.py", "Runner.run (asyncio/runners.py")
BUCKETS = {
    "sqlalchemy ORM (flush, unit of work, loading)": ("sqlalchemy/orm/",),
    "sqlalchemy core (compile, execute)": ("sqlalchemy/sql/", "sqlalchemy/engine/"),
    "asyncpg / aiosqlite driver": ("asyncpg/", "aiosqlite/", "sqlalchemy/dialects/"),
    "pydantic validation / serialisation": ("pydantic/", "pydantic_core", "fastapi/_compat", "fastapi/routing.py"),
    "token verification (JWT)": ("jwt/", "onewindow_kit/auth.py", "cryptography/"),
    "field encryption / hashing": ("onewindow_kit/crypto.py",),
    "triage": ("intake/triage/",),
    "relay / events": ("onewindow_kit/events/",),
    "HTTP server (uvicorn, starlette)": ("uvicorn/", "starlette/", "httptools"),
}


def summarise(raw: Path) -> dict:
    total = 0
    inclusive: collections.Counter[str] = collections.Counter()
    self_frames: collections.Counter[str] = collections.Counter()
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or any(leaf in stack.rsplit(";", 1)[-1] for leaf in IDLE_LEAVES):
            continue  # a thread waiting (thread pool, the event loop in epoll): not CPU
        n = int(count)
        total += n
        frames = stack.split(";")
        for bucket, needles in BUCKETS.items():
            if any(any(needle in f for needle in needles) for f in frames):
                inclusive[bucket] += n
        self_frames[frames[-1][:110]] += n
    return {
        "busy_samples": total,
        "inclusive_percent": {k: round(100 * v / max(total, 1), 1) for k, v in inclusive.most_common()},
        "top_self": [(f, round(100 * n / max(total, 1), 1)) for f, n in self_frames.most_common(12)],
    }


def main() -> None:
    root = Path(sys.argv[1]).resolve()
    sys.path.insert(0, str(root / "services" / "intake" / "tests"))
    from factories import case_form

    pyspy = shutil.which("py-spy") or "py-spy"
    out: dict = {"root": str(root)}
    with whole_stack(root, label=os.environ.get("BENCH_DB_LABEL", "prof")) as running:
        time.sleep(5)
        token = running.clerk_token()
        bodies = forms(case_form)
        url = running.gateway + "/api/intake/cases"
        pids = running.pids()
        results: dict = {}
        load = threading.Thread(
            target=lambda: results.update(wrk(url, token, bodies, SECONDS + 4, running.var_dir)), daemon=True
        )
        load.start()
        time.sleep(2)
        procs = {}
        for name in ("intake", "gateway"):
            raw = running.var_dir / f"{name}.raw"
            procs[name] = (
                subprocess.Popen(
                    [
                        pyspy,
                        "record",
                        "-p",
                        str(pids[name]),
                        "-d",
                        str(SECONDS),
                        "-r",
                        "50",
                        "-f",
                        "raw",
                        "-o",
                        str(raw),
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                ),
                raw,
            )
        for name, (proc, raw) in procs.items():
            proc.wait()
            out[name] = summarise(raw) if raw.exists() else {"error": "py-spy produced nothing"}
            if raw.exists() and os.environ.get("BENCH_PROFILE_KEEP"):  # the raw stacks, for a closer look
                shutil.copy(raw, Path(os.environ["BENCH_PROFILE_KEEP"]) / raw.name)
        load.join()
        out["throughput"] = results
    print(json.dumps(out, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
