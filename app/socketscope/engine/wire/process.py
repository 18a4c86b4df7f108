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
    ``{"t": "t0", "t0": ..., "first": actor}`` the run's clock starts (monotonic), and the
    actor a packet no call explains is drawn on; ``[event, ...]`` the run's
    events as the trace holds them; ``{"t": "w", "w": t}`` every event before run time t has
    been sent (a packet is paired only once the events up to its time are known);
    ``{"t": "stop"}`` drain the ring, write the rest, stop.
  capture → run host (data), ``kind`` (1 byte) then its body:
    ``R``  ready (the ring is in place)
    ``J``  struct ``<I`` + a packet event as UTF-8 JSON text, starting ``{"seq":0,``
    ``M``  struct ``<d``: every packet stamped before this run time has been written, but one
           held longer than VOUCH_WAIT for its explanation, and every event before it has been
           sent to the client (sent as the capture's view moves on; a live log puts the packets
           among the calls by it)
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
import time
from collections.abc import Callable
from dataclasses import dataclass

from socketscope.engine.channel import fd_above
from socketscope.engine.events import Event

from .capture import CaptureRing, CaptureStats
from .network import CapturePoint, setns
from .pairing import PacketPairer

_LEN = struct.Struct("<I")
_STATS = struct.Struct("<II")
_TEXT = struct.Struct("<H")
_MARK = struct.Struct("<d")
_J, _S, _M = ord("J"), ord("S"), ord("M")
GATHER = 0.01  # seconds the capture lets frames gather while busy
# The ring holds that many frames (16 MiB of memory) while the capture lets them gather.
RING_FRAMES = 32768
F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)
PIPE_SIZE = 1 << 20  # the most an ordinary user may ask for (fs.pipe-max-size)
SEQ_PREFIX = '{"seq":0,'  # every packet event's JSON starts so; the run host numbers it
# A frame is stamped a moment before the kernel marks it ready in the ring, and another CPU
# may be between the two as the ring is read (microseconds, unless a virtual machine's CPU is
# paused there): a drain at T vouches only for frames stamped before T less this.
STAMP_SLACK = 0.005
# How long a packet held for its explanation keeps the M record (below) from vouching past it.
VOUCH_WAIT = 0.2


@dataclass(frozen=True)
class CaptureEnd:
    """How the capture ended: the ring's statistics over the whole run."""

    stats: CaptureStats | None
    error: str = ""


def _open_rings(points: list[CapturePoint]) -> list[CaptureRing]:
    """One ring per capture point, each made in its host's namespace (a packet socket listens
    in the namespace it was made in); the process stays in the first point's."""
    rings: list[CaptureRing] = []
    try:
        for p in points:
            if p.netns_fd is not None:
                setns(p.netns_fd)
            rings.append(
                CaptureRing(p.interface, frames=RING_FRAMES, outgoing_only=p.outgoing_only)
            )
    except BaseException:
        for r in rings:
            r.close()
        raise
    finally:
        if points[0].netns_fd is not None:
            with contextlib.suppress(OSError):
                setns(points[0].netns_fd)
    return rings


def _child(points: list[CapturePoint], first_actor: str, data_w: int, ctl_r: int) -> None:
    """The capture process: rings → decode → pair → JSON, until told to stop. Forked early
    (:meth:`CaptureProcess.fork_early`) it learns the run's first actor with the run's clock."""
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        # die with the run host: nothing of a run outlives it
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)
    # the channel to the client and the like are not ours to hold
    # (and the hosts' namespaces, until each host's ring is made in its own)
    ns_fds = {p.netns_fd for p in points if p.netns_fd is not None}
    low = 3
    for fd in sorted({data_w, ctl_r} | ns_fds):
        os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, 65536)
    with contextlib.suppress(OSError, AttributeError):
        # Out of the run's way without being starved: a batch process never preempts the
        # run's actors when it wakes, yet keeps its fair share, which matters at the end of a
        # run, when the run waits for the capture's last packets. (At nice 5 a busy machine
        # left it behind by 100-300 ms there; a process cannot lower its nice value again.)
        os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0))
    try:
        rings = _open_rings(points)
    except OSError as e:
        where = ", ".join(f"{p.host}:{p.interface}" if p.host else p.interface for p in points)
        text = f"{where}: {e.strerror or e} (errno {e.errno})".encode()[:1000]
        os.write(data_w, b"E" + _TEXT.pack(len(text)) + text)
        return
    finally:
        for fd in ns_fds:
            with contextlib.suppress(OSError):
                os.close(fd)
    os.write(data_w, b"R")  # ready: the run may start
    hosts = {p.address: p.host for p in points if p.address and p.host}
    pairer = PacketPairer(first_actor, points[0].interface, hosts)
    out = bytearray()
    inbuf = bytearray()
    early: list[tuple[float, int, bytes, int]] = []  # frames before the run's clock is known
    t0: float | None = None
    mark = 0.0  # every event of the run before this run time has been received
    poll = select.poll()
    for ring in rings:
        poll.register(ring.fileno(), select.POLLIN)
    poll.register(ctl_r, select.POLLIN)
    gather = select.poll()  # while frames gather, a word from the run host still wakes it
    gather.register(ctl_r, select.POLLIN)
    fcntl.fcntl(data_w, fcntl.F_SETFL, fcntl.fcntl(data_w, fcntl.F_GETFL) | os.O_NONBLOCK)
    packets = drops = 0
    stopping = False
    covered = 0.0  # every packet stamped before this run time has been written (the M record)

    def take(frames: list[tuple[float, int, bytes, int]]) -> None:
        assert t0 is not None
        add = pairer.add_frame  # decodes only what pairing needs (most of a transfer: not)
        for t, length, frame, i in frames:
            add(frame, length, t - t0, points[i].host, points[i].interface)

    def drain() -> list[tuple[float, int, bytes, int]]:
        """Every ring's frames; with more than one ring, merged in the kernel's time order (a
        packet leaves host A before it reaches host B)."""
        nonlocal packets, drops
        got = [(t, n, f, i) for i, ring in enumerate(rings) for t, n, f in ring.frames(0.0)]
        for ring in rings:
            s = ring.stats()
            packets, drops = packets + s.packets, drops + s.drops
        if len(rings) > 1:
            got.sort(key=lambda x: x[0])
        return got

    while True:
        if out:
            poll.register(data_w, select.POLLOUT)
        else:
            with contextlib.suppress(KeyError):
                poll.unregister(data_w)
        # held packets are looked at again even when nothing arrives (HOLD in pairing.py)
        for fd, _ev in poll.poll(100 if pairer.pending else None):
            if fd != ctl_r:
                continue
            chunk = os.read(ctl_r, 1 << 18)
            if not chunk:
                stopping = True  # the run host has gone
            inbuf += chunk
        # the ring first, always: what the pipe cannot take yet waits here, in memory, so
        # a slow reader never makes the ring overflow
        drained_at = time.monotonic()
        frames = drain()
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
                if msg.get("first") and msg["first"] != first_actor:
                    first_actor = str(msg["first"])
                    pairer = PacketPairer(first_actor, points[0].interface, hosts)
            elif msg.get("t") == "stop":
                # sent after the run's last event: every event is known, whatever the time
                stopping, mark = True, float("inf")
        if t0 is None:
            early += frames
        else:
            if early:
                take(early)
                early = []
            take(frames)
            if stopping:
                take(drain())  # what arrived with the stop
            # held packets expire by the run's events, not by the clock: a capture that fell
            # behind (busy machine) must not give up on packets whose explanation is on its way
            for d in pairer.ready(mark, mark, flush=stopping):
                text = json.dumps(d, separators=(",", ":"), ensure_ascii=False).encode()
                out += b"J" + _LEN.pack(len(text)) + text
            # what the ring held when drained is written now, but for the packets still held
            # for their explanation: a packet stamped before both cannot come any more. One
            # held longer (a SYN whose connect() sleeps until the kernel's retry names its
            # port) stops holding the mark back: it comes late, when it is explained.
            oldest = pairer.oldest()
            now = drained_at - t0 - STAMP_SLACK
            if oldest is not None:
                now = min(now, max(oldest, now - VOUCH_WAIT))
                # but not past the packets behind it: they wait for it, unwritten
                behind = pairer.behind_oldest()
                if behind is not None:
                    now = min(now, behind)
            # and every event before it has gone to the client ahead of this word (the run
            # host sends events there before it forwards them here): a log may write a
            # program's line stamped before it, knowing no call before it is still to come
            now = min(now, mark)
            if now > covered and not stopping:
                covered = now
                out += b"M" + _MARK.pack(covered)
        if stopping:
            break
        if out:
            with contextlib.suppress(BlockingIOError):
                del out[: os.write(data_w, out)]
        if frames:
            # busy (a bulk transfer): let frames gather in the ring for a moment rather than
            # wake for each one; every wake-up is a context switch taken from the run's actors
            # on a machine with few cores. The ring holds 32,768 frames, some 1.5 s of the
            # fastest loopback transfer. The run's stop ends the wait at once.
            gather.poll(GATHER * 1000)
    out += b"S" + _STATS.pack(packets, drops)
    fcntl.fcntl(data_w, fcntl.F_SETFL, fcntl.fcntl(data_w, fcntl.F_GETFL) & ~os.O_NONBLOCK)
    view = memoryview(out)
    while view:
        view = view[os.write(data_w, view) :]
    for ring in rings:
        ring.close()


class CaptureProcess:
    """The run host's handle on its capture process. Start it while single threaded."""

    def __init__(
        self,
        pid: int | None,
        data_r: int,
        ctl_w: int,
        interface: str,
        interfaces: list[str] | None = None,
    ) -> None:
        self.pid = pid  # None: in another PID namespace (StartingCapture.elsewhere)
        self.interface = interface
        self.interfaces = interfaces or [interface]  # "A:eth0", "B:eth0" in two-host runs
        self._data_fd = data_r
        self._ctl_w = ctl_w
        self._ctl_lock = threading.Lock()
        self._reader: threading.Thread | None = None
        self.end: CaptureEnd | None = None
        self.finished = threading.Event()  # the last record has been read
        self.count = 0
        # the actor a packet no call explains is drawn on, when not known at the fork (sent
        # with the run's clock)
        self.first_actor: str | None = None

    @classmethod
    def start(
        cls,
        interface: str = "lo",
        first_actor: str = "run",
        outgoing_only: bool = True,
        points: list[CapturePoint] | None = None,
    ) -> CaptureProcess | str:
        """Fork the capture and wait until its rings are in place (so that the run's first
        packet is captured); a text saying why when it cannot capture. ``points``: every
        interface to capture on (two hosts: each host's), else ``interface`` alone."""
        if not points:
            points = [CapturePoint(interface, outgoing_only)]
        return StartingCapture(points, first_actor).ready()

    @classmethod
    def fork_early(cls, first_actor: str = "run") -> StartingCapture:
        """Fork the capture of a one-host run's ``lo`` now, before the run host makes its PID
        namespace, and let it set its ring up while the host does the rest (the scenario, the
        runner); :meth:`StartingCapture.ready` waits for it. Outside the run's PID namespace
        its end is not the run's: init of a PID namespace waits, as it exits, for every process
        in it, and the capture's last act, closing its packet socket, waits two grace periods
        of the kernel (16-35 ms here) that the end of the run need not. The actor a packet no
        call explains is drawn on goes with the run's clock (:meth:`clock`)."""
        return StartingCapture([CapturePoint("lo", True)], first_actor)

    def fork_safe(self) -> None:
        """A process an actor forks must not hold the capture's pipes."""
        if hasattr(os, "register_at_fork"):
            fds = (self._data_fd, self._ctl_w)

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
        msg: dict[str, object] = {"t": "t0", "t0": t0}
        if self.first_actor is not None:
            msg["first"] = self.first_actor
        self._tell(json.dumps(msg).encode() + b"\n")

    def events(self, text: str) -> None:
        """The run's events, as one JSON array (the run host's own serialisation of them)."""
        self._tell(text.encode() + b"\n")

    def watermark(self, t: float) -> None:
        """Every event of the run before run time ``t`` has been sent (see the pump)."""
        self._tell(f'{{"t":"w","w":{t:.6f}}}\n'.encode())

    def request_stop(self) -> None:
        self._tell(b'{"t":"stop"}\n')

    # --- from the capture ---------------------------------------------------------------------
    def read_in_thread(
        self,
        deliver: Callable[[list[str]], None],
        covered: Callable[[float], None] | None = None,
    ) -> None:
        """Read the data pipe in a thread of the run host; ``deliver`` gets packet events as
        JSON texts (``seq`` still 0), in batches; ``covered`` each run time before which every
        packet has been delivered (after the packets it vouches for)."""
        self._reader = threading.Thread(
            target=self._read, args=(deliver, covered), name="socketscope-capture", daemon=True
        )
        self._reader.start()

    def _read(
        self,
        deliver: Callable[[list[str]], None],
        covered: Callable[[float], None] | None = None,
    ) -> None:
        fd = self._data_fd
        buf = bytearray()
        stats: CaptureStats | None = None
        error = ""
        try:
            while stats is None:
                chunk = os.read(fd, PIPE_SIZE)
                if not chunk:
                    error = "the capture process ended early"
                    break
                buf += chunk
                batch: list[str] = []
                mark: float | None = None
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
                    elif kind == _M:
                        if len(buf) < i + 1 + _MARK.size:
                            break
                        (mark,) = _MARK.unpack_from(buf, i + 1)
                        i += 1 + _MARK.size
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
                if mark is not None and covered is not None:
                    covered(mark)  # the packets before it were delivered just now
        except OSError as e:
            error = f"reading the capture: {e}"
        if covered is not None:
            covered(float("inf"))  # it has ended, in order or not: no packet is to come
        self.end = CaptureEnd(stats, error)
        self.finished.set()

    def stop(self, timeout: float = 5.0) -> CaptureEnd:
        """End the capture process (after ``request_stop`` and its last record) and return the
        ring's statistics."""
        self.request_stop()
        self.finished.wait(timeout)
        if self._reader is not None:
            self._reader.join(timeout)
        end = self.end or CaptureEnd(None, "the capture did not finish in time")
        for fd in (self._ctl_w, self._data_fd):
            with contextlib.suppress(OSError):
                os.close(fd)
        if self.pid is None:
            return end  # its control pipe is closed: it ends by itself, outside the run
        with contextlib.suppress(OSError):
            if not self.finished.is_set():
                os.kill(self.pid, signal.SIGKILL)
        # Reaped aside: the capture's exit releases its packet socket, and the kernel waits a
        # grace period for that (~30 ms, synchronize_net) which the run's end need not wait for.
        threading.Thread(target=_reap, args=(self.pid,), name="capture-reap", daemon=True).start()
        return end


class StartingCapture:
    """A capture process forked, its rings being made: ``ready()`` is its handle once they
    are (or why it cannot capture), ``cancel()`` ends it unused. Fork it while the run host
    has one thread."""

    def __init__(self, points: list[CapturePoint], first_actor: str = "run") -> None:
        self.points = points
        # out of the way of the scenario's descriptors, which start at 3 as in a C program
        data_r, data_w = (fd_above(fd) for fd in os.pipe())
        # A bulk transfer's packet events are megabytes of JSON (every frame's bytes): with the
        # default 64 KiB the capture could pass on one pipeful per round and the rest piled up
        # for the end of the run, where the run then waited for it.
        with contextlib.suppress(OSError):
            fcntl.fcntl(data_w, F_SETPIPE_SZ, PIPE_SIZE)
        ctl_r, ctl_w = (fd_above(fd) for fd in os.pipe())
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                os.close(data_r)
                os.close(ctl_w)
                _child(points, first_actor, data_w, ctl_r)
            except BaseException:  # noqa: BLE001 -- a forked child never returns to the host's code
                code = 1
            finally:
                os._exit(code)
        os.close(data_w)
        os.close(ctl_r)
        self.pid: int | None = pid
        self._data_r: int | None = data_r
        self._ctl_w: int | None = ctl_w

    def elsewhere(self) -> None:
        """The process that forked the capture has since made the rest of the run a PID
        namespace of its own (netns.enter_pid_namespace): the capture's pid means nothing
        there (or another process of the run), so it is never signalled or waited for by it.
        It ends by itself when its control pipe closes, or with its parent (PDEATHSIG)."""
        self.pid = None

    def ready(self) -> CaptureProcess | str:
        """Wait until the rings are in place: the capture's handle, or why it cannot capture."""
        data_r, ctl_w, pid = self._data_r, self._ctl_w, self.pid
        assert data_r is not None and ctl_w is not None, "a capture is made ready once"
        self._data_r = self._ctl_w = None
        first = os.read(data_r, 1)
        if first == b"R":
            names = [f"{p.host}:{p.interface}" if p.host else p.interface for p in self.points]
            return CaptureProcess(pid, data_r, ctl_w, self.points[0].interface, names)
        why = "the capture process ended before it started"
        if first == b"E":
            (n,) = _TEXT.unpack(_read_exactly(data_r, _TEXT.size))
            why = _read_exactly(data_r, n).decode(errors="replace")
        for fd in (data_r, ctl_w):
            os.close(fd)
        if pid is not None:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
        return why

    def cancel(self) -> None:
        """End it unused: its control pipe closes and it stops by itself (its ring's close is
        its own). Not reaped here: the host may still be single threaded, and must stay so
        until it forks what it needs instead; the kernel reaps it with the run host."""
        for fd in (self._data_r, self._ctl_w):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._data_r = self._ctl_w = None


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


def _read_exactly(fd: int, n: int) -> bytes:
    out = b""
    while len(out) < n:
        chunk = os.read(fd, n - len(out))
        if not chunk:
            break
        out += chunk
    return out
