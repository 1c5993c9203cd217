from pathlib import Path

from onewindow_kit.cli import main

from arbitration_bridge.config import ArbitrationBridgeSettings
from arbitration_bridge.seed import seed_arguments, seed_command

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"

if __name__ == "__main__":
    main(
        name="arbitration_bridge",
        settings_factory=ArbitrationBridgeSettings,
        app_factory="arbitration_bridge.main:create_app",
        migrations_dir=MIGRATIONS,
        extra_commands={"seed": seed_command},
        extra_arguments={"seed": seed_arguments},
    )
