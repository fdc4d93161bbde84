"""`linkaudit` (the console script) and `python -m linkaudit`: the door to the command line.

    main()   Ctrl-C and SIGTERM made to raise errors.Stopped, then the click commands
             (cli/) imported and run; a Stopped that reaches here is one line and exit
             130 (Ctrl-C) or 143 (SIGTERM), wherever it struck

The handlers come first, before the command line is imported (about 0.3 s of imports,
during which Ctrl-C printed a KeyboardInterrupt traceback). Stopped is no Exception, so
no handler of ours swallows it on its way up (where Python does, a signal caught still
ends the command: `_told`), and click lets it pass (click turns KeyboardInterrupt
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
_caught: list[int] = []  # the signals _stop raised Stopped for, whether it arrived or not


def main() -> None:
    """The `linkaudit` command, ended by a signal in one line."""
    _caught.clear()
    sys.unraisablehook = _unraisable
    for signum in SIGNALS:
        if signal.getsignal(signum) is not signal.SIG_IGN:
            signal.signal(signum, _stop)
    try:
        try:
            from linkaudit.cli import main as command  # noqa: PLC0415 - after the handlers

            command(prog_name="linkaudit")
        except BaseException as ended:
            if _caught and not _told(ended):
                raise Stopped(_caught[0]) from None
            raise
        else:
            if _caught:
                raise Stopped(_caught[0])
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
    _caught.append(signum)
    raise Stopped(signum)


def _unraisable(unraisable: sys.UnraisableHookArgs) -> None:
    """A Stopped that Python drops says nothing ("Exception ignored in ..." and its
    traceback): main() raises it again once the command is over (_caught)."""
    if not isinstance(unraisable.exc_value, Stopped):
        sys.__unraisablehook__(unraisable)


def _told(ended: BaseException) -> bool:
    """The command ended saying it was stopped: a Stopped, or the exit status of one
    (cli/check.py says what the run kept, then exits so). Anything else after a signal
    is a Stopped that never arrived: Python drops an exception raised in a weakref
    callback ("Exception ignored in ...", and the command ran on to exit 0) and, in 3.11,
    wraps one raised in __set_name__ in a RuntimeError (a traceback, exit 1)."""
    if isinstance(ended, Stopped):
        return True
    return isinstance(ended, SystemExit) and ended.code in {Stopped(s).status for s in _caught}


if __name__ == "__main__":
    main()
