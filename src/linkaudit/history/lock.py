"""One writer at a time: an exclusive ``flock`` on a sidecar file next to the database.

The operating system drops the lock when its holder exits, however it exits (SIGKILL
included), so a crashed run never blocks the next one, while a live run always does.
"""

from __future__ import annotations

import fcntl
import time
from pathlib import Path
from typing import IO

RETRY_EVERY = 0.05  # seconds between attempts while waiting out a brief holder


class WriterLock:
    """The lock on `path` (created if missing). Not re-entrant across instances."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: IO[str] | None = None

    def acquire(self, *, patience: float = 0.0) -> bool:
        """Take the lock without blocking, retrying for `patience` seconds; True if held."""
        if self._handle is not None:
            return True
        handle = self.path.open("a+", encoding="utf-8")
        deadline = time.monotonic() + patience
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.close()
                    return False
                time.sleep(RETRY_EVERY)
            else:
                self._handle = handle
                return True

    def held_elsewhere(self) -> bool:
        """Another process holds the lock now. Creates nothing: a missing lock file
        means no run ever held it, so nobody does; an unreadable one may be held. The
        probe's shared lock is brief, and a writer waiting with `patience` rides it out."""
        if self._handle is not None:
            return False
        try:
            handle = self.path.open("r", encoding="utf-8")
        except FileNotFoundError:
            return False
        except OSError:
            return True
        with handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(handle, fcntl.LOCK_UN)
        return False

    def release(self) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None
