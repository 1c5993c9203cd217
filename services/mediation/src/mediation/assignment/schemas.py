"""Shapes of assignment decisions and overrides."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class AssignmentRecordPublic(BaseModel):
    """One decision with its explanation: every candidate, each exclusion with its reason (in
    Chinese), the score components and weighted score, the rank, and the weights' version. At a
    centre of more than 200 mediators the first 50 candidates are in full and the rest in
    ``others`` as compact rows (rank and score, or exclusion codes), with ``excluded_by_reason`` and
    ``candidates_total`` (decision 0033)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    proceeding_id: str
    kind: str
    mediator_id: str | None
    previous_mediator_id: str | None
    complexity: str
    weights_version: str
    reason: str | None
    explanation: dict[str, Any]
    decided_by: str
    decided_by_name: str | None
    decided_at: datetime


class AssignmentPublic(BaseModel):
    proceeding_id: str
    mediator_id: str | None
    parked_reason: str | None
    current: AssignmentRecordPublic | None
    history: list[AssignmentRecordPublic]


class OverrideRequest(BaseModel):
    """A supervisor names the mediator; the reason is required and recorded."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    mediator_id: str = Field(min_length=1, max_length=40)
    reason: str | None = Field(default=None, max_length=1000, description="required: why this mediator")
