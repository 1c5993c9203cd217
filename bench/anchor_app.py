"""Anchor (b) of the registration bench: the least a registration can cost in this stack.

A minimal FastAPI + asyncpg endpoint doing the same inserts as intake's registration — the counter
upsert, case_file, case_party (applicants and respondents), case_claim, timeline_entry, outbox_event
and outbox_delivery — in one transaction on intake's own database, behind the same gateway. No
validation, no triage, no encryption, no ORM: the floor, not a competitor. Its deliveries name a
subscriber no relay serves, so nothing is sent on.

    ANCHOR_DATABASE_URL=postgresql://… uvicorn --factory anchor_app:create_app --port 93xx
"""

from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse


def create_app() -> FastAPI:
    app = FastAPI()
    dsn = os.environ["ANCHOR_DATABASE_URL"].replace("postgresql+asyncpg://", "postgresql://")

    @app.on_event("startup")
    async def startup() -> None:
        app.state.pool = await asyncpg.create_pool(dsn, min_size=4, max_size=10)

    @app.post("/cases", status_code=201)
    async def register(request: Request) -> JSONResponse:
        body: dict[str, Any] = await request.json()
        now = datetime.now(UTC)
        year = now.year
        case_id = uuid.uuid4().hex
        total = sum(Decimal(c["amount"]) for c in body["claims"])
        pool: asyncpg.Pool = app.state.pool
        async with pool.acquire() as conn, conn.transaction():
            seq = await conn.fetchval(
                "INSERT INTO case_counter (center_id, year, last_seq) VALUES ($1, $2, 1) "
                "ON CONFLICT (center_id, year) DO UPDATE SET last_seq = case_counter.last_seq + 1 RETURNING last_seq",
                "futian",
                year,
            )
            case_no = f"福田一窗〔{year}〕{seq:05d}号"
            await conn.execute(
                "INSERT INTO case_file (id, center_id, year, seq, case_no, channel, status, version, dispute_type,"
                " risk_grade, collective, worker_count, triage, suggested_route, facts, total_claimed, recovered,"
                " employer_names, registered_by, registered_at, updated_at)"
                " VALUES ($1,$2,$3,$4,$5,$6,'registered',1,'rights','green',false,$7,$8,'mediation',$9,$10,0,$11,"
                "'anchor',$12,$12)",
                case_id,
                "futian",
                year,
                seq,
                case_no,
                body["channel"],
                len(body["applicants"]),
                json.dumps({}),
                body["facts"],
                total,
                " / ".join(r["name"] for r in body["respondents"]),
                now,
            )
            parties = [
                (uuid.uuid4().hex, case_id, "applicant", i, a["name"], a.get("address"))
                for i, a in enumerate(body["applicants"])
            ] + [
                (uuid.uuid4().hex, case_id, "respondent", i, r["name"], r.get("address"))
                for i, r in enumerate(body["respondents"])
            ]
            await conn.executemany(
                "INSERT INTO case_party (id, case_id, role, position, name, address, migrant_worker,"
                " platform_worker, has_power_of_attorney) VALUES ($1,$2,$3,$4,$5,$6,false,false,false)",
                parties,
            )
            await conn.executemany(
                "INSERT INTO case_claim (id, case_id, position, category, amount, final_award)"
                " VALUES ($1,$2,$3,$4,$5,false)",
                [
                    (uuid.uuid4().hex, case_id, i, c["category"], Decimal(c["amount"]))
                    for i, c in enumerate(body["claims"])
                ],
            )
            await conn.execute(
                "INSERT INTO timeline_entry (case_id, at, source, kind, summary, data)"
                " VALUES ($1,$2,'intake','case.registered',$3,'{}')",
                case_id,
                now,
                f"窗口登记受理，编号{case_no}",
            )
            event_seq = await conn.fetchval(
                "INSERT INTO outbox_event (id, type, source, case_id, occurred_at, schema_version, data)"
                " VALUES ($1,'anchor.case.registered','anchor',$2,$3,1,$4) RETURNING seq",
                uuid.uuid4(),
                case_id,
                now,
                json.dumps({"case_id": case_id, "case_no": case_no}),
            )
            await conn.execute(
                "INSERT INTO outbox_delivery (event_seq, subscriber, status, attempts, next_attempt_at, created_at)"
                " VALUES ($1,'anchor-sink','pending',0,$2,$2)",
                event_seq,
                now,
            )
        return JSONResponse({"id": case_id, "case_no": case_no}, status_code=201)

    return app
