"""The problems assignment raises beyond the kit's kinds (each with its own problem type)."""

from __future__ import annotations

from onewindow_kit.errors import Conflict


class MediatorExcluded(Conflict):
    """The chosen mediator may not take the case (``exclusions`` names why)."""

    title, slug = "Mediator may not take the case", "mediator-excluded"
