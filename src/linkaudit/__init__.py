"""linkaudit: a link-health and freshness auditor for curated learning resources."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("linkaudit")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

PROJECT_URL = "https://github.com/linkaudit/linkaudit"
USER_AGENT = f"linkaudit/{__version__} (+{PROJECT_URL})"

__all__ = ["PROJECT_URL", "USER_AGENT", "__version__"]
