"""Who may prepare an agreement's applications: the centre's staff, the mediator included."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from onewindow_kit.auth import Principal, require_roles

AgreementStaff = Annotated[Principal, Depends(require_roles("clerk", "mediator", "supervisor", "admin"))]
