"""What is true at the cursor: every socket's addresses, state and queues; what each actor does.

A pure function of the trace up to the cursor (``RunState.at(events, cursor)``), so stepping back
shows the past exactly as it was recorded. Replaying is linear; traces people step through are
short, and the window only recomputes when the cursor moves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from socketscope.engine.events import Event, KernelSnapshot


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


WHY_BLOCKED = {
    "accept": ("no client has connected yet", "아직 연결한 클라이언트가 없습니다"),
    "recv": ("no data has arrived yet", "아직 도착한 데이터가 없습니다"),
    "recv_into": ("no data has arrived yet", "아직 도착한 데이터가 없습니다"),
    "recvfrom": ("no datagram has arrived yet", "아직 도착한 데이터그램이 없습니다"),
    "send": (
        "the send buffer is full: the peer is not reading",
        "송신 버퍼가 가득 찼습니다: 상대가 읽지 않고 있습니다",
    ),
    "sendall": (
        "the send buffer is full: the peer is not reading",
        "송신 버퍼가 가득 찼습니다: 상대가 읽지 않고 있습니다",
    ),
    "sendto": ("the send buffer is full", "송신 버퍼가 가득 찼습니다"),
    "connect": (
        "the handshake has not completed (is the server's accept queue full?)",
        "3-way 핸드셰이크가 아직 끝나지 않았습니다 (서버의 accept 큐가 가득 찼나요?)",
    ),
    "connect_ex": (
        "the handshake has not completed",
        "3-way 핸드셰이크가 아직 끝나지 않았습니다",
    ),
    "select": ("none of its sockets is ready", "준비된 소켓이 없습니다"),
    "wait_until": (
        "the scenario makes it wait for another actor",
        "시나리오가 다른 액터를 기다리게 합니다",
    ),
}


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

    def _actor(self, name: str) -> ActorInfo:
        if name not in self.actors:
            self.actors[name] = ActorInfo(name)
        return self.actors[name]

    def _apply(self, ev: Event, pending: dict[str, list[Event]]) -> None:
        self.last = ev
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
        elif kind == "kernel" and ev.sock in self.sockets and ev.kernel is not None:
            self.sockets[ev.sock].kernel = ev.kernel
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
                why = WHY_BLOCKED.get(a.op or "", ("it is waiting", "기다리는 중입니다"))[
                    1 if ko else 0
                ]
                k = self.sockets[a.sock].kernel if a.sock in self.sockets else None
                if k is not None and (
                    (a.op == "accept" and k.accept_q)
                    or (a.op in ("recv", "recv_into") and k.recv_q)
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
                n, n_blocked = self.calls, self.blocked_calls
                return f"실행이 끝났습니다: 호출 {n}번, 그중 {n_blocked}번 블로킹."
            return f"The run is over: {self.calls} calls, {self.blocked_calls} of them blocked."
        return ""
