"""The OpenAPI document tells the truth (onewindow_kit.testing: shape, and every observed status documented)."""

from onewindow_kit.testing import test_document_is_truthful, test_every_observed_status_is_documented  # noqa: F401
