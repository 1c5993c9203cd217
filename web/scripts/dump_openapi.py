"""Print one service's OpenAPI document, built in-process by its ``create_app()`` (no server, no
database): ``python web/scripts/dump_openapi.py intake``. The SPA's typed client is generated from
these documents (web/scripts/api-types.mjs), so its shapes cannot drift from the services'.

Each service runs in its own process: two services' table models cannot share one interpreter.
"""

from __future__ import annotations

import base64
import importlib
import json
import os
import sys

MODULES = {
    "gateway": "gateway.main",
    "intake": "intake.main",
    "mediation": "mediation.main",
    "court": "court_bridge.main",
    "arbitration": "arbitration_bridge.main",
}


def main(name: str) -> None:
    # Settings refuse to build without data keys; a throw-away key is enough to describe the API.
    key = base64.b64encode(bytes(32)).decode()
    for prefix in ("INTAKE_", "MEDIATION_", "COURT_", "ARBITRATION_"):
        os.environ.setdefault(prefix + "DATA_KEYS", json.dumps({"k1": key}))
        os.environ.setdefault(prefix + "DATA_KEY_ACTIVE", "k1")
        os.environ.setdefault(prefix + "LOOKUP_KEY", key)
    app = importlib.import_module(MODULES[name]).create_app()
    json.dump(app.openapi(), sys.stdout, ensure_ascii=False, sort_keys=True, indent=1)


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in MODULES:
        sys.exit(f"usage: dump_openapi.py {'|'.join(MODULES)}")
    main(sys.argv[1])
