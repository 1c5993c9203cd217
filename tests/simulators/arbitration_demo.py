"""The arbitration loop on a running ``make run`` stack (decision 0018), with the commission simulator:

    make run                                   # in one terminal (or GATEWAY_PORT=… etc.)
    uv run python tests/simulators/arbitration_demo.py [--gateway http://127.0.0.1:8000] [--port 8202]

It starts the simulator (``tests/simulators/arbitration.py``) on ``--port``, registers it as the demo
commission's (``futian-arbitration``) webhook endpoint with a fresh secret, makes the endpoint fail
once and the commission send each decision twice, then, as the demo clerk, registers a worker who
refuses mediation (route ``arbitration``) and sends the case to the commission directly
(``POST /api/arbitration/transfers`` with ``kind = refused_mediation``). It prints what the
commission received (signature verified with ``standardwebhooks``), its decision, and the case's
timeline with the commission's case number, then stops the simulator. The accounts are read from
``var/demo-accounts.json`` (``ONEWINDOW_VAR_DIR``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
PARTNER = "futian-arbitration"


def wait(predicate: Callable[[], Any], what: str, timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    raise SystemExit(f"timed out waiting for {what}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gateway", default=f"http://127.0.0.1:{os.environ.get('GATEWAY_PORT', '8000')}")
    parser.add_argument("--port", type=int, default=8202)
    args = parser.parse_args()
    var = Path(os.environ.get("ONEWINDOW_VAR_DIR", ROOT / "var"))
    accounts = json.loads((var / "demo-accounts.json").read_text(encoding="utf-8"))
    gw = httpx.Client(base_url=args.gateway, timeout=20)

    def login(username: str) -> httpx.Client:
        user = next(u for u in accounts["users"] if u["username"] == username)
        token = gw.post(
            "/auth/token", data={"grant_type": "password", "username": username, "password": user["password"]}
        )
        token.raise_for_status()
        return httpx.Client(
            base_url=args.gateway, timeout=20, headers={"Authorization": "Bearer " + token.json()["access_token"]}
        )

    secret = next(c["client_secret"] for c in accounts["clients"] if c["client_id"] == PARTNER)
    env = os.environ | {
        "ARBITRATION_SIM_GATEWAY_URL": args.gateway,
        "ARBITRATION_SIM_CLIENT_ID": PARTNER,
        "ARBITRATION_SIM_CLIENT_SECRET": secret,
    }
    sim_proc = subprocess.Popen(
        [sys.executable, str(ROOT / "tests/simulators/arbitration.py"), "--port", str(args.port)], env=env
    )
    sim = httpx.Client(base_url=f"http://127.0.0.1:{args.port}", timeout=20)
    try:
        wait(lambda: _up(sim), "the simulator")
        admin, clerk = login("admin"), login("clerk")
        hook = admin.patch(
            f"/api/arbitration/admin/partners/{PARTNER}", json={"webhook_url": f"http://127.0.0.1:{args.port}/webhooks"}
        )
        hook.raise_for_status()
        rotated = admin.post(f"/api/arbitration/admin/partners/{PARTNER}/rotate-secret", json={"overlap_hours": 0})
        rotated.raise_for_status()
        sim.post(
            "/control",
            json={
                "webhook_secrets": [rotated.json()["webhook_secret"]],
                "fail_first": 1,
                "repeat_decisions": True,
                "reset": True,
            },
        ).raise_for_status()

        form = {
            "channel": "walk_in",
            "applicants": [
                {
                    "name": "演示申请人",
                    "id_number": _id_number(),
                    "phone": "13900139000",
                    "address": "深圳市福田区演示街道1号",
                    "monthly_wage": "6000.00",
                }
            ],
            "respondents": [
                {
                    "name": "深圳市演示电子有限公司",
                    "credit_code": _credit_code(),
                    "address": "深圳市福田区演示路2号",
                    "legal_representative": "赵某",
                }
            ],
            "claims": [{"category": "wage_arrears", "amount": "12000.00", "description": "拖欠2026年9–10月工资"}],
            "facts": "申请人于2024年3月入职，被申请人自2026年9月起拖欠工资。",
            "employment_start_on": "2024-03-01",
            "knew_on": "2026-11-01",
            "route": {"route": "arbitration", "reason": "申请人不愿调解，要求直接申请仲裁"},
        }
        case = clerk.post("/api/intake/cases", json=form)
        if case.status_code != 201:
            raise SystemExit(f"intake refused the case: {case.status_code} {case.text}")
        case_id, case_no = case.json()["id"], case.json()["case_no"]
        print(f"case {case_no}: {case.json()['status_label']}")
        moved = clerk.post(
            "/api/arbitration/transfers",
            json={"case_id": case_id, "kind": "refused_mediation", "reason": "申请人不愿调解，要求直接申请仲裁"},
        )
        if moved.status_code != 201:
            raise SystemExit(f"the bridge refused the transfer: {moved.status_code} {moved.text}")
        transfer_id = moved.json()["transfer_id"]
        view = wait(
            lambda: (lambda v: v["state"] == "accepted" and v)(
                clerk.get(f"/api/arbitration/transfers/{transfer_id}").json()
            ),
            "the commission's acceptance",
        )
        received = sim.get("/received").json()
        print(
            f"commission received {received['types']} (verified; endpoint failed on purpose {received['failed_on_purpose']}x)"
        )
        decisions = [(d["kind"], d["status_code"]) for d in sim.get("/decisions").json() if d["id"] == transfer_id]
        print(f"commission decided {decisions}: {view['arbitration_case_no']} (clock was due {view['due_on']})")
        final = wait(
            lambda: (lambda c: c["status"] == "transferred_to_arbitration" and c)(
                clerk.get(f"/api/intake/cases/{case_id}").json()
            ),
            "the case transferred",
        )
        print(f"case {case_no}: {final['status_label']}")
        for entry in clerk.get(f"/api/intake/cases/{case_id}/timeline").json():
            print(f"  {entry['at'][:19]}  {entry['summary']}")
    finally:
        sim_proc.terminate()
        sim_proc.wait(10)


def _up(sim: httpx.Client) -> bool:
    try:
        return sim.get("/healthz").status_code == 200
    except httpx.HTTPError:
        return False


def _id_number() -> str:
    from datetime import date

    from onewindow_domain.identifiers import make_id_number

    return make_id_number(birth=date(1990, 5, 1), seq=int(time.time()) % 999)


def _credit_code() -> str:
    from onewindow_domain.identifiers import make_credit_code

    return make_credit_code(seq=int(time.time()) % 9000)


if __name__ == "__main__":
    main()
