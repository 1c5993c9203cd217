"""A real upstream on a loopback port, for the proxy tests.

The proxy speaks HTTP/1.1 over its own connection pool (not httpx), so respx cannot see its
traffic; this server records every request it receives instead, which is what "the upstream was
never called" is asserted against."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from dataclasses import dataclass, field
from typing import Any

import uvicorn


@dataclass
class Seen:
    method: str
    path: str
    raw_path: bytes
    query: str
    headers: dict[str, str]
    header_list: list[tuple[str, str]]
    body: bytes


@dataclass
class EchoUpstream:
    """ASGI app: ``/readyz`` answers ok; ``/stream`` streams; anything else echoes the request."""

    requests: list[Seen] = field(default_factory=list)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = [(k.decode(), v.decode("latin-1")) for k, v in scope["headers"]]
        path = scope["path"]
        query = scope["query_string"].decode()
        if path == "/readyz":
            await _json(send, 200, {"status": "ok"})
            return
        self.requests.append(
            Seen(scope["method"], path, scope.get("raw_path") or b"", query, dict(headers), headers, body)
        )
        if path.endswith("/stream"):
            await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
            for i in range(5):
                await send({"type": "http.response.body", "body": f"chunk-{i}\n".encode(), "more_body": True})
                await asyncio.sleep(0.01)
            await send({"type": "http.response.body", "body": b""})
            return
        if path.endswith("/hop"):
            # Hop-by-hop headers, and a custom one named by Connection: none may reach the client.
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [
                        (b"content-type", b"text/plain"),
                        (b"content-length", b"2"),
                        (b"connection", b"x-hop-secret"),
                        (b"x-hop-secret", b"1"),
                        (b"keep-alive", b"timeout=5"),
                        (b"proxy-authenticate", b"Basic"),
                        (b"x-end-to-end", b"kept"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": b"ok"})
            return
        status = 200
        for part in query.split("&"):
            if part.startswith("status="):
                status = int(part[7:])
        await _json(
            send,
            status,
            {"method": scope["method"], "path": path, "query": query, "body_length": len(body)},
            extra=[(b"x-upstream", b"echo"), (b"set-cookie", b"a=1"), (b"set-cookie", b"b=2")],
        )


async def _json(send: Any, status: int, body: Any, extra: list[tuple[bytes, bytes]] | None = None) -> None:
    raw = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers + (extra or [])})
    await send({"type": "http.response.body", "body": raw})


class UpstreamServer:
    """Runs an ASGI app under uvicorn in a thread, on a free loopback port."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, lifespan="off", log_level="warning", access_log=False, loop="asyncio")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def start(self) -> UpstreamServer:
        self.thread.start()
        for _ in range(500):
            if self.server.started:
                return self
            threading.Event().wait(0.01)
        raise RuntimeError("upstream did not start")

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=5)
        self.sock.close()


def closed_port_url() -> str:
    """A loopback URL nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
