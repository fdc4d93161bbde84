"""A local web of replicas: one loopback HTTP server answering for many real host names.

Tests reach it as curl's --resolve does (`CheckOptions.resolve`): www.youtube.com,
export.arxiv.org, arxiv.org, ... all map to 127.0.0.1 and this server's port, so no real
DNS is ever asked. Every request is logged with the server's own clock (monotonic, taken
when the request line arrives), so tests can assert spacing as the server saw it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

HERE = Path(__file__).parent
HTML = "text/html; charset=utf-8"


def replica(name: str) -> str:
    return (HERE / name).read_text(encoding="utf-8")


@dataclass(frozen=True)
class Answer:
    status: int = 200
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = HTML


@dataclass(frozen=True)
class Seen:
    at: float  # server clock (time.monotonic) when the request arrived
    host: str
    target: str
    headers: dict[str, str]

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.target).query)


Handler = Callable[[Seen], Answer]


class ReplicaWeb:
    """Routes by (host, path and query) first, then (host, path) handlers; else 404."""

    def __init__(self) -> None:
        self.exact: dict[tuple[str, str], Answer] = {}
        self.handlers: dict[tuple[str, str], Handler] = {}
        self.fallbacks: dict[str, Handler] = {}
        self.log: list[Seen] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]

    def url(self, host: str, target: str, scheme: str = "http") -> str:
        return f"{scheme}://{host}:{self.port}{target}"

    def resolve(self, *hosts: str) -> tuple[tuple[str, int, str], ...]:
        return tuple((h, self.port, "127.0.0.1") for h in hosts)

    def add(self, host: str, target: str, answer: Answer) -> None:
        self.exact[(host, target)] = answer

    def handle(self, host: str, path: str, handler: Handler) -> None:
        self.handlers[(host, path)] = handler

    def fallback(self, host: str, handler: Handler) -> None:
        self.fallbacks[host] = handler

    def seen(self, host: str, path: str | None = None) -> list[Seen]:
        with self._lock:
            return [s for s in self.log if s.host == host and (path is None or s.path == path)]

    def _answer(self, seen: Seen) -> Answer:
        answer = self.exact.get((seen.host, seen.target))
        if answer is not None:
            return answer
        handler = self.handlers.get((seen.host, seen.path)) or self.fallbacks.get(seen.host)
        if handler is not None:
            return handler(seen)
        return Answer(404, "<html><head><title>404 Not Found</title></head></html>")

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        web = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                arrived = time.monotonic()
                host = (self.headers.get("Host") or "").rsplit(":", 1)[0].lower()
                seen = Seen(
                    arrived, host, self.path, {k.lower(): v for k, v in self.headers.items()}
                )
                with web._lock:
                    web.log.append(seen)
                answer = web._answer(seen)
                body = answer.body.encode("utf-8")
                self.send_response(answer.status)
                self.send_header("Content-Type", answer.content_type)
                self.send_header("Content-Length", str(len(body)))
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler

    def __enter__(self) -> ReplicaWeb:
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def serve() -> Iterator[ReplicaWeb]:
    with ReplicaWeb() as web:
        yield web
