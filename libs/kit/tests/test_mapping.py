"""The schema-driven mapper: fields come from the object, computed ones from keywords, mistakes fail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from onewindow_kit.mapping import to_schema
from pydantic import BaseModel, ConfigDict, Field


class Brief(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str


class ThingPublic(BaseModel):
    id: str
    due_on: date
    label: str
    owner: Brief | None
    notes: list[str] = Field(default_factory=list)


@dataclass
class Owner:
    id: str
    name: str
    phone: str


@dataclass
class Thing:
    id: str
    due_on: date
    status: str
    owner: Owner | None


def test_fields_are_read_from_attributes_and_computed_ones_from_keywords() -> None:
    thing = Thing(id="t1", due_on=date(2026, 12, 2), status="open", owner=Owner("m1", "张三", "13800000000"))
    public = to_schema(ThingPublic, thing, label="进行中")
    assert public.model_dump() == {
        "id": "t1",
        "due_on": date(2026, 12, 2),
        "label": "进行中",
        "owner": {"id": "m1", "name": "张三"},  # nested schema mapped from attributes; the phone stays out
        "notes": [],
    }


def test_a_keyword_overrides_the_attribute() -> None:
    thing = Thing(id="t1", due_on=date(2026, 12, 2), status="open", owner=None)
    assert to_schema(ThingPublic, thing, label="x", id="renamed").id == "renamed"


def test_a_required_field_nobody_supplies_fails() -> None:
    thing = Thing(id="t1", due_on=date(2026, 12, 2), status="open", owner=None)
    with pytest.raises(AttributeError, match="label"):
        to_schema(ThingPublic, thing)


def test_a_keyword_the_schema_does_not_declare_fails() -> None:
    thing = Thing(id="t1", due_on=date(2026, 12, 2), status="open", owner=None)
    with pytest.raises(TypeError, match="labl"):
        to_schema(ThingPublic, thing, label="x", labl="typo")
