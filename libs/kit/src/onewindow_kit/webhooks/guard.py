"""The outbound URL guard: a partner's webhook URL must not become a way into our own network (SSRF).

A URL is refused unless its scheme is https (http only when configured), it has no credentials, its
host is on the allow-list (when one is configured), and **every** address the host resolves to is
public: loopback, private, link-local, multicast, unspecified, reserved, shared (CGNAT) and other
non-global addresses are refused unless a configured network allows them. IPv4-mapped and 6to4
IPv6 addresses are judged by the IPv4 address inside.

The check runs twice: before each attempt (so the delivery log says why a URL was refused) and in
the connection itself (``GuardedNetworkBackend``): the socket connects only to an address the guard
has just approved, so a DNS answer that changes between check and connect (DNS rebinding) gains
nothing. Redirects are never followed; proxies from the environment are ignored.
"""

from __future__ import annotations

import asyncio
import fnmatch
import ipaddress
import socket
import ssl
import typing
from collections.abc import Awaitable, Callable, Iterable
from urllib.parse import urlsplit

import certifi
import httpcore
import httpx

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]


class UrlRefused(ValueError):
    """The URL (or an address it resolves to) is not an allowed webhook target."""

    def __init__(self, message: str, message_zh: str) -> None:
        super().__init__(message)
        self.message = message
        self.message_zh = message_zh


async def system_resolver(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (A and AAAA), in the resolver's order."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: dict[str, None] = {}
    for info in infos:
        seen[str(info[4][0]).split("%")[0]] = None
    return list(seen)


def _embedded_ipv4(ip: IpAddress) -> ipaddress.IPv4Address | None:
    if isinstance(ip, ipaddress.IPv6Address):
        return ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
    return None


def address_problem(ip: IpAddress) -> str | None:
    """Why ``ip`` is not a public address (None when it is)."""
    inner = _embedded_ipv4(ip)
    if inner is not None:
        problem = address_problem(inner)
        return f"{problem} (inside {ip})" if problem else None
    for label, flag in (
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("private", ip.is_private),
        ("reserved", ip.is_reserved),
    ):
        if flag:
            return label
    if not ip.is_global:
        return "not globally routable"
    return None


class AddressGuard:
    """Decides whether a URL / an address may be called."""

    def __init__(
        self,
        *,
        require_https: bool = True,
        allowed_hosts: Iterable[str] = (),
        allowed_networks: Iterable[str] = (),
        resolver: Resolver | None = None,
        resolve_timeout: float = 5.0,
    ) -> None:
        self.require_https = require_https
        self.allowed_hosts = tuple(h.lower().rstrip(".") for h in allowed_hosts)
        self.allowed_networks = tuple(ipaddress.ip_network(n, strict=False) for n in allowed_networks)
        self.resolver = resolver or system_resolver
        self.resolve_timeout = resolve_timeout

    # -- the parts ------------------------------------------------------------------------------

    def check_syntax(self, url: str) -> tuple[str, int]:
        """Scheme, credentials, host allow-list: ``(host, port)`` or ``UrlRefused``."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as exc:
            raise UrlRefused(f"malformed URL: {exc}", "回调地址格式不正确") from exc
        scheme = parts.scheme.lower()
        allowed_schemes = ("https",) if self.require_https else ("https", "http")
        if scheme not in allowed_schemes:
            raise UrlRefused(
                f"scheme {scheme or '(none)'} is not allowed; use {' or '.join(allowed_schemes)}",
                "回调地址须使用HTTPS" if self.require_https else "回调地址须为HTTP或HTTPS",
            )
        if parts.username or parts.password:
            raise UrlRefused("credentials in the URL are not allowed", "回调地址中不能包含用户名或密码")
        host = (parts.hostname or "").lower().rstrip(".")
        if not host:
            raise UrlRefused("the URL has no host", "回调地址缺少主机名")
        if self.allowed_hosts and not any(fnmatch.fnmatchcase(host, pattern) for pattern in self.allowed_hosts):
            raise UrlRefused(f"host {host} is not on the allow-list", f"回调地址的主机{host}不在允许列表中")
        return host, port or (443 if scheme == "https" else 80)

    def check_address(self, address: str, *, host: str = "") -> IpAddress:
        """The parsed address, or ``UrlRefused`` when it is internal and not explicitly allowed."""
        ip = ipaddress.ip_address(address)
        if any(ip in net for net in self.allowed_networks):
            return ip
        inner = _embedded_ipv4(ip)
        if inner is not None and any(inner in net for net in self.allowed_networks):
            return ip
        problem = address_problem(ip)
        if problem:
            where = f"{host} resolves to " if host and host != address else ""
            raise UrlRefused(
                f"{where}{ip}, a {problem} address; internal addresses are not webhook targets",
                "回调地址不能指向内网、回环、链路本地、组播或未指定地址",
            )
        return ip

    async def resolve(self, host: str, port: int) -> list[str]:
        """Approved addresses of ``host``: every one must pass (one internal answer refuses the host)."""
        try:
            literal = ipaddress.ip_address(host.strip("[]"))
        except ValueError:
            literal = None
        if literal is not None:
            self.check_address(str(literal))
            return [str(literal)]
        try:
            async with asyncio.timeout(self.resolve_timeout):
                addresses = await self.resolver(host, port)
        except (OSError, TimeoutError) as exc:
            raise UrlRefused(f"{host} does not resolve: {exc}", f"无法解析回调地址的主机{host}") from exc
        if not addresses:
            raise UrlRefused(f"{host} does not resolve", f"无法解析回调地址的主机{host}")
        for address in addresses:
            self.check_address(address, host=host)
        return addresses

    async def check_url(self, url: str) -> list[str]:
        """The whole check: syntax, allow-list, resolution and every address."""
        host, port = self.check_syntax(url)
        return await self.resolve(host, port)


class GuardedNetworkBackend(httpcore.AsyncNetworkBackend):
    """Connects only to addresses the guard approves at connect time (no DNS rebinding window)."""

    def __init__(self, guard: AddressGuard, inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self.guard = guard
        self.inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            addresses = await self.guard.resolve(host, port)
        except UrlRefused as exc:
            raise httpcore.ConnectError(f"refused by the outbound guard: {exc}") from exc
        last: Exception | None = None
        for address in addresses:
            try:
                return await self.inner.connect_tcp(
                    address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        raise last

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: typing.Iterable[typing.Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not webhook targets")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport with the guarded network backend underneath (TLS still verifies the host name)."""

    def __init__(self, guard: AddressGuard, *, max_connections: int = 50) -> None:
        super().__init__(trust_env=False)
        context = ssl.create_default_context(cafile=certifi.where())
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=context,
            max_connections=max_connections,
            max_keepalive_connections=max_connections // 2,
            keepalive_expiry=30.0,
            network_backend=GuardedNetworkBackend(guard),
        )


def guarded_client(guard: AddressGuard, *, timeout: float) -> httpx.AsyncClient:
    """The client webhooks go out with: guarded connections, no redirects, no environment proxies."""
    return httpx.AsyncClient(
        transport=GuardedTransport(guard), timeout=timeout, follow_redirects=False, trust_env=False
    )


__all__ = [
    "AddressGuard",
    "GuardedNetworkBackend",
    "GuardedTransport",
    "UrlRefused",
    "address_problem",
    "guarded_client",
    "system_resolver",
]
