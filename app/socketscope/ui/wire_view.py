"""The real packets on the sequence diagram: one thin arrow per packet, between the lifelines, in
a band under the call that caused it (model/wire.py says which band and slot).

Kept apart from diagram_view.py, which only asks this module for the band heights (``slots``)
and calls :func:`paint` and :func:`hit`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QFontMetricsF, QPainter, QPen

from socketscope.engine.events import Event
from socketscope.model.wire import Arrival, Band, PacketArrow, packet_label

if TYPE_CHECKING:
    from socketscope.ui.diagram_view import SequenceDiagram

PACKET_SLOT = 0.62  # the height of one packet's slot, in rows
LOST_AT = 0.6  # where a lost packet's arrow ends, as a share of the way to the receiver
FLIGHT_AT = 0.45  # where one still on the link at the cursor is drawn (short of a loss's ✗)


def shown(view: SequenceDiagram) -> bool:
    """Packets are drawn: the toggle is on and the trace has some."""
    return view.show_packets and view.layout_model.wire.has_packets


def extra_rows(view: SequenceDiagram, row: float) -> float:
    """The height of the packet bands above ``row``, in rows."""
    if not shown(view):
        return 0.0
    wire = view.layout_model.wire
    slots = wire.slots_before(row)
    # a folded streak is drawn as its first row: the packets of the rows folded under it are
    # not drawn one by one either (the first row's are)
    last = math.ceil(row) - 1  # the last anchor row counted: those above ``row``
    for r0, r1 in view._folds:
        lo, hi = r0 + 1, min(r1, last)
        if hi < lo:
            break
        slots -= wire.slots_between(lo, hi)
    return PACKET_SLOT * slots


def slot_y(view: SequenceDiagram, row: int, slot: int) -> float:
    return view.y_of(row) + view.row_h / 2 + (slot + 0.5) * PACKET_SLOT * view.row_h


def _ends(view: SequenceDiagram, a: PacketArrow) -> tuple[float, float]:
    x0 = view.x_of(a.lane0)
    if a.lane1 != a.lane0:
        return x0, view.x_of(a.lane1)
    # the receiver is not in the run (a SYN to a port nobody listens on): a stub; or the sender
    # is not (the kernel's RST for that port): a stub that comes in
    col = view.layout_model.column_of(a.lane0)  # toward the inside of the diagram
    toward = 1.0 if col < len(view.layout_model.lanes) - 1 or col == 0 else -1.0
    outside = x0 + toward * view.lane_w() * 0.4
    return (outside, x0) if a.inbound else (x0, outside)


def _pen(view: SequenceDiagram, ev: Event, selected: bool) -> QPen:
    pal = view.colors()
    p = ev.packet
    role = p.role if p is not None else None
    flags = p.flags if p is not None else ()
    lw = view._lw() * (1.8 if selected else 1.0)
    if role == "retransmission":
        return QPen(pal.amber_text, 2.2 * lw, Qt.PenStyle.DashLine)
    if role in ("zero-window", "zero-window-probe", "window-update"):
        return QPen(pal.amber_text, 1.8 * lw, Qt.PenStyle.DotLine)
    if "RST" in flags:
        return QPen(pal.red, 2.0 * lw)
    if p is not None and p.len:
        return QPen(pal.blue, 2.0 * lw)
    return QPen(pal.grey, 1.5 * lw)


def paint(view: SequenceDiagram, p: QPainter, r0: int, r1: int) -> None:
    """Every packet visible at the cursor whose band is in rows ``r0``–``r1``."""
    if not shown(view):
        return
    wire = view.layout_model.wire
    cur = view.cursor_seq
    n_rows = view.visible_rows()
    font = view._font(10.5)
    fm = QFontMetricsF(font)
    pal = view.colors()
    bands = wire.bands_in(max(0, r0 - 1), r1)
    # an arrow the link held back may start in a band above the screen and end on it
    above = []
    for a in wire.held.values():
        if a.row < r0 - 1 and a.seq <= cur:
            end = wire.arrived_at(a, cur)
            if end is not None and end.row >= r0 - 1:
                above.append(a)
    for row, band in [(a.row, Band([a])) for a in above] + bands:
        if row >= n_rows or view._canon(row) != row:
            continue  # folded under the first row of a streak
        for a in band.arrows:
            if a.seq > cur:
                continue
            selected = view.selected_packet is not None and view.selected_packet.seq == a.seq
            pen = _pen(view, a.ev, selected)
            # two hosts: the link dropped it (it never arrived), or delivered it twice
            lost = not a.dup and a.seq in view.layout_model.link_dropped
            if lost and not selected:
                pen = QPen(pal.red, pen.widthF(), Qt.PenStyle.DashLine)
            x0, x1 = _ends(view, a)
            lx0, lx1 = x0, x1  # the label keeps the whole width between the lanes
            if lost:
                x1 = x0 + (x1 - x0) * LOST_AT  # it ends on the link, short of the receiver
            flying = not lost and wire.in_flight(a, cur)
            if flying:
                x1 = x0 + (x1 - x0) * FLIGHT_AT  # not arrived (yet): still on the link
            y = slot_y(view, row, a.slot)
            # a packet takes time to cross: a slight slope, and the label above it
            drop = PACKET_SLOT * view.row_h * 0.18
            line = QLineF(QPointF(x0, y - drop), QPointF(x1, y + drop))
            held = None if lost or flying else wire.arrived_at(a, cur)
            if held is not None:
                # the link held it back past later rows: it slants down to the receiver's
                # lifeline where it arrived, between the rows that bracket its arrival
                line.setP2(_arrival_at(view, a, held))
            p.setPen(pen)
            p.drawLine(line)
            if lost:
                view._cross(p, line.p2(), pal.red)
            else:
                view._arrowhead(p, line.p1(), line.p2(), pen.color())
            view._place("packet", QRectF(line.p1(), line.p2()).normalized(), owner=a.ev, line=line)
            text = packet_label(a.ev, QCoreApplication.translate)
            if lost:
                lost_text = QCoreApplication.translate("PacketView", "lost (link dropped it)")
                text = f"✗ {lost_text} · {text}"
            elif a.dup:
                dup_text = QCoreApplication.translate("PacketView", "duplicate")
                text = f"{dup_text} · {text}"
            elif flying:
                flying_text = QCoreApplication.translate("PacketView", "on the link")
                text = f"{flying_text} · {text}"
            room = abs(lx1 - lx0) - 16
            label = fm.elidedText(text, Qt.TextElideMode.ElideRight, max(20.0, room))
            w = fm.horizontalAdvance(label) + 8
            h = fm.height()
            r = QRectF((lx0 + lx1) / 2 - w / 2, y - drop - h - 1, w, h)
            if held is not None:
                # over the start of its slanted line, by the sender: the line falls away below
                # it, and the band's other labels keep their own slots
                r.moveLeft(x0 + 10 if x1 > x0 else x0 - 10 - w)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(pal.selection if selected else pal.label_bg)
            p.drawRoundedRect(r, 3, 3)
            p.setFont(font)
            p.setPen(pal.selection_text if selected else pen.color())
            p.drawText(r, Qt.AlignmentFlag.AlignCenter, label)
            view._place("packet-label", r, text, label, row=row, owner=a.ev)
        if band.more and band.more_seq <= cur:
            y = slot_y(view, row, len(band.arrows))
            text = QCoreApplication.translate(
                "PacketView", "+ {n} more packets (listed in the pcapng export)"
            ).format(n=f"{band.more:,}")
            lanes = {a.lane0 for a in band.arrows} | {a.lane1 for a in band.arrows}
            xs = [view.x_of(lane) for lane in lanes] or [view.x_of(0)]
            w = fm.horizontalAdvance(text) + 8
            r = QRectF((min(xs) + max(xs)) / 2 - w / 2, y - fm.height() / 2, w, fm.height())
            p.setFont(font)
            p.setPen(pal.ink_soft)
            p.drawText(r, Qt.AlignmentFlag.AlignCenter, text)
            view._place("packet-more", r, text, row=row)


def _arrival_at(view: SequenceDiagram, a: PacketArrow, at: Arrival) -> QPointF:
    """Where a held-back packet's arrow ends on its receiver's lifeline: at the moment
    ``at.frac`` of the way from row ``at.row`` to the next, in the gap between their boxes
    (which holds that row's band of packets, if any); or at the side of the call's box it came
    into."""
    row = view._canon(at.row)
    x1 = view.x_of(a.lane1)
    if at.into_call:
        side = view.box_w() / 2
        y = view.y_of(row) + (at.frac - 0.5) * view.row_h * 0.5  # within the box's side
        return QPointF(x1 + side if view.x_of(a.lane0) > x1 else x1 - side, y)
    half = view.row_h * 0.37 + 4  # half a box, and a little air
    lo = view.y_of(row) + half
    slot = PACKET_SLOT * view.row_h
    if at.after_slot >= 0:  # below the band's arrows that were at its receiver before it
        lo = max(lo, slot_y(view, row, at.after_slot) + slot * 0.3)
    hi = view.y_of(row + 1) - half
    if at.before_slot is not None:  # above those after it
        hi = min(hi, slot_y(view, row, at.before_slot) - slot * 0.3)
    hi = max(lo, hi)
    return QPointF(x1, lo + (hi - lo) * at.frac)


def hit(view: SequenceDiagram, x: float, y: float) -> Event | None:
    """The packet drawn at (x, y) in the last paint: its arrow or its label."""
    best: tuple[float, Event] | None = None
    # a box hides the lines behind it (a slanted packet passes under the calls it skips):
    # a click on the box is the box's
    under_box = any(pl.kind == "box" and pl.rect.contains(x, y) for pl in view.placed)
    for placed in view.placed:
        if placed.kind == "packet-label" and placed.rect.adjusted(-2, -2, 2, 2).contains(x, y):
            return placed.owner  # type: ignore[no-any-return]
        if placed.kind == "packet" and placed.line is not None and not under_box:
            dist = _distance(placed.line, x, y)  # across the line: a slanted one is steep
            if dist <= 6 and (best is None or dist < best[0]):
                best = (dist, placed.owner)
    return best[1] if best is not None else None


def _distance(line: QLineF, x: float, y: float) -> float:
    """From (x, y) to the nearest point of the segment ``line``."""
    dx, dy = line.x2() - line.x1(), line.y2() - line.y1()
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else ((x - line.x1()) * dx + (y - line.y1()) * dy) / length2
    t = min(1.0, max(0.0, t))
    return math.hypot(line.x1() + t * dx - x, line.y1() + t * dy - y)


def tooltip(ev: Event, events_by_seq: dict[int, Event] | None = None) -> str:
    """A packet's tooltip: what it is, and which call made the kernel send it."""
    lines = [packet_label(ev, QCoreApplication.translate)]
    lines.append(cause_text(ev, events_by_seq or {}))
    return "\n".join(lines)


def cause_text(ev: Event, by_seq: dict[int, Event]) -> str:
    if isinstance(ev.cause, int):
        c = by_seq.get(ev.cause)
        if c is not None:
            return QCoreApplication.translate(
                "PacketView", "sent because of {actor}'s {op}() (event {seq})"
            ).format(actor=c.actor, op=c.op, seq=c.seq)
        return QCoreApplication.translate(
            "PacketView", "sent because of the call of event {seq}"
        ).format(seq=ev.cause)
    if ev.cause == "timer":
        d = by_seq.get(ev.during) if ev.during is not None else None
        if d is not None:
            return QCoreApplication.translate(
                "PacketView", "sent by the kernel on its own, while {actor} was in {op}()"
            ).format(actor=d.actor, op=d.op)
        return QCoreApplication.translate("PacketView", "sent by the kernel on its own")
    return QCoreApplication.translate("PacketView", "no call of the run explains it")
