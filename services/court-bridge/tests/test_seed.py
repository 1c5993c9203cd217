"""``python -m court_bridge seed``: courts registered from a file, idempotently (demo and deployments)."""

import pytest
from conftest import fast_settings
from court_bridge.main import create_app
from court_bridge.seed import SeedPartner, seed_partners
from onewindow_kit.db import Database
from onewindow_kit.partners.service import valid_secrets
from onewindow_kit.webhooks.guard import UrlRefused
from onewindow_kit.webhooks.settings import WebhookSettings
from onewindow_kit.webhooks.signing import new_secret
from standardwebhooks import Webhook

pytestmark = pytest.mark.anyio


async def test_seed_creates_then_updates_and_adopts_a_given_secret(database_url):
    settings = fast_settings(
        database_url, webhooks=WebhookSettings(require_https=False, allowed_networks=["127.0.0.1/32"])
    )
    cipher = create_app(settings).state.court.cipher
    first, second = new_secret(), new_secret()
    entry = SeedPartner(
        partner_id="futian-court",
        name="深圳市福田区人民法院",
        center_id="futian",
        webhook_url="http://127.0.0.1:8201/webhooks",
        webhook_secret=first,
    )
    assert (await seed_partners(settings, [entry]))[0]["action"] == "created"
    assert (await seed_partners(settings, [entry]))[0]["action"] == "updated"
    fresh = await seed_partners(settings, [SeedPartner(partner_id="luohu-court", name="罗湖法院")])
    Webhook(fresh[0]["webhook_secret"])  # a generated secret is printed once, in the standard format
    await seed_partners(settings, [entry.model_copy(update={"webhook_secret": second})])
    db = Database(database_url)
    async with db.transaction(read_only=True) as session:
        assert await valid_secrets(session=session, partner_id="futian-court", cipher=cipher) == [second]
    await db.dispose()
    with pytest.raises(UrlRefused):
        await seed_partners(settings, [entry.model_copy(update={"webhook_url": "http://169.254.169.254/latest"})])
