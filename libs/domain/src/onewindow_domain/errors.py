"""One error hierarchy for the domain rules.

Every error carries a stable ``code`` (for programs) and a ``message_zh`` a clerk can read.
They subclass ``ValueError`` so a Pydantic validator may raise them unchanged; the services map
them to their own problem responses.
"""

from __future__ import annotations


class DomainError(ValueError):
    """Base of every error the domain library raises on purpose."""

    def __init__(self, code: str, message_zh: str) -> None:
        super().__init__(message_zh)
        self.code = code
        self.message_zh = message_zh

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message_zh={self.message_zh!r})"


class InvalidIdentifier(DomainError):
    """An ID number, credit code or mobile number that fails its format or check character."""


class InvalidInput(DomainError):
    """An argument outside what a rule accepts (negative money, end before start, unknown code)."""


class CalendarYearMissing(DomainError):
    """The holiday calendar has no official notice for the year asked about."""

    def __init__(self, year: int) -> None:
        super().__init__(
            "calendar.year_missing",
            f"节假日数据未收录{year}年的放假安排，无法确定工作日；请先添加该年度国务院办公厅通知的数据",
        )
        self.year = year


class CalendarDataError(DomainError):
    """A holiday data file that is malformed or contradicts itself."""


class UnknownRule(DomainError):
    """A statutory clock rule code that is not in the rule table."""


class WageDataMissing(DomainError):
    """No minimum or average wage is configured for the city and date asked about."""
