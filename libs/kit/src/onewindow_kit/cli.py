"""The command line every service shares: ``python -m <service> migrate|serve``."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import uvicorn

from onewindow_kit.migrations import upgrade


def main(
    *,
    name: str,
    settings_factory: Callable[[], Any],
    app_factory: str,
    migrations_dir: Path,
    argv: list[str] | None = None,
    extra_commands: dict[str, Callable[[Any, argparse.Namespace], None]] | None = None,
    extra_arguments: dict[str, Callable[[argparse.ArgumentParser], None]] | None = None,
) -> None:
    """Parse ``argv`` and run the command. ``extra_arguments[cmd](parser)`` adds the options of an
    extra command (``python -m gateway seed --accounts PATH``)."""
    parser = argparse.ArgumentParser(prog=name)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply the database migrations")
    serve = sub.add_parser("serve", help="run the HTTP server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    for cmd in extra_commands or {}:
        cmd_parser = sub.add_parser(cmd)
        if extra_arguments and cmd in extra_arguments:
            extra_arguments[cmd](cmd_parser)
    args = parser.parse_args(argv)
    settings = settings_factory()
    if args.command == "migrate":
        upgrade(migrations_dir, settings.database_url)
    elif args.command == "serve":
        uvicorn.run(
            app_factory,
            factory=True,
            host=args.host,
            port=args.port,
            loop="uvloop",
            http="httptools",
            access_log=False,
            log_config=None,
            proxy_headers=False,
            timeout_graceful_shutdown=5,
        )
    else:
        (extra_commands or {})[args.command](settings, args)
