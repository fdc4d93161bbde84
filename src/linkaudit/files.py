"""Writing a file whole: a reader sees the old content or the new one, never half.

    replace_file(path, data)   `data` over `path` atomically (a temporary file beside it,
                               flushed to disk, then renamed over it); raises OSError

A symbolic link is followed (its target is replaced) and the file keeps its mode.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path


def replace_file(path: Path, data: bytes) -> None:
    """Write `data` over `path` atomically; the file's directories must exist. OSError."""
    real = Path(os.path.realpath(path))
    fd, scratch = tempfile.mkstemp(dir=real.parent, prefix=f".{real.name}.", suffix=".partial")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        if real.exists():
            shutil.copymode(real, scratch)
        else:
            Path(scratch).chmod(0o666 & ~_umask())
        Path(scratch).replace(real)
    except BaseException:
        Path(scratch).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
