"""fetch/transport.py: proxies and trust from the environment, routing, HTTPS end to end."""

from __future__ import annotations

import shutil
import ssl
import subprocess

import certifi
import httpx
import pytest

from linkaudit.fetch.transport import Router, proxy_mounts, ssl_context
from linkaudit.model import FailureKind
from simweb import SimWeb, page
from test_fetch_fetcher import fetch


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
