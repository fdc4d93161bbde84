"""Names and whom we may connect to: the one place names are resolved and targets refused.

    Resolver            (host, port) -> addresses; tests inject one (loopback addresses)
    system_resolver     the default Resolver (the operating system's getaddrinfo)
    CachingResolver     one lookup per name and port per run, shared by concurrent asks
    parse_resolve       curl's HOST:PORT:ADDRESS
    is_ip, is_private   what an address is
    GuardedBackend      an httpcore network backend: resolve (honouring --resolve), refuse
                        private targets unless allowed, connect to the address (sockets.py);
                        it alone knows which hosts a connection has reached (`reached`)

Exceptions (raised from connect, so they surface from the transports' `get`):

    NameNotResolved         the name does not resolve
    ResolverUnavailable     the resolver gave no answer: not evidence that the name is gone
    PrivateAddressRefused   every address of the target is loopback/private/link-local/...

Because the backend connects to an address while the pools (http1.py, httpcore's for
proxies) keep the origin, the Host header and TLS SNI stay the original name (curl's
--resolve semantics).
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpcore

from linkaudit.config import LOOKUP_THREADS
from linkaudit.fetch.sockets import AsyncioBackend

Resolver = Callable[[str, int], Awaitable[list[str]]]


class NameNotResolved(Exception):
    """The host name does not resolve (NXDOMAIN, no address)."""

    def __init__(self, host: str) -> None:
        super().__init__(f"name does not resolve: {host}")
        self.host = host


class ResolverUnavailable(OSError):
    """The resolver gave no answer (temporary failure): not evidence that the name is gone."""


# getaddrinfo errors that mean "no such name" (NXDOMAIN, no address); others are transient
NO_SUCH_NAME = frozenset(
    getattr(socket, name) for name in ("EAI_NONAME", "EAI_NODATA") if hasattr(socket, name)
)


class PrivateAddressRefused(Exception):
    """The target is on a loopback/private/link-local/multicast address (see --allow-private)."""

    def __init__(self, host: str, address: str) -> None:
        super().__init__(
            f"refused to connect to {host} at private address {address} (see --allow-private)"
        )
        self.host = host
        self.address = address


@functools.lru_cache(maxsize=4096)
def is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


@functools.lru_cache(maxsize=4096)
def is_private(address: str) -> bool:
    """Loopback, private, link-local, multicast, unspecified or reserved: not the public web."""
    ip = ipaddress.ip_address(address.strip("[]"))
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_unspecified
        or ip.is_reserved
    )


# getaddrinfo blocks a thread per lookup (LOOKUP_THREADS of them): with asyncio's default
# executor (cpu_count + 4 threads) and a slow resolver (5 s an unanswered query) they queue.
@functools.cache
def _lookup_pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(LOOKUP_THREADS, thread_name_prefix="linkaudit-dns")


async def system_resolver(host: str, port: int) -> list[str]:
    """The operating system's resolver; raises NameNotResolved (the name does not exist) or
    ResolverUnavailable (no answer: EAI_AGAIN and friends, as on a runner without network)."""
    if is_ip(host):
        return [host.strip("[]")]
    loop = asyncio.get_running_loop()
    lookup = functools.partial(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
    try:
        infos = await loop.run_in_executor(_lookup_pool(), lookup)
    except UnicodeError as exc:
        raise NameNotResolved(host) from exc
    except socket.gaierror as exc:
        if exc.errno in NO_SUCH_NAME:
            raise NameNotResolved(host) from exc
        raise ResolverUnavailable(f"name lookup failed for {host}: {exc.strerror}") from exc
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise NameNotResolved(host)
    return addresses


class CachingResolver:
    """A Resolver that asks `inner` once per (host, port) for a run: the addresses and a
    "no such name" are remembered, and concurrent asks share one lookup. A lookup that
    got no answer (ResolverUnavailable, a timeout) is forgotten, so a retry asks again."""

    def __init__(self, inner: Resolver) -> None:
        self._inner = inner
        self._lookups: dict[tuple[str, int], asyncio.Task[list[str]]] = {}

    async def __call__(self, host: str, port: int) -> list[str]:
        key = (host.lower(), port)
        lookup = self._lookups.get(key)
        if lookup is None:
            lookup = asyncio.ensure_future(self._inner(host, port))
            lookup.add_done_callback(functools.partial(self._forget_unanswered, key))
            self._lookups[key] = lookup
        # shielded: one asker giving up (its deadline) must not cancel the others' lookup
        return list(await asyncio.shield(lookup))

    def _forget_unanswered(self, key: tuple[str, int], lookup: asyncio.Task[list[str]]) -> None:
        if lookup.cancelled() or not isinstance(lookup.exception(), NameNotResolved | None):
            self._lookups.pop(key, None)


def parse_resolve(spec: str) -> tuple[str, int, str]:
    """`HOST:PORT:ADDRESS` as curl's --resolve (ADDRESS may be [v6]); raises ValueError."""
    host, sep, rest = spec.partition(":")
    port, sep2, address = rest.partition(":")
    if not (sep and sep2 and host and port.isdigit() and address):
        raise ValueError(f"--resolve wants HOST:PORT:ADDRESS, got {spec!r}")
    address = address.strip("[]")
    if not is_ip(address):
        raise ValueError(f"--resolve address is not an IP address: {address!r}")
    return host.lower(), int(port), address


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves through the injected Resolver and refuses private targets, then connects."""

    def __init__(
        self,
        resolver: Resolver,
        *,
        overrides: Iterable[tuple[str, int, str]] = (),
        allow_private: bool = False,
        private: Callable[[str], bool] = is_private,
        inner: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self._reached: set[str] = set()  # hosts a TCP connection reached, this run
        self._resolver = resolver
        self._private = private
        self._overrides = {(h.lower(), p): a for h, p, a in overrides}
        self._allow_private = allow_private
        self._inner = inner or AsyncioBackend()

    async def addresses(self, host: str, port: int) -> list[str]:
        """Addresses we may connect to for host:port, overrides first; raises on refusal."""
        override = self._overrides.get((host.lower(), port))
        candidates = [override] if override else await self._resolver(host, port)
        if self._allow_private:
            return candidates
        allowed = [a for a in candidates if not self._private(a)]
        if not allowed:
            raise PrivateAddressRefused(host, candidates[0])
        return allowed

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:  # the connect timeout covers name resolution too: a silent resolver is no answer
            async with asyncio.timeout(timeout):
                stream = await self._connect(host, port, local_address, socket_options)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"no connection to {host}:{port} in time") from exc
        self._reached.add(host.lower())
        return stream

    def reached(self, host: str) -> bool:
        """A TCP connection to `host` was made in this run (so it is no network outage)."""
        return host.lower() in self._reached

    async def _connect(
        self, host: str, port: int, local_address: str | None, socket_options: Any
    ) -> httpcore.AsyncNetworkStream:
        last: Exception | None = None
        for address in await self.addresses(host, port):
            try:
                return await self._inner.connect_tcp(
                    address, port, local_address=local_address, socket_options=socket_options
                )
            except httpcore.ConnectError as exc:  # try the next address
                last = exc
        assert last is not None
        raise last

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not used by linkaudit")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)
