"""The HTTP client: everything about asking a site, and nothing about what its answer means.

    Fetcher(options, resolver=..., sleep=..., env=...)   async context manager;
        .fetch(url, headers=..., max_body_bytes=..., stop_at_title=...) -> Fetched
        .each(items, work, url=...)                      a provider's share, spread by host
        .slow_down(host, seconds, reason)                pause a host (a provider's back-off)
        .host_stats()                                    how each host was asked (run.hosts)
    Resolver, NameNotResolved    name resolution, injectable (tests resolve to loopback)
    parse_resolve(spec)          curl's --resolve HOST:PORT:ADDRESS
    is_private(address)          what --allow-private allows

fetcher.py (redirects hop by hop, retries by retry.py's pure policy; workers.py spreads a
provider's items over their hosts)
  -> hosts.py (every attempt's turn: one object per host, host.py, by policies.py's
     policy: concurrency, pace, pauses, back-off; the run's slots to the fewest in flight)
  -> exchange.py (one GET, its body read bounded by html.py's BodyReader)
  -> transport.py (direct or through a proxy; trust) -> http1.py (connections kept per
     origin, as many idle as the host may have in flight; wire.py's bytes, parsed by
     llhttp) -> names.py (resolution, the private-address guard) -> sockets.py (asyncio
     streams). failures.py names what went wrong; http_urls.py parses the URLs requests
     go to and joins redirect targets.
"""

from linkaudit.fetch.fetcher import Fetcher
from linkaudit.fetch.names import NameNotResolved, Resolver, is_private, parse_resolve

__all__ = ["Fetcher", "NameNotResolved", "Resolver", "is_private", "parse_resolve"]
