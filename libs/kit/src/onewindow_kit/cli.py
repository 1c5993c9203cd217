"""The command line every service shares: ``python -m <service> migrate|serve``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import os
import signal
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
    serve.add_argument(
        "--processes",
        type=int,
        default=None,
        help="server processes sharing the port (default: <PREFIX>PROCESSES, 1); PostgreSQL only",
    )
    for cmd in extra_commands or {}:
        cmd_parser = sub.add_parser(cmd)
        if extra_arguments and cmd in extra_arguments:
            extra_arguments[cmd](cmd_parser)
    args = parser.parse_args(argv)
    settings = settings_factory()
    if args.command == "migrate":
        upgrade(migrations_dir, settings.database_url)
    elif args.command == "serve":
        processes = args.processes or getattr(settings, "processes", 1)
        if processes < 1:
            raise SystemExit(f"{name}: --processes must be at least 1")
        if processes > 1 and not str(getattr(settings, "database_url", "")).startswith("postgresql"):
            # Several processes on one SQLite file would not wake each other's workers, and the
            # relay's per-subscriber advisory lock exists only on PostgreSQL.
            raise SystemExit(f"{name}: more than one process needs PostgreSQL")
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
        if not serve_processes(config, processes):
            raise SystemExit(3)  # as uvicorn.run: the server never came up (port taken, app failed)
    else:
        (extra_commands or {})[args.command](settings, args)


def _die_with_parent() -> None:
    """Linux: this (forked) process gets SIGTERM when its parent dies, even by SIGKILL."""
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def serve_processes(config: uvicorn.Config, processes: int) -> bool:
    """Serve ``config`` in ``processes`` processes that accept on one listening socket (the kernel
    hands each connection to one of them). Each process builds its own app after the fork, so each
    has its own event loop, pool, relay and workers, exactly like a replica (deploy/README.md,
    "Scaling replicas"). The parent serves too; when it stops (SIGTERM, SIGINT) it stops the others
    and waits for them. Returns whether the parent's server came up."""
    if processes == 1:
        server = QuietServer(config)
        server.run()
        return server.started
    sock = config.bind_socket()
    children: list[int] = []
    for _ in range(processes - 1):
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child (covered by the kit's CLI test)
            _die_with_parent()
            child = QuietServer(config)
            child.run(sockets=[sock])
            os._exit(0 if child.started else 3)
        children.append(pid)

    def stop_children() -> None:
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        for pid in children:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
        children.clear()

    def on_signal(signum: int, _frame: object) -> None:
        # uvicorn restores this handler after its graceful shutdown and raises the signal again:
        # stop the others, then end the way a single process would (killed by that signal).
        stop_children()
        signal.signal(signum, signal.SIG_DFL)
        signal.raise_signal(signum)

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, on_signal)
    server = QuietServer(config)
    try:
        server.run(sockets=[sock])
    finally:
        stop_children()
        sock.close()
    return server.started
