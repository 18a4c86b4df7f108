"""The sequence diagram as data: lanes, rows, boxes, blocked spans, arrows, state tags.

Built incrementally from trace events (``add``), with no Qt, so that it can be tested and
benchmarked alone; the widget only paints it. Rows are event order, not wall time: a row is a
call, the wake-up of a blocked call, a burst, or an error. Every item carries the ``seq`` from
which it exists, so the same layout serves every cursor position (time travel is a filter).
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Any, Literal, TypeVar

from socketscope.engine.events import Event
from socketscope.engine.pairing import MAYBE_READ
from socketscope.model import catalogue as cat
from socketscope.model.context import NONE, CallContext, SocketKinds
from socketscope.model.labels import (
    Translate,
    arrow_label,
    call_label,
    evidence_label,
    result_label,
    untranslated,
)
from socketscope.model.messages import message_text
from socketscope.model.wire import WireLayout

R = TypeVar("R", bound=tuple[Any, ...])
ArrowKind = Literal[
    "handshake", "data", "dgram", "fin", "rst", "wake", "woke", "kill", "lost", "unsure"
]

# errnos a non-blocking socket answers with when it cannot act yet: the code asked for them
EXPECTED_ERRNOS = frozenset({"EAGAIN", "EWOULDBLOCK", "EINPROGRESS", "EALREADY"})


@dataclass(slots=True)
class Box:
    """One call on a lifeline. ``ret_seq`` is None until it returns.

    What a box shows depends on the cursor: use ``blocked_at`` / ``returned_at``, not the
    final ``blocked`` / ``result``, when drawing the past."""

    def blocked_at(self, cursor_seq: int) -> bool:
        return self.blocked_seq is not None and self.blocked_seq <= cursor_seq

    def returned_at(self, cursor_seq: int) -> bool:
        return self.ret_seq is not None and self.ret_seq <= cursor_seq

    row: int
    lane: int
    seq: int
    op: str
    sock: int | None
    label: str
    result: str = ""
    ret_seq: int | None = None
    ok: bool | None = None
    error: str | None = None
    blocked: bool = False
    blocked_seq: int | None = None  # from this seq on the call is blocked (time travel)
    burst: bool = False
    line: int | None = None
    call: Event | None = None
    ret: Event | None = None
    ctx: CallContext = NONE  # the socket's type and mode when the call was made
    blocked_ev: Event | None = None  # the event that said it blocked: the kernel's evidence
    # its result has a row of its own, where it returned, though it was not seen blocked (a
    # BlockedSpan with asleep=False): it read what was sent after its call's row
    returns_later: bool = False

    @property
    def expected(self) -> bool:
        """A failure the code expected: a non-blocking call's "not yet" (EAGAIN, EINPROGRESS),
        part of the lesson rather than an error."""
        return self.ok is False and self.error in EXPECTED_ERRNOS and self.ctx.mode == "nonblocking"


@dataclass(slots=True)
class BlockedSpan:
    """The time a thread spent blocked in a call: grows live until ``row1`` is known."""

    lane: int
    row0: int
    seq0: int
    t0: float
    op: str
    box: Box
    row1: int | None = None
    seq1: int | None = None
    duration: float | None = None
    evidence: str = ""  # where the kernel holds the thread, for the bar's label
    evidence_short: str = ""  # the same, in fewer words, for a bar with little room
    # False: not seen blocked, yet its result came after other actors' rows (Box.returns_later)
    asleep: bool = True


@dataclass(frozen=True, slots=True)
class Arrow:
    kind: ArrowKind
    lane0: int
    row0: int
    lane1: int
    row1: int
    seq: int  # visible once both ends exist
    label: str
    send_seq: int | None = None
    recv_seq: int | None = None


@dataclass(frozen=True, slots=True)
class StateTag:
    lane: int
    row: int
    seq: int
    sock: int
    text: str


@dataclass(frozen=True, slots=True)
class Mark:
    """A row that is not a call: an actor's exception, a lost datagram, an actor's end."""

    kind: Literal["error", "lost", "unsure", "end", "start", "signal"]
    lane: int
    row: int
    seq: int
    text: str
    seqs: tuple[int, ...] = ()  # a "lost" or "unsure" count: the seq of each datagram it counts


@dataclass
class _Stream:
    sends: list[tuple[int, int, int, int, int, str | None]] = field(default_factory=list)
    # (start, end, lane, row, seq, data)
    recvs: list[tuple[int, int, int, int, int]] = field(default_factory=list)
    # (start, end, lane, row, seq)


class DiagramLayout:
    def __init__(
        self, actors: list[str] | None = None, translate: Translate = untranslated
    ) -> None:
        self.lanes: list[str] = list(actors or [])
        self.translate = translate  # the window's language; the layout is rebuilt when it changes
        self.row_seqs: list[int] = []  # seq of the event that made each row
        self.boxes: list[Box] = []
        self.spans: list[BlockedSpan] = []
        self.arrows: list[Arrow] = []
        self.tags: list[StateTag] = []
        self.marks: list[Mark] = []
        self.lane_rows: dict[int, tuple[int, int | None]] = {}  # lane -> (first row, end row)
        self.lane_start_seq: dict[int, int] = {}
        # a program's threads and forked children, nested under it: lane -> (parent lane,
        # "thread" or "child"), from their start events; lanes keep their numbers (arrows and
        # boxes name them), only the columns they are drawn in follow the nesting
        self.lane_parent: dict[int, tuple[int, str]] = {}
        self._column_of: list[int] = []
        self._columns: list[int] = []
        # actor -> its calls in progress, innermost last: a signal handler can make a call while
        # the call it interrupted (a blocked accept) is still in progress
        self._open: dict[str, list[Box]] = defaultdict(list)
        self._open_span: dict[int, BlockedSpan] = {}  # by the seq of the blocked call's box
        self._owner: dict[int, int] = {}  # sock -> lane
        self._state: dict[int, str | None] = {}
        self._streams: dict[tuple[int, str], _Stream] = defaultdict(_Stream)
        self._conn_socks: dict[int, dict[str, int]] = defaultdict(dict)  # conn -> lane by side
        self._sock_conn: dict[int, tuple[int, str]] = {}
        self._listener_at: dict[tuple[str, int], int] = {}  # address -> listener sock
        self._pending_handshake: dict[int, tuple[int, int, int]] = {}  # listener -> conn info
        self._connects: dict[int, tuple[int, int, int]] = {}  # conn -> (lane, call row, ret row)
        self._accept_rows: dict[int, int] = {}  # conn -> wake row of a blocked accept
        self._dgram_sends: dict[int, tuple[int, int, int, str]] = {}
        self._dgram_recvs: dict[int, tuple[int, int, int]] = {}
        # datagrams received once already: a link that duplicates delivers one of them again
        self._dgram_delivered: dict[int, tuple[int, int, int, str]] = {}
        self._fin_sent: set[int] = set()
        self._kills: dict[str, tuple[int, int, str]] = {}  # target actor -> the kill() call
        self._rst_on_close: set[int] = set()
        self._recv_q: dict[int, int] = {}
        # per lane: the seqs at which its actor began or stopped waiting at the gate, and the op
        self._ghost_seqs: dict[int, list[int]] = defaultdict(list)
        self._ghost_ops: dict[int, list[str | None]] = defaultdict(list)
        self._kinds = SocketKinds()
        self._box_at_row: dict[int, Box] = {}
        self._runs: list[tuple[int, int]] = []  # rows of identical consecutive calls
        # listener -> (lane, row, seq) of the last connect() to it
        self._last_connect: dict[int, tuple[int, int, int]] = {}
        # select()s woken by data whose send() had not returned yet when they did (two threads
        # race to write their events): (conn, side, lane, ret_row, select seq, since, ret seq)
        self._select_unwoken: list[tuple[int, str, int, int, int, int, int]] = []
        self._connect_target: dict[int, int] = {}  # connecting sock -> the listener it called
        self.last_seq = 0
        self.row_times: list[float] = []
        self._event_t = 0.0
        # the real packets, each under the call that caused it (model/wire.py)
        self.wire = WireLayout(self, translate)
        # two-host runs (trace header): the host each actor lives on, the hosts' addresses, the
        # link's weather as the run had it, and what the link did to packets
        self.actor_hosts: dict[str, str] = {}
        self.host_addresses: dict[str, str] = {}
        self.link: dict[str, Any] | None = None
        self.link_events: list[Event] = []
        # the captured packets the link then dropped (seqs of packet events), paired by the
        # segment's addresses, relative seq and length, whichever of the two came first
        self.link_dropped: set[int] = set()
        self.link_why: dict[int, str] = {}  # a dropped packet's seq -> the link's reason ("rule 1")
        self._link_by_seq: dict[int, Event] = {}
        self._drop_wanted: dict[tuple[Any, ...], int] = {}
        self._drop_seen: dict[tuple[Any, ...], list[int]] = {}
        self._drop_link_seq: dict[tuple[Any, ...], int] = {}
        self._packets: dict[int, Event] = {}  # two hosts: the sent packets, by seq

    def set_network(self, header: dict[str, Any]) -> None:
        hosts = header.get("actor_hosts")
        addresses = header.get("hosts")
        network = header.get("network")
        if isinstance(hosts, dict):
            self.actor_hosts = {str(k): str(v) for k, v in hosts.items()}
        if isinstance(addresses, dict):
            self.host_addresses = {str(k): str(v) for k, v in addresses.items()}
        if isinstance(network, dict) and isinstance(network.get("link"), dict):
            self.link = network["link"]

    def _link_drop(self, ev: Event) -> None:
        p = ev.params or {}
        if ev.op != "dropped":
            return
        self._link_by_seq[ev.seq] = ev
        src, dst = str(p.get("src")), str(p.get("dst"))
        if p.get("ip_id") is not None:  # the packet's own IP identification names it
            key: tuple[Any, ...] = (src, dst, "id", p.get("ip_id"))
        elif p.get("proto") == "TCP" and p.get("rel_seq") is not None:  # traces before it
            key = (src, dst, p.get("rel_seq"), p.get("len"))
        else:
            return
        seen = self._drop_seen.get(key)
        if seen:
            self._dropped(seen.pop(0), ev.seq)
        else:
            self._drop_wanted[key] = self._drop_wanted.get(key, 0) + 1
            self._drop_link_seq[key] = ev.seq

    def _packet_for_link(self, ev: Event) -> None:
        p = ev.packet
        if p is None or p.arrival:
            return  # the copy seen arriving was not lost
        src, dst = f"{p.src[0]}:{p.src[1]}", f"{p.dst[0]}:{p.dst[1]}"
        keys: list[tuple[Any, ...]] = []
        if p.ip_id is not None:
            keys.append((src, dst, "id", p.ip_id))
        if p.proto == "TCP" and p.seq is not None and p.host in (None, "A"):
            keys.append((src, dst, p.seq, p.len))
        for key in keys:
            if self._drop_wanted.get(key):
                self._drop_wanted[key] -= 1
                self._dropped(ev.seq, self._drop_link_seq.get(key, ev.seq))
                return
        for key in keys:
            self._drop_seen.setdefault(key, []).append(ev.seq)

    def _dropped(self, packet_seq: int, link_seq: int) -> None:
        """A captured packet the link dropped. A datagram has no recvfrom() to arrive at: its
        sendto()'s arrow ends in a ✗ short of the receiver, as a datagram the kernel dropped."""
        self.link_dropped.add(packet_seq)
        link = self._link_by_seq.get(link_seq)
        if link is not None and link.params and link.params.get("why"):
            self.link_why[packet_seq] = str(link.params["why"])
        ev = self._packets.get(packet_seq)
        p = ev.packet if ev is not None else None
        if ev is None or p is None or p.proto != "UDP" or ev.dgram is None or not p.to_actor:
            return
        send = self._dgram_sends.pop(ev.dgram, None)
        if send is not None:
            slane, srow, _sseq, _label = send
            label = self.translate("DiagramText", "lost (link dropped it)")
            seq = max(packet_seq, link_seq)  # drawn once both are in the trace
            self.arrows.append(
                Arrow("lost", slane, srow, self.lane_of(p.to_actor), srow, seq, label)
            )

    def host_of_lane(self, lane: int) -> str | None:
        if 0 <= lane < len(self.lanes):
            return self.actor_hosts.get(self.lanes[lane])
        return None

    # --- rows and lanes ---------------------------------------------------------------------
    def lane_of(self, actor: str) -> int:
        try:
            return self.lanes.index(actor)
        except ValueError:
            self.lanes.append(actor)
            self._nest()
            return len(self.lanes) - 1

    # --- nesting: which column each lane is drawn in ------------------------------------------
    def columns(self) -> list[int]:
        """The lanes from left to right: each program, then its threads, then its forked
        children (each child followed by its own threads and children), in the order they
        started; the other actors in the order they came."""
        if len(self._columns) != len(self.lanes):
            self._nest()
        return self._columns

    def column_of(self, lane: int) -> int:
        """The column (0 = leftmost) ``lane`` is drawn in."""
        if len(self._column_of) != len(self.lanes):
            self._nest()
        return self._column_of[lane] if 0 <= lane < len(self._column_of) else lane

    def lane_depth(self, lane: int) -> int:
        """0 for a program (or a lesson's actor), 1 for its thread or child, 2 below that."""
        depth, seen = 0, {lane}
        while lane in self.lane_parent:
            lane = self.lane_parent[lane][0]
            if lane in seen:
                break
            seen.add(lane)
            depth += 1
        return depth

    def parent_name(self, lane: int) -> tuple[str, str] | None:
        """(the parent's actor name, "thread" or "child") of a nested lane, else None."""
        found = self.lane_parent.get(lane)
        if found is None:
            return None
        return self.lanes[found[0]], found[1]

    def _nest(self) -> None:
        kids: dict[int, list[int]] = defaultdict(list)
        for lane, (parent, _kind) in self.lane_parent.items():
            kids[parent].append(lane)
        order: list[int] = []
        placed: set[int] = set()

        def visit(lane: int) -> None:
            if lane in placed:
                return
            placed.add(lane)
            order.append(lane)
            # a program's threads first, then the processes it forked, each in start order
            for child in sorted(kids.get(lane, ()), key=lambda k: (self._forked(k), k)):
                visit(child)

        for lane in range(len(self.lanes)):
            if lane not in self.lane_parent:
                visit(lane)
        for lane in range(len(self.lanes)):  # a parent that is itself nested in a loop
            visit(lane)
        self._columns = order
        self._column_of = [0] * len(order)
        for col, lane in enumerate(order):
            self._column_of[lane] = col

    def _forked(self, lane: int) -> bool:
        return self.lane_parent[lane][1] == "child"

    def _started(self, ev: Event, lane: int) -> None:
        """A start event: a program's thread or forked child names the lane it came from."""
        kind = {"program_thread": "thread", "thread_started": "thread"}.get(ev.code or "")
        if ev.code == "program_forked":
            kind = "child"
        if kind is None or lane in self.lane_parent:
            return
        params = ev.params or {}
        parent = params.get("parent") or params.get("program")
        if not isinstance(parent, str) or parent not in self.lanes or parent == ev.actor:
            return
        self.lane_parent[lane] = (self.lanes.index(parent), kind)
        self._nest()

    def _new_row(self, seq: int) -> int:
        self.row_seqs.append(seq)
        # the run time of each row (its event's), never going back: packets the kernel sent on
        # its own time find the row that was the last when they left (model/wire.py)
        t = self._event_t
        self.row_times.append(max(t, self.row_times[-1]) if self.row_times else t)
        return len(self.row_seqs) - 1

    @property
    def row_count(self) -> int:
        return len(self.row_seqs)

    def rows_at(self, cursor_seq: int) -> int:
        """How many rows exist when the cursor is at ``cursor_seq``."""
        return bisect.bisect_right(self.row_seqs, cursor_seq)

    def streaks(self, cursor_seq: int, longer_than: int = 8) -> list[tuple[int, int]]:
        """Runs of identical consecutive calls (same actor, call and result, none blocked) of
        more than ``longer_than`` rows, as (first row, last row) at the cursor: 50 sendto()
        rows that a user may fold into one. Kept as the layout grows: cheap at any size."""
        n = self.rows_at(cursor_seq)
        out = []
        for r0, r1 in self._runs:
            if r0 >= n:
                break
            end = min(r1, n - 1)
            last = self._box_at_row.get(end)
            if last is not None and not last.returned_at(cursor_seq):
                end -= 1
            if end - r0 + 1 > longer_than:
                out.append((r0, end))
        return out

    def ghost_at(self, lane: int, cursor_seq: int) -> str | None:
        """The call this lane's actor is waiting to make at the cursor, if any."""
        seqs = self._ghost_seqs.get(lane)
        if not seqs:
            return None
        i = bisect.bisect_right(seqs, cursor_seq) - 1
        return self._ghost_ops[lane][i] if i >= 0 else None

    def _ghost(self, lane: int, seq: int, op: str | None) -> None:
        self._ghost_seqs[lane].append(seq)
        self._ghost_ops[lane].append(op)

    # --- building -----------------------------------------------------------------------------
    def extend(self, events: list[Event]) -> None:
        for ev in events:
            self.add(ev)

    def add(self, ev: Event) -> None:
        self.last_seq = ev.seq
        self._event_t = ev.t
        if ev.kind == "link":  # the link between the hosts, not an actor: no lane of its own
            self.link_events.append(ev)
            self._link_drop(ev)
            return
        if ev.kind == "packet" and self.actor_hosts and ev.packet is not None:
            if not ev.packet.arrival:
                self._packets[ev.seq] = ev
            self._packet_for_link(ev)
        lane = self.lane_of(ev.actor)
        kind = ev.kind
        self._kinds.feed(ev)
        if kind == "call":
            self._ghost(lane, ev.seq, None)
            if ev.sock is not None and ev.sock in self._owner:
                self._owner[ev.sock] = lane  # a socket handed to another thread moves with it
            box = Box(
                self._new_row(ev.seq),
                lane,
                ev.seq,
                ev.op or "?",
                ev.sock,
                call_label(ev, self.translate),
                line=ev.line,
                call=ev,
                ctx=self._kinds.of(ev.sock),
            )
            self.boxes.append(box)
            self._box_at_row[box.row] = box
            self._open[ev.actor].append(box)
            address = (ev.args or {}).get("address")
            if ev.op in ("connect", "connect_ex") and isinstance(address, list | tuple):
                listener = self._listener_at.get((address[0], address[1])) if address else None
                if listener is not None:
                    self._last_connect[listener] = (lane, box.row, ev.seq)
                    if ev.sock is not None:
                        self._connect_target[ev.sock] = listener
        elif kind == "waiting":
            self._ghost(lane, ev.seq, ev.op)
        elif kind == "blocked":
            stack = self._open.get(ev.actor)
            blocked_box = stack[-1] if stack else None
            if blocked_box is not None and blocked_box.blocked_seq is not None:
                # said again (a later report of the same sleep): keep the first, which drew the bar
                pass
            elif blocked_box is not None:
                box = blocked_box
                box.blocked = True
                box.blocked_seq = ev.seq
                box.blocked_ev = ev
                span = BlockedSpan(
                    lane,
                    box.row,
                    ev.seq,
                    ev.t,
                    box.op,
                    box,
                    evidence=evidence_label(ev, self.translate),
                    evidence_short=evidence_label(ev, self.translate, short=True),
                )
                self.spans.append(span)
                self._open_span[box.seq] = span
        elif kind == "return":
            self._on_return(ev, lane)
        elif kind == "burst":
            row = self._new_row(ev.seq)
            box = Box(
                row,
                lane,
                ev.seq,
                ev.op or "?",
                ev.sock,
                call_label(ev, self.translate),
                result_label(ev, self.translate),
                ret_seq=ev.seq,
                ok=True,
                burst=True,
                line=ev.line,
                call=ev,
                ret=ev,
            )
            self.boxes.append(box)
            self._data(ev, lane, row, row)
        elif kind == "kernel":
            self._on_kernel(ev)
        elif kind in ("error", "signal"):
            row = self._new_row(ev.seq)
            self.marks.append(Mark(kind, lane, row, ev.seq, self._mark_text(ev)))
            kill = self._kills.pop(ev.actor, None)
            if kill is not None:
                k_lane, k_row, signame = kill
                self.arrows.append(Arrow("kill", k_lane, k_row, lane, row, ev.seq, signame))
        elif kind == "dgram_lost":
            self._lost(ev, lane)
        elif kind == "packet":
            self.wire.add(ev)
        elif kind == "start":
            self.lane_rows[lane] = (self.row_count, None)
            self.lane_start_seq[lane] = ev.seq
            self._started(ev, lane)
        elif kind == "end":
            first = self.lane_rows.get(lane, (0, None))[0]
            self.lane_rows[lane] = (first, max(first, self.row_count - 1))
            self._ghost(lane, ev.seq, None)

    def _lost(self, ev: Event, lane: int) -> None:
        """A datagram the kernel dropped: an arrow from its sendto() that ends in a ✗ short of
        the receiver, and one row that counts them (the kernel reports them together). One that
        a receive which did not say its source may have read (code MAYBE_READ) ends in a "?"
        and is counted apart: it was dropped, or it was the one read."""
        kind: Literal["lost", "unsure"] = "unsure" if ev.code == MAYBE_READ else "lost"
        # One report (a close, a receive) comes as consecutive events: they share one row of
        # each kind. The counts on this lane's last rows, newest first, as long as each is on
        # the row just above the one after it (another actor's row ends the report).
        counts: list[tuple[int, Mark]] = []
        row = self.row_count - 1
        for i in range(len(self.marks) - 1, -1, -1):
            m = self.marks[i]
            if m.kind not in ("lost", "unsure") or m.lane != lane or m.row != row:
                break
            counts.append((i, m))
            row -= 1
        mine = [(i, m) for i, m in counts if m.kind == kind]
        if mine:
            at, count = mine[0]
        else:
            count = Mark(kind, lane, self._new_row(ev.seq), ev.seq, "", ())
            at = len(self.marks)
            self.marks.append(count)
        seqs = (*count.seqs, ev.seq)
        if kind == "lost":
            text = self.translate("DiagramText", "{n} datagrams dropped by the kernel")
        else:
            text = self.translate(
                "DiagramText",
                "{n} datagrams dropped by the kernel, or read by a recv() that did not say "
                "where its datagram came from: which ones cannot be told",
            )
        self.marks[at] = Mark(kind, lane, count.row, count.seq, text.format(n=len(seqs)), seqs)
        send = self._dgram_sends.pop(ev.dgram, None) if ev.dgram is not None else None
        if send is not None:
            slane, srow, _sseq, _label = send
            self.arrows.append(Arrow(kind, slane, srow, lane, srow, ev.seq, ""))

    def _mark_text(self, ev: Event) -> str:
        """An error mark's words: the run host's report of its process's death is a code (the
        window's language); anything else is the exception's own text."""
        p = ev.params or {}
        if ev.code == "HOST_EXITED" and p.get("where"):
            return self.translate("DiagramText", "{call}({status}) at {where}").format(
                call=p.get("call"), status=p.get("status"), where=p.get("where")
            )
        if ev.code == "HOST_EXITED":
            return self.translate(
                "DiagramText", "the run's process exited (status {status})"
            ).format(status=p.get("status"))
        if ev.code == "HOST_KILLED":
            return self.translate("DiagramText", "the run's process was killed by {signal}").format(
                signal=p.get("signal")
            )
        if ev.code == "HOST_STOP_KILLED":
            return self.translate(
                "DiagramText", "did not stop within 1 s: its process was killed ({signal})"
            ).format(signal=p.get("signal"))
        return message_text(ev, self.translate)

    def _on_return(self, ev: Event, lane: int) -> None:
        stack = self._open.get(ev.actor)
        box = stack.pop() if stack else None
        if box is None:  # a return without its call (a trace cut short): give it a row
            box = Box(self._new_row(ev.seq), lane, ev.seq, ev.op or "?", ev.sock, ev.op or "?")
            self.boxes.append(box)
        box.ret_seq, box.ret, box.ok, box.error = ev.seq, ev, ev.ok, ev.error
        box.result = result_label(ev, self.translate, box.ctx, box.call)
        ret_row = box.row
        span = self._open_span.pop(box.seq, None)
        if span is not None:
            ret_row = self._new_row(ev.seq)
            span.row1, span.seq1, span.duration = ret_row, ev.seq, ev.duration
        elif ev.ok and ev.nbytes and (sent := self._sent_row(ev)) is not None and sent > box.row:
            # It read bytes sent after its call's row, yet the kernel was never seen holding
            # it (a sleep shorter than the watcher's look, or a call that reached the kernel
            # only after the send): its result cannot be shown where it was called, before
            # what it read was sent. It gets a row where it returned, as a blocked call does,
            # with no blocked bar: "no blocking observed".
            ret_row = self._new_row(ev.seq)
            box.returns_later = True
            t0 = box.call.t if box.call is not None else ev.t
            self.spans.append(
                BlockedSpan(
                    lane,
                    box.row,
                    ev.seq,
                    t0,
                    box.op,
                    box,
                    ret_row,
                    ev.seq,
                    ev.duration,
                    asleep=False,
                )
            )
        if ev.error in cat.NEVER_RETURNED and span is not None:
            # the call a kill() ended: the signal's arrow ends where it ended, not below
            kill = self._kills.pop(ev.actor, None)
            if kill is not None:
                k_lane, k_row, signame = kill
                self.arrows.append(Arrow("kill", k_lane, k_row, lane, ret_row, ev.seq, signame))
        # a run of identical calls folds; one that returns on a row of its own never does
        prev = self._box_at_row.get(box.row - 1)
        if prev is not None and _same(prev, box):
            if self._runs and self._runs[-1][1] == box.row - 1:
                self._runs[-1] = (self._runs[-1][0], box.row)
            else:
                self._runs.append((box.row - 1, box.row))
        op = ev.op or ""
        if ev.ok and op == "socket" and ev.sock is not None:
            self._owner[ev.sock] = lane
        if ev.ok and op == "accept" and ev.new_sock is not None:
            self._owner[ev.new_sock] = lane
            if ev.conn is not None:
                self._conn_socks[ev.conn]["s"] = lane
                self._sock_conn[ev.new_sock] = (ev.conn, "s")
                self._accept_returned(ev, lane, ret_row, span is not None)
        if ev.ok and op == "listen" and ev.local and ev.sock is not None:
            self._listener_at[(ev.local[0], ev.local[1])] = ev.sock
        if (
            op in ("connect", "connect_ex")
            and ev.ok
            and ev.conn is not None
            and ev.sock is not None
        ):
            self._conn_socks[ev.conn]["c"] = lane
            self._sock_conn[ev.sock] = (ev.conn, "c")
            self._connect_returned(ev, lane, box.row, ret_row)
        if ev.nbytes is not None and ev.ok:
            self._data(ev, lane, box.row, ret_row, box.seq)
            if span is not None and cat.data_dir(op) == "out":
                self._send_woken(ev, lane, ret_row)
        if ev.ok and op in ("close", "shutdown") and ev.sock is not None:
            self._fin(ev, lane, ret_row, box.call)
        if ev.ok and op == "select" and span is not None:
            self._select_woken(ev, lane, ret_row, box.seq)
        if op == "kill" and ev.ok and box.call is not None and box.call.args:
            a = box.call.args
            self._kills[str(a.get("actor"))] = (lane, box.row, str(a.get("signal")))
        if op == "setsockopt" and box.call is not None and box.call.args:
            a = box.call.args
            if a.get("option") == "SO_LINGER" and isinstance(a.get("value"), str):
                raw = bytes.fromhex(a["value"])
                if len(raw) >= 8 and raw[0] and not any(raw[4:8]) and ev.sock is not None:
                    self._rst_on_close.add(ev.sock)

    # --- arrows -------------------------------------------------------------------------------
    def _connect_returned(self, ev: Event, lane: int, call_row: int, ret_row: int) -> None:
        assert ev.conn is not None
        self._connects[ev.conn] = (lane, call_row, ret_row)
        listener = self._listener_at.get((ev.peer[0], ev.peer[1])) if ev.peer else None
        listener_lane = self._owner.get(listener) if listener is not None else None
        accept_lane = self._conn_socks[ev.conn].get("s")
        if accept_lane is not None:
            # accept() already returned this connection (it woke before connect() returned)
            row = self._accept_rows.pop(ev.conn, ret_row)
            self._handshake(lane, call_row, accept_lane, row, ev.seq)
        elif listener_lane is not None:
            waiting = self._open_span_on_lane(listener_lane, "accept")
            if waiting:
                self._pending_handshake[ev.conn] = (lane, call_row, ev.seq)
            else:
                # nobody in accept(): the kernel queues the connection on the listener
                self._handshake(lane, call_row, listener_lane, ret_row, ev.seq)

    def _accept_returned(self, ev: Event, lane: int, ret_row: int, was_blocked: bool) -> None:
        assert ev.conn is not None
        pending = self._pending_handshake.pop(ev.conn, None)
        if pending is not None:
            c_lane, c_row, _ = pending
            self._handshake(c_lane, c_row, lane, ret_row, ev.seq)
        elif ev.conn not in self._connects and was_blocked:
            self._accept_rows[ev.conn] = ret_row

    def _open_span_on_lane(self, lane: int, op: str) -> bool:
        return any(s.lane == lane and s.op == op for s in self._open_span.values())

    def _handshake(self, lane0: int, row0: int, lane1: int, row1: int, seq: int) -> None:
        self.arrows.append(
            Arrow(
                "handshake",
                lane0,
                row0,
                lane1,
                max(row0, row1),
                seq,
                self.translate("DiagramText", "SYN · SYN-ACK · ACK (kernel, inferred)"),
            )
        )

    def _data(self, ev: Event, lane: int, call_row: int, ret_row: int, call_seq: int = 0) -> None:
        outgoing = cat.data_dir(ev.op) == "out"
        if ev.conn is not None and ev.range is not None and ev.dir:
            if ev.sock is not None and ev.sock not in self._sock_conn:
                # a connection first seen in a data call (after a non-blocking connect)
                side = ev.dir[0] if outgoing else ev.dir[-1]
                self._sock_conn[ev.sock] = (ev.conn, side)
                self._conn_socks[ev.conn].setdefault(side, lane)
            stream = self._streams[(ev.conn, ev.dir)]
            a, b = ev.range
            if b <= a:
                return
            if outgoing:
                stream.sends.append((a, b, lane, call_row, ev.seq, ev.data))
                self._late_select_cause(ev, lane, call_row, call_seq)
                for ra, rb, rlane, rrow, rseq in _overlapping(stream.recvs, a, b):
                    self._data_arrow(
                        lane, call_row, ev.seq, rlane, rrow, rseq, a, b, ra, rb, ev.data
                    )
            else:
                stream.recvs.append((a, b, lane, ret_row, ev.seq))
                for sa, sb, slane, srow, sseq, sdata in _overlapping(stream.sends, a, b):
                    self._data_arrow(slane, srow, sseq, lane, ret_row, ev.seq, sa, sb, a, b, sdata)
        elif ev.dgram is not None:
            # Either end's return may be recorded first: loopback delivers inside sendto().
            send: tuple[int, int, int, str] | None
            recv: tuple[int, int, int] | None
            if outgoing:
                send = (lane, call_row, ev.seq, arrow_label(ev.nbytes, ev.data))
                recv = self._dgram_recvs.pop(ev.dgram, None)
                if recv is None:
                    self._dgram_sends[ev.dgram] = send
            else:
                recv = (lane, ret_row, ev.seq)
                send = self._dgram_sends.pop(ev.dgram, None)
                again = self._dgram_delivered.get(ev.dgram) if send is None else None
                if again is not None:
                    # the same datagram a second time: its sendto() made one, the link two
                    slane, srow, sseq, label = again
                    label = self.translate("DiagramText", "{label} again").format(label=label)
                    send = (slane, srow, sseq, label)
                elif send is None:
                    self._dgram_recvs[ev.dgram] = recv
            if send is not None and recv is not None:
                self._dgram_delivered.setdefault(ev.dgram, send)
                slane, srow, sseq, label = send
                rlane, rrow, rseq = recv
                self.arrows.append(
                    Arrow(
                        "dgram",
                        slane,
                        srow,
                        rlane,
                        max(srow, rrow),
                        max(sseq, rseq),
                        label,
                        sseq,
                        rseq,
                    )
                )

    def _sent_row(self, ev: Event) -> int | None:
        """The row of the latest send whose bytes a receive's return carries, when known. On
        loopback the receiver wakes inside the sender's call, so its return may come before
        that send's: then it is a send still in progress, whose call's row counts."""
        if cat.data_dir(ev.op) != "in":
            return None
        rows: list[int] = []
        if ev.conn is not None and ev.range is not None and ev.dir:
            sends = self._streams[(ev.conn, ev.dir)].sends
            rows += [row for _a, _b, _lane, row, _seq, _data in _overlapping(sends, *ev.range)]
            if ev.range[1] > (sends[-1][1] if sends else 0):  # some bytes' send has not returned
                side = (ev.conn, ev.dir[0])
                rows += [
                    b.row
                    for b in self._sending()
                    if b.sock is not None and self._sock_conn.get(b.sock) == side
                ]
        elif ev.dgram is not None:
            send = self._dgram_sends.get(ev.dgram) or self._dgram_delivered.get(ev.dgram)
            if send is not None:
                rows.append(send[1])
            else:  # its sendto() has not returned: one of the datagram sends in progress made it
                here = self.lane_of(ev.actor)
                rows += [
                    b.row for b in self._sending() if b.lane != here and b.ctx.sock_type != "TCP"
                ]
        return max(rows, default=None)

    def _sending(self) -> list[Box]:
        """The calls in progress that send data."""
        return [b for stack in self._open.values() for b in stack if cat.data_dir(b.op) == "out"]

    def _send_woken(self, ev: Event, lane: int, ret_row: int) -> None:
        """A send that waited on full buffers was woken by the reader's recv that made room:
        the last recv of this stream before the send returned."""
        if ev.conn is None or not ev.dir:
            return
        recvs = self._streams[(ev.conn, ev.dir)].recvs
        before = [r for r in recvs if r[4] < ev.seq]
        if before:
            _a, _b, rlane, rrow, _rseq = before[-1]
            self.arrows.append(
                Arrow(
                    "wake",
                    rlane,
                    rrow,
                    lane,
                    max(rrow, ret_row),
                    ev.seq,
                    self.translate("DiagramText", "reader made room"),
                )
            )

    def _select_woken(self, ev: Event, lane: int, ret_row: int, since: int) -> None:
        """What woke a blocked select(): the connect() that reached a listener it watched, or
        the last send() into a connection it watched for reading, made while it slept (seq
        after ``since``). Anything else (an end of stream) gets no arrow rather than a guess."""
        res = ev.result if isinstance(ev.result, dict) else {}
        listeners = set(self._listener_at.values())
        for sock in res.get("r") or []:
            cause: tuple[int, int] | None = None
            text = ""
            if sock in listeners and sock in self._last_connect:
                # a non-blocking connect() may be called before select() and complete after
                cause = self._last_connect[sock][:2]
                text = self.translate("DiagramText", "a connection arrived")
            elif sock in self._sock_conn:
                conn, side = self._sock_conn[sock]
                sends = [
                    st.sends[-1]
                    for (c, d), st in self._streams.items()
                    if c == conn and d.endswith(side) and st.sends and st.sends[-1][4] > since
                ]
                if sends:
                    last = max(sends, key=lambda x: x[4])
                    cause = (last[2], last[3])
                    text = self.translate("DiagramText", "data arrived")
                else:
                    # the send that woke it may write its return after this one: wait for it
                    self._select_unwoken.append((conn, side, lane, ret_row, ev.seq, since, ev.seq))
            if cause is not None and cause[0] != lane:
                self.arrows.append(
                    Arrow("woke", cause[0], cause[1], lane, max(cause[1], ret_row), ev.seq, text)
                )
        for sock in res.get("w") or []:
            # a non-blocking connect() completing: the listener's kernel answered the handshake
            listener = self._connect_target.get(sock)
            owner = self._owner.get(listener) if listener is not None else None
            if owner is not None and owner != lane:
                text = self.translate("DiagramText", "connected (kernel)")
                self.arrows.append(Arrow("woke", owner, ret_row, lane, ret_row, ev.seq, text))

    def _late_select_cause(self, ev: Event, lane: int, call_row: int, call_seq: int) -> None:
        """A send() whose return came after the select() it woke: its call was made while that
        select() slept (after it began, before it returned), on the connection it watched."""
        for i, (conn, side, sel_lane, sel_row, sel_seq, since, sel_ret) in enumerate(
            self._select_unwoken
        ):
            if (
                conn == ev.conn
                and (ev.dir or "").endswith(side)
                and since < call_seq < sel_ret
                and sel_lane != lane
            ):
                text = self.translate("DiagramText", "data arrived")
                self.arrows.append(
                    Arrow("woke", lane, call_row, sel_lane, max(call_row, sel_row), sel_seq, text)
                )
                del self._select_unwoken[i]
                return

    def _data_arrow(
        self,
        slane: int,
        srow: int,
        sseq: int,
        rlane: int,
        rrow: int,
        rseq: int,
        sa: int,
        sb: int,
        ra: int,
        rb: int,
        sdata: str | None,
    ) -> None:
        lo, hi = max(sa, ra), min(sb, rb)
        # the part of the send's bytes that this recv got
        offset = lo - sa
        part = sdata[offset * 2 : (offset + (hi - lo)) * 2] if sdata else None
        self.arrows.append(
            Arrow(
                "data",
                slane,
                srow,
                rlane,
                max(srow, rrow),
                max(sseq, rseq),
                arrow_label(hi - lo, part),
                sseq,
                rseq,
            )
        )

    def _fin(self, ev: Event, lane: int, row: int, call: Event | None) -> None:
        sock = ev.sock
        assert sock is not None
        if sock not in self._sock_conn or sock in self._fin_sent:
            return
        if ev.op == "shutdown" and call is not None and (call.args or {}).get("how") == "SHUT_RD":
            return  # SHUT_RD sends nothing to the peer
        conn, side = self._sock_conn[sock]
        peer_lane = self._conn_socks[conn].get("s" if side == "c" else "c")
        if peer_lane is None:
            return
        self._fin_sent.add(sock)
        rst = ev.op == "close" and (sock in self._rst_on_close or self._recv_q.get(sock, 0) > 0)
        kind: ArrowKind = "rst" if rst else "fin"
        translate = self.translate
        text = (
            translate("DiagramText", "RST (kernel, inferred)")
            if rst
            else translate("DiagramText", "FIN (kernel, inferred)")
        )
        self.arrows.append(Arrow(kind, lane, row, peer_lane, row, ev.seq, text))

    def _on_kernel(self, ev: Event) -> None:
        if ev.sock is None or ev.kernel is None:
            return
        k = ev.kernel
        if k.recv_q is not None:
            self._recv_q[ev.sock] = k.recv_q
        state = k.state
        before = self._state.get(ev.sock)
        if state is None or before == state:
            return
        self._state[ev.sock] = state
        if before is None and state == "CLOSED":
            return  # a new socket: nothing to tell yet
        lane = self._owner.get(ev.sock)
        if lane is None:
            return
        row = max(0, self.row_count - 1)
        self.tags.append(StateTag(lane, row, ev.seq, ev.sock, f"fd {ev.fd} {state}"))


def chain_tags(tags: list[StateTag]) -> list[StateTag]:
    """One socket's state changes on one row as one tag, in the order they happened ("fd 5
    CLOSE_WAIT → CLOSED"): as two tags, one beside the lifeline and one under the row where the
    first left no room, they could read backwards."""
    out: list[StateTag] = []
    last: dict[int, int] = {}  # sock -> its tag's index in out
    for tag in sorted(tags, key=lambda t: t.seq):
        i = last.get(tag.sock)
        if i is not None:
            prev = out[i]
            head, _, state = tag.text.rpartition(" ")
            if prev.text.startswith(head + " "):
                out[i] = replace(prev, seq=tag.seq, text=f"{prev.text} → {state}")
                continue
        last[tag.sock] = len(out)
        out.append(tag)
    return out


def _same(a: Box, b: Box) -> bool:
    """Two boxes that say the same: one actor, one call, one result, neither blocked, both
    with their result on their own row."""
    return (
        a.lane == b.lane
        and a.label == b.label
        and a.result == b.result
        and a.ok == b.ok
        and not a.blocked
        and not b.blocked
        and not a.returns_later
        and not b.returns_later
        and not a.burst
        and not b.burst
    )


def _overlapping(items: list[R], a: int, b: int) -> list[R]:
    """Items whose [start, end) overlaps [a, b). Items are appended in stream order."""
    i = bisect.bisect_right(items, (a,)) - 1
    i = max(i, 0)
    out = []
    while i < len(items) and items[i][0] < b:
        if items[i][1] > a:
            out.append(items[i])
        i += 1
    return out
