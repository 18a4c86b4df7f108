"""The traced socket API that scenario code is written against.

It looks like the ``socket`` module (``s = socket(AF_INET, SOCK_STREAM)``, ``s.bind(...)``,
``conn, addr = s.accept()``) and every call on it is real. Around each call it:
  1. stops at the actor's step gate (the view shows the call as a ghost meanwhile),
  2. records a *call* event with the scenario's source line,
  3. makes the very system call the code names, on a socket in the mode the code asked for
     (blocking by default, ``settimeout()``, ``setblocking(False)``): a blocked ``accept()`` is
     this thread asleep in ``accept4()``, exactly as in a C program,
  4. meanwhile the :class:`~socketscope.engine.blocking.BlockWatcher` looks at the thread from
     outside and records *blocked* the moment the kernel has put it to sleep in that call,
  5. records a *return* event: result or errno, whether it really slept, how long it took, the
     bytes, and then what the kernel says about the sockets involved.

Stop wakes every blocked call the way Linux allows: ``shutdown(SHUT_RDWR)`` of every socket
(LINUX-SOCKETS.md); a call woken that way is recorded as cut short by the stop ("STOPPED").
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno as _errno
import os
import socket as _socket
import sys
import threading
import time
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from . import kernel
from .actor import DATA_OPS, _Burst, caller_line, current_actor, errno_name
from .blocking import Sample
from .events import KernelSnapshot, plain_args
from .gate import ActorStopped, Status
from .loopback import GuardedSocket, check_loopback
from .pairing import ConnEnd, lost_fields

if TYPE_CHECKING:
    from .actor import ActorContext, CallHost

T = TypeVar("T")

AF_INET = _socket.AF_INET
AF_INET6 = _socket.AF_INET6
SOCK_STREAM = _socket.SOCK_STREAM
SOCK_DGRAM = _socket.SOCK_DGRAM
SOL_SOCKET = _socket.SOL_SOCKET
IPPROTO_TCP = _socket.IPPROTO_TCP
SO_REUSEADDR = _socket.SO_REUSEADDR
SO_RCVBUF = _socket.SO_RCVBUF
SO_SNDBUF = _socket.SO_SNDBUF
SO_LINGER = _socket.SO_LINGER
SO_ERROR = _socket.SO_ERROR
TCP_NODELAY = _socket.TCP_NODELAY
SHUT_RD = _socket.SHUT_RD
SHUT_WR = _socket.SHUT_WR
SHUT_RDWR = _socket.SHUT_RDWR
MSG_PEEK = _socket.MSG_PEEK
MSG_WAITALL = _socket.MSG_WAITALL
SO_REUSEPORT = getattr(_socket, "SO_REUSEPORT", None)

CONSUMER_OPS = frozenset({"accept", "recv", "recv_into", "recvfrom", "read"})


_FAMILY: dict[int, str] = {AF_INET: "AF_INET", AF_INET6: "AF_INET6"}
_TYPE: dict[int, str] = {SOCK_STREAM: "SOCK_STREAM", SOCK_DGRAM: "SOCK_DGRAM"}
_LEVEL = {SOL_SOCKET: "SOL_SOCKET", IPPROTO_TCP: "IPPROTO_TCP"}


def _known(names: tuple[str, ...]) -> dict[int, str]:
    # By name, not by scanning the module: other protocols' constants share the same numbers
    # (SO_J1939_PROMISC is 2, like SO_REUSEADDR).
    return {getattr(_socket, n): n for n in names if hasattr(_socket, n)}


_SOL_OPTS = _known(
    (
        "SO_REUSEADDR",
        "SO_REUSEPORT",
        "SO_RCVBUF",
        "SO_SNDBUF",
        "SO_LINGER",
        "SO_KEEPALIVE",
        "SO_ERROR",
        "SO_BROADCAST",
        "SO_RCVTIMEO",
        "SO_SNDTIMEO",
        "SO_TYPE",
        "SO_RCVLOWAT",
        "SO_SNDLOWAT",
        "SO_OOBINLINE",
        "SO_DEBUG",
        "SO_DONTROUTE",
        "SO_ACCEPTCONN",
    )
)
_TCP_OPTS = _known(
    (
        "TCP_NODELAY",
        "TCP_MAXSEG",
        "TCP_KEEPIDLE",
        "TCP_KEEPINTVL",
        "TCP_KEEPCNT",
        "TCP_QUICKACK",
        "TCP_INFO",
        "TCP_CORK",
        "TCP_USER_TIMEOUT",
        "TCP_FASTOPEN",
        "TCP_DEFER_ACCEPT",
    )
)
_SHUT = {SHUT_RD: "SHUT_RD", SHUT_WR: "SHUT_WR", SHUT_RDWR: "SHUT_RDWR"}


def option_name(level: int, option: int) -> str:
    table = _SOL_OPTS if level == SOL_SOCKET else _TCP_OPTS if level == IPPROTO_TCP else {}
    return table.get(option, str(option))


def addr_json(address: Any) -> Any:
    """An address as the trace writes it: ``[host, port]``, or a path. A host given as bytes is
    written as the text it spells (the kernel gets the same address either way); what is no
    address at all is written as Python shows it (the call then fails, and the trace says so)."""
    if isinstance(address, tuple) and len(address) >= 2:
        host, port = address[0], address[1]
        if isinstance(host, (bytes, bytearray)):
            host = bytes(host).decode("ascii", "backslashreplace")
        elif not isinstance(host, str):
            host = repr(host)
        if not isinstance(port, int) or isinstance(port, bool) or abs(port) >= 2**53:
            port = repr(port)
        return [host, port]
    if isinstance(address, str):
        return address
    return repr(address)


def _addr(address: Any) -> tuple[str, int] | None:
    if isinstance(address, tuple) and len(address) >= 2:
        return (str(address[0]), int(address[1]))
    return None


class TracedCall:
    """One traced call in progress. Used as ``with TracedCall(...) as c: ...``."""

    __slots__ = (
        "args",
        "blocked",
        "conn",
        "ctx",
        "data",
        "dgram",
        "dgram_size",
        "dir",
        "extra",
        "last_snaps",
        "line",
        "local",
        "nbytes",
        "new_sock",
        "op",
        "params",
        "peer",
        "quiet",
        "range",
        "result",
        "slept",
        "sock",
        "soft_error",
        "t0",
    )

    def __init__(
        self,
        ctx: ActorContext,
        sock: TracedSocket | None,
        op: str,
        args: dict[str, Any] | None,
        line: int | Literal[False] | None = False,
    ) -> None:
        self.ctx = ctx
        self.sock = sock
        self.op = op
        self.args = plain_args(args)
        self.line = caller_line() if line is False else line
        self.blocked = False  # shown blocked on the diagram (a blocked event was written)
        self.slept = False  # the kernel was seen to put the thread to sleep in this call
        self.result: Any = None
        self.params: dict[str, Any] | None = None  # what the return says besides (fork's child)
        self.nbytes: int | None = None
        self.data: bytes | memoryview | None = None
        self.range: tuple[int, int] | None = None
        self.conn: int | None = None
        self.dir: str | None = None
        self.dgram: int | None = None
        self.dgram_size: int | None = None
        self.peer: tuple[str, int] | None = None
        self.local: tuple[str, int] | None = None
        self.new_sock: int | None = None
        self.extra: list[TracedSocket] = []
        self.quiet = False
        self.soft_error: str | None = None  # an error returned as a value (connect_ex)
        self.last_snaps: dict[int, KernelSnapshot] = {}
        self.t0 = 0.0

    # --- entering: the gate and the call event ---------------------------------------------------
    def __enter__(self) -> TracedCall:
        ctx, runner = self.ctx, self.ctx.runner
        gate = runner.gate
        sid = self.sock.id if self.sock else None
        key = (sid or 0, self.op)
        if ctx.streak != key:
            runner.flush_burst(ctx)
            ctx.streak = key
            ctx.streak_len = 0
        ctx.streak_len += 1
        free = gate.free_running
        if free and self.op in DATA_OPS and ctx.streak_len > runner.options.burst_after:
            # A long run of identical data calls while free-running: counted, summarised later.
            if runner.stopping:
                raise ActorStopped
            self.quiet = True
        else:
            runner.flush_burst(ctx)
            fd = self.sock.fd if self.sock else None
            if not free:
                runner.emit(ctx.name, "waiting", op=self.op, sock=sid, fd=fd, line=self.line)
            gate.pass_through(ctx.name, self.op)
            runner.emit(
                ctx.name, "call", op=self.op, sock=sid, fd=fd, line=self.line, args=self.args
            )
            if self.op in CONSUMER_OPS and self.sock is not None:
                # what the call will find: the accept queue, the bytes already queued
                runner.snapshot_events(ctx.name, self.op, [self.sock])
        self.t0 = time.monotonic()
        return self

    # --- in the kernel ------------------------------------------------------------------------
    def io(self, attempt: Callable[[], T]) -> T:
        """Make the real system call, with the watcher looking at this thread meanwhile."""
        runner = self.ctx.runner
        if self._stopping():
            raise ActorStopped
        watcher = runner.watcher
        # a first look after 0.3 ms: sooner, the thread is still on its way into the kernel
        first = runner.options.burst_window / 10 if self.quiet else 0.0003
        token = watcher.begin(self, self.op, self.ctx.thread_probe(), first=first)
        try:
            result = attempt()
        except OSError:
            watcher.end(token)
            if self._stopping():
                raise ActorStopped from None  # woken by the stop's shutdown(), not by the peer
            raise
        watcher.end(token)
        if self.slept and self._stopping():
            # a blocked call the stop woke: its result is the stop's doing. A connection that
            # accept() got at that moment is closed here: nobody will ever own it
            made = result[0] if isinstance(result, tuple) and result else result
            if isinstance(made, _socket.socket):
                made.close()
            raise ActorStopped
        return result

    def _stopping(self) -> bool:
        return bool(self.ctx.runner.stopping)

    def on_asleep(self, sample: Sample | None) -> bool:
        """Watcher thread: the kernel has put this thread to sleep in the call."""
        self.slept = True
        if self.quiet:
            # A streak call that sleeps briefly is counted in its burst (a bulk transfer waits
            # for buffer space all the time); one that sleeps past the burst window is shown.
            if time.monotonic() - self.t0 < self.ctx.runner.options.burst_window:
                return False
            self.promote()
        self.show_blocked(sample)
        return True

    def on_still_blocked(self) -> None:
        """Watcher thread, every 100 ms while blocked: what the kernel says now, if it changed."""
        if self._stopping():
            return  # the stop's shutdown() changes everything; no actor did that
        socks = self.sock.involved() if self.sock else []
        # the first look may ask the kernel's socket table (a lingering close's state); the
        # 100 ms ones ask the fds only (where /proc/net/tcp is the way, it is read whole)
        first = not self.last_snaps
        self.ctx.runner.snapshot_events(
            self.ctx.name,
            self.op,
            [*socks, *self.extra],
            changed_since=self.last_snaps,
            proc=first,
        )

    def promote(self) -> None:
        """A streak call has waited too long to be summarised: show it as it is."""
        runner = self.ctx.runner
        self.quiet = False
        runner.flush_burst(self.ctx)
        runner.emit(
            self.ctx.name,
            "call",
            op=self.op,
            sock=self.sock.id if self.sock else None,
            fd=self.sock.fd if self.sock else None,
            line=self.line,
            args=self.args,
        )

    def show_blocked(self, sample: Sample | None, *, evidence: str | None = None) -> None:
        if self.blocked:
            return
        self.blocked = True
        runner = self.ctx.runner
        sid = self.sock.id if self.sock else None
        ev: dict[str, Any] = {}
        if sample is not None:
            ev = {"kernel_wait": sample.wchan, "syscall": sample.syscall, "evidence": "kernel"}
        elif evidence is not None:
            ev = {"evidence": evidence}
        else:
            ev = {"evidence": runner.watcher.evidence}
        runner.emit(
            self.ctx.name,
            "blocked",
            op=self.op,
            sock=sid,
            fd=self.sock.fd if self.sock else None,
            line=self.line,
            **ev,
        )
        runner.gate.set_status(self.ctx.name, Status.BLOCKED, self.op)
        runner.milestone(self.ctx.name, self.op)
        if self.sock is not None:
            # the state while it waits: SYN_SENT behind a full backlog, the queues it waits on
            self.on_still_blocked()

    # --- leaving: the return event ---------------------------------------------------------------
    def __exit__(self, et: Any, exc: BaseException | None, tb: Any) -> Literal[False]:
        runner, ctx = self.ctx.runner, self.ctx
        duration = time.monotonic() - self.t0
        if self.blocked:
            runner.gate.set_status(ctx.name, Status.RUNNING, self.op)
        sid = self.sock.id if self.sock else None
        fd = self.sock.fd if self.sock else None
        if exc is None and self.quiet and self.nbytes:
            self._accumulate(duration)
            return False
        if self.quiet:
            # The unusual end of a streak (EOF, error, stop) is always recorded in full.
            runner.flush_burst(ctx)
            runner.emit(
                ctx.name, "call", op=self.op, sock=sid, fd=fd, line=self.line, args=self.args
            )
        cap = runner.options.data_cap
        data = self.data
        fields: dict[str, Any] = {
            "op": self.op,
            "sock": sid,
            "fd": fd,
            "blocked": self.blocked,
            "duration": round(duration, 6),
        }
        if exc is None and self.soft_error:
            fields.update(ok=False, result=self.result, error=self.soft_error)
        elif exc is None:
            fields.update(ok=True, result=self.result)
        elif isinstance(exc, ActorStopped):
            fields.update(
                ok=False, error="STOPPED", message="cut short by Stop", code="call.stopped"
            )
        else:
            fields.update(ok=False, error=errno_name(exc), message=str(exc) or type(exc).__name__)
        if self.nbytes is not None:
            fields.update(nbytes=self.nbytes, data=(data or b"")[:cap].hex())
            if data is not None and len(data) > cap:
                fields["truncated"] = True
        for name in (
            "conn", "dir", "range", "dgram", "dgram_size", "peer", "local", "new_sock", "params",
        ):  # fmt: skip
            value = getattr(self, name)
            if value is not None:
                fields[name] = value
        runner.emit(ctx.name, "return", **fields)
        if not isinstance(exc, ActorStopped):
            socks = self.sock.involved() if self.sock else []
            runner.snapshot_events(ctx.name, self.op, [*socks, *self.extra])
        runner.milestone(ctx.name, self.op, returned=True, first=not self.blocked)
        return False

    def _accumulate(self, duration: float) -> None:
        assert self.sock is not None and self.nbytes is not None
        self.sock._burst_add(
            self.ctx, self.op, self.nbytes, self.data, self.range, self.slept, duration, self.line
        )


class QuickCall:
    """A call inside a long free-running streak of identical data calls (a bulk transfer): it
    is only counted into the streak's burst, so it costs no events and almost no Python. The
    watcher still looks at it; if it sleeps longer than the burst window it is *promoted* to a
    :class:`TracedCall` and shown as the blocked call it is. Anything unusual (an error, end of
    stream, a stop) is recorded in full too."""

    __slots__ = ("args", "call", "ctx", "ident", "op", "slept", "sock", "t0")

    def __init__(
        self, ctx: ActorContext, sock: TracedSocket, op: str, args: dict[str, Any]
    ) -> None:
        self.ctx, self.sock, self.op, self.args = ctx, sock, op, args
        self.ident = threading.get_ident()
        self.call: TracedCall | None = None
        self.slept = False
        self.t0 = time.monotonic()

    def run(self, attempt: Callable[[], T]) -> T:
        runner = self.ctx.runner
        watcher = runner.watcher
        slot = self.ctx.streak_slot
        if slot is None:
            slot = self.ctx.streak_slot = watcher.slot(
                self.ctx.thread_probe(), runner.options.burst_window / 10
            )
        watcher.streak_call(slot, self)
        try:
            result = attempt()
        except OSError as exc:
            watcher.streak_return(slot)
            failure: BaseException = ActorStopped() if runner.stopping else exc
            self._full().__exit__(type(failure), failure, None)
            if isinstance(failure, ActorStopped):
                raise failure from None
            raise
        watcher.streak_return(slot)
        if self.slept and runner.stopping:
            self._full().__exit__(ActorStopped, ActorStopped(), None)
            raise ActorStopped
        return result

    def _full(self) -> TracedCall:
        """This call as a fully traced one (made on the actor's thread, after the fact)."""
        if self.call is None:
            c = TracedCall(self.ctx, self.sock, self.op, self.args, line=caller_line())
            c.quiet, c.t0, c.slept = True, self.t0, self.slept
            self.call = c
        return self.call

    def on_asleep(self, sample: Sample | None) -> bool:
        """Watcher thread, its lock held (the call cannot return meanwhile)."""
        self.slept = True
        if time.monotonic() - self.t0 < self.ctx.runner.options.burst_window:
            return False
        frame = sys._current_frames().get(self.ident)
        c = TracedCall(self.ctx, self.sock, self.op, self.args, line=caller_line(frame))
        c.quiet, c.t0, c.slept = True, self.t0, True
        c.promote()
        c.show_blocked(sample)
        self.call = c
        return True

    def on_still_blocked(self) -> None:
        if self.call is not None:
            self.call.on_still_blocked()

    def finish(self, n: int, data: bytes | memoryview, result: Any) -> bool:
        """The call returned ``n`` bytes. Counted into the burst (True), or, when it was
        promoted or is the streak's end (0 bytes), recorded in full (False)."""
        sock = self.sock
        if self.call is None and n:
            if self.op == "send":
                rng = (sock._sent, sock._sent + n)
                sock._sent += n
            else:
                rng = (sock._received, sock._received + n)
                sock._received += n
            sock._burst_add(self.ctx, self.op, n, data, rng, self.slept, time.monotonic() - self.t0)
            return True
        c = self._full()
        if self.op == "send":
            sock._outgoing(c, data, n)
        else:
            sock._incoming(c, data)
        c.result = result
        c.__exit__(None, None, None)
        return False


class TracedSocket:
    """A real socket whose every call is traced. Created by :func:`socket` or ``accept()``."""

    def __init__(
        self,
        runner: CallHost,
        family: int,
        type: int,
        proto: int = 0,
        *,
        owner: str,
        real: _socket.socket | None = None,
    ) -> None:
        self._runner = runner
        # a two-host run's: the host whose namespace it was made in (its table holds it)
        net = getattr(runner, "network", None)
        self._host: str | None = net.host_here() if net is not None else None
        # guarded: the private real socket is as loopback-only as the traced one
        self._s = real if real is not None else GuardedSocket(family, type, proto)
        self._fd = self._s.fileno()
        self.fd = self._fd
        self.family = family
        self.type = type
        self.proto = proto
        self.owner = owner
        # the mode the program asked for, and the real socket is in: None = blocking
        self._timeout: float | None = self._s.gettimeout()
        self._bound = False  # bound by bind(), or by the kernel on a first connect/sendto
        self.closed = False
        self.listening = False
        self.conn: ConnEnd | None = None
        self.options: dict[str, Any] = {}
        self._sent = 0
        self._received = 0
        self._local: tuple[str, int] | None = None
        self._peer: tuple[str, int] | None = None
        self.id = runner.register(self)

    def __repr__(self) -> str:
        kind = "TCP" if self.type == SOCK_STREAM else "UDP"
        return f"<TracedSocket #{self.id} fd={self.fd} {kind} {self.owner}>"

    def __enter__(self) -> TracedSocket:
        return self

    def __exit__(self, *exc: object) -> None:
        if not self.closed:
            self.close()

    def _call(self, op: str, args: dict[str, Any] | None = None) -> TracedCall:
        ctx = current_actor()
        self.owner = ctx.name
        return TracedCall(ctx, self, op, args)

    @property
    def is_tcp(self) -> bool:
        return self.type == SOCK_STREAM

    # --- relations used by the trace --------------------------------------------------------
    def peer_socket(self) -> TracedSocket | None:
        if self.conn is None:
            return None
        return self._runner.sock(self._runner.pairing.peer_sock(self.conn.conn, self.conn.side))

    def involved(self) -> list[TracedSocket]:
        peer = self.peer_socket()
        return [self] if peer is None else [self, peer]

    def stream_dir(self, op: str) -> str | None:
        if self.conn is None:
            return None
        outgoing = op.startswith("send") or op == "write"
        side = self.conn.side
        return (
            f"{side}>{'s' if side == 'c' else 'c'}"
            if outgoing
            else f"{'s' if side == 'c' else 'c'}>{side}"
        )

    def kernel_snapshot(self, table: list[kernel.TcpRow] | None = None) -> KernelSnapshot:
        """Call with the runner's fd lock held. ``table``: one read of the kernel's TCP table
        shared by many sockets (reading it walks the kernel's whole connection table)."""
        return self.settle_snapshot(self.fd_snapshot(), table)

    def fd_snapshot(self) -> KernelSnapshot | None:
        """What the kernel says through the fd (None once closed). With the fd lock held."""
        if self.closed:
            return None
        snap = kernel.snapshot(self._s)
        if not self.is_tcp:
            local = self.known_local()
            if local is not None:
                snap = dataclasses.replace(snap, recv_q=kernel.udp_rx_queue(local))
        return snap

    def settle_snapshot(
        self, snap: KernelSnapshot | None, table: list[kernel.TcpRow] | None = None
    ) -> KernelSnapshot:
        """What only the kernel's socket table can add: the state of a connection the fd no
        longer shows (TIME_WAIT reads CLOSE through the fd; a closed socket has none). No fd is
        touched, so no lock is needed: other actors must not wait on the read."""
        local = self._local if self._local is not None and self._local[1] != 0 else None
        net = getattr(self._runner, "network", None)
        home = (
            net.visiting(self._host)
            if net is not None and self._host is not None
            else contextlib.nullcontext()
        )
        if net is not None:
            table = None  # read in whichever host's namespace: maybe not this socket's
        if snap is not None:
            if snap.state == "CLOSED" and local is not None and self._peer is not None:
                with home:
                    lingering = kernel.lingering_state(local, self._peer, table)
                if lingering is not None and lingering != "CLOSED":
                    snap = dataclasses.replace(snap, state=lingering)
            return snap
        if self.is_tcp and local is not None:
            peer = None if self.listening else self._peer
            with home:
                return KernelSnapshot(state=kernel.lingering_state(local, peer, table))
        # never bound: the kernel holds nothing for it once closed (no /proc read to say so)
        return KernelSnapshot(state="CLOSED" if self.is_tcp else None)

    def _ensure_conn(self, side: str) -> ConnEnd | None:
        """The connection this socket is an end of, registered on first sight."""
        if self.conn is not None or not self.is_tcp:
            return self.conn
        try:
            local, peer = _addr(self._s.getsockname()), _addr(self._s.getpeername())
        except OSError:
            return None
        if local and peer:
            self._local, self._peer = local, peer
            self.conn = self._runner.pairing.connection(self.id, local, peer, side)
        return self.conn

    def _streak(self, op: str) -> ActorContext | None:
        """The actor, when this call continues a long free-running streak of ``op`` on this
        socket (then it takes the quick path: see :class:`QuickCall`)."""
        ctx = current_actor()
        runner = self._runner
        if (
            ctx.burst is not None
            and ctx.streak == (self.id, op)
            and runner.gate.free_running
            and not runner.stopping
        ):
            ctx.streak_len += 1
            return ctx
        return None

    def _burst_add(
        self,
        ctx: ActorContext,
        op: str,
        n: int,
        data: bytes | memoryview | None,
        rng: tuple[int, int] | None,
        blocked: bool,
        duration: float,
        line: int | None = None,
    ) -> None:
        runner = self._runner
        b = ctx.burst
        if b is None:
            b = ctx.burst = _Burst(op, self, line, runner.time())
            b.preview = bytes((data or b"")[: runner.options.data_cap])
        b.count += 1
        b.nbytes += n
        b.duration += duration
        b.blocked_count += blocked
        if line is not None:
            b.line = line
        if rng is not None:
            if b.start is None:
                b.start = rng[0]
            b.end = rng[1]
        if runner.time() - b.t_first >= runner.options.burst_window:
            runner.flush_burst(ctx)

    # --- data bookkeeping ----------------------------------------------------------------------
    def _outgoing(self, c: TracedCall, payload: bytes | memoryview, n: int) -> None:
        c.nbytes = n
        # a summarised call's bytes only seed its burst's preview: no copy
        c.data = payload if c.quiet else bytes(payload[: min(n, self._runner.options.data_cap + 1)])
        if self.is_tcp:
            self._tcp_stream(c, "send")
            c.range = (self._sent, self._sent + n)
            self._sent += n

    def _tcp_stream(self, c: TracedCall, op: str) -> None:
        conn = self.conn
        if conn is None:
            # connected without a blocking connect() (non-blocking connect_ex, then select):
            # the first data call is where the connection becomes known, so it says who is who
            conn = self._ensure_conn("c")
            if conn is not None:
                c.local, c.peer = self._local, self._peer
        if conn is not None:
            c.conn, c.dir = conn.conn, self.stream_dir(op)

    def _incoming(
        self, c: TracedCall, data: bytes | memoryview, src: Any = None, peek: bool = False
    ) -> None:
        n = len(data)
        c.nbytes = n
        c.data = data if c.quiet else bytes(data[: self._runner.options.data_cap + 1])
        if peek:
            # MSG_PEEK looks without taking: no stream range consumed, no datagram paired
            if self.is_tcp:
                self._tcp_stream(c, "recv")
            c.peer = _addr(src) if src is not None else None
            return
        if self.is_tcp:
            self._tcp_stream(c, "recv")
            c.range = (self._received, self._received + n)
            self._received += n
            return
        src_addr = _addr(src) if src is not None else self._peer
        local = self._local_addr()
        # without a source (recv() on an unconnected socket) the datagram is found by its bytes:
        # left unpaired, it was reported lost by the kernel when the socket closed
        if local is not None and n:
            match = self._runner.pairing.datagram_received(local, src_addr, bytes(data))
            c.dgram = match.dgram
            if match.size is not None and match.size > n:
                c.dgram_size = match.size  # the buffer was too small: the rest is gone
            for lost in lost_fields(match.lost, match.unsure):
                self._runner.emit(
                    c.ctx.name, "dgram_lost", op=c.op, sock=self.id, fd=self.fd, **lost
                )
        c.peer = src_addr

    def known_local(self) -> tuple[str, int] | None:
        """The local address, once the socket has one (bound, or given one by the kernel)."""
        if not self.closed and (self._local is None or self._local[1] == 0):
            with contextlib.suppress(OSError):
                local = _addr(self._s.getsockname())
                if local is not None and local[1] != 0:
                    self._local = local
        return self._local if self._local is not None and self._local[1] != 0 else None

    def _local_addr(self) -> tuple[str, int] | None:
        with contextlib.suppress(OSError):
            self._local = _addr(self._s.getsockname())
        return self._local

    def _send_datagram(
        self, c: TracedCall, payload: bytes, dst: tuple[str, int], attempt: Callable[[], int]
    ) -> int:
        pairing = self._runner.pairing
        pending = pairing.datagram_sending(self.id, self._local, dst, bytes(payload))
        try:
            n = c.io(attempt)
        except BaseException:
            pairing.datagram_failed(dst, pending)
            raise
        pairing.datagram_sent(pending, self._local_addr())
        self._implicit_bind(c)
        c.nbytes, c.data = n, bytes(payload[: self._runner.options.data_cap + 1])
        c.dgram, c.peer = pending.dgram, dst
        return n

    def _implicit_bind(self, c: TracedCall) -> None:
        """The first connect()/sendto() of an unbound socket: the kernel chose its address."""
        if not self._bound:
            self._bound = True
            c.local = self._local_addr()

    # --- set-up ---------------------------------------------------------------------------------
    def bind(self, address: tuple[Any, ...]) -> None:
        with self._call("bind", {"address": addr_json(address)}) as c:
            check_loopback("bind", address, self.family)
            self._s.bind(address)
            self._bound = True
            c.local = self._local_addr()

    def listen(self, backlog: int = 128) -> None:
        with self._call("listen", {"backlog": backlog}) as c:
            self._s.listen(backlog)  # unbound: the guard binds it to loopback first
            self.listening = True
            c.local = self._local_addr()
            if not self._bound and c.local is not None:
                c.result = {"implicit_bind": addr_json(c.local)}
            self._bound = True
            if c.local:
                self._runner.add_listener(c.local, self)

    def accept(self) -> tuple[TracedSocket, tuple[Any, ...]]:
        with self._call("accept") as c:
            real, address = c.io(self._s.accept)
            child = self._accepted(real, c.ctx.name)
            child._bound = True
            child._ensure_conn("s")
            c.new_sock = child.id
            c.peer = _addr(address)
            c.local = child._local
            c.conn = child.conn.conn if child.conn else None
            c.result = {"fd": child.fd, "address": addr_json(address)}
            c.extra.append(child)
        return child, address

    def _accepted(self, real: _socket.socket, owner: str) -> TracedSocket:
        """The socket accept() made (a traced program's socket class makes its own kind)."""
        return TracedSocket(
            self._runner, self.family, self.type, self.proto, owner=owner, real=real
        )

    def _connect(self, c: TracedCall, address: tuple[Any, ...]) -> int:
        check_loopback(c.op, address, self.family)
        if c.op == "connect_ex":
            err = c.io(lambda: self._s.connect_ex(address))
        else:
            try:
                c.io(lambda: self._s.connect(address))
            except OSError:
                self._implicit_bind(c)
                raise
            err = 0
        if err == 0:
            self._ensure_conn("c")
            self._bound = True
            c.local, c.peer = self._local, self._peer
            if self.conn is not None:
                c.conn = self.conn.conn
            listener = self._runner.listener_at(_addr(address) or ("", 0))
            if listener is not None:
                c.extra.append(listener)
        else:
            # a refused or pending connect has still bound the socket to an ephemeral port
            self._implicit_bind(c)
        return err

    def connect(self, address: tuple[Any, ...]) -> None:
        with self._call("connect", {"address": addr_json(address)}) as c:
            err = self._connect(c, address)
            if err:
                raise OSError(err, os.strerror(err))

    def connect_ex(self, address: tuple[Any, ...]) -> int:
        with self._call("connect_ex", {"address": addr_json(address)}) as c:
            err = self._connect(c, address)
            c.result = err
            if err:
                c.soft_error = _errno.errorcode.get(err, str(err))
                c.result = {"errno": err, "name": c.soft_error}
        return err

    # --- data -----------------------------------------------------------------------------------
    def send(self, data: bytes, flags: int = 0) -> int:
        view = memoryview(data)
        ctx = self._streak("send") if self.is_tcp else None
        if ctx is not None:
            q = QuickCall(
                ctx,
                self,
                "send",
                {"len": len(data), "flags": flags} if flags else {"len": len(data)},
            )
            n = q.run(lambda: self._s.send(view, flags))
            q.finish(n, view, n)
            return n
        with self._call(
            "send", {"len": len(data), "flags": flags} if flags else {"len": len(data)}
        ) as c:
            if not self.is_tcp:
                dst = self._peer
                if dst is None:
                    with contextlib.suppress(OSError):
                        dst = _addr(self._s.getpeername())
                if dst is None:
                    n = c.io(lambda: self._s.send(view, flags))  # EDESTADDRREQ
                else:
                    n = self._send_datagram(c, data, dst, lambda: self._s.send(view, flags))
            else:
                # blocking: the kernel returns only when every byte is in the send buffer
                n = c.io(lambda: self._s.send(view, flags))
                self._outgoing(c, view, n)
            c.result = n
        return n

    def sendall(self, data: bytes, flags: int = 0) -> None:
        with self._call("sendall", {"len": len(data)}) as c:
            view = memoryview(data)
            n = 0
            try:
                while n < len(view):
                    n += c.io(partial(self._s.send, view[n:], flags))
            finally:
                self._outgoing(c, view, n)  # what went before an error is in the stream

    def sendto(self, data: bytes, address: tuple[Any, ...]) -> int:
        with self._call("sendto", {"len": len(data), "address": addr_json(address)}) as c:
            check_loopback("sendto", address, self.family)
            dst = _addr(address) or ("", 0)
            n = self._send_datagram(c, data, dst, lambda: self._s.sendto(data, address))
            c.result = n
        return n

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        ctx = self._streak("recv") if self.is_tcp and not flags else None  # flags: never a burst
        if ctx is not None:
            q = QuickCall(ctx, self, "recv", {"bufsize": bufsize})
            data = q.run(lambda: self._s.recv(bufsize))
            q.finish(len(data), data, len(data))
            return data
        with self._call(
            "recv", {"bufsize": bufsize, "flags": flags} if flags else {"bufsize": bufsize}
        ) as c:
            data = c.io(lambda: self._s.recv(bufsize, flags))
            self._incoming(c, data, peek=bool(flags & MSG_PEEK))
            c.result = len(data)
        return data

    def recv_into(self, buffer: bytearray | memoryview, nbytes: int = 0, flags: int = 0) -> int:
        with self._call("recv_into", {"nbytes": nbytes or len(buffer)}) as c:
            n = c.io(lambda: self._s.recv_into(buffer, nbytes, flags))
            self._incoming(c, memoryview(buffer)[:n])
            c.result = n
        return n

    def recvfrom(self, bufsize: int, flags: int = 0) -> tuple[bytes, Any]:
        with self._call("recvfrom", {"bufsize": bufsize}) as c:
            data, address = c.io(lambda: self._s.recvfrom(bufsize, flags))
            self._incoming(c, data, address, peek=bool(flags & MSG_PEEK))
            c.result = len(data)
        return data, address

    # --- the notes' read() and write(): the plain file calls on the socket's fd -----------------
    def _fd_wait(self, write: bool) -> None:
        """With settimeout() the fd is non-blocking: wait as CPython waits for recv()/send()."""
        import select as _select

        if not self._timeout:
            return
        p = _select.poll()
        p.register(self._fd, _select.POLLOUT if write else _select.POLLIN)
        if not p.poll(self._timeout * 1000):
            raise TimeoutError("timed out")

    def read(self, count: int) -> bytes:
        with self._call("read", {"count": count}) as c:

            def attempt() -> bytes:
                self._fd_wait(write=False)
                return os.read(self._fd, count)

            data = c.io(attempt)
            self._incoming(c, data)
            c.result = len(data)
        return data

    def write(self, data: bytes) -> int:
        view = memoryview(data)
        with self._call("write", {"len": len(data)}) as c:

            def attempt() -> int:
                self._fd_wait(write=True)
                return os.write(self._fd, view)

            dst = self._peer if not self.is_tcp else None
            if not self.is_tcp and dst is None:
                with contextlib.suppress(OSError):
                    dst = _addr(self._s.getpeername())
            if dst is not None:
                n = self._send_datagram(c, bytes(view), dst, attempt)
            else:
                n = c.io(attempt)
                self._outgoing(c, view, n)
            c.result = n
        return n

    # --- tear-down ------------------------------------------------------------------------------
    def shutdown(self, how: int) -> None:
        with self._call("shutdown", {"how": _SHUT.get(how, how)}) as c:
            c.io(lambda: self._s.shutdown(how))

    def close(self) -> None:
        with self._call("close") as c:
            if not self.closed:
                self._remember_addresses()
                if self._mark_closed():
                    try:
                        c.io(self._s.close)  # with SO_LINGER it may sleep in close()
                    finally:
                        # a Stop between the mark and the call ends it before the real close:
                        # the fd is closed here, as nobody else will (Stop closes only the
                        # sockets not marked closed). Closing twice is harmless.
                        with contextlib.suppress(OSError):
                            self._s.close()
                if not self.is_tcp and self._local is not None:
                    # sent here, never received: dropped by the kernel, or unread at close
                    gone = self._runner.pairing.datagrams_never_received(self._local)
                    for lost in lost_fields(gone.lost, gone.unsure):
                        self._runner.emit(
                            c.ctx.name, "dgram_lost", op="close", sock=self.id, fd=self.fd, **lost
                        )

    def _remember_addresses(self) -> None:
        try:
            self._local = _addr(self._s.getsockname())
            self._peer = _addr(self._s.getpeername())
        except OSError:
            pass

    def shutdown_for_stop(self) -> None:
        with contextlib.suppress(OSError):
            self._s.shutdown(SHUT_RDWR)

    def _mark_closed(self) -> bool:
        """Flag the socket closed under the fd lock, so no snapshot touches the fd from now on;
        the real close() then runs outside the lock: with SO_LINGER it may take seconds."""
        with self._runner.fd_lock:
            if self.closed:
                return False
            self.closed = True
            return True

    def close_quietly(self) -> None:
        if self._mark_closed():
            with contextlib.suppress(OSError):
                self._s.close()

    def close_at_exit(self, table: list[kernel.TcpRow] | None = None) -> None:
        """The run ended with this socket open: close it as the kernel would at process exit.
        Closed by :meth:`close_for_exit` first when many are; ``table`` is read after that."""
        if not self.closed:
            self.close_for_exit()
        runner = self._runner
        runner.emit(
            self.owner,
            "kernel",
            op="exit",
            sock=self.id,
            fd=self.fd,
            message="closed at the end of the run, as the kernel closes a process's sockets",
            kernel=self.kernel_snapshot(table),
        )

    def close_for_exit(self) -> None:
        self._remember_addresses()
        self.close_quietly()

    # --- options --------------------------------------------------------------------------------
    def setsockopt(self, level: int, option: int, value: int | bytes) -> None:
        name = option_name(level, option)
        shown = value.hex() if isinstance(value, bytes) else value
        with self._call(
            "setsockopt", {"level": _LEVEL.get(level, level), "option": name, "value": shown}
        ):
            self._s.setsockopt(level, option, value)
            self.options[name] = shown

    def getsockopt(self, level: int, option: int, buflen: int = 0) -> int | bytes:
        name = option_name(level, option)
        with self._call("getsockopt", {"level": _LEVEL.get(level, level), "option": name}) as c:
            value = (
                self._s.getsockopt(level, option, buflen)
                if buflen
                else self._s.getsockopt(level, option)
            )
            c.result = value.hex() if isinstance(value, bytes) else value
        return value

    def settimeout(self, value: float | None) -> None:
        with self._call("settimeout", {"timeout": value}):
            self._s.settimeout(value)  # the real socket's mode is the program's
            self._timeout = self._s.gettimeout()

    def setblocking(self, flag: bool) -> None:
        with self._call("setblocking", {"flag": bool(flag)}):
            self._s.setblocking(flag)
            self._timeout = self._s.gettimeout()

    # --- plain queries: no system call worth showing, so not traced -----------------------------
    def gettimeout(self) -> float | None:
        return self._timeout

    def getblocking(self) -> bool:
        return self._timeout != 0.0

    def fileno(self) -> int:
        return -1 if self.closed else self._fd

    def getsockname(self) -> Any:
        return self._s.getsockname()

    def getpeername(self) -> Any:
        return self._s.getpeername()


def socket(family: int = AF_INET, type: int = SOCK_STREAM, proto: int = 0) -> TracedSocket:
    """Create a real socket, traced. Same arguments as ``socket.socket``."""
    ctx = current_actor()
    if family not in _FAMILY:
        raise ValueError("SocketScope scenarios use AF_INET or AF_INET6 (loopback only)")
    args = {"family": _FAMILY[family], "type": _TYPE.get(type, type), "proto": proto}
    with TracedCall(ctx, None, "socket", args) as c:
        ts = TracedSocket(ctx.runner, family, type, proto, owner=ctx.name)
        c.sock = ts
        c.result = ts.fd
    return ts


def select(
    rlist: list[TracedSocket],
    wlist: list[TracedSocket],
    xlist: list[TracedSocket],
    timeout: float | None = None,
) -> tuple[list[TracedSocket], list[TracedSocket], list[TracedSocket]]:
    """``select.select`` over traced sockets; blocks (and shows it) until one is ready."""
    ctx = current_actor()
    args = {
        "r": [s.id for s in rlist],
        "w": [s.id for s in wlist],
        "x": [s.id for s in xlist],
        "timeout": timeout,
        "fds": {"r": [s.fd for s in rlist], "w": [s.fd for s in wlist], "x": [s.fd for s in xlist]},
    }
    # fileno() is -1 once closed: select() then raises ValueError, as it does for real sockets
    by_fd = {s.fileno(): s for s in (*rlist, *wlist, *xlist)}
    rf, wf, xf = ([s.fileno() for s in group] for group in (rlist, wlist, xlist))
    with TracedCall(ctx, None, "select", args) as c:
        import select as _select

        r, w, x = c.io(lambda: _select.select(rf, wf, xf, timeout))
        out = ([by_fd[f] for f in r], [by_fd[f] for f in w], [by_fd[f] for f in x])
        c.result = {
            "r": [s.id for s in out[0]],
            "w": [s.id for s in out[1]],
            "x": [s.id for s in out[2]],
        }
    return out


def wait_until(
    actor: str, op: str | None = None, *, returned: bool = False, times: int = 1
) -> None:
    """Wait until another actor has blocked in, or returned from, ``op`` (with ``returned``:
    has returned from it; with ``times``: that many of its calls have; without ``op``: has
    finished).

    Not a socket call: it is how a scenario stages its lesson the same way at any speed ("do not
    accept until the third client is stuck in connect()"). Traced, so it shows on the diagram.
    """
    ctx = current_actor()
    key = f"{op}/returned" if op and returned else op
    args: dict[str, Any] = {"actor": actor, "op": op, "returned": returned}
    if times != 1:
        args["times"] = times
    with TracedCall(ctx, None, "wait_until", args) as c:
        if not ctx.runner.has_reached(actor, key, times):
            # not a system call: the engine's own wait, so no kernel evidence to show
            c.show_blocked(None, evidence="staging")
            ctx.runner.wait_reached(actor, key, times)


def spawn(name: str, target: Callable[..., Any], *args: Any) -> None:
    """Start ``target(*args)`` as a new actor called ``name``, as
    ``threading.Thread(target=target, args=args).start()`` would: a lifeline of its own."""
    ctx = current_actor()
    with TracedCall(ctx, None, "spawn", {"actor": name, "function": target.__name__}):
        ctx.runner.spawn(ctx.name, name, target, args)


def signal(signum: int, handler: Callable[[int, Any], Any]) -> None:
    """``signal.signal`` for a process actor, traced: installing the handler is a call, and the
    moment the signal arrives and the handler starts is a ``signal`` event."""
    import signal as _sig

    ctx = current_actor()
    name = _sig.Signals(signum).name

    def arrived(sig: int, frame: Any) -> Any:
        ctx.runner.emit(
            ctx.name,
            "signal",
            op="signal",
            line=frame.f_lineno if frame else None,
            message=f"{name} received: {getattr(handler, '__name__', 'handler')}() runs",
            code="signal_received",
            params={"signal": name, "handler": getattr(handler, "__name__", "handler")},
        )
        return handler(sig, frame)

    with TracedCall(ctx, None, "signal", {"signal": name, "handler": handler.__name__}):
        _sig.signal(signum, arrived)


def kill(actor: str, signum: int) -> None:
    """Send a real signal to a process actor, as ``kill(pid, sig)`` does."""
    import signal as _sig

    ctx = current_actor()
    with TracedCall(ctx, None, "kill", {"actor": actor, "signal": _sig.Signals(signum).name}):
        ctx.runner.send_signal(actor, signum)


def sleep(seconds: float) -> None:
    """Pause the actor (not traced as a call); a stop ends the pause at once."""
    ctx = current_actor()
    ctx.runner.flush_burst(ctx)
    if ctx.runner.pause(seconds):
        raise ActorStopped


def read(sock: TracedSocket, count: int) -> bytes:
    """``read(fd, buf, count)`` on a socket, as the course notes' server calls it: really
    read(2) on the socket's fd, which for a socket is recv() with flags 0."""
    return sock.read(count)


def write(sock: TracedSocket, data: bytes) -> int:
    """``write(fd, buf, count)`` on a socket: really write(2), send() with flags 0."""
    return sock.write(data)
