"""Why a login or a client authentication failed (turned into OAuth errors by the token route)."""

from __future__ import annotations

from onewindow_kit.errors import Conflict


class InvalidCredentials(Exception):
    """Unknown name, wrong password or secret, or a disabled account (the caller is not told which)."""

    def __init__(self, description: str = "invalid username or password", *, known: bool = True) -> None:
        super().__init__(description)
        self.description = description
        # False when the name matched no account: counts against the caller's IP, not an account.
        self.known = known


class AccountLocked(Exception):
    """Too many failed logins in a row; the account refuses logins for ``retry_after`` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed logins; try again in {retry_after} seconds")
        self.retry_after = max(1, retry_after)


class CannotDisableSelf(Conflict):
    """An administrator tried to disable their own account."""

    title, slug = "Cannot disable yourself", "cannot-disable-self"
