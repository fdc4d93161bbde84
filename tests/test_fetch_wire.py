"""fetch/wire.py: what llhttp makes of a response is what h11 (httpcore's parser) made of it.

Every response below is fed whole, byte by byte and in uneven pieces, then the stream
ends; status, headers, body, and whether it was an error must match h11's reading.
Where the two differ on purpose, the case says so.
"""

from __future__ import annotations

import h11
import httpx
import pytest

from linkaudit.fetch.wire import CUT_SHORT, NO_RESPONSE, Reply, request_bytes

BODY = b"<!doctype html><title>Hi</title>" + b"x" * 300


def length(status: str, body: bytes = BODY, extra: str = "") -> bytes:
    head = f"HTTP/1.1 {status}\r\nContent-Type: text/html\r\nContent-Length: {len(body)}\r\n"
    return (head + extra + "\r\n").encode() + body


def chunked(body: bytes = BODY, trailer: str = "") -> bytes:
    parts = [body[:100], body[100:]]
    encoded = b"".join(b"%x;ext=1\r\n%s\r\n" % (len(p), p) for p in parts)
    head = b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nETag: "e"\r\n\r\n'
    return head + encoded + b"0\r\n" + trailer.encode() + b"\r\n"


RESPONSES = {
    "content-length": length("200 OK"),
    "chunked with extensions and a trailer": chunked(trailer="X-Checksum: 1\r\n"),
    "until the connection closes": b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n" + BODY,
    "HTTP/1.0": b"HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nabc",
    "Connection: close": length("200 OK", extra="Connection: close\r\n"),
    "no content": b"HTTP/1.1 204 No Content\r\n\r\n",
    "not modified with a length": b"HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n",
    "redirect": b"HTTP/1.1 301 Moved\r\nLocation: /b\r\nContent-Length: 0\r\n\r\n",
    "100 Continue first": b"HTTP/1.1 100 Continue\r\n\r\n" + length("200 OK"),
    "103 Early Hints first": b"HTTP/1.1 103 Early Hints\r\nLink: <a>\r\n\r\n" + length("404 NF"),
    "repeated header": length("200 OK", extra="Set-Cookie: a=1\r\nSet-Cookie: b=2\r\n"),
    "no reason phrase": b"HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nok",
    "body cut short": length("200 OK")[:-50],
    "chunked cut short": chunked()[:-12],
    "nothing at all": b"",
    "head cut short": b"HTTP/1.1 200 OK\r\nContent-Le",
    "not HTTP": b"SSH-2.0-OpenSSH_9.6\r\n",
    "bad status": b"HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n",
    "space in a header name": b"HTTP/1.1 200 OK\r\nBad Header: x\r\nContent-Length: 0\r\n\r\n",
    "conflicting lengths": b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
    "head over 100 KiB": b"HTTP/1.1 200 OK\r\n" + b"X-Big: " + b"a" * 110_000 + b"\r\n\r\n",
}


def h11_reading(data: bytes, pieces: list[bytes]) -> tuple:
    """(status, headers, body, error?) as h11 reads the stream, as httpcore configures it."""
    connection = h11.Connection(h11.CLIENT, max_incomplete_event_size=100 * 1024)
    connection.send(h11.Request(method="GET", target="/", headers=[("Host", "a")]))
    connection.send(h11.EndOfMessage())
    status, headers, body = None, [], b""
    try:
        for piece in [*pieces, b""]:
            if not piece and connection.their_state is h11.SEND_RESPONSE:
                raise h11.RemoteProtocolError(NO_RESPONSE)
            connection.receive_data(piece)
            while (event := connection.next_event()) is not h11.NEED_DATA:
                if isinstance(event, h11.Response):
                    status, headers = event.status_code, list(event.headers.raw_items())
                elif isinstance(event, h11.Data):
                    body += bytes(event.data)
                elif isinstance(event, h11.EndOfMessage | h11.ConnectionClosed):
                    return status, headers, body, None
    except h11.RemoteProtocolError as exc:
        return status, headers, body, str(exc)
    return status, headers, body, "no end"


def our_reading(pieces: list[bytes]) -> tuple:
    reply, body = Reply(), b""
    try:
        for piece in [*pieces, b""]:
            reply.feed(piece)
            body += b"".join(reply.take())
            if reply.done:
                break
    except httpx.RemoteProtocolError as exc:
        return (reply.status or None), reply.headers, body, str(exc), reply
    return reply.status, reply.headers, body, None, reply


def splits(data: bytes) -> dict[str, list[bytes]]:
    uneven = [data[i : i + 7] for i in range(0, len(data), 7)]
    return {"whole": [data] if data else [], "bytes": [bytes([b]) for b in data], "7s": uneven}


@pytest.mark.parametrize("how", ["whole", "bytes", "7s"])
@pytest.mark.parametrize("name", sorted(RESPONSES))
def test_llhttp_reads_a_response_as_h11_does(name: str, how: str) -> None:
    data = RESPONSES[name]
    pieces = splits(data)[how]
    if how == "bytes" and len(data) > 5000:
        pieces = splits(data)["7s"]
    status, headers, body, error = h11_reading(data, pieces)
    our_status, our_headers, our_body, our_error, _ = our_reading(pieces)
    assert (our_error is None) == (error is None), (our_error, error)
    if error is None:
        assert (our_status, our_headers, our_body) == (status, headers, body)


@pytest.mark.parametrize(
    ("name", "reusable"),
    [
        ("content-length", True),
        ("chunked with extensions and a trailer", True),
        ("redirect", True),
        ("no content", True),
        ("100 Continue first", True),
        ("until the connection closes", False),
        ("HTTP/1.0", False),
        ("Connection: close", False),
    ],
)
def test_only_a_response_with_a_known_end_keeps_the_connection(name: str, reusable: bool) -> None:
    *_, error, reply = our_reading([RESPONSES[name]])
    assert error is None
    assert reply.reusable is reusable


def test_the_stream_ending_early_says_what_failure_of_reads() -> None:
    assert our_reading([RESPONSES["nothing at all"]])[3] == NO_RESPONSE
    assert our_reading([RESPONSES["head cut short"]])[3] == NO_RESPONSE
    assert our_reading([RESPONSES["body cut short"]])[3] == CUT_SHORT


def test_bytes_after_a_response_mean_the_connection_is_not_reused() -> None:
    *_, error, reply = our_reading([RESPONSES["content-length"] + b"HTTP/1.1 200 OK\r\n"])
    assert error is None and reply.done and not reply.reusable


def test_transfer_encodings_h11_refuses_are_read_until_the_close() -> None:
    """A difference on purpose: h11 refuses any coding but chunked; llhttp reads such a
    body until the connection closes, as browsers do, so the page is judged, not failed."""
    data = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nabc"
    assert h11_reading(data, [data])[3] is not None
    status, _, body, error, reply = our_reading([data])
    assert (status, body, error, reply.reusable) == (200, b"abc", None, False)


def test_a_request_is_the_get_line_host_then_the_headers_in_order() -> None:
    url = httpx.URL("http://example.org:8080/a%20b?q=1")
    data = request_bytes(url, {"User-Agent": "linkaudit", "If-None-Match": '"x"'})
    assert data == (
        b"GET /a%20b?q=1 HTTP/1.1\r\nHost: example.org:8080\r\n"
        b'User-Agent: linkaudit\r\nIf-None-Match: "x"\r\n\r\n'
    )


@pytest.mark.parametrize(
    "headers",
    [
        {"If-None-Match": '"x"\r\nX-Injected: 1'},
        {"Bad Name": "x"},
        {"If-None-Match": "caf\u00e9"},
        {"X-Nul": "a\x00b"},
    ],
)
def test_a_header_that_could_smuggle_another_is_refused(headers: dict[str, str]) -> None:
    with pytest.raises(httpx.LocalProtocolError):
        request_bytes(httpx.URL("http://example.org/"), headers)


def test_one_reply_reads_response_after_response_on_a_kept_connection() -> None:
    reply = Reply()
    seen = []
    for name in ("content-length", "chunked with extensions and a trailer", "redirect"):
        if reply.done:
            reply.next()
        reply.feed(RESPONSES[name])
        seen.append((reply.status, len(b"".join(reply.take())), reply.reusable))
    assert seen == [(200, len(BODY), True), (200, len(BODY), True), (301, 0, True)]
