"""The problems proceedings raises beyond the kit's kinds (each with its own problem type)."""

from __future__ import annotations

from onewindow_kit.errors import Conflict


class DeadlinePassed(Conflict):
    """The proceeding's deadline has passed, so it can no longer be extended."""

    title, slug = "Deadline passed", "deadline-passed"
