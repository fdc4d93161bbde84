"""One HTTP exchange for fetcher.py: a GET through the transports, its body read bounded.

    exchange(router, url, headers, ...) -> Outcome   network trouble is an Outcome with a
                                                     failure (and `before_http`), never raised

The body of a 2xx answer is read up to `limit` (an HTML page stops early once its title
is known), the head of a 401/403/429/503 answer (REFUSAL_BODY_BYTES: it may be a bot
challenge); what is left unread (any body of another answer too) is drained when small,
so the connection is kept (http1.py). One timer (`until`) bounds the whole exchange,
headers and body together.

A 2xx body that stalls (or is cut short) before enough of it arrived to judge the page
(BodyReader.enough: its title, or the end of its head) is a failure of the exchange, a
timeout or a reset retried as such, whatever its status said; one that stalls later
keeps what came, and says what went wrong in `error`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

import httpx

from linkaudit.config import REFUSAL_BODY_BYTES, USER_AGENT
from linkaudit.fetch.failures import REQUEST_ERRORS, describe, failure_of
from linkaudit.fetch.html import BodyReader, is_html
from linkaudit.fetch.http1 import Http1Response
from linkaudit.fetch.retry import Outcome
from linkaudit.fetch.transport import Response, Router
from linkaudit.model import FailureKind
from linkaudit.text import plural

DEFAULT_HEADERS = {
    "User-Agent": USER_AGENT,
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Encoding": "gzip, deflate",
    "Accept-Language": "en",
}
REFUSALS = frozenset({401, 403, 429, 503})  # may be a bot challenge: read the head of the page


async def exchange(
    router: Router,
    url: httpx.URL,
    headers: Mapping[str, str],
    *,
    limit: int,
    until: float,
    timeouts: Mapping[str, float | None],
    stop_at_title: bool,
) -> Outcome:
    """GET `url` (DEFAULT_HEADERS under `headers`) until the loop's clock reads `until`.

    A timeout before any response counts as before HTTP (a network outage, not the
    site's fault) when no connection ever reached the host (`Router.reached`).
    """
    request_headers = {**DEFAULT_HEADERS, **headers}
    response: Response | None = None
    reader: BodyReader | None = None
    error = None
    failure = None
    read = False  # as far as wanted: what is left may be drained
    try:  # one timer for the whole attempt: headers and body
        async with asyncio.timeout_at(until):
            response = await router.get(url, request_headers, timeouts)
            refused = response.status_code in REFUSALS
            if 200 <= response.status_code < 300 or refused:
                bound = min(limit, REFUSAL_BODY_BYTES) if refused else limit
                reader = _reader(response, bound, stop_at_title)
                if isinstance(response, httpx.Response) and response.is_stream_consumed:
                    reader.feed(response.content)  # built from bytes (mock transports)
                else:
                    async for chunk in response.aiter_raw():
                        if reader.feed(chunk):
                            break
            read = True
    except REQUEST_ERRORS as exc:
        if response is None:
            kind, before = failure_of(exc)
            if kind is FailureKind.TIMEOUT and (reached := router.reached(url.host)) is not None:
                before = not reached
            return Outcome(failure=kind, error=describe(exc, kind), before_http=before)
        error = f"body cut short: {exc!s}" if str(exc) else "body read timed out"
        if reader is not None and not reader.enough and 200 <= response.status_code < 300:
            failure, error = _stalled(reader, exc)
    finally:
        if isinstance(response, Http1Response):
            await response.aclose(until=until if read else None)  # the rest drained, if small
        elif response is not None:
            await response.aclose()
    assert response is not None
    body = reader.body() if reader is not None else b""
    answer = dict(response.headers.items())  # lower-case names, repeats joined by ", "
    return Outcome(
        status=response.status_code, headers=answer, body=body, failure=failure, error=error
    )


def _reader(response: Response, limit: int, stop_at_title: bool) -> BodyReader:
    html = is_html(response.headers.get("content-type"))
    encoding = response.headers.get("content-encoding", "")
    return BodyReader(encoding, limit, html=html, stop_at_title=stop_at_title)


def _stalled(reader: BodyReader, exc: BaseException) -> tuple[FailureKind, str]:
    """The failure a body that stopped too early is: a timeout, or the reset it was."""
    kind, _ = failure_of(exc)
    got = f"{plural(reader.size, 'byte')} of the page, not its title," if reader.size else "nothing"
    if kind is FailureKind.TIMEOUT:
        return kind, f"body stalled: {got} arrived in time"
    return kind, f"body cut short: {got} arrived ({exc})"
