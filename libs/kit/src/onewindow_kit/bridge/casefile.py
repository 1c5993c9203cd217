"""The case-file client towards intake, called with the bridge's own service token, and what it
reads back.

Errors are classified for the caller's retry loop: ``retry`` when intake is down, slow, busy with
the same Idempotency-Key (409) or refused our token (it may be rotating); not when it rejected the
request itself (422 and other 4xx) — that needs a person.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field

from onewindow_kit.errors import UpstreamUnavailable
from onewindow_kit.http import ServiceTokenProvider

RETRYABLE = {401, 403, 408, 409, 425, 429}

Parties = tuple[list[dict[str, Any]], list[dict[str, Any]]]


class RegisteredCase(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    case_no: str


class CaseParty(BaseModel):
    """A party of a case as ``GET /cases/{id}`` shows it (masked) — the non-identity fields."""

    model_config = ConfigDict(extra="ignore")

    role: str
    position: int
    name: str
    address: str | None = None
    credit_code: str | None = None
    legal_representative: str | None = None


class CaseClaim(BaseModel):
    model_config = ConfigDict(extra="ignore")

    category: str
    amount: Decimal
    description: str | None = None
    period_start_on: str | None = None
    period_end_on: str | None = None


class CaseFile(BaseModel):
    """The case as ``GET /cases/{id}`` shows it, as far as a hand-off needs it."""

    model_config = ConfigDict(extra="ignore")

    id: str
    case_no: str
    center_id: str
    status: str
    channel: str | None = None
    dispute_type: str | None = None  # rights | interest (劳动法 第84条: interest disputes are not arbitrated)
    applicants: list[CaseParty] = Field(default_factory=list)
    respondents: list[CaseParty] = Field(default_factory=list)
    claims: list[CaseClaim] = Field(default_factory=list)
    facts: str = ""
    external_ref: dict[str, Any] | None = None

    @property
    def parties(self) -> list[CaseParty]:
        return [*self.applicants, *self.respondents]


class PartyIdentity(BaseModel):
    """A party with full ID and phone numbers (``GET /cases/{id}/pii``; intake logs each read)."""

    model_config = ConfigDict(extra="ignore")

    role: str
    position: int
    name: str
    id_number: str | None = None
    phone: str | None = None


class IntakeError(Exception):
    def __init__(self, message: str, *, retry: bool, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry = retry
        self.status = status


class IntakeClient:
    def __init__(
        self,
        *,
        http: httpx.AsyncClient,
        base_url: str | None,
        tokens: ServiceTokenProvider,
        timeout: float = 5.0,
        peers_setting: str = "PEERS",
    ) -> None:
        self.http = http
        self.base_url = (base_url or "").rstrip("/")
        self.tokens = tokens
        self.timeout = timeout
        self.peers_setting = peers_setting  # named in the error when no URL is configured

    async def _call(self, method: str, path: str, **kw: Any) -> Any:
        if not self.base_url:
            raise IntakeError(f"no URL configured for intake ({self.peers_setting})", retry=True)
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

    async def case(self, *, case_id: str) -> CaseFile:
        """The case file (``GET /cases/{id}``): parties with addresses, claims, facts, centre, status."""
        return CaseFile.model_validate(await self._call("GET", f"/cases/{case_id}"))

    async def case_parties(self, *, case_id: str) -> list[CaseParty]:
        """The parties of a case with their addresses and credit codes (``GET /cases/{id}``), nothing else."""
        data = await self._call("GET", f"/cases/{case_id}")
        return [CaseParty.model_validate(p) for p in [*data.get("applicants", []), *data.get("respondents", [])]]

    async def identities(self, *, case_id: str, purpose: str) -> list[PartyIdentity]:
        """Full ID and phone numbers (``GET /cases/{id}/pii``), for a stated purpose that intake logs."""
        data = await self._call("GET", f"/cases/{case_id}/pii", params={"purpose": purpose})
        return [PartyIdentity.model_validate(p) for p in data]


def hand_off_parties(parties: list[CaseParty], identities: list[PartyIdentity]) -> Parties:
    """Applicants and respondents in the contracts' party shapes (the referral's own shapes): service
    addresses (送达地址, SZ-ADR 74), ID numbers or credit codes and phones, from intake's case and
    its identities."""
    ids = {(p.role, p.position): p for p in identities}
    applicants: list[dict[str, Any]] = []
    respondents: list[dict[str, Any]] = []
    for party in sorted(parties, key=lambda p: (p.role, p.position)):
        ident = ids.get((party.role, party.position))
        phone = ident.phone if ident else None
        if party.role == "applicant":
            applicants.append(
                {
                    "name": party.name,
                    "id_number": ident.id_number if ident else None,
                    "phone": phone,
                    "address": party.address,
                }
            )
        elif party.role == "respondent":
            respondents.append(
                {
                    "name": party.name,
                    "credit_code": party.credit_code,
                    "address": party.address,
                    "legal_representative": party.legal_representative,
                    "phone": phone,
                }
            )
    return applicants, respondents


async def gather(
    intake: IntakeClient, *, case_id: str, purpose: str
) -> tuple[CaseFile, list[dict[str, Any]], list[dict[str, Any]]]:
    """The case file and its parties for the partner (each identity read is logged at intake)."""
    case = await intake.case(case_id=case_id)
    identities = await intake.identities(case_id=case_id, purpose=purpose)
    applicants, respondents = hand_off_parties(case.parties, identities)
    return case, applicants, respondents
