"""Single-fetch soft-404 rules: each lie is caught, and each live look-alike stays alive.

The tables of live pages lock in the false deaths an adversarial review found: a page
about HTTP 404, a title that merely contains "does not exist", redirects to URLs that
contain "404" or "error" by accident, index pages redirected to the root, and pages
that talk about domains or sales without being parked.
"""

from __future__ import annotations

import pytest

from linkaudit.model import Fetched, Flag, Verdict
from linkaudit.providers import soft404
from linkaudit.providers.soft404_rules import error_url, root_like, says_not_found
from linkaudit.titles import shares_most
from replica import fetched as page

MDN_URL = "https://developer.mozilla.org/en-US/docs/Web/HTTP/Status/404"
MDN_BODY = (
    "<title>404 Not Found - HTTP | MDN</title><nav>References Guides</nav><main>"
    "<h1>404 Not Found</h1><p>The HTTP 404 Not Found client error response status code"
    " indicates that the server cannot find the requested resource.</p></main>"
)
LONG_ARTICLE = "<p>" + "We compare registrars, transfer fees and escrow services. " * 60 + "</p>"

LYING = [
    ("sedo", page("parked_sedo.html"), None, Verdict.SOFT_DEAD, Flag.PARKED_DOMAIN),
    ("godaddy", page("parked_godaddy.html"), None, Verdict.SOFT_DEAD, Flag.PARKED_DOMAIN),
    ("dan-for-sale", page("parked_dan.html"), None, Verdict.SOFT_DEAD, Flag.PARKED_DOMAIN),
    (
        "sent-to-marketplace",
        page("<html><title>x</title></html>", final_url="https://www.hugedomains.com/d/x"),
        None,
        Verdict.SOFT_DEAD,
        Flag.PARKED_DOMAIN,
    ),
    (
        "host-for-sale-title",
        page("<title>course.example is for sale</title><p>Contact the owner.</p>"),
        None,
        Verdict.SOFT_DEAD,
        Flag.PARKED_DOMAIN,
    ),
    (
        "buy-this-domain-only",
        page("<title>course.example</title><p>Buy this domain.</p>"),
        None,
        Verdict.SOFT_DEAD,
        Flag.PARKED_DOMAIN,
    ),
    (
        "200-page-not-found",
        page("soft404_page_not_found.html"),
        "Lecture 5: backpropagation",
        Verdict.SOFT_DEAD,
        Flag.SOFT_404,
    ),
    (
        "heading-under-a-site-title",
        page("<title>Open Course Hub</title><h1>This course does not exist anymore</h1>"),
        "Lecture 5: backpropagation",
        Verdict.SOFT_DEAD,
        Flag.SOFT_404,
    ),
    (
        "typographic-apostrophe",
        page("<title>Oops! That page can\u2019t be found.</title>"),
        None,
        Verdict.SOFT_DEAD,
        Flag.SOFT_404,
    ),
    (
        "title-error-404",
        page("<title>Error 404</title><p>x</p>"),
        None,
        Verdict.SOFT_DEAD,
        Flag.SOFT_404,
    ),
    (
        "title-404-with-site-name",
        page("<title>404 Not Found | Acme Learning</title>"),
        "Linear algebra, lecture 5",
        Verdict.SOFT_DEAD,
        Flag.SOFT_404,
    ),
    (
        "deep-link-bounced-home",
        page("<title>Home</title>", final_url="https://course.example/"),
        "Syllabus",
        Verdict.SOFT_DEAD,
        Flag.BOUNCED_HOME,
    ),
    (
        "deep-link-bounced-to-www-home",
        page("<title>Home</title>", final_url="https://www.course.example/"),
        "Syllabus",
        Verdict.SOFT_DEAD,
        Flag.BOUNCED_HOME,
    ),
    (
        "deep-link-bounced-to-language-home",
        page("<title>Welcome</title>", final_url="https://course.example/en/"),
        "Syllabus",
        Verdict.SOFT_DEAD,
        Flag.BOUNCED_HOME,
    ),
    *[
        (
            f"redirected-to-{target}",
            page("<title>Oops</title>", final_url=f"https://course.example{target}"),
            None,
            Verdict.SOFT_DEAD,
            Flag.SOFT_404,
        )
        for target in (
            "/errors/404.html",
            "/404",
            "/404/",
            "/not-found",
            "/pages/page-not-found",
            "/error404.php",
            "/error?code=404",
        )
    ],
    (
        "cloudflare-header",
        page("cloudflare_challenge.html", status=403, headers={"CF-Mitigated": "challenge"}),
        None,
        Verdict.BLOCKED,
        Flag.BOT_CHALLENGE,
    ),
    (
        "cloudflare-503-markers",
        page("cloudflare_challenge.html", status=503),
        None,
        Verdict.BLOCKED,
        Flag.BOT_CHALLENGE,
    ),
    (
        "google-captcha-429",
        page("google_sorry.html", status=429),
        None,
        Verdict.BLOCKED,
        Flag.BOT_CHALLENGE,
    ),
]


@pytest.mark.parametrize(
    ("case", "fetched", "expected", "verdict", "flag"), LYING, ids=[c[0] for c in LYING]
)
def test_lying_pages_are_caught_with_a_reason(case, fetched, expected, verdict, flag):
    signal = soft404.classify(fetched.url, fetched, expected)
    assert signal is not None, case
    assert (signal.verdict, signal.flags) == (verdict, (flag,))
    assert signal.reason


def redirect(url: str, final: str, title: str = "A live page") -> Fetched:
    return page(f"<title>{title}</title><p>Content.</p>", url=url, final_url=final)


LIVE = [
    ("mdn-404-doc", page(MDN_BODY, url=MDN_URL), None),
    ("mdn-404-doc-catalogued", page(MDN_BODY, url=MDN_URL), "404 Not Found - MDN"),
    (
        "optimizer-title",
        page(
            "<title>The best optimizer does not exist</title>"
            "<h1>The best optimizer does not exist</h1>"
        ),
        "The best optimizer does not exist",
    ),
    (
        "optimizer-title-uncatalogued",
        page("<title>The best optimizer does not exist | ML blog</title>"),
        None,
    ),
    (
        "404-essay",
        page("<title>404: the unreasonable effectiveness of error pages</title>"),
        None,
    ),
    (
        "not-found-book",
        page("<title>Not Found: a history of lost things (book review)</title>"),
        None,
    ),
    ("body-mentions-404", page("live_mentions_404.html"), None),
    ("real-404-is-classify-business", page("<title>Not Found</title>", status=404), None),
    ("root-url-itself", page("<title>Deep learning</title>", url="https://course.example/"), None),
    (
        "root-to-root-upgrade",
        redirect("http://course.example/", "https://course.example/"),
        None,
    ),
    *[
        (
            f"root-like-{path}",
            redirect(f"https://course.example{path}", "https://course.example/"),
            None,
        )
        for path in ("/index.html", "/home", "/en", "/en-US/", "/fr/index.php", "/?utm_source=x")
    ],
    (
        "deep-link-moved-deep",
        redirect("https://course.example/lectures/5", "https://www.course.example/lectures/5"),
        None,
    ),
    *[
        (f"redirect-to-{final}", redirect("https://bit.ly/3xYz", final), None)
        for final in (
            "https://blog.example/2404-attention",
            "https://blog.example/posts/error-analysis",
            "https://shop.example/item?sid=ab404cd",
            "https://dl.acm.org/doi/10.1145/3404835",
            "https://blog.example/not-found-in-translation",
            "https://blog.example/errors-and-omissions",
            "https://course.fast.ai/",  # a short link to a site's home page
        )
    ],
    (
        "used-cars-dataset",
        page(
            "<title>Used cars for sale \u2014 a regression dataset</title>"
            "<script>var cookieDomain = '.course.example';</script><p>Prices of 30,000 cars.</p>"
        ),
        None,
    ),
    (
        "domain-adaptation",
        page("<title>Parked: notes on domain adaptation</title><p>DANN.</p>"),
        None,
    ),
    (
        "article-about-domain-selling",
        page(
            "<title>How I sold a domain</title><p>The listing said buy this domain; I compared"
            " hugedomains.com and bodis.com.</p>" + LONG_ARTICLE
        ),
        None,
    ),
    (
        "page-with-a-captcha-form",
        page("<title>Contact us</title><div class='g-recaptcha'></div>"),
        None,
    ),
    ("plain-403-is-not-a-challenge", page("<title>Forbidden</title>", status=403), None),
    ("plain-503-is-not-a-challenge", page("<title>Service Unavailable</title>", status=503), None),
]


@pytest.mark.parametrize(("case", "fetched", "expected"), LIVE, ids=[c[0] for c in LIVE])
def test_live_pages_that_must_stay_ok(case, fetched, expected):
    assert soft404.classify(fetched.url, fetched, expected) is None, case


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("Page not found", True),
        ("404", True),
        ("Error 404 - Not Found", True),
        ("Oops! That page can\u2019t be found.", True),
        ("Sorry, the page you are looking for does not exist.", True),
        ("We couldn't find that page", True),
        ("This article is no longer available", True),
        ("The best optimizer does not exist", False),
        ("404: the unreasonable effectiveness of error pages", False),
        ("Why your model was not found to generalise", False),
        ("HTTP status codes", False),
    ],
)
def test_a_message_is_recognised_only_when_it_is_the_whole_text(text, says):
    assert says_not_found(text) is says


@pytest.mark.parametrize(
    ("url", "root"),
    [
        ("https://h.example/", True),
        ("https://h.example", True),
        ("https://h.example/index.html", True),
        ("https://h.example/en/", True),
        ("https://h.example/pt_BR/home", True),
        ("https://h.example/?utm_source=feed", True),
        ("https://h.example/index.php?id=42", False),
        ("https://h.example/lectures/5", False),
        ("https://h.example/ai", False),
        ("https://h.example/en/courses/ml", False),
    ],
)
def test_root_like_urls(url, root):
    assert root_like(url) is root


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("https://h.example/404", True),
        ("https://h.example/errors/404.html", True),
        ("https://h.example/notfound", True),
        ("https://h.example/page-not-found/", True),
        ("https://h.example/search?status=404", True),
        ("https://h.example/2404-attention", False),
        ("https://h.example/posts/error-analysis", False),
        ("https://h.example/item?sid=ab404cd", False),
        ("https://h.example/doi/10.1145/3404835", False),
        ("https://h.example/not-found-in-translation", False),
    ],
)
def test_error_urls_are_whole_segments_or_values(url, error):
    assert error_url(url) is error


@pytest.mark.parametrize(
    ("catalogued", "title", "shares"),
    [
        ("404 Not Found (MDN)", "404 Not Found - HTTP | MDN", True),
        ("Essence of linear algebra", "Essence of Linear Algebra - YouTube", True),
        ("Lecture 5: backpropagation", "Page not found | Open Course Hub", False),
        ("", "anything", False),
    ],
)
def test_shares_most(catalogued, title, shares):
    assert shares_most(catalogued, title) is shares


def test_body_that_talks_about_404_is_suspicious_but_not_evidence():
    fetched = page("live_mentions_404.html")
    assert soft404.not_found_page(fetched) is None
    assert soft404.looks_suspicious(fetched)


def test_a_bounce_home_that_keeps_the_catalogued_title_waits_for_the_probe():
    fetched = redirect("https://acme.example/courses", "https://acme.example/", "Acme Learning")
    assert soft404.classify(fetched.url, fetched, "Acme Learning courses") is None
    assert soft404.pending_bounce(fetched.url, fetched, "Acme Learning courses") is not None
    assert soft404.classify(fetched.url, fetched, "Linear algebra") is not None
