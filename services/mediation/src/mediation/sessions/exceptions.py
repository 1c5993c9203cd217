"""The problems session scheduling raises beyond the kit's kinds (each with its own problem type)."""

from __future__ import annotations

from onewindow_kit.errors import Conflict


class ScheduleClash(Conflict):
    """The mediator already has a session at that time."""

    title, slug = "Schedule clash", "schedule-clash"
