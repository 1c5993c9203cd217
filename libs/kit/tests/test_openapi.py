"""The kit's truthful OpenAPI: implied and declared problems, the bearer scheme, the status check."""

from typing import Annotated

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI, Header
from onewindow_kit.auth import Principal, require_roles
from onewindow_kit.errors import PROBLEM_JSON, AlreadyExists, BadRequest, StateConflict, install_error_handlers
from onewindow_kit.openapi import RecordStatuses, StatusRecorder, declares, install_openapi, problems
from onewindow_kit.testing import assert_truthful_document

pytestmark = pytest.mark.anyio

router = APIRouter()
Clerk = Annotated[Principal, Depends(require_roles("clerk"))]


@declares(BadRequest)
async def needs_header(x_thing: Annotated[str | None, Header()] = None) -> None:
    if not x_thing:
        raise BadRequest("X-Thing is missing")


@router.post("/things/{thing_id}", responses=problems(AlreadyExists), dependencies=[Depends(needs_header)])
async def create_thing(thing_id: str, _clerk: Clerk) -> dict[str, str]:
    raise AlreadyExists(f"thing {thing_id} exists")


@router.post("/undeclared")
async def undeclared() -> dict[str, str]:
    raise StateConflict("not now")


@router.get("/open")
async def open_route() -> dict[str, str]:
    return {"ok": "yes"}


def build() -> FastAPI:
    app = FastAPI(title="openapi-probe")
    install_error_handlers(app)
    install_openapi(app)
    app.include_router(router)
    return app


def test_statuses_come_from_auth_path_input_dependencies_and_declarations():
    schema = build().openapi()
    assert_truthful_document(schema)
    operation = schema["paths"]["/things/{thing_id}"]["post"]
    assert set(operation["responses"]) == {"200", "400", "401", "403", "404", "409", "422"}
    assert "413" not in operation["responses"]  # no request body
    assert operation["security"] == [{"bearer": []}]
    conflict = operation["responses"]["409"]["content"][PROBLEM_JSON]
    assert conflict["schema"] == {"$ref": "#/components/schemas/Problem"}
    assert conflict["examples"]["already-exists"]["value"]["type"].endswith("/already-exists")
    assert "security" not in schema["paths"]["/open"]["get"]
    assert set(schema["paths"]["/open"]["get"]["responses"]) == {"200"}
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    assert set(schema["components"]["schemas"]["Problem"]["properties"]) >= {"type", "title", "status", "errors"}


def test_conflict_kinds_have_distinct_types():
    assert len({StateConflict.slug, AlreadyExists.slug, "conflict"}) == 3


async def test_the_recorder_finds_an_undocumented_status():
    app = build()
    recorder = StatusRecorder()
    app.add_middleware(RecordStatuses, recorder=recorder, owner=app)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        assert (await client.post("/undeclared")).status_code == 409
        assert (await client.get("/open")).status_code == 200
    assert recorder.observed["openapi-probe"] == {("POST", "/undeclared", 409), ("GET", "/open", 200)}
    assert recorder.undocumented("openapi-probe") == [("POST", "/undeclared", 409)]
