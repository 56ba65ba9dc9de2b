"""How long the build's processes live: stopped by Ctrl-C or SIGTERM within seconds, and
never outliving the build, not even when it is SIGKILLed.

- `die_with_parent` asks the kernel to kill the calling process when its parent dies
  (PR_SET_PDEATHSIG); the embedded llama-server runs it before exec.
- `children_die_with_parent` does the same for every Python process the build forks (the
  `multiprocess` manager and pool workers that datatrove's local executor starts), since no
  cleanup code of ours runs after a SIGKILL.
- `stop_on_signals` turns the first SIGINT or SIGTERM into `Stopped`, raised in the main
  thread so that context managers stop servers and datatrove closes its files; then the
  process exits. If that takes longer than `grace` seconds, or a second signal arrives, it
  exits at once and the kernel ends the children. A rerun resumes from datatrove's
  checkpoints either way.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator

_PR_SET_PDEATHSIG = 1
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def die_with_parent(sig: int = signal.SIGTERM) -> None:
    """Have the kernel send `sig` to this process when its parent exits, however it exits."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, sig)


_forking_parent = {"pid": 0}
_fork_hook_installed = False


def _remember_parent() -> None:
    _forking_parent["pid"] = os.getpid()


def _child_dies_with_parent() -> None:
    die_with_parent(signal.SIGKILL)
    if os.getppid() != _forking_parent["pid"]:  # the parent died before prctl took effect
        os._exit(1)


def children_die_with_parent() -> None:
    """From now on, every child this process forks dies when this process dies."""
    global _fork_hook_installed
    if not _fork_hook_installed and sys.platform.startswith("linux"):
        os.register_at_fork(before=_remember_parent, after_in_child=_child_dies_with_parent)
        _fork_hook_installed = True


class Stopped(KeyboardInterrupt):
    """The build was asked to stop by a signal. A KeyboardInterrupt, so that no
    `except Exception` on the way up (datatrove's, ours) swallows it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def by(self) -> str:
        return "Ctrl-C" if self.signum == signal.SIGINT else signal.Signals(self.signum).name

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


_active = {"handler": None}


@contextlib.contextmanager
def stop_on_signals(last_words: Callable[[Stopped], str], grace: float = 10.0) -> Iterator[None]:
    """Within this block SIGINT and SIGTERM raise `Stopped` in the main thread; once the block
    has unwound, `last_words` is printed and the process exits with 128 + the signal number.
    When the unwinding overruns `grace` seconds, or on a second signal, it exits at once.
    Outside the main thread, or nested, it changes nothing."""
    if threading.current_thread() is not threading.main_thread() or _active["handler"] is not None:
        yield
        return
    said: list[bool] = []
    first: list[Stopped] = []

    def say(stopped: Stopped) -> None:
        if not said:
            said.append(True)
            print("\n" + last_words(stopped), file=sys.stderr, flush=True)

    def exit_now(stopped: Stopped) -> None:
        say(stopped)
        os._exit(stopped.exit_code)

    def handler(signum, frame) -> None:
        stopped = Stopped(signum)
        if first:
            exit_now(stopped)
        first.append(stopped)
        watchdog = threading.Timer(grace, exit_now, args=(stopped,))
        watchdog.daemon = True
        watchdog.start()
        raise stopped

    previous = {sig: signal.signal(sig, handler) for sig in STOP_SIGNALS}
    _active["handler"] = handler
    try:
        yield
    except Stopped as stopped:
        # The block has unwound: servers stopped, datatrove's files closed. Exit without
        # waiting for library threads (aiosqlite, event loops in threads) that never end.
        say(stopped)
        logging.shutdown()
        sys.stdout.flush()
        os._exit(stopped.exit_code)
    finally:
        _active["handler"] = None
        for sig, old in previous.items():
            signal.signal(sig, old)
