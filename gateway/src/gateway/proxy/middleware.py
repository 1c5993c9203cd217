"""The gateway's front door, as plain ASGI (no dependency injection, no BaseHTTPMiddleware):

* proxied paths (``/api/<svc>/…``, ``/partner/<kind>/v1/…``): refuse ``internal`` paths, check the
  bearer token, rate-limit, bound the body, and stream the exchange to the upstream;
* every other path: rate-limit the endpoints that do work (``/auth``, ``/admin``, ``/health``),
  bound the body, and hand over to the FastAPI routes.

Everything here runs once per request, so it avoids allocations it does not need."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import quote

from onewindow_kit.auth import TokenVerifier, bearer_token
from onewindow_kit.errors import AppError, PayloadTooLarge, TooManyRequests, problem_response
from onewindow_kit.requestid import current_request_id
from onewindow_kit.tracing import current_traceparent
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.limits.service import TokenBuckets, client_ip
from gateway.proxy.upstream import Connection, UpstreamError, UpstreamPool, UpstreamTimeout

log = logging.getLogger("gateway.proxy")

# Hop-by-hop headers (RFC 9110 §7.6.1) and the ones the gateway sets itself.
_HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-connection",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"te",
        b"trailer",
        b"trailers",
        b"transfer-encoding",
        b"upgrade",
    }
)
_REQUEST_DROP = _HOP_BY_HOP | {
    b"host",
    b"content-length",
    b"expect",
    b"x-request-id",
    b"traceparent",  # replaced by the gateway span's own (a child of the client's, if it sent one)
    b"tracestate",
    b"x-forwarded-for",
    b"x-forwarded-proto",
    b"x-forwarded-host",
    b"x-forwarded-prefix",
}
# The gateway's server writes its own Date and Server; the upstream's would be duplicates.
_RESPONSE_DROP = _HOP_BY_HOP | {b"date", b"server"}
# Paths that take a token but are not proxied: rate-limited per principal too.
_LIMITED_PREFIXES = ("/auth/", "/admin/", "/admin")
_PUBLIC_UPSTREAM_PATHS = ("/openapi.json", "/docs")


@dataclass(frozen=True, slots=True)
class Route:
    prefix: str
    upstream: str
    keep_prefix: bool
    public_docs: bool  # its /openapi.json and /docs answer without a token

    @property
    def forwarded_prefix(self) -> bytes:
        # Tells a service the public prefix it was reached under (for its docs page's links).
        return b"" if self.keep_prefix else b"x-forwarded-prefix: " + self.prefix.encode() + b"\r\n"


def _connection_tokens(value: bytes) -> frozenset[bytes]:
    return frozenset(t.strip().lower() for t in value.split(b",") if t.strip())


def _filter_response_headers(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    named: frozenset[bytes] = frozenset()
    for name, value in headers:
        if name == b"connection":
            named |= _connection_tokens(value)
    if named:
        return [(n, v) for n, v in headers if n not in _RESPONSE_DROP and n not in named]
    return [(n, v) for n, v in headers if n not in _RESPONSE_DROP]


class _BodyTooLarge(Exception):
    pass


class GatewayMiddleware:
    """See the module docstring. ``pools`` is filled by the app's lifespan."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        routes: Iterable[Route],
        pools: dict[str, UpstreamPool],
        verifier: TokenVerifier,
        rate_limiter: TokenBuckets | None,
        max_body_bytes: int,
        trust_forwarded_headers: bool = False,
        body_limits: Mapping[str, int] | None = None,
    ) -> None:
        self.app = app
        self.routes = tuple(sorted(routes, key=lambda r: -len(r.prefix)))
        self.pools = pools
        self.verifier = verifier
        self.limiter = rate_limiter
        self.max_body = max_body_bytes
        # Upload routes (POST/PUT whose path matches) may take larger bodies than every other route.
        self.body_limits = [(re.compile(pattern), limit) for pattern, limit in (body_limits or {}).items()]
        self.trust_forwarded = trust_forwarded_headers

    def limit_for(self, scope: Scope) -> int:
        """The body limit of this request: an upload route's own, else ``max_body_bytes``."""
        if self.body_limits and scope["method"] in ("POST", "PUT"):
            for pattern, limit in self.body_limits:
                if pattern.fullmatch(scope["path"]):
                    return limit
        return self.max_body

    def route_for(self, path: str) -> Route | None:
        """The route a path is proxied by, or None for the gateway's own paths."""
        if path.startswith(("/api/", "/partner/")):
            for route in self.routes:
                prefix = route.prefix
                if path.startswith(prefix) and (len(path) == len(prefix) or path[len(prefix)] == "/"):
                    return route
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        route = self.route_for(scope["path"])
        if route is not None:
            await self._proxy(scope, receive, send, route)
        else:
            await self._local(scope, receive, send, scope["path"])

    async def proxy(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The fast lane's entry: a proxied path, outside FastAPI's own middleware stack, so
        unexpected errors are turned into a problem response here."""
        route = self.route_for(scope["path"])
        assert route is not None
        try:
            await self._proxy(scope, receive, send, route)
        except Exception:
            log.exception("proxy error on %s %s", scope["method"], scope["path"])
            # If the response had started this fails too, and the server cuts the connection.
            with contextlib.suppress(Exception):
                await problem_response(500, "Internal error", "An unexpected error occurred.", slug="internal")(
                    scope, receive, send
                )

    # -- proxied requests ------------------------------------------------------------------------

    async def _proxy(self, scope: Scope, receive: Receive, send: Send, route: Route) -> None:
        path: str = scope["path"]
        rest = path[len(route.prefix) :] or "/"
        if "/internal" in path.lower() or "/." in path:
            segments = path.lower().split("/")
            if "internal" in segments or "." in segments or ".." in segments:
                # Internal endpoints are for service-to-service calls only: they do not exist here.
                await problem_response(404, "Not found", slug="not-found")(scope, receive, send)
                return

        headers = scope["headers"]
        authorization = content_length = transfer_encoding = connection = host = None
        forwarded_for = forwarded_proto = forwarded_host = None
        out: list[bytes] = []
        append = out.append
        for name, value in headers:
            if name in _REQUEST_DROP:
                if name == b"content-length":
                    content_length = value
                elif name == b"transfer-encoding":
                    transfer_encoding = value
                elif name == b"connection":
                    connection = value
                elif name == b"x-forwarded-for":
                    forwarded_for = value
                elif name == b"x-forwarded-proto":
                    forwarded_proto = value
                elif name == b"x-forwarded-host":
                    forwarded_host = value
                elif name == b"host":
                    host = value
                continue
            if name == b"authorization":
                authorization = value
            append(name)
            append(b": ")
            append(value)
            append(b"\r\n")
        if connection is not None:
            named = _connection_tokens(connection)
            if named - _REQUEST_DROP:
                out = []
                for name, value in headers:
                    if name not in _REQUEST_DROP and name not in named:
                        out += (name, b": ", value, b"\r\n")

        principal_key: str | None = None
        if not (route.public_docs and rest in _PUBLIC_UPSTREAM_PATHS):
            try:
                token = bearer_token(authorization.decode("latin-1") if authorization is not None else None)
                principal = await self.verifier.verify(token)
            except AppError as exc:
                await _problem(exc, scope, receive, send)
                return
            principal_key = "s:" + principal.subject
        if self.limiter is not None:
            key = principal_key or "ip:" + client_ip(scope, trust_forwarded=self.trust_forwarded)
            wait = self.limiter.take(key)
            if wait:
                await _problem(TooManyRequests("request rate limit exceeded", retry_after=wait), scope, receive, send)
                return

        limit = self.limit_for(scope)
        length: int | None = None
        if content_length is not None:
            try:
                length = int(content_length)
            except ValueError:
                length = -1
            if length < 0:
                await problem_response(400, "Bad request", "invalid Content-Length")(scope, receive, send)
                return
            if length > limit:
                await _problem(_too_large(limit), scope, receive, send)
                return

        pool = self.pools.get(route.upstream)
        if pool is None:
            await _unavailable(route.upstream, scope, receive, send)
            return

        # Request line and headers, in wire form.
        raw_path: bytes | None = scope.get("raw_path")
        prefix_bytes = route.prefix.encode()
        if raw_path is not None and raw_path.startswith(prefix_bytes):
            target = raw_path if route.keep_prefix else (raw_path[len(prefix_bytes) :] or b"/")
        else:
            target = quote(path if route.keep_prefix else rest).encode()
        if target[:1] != b"/":
            target = b"/" + target
        target = pool.base_path + target
        if scope.get("query_string"):
            target += b"?" + scope["query_string"]

        # Client-set X-Forwarded-* headers are kept only behind a trusted ingress that wrote them.
        peer = client_ip(scope, trust_forwarded=False).encode()
        if not self.trust_forwarded:
            forwarded_for = forwarded_proto = forwarded_host = None
        xff = forwarded_for + b", " + peer if forwarded_for else peer
        proto = forwarded_proto or scope.get("scheme", "http").encode()
        forwarded_host = forwarded_host or host or pool.host_header
        request_id = current_request_id()
        traceparent = current_traceparent()
        trace_header = b"traceparent: " + traceparent.encode() + b"\r\n" if traceparent else b""
        head = b"".join(
            (
                scope["method"].encode(),
                b" ",
                target,
                b" HTTP/1.1\r\nhost: ",
                pool.host_header,
                b"\r\n",
                *out,
                b"x-forwarded-for: ",
                xff,
                b"\r\nx-forwarded-proto: ",
                proto,
                b"\r\nx-forwarded-host: ",
                forwarded_host,
                b"\r\nx-request-id: ",
                (request_id or "").encode(),
                b"\r\n",
                trace_header,
                route.forwarded_prefix,
            )
        )
        chunked = length is None and transfer_encoding is not None
        await self._forward(scope, receive, send, route.upstream, pool, head, length, chunked, limit)

    async def _forward(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        name: str,
        pool: UpstreamPool,
        head: bytes,
        length: int | None,
        chunked: bool,
        limit: int,
    ) -> None:
        # HTTP/1.1 framing (RFC 9112 §6.3): without Content-Length or Transfer-Encoding there is no
        # body. A body is read ahead up to 64 KiB, so a small request goes out in one write and can
        # be retried on a fresh connection; a larger one streams on from there.
        body = b""
        more = False
        if length is not None or chunked:
            parts: list[bytes] = []
            total = 0
            more = True
            while more and total < 65536:
                message = await receive()
                if message["type"] != "http.request":
                    return  # the client went away
                chunk: bytes = message.get("body", b"")
                total += len(chunk)
                if total > limit:
                    await _problem(_too_large(limit), scope, receive, send)
                    return
                parts.append(chunk)
                more = message.get("more_body", False)
            body = b"".join(parts)
        if length is not None:
            first = head + b"content-length: %d\r\n\r\n" % length + body
        elif chunked:
            first = head + b"transfer-encoding: chunked\r\n\r\n"
            if body:
                first += b"%x\r\n%s\r\n" % (len(body), body)
            if not more:
                first += b"0\r\n\r\n"
        else:
            first = head + b"\r\n"
        is_head = scope["method"] == "HEAD"

        conn: Connection | None = None
        fresh = False
        while True:
            try:
                conn, reused = await pool.acquire(fresh=fresh)
            except UpstreamError as exc:
                log.warning("upstream %s unavailable: %s", name, exc)
                await _unavailable(name, scope, receive, send)
                return
            try:
                conn.write(first)
                if more:
                    await self._stream_body(conn, receive, len(body), chunked, limit)
                await conn.read_head(pool.timeout)
                break
            except _BodyTooLarge:
                conn.abort()
                pool.release(conn)
                await _problem(_too_large(limit), scope, receive, send)
                return
            except _ClientGone:
                conn.abort()
                pool.release(conn)
                return
            except UpstreamError as exc:
                conn.abort()
                pool.release(conn)
                # A kept-alive connection the upstream closed meanwhile: retry once on a new one
                # if nothing was answered and the whole body is still at hand.
                if reused and not conn.received_any and not more and not fresh and not isinstance(exc, UpstreamTimeout):
                    fresh = True
                    continue
                log.warning("upstream %s failed: %s", name, exc)
                await _unavailable(name, scope, receive, send)
                return

        headers = _filter_response_headers(conn.headers)
        if is_head:
            conn.complete, conn.keep_alive = True, False  # the parser cannot know a HEAD has no body
        await send({"type": "http.response.start", "status": conn.status, "headers": headers})
        if is_head:
            pool.release(conn)
            await send({"type": "http.response.body", "body": b""})
            return
        try:
            data = await conn.read_body(pool.timeout)
            if conn.complete and not conn.chunks:
                # The common case: the whole body is here; free the connection before sending.
                pool.release(conn)
                await send({"type": "http.response.body", "body": data or b""})
                return
            await self._stream_response(conn, pool, send, receive, data)
        except UpstreamError as exc:
            # Headers are out: the only honest signal left is to cut the client connection.
            log.warning("upstream %s broke off a response: %s", name, exc)
            conn.abort()
            pool.release(conn)

    async def _stream_body(self, conn: Connection, receive: Receive, sent: int, chunked: bool, limit: int) -> None:
        total = sent
        while True:
            message = await receive()
            if message["type"] != "http.request":
                raise _ClientGone
            body = message.get("body", b"")
            more = message.get("more_body", False)
            total += len(body)
            if total > limit:
                raise _BodyTooLarge
            if chunked:
                data = (b"%x\r\n%s\r\n" % (len(body), body) if body else b"") + (b"" if more else b"0\r\n\r\n")
            else:
                data = body
            if data:
                conn.write(data)
                await conn.drain()
            if not more:
                return
            if conn.head_done:
                # The upstream answered before reading everything (e.g. 401, 413): stop sending,
                # and do not reuse a connection whose request was cut short.
                conn.keep_alive = False
                return

    async def _stream_response(
        self, conn: Connection, pool: UpstreamPool, send: Send, receive: Receive, data: bytes | None
    ) -> None:
        # A long response (download, event stream): stop reading the upstream if the client leaves.
        async def watch() -> None:
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    conn.abort()
                    return

        watcher = asyncio.ensure_future(watch())
        try:
            while data is not None:
                if data:
                    await send({"type": "http.response.body", "body": data, "more_body": True})
                data = await conn.read_body(pool.timeout)
            pool.release(conn)
            await send({"type": "http.response.body", "body": b""})
        finally:
            watcher.cancel()

    # -- everything else -------------------------------------------------------------------------

    async def _local(self, scope: Scope, receive: Receive, send: Send, path: str) -> None:
        if self.limiter is not None and (path.startswith(_LIMITED_PREFIXES) or path == "/health"):
            key = None
            for name, value in scope["headers"]:
                if name == b"authorization":
                    try:
                        principal = await self.verifier.verify(bearer_token(value.decode("latin-1")))
                        key = "s:" + principal.subject
                    except AppError:
                        pass  # the route answers 401 itself
                    break
            wait = self.limiter.take(key or "ip:" + client_ip(scope, trust_forwarded=self.trust_forwarded))
            if wait:
                await _problem(TooManyRequests("request rate limit exceeded", retry_after=wait), scope, receive, send)
                return
        length = None
        has_body = False
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    length = int(value)
                except ValueError:
                    length = -1
                has_body = length != 0
            elif name == b"transfer-encoding":
                has_body = True
        if length is not None and length > self.max_body:
            await _problem(_too_large(self.max_body), scope, receive, send)
            return
        if not has_body:
            await self.app(scope, receive, send)
            return
        # The gateway's own endpoints take small forms and JSON: read the body up front (bounded)
        # and replay it, so an oversized body is refused before any route sees a byte.
        parts: list[bytes] = []
        total = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return
            chunk = message.get("body", b"")
            total += len(chunk)
            if total > self.max_body:
                await _problem(_too_large(self.max_body), scope, receive, send)
                return
            parts.append(chunk)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(parts), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


class _ClientGone(Exception):
    pass


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"the request body exceeds {limit} bytes")


async def _problem(exc: AppError, scope: Scope, receive: Receive, send: Send) -> None:
    response = problem_response(
        exc.status, exc.title, exc.detail, slug=exc.slug, errors=exc.errors, headers=exc.headers, extra=exc.extra
    )
    await response(scope, receive, send)


async def _unavailable(name: str, scope: Scope, receive: Receive, send: Send) -> None:
    response = problem_response(
        503,
        "Service unavailable",
        f"{name} is unavailable",
        slug="upstream-unavailable",
        headers={"Retry-After": "5"},
        extra={"service": name},
    )
    await response(scope, receive, send)
