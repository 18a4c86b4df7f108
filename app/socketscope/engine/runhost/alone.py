"""The run host as init of the run's PID namespace, at the end: nothing of the run left but itself.

When init exits the kernel kills every other process of its namespace, and init's exit (so the
run host's, which its client waits for) lasts until the last of them has gone. The slowest of
them is SocketScope's own: the capture (and a two-host run's relay) releasing its packet sockets,
which waits a kernel grace period per socket (synchronize_net: 20-60 ms all told, more on a busy
machine). The run's own end need not wait for that. So at the end the host ends everything else
itself, waits until each of those has gone, and says so: its client then knows that every
process of the run is dead and reaped (so every socket of theirs closed) without waiting for
the namespace's last process.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import time
from collections.abc import Collection

RECHECK = 0.02  # seconds: a process reparented to init meanwhile is found at the next look


def _pids() -> set[int]:
    """The processes of this PID namespace (its own /proc: the caller checked it is mounted)."""
    return {int(name) for name in os.listdir("/proc") if name.isdigit()}


def _reap() -> None:
    """Collect every child that has exited (orphans of the namespace are init's children)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def end_the_rest(spare: Collection[int], timeout: float) -> bool:
    """As init of the run's PID namespace: SIGKILL every other process of it and wait until
    each has gone, except ``spare`` (the capture and the relay, which have delivered everything
    they had and are releasing their packet sockets; killed too, not waited for). True when
    nothing else is left within ``timeout``."""
    deadline = time.monotonic() + timeout
    me = os.getpid()
    with contextlib.suppress(OSError):
        # init's kill(-1) reaches every process of its namespace but itself
        os.kill(-1, signal.SIGKILL)
    while True:
        _reap()
        try:
            left = _pids() - {me, *spare}
        except OSError:
            return False
        if not left:
            return True
        wait = min(RECHECK, deadline - time.monotonic())
        if wait <= 0:
            return False
        fds = []
        for pid in left:
            with contextlib.suppress(OSError):
                fds.append(os.pidfd_open(pid))
        try:
            # readable once the process has exited (a zombie: reaped at the next look)
            select.select(fds, [], [], wait)
        finally:
            for fd in fds:
                os.close(fd)
