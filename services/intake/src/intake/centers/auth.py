"""Who may read and change centres (STYLE.md: auth aliases live in ``auth.py``)."""

# No `from __future__ import annotations`: FastAPI must see the Annotated dependencies as objects.

from typing import Annotated

from fastapi import Depends
from onewindow_kit.auth import Principal, require_roles

CenterRead = Annotated[Principal, Depends(require_roles("clerk", "mediator", "supervisor", "admin", "service"))]
CenterAdmin = Annotated[Principal, Depends(require_roles("admin"))]
