"""A typed client of intake's API, called with this service's own token.

Errors are classified for the caller's retry loop: ``retry`` when intake is down, slow, busy with
the same Idempotency-Key (409) or refused our token (it may be rotating); not when it rejected the
case itself (422 and other 4xx) — that needs a person.
"""

from __future__ import annotations

from typing import Any

import httpx
from onewindow_kit.errors import UpstreamUnavailable
from onewindow_kit.http import ServiceTokenProvider

from court_bridge.casefile.schemas import CaseParty, PartyIdentity, RegisteredCase

RETRYABLE = {401, 403, 408, 409, 425, 429}


class IntakeError(Exception):
    def __init__(self, message: str, *, retry: bool, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry = retry
        self.status = status


class IntakeClient:
    def __init__(
        self, *, http: httpx.AsyncClient, base_url: str | None, tokens: ServiceTokenProvider, timeout: float = 5.0
    ) -> None:
        self.http = http
        self.base_url = (base_url or "").rstrip("/")
        self.tokens = tokens
        self.timeout = timeout

    async def _call(self, method: str, path: str, **kw: Any) -> Any:
        if not self.base_url:
            raise IntakeError("no URL configured for intake (COURT_PEERS)", retry=True)
        try:
            token = await self.tokens.token()
        except UpstreamUnavailable as exc:
            raise IntakeError(f"no service token: {exc.detail}", retry=True) from exc
        headers = {"authorization": f"Bearer {token}", **kw.pop("headers", {})}
        try:
            response = await self.http.request(
                method, self.base_url + path, headers=headers, timeout=self.timeout, **kw
            )
        except httpx.HTTPError as exc:
            raise IntakeError(f"intake did not answer: {type(exc).__name__}: {exc}", retry=True) from exc
        if response.status_code == 401:
            self.tokens.invalidate()
        if response.status_code >= 400:
            retry = response.status_code >= 500 or response.status_code in RETRYABLE
            raise IntakeError(
                f"intake answered {response.status_code}: {response.text[:300]}",
                retry=retry,
                status=response.status_code,
            )
        return response.json()

    async def register_case(self, *, center_id: str, body: dict[str, Any], idempotency_key: str) -> RegisteredCase:
        """``POST /cases?center_id=…`` once per key (a retry returns the case registered first)."""
        data = await self._call(
            "POST", "/cases", params={"center_id": center_id}, json=body, headers={"Idempotency-Key": idempotency_key}
        )
        return RegisteredCase.model_validate(data)

    async def case_parties(self, *, case_id: str) -> list[CaseParty]:
        """The parties of a case with their addresses and credit codes (``GET /cases/{id}``)."""
        data = await self._call("GET", f"/cases/{case_id}")
        parties = [*data.get("applicants", []), *data.get("respondents", [])]
        return [CaseParty.model_validate(p) for p in parties]

    async def identities(self, *, case_id: str, purpose: str) -> list[PartyIdentity]:
        """Full ID and phone numbers (``GET /cases/{id}/pii``), for a stated purpose that intake logs."""
        data = await self._call("GET", f"/cases/{case_id}/pii", params={"purpose": purpose})
        return [PartyIdentity.model_validate(p) for p in data]
