"""providers/login_walls.py: a redirect chain that ends on a sign-in page is `blocked` with
the flag `login_wall`, never `moved`: the catalog must never be pointed at a login page.

The rule is pure and tested on a table of URLs; the real chains (X/Twitter, LinkedIn,
Medium, Google; tests/replicas/SOURCES.md) run on the simulated web over two runs."""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner

from conftest import simweb_private
from linkaudit.audit import run_audit
from linkaudit.cli import main
from linkaudit.history import Store
from linkaudit.model import (
    CheckOptions,
    Fetched,
    Flag,
    Health,
    Hop,
    Kind,
    Resource,
    Verdict,
)
from linkaudit.providers.classify import classify
from linkaudit.providers.login_walls import login_wall, sign_in_url
from simweb import Reply, SimWeb, html

REPLICAS = Path(__file__).parent / "replicas"


def replica(name: str) -> str:
    return (REPLICAS / name).read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "url",
    [
        "https://x.com/i/flow/login?redirect_after_login=%2Fbae_theorem%2Ffollowing",
        "https://www.linkedin.com/authwall?trk=bf&trkInfo=AQ&original_referer=&sessionRedirect=x",
        "https://medium.com/m/signin?operation=login&redirect=https%3A%2F%2Fmedium.com%2Fp%2F1",
        "https://accounts.google.com/ServiceLogin?service=wise&continue=https://docs.google.com/",
        "https://accounts.google.com/v3/signin/identifier?continue=x&flowName=GlifWebSignIn",
        "https://login.microsoftonline.com/login.srf?wa=wsignin1.0&wreply=https://x.example/",
        "https://github.com/login?return_to=%2Forg%2Fprivate-repo",
        "https://www.facebook.com/login.php?next=https%3A%2F%2Fwww.facebook.com%2Fgroups%2F1",
        "https://www.instagram.com/accounts/login/?next=%2Fp%2Fabc%2F",
        "https://acme.okta.com/login/login.htm?fromURI=%2Fapp%2Fx",
        "https://login.acme.com/u/login?state=hKFo2SBx",
        "https://id.atlassian.com/login?continue=https%3A%2F%2Facme.atlassian.net%2Fwiki",
        "https://gitlab.example/users/sign_in",
        "https://sso.example.edu/cas?service=https%3A%2F%2Fcourses.example.edu%2Fml",
        "https://auth.example/oauth/authorize?client_id=1&redirect_uri=https%3A%2F%2Fx.example",
        "https://example.com/SignIn?ReturnUrl=%2Fcourse%2F42",
    ],
)
def test_sign_in_pages_are_known_by_their_url(url: str) -> None:
    assert sign_in_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://medium.com/m/global-identity-2?redirectUrl=https%3A%2F%2Fblog.example%2Fp",
        "https://example.com/blog/how-to-design-a-login-page",
        "https://pytorch.org/docs/stable/checkpoint.html",
        "https://example.com/docs/checkpoint",
        "https://example.com/authors/jane",
        "https://example.com/auth",  # an auth page with no way back named: no evidence
        "https://www.linkedin.com/in/jane-doe",
        "https://x.com/bae_theorem/following",
        "https://example.com/course/42?next=2",  # a `next` parameter alone says nothing
    ],
)
def test_pages_that_merely_look_like_sign_in_pages_are_not(url: str) -> None:
    assert not sign_in_url(url)


def fetched(url: str, *chain: tuple[str, int], status: int = 200, body: str = "") -> Fetched:
    hops = tuple(Hop(u, s) for u, s in chain) or (Hop(url, status),)
    return Fetched(url, hops, status, hops[-1].url, body_text=body)


def test_only_the_final_url_of_a_redirect_chain_counts() -> None:
    """A page that links to a login page is alive; a catalogued login page is the page meant;
    a chain that ends there is a wall, and a chain through a login page to the resource is not."""
    login = "https://github.com/login?return_to=%2Fa%2Fb"
    linking = fetched("https://github.com/a/b", body=f'<a href="{login}">Sign in</a>')
    assert login_wall(linking) is None
    assert login_wall(fetched(login)) is None
    assert (
        login_wall(
            fetched(
                "http://github.com/login",
                ("http://github.com/login", 301),
                ("https://github.com/login", 200),
            )
        )
        is None
    )
    walled = fetched("https://github.com/a/b", ("https://github.com/a/b", 302), (login, 200))
    wall = login_wall(walled)
    assert wall is not None and wall.verdict is Verdict.BLOCKED
    assert wall.flags == (Flag.LOGIN_WALL,)
    through = fetched(
        "https://github.com/a/b",
        ("https://github.com/a/b", 302),
        (login, 302),
        ("https://github.com/a/b?ok=1", 200),
    )
    assert login_wall(through) is None


@pytest.mark.parametrize(
    ("final", "status", "body", "walled"),
    [
        # a page ABOUT signing in that a link moved to is a move: no way back, no form
        ("https://auth0.com/docs/authenticate/login", 200, "<p>How login works</p>", False),
        ("https://flask.example/tutorial/signup", 200, "<p>Chapter 3</p>", False),
        ("https://support.example/help/signin", 200, "<p>Trouble signing in?</p>", False),
        ("https://a.example/sso", 200, "", False),
        # a login page that says it is gone is no wall: the chain ended on a 404
        ("https://old.example/login?next=%2Fcourse", 404, "", False),
        # the page itself is the sign-in form, or the way back is named
        ("https://a.example/login", 200, '<input name="pw" type="password">', True),
        ("https://www.udemy.com/join/login-popup/?next=/course/x/", 200, "", True),
        ("https://wiki.example/index.php?title=Special:UserLogin&returnto=Page", 200, "", True),
        ("https://www.coursera.org/learn/x?authMode=login", 200, "<input type=password>", True),
        ("https://github.com/login?return_to=%2Forg%2Fprivate", 401, "", True),
    ],
)
def test_a_chain_ends_on_a_wall_only_when_the_page_or_its_url_says_so(
    final: str, status: int, body: str, walled: bool
) -> None:
    """A URL named for signing in is a wall with the way back in it, or with a password
    field on the page; a document about signing in (a move) and a 404 (gone) are not."""
    start = "https://site.example/course/42"
    page = fetched(start, (start, 301), (final, status), status=status, body=body)
    assert (login_wall(page) is not None) is walled


def test_a_permanent_redirect_to_a_login_page_is_blocked_not_moved() -> None:
    url = "https://twitter.com/bae_theorem/following"
    final = "https://x.com/i/flow/login?redirect_after_login=%2Fbae_theorem%2Ffollowing"
    chain = ((url, 301), ("https://x.com/bae_theorem/following", 302), (final, 200))
    observation = classify(fetched(url, *chain), checked_at="2026-11-22T06:00:00Z")
    assert observation.verdict is Verdict.BLOCKED
    assert observation.flags == (Flag.LOGIN_WALL,)
    assert observation.error == f"sign-in wall: redirected to {final}"


def test_linkedins_999_is_a_sign_in_wall_and_another_hosts_999_is_blocked() -> None:
    linkedin = classify(fetched("https://www.linkedin.com/in/jane-doe", status=999), checked_at="t")
    assert (linkedin.verdict, linkedin.flags) == (Verdict.BLOCKED, (Flag.LOGIN_WALL,))
    other = classify(fetched("https://other.example/x", status=999), checked_at="t")
    assert (other.verdict, other.flags, other.error) == (Verdict.BLOCKED, (), "HTTP 999")


# --- the real chains, on the simulated web, over two runs --------------------------------

NAMES = {
    "twitter.com": 0,
    "x.com": 1,
    "www.linkedin.com": 2,
    "medium.com": 3,
    "docs.google.com": 0,
    "accounts.google.com": 1,
    "blog.example": 2,
}


def chain(web: SimWeb, stops: list[tuple[str, str]], statuses: list[int], body: str) -> str:
    """Each (host, path) of `stops` redirects with its status to the next, the last one
    answers 200 with `body`; returns the first one's URL."""
    for (host, path), status, after in zip(stops, statuses, stops[1:], strict=False):
        web.on(host, path, Reply(status, location=web.url(*after)))
    web.on(*stops[-1], Reply(200, body=body))
    return web.url(*stops[0])


def program_walls(web: SimWeb) -> dict[str, str]:
    """The replicated chains (tests/replicas/SOURCES.md); returns {what: catalogued URL}."""
    x_path = "/bae_theorem/following"
    login = f"/i/flow/login?redirect_after_login={quote(x_path, safe='')}"
    x_chain = [("twitter.com", x_path), ("x.com", x_path), ("x.com", login)]
    profile = web.url("www.linkedin.com", "/in/jane-doe")
    authwall = (
        f"/authwall?trk=bf&trkInfo=AQ1x&original_referer=&sessionRedirect={quote(profile, safe='')}"
    )
    story_path = "/@someone/a-member-only-story-1a2b3c"
    signin = (
        f"/m/signin?operation=login&redirect={quote(web.url('medium.com', story_path), safe='')}"
    )
    back = quote(web.url("docs.google.com", "/document/d/1AbC/edit"), safe="")
    service = f"/ServiceLogin?service=wise&passive=1209600&continue={back}&followup={back}"
    identifier = (
        f"/v3/signin/identifier?continue={back}&flowName=GlifWebSignIn&flowEntry=ServiceLogin"
    )
    google = [
        ("docs.google.com", "/document/d/1AbC/edit"),
        ("accounts.google.com", service),
        ("accounts.google.com", identifier),
    ]
    # Medium's cookie hop between medium.com and a custom domain leads back to the story:
    # an ordinary temporary redirect, no wall.
    hop = f"/m/global-identity-2?redirectUrl={quote(web.url('blog.example', '/a-story'), safe='')}"
    shared = [("medium.com", "/p/1a2b3c"), ("medium.com", hop), ("blog.example", "/a-story")]
    web.on("www.linkedin.com", "/in/john-roe", Reply(999, body=replica("linkedin_999.html")))
    return {
        "x": chain(web, x_chain, [301, 302], replica("x_login.html")),
        "linkedin 999": web.url("www.linkedin.com", "/in/john-roe"),
        "linkedin authwall": chain(
            web,
            [("www.linkedin.com", "/in/jane-doe"), ("www.linkedin.com", authwall)],
            [302],
            replica("linkedin_authwall.html"),
        ),
        "medium": chain(
            web,
            [("medium.com", story_path), ("medium.com", signin)],
            [302],
            replica("medium_signin.html"),
        ),
        "google": chain(web, google, [302, 302], replica("google_signin.html")),
        "medium hop": chain(web, shared, [302, 302], html("A story")),
    }


def test_replicated_login_walls_are_blocked_over_two_runs_and_never_moves(
    simweb: SimWeb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    urls = program_walls(simweb)
    catalog = tmp_path / "walls.yaml"
    catalog.write_text(
        "".join(f"- url: '{url}'\n  title: {what}\n" for what, url in urls.items()),
        encoding="utf-8",
    )
    resources = [
        Resource(what, "Walls", Kind.WEB, url, source=str(catalog), line=1 + 2 * i)
        for i, (what, url) in enumerate(urls.items())
    ]
    db = tmp_path / "h.db"
    options = CheckOptions(retries=0, archive=False)
    for _ in range(2):
        with Store.open(db) as store:
            result = asyncio.run(
                run_audit(
                    resources,
                    options,
                    store=store,
                    resolver=simweb.resolver(NAMES),
                    private=simweb_private,
                )
            )
        by_url = {f.resource.url: f for f in result.findings}
        for what, url in urls.items():
            finding, observation = by_url[url], result.observations[url]
            if what == "medium hop":
                assert observation.verdict is Verdict.REDIRECTED
                continue
            assert observation.verdict is Verdict.BLOCKED, what
            assert Flag.LOGIN_WALL in finding.flags, what
            assert finding.health is Health.BLOCKED and finding.suggested_url is None, what
    monkeypatch.chdir(tmp_path)
    report = CliRunner().invoke(main, ["report", "--db", str(db), "--report", "-", str(catalog)])
    assert report.exit_code == 0, report.output
    assert "## Moved" not in report.output and "## Blocked (5)" in report.output
    assert "flow/login" not in report.output.split("## Blocked")[0]
    moved = CliRunner().invoke(
        main, ["catalog", "set-url", "--moved", "--db", str(db), str(catalog)]
    )
    assert moved.exit_code == 0, moved.output
    assert moved.output == f"nothing moved in the latest run of {db}\n"
