"""Who may call: a registered, active court (its token's ``partner_id``), or centre staff."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from onewindow_kit.auth import Principal, require_roles
from onewindow_kit.partners.dependencies import BoundedBody, OptionalKey, RequiredKey, partner_dependency
from onewindow_kit.partners.models import Partner

CurrentCourt = Annotated[Partner, Depends(partner_dependency(kind="court", role="court_partner", label="court"))]
StaffRead = Annotated[Principal, Depends(require_roles("clerk", "supervisor", "admin"))]
StaffDecide = Annotated[Principal, Depends(require_roles("clerk", "supervisor", "admin"))]
AdminOnly = Annotated[Principal, Depends(require_roles("admin"))]

__all__ = ["AdminOnly", "BoundedBody", "CurrentCourt", "OptionalKey", "RequiredKey", "StaffDecide", "StaffRead"]
