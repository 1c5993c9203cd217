"""The whole stack at rest: CPU of every process over a window, from /proc, and RSS (issue 17).

    uv run python bench/idle_bench.py              # BENCH_IDLE_SECONDS=30 (window), BENCH_SETTLE_SECONDS=15

Starts the stack on fresh PostgreSQL databases, lets it settle, then reads utime+stime of each
process (and its children) at the start and the end of the window. Prints one JSON line.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, cpu_percent_over, loadavg, rss_mb, whole_stack

WINDOW = float(os.environ.get("BENCH_IDLE_SECONDS", "30"))
SETTLE = float(os.environ.get("BENCH_SETTLE_SECONDS", "15"))


def measure(root: Path = ROOT, label: str = "idle") -> dict:
    with whole_stack(root, label=label) as running:
        time.sleep(SETTLE)
        pids = running.pids()
        elapsed, percent = cpu_percent_over(pids, WINDOW)
        per = {name: round(value, 2) for name, value in percent.items()}
        return {
            "window_s": round(elapsed, 1),
            "cpu_percent_of_one_core": per,
            "total_percent_of_one_core": round(sum(per.values()), 2),
            "rss_mb": {name: round(rss_mb(pid), 1) for name, pid in pids.items()},
            "loadavg": loadavg(),
        }


if __name__ == "__main__":
    root = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else ROOT
    print(json.dumps(measure(root)), flush=True)
