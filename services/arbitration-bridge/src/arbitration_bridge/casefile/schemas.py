"""What the bridge reads back from intake."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


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
    applicants: list[CaseParty] = Field(default_factory=list)
    respondents: list[CaseParty] = Field(default_factory=list)
    claims: list[CaseClaim] = Field(default_factory=list)
    facts: str = ""
    external_ref: dict | None = None

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
