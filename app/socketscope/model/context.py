"""Each call's socket type (TCP/UDP) and mode (blocking / timeout / non-blocking), from the trace.

The catalogue's texts depend on both, and neither is on the call event: the type comes from the
socket() call that made the socket (an accept() child is TCP), the mode from the settimeout() and
setblocking() calls made on it before (an accept() child starts blocking, as CPython makes it when
no default timeout is set).
"""

from __future__ import annotations

from dataclasses import dataclass

from socketscope.engine.events import Event


@dataclass(frozen=True, slots=True)
class CallContext:
    sock_type: str | None = None  # "TCP" / "UDP"; None: not a socket call, or unknown
    mode: str | None = None  # "blocking" / "timeout" / "nonblocking"
    timeout: float | None = None  # seconds, in "timeout" mode


NONE = CallContext()


class SocketKinds:
    """Fed every event in order; tells the context of a socket at the current point."""

    def __init__(self) -> None:
        self._type: dict[int, str] = {}
        self._timeout: dict[int, float | None] = {}  # None: blocking; 0: non-blocking
        self._calls: dict[str, list[Event]] = {}

    def feed(self, ev: Event) -> None:
        if ev.kind == "call":
            self._calls.setdefault(ev.actor, []).append(ev)
        elif ev.kind == "return":
            stack = self._calls.get(ev.actor)
            call = stack.pop() if stack else None
            if ev.ok is False:
                return
            args = (call.args if call is not None else None) or {}
            op = ev.op
            # a C program's SOCK_NONBLOCK (socket(), accept4()) or fcntl(F_SETFL, O_NONBLOCK)
            if op == "socket" and ev.sock is not None:
                self._type[ev.sock] = "UDP" if args.get("type") == "SOCK_DGRAM" else "TCP"
                self._timeout[ev.sock] = 0.0 if args.get("nonblocking") else None
            elif op == "accept" and ev.new_sock is not None:
                self._type[ev.new_sock] = "TCP"
                flags = args.get("flags")
                nonblocking = isinstance(flags, int) and bool(flags & 0o4000)
                self._timeout[ev.new_sock] = 0.0 if nonblocking else None
            elif op == "fcntl" and ev.sock is not None:
                self._timeout[ev.sock] = 0.0 if args.get("nonblocking") else None
            elif op == "settimeout" and ev.sock is not None:
                t = args.get("timeout")
                self._timeout[ev.sock] = float(t) if isinstance(t, (int, float)) else None
            elif op == "setblocking" and ev.sock is not None:
                self._timeout[ev.sock] = None if args.get("flag") else 0.0

    def of(self, sock: int | None) -> CallContext:
        if sock is None or sock not in self._type:
            return NONE
        t = self._timeout.get(sock)
        if t is None:
            return CallContext(self._type[sock], "blocking")
        if t == 0:
            return CallContext(self._type[sock], "nonblocking")
        return CallContext(self._type[sock], "timeout", t)


def context_of(events: list[Event], call: Event | None) -> CallContext:
    """The context of ``call`` (a call or return event) from the events before it."""
    if call is None:
        return NONE
    kinds = SocketKinds()
    for ev in events:
        if ev.seq >= call.seq:
            break
        kinds.feed(ev)
    return kinds.of(call.sock)
