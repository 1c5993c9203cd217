"""One label source (issue 18): every code the services can send has a Chinese name in the SPA.

Reads what the services can send — every string enum of each service's OpenAPI document (built by
``web/scripts/dump_openapi.py``, one process per service), every event type their code publishes
or delivers as a webhook, mediation's proceeding states and history actions — and fails naming
each one ``web/src/labels/zh-CN.json`` (what ``web/src/utils/labels.ts`` shows) does not name."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
LABELS = json.loads((ROOT / "web/src/labels/zh-CN.json").read_text(encoding="utf-8"))
SERVICES = ("gateway", "intake", "mediation", "court", "arbitration")
CHINESE = re.compile(r"[\u4e00-\u9fff]")

# Event types: the envelopes between services and the partner webhooks' types.
EVENT = re.compile(r"^(intake|mediation|court|arbitration)\.[a-z_]+\.[a-z_]+$")
WEBHOOK = re.compile(r"^(referral|transfer|review|confirmation|payment_order)\.[a-z_]+$")
NOT_EVENTS = {"court.example.cn"}  # a host name in an example


@cache
def openapi(service: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, str(ROOT / "web/scripts/dump_openapi.py"), service],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout
    return json.loads(out)


def enum_values(node: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        values = node.get("enum")
        if isinstance(values, list):
            for value in values:
                if isinstance(value, str):
                    yield value, where
        for key, child in node.items():
            yield from enum_values(child, f"{where}/{key}")
    elif isinstance(node, list):
        for child in node:
            yield from enum_values(child, where)


def python_sources() -> Iterator[Path]:
    for folder in (ROOT / "services", ROOT / "libs"):
        for path in folder.rglob("*.py"):
            if "tests" not in path.parts and "migrations" not in path.parts:
                yield path


def string_constants(path: Path) -> Iterator[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    # A logger's name (logging.getLogger("intake.portal.attachments")) looks like an event type.
    loggers = {
        id(arg)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and (node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")) == "getLogger"
        for arg in node.args
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in loggers:
            yield node.value


def event_types() -> set[str]:
    found: set[str] = set()
    for path in python_sources():
        for value in string_constants(path):
            if (EVENT.match(value) or WEBHOOK.match(value)) and value not in NOT_EVENTS and not value.endswith(".id"):
                found.add(value)
    # Built from a state: f"mediation.proceeding.{verb}" and the bridges' f"referral.{status}".
    for verb in proceeding_actions() & set(proceeding_states()):
        found.add(f"mediation.proceeding.{verb}")
    for status in referral_statuses():
        found.add(f"referral.{status}")
    return found


def module_assignment(path: Path, name: str) -> Any:
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            return ast.literal_eval(node.value)
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id == name:
            return ast.literal_eval(node.value) if node.value is not None else None
    raise AssertionError(f"{name} not found in {path}")


def proceeding_states() -> dict[str, Any]:
    return module_assignment(ROOT / "services/mediation/src/mediation/proceedings/service.py", "TRANSITIONS")


def proceeding_actions() -> set[str]:
    """Every ``action="…"`` mediation writes into a proceeding's history."""
    actions: set[str] = set()
    for path in (ROOT / "services/mediation/src/mediation").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.keyword)
                and node.arg == "action"
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
            ):
                actions.add(node.value.value)
    return actions


def referral_statuses() -> set[str]:
    statuses: set[str] = set()
    for service in ("court", "arbitration"):
        for schema in openapi(service)["components"]["schemas"].values():
            status = schema.get("properties", {}).get("status", {})
            if schema.get("title", "").startswith("Referral") and "enum" in status:
                statuses.update(status["enum"])
    return statuses


def test_every_openapi_enum_value_has_a_label() -> None:
    missing: dict[str, str] = {}
    for service in SERVICES:
        for value, where in enum_values(openapi(service), service):
            if value not in LABELS["codes"]:
                missing.setdefault(value, where)
    assert not missing, f"enum values without a zh-CN label in web/src/labels/zh-CN.json codes: {missing}"


def test_every_event_type_has_a_label() -> None:
    types = event_types()
    assert {"intake.case.registered", "mediation.proceeding.session_scheduled", "referral.accepted"} <= types
    missing = sorted(types - set(LABELS["events"]))
    assert not missing, f"event types without a zh-CN label in web/src/labels/zh-CN.json events: {missing}"


def test_every_proceeding_state_and_history_action_has_a_label() -> None:
    states = set(proceeding_states())
    assert "in_session" in states
    assert not states - set(LABELS["proceeding_status"]), sorted(states - set(LABELS["proceeding_status"]))
    actions = proceeding_actions() | states
    assert "session_scheduled" in actions
    assert not actions - set(LABELS["proceeding_action"]), sorted(actions - set(LABELS["proceeding_action"]))


def test_every_label_is_chinese() -> None:
    for section, table in LABELS.items():
        for code, label in table.items():
            assert CHINESE.search(label), f"{section}.{code} = {label!r} is not Chinese"


def test_every_registry_audit_entity_and_action_has_a_label() -> None:
    source = ROOT / "services/mediation/src/mediation/registry/service.py"
    entities, actions = set(), set()
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, ast.keyword) and isinstance(node.value, ast.Constant) and node.arg == "entity":
            entities.add(node.value.value)
        if isinstance(node, ast.Constant) and node.value in {
            "created",
            "updated",
            "activated",
            "deactivated",
            "deleted",
        }:
            actions.add(node.value)
    assert entities and not entities - set(LABELS["registry_entity"]), sorted(entities)
    assert not actions - set(LABELS["registry_action"]), sorted(actions)
