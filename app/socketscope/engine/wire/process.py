"""The capture in a process of its own, forked by the run host before it starts any thread.

In a thread of the run host the capture slowed a chatty run 1.9–3.5× (the GIL); in a process of
its own it costs nothing measurable (shared/WIRE.md). The process is forked, not started afresh:
it must share the run's network namespace, and a fork made while the run host is still single
threaded is one. It does all the per-packet work away from the run's actors: it reads the ring,
decodes each frame, pairs it with the call that caused it (engine/wire/pairing.py; the run host
forwards it the run's events) and writes each packet event as JSON, which the run host only
numbers and passes on. A 200 MB transfer makes some 5,000 packets and only ~150 events, so
forwarding the events costs the run host far less than handling the packets would.

Pipes, each a stream of records:
  run host → capture (control), JSON lines:
    ``{"t": "t0", "t0": ...}`` the run's clock starts (monotonic); ``[event, ...]`` the run's
    events as the trace holds them; ``{"t": "w", "w": t}`` every event before run time t has
    been sent (a packet is paired only once the events up to its time are known);
    ``{"t": "stop"}`` drain the ring, write the rest, stop.
  run host → capture (wake), one byte: a stop is on the control pipe; it also ends the
    capture's pause while frames gather, so that Stop never waits for that pause.
  capture → run host (data), ``kind`` (1 byte) then its body:
    ``R``  ready (the ring is in place)
    ``J``  struct ``<I`` + a packet event as UTF-8 JSON text, starting ``{"seq":0,``
    ``S``  struct ``<II``: packets the kernel gave the ring, packets it dropped (the last record)
    ``E``  struct ``<H`` + UTF-8 text: the capture could not start (then nothing else)
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import select
import signal
import struct
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass

from socketscope.engine.channel import fd_above
from socketscope.engine.events import Event

from .capture import CaptureRing, CaptureStats
from .decode import decode_frame
from .pairing import PacketPairer

_LEN = struct.Struct("<I")
_STATS = struct.Struct("<II")
_TEXT = struct.Struct("<H")
_J, _S = ord("J"), ord("S")
GATHER = 0.01  # seconds the capture lets frames gather while busy
# The capture yields the CPU to the run's actors (a bulk transfer keeps every core busy) and
# catches up when they wait; its ring holds that many frames meanwhile (16 MiB of memory).
NICE = 5
RING_FRAMES = 32768
SEQ_PREFIX = '{"seq":0,'  # every packet event's JSON starts so; the run host numbers it


@dataclass(frozen=True)
class CaptureEnd:
    """How the capture ended: the ring's statistics over the whole run."""

    stats: CaptureStats | None
    error: str = ""


def _child(
    interface: str,
    first_actor: str,
    data_w: int,
    ctl_r: int,
    wake_r: int,
    outgoing_only: bool = True,
) -> None:
    """The capture process: ring → decode → pair → JSON, until told to stop."""
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        # die with the run host: nothing of a run outlives it
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)
    # the channel to the client and the like are not ours to hold
    low = 3
    for fd in sorted((data_w, ctl_r, wake_r)):
        os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, 65536)
    with contextlib.suppress(OSError):
        os.nice(NICE)
    try:
        ring = CaptureRing(interface, frames=RING_FRAMES, outgoing_only=outgoing_only)
    except OSError as e:
        text = f"{interface}: {e.strerror or e} (errno {e.errno})".encode()[:1000]
        os.write(data_w, b"E" + _TEXT.pack(len(text)) + text)
        return
    os.write(data_w, b"R")  # ready: the run may start
    pairer = PacketPairer(first_actor, interface)
    out = bytearray()
    inbuf = bytearray()
    early: list[tuple[float, int, bytes]] = []  # frames before the run's clock is known
    t0: float | None = None
    mark = 0.0  # every event of the run before this run time has been received
    poll = select.poll()
    poll.register(ring.fileno(), select.POLLIN)
    poll.register(ctl_r, select.POLLIN)
    poll.register(wake_r, select.POLLIN)
    fcntl.fcntl(data_w, fcntl.F_SETFL, fcntl.fcntl(data_w, fcntl.F_GETFL) | os.O_NONBLOCK)
    packets = drops = 0
    stopping = False

    def take(frames: list[tuple[float, int, bytes]]) -> None:
        assert t0 is not None
        for t, length, frame in frames:
            pkt = decode_frame(frame, length, t - t0)
            if pkt is not None:
                pairer.add(pkt, frame)

    while True:
        if out:
            poll.register(data_w, select.POLLOUT)
        else:
            with contextlib.suppress(KeyError):
                poll.unregister(data_w)
        # held packets are looked at again even when nothing arrives (HOLD in pairing.py)
        for fd, _ev in poll.poll(100 if pairer.pending else None):
            if fd == wake_r:
                # the stop itself is read from the control pipe, in order with the events;
                # this end stays readable from now on (or at EOF: the run host has gone)
                poll.unregister(wake_r)
                continue
            if fd != ctl_r:
                continue
            chunk = os.read(ctl_r, 1 << 18)
            if not chunk:
                stopping = True  # the run host has gone
            inbuf += chunk
        # the ring first, always: what the pipe cannot take yet waits here, in memory, so
        # a slow reader never makes the ring overflow
        frames = list(ring.frames(0.0))
        s = ring.stats()
        packets, drops = packets + s.packets, drops + s.drops
        # the run's events, in order, before the packets they explain are looked at
        while (nl := inbuf.find(b"\n")) >= 0:
            line = bytes(inbuf[:nl])
            del inbuf[: nl + 1]
            msg = json.loads(line)
            if isinstance(msg, list):
                for d in msg:
                    if d.get("kind") != "packet":
                        pairer.observe(Event.from_json(d))
            elif msg.get("t") == "w":
                mark = float(msg["w"])
            elif msg.get("t") == "t0":
                t0 = float(msg["t0"])
            elif msg.get("t") == "stop":
                stopping = True
        if t0 is None:
            early += frames
        else:
            if early:
                take(early)
                early = []
            take(frames)
            if stopping:
                take(list(ring.frames(0.0)))  # what arrived with the stop
                s = ring.stats()
                packets, drops = packets + s.packets, drops + s.drops
            # held packets expire by the run's events, not by the clock: a capture that fell
            # behind (busy machine) must not give up on packets whose explanation is on its way
            for d in pairer.ready(mark, mark, flush=stopping):
                text = json.dumps(d, separators=(",", ":"), ensure_ascii=False).encode()
                out += b"J" + _LEN.pack(len(text)) + text
        if stopping:
            break
        if out:
            with contextlib.suppress(BlockingIOError):
                del out[: os.write(data_w, out)]
        if frames:
            # busy (a bulk transfer): let frames gather in the ring for a moment rather than
            # wake for each one; every wake-up is a context switch taken from the run's actors
            # on a machine with few cores. The ring holds 8,192 frames, some 0.5 s of the
            # fastest loopback transfer. A stop ends the pause at once (the wake pipe).
            select.select([wake_r], [], [], GATHER)
    out += b"S" + _STATS.pack(packets, drops)
    fcntl.fcntl(data_w, fcntl.F_SETFL, fcntl.fcntl(data_w, fcntl.F_GETFL) & ~os.O_NONBLOCK)
    view = memoryview(out)
    while view:
        view = view[os.write(data_w, view) :]
    # Closing a packet socket waits for an RCU grace period (~16 ms here): done after the last
    # record, so that the run host's end overlaps it rather than waiting on it.
    ring.close()


class CaptureProcess:
    """The run host's handle on its capture process. Start it while single threaded."""

    def __init__(self, pid: int, data_r: int, ctl_w: int, wake_w: int, interface: str) -> None:
        self.pid = pid
        self.interface = interface
        self._data_fd = data_r
        self._ctl_w = ctl_w
        self._wake_w = wake_w
        self._ctl_lock = threading.Lock()
        self._reader: threading.Thread | None = None
        self.end: CaptureEnd | None = None
        self.finished = threading.Event()  # the last record has been read
        self.count = 0

    @classmethod
    def start(
        cls, interface: str = "lo", first_actor: str = "run", outgoing_only: bool = True
    ) -> CaptureProcess | str:
        """Fork the capture and wait until its ring is in place (so that the run's first packet
        is captured); a text saying why when it cannot capture."""
        # out of the way of the scenario's descriptors, which start at 3 as in a C program
        data_r, data_w = (fd_above(fd) for fd in os.pipe())
        ctl_r, ctl_w = (fd_above(fd) for fd in os.pipe())
        wake_r, wake_w = (fd_above(fd) for fd in os.pipe())
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                os.close(data_r)
                os.close(ctl_w)
                os.close(wake_w)
                _child(interface, first_actor, data_w, ctl_r, wake_r, outgoing_only)
            except BaseException:  # noqa: BLE001 -- a forked child never returns to the host's code
                code = 1
            finally:
                os._exit(code)
        os.close(data_w)
        os.close(ctl_r)
        os.close(wake_r)
        first = os.read(data_r, 1)
        if first == b"R":
            return cls(pid, data_r, ctl_w, wake_w, interface)
        why = "the capture process ended before it started"
        if first == b"E":
            (n,) = _TEXT.unpack(_read_exactly(data_r, _TEXT.size))
            why = _read_exactly(data_r, n).decode(errors="replace")
        for fd in (data_r, ctl_w, wake_w):
            os.close(fd)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
        return why

    def fork_safe(self) -> None:
        """A process an actor forks must not hold the capture's pipes."""
        if hasattr(os, "register_at_fork"):
            fds = (self._data_fd, self._ctl_w, self._wake_w)

            def close_in_child() -> None:
                for fd in fds:
                    with contextlib.suppress(OSError):
                        os.close(fd)

            os.register_at_fork(after_in_child=close_in_child)

    # --- to the capture -----------------------------------------------------------------------
    def _tell(self, data: bytes) -> None:
        with self._ctl_lock, contextlib.suppress(OSError):
            view = memoryview(data)
            while view:
                view = view[os.write(self._ctl_w, view) :]

    def clock(self, t0: float) -> None:
        self._tell(json.dumps({"t": "t0", "t0": t0}).encode() + b"\n")

    def events(self, text: str) -> None:
        """The run's events, as one JSON array (the run host's own serialisation of them)."""
        self._tell(text.encode() + b"\n")

    def watermark(self, t: float) -> None:
        """Every event of the run before run time ``t`` has been sent (see the pump)."""
        self._tell(f'{{"t":"w","w":{t:.6f}}}\n'.encode())

    def request_stop(self) -> None:
        self._tell(b'{"t":"stop"}\n')
        with self._ctl_lock, contextlib.suppress(OSError):
            os.write(self._wake_w, b"s")

    # --- from the capture ---------------------------------------------------------------------
    def read_in_thread(self, deliver: Callable[[list[str]], None]) -> None:
        """Read the data pipe in a thread of the run host; ``deliver`` gets packet events as
        JSON texts (``seq`` still 0), in batches."""
        self._reader = threading.Thread(
            target=self._read, args=(deliver,), name="socketscope-capture", daemon=True
        )
        self._reader.start()

    def _read(self, deliver: Callable[[list[str]], None]) -> None:
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
                batch: list[str] = []
                i = 0
                while i < len(buf):
                    kind = buf[i]
                    if kind == _J:
                        if len(buf) < i + 1 + _LEN.size:
                            break
                        (n,) = _LEN.unpack_from(buf, i + 1)
                        start = i + 1 + _LEN.size
                        if len(buf) < start + n:
                            break
                        batch.append(buf[start : start + n].decode())
                        i = start + n
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
        self.finished.set()

    def stop(self, timeout: float = 5.0, reap: bool = True) -> CaptureEnd:
        """End the capture process (after ``request_stop`` and its last record) and return the
        ring's statistics. ``reap=False``: do not wait for the process to exit (it is still
        closing its ring, which takes a grace period); :meth:`reap` later, or let the kernel
        do it (the run host as init of a PID namespace)."""
        self.request_stop()
        self.finished.wait(timeout)
        if self._reader is not None:
            self._reader.join(timeout)
        end = self.end or CaptureEnd(None, "the capture did not finish in time")
        for fd in (self._ctl_w, self._wake_w, self._data_fd):
            with contextlib.suppress(OSError):
                os.close(fd)
        if not self.finished.is_set():
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGKILL)
        if reap:
            self.reap()
        return end

    def reap(self) -> None:
        """Wait for the capture process to have exited."""
        with contextlib.suppress(OSError, ChildProcessError):
            os.waitpid(self.pid, 0)


def _read_exactly(fd: int, n: int) -> bytes:
    out = b""
    while len(out) < n:
        chunk = os.read(fd, n - len(out))
        if not chunk:
            break
        out += chunk
    return out
