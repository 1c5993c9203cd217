"""The OpenAPI document tells the truth: problem+json errors, bearer auth, the statuses the tests see."""

import pytest
from onewindow_kit.testing import assert_truthful_document, check_observed_statuses

pytestmark = pytest.mark.anyio


async def test_document_is_truthful(app):
    assert_truthful_document(app.openapi())


@pytest.mark.openapi_statuses
def test_every_observed_status_is_documented(request):
    check_observed_statuses(request)
