"""The traced socket API that scenario code is written against.

It looks like the ``socket`` module (``s = socket(AF_INET, SOCK_STREAM)``, ``s.bind(...)``,
``conn, addr = s.accept()``) and every call on it is real. Around each call it:
  1. stops at the actor's step gate (the view shows the call as a ghost meanwhile),
  2. records a *call* event with the scenario's source line,
  3. makes the real call,
  4. records a *return* event: result or errno, whether it blocked, how long it took, the bytes,
  5. records what the kernel now says about the sockets involved.

How blocking is seen: the real socket is kept non-blocking and a call that cannot complete at once
(EAGAIN / EINPROGRESS) waits in ``select()`` and is tried again -- exactly what CPython itself does
for any socket that has a timeout. That is how the trace knows the instant a call starts to block,
and how stop() can end the wait on any platform (the runner's wake-up socket is in every select).
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno as _errno
import os
import socket as _socket
import struct
import time
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from . import kernel
from .events import KernelSnapshot
from .gate import ActorStopped, Status
from .loopback import check_loopback
from .pairing import ConnEnd

if TYPE_CHECKING:
    from .runner import ActorContext, Runner

from .runner import DATA_OPS, _Burst, caller_line, current_actor, errno_name

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

CONSUMER_OPS = frozenset({"accept", "recv", "recv_into", "recvfrom"})


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
    if isinstance(address, tuple) and len(address) >= 2:
        return [address[0], address[1]]
    return address


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
        "deadline",
        "dgram",
        "dgram_size",
        "dir",
        "extra",
        "line",
        "local",
        "nbytes",
        "new_sock",
        "op",
        "peer",
        "quiet",
        "quiet_since",
        "range",
        "result",
        "sock",
        "soft_error",
        "t0",
    )

    def __init__(
        self, ctx: ActorContext, sock: TracedSocket | None, op: str, args: dict[str, Any] | None
    ) -> None:
        self.ctx = ctx
        self.sock = sock
        self.op = op
        self.args = args
        self.line = caller_line()
        self.blocked = False
        self.result: Any = None
        self.nbytes: int | None = None
        self.data: bytes | None = None
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
        self.quiet_since = 0.0
        self.soft_error: str | None = None  # an error returned as a value (connect_ex)
        self.deadline: float | None = None
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
        timeout = self.sock._timeout if self.sock else None
        self.t0 = time.monotonic()
        self.deadline = None if not timeout else self.t0 + timeout
        return self

    # --- waiting in the kernel ----------------------------------------------------------------
    def mark_blocked(self) -> None:
        if self.blocked:
            return
        self.blocked = True
        runner = self.ctx.runner
        if self.quiet:
            # A streak call that waits briefly is counted in its burst (a bulk transfer waits
            # on EAGAIN all the time); the gate still knows the actor is blocked. If the wait
            # outlasts the burst window, promote() records the call in full.
            self.quiet_since = time.monotonic()
            runner.gate.set_status(self.ctx.name, Status.BLOCKED, self.op)
            return
        self._show_blocked()

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
        self._show_blocked()

    def _show_blocked(self) -> None:
        runner = self.ctx.runner
        sid = self.sock.id if self.sock else None
        runner.emit(
            self.ctx.name,
            "blocked",
            op=self.op,
            sock=sid,
            fd=self.sock.fd if self.sock else None,
            line=self.line,
        )
        runner.gate.set_status(self.ctx.name, Status.BLOCKED, self.op)
        runner.milestone(self.ctx.name, self.op)

    def io(self, attempt: Callable[[], T], *, write: bool) -> T:
        """Make the real call; if it would block, wait for readiness and try again."""
        assert self.sock is not None
        if self.sock._timeout == 0.0:
            return attempt()  # the program asked for non-blocking: EAGAIN is its answer
        while True:
            try:
                return attempt()
            except (BlockingIOError, InterruptedError):
                pass
            self.mark_blocked()
            now = time.monotonic()
            remaining = None if self.deadline is None else self.deadline - now
            if remaining is not None and remaining <= 0:
                raise TimeoutError("timed out")
            # SO_RCVTIMEO / SO_SNDTIMEO: the kernel's own timeout on a blocking call -> EAGAIN
            ktimeo = self.sock._sndtimeo if write else self.sock._rcvtimeo
            if ktimeo:
                kleft = self.t0 + ktimeo - now
                if kleft <= 0:
                    raise BlockingIOError(_errno.EAGAIN, os.strerror(_errno.EAGAIN))
                remaining = kleft if remaining is None else min(remaining, kleft)
            if self.quiet:
                left = self.quiet_since + self.ctx.runner.options.burst_window - now
                if left <= 0:
                    self.promote()
                else:
                    remaining = left if remaining is None else min(remaining, left)
            self.ctx.runner.wait_ready(self.sock._fd, write, remaining)

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
        else:
            fields.update(ok=False, error=errno_name(exc), message=str(exc) or type(exc).__name__)
        if self.nbytes is not None:
            fields.update(nbytes=self.nbytes, data=(data or b"")[:cap].hex())
            if data is not None and len(data) > cap:
                fields["truncated"] = True
        for name in ("conn", "dir", "range", "dgram", "dgram_size", "peer", "local", "new_sock"):
            value = getattr(self, name)
            if value is not None:
                fields[name] = value
        runner.emit(ctx.name, "return", **fields)
        if not isinstance(exc, ActorStopped):
            socks = self.sock.involved() if self.sock else []
            runner.snapshot_events(ctx.name, self.op, [*socks, *self.extra])
        runner.milestone(ctx.name, self.op, returned=True)
        return False

    def _accumulate(self, duration: float) -> None:
        assert self.sock is not None and self.nbytes is not None
        self.sock._burst_add(
            self.ctx, self.op, self.nbytes, self.data, self.range, self.blocked, duration, self.line
        )


class TracedSocket:
    """A real socket whose every call is traced. Created by :func:`socket` or ``accept()``."""

    def __init__(
        self,
        runner: Runner,
        family: int,
        type: int,
        proto: int = 0,
        *,
        owner: str,
        real: _socket.socket | None = None,
    ) -> None:
        self._runner = runner
        self._s = real if real is not None else _socket.socket(family, type, proto)
        self._s.setblocking(False)
        self._fd = self._s.fileno()
        self.fd = self._fd
        self.family = family
        self.type = type
        self.proto = proto
        self.owner = owner
        self._timeout: float | None = None  # what the program asked for: None = blocking
        self._rcvtimeo = 0.0  # SO_RCVTIMEO / SO_SNDTIMEO in seconds, 0 = none
        self._sndtimeo = 0.0
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
        outgoing = op.startswith("send")
        side = self.conn.side
        return (
            f"{side}>{'s' if side == 'c' else 'c'}"
            if outgoing
            else f"{'s' if side == 'c' else 'c'}>{side}"
        )

    def kernel_snapshot(self) -> KernelSnapshot:
        """Call with the runner's fd lock held."""
        if not self.closed:
            snap = kernel.snapshot(self._s)
            if snap.state == "CLOSED" and self._local is not None and self._peer is not None:
                # A connection in TIME_WAIT lives in a separate kernel entry; through the fd it
                # reads CLOSE. /proc/net/tcp still has it by its addresses.
                lingering = kernel.lingering_state(self._local, self._peer)
                if lingering is not None and lingering != "CLOSED":
                    snap = dataclasses.replace(snap, state=lingering)
            return snap
        if self.is_tcp and self._local is not None:
            peer = None if self.listening else self._peer
            return KernelSnapshot(state=kernel.lingering_state(self._local, peer))
        return KernelSnapshot()

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

    # --- the fast path for long free-running streaks -------------------------------------------
    # Inside a streak of identical data calls while free-running, a call that completes at once
    # is only counted into the burst: no call object, no source-line lookup, no events. Anything
    # else (it would block, it failed, EOF) goes through the full traced path.
    def _streak(self, op: str) -> ActorContext | None:
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

    def _fast_failure(
        self,
        ctx: ActorContext,
        op: str,
        exc: BaseException,
        t0: float,
        args: dict[str, Any] | None = None,
    ) -> None:
        """A streak call failed on its first attempt: record it in full, like any failure."""
        runner = self._runner
        runner.flush_burst(ctx)
        runner.emit(
            ctx.name, "call", op=op, sock=self.id, fd=self.fd, line=caller_line(), args=args
        )
        runner.emit(
            ctx.name,
            "return",
            op=op,
            sock=self.id,
            fd=self.fd,
            ok=False,
            error=errno_name(exc),
            message=str(exc),
            blocked=False,
            duration=round(time.monotonic() - t0, 6),
        )
        runner.snapshot_events(ctx.name, op, self.involved())

    def _fast_tcp(
        self, ctx: ActorContext, op: str, n: int, data: bytes | memoryview, t0: float
    ) -> None:
        if op.startswith("send"):
            rng = (self._sent, self._sent + n)
            self._sent += n
        else:
            rng = (self._received, self._received + n)
            self._received += n
        self._burst_add(ctx, op, n, data, rng, False, time.monotonic() - t0)

    # --- data bookkeeping ----------------------------------------------------------------------
    def _outgoing(self, c: TracedCall, payload: bytes | memoryview, n: int) -> None:
        c.nbytes = n
        c.data = bytes(payload[: min(n, self._runner.options.data_cap + 1)])
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
        c.data = bytes(data[: self._runner.options.data_cap + 1])
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
        if src_addr is not None and local is not None and n:
            match = self._runner.pairing.datagram_received(local, src_addr, bytes(data))
            c.dgram = match.dgram
            if match.size is not None and match.size > n:
                c.dgram_size = match.size  # the buffer was too small: the rest is gone
            for lost in match.lost:
                self._runner.emit(
                    c.ctx.name, "dgram_lost", op=c.op, sock=self.id, fd=self.fd, dgram=lost
                )
        c.peer = src_addr

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
            n = c.io(attempt, write=True)
        except BaseException:
            pairing.datagram_failed(dst, pending)
            raise
        pairing.datagram_sent(pending, self._local_addr())
        c.nbytes, c.data = n, bytes(payload[: self._runner.options.data_cap + 1])
        c.dgram, c.peer = pending.dgram, dst
        return n

    # --- set-up ---------------------------------------------------------------------------------
    def bind(self, address: tuple[Any, ...]) -> None:
        with self._call("bind", {"address": addr_json(address)}) as c:
            check_loopback("bind", address)
            self._s.bind(address)
            c.local = self._local_addr()

    def listen(self, backlog: int = 128) -> None:
        with self._call("listen", {"backlog": backlog}) as c:
            self._s.listen(backlog)
            self.listening = True
            c.local = self._local_addr()
            if c.local:
                self._runner.add_listener(c.local, self)

    def accept(self) -> tuple[TracedSocket, tuple[Any, ...]]:
        with self._call("accept") as c:
            real, address = c.io(self._s.accept, write=False)
            child = TracedSocket(
                self._runner, self.family, self.type, self.proto, owner=c.ctx.name, real=real
            )
            child._timeout = None
            child._ensure_conn("s")
            c.new_sock = child.id
            c.peer = _addr(address)
            c.local = child._local
            c.conn = child.conn.conn if child.conn else None
            c.result = {"fd": child.fd, "address": addr_json(address)}
            c.extra.append(child)
        return child, address

    def _connect(self, c: TracedCall, address: tuple[Any, ...]) -> int:
        check_loopback(c.op, address)
        err = self._s.connect_ex(address)
        if err == _errno.EINPROGRESS and self._timeout != 0.0:
            c.mark_blocked()
            while True:
                remaining = None if c.deadline is None else c.deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    raise TimeoutError("timed out")
                if self._runner.wait_ready(self._fd, True, remaining):
                    break
            err = self._s.getsockopt(SOL_SOCKET, SO_ERROR)
        if err == 0:
            self._ensure_conn("c")
            c.local, c.peer = self._local, self._peer
            if self.conn is not None:
                c.conn = self.conn.conn
            listener = self._runner.listener_at(_addr(address) or ("", 0))
            if listener is not None:
                c.extra.append(listener)
        else:
            c.local = self._local_addr()
        return err

    def connect(self, address: tuple[Any, ...]) -> None:
        with self._call("connect", {"address": addr_json(address)}) as c:
            err = self._connect(c, address)
            if err:
                raise OSError(err, os.strerror(err))

    def connect_ex(self, address: tuple[Any, ...]) -> int:
        with self._call("connect_ex", {"address": addr_json(address)}) as c:
            try:
                err = self._connect(c, address)
            except TimeoutError:
                err = _errno.EWOULDBLOCK  # what CPython's connect_ex returns on its timeout
            c.result = err
            if err:
                c.soft_error = _errno.errorcode.get(err, str(err))
                c.result = {"errno": err, "name": c.soft_error}
        return err

    # --- data -----------------------------------------------------------------------------------
    def send(self, data: bytes, flags: int = 0) -> int:
        view = memoryview(data)
        done = 0
        ctx = self._streak("send") if self.is_tcp else None
        if ctx is not None:
            t0 = time.monotonic()
            try:
                done = self._s.send(view, flags)
            except (BlockingIOError, InterruptedError):
                pass
            except OSError as e:
                self._fast_failure(ctx, "send", e, t0, {"len": len(data)})
                raise
            if done == len(view) or (done and self._timeout is not None):
                self._fast_tcp(ctx, "send", done, view, t0)
                return done
            ctx.streak_len -= 1  # the traced path below counts this call
        with self._call(
            "send", {"len": len(data), "flags": flags} if flags else {"len": len(data)}
        ) as c:
            if not self.is_tcp:
                dst = self._peer
                if dst is None:
                    with contextlib.suppress(OSError):
                        dst = _addr(self._s.getpeername())
                if dst is None:
                    n = c.io(lambda: self._s.send(view, flags), write=True)  # EDESTADDRREQ
                else:
                    n = self._send_datagram(c, data, dst, lambda: self._s.send(view, flags))
            elif self._timeout is None:
                # A blocking TCP send returns only when every byte is in the send buffer.
                n = done  # a streak's first attempt may already have sent part of it
                while n < len(view):
                    try:
                        n += c.io(partial(self._s.send, view[n:], flags), write=True)
                    except OSError:
                        if n == 0:
                            raise
                        break  # like the kernel: a send that moved bytes returns their count
                self._outgoing(c, view, n)
            else:
                n = c.io(lambda: self._s.send(view, flags), write=True)
                self._outgoing(c, view, n)
            c.result = n
        return n

    def sendall(self, data: bytes, flags: int = 0) -> None:
        with self._call("sendall", {"len": len(data)}) as c:
            view = memoryview(data)
            n = 0
            try:
                while n < len(view):
                    n += c.io(partial(self._s.send, view[n:], flags), write=True)
            finally:
                self._outgoing(c, view, n)  # what went before an error is in the stream

    def sendto(self, data: bytes, address: tuple[Any, ...]) -> int:
        with self._call("sendto", {"len": len(data), "address": addr_json(address)}) as c:
            check_loopback("sendto", address)
            dst = _addr(address) or ("", 0)
            n = self._send_datagram(c, data, dst, lambda: self._s.sendto(data, address))
            c.result = n
        return n

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        ctx = self._streak("recv") if self.is_tcp and not flags else None  # flags: never a burst
        if ctx is not None:
            t0 = time.monotonic()
            try:
                data = self._s.recv(bufsize)
            except (BlockingIOError, InterruptedError):
                data = b""
            except OSError as e:
                self._fast_failure(ctx, "recv", e, t0, {"bufsize": bufsize})
                raise
            if data:
                self._fast_tcp(ctx, "recv", len(data), data, t0)
                return data
            # would block, or EOF (which a second recv() reports again): the traced path
            ctx.streak_len -= 1
        with self._call(
            "recv", {"bufsize": bufsize, "flags": flags} if flags else {"bufsize": bufsize}
        ) as c:
            if flags & MSG_WAITALL and self.is_tcp and self._timeout is None:
                # the kernel's WAITALL: keep waiting until bufsize bytes, end of stream or error
                buf, rest = bytearray(), flags & ~MSG_WAITALL
                while len(buf) < bufsize:
                    chunk = c.io(partial(self._s.recv, bufsize - len(buf), rest), write=False)
                    if not chunk:
                        break
                    buf += chunk
                data = bytes(buf)
            else:
                data = c.io(lambda: self._s.recv(bufsize, flags), write=False)
            self._incoming(c, data, peek=bool(flags & MSG_PEEK))
            c.result = len(data)
        return data

    def recv_into(self, buffer: bytearray | memoryview, nbytes: int = 0, flags: int = 0) -> int:
        with self._call("recv_into", {"nbytes": nbytes or len(buffer)}) as c:
            n = c.io(lambda: self._s.recv_into(buffer, nbytes, flags), write=False)
            self._incoming(c, memoryview(buffer)[:n])
            c.result = n
        return n

    def recvfrom(self, bufsize: int, flags: int = 0) -> tuple[bytes, Any]:
        with self._call("recvfrom", {"bufsize": bufsize}) as c:
            data, address = c.io(lambda: self._s.recvfrom(bufsize, flags), write=False)
            self._incoming(c, data, address, peek=bool(flags & MSG_PEEK))
            c.result = len(data)
        return data, address

    # --- tear-down ------------------------------------------------------------------------------
    def shutdown(self, how: int) -> None:
        with self._call("shutdown", {"how": _SHUT.get(how, how)}):
            self._s.shutdown(how)

    def close(self) -> None:
        with self._call("close") as c:
            if not self.closed:
                self._remember_addresses()
                if self._mark_closed():
                    self._s.close()
                if not self.is_tcp and self._local is not None:
                    # sent here, never received: dropped by the kernel, or unread at close
                    for dgram in self._runner.pairing.datagrams_never_received(self._local):
                        self._runner.emit(
                            c.ctx.name,
                            "dgram_lost",
                            op="close",
                            sock=self.id,
                            fd=self.fd,
                            dgram=dgram,
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

    def close_at_exit(self) -> None:
        """The run ended with this socket open: close it as the kernel would at process exit."""
        if self.closed:
            return
        self._remember_addresses()
        self.close_quietly()
        runner = self._runner
        runner.emit(
            self.owner,
            "kernel",
            op="exit",
            sock=self.id,
            fd=self.fd,
            message="closed at the end of the run, as the kernel closes a process's sockets",
            kernel=self.kernel_snapshot(),
        )

    # --- options --------------------------------------------------------------------------------
    def setsockopt(self, level: int, option: int, value: int | bytes) -> None:
        name = option_name(level, option)
        shown = value.hex() if isinstance(value, bytes) else value
        with self._call(
            "setsockopt", {"level": _LEVEL.get(level, level), "option": name, "value": shown}
        ):
            self._s.setsockopt(level, option, value)
            self.options[name] = shown
            if (
                name in ("SO_RCVTIMEO", "SO_SNDTIMEO")
                and isinstance(value, bytes)
                and len(value) >= 16
            ):
                sec, usec = struct.unpack("ll", value[:16])
                setattr(
                    self, "_rcvtimeo" if name == "SO_RCVTIMEO" else "_sndtimeo", sec + usec / 1e6
                )

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
            if value is not None and value < 0:
                raise ValueError("Timeout value out of range")
            self._timeout = None if value is None else float(value)

    def setblocking(self, flag: bool) -> None:
        with self._call("setblocking", {"flag": bool(flag)}):
            self._timeout = None if flag else 0.0

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

        r, w, x = _select.select(rf, wf, xf, 0)
        if not (r or w or x) and timeout != 0:
            c.mark_blocked()
            r, w, x = ctx.runner.wait_any(rf, wf, xf, timeout)
        out = ([by_fd[f] for f in r], [by_fd[f] for f in w], [by_fd[f] for f in x])
        c.result = {
            "r": [s.id for s in out[0]],
            "w": [s.id for s in out[1]],
            "x": [s.id for s in out[2]],
        }
    return out


def wait_until(actor: str, op: str | None = None, *, returned: bool = False) -> None:
    """Wait until another actor has blocked in, or returned from, ``op`` (with ``returned``:
    has returned from it; without ``op``: has finished).

    Not a socket call: it is how a scenario stages its lesson the same way at any speed ("do not
    accept until the third client is stuck in connect()"). Traced, so it shows on the diagram.
    """
    ctx = current_actor()
    key = f"{op}/returned" if op and returned else op
    with TracedCall(ctx, None, "wait_until", {"actor": actor, "op": op, "returned": returned}) as c:
        if not ctx.runner.has_reached(actor, key):
            c.mark_blocked()
            ctx.runner.wait_reached(actor, key)


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
    deadline = time.monotonic() + seconds
    while (remaining := deadline - time.monotonic()) > 0:
        ctx.runner.wait_any([], [], [], remaining)
