"""The terminal view: a readable, strace-like log of a run, in causal order.

[Server] accept(3, &cliaddr, &addrlen) <unfinished ...> blocks: asleep in the kernel: ...
[Client] connect(4, {AF_INET, 127.0.0.1:5050}, 16) = 0
[Server] <... accept resumed> 3, {AF_INET, 127.0.0.1:51234}, 16) blocked 0.41 s = 5

A call's line is written when it starts if anything else is written before it returns (strace's
``<unfinished ...>`` / ``<... resumed>``), else whole when it returns. The engine records what
happens inside the kernel in the order the threads report it, so on loopback a recv() can return
before the send() that fed it has: a receive whose bytes (or FIN) no printed line has sent yet is
held back, with the rest of its actor's lines, until the sending line is out. No effect is printed
before its cause.

A run with its own network also shows its packets, among the calls as they happened, each with
the call that made the kernel send it (a bulk transfer's as one line with their count); the
capture delivers them late, and :class:`WireOrder` holds the calls back until it has:

[Client] connect(5, {AF_INET, 127.0.0.1:49629}, 16) <unfinished ...>
           ⇢ 0.003695 s lo  Client → Server  SYN seq=0 win=65495, caused by Client's connect()
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from socketscope.cform import c_args, c_line, c_result
from socketscope.engine.events import Event
from socketscope.engine.pairing import MAYBE_READ
from socketscope.model import catalogue as cat
from socketscope.model.catalogue import Words
from socketscope.model.context import SocketKinds
from socketscope.model.labels import duration

_RESET, _AMBER, _RED, _DIM, _BLUE = "\033[0m", "\033[33;1m", "\033[31;1m", "\033[2m", "\033[34m"

# A receive held back for its cause is let go after this many later events all the same: a peer
# the trace does not show (a killed process's FIN comes from its kernel) must not hold it forever.
_HOLD_LIMIT = 400


@dataclass(frozen=True)
class OutputLine:
    """A line a program printed, as the log got it: written after every event before ``t`` (the
    run time it was taken at), never before the calls that led to it."""

    t: float
    actor: str
    stream: str
    text: str
    kind: str = "output"
    cause: None = None


class WireOrder:
    """Puts each captured packet among the run's events by its time, for a log written as the
    run goes. The capture's packets reach the log late (the capture first pairs each with the
    call that caused it): without this a short run's packets all came after its last call. The
    run's events wait here until the capture has delivered every packet stamped before them and
    the run host every event (``covered``, engine/wire/process.py); a packet goes in after the
    events before its time, never before the call that caused it. What the programs print comes
    apart from the events, and a program's calls reach the log later than its lines (the run
    host holds them for the relay's lag): a line goes in at the time it was taken, and the calls
    made before it go in ahead of it when they come. With no capture nothing waits."""

    # A capture this far behind the run (a machine too busy for it) holds nothing up any more:
    # its packets then come late, as without this. (One that ended says so: nothing waits.)
    LAG_LIMIT = 3.0

    def __init__(self, capture: bool) -> None:
        self._capture = capture
        self._held: list[Event | OutputLine] = []
        self._covered = float("-inf")

    def add(self, ev: Event | OutputLine) -> None:
        """By its time: before what is waiting of the other streams (the run's events, the
        packets, the programs' lines) stamped after it, never before the call that caused it;
        each stream keeps its own order (the events theirs, the packets the capture's)."""
        stream = _stream(ev)
        i = len(self._held)
        while i > 0:
            before = self._held[i - 1]
            if _stream(before) == stream or before.t <= ev.t:
                break
            if isinstance(before, Event) and before.seq == ev.cause:
                break
            i -= 1
        self._held.insert(i, ev)

    def ready(self, covered: float | None, now: float) -> list[Event | OutputLine]:
        """The events that can be written at run time ``now``: those before the time the
        capture covers."""
        if covered is not None:
            self._covered = max(self._covered, covered)
        if not self._capture:
            return self.rest()
        until = max(self._covered, now - self.LAG_LIMIT)
        n = 0
        while n < len(self._held) and self._held[n].t <= until:
            n += 1
        out, self._held = self._held[:n], self._held[n:]
        return out

    def rest(self) -> list[Event | OutputLine]:
        """Everything still waiting (the run is over: every packet has come)."""
        out, self._held = self._held, []
        return out


def _stream(it: Event | OutputLine) -> str:
    return it.kind if it.kind in ("packet", "output") else "event"


# the packet lines, in both languages (the roles as the diagram names them, model/wire.py)
_ROLES = {
    "retransmission": Words("retransmission", "재전송"),
    "zero-window": Words("window 0", "윈도우 0"),
    "zero-window-probe": Words("zero-window probe", "제로 윈도우 프로브"),
    "window-update": Words("window update", "윈도우 갱신"),
    "dup-ack": Words("duplicate ACK", "중복 ACK"),
    "keepalive": Words("keep-alive", "keep-alive"),
}
_PLURALS = {
    "data": Words("data segments", "데이터 세그먼트"),
    "ack": Words("ACKs", "ACK"),
    "window-update": Words("window updates", "윈도우 갱신"),
    "zero-window": Words("window-0 ACKs", "윈도우 0 ACK"),
    "datagram": Words("datagrams", "데이터그램"),
}
_PACKETS = Words("packets", "패킷")
_BULK = Words("{n} {what}, {bytes} bytes of data", "{what} {n}개, 데이터 {bytes}바이트")
_BULK_EMPTY = Words("{n} {what}", "{what} {n}개")  # ACKs: no data to count
_UDP = Words("UDP {n} bytes", "UDP {n}바이트")
_AT = Words("{t} s", "{t}초")
_CAUSED = Words("caused by {actor}'s {op}()", "{actor}의 {op}() 때문에 보냄")
_CAUSED_SEQ = Words("caused by the call of event {seq}", "이벤트 {seq}의 호출 때문에 보냄")
# no call made the kernel send it: a timer did (a delayed ACK, a probe, a retransmission
# timeout), or packets that came in did (a fast retransmit after duplicate ACKs)
_TIMER_IN = Words(
    "sent by the kernel on its own, while {actor} was in {op}()",
    "커널이 스스로 보냄 ({actor}은(는) {op}() 안에 있었음)",
)
_TIMER = Words("sent by the kernel on its own", "커널이 스스로 보냄")
_UNEXPLAINED = Words("no call of the run explains it", "이 실행의 어떤 호출로도 설명되지 않음")
_HOST = Words("host {host}", "호스트 {host}")
# a datagram sent and never paired with a receive of it (engine/pairing.py)
_DROPPED = Words("datagram #{n} was dropped by the kernel", "커널이 데이터그램 #{n}을(를) 버림")
_MAYBE_READ = Words(
    "datagram #{n}: dropped by the kernel, or the one read by a recv() that gave no source address",
    "데이터그램 #{n}: 커널이 버렸거나, 출처 주소를 주지 않는 recv()가 읽은 것",
)


@dataclass
class _Open:
    call: Event
    printed: bool = False
    blocked: bool = False


def _c_name(call: Event) -> str:
    e = cat.entry(call.op) if call.op else None
    return e.c_name if e is not None else str(call.op)


class LogFormatter:
    """Turns events (in order) into log lines; call ``finish()`` at the end of the run."""

    def __init__(self, color: bool = False, width: int = 8, lang: str = "en") -> None:
        self.color = color
        self.width = width
        self.lang = lang  # of the packet lines (the calls read as C, the same in both)
        self._made: dict[int, Event] = {}  # seq -> a call or burst event: what packets cite
        self._ports: dict[int, str] = {}  # local port -> the actor whose socket has it
        self._calls: dict[str, list[_Open]] = {}  # per actor, innermost last (signal handlers)
        self._states: dict[int, str | None] = {}
        self._held: dict[str, list[Event]] = {}  # per actor: events waiting for their cause
        self._held_since: dict[str, int] = {}
        self._count = 0
        self._sent: dict[tuple[int, str], int] = {}  # (conn, dir) -> end of the bytes printed sent
        self._fin: set[tuple[int, str]] = set()  # (conn, dir) whose FIN's call is printed
        self._dgrams: set[int] = set()  # datagrams whose sendto() is printed
        self._side: dict[int, tuple[int, str]] = {}  # sock -> (conn, "c" or "s")
        self._kinds = SocketKinds()

    def _c(self, code: str, text: str) -> str:
        return f"{code}{text}{_RESET}" if self.color else text

    def _tag(self, actor: str) -> str:
        # a lifeline born during the run (a thread, a forked child) may be longer than the
        # scenario's names the width was taken from: never glued to its call
        tag = f"[{actor}]"
        return tag.ljust(self.width + 3) if len(tag) < self.width + 3 else tag + " "

    # --- causal order -----------------------------------------------------------------------
    def feed(self, ev: Event) -> Iterator[str]:
        self._count += 1
        if ev.kind in ("call", "burst"):
            self._made[ev.seq] = ev
        elif ev.kind == "return" and ev.ok and ev.local is not None and ev.actor:
            # whose port: a packet to a socket its pairing has not named yet (a SYN to a
            # listener) still says who it went to
            self._ports.setdefault(int(ev.local[1]), ev.actor)
        # A packet is not its sender's next step: it waits only for the line of the call that
        # caused it (held behind that call, in that call's actor's queue), never behind a
        # receive of its sender's that waits for the other end. (The capture's events reach
        # the trace late, interleaved anywhere: held by its actor, a handshake printed
        # SYN+ACK first and the SYN after the client's recv().)
        key = self._cause_held(ev) if ev.kind == "packet" else ev.actor
        if key is not None and (self._held.get(key) or self._waits(ev)):
            if not self._held.get(key):
                self._held_since[key] = self._count
            self._held.setdefault(key, []).append(ev)
        else:
            yield from self._emit(ev)
        yield from self._release()

    def _cause_held(self, ev: Event) -> str | None:
        """The actor whose held lines include the call that caused this packet, if any."""
        made = self._made.get(ev.cause) if isinstance(ev.cause, int) else None
        if made is None or not any(e.seq == made.seq for e in self._held.get(made.actor, ())):
            return None
        return made.actor

    def finish(self) -> Iterator[str]:
        """What is still held back (a cause the trace never showed), in event order."""
        rest = sorted((e for held in self._held.values() for e in held), key=lambda e: e.seq)
        self._held.clear()
        for ev in rest:
            yield from self._emit(ev)

    def _release(self) -> Iterator[str]:
        progress = True
        while progress:
            progress = False
            for actor, held in list(self._held.items()):
                overdue = self._count - self._held_since.get(actor, self._count) > _HOLD_LIMIT
                while held and (overdue or not self._waits(held[0])):
                    yield from self._emit(held.pop(0))
                    progress = True
                if not held:
                    del self._held[actor]
                else:
                    self._held_since[actor] = self._count if progress else self._held_since[actor]

    def _waits(self, ev: Event) -> bool:
        """A receive whose bytes or FIN come from a call whose line is not printed yet."""
        if ev.kind not in ("return", "burst") or not ev.ok or cat.data_dir(ev.op) != "in":
            return False
        if ev.dgram is not None:
            return ev.dgram not in self._dgrams
        if ev.conn is None or not ev.dir or ev.range is None:
            return False
        a, b = ev.range
        if b > a:
            return self._sent.get((ev.conn, ev.dir), 0) < b and not self._sending(ev.conn, ev.dir)
        return (ev.conn, ev.dir) not in self._fin

    def _sending(self, conn: int, direction: str) -> bool:
        """A send on this stream is printed as blocked and still in progress: the bytes it has
        put in the buffer so far are what the reader gets, and the reader's recv() is what
        lets it go on, so the recv() comes before the send's result."""
        side = direction[0]
        return any(
            o.printed and o.blocked and self._side.get(o.call.sock or -1) == (conn, side)
            for stack in self._calls.values()
            for o in stack
            if cat.data_dir(o.call.op) == "out"
        )

    def _caused(self, ev: Event, call: Event | None) -> None:
        """Note what a printed line has sent: bytes, a datagram, a FIN."""
        if not ev.ok:
            return
        op = ev.op
        if op in ("connect", "connect_ex") and ev.conn is not None and ev.sock is not None:
            self._side[ev.sock] = (ev.conn, "c")
        elif op == "accept" and ev.conn is not None and ev.new_sock is not None:
            self._side[ev.new_sock] = (ev.conn, "s")
        if ev.conn is not None and ev.dir and ev.sock is not None and ev.sock not in self._side:
            # a connection first seen in a data call (after a non-blocking connect)
            out = cat.data_dir(op) == "out"
            self._side[ev.sock] = (ev.conn, ev.dir[0] if out else ev.dir[-1])
        if cat.data_dir(op) == "out":
            if ev.dgram is not None:
                self._dgrams.add(ev.dgram)
            if ev.conn is not None and ev.dir and ev.range is not None:
                key = (ev.conn, ev.dir)
                self._sent[key] = max(self._sent.get(key, 0), ev.range[1])
        how = ((call.args if call is not None else None) or {}).get("how")
        if (op == "close" or (op == "shutdown" and how != "SHUT_RD")) and ev.sock in self._side:
            conn, side = self._side[ev.sock]
            self._fin.add((conn, "c>s" if side == "c" else "s>c"))

    def _unfinished(self, seq: int, but: _Open | None = None) -> Iterator[str]:
        """Calls that started before ``seq`` and are still open: written now, as unfinished."""
        waiting = [
            (o.call.seq, actor, o)
            for actor, stack in self._calls.items()
            for o in stack
            if not o.printed and o is not but and o.call.seq < seq
        ]
        for _seq, actor, o in sorted(waiting, key=lambda w: w[0]):
            o.printed = True
            yield f"{self._tag(actor)}{c_args(o.call, None)} <unfinished ...>"

    # --- lines ------------------------------------------------------------------------------
    def _emit(self, ev: Event) -> Iterator[str]:
        self._kinds.feed(ev)
        if ev.kind == "call":
            self._calls.setdefault(ev.actor, []).append(_Open(ev))
        elif ev.kind == "blocked":
            stack = self._calls.get(ev.actor)
            top = stack[-1] if stack else None
            said = cat.evidence(ev.kernel_wait, ev.syscall, ev.evidence, "en")
            blocks = self._c(_AMBER, "blocks" + (f": {said}" if said else ""))
            yield from self._unfinished(ev.seq, top)
            if top is not None:
                top.blocked = True
            if top is None:
                yield f"{self._tag(ev.actor)}{ev.op}() {blocks}"
            elif top.printed:
                yield f"{self._tag(ev.actor)}<... {_c_name(top.call)} {blocks}>"
            else:
                top.printed = True
                yield f"{self._tag(ev.actor)}{c_args(top.call, None)} <unfinished ...> {blocks}"
        elif ev.kind == "return":
            stack = self._calls.get(ev.actor)
            top = stack.pop() if stack else None
            call = top.call if top is not None else ev
            self._caused(ev, call)
            yield from self._unfinished(ev.seq, top)
            extra = self._c(_AMBER, f" blocked {duration(ev.duration or 0)}") if ev.blocked else ""
            result = c_result(ev)
            if ev.ok is False:
                result = self._c(_RED, result)
            ctx = self._kinds.of(call.sock)
            timed_out = ev.ok is False and ev.error == "timeout" and ctx.mode == "timeout"
            if top is not None and top.printed:
                args = c_args(call, ev)
                e = cat.entry(call.op)
                head = f"{e.c_name}(" if e is not None else f"{call.op}("
                # the arguments again, as strace does; a helper's comment has none
                rest = args[len(head) :] if args.startswith(head) else ""
                if ev.error in cat.NEVER_RETURNED:
                    rest = ""  # the process ended inside the call: no arguments came back
                if timed_out:
                    # CPython waited in poll(), which returned 0: the call itself was never made
                    rest, result = c_line(call, ev, ctx), ""
                # the name the unfinished line gave it (sendall() is written send(), as C has it)
                text = f"<... {_c_name(call)} resumed> {rest}".rstrip()
            else:
                text = c_args(call, ev)
                if timed_out:
                    text, result = c_line(call, ev, ctx), ""
            yield f"{self._tag(ev.actor)}{text}{extra} {result}".rstrip()
        elif ev.kind == "burst":
            self._caused(ev, None)
            yield from self._unfinished(ev.seq)
            yield (
                f"{self._tag(ev.actor)}"
                + self._c(_BLUE, f"{ev.op}() x {ev.count}: {ev.nbytes} bytes")
                + f" in {duration(ev.duration or 0)}"
                + (self._c(_AMBER, f", {ev.blocked_count} blocked") if ev.blocked_count else "")
            )
        elif ev.kind == "kernel" and ev.sock is not None and ev.kernel is not None:
            state = ev.kernel.state
            before = self._states.get(ev.sock)
            self._states[ev.sock] = state
            if state is not None and state != before:
                yield from self._unfinished(ev.seq)
                arrow = f"{before} -> {state}" if before else state
                yield self._c(
                    _DIM, f"{'':{self.width + 3}}  socket #{ev.sock} (fd {ev.fd}): {arrow}"
                )
        elif ev.kind == "error":
            yield from self._unfinished(ev.seq)
            where = f" (line {ev.line})" if ev.line else ""
            yield self._tag(ev.actor) + self._c(_RED, f"!! {ev.message}{where}")
        elif ev.kind == "signal":
            yield from self._unfinished(ev.seq)
            yield self._tag(ev.actor) + self._c(_AMBER, f">> {ev.message}")
        elif ev.kind == "link":  # what the link between two hosts did to a packet
            yield from self._unfinished(ev.seq)
            yield self._c(_AMBER, f"{'':{self.width + 3}}  ~~ {ev.message}")
        elif ev.kind == "packet" and ev.packet is not None:
            yield from self._unfinished(ev.seq)
            yield self._c(_DIM, f"{'':{self.width + 3}}  ⇢ {self._packet(ev)}")
        elif ev.kind == "dgram_lost" and ev.code == MAYBE_READ:
            yield from self._unfinished(ev.seq)
            yield self._tag(ev.actor) + self._c(_AMBER, _MAYBE_READ(self.lang).format(n=ev.dgram))
        elif ev.kind == "dgram_lost":
            yield from self._unfinished(ev.seq)
            yield self._tag(ev.actor) + self._c(_RED, _DROPPED(self.lang).format(n=ev.dgram))

    # --- packets ----------------------------------------------------------------------------
    def _packet(self, ev: Event) -> str:
        """A packet event as one line: when, where, who to whom, what, and why it was sent."""
        p = ev.packet
        assert p is not None
        lang = self.lang
        when = _AT(lang).format(t=f"{ev.t:.6f}")
        where = _HOST(lang).format(host=p.host) if p.host else p.iface
        to = p.to_actor or self._ports.get(p.dst[1]) or f"{p.dst[0]}:{p.dst[1]}"
        if ev.count and ev.count > 1:
            what = (_BULK if p.total_len else _BULK_EMPTY)(lang).format(
                n=f"{ev.count:,}",
                what=_PLURALS.get(p.role or "", _PACKETS)(lang),
                bytes=f"{p.total_len or 0:,}",
            )
        elif p.proto == "UDP":
            what = _UDP(lang).format(n=p.len)
        else:
            parts = ["+".join(p.flags)]
            for name, value in (("seq", p.seq), ("ack", p.ack), ("len", p.len or None)):
                if value is not None:
                    parts.append(f"{name}={value}")
            if p.window is not None:
                parts.append(f"win={p.window}")
            what = " ".join(parts)
            role = _ROLES.get(p.role or "")
            if role is not None:
                what = f"{role(lang)}: {what}"
        # no socket of the run sent it (the kernel's RST for a port nobody holds): its address
        sender = f"{p.src[0]}:{p.src[1]}" if p.no_sender else ev.actor
        return f"{when} {where}  {sender} → {to}  {what}, {self._cause(ev)}"

    def _cause(self, ev: Event) -> str:
        lang = self.lang
        if ev.cause == "timer":
            during = self._made.get(ev.during) if isinstance(ev.during, int) else None
            if during is not None and during.op:
                return _TIMER_IN(lang).format(actor=during.actor, op=during.op)
            return _TIMER(lang)
        if isinstance(ev.cause, int):
            made = self._made.get(ev.cause)
            if made is not None and made.op:
                return _CAUSED(lang).format(actor=made.actor, op=made.op)
            return _CAUSED_SEQ(lang).format(seq=ev.cause)
        return _UNEXPLAINED(lang)
