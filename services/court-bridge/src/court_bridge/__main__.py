from pathlib import Path

from onewindow_kit.cli import main

from court_bridge.config import CourtBridgeSettings
from court_bridge.seed import seed_arguments, seed_command

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"

if __name__ == "__main__":
    main(
        name="court_bridge",
        settings_factory=CourtBridgeSettings,
        app_factory="court_bridge.main:create_app",
        migrations_dir=MIGRATIONS,
        extra_commands={"seed": seed_command},
        extra_arguments={"seed": seed_arguments},
    )
