"""Outbound HTTP: one pooled ``httpx.AsyncClient`` per upstream per process, and the service's own
access token (client credentials at the gateway), cached until shortly before it expires."""

from __future__ import annotations

import asyncio
import time

import httpx

from onewindow_kit.errors import UpstreamUnavailable
from onewindow_kit.requestid import current_request_id
from onewindow_kit.tracing import current_traceparent

DEFAULT_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=50, keepalive_expiry=30)


def build_client(base_url: str = "", *, timeout: float = 10.0) -> httpx.AsyncClient:
    """An ``AsyncClient`` that forwards the current request id and W3C ``traceparent`` (when a
    span is recording) on every call."""

    async def add_request_id(request: httpx.Request) -> None:
        request_id = current_request_id()
        if request_id and "x-request-id" not in request.headers:
            request.headers["x-request-id"] = request_id
        if "traceparent" not in request.headers:
            traceparent = current_traceparent()
            if traceparent:
                request.headers["traceparent"] = traceparent

    return httpx.AsyncClient(
        base_url=base_url,
        timeout=timeout,
        limits=DEFAULT_LIMITS,
        event_hooks={"request": [add_request_id]},
    )


class ServiceTokenProvider:
    """Client-credentials token of this service, refreshed 60 s before it expires."""

    def __init__(self, *, token_url: str, client_id: str, client_secret: str, http: httpx.AsyncClient) -> None:
        self.token_url = token_url
        self.client_id = client_id
        self.client_secret = client_secret
        self.http = http
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()

    @property
    def configured(self) -> bool:
        return bool(self.client_id and self.client_secret)

    def invalidate(self) -> None:
        self._token = None

    async def token(self) -> str:
        if self._token and time.monotonic() < self._expires_at - 60:
            return self._token
        async with self._lock:
            if self._token and time.monotonic() < self._expires_at - 60:
                return self._token
            if not self.configured:
                raise UpstreamUnavailable("this service has no client credentials configured")
            try:
                response = await self.http.post(
                    self.token_url,
                    data={
                        "grant_type": "client_credentials",
                        "client_id": self.client_id,
                        "client_secret": self.client_secret,
                    },
                    timeout=10.0,
                )
            except httpx.HTTPError as exc:
                raise UpstreamUnavailable("the gateway did not answer the token request") from exc
            if response.status_code != 200:
                raise UpstreamUnavailable(f"the gateway refused the service token ({response.status_code})")
            body = response.json()
            self._token = body["access_token"]
            self._expires_at = time.monotonic() + float(body.get("expires_in", 300))
            return self._token
