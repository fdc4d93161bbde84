"""HTTP/1.1 for direct requests over names.py's guarded streams, connections kept per origin.

    Http1Pool(backend, ssl_context, terms, ...)   .get(url, headers) -> Http1Response: one
                                           request per connection at a time, a warm idle
                                           connection of the origin before a new one
    Http1Response, decode_headers          as much of httpx.Response as exchange.py reads
    Terms                                  what idle connections are kept by (hosts.Hosts)

Why not httpcore's pool (transport.py still uses it for proxies): under asyncio it takes
anyio locks, events and cancel scopes around every request, and each asks asyncio for the
current task, a getpid() system call apiece; with many short requests that was a third of
the checker's CPU. The bytes on the wire are wire.py's (llhttp parses the answers), with
httpcore's limits and messages (failures.failure_of reads them), so answers read the same.

How many requests are in flight to a host is hosts.py's to say, not the pool's: the pool
opens a connection only when no idle one of the origin is left. A connection goes back to
the pool when its response was read to the end and the parser says it may be kept: a
response closed before its end is drained first when the rest is small (DRAIN_BYTES,
within the attempt's time), else closed, as is one after an error or a cancellation.
Each host keeps at most `terms.keep(host)` idle connections (its concurrency); past
`max_idle` in all, the oldest idle connection of a host nobody is asking goes first
(else the one of the host with the most idle): never the one the next request needs.
An idle connection is dropped once `keepalive_expiry` has passed or the peer has closed it.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Mapping
from typing import Protocol

import httpcore
import httpx

from linkaudit.config import DRAIN_BYTES, MAX_IDLE_CONNECTIONS, READ_BYTES
from linkaudit.fetch.wire import Reply, request_bytes

Origin = tuple[bytes, bytes, int]

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
CORE_ERRORS = (
    httpcore.NetworkError,
    httpcore.ProtocolError,
    httpcore.TimeoutException,
    httpcore.ProxyError,
    httpcore.UnsupportedProtocol,
)


def as_httpx(exc: Exception) -> Exception:
    """An httpcore exception as the httpx one that failures.failure_of knows."""
    for core, mapped in _EXCEPTIONS:
        if isinstance(exc, core):
            return mapped(str(exc))
    return exc


class _Connection:
    """One socket, used by one request at a time; `reply` is its current response."""

    def __init__(self, stream: httpcore.AsyncNetworkStream) -> None:
        self.stream = stream
        self.reply = Reply()
        self.idle_since = 0.0

    def stale(self, now: float, expiry: float) -> bool:
        """Idle too long, or the peer has closed it (an idle socket that reads is closing)."""
        return now - self.idle_since > expiry or bool(self.stream.get_extra_info("is_readable"))

    async def send(self, request: bytes) -> None:
        if self.reply.done:  # a kept connection: its parser is past the last response
            self.reply.next()
        with contextlib.suppress(httpcore.WriteError):  # as httpcore: a server may close
            await self.stream.write(request)  # early yet answer; read what it sent

    async def receive(self) -> None:
        """Read once and parse; httpx's exceptions for trouble."""
        try:
            data = await self.stream.read(READ_BYTES)
        except CORE_ERRORS as exc:
            raise as_httpx(exc) from exc
        self.reply.feed(data)

    async def head(self) -> Reply:
        while not self.reply.head:
            await self.receive()
        return self.reply


class Terms(Protocol):
    """What the pool keeps idle connections by (hosts.Hosts answers it)."""

    def keep(self, name: str) -> int:
        """Idle connections worth keeping for host `name`."""
        ...

    def wanted(self, name: str) -> bool:
        """Requests for `name` are under way or waiting."""
        ...

    def opened(self, name: str) -> None:
        """A connection to `name` was opened."""
        ...


class FixedTerms:
    """Terms without a scheduler (tests of the pool alone): `keep` idle per host."""

    def __init__(self, keep: int) -> None:
        self._keep = keep
        self.opened_to: list[str] = []

    def keep(self, name: str) -> int:
        return self._keep

    def wanted(self, name: str) -> bool:
        return False

    def opened(self, name: str) -> None:
        self.opened_to.append(name)


class _Origin:
    """One origin's requests under way and its idle connections, newest last."""

    def __init__(self, key: Origin) -> None:
        self.key = key
        self.host = key[1].decode("ascii")
        self.busy = 0
        self.idle: list[_Connection] = []


def decode_headers(raw: list[tuple[bytes, bytes]]) -> dict[str, str]:
    """Response headers as httpx gives them: lower-case names, a repeated header's values
    joined by ", ", decoded as ASCII, else UTF-8, else Latin-1."""
    for encoding in ("ascii", "utf-8", "iso-8859-1"):
        try:
            pairs = [(name.decode(encoding).lower(), value.decode(encoding)) for name, value in raw]
        except UnicodeDecodeError:
            continue
        break
    headers: dict[str, str] = {}
    for name, value in pairs:
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


class Http1Response:
    """An answer, as much of httpx.Response as exchange.py reads: status, headers, the raw
    body (`aiter_raw`) and `aclose`, which hands the connection back."""

    is_stream_consumed = False  # never: the body is read from the connection

    def __init__(self, status_code: int, headers: dict[str, str], body: _Body) -> None:
        self.status_code = status_code
        self.headers = headers
        self._body = body

    def aiter_raw(self) -> AsyncIterator[bytes]:
        return self._body.chunks()

    async def aclose(self, *, until: float | None = None) -> None:
        """Hand the connection back: a body not read to its end is drained first, when at
        most DRAIN_BYTES remain and they come before the loop's clock reads `until`."""
        try:
            if until is not None:
                await self._body.drain(until)
        finally:
            self._body.close()


class _Body:
    """The response body; at its end the connection goes back to the pool (or is closed)."""

    def __init__(self, pool: Http1Pool, origin: _Origin, connection: _Connection) -> None:
        self._pool = pool
        self._origin = origin
        self._connection: _Connection | None = connection

    async def chunks(self) -> AsyncIterator[bytes]:
        connection = self._connection
        while connection is not None:
            for part in connection.reply.take():
                yield part
            if connection.reply.done:
                return
            await connection.receive()

    async def drain(self, until: float) -> None:
        """Read (and drop) the rest of the body, so the connection can be kept; a body too
        long, too slow or broken closes it instead."""
        connection = self._connection
        if connection is None or connection.reply.done:
            return
        reply = connection.reply
        left = reply.left()
        if left is not None and left > DRAIN_BYTES:
            return  # close() closes it: not worth the bytes
        drained = 0
        try:
            async with asyncio.timeout_at(until):
                while not reply.done and drained <= DRAIN_BYTES:
                    drained += sum(len(part) for part in reply.take())
                    await connection.receive()
        except (TimeoutError, httpx.HTTPError):
            return  # not done: close() closes it
        reply.take()

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            self._pool.release(self._origin, connection)


class Http1Pool:
    """Direct HTTP/1.1 GETs over `backend` (names.GuardedBackend), TLS with `ssl_context`."""

    def __init__(
        self,
        backend: httpcore.AsyncNetworkBackend,
        *,
        ssl_context: ssl.SSLContext,
        terms: Terms,
        keepalive_expiry: float,
        max_idle: int = MAX_IDLE_CONNECTIONS,
    ) -> None:
        self._backend = backend
        self._ssl = ssl_context
        self._ssl.set_alpn_protocols(["http/1.1"])
        self._terms = terms
        self._expiry = keepalive_expiry
        self._max_idle = max_idle
        self._origins: dict[Origin, _Origin] = {}
        self._idle: OrderedDict[_Connection, _Origin] = OrderedDict()  # oldest first
        self._closing: set[asyncio.Task[None]] = set()

    async def get(
        self, url: httpx.URL, headers: Mapping[str, str], *, connect_timeout: float | None = None
    ) -> Http1Response:
        """GET `url` with `headers` (a Host header is added); raises httpx's exceptions."""
        if url.scheme not in {"http", "https"}:
            raise httpx.UnsupportedProtocol(f"not an http(s) URL: {url}")
        key = (url.raw_scheme, url.raw_host, url.port or (443 if url.scheme == "https" else 80))
        origin = self._origins.get(key)
        if origin is None:
            origin = self._origins[key] = _Origin(key)
        origin.busy += 1  # an origin is forgotten only when nobody uses it
        connection = None
        try:
            request = request_bytes(url, headers)
            connection = self._reuse(origin) or await self._connect(origin, connect_timeout)
            await connection.send(request)
            reply = await connection.head()
        except BaseException as exc:
            if connection is not None:
                self._close(connection)
            self._done(origin)
            if isinstance(exc, CORE_ERRORS):
                raise as_httpx(exc) from exc
            raise
        body = _Body(self, origin, connection)
        return Http1Response(reply.status, decode_headers(reply.headers), body)

    def _reuse(self, origin: _Origin) -> _Connection | None:
        now = time.monotonic()
        while origin.idle:
            connection = origin.idle.pop()
            del self._idle[connection]
            if not connection.stale(now, self._expiry):
                return connection
            self._close(connection)
        return None

    async def _connect(self, origin: _Origin, timeout: float | None) -> _Connection:
        scheme, _, port = origin.key
        host = origin.host
        stream = await self._backend.connect_tcp(host, port, timeout=timeout)
        self._terms.opened(host)
        if scheme == b"https":
            try:
                stream = await stream.start_tls(self._ssl, server_hostname=host, timeout=timeout)
            except BaseException:
                await stream.aclose()
                raise
        return _Connection(stream)

    def release(self, origin: _Origin, connection: _Connection) -> None:
        """A response is closed: keep its connection if it can serve another request."""
        if connection.reply.reusable and len(origin.idle) < self._terms.keep(origin.host):
            connection.idle_since = time.monotonic()
            origin.idle.append(connection)
            self._idle[connection] = origin
            if len(self._idle) > self._max_idle:
                self._evict()
        else:
            self._close(connection)
        self._done(origin)

    def _evict(self) -> None:
        """Close one idle connection: the oldest of a host nobody is asking, else one of
        the origin with the most idle (never plainly the oldest: with hosts served in
        turn, that is the one the next request needs)."""
        victim = next(
            (c for c, o in self._idle.items() if not self._terms.wanted(o.host)),
            None,
        )
        if victim is None:
            fullest = max(self._idle.values(), key=lambda o: len(o.idle))
            victim = fullest.idle[0]
        its_origin = self._idle.pop(victim)
        its_origin.idle.remove(victim)
        self._close(victim)
        self._forget_if_unused(its_origin)

    def _done(self, origin: _Origin) -> None:
        """One request of `origin` is over; an origin nobody uses is forgotten."""
        origin.busy -= 1
        self._forget_if_unused(origin)

    def _forget_if_unused(self, origin: _Origin) -> None:
        if not origin.busy and not origin.idle and self._origins.get(origin.key) is origin:
            del self._origins[origin.key]

    def _close(self, connection: _Connection) -> None:
        """Close a connection without waiting for it (so also from a cancelled request)."""
        task = asyncio.ensure_future(connection.stream.aclose())
        self._closing.add(task)
        task.add_done_callback(self._closed)

    def _closed(self, task: asyncio.Task[None]) -> None:
        self._closing.discard(task)
        if not task.cancelled():
            task.exception()  # retrieved: a socket that fails to close is closed enough

    async def aclose(self) -> None:
        idle, self._idle, self._origins = list(self._idle), OrderedDict(), {}
        for connection in idle:
            self._close(connection)
        await asyncio.gather(*self._closing, return_exceptions=True)
