"""JSNA data explorer for children in care and care leavers."""

import signal
from contextlib import contextmanager

__version__ = "0.1.0"


class Unknown(KeyError):
    """A name given that is not known (an indicator, a query): refused, saying so. Any other
    KeyError is a bug (the command line says which)."""


class Stopped(BaseException):  # as KeyboardInterrupt: no `except Exception` takes it for a bug
    """The process was asked to stop (SIGTERM)."""


_stop_asked = False


@contextmanager
def stoppable():
    """SIGTERM, inside this block (a command, in the main thread), raises Stopped there, and is
    remembered: Python only prints an exception raised where it cannot propagate (a __del__, a
    weakref's callback: wherever the signal happened to land), and the command then ran on to
    put its folder in place."""
    global _stop_asked

    def stop(*_) -> None:
        global _stop_asked
        _stop_asked = True
        raise Stopped

    _stop_asked = False
    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        _stop_asked = False
        if previous is not None:  # None: not set from Python, nothing to put back
            signal.signal(signal.SIGTERM, previous)


def if_stopped() -> None:
    """Raise Stopped if SIGTERM came, even where its exception was lost: called before a
    command's new folder is put in place (`returns.build.staged`)."""
    if _stop_asked:
        raise Stopped
