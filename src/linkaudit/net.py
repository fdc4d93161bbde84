"""The connection layer under fetch.py: who a name resolves to, whom we may connect to.

    Resolver            (host, port) -> addresses; the one place names are resolved
    system_resolver     the default Resolver (the operating system's getaddrinfo)
    GuardedBackend      an httpcore network backend: resolve (honouring --resolve), refuse
                        private targets unless allowed, then connect to the address
    GuardedTransport    an httpx transport over an httpcore pool that uses GuardedBackend
    proxy_mounts        proxies from the environment (HTTP(S)_PROXY, ALL_PROXY, NO_PROXY)
    ssl_context         trust from SSL_CERT_FILE / SSL_CERT_DIR, else certifi

    failure_of(exc)     what went wrong with a request: (FailureKind, before any HTTP answer)

Exceptions (raised from connect, so they surface from `AsyncClient.send`):

    NameNotResolved         the name does not resolve
    PrivateAddressRefused   every address of the target is loopback/private/link-local/...

Because the backend connects to an address but httpcore keeps the origin, the Host
header and TLS SNI stay the original name (curl's --resolve semantics).
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import socket
import ssl
import urllib.request
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

import certifi
import httpcore
import httpx

from linkaudit.model import FailureKind

Resolver = Callable[[str, int], Awaitable[list[str]]]


class NameNotResolved(Exception):
    """The host name does not resolve (NXDOMAIN, no address)."""

    def __init__(self, host: str) -> None:
        super().__init__(f"name does not resolve: {host}")
        self.host = host


class PrivateAddressRefused(Exception):
    """The target is on a loopback/private/link-local/multicast address (see --allow-private)."""

    def __init__(self, host: str, address: str) -> None:
        super().__init__(
            f"refused to connect to {host} at private address {address} (see --allow-private)"
        )
        self.host = host
        self.address = address


def is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


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


async def system_resolver(host: str, port: int) -> list[str]:
    """The operating system's resolver; raises NameNotResolved."""
    if is_ip(host):
        return [host.strip("[]")]
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise NameNotResolved(host) from exc
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise NameNotResolved(host)
    return addresses


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
    if isinstance(exc, NameNotResolved | PrivateAddressRefused):
        return str(exc)
    if kind is FailureKind.TIMEOUT and not str(exc):
        return "timeout: no response in time"
    if "all connection attempts failed" in str(exc).lower():
        return "connect: connection refused or unreachable"
    detail = str(exc) or type(exc).__name__
    return f"{kind.value}: {detail}"


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
        self._resolver = resolver
        self._private = private
        self._overrides = {(h.lower(), p): a for h, p, a in overrides}
        self._allow_private = allow_private
        self._inner = inner or httpcore.AnyIOBackend()

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
        last: Exception | None = None
        for address in await self.addresses(host, port):
            try:
                return await self._inner.connect_tcp(
                    address,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
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


# httpcore's exceptions as httpx's, most specific first (what httpx's own transport does).
_EXCEPTIONS: tuple[tuple[type[Exception], type[httpx.HTTPError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.ProxyError, httpx.ProxyError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.ProtocolError, httpx.ProtocolError),
)


def as_httpx(exc: Exception) -> Exception:
    for core, mapped in _EXCEPTIONS:
        if isinstance(exc, core):
            return mapped(str(exc))
    return exc


class _Stream(httpx.AsyncByteStream):
    def __init__(self, stream: Any) -> None:
        self._stream = stream

    async def __aiter__(self) -> Any:
        try:
            async for part in self._stream:
                yield part
        except httpcore.ReadTimeout as exc:
            raise as_httpx(exc) from exc
        except (httpcore.NetworkError, httpcore.ProtocolError, httpcore.TimeoutException) as exc:
            raise as_httpx(exc) from exc

    async def aclose(self) -> None:
        await self._stream.aclose()


class GuardedTransport(httpx.AsyncBaseTransport):
    """An httpx transport over an httpcore pool (direct or through a proxy) and a backend."""

    def __init__(self, pool: httpcore.AsyncConnectionPool) -> None:
        self._pool = pool

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.AsyncByteStream)
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        try:
            response = await self._pool.handle_async_request(core_request)
        except (httpcore.NetworkError, httpcore.ProtocolError, httpcore.TimeoutException) as exc:
            raise as_httpx(exc) from exc
        except (httpcore.ProxyError, httpcore.UnsupportedProtocol) as exc:
            raise as_httpx(exc) from exc
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_Stream(response.stream),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        await self._pool.aclose()


def ssl_context(env: Mapping[str, str] | None = None) -> ssl.SSLContext:
    """Trust SSL_CERT_FILE or SSL_CERT_DIR when set (as curl and httpx do), else certifi."""
    env = os.environ if env is None else env
    if env.get("SSL_CERT_FILE"):
        return ssl.create_default_context(cafile=env["SSL_CERT_FILE"])
    if env.get("SSL_CERT_DIR"):
        return ssl.create_default_context(capath=env["SSL_CERT_DIR"])
    return ssl.create_default_context(cafile=certifi.where())


def proxy_mounts(env: Mapping[str, str] | None = None) -> dict[str, str | None]:
    """URL pattern -> proxy URL (None: go direct), from the environment as httpx reads it.

    HTTP_PROXY / HTTPS_PROXY / ALL_PROXY (either case); NO_PROXY names hosts that go
    direct (".example.com" its subdomains, "example.com" it and its subdomains, "*" all).
    """
    env = os.environ if env is None else env
    proxies = urllib.request.getproxies_environment() if env is os.environ else _from(env)
    mounts: dict[str, str | None] = {}
    for scheme in ("http", "https", "all"):
        if proxies.get(scheme):
            value = proxies[scheme]
            mounts[f"{scheme}://"] = value if "://" in value else f"http://{value}"
    bypass: dict[str, str | None] = {}
    for host in (h.strip() for h in proxies.get("no", "").split(",")):
        if host == "*":
            return {}
        if not host:
            continue
        if "://" in host:
            bypass[host] = None
        elif is_ip(host) or host.lower() == "localhost":
            bypass[f"all://{host if ':' not in host else f'[{host}]'}"] = None
        else:
            bypass[f"all://*{host}"] = None
    return {**bypass, **mounts} if mounts else {}


def _from(env: Mapping[str, str]) -> dict[str, str]:
    """getproxies_environment() over a given mapping (lowercase wins, as urllib does)."""
    found: dict[str, str] = {}
    for name, value in env.items():
        if value and name.lower().endswith("_proxy"):
            found.setdefault(name[:-6].lower(), value)
    for name, value in env.items():
        if value and name.endswith("_proxy") and name.islower():
            found[name[:-6]] = value
    return found


def build_client(
    *,
    resolver: Resolver,
    overrides: Iterable[tuple[str, int, str]],
    allow_private: bool,
    private: Callable[[str], bool] = is_private,
    max_connections: int,
    headers: Mapping[str, str],
    env: Mapping[str, str] | None = None,
) -> httpx.AsyncClient:
    """The one shared client: guarded direct connections, environment proxies, trust."""
    context = ssl_context(env)
    backend = GuardedBackend(
        resolver, overrides=overrides, allow_private=allow_private, private=private
    )
    limits = {
        "max_connections": max_connections,
        "max_keepalive_connections": max_connections,
        "keepalive_expiry": 5.0,
        "ssl_context": context,
    }
    direct = GuardedTransport(httpcore.AsyncConnectionPool(network_backend=backend, **limits))
    mounts: dict[str, httpx.AsyncBaseTransport | None] = {}
    for pattern, proxy in proxy_mounts(env).items():
        if proxy is None:
            mounts[pattern] = None
            continue
        url = httpx.URL(proxy)
        pool = httpcore.AsyncHTTPProxy(
            proxy_url=httpcore.URL(
                scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
            ),
            proxy_auth=(url.username, url.password) if url.username else None,
            **limits,
        )
        mounts[pattern] = GuardedTransport(pool)  # type: ignore[arg-type]
    return httpx.AsyncClient(
        transport=direct, mounts=mounts, headers=dict(headers), follow_redirects=False
    )
