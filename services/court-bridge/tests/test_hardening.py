"""Issue 15: hostile partner input is a 4xx problem naming the field, never a 500, and writes
nothing (both databases)."""

import json

import pytest
from factories import referral_form

pytestmark = pytest.mark.anyio

REFERRALS = "/partner/court/v1/referrals"


def _fields(response) -> list[str]:
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    return [e["field"] for e in response.json().get("errors") or []]


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"referred_on": "2100-01-01"}, "referred_on"),
        ({"referred_on": "0001-01-01"}, "referred_on"),
        ({"referred_on": "9999-12-31"}, "referred_on"),
        ({"deadline": "9999-12-31"}, "deadline"),
        ({"court_case_no": "A\u0000B"}, "court_case_no"),
        ({"facts": "事实\u0007"}, "facts"),
    ],
)
async def test_hostile_referrals_are_422_and_write_nothing(client, courts, over, field):
    body = json.dumps(referral_form(**over), ensure_ascii=True)
    response = await client.post(
        REFERRALS,
        content=body,
        headers=courts["a"] | {"Idempotency-Key": "hostile", "content-type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert field in _fields(response)
    listed = await client.get(REFERRALS, headers=courts["a"])
    assert listed.status_code == 200 and listed.json()["items"] == []


@pytest.mark.parametrize(
    ("path", "field"),
    [
        (f"{REFERRALS}?updated_since=0001-01-01T00:00:00%2B14:00", "updated_since"),
        (f"{REFERRALS}?updated_since=9999-12-31T23:59:59-12:00", "updated_since"),
        (f"{REFERRALS}?updated_since=-2.2e-309", "updated_since"),
        (f"{REFERRALS}/%00", "referral_id"),
    ],
)
async def test_hostile_reads_are_422_naming_the_field(client, courts, path, field):
    response = await client.get(path, headers=courts["a"])
    assert response.status_code == 422, response.text
    assert field in _fields(response)


async def test_a_body_over_the_limit_is_413(client, courts):
    response = await client.post(
        REFERRALS,
        json=referral_form(facts="x" * (2 * 1024 * 1024)),
        headers=courts["a"] | {"Idempotency-Key": "big"},
    )
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("application/problem+json")
