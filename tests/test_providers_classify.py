"""providers/classify.py: the design's verdict table, one row per case a maintainer would meet."""

from __future__ import annotations

import pytest

from linkaudit.model import FailureKind, Fetched, Hop, Verdict
from linkaudit.providers.classify import classify, validator

U = "https://example.org/a"
F = "https://example.org/b"


def fetched(*statuses: int, **kw: object) -> Fetched:
    """A fetch whose hops answered `statuses` (the last one final)."""
    urls = [U, *(f"{F}{i}" for i in range(1, len(statuses)))][: len(statuses)]
    hops = tuple(Hop(u, s) for u, s in zip(urls, statuses, strict=True))
    base: dict[str, object] = {"url": U, "hops": hops}
    if statuses:
        base |= {"status": statuses[-1], "final_url": urls[-1]}
    return Fetched(**(base | kw))  # type: ignore[arg-type]


CASES = [
    ("200", fetched(200), Verdict.OK, ()),
    ("204 no content", fetched(204), Verdict.OK, ()),
    ("304 to a conditional GET", fetched(304), Verdict.OK, ("not_modified",)),
    ("301 then 200", fetched(301, 200), Verdict.MOVED, ()),
    ("308 then 200", fetched(308, 200), Verdict.MOVED, ()),
    ("302 then 200", fetched(302, 200), Verdict.REDIRECTED, ()),
    ("303 then 200", fetched(303, 200), Verdict.REDIRECTED, ()),
    ("307 then 200", fetched(307, 200), Verdict.REDIRECTED, ()),
    ("301, 302, 200", fetched(301, 302, 200), Verdict.MOVED, ()),
    ("302, 301, 200", fetched(302, 301, 200), Verdict.MOVED, ()),
    ("meta refresh", fetched(200, 200, meta_refresh=True), Verdict.MOVED, ()),
    ("404", fetched(404), Verdict.DEAD, ()),
    ("410", fetched(410), Verdict.DEAD, ()),
    ("301 to a 404", fetched(301, 404), Verdict.DEAD, ()),
    ("name does not resolve", fetched(failure=FailureKind.DNS), Verdict.DEAD, ()),
    ("401", fetched(401), Verdict.BLOCKED, ()),
    ("403", fetched(403), Verdict.BLOCKED, ()),
    ("429 after retries", fetched(429), Verdict.BLOCKED, ("rate_limited",)),
    ("451", fetched(451), Verdict.BLOCKED, ()),
    (
        "Retry-After beyond the cap",
        fetched(429, failure=FailureKind.RETRY_AFTER_TOO_LONG),
        Verdict.BLOCKED,
        ("rate_limited",),
    ),
    (
        "challenge on a 403",
        fetched(403, headers={"cf-mitigated": "challenge"}),
        Verdict.BLOCKED,
        ("bot_challenge",),
    ),
    (
        "challenge on a 200",
        fetched(200, headers={"cf-mitigated": "Challenge"}),
        Verdict.BLOCKED,
        ("bot_challenge",),
    ),
    (
        "private address refused",
        fetched(302, failure=FailureKind.PRIVATE_ADDRESS),
        Verdict.BLOCKED,
        ("private_address_refused",),
    ),
    (
        "503 'Just a moment...' page",
        fetched(503, title="Just a moment...", body_text="<script>window._cf_chl_opt={}</script>"),
        Verdict.BLOCKED,
        ("bot_challenge",),
    ),
    (
        "403 captcha page",
        fetched(403, title="Security check", body_text="<div class='g-recaptcha'></div>"),
        Verdict.BLOCKED,
        ("bot_challenge",),
    ),
    (
        "plain 503 page",
        fetched(503, title="Service Unavailable", body_text="<p>Try later.</p>"),
        Verdict.ERROR,
        (),
    ),
    ("500", fetched(500), Verdict.ERROR, ()),
    ("503 after retries", fetched(503), Verdict.ERROR, ()),
    ("400", fetched(400), Verdict.ERROR, ()),
    ("timeout", fetched(failure=FailureKind.TIMEOUT), Verdict.ERROR, ()),
    ("reset", fetched(failure=FailureKind.RESET), Verdict.ERROR, ()),
    ("TLS", fetched(failure=FailureKind.TLS), Verdict.ERROR, ()),
    ("connect", fetched(failure=FailureKind.CONNECT), Verdict.ERROR, ()),
    ("redirect loop", fetched(302, 302, failure=FailureKind.REDIRECT_LOOP), Verdict.ERROR, ()),
    (
        "too many redirects",
        fetched(*[301] * 11, failure=FailureKind.TOO_MANY_REDIRECTS),
        Verdict.ERROR,
        (),
    ),
    (
        "meta refresh loop",
        fetched(200, 200, meta_refresh=True, failure=FailureKind.REDIRECT_LOOP),
        Verdict.ERROR,
        (),
    ),
    ("3xx without Location", fetched(302), Verdict.ERROR, ()),
    (  # the site was never asked: no verdict about it, no evidence against it
        "a request linkaudit refused to send",
        fetched(failure=FailureKind.UNSENDABLE, error="not asked: ..."),
        Verdict.BLOCKED,
        (),
    ),
]


@pytest.mark.parametrize(("case", "facts", "verdict", "flags"), CASES, ids=[c[0] for c in CASES])
def test_verdict_table(case: str, facts: Fetched, verdict: Verdict, flags: tuple[str, ...]) -> None:
    observation = classify(facts, checked_at="2026-01-01T00:00:00Z")
    assert observation.verdict is verdict, case
    assert observation.flags == flags


def test_observation_carries_the_facts() -> None:
    facts = fetched(
        301,
        200,
        title="Title",
        headers={"etag": '"v2"', "last-modified": "Wed, 21 Oct 2026 07:28:00 GMT"},
        elapsed_ms=42,
    )
    obs = classify(facts, checked_at="2026-01-01T00:00:00Z")
    assert obs.url == U
    assert obs.final_url == F + "1"
    assert obs.hops == facts.hops
    assert (obs.http_status, obs.title, obs.elapsed_ms) == (200, "Title", 42)
    assert (obs.etag, obs.last_modified) == ('"v2"', "Wed, 21 Oct 2026 07:28:00 GMT")
    assert obs.checked_at == "2026-01-01T00:00:00Z"
    assert obs.error is None


def test_error_says_why() -> None:
    assert classify(fetched(404), checked_at="").error == "HTTP 404"
    dns = fetched(failure=FailureKind.DNS, error="name does not resolve: gone.invalid")
    assert classify(dns, checked_at="").error == "name does not resolve: gone.invalid"


def test_failure_before_http_feeds_the_network_guard() -> None:
    down = fetched(failure=FailureKind.CONNECT, before_http=True)
    assert classify(down, checked_at="").before_http
    assert not classify(fetched(404), checked_at="").before_http


def test_an_error_page_title_is_not_the_resource_title() -> None:
    """A 403/503 page's title ("Just a moment...") must not become the catalogued page's."""
    refused = fetched(403, title="Just a moment...", body_text="")
    assert classify(refused, checked_at="").title is None
    assert classify(fetched(200, title="Lecture 5"), checked_at="").title == "Lecture 5"


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        ('"v2"', True),
        ('W/"0815"', True),
        ("Wed, 21 Oct 2026 07:28:00 GMT", True),
        ('"caf\u00e9"', False),  # decoded from Latin-1 or UTF-8: the client cannot send it
        ('"x"\r\nX-Evil: 1', False),
        ('\t"x"', False),
        ('"' + "x" * 300 + '"', False),  # sent back, it could make the request too large
        ("", False),
        (None, False),
    ],
)
def test_only_a_validator_that_can_be_sent_back_is_kept(value: str | None, kept: bool) -> None:
    """An ETag or Last-Modified that could not be sent as If-None-Match/If-Modified-Since
    is not stored (and so never sent): the next run asks plainly instead of failing."""
    headers = {"etag": value, "last-modified": value} if value is not None else {}
    obs = classify(fetched(200, headers=headers), checked_at="")
    assert (obs.etag, obs.last_modified) == ((value, value) if kept else (None, None))
    assert validator(value) == (value if kept else None)
