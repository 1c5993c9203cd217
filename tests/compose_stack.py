"""The cross-service harness pointed at a running compose stack instead of local processes.

``scripts/compose_test.py`` (``make compose-test``) sets ``ONEWINDOW_COMPOSE_STACK`` to a JSON
object (the compose project, the docker client, the processes' ports, the folder with
``demo-accounts.json``, the log folder); ``tests/conftest.py`` then yields a ``ComposeStack`` as
its ``stack`` fixture. It offers what the journeys use of ``deploy/stack.py``'s ``Stack``: URLs,
the processes' environment, and stopping a process (here: ``docker kill``, SIGKILL to the
container, the harshest outage) and starting it again (``docker start`` of the same container).
Each kill and start is written to the journey log with the time, so the run shows it."""

from __future__ import annotations

import json
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import stack as stack_module


@dataclass
class ComposeConfig:
    var_dir: Path
    ports: dict[str, int]
    extra_env: dict[str, dict[str, str]] = field(default_factory=dict)

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"


class ComposeStack:
    def __init__(self, settings: dict[str, Any]) -> None:
        self.project: str = settings["project"]
        self.docker: str = settings["docker"]
        self.config = ComposeConfig(var_dir=Path(settings["var_dir"]), ports=dict(settings["ports"]))
        self.log_dir = Path(settings["log_dir"])
        self.journey_log = Path(settings["journey_log"])
        self.specs = {s.name: s for s in stack_module.load_table()}

    def note(self, message: str) -> None:
        with self.journey_log.open("a", encoding="utf-8") as out:
            out.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {message}\n")

    def container(self, name: str) -> str:
        labels = [f"label=com.docker.compose.project={self.project}", f"label=com.docker.compose.service={name}"]
        out = subprocess.run(
            [self.docker, "ps", "-aq", *(arg for label in labels for arg in ("--filter", label))],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return out.stdout.split()[0]

    def env_for(self, name: str) -> dict[str, str]:
        out = subprocess.run(
            [self.docker, "inspect", "--format", "{{json .Config.Env}}", self.container(name)],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return dict(item.split("=", 1) for item in json.loads(out.stdout))

    def stop(self, name: str) -> None:
        cid = self.container(name)
        subprocess.run([self.docker, "kill", cid], capture_output=True, timeout=60, check=True)
        status = self._status(cid)
        self.note(f"KILLED container {name} ({cid[:12]}) mid-journey with SIGKILL; state now {status}")

    def start(self, name: str) -> None:
        cid = self.container(name)
        subprocess.run([self.docker, "start", cid], capture_output=True, timeout=60, check=True)
        self.note(f"STARTED container {name} ({cid[:12]}) again")

    def wait_ready(self, name: str, timeout: float = 120.0) -> None:
        url = self.config.url(name) + self.specs[name].ready
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if stack_module.http_status(url) == 200:
                self.note(f"READY {name} at {url}")
                return
            time.sleep(0.2)
        raise TimeoutError(f"{name} not ready at {url} after {timeout:.0f}s")

    def _status(self, cid: str) -> str:
        out = subprocess.run(
            [self.docker, "inspect", "--format", "{{.State.Status}}", cid], capture_output=True, text=True, timeout=60
        )
        return out.stdout.strip()
