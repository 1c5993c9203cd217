"""The OpenAPI document tells the truth (onewindow_kit.testing), with examples on the partner API."""

from onewindow_kit.testing import (  # noqa: F401
    test_document_is_truthful,
    test_every_observed_status_is_documented,
    test_partner_operations_have_examples,
)
