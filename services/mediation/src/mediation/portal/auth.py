"""Who may use the portal routes: a party signed in with an SMS code, never a staff token."""

# No `from __future__ import annotations`: FastAPI must see the Annotated dependencies as objects.

from typing import Annotated

from fastapi import Depends
from onewindow_kit.auth import Principal, require_roles

Party = Annotated[Principal, Depends(require_roles("party"))]
