import argparse
import asyncio
import json
from pathlib import Path
from typing import Any

from onewindow_kit.cli import main
from onewindow_kit.db import Database

from mediation.config import MediationSettings

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"

FUTIAN_STREETS = [
    "园岭街道",
    "南园街道",
    "福田街道",
    "沙头街道",
    "香蜜湖街道",
    "梅林街道",
    "莲花街道",
    "华富街道",
    "福保街道",
    "华强北街道",
]
DEMO_ORGANISATIONS: list[dict[str, Any]] = [
    {
        "id": "futian-joint",
        "center_id": "futian",
        "name": "福田区劳动争议联合调解中心",
        "short_name": "福田联调",
        "level": "district",
        "streets": [],
        "court_roster": True,
        "roster_courts": ["深圳市福田区人民法院"],
    },
    {
        "id": "futian-street",
        "center_id": "futian",
        "name": "福田街道人民调解委员会",
        "short_name": "福田街道调委会",
        "level": "street",
        "streets": ["福田街道", "南园街道", "沙头街道"],
        "court_roster": False,
        "roster_courts": [],
    },
]
# The ids and login names match the gateway's demo users (deploy/stack.py DEMO_USERS).
DEMO_MEDIATORS: list[dict[str, Any]] = [
    {
        "id": "mediator1",
        "username": "mediator1",
        "organisation_id": "futian-joint",
        "name": "张敏",
        "registration_no": "深福调备〔2025〕0001号",
        "grade": "senior",
        "collective_qualified": True,
        "specialities": ["wage_arrears", "overtime", "severance", "unlawful_termination", "no_contract_double_wage"],
        "industries": ["制造业", "建筑业", "信息技术"],
        "languages": ["普通话", "粤语"],
        "streets": [],
        "capacity": 20,
        "is_lawyer": True,
    },
    {
        "id": "mediator2",
        "username": "mediator2",
        "organisation_id": "futian-street",
        "name": "陈刚",
        "registration_no": "深福调备〔2025〕0002号",
        "grade": "intermediate",
        "collective_qualified": False,
        "specialities": ["wage_arrears", "work_injury", "social_insurance", "annual_leave"],
        "industries": ["餐饮业", "零售业", "物流"],
        "languages": ["普通话", "客家话"],
        "streets": [],
        "capacity": 15,
        "is_lawyer": False,
    },
]


def seed(settings: MediationSettings, args: argparse.Namespace) -> None:
    """Create the demo organisations and mediators (once); ``--link mediator1=<sub>`` ties a
    mediator to a gateway user id when the tokens carry no login name."""
    from mediation.registry.models import Mediator, Organisation, RegistryAudit

    links = dict(item.split("=", 1) for item in (args.link or []))

    async def run() -> list[str]:
        db = Database(settings.database_url, info={"service": settings.service_name})
        created: list[str] = []
        async with db.transaction() as session:
            for data in DEMO_ORGANISATIONS:
                if await session.get(Organisation, data["id"]) is None:
                    session.add(Organisation(**data))
                    session.add(
                        RegistryAudit(
                            entity="organisation",
                            entity_id=data["id"],
                            action="created",
                            actor_subject="system:seed",
                            actor_name="演示数据",
                            changes={k: [None, v] for k, v in data.items()},
                        )
                    )
                    created.append(data["id"])
            await session.flush()
            for data in DEMO_MEDIATORS:
                mediator = await session.get(Mediator, data["id"])
                if mediator is None:
                    mediator = Mediator(**data)
                    session.add(mediator)
                    session.add(
                        RegistryAudit(
                            entity="mediator",
                            entity_id=data["id"],
                            mediator_id=data["id"],
                            action="created",
                            actor_subject="system:seed",
                            actor_name="演示数据",
                            changes={k: [None, v] for k, v in data.items()},
                        )
                    )
                    created.append(data["id"])
                if data["id"] in links and mediator.user_subject != links[data["id"]]:
                    mediator.user_subject = links[data["id"]]
        await db.dispose()
        return created

    created = asyncio.run(run())
    print(
        json.dumps(
            {
                "seeded": "mediation",
                "created": created,
                "organisations": [o["id"] for o in DEMO_ORGANISATIONS],
                "mediators": [m["id"] for m in DEMO_MEDIATORS],
            },
            ensure_ascii=False,
        )
    )


def _seed_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--link",
        action="append",
        metavar="MEDIATOR_ID=SUB",
        help="set a demo mediator's user_subject (the gateway user id in its tokens' sub)",
    )


if __name__ == "__main__":
    main(
        name="mediation",
        settings_factory=MediationSettings,
        app_factory="mediation.main:create_app",
        migrations_dir=MIGRATIONS,
        extra_commands={"seed": seed},
        extra_arguments={"seed": _seed_arguments},
    )
