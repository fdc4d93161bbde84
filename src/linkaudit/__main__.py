"""`linkaudit` (the console script) and `python -m linkaudit`: the door to the command line.

    main()   Ctrl-C and SIGTERM made to raise errors.Stopped, then the click commands
             (cli/) imported and run; a Stopped that reaches here is one line and exit
             130 (Ctrl-C) or 143 (SIGTERM), wherever it struck

The handlers come first, before the command line is imported (about 0.3 s of imports,
during which Ctrl-C printed a KeyboardInterrupt traceback). Stopped is no Exception, so
nothing swallows it on its way up, and click lets it pass (click turns KeyboardInterrupt
into "Aborted!" and exit 1); each `with` it crosses is left as on any error (a run in
the history is marked interrupted, a file being replaced is left as it was). While a
check's requests are out, cli/check.py cancels the run instead and says what was kept.
A signal ignored when linkaudit starts (SIGINT, for a shell's background job) stays so;
once the command has ended, both are ignored (a signal while the interpreter shuts down
killed it without a word, exit -15, after a complete run).
"""

from __future__ import annotations

import signal
import sys
from types import FrameType

from linkaudit.errors import Stopped

SIGNALS = (signal.SIGINT, signal.SIGTERM)


def main() -> None:
    """The `linkaudit` command, ended by a signal in one line."""
    for signum in SIGNALS:
        if signal.getsignal(signum) is not signal.SIG_IGN:
            signal.signal(signum, _stop)
    try:
        try:
            from linkaudit.cli import main as command  # noqa: PLC0415 - after the handlers

            command(prog_name="linkaudit")
        finally:  # over: a later signal changes nothing, and cuts no line in half
            for signum in SIGNALS:
                signal.signal(signum, signal.SIG_IGN)
    except Stopped as stopped:
        try:
            sys.stderr.write(f"linkaudit: {stopped}\n")
            sys.stderr.flush()
        except OSError:  # no one is listening any more: the status still says it
            pass
        raise SystemExit(stopped.status) from None


def _stop(signum: int, _frame: FrameType | None) -> None:
    raise Stopped(signum)


if __name__ == "__main__":
    main()
