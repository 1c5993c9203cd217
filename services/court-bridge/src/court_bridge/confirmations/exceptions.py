"""The problems the 司法确认 flow raises (each with its own problem type)."""

from __future__ import annotations

from onewindow_kit.errors import Conflict


class ConfirmationTooLate(Conflict):
    """The 30 days to apply for 司法确认 after the agreement took effect have passed."""

    title, slug = "Too late to apply for judicial confirmation", "confirmation-too-late"
