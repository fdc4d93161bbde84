"""Sign-in walls: a redirect chain that ends on a login page says nothing about the resource. Pure.

    login_wall(fetched)   blocked + login_wall when the chain from the catalogued URL ended
                          on a sign-in page (or LinkedIn answered its 999); else None
    sign_in_url(url)      the URL names a sign-in page, by its host or its path
    sign_in_page(fetched) the page itself is one: a password field, or a title that asks
                          to log in (for an archived capture, which keeps the old URL)

Only the FINAL URL of a redirect chain counts: pages merely link to login pages (every
Medium page links to /m/signin, every GitHub page to /login?return_to=), and a catalogued
URL that is itself a login page is the page meant. A sign-in page is known by its URL,
told by the page or by the way back it offers when the URL alone could be a page about
signing in (/docs/authenticate/login, /tutorial/signup, /help/signin are documents):

    the identity providers' own hosts            accounts.google.com, login.microsoftonline.com, ...
    a path segment (or a query value) that names signing in, with the way back or a
    password field                               /i/flow/login?redirect_after_login= (X),
                                                 /authwall?sessionRedirect= (LinkedIn),
                                                 /m/signin?redirect= (Medium), /login?next=,
                                                 index.php?title=Special:UserLogin&returnto=
    a segment that only contains a sign-in word, or an authentication segment, with the
    way back                                     /join/login-popup/?next=..., /sso?next=...,
                                                 /oauth/authorize?redirect_uri=...

A chain that ends on a page that is not there (a 404 at /login) is not a wall: the page
said it is gone.

The wall is never a move (the catalog must not point at a login page) nor evidence of
death: `blocked`, which the judge never counts.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote

from linkaudit.model import Fetched, Flag, Judgement, Verdict
from linkaudit.text import host_of, split_url

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
SIGN_IN_WORD = re.compile(r"(log|sign)[-_]?(in|on)|sign[-_]?up|authwall", re.IGNORECASE)
# A title that asks the reader to sign in: "Log in to X / X", "Sign in - Google Accounts",
# "Sign Up | LinkedIn" (the first part, before the site's name).
SIGN_IN_TITLE = re.compile(r"\W*(log\s?in|sign\s?in|sign\s?up|sign\s?on)\b.{0,40}", re.IGNORECASE)
PASSWORD_FIELD = re.compile(r"<input\b[^>]*\btype\s*=\s*[\"']?password\b", re.IGNORECASE)
WALL_STATUSES = frozenset({401, 403})  # besides 2xx: a sign-in page that refuses outright
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
    host = host_of(fetched.final_url or fetched.url)
    if any(_in_domain(host, d) for d in SIGN_IN_STATUSES.get(fetched.status, ())):
        return _wall(f"sign-in wall: {host} answered {fetched.status} (it wants a session)")
    final = fetched.final_url
    if not final or final == fetched.url or len(fetched.hops) < 2:
        return None
    if not (200 <= fetched.status < 300 or fetched.status in WALL_STATUSES):
        return None
    if _walled(final, fetched) and not sign_in_url(fetched.url):
        return _wall(f"sign-in wall: redirected to {final}")
    return None


def sign_in_url(url: str) -> bool:
    """`url` names a sign-in page: an identity provider's host, a segment or query value
    that says so (see the module docstring), or an authentication segment with the way
    back. A named one may still be a document about signing in: `login_wall` asks more."""
    host, named, hinted, way_back = _signs(url)
    return host or named or (hinted and way_back)


def sign_in_page(fetched: Fetched) -> bool:
    """The page asks to sign in: a password field, or a title that is the request."""
    title = fetched.title or ""
    return bool(PASSWORD_FIELD.search(fetched.body_text) or SIGN_IN_TITLE.fullmatch(title))


def _walled(final: str, fetched: Fetched) -> bool:
    host, named, hinted, way_back = _signs(final)
    return host or ((named or hinted) and way_back) or (named and sign_in_page(fetched))


def _signs(url: str) -> tuple[bool, bool, bool, bool]:
    """(an identity provider's host, a segment or query value named for signing in, one
    that contains such a word or names authentication, a way back in the query)."""
    parts = split_url(url)
    query = parse_qsl(parts.query, True)
    values = [unquote(s) for s in parts.path.split("/") if s] + [v for _, v in query]
    named = any(SIGN_IN_SEGMENT.fullmatch(v.rpartition(":")[2]) for v in values)
    hinted = any(SIGN_IN_WORD.search(v) or AUTH_SEGMENT.fullmatch(v) for v in values)
    way_back = any(k.lower() in RETURN_PARAMETERS for k, _ in query)
    return (parts.hostname or "").lower() in IDENTITY_HOSTS, named, hinted, way_back


def _wall(reason: str) -> Judgement:
    return Judgement(Verdict.BLOCKED, flags=(Flag.LOGIN_WALL,), reason=reason)


def _in_domain(host: str, domain: str) -> bool:
    return host == domain or host.endswith("." + domain)
