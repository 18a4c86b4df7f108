"""Which call made the kernel send each packet: the run host pairs captured packets with the
events of the run, as both arrive, and turns each packet into a ``packet`` event.

Rules that held in the prototype (shared/WIRE.md, "Pairing packets with calls"):
- a data segment pairs exactly by stream offset: relative seq − 1 is the ``range`` offset of the
  send that wrote its bytes;
- the SYN, the SYN-ACK and the handshake's ACK all happen inside the client's connect();
- a FIN or an RST belongs to the close()/shutdown() in progress on its socket; a close() sends
  the FIN only if it is the last close of the kernel socket (a forked child may hold a copy:
  its fd, in another process, is the same socket), so a FIN waits for that last close;
- on loopback the receiver's kernel works inside the sender's system call, so an ACK sent at
  once belongs to the call that sent what it acknowledges;
- what no call explains the kernel sent on its own (cause "timer"): a delayed ACK, a retransmission
  (its timer's, or a fast retransmit set off by duplicate ACKs), a zero-window probe.
Every process of a run stamps its events on one clock (CLOCK_MONOTONIC less the run's t0) and
the capture converts the kernel's timestamps to it; calls are stamped just outside the system
call they make: offsets first, times only second.

A packet is held until what explains it is known (the connect's return names the addresses, a
send's return its range), at most ``HOLD`` seconds, and packets leave in the order captured.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from socketscope.engine.events import Event
from socketscope.engine.pairing import same_endpoint

from .decode import Packet, Peek, decode_frame, peek_segment

HOLD = 1.0  # seconds a packet waits for the events that explain it
# A SYN sent while a connect() is in progress waits for that connect() to return (which names
# its socket's port) this long: a first SYN the link or a full queue dropped is retried after
# 1 s, then 2 s and 4 s more (Linux), so the connect() returns later than HOLD. Released
# before, it was written with no call to explain it and its sender's lane guessed.
CONNECT_HOLD = 8.0
IMMEDIATE = 0.010  # an ACK this soon after what it acknowledges was sent at once (no timer)
LAG = 0.002  # engine times of calls against the kernel's packet times
RECEIVES = frozenset({"recv", "recv_into", "recvfrom", "read"})
SENDS = frozenset({"send", "sendall", "sendto", "write"})
CLOSES = frozenset({"close", "shutdown"})
DGRAM_SENDS = SENDS | {"sendmsg", "writev"}
Addr = tuple[str, int]
_WILD = {"0.0.0.0", "::"}


@dataclass
class _Call:
    seq: int
    actor: str
    op: str
    sock: int | None
    t: float
    args: dict[str, Any] | None
    t_return: float | None = None
    t_blocked: float | None = None
    range: tuple[int, int] | None = None
    still_held: bool = False  # a close() that left the socket open (another fd of it remains)


@dataclass
class _Direction:
    """One direction of a TCP connection, as the packets show it."""

    isn: int | None = None
    snd_max: int = 0  # highest relative sequence end sent so far
    last_ack: int | None = None
    last_window: int | None = None
    wscale: int | None = None  # what its SYN announced (both ends must, for it to apply)
    # when the last segment with data, SYN or FIN reached the other end (one host: was sent)
    last_in: float | None = None
    # recent packets: relative end sequence (what acknowledges them) -> (cause, time)
    by_end: dict[int, tuple[int | str | None, float]] = field(default_factory=dict)
    sent: deque[tuple[int, int | str | None, float]] = field(
        default_factory=lambda: deque(maxlen=64)
    )


@dataclass
class _Listening:
    """A socket listening on ``addr`` from ``since`` until its last fd closed: until accept()
    names a connection's own socket, that connection's packets are on ``actor``'s lane (who
    called listen(), then who last called accept() on it; not a forked child holding a copy)."""

    addr: Addr
    since: float
    sock: int
    actor: str
    until: float = float("inf")


@dataclass
class _Flow:
    """A TCP flow (src port, dst port) as the events describe it."""

    conn: int | None = None
    dir: str | None = None
    sender: int | None = None  # sock ids
    receiver: int | None = None


class _Group:
    """Packets of one kind that one burst of calls caused, as one summarised event."""

    def __init__(self, first: dict[str, Any]) -> None:
        self.d = first
        self.more: list[list[Any]] = []
        self.total = first["packet"]["len"]
        self.end = first["range"][1] if "range" in first else None

    def add(self, d: dict[str, Any]) -> None:
        p = d["packet"]
        self.more.append([d["t"], p["wire_len"], p.get("frame", "")])
        self.total += p["len"]
        if "range" in d and self.end is not None:
            self.end = max(self.end, d["range"][1])

    def event(self) -> dict[str, Any]:
        d = self.d
        if self.more:
            d["count"] = 1 + len(self.more)
            d["packet"]["more"] = self.more
            d["packet"]["total_len"] = self.total
            if self.end is not None:
                d["range"] = [d["range"][0], self.end]
        return d


def _address(v: object) -> Addr | None:
    if isinstance(v, (list, tuple)) and len(v) == 2 and isinstance(v[1], int):
        return (str(v[0]), v[1])
    return None


class PacketPairer:
    """Feed it every event of the run (``observe``) and every captured packet (``add``);
    ``ready(now)`` returns the packet events that can be written now, in capture order."""

    def __init__(
        self, first_actor: str, interface: str = "lo", hosts: dict[str, str] | None = None
    ) -> None:
        self.first_actor = first_actor
        self.interface = interface
        # two hosts: each host's address -> its name. Each real packet is captured twice, as it
        # leaves its sender's eth0 and as it arrives at its receiver's: the sent copy is paired
        # with its call; the arrival copy is the same packet (same ``packet.id``), marked
        # ``arrival``. A packet the link lost has no arrival, one it duplicated two.
        self.hosts = dict(hosts or {})
        self._sent: dict[tuple[Any, ...], dict[str, Any]] = {}  # a packet's identity -> its event
        self._sent_order: deque[tuple[Any, ...]] = deque()
        self._next_id = 0
        # packets not written yet, with the host and interface they were captured at; a plain
        # segment of a one-host run stays a Peek (undecoded) until it needs more
        self._pending: deque[tuple[Packet | Peek, bytes, str | None, str | None]] = deque()
        self._recent: deque[_Call] = deque(maxlen=256)
        self._in_call: dict[str, _Call] = {}  # actor -> the call it is in
        self._sock_actor: dict[int, str] = {}
        self._sock_calls: dict[int, list[_Call]] = {}  # by the socket's first id (see _root)
        # a forked child's copy of a socket -> the id it was first seen with: one socket in the
        # kernel, so its packets go with whichever copy's call made them (the last close's FIN)
        self._alias: dict[int, int] = {}
        # the fds (sock ids) of each kernel socket still open, by its root: a close() sends the
        # FIN only when it closes the last of them
        self._open: dict[int, set[int]] = {}
        # by root: (time, actor, closed its fd) of each use of a socket, for the lane it is on
        self._users: dict[int, list[tuple[float, str, _Call | None]]] = {}
        self._by_seq: dict[int, _Call] = {}
        self._flows: dict[tuple[int, int], _Flow] = {}
        self._dirs: dict[tuple[int, int], _Direction] = {}
        self._bound: dict[int, tuple[int, str]] = {}  # UDP port -> (sock, actor)
        self._listening: list[_Listening] = []  # every listening socket of the run
        self._sendtos: deque[tuple[Event, _Call | None]] = deque(maxlen=4096)
        self._ranges: dict[tuple[int, str], list[tuple[int, int, int]]] = {}  # (conn,dir) -> spans
        self._last_t = 0.0
        # (conn, dir) -> the last receives' (stream end read, return time): bytes already read
        # are acknowledged by no call; a late ACK of them is the delayed-ACK timer's
        self._reads: dict[tuple[int, str], deque[tuple[int, float]]] = {}
        self._bursts: set[int] = set()  # seqs of burst events: their packets are summarised
        self._last_span: dict[tuple[int, str], int] = {}
        self._sock_bursts: dict[int, list[tuple[float, int]]] = {}  # sendto bursts by sock

    # --- the run's events -------------------------------------------------------------------
    def observe(self, ev: Event) -> None:
        if ev.kind == "packet":
            return
        self._last_t = max(self._last_t, ev.t)
        if ev.sock is not None and ev.actor and ev.sock not in self._sock_actor:
            self._sock_actor[ev.sock] = ev.actor
        if ev.kind == "kernel" and ev.code == "fd_inherited" and ev.sock is not None:
            src = (ev.params or {}).get("from_sock")
            if isinstance(src, int):
                self._alias[ev.sock] = self._root(src)
                self._open.setdefault(self._root(src), set()).add(ev.sock)
                self._used(ev.sock, ev.t, ev.actor)
        elif ev.kind == "kernel" and ev.op == "exit" and ev.sock is not None:
            self._closed(ev.sock, ev.t)  # the process ended: the kernel closed its fd
        if ev.kind == "call" and ev.op is not None:
            c = _Call(ev.seq, ev.actor, ev.op, ev.sock, ev.t, ev.args)
            self._recent.append(c)
            self._in_call[ev.actor] = c
            self._by_seq[ev.seq] = c
            if ev.sock is not None:
                self._sock_calls.setdefault(self._root(ev.sock), []).append(c)
                self._used(ev.sock, ev.t, ev.actor, c if ev.op == "close" else None)
        elif ev.kind == "blocked":
            asleep = self._in_call.get(ev.actor)
            if asleep is not None and asleep.t_blocked is None:
                asleep.t_blocked = ev.t
        elif ev.kind == "return":
            self._returned(ev)
        elif ev.kind == "burst" and ev.range is not None and ev.conn is not None and ev.dir:
            self._bursts.add(ev.seq)
            if ev.op in SENDS:
                # a streak of sends wrote these bytes; a streak of receives read the same range
                # of the stream, but sent none of it (its ACKs are paired by what they ack)
                self._ranges.setdefault((ev.conn, ev.dir), []).append((*ev.range, ev.seq))
        elif ev.kind == "burst" and ev.op == "sendto" and ev.sock is not None:
            # a streak of sendto() calls: each datagram sent before this event is one of them
            self._bursts.add(ev.seq)
            self._sock_bursts.setdefault(ev.sock, []).append((ev.t, ev.seq))
        elif ev.kind in ("end", "error"):
            self._in_call.pop(ev.actor, None)

    def _returned(self, ev: Event) -> None:
        c = self._in_call.pop(ev.actor, None)
        if c is not None:
            c.t_return = ev.t
            c.range = ev.range
        seq = c.seq if c is not None else ev.seq
        if ev.new_sock is not None:
            self._sock_actor[ev.new_sock] = ev.actor
            self._used(ev.new_sock, ev.t, ev.actor)
            self._open.setdefault(self._root(ev.new_sock), set()).add(ev.new_sock)
        if ev.op == "socket" and ev.ok and ev.sock is not None:
            self._open.setdefault(self._root(ev.sock), set()).add(ev.sock)
        elif ev.op == "listen" and ev.ok and ev.sock is not None and ev.local:
            addr = (str(ev.local[0]), int(ev.local[1]))
            self._listening.append(_Listening(addr, ev.t, self._root(ev.sock), ev.actor))
        elif ev.op == "close" and ev.sock is not None:
            if c is not None and ev.code == "close_still_held":
                c.still_held = True  # the tracer saw another process hold it
            if ev.ok or ev.ok is None:
                if c is not None and self._open.get(self._root(ev.sock), set()) - {ev.sock}:
                    c.still_held = True
                self._closed(ev.sock, ev.t)
        if ev.range is not None and ev.conn is not None and ev.dir and ev.op in SENDS:
            self._ranges.setdefault((ev.conn, ev.dir), []).append((*ev.range, seq))
        if ev.range is not None and ev.conn is not None and ev.dir and ev.op in RECEIVES:
            reads = self._reads.setdefault((ev.conn, ev.dir), deque(maxlen=8))
            reads.append((ev.range[1], ev.t))
        if ev.op in ("connect", "connect_ex") and ev.local and ev.sock is not None:
            # a refused connect has no peer, but it did send its SYN to the address asked
            peer = ev.peer or _address((c.args or {}).get("address") if c else None)
            if peer is not None:
                self._learn_flow(ev.local, peer, ev.conn, "c>s", ev.sock, None)
        elif ev.op == "accept" and ev.local and ev.peer and ev.new_sock is not None:
            self._learn_flow(ev.local, ev.peer, ev.conn, "s>c", ev.new_sock, None)
        if ev.op == "accept" and ev.ok and ev.sock is not None:
            for lst in self._listening:
                if lst.sock == self._root(ev.sock) and lst.until == float("inf"):
                    lst.actor = ev.actor  # who takes its connections now
        if ev.local and ev.sock is not None and ev.op in ("bind", "sendto", "connect"):
            self._bound.setdefault(int(ev.local[1]), (ev.sock, ev.actor))
        if ev.ok and (ev.op == "sendto" or (ev.dgram is not None and ev.op in DGRAM_SENDS)):
            # a datagram sent (send() or write() on a connected UDP socket too)
            self._sendtos.append((ev, c))

    def _learn_flow(
        self, local: Addr, peer: Addr, conn: int | None, d: str, mine: int, theirs: int | None
    ) -> None:
        out = self._flows.setdefault((int(local[1]), int(peer[1])), _Flow())
        back = self._flows.setdefault((int(peer[1]), int(local[1])), _Flow())
        other = "s>c" if d == "c>s" else "c>s"
        out.conn = out.conn if conn is None else conn
        back.conn = back.conn if conn is None else conn
        out.dir, back.dir = d, other
        out.sender, back.receiver = mine, mine
        if theirs is not None:
            out.receiver, back.sender = theirs, theirs

    # --- packets ----------------------------------------------------------------------------
    def add(
        self, pkt: Packet, frame: bytes, host: str | None = None, iface: str | None = None
    ) -> None:
        self._pending.append((pkt, frame, host, iface))

    def add_frame(
        self,
        frame: bytes,
        wire_len: int,
        t: float,
        host: str | None = None,
        iface: str | None = None,
    ) -> None:
        """A captured frame (``t`` on the run's clock): in a one-host run a plain TCP segment is
        only peeked at now (decoded if its pairing needs it), anything else decoded; frames
        that are not TCP or UDP over IP are left out. Two hosts see each packet twice, leaving
        and arriving: those are always decoded (the bulk path knows no arrival copies)."""
        if not self.hosts:
            peek = peek_segment(frame, wire_len, t)
            if peek is not None:
                self._pending.append((peek, frame, host, iface))
                return
        pkt = decode_frame(frame, wire_len, t)
        if pkt is None:
            return
        pending = self._pending
        if self.hosts and pending and pkt.t < pending[-1][0].t:
            # one host's ring read after a later frame of the other's (a packet that left A
            # after A's ring was read and reached B before B's was): put back in time order,
            # so that a packet's leaving copy comes before its arrival copy
            i = len(pending)
            while i > 0 and pending[i - 1][0].t > pkt.t:
                i -= 1
            pending.insert(i, (pkt, frame, host, iface))
            return
        pending.append((pkt, frame, host, iface))

    @property
    def pending(self) -> int:
        return len(self._pending)

    def oldest(self) -> float | None:
        """The time of the earliest packet still held for its explanation, if any."""
        return self._pending[0][0].t if self._pending else None

    def behind_oldest(self) -> float | None:
        """The time of the earliest packet waiting behind that one (packets leave in the order
        captured: it is not written before the first is), if any."""
        return self._pending[1][0].t if len(self._pending) > 1 else None

    def ready(
        self, now: float, mark: float = float("inf"), flush: bool = False
    ) -> list[dict[str, Any]]:
        """Packet events, as the JSON the trace holds (``seq`` still 0), that can be written
        now: those explained by the events up to ``mark`` (every event before that run time
        has been observed), or held long enough (``now``: the run's time)."""
        out: list[dict[str, Any]] = []
        groups: dict[tuple[Any, ...], _Group] = {}
        pending = self._pending
        while pending:
            head, frame, host, iface = pending[0]
            if isinstance(head, Peek):
                # a bulk transfer's segment that joins the summary being built, paired by its
                # few header fields alone (the same outcome as below, at a fraction of the cost)
                if groups and head.t <= mark and self._bulk(head, frame, groups):
                    pending.popleft()
                    continue
                pkt = decode_frame(frame, head.wire_len, head.t)
                assert pkt is not None  # a peeked frame is a whole TCP header
                pending[0] = (pkt, frame, host, iface)
            else:
                pkt = head
            arrival = host is not None and pkt.dst[0] == self._address_of(host)
            if arrival:
                # the same packet as its leaving copy, once that has been seen; until then it
                # waits (a moment; after HOLD it is written as a packet of its own)
                known = pkt.t <= mark and self._identity(pkt) in self._sent
            else:
                known = pkt.t <= mark and self._explained(pkt)
            if not flush and not known and now - pkt.t < self._hold(pkt):
                break
            self._pending.popleft()
            d = self._arrival(pkt, frame, host, iface) if arrival else None
            if d is None:
                d = self._event(pkt, frame, host, iface)
            cause = d.get("cause")
            if cause not in self._bursts:
                # in capture order: what was summarised before it goes first
                out.extend(g.event() for g in groups.values())
                groups.clear()
                out.append(d)
                continue
            # A burst of calls (a bulk transfer) makes thousands of packets: those it caused
            # are summarised as its calls are, one event per kind of packet, which keeps every
            # packet's time and bytes (packet.more) without an event each.
            key = (cause, d["sock"], d["packet"].get("role"), d["packet"].get("arrival"))
            g = groups.get(key)
            if g is None:
                groups[key] = _Group(d)
            else:
                g.add(d)
        out.extend(g.event() for g in groups.values())
        return out

    def _address_of(self, host: str) -> str | None:
        for addr, name in self.hosts.items():
            if name == host:
                return addr
        return None

    @staticmethod
    def _identity(pkt: Packet) -> tuple[Any, ...]:
        """What makes one real packet: the same on both hosts' capture (the link passes frames
        on unchanged), different for a retransmission (its IP id)."""
        return (
            pkt.proto,
            pkt.src,
            pkt.dst,
            pkt.ip_id,
            pkt.seq,
            pkt.ack,
            pkt.flags,
            pkt.payload_len,
            pkt.payload,
        )

    def _remember(self, pkt: Packet, d: dict[str, Any]) -> None:
        key = self._identity(pkt)
        if key not in self._sent:
            self._sent_order.append(key)
            if len(self._sent_order) > 4096:  # the link holds a packet back seconds at most
                self._sent.pop(self._sent_order.popleft(), None)
        self._sent[key] = d

    def _arrival(
        self, pkt: Packet, frame: bytes, host: str | None, iface: str | None
    ) -> dict[str, Any] | None:
        """The arrival copy of a packet whose sent copy was captured: the same event at its
        arrival time and host, ``packet.arrival`` true; None when its sending was not seen."""
        sent = self._sent.get(self._identity(pkt))
        if sent is None:
            return None
        d = {k: v for k, v in sent.items() if k not in ("seq", "t", "packet", "count")}
        out: dict[str, Any] = {"seq": 0, "t": max(0.0, round(pkt.t, 6)), **d}
        wire = {k: v for k, v in sent["packet"].items() if k not in ("more", "total_len")}
        wire["host"], wire["iface"], wire["arrival"] = host, iface or self.interface, True
        wire["frame"] = frame.hex()
        wire["wire_len"] = pkt.length
        out["packet"] = wire
        if pkt.proto == "TCP" and pkt.seq is not None:
            # what it acknowledges reached its receiver now: a late ACK is late from here
            d_dir = self._direction(pkt)
            if d_dir.isn is not None:
                end = (pkt.seq - d_dir.isn) % 2**32 + pkt.payload_len
                end += 1 if ("SYN" in pkt.flags or "FIN" in pkt.flags) else 0
                if end in d_dir.by_end:
                    d_dir.by_end[end] = (d_dir.by_end[end][0], pkt.t)
                if pkt.payload_len or "SYN" in pkt.flags or "FIN" in pkt.flags:
                    d_dir.last_in = pkt.t
        return out

    def _bulk(self, p: Peek, frame: bytes, groups: dict[tuple[Any, ...], _Group]) -> bool:
        """Add a plain segment to the summary it belongs to, when it is simply the next of a
        bulk transfer: new data of a burst's range, or a pure ACK sent at once for such data
        (an ACK, a window update or a zero window of the reader it was sent to). Anything else
        (a retransmission, a probe, a timer's ACK, the first of its summary) returns False and
        goes the whole way (``_explained``, ``_event``), which this must agree with exactly:
        the state it updates is theirs (tests/test_capture_bulk.py replays a real transfer
        through both)."""
        # one unpacking, locals from here on: this runs for nearly every packet of a transfer
        t, wire_len, sport, dport, seq, ack, win, n = p
        key = (sport, dport)
        flow = self._flows.get(key)
        if flow is None or flow.sender is None or flow.conn is None:
            return False
        dirs = self._dirs
        d = dirs.get(key)
        back = dirs.get((dport, sport))
        if d is None or back is None:
            return False
        isn, back_isn = d.isn, back.isn
        if isn is None or back_isn is None:
            return False
        rel_seq = (seq - isn) % 2**32
        rel_ack = (ack - back_isn) % 2**32
        wscale = d.wscale
        window = win << (wscale or 0) if wscale is not None and back.wscale is not None else win
        end = rel_seq + n
        snd_max = d.snd_max
        if n:
            if rel_seq < 1 or end - 1 <= snd_max:
                return False  # a retransmission (or a sequence number before the first)
            cause: int | str | None = self._range_call(flow, rel_seq - 1)
            role = "data"
        else:
            if snd_max and rel_seq == snd_max - 1 and back.last_window == 0:
                return False  # a zero-window probe: a timer's
            # ack, window update, zero window (a reader behind a writer): as _event names them
            role = self._ack_role(d, back, rel_ack, window, rel_seq)
            found = back.by_end.get(rel_ack)
            if found is None or not 0 <= t - found[1] <= IMMEDIATE:
                return False  # not sent at once: whose it is needs the calls (_ack_cause)
            cause = found[0]
        g = groups.get((cause, flow.sender, role, None))  # None: not an arrival copy
        if g is None:
            return False  # the first of its summary is written in full
        # what _event does to the state for such a segment
        if end > snd_max:
            d.snd_max = end
        d.sent.append((end, cause, t))
        by_end = d.by_end
        by_end[end] = (cause, t)
        if len(by_end) > 256:
            for old_end in list(by_end)[:128]:
                del by_end[old_end]
        d.last_ack = rel_ack
        d.last_window = window
        # and what _Group.add takes of its event
        g.more.append([round(t, 6) if t > 0 else 0.0, wire_len, frame.hex()])
        if n:
            g.total += n
            if g.end is not None and end - 1 > g.end:
                g.end = end - 1
        return True

    def _explained(self, pkt: Packet) -> bool:
        if pkt.proto == "UDP":
            return self._sendto_for(pkt, take=False) is not None or self._udp_burst(pkt) is not None
        flow = self._flows.get((pkt.src[1], pkt.dst[1]))
        if flow is None or flow.sender is None:
            # The sending socket's connect() or accept() has not returned yet, unless this is
            # a listener's kernel answering a SYN for a connection nobody has accepted yet
            # (tcp-backlog): the listener owner's packet, its cause the SYN's. Held, it kept
            # every packet behind it back until someone called accept().
            return (
                "SYN" in pkt.flags
                and "ACK" in pkt.flags
                and self._listener(pkt.src, pkt.t) is not None
            )
        if (
            "SYN" in pkt.flags
            and "ACK" not in pkt.flags
            and not self._own_connect(flow.sender, pkt.t)
            and self._connecting(flow.sender, pkt.t)
        ):
            return False  # the same ports again, by a connect() that has not returned yet
        if pkt.payload_len and "SYN" not in pkt.flags:
            if flow.conn is None:
                return False
            d = self._direction(pkt)
            if d.isn is None or pkt.seq is None:
                return True  # no SYN seen: nothing more will explain it
            start = (pkt.seq - d.isn - 1) % 2**32
            if start + pkt.payload_len <= d.snd_max:
                return True  # a retransmission: the timer's
            return self._range_call(flow, start) is not None or self._sending(flow) is not None
        if "FIN" in pkt.flags and "RST" not in pkt.flags:
            return self._closer(flow.sender, pkt.t) is not None
        return True

    def _hold(self, pkt: Packet) -> float:
        """How long a packet nothing explains yet may wait for its explanation."""
        syn = pkt.proto == "TCP" and "SYN" in pkt.flags and "ACK" not in pkt.flags
        if syn and any(
            c.op in ("connect", "connect_ex")
            and c.t <= pkt.t + LAG
            and same_endpoint(_address((c.args or {}).get("address")), pkt.dst)
            for c in self._in_call.values()
        ):
            return CONNECT_HOLD  # a connect() to where it goes is in progress
        return HOLD

    def _own_connect(self, sock: int, t: float) -> bool:
        """``sock``'s own connect() was in progress at ``t``: a SYN of its ports then is its,
        whatever other connect() is in progress (no other socket can have its ports while it
        connects; in tcp-backlog a third client's connect() held the second's SYN a second)."""
        return any(
            c.op in ("connect", "connect_ex")
            and c.t <= t + LAG
            and (c.t_return is None or c.t_return >= t - LAG)
            for c in self._sock_calls.get(self._root(sock), ())
        )

    def _connecting(self, known: int, t: float) -> bool:
        """A connect() in progress, made before ``t``, on a socket other than ``known``."""
        return any(
            c.op in ("connect", "connect_ex") and c.sock != known and c.t <= t + LAG
            for c in self._in_call.values()
        )

    def _direction(self, pkt: Packet, back: bool = False) -> _Direction:
        key = (pkt.dst[1], pkt.src[1]) if back else (pkt.src[1], pkt.dst[1])
        d = self._dirs.get(key)
        if d is None:
            d = self._dirs[key] = _Direction()
        return d

    def _range_call(self, flow: _Flow, start: int) -> int | None:
        if flow.conn is None or flow.dir is None:
            return None
        spans = self._ranges.get((flow.conn, flow.dir))
        if not spans:
            return None
        key = (flow.conn, flow.dir)
        hit = self._last_span.get(key)
        if hit is not None and hit < len(spans) and spans[hit][0] <= start < spans[hit][1]:
            return spans[hit][2]  # a bulk transfer's segments fall in the same burst in a row
        for i in range(len(spans) - 1, -1, -1):
            a, b, seq = spans[i]
            if a <= start < b:
                self._last_span[key] = i
                return seq
        return None

    def _root(self, sock: int) -> int:
        return self._alias.get(sock, sock)

    def _used(self, sock: int, t: float, actor: str, close: _Call | None = None) -> None:
        self._users.setdefault(self._root(sock), []).append((t, actor, close))

    def _user(self, sock: int, t: float) -> str | None:
        """The lane a socket is on at ``t``: the actor that used it last by then (a call on
        any fd of it, or a fork that gave a child its copy) — a thread it was handed to, a
        forked child holding it — passing over a process that closed its own fd while another
        kept the socket open; once the socket is closed, whoever closed it."""
        gone: set[str] = set()
        for when, actor, close in reversed(self._users.get(self._root(sock), ())):
            if when > t + LAG:
                continue
            if close is not None and close.still_held:
                gone.add(actor)  # its fd only: the socket lives on in another process
            elif actor not in gone:
                return actor
        return self._sock_actor.get(sock)

    def _closed(self, sock: int, t: float) -> None:
        root = self._root(sock)
        held = self._open.get(root)
        if held is not None:
            held.discard(sock)
        if not held:  # its last fd: a listening socket stops listening
            for lst in self._listening:
                if lst.sock == root and lst.until == float("inf"):
                    lst.until = t

    def _listener(self, addr: Addr, t: float) -> str | None:
        """Whose lane a connection to ``addr`` not accepted yet at ``t`` is on: the actor that
        listens there (on that address or on every one), if any."""
        for lst in reversed(self._listening):
            if lst.since - LAG <= t <= lst.until + LAG and same_endpoint(lst.addr, addr):
                return lst.actor
        return None

    def _closer(self, sock: int | None, t: float) -> _Call | None:
        """The close()/shutdown() that sent a FIN at ``t`` from ``sock`` (any fd of the kernel
        socket, in any process): the one in progress then, else the latest that could have
        sent it later (a FIN queued behind unsent data) — not a close() of one fd while
        another fd of the socket stayed open (a fork server's parent closing its copy of the
        child's connection sends nothing). None: not known yet (the last close is to come)."""
        if sock is None:
            return None
        root = self._root(sock)
        latest: _Call | None = None
        for c in reversed(self._sock_calls.get(root, [])):
            if c.op not in CLOSES or c.t > t + LAG:
                continue
            if c.still_held:
                continue
            if c.t_return is None or c.t_return >= t - LAG:
                return c  # in progress when the FIN left
            if latest is None and (c.op == "shutdown" or not self._open.get(root)):
                latest = c
        return latest

    def _sending(self, flow: _Flow) -> _Call | None:
        """The send call in progress on the flow's sending socket (a sendall of many
        segments has no range until it returns)."""
        if flow.sender is None:
            return None
        actor = self._sock_actor.get(flow.sender)
        c = self._in_call.get(actor) if actor is not None else None
        if c is not None and c.sock == flow.sender and c.op in SENDS:
            return c
        # a send by another copy of the socket (a forked child's), still in progress
        calls = self._sock_calls.get(flow.sender) or []
        last = calls[-1] if calls else None
        return last if last is not None and last.op in SENDS and last.t_return is None else None

    def _now_in(self, actor: str | None, t: float) -> _Call | None:
        """The call ``actor`` was in at time ``t``, if any: one begun before ``t`` first, and
        only then one begun within the engine's lag after it (a packet paired late, when the
        actor has moved on, must not go to a call it made after the packet)."""
        if actor is None:
            return None
        for lag in (0.0, LAG):
            c = self._in_call.get(actor)
            if c is not None and c.t <= t + lag:
                return c
            for c in reversed(self._recent):
                if c.actor != actor or c.t > t + lag:
                    continue
                if c.t_return is None or c.t_return >= t:
                    return c
        return None

    def _sock_call(self, sock: int | None, ops: frozenset[str], t: float) -> _Call | None:
        """The latest call among ``ops`` on ``sock`` made before ``t`` (with the engine's lag)."""
        if sock is None:
            return None
        for c in reversed(self._sock_calls.get(sock, [])):
            if c.op in ops and c.t <= t + LAG:
                return c
        return None

    def _udp_burst(self, pkt: Packet) -> tuple[int, int] | None:
        """(sock, burst seq) of the sendto() streak that sent this datagram: the first burst of
        its sending socket written after it (a burst event comes at the end of its calls)."""
        mine = self._bound.get(pkt.src[1])
        if mine is None:
            return None
        for t, seq in self._sock_bursts.get(mine[0], ()):
            if t + LAG >= pkt.t:
                return mine[0], seq
        return None

    def _sendto_for(self, pkt: Packet, take: bool) -> tuple[Event, _Call | None] | None:
        data = pkt.payload.hex()
        for i, (ev, c) in enumerate(self._sendtos):
            peer = ev.peer
            if peer is None or int(peer[1]) != pkt.dst[1]:
                continue
            if ev.local is not None and int(ev.local[1]) not in (0, pkt.src[1]):
                continue
            sent = ev.data or ""
            n = min(len(sent), len(data))
            if sent[:n] != data[:n] or (ev.nbytes is not None and ev.nbytes != pkt.payload_len):
                continue
            if take:
                del self._sendtos[i]
            return ev, c
        return None

    # --- one packet event -------------------------------------------------------------------
    def _event(
        self, pkt: Packet, frame: bytes, host: str | None = None, iface: str | None = None
    ) -> dict[str, Any]:
        kw: dict[str, Any] = {"t": max(0.0, round(pkt.t, 6))}
        to_actor: str | None = None
        to_sock: int | None = None
        sender: int | None = None
        role: str | None = None
        cause: int | str | None = None
        during: int | None = None
        rel_seq = rel_ack = window = None
        if pkt.proto == "UDP":
            role = "datagram"
            found = self._sendto_for(pkt, take=True)
            if found is not None:
                ev, c = found
                sender, kw["dgram"] = ev.sock, ev.dgram
                cause = c.seq if c is not None else ev.seq
            elif (burst := self._udp_burst(pkt)) is not None:
                sender, cause = burst
            bound = self._bound.get(pkt.dst[1])
            if bound is not None:
                to_sock, to_actor = bound
        else:
            flow = self._flows.get((pkt.src[1], pkt.dst[1])) or _Flow()
            sender, to_sock = flow.sender, flow.receiver
            if flow.conn is not None:
                kw["conn"], kw["dir"] = flow.conn, flow.dir
            d = self._direction(pkt)
            back = self._direction(pkt, back=True)
            syn, fin, rst = "SYN" in pkt.flags, "FIN" in pkt.flags, "RST" in pkt.flags
            if syn:
                if d.isn is not None and d.isn == pkt.seq:
                    role = "retransmission"
                elif d.isn is not None:
                    # a new connection between the same two ports (a port reused after the
                    # last one closed): its numbers start afresh
                    d = self._dirs[(pkt.src[1], pkt.dst[1])] = _Direction()
                d.isn = pkt.seq
                d.wscale = pkt.wscale
            rel_seq = (
                (pkt.seq - d.isn) % 2**32 if d.isn is not None and pkt.seq is not None else None
            )
            if pkt.ack is not None and back.isn is not None:
                rel_ack = (pkt.ack - back.isn) % 2**32
            # the SYN's window is never scaled; afterwards the scale the sender announced
            scaled = not syn and d.wscale is not None and back.wscale is not None
            window = (pkt.window or 0) << (d.wscale or 0) if scaled else pkt.window
            end = None
            if rel_seq is not None:
                end = rel_seq + pkt.payload_len + (1 if syn or fin else 0)
            retrans = end is not None and end <= d.snd_max and (pkt.payload_len or syn or fin)
            acked = self._acked(back, rel_ack, pkt.t)
            if role == "retransmission" or retrans:
                role, cause = "retransmission", "timer"
            elif syn and "ACK" not in pkt.flags:
                role = "syn"
                c = self._sock_call(sender, frozenset({"connect", "connect_ex"}), pkt.t)
                cause = c.seq if c is not None else None
            elif syn:
                role, cause = "syn-ack", acked
                if cause is None:
                    # the answer to a SYN the kernel sent again (a retransmission is not an
                    # immediate cause): still inside the client's connect(), which waits for it
                    client = to_sock
                    if client is None:
                        client = (self._flows.get((pkt.dst[1], pkt.src[1])) or _Flow()).sender
                    c = self._sock_call(client, frozenset({"connect", "connect_ex"}), pkt.t)
                    cause = c.seq if c is not None else None
            elif rst:
                # the close() in progress (SO_LINGER 0), or an answer to what just arrived at a
                # socket already closed (data to a closed socket, a SYN to no listener)
                role = "rst"
                c = self._sock_call(sender, CLOSES, pkt.t)
                recent = c is not None and (c.t_return is None or c.t_return >= pkt.t - LAG)
                cause = c.seq if c is not None and recent else self._answer(back, pkt.t)
            elif fin:
                role = "fin"
                c = self._closer(sender, pkt.t)
                cause = c.seq if c is not None else None
            elif pkt.payload_len:
                role = "data"
                if rel_seq is not None:
                    cause = self._range_call(flow, rel_seq - 1)
                    if cause is None:
                        s = self._sending(flow)
                        cause = s.seq if s is not None else None
            elif (
                d.snd_max
                and rel_seq is not None
                and rel_seq == d.snd_max - 1
                and (back.last_window == 0)
            ):
                role, cause = "zero-window-probe", "timer"
            else:
                role = self._ack_role(d, back, rel_ack, window, rel_seq)
                if (
                    acked is None
                    and role == "ack"
                    and self._late_ack(d, back, rel_ack, pkt.t, sender, flow)
                ):
                    role, cause = "delayed-ack", "timer"
                else:
                    cause = acked if acked is not None else self._ack_cause(sender, pkt.t)
            if pkt.payload_len and rel_seq is not None and not syn:
                # the stream bytes it carries, whatever else it is (a FIN may carry the last
                # data, a retransmission carries bytes sent before)
                kw["range"] = (rel_seq - 1, rel_seq - 1 + pkt.payload_len)
            if not self.hosts and (pkt.payload_len or syn or fin):
                d.last_in = pkt.t  # one host: it reaches the other end as it is sent
            if end is not None:
                d.snd_max = max(d.snd_max, end)
                if role != "retransmission":
                    d.sent.append((end, cause, pkt.t))
                    d.by_end[end] = (cause, pkt.t)
                    if len(d.by_end) > 256:  # only what was just sent can be acked at once
                        for old_end in list(d.by_end)[:128]:
                            del d.by_end[old_end]
            if rel_ack is not None:
                d.last_ack = rel_ack
            d.last_window = window
            if to_sock is not None:
                to_actor = self._user(to_sock, pkt.t)
            else:
                # a connection not accepted yet (a SYN, data sent before accept()): it reached
                # the kernel of the listening socket's owner, whose lane it goes to
                to_actor = self._listener(pkt.dst, pkt.t)
        actor = self._user(sender, pkt.t) if sender is not None else None
        if actor is None and pkt.proto != "UDP":
            actor = self._listener(pkt.src, pkt.t)  # its answer (a SYN-ACK before accept())
        # nobody's: the kernel's answer for a port no socket of the run holds (the RST to a
        # connect() with no listener), drawn coming to its receiver, not from it
        no_sender = actor is None and sender is None and pkt.proto != "UDP" and bool(to_actor)
        made_by = self._by_seq.get(cause) if isinstance(cause, int) else None
        if made_by is not None and made_by.sock is not None and self._root(made_by.sock) == sender:
            actor = made_by.actor  # sent by a forked child's copy of the socket: its lane
        if cause == "timer":
            now_in = self._now_in(actor, pkt.t)
            if now_in is not None:
                during = now_in.seq
        # the event as JSON at once: a bulk transfer makes thousands of these in the run host,
        # where every microsecond is taken from the actors (the GIL)
        payload = pkt.payload[: pkt.payload_len]
        wire: dict[str, Any] = {
            "iface": iface or self.interface,
            "proto": pkt.proto,
            "src": list(pkt.src),
            "dst": list(pkt.dst),
            "len": pkt.payload_len,
            "wire_len": pkt.length,
        }
        if host is not None:
            wire["host"] = host
            wire["id"] = self._next_id
            self._next_id += 1
            if pkt.ip_id is not None:
                wire["ip_id"] = pkt.ip_id
        if pkt.flags:
            wire["flags"] = list(pkt.flags)
        for key, value in (
            ("seq", rel_seq),
            ("ack", rel_ack),
            ("window", window),
            ("role", role),
            ("payload", payload.hex() if payload else None),
            ("frame", frame.hex()),
            ("to_actor", to_actor),
            ("to_sock", to_sock),
            ("no_sender", True if no_sender else None),
        ):
            if value is not None:
                wire[key] = value
        out: dict[str, Any] = {
            "seq": 0,  # given by the runner when written
            "t": kw.pop("t"),
            "actor": actor or to_actor or self.first_actor,
            "kind": "packet",
            "op": None,
            "sock": sender,
            "fd": None,
            "line": None,
        }
        if "range" in kw:
            kw["range"] = list(kw["range"])
        out.update(kw)
        if cause is not None:
            out["cause"] = cause
        if during is not None:
            out["during"] = during
        out["packet"] = wire
        if host is not None:
            self._remember(pkt, out)
        return out

    def _answer(self, back: _Direction, t: float) -> int | str | None:
        """The cause of the packet that just arrived from the other end, if it just did."""
        if back.sent:
            _end, cause, t_sent = back.sent[-1]
            if 0 <= t - t_sent <= IMMEDIATE:
                return cause
        return None

    def _acked(self, back: _Direction, rel_ack: int | None, t: float) -> int | str | None:
        """The cause of what this packet acknowledges, when it was sent just before: on
        loopback the receiver's kernel answers inside the sender's call."""
        if rel_ack is None:
            return None
        found = back.by_end.get(rel_ack)
        if found is None:
            return None
        cause, t_sent = found
        return cause if 0 <= t - t_sent <= IMMEDIATE else None

    def _late_ack(
        self,
        d: _Direction,
        back: _Direction,
        rel_ack: int | None,
        t: float,
        sender: int | None,
        flow: _Flow,
    ) -> bool:
        """A delayed ACK: it acknowledges new data (beyond its end's last ACK) that reached it
        more than IMMEDIATE before, and no call of that end is reading those bytes now: a recv()
        returned them before the ACK, or the end was asleep in a call or in none. A recv() that
        reads data which waited makes its ACK at once, inside the call (no timer)."""
        if rel_ack is None or d.last_ack is None or rel_ack <= d.last_ack:
            return False
        if back.last_in is None or t - back.last_in <= IMMEDIATE:
            return False  # an answer to what just came in (a retransmission filling a gap)
        if flow.conn is not None and flow.dir is not None:
            data_dir = "s>c" if flow.dir == "c>s" else "c>s"
            for end, t_read in self._reads.get((flow.conn, data_dir), ()):
                # read and returned before the ACK (engine times run late: a safe "before")
                if end >= rel_ack - 1 and t_read < t:
                    return True
        # the end's own call at that moment: made before the ACK, not a later one (the
        # engine's lag works the other way for a call that has not begun)
        actor = self._sock_actor.get(sender) if sender is not None else None
        c = self._now_in(actor, t)
        return c is None or (c.t_blocked is not None and c.t_blocked < t - LAG)

    def _ack_role(
        self,
        d: _Direction,
        back: _Direction,
        rel_ack: int | None,
        window: int | None,
        rel_seq: int | None,
    ) -> str:
        if window == 0:
            return "zero-window"
        if rel_seq == 1 and rel_ack == 1 and d.last_ack is None:
            return "handshake-ack"
        if rel_ack is not None and rel_ack == d.last_ack:
            if d.last_window is not None and window is not None and window > d.last_window:
                return "window-update"
            if back.snd_max > rel_ack:
                return "dup-ack"
        return "ack"

    def _ack_cause(self, sender: int | None, t: float) -> int | str:
        """An ACK no packet just before explains: made by the sending end's own call (a recv
        that freed buffer space), unless that end was asleep — then a timer's (delayed ACK)."""
        actor = self._sock_actor.get(sender) if sender is not None else None
        c = self._now_in(actor, t)
        if (
            c is not None
            and c.sock is not None
            and self._root(c.sock) == sender
            and c.op in RECEIVES | SENDS | CLOSES
        ):
            asleep = c.t_blocked is not None and c.t_blocked < t - LAG
            woke_now = c.t_return is not None and c.t_return - t < LAG
            if not asleep or woke_now:
                return c.seq
        return "timer"
