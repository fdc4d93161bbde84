"""fetch.py and its parts (retry.py, html.py, net.py): the client's edge cases.

Pure parts get tables; the Fetcher itself talks to the simulated web (tests/simweb.py)
or, for edge cases of the protocol, to a respx mock transport.
"""

from __future__ import annotations

import asyncio
import gzip
import shutil
import ssl
import subprocess
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import certifi
import httpx
import pytest
import respx

from conftest import simweb_private
from linkaudit import USER_AGENT
from linkaudit.fetch import Fetcher
from linkaudit.html import BodyReader, decode, extract_title, meta_refresh
from linkaudit.model import CheckOptions, FailureKind, Fetched
from linkaudit.net import is_private, parse_resolve
from linkaudit.retry import Outcome, retry_after, retry_delay
from linkaudit.transport import Router, proxy_mounts, ssl_context
from simweb import Reply, SimWeb, html, page

NOW = 1_800_000_000.0


# --- the retry policy (pure) ---

POLICY = [
    ("503 retried with backoff", Outcome(status=503), 1, 0.5),
    ("backoff doubles", Outcome(status=502), 3, 2.0),
    ("429 without Retry-After", Outcome(status=429), 1, 0.5),
    ("Retry-After seconds win", Outcome(status=429, headers={"retry-after": "7"}), 1, 7.0),
    ("Retry-After on a 503", Outcome(status=503, headers={"retry-after": "2"}), 1, 2.0),
    ("Retry-After beyond the cap", Outcome(status=429, headers={"retry-after": "61"}), 1, None),
    ("retries used up", Outcome(status=503), 4, None),
    ("404 is final", Outcome(status=404), 1, None),
    ("200 is final", Outcome(status=200), 1, None),
    ("connect error retried", Outcome(failure=FailureKind.CONNECT), 1, 0.5),
    ("timeout retried", Outcome(failure=FailureKind.TIMEOUT), 2, 1.0),
    ("reset retried", Outcome(failure=FailureKind.RESET), 1, 0.5),
    ("unknown name is final", Outcome(failure=FailureKind.DNS), 1, None),
    ("TLS failure is final", Outcome(failure=FailureKind.TLS), 1, None),
    ("private refusal is final", Outcome(failure=FailureKind.PRIVATE_ADDRESS), 1, None),
]


@pytest.mark.parametrize(
    ("case", "outcome", "attempt", "delay"), POLICY, ids=[p[0] for p in POLICY]
)
def test_retry_policy(case: str, outcome: Outcome, attempt: int, delay: float | None) -> None:
    got = retry_delay(outcome, attempt, retries=3, cap=60, remaining=100, now=NOW)
    assert got == delay, case


def test_retry_policy_adds_jitter_and_respects_the_deadline() -> None:
    assert (
        retry_delay(Outcome(status=503), 1, retries=3, cap=60, remaining=100, now=NOW, jitter=0.5)
        == 0.75
    )
    assert retry_delay(Outcome(status=503), 1, retries=3, cap=60, remaining=0.2, now=NOW) is None
    waits_too_long = Outcome(status=429, headers={"retry-after": "30"})
    assert retry_delay(waits_too_long, 1, retries=3, cap=60, remaining=10, now=NOW) is None


def test_retry_after_reads_seconds_and_http_dates() -> None:
    assert retry_after("120", now=NOW) == 120
    when = datetime.fromtimestamp(NOW, UTC) + timedelta(seconds=90)
    assert retry_after(format_datetime(when, usegmt=True), now=NOW) == pytest.approx(90)
    past = datetime.fromtimestamp(NOW, UTC) - timedelta(days=1)
    assert retry_after(format_datetime(past, usegmt=True), now=NOW) == 0
    assert retry_after("soon", now=NOW) is None
    assert retry_after(None, now=NOW) is None


# --- titles, charsets, meta refresh (pure) ---

TITLES = [
    ("plain", b"<title>Hello</title>", None, "Hello"),
    ("white space collapsed", b"<title>\n  Deep \t Learning\n</title>", None, "Deep Learning"),
    (
        "entities",
        b"<title>Tom &amp; Jerry &#8211; &quot;Q&quot;</title>",
        None,
        'Tom & Jerry \u2013 "Q"',
    ),
    ("og:title fallback", b'<meta property="og:title" content="OG &amp; co">', None, "OG & co"),
    (
        "empty title falls back",
        b'<title> </title><meta property="og:title" content="OG">',
        None,
        "OG",
    ),
    ("none", b"<p>no title here</p>", None, None),
    (
        "header charset",
        "<title>Café</title>".encode("latin-1"),
        "text/html; charset=ISO-8859-1",
        "Café",
    ),
    (
        "meta charset",
        '<meta charset="iso-8859-1"><title>Crème</title>'.encode("latin-1"),
        "text/html",
        "Crème",
    ),
    ("undeclared UTF-8", "<title>Straße</title>".encode(), "text/html", "Straße"),
    ("undeclared windows-1252", "<title>na\xefve</title>".encode("cp1252"), None, "naïve"),
    ("cut mid-title", b"<html><head><title>Partial ti", None, "Partial ti"),
    ("not HTML", b"<title>x</title>", "application/pdf", None),
]


@pytest.mark.parametrize(("case", "body", "ctype", "title"), TITLES, ids=[t[0] for t in TITLES])
def test_extract_title(case: str, body: bytes, ctype: str | None, title: str | None) -> None:
    assert extract_title(body, ctype) == title, case


def test_decode_survives_a_character_cut_in_half() -> None:
    body = "<title>Zoë</title> ë".encode()[:-1]
    assert decode(body, None).startswith("<title>Zoë</title>")


@pytest.mark.parametrize(
    ("content", "target"),
    [
        ("0; url=https://new.example/", "https://new.example/"),
        ("0;URL='/relative'", "/relative"),
        ("3; url=/later", "/later"),
        ("600; url=/reload", None),  # a page that reloads itself, not a redirect
        ("5", None),
    ],
)
def test_meta_refresh(content: str, target: str | None) -> None:
    text = f'<head><meta http-equiv="Refresh" content="{content}"></head>'
    assert meta_refresh(text) == target


# --- bounded body reads (pure) ---


def test_gzip_bomb_decodes_to_at_most_the_limit() -> None:
    bomb = gzip.compress(bytes(50_000_000))
    reader = BodyReader("gzip", 256 * 1024, stop_at_title=True)
    done = False
    for i in range(0, len(bomb), 65536):
        done = reader.feed(bomb[i : i + 65536])
        if done:
            break
    assert done
    assert len(reader.body()) == 256 * 1024


def test_html_read_stops_soon_after_the_title() -> None:
    reader = BodyReader("", 256 * 1024, stop_at_title=True)
    assert not reader.feed(b"<html><head><title>T</title></head>")
    assert reader.feed(b"x" * 20_000)  # title known and 16 KiB read
    assert reader.size < 64 * 1024


def test_unknown_content_encoding_reads_nothing() -> None:
    reader = BodyReader("br", 1024, stop_at_title=False)
    assert reader.feed(b"\x1b\x00garbage")
    assert reader.body() == b""


# --- the connection layer (pure parts) ---


def test_private_addresses() -> None:
    for address in [
        "127.0.0.1",
        "10.1.2.3",
        "192.168.0.1",
        "169.254.169.254",
        "::1",
        "fe80::1",
        "224.0.0.1",
        "0.0.0.0",
        "::ffff:127.0.0.1",
    ]:
        assert is_private(address), address
    for address in ["93.184.216.34", "2606:4700::1111"]:
        assert not is_private(address), address


def test_parse_resolve_is_curls_syntax() -> None:
    assert parse_resolve("Example.org:443:10.0.0.1") == ("example.org", 443, "10.0.0.1")
    assert parse_resolve("example.org:80:[::1]") == ("example.org", 80, "::1")
    for bad in ["example.org:443", "example.org:x:1.2.3.4", "example.org:443:not-an-ip"]:
        with pytest.raises(ValueError, match="resolve"):
            parse_resolve(bad)


def test_proxy_mounts_from_the_environment() -> None:
    env = {
        "HTTPS_PROXY": "proxy.corp:3128",
        "http_proxy": "http://p:8080",
        "NO_PROXY": "internal.corp,.svc,10.0.0.1,localhost",
    }
    assert proxy_mounts(env) == {
        "https://": "http://proxy.corp:3128",
        "http://": "http://p:8080",
        "all://*internal.corp": None,
        "all://*.svc": None,
        "all://10.0.0.1": None,
        "all://localhost": None,
    }
    assert proxy_mounts({"ALL_PROXY": "http://p:1", "NO_PROXY": "*"}) == {}
    assert proxy_mounts({}) == {}


def test_trust_comes_from_ssl_cert_file_or_dir(tmp_path) -> None:
    assert ssl_context({}).cert_store_stats()["x509_ca"] > 0  # certifi
    assert ssl_context({"SSL_CERT_FILE": certifi.where()}).cert_store_stats()["x509_ca"] > 0
    with pytest.raises((FileNotFoundError, ssl.SSLError)):
        ssl_context({"SSL_CERT_FILE": str(tmp_path / "missing.pem")})
    empty = ssl_context({"SSL_CERT_DIR": str(tmp_path)})  # capath: looked up lazily
    assert empty.cert_store_stats()["x509_ca"] == 0


# --- the Fetcher against the simulated web ---


def fetch(
    web: SimWeb,
    url: str,
    *,
    env: dict[str, str] | None = None,
    names: dict[str, int | str] | None = None,
    **kw: object,
) -> Fetched:
    options = CheckOptions(timeout=1.0, deadline=3.0)

    async def go() -> Fetched:
        async def no_wait(_: float) -> None:
            return None

        fetcher = Fetcher(
            options,
            resolver=web.resolver(names or {"site.test": 1}),
            sleep=no_wait,
            env=env or {},
            private=simweb_private,
        )
        async with fetcher:
            return await fetcher.fetch(url, **kw)  # type: ignore[arg-type]

    return asyncio.run(go())


def test_conditional_headers_are_sent_and_304_is_answered(simweb: SimWeb) -> None:
    url = simweb.on(0, "/c", Reply(304, headers={"ETag": '"v1"'}))
    got = fetch(simweb, url, headers={"If-None-Match": '"v1"'})
    assert got.status == 304
    seen = simweb.requests[-1].headers
    assert seen["if-none-match"] == '"v1"'
    assert seen["user-agent"] == USER_AGENT
    assert "gzip" in seen["accept-encoding"]


def test_gzip_encoded_page_is_decoded(simweb: SimWeb) -> None:
    body = gzip.compress(html("Compressed").encode())
    url = simweb.on(0, "/gz", Reply(body=body, headers={"Content-Encoding": "gzip"}))
    assert fetch(simweb, url).title == "Compressed"


def test_json_body_is_read_whole_for_providers(simweb: SimWeb) -> None:
    url = simweb.on(
        0, "/api", Reply(body='{"title": "x"}' + " " * 40_000, content_type="application/json")
    )
    got = fetch(simweb, url)
    assert got.body_text.startswith('{"title": "x"}') and len(got.body_text) > 40_000
    assert got.title is None


def test_max_body_bytes_overrides_the_limit(simweb: SimWeb) -> None:
    url = simweb.on(0, "/big", Reply(size=2_000_000))
    whole = fetch(simweb, url, max_body_bytes=1_000_000, stop_at_title=False)
    assert len(whole.body_text) == 1_000_000
    assert len(fetch(simweb, url).body_text) < 300_000


def test_proxy_from_the_environment_is_used(simweb: SimWeb) -> None:
    """HTTP_PROXY sends the request to the proxy (host 3) in absolute form; NO_PROXY skips it."""
    target = f"http://site.test:{simweb.port}/via"
    simweb.on(3, target, page("Through the proxy"))
    simweb.on("site.test", "/via", page("Direct"))
    proxy = {"HTTP_PROXY": simweb.url(3, "")}
    assert fetch(simweb, target, env=proxy).title == "Through the proxy"
    assert fetch(simweb, target, env={**proxy, "NO_PROXY": "site.test"}).title == "Direct"


def test_slow_down_pauses_a_host(simweb: SimWeb) -> None:
    url = simweb.on(0, "/p", page("P"))
    waits: list[float] = []

    async def go() -> None:
        async def record(seconds: float) -> None:
            waits.append(seconds)

        async with Fetcher(
            CheckOptions(), resolver=simweb.resolver(), sleep=record, private=simweb_private
        ) as f:
            f.slow_down(simweb.hosts[0], 30)
            await f.fetch(url)

    asyncio.run(go())
    assert len(waits) == 1 and 29 < waits[0] <= 30


# --- protocol edge cases through a mock transport ---


def mocked(router: respx.MockRouter, url: str, **options: object) -> Fetched:
    async def go() -> Fetched:
        async def no_wait(_: float) -> None:
            return None

        transport = httpx.MockTransport(router.handler)
        async with Fetcher(CheckOptions(**options), sleep=no_wait, transport=transport) as f:  # type: ignore[arg-type]
            return await f.fetch(url)

    return asyncio.run(go())


def test_retry_after_as_http_date_is_honoured() -> None:
    router = respx.MockRouter(assert_all_called=False)
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=5), usegmt=True)
    router.get("https://example.org/").side_effect = [
        httpx.Response(429, headers={"Retry-After": when}),
        httpx.Response(200, html=html("After")),
    ]
    got = mocked(router, "https://example.org/")
    assert (got.status, got.title, got.attempts) == (200, "After", 2)


def test_invalid_location_is_an_error_not_a_crash() -> None:
    router = respx.MockRouter(assert_all_called=False)
    router.get("https://example.org/").respond(
        301, headers={"Location": "mailto:someone@example.org"}
    )
    got = mocked(router, "https://example.org/")
    assert got.failure is FailureKind.INVALID_URL


def test_not_http_is_invalid_url() -> None:
    router = respx.MockRouter(assert_all_called=False)
    assert mocked(router, "ftp://example.org/file").failure is FailureKind.INVALID_URL


def test_elapsed_is_measured() -> None:
    router = respx.MockRouter(assert_all_called=False)
    router.get("https://example.org/").respond(200, html=html("T"))
    started = time.monotonic()
    got = mocked(router, "https://example.org/")
    assert 0 <= got.elapsed_ms <= (time.monotonic() - started) * 1000 + 1


# --- HTTPS: trust from SSL_CERT_FILE, SNI and Host keep the name ---


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A self-signed certificate for secure.test (made with the openssl command)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl command not available")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = str(folder / "cert.pem"), str(folder / "key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-keyout", key, "-out", cert, "-subj", "/CN=secure.test",
         "-addext", "subjectAltName=DNS:secure.test"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def test_https_trusts_ssl_cert_file_and_keeps_the_name(certificate: tuple[str, str]) -> None:
    cert, key = certificate
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert, key)
    with SimWeb(hosts=1, tls=server) as web:
        web.on("secure.test", "/", page("Secure page"))
        url = f"https://secure.test:{web.port}/"
        trusted = fetch(web, url, env={"SSL_CERT_FILE": cert}, names={"secure.test": 0})
        assert (trusted.status, trusted.title) == (200, "Secure page")
        assert web.requests[-1].host == "secure.test"  # Host header (and SNI) keep the name
        untrusted = fetch(web, url, names={"secure.test": 0})
        assert untrusted.failure is FailureKind.TLS
        assert "certificate" in (untrusted.error or "").lower()


def test_router_picks_the_proxy_as_httpx_mounts_do() -> None:
    direct, web_proxy, tls_proxy = (
        httpx.MockTransport(lambda r: httpx.Response(200)) for _ in "abc"
    )
    mounts = [
        ("http://", web_proxy),
        ("https://", tls_proxy),
        ("all://*internal.corp", None),
        ("all://*.svc", None),
    ]
    router = Router(direct, mounts)
    assert router.for_url(httpx.URL("http://example.org/")) is web_proxy
    assert router.for_url(httpx.URL("https://example.org/")) is tls_proxy
    assert router.for_url(httpx.URL("https://internal.corp/x")) is direct
    assert router.for_url(httpx.URL("https://wiki.internal.corp/x")) is direct
    assert router.for_url(httpx.URL("https://notinternal.corp/x")) is tls_proxy
    assert router.for_url(httpx.URL("http://db.svc/")) is direct
    assert router.for_url(httpx.URL("http://svc/")) is web_proxy
    assert Router(direct).for_url(httpx.URL("https://example.org/")) is direct
