"""linkaudit: a link-health and freshness auditor for curated learning resources.

The package is built in layers, each importing only the layers below it
(tests/test_layers.py holds it to that):

    0  model, config, errors, text, titles, files   shared types, limits, small helpers
    1  catalog/   read, validate and edit the catalog files
       fetch/     the HTTP client: politeness, retries, redirects, bounded reads, names
       history/   the stored runs in SQLite: schema, writes, queries (records, never judges)
    2  providers/ what is special about a site; classify one fetch into an Observation
       judge      observations and their past -> findings (health over time), pure
    3  audit      one run from start to end, and the replay of a stored one
    4  report/    findings -> Markdown, JSON, step summary, issue body; writing them
    5  cli/       the click commands and their terminal views: wiring only

`__version__` is read from the installed metadata when first asked for: importing the
package itself costs nothing, so that `linkaudit` (__main__.py) can install its signal
handlers before anything slow is imported (importlib.metadata alone takes 25 ms).
"""

from __future__ import annotations

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    if name != "__version__":
        raise AttributeError(f"module 'linkaudit' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version  # noqa: PLC0415 - see above

    try:
        found = version("linkaudit")
    except PackageNotFoundError:  # running from a source tree that was never installed
        found = "0.0.0"
    globals()["__version__"] = found
    return found
