"""The problems the 仲裁审查确认 flow raises (each with its own problem type)."""

from __future__ import annotations

from onewindow_kit.errors import Conflict


class ReviewTooLate(Conflict):
    """The time to request a review of the agreement has passed."""

    title, slug = "Too late to request a review", "review-too-late"
