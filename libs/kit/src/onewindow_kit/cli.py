"""The command line every service shares: ``python -m <service> migrate|serve``."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import uvicorn

from onewindow_kit.migrations import upgrade


class QuietServer(uvicorn.Server):
    """uvicorn's server, ticking once a second instead of ten times: its tick only refreshes the
    ``Date`` header (once a second anyway) and looks for a shutdown request, and at rest those ten
    wake-ups a second were most of an idle process's CPU (issue 17). A shutdown waits ≤ 1 s more."""

    async def main_loop(self) -> None:
        counter = 0
        should_exit = await self.on_tick(counter)
        while not should_exit:
            counter = (counter + 10) % 864000  # on_tick refreshes the date when counter % 10 == 0
            await asyncio.sleep(1.0)
            should_exit = await self.on_tick(counter)


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
        config = uvicorn.Config(
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
        server = QuietServer(config)
        server.run()
        if not server.started:
            raise SystemExit(3)  # as uvicorn.run: the server never came up (port taken, app failed)
    else:
        (extra_commands or {})[args.command](settings, args)
