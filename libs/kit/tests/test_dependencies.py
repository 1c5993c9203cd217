"""The kit's request dependencies are coroutine functions: FastAPI runs a plain ``def`` dependency
in its thread pool, a thread hop (and GIL hand-over) per dependency on every request (decision 0032)."""

from __future__ import annotations

import inspect

from onewindow_kit import dependencies
from onewindow_kit.settings import ServiceSettings


def test_request_dependencies_run_on_the_event_loop() -> None:
    for dep in (
        dependencies.get_db,
        dependencies.get_http,
        dependencies.get_storage,
        dependencies.get_webhooks,
        dependencies.get_service_settings,
        dependencies.settings_dependency(ServiceSettings),
    ):
        assert inspect.iscoroutinefunction(dep), dep.__name__
