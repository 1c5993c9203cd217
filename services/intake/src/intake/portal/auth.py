"""Who may use the portal routes and the application queue."""

# No `from __future__ import annotations`: FastAPI must see the Annotated dependencies as objects.

from typing import Annotated

from fastapi import Depends
from onewindow_kit.auth import Principal, require_roles

# A worker or an employer's contact signed in with an SMS code; never a staff token.
Party = Annotated[Principal, Depends(require_roles("party"))]
# The window checks and registers (or returns) online applications of its centre.
ApplicationDesk = Annotated[Principal, Depends(require_roles("clerk", "supervisor"))]
# The gateway resolving a phone's cases at sign-in.
Gateway = Annotated[Principal, Depends(require_roles("service"))]
