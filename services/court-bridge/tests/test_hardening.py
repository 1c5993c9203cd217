"""Issue 15: hostile partner input is a 4xx problem naming the field, never a 500, and writes
nothing (both databases). The tests are the kit's, shared with the other bridge
(``onewindow_kit.bridge.testing``); ``partner_api`` (conftest) points them at the court partner API."""

from onewindow_kit.bridge.testing import TestHostilePartnerInput  # noqa: F401 (collected here)
