"""``serve --processes N``: N processes accept on one port, and stopping the parent stops them all."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx
import pytest

SERVICE = textwrap.dedent(
    """
    import os, sys
    from fastapi import FastAPI
    from pydantic_settings import BaseSettings, SettingsConfigDict
    from onewindow_kit.cli import main

    class Settings(BaseSettings):
        model_config = SettingsConfigDict(env_prefix="DEMO_")
        database_url: str = "sqlite+aiosqlite:///demo.sqlite3"
        processes: int = 1

    def create_app() -> FastAPI:
        app = FastAPI()

        @app.get("/pid")
        def pid() -> dict[str, int]:
            return {"pid": os.getpid()}

        return app

    if __name__ == "__main__":
        main(name="demo", settings_factory=Settings, app_factory="demo_service:create_app",
             migrations_dir=None, argv=sys.argv[1:])
    """
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(tmp_path: Path, *args: str, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], int]:
    (tmp_path / "demo_service.py").write_text(SERVICE)
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "demo_service.py", "serve", "--port", str(port), *args],
        cwd=tmp_path,
        env=os.environ | env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    return proc, port


def _pids_answering(port: int, want: int, seconds: float = 20) -> set[int]:
    seen: set[int] = set()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and len(seen) < want:
        try:
            # A new connection each time, so the kernel may hand it to any of the processes.
            seen.add(httpx.get(f"http://127.0.0.1:{port}/pid", headers={"Connection": "close"}).json()["pid"])
        except httpx.TransportError:
            time.sleep(0.05)
    return seen


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(c) for c in path.read_text().split()] if path.exists() else []


@pytest.mark.skipif(sys.platform != "linux", reason="fork and /proc: Linux only")
def test_processes_share_the_port_and_stop_with_the_parent(tmp_path: Path) -> None:
    proc, port = _start(tmp_path, "--processes", "3", env={"DEMO_DATABASE_URL": "postgresql+asyncpg://x/y"})
    try:
        pids = _pids_answering(port, 3)
        assert len(pids) == 3, pids
        children = _children(proc.pid)
        assert sorted(children) == sorted(pids - {proc.pid})
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) in (0, -signal.SIGTERM)  # as one process: ended by the signal
        for child in children:
            assert not Path(f"/proc/{child}").exists() or "zombie" in Path(f"/proc/{child}/status").read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_the_setting_chooses_the_count_and_sqlite_is_refused(tmp_path: Path) -> None:
    proc, _ = _start(tmp_path, env={"DEMO_PROCESSES": "2"})  # the default SQLite URL
    output = proc.communicate(timeout=30)[0].decode()
    assert proc.returncode != 0
    assert "more than one process needs PostgreSQL" in output
