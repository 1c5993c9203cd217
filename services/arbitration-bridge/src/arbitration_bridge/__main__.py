from pathlib import Path

from onewindow_kit.cli import main

from arbitration_bridge.config import ArbitrationBridgeSettings

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"

if __name__ == "__main__":
    main(name="arbitration_bridge", settings_factory=ArbitrationBridgeSettings, app_factory="arbitration_bridge.main:create_app",
         migrations_dir=MIGRATIONS)
