"""Who may call: a registered, active commission (its token's ``partner_id``), or centre staff."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from onewindow_kit.auth import Principal, require_roles
from onewindow_kit.partners.dependencies import partner_dependency
from onewindow_kit.partners.models import Partner

CurrentCommission = Annotated[
    Partner, Depends(partner_dependency(kind="arbitration", role="arbitration_partner", label="arbitration commission"))
]
StaffRead = Annotated[Principal, Depends(require_roles("clerk", "supervisor", "admin"))]
StaffDecide = Annotated[Principal, Depends(require_roles("clerk", "supervisor", "admin"))]
AdminOnly = Annotated[Principal, Depends(require_roles("admin"))]
