"""Gathering what a hand-off to the commission needs from intake: the case file and the parties'
identities, in the contract's party shapes (the referral's own shapes)."""

from __future__ import annotations

from typing import Any

from arbitration_bridge.casefile.client import IntakeClient
from arbitration_bridge.casefile.schemas import CaseFile, CaseParty, PartyIdentity


def hand_off_parties(
    parties: list[CaseParty], identities: list[PartyIdentity]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Applicants and respondents with their service addresses (送达地址, SZ-ADR 74), ID numbers or
    credit codes and phones, from intake's case and its identities."""
    ids = {(p.role, p.position): p for p in identities}
    applicants, respondents = [], []
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
    """The case file and its parties for the commission (each identity read is logged at intake)."""
    case = await intake.case(case_id=case_id)
    identities = await intake.identities(case_id=case_id, purpose=purpose)
    applicants, respondents = hand_off_parties(case.parties, identities)
    return case, applicants, respondents
