"""Intake search on PostgreSQL with a million cases (issue 3).

    uv run python bench/intake_search_bench.py                    # 1,000,000 cases (≈ 3–5 min to load)
    BENCH_CASES=100000 uv run python bench/intake_search_bench.py  # quicker
    BENCH_KEEP_DB=onewindow_bench_intake uv run python bench/intake_search_bench.py   # reuse a loaded db

Loads cases straight into a throw-away database with COPY (the loader is part of the bench: the
rows look like what registration writes — encrypted personal data, keyed hashes, masked values),
starts the real intake process (uvicorn) on it, and times each kind of query over HTTP one at a
time: ID-number look-up (keyed hash), credit-code look-up, employer-name substring (trigram index),
and a centre's open cases. Reports p50/p95/p99 in ms; writes bench/results/intake-search-<time>.json.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import random
import subprocess
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "deploy"))

import stack as stack_module  # noqa: E402
from onewindow_domain.identifiers import make_credit_code, make_id_number, mask_id_number  # noqa: E402
from onewindow_kit.auth import Signer, generate_private_key_pem  # noqa: E402
from onewindow_kit.crypto import FieldCipher, new_key  # noqa: E402
from onewindow_kit.migrations import upgrade  # noqa: E402
from onewindow_kit.testing import create_pg_database, drop_pg_database  # noqa: E402

N = int(os.environ.get("BENCH_CASES", "1000000"))
QUERIES = int(os.environ.get("BENCH_QUERIES", "300"))
ADMIN_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
CENTERS = ["futian", "luohu", "nanshan", "baoan", "longgang", "longhua", "pingshan", "guangming", "yantian", "dapeng"]
EMPLOYER_WORDS = ["电子", "科技", "物流", "建筑", "餐饮", "服装", "制造", "贸易", "家政", "保安", "快递", "网络"]
STATUSES = ["registered", "routed", "in_mediation", "resolved", "closed", "closed", "closed", "resolved"]
MIGRATIONS = ROOT / "services" / "intake" / "migrations"


def dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def load(url: str, cipher: FieldCipher, employers: list[tuple[str, str]]) -> list[str]:
    """COPY ``N`` cases with 1–3 applicants, one respondent and 1–2 claims each; return sample IDs."""
    conn = await asyncpg.connect(dsn(url))
    rng = random.Random(42)
    samples: list[str] = []
    start = datetime(2024, 1, 1, tzinfo=UTC)
    await conn.execute(
        "INSERT INTO center (id, name, short_name, district, case_no_format, active, created_at, updated_at) "
        "SELECT c, c || '中心', c, c, '{short_name}一窗〔{year}〕{seq:07d}号', true, now(), now() FROM unnest($1::text[]) c",
        CENTERS,
    )
    batch = 50_000
    seqs = dict.fromkeys(CENTERS, 0)
    for offset in range(0, N, batch):
        cases, parties, claims = io.StringIO(), io.StringIO(), io.StringIO()
        for i in range(offset, min(N, offset + batch)):
            center = CENTERS[i % len(CENTERS)]
            seqs[center] += 1
            case_id = uuid.UUID(int=rng.getrandbits(128)).hex
            at = start + timedelta(seconds=int(i * (3 * 365 * 86400 / N)))
            status = rng.choice(STATUSES)
            name, code = employers[rng.randrange(len(employers))]
            deadline = (at + timedelta(days=15)).date().isoformat() if status in ("routed", "in_mediation") else r"\N"
            cases.write(
                "\t".join(
                    [
                        case_id,
                        center,
                        str(at.year),
                        str(seqs[center]),
                        f"{center}一窗〔{at.year}〕{seqs[center]:07d}号",
                        "walk_in",
                        status,
                        "1",
                        "rights",
                        rng.choice(["green"] * 8 + ["yellow", "red"]),
                        "f",
                        "1",
                        r"\N",
                        "{}",
                        "mediation",
                        "mediation",
                        r"\N",
                        r"\N",
                        "申请人称被拖欠工资。",
                        r"\N",
                        r"\N",
                        r"\N",
                        r"\N",
                        "12000.00",
                        "0.00",
                        name,
                        code,
                        r"\N",
                        deadline,
                        "bench",
                        at.isoformat(),
                        at.isoformat(),
                        r"\N",
                        r"\N",
                    ]
                )
                + "\n"
            )
            for p in range(1 + (i % 3 == 0) + (i % 7 == 0)):
                ident = make_id_number(
                    region="440304", birth=date(1970 + i % 35, 1 + i % 12, 1 + i % 28), seq=(i * 3 + p) % 999
                )
                if i % (N // 200 or 1) == 0 and p == 0:
                    samples.append(ident)
                parties.write(
                    "\t".join(
                        [
                            uuid.UUID(int=rng.getrandbits(128)).hex,
                            case_id,
                            "applicant",
                            str(p),
                            f"工人{i % 5000}",
                            cipher.encrypt(ident, context="id_number"),
                            cipher.lookup_hash(ident, context="id_number"),
                            mask_id_number(ident),
                            r"\N",
                            "f",
                            "f",
                            "f",
                        ]
                    )
                    + "\n"
                )
            parties.write(
                "\t".join(
                    [
                        uuid.UUID(int=rng.getrandbits(128)).hex,
                        case_id,
                        "respondent",
                        "0",
                        name,
                        r"\N",
                        r"\N",
                        r"\N",
                        code,
                        "f",
                        "f",
                        "f",
                    ]
                )
                + "\n"
            )
            claims.write(
                "\t".join([uuid.UUID(int=rng.getrandbits(128)).hex, case_id, "0", "wage_arrears", "12000.00", "f"])
                + "\n"
            )
        await conn.copy_to_table(
            "case_file",
            source=io.BytesIO(cases.getvalue().encode()),
            columns=[
                "id",
                "center_id",
                "year",
                "seq",
                "case_no",
                "channel",
                "status",
                "version",
                "dispute_type",
                "risk_grade",
                "collective",
                "worker_count",
                "group_id",
                "triage",
                "suggested_route",
                "route",
                "route_override_reason",
                "routed_at",
                "facts",
                "employment_start_on",
                "employment_end_on",
                "knew_on",
                "street",
                "total_claimed",
                "recovered",
                "employer_names",
                "primary_credit_code",
                "external_ref",
                "deadline_on",
                "registered_by",
                "registered_at",
                "updated_at",
                "closed_at",
                "close_reason",
            ],
        )
        await conn.copy_to_table(
            "case_party",
            source=io.BytesIO(parties.getvalue().encode()),
            columns=[
                "id",
                "case_id",
                "role",
                "position",
                "name",
                "id_number_enc",
                "id_number_hash",
                "id_number_masked",
                "credit_code",
                "migrant_worker",
                "platform_worker",
                "has_power_of_attorney",
            ],
        )
        await conn.copy_to_table(
            "case_claim",
            source=io.BytesIO(claims.getvalue().encode()),
            columns=["id", "case_id", "position", "category", "amount", "final_award"],
        )
        print(f"  loaded {min(N, offset + batch):,} cases", flush=True)
    await conn.execute("ANALYZE")
    await conn.close()
    return samples


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def main() -> int:
    keep = os.environ.get("BENCH_KEEP_DB")
    name = keep or f"onewindow_bench_intake_{os.getpid()}"
    keys = {"data": new_key(), "lookup": new_key()}
    keys_file = ROOT / "var" / "bench-intake-keys.json"
    if keep and keys_file.exists():
        keys = json.loads(keys_file.read_text())
    cipher = FieldCipher({"k1": keys["data"]}, "k1", keys["lookup"])
    rng = random.Random(7)
    employers = [
        (
            f"深圳市{rng.choice(['福田', '南山', '宝安', '龙岗'])}区{rng.choice(EMPLOYER_WORDS)}{i}号有限公司",
            make_credit_code(seq=i),
        )
        for i in range(20000)
    ]
    url = None
    try:
        try:
            url = asyncio.run(create_pg_database(ADMIN_URL, name))
            fresh = True
        except asyncpg.DuplicateDatabaseError:
            url = ADMIN_URL.rsplit("/", 1)[0] + "/" + name
            fresh = False
        if fresh:
            print(f"loading {N:,} cases into {name}…", flush=True)
            upgrade(MIGRATIONS, url)
            started = time.monotonic()
            samples = asyncio.run(load(url, cipher, employers))
            print(f"  load took {time.monotonic() - started:.0f}s", flush=True)
            if keep:
                keys_file.parent.mkdir(exist_ok=True)
                keys_file.write_text(json.dumps(keys | {"samples": samples}))
        else:
            samples = json.loads(keys_file.read_text())["samples"]
        signer = Signer(generate_private_key_pem())
        port = stack_module.free_port()
        env = os.environ | {
            "INTAKE_DATABASE_URL": url,
            "INTAKE_JWKS_JSON": json.dumps({"keys": [signer.jwk]}),
            "INTAKE_DATA_KEYS": json.dumps({"k1": keys["data"]}),
            "INTAKE_LOOKUP_KEY": keys["lookup"],
            "INTAKE_RELAY_ENABLED": "false",
            "INTAKE_LOG_LEVEL": "WARNING",
        }
        proc = subprocess.Popen([sys.executable, "-m", "intake", "serve", "--port", str(port)], cwd=ROOT, env=env)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                if stack_module.http_status(base + "/readyz") == 200:
                    break
                time.sleep(0.2)
            now = int(time.time())
            token = signer.sign(
                {
                    "iss": "onewindow-gateway",
                    "aud": "onewindow",
                    "sub": "bench",
                    "iat": now,
                    "exp": now + 3600,
                    "roles": ["clerk"],
                    "kind": "staff",
                    "center_id": "futian",
                }
            )
            http = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30)
            queries = {
                "id_number": lambda: http.post("/cases/search", json={"id_number": rng.choice(samples)}),
                "credit_code": lambda: http.get("/cases", params={"credit_code": rng.choice(employers)[1]}),
                "employer_substring": lambda: http.get(
                    "/cases", params={"employer": rng.choice(EMPLOYER_WORDS) + str(rng.randrange(2000))}
                ),
                "open_cases_of_centre": lambda: http.get("/cases", params={"open_only": "true"}),
                # Issue 18: what a clerk types into the one search box.
                "typed_case_no_fragment": lambda: http.get("/cases", params={"q": f"{rng.randrange(1, 30000):05d}"}),
                "typed_name_prefix": lambda: http.get("/cases", params={"q": f"工人{rng.randrange(100, 5000)}"}),
                "applicant_name_prefix": lambda: http.get(
                    "/cases", params={"applicant_name": f"工人{rng.randrange(100, 5000)}"}
                ),
            }
            results = {}
            for label, query in queries.items():
                for _ in range(10):
                    query()  # warm up
                times = []
                for _ in range(QUERIES):
                    t0 = time.perf_counter()
                    response = query()
                    times.append((time.perf_counter() - t0) * 1000)
                    assert response.status_code == 200, response.text
                results[label] = {
                    "p50_ms": round(pct(times, 50), 2),
                    "p95_ms": round(pct(times, 95), 2),
                    "p99_ms": round(pct(times, 99), 2),
                }
                print(f"{label:22s} {results[label]}", flush=True)
        finally:
            proc.terminate()
            proc.wait(10)
    finally:
        if url and not keep:
            asyncio.run(drop_pg_database(ADMIN_URL, name))
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / f"intake-search-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(
        json.dumps({"cases": N, "queries": QUERIES, "results": results}, indent=2)
    )
    print(f"\n{N:,} cases on PostgreSQL; {QUERIES} sequential queries each, through HTTP to the intake process\n")
    print("| query | p50 ms | p95 ms | p99 ms |\n|---|---|---|---|")
    for label, r in results.items():
        print(f"| {label} | {r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
