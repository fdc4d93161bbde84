"""Transports under fetch.py: httpcore pools per origin, proxies and trust from the environment.

    GuardedTransport    an httpx transport over httpcore pools (one per origin) whose
                        connections go through net.GuardedBackend
    Router              which transport a URL takes: a proxy from the environment or direct
    build_router(...)   the Router fetch.py uses
    proxy_mounts(env)   proxies from HTTP(S)_PROXY, ALL_PROXY, NO_PROXY (as httpx reads them)
    ssl_context(env)    trust from SSL_CERT_FILE / SSL_CERT_DIR (as httpx), else certifi

fetch.py sends requests through the Router itself rather than an httpx.AsyncClient: the
client's per-request machinery (auth, cookies, redirect bookkeeping, URL merging) is
unused here and cost about a tenth of the checker's CPU per URL.

Proxied requests: the proxy resolves names, so the private-address guard only sees IP
literals (fetch.py checks those itself); direct connections are fully guarded.
"""

from __future__ import annotations

import os
import re
import ssl
import urllib.request
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import certifi
import httpcore
import httpx

from linkaudit.net import GuardedBackend, Resolver, is_ip, is_private

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
    def __init__(self, stream: Any, done: Callable[[], None]) -> None:
        self._stream = stream
        self._done = done

    async def __aiter__(self) -> Any:
        try:
            async for part in self._stream:
                yield part
        except (httpcore.NetworkError, httpcore.ProtocolError, httpcore.TimeoutException) as exc:
            raise as_httpx(exc) from exc

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            self._done()


class _Origin:
    """One origin's pool and how many of its responses are still open."""

    def __init__(self, pool: Any) -> None:
        self.pool = pool
        self.open = 0


class GuardedTransport(httpx.AsyncBaseTransport):
    """An httpx transport over httpcore pools: one per origin (or one, for a proxy).

    A pool per origin keeps httpcore's per-request bookkeeping proportional to one
    host's connections rather than all of them; the least recently used idle origins
    are closed once there are more than `max_origins`, so sockets stay bounded.
    """

    def __init__(
        self, make_pool: Callable[[], Any], *, per_origin: bool = True, max_origins: int = 256
    ) -> None:
        self._make_pool = make_pool
        self._per_origin = per_origin
        self._max_origins = max_origins
        self._origins: OrderedDict[tuple[bytes, bytes, int | None], _Origin] = OrderedDict()

    def _origin(self, url: httpx.URL) -> _Origin:
        key = (url.raw_scheme, url.raw_host, url.port) if self._per_origin else (b"", b"", None)
        origin = self._origins.get(key)
        if origin is None:
            origin = self._origins[key] = _Origin(self._make_pool())
        self._origins.move_to_end(key)
        return origin

    async def _evict(self) -> None:
        while len(self._origins) > self._max_origins:
            idle = next((k for k, o in self._origins.items() if o.open == 0), None)
            if idle is None:
                return
            await self._origins.pop(idle).pool.aclose()

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
        await self._evict()
        origin = self._origin(request.url)
        origin.open += 1
        try:
            response = await origin.pool.handle_async_request(core_request)
        except (
            httpcore.NetworkError,
            httpcore.ProtocolError,
            httpcore.TimeoutException,
            httpcore.ProxyError,
            httpcore.UnsupportedProtocol,
        ) as exc:
            origin.open -= 1
            raise as_httpx(exc) from exc
        except BaseException:
            origin.open -= 1
            raise

        def done() -> None:
            origin.open -= 1

        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_Stream(response.stream, done),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        origins, self._origins = list(self._origins.values()), OrderedDict()
        for origin in origins:
            await origin.pool.aclose()


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


class Router:
    """The transport for each URL: the first matching proxy mount, else direct."""

    def __init__(
        self,
        direct: httpx.AsyncBaseTransport,
        mounts: Iterable[tuple[str, httpx.AsyncBaseTransport | None]] = (),
    ) -> None:
        self.direct = direct
        self._mounts = sorted(
            ((_pattern(key), transport) for key, transport in mounts),
            key=lambda m: (m[0][1] is None, m[0][0] is None),  # host first, then scheme
        )

    def for_url(self, url: httpx.URL) -> httpx.AsyncBaseTransport:
        for (scheme, host), transport in self._mounts:
            if scheme is not None and url.scheme != scheme:
                continue
            if host is not None and not host.match(url.host):
                continue
            return transport or self.direct
        return self.direct

    async def aclose(self) -> None:
        for transport in {id(t): t for _, t in self._mounts if t is not None}.values():
            await transport.aclose()
        await self.direct.aclose()


def _pattern(key: str) -> tuple[str | None, re.Pattern[str] | None]:
    """`all://*example.com` -> (None, example.com and its subdomains), as httpx's mounts."""
    scheme, _, host = key.partition("://")
    host = host.strip("[]").split(":")[0] if not host.startswith("[") else host.strip("[]")
    if not host:
        return (None if scheme == "all" else scheme), None
    if host.startswith("*."):
        regex = rf"^.*\.{re.escape(host[2:])}$"
    elif host.startswith("*"):
        regex = rf"^(.*\.)?{re.escape(host[1:])}$"
    else:
        regex = rf"^{re.escape(host)}$"
    return (None if scheme == "all" else scheme), re.compile(regex, re.IGNORECASE)


def build_router(
    *,
    resolver: Resolver,
    overrides: Iterable[tuple[str, int, str]],
    allow_private: bool,
    private: Callable[[str], bool] = is_private,
    max_connections: int,
    per_host: int,
    env: Mapping[str, str] | None = None,
    connected: set[str] | None = None,
) -> Router:
    """Guarded direct connections (a pool per origin), environment proxies, trust."""
    context = ssl_context(env)
    backend = GuardedBackend(
        resolver,
        overrides=overrides,
        allow_private=allow_private,
        private=private,
        connected=connected,
    )
    shared = {"keepalive_expiry": 5.0, "ssl_context": context}
    direct = GuardedTransport(
        lambda: httpcore.AsyncConnectionPool(
            network_backend=backend,
            max_connections=per_host,
            max_keepalive_connections=per_host,
            **shared,
        )
    )
    mounts: list[tuple[str, httpx.AsyncBaseTransport | None]] = []
    for pattern, proxy in proxy_mounts(env).items():
        if proxy is None:
            mounts.append((pattern, None))
            continue
        url = httpx.URL(proxy)
        if url.scheme not in {"http", "https"}:
            continue  # SOCKS would need socksio: such a proxy is ignored
        pool = httpcore.AsyncHTTPProxy(
            proxy_url=httpcore.URL(
                scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
            ),
            proxy_auth=(url.username, url.password) if url.username else None,
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            **shared,
        )
        mounts.append((pattern, GuardedTransport(lambda pool=pool: pool, per_origin=False)))
    return Router(direct, mounts)
