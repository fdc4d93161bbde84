"""The exceptions a command can end with, each an expected condition with a message for
a person (the CLI prints it as one line and exits; nothing else is a traceback):

    LinkauditError          a command cannot go on
    ├── CatalogError        the catalog has problems: every `file:line: message` found
    ├── EditError           a catalog edit was refused; the file is untouched
    ├── StoreError          the history database cannot be used
    │   ├── StoreBusy       another live linkaudit run holds the database
    │   ├── StoreTooNew     the file was written by a newer linkaudit
    │   └── StoreMissing    a read-only command found no history: no file, or an empty one
    ├── PolicyError         a host's policy (--host-interval, --host-concurrency, a TOML
    │                       table of them) has a bad value: nothing was checked
    ├── NetworkDown         no host answered at all: nothing was recorded
    └── OutputError         a file linkaudit must write cannot be written

    Stopped                 Ctrl-C or SIGTERM (a BaseException, as KeyboardInterrupt is:
                            no `except Exception` swallows it, and click lets it pass)

A broken link is data (an Observation), never an exception; so is any trouble of one
request (fetch/ turns it into a failure kind and a message).
"""

from __future__ import annotations

import os
import signal
from collections.abc import Sequence


class LinkauditError(Exception):
    """A command cannot go on; the message says why and what to do."""


class CatalogError(LinkauditError):
    """The catalog cannot be used; `problems` holds every `path:line: message` found."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class EditError(LinkauditError):
    """The catalog was not changed; the message says why, in one line."""


class StoreError(LinkauditError):
    """The history database cannot be used."""


class StoreBusy(StoreError):
    """Another live linkaudit run holds the database."""


class StoreTooNew(StoreError):
    """The database was written by a newer linkaudit than this one."""


class StoreMissing(StoreError):
    """A read-only command found no history: no file, or one with nothing in it yet."""


class PolicyError(LinkauditError):
    """A host policy setting cannot be used; the message names it and what is wanted."""


class NetworkDown(LinkauditError):
    """Every host failed before any HTTP response (DNS or connect): nothing recorded."""

    def __init__(self, hosts: int) -> None:
        counted = f"{hosts} host{'s' * (hosts != 1)}"
        super().__init__(f"network unavailable: 0 of {counted} answered; nothing recorded")
        self.hosts = hosts


class Stopped(BaseException):
    """A signal stopped the command: "interrupted" (Ctrl-C, exit 130) or "terminated"
    (SIGTERM, 143), as a shell reports a command a signal ended (128 + its number)."""

    def __init__(self, signum: int) -> None:
        super().__init__("interrupted" if signum == signal.SIGINT else "terminated")
        self.signum = signum
        self.status = 128 + signum


class OutputError(LinkauditError):
    """A file linkaudit must write cannot be written."""

    def __init__(self, path: os.PathLike[str] | str, reason: OSError | str) -> None:
        if isinstance(reason, OSError):
            reason = reason.strerror or str(reason)
        super().__init__(f"cannot write {path}: {reason}")
