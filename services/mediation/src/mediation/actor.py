"""Who made a change, for the change logs of every domain folder (proceedings, registry, sessions…).

It sits at the package root, beside ``config.py``, because the registry records changes too and
must not import ``proceedings`` (which builds on the registry): the folders stay acyclic.
"""

from __future__ import annotations

from dataclasses import dataclass

from onewindow_kit.auth import Principal


@dataclass(frozen=True)
class Actor:
    """Who made a change: a person from their token, or the service itself (scheduler, events)."""

    subject: str
    name: str | None

    @classmethod
    def of(cls, principal: Principal) -> Actor:
        return cls(subject=principal.subject, name=principal.name)


SYSTEM = Actor(subject="system:mediation", name="系统")
