from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class CenterPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    short_name: str
    district: str
    active: bool
    version: int
    synced_at: datetime
