"""The facts of one fetch -> one Observation with a Verdict (the design's verdict table). Pure.

    ok          final 2xx without redirects, or 304 to a conditional request (not_modified)
    redirected  2xx through temporary redirects only (302, 303, 307)
    moved       2xx through at least one permanent redirect (301, 308) or a meta refresh
    dead        404, 410, or the name does not resolve
    blocked     401, 403, 429 (after retries), 451, 999, a bot challenge, a sign-in wall
                (login_walls.py: never a move), a Retry-After beyond the cap, a host
                paused beyond it, a private address refused by policy, or a request
                linkaudit could not send (those three: never asked): cannot be verified
    error       5xx, other 4xx, timeout, reset, TLS, protocol, redirect loop, too many hops

    status_verdict(status)   the one table of what an HTTP error status says (every
                             provider asks it: the generic web, YouTube's page, arXiv's)
    not_asked(fetched)       the Judgement of a request never sent, its host paused
    validator(value)         an ETag or Last-Modified worth keeping: one that can be sent
                             back as a request header (visible ASCII, not too long)
    bounded(text)            remote text as an Observation keeps it (REMOTE_TEXT_CHARS)
    classify(fetched, ...)   the Observation of a generic page
    observe(url, judgement, fetched, ...)   the Observation a provider's Judgement makes

A bot challenge is known by its `cf-mitigated: challenge` header or, on a 403/429/503
(whose head the Fetcher reads), by the challenge page's own markers (soft404_rules.bot_wall).
Soft-404s (a 2xx that says the thing is gone) are classified next, by soft404.py.

Every Observation is made here (classify, observe, corrected), and here its title, error
and note, remote text all three, are cut to REMOTE_TEXT_CHARS before they are stored,
judged or shown.
"""

from __future__ import annotations

import re
from dataclasses import replace

from linkaudit.config import REMOTE_TEXT_CHARS, VALIDATOR_CHARS
from linkaudit.model import FailureKind, Fetched, Flag, Hop, Judgement, Observation, Verdict
from linkaudit.providers.login_walls import login_wall
from linkaudit.providers.soft404_rules import bot_wall
from linkaudit.text import cut

PERMANENT = frozenset({301, 308})
TEMPORARY = frozenset({302, 303, 307})
STATUS_VERDICTS: dict[int, tuple[Verdict, tuple[Flag, ...]]] = {
    404: (Verdict.DEAD, ()),
    410: (Verdict.DEAD, ()),
    401: (Verdict.BLOCKED, ()),
    403: (Verdict.BLOCKED, ()),
    451: (Verdict.BLOCKED, ()),  # unavailable for legal reasons: here, not everywhere
    429: (Verdict.BLOCKED, (Flag.RATE_LIMITED,)),
    999: (Verdict.BLOCKED, ()),  # LinkedIn's "Request denied" (login_walls.py)
}
_OTHER_STATUS: tuple[Verdict, tuple[Flag, ...]] = (Verdict.ERROR, ())

_FAILURES: dict[FailureKind, tuple[Verdict, tuple[Flag, ...]]] = {
    FailureKind.DNS: (Verdict.DEAD, ()),
    FailureKind.PRIVATE_ADDRESS: (Verdict.BLOCKED, (Flag.PRIVATE_ADDRESS_REFUSED,)),
    FailureKind.RETRY_AFTER_TOO_LONG: (Verdict.BLOCKED, (Flag.RATE_LIMITED,)),
    FailureKind.PAUSED: (Verdict.BLOCKED, (Flag.RATE_LIMITED,)),
    FailureKind.UNSENDABLE: (Verdict.BLOCKED, ()),  # never asked: nothing said of the site
}
_VISIBLE_ASCII = re.compile(r"[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?")  # spaces inside


def status_verdict(status: int) -> tuple[Verdict, tuple[Flag, ...]]:
    """What a final HTTP status that is neither 2xx, 304 nor a redirect says."""
    return STATUS_VERDICTS.get(status, _OTHER_STATUS)


def not_asked(fetched: Fetched) -> Judgement | None:
    """Blocked, rate limited: the Fetcher did not ask, its host being paused (a wall, a
    long Retry-After); None for a fetch that was asked."""
    if fetched.failure is not FailureKind.PAUSED:
        return None
    verdict, flags = _FAILURES[FailureKind.PAUSED]
    return Judgement(verdict, flags=flags, reason=fetched.error or "not asked: host paused")


def bounded(text: str | None) -> str | None:
    """Remote text (a title, a site's words in a reason) as an Observation keeps it: one
    line of at most REMOTE_TEXT_CHARS."""
    return cut(text, REMOTE_TEXT_CHARS) if text else text


def validator(value: str | None) -> str | None:
    """`value` (an ETag or a Last-Modified as received) if it can go back to the site as
    If-None-Match / If-Modified-Since: visible ASCII and at most VALIDATOR_CHARS; else None.
    One that cannot would be refused by the client (a non-ASCII ETag) or by the site (a
    header too large), each run again, and the URL would look broken: it is not kept."""
    if value and len(value) <= VALIDATOR_CHARS and _VISIBLE_ASCII.fullmatch(value):
        return value
    return None


def verdict_of(fetched: Fetched) -> tuple[Verdict, tuple[Flag, ...]]:
    """The verdict and the flags the facts alone justify."""
    if bot_wall(fetched) is not None:
        return Verdict.BLOCKED, (Flag.BOT_CHALLENGE,)
    if (wall := login_wall(fetched)) is not None:
        return wall.verdict, wall.flags
    if fetched.failure is not None and fetched.failure in _FAILURES:
        return _FAILURES[fetched.failure]
    status = fetched.status
    if status is None or fetched.failure is not None:
        return Verdict.ERROR, ()
    if status == 304:
        return Verdict.OK, (Flag.NOT_MODIFIED,)
    if 200 <= status < 300:
        earlier = {hop.status for hop in fetched.hops[:-1]}
        if fetched.meta_refresh or earlier & PERMANENT:
            return Verdict.MOVED, ()
        if earlier & TEMPORARY:
            return Verdict.REDIRECTED, ()
        return Verdict.OK, ()
    return status_verdict(status)


def message_of(fetched: Fetched, verdict: Verdict) -> str | None:
    """A short line for a maintainer: why this verdict (None for a plain ok)."""
    if fetched.error:
        return fetched.error
    if verdict is Verdict.BLOCKED and (wall := login_wall(fetched)) is not None:
        return wall.reason
    if fetched.status is not None and not 200 <= fetched.status < 300 and fetched.status != 304:
        return f"HTTP {fetched.status}"
    if verdict is Verdict.BLOCKED:
        return "bot challenge"
    return None


def classify(fetched: Fetched, *, checked_at: str) -> Observation:
    """One Observation for one fetch: verdict, final URL, hops, title, flags."""
    verdict, flags = verdict_of(fetched)
    headers = fetched.headers
    answered = 200 <= (fetched.status or 0) < 300
    return Observation(
        url=fetched.url,
        verdict=verdict,
        final_url=fetched.final_url,
        http_status=fetched.status,
        hops=fetched.hops,
        title=bounded(fetched.title) if answered else None,  # not an error page's
        flags=flags,
        error=bounded(message_of(fetched, verdict)),
        elapsed_ms=fetched.elapsed_ms,
        checked_at=checked_at,
        etag=validator(headers.get("etag")),
        last_modified=validator(headers.get("last-modified")),
        before_http=fetched.before_http,
    )


def observe(
    url: str,
    judgement: Judgement,
    fetched: Fetched,
    *,
    checked_at: str,
    elapsed_ms: int,
    final_url: str | None,
    hops: tuple[Hop, ...],
) -> Observation:
    """The Observation of a provider's Judgement about `url` (from `fetched`): its reason
    is the observation's error when the verdict is not live, and a note when it is."""
    live = judgement.verdict.is_live
    return Observation(
        url=url,
        verdict=judgement.verdict,
        final_url=final_url,
        http_status=fetched.status,
        hops=hops,
        title=bounded(judgement.title),
        flags=judgement.flags,
        error=None if live else bounded(judgement.reason),
        note=bounded(judgement.reason) if live else None,
        elapsed_ms=elapsed_ms,
        checked_at=checked_at,
        before_http=fetched.before_http,
    )


def corrected(observation: Observation, judgement: Judgement) -> Observation:
    """An observation as a second look corrects it: the new verdict, the flags added, the
    reason said (soft404.py's rules only ever condemn or block: the reason is an error)."""
    flags = tuple(dict.fromkeys((*observation.flags, *judgement.flags)))
    return replace(
        observation, verdict=judgement.verdict, flags=flags, error=bounded(judgement.reason)
    )
