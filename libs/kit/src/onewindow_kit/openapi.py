"""An OpenAPI document that tells the truth about errors and auth, built once for every app.

- Every error response is ``application/problem+json`` with the :class:`Problem` schema (also 422,
  which FastAPI would document as its own ``HTTPValidationError``).
- The statuses an operation can answer come from where they arise: 401 (and the ``bearer``
  security requirement) where the route depends on :func:`onewindow_kit.auth.get_principal`, 403
  where it depends on :func:`onewindow_kit.auth.require_roles`, 404 where the path names an object,
  422 where there is input to validate, and whatever the route declares with
  ``responses=problems(SomeError, …)`` next to the errors its service raises (polar-style);
  413 where there is a request body (every app bounds bodies).
- ``include_in_schema=False`` keeps ``/internal/…`` routes out of the public document.

The kit's pytest plugin records the status of every request the tests make and fails the suite
when a status the tests observe is not documented (``onewindow_kit.testing``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import FastAPI, routing
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from onewindow_kit.auth import get_principal, required_roles
from onewindow_kit.errors import (
    PROBLEM_JSON,
    TYPE_BASE,
    AppError,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    PreconditionFailed,
    PreconditionRequired,
    RequestInProgress,
    Unauthorized,
    ValidationFailed,
)

PROBLEM_REF = "#/components/schemas/Problem"
BEARER = "bearer"
_STATUS_TEXT = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    409: "Conflict",
    412: "Precondition failed",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Validation failed",
    428: "Precondition required",
    429: "Too many requests",
    502: "Bad gateway",
    503: "Service unavailable",
    504: "Gateway timeout",
}


class FieldError(BaseModel):
    field: str = Field(description="Where in the input, e.g. `applicants[0].id_number`")
    message: str = Field(description="What is wrong, in Simplified Chinese where the kit knows it")


class Problem(BaseModel):
    """An RFC 9457 problem. Some problems carry further members (e.g. ``current_status``)."""

    model_config = ConfigDict(extra="allow", title="Problem")

    type: str = Field(description="A URI naming the kind of problem", examples=[TYPE_BASE + "not-found"])
    title: str
    status: int
    detail: str | None = None
    detail_zh: str | None = Field(default=None, description="The detail in Simplified Chinese, for people")
    errors: list[FieldError] | None = Field(default=None, description="Field errors (422)")
    request_id: str | None = None


ErrorSpec = type[AppError] | int

# The kinds shared by many routes, for ``responses=problems(*IF_MATCH, StateConflict)``.
IF_MATCH: tuple[ErrorSpec, ...] = (PreconditionFailed, PreconditionRequired)
IDEMPOTENT: tuple[ErrorSpec, ...] = (RequestInProgress,)

_DECLARED: dict[Callable[..., Any], tuple[ErrorSpec, ...]] = {}

F = TypeVar("F", bound=Callable[..., Any])


def declares(*errors: ErrorSpec) -> Callable[[F], F]:
    """Mark a dependency with the problems it raises; every route using it documents them."""

    def mark(dependency: F) -> F:
        _DECLARED[dependency] = _DECLARED.get(dependency, ()) + errors
        return dependency

    return mark


def problems(*errors: ErrorSpec, descriptions: dict[int, str] | None = None) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: the problem kinds it can answer, grouped by status, with an
    example per kind; ``descriptions`` says in words when a status happens."""
    out: dict[int | str, dict[str, Any]] = {}
    for spec in errors:
        status, example = _example(spec)
        entry = out.setdefault(status, _problem_response(status))
        examples = entry["content"][PROBLEM_JSON]["examples"]
        examples[example["type"].removeprefix(TYPE_BASE)] = {"summary": example["title"], "value": example}
    for status, text in (descriptions or {}).items():
        out.setdefault(status, _problem_response(status))["description"] = text
    return out


def _example(spec: ErrorSpec) -> tuple[int, dict[str, Any]]:
    if isinstance(spec, int):
        title = _STATUS_TEXT.get(spec, "Error")
        return spec, {"type": TYPE_BASE + str(spec), "title": title, "status": spec}
    return spec.status, {"type": TYPE_BASE + spec.slug, "title": spec.title, "status": spec.status}


def _problem_response(status: int) -> dict[str, Any]:
    return {
        "description": _STATUS_TEXT.get(status, "Error"),
        "content": {PROBLEM_JSON: {"schema": {"$ref": PROBLEM_REF}, "examples": {}}},
    }


def _dependencies(dependant: Dependant) -> Iterator[Dependant]:
    for dep in dependant.dependencies:
        yield dep
        yield from _dependencies(dep)


@dataclass(frozen=True)
class Operation:
    """A route as the app serves it: its full path (prefixes included) and its dependencies."""

    route: APIRoute
    path: str
    methods: frozenset[str]
    dependant: Dependant


def operations(app: FastAPI) -> list[Operation]:
    """Every APIRoute of the app in the public document, with its effective path."""
    out = []
    for context in routing.iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and context.include_in_schema:
            out.append(Operation(route, str(context.path_format), frozenset(context.methods or ()), context.dependant))
    return out


def _calls(dependant: Dependant) -> list[Callable[..., Any]]:
    return [dep.call for dep in _dependencies(dependant) if dep.call is not None]


def _has_input(dependant: Dependant) -> bool:
    return any(
        d.body_params or d.query_params or d.path_params or d.header_params or d.cookie_params
        for d in [dependant, *_dependencies(dependant)]
    )


def implied_errors(op: Operation) -> list[ErrorSpec]:
    """The problems a route can answer because of how it is built (auth, path, input)."""
    calls = _calls(op.dependant)
    found: list[ErrorSpec] = [error for call in calls for error in _DECLARED.get(call, ())]
    if get_principal in calls:
        found.append(Unauthorized)
    if any(required_roles(call) for call in calls):
        found.append(Forbidden)
    if "{" in op.path:
        found.append(NotFound)
    if _has_input(op.dependant):
        found.append(ValidationFailed)
    if any(d.body_params for d in [op.dependant, *_dependencies(op.dependant)]):
        found.append(PayloadTooLarge)  # every app bounds request bodies (kit inputs, gateway limits)
    return found


def is_protected(op: Operation) -> bool:
    return get_principal in _calls(op.dependant)


def _merge(operation: dict[str, Any], extra: dict[int | str, dict[str, Any]], *, force: bool = True) -> None:
    responses = operation.setdefault("responses", {})
    for status, entry in extra.items():
        current = responses.setdefault(str(status), {"description": entry["description"]})
        content = current.setdefault("content", {})
        plain = content.get("application/json", {}).get("schema", {})
        if plain and plain.get("$ref") != "#/components/schemas/HTTPValidationError" and not force:
            continue  # a route documenting another error format on purpose (OAuth's token errors)
        content.pop("application/json", None)  # FastAPI's HTTPValidationError for 422
        media = content.setdefault(PROBLEM_JSON, {"schema": {"$ref": PROBLEM_REF}})
        media["schema"] = {"$ref": PROBLEM_REF}
        examples = media.setdefault("examples", {})
        for name, example in entry["content"][PROBLEM_JSON]["examples"].items():
            examples.setdefault(name, example)
        if current.get("description") in (None, "", "Validation Error", "Additional Response"):
            current["description"] = entry["description"]


def truthful_schema(app: FastAPI, schema: dict[str, Any]) -> dict[str, Any]:
    """Rewrite FastAPI's document: problem+json errors, the bearer scheme, implied statuses."""
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    problem_schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(problem_schema.pop("$defs", {}))
    schemas["Problem"] = problem_schema
    components.setdefault("securitySchemes", {})[BEARER] = {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "An access token from the gateway's `POST /auth/token`",
    }
    for op in operations(app):
        path_item = schema.get("paths", {}).get(op.path, {})
        for method in op.methods:
            operation = path_item.get(method.lower())
            if operation is None:
                continue
            if is_protected(op):
                operation["security"] = [{BEARER: []}]
            _merge(operation, problems(*implied_errors(op)))
            # Statuses the route declared by number only still get the problem schema.
            declared: dict[int | str, dict[str, Any]] = {
                int(code): problems(int(code))[int(code)]
                for code in operation.get("responses", {})
                if code.isdigit() and int(code) >= 400
            }
            _merge(operation, declared, force=False)
    for name in ("HTTPValidationError", "ValidationError"):
        if f'"#/components/schemas/{name}"' not in json.dumps(schema):
            schemas.pop(name, None)
    return schema


def install_openapi(app: FastAPI) -> None:
    """Replace ``app.openapi`` by the truthful document (built once, then cached like FastAPI's)."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = truthful_schema(app, original())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    if RECORDER is not None:
        app.add_middleware(RecordStatuses, recorder=RECORDER, owner=app)


def documented_statuses(schema: dict[str, Any]) -> dict[tuple[str, str], set[int]]:
    """``{(METHOD, path): {statuses}}`` of a document."""
    out: dict[tuple[str, str], set[int]] = {}
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            if isinstance(operation, dict) and "responses" in operation:
                out[(method.upper(), path)] = {int(s) for s in operation["responses"] if s.isdigit()}
    return out


# ---------------------------------------------------------------------------------------------
# Observed statuses (tests)
# ---------------------------------------------------------------------------------------------


class StatusRecorder:
    """What the tests saw: ``{app title: {(METHOD, path template, status)}}``."""

    def __init__(self) -> None:
        self.observed: dict[str, set[tuple[str, str, int]]] = {}
        self.apps: dict[str, FastAPI] = {}
        self._paths: dict[int, dict[int, str]] = {}

    def record(self, app: FastAPI, method: str, route: APIRoute, status: int) -> None:
        paths = self._paths.get(id(app))
        if paths is None:
            paths = self._paths[id(app)] = {}
            for op in operations(app):
                paths.setdefault(id(op.route), op.path)
        path = paths.get(id(route))
        if path is None:  # not in the public document (e.g. /internal/…)
            return
        self.apps.setdefault(app.title, app)
        self.observed.setdefault(app.title, set()).add((method, path, status))

    def undocumented(self, title: str) -> list[tuple[str, str, int]]:
        documented = documented_statuses(self.apps[title].openapi())
        return sorted(
            (method, path, status)
            for method, path, status in self.observed.get(title, set())
            if status not in documented.get((method, path), set())
        )


# Set by the kit's pytest plugin before any app is built; never set in a running service.
RECORDER: StatusRecorder | None = None


class RecordStatuses:
    """ASGI middleware recording (method, route template, status) of every request to a route."""

    def __init__(self, app: ASGIApp, recorder: StatusRecorder, owner: FastAPI) -> None:
        self.app = app
        self.recorder = recorder
        self.owner = owner

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = scope.get("route")
            # A method the path does not have (405) is no operation of the document.
            if isinstance(route, APIRoute) and scope["method"] in (route.methods or ()):
                self.recorder.record(self.owner, scope["method"], route, status)
