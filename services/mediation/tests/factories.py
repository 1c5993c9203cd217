"""Plain-function factories: events as intake and the bridges send them, and a small registry."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from onewindow_domain.calendar import china_today
from onewindow_domain.identifiers import make_credit_code
from onewindow_kit.events import OutboxEvent
from sqlalchemy import select

EMPLOYER = make_credit_code(seq=101)
OTHER_EMPLOYER = make_credit_code(seq=102)


_HEADERS: dict[str, dict[str, str]] = {}


def cached_headers(test_keys, key: str, /, **claims: Any) -> dict[str, str]:
    """One token per identity for the whole run: signing is the slow part of a request in tests."""
    if key not in _HEADERS:
        _HEADERS[key] = test_keys.headers(expires_in=3600, **claims)
    return _HEADERS[key]


def envelope(type_: str, data: dict[str, Any], *, case_id: str | None = None, source: str = "intake") -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "type": type_,
        "occurred_at": datetime.now(UTC).isoformat(),
        "source": source,
        "case_id": case_id or data.get("case_id"),
        "schema_version": 1,
        "data": data,
    }


def routed(case_id: str | None = None, **over: Any) -> dict[str, Any]:
    """``intake.case.routed`` as intake publishes it (docs/decisions/0006)."""
    case_id = case_id or uuid.uuid4().hex
    data = {
        "case_id": case_id,
        "case_no": f"福田一窗〔2026〕{uuid.uuid4().int % 100000:05d}号",
        "center_id": "futian",
        "channel": "walk_in",
        "status": "routed",
        "risk_grade": "green",
        "collective": False,
        "worker_count": 1,
        "dispute_type": "rights",
        "street": "福田街道",
        "external_ref": None,
        "route": "mediation",
        "suggested_route": "mediation",
        "override_reason": None,
        "deadline_on": None,
        "received_on": china_today().isoformat(),
        "knew_on": "2026-10-10",
        "claims": [{"category": "wage_arrears", "amount": "12000.00", "final_award": True}],
        "respondents": [
            {"name": "深圳市某某电子有限公司", "credit_code": EMPLOYER, "role": "employer", "industry": "制造业"}
        ],
    }
    data.update(over)
    return envelope("intake.case.routed", data, case_id=case_id)


def mediator_form(organisation_id: str, name: str, sub: str, **over: Any) -> dict[str, Any]:
    base = {
        "organisation_id": organisation_id,
        "name": name,
        "user_subject": sub,
        "username": sub,
        "registration_no": f"福田调备{sub}",
        "grade": "intermediate",
        "specialities": ["wage_arrears"],
        "industries": ["制造业"],
        "languages": ["普通话"],
        "capacity": 5,
    }
    return base | over


@dataclass
class Registry:
    street_org: str
    district_org: str
    mediators: dict[str, str] = field(default_factory=dict)  # sub -> mediator id
    supervisor: dict[str, str] = field(default_factory=dict)
    admin: dict[str, str] = field(default_factory=dict)
    staff: dict[str, dict[str, str]] = field(default_factory=dict)  # sub -> headers


def termination(**over: Any) -> dict[str, Any]:
    """A ``/terminate`` body without agreement, with what a 调解终结书 states (``over`` changes fields)."""
    return {
        "reason_code": "no_agreement",
        "reason": "双方对加班费数额分歧较大",
        "undisputed_facts": "申请人2024年3月入职，月工资6000元",
        "undisputed_facts_signed": True,
        "dispute_focus": "加班时长",
        "arbitration_notice_given": True,
    } | over


async def build_registry(client, test_keys, *, mediators: list[dict[str, Any]] | None = None) -> Registry:
    supervisor = cached_headers(
        test_keys, "supervisor", roles=["supervisor"], sub="sup-futian", center_id="futian", name="李强"
    )
    admin = cached_headers(test_keys, "admin", roles=["admin"], sub="admin-1")
    r = await client.post(
        "/organisations",
        headers=supervisor,
        json={
            "name": "福田街道人民调解委员会",
            "short_name": "福田街道调委会",
            "level": "street",
            "streets": ["福田街道", "南园街道"],
        },
    )
    assert r.status_code == 201, r.text
    street_org = r.json()["id"]
    r = await client.post(
        "/organisations",
        headers=supervisor,
        json={
            "name": "福田区劳动争议联合调解中心",
            "short_name": "福田联调",
            "level": "district",
            "court_roster": True,
            "roster_courts": ["深圳市福田区人民法院"],
        },
    )
    assert r.status_code == 201, r.text
    district_org = r.json()["id"]
    reg = Registry(street_org=street_org, district_org=district_org, supervisor=supervisor, admin=admin)
    for form in (
        mediators
        if mediators is not None
        else [
            mediator_form(street_org, "张敏", "m1"),
            mediator_form(street_org, "陈刚", "m2"),
            mediator_form(district_org, "王磊", "m3", grade="senior", collective_qualified=True),
        ]
    ):
        form = {**form}
        if form["organisation_id"] == "street":
            form["organisation_id"] = street_org
        elif form["organisation_id"] == "district":
            form["organisation_id"] = district_org
        r = await client.post("/mediators", headers=supervisor, json=form)
        assert r.status_code == 201, r.text
        reg.mediators[form["user_subject"]] = r.json()["id"]
        reg.staff[form["user_subject"]] = cached_headers(
            test_keys,
            f"mediator:{form['user_subject']}:{form['name']}",
            roles=["mediator"],
            sub=form["user_subject"],
            center_id="futian",
            name=form["name"],
        )
    return reg


async def deliver(client, test_keys, event: dict[str, Any]) -> dict[str, Any]:
    r = await client.post(
        "/internal/events",
        json=event,
        headers=cached_headers(test_keys, "service", roles=["service"], sub="svc-intake"),
    )
    assert r.status_code == 200, r.text
    return r.json()


async def open_case(client, test_keys, **over: Any) -> dict[str, Any]:
    """Route a case to mediation and return its proceeding (as an admin sees it)."""
    event = routed(**over)
    await deliver(client, test_keys, event)
    r = await client.get(
        "/proceedings",
        params={"case_id": event["data"]["case_id"]},
        headers=cached_headers(test_keys, "admin", roles=["admin"], sub="admin-1"),
    )
    found = r.json()["items"]
    assert found, r.text
    return found[0]


async def events(app, type_: str | None = None) -> list[OutboxEvent]:
    async with app.state.db.transaction(read_only=True) as session:
        stmt = select(OutboxEvent).order_by(OutboxEvent.seq)
        if type_:
            stmt = stmt.where(OutboxEvent.type == type_)
        return list((await session.execute(stmt)).scalars())


def day(iso: str) -> date:
    return date.fromisoformat(iso)
