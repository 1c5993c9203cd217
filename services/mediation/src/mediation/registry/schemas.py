"""Request and response shapes of the registry; validation messages in Simplified Chinese."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from onewindow_domain.claims import ClaimCategory
from onewindow_domain.errors import DomainError
from onewindow_domain.identifiers import validate_credit_code
from onewindow_kit.types import BoundedDate, PatchModel
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class Level(StrEnum):
    district = "district"  # 区级
    street = "street"  # 街道
    community = "community"  # 社区
    enterprise = "enterprise"  # 企业
    industry = "industry"  # 行业性、专业性
    social = "social"  # 社会组织
    platform = "platform"  # 平台企业


class RegistrationStatus(StrEnum):
    registered = "registered"  # 已备案
    pending = "pending"  # 备案中
    suspended = "suspended"  # 暂停
    revoked = "revoked"  # 撤销


class Grade(StrEnum):
    junior = "junior"  # 初级
    intermediate = "intermediate"  # 中级
    senior = "senior"  # 高级
    chief = "chief"  # 首席


class ConflictRelation(StrEnum):
    worked_for = "worked_for"  # 曾任职
    represented = "represented"  # 曾代理
    other = "other"


Street = Annotated[str, Field(min_length=1, max_length=60)]
Short = Annotated[str, Field(min_length=1, max_length=60)]


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(v.strip() for v in values if v.strip()))


class OrganisationCreate(BaseModel):
    """调解组织."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    center_id: str | None = Field(
        default=None, max_length=40, description="admins name the centre; supervisors use theirs"
    )
    name: str = Field(min_length=2, max_length=120)
    short_name: str | None = Field(default=None, max_length=30)
    level: Level
    streets: list[Street] = Field(default_factory=list, max_length=200)
    court_roster: bool = Field(default=False, description="特邀调解组织")
    roster_courts: list[Annotated[str, Field(min_length=2, max_length=100)]] = Field(
        default_factory=list, max_length=20
    )

    @field_validator("streets", "roster_courts")
    @classmethod
    def _dedupe(cls, v: list[str]) -> list[str]:
        return _unique(v)

    @model_validator(mode="after")
    def _roster(self) -> OrganisationCreate:
        if self.roster_courts and not self.court_roster:
            raise ValueError("roster_courts: 非特邀调解组织不能填写特邀法院")
        if self.level is Level.street and not self.streets:
            raise ValueError("streets: 街道调解组织须填写所服务的街道")
        return self


class OrganisationUpdate(PatchModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")
    nullable = frozenset({"short_name"})  # null clears these; elsewhere null is a 422

    name: str | None = Field(default=None, min_length=2, max_length=120)
    short_name: str | None = Field(default=None, max_length=30)
    level: Level | None = None
    streets: list[Street] | None = Field(default=None, max_length=200)
    court_roster: bool | None = None
    roster_courts: list[Annotated[str, Field(min_length=2, max_length=100)]] | None = Field(default=None, max_length=20)
    active: bool | None = None


class OrganisationPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    center_id: str
    name: str
    short_name: str | None
    level: str
    streets: list[str]
    court_roster: bool
    roster_courts: list[str]
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime


class MediatorBase(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    registration_no: str | None = Field(default=None, max_length=60, description="备案编号")
    specialities: list[ClaimCategory] = Field(default_factory=list, max_length=20, description="claim categories")
    industries: list[Short] = Field(default_factory=list, max_length=30)
    collective_qualified: bool = False
    languages: list[Annotated[str, Field(min_length=1, max_length=20)]] = Field(
        default_factory=lambda: ["普通话"], max_length=10, description="语言及方言：普通话、粤语、客家话、潮汕话…"
    )
    streets: list[Street] = Field(default_factory=list, max_length=200, description="empty: the organisation's streets")
    is_lawyer: bool = False


class MediatorCreate(MediatorBase):
    """调解员."""

    organisation_id: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=60)
    username: str | None = Field(default=None, min_length=1, max_length=64, description="the gateway login name")
    user_subject: str | None = Field(default=None, min_length=1, max_length=64, description="the token's sub")
    registration_status: RegistrationStatus = RegistrationStatus.registered
    grade: Grade = Grade.intermediate
    capacity: int = Field(default=10, ge=1, le=200, description="open proceedings at most")

    @model_validator(mode="after")
    def _registration(self) -> MediatorCreate:
        if self.registration_status is RegistrationStatus.registered and not self.registration_no:
            raise ValueError("registration_no: 已备案的调解员须填写备案编号")
        if self.collective_qualified and self.grade in (Grade.junior,):
            raise ValueError("collective_qualified: 初级调解员不能取得集体争议调解资格")
        return self


class MediatorUpdate(PatchModel):
    """Any field; ``active: false`` deactivates and reassigns the mediator's open proceedings."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")
    nullable = frozenset({"registration_no", "user_subject", "username"})  # null clears these; elsewhere null is a 422

    organisation_id: str | None = Field(default=None, min_length=1, max_length=40)
    name: str | None = Field(default=None, min_length=1, max_length=60)
    username: str | None = Field(default=None, min_length=1, max_length=64)
    user_subject: str | None = Field(default=None, min_length=1, max_length=64)
    registration_no: str | None = Field(default=None, max_length=60)
    registration_status: RegistrationStatus | None = None
    grade: Grade | None = None
    specialities: list[ClaimCategory] | None = Field(default=None, max_length=20)
    industries: list[Short] | None = Field(default=None, max_length=30)
    collective_qualified: bool | None = None
    languages: list[Annotated[str, Field(min_length=1, max_length=20)]] | None = Field(default=None, max_length=10)
    streets: list[Street] | None = Field(default=None, max_length=200)
    capacity: int | None = Field(default=None, ge=1, le=200)
    is_lawyer: bool | None = None
    active: bool | None = None


class ReassignmentPublic(BaseModel):
    """What happened to the proceedings of a mediator who became unavailable."""

    mediator_id: str
    reassigned: list[dict[str, Any]]
    parked: list[dict[str, Any]]
    at_risk: list[str]


class MediatorPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    organisation_id: str
    organisation_name: str | None = None
    name: str
    username: str | None
    user_subject: str | None
    registration_no: str | None
    registration_status: str
    grade: str
    specialities: list[str]
    industries: list[str]
    collective_qualified: bool
    languages: list[str]
    streets: list[str]
    capacity: int
    open_count: int
    is_lawyer: bool
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime
    reassignment: ReassignmentPublic | None = None


class LeaveCreate(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    start_on: BoundedDate
    end_on: BoundedDate
    reason: str | None = Field(default=None, max_length=200)

    @model_validator(mode="after")
    def _order(self) -> LeaveCreate:
        if self.end_on < self.start_on:
            raise ValueError("end_on: 休假结束日期不能早于开始日期")
        if (self.end_on - self.start_on).days > 366:
            raise ValueError("end_on: 单次休假不能超过一年")
        return self


class LeavePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    mediator_id: str
    start_on: date
    end_on: date
    reason: str | None
    created_at: datetime
    reassignment: ReassignmentPublic | None = None


class ConflictCreate(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    credit_code: str = Field(description="18位统一社会信用代码")
    employer_name: str = Field(min_length=2, max_length=200)
    relation: ConflictRelation
    note: str | None = Field(default=None, max_length=300)

    @field_validator("credit_code")
    @classmethod
    def _code(cls, v: str) -> str:
        try:
            return validate_credit_code(v).value
        except DomainError as exc:
            raise ValueError(exc.message_zh) from exc


class ConflictPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    mediator_id: str
    credit_code: str
    employer_name: str
    relation: str
    note: str | None
    created_at: datetime
    reassignment: ReassignmentPublic | None = None


class AuditPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    entity: str
    entity_id: str
    mediator_id: str | None
    action: str
    actor_subject: str
    actor_name: str | None
    at: datetime
    changes: dict[str, Any]
