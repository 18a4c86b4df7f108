"""What is true at the cursor: every socket's addresses, state and queues; what each actor does.

A pure function of the trace up to the cursor (``RunState.at(events, cursor)``), so stepping back
shows the past exactly as it was recorded. Replaying is linear, so stepping back through a long
trace replays from the nearest checkpoint (``StateHistory``), and the bytes of a stream so far are
looked up in an index (``StreamIndex``) rather than rescanned: a step costs the same at 100 events
and at 100,000.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field, replace
from typing import Any

from socketscope.engine.events import Event, KernelSnapshot
from socketscope.model import catalogue as cat


@dataclass
class SocketInfo:
    id: int
    fd: int | None
    actor: str
    type: str  # "TCP" / "UDP"
    local: tuple[str, int] | None = None
    peer: tuple[str, int] | None = None
    kernel: KernelSnapshot = field(default_factory=KernelSnapshot)
    options: dict[str, Any] = field(default_factory=dict)
    closed: bool = False
    listening: bool = False
    conn: int | None = None
    timeout: float | None = None
    blocking: bool = True

    @property
    def state(self) -> str:
        if self.type == "UDP":
            return "closed" if self.closed else ("bound" if self.local else "unbound")
        return self.kernel.state or ("CLOSED" if self.closed else "?")


@dataclass
class ActorInfo:
    name: str
    status: str = "not started"  # waiting / running / blocked / finished / not started
    op: str | None = None
    since: float = 0.0  # trace time the current status began
    sock: int | None = None
    error: str | None = None


@dataclass
class RunState:
    sockets: dict[int, SocketInfo] = field(default_factory=dict)
    actors: dict[str, ActorInfo] = field(default_factory=dict)
    calls: int = 0
    blocked_calls: int = 0
    errors: int = 0
    last: Event | None = None

    applied: int = 0  # how many events this state has seen
    _pending: dict[str, list[Event]] = field(default_factory=dict)

    @classmethod
    def at(cls, events: list[Event], count: int, actors: list[str] | None = None) -> RunState:
        """The state after the first ``count`` events."""
        st = cls()
        for name in actors or []:
            st.actors[name] = ActorInfo(name)
        st.advance(events, count)
        return st

    def advance(self, events: list[Event], count: int) -> RunState:
        """Apply events[applied:count]: moving forward costs only the new events."""
        for ev in events[self.applied : count]:
            self._apply(ev, self._pending)
        self.applied = max(self.applied, count)
        return self

    def copy(self) -> RunState:
        """An independent copy (events are frozen and shared): a checkpoint to replay from."""
        return RunState(
            sockets={k: replace(v, options=dict(v.options)) for k, v in self.sockets.items()},
            actors={k: replace(v) for k, v in self.actors.items()},
            calls=self.calls,
            blocked_calls=self.blocked_calls,
            errors=self.errors,
            last=self.last,
            applied=self.applied,
            _pending={k: list(v) for k, v in self._pending.items()},
        )

    def pending_calls(self) -> list[Event]:
        """The calls made and not yet returned at this point, every actor's (a handler's call
        nests inside the call it interrupted): the only ones that can be blocked now."""
        return [ev for stack in self._pending.values() for ev in stack]

    def _actor(self, name: str) -> ActorInfo:
        if name not in self.actors:
            self.actors[name] = ActorInfo(name)
        return self.actors[name]

    def _apply(self, ev: Event, pending: dict[str, list[Event]]) -> None:
        self.last = ev
        if ev.kind == "link":
            # the link between two hosts is not an actor: it makes no call and never finishes
            # (as one, it kept a two-host run from ever being over, and a crash from being named)
            return
        a = self._actor(ev.actor)
        kind = ev.kind
        if kind == "start":
            a.status, a.op, a.since = "running", None, ev.t
        elif kind == "waiting":
            a.status, a.op, a.since, a.sock = "waiting", ev.op, ev.t, ev.sock
        elif kind == "call":
            a.status, a.op, a.since, a.sock = "running", ev.op, ev.t, ev.sock
            pending.setdefault(ev.actor, []).append(ev)  # a stack: handlers nest calls
            self.calls += 1
        elif kind == "blocked":
            a.status, a.since = "blocked", ev.t
            self.blocked_calls += 1
        elif kind == "return":
            a.status, a.since = "running", ev.t
            stack = pending.get(ev.actor)
            self._on_return(ev, stack.pop() if stack else None)
            if ev.ok is False:
                self.errors += 1
        elif kind == "burst":
            self.calls += ev.count or 0
        elif kind == "kernel" and ev.op == "fork" and ev.sock is not None and ev.params:
            # a forked C program's child holds its parent's sockets: the same kernel sockets,
            # under the same fd numbers, now on the child's lifeline
            p = ev.params
            self.sockets[ev.sock] = SocketInfo(
                ev.sock,
                ev.fd,
                ev.actor,
                str(p.get("type") or "TCP"),
                local=ev.local,
                peer=ev.peer,
                kernel=ev.kernel or KernelSnapshot(),
                listening=bool(p.get("listening")),
                conn=p.get("conn"),
            )
        elif kind == "kernel" and ev.sock in self.sockets and ev.kernel is not None:
            info = self.sockets[ev.sock]
            info.kernel = ev.kernel
            if ev.op == "exit":
                # its process died and the kernel closed the socket: no fd is left to ask about
                info.closed = True
            if ev.local is not None and info.local is None:
                # the address the kernel gave it before the call returned (SYN_SENT's port)
                info.local = tuple(ev.local)  # type: ignore[assignment]
        elif kind == "error":
            a.error = ev.message
            self.errors += 1
        elif kind == "end":
            a.status, a.op, a.since = "finished", None, ev.t

    def _on_return(self, ev: Event, call: Event | None) -> None:
        op, args = ev.op or "", (call.args if call else None) or {}
        if not ev.ok:
            return
        if op == "socket" and ev.sock is not None:
            typ = "UDP" if args.get("type") == "SOCK_DGRAM" else "TCP"
            self.sockets[ev.sock] = SocketInfo(ev.sock, ev.fd, ev.actor, typ)
            return
        if op == "accept" and ev.new_sock is not None:
            parent = self.sockets.get(ev.sock or -1)
            res = ev.result if isinstance(ev.result, dict) else {}
            self.sockets[ev.new_sock] = SocketInfo(
                ev.new_sock,
                res.get("fd"),
                ev.actor,
                parent.type if parent else "TCP",
                local=ev.local,
                peer=ev.peer,
                conn=ev.conn,
            )
        s = self.sockets.get(ev.sock or -1)
        if s is None:
            return
        if ev.local:
            s.local = ev.local
        if ev.conn is not None and s.conn is None and ev.nbytes is not None:
            # a connection first seen in a data call (after a non-blocking connect)
            s.conn = ev.conn
            if ev.peer and s.type == "TCP":
                s.peer = ev.peer
        if op in ("connect", "connect_ex") and ev.peer:
            s.peer, s.conn = ev.peer, ev.conn
        elif op == "listen":
            s.listening = True
        elif op == "close":
            s.closed = True
        elif op == "setsockopt":
            s.options[str(args.get("option"))] = args.get("value")
        elif op == "settimeout":
            s.timeout = args.get("timeout")
            s.blocking = s.timeout != 0
        elif op == "setblocking":
            s.blocking = bool(args.get("flag"))
        elif op == "sendto" and s.local is None:
            s.local = None  # auto-bound by the kernel; shown once a recvfrom reports it

    # --- plain words -------------------------------------------------------------------------
    def sentence(self, lang: str = "en") -> str:
        """What is happening, for the status bar."""
        ko = lang == "ko"
        blocked = [a for a in self.actors.values() if a.status == "blocked"]
        if blocked:
            parts = []
            for a in blocked:
                info = self.sockets.get(a.sock) if a.sock is not None else None
                why = cat.why_blocking_now(a.op, info.type if info else None, lang)
                k = info.kernel if info is not None else None
                if k is not None and (
                    (a.op == "accept" and k.accept_q)
                    or (cat.data_dir(a.op) == "in" and k.recv_q and info and info.type == "TCP")
                ):
                    why = (
                        "그 사이 커널이 받아 두었으니 곧 돌아옵니다"
                        if ko
                        else "the kernel has just queued what it waits for; it is about to return"
                    )
                if ko:
                    parts.append(f"{a.name}은(는) {a.op}()에서 블로킹되어 있습니다: {why}.")
                else:
                    parts.append(f"{a.name} is blocked in {a.op}(): {why}.")
            return " ".join(parts)
        waiting = [a for a in self.actors.values() if a.status == "waiting"]
        if waiting:
            names = ", ".join(f"{a.name} → {a.op}()" for a in waiting)
            return f"다음 호출: {names}" if ko else f"Next: {names}"
        if self.actors and all(a.status == "finished" for a in self.actors.values()):
            if ko:
                return (
                    f"실행이 끝났습니다: 호출 {self.calls}번, 그중 {self.blocked_calls}번 블로킹."
                )
            return f"The run is over: {self.calls} calls, {self.blocked_calls} of them blocked."
        return ""


CHECKPOINT_EVERY = 256  # events between checkpoints: a step back replays at most this many


class StateHistory:
    """``RunState.at`` for a trace that only grows, from checkpoints taken every
    ``CHECKPOINT_EVERY`` events: stepping back costs a copy and at most that many events, not a
    replay from the start. A checkpoint is trusted only while the event it was taken after is
    still the same object at the same place (a new trace or a Reset starts a new history)."""

    def __init__(self, actors: list[str] | None = None, every: int = CHECKPOINT_EVERY) -> None:
        self.actors = list(actors or [])
        self.every = every
        self._points: list[RunState] = []  # _points[i] has applied (i + 1) * every events

    def at(self, events: list[Event], count: int) -> RunState:
        count = max(0, min(count, len(events)))
        self._drop_stale(events)
        i = min(count // self.every, len(self._points))
        st = self._points[i - 1].copy() if i else RunState.at(events, 0, self.actors)
        while len(self._points) < count // self.every:
            st.advance(events, (len(self._points) + 1) * self.every)
            self._points.append(st.copy())
        return st.advance(events, count)

    def _drop_stale(self, events: list[Event]) -> None:
        for n, point in enumerate(self._points):
            k = (n + 1) * self.every
            if k > len(events) or events[k - 1] is not point.last:
                del self._points[n:]
                return


class StreamIndex:
    """The bytes each TCP stream carried, in order, with the event that sent each part: what
    ``stream_so_far`` answers in a bisection rather than a scan of every event."""

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self._seen = 0
        self._last: Event | None = None
        self._streams: dict[tuple[int, str], _Stream] = {}  # by (conn, dir)

    def sync(self, events: list[Event]) -> None:
        if self._seen and (self._seen > len(events) or events[self._seen - 1] is not self._last):
            self._reset()  # another trace (or a Reset): start again
        for i in range(self._seen, len(events)):
            ev = events[i]
            if ev.conn is None or ev.dir is None or ev.range is None:
                continue
            if cat.data_dir(ev.op) != "out" or ev.kind not in ("return", "burst"):
                continue
            self._streams.setdefault((ev.conn, ev.dir), _Stream()).add(i, ev)
        self._seen = len(events)
        self._last = events[-1] if events else None

    def so_far(
        self, events: list[Event], conn: int, direction: str, cursor: int
    ) -> tuple[bytes, list[tuple[int, int]], bool]:
        """The stream ``conn``/``direction`` as sent by events[:cursor]: its bytes, each send's
        (start, end) in them, and whether sends were cut short (only their first bytes kept)."""
        self.sync(events)
        stream = self._streams.get((conn, direction))
        if stream is None:
            return b"", [], False
        k = bisect.bisect_left(stream.index, cursor)  # parts sent before the cursor
        if k == 0:
            return b"", [], False
        segments = stream.segments[: stream.n_segments[k - 1]]
        end = segments[-1][1] if segments else 0
        return bytes(stream.data[:end]), segments, stream.gaps[k - 1]


class _Stream:
    def __init__(self) -> None:
        self.index: list[int] = []  # the event index of each part
        self.n_segments: list[int] = []  # segments once that part is in
        self.gaps: list[bool] = []
        self.segments: list[tuple[int, int]] = []
        self.data = bytearray()

    def add(self, i: int, ev: Event) -> None:
        assert ev.range is not None
        a, b = ev.range
        chunk = bytes.fromhex(ev.data or "")
        gap = a != len(self.data) or len(chunk) < b - a
        if a == len(self.data):
            self.segments.append((len(self.data), len(self.data) + len(chunk)))
            self.data += chunk
        self.index.append(i)
        self.n_segments.append(len(self.segments))
        self.gaps.append(gap or (bool(self.gaps) and self.gaps[-1]))


_index = StreamIndex()


def stream_so_far(
    events: list[Event], conn: int, direction: str, cursor: int
) -> tuple[bytes, list[tuple[int, int]], bool]:
    """``StreamIndex.so_far`` on one index kept for the trace being shown."""
    return _index.so_far(events, conn, direction, cursor)


class LineIndex:
    """Where each actor is in its code: the source line of its newest ``waiting``, ``call`` or
    ``error`` event before a cursor, found by bisection. (A scan back from the cursor would cross
    the whole trace for an actor that has no such event, at every step.)"""

    KINDS = ("waiting", "call", "error")

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self._seen = 0
        self._last: Event | None = None
        self._at: dict[str, list[int]] = {}  # actor -> indexes of its events with a line
        self._line: dict[str, list[int]] = {}  # actor -> those events' lines

    def sync(self, events: list[Event]) -> None:
        if self._seen and (self._seen > len(events) or events[self._seen - 1] is not self._last):
            self._reset()  # another trace (or a Reset): start again
        for i in range(self._seen, len(events)):
            ev = events[i]
            if ev.line is None or ev.kind not in self.KINDS:
                continue
            self._at.setdefault(ev.actor, []).append(i)
            self._line.setdefault(ev.actor, []).append(ev.line)
        self._seen = len(events)
        self._last = events[-1] if events else None

    def at(self, events: list[Event], cursor: int) -> list[tuple[int, str, int]]:
        """(event index, actor, line) of each actor's newest such event in events[:cursor],
        newest first."""
        self.sync(events)
        found = []
        for actor, at in self._at.items():
            k = bisect.bisect_left(at, cursor)
            if k:
                found.append((at[k - 1], actor, self._line[actor][k - 1]))
        return sorted(found, reverse=True)
