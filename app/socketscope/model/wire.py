"""Where the diagram draws each real packet: under the call that caused it, between lifelines.

A packet event arrives in the trace a little after the call that caused it (the capture runs in
a process of its own), so it does not get a row of its own in event order: it is *anchored* to
the row of its cause (the call's row, or the row where a blocked call woke when the packet came
after its wake-up), and the view opens a thin band under that row for the packets it caused.
Timer packets (delayed ACKs, retransmissions, probes) anchor to the call the sender was in, or to
the last row there was when they came. No Qt here: the widget only paints this.

Two-host runs capture each real packet twice, leaving its sender's host and arriving at its
receiver's (the same ``packet.id``): it is one arrow. A second arrival is a second arrow, marked
duplicate; a packet with none that the link says it dropped ends mid-way (diagram.link_dropped).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from socketscope.engine.events import Event
from socketscope.model.labels import Translate, untranslated

if TYPE_CHECKING:
    from socketscope.model.diagram import Box, DiagramLayout

MAX_PER_ROW = 8  # packets drawn one by one under a call; more are counted on one line
LATE = 0.005  # seconds: a packet this long after its call's return (or, a timer's, before
# the return of the call it slept in) is drawn where the run was then
INFERRED = frozenset({"handshake", "fin", "rst"})  # the calls-only view's guessed arrows


@dataclass(frozen=True, slots=True)
class PacketArrow:
    ev: Event
    lane0: int  # the sender's lifeline
    lane1: int  # the receiver's (the same as lane0 when the receiver is not in the run)
    row: int  # the anchor row: the packet is drawn in the band under it
    slot: int  # its place in that band, from 0
    dup: bool = False  # a second arrival of the same packet (the link duplicated it)
    # from no socket of the run (packet.no_sender): a stub that comes to lane1, not from it
    inbound: bool = False

    @property
    def seq(self) -> int:
        return self.ev.seq


@dataclass(frozen=True, slots=True)
class Arrival:
    """Where a packet the link held back is drawn arriving: after row ``row``, ``frac`` (0..1,
    by time) of the way to the next row; or ``into_call``: during row ``row``'s call on the
    receiver's lifeline (a recv() that found it there as it came), at that call's box."""

    row: int
    frac: float
    into_call: bool = False
    # that row's band: the last slot whose packet was at the receiver's lifeline before it
    # came (left from there, or arrived there), and the first after: it ends between them
    after_slot: int = -1
    before_slot: int | None = None


@dataclass(slots=True)
class Band:
    """The packets under one row: those drawn one by one, and how many more there were."""

    arrows: list[PacketArrow]
    more: int = 0
    more_seq: int = 0  # the seq of the first packet counted but not drawn

    @property
    def slots(self) -> int:
        return len(self.arrows) + (1 if self.more else 0)


class WireLayout:
    """Built with the DiagramLayout, from the same events (``add`` for packet events)."""

    def __init__(self, layout: DiagramLayout, translate: Translate = untranslated) -> None:
        self.layout = layout  # the DiagramLayout: its lanes, rows and boxes
        self.translate = translate
        self.bands: dict[int, Band] = {}
        self.arrows: list[PacketArrow] = []
        self.caused: dict[int, list[Event]] = {}  # call seq -> the packets it caused
        self._rows: list[int] = []  # the anchor rows, sorted
        self._cum: list[float] = []  # slots before each of _rows (prefix sums), rebuilt lazily
        self._dirty = False
        self.version = 0
        # two hosts: each real packet's arrow by packet.id, and how often it arrived
        self._by_id: dict[int, PacketArrow | None] = {}
        # packet.id -> (seq, t, host) of each of its arrival copies
        self.arrivals: dict[int, list[tuple[int, float, str | None]]] = {}
        # the arrows of packets seen arriving (by arrow seq): the view may draw them past the
        # rows of their band (arrived_at), so it asks for them wherever it paints
        self.held: dict[int, PacketArrow] = {}
        self._ends: dict[int, Arrival] = {}  # arrived_at for every held arrow, at one cursor
        self._ends_key: tuple[int, int, int] | None = None
        # the band the last packet was drawn in, and when it left: a later packet is never
        # drawn above it (see add)
        self._floor: tuple[int, float] = (0, float("-inf"))

    @property
    def has_packets(self) -> bool:
        return bool(self.arrows)

    def add(self, ev: Event) -> None:
        lay = self.layout
        p = ev.packet
        if p is None:
            return
        if p.arrival and p.id is not None and p.id in self._by_id:
            self._arrived(ev, p.id)
            return
        lane0 = lay.lane_of(ev.actor)
        lane1 = lay.lane_of(p.to_actor) if p.to_actor else lane0
        anchor_seq = ev.cause if isinstance(ev.cause, int) else ev.during
        if isinstance(ev.cause, int):
            self.caused.setdefault(ev.cause, []).append(ev)
        row, exact = self._anchor(anchor_seq, ev)
        # Rows are where calls began, and a call's syscall can come well after its row (its
        # thread waited for the interpreter): the packet a later row's call sent can leave
        # first (tcp-multi-client: the handler's FIN before the FIN of the close() the client
        # began earlier). Drawn under its own call, the later packet would sit above the
        # earlier one, against the capture's order; it goes under the earlier one's row.
        floor_row, floor_t = self._floor
        if ev.t >= floor_t and row < floor_row:
            row = floor_row
        if exact:
            self._floor = (row, ev.t)
        band = self.bands.get(row)
        if band is None:
            band = self.bands[row] = Band([])
            bisect.insort(self._rows, row)
        arrow: PacketArrow | None = None
        if len(band.arrows) < MAX_PER_ROW:
            arrow = PacketArrow(ev, lane0, lane1, row, len(band.arrows), inbound=bool(p.no_sender))
            band.arrows.append(arrow)
            self.arrows.append(arrow)
        else:
            if not band.more:
                band.more_seq = ev.seq
            band.more += 1
        if p.id is not None and not p.arrival:
            self._by_id[p.id] = arrow
        self._dirty = True
        self.version += 1

    def _arrived(self, ev: Event, pid: int) -> None:
        """An arrival copy: the packet's arrow is already drawn; a second one is a duplicate,
        drawn as an arrow of its own under the first, from the moment it arrived."""
        seen = self.arrivals.setdefault(pid, [])
        seen.append((ev.seq, ev.t, ev.packet.host if ev.packet is not None else None))
        first = self._by_id.get(pid)
        if first is None or (ev.count or 1) > 1:
            return
        if len(seen) < 2:
            first = self._by_id[pid] = self._to_host(first, seen[0][2])
            self.held[first.seq] = first
            self.version += 1
            return
        band = self.bands[first.row]
        if len(band.arrows) >= MAX_PER_ROW:
            return
        arrow = PacketArrow(ev, first.lane0, first.lane1, first.row, len(band.arrows), dup=True)
        band.arrows.append(arrow)
        self.arrows.append(arrow)
        self.held[arrow.seq] = arrow
        self._dirty = True
        self.version += 1

    def in_flight(self, a: PacketArrow, cursor: int) -> bool:
        """A two-host packet that has left and, at the cursor, not been seen arriving, nor
        been dropped by the link: it is on the link (or was when the run ended: a FIN sent
        into a 20 ms link as the run stopped never arrived)."""
        p = a.ev.packet
        if a.dup or p is None or p.id is None or p.arrival or p.host is None:
            return False
        if a.seq in self.layout.link_dropped:
            return False
        return not any(seq <= cursor for seq, _t, _h in self.arrivals.get(p.id, ()))

    def arrived_at(self, a: PacketArrow, cursor: int) -> Arrival | None:
        """Where a packet the link held back is drawn arriving: the last row that began before
        it arrived and how far (0..1) it came towards the next row. None when it arrived
        within its own band (its arrow stays level), or not by the cursor yet.

        Rows are in the run's time order, so an arrow that ends past later rows shows what
        really happened: datagram 1 reaching the receiver after datagram 5 did. Several that
        end between the same two rows are spread evenly there, in the order they arrived
        (by time alone, a relay's bursts would put their arrowheads on top of each other)."""
        key = (cursor, self.version, self.layout.row_count)
        if self._ends_key != key:
            self._ends = self._spread(cursor)
            self._ends_key = key
        return self._ends.get(a.seq)

    def _spread(self, cursor: int) -> dict[int, Arrival]:
        ends: dict[int, tuple[Arrival, float]] = {}
        for a in self.held.values():
            found = self._arrived_at(a, cursor)
            if found is not None:
                ends[a.seq] = found
        groups: dict[tuple[int, bool, int, int, int | None], list[int]] = {}
        for seq, (end, _t) in ends.items():
            where = (end.row, end.into_call, self.held[seq].lane1, end.after_slot, end.before_slot)
            groups.setdefault(where, []).append(seq)
        out = {seq: end for seq, (end, _t) in ends.items()}
        for seqs in groups.values():
            if len(seqs) > 1:
                seqs.sort(key=lambda s: (ends[s][1], s))
                for i, seq in enumerate(seqs):
                    out[seq] = replace(out[seq], frac=(i + 1) / (len(seqs) + 1))
        return out

    def _arrived_at(self, a: PacketArrow, cursor: int) -> tuple[Arrival, float] | None:
        """arrived_at for one arrow, by its own time, and when it arrived."""
        t_arrived, arrived_seq = self._arrival(a)
        if arrived_seq > cursor:
            return None
        times = self.layout.row_times
        rows = self.layout.rows_at(cursor)
        k = min(bisect.bisect_right(times, t_arrived) - 1, rows - 1)
        if k <= a.row:
            # before the next row began: the band under its call is right, level, unless
            # packets drawn after it in that band reached its receiver first (the link held it
            # behind them; all left late together, past their calls): then it ends below them
            after = -1
            for b in self.bands[a.row].arrows if a.row in self.bands else ():
                if b is a or b.slot < a.slot or b.lane1 != a.lane1:
                    continue
                t_there, there_seq = self._arrival(b)
                if there_seq <= cursor and t_there <= t_arrived:
                    after = max(after, b.slot)
            if after < 0:
                return None
            return Arrival(a.row, 0.5, after_slot=after), t_arrived
        # past a later row, however quickly (a ms under load is several rows): drawn level,
        # it would seem to arrive before what that row shows, and out of order with the
        # packets around it that are drawn where they arrived
        box = self._box_in_row(k)
        if (
            box is not None
            and box.lane == a.lane1
            and not box.blocked_at(cursor)
            and box.ret is not None
            and box.returned_at(cursor)
            and t_arrived <= box.ret.t
        ):
            # it came while the receiver was in that call (which did not block): at its box,
            # as far down its side as it came into the call
            t0 = box.call.t if box.call is not None else times[k]
            span = box.ret.t - t0
            frac = (t_arrived - t0) / span if span > 0 else 0.5
            return Arrival(k, min(1.0, max(0.0, frac)), into_call=True), t_arrived
        if k + 1 < rows and times[k + 1] > times[k]:
            frac = (t_arrived - times[k]) / (times[k + 1] - times[k])
        else:
            frac = 0.5  # the last row, or rows of one instant: half-way to the next
        # the packets drawn level in that row's band: it ends below those that were at its
        # receiver's lifeline before it came, above those after (a duplicate ACK it caused)
        after, before = -1, None
        for b in self.bands[k].arrows if k in self.bands else ():
            if b is a:
                continue
            t_there = self._arrival(b)[0] if b.lane1 == a.lane1 else self._left_t(b)
            if t_there <= t_arrived:
                after = max(after, b.slot)
            elif before is None or b.slot < before:
                before = b.slot
        if before is not None and before <= after:
            before = None
        frac = min(1.0, max(0.0, frac))
        return Arrival(k, frac, after_slot=after, before_slot=before), t_arrived

    def _left_t(self, b: PacketArrow) -> float:
        """When a packet left its sender (a duplicate arrow's event is its arrival)."""
        p = b.ev.packet
        if b.dup and p is not None and p.id is not None:
            first = self._by_id.get(p.id)
            if first is not None:
                return first.ev.t
        return b.ev.t

    def _box_in_row(self, row: int) -> Box | None:
        boxes = self.layout.boxes
        i = bisect.bisect_left(boxes, row, key=lambda b: b.row)
        return boxes[i] if i < len(boxes) and boxes[i].row == row else None

    def _to_host(self, arrow: PacketArrow, host: str | None) -> PacketArrow:
        """A packet drawn as a stub (its receiver's socket unknown when it left: a SYN to a
        listener) that arrived at a host where one actor of the run lives: to that lifeline."""
        lay = self.layout
        if arrow.lane1 != arrow.lane0 or host is None:
            return arrow
        there = [actor for actor, h in lay.actor_hosts.items() if h == host]
        if len(there) != 1 or there[0] not in lay.lanes:
            return arrow
        lane = lay.lanes.index(there[0])
        if lane == arrow.lane0:
            return arrow
        moved = replace(arrow, lane1=lane)
        self.bands[arrow.row].arrows[arrow.slot] = moved
        self.arrows[self.arrows.index(arrow)] = moved
        return moved

    def _arrival(self, a: PacketArrow) -> tuple[float, int]:
        """(time, seq) of the arrival an arrow draws: a duplicate's own, else the first."""
        if a.dup:
            return a.ev.t, a.ev.seq
        p = a.ev.packet
        came = self.arrivals.get(p.id, []) if p is not None and p.id is not None else []
        return (came[0][1], came[0][0]) if came else (a.ev.t, a.ev.seq)

    def _anchor(self, seq: int | None, ev: Event) -> tuple[int, bool]:
        """The row whose band the packet is drawn in, and whether that was found from its
        cause or its time (False: the last row, for want of either)."""
        lay = self.layout
        boxes = lay.boxes
        last = max(0, lay.row_count - 1)
        if seq is None:
            # no call made it (a retransmission while its sender was in none): where the run
            # was when it left, not after whatever the capture wrote it behind
            row = bisect.bisect_right(lay.row_times, ev.t) - 1
            return max(0, min(row, last)), True
        i = bisect.bisect_left(boxes, seq, key=lambda b: b.seq)
        if i >= len(boxes) or boxes[i].seq != seq:
            return last, False
        box = boxes[i]
        late = self._late_row(box, ev)
        if late is not None:
            return late, True
        if box.blocked_ev is not None and ev.t >= box.blocked_ev.t:
            for span in reversed(lay.spans):
                if span.box is box:
                    # sent while its call waited: among the rows of that wait, after those
                    # that came before it and above the row where the call returned (the
                    # handshake that ends a connect()'s wait is drawn before connect() and
                    # accept() return, not after)
                    at = bisect.bisect_right(lay.row_times, ev.t) - 1
                    top = span.row1 - 1 if span.row1 is not None else last
                    return max(int(box.row), min(at, top)), True
        return int(box.row), True

    def fate(self, ev: Event, cursor: int) -> str | None:
        """What became of a two-host run's packet, at the cursor: arrived (when, where), twice,
        lost on the link (and the link's reason), or not seen arriving yet."""
        p = ev.packet
        if p is None or p.id is None or p.arrival:
            return None
        if ev.seq in self.layout.link_dropped:
            why = self._why(self.layout.link_why.get(ev.seq, ""))
            if why:
                return self.translate("PacketView", "lost: the link dropped it ({why})").format(
                    why=why
                )
            return self.translate("PacketView", "lost: the link dropped it")
        came = [a for a in self.arrivals.get(p.id, []) if a[0] <= cursor]
        if not came:
            return self.translate("PacketView", "not seen arriving (yet)")
        host = came[0][2] or "?"
        ms = f"{(came[0][1] - ev.t) * 1000:.1f}"
        if len(came) == 1:
            return self.translate("PacketView", "arrived at host {host} {ms} ms later").format(
                host=host, ms=ms
            )
        return self.translate(
            "PacketView", "arrived at host {host} {n} times (the link duplicated it)"
        ).format(host=host, n=len(came))

    def _why(self, why: str) -> str:
        """The relay's reason ("rule 1", "loss 20%") in the window's language."""
        rule = re.fullmatch(r"rule (\d+)", why)
        if rule:
            return self.translate("PacketView", "the lesson's rule {n}").format(n=rule[1])
        loss = re.fullmatch(r"loss ([\d.]+)%", why)
        if loss:
            return self.translate("PacketView", "random loss {p}%").format(p=loss[1])
        return why

    def _late_row(self, box: Box, ev: Event) -> int | None:
        """The row that was the last when the packet left, for one sent long after its call
        began: a kernel timer's (a delayed ACK, a retransmission) while the call slept, or
        bytes a send() handed over that Nagle's algorithm held until an ACK came. Drawn under
        the call, it would seem to come before what it waited for."""
        if (ev.count or 1) > 1:
            return None  # a bulk transfer's summary stays with its burst
        ret = box.ret
        if ev.cause == "timer":
            if ret is not None and ev.t >= ret.t:
                return None  # after it returned: with its return, as before
        elif ret is None or ev.t <= ret.t + LATE:
            return None  # sent inside its call, or at once after it
        times = self.layout.row_times
        row = bisect.bisect_right(times, ev.t) - 1
        if ev.cause == "timer":
            return max(row, int(box.row))  # while its end slept in that call: not its return
        return row if row > box.row else None

    # --- geometry the view asks for ---------------------------------------------------------
    def slots_before(self, row: float) -> int:
        """How many packet slots are drawn above ``row`` (in the bands of earlier rows)."""
        if not self._rows:
            return 0
        if self._dirty:
            cum = [0]
            for r in self._rows:
                cum.append(cum[-1] + self.bands[r].slots)
            self._cum = cum  # type: ignore[assignment]
            self._dirty = False
        i = bisect.bisect_left(self._rows, row)
        return int(self._cum[i])

    def slots_between(self, r0: int, r1: int) -> int:
        """Packet slots in the bands of rows ``r0`` to ``r1`` (both included)."""
        return self.slots_before(r1 + 1) - self.slots_before(r0)

    def bands_in(self, r0: int, r1: int) -> list[tuple[int, Band]]:
        lo = bisect.bisect_left(self._rows, r0)
        hi = bisect.bisect_right(self._rows, r1)
        return [(r, self.bands[r]) for r in self._rows[lo:hi]]


def packet_label(ev: Event, translate: Translate = untranslated) -> str:
    """What the arrow of a packet says: its flags and numbers, as in a textbook's figure."""
    p = ev.packet
    if p is None:
        return ""
    if ev.count and ev.count > 1:
        # a bulk transfer's packets, summarised as its calls are
        what = translate("PacketView", ROLE_PLURALS.get(p.role or "", "packets"))
        return translate("PacketView", "{n} {what}, {bytes} bytes of data").format(
            n=f"{ev.count:,}", what=what, bytes=f"{p.total_len or 0:,}"
        )
    if p.proto == "UDP":
        return translate("PacketView", "UDP {n} bytes").format(n=p.len)
    parts = ["+".join(_SHORT.get(f, f) for f in p.flags)]
    if p.seq is not None:
        parts.append(f"seq={p.seq}")
    if p.ack is not None:
        parts.append(f"ack={p.ack}")
    if p.len:
        parts.append(f"len={p.len}")
    if p.window is not None:
        parts.append(f"win={p.window}")
    text = " ".join(parts)
    role = ROLE_NAMES.get(p.role or "")
    if role is not None:
        text = f"{translate('PacketView', role)}: {text}"
    return text


_SHORT = {"PSH": "PSH", "ACK": "ACK", "SYN": "SYN", "FIN": "FIN", "RST": "RST"}

# roles named on the arrow: the ones a student would not read from the flags alone
ROLE_NAMES = {
    "retransmission": "⟲ retransmission",
    "zero-window": "window 0",
    "zero-window-probe": "zero-window probe",
    "window-update": "window update",
    "dup-ack": "duplicate ACK",
    "keepalive": "keep-alive",
    "delayed-ack": "delayed ACK",
}


ROLE_PLURALS = {"data": "data segments", "ack": "ACKs", "datagram": "datagrams"}


def _noop_translations(translate: Translate) -> None:
    """The role names, for lupdate (they are translated through ROLE_NAMES at run time)."""
    translate("PacketView", "⟲ retransmission")
    translate("PacketView", "window 0")
    translate("PacketView", "zero-window probe")
    translate("PacketView", "window update")
    translate("PacketView", "duplicate ACK")
    translate("PacketView", "keep-alive")
    translate("PacketView", "delayed ACK")
    translate("PacketView", "duplicate")
    translate("PacketView", "lost (link dropped it)")
    translate("PacketView", "data segments")
    translate("PacketView", "ACKs")
    translate("PacketView", "datagrams")
    translate("PacketView", "packets")
