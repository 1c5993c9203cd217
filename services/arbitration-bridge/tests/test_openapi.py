"""The OpenAPI document tells the truth: problem+json errors, bearer auth, the statuses the tests see."""

import pytest
from onewindow_kit.testing import assert_partner_examples, assert_truthful_document, check_observed_statuses

pytestmark = pytest.mark.anyio


async def test_document_is_truthful(app):
    assert_truthful_document(app.openapi())


@pytest.mark.openapi_statuses
def test_every_observed_status_is_documented(request):
    check_observed_statuses(request)


async def test_partner_operations_have_examples(app):
    assert_partner_examples(app)
