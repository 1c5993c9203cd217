"""The case file. Personal data (ID and phone numbers) is stored encrypted plus a keyed hash."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from onewindow_kit.db import UtcDateTime, utcnow
from sqlalchemy import JSON, Column, Index, Numeric, UniqueConstraint
from sqlmodel import Field, SQLModel

MONEY = Numeric(14, 2)
STATS_COLUMNS = [
    "channel",
    "route",
    "status",
    "risk_grade",
    "collective",
    "total_claimed",
    "recovered",
    "agreed_amount",
    "closed_at",
    "deadline_on",
    "id",
]


def new_id() -> str:
    return uuid.uuid4().hex


class CaseCounter(SQLModel, table=True):
    """The last case number used by a centre in a year: the row lock makes numbers gap-free."""

    __tablename__ = "case_counter"

    center_id: str = Field(primary_key=True, max_length=40)
    year: int = Field(primary_key=True)
    last_seq: int = 0


class CaseFile(SQLModel, table=True):
    __tablename__ = "case_file"
    __table_args__ = (
        UniqueConstraint("center_id", "year", "seq"),
        UniqueConstraint("case_no"),
        Index("ix_case_file_center_status", "center_id", "status", "registered_at"),
        Index("ix_case_file_center_registered", "center_id", "registered_at", "id"),
        # "00002" is a sequence number in any year of the centre (search as people type).
        Index("ix_case_file_center_seq", "center_id", "seq"),
        # The dashboard's window (a centre's cases by registration time) with every column the
        # statistics read: on PostgreSQL a centre-year is an index-only scan (issue 17).
        Index(
            "ix_case_file_stats",
            "center_id",
            "registered_at",
            postgresql_include=STATS_COLUMNS,
        ),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    center_id: str = Field(foreign_key="center.id", max_length=40)
    year: int
    seq: int
    case_no: str = Field(max_length=60)
    channel: str = Field(max_length=30)
    status: str = Field(default="registered", max_length=30)
    version: int = 1

    dispute_type: str = Field(default="rights", max_length=10)  # rights | interest
    risk_grade: str = Field(max_length=6)  # red | yellow | green
    collective: bool = False
    worker_count: int = 1
    group_id: str | None = Field(default=None, max_length=32, index=True)  # linked complaints
    triage: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))

    suggested_route: str = Field(max_length=30)
    route: str | None = Field(default=None, max_length=30)
    route_override_reason: str | None = Field(default=None, max_length=500)
    routed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)

    facts: str = Field(max_length=20000)
    employment_start_on: date | None = None
    employment_end_on: date | None = None
    knew_on: date | None = None
    street: str | None = Field(default=None, max_length=60)
    total_claimed: Decimal = Field(default=Decimal("0"), sa_type=MONEY)
    recovered: Decimal = Field(default=Decimal("0"), sa_type=MONEY)  # paid under agreements (挽回金额)
    agreed_amount: Decimal | None = Field(default=None, sa_type=MONEY)  # promised by the agreement
    return_reason: str | None = Field(default=None, max_length=500)  # why it came back to the window
    employer_names: str = Field(default="", max_length=1000)  # respondents' names, for substring search
    primary_credit_code: str | None = Field(default=None, max_length=18, index=True)

    external_ref: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    deadline_on: date | None = None
    registered_by: str = Field(max_length=64)
    registered_by_name: str | None = Field(default=None, max_length=100)  # shown on the receipt
    registered_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    close_reason: str | None = Field(default=None, max_length=40)
    merged_into: str | None = Field(default=None, max_length=32)  # the collective case it was merged into


class CaseParty(SQLModel, table=True):
    __tablename__ = "case_party"
    __table_args__ = (
        Index("ix_case_party_id_hash", "id_number_hash"),
        # Name prefixes ("陈志" finds 陈志强): a pattern-ops b-tree on PostgreSQL serves LIKE 'p%' in
        # any collation; on SQLite the same index serves the equivalent range query.
        Index("ix_case_party_name_prefix", "name", "case_id", postgresql_ops={"name": "text_pattern_ops"}),
        Index("ix_case_party_phone_hash", "phone_hash"),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    case_id: str = Field(foreign_key="case_file.id", max_length=32, index=True)
    role: str = Field(max_length=20)  # applicant | respondent | agent
    position: int = 0
    name: str = Field(max_length=100, index=True)
    # Workers and agents
    id_number_enc: str | None = Field(default=None, max_length=200)
    id_number_hash: str | None = Field(default=None, max_length=64)
    id_number_masked: str | None = Field(default=None, max_length=18)
    sex: str | None = Field(default=None, max_length=2)
    birth_on: date | None = None
    phone_enc: str | None = Field(default=None, max_length=200)
    phone_masked: str | None = Field(default=None, max_length=30)  # landlines too: ********8888
    # Keyed hash of a mobile number: how a party signed in with an SMS code finds its cases (0021).
    phone_hash: str | None = Field(default=None, max_length=64)
    address: str | None = Field(default=None, max_length=300)
    occupation: str | None = Field(default=None, max_length=100)
    monthly_wage: Decimal | None = Field(default=None, sa_type=MONEY)
    migrant_worker: bool = False
    platform_worker: bool = False
    # Employers
    credit_code: str | None = Field(default=None, max_length=18, index=True)
    employer_role: str | None = Field(default=None, max_length=20)  # employer | dispatch_agency | host_employer
    legal_representative: str | None = Field(default=None, max_length=100)
    industry: str | None = Field(default=None, max_length=60)
    # Agents
    agent_kind: str | None = Field(default=None, max_length=20)
    represents: list[int] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    has_power_of_attorney: bool = False
    merged_from: str | None = Field(default=None, max_length=32)  # the case it came from in a merge


class CaseClaim(SQLModel, table=True):
    __tablename__ = "case_claim"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    case_id: str = Field(foreign_key="case_file.id", max_length=32, index=True)
    position: int = 0
    category: str = Field(max_length=40)
    amount: Decimal = Field(sa_type=MONEY)
    period_start_on: date | None = None
    period_end_on: date | None = None
    description: str | None = Field(default=None, max_length=2000)
    final_award: bool = False
    merged_from: str | None = Field(default=None, max_length=32)  # the case it came from in a merge


class TimelineEntry(SQLModel, table=True):
    """One line of the case's story: a change made here, or an event from another service."""

    __tablename__ = "timeline_entry"
    __table_args__ = (
        Index("ix_timeline_entry_case", "case_id", "at", "id"),
        # "Which of these cases had this event": the statistics count outcomes by kind (issue 17).
        Index("ix_timeline_entry_case_kind", "case_id", "kind"),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(foreign_key="case_file.id", max_length=32)
    at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    source: str = Field(max_length=40)  # intake | mediation | court-bridge | arbitration-bridge
    kind: str = Field(max_length=80)  # e.g. case.registered, mediation.proceeding.agreed
    actor: str | None = Field(default=None, max_length=100)
    summary: str = Field(max_length=500)  # Simplified Chinese, for clerks
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    event_id: str | None = Field(default=None, max_length=36)


class PiiAccess(SQLModel, table=True):
    """Each read of a full ID or phone number (个人信息保护法: access is logged)."""

    __tablename__ = "pii_access"

    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(max_length=32, index=True)
    actor: str = Field(max_length=64)
    actor_roles: str = Field(max_length=100)
    fields: str = Field(max_length=200)
    purpose: str = Field(max_length=100)
    at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class CaseGrant(SQLModel, table=True):
    """Who besides the centre's staff may read a case: the mediator (or a panel member) of its
    proceeding, learnt from mediation's events (intake never reads mediation's database)."""

    __tablename__ = "case_grant"
    __table_args__ = (
        UniqueConstraint("case_id", "audience", "reason"),
        Index("ix_case_grant_audience", "audience", "case_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(foreign_key="case_file.id", max_length=32)
    audience: str = Field(max_length=140)  # user:<subject> | username:<login>, as notifications
    reason: str = Field(max_length=20)  # mediator | panel
    proceeding_id: str | None = Field(default=None, max_length=32)
    granted_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class CaseMerge(SQLModel, table=True):
    """Linked complaints merged into one collective case; undoable until mediation starts."""

    __tablename__ = "case_merge"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    target_case_id: str = Field(foreign_key="case_file.id", max_length=32, index=True)
    source_case_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # The target's triage fields before the merge, restored by an undo.
    before: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    reason: str = Field(max_length=500)
    merged_by: str = Field(max_length=100)
    merged_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    undone_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    undone_by: str | None = Field(default=None, max_length=100)
