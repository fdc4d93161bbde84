"""Sign-in walls: a redirect chain that ends on a login page says nothing about the resource. Pure.

    login_wall(fetched)   blocked + login_wall when the chain from the catalogued URL ended
                          on a sign-in page (or LinkedIn answered its 999); else None
    sign_in_url(url)      the URL is a sign-in page, by its host or its path

Only the FINAL URL of a redirect chain counts: pages merely link to login pages (every
Medium page links to /m/signin, every GitHub page to /login?return_to=), and a catalogued
URL that is itself a login page is the page meant. A sign-in page is known by its URL:

    the identity providers' own hosts            accounts.google.com, login.microsoftonline.com, ...
    a path segment that names signing in         /i/flow/login (X), /authwall (LinkedIn),
                                                 /m/signin (Medium), /ServiceLogin, /login.php,
                                                 /accounts/login/, /u/login (Auth0), /users/sign_in
    an authentication segment with the way back  /sso?next=..., /oauth/authorize?redirect_uri=...

The wall is never a move (the catalog must not point at a login page) nor evidence of
death: `blocked`, which the judge never counts.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote, urlsplit

from linkaudit.model import Fetched, Flag, Judgement, Verdict

IDENTITY_HOSTS = frozenset(
    {
        "accounts.google.com",  # docs/drive/sites: 302 -> ServiceLogin -> v3/signin/identifier
        "login.microsoftonline.com",  # SharePoint, Office: login.srf?wa=wsignin1.0&wreply=...
        "login.live.com",
        "id.atlassian.com",  # login?continue=https://<site>.atlassian.net/...
    }
)
SIGN_IN_SEGMENT = re.compile(
    r"(service)?(log|sign)[-_]?(in|on)(\.[a-z]{2,5})?|sign[-_]?up|authwall",
    re.IGNORECASE,
)
AUTH_SEGMENT = re.compile(
    r"auth|authenticate|authorize|oauth2?|sso|saml2?|cas|openid|idp", re.IGNORECASE
)
# Where a sign-in page is told to send the reader back (compared in lower case).
RETURN_PARAMETERS = frozenset(
    {
        *("redirect", "redirect_uri", "redirect_url", "redirecturl", "redirect_to"),
        *("redirect_after_login", "sessionredirect", "next", "return", "return_to"),
        *("returnto", "returnurl", "return_url", "continue", "fromuri", "wreply", "goto"),
        *("dest", "destination", "came_from", "service"),
    }
)
# Hosts whose non-standard status means "sign in first": LinkedIn answers a client without
# its cookies 999 "Request denied", with a page whose only script sends a browser to
# /authwall?...&sessionRedirect=<the URL> (tests/replicas/linkedin_999.html).
SIGN_IN_STATUSES = {999: ("linkedin.com",)}


def login_wall(fetched: Fetched) -> Judgement | None:
    """The fetch of the catalogued URL ended on a sign-in wall: blocked, flag login_wall."""
    if fetched.status is None or fetched.failure is not None:
        return None
    host = (urlsplit(fetched.final_url or fetched.url).hostname or "").lower()
    if any(_in_domain(host, d) for d in SIGN_IN_STATUSES.get(fetched.status, ())):
        return _wall(f"sign-in wall: {host} answered {fetched.status} (it wants a session)")
    final = fetched.final_url
    if not final or final == fetched.url or len(fetched.hops) < 2:
        return None
    if sign_in_url(final) and not sign_in_url(fetched.url):
        return _wall(f"sign-in wall: redirected to {final}")
    return None


def sign_in_url(url: str) -> bool:
    """`url` is a sign-in page: an identity provider's host, or a path that says so."""
    parts = urlsplit(url)
    if (parts.hostname or "").lower() in IDENTITY_HOSTS:
        return True
    segments = [unquote(s) for s in parts.path.split("/") if s]
    if any(SIGN_IN_SEGMENT.fullmatch(s) for s in segments):
        return True
    if not any(AUTH_SEGMENT.fullmatch(s) for s in segments):
        return False
    return any(k.lower() in RETURN_PARAMETERS for k, _ in parse_qsl(parts.query, True))


def _wall(reason: str) -> Judgement:
    return Judgement(Verdict.BLOCKED, flags=(Flag.LOGIN_WALL,), reason=reason)


def _in_domain(host: str, domain: str) -> bool:
    return host == domain or host.endswith("." + domain)
