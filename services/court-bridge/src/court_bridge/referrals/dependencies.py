"""Who may call: a registered, active court (its token's ``partner_id``), or centre staff.

The partner conventions (body bound, ``Idempotency-Key``) are the kit's, as for the arbitration bridge.
"""

# No `from __future__ import annotations`: FastAPI must see the Annotated dependencies as objects.

from typing import Annotated

from fastapi import Depends
from onewindow_kit.auth import Principal, require_roles
from onewindow_kit.partners.dependencies import BoundedBody, OptionalKey, RequiredKey, partner_dependency
from onewindow_kit.partners.models import Partner

__all__ = ["AdminOnly", "BoundedBody", "CurrentCourt", "OptionalKey", "RequiredKey", "StaffDecide", "StaffRead"]

CurrentCourt = Annotated[Partner, Depends(partner_dependency(kind="court", role="court_partner"))]
StaffRead = Annotated[Principal, Depends(require_roles("clerk", "supervisor", "admin"))]
StaffDecide = Annotated[Principal, Depends(require_roles("clerk", "supervisor", "admin"))]
AdminOnly = Annotated[Principal, Depends(require_roles("admin"))]
