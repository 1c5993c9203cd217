"""``/internal/metrics``: prometheus-client's exposition, read back with Prometheus' text parser."""

import asyncio
import re
from pathlib import Path

import httpx
import pytest
import respx
import yaml
from conftest import GATEWAY, PEER
from onewindow_kit.events import publish
from prometheus_client.parser import text_string_to_metric_families

pytestmark = pytest.mark.anyio
ROOT = Path(__file__).resolve().parents[3]


async def scrape(client: httpx.AsyncClient) -> dict[str, list]:
    """{sample name: [(labels, value)]} of one scrape, parsed as Prometheus parses it."""
    response = await client.get("/internal/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples: dict[str, list] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append((sample.labels, sample.value))
    return samples


def value(samples: dict[str, list], name: str, **labels: str) -> float:
    hits = [v for found, v in samples.get(name, []) if all(found.get(k) == x for k, x in labels.items())]
    return sum(hits)


async def test_requests_are_counted_and_timed_per_route_template(app, client, test_keys):
    before = await scrape(client)
    admin = test_keys.headers(roles=["admin"])
    assert (await client.get("/whoami", headers=test_keys.headers(roles=["clerk"]))).status_code == 200
    assert (await client.get("/whoami")).status_code == 401
    for delivery_id in (41, 42):  # two ids, one route template
        assert (await client.post(f"/admin/events/deliveries/{delivery_id}/retry", headers=admin)).status_code == 404
    after = await scrape(client)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    probe = {"service": "kit-probe", "method": "GET", "route": "/whoami"}
    assert delta("onewindow_http_requests_total", status="200", **probe) == 1
    assert delta("onewindow_http_requests_total", status="401", **probe) == 1
    assert delta("onewindow_http_request_duration_seconds_count", **probe) == 2
    assert value(after, "onewindow_http_request_duration_seconds_bucket", le="+Inf", **probe) >= 2
    retry = {"service": "kit-probe", "method": "POST", "route": "/admin/events/deliveries/{delivery_id}/retry"}
    assert delta("onewindow_http_requests_total", status="404", **retry) == 2
    # Ids never become labels.
    assert not [labels for labels, _ in after["onewindow_http_requests_total"] if "41" in labels["route"]]


async def test_outbox_depth_age_and_failed_attempts_are_exposed(app, client):
    with respx.mock(assert_all_called=False) as router:
        router.post(f"{GATEWAY}/auth/token").mock(
            return_value=httpx.Response(200, json={"access_token": "t", "token_type": "Bearer", "expires_in": 900})
        )
        router.post(f"{PEER}/internal/events").mock(return_value=httpx.Response(503))
        before = await scrape(client)
        async with app.state.db.transaction() as session:
            await publish(session, type="probe.thing.happened", data={"n": 1})
        peer = {"service": "kit-probe", "subscriber": "peer"}
        for _ in range(500):  # until the relay has failed twice (bounded: 10 s)
            samples = await scrape(client)
            failed = value(samples, "onewindow_event_delivery_attempts_total", outcome="retry", **peer)
            if failed - value(before, "onewindow_event_delivery_attempts_total", outcome="retry", **peer) >= 2:
                break
            await asyncio.sleep(0.02)
        else:
            raise AssertionError("the relay did not record two failed attempts")
    assert value(samples, "onewindow_outbox_deliveries", status="pending", **peer) == 1
    assert value(samples, "onewindow_outbox_oldest_pending_seconds", **peer) > 0
    lags = [labels["worker"] for labels, _ in samples["onewindow_worker_lag_seconds"]]
    assert "relay:peer" in lags


async def test_alert_rules_and_dashboard_name_only_defined_metrics(app, client):
    samples = await scrape(client)
    known = set(samples) | {"onewindow_clocks_at_risk"}  # mediation's scrape-time gauge
    # Families that have no sample yet in this process still have their HELP line.
    text = (await client.get("/internal/metrics")).text
    known |= set(re.findall(r"^# HELP (\w+)", text, re.M))
    known |= {name + suffix for name in list(known) for suffix in ("_total", "_bucket", "_count", "_sum")}
    rules = yaml.safe_load((ROOT / "deploy/prometheus/alerts.yml").read_text(encoding="utf-8"))
    exprs = [rule["expr"] for group in rules["groups"] for rule in group["rules"]]
    assert {rule["alert"] for group in rules["groups"] for rule in group["rules"]} >= {
        "OutboxDeliveryOld",
        "EventDeliveriesFailing",
        "WebhookDeliveriesFailing",
        "High5xxRate",
        "ClocksAtRisk",
    }
    for group in rules["groups"]:
        for rule in group["rules"]:
            assert rule.get("for") and rule["labels"].get("severity") and rule["annotations"].get("summary"), rule
    dashboard = (ROOT / "deploy/grafana/onewindow.json").read_text(encoding="utf-8")
    used = set(re.findall(r"\bonewindow_\w+", "\n".join(exprs) + dashboard))
    assert used and used <= known, f"unknown metrics: {sorted(used - known)}"


async def test_kit_workers_counters_are_exposed(app, client):
    from onewindow_kit.worker import default_metrics

    default_metrics.observe_pass("probe-worker", 0.01, True)
    default_metrics.observe_pass("probe-worker", 0.01, False)
    default_metrics.set_running("probe-worker", True)
    samples = await scrape(client)
    assert value(samples, "onewindow_worker_passes_total", worker="probe-worker") >= 2
    assert value(samples, "onewindow_worker_failures_total", worker="probe-worker") >= 1
    assert value(samples, "onewindow_worker_running", worker="probe-worker") == 1
