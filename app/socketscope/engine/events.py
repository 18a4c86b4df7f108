"""The trace's vocabulary: immutable events and kernel snapshots.

An event is written once by the engine and then only read (by views, exports, tests), so it is a
frozen dataclass. Optional fields stay ``None`` and are left out of the JSON form, which keeps
trace files small and lets new fields be added without breaking old readers.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import Any, Literal

EventKind = Literal[
    "start",  # an actor's thread (or process) began
    "waiting",  # an actor stopped at its step gate before a call; the view draws a ghost
    "call",  # the call was let through and is about to be made
    "blocked",  # the call could not complete at once: the thread now waits in the kernel
    "return",  # the call finished: result or error
    "kernel",  # what the kernel says about one socket right after a call
    "burst",  # many identical data calls summarised (free-running large transfers)
    "dgram_lost",  # a UDP datagram that was sent but never received (seen at a later recv)
    "error",  # an exception escaped the actor's code
    "signal",  # a process actor received a signal; its handler runs now
    "end",  # the actor's function returned (or was stopped)
    "packet",  # a real packet on the run's network, captured by the kernel (engine/wire)
    "link",  # two-host runs: the link between the hosts dropped, delayed, reordered or
    # duplicated a packet (op says which; params the packet); actor is "link"
]

JsonValue = Any


# keys of a call's ``args`` that the engine computes itself, as lists of ids/fds or counts; every
# other argument is what the program passed, kept as one plain value
_ENGINE_ARGS = frozenset({"address", "len", "r", "w", "x", "fds"})


def plain_value(v: object) -> JsonValue:
    """A value a program passed to a call, as one plain JSON value: a string, number, bool or
    null stays as it is; anything else is written as Python shows it (``b'5'``, ``[1, 2]``)."""
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, int):
        return v if abs(v) < 2**63 else str(v)
    if isinstance(v, float):
        return v if math.isfinite(v) else repr(v)
    text = repr(v)
    return text if len(text) <= 200 else text[:199] + "…"


def plain_args(args: dict[str, Any] | None) -> dict[str, JsonValue] | None:
    """A call's arguments as the trace format documents them, whatever the program passed: a
    trace the engine writes must always be one the reader accepts."""
    if args is None:
        return None
    out: dict[str, JsonValue] = {}
    for k, v in args.items():
        if k in _ENGINE_ARGS:
            out[k] = v
        elif k in ("actor", "op") and v is not None and not isinstance(v, str):
            out[k] = plain_value(v) if isinstance(plain_value(v), str) else repr(v)
        else:
            out[k] = plain_value(v)
    return out


@dataclass(frozen=True, slots=True)
class KernelSnapshot:
    """What the kernel reports for one socket. ``None`` means the platform could not tell."""

    state: str | None = None
    recv_q: int | None = None
    send_q: int | None = None
    accept_q: int | None = None
    backlog: int | None = None
    rcvbuf: int | None = None
    sndbuf: int | None = None
    next_dgram: int | None = None  # UDP: size of the datagram a recv would get now

    def to_json(self) -> dict[str, JsonValue]:
        return asdict(self)

    @classmethod
    def from_json(cls, d: dict[str, JsonValue]) -> KernelSnapshot:
        return cls(**{k: v for k, v in d.items() if k in _SNAPSHOT_FIELDS})


@dataclass(frozen=True, slots=True)
class WirePacket:
    """One real packet as the run's capture saw it (kind == "packet"). Sequence and
    acknowledgement numbers are relative to the connection's first SYN of that direction, as
    Wireshark shows them, so that ``seq - 1`` is the stream offset of a data segment."""

    iface: str  # the interface it was captured on ("lo")
    proto: str  # "TCP" or "UDP"
    src: tuple[str, int]
    dst: tuple[str, int]
    len: int  # payload bytes (TCP segment data or UDP datagram)
    wire_len: int  # the whole frame's bytes on the wire
    host: str | None = None  # two-host runs: the host it was captured on ("A"); None: loopback
    flags: tuple[str, ...] = ()  # TCP: "SYN", "ACK", "PSH", "FIN", "RST"
    seq: int | None = None  # TCP: relative sequence number
    ack: int | None = None  # TCP: relative acknowledgement number (with ACK only)
    window: int | None = None  # TCP: advertised receive window in bytes (scaled when known)
    role: str | None = None  # what the segment is for, see docs/trace-format.md
    payload: str | None = None  # hex of the first payload bytes (the capture keeps 256 B a frame)
    frame: str | None = None  # hex of the captured frame from its Ethernet header on
    to_actor: str | None = None  # the actor whose socket it was sent to, when in the run
    to_sock: int | None = None
    # no socket of the run sent it: the kernel answered for a port nobody holds (an RST)
    no_sender: bool | None = None
    # a summary of the packets one burst of calls caused (the event's ``count`` says how many):
    # every other one as [t, wire_len, frame hex], and the payload bytes of them all
    more: tuple[tuple[float, int, str], ...] | None = None
    total_len: int | None = None
    # two-host runs, where each host's interface is captured: the real packet's number in the
    # run (its sent copy and its arrival copies share it), its IPv4 identification, and
    # whether this is the copy seen arriving at the receiver's host (the other: leaving)
    id: int | None = None
    ip_id: int | None = None
    arrival: bool | None = None

    def to_json(self) -> dict[str, JsonValue]:
        out: dict[str, JsonValue] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if v is None:
                continue
            if f.name == "more":
                v = [list(m) for m in v]
            out[f.name] = list(v) if isinstance(v, tuple) else v
        return out

    @classmethod
    def from_json(cls, d: dict[str, JsonValue]) -> WirePacket:
        kw = {k: v for k, v in d.items() if k in _PACKET_FIELDS}
        for key in ("src", "dst", "flags"):
            if isinstance(kw.get(key), list):
                kw[key] = tuple(kw[key])
        if isinstance(kw.get("more"), list):
            kw["more"] = tuple(tuple(m) for m in kw["more"])
        return cls(**kw)

    @property
    def flag_text(self) -> str:
        return ", ".join(self.flags)


@dataclass(frozen=True, slots=True)
class Event:
    seq: int
    t: float
    actor: str
    kind: EventKind
    op: str | None = None
    sock: int | None = None
    fd: int | None = None
    line: int | None = None
    # call details
    args: dict[str, JsonValue] | None = None
    # return details
    ok: bool | None = None
    result: JsonValue = None
    error: str | None = None
    message: str | None = None
    blocked: bool | None = None
    duration: float | None = None
    new_sock: int | None = None
    # data moved
    nbytes: int | None = None
    data: str | None = None  # hex, at most the runner's data cap
    truncated: bool | None = None
    conn: int | None = None
    dir: str | None = None  # "c>s" (connector to acceptor) or "s>c"
    range: tuple[int, int] | None = None
    dgram: int | None = None
    dgram_size: int | None = None  # UDP: the datagram's size as sent, when more than was read
    peer: tuple[str, int] | None = None
    local: tuple[str, int] | None = None
    # kernel snapshot (kind == "kernel")
    kernel: KernelSnapshot | None = None
    # burst summary (kind == "burst")
    count: int | None = None
    blocked_count: int | None = None
    # errors that escaped the actor
    traceback: str | None = None
    # blocking as the kernel reported it (kind == "blocked"): the wait channel the thread sleeps
    # in (/proc/<tid>/wchan, e.g. "inet_csk_accept"), the system call it sleeps in ("accept4"),
    # and how blocking was known: "kernel" (read from /proc) or "time" (no way to ask the OS)
    kernel_wait: str | None = None
    syscall: str | None = None
    evidence: str | None = None
    # a sentence for people, as a code and its parameters: the window translates it, the
    # terminal prints ``message`` (English)
    code: str | None = None
    params: dict[str, JsonValue] | None = None
    # a real packet (kind == "packet"): what was on the wire, and the call that made the kernel
    # send it (``cause``: that call's seq, or "timer" for the kernel's own timers, with
    # ``during``: the seq of the call the sending actor was in at that moment)
    packet: WirePacket | None = None
    cause: int | str | None = None
    during: int | None = None

    # Fields every event carries in JSON, even when null: the trace format promises them.
    CORE = ("seq", "t", "actor", "kind", "op", "sock", "fd", "line")

    def to_json(self) -> dict[str, JsonValue]:
        out: dict[str, JsonValue] = {}
        # the names once, not fields() per event: a bulk transfer writes thousands of events
        for name in _EVENT_NAMES:
            v = getattr(self, name)
            if v is None:
                if name in _CORE:
                    out[name] = None
                continue
            if isinstance(v, (KernelSnapshot, WirePacket)):
                v = v.to_json()
            elif isinstance(v, tuple):
                v = list(v)
            out[name] = v
        return out

    @classmethod
    def from_json(cls, d: dict[str, JsonValue]) -> Event:
        kw = {k: v for k, v in d.items() if k in _EVENT_FIELDS}
        if isinstance(kw.get("kernel"), dict):
            kw["kernel"] = KernelSnapshot.from_json(kw["kernel"])
        if isinstance(kw.get("packet"), dict):
            kw["packet"] = WirePacket.from_json(kw["packet"])
        for key in ("range", "peer", "local"):
            if isinstance(kw.get(key), list):
                kw[key] = tuple(kw[key])
        return cls(**kw)

    @property
    def is_data(self) -> bool:
        return self.nbytes is not None


# every event of a run and of a trace file goes through from_json: the names, once
_SNAPSHOT_FIELDS = frozenset(f.name for f in fields(KernelSnapshot))
_EVENT_FIELDS = frozenset(f.name for f in fields(Event))
_EVENT_NAMES = tuple(f.name for f in fields(Event))
_CORE = frozenset(Event.CORE)
_PACKET_FIELDS = frozenset(f.name for f in fields(WirePacket))
