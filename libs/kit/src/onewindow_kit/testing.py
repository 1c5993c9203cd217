"""pytest plugin shared by every test suite (loaded with ``-p onewindow_kit.testing``).

Databases are real. Each test gets a migrated database of the backend it is parametrised with:
- ``sqlite``: a copy of a template file migrated once per session (copying beats migrating);
- ``postgresql`` (when ``TEST_DATABASE_URL`` is set): a throw-away database created for the session
  next to the one the URL names — never the developer's own database — migrated once, its tables
  truncated before each test, dropped at the end.
Without ``TEST_DATABASE_URL`` the PostgreSQL variants skip with a reason; with ``REQUIRE_POSTGRES=1``
such a skip is reported as a failure instead.

A conftest provides ``migrations_dir`` (session scope) and ``app_factory`` (``url -> FastAPI``).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import time
import uuid
from collections.abc import AsyncIterator, Callable, Collection, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import make_url

from onewindow_kit import openapi
from onewindow_kit.auth import Signer, StaticKeySource, generate_private_key_pem
from onewindow_kit.errors import PROBLEM_JSON
from onewindow_kit.migrations import upgrade

ISSUER = "onewindow-gateway"
AUDIENCE = "onewindow"


def postgres_url() -> str | None:
    """The PostgreSQL URL tests may use (SQLAlchemy form, asyncpg driver), or None."""
    url = os.environ.get("TEST_DATABASE_URL", "").strip()
    if not url:
        return None
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return None
    return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


def require_postgres() -> bool:
    return os.environ.get("REQUIRE_POSTGRES", "") == "1"


def skip_without_postgres() -> str:
    url = postgres_url()
    if url is None:
        if require_postgres():
            pytest.fail("REQUIRE_POSTGRES=1 but TEST_DATABASE_URL does not name a PostgreSQL database")
        pytest.skip("PostgreSQL variant: set TEST_DATABASE_URL=postgresql+asyncpg://… to run it")
    return url


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def create_pg_database(admin_url: str, name: str) -> str:
    """Create database ``name`` on the server of ``admin_url``; return its SQLAlchemy URL."""
    import asyncpg

    conn = await asyncpg.connect(_asyncpg_dsn(admin_url))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


async def drop_pg_database(admin_url: str, name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(_asyncpg_dsn(admin_url))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def truncate_all(url: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(_asyncpg_dsn(url))
    try:
        tables = [
            r["tablename"]
            for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            if r["tablename"] != "alembic_version"
        ]
        if tables:
            await conn.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")
    finally:
        await conn.close()


def unique_db_name(prefix: str) -> str:
    return f"ow_test_{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}".lower().replace("-", "_")


# ---------------------------------------------------------------------------------------------
# Keys and tokens
# ---------------------------------------------------------------------------------------------


@dataclass
class TestKeys:
    signer: Signer
    other_signer: Signer  # a key the services do not trust

    @property
    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.signer.jwk]}

    @property
    def source(self) -> StaticKeySource:
        return StaticKeySource(self.jwks)

    def token(
        self,
        *,
        roles: list[str],
        sub: str = "user-1",
        kind: str | None = None,
        center_id: str | None = "futian",
        partner_id: str | None = None,
        expires_in: int = 900,
        signer: Signer | None = None,
        **claims: Any,
    ) -> str:
        now = int(time.time())
        if kind is None:
            kind = "service" if "service" in roles else "partner" if partner_id else "staff"
        body: dict[str, Any] = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": sub,
            "iat": now,
            "exp": now + expires_in,
            "jti": uuid.uuid4().hex,
            "roles": roles,
            "kind": kind,
        }
        if kind == "staff":
            body["center_id"] = center_id
        if partner_id:
            body["partner_id"] = partner_id
        body.update(claims)
        return (signer or self.signer).sign(body)

    def headers(self, **kw: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(**kw)}"}


_KEYS: TestKeys | None = None


@pytest.fixture(scope="session")
def test_keys() -> TestKeys:
    global _KEYS
    if _KEYS is None:
        _KEYS = TestKeys(Signer(generate_private_key_pem()), Signer(generate_private_key_pem()))
    return _KEYS


# ---------------------------------------------------------------------------------------------
# Databases
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class _Templates:
    """Per-session migrated templates, one per (migrations dir, backend)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.sqlite: dict[Path, Path] = {}
        self.postgres: dict[Path, str] = {}
        self.created_pg: list[tuple[str, str]] = []

    def sqlite_template(self, migrations_dir: Path) -> Path:
        if migrations_dir not in self.sqlite:
            path = self.root / f"template-{len(self.sqlite)}.sqlite3"
            upgrade(migrations_dir, f"sqlite+aiosqlite:///{path}")
            self.sqlite[migrations_dir] = path
        return self.sqlite[migrations_dir]

    def postgres_db(self, migrations_dir: Path, admin_url: str) -> str:
        if migrations_dir not in self.postgres:
            name = unique_db_name(migrations_dir.parent.name)
            url = asyncio.run(create_pg_database(admin_url, name))
            self.created_pg.append((admin_url, name))
            upgrade(migrations_dir, url)
            self.postgres[migrations_dir] = url
        return self.postgres[migrations_dir]

    def close(self) -> None:
        for admin_url, name in self.created_pg:
            asyncio.run(drop_pg_database(admin_url, name))


@pytest.fixture(scope="session")
def _db_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Templates]:
    templates = _Templates(tmp_path_factory.mktemp("db-templates"))
    yield templates
    templates.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgresql":
        skip_without_postgres()
    return str(request.param)


@pytest.fixture
def database_url(db_backend: str, migrations_dir: Path, _db_templates: _Templates, tmp_path: Path) -> str:
    """A migrated, empty database of ``db_backend`` for this test."""
    if db_backend == "sqlite":
        path = tmp_path / "test.sqlite3"
        shutil.copyfile(_db_templates.sqlite_template(migrations_dir), path)
        return f"sqlite+aiosqlite:///{path}"
    url = _db_templates.postgres_db(migrations_dir, postgres_url() or "")
    asyncio.run(truncate_all(url))
    return url


@pytest.fixture
async def app(app_factory: Callable[[str], Any], database_url: str) -> AsyncIterator[Any]:
    """The service app with its lifespan running."""
    application = app_factory(database_url)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
        yield c


# ---------------------------------------------------------------------------------------------
# A real S3 API (moto's server mode) for the object-store path of onewindow_kit.storage
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """The URL of an S3 API server (moto, dev dependency) on a free loopback port, for the session."""
    import socket

    from moto.server import ThreadedMotoServer

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def s3_settings(endpoint: str, bucket: str | None = None) -> dict[str, Any]:
    """Storage settings for a fresh bucket on ``endpoint`` (created here), as settings overrides."""
    import boto3

    bucket = bucket or "t" + uuid.uuid4().hex[:20]
    boto3.client(
        "s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test"
    ).create_bucket(Bucket=bucket)
    return {
        "storage_backend": "s3",
        "storage_s3_endpoint_url": endpoint,
        "storage_s3_bucket": bucket,
        "storage_s3_access_key_id": "test",
        "storage_s3_secret_access_key": "test",
        "storage_s3_addressing_style": "path",
        "storage_s3_part_bytes": 5 * 1024 * 1024,
    }


# ---------------------------------------------------------------------------------------------
# CI: PostgreSQL must not skip
# ---------------------------------------------------------------------------------------------


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Generator[None, Any, None]:
    outcome = yield
    report = outcome.get_result()
    if report.skipped and require_postgres():
        reason = str(report.longrepr[-1] if isinstance(report.longrepr, tuple) else report.longrepr)
        if "postgres" in reason.lower():
            report.outcome = "failed"
            report.longrepr = f"REQUIRE_POSTGRES=1 forbids skipping: {reason}"


# ---------------------------------------------------------------------------------------------
# The OpenAPI document tells the truth: every status the tests observe is documented
# ---------------------------------------------------------------------------------------------

STATUS_MARK = "openapi_statuses"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{STATUS_MARK}: runs last; checks the statuses the suite observed")
    # Every app built from here on records (method, route, status) of the requests it answers.
    openapi.RECORDER = openapi.StatusRecorder()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: item.get_closest_marker(STATUS_MARK) is not None)


def check_observed_statuses(request: pytest.FixtureRequest) -> None:
    """Fail unless every (method, route, status) the suite observed is in the app's document.

    Run by a test marked ``openapi_statuses`` (sorted last). It cannot pass vacuously: when other
    collected tests use the ``client`` fixture and nothing was recorded, it fails; alone it skips.
    """
    recorder = openapi.RECORDER
    assert recorder is not None, "the kit's pytest plugin did not install the status recorder"
    others = [item for item in request.session.items if item.get_closest_marker(STATUS_MARK) is None]
    if not any("client" in getattr(item, "fixturenames", ()) for item in others):
        pytest.skip("checks what the other tests of the suite observed: run it with them")
    assert recorder.observed, "no request to any app was recorded: is the recorder installed?"
    problems = []
    for title in sorted(recorder.observed):
        problems += [f"{title}: {m} {p} -> {s}" for m, p, s in recorder.undocumented(title)]
    assert not problems, "statuses the tests observed but the OpenAPI document does not list:\n" + "\n".join(problems)


def assert_truthful_document(schema: dict[str, Any], *, other_formats: Collection[tuple[str, str, str]] = ()) -> None:
    """What every public document must hold: problem+json errors, bearer auth, no internals.
    ``other_formats`` names (method, path, status) that answer another error format on purpose."""
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    assert schema["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    for path, item in schema["paths"].items():
        assert not path.startswith("/internal"), path
        for method, operation in item.items():
            responses = operation["responses"]
            for status, response in responses.items():
                if status.isdigit() and int(status) >= 400 and (method, path, status) not in other_formats:
                    content = response.get("content", {})
                    assert list(content) == [PROBLEM_JSON], (method, path, status, list(content))
                    assert content[PROBLEM_JSON]["schema"] == {"$ref": openapi.PROBLEM_REF}
            if (method, path, "401") not in other_formats:
                assert ("401" in responses) == ("security" in operation), (method, path)


def assert_partner_examples(app: Any, prefix: str = "/partner/") -> None:
    """Every partner operation shows examples: of its request body (which must validate against
    the body's own model, so an example cannot rot) and of the problems it can answer."""
    from pydantic import TypeAdapter

    schema = app.openapi()
    seen = 0
    for op in openapi.operations(app):
        if not op.path.startswith(prefix):
            continue
        seen += 1
        for method in op.methods:
            operation = schema["paths"][op.path][method.lower()]
            problem_examples = [
                r["content"][PROBLEM_JSON].get("examples")
                for status, r in operation["responses"].items()
                if status.startswith("4") and PROBLEM_JSON in r.get("content", {})
            ]
            assert problem_examples and all(problem_examples), (method, op.path)
            body = op.route.body_field
            if body is None:
                continue
            annotation = body.field_info.annotation
            assert annotation is not None
            examples = TypeAdapter(annotation).json_schema().get("examples")
            assert examples, f"{method} {op.path}: the request body has no example"
            for example in examples:
                TypeAdapter(annotation).validate_python(example)
    assert seen, f"no operation under {prefix}"


# The tests each suite imports into its ``tests/test_openapi.py`` (pytest collects them there).


@pytest.mark.anyio
async def test_document_is_truthful(app: Any) -> None:
    # The OAuth endpoints answer RFC 6749 / RFC 7009 errors; the gateway's /health its own body when degraded.
    oauth = {("post", "/auth/token", status) for status in ("400", "401", "429")} | {("post", "/auth/revoke", "400")}
    assert_truthful_document(app.openapi(), other_formats=oauth | {("get", "/health", "503")})


@pytest.mark.openapi_statuses
def test_every_observed_status_is_documented(request: pytest.FixtureRequest) -> None:
    check_observed_statuses(request)


@pytest.mark.anyio
async def test_partner_operations_have_examples(app: Any) -> None:
    assert_partner_examples(app)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    recorder = openapi.RECORDER
    if recorder is None or not recorder.observed:
        return
    for title in sorted(recorder.observed):
        documented = openapi.documented_statuses(recorder.apps[title].openapi())
        pairs = {(m, p, s) for (m, p), statuses in documented.items() for s in statuses}
        seen = recorder.observed[title] & pairs
        terminalreporter.write_line(
            f"openapi statuses: {title}: {len(seen)} of {len(pairs)} documented (operation, status) observed; "
            f"{len(recorder.undocumented(title))} observed but undocumented"
        )
