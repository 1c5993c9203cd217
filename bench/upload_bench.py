"""Does a 10 MB evidence upload block other requests? (issue 14)

Starts the whole stack (``make run``'s supervisor, fresh PostgreSQL databases), registers a case,
then measures the latency of a small authenticated read through the gateway
(``GET /api/intake/cases/{id}``) first alone, then while another client uploads 10 MB files to the
same case through the gateway back to back. The upload streams through the gateway into intake,
which spools it, detects its type and streams it into the storage (local files here) in worker
threads, so the read's p99 should barely move.

    BENCH_PORT_MIN=9130 BENCH_PORT_MAX=9140 uv run python bench/upload_bench.py
    BENCH_READS=300 BENCH_UPLOADS=6 BENCH_UPLOAD_MB=10 ...   (defaults)
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services" / "intake" / "tests"))

from common import loadavg, pct, whole_stack
from factories import case_form

READS = int(os.environ.get("BENCH_READS", "300"))
UPLOADS = int(os.environ.get("BENCH_UPLOADS", "6"))
UPLOAD_MB = int(os.environ.get("BENCH_UPLOAD_MB", "10"))


def reads(client: httpx.Client, url: str, *, until: threading.Event | None = None, count: int = READS) -> list[float]:
    out: list[float] = []
    while (until is None and len(out) < count) or (until is not None and not until.is_set()):
        started = time.perf_counter()
        response = client.get(url)
        out.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
    return out


def main() -> int:
    payload = b"%PDF-1.7\n" + os.urandom(UPLOAD_MB * 1024 * 1024 - 9)
    with whole_stack(label="upload") as stack:
        headers = {"Authorization": f"Bearer {stack.clerk_token()}"}
        with httpx.Client(base_url=stack.gateway, headers=headers, timeout=120) as client:
            case = client.post("/api/intake/cases", json=case_form())
            case.raise_for_status()
            case_id = case.json()["id"]
            read_url = f"/api/intake/cases/{case_id}"
            reads(client, read_url, count=30)  # warm up
            alone = reads(client, read_url)

            done = threading.Event()
            upload_ms: list[float] = []

            def upload() -> None:
                with httpx.Client(base_url=stack.gateway, headers=headers, timeout=120) as uploader:
                    for _ in range(UPLOADS):
                        started = time.perf_counter()
                        r = uploader.post(
                            f"/api/intake/cases/{case_id}/attachments",
                            files={"file": ("scan.pdf", payload, "application/pdf")},
                            data={"evidence_type": "other"},
                        )
                        upload_ms.append((time.perf_counter() - started) * 1000)
                        r.raise_for_status()
                done.set()

            thread = threading.Thread(target=upload)
            thread.start()
            during = reads(client, read_url, until=done)
            thread.join()
    print(f"load average {loadavg()}")
    print(f"read alone:        n={len(alone)} p50={pct(alone, 50):.1f} ms p99={pct(alone, 99):.1f} ms")
    print(f"read while upload: n={len(during)} p50={pct(during, 50):.1f} ms p99={pct(during, 99):.1f} ms")
    mb = UPLOAD_MB * UPLOADS
    print(
        f"uploads: {UPLOADS} x {UPLOAD_MB} MB, median {pct(upload_ms, 50):.0f} ms each "
        f"({mb / (sum(upload_ms) / 1000):.1f} MB/s through the gateway)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
