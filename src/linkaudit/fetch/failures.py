"""What went wrong with one request, for a person and for the verdict.

failure_of(exc)        (FailureKind, before any HTTP answer) for an exception a request
                       raised
describe(exc, kind)    a short message: "timeout: no response in time", ...
REQUEST_ERRORS         every exception a request may raise that is the site's trouble
"""

from __future__ import annotations

import httpx

from linkaudit.fetch.names import NameNotResolved, PrivateAddressRefused, ResolverUnavailable
from linkaudit.model import FailureKind

# What a request may raise (InvalidURL: httpx parses a redirect's Location even unfollowed).
REQUEST_ERRORS = (
    NameNotResolved,
    PrivateAddressRefused,
    httpx.HTTPError,
    httpx.InvalidURL,
    OSError,
    TimeoutError,
    ValueError,
)


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
    if isinstance(exc, httpx.LocalProtocolError):  # refused here, before a byte was sent
        return FailureKind.UNSENDABLE, False
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
    if kind is FailureKind.UNSENDABLE:
        return f"not asked: linkaudit could not send this request ({exc})"
    detail = str(exc) or type(exc).__name__
    return f"{kind.value}: {detail}"
