"""Shapes of mediation sessions."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from onewindow_kit.types import BoundedDateTime
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class Mode(StrEnum):
    in_person = "in_person"  # 现场调解
    online = "online"  # 在线视频调解


class AttendeeRole(StrEnum):
    worker = "worker"
    employer = "employer"
    agent = "agent"
    mediator = "mediator"
    panel = "panel"
    interpreter = "interpreter"
    other = "other"


class Attendee(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    role: AttendeeRole


class SessionCreate(BaseModel):
    """调解会: a room for an in-person sitting, a meeting link for an online one."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    mode: Mode
    room: str | None = Field(default=None, max_length=100)
    meeting_link: str | None = Field(default=None, max_length=500)
    starts_at: BoundedDateTime
    ends_at: BoundedDateTime | None = Field(default=None, description="default: two hours after the start")
    attendees: list[Attendee] = Field(default_factory=list, max_length=50)

    @field_validator("starts_at", "ends_at")
    @classmethod
    def _aware(cls, v: datetime | None) -> datetime | None:
        if v is not None and v.tzinfo is None:
            raise ValueError("时间须包含时区，例如2026-12-01T09:30:00+08:00")
        return v

    @model_validator(mode="after")
    def _where_and_when(self) -> SessionCreate:
        if self.mode is Mode.in_person and not self.room:
            raise ValueError("room: 现场调解须填写调解室")
        if self.mode is Mode.online:
            if not self.meeting_link:
                raise ValueError("meeting_link: 在线调解须填写会议链接")
            if not self.meeting_link.startswith("https://"):
                raise ValueError("meeting_link: 会议链接须以https://开头")
        if self.ends_at is None:
            self.ends_at = self.starts_at + timedelta(hours=2)
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at: 结束时间须晚于开始时间")
        if self.ends_at - self.starts_at > timedelta(hours=12):
            raise ValueError("ends_at: 单次调解会不能超过12小时")
        return self


class MinutesRequest(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    notes: str = Field(min_length=1, max_length=20000, description="调解笔录")
    attendees: list[Attendee] | None = Field(default=None, max_length=50, description="who actually attended")


class CancelRequest(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    reason: str = Field(min_length=2, max_length=500)


class PartyReply(BaseModel):
    """A party's answer in the portal to this session's time."""

    model_config = ConfigDict(from_attributes=True)

    side: str
    phone_masked: str
    answer: str  # confirm | reschedule
    note: str | None
    replied_at: datetime


class SessionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    proceeding_id: str
    mediator_id: str
    mode: str
    room: str | None
    meeting_link: str | None
    starts_at: datetime
    ends_at: datetime
    attendees: list[dict[str, Any]]
    status: str
    notes: str | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    party_replies: list[PartyReply] = Field(default_factory=list, description="当事人在线确认或申请改期")
