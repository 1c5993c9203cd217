"""The OpenAPI document tells the truth: problem+json errors, bearer auth, the statuses the tests see."""

import pytest
from onewindow_kit.testing import assert_truthful_document, check_observed_statuses

pytestmark = pytest.mark.anyio


async def test_document_is_truthful(app):
    # OAuth's token endpoint answers RFC 6749 errors; /health answers its own body when degraded.
    oauth = {("post", "/auth/token", status) for status in ("400", "401", "429")}
    assert_truthful_document(app.openapi(), other_formats=oauth | {("get", "/health", "503")})


@pytest.mark.openapi_statuses
def test_every_observed_status_is_documented(request):
    check_observed_statuses(request)
