"""Issue 15: hostile partner input is a 4xx problem naming the field, never a 500, and writes
nothing (both databases). The tests are the kit's, shared with the other bridge
(``onewindow_kit.bridge.testing``); this module points them at the arbitration partner API."""

import pytest
from factories import referral_form
from onewindow_kit.bridge.testing import (  # noqa: F401 (collected here)
    PartnerApi,
    test_a_body_over_the_limit_is_413,
    test_hostile_reads_are_422_naming_the_field,
    test_hostile_referrals_are_422_and_write_nothing,
)

pytestmark = pytest.mark.anyio


@pytest.fixture
def partner_api(commissions) -> PartnerApi:
    return PartnerApi(
        referrals="/partner/arbitration/v1/referrals",
        headers=commissions["a"],
        referral_form=referral_form,
        case_no_field="pre_filing_no",
    )
