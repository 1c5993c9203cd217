"""What the bridge reads back from intake."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


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


class PartyIdentity(BaseModel):
    """A party with full ID and phone numbers (``GET /cases/{id}/pii``; intake logs each read)."""

    model_config = ConfigDict(extra="ignore")

    role: str
    position: int
    name: str
    id_number: str | None = None
    phone: str | None = None
