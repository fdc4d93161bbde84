"""The connection layer under fetch.py: who a name resolves to, whom we may connect to.

    Resolver            (host, port) -> addresses; the one place names are resolved
    system_resolver     the default Resolver (the operating system's getaddrinfo)
    CachingResolver     one lookup per name and port per run, shared by concurrent asks
    GuardedBackend      an httpcore network backend: resolve (honouring --resolve), refuse
                        private targets unless allowed, then connect to the address
    parse_resolve       curl's HOST:PORT:ADDRESS
    parse_http_url      an http(s) URL with a host, parsed, or None; join_url: a redirect

    failure_of(exc)     what went wrong with a request: (FailureKind, before any HTTP answer)

Exceptions (raised from connect, so they surface from the transports' `get`):

    NameNotResolved         the name does not resolve
    PrivateAddressRefused   every address of the target is loopback/private/link-local/...

Because the backend connects to an address while the pools (http1.py, httpcore's for
proxies) keep the origin, the Host header and TLS SNI stay the original name (curl's
--resolve semantics).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import ipaddress
import socket
import ssl
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpcore
import httpx

from linkaudit.model import FailureKind

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


# getaddrinfo blocks a thread per lookup; asyncio's default executor has cpu_count + 4
# threads, so with a slow resolver (5 s per unanswered query) lookups would queue.
LOOKUP_THREADS = 32


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


def failure_of(exc: BaseException) -> tuple[FailureKind, bool]:
    """(kind, before any HTTP response) for an exception raised by a request."""
    text = f"{exc!r} {exc.__cause__!r}".lower()
    if isinstance(exc, NameNotResolved):
        return FailureKind.DNS, True
    if isinstance(exc, ResolverUnavailable):
        return FailureKind.CONNECT, True
    if isinstance(exc, PrivateAddressRefused):
        return FailureKind.PRIVATE_ADDRESS, False
    if isinstance(exc, httpx.ConnectTimeout):
        return FailureKind.TIMEOUT, True
    if isinstance(exc, httpx.ConnectError | httpx.ProxyError):
        if "ssl" in text or "certificate" in text or "tls" in text:
            return FailureKind.TLS, False
        return FailureKind.CONNECT, True
    if isinstance(exc, httpx.TimeoutException | TimeoutError):
        return FailureKind.TIMEOUT, False
    if isinstance(exc, httpx.RemoteProtocolError):
        if "without sending" in text or "peer closed" in text or "incomplete" in text:
            return FailureKind.RESET, False
        return FailureKind.PROTOCOL, False
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL | ValueError):
        return FailureKind.INVALID_URL, False
    if isinstance(exc, httpx.ProtocolError):
        return FailureKind.PROTOCOL, False
    return FailureKind.RESET, False


def describe(exc: BaseException, kind: FailureKind) -> str:
    if isinstance(exc, NameNotResolved | PrivateAddressRefused | ResolverUnavailable):
        return str(exc)
    if kind is FailureKind.TIMEOUT and not str(exc):
        return "timeout: no response in time"
    if "all connection attempts failed" in str(exc).lower():
        return "connect: connection refused or unreachable"
    detail = str(exc) or type(exc).__name__
    return f"{kind.value}: {detail}"


class AsyncioStream(httpcore.AsyncNetworkStream):
    """An httpcore network stream straight over asyncio streams.

    httpcore's AnyIO backend works, but re-reads every socket attribute (getpeername
    included) on each keep-alive check and wraps every read in a cancel scope; with
    thousands of short requests that was a tenth of the checker's CPU.
    """

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        # fetch.py bounds whole attempts, so timeout is None here: no timer per read (an
        # asyncio.timeout asks for the running loop and task, a getpid() each, every time)
        try:
            if timeout is None:
                return await self._reader.read(max_bytes)
            async with asyncio.timeout(timeout):
                return await self._reader.read(max_bytes)
        except TimeoutError as exc:
            raise httpcore.ReadTimeout(str(exc) or "read timed out") from exc
        except OSError as exc:
            raise httpcore.ReadError(str(exc) or type(exc).__name__) from exc

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        try:
            self._writer.write(buffer)
            if timeout is None:
                await self._writer.drain()
            else:
                async with asyncio.timeout(timeout):
                    await self._writer.drain()
        except TimeoutError as exc:
            raise httpcore.WriteTimeout(str(exc) or "write timed out") from exc
        except (OSError, RuntimeError) as exc:
            raise httpcore.WriteError(str(exc) or type(exc).__name__) from exc

    async def aclose(self) -> None:
        self._writer.close()
        with contextlib.suppress(OSError, RuntimeError, ssl.SSLError, asyncio.CancelledError):
            await asyncio.wait_for(self._writer.wait_closed(), 1.0)

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                await self._writer.start_tls(ssl_context, server_hostname=server_hostname)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout("TLS handshake timed out") from exc
        except (OSError, ssl.SSLError) as exc:
            raise httpcore.ConnectError(f"TLS: {exc}") from exc
        return self

    def get_extra_info(self, info: str) -> Any:
        if info == "ssl_object":
            return self._writer.get_extra_info("ssl_object")
        if info == "client_addr":
            return self._writer.get_extra_info("sockname")
        if info == "server_addr":
            return self._writer.get_extra_info("peername")
        if info == "socket":
            return self._writer.get_extra_info("socket")
        if info == "is_readable":  # on an idle keep-alive connection: the peer has closed it
            return self._reader.at_eof() or self._writer.is_closing()
        return None


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    """Connects with asyncio.open_connection (addresses only: names are resolved above)."""

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(host, port, limit=2**16)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"connect to {host}:{port} timed out") from exc
        except OSError as exc:
            raise httpcore.ConnectError(str(exc) or type(exc).__name__) from exc
        return AsyncioStream(reader, writer)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not used by linkaudit")

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


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
        connected: set[str] | None = None,
    ) -> None:
        self.connected = connected if connected is not None else set()  # hosts that answered
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
        self.connected.add(host.lower())
        return stream

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


def parse_http_url(url: str) -> httpx.URL | None:
    """The URL, parsed, if it is an http(s) URL with a host; else None."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError, TypeError):
        return None
    return parsed if parsed.scheme in {"http", "https"} and parsed.host else None


def join_url(base: str, target: str) -> str | None:
    """`target` (a Location or a refresh URL) against `base`, without fragment; None if unusable."""
    try:
        joined = httpx.URL(base).join(target.strip())
    except (httpx.InvalidURL, ValueError, TypeError):
        return None
    joined = joined.copy_with(fragment=None)
    text = str(joined)
    return text if parse_http_url(text) is not None else None
