"""``Amount``: money as a person types it at a Chinese window (issue 18: １２０００ was refused)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from onewindow_kit.types import Amount
from pydantic import BaseModel, ValidationError


class Claim(BaseModel):
    amount: Amount


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("１２０００", "12000"),
        ("１２，０００．５０", "12000.50"),
        ("12,000", "12000"),
        ("12 000 元", "12000"),
        ("8000.5", "8000.5"),
        (12000, "12000"),
    ],
)
def test_full_width_digits_and_separators_are_normalised(typed: object, read: str) -> None:
    assert Claim.model_validate({"amount": typed}).amount == Decimal(read)


@pytest.mark.parametrize("typed", ["1,2", "-1", "12000.505", "十二万", ""])
def test_what_is_not_an_amount_is_still_refused(typed: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Claim.model_validate({"amount": typed})
    assert caught.value.errors()[0]["loc"] == ("amount",)
