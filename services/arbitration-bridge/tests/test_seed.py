"""``python -m arbitration_bridge seed``: commissions registered from a file, idempotently (demo and deployments)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from arbitration_bridge.main import create_app
from arbitration_bridge.seed import seed_commissions
from conftest import fast_settings
from onewindow_kit.bridge.testing import DATA_KEY, LOOKUP_KEY
from onewindow_kit.db import Database
from onewindow_kit.partners.seed import SeedPartner
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
    cipher = create_app(settings).state.arbitration.cipher
    first, second = new_secret(), new_secret()
    entry = SeedPartner(
        partner_id="futian-arbitration",
        name="深圳市福田区劳动人事争议仲裁院",
        center_id="futian",
        webhook_url="http://127.0.0.1:8202/webhooks",
        webhook_secret=first,
    )
    assert (await seed_commissions(settings, [entry]))[0]["action"] == "created"
    assert (await seed_commissions(settings, [entry]))[0]["action"] == "updated"
    fresh = await seed_commissions(settings, [SeedPartner(partner_id="luohu-arbitration", name="罗湖仲裁院")])
    Webhook(fresh[0]["webhook_secret"])  # a generated secret is printed once, in the standard format
    await seed_commissions(settings, [entry.model_copy(update={"webhook_secret": second})])
    db = Database(database_url)
    async with db.transaction(read_only=True) as session:
        assert await valid_secrets(session=session, partner_id="futian-arbitration", cipher=cipher) == [second]
    await db.dispose()
    with pytest.raises(UrlRefused):
        await seed_commissions(settings, [entry.model_copy(update={"webhook_url": "http://169.254.169.254/latest"})])


def test_the_migrate_and_seed_commands(tmp_path):
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'arbitration.sqlite3'}"
    path = tmp_path / "commissions.json"
    path.write_text(
        json.dumps(
            [{"partner_id": "futian-arbitration", "name": "深圳市福田区劳动人事争议仲裁院", "center_id": "futian"}],
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    env = {
        "ARBITRATION_DATABASE_URL": database_url,
        "ARBITRATION_DATA_KEYS": json.dumps({"k1": DATA_KEY}),
        "ARBITRATION_LOOKUP_KEY": LOOKUP_KEY,
        "PATH": "/usr/bin:/bin",
    }
    for command in (["migrate"], ["seed", "--partners", str(path)]):
        done = subprocess.run(
            [sys.executable, "-m", "arbitration_bridge", *command],
            env=env,
            capture_output=True,
            text=True,
            cwd=Path(__file__).resolve().parents[3],
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout.strip().splitlines()[-1])
    assert printed["partner_id"] == "futian-arbitration" and printed["action"] == "created"
    assert printed["webhook_secret"].startswith("whsec_")
