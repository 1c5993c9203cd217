"""What `make run` (deploy/stack.py) hands each process: the caller's settings reach it (issue 16)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import ROOT, stack_module


@pytest.fixture
def stack(tmp_path) -> stack_module.Stack:
    table = stack_module.load_table()
    config = stack_module.StackConfig(
        var_dir=tmp_path,
        ports={s.name: 9200 + i for i, s in enumerate(table)},
        database_urls={s.name: f"sqlite+aiosqlite:///{tmp_path / s.database}.sqlite3" for s in table},
    )
    s = stack_module.Stack(config, table)
    s.creds = {
        "clients": [{"client_id": stack_module.service_client_id(x), "client_secret": "s"} for x in table],
        "data": {"data_keys": {"k1": "a" * 44}, "data_key_active": "k1", "lookup_key": "b" * 44},
    }
    return s


def test_a_setting_given_to_make_run_reaches_the_process(stack, monkeypatch):
    origins = ["https://window.example.cn"]
    monkeypatch.setenv("GATEWAY_CORS_ORIGINS", json.dumps(origins))
    monkeypatch.setenv("INTAKE_RELAY_BACKOFF_MAX_SECONDS", "42")
    monkeypatch.setenv("GATEWAY_LOG_LEVEL", "DEBUG")
    env = stack.env_for("gateway")
    assert env["GATEWAY_CORS_ORIGINS"] == json.dumps(origins)
    assert env["GATEWAY_LOG_LEVEL"] == "DEBUG"  # a supervisor default gives way to the caller's value
    assert "INTAKE_RELAY_BACKOFF_MAX_SECONDS" not in env  # another process's setting stays with it
    assert stack.env_for("intake")["INTAKE_RELAY_BACKOFF_MAX_SECONDS"] == "42"
    # ...and the process itself reads it: the gateway's settings, loaded in a child with that environment.
    code = "from gateway.config import GatewaySettings as S; import json; print(json.dumps(S().cors_origins))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == origins


def test_the_supervisor_wiring_wins_over_a_stray_variable(stack, monkeypatch):
    monkeypatch.setenv("INTAKE_DATABASE_URL", "sqlite+aiosqlite:///elsewhere.sqlite3")
    monkeypatch.setenv("INTAKE_PORT", "1")
    monkeypatch.setenv("INTAKE_PEERS", "{}")
    env = stack.env_for("intake")
    assert env["INTAKE_DATABASE_URL"] == stack.config.database_urls["intake"]
    assert env["INTAKE_PORT"] == str(stack.config.ports["intake"])
    assert json.loads(env["INTAKE_PEERS"])  # the supervisor's peers, not the empty map
