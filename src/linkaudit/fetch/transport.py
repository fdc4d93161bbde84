"""Transports under fetcher.py: direct or through a proxy, with trust from the environment.

    direct              http1.Http1Pool: HTTP/1.1 connections kept per origin, each opened
                        through names.GuardedBackend (resolution, private-address guard)
    ProxyTransport      an httpx transport over an httpcore proxy pool
    Router              which transport a URL takes: a proxy from the environment or direct
    build_router(...)   the Router fetcher.py uses
    proxy_mounts(env)   proxies from HTTP(S)_PROXY, ALL_PROXY, NO_PROXY (as httpx reads them)
    ssl_context(env)    trust from SSL_CERT_FILE / SSL_CERT_DIR (as httpx), else certifi

exchange.py sends requests through the Router itself rather than an httpx.AsyncClient: the
client's per-request machinery (auth, cookies, redirect bookkeeping, URL merging) is
unused here and cost about a tenth of the checker's CPU per URL.

Proxied requests: the proxy resolves names, so the private-address guard only sees IP
literals (fetcher.py checks those itself); direct connections are fully guarded.
"""

from __future__ import annotations

import os
import re
import ssl
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import certifi
import httpcore
import httpx

from linkaudit.config import KEEPALIVE_EXPIRY
from linkaudit.fetch.http1 import CORE_ERRORS, Http1Pool, Http1Response, Terms, as_httpx
from linkaudit.fetch.names import GuardedBackend, Resolver, is_ip, is_private

Response = httpx.Response | Http1Response  # what Router.get answers (the same attributes)


class _Stream(httpx.AsyncByteStream):
    def __init__(self, stream: Any) -> None:
        self._stream = stream

    async def __aiter__(self) -> Any:
        try:
            async for part in self._stream:
                yield part
        except CORE_ERRORS as exc:
            raise as_httpx(exc) from exc

    async def aclose(self) -> None:
        await self._stream.aclose()


class ProxyTransport(httpx.AsyncBaseTransport):
    """An httpx transport over one httpcore proxy pool (httpcore speaks to the proxy)."""

    def __init__(self, pool: httpcore.AsyncHTTPProxy) -> None:
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
        except CORE_ERRORS as exc:
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


class Router:
    """The transport for each URL: the first matching proxy mount, else direct."""

    def __init__(
        self,
        direct: httpx.AsyncBaseTransport | Http1Pool,
        mounts: Iterable[tuple[str, httpx.AsyncBaseTransport | None]] = (),
        backend: GuardedBackend | None = None,
    ) -> None:
        self.direct = direct
        self._backend = backend  # what the direct pool connects through
        self._mounts = sorted(
            ((_pattern(key), transport) for key, transport in mounts),
            key=lambda m: (m[0][1] is None, m[0][0] is None),  # host first, then scheme
        )

    async def get(
        self, url: httpx.URL, headers: Mapping[str, str], timeouts: Mapping[str, float | None]
    ) -> Response:
        """GET `url` through its transport: the direct pool's own way, others as httpx does."""
        transport = self.for_url(url)
        if isinstance(transport, Http1Pool):
            return await transport.get(url, headers, connect_timeout=timeouts.get("connect"))
        request = httpx.Request("GET", url, headers=headers, extensions={"timeout": timeouts})
        return await transport.handle_async_request(request)

    def reached(self, host: str) -> bool | None:
        """A connection reached `host` in this run (None: unknown, a mock transport)."""
        return self._backend.reached(host) if self._backend is not None else None

    def for_url(self, url: httpx.URL) -> httpx.AsyncBaseTransport | Http1Pool:
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
    terms: Terms,
    env: Mapping[str, str] | None = None,
) -> Router:
    """Guarded direct connections (one pool, idle connections kept per origin by `terms`),
    environment proxies, trust."""
    context = ssl_context(env)
    backend = GuardedBackend(
        resolver,
        overrides=overrides,
        allow_private=allow_private,
        private=private,
    )
    direct = Http1Pool(backend, terms=terms, keepalive_expiry=KEEPALIVE_EXPIRY, ssl_context=context)
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
            keepalive_expiry=KEEPALIVE_EXPIRY,
            ssl_context=context,
        )
        mounts.append((pattern, ProxyTransport(pool)))
    return Router(direct, mounts, backend)
