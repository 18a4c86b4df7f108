"""Kernel snapshot events of the sockets a call involved: one loop for the thread runner and the
process actors' runner alike."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from .events import KernelSnapshot

if TYPE_CHECKING:
    from .traced import TracedSocket

# What was last written for each socket that has no fd any more (its state then comes from the
# kernel's table by address): any actor's call may look at it again (a peer's close looks at
# both ends), and the same lingering state written twice says nothing new but draws twice.
_after_close: weakref.WeakKeyDictionary[TracedSocket, KernelSnapshot] = weakref.WeakKeyDictionary()
# Taken before the fd lock, never after it (nothing that holds the fd lock takes a snapshot).
# Reentrant: in a process actor a signal handler can run inside a snapshot and make a call
# (close() in a SIGTERM handler) that takes one of its own.
_order = threading.RLock()


def snapshot_events(
    emit: Callable[..., Any],
    fd_lock: threading.RLock,
    actor: str,
    op: str,
    socks: Iterable[TracedSocket | None],
    changed_since: dict[int, KernelSnapshot] | None = None,
    proc: bool = True,
) -> None:
    """What the kernel says about each socket now. With ``changed_since`` (the snapshots
    already written during one blocked call), only what changed is written; without ``proc``,
    only what the fds say (a closed socket is then left out). The fds are read under the fd
    lock; the kernel's socket table (tens of µs through netlink, milliseconds where /proc/net/tcp
    is read instead) outside it, so no other actor's call waits on it — only other snapshots."""
    seen = set()
    for s in socks:
        if s is None or s.id in seen:
            continue
        seen.add(s.id)
        # Read and written as one step: a snapshot read, then written after another actor's later
        # one, made a socket's state go back in time on the diagram (TIME_WAIT, then FIN_WAIT1).
        with _order:
            with fd_lock:
                fd_snap = s.fd_snapshot()
                fd = s.fd
                local = s.known_local()
            if proc:
                snap = s.settle_snapshot(fd_snap)
            elif fd_snap is not None:
                snap = fd_snap
            else:
                continue
            if changed_since is not None:
                if changed_since.get(s.id) == snap:
                    continue
                changed_since[s.id] = snap
            if fd_snap is None:
                if _after_close.get(s) == snap:
                    continue
                _after_close[s] = snap
            emit(actor, "kernel", op=op, sock=s.id, fd=fd, kernel=snap, local=local)
