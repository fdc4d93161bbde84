"""A simulated web for tests and the bench: a real HTTP/1.1 server on loopback.

It listens on several loopback addresses (127.0.0.2, 127.0.0.3, ...) on ONE shared port,
each address a distinct host, and answers per (host, path) as programmed. It runs its
own asyncio loop in a background thread (`with SimWeb(hosts=3) as web:`), or in a process
of its own for the bench (`python tests/simweb.py --hosts 50 --latency 0.05`).

    web = SimWeb(hosts=3)                  # or the `simweb` pytest fixture (conftest.py)
    web.hosts                              # ["127.0.0.2", "127.0.0.3", "127.0.0.4"]
    web.url(0, "/a")                       # "http://127.0.0.2:PORT/a"
    web.url("docs.test", "/a")             # "http://docs.test:PORT/a" (resolve it with
                                           #  web.resolver({"docs.test": 0}))
    web.on(0, "/a", page("Title"))         # program an answer (path may include ?query)
    web.on(0, "/b", Reply(301, location=web.url(1, "/c")))
    web.on(0, "/c", Reply(503), Reply(200, body=html("ok")))   # one-shot replies in order,
                                           # the last one repeats
    web.on("*", "/x", ...)                 # any host
    web.requests                           # [Seen(host, path, headers, at, conn)], in order
    web.answered                           # [(host, path, at)]: when each answer was sent
    web.hits(0, "/a")                      # how many times that was asked
    web.connections                        # Counter: TCP connections accepted per address
    web.connections_to(0)                  # ... by host 0; GET /__simweb/connections
                                           #  answers the counts as JSON (the bench's way)
    web.resolver({"docs.test": 0, "intranet.test": "10.0.0.5"})   # a Resolver for fetch.py:
                                           # names -> host index or address; any other
                                           # name raises NameNotResolved (as gone.invalid)
    web.refused_url("/")                   # a URL on a port where nothing listens

A Reply can misbehave: `hang=True` (never answers), `close=True` (closes without a
response), `drip=0.5` (status line and headers one byte every 0.5 s), `drip_body=0.5`
(headers at once, then the body one byte every 0.5 s; with `drip_from=N` its first N
bytes at once), `size=N` (a body of N bytes,
streamed, never held in memory), `gzip_bomb=N` (gzip of N zero bytes, with
Content-Encoding: gzip), `delay=0.05` (wait before answering). Unprogrammed paths get 404.
`SimWeb(tls=server_context)` serves HTTPS instead (see test_fetch_fetcher.py for a certificate).
`web.latency` delays every answer (the bench's L).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import socket
import ssl
import threading
import time
import zlib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from html import escape

ADDRESS_BASE = "127.0.0.{}"  # host i listens on 127.0.0.(i + 2)
REASONS = {200: "OK", 301: "Moved Permanently", 302: "Found", 304: "Not Modified", 404: "Not Found"}
CHUNK = 64 * 1024
CONNECTIONS_PATH = "/__simweb/connections"  # {"total": N, "by_address": {...}} so far


def html(title: str | None = None, *, head: str = "", body: str = "", charset: str = "") -> str:
    """A small HTML page; `title` is escaped, `head` and `body` are raw."""
    meta = f'<meta charset="{charset}">' if charset else ""
    tag = f"<title>{escape(title)}</title>" if title is not None else ""
    return f"<!doctype html><html><head>{meta}{tag}{head}</head><body>{body}</body></html>"


@dataclass(frozen=True)
class Reply:
    """One programmed answer (see the module docstring for the misbehaviours)."""

    status: int = 200
    body: str | bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    location: str | None = None
    content_type: str = "text/html; charset=utf-8"
    delay: float = 0.0
    hang: bool = False
    close: bool = False
    drip: float = 0.0
    drip_body: float = 0.0
    drip_from: int = 0
    size: int = 0
    gzip_bomb: int = 0


def page(title: str | None, body: str = "", **reply: object) -> Reply:
    """A 200 HTML page with that title."""
    return Reply(200, body=html(title, body=body), **reply)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Seen:
    """One request the server received."""

    host: str  # the Host header's name (without port)
    address: str  # the local address it arrived on
    path: str
    headers: dict[str, str]
    at: float  # time.monotonic()
    conn: int = 0  # which TCP connection it came on (1, 2, ... in the order accepted)


@cache
def gzip_of_zeros(size: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1024 * 1024)
    parts = [packer.compress(block) for _ in range(size // len(block))]
    parts.append(packer.compress(bytes(size % len(block))))
    return b"".join([*parts, packer.flush()])


class SimWeb:
    """The simulated web. Use as a context manager; see the module docstring."""

    def __init__(
        self, hosts: int = 3, *, latency: float = 0.0, tls: ssl.SSLContext | None = None
    ) -> None:
        self.tls = tls  # a server context: every host speaks HTTPS
        self.hosts = [ADDRESS_BASE.format(i + 2) for i in range(hosts)]
        self.latency = latency
        self.port = 0
        self.requests: list[Seen] = []
        self.answered: list[tuple[str, str, float]] = []
        self.connections: Counter[str] = Counter()  # accepted, by local address
        self._routes: dict[tuple[str, str], list[Reply]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._servers: list[asyncio.base_events.Server] = []
        self._stop: asyncio.Event | None = None
        self.record = True

    # --- programming -------------------------------------------------------------------
    def _host(self, host: int | str) -> str:
        return self.hosts[host] if isinstance(host, int) else host

    def url(self, host: int | str, path: str = "/") -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{self._host(host)}:{self.port}{path}"

    def on(self, host: int | str, path: str, *replies: Reply) -> str:
        """Program `path` on `host` (index, address, name or "*"); returns its URL."""
        self._routes[(self._host(host), path)] = list(replies)
        return self.url(host if host != "*" else 0, path)

    def connections_to(self, host: int | str) -> int:
        """TCP connections accepted on `host`'s address so far."""
        return self.connections[self._host(host)]

    def hits(self, host: int | str, path: str) -> int:
        name = self._host(host)
        return sum(1 for s in self.requests if s.path == path and name in {s.host, s.address})

    def resolver(self, names: Mapping[str, int | str] | None = None):
        """A fetch.Resolver: IP literals as themselves, `names` as given, others unknown."""
        from linkaudit.fetch import NameNotResolved  # the server itself needs no linkaudit

        table = {k.lower(): self._host(v) for k, v in (names or {}).items()}

        async def resolve(host: str, port: int) -> list[str]:
            if host.replace(".", "").isdigit():
                return [host]
            if host.lower() in table:
                return [table[host.lower()]]
            raise NameNotResolved(host)

        return resolve

    def refused_url(self, path: str = "/") -> str:
        """A URL on the first host at a port where nothing listens."""
        with socket.socket() as sock:
            sock.bind((self.hosts[0], 0))
            free = sock.getsockname()[1]
        return f"http://{self.hosts[0]}:{free}{path}"

    # --- serving -----------------------------------------------------------------------
    def _reply_for(self, host: str, address: str, path: str) -> Reply:
        if path == CONNECTIONS_PATH:
            counts = {"total": sum(self.connections.values()), "by_address": self.connections}
            return Reply(200, json.dumps(counts), content_type="application/json")
        for key in ((host, path), (address, path), ("*", path)):
            replies = self._routes.get(key)
            if replies:
                return replies.pop(0) if len(replies) > 1 else replies[0]
        return Reply(404, body=html("Not Found"))

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        address = writer.get_extra_info("sockname")[0]
        self.connections[address] += 1
        conn = sum(self.connections.values())
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                lines = head.decode("latin-1").split("\r\n")
                _method, path, _version = ([*lines[0].split(" "), "", ""])[:3]
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        name, value = line.split(":", 1)
                        headers[name.strip().lower()] = value.strip()
                host = headers.get("host", "").rsplit(":", 1)[0].lower()
                if self.record:
                    self.requests.append(Seen(host, address, path, headers, time.monotonic(), conn))
                reply = self._reply_for(host, address, path)
                if not await self._answer(reply, writer):
                    return
                if self.record:
                    self.answered.append((host, path, time.monotonic()))
        except (ConnectionError, asyncio.CancelledError):
            return
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    async def _answer(self, reply: Reply, writer: asyncio.StreamWriter) -> bool:
        """Write one answer; False when the connection must end."""
        if self.latency or reply.delay:
            await asyncio.sleep(self.latency + reply.delay)
        if reply.hang:
            assert self._stop is not None
            await self._stop.wait()
            return False
        if reply.close:
            return False
        body = reply.body.encode() if isinstance(reply.body, str) else reply.body
        headers = {"content-type": reply.content_type, **dict(reply.headers)}
        if reply.location is not None:
            headers["location"] = reply.location
        if reply.gzip_bomb:
            body = gzip_of_zeros(reply.gzip_bomb)
            headers["content-encoding"] = "gzip"
        length = reply.size or len(body)
        headers["content-length"] = str(length)
        reason = REASONS.get(reply.status, "Status")
        lines = [f"HTTP/1.1 {reply.status} {reason}", *(f"{k}: {v}" for k, v in headers.items())]
        top = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        if reply.drip:
            for i in range(len(top)):
                writer.write(top[i : i + 1])
                await writer.drain()
                await asyncio.sleep(reply.drip)
        else:
            writer.write(top)
        if reply.size:
            block = (b"<!doctype html><html><head><title>Big</title></head><body>" + bytes(CHUNK))[
                :CHUNK
            ]
            sent = 0
            while sent < reply.size:
                part = block[: reply.size - sent]
                writer.write(part)
                await writer.drain()
                sent += len(part)
        elif reply.drip_body:
            writer.write(body[: reply.drip_from])
            for i in range(reply.drip_from, len(body)):
                writer.write(body[i : i + 1])
                await writer.drain()
                await asyncio.sleep(reply.drip_body)
        else:
            writer.write(body)
        await writer.drain()
        return True

    async def _start(self) -> None:
        self._stop = asyncio.Event()
        for attempt in range(20):
            servers = []
            try:
                for address in self.hosts:
                    server = await asyncio.start_server(
                        self._handle,
                        address,
                        self.port or 0,
                        backlog=1024,
                        reuse_address=True,
                        ssl=self.tls,
                    )
                    servers.append(server)
                    self.port = self.port or server.sockets[0].getsockname()[1]
            except OSError:
                for server in servers:
                    server.close()
                self.port = 0
                if attempt == 19:
                    raise
                continue
            self._servers = servers
            return

    async def _shutdown(self) -> None:
        assert self._stop is not None
        self._stop.set()
        for server in self._servers:
            server.close()
        await asyncio.sleep(0)

    def __enter__(self) -> SimWeb:
        ready = threading.Event()

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            self._loop.run_until_complete(self._start())
            ready.set()
            self._loop.run_forever()
            self._loop.run_until_complete(self._shutdown())
            self._loop.close()

        self._thread = threading.Thread(target=run, name="simweb", daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)


def serve(hosts: int, latency: float, pages: int, port: int = 0) -> None:
    """Serve the bench's site: /p{i} on every host answers a small titled page "Page {i}"."""
    web = SimWeb(hosts, latency=latency)
    web.port = port
    web.record = False
    for i in range(pages):
        web.on("*", f"/p{i}", page(f"Page {i}", body="<p>" + "text " * 100 + "</p>"))

    async def main() -> None:
        await web._start()
        print(web.port, flush=True)
        await asyncio.Event().wait()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=serve.__doc__)
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--port", type=int, default=0, help="default: any free port")
    args = parser.parse_args()
    serve(args.hosts, args.latency, args.pages, args.port)
