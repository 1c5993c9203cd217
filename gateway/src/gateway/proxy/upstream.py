"""The proxy's upstream client: a small HTTP/1.1 keep-alive connection pool over asyncio
transports, parsing responses with ``httptools`` (the parser uvicorn itself uses).

Why not httpx/aiohttp: forwarding is the gateway's hot path, and a general client spends most of
its time building request/response objects, normalising headers and running its pool's locking.
Here a request is one ``transport.write`` of bytes already in wire form and the response is handed
to ASGI as raw header pairs and body chunks; see ``bench/proxy_bench.py`` for the measurements
behind this choice. The module does only what a reverse proxy needs: one request at a time per
connection, streaming bodies both ways with flow control, connect/read timeouts, and one retry
when a kept-alive connection turns out to have been closed by the upstream.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
import time
from collections import deque
from urllib.parse import urlsplit

import httptools

log = logging.getLogger("gateway.proxy")

# Buffered response body above which the upstream socket stops being read until the client
# catches up (so a slow client cannot make the gateway hold a whole download in memory).
_HIGH_WATER = 256 * 1024


class UpstreamError(Exception):
    """The upstream could not be reached, timed out, or broke the HTTP exchange."""


class UpstreamTimeout(UpstreamError):
    pass


def _set_timeout(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_exception(UpstreamTimeout("the upstream did not answer in time"))


class Connection(asyncio.Protocol):
    """One keep-alive connection to an upstream, one exchange at a time."""

    def __init__(self, pool: UpstreamPool) -> None:
        self.pool = pool
        self.loop = pool.loop
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.closed = False
        self.idle_since = 0.0
        self.counted = True  # in the pool's connection count until discarded
        self._write_paused = False
        self._drain_waiter: asyncio.Future[None] | None = None
        self.reset()

    def reset(self) -> None:
        """Prepare for the next exchange."""
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.head_done = False
        self.complete = False
        self.keep_alive = True
        self.chunks: list[bytes] = []
        self.buffered = 0
        self.received_any = False
        self.error: UpstreamError | None = None
        self.waiter: asyncio.Future[None] | None = None
        self._informational = False
        self._framed = False
        self._reading_paused = False
        self._until_close = False

    # -- asyncio.Protocol ----------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.received_any = True
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._fail(UpstreamError("the upstream switched protocols"))
        except httptools.HttpParserError as exc:
            self._fail(UpstreamError(f"malformed upstream response: {exc}"))

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.head_done and not self.complete and self._until_close and self.error is None:
            self.complete = True  # a body delimited by the end of the connection
        elif not self.complete and self.error is None:
            self.error = UpstreamError("the upstream closed the connection")
        self._wake()
        waiter, self._drain_waiter = self._drain_waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        self.pool._forget(self)

    def pause_writing(self) -> None:
        self._write_paused = True

    def resume_writing(self) -> None:
        self._write_paused = False
        waiter, self._drain_waiter = self._drain_waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # -- httptools callbacks -------------------------------------------------------------------

    def on_header(self, name: bytes, value: bytes) -> None:
        name = name.lower()
        if name == b"content-length" or name == b"transfer-encoding":
            self._framed = True
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        status = self.parser.get_status_code()
        if 100 <= status < 200:  # 1xx interim answers are not forwarded
            self._informational = True
            self._framed = False
            self.headers = []
            return
        self.status = status
        self.keep_alive = self.parser.should_keep_alive()
        self._until_close = not self._framed
        self.head_done = True
        self._wake()

    def on_body(self, body: bytes) -> None:
        self.chunks.append(body)
        self.buffered += len(body)
        if self.buffered > _HIGH_WATER and not self._reading_paused and self.transport is not None:
            self._reading_paused = True
            self.transport.pause_reading()
        self._wake()

    def on_message_complete(self) -> None:
        if self._informational:
            self._informational = False
            return
        self.complete = True
        self._wake()

    # -- used by the proxy -----------------------------------------------------------------------

    def _wake(self) -> None:
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _fail(self, exc: UpstreamError) -> None:
        if self.error is None:
            self.error = exc
        self.abort()
        self._wake()

    def abort(self) -> None:
        """Drop the connection at once (never to be reused)."""
        self.keep_alive = False
        if self.transport is not None and not self.closed:
            self.transport.abort()

    def write(self, data: bytes) -> None:
        if self.closed or self.transport is None:
            raise self.error or UpstreamError("the upstream closed the connection")
        self.transport.write(data)

    async def drain(self) -> None:
        if self._write_paused and not self.closed:
            self._drain_waiter = self.loop.create_future()
            await self._drain_waiter
        if self.closed and not self.head_done:
            raise self.error or UpstreamError("the upstream closed the connection")

    async def _wait(self, timeout: float) -> None:
        future = self.loop.create_future()
        self.waiter = future
        handle = self.loop.call_later(timeout, _set_timeout, future)
        try:
            await future
        finally:
            handle.cancel()
            self.waiter = None

    async def read_head(self, timeout: float) -> None:
        """Wait for the status line and headers."""
        while not self.head_done:
            if self.error is not None:
                raise self.error
            await self._wait(timeout)

    async def read_body(self, timeout: float) -> bytes | None:
        """The body bytes received since the last call, or None once the body is complete."""
        while True:
            if self.chunks:
                chunks = self.chunks
                data = chunks[0] if len(chunks) == 1 else b"".join(chunks)
                self.chunks = []
                self.buffered = 0
                if self._reading_paused and self.transport is not None and not self.closed:
                    self._reading_paused = False
                    self.transport.resume_reading()
                return data
            if self.complete:
                return None
            if self.error is not None:
                raise self.error
            await self._wait(timeout)


class UpstreamPool:
    """Connections to one upstream: idle ones reused newest first, at most ``max_connections``."""

    def __init__(
        self,
        name: str,
        base_url: str,
        *,
        max_connections: int = 256,
        connect_timeout: float = 3.0,
        timeout: float = 60.0,
        keepalive_expiry: float = 4.0,
    ) -> None:
        url = urlsplit(base_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ValueError(f"upstream {name}: not an http(s) URL: {base_url!r}")
        self.name = name
        self.base_url = base_url
        self.host = url.hostname
        self.port = url.port or (443 if url.scheme == "https" else 80)
        self.ssl: ssl.SSLContext | None = ssl.create_default_context() if url.scheme == "https" else None
        self.host_header = url.netloc.encode("idna") if url.netloc else self.host.encode()
        self.base_path = url.path.rstrip("/").encode()
        self.max_connections = max_connections
        self.connect_timeout = connect_timeout
        self.timeout = timeout
        self.keepalive_expiry = keepalive_expiry
        self.loop = asyncio.get_running_loop()
        self._idle: list[Connection] = []
        self._count = 0
        self._waiters: deque[asyncio.Future[Connection | None]] = deque()
        self._closed = False

    async def acquire(self, *, fresh: bool = False) -> tuple[Connection, bool]:
        """A connection and whether it was reused (a reused one may be stale: see ``forward``)."""
        while True:
            if not fresh:
                now = time.monotonic()
                idle = self._idle
                while idle:
                    conn = idle.pop()
                    if not conn.closed and now - conn.idle_since < self.keepalive_expiry:
                        conn.reset()
                        return conn, True
                    self._discard(conn)
            if self._count < self.max_connections:
                self._count += 1
                try:
                    return await self._connect(), False
                except BaseException:
                    self._count -= 1
                    self._wake_waiter(None)
                    raise
            waiter: asyncio.Future[Connection | None] = self.loop.create_future()
            self._waiters.append(waiter)
            handle = self.loop.call_later(self.timeout, _set_timeout, waiter)
            try:
                conn = await waiter
            except BaseException:
                with contextlib.suppress(ValueError):
                    self._waiters.remove(waiter)
                # Handed a connection just as we gave up (cancelled): put it back.
                if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                    handed = waiter.result()
                    if handed is not None:
                        self.release(handed)
                    else:
                        self._wake_waiter(None)
                raise
            finally:
                handle.cancel()
            if conn is not None:
                conn.reset()
                return conn, True

    async def _connect(self) -> Connection:
        if self._closed:
            raise UpstreamError("the gateway is shutting down")
        try:
            async with asyncio.timeout(self.connect_timeout):
                _, protocol = await self.loop.create_connection(
                    lambda: Connection(self), self.host, self.port, ssl=self.ssl
                )
        except TimeoutError as exc:
            raise UpstreamTimeout("connecting to the upstream timed out") from exc
        except OSError as exc:
            raise UpstreamError(f"cannot connect to the upstream: {exc.strerror or exc}") from exc
        return protocol  # type: ignore[return-value]

    def release(self, conn: Connection) -> None:
        """Give back a connection after its exchange; kept only if the exchange ended cleanly."""
        if conn.complete and conn.keep_alive and not conn.closed and conn.error is None and not self._closed:
            while self._waiters:
                waiter = self._waiters.popleft()
                if not waiter.done():
                    waiter.set_result(conn)
                    return
            conn.idle_since = time.monotonic()
            self._idle.append(conn)
            return
        conn.abort()
        self._discard(conn)

    def _discard(self, conn: Connection) -> None:
        if conn.counted:
            conn.counted = False
            self._count -= 1
            self._wake_waiter(None)
        if not conn.closed:
            conn.abort()

    def _forget(self, conn: Connection) -> None:
        """Called when a connection closes; an idle one leaves the pool at once."""
        try:
            self._idle.remove(conn)
        except ValueError:
            return
        self._discard(conn)

    def _wake_waiter(self, value: Connection | None) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(value)
                return

    async def aclose(self) -> None:
        self._closed = True
        for conn in self._idle:
            conn.abort()
        self._idle.clear()
