"""``python -m mediation seed``: the demo registry, created once, linked to the gateway's demo users."""

import argparse
import asyncio
import json

from mediation.__main__ import seed
from mediation.config import MediationSettings
from mediation.registry.models import Mediator, Organisation
from onewindow_kit.db import Database
from sqlalchemy import select


def test_seed_creates_the_demo_registry_once(database_url, capsys):
    settings = MediationSettings(database_url=database_url, environment="test")
    seed(settings, argparse.Namespace(link=None))
    first = json.loads(capsys.readouterr().out)
    assert first["created"] == ["futian-joint", "futian-street", "mediator1", "mediator2"]
    seed(settings, argparse.Namespace(link=["mediator1=7f0c1d2e-0000-4000-8000-000000000001"]))
    assert json.loads(capsys.readouterr().out)["created"] == []

    async def read():
        db = Database(database_url)
        async with db.transaction(read_only=True) as session:
            orgs = (await session.execute(select(Organisation).order_by(Organisation.id))).scalars().all()
            mediators = (await session.execute(select(Mediator).order_by(Mediator.id))).scalars().all()
        await db.dispose()
        return orgs, mediators

    orgs, mediators = asyncio.run(read())
    assert [o.name for o in orgs] == ["福田区劳动争议联合调解中心", "福田街道人民调解委员会"]
    assert [(m.id, m.username, m.name) for m in mediators] == [
        ("mediator1", "mediator1", "张敏"),
        ("mediator2", "mediator2", "陈刚"),
    ]
    assert mediators[0].user_subject == "7f0c1d2e-0000-4000-8000-000000000001"
    assert mediators[0].collective_qualified and mediators[0].grade == "senior"
