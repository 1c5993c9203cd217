"""Routing tables: fnmatch patterns, and routes with a condition on the event's content (decision 0027)."""

import pytest
from onewindow_kit.events import EventRoutes, OutboxDelivery, Route, publish, referred_by
from sqlalchemy import select

COURT = {"case_no": "福田一窗〔2026〕00001号", "external_ref": {"partner": "court", "referral_id": "r-1"}}
ARBITRATION = {"external_ref": {"partner": "arbitration", "referral_id": "r-2"}}
WINDOW: dict = {"case_no": "福田一窗〔2026〕00002号", "external_ref": None}


def test_plain_pattern_tables_route_by_type_as_before():
    routes = EventRoutes({"mediation": ["intake.center.*", "intake.case.routed"], "bridge": ["intake.case.*"]})
    assert routes.subscribers == ("mediation", "bridge")
    assert routes.subscribers_for("intake.case.routed", WINDOW) == ("mediation", "bridge")
    assert routes.subscribers_for("intake.case.closed", COURT) == ("bridge",)
    assert routes.subscribers_for("intake.center.created", {}) == ("mediation",)
    assert routes.subscribers_for("other.thing", {}) == ()


def test_a_conditional_route_looks_at_the_events_data():
    routes = EventRoutes(
        {
            "court-bridge": [Route("intake.case.registered", when=referred_by("court"))],
            "arbitration-bridge": [
                Route("intake.case.registered", when=referred_by("arbitration")),
                "intake.case.routed",
            ],
        }
    )
    assert routes.subscribers == ("court-bridge", "arbitration-bridge")
    assert routes.subscribers_for("intake.case.registered", COURT) == ("court-bridge",)
    assert routes.subscribers_for("intake.case.registered", ARBITRATION) == ("arbitration-bridge",)
    assert routes.subscribers_for("intake.case.registered", WINDOW) == ()
    assert routes.subscribers_for("intake.case.registered", {}) == ()
    assert routes.subscribers_for("intake.case.registered", {"external_ref": "court"}) == ()
    assert routes.subscribers_for("intake.case.routed", WINDOW) == ("arbitration-bridge",)
    assert routes.subscribers_for("intake.case.closed", COURT) == ()


def test_any_matching_route_is_enough_and_table_order_is_kept():
    seen: list[tuple[str, dict]] = []

    def big(event_type, data):
        seen.append((event_type, dict(data)))
        return data.get("n", 0) > 10

    routes = EventRoutes(
        {
            "first": [Route("probe.*", when=big)],
            "second": ["probe.a"],
            "third": [Route("probe.a", when=big), Route("probe.*", when=lambda _t, d: d.get("n") == 1)],
            "fourth": [Route("probe.a", when=big), "probe.*"],  # the unconditional route wins
        }
    )
    assert routes.subscribers_for("probe.a", {"n": 1}) == ("second", "third", "fourth")
    assert routes.subscribers_for("probe.a", {"n": 11}) == ("first", "second", "third", "fourth")
    assert routes.subscribers_for("probe.b", {"n": 2}) == ("fourth",)
    # The condition is asked per event (its type and data), never remembered from an earlier one.
    assert seen[0] == ("probe.a", {"n": 1}) and seen[-1] == ("probe.b", {"n": 2})


def test_a_type_without_conditions_never_asks_one():
    def never(_type, _data):
        raise AssertionError("asked for a type it does not route")

    routes = EventRoutes({"a": [Route("intake.case.registered", when=never), "intake.center.*"], "b": ["intake.*"]})
    assert routes.subscribers_for("intake.center.created", {"center_id": "futian"}) == ("a", "b")
    assert routes.subscribers_for("intake.case.closed", {}) == ("b",)


@pytest.mark.anyio
async def test_publish_writes_deliveries_for_the_routes_the_data_satisfies(app):
    routes = EventRoutes({"court": [Route("probe.case.*", when=referred_by("court"))], "all": ["probe.*"]})
    async with app.state.db.transaction() as session:
        session.info.update(event_routes=routes)  # what create_app sets on every session
        court = await publish(session, type="probe.case.registered", data=COURT)
        window = await publish(session, type="probe.case.registered", data=WINDOW)
    async with app.state.db.transaction(read_only=True) as session:
        rows = (await session.execute(select(OutboxDelivery.event_seq, OutboxDelivery.subscriber))).all()
    assert sorted(rows) == sorted([(court.seq, "court"), (court.seq, "all"), (window.seq, "all")])
