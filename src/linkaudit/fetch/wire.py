"""HTTP/1.1 on the wire for http1.py: a GET's bytes out, one response's parts back in.

    request_bytes(url, headers)   the request line, Host and `headers`, each header checked
                                  as h11 checks them (no CR, LF or NUL can smuggle a header)
    Reply                         one response as llhttp (httptools) parses it: status,
                                  headers, body parts, whether the connection may be reused

Why llhttp rather than h11: h11's pure-Python state machine took 80 µs for a request and a
small response, llhttp (Node's parser, in C) 4 µs; with thousands of short requests h11 was
a sixth of the checker's CPU. What llhttp does not do is done here with h11's limits and
httpcore's messages (failures.failure_of reads them): response heads over 100 KiB are refused,
1xx interim responses skipped, and the end of the stream ends a body only when the
response had neither Content-Length nor chunked encoding.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import httptools
import httpx

from linkaudit.config import MAX_HEAD_BYTES

# h11's own grammar for header fields (RFC 9110 token, field-content)
_NAME = re.compile(rb"[-!#$%&'*+.^_`|~0-9a-zA-Z]+")
_VALUE = re.compile(rb"(?:[\x21-\x7e\x80-\xff]+(?:[ \t]+[\x21-\x7e\x80-\xff]+)*)?")
NO_RESPONSE = "Server disconnected without sending a response."  # httpcore's words
CUT_SHORT = "peer closed connection without sending complete message body"  # h11's words


def request_bytes(url: httpx.URL, headers: Mapping[str, str]) -> bytes:
    """A GET for `url` with `headers` after Host (as httpx orders them); LocalProtocolError
    for a header that is not ASCII or not a valid HTTP field."""
    lines = [b"GET " + url.raw_path + b" HTTP/1.1", b"Host: " + url.netloc]
    for name, value in headers.items():
        try:
            raw_name, raw_value = name.encode("ascii"), value.encode("ascii")
        except UnicodeEncodeError as exc:
            raise httpx.LocalProtocolError(f"a request header is not ASCII: {name!r}") from exc
        if not _NAME.fullmatch(raw_name) or not _VALUE.fullmatch(raw_value):
            raise httpx.LocalProtocolError(f"Illegal header {name!r}: {value!r}")
        lines.append(raw_name + b": " + raw_value)
    return b"\r\n".join(lines) + b"\r\n\r\n"


class Reply:
    """One response at a time, fed as it arrives (`feed`, then `feed(b"")` at the end of
    the stream); `next()` before each further response on a kept connection.

    `status`, `headers` (raw, in order) are set once `head` is True; `take()` hands over the
    body parts received so far; `done` is the end of the message; `reusable` says whether
    the connection may carry another request; `left()` how much of the body is still to
    come (None: unknown, chunked or until the end of the stream).
    """

    def __init__(self) -> None:
        self._parser = httptools.HttpResponseParser(self)
        self.next()

    def next(self) -> None:
        """Ready for the next response on the same connection (the parser carries over:
        llhttp starts a new message after a complete one, as keep-alive needs)."""
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.head = False
        self.done = False
        self._keep_alive = False
        self._extra = False  # bytes after the message: the connection is not reused
        self._eof = False
        self._received = 0
        self._body = 0  # body bytes parsed
        self._length: int | None = None  # Content-Length
        self._parts: list[bytes] = []

    @property
    def reusable(self) -> bool:
        return self.done and self._keep_alive and not self._extra and not self._eof

    def left(self) -> int | None:
        if self.done:
            return 0
        return None if self._length is None else max(0, self._length - self._body)

    def take(self) -> list[bytes]:
        parts, self._parts = self._parts, []
        return parts

    def feed(self, data: bytes) -> None:
        """Parse what arrived; RemoteProtocolError for a response that is not HTTP."""
        if not data:
            self._end()
            return
        self._received += len(data)
        if self.done:
            self._extra = True
            return
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserUpgrade as exc:
            raise httpx.RemoteProtocolError("unexpected protocol switch (101)") from exc
        except httptools.HttpParserError as exc:
            if not self.done:
                raise httpx.RemoteProtocolError(f"malformed response: {exc}") from exc
            self._extra = True  # junk after a complete response
        if not self.head and self._received > MAX_HEAD_BYTES:
            raise httpx.RemoteProtocolError("response head larger than 100 KiB")

    def _end(self) -> None:
        self._eof = True
        if self.done:
            return
        if not self.head:
            raise httpx.RemoteProtocolError(NO_RESPONSE)
        names = {name.lower(): value.lower() for name, value in self.headers}
        if b"content-length" in names or b"chunked" in names.get(b"transfer-encoding", b""):
            raise httpx.RemoteProtocolError(CUT_SHORT)
        self.done = True  # a body that lasts until the connection closes

    # --- llhttp's callbacks ---------------------------------------------------------------

    def on_message_begin(self) -> None:
        if self.done:
            self._extra = True

    def on_header(self, name: bytes, value: bytes) -> None:
        if not self.head:  # (trailers of a chunked body come later: not headers)
            self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        status = self._parser.get_status_code()
        if 100 <= status < 200:  # an interim answer (100 Continue, 103 Early Hints): skipped
            self.headers = []
            return
        self.status = status
        self.head = True
        self._keep_alive = self._parser.should_keep_alive()
        for name, value in self.headers:
            if name.lower() == b"content-length" and value.strip().isdigit():
                self._length = int(value)

    def on_body(self, body: bytes) -> None:
        if not self.done:
            self._body += len(body)
            self._parts.append(body)

    def on_message_complete(self) -> None:
        if self.head:
            self.done = True
