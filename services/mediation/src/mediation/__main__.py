from pathlib import Path

from onewindow_kit.cli import main

from mediation.config import MediationSettings

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"

if __name__ == "__main__":
    main(name="mediation", settings_factory=MediationSettings, app_factory="mediation.main:create_app",
         migrations_dir=MIGRATIONS)
