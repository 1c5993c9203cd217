"""Who may work on cases: one alias per set of roles (STYLE.md: auth aliases live in ``auth.py``)."""

# No `from __future__ import annotations`: FastAPI must see the Annotated dependencies as objects.

from typing import Annotated

from fastapi import Depends
from onewindow_kit.auth import Principal, require_roles

# Reading and changing a case need the same roles (the centre scope is checked in the service).
CaseStaff = Annotated[Principal, Depends(require_roles("clerk", "supervisor", "admin", "service"))]
StatsRead = Annotated[Principal, Depends(require_roles("clerk", "supervisor", "admin"))]
# Reading one case: the centre's staff, and a mediator of the case's proceeding (checked in the service).
CaseRead = Annotated[Principal, Depends(require_roles("clerk", "supervisor", "admin", "service", "mediator"))]
# Changing a case: the window (a clerk, a supervisor) — never a mediator.
CaseWrite = Annotated[Principal, Depends(require_roles("clerk", "supervisor", "admin"))]
