"""The capture in a process of its own, forked by the run host before it starts any thread.

In a thread of the run host the capture slowed a chatty run 1.9–3.5× (the GIL); in a process of
its own it costs nothing measurable (shared/WIRE.md). The process is forked, not started afresh:
it must share the run's network namespace, and a fork made while the run host is still single
threaded is one. It only copies frames out of the ring into a pipe; the run host decodes them
and pairs them with calls (engine/wire/pairing.py).

Records on the pipe, each ``kind`` (1 byte) then its body:
  ``P``  struct ``<dIH`` (t on the monotonic clock, wire length, captured length) + the frame
  ``S``  struct ``<II`` (packets the kernel gave the ring, packets it dropped), the last record
  ``E``  struct ``<H`` + UTF-8 text: the capture could not start (then nothing else)
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import select
import signal
import struct
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass

from socketscope.engine.channel import fd_above

from .capture import CaptureRing, CaptureStats

_FRAME = struct.Struct("<dIH")
_STATS = struct.Struct("<II")
_TEXT = struct.Struct("<H")

Frame = tuple[float, int, bytes]
_P, _S = ord("P"), ord("S")


@dataclass(frozen=True)
class CaptureEnd:
    """How the capture ended: the ring's statistics over the whole run."""

    stats: CaptureStats | None
    error: str = ""


def _child(interface: str, data_w: int, ctl_r: int, keep: set[int]) -> None:
    """The capture process: copy frames from the ring to the pipe until told to stop (a byte, or
    the end of the control pipe), then drain the ring and say how many were dropped."""
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        # die with the run host: nothing of a run outlives it
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)
    # the channel to the client and the like are not ours to hold
    low = 3
    for fd in sorted(keep):
        os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, 65536)
    try:
        ring = CaptureRing(interface)
    except OSError as e:
        text = f"{interface}: {e.strerror or e} (errno {e.errno})".encode()[:1000]
        os.write(data_w, b"E" + _TEXT.pack(len(text)) + text)
        return
    os.write(data_w, b"R")  # ready: the run may start
    out = bytearray()
    poll = select.poll()
    poll.register(ring.fileno(), select.POLLIN)
    poll.register(ctl_r, select.POLLIN)
    fcntl.fcntl(data_w, fcntl.F_SETFL, fcntl.fcntl(data_w, fcntl.F_GETFL) | os.O_NONBLOCK)
    packets = drops = 0
    stopping = False
    while not stopping:
        if out:
            poll.register(data_w, select.POLLOUT)
        else:
            with contextlib.suppress(KeyError):
                poll.unregister(data_w)
        for fd, _ev in poll.poll():
            if fd == ctl_r:
                stopping = True
        # the ring first, always: a slow reader of the pipe must never make the ring overflow,
        # so what the pipe cannot take yet waits here, in memory
        for t, length, frame in ring.frames(0.0):
            out += b"P" + _FRAME.pack(t, length, len(frame)) + frame
        s = ring.stats()
        packets, drops = packets + s.packets, drops + s.drops
        if out:
            with contextlib.suppress(BlockingIOError):
                del out[: os.write(data_w, out)]
    for t, length, frame in ring.frames(0.0):  # what arrived with the stop
        out += b"P" + _FRAME.pack(t, length, len(frame)) + frame
    s = ring.stats()
    out += b"S" + _STATS.pack(packets + s.packets, drops + s.drops)
    fcntl.fcntl(data_w, fcntl.F_SETFL, fcntl.fcntl(data_w, fcntl.F_GETFL) & ~os.O_NONBLOCK)
    view = memoryview(out)
    while view:
        view = view[os.write(data_w, view) :]
    ring.close()


class CaptureProcess:
    """The run host's handle on its capture process. Start it while single threaded."""

    def __init__(self, pid: int, data_r: int, ctl_w: int, interface: str) -> None:
        self.pid = pid
        self.interface = interface
        self._data_fd = data_r
        self._ctl_w = ctl_w
        self._reader: threading.Thread | None = None
        self.end: CaptureEnd | None = None
        self.count = 0

    @classmethod
    def start(cls, interface: str = "lo") -> CaptureProcess | str:
        """Fork the capture and wait until its ring is in place (so that the run's first packet
        is captured); a text saying why when it cannot capture."""
        data_r, data_w = os.pipe()
        ctl_r, ctl_w = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                os.close(data_r)
                os.close(ctl_w)
                _child(interface, data_w, ctl_r, {data_w, ctl_r})
            except BaseException:  # noqa: BLE001 -- a forked child never returns to the host's code
                code = 1
            finally:
                os._exit(code)
        os.close(data_w)
        os.close(ctl_r)
        # out of the way of the scenario's descriptors, which start at 3 as in a C program
        data_r, ctl_w = fd_above(data_r), fd_above(ctl_w)
        first = os.read(data_r, 1)
        if first == b"R":
            return cls(pid, data_r, ctl_w, interface)
        why = "the capture process ended before it started"
        if first == b"E":
            (n,) = _TEXT.unpack(_read_exactly(data_r, _TEXT.size))
            why = _read_exactly(data_r, n).decode(errors="replace")
        for fd in (data_r, ctl_w):
            os.close(fd)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
        return why

    def fork_safe(self) -> None:
        """A process an actor forks must not hold the capture's pipes."""
        if hasattr(os, "register_at_fork"):
            fds = (self._data_fd, self._ctl_w)

            def close_in_child() -> None:
                for fd in fds:
                    with contextlib.suppress(OSError):
                        os.close(fd)

            os.register_at_fork(after_in_child=close_in_child)

    def read_in_thread(self, deliver: Callable[[list[Frame]], None]) -> None:
        """Read the pipe in a thread of the run host; ``deliver`` gets the frames in batches."""
        self._reader = threading.Thread(
            target=self._read, args=(deliver,), name="socketscope-capture", daemon=True
        )
        self._reader.start()

    def _read(self, deliver: Callable[[list[Frame]], None]) -> None:
        # raw reads of whatever is there: one wake-up of the run host's pump for the many
        # packets of a bulk transfer, and a record never waits for the next one
        fd = self._data_fd
        buf = bytearray()
        stats: CaptureStats | None = None
        error = ""
        try:
            while stats is None:
                chunk = os.read(fd, 1 << 18)
                if not chunk:
                    error = "the capture process ended early"
                    break
                buf += chunk
                batch: list[Frame] = []
                i = 0
                while i < len(buf):
                    kind = buf[i]
                    if kind == _P:
                        if len(buf) < i + 1 + _FRAME.size:
                            break
                        t, length, cap = _FRAME.unpack_from(buf, i + 1)
                        start = i + 1 + _FRAME.size
                        if len(buf) < start + cap:
                            break
                        batch.append((t, length, bytes(buf[start : start + cap])))
                        i = start + cap
                    elif kind == _S:
                        if len(buf) < i + 1 + _STATS.size:
                            break
                        stats = CaptureStats(*_STATS.unpack_from(buf, i + 1))
                        i += 1 + _STATS.size
                        break
                    else:
                        error = f"the capture sent a record it should not ({kind})"
                        stats = CaptureStats(0, 0)
                        break
                del buf[:i]
                if batch:
                    self.count += len(batch)
                    deliver(batch)
        except OSError as e:
            error = f"reading the capture: {e}"
        self.end = CaptureEnd(stats, error)

    def stop(self, timeout: float = 5.0) -> CaptureEnd:
        """Drain the ring, end the capture process and return the ring's statistics."""
        with contextlib.suppress(OSError):
            os.write(self._ctl_w, b"x")
        if self._reader is not None:
            self._reader.join(timeout)
        end = self.end or CaptureEnd(None, "the capture did not finish in time")
        for fd in (self._ctl_w, self._data_fd):
            with contextlib.suppress(OSError):
                os.close(fd)
        with contextlib.suppress(OSError, ChildProcessError):
            if self._reader is not None and self._reader.is_alive():
                os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        return end


def _read_exactly(fd: int, n: int) -> bytes:
    out = b""
    while len(out) < n:
        chunk = os.read(fd, n - len(out))
        if not chunk:
            break
        out += chunk
    return out
