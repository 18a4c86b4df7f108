"""SequenceDiagram: paints the DiagramLayout up to the cursor, only the rows that are visible.

Like Wireshark's flow graph, the vertical axis is the event index, and painting touches only
the items of the visible rows (``RowIndex``): a 100,000-event trace paints as fast as a short one.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QPolygonF,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QAbstractScrollArea, QToolTip, QWidget

from socketscope.model.diagram import Arrow, BlockedSpan, Box, DiagramLayout
from socketscope.model.labels import duration
from socketscope.ui import theme

BUCKET = 64


class RowIndex:
    """Items that cover a range of rows, found by the rows they cover (64-row buckets)."""

    def __init__(self) -> None:
        self._buckets: dict[int, list[Any]] = {}
        self.count = 0

    def add(self, item: Any, r0: int, r1: int) -> None:
        for b in range(r0 // BUCKET, r1 // BUCKET + 1):
            self._buckets.setdefault(b, []).append(item)
        self.count += 1

    def query(self, r0: int, r1: int) -> Iterable[Any]:
        seen: set[int] = set()
        for b in range(r0 // BUCKET, r1 // BUCKET + 1):
            for item in self._buckets.get(b, ()):
                if id(item) not in seen:
                    seen.add(id(item))
                    yield item


class SequenceDiagram(QAbstractScrollArea):
    boxClicked = Signal(object)  # Box
    ghostClicked = Signal(str)  # actor name

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.viewport().setMouseTracking(True)
        self.layout_model = DiagramLayout()
        self.cursor_seq = 0
        self.live = False
        self.zoom = 1.0
        self.font_scale = 1.0
        self.follow = True
        self.animate = True
        self.anim_seconds = 0.4
        self.clock: Callable[[], float] | None = None  # trace time now, for live blocked spans
        self.selected: Box | None = None
        self._born: dict[tuple[Any, ...], float] = {}
        self._anim_floor = 0
        self._arrows = RowIndex()
        self._spans = RowIndex()
        self._n_arrows = 0
        self._n_spans = 0
        self._live_spans: list[BlockedSpan] = []
        self._animating = False
        self._anim_timer = QTimer(self)
        self._anim_timer.setInterval(16)
        self._anim_timer.timeout.connect(self._tick)
        self._programmatic_scroll = False
        self._labels_drawn: list[tuple[tuple[int, int], QRectF]] = []  # (origin, rect)
        self.spotlight = False  # lecture mode: the newest call stands out, the rest is dimmed
        self.line_scale = 1.0  # lecture mode: heavier lines for a washed-out projector
        self.fixed_palette: theme.Palette | None = None  # an export's own colours, not the theme's
        self.verticalScrollBar().valueChanged.connect(self._user_scrolled)

    # --- model ----------------------------------------------------------------------------------
    def set_layout(self, layout: DiagramLayout) -> None:
        self.layout_model = layout
        self._arrows, self._spans = RowIndex(), RowIndex()
        self._n_arrows = self._n_spans = 0
        self._live_spans = []
        self._born.clear()
        self.selected = None
        self.cursor_seq = 0
        self._anim_floor = 0
        self._sync_index()
        self._update_scroll()
        self.viewport().update()

    def _sync_index(self) -> None:
        lay = self.layout_model
        for a in lay.arrows[self._n_arrows :]:
            self._arrows.add(a, min(a.row0, a.row1), max(a.row0, a.row1))
        self._n_arrows = len(lay.arrows)
        for s in lay.spans[self._n_spans :]:
            if s.row1 is None:
                self._live_spans.append(s)
            else:
                self._spans.add(s, s.row0, s.row1)
        self._n_spans = len(lay.spans)
        still = []
        for s in self._live_spans:
            if s.row1 is None:
                still.append(s)
            else:
                self._spans.add(s, s.row0, s.row1)
        self._live_spans = still

    def refresh(self, cursor_seq: int, live: bool = False) -> None:
        """The layout grew or the cursor moved."""
        if cursor_seq < self.cursor_seq or cursor_seq < self._anim_floor:
            # going back in time: what comes again later may animate in again
            self._born = {k: v for k, v in self._born.items() if k[1] <= cursor_seq}
            self._anim_floor = cursor_seq
        self.cursor_seq = cursor_seq
        self.live = live
        self._sync_index()
        self._update_scroll()
        if self.follow:
            self.scroll_to_end()
        self._ensure_timer()
        self.viewport().update()

    def jump(self, cursor_seq: int) -> None:
        """Move the cursor without animating (a scrubber jump, a loaded trace)."""
        self._anim_floor = max(self._anim_floor, cursor_seq)
        self.refresh(cursor_seq, self.live)

    # --- geometry -------------------------------------------------------------------------------
    @property
    def row_h(self) -> float:
        return 46 * self.zoom * self.font_scale

    @property
    def header_h(self) -> float:
        return 58 * self.font_scale * max(0.8, self.zoom)

    @property
    def margin(self) -> float:
        """Room on the left for the row numbers."""
        return 34 * self.zoom * self.font_scale

    def lane_w(self) -> float:
        n = max(1, len(self.layout_model.lanes))
        # fit every lane in the view when it can (lecture mode, four actors); scroll sideways only
        # below a floor that does not grow with the presenter scale
        return max(230 * self.zoom, (self.viewport().width() - self.margin) / n)

    def _top(self) -> float:
        return self.header_h + 16 * self.zoom - self.verticalScrollBar().value()

    def y_of(self, row: float) -> float:
        return self._top() + row * self.row_h + self.row_h / 2

    def x_of(self, lane: int) -> float:
        return self.margin + self.lane_w() * (lane + 0.5) - self.horizontalScrollBar().value()

    def box_w(self) -> float:
        # leave room between lanes for arrows and their labels
        return min(self.lane_w() * 0.74, 470 * self.zoom * self.font_scale)

    def visible_rows(self) -> int:
        return self.layout_model.rows_at(self.cursor_seq)

    def _content_height(self) -> float:
        return self.header_h + 16 * self.zoom + (self.visible_rows() + 2) * self.row_h

    def _update_scroll(self) -> None:
        vb = self.verticalScrollBar()
        h = max(0, int(self._content_height() - self.viewport().height()))
        self._programmatic_scroll = True
        vb.setRange(0, h)
        vb.setPageStep(self.viewport().height())
        vb.setSingleStep(int(self.row_h))
        hb = self.horizontalScrollBar()
        total_w = self.margin + self.lane_w() * max(1, len(self.layout_model.lanes))
        hb.setRange(0, max(0, int(total_w - self.viewport().width())))
        hb.setPageStep(self.viewport().width())
        self._programmatic_scroll = False

    def scroll_to_end(self) -> None:
        self._programmatic_scroll = True
        vb = self.verticalScrollBar()
        vb.setValue(vb.maximum())
        self._programmatic_scroll = False

    def _user_scrolled(self, value: int) -> None:
        if not self._programmatic_scroll:
            # follow the newest event again once the user scrolls back to the bottom
            self.follow = value >= self.verticalScrollBar().maximum() - self.row_h / 2
        self.viewport().update()

    def set_zoom(self, zoom: float) -> None:
        self.zoom = min(3.0, max(0.25, zoom))
        self._update_scroll()
        if self.follow:
            self.scroll_to_end()
        self.viewport().update()

    def zoom_fit(self) -> None:
        rows = max(1, self.visible_rows() + 2)
        avail = self.viewport().height() - self.header_h - 20
        self.set_zoom(avail / (rows * 46 * self.font_scale))

    def resizeEvent(self, e: QResizeEvent) -> None:
        super().resizeEvent(e)
        self._update_scroll()
        if self.follow:
            self.scroll_to_end()

    def wheelEvent(self, e: QWheelEvent) -> None:
        if e.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.set_zoom(self.zoom * (1.15 if e.angleDelta().y() > 0 else 1 / 1.15))
            e.accept()
            return
        super().wheelEvent(e)

    def keyPressEvent(self, e: QKeyEvent) -> None:
        # Arrow keys belong to the window's step / step-back actions, not to scrolling.
        if e.key() in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            e.ignore()
            return
        super().keyPressEvent(e)

    # --- animation ------------------------------------------------------------------------------
    def _progress(self, key: tuple[Any, ...], seq: int, now: float) -> float:
        if not self.animate or seq <= self._anim_floor:
            return 1.0
        born = self._born.setdefault(key, now)
        p = (now - born) / max(0.01, self.anim_seconds)
        if p < 1.0:
            self._animating = True
            return max(0.0, p)
        return 1.0

    def _ensure_timer(self) -> None:
        if not self._anim_timer.isActive():
            self._anim_timer.start()

    def _tick(self) -> None:
        if not self._animating and not self._live_spans_visible():
            self._anim_timer.stop()
            return
        self.viewport().update()

    def _live_spans_visible(self) -> bool:
        return self.live and any(s.seq0 <= self.cursor_seq for s in self._live_spans)

    def stop_animations(self) -> None:
        self._anim_timer.stop()
        self._animating = False

    # --- painting -------------------------------------------------------------------------------
    def colors(self) -> theme.Palette:
        """The palette to paint with, asked at paint time: the theme's, or an export's own."""
        return self.fixed_palette or theme.current()

    def changeEvent(self, e: QEvent) -> None:
        super().changeEvent(e)
        if e.type() in (
            QEvent.Type.PaletteChange,
            QEvent.Type.ApplicationPaletteChange,
            QEvent.Type.StyleChange,
        ):
            self.viewport().update()  # a theme switch: repaint in the new colours

    def _lw(self) -> float:
        """Line width factor: zoom, presenter scale, lecture mode and the theme together."""
        return float(
            max(0.6, self.zoom) * self.line_scale * self.font_scale**0.5 * self.colors().weight
        )

    def _dim(self, row: int) -> float:
        """Opacity of an item on ``row``: with the spotlight on, all but the newest row fade."""
        if not self.spotlight:
            return 1.0
        return 1.0 if row >= self.visible_rows() - 1 else self.colors().dim

    def _font(self, px: float, bold: bool = False, mono: bool = False) -> QFont:
        f = QFont("DejaVu Sans Mono" if mono else self.font().family())
        f.setPixelSize(max(7, round(px * self.zoom * self.font_scale)))
        f.setBold(bold)
        return f

    def paintEvent(self, e: QPaintEvent) -> None:
        p = QPainter(self.viewport())
        try:
            self._paint(p)
        finally:
            p.end()

    def _paint(self, p: QPainter) -> None:
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        c = self.colors()
        p.fillRect(self.viewport().rect(), c.paper)
        self._animating = False
        self._labels_drawn = []
        self._span_labels: list[tuple[QRectF, str, QFont]] = []
        self._tag_offsets: dict[tuple[int, int], float] = {}
        now = time.monotonic()
        lay = self.layout_model
        n_rows = self.visible_rows()
        top_row = max(0, int((self.header_h - self._top()) / self.row_h) - 1)
        bottom_row = min(n_rows, int((self.viewport().height() - self._top()) / self.row_h) + 1)
        cur = self.cursor_seq

        self._paint_lifelines(p, n_rows)
        self._paint_row_guides(p, top_row, bottom_row)
        for span in self._spans.query(top_row, bottom_row):
            if span.seq0 <= cur:
                self._paint_span(
                    p,
                    span,
                    span.row1 if span.seq1 is not None and span.seq1 <= cur else None,
                    n_rows,
                )
        for span in self._live_spans:
            if span.seq0 <= cur and span.row0 <= bottom_row:
                self._paint_span(p, span, None, n_rows)
        for box in self._boxes_in(top_row, bottom_row):
            if box.seq <= cur:
                self._paint_box(p, box, now)
        for span in self._spans.query(top_row, bottom_row):
            if span.seq1 is not None and span.seq1 <= cur and span.row1 is not None:
                self._paint_wake(p, span, now)
        for tag in self._in_rows(lay.tags, top_row, bottom_row):
            if tag.seq <= cur:
                self._paint_tag(p, tag, now)
        for mark in self._in_rows(lay.marks, top_row, bottom_row):
            if mark.seq <= cur:
                self._paint_mark(p, mark)
        for arrow in self._arrows.query(top_row, bottom_row):
            if arrow.seq <= cur:
                self._paint_arrow(p, arrow, now)
        # blocked-time labels last, where no arrow label is: the arrows tell the story first
        p.setPen(c.amber_text)
        for rect, text, font in self._span_labels:
            if not any(rect.intersects(other) for _, other in self._labels_drawn):
                p.setFont(font)
                p.drawText(rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, text)
        self._paint_ghosts(p, n_rows)
        self._paint_header(p)
        if self._animating or self._live_spans_visible():
            # The frame that starts an animation keeps the timer alive: the timer may have
            # ticked (and stopped) between the refresh that added items and this paint.
            self._ensure_timer()

    def _boxes_in(self, r0: int, r1: int) -> list[Box]:
        return self._in_rows(self.layout_model.boxes, r0, r1)

    @staticmethod
    def _in_rows(items: list[Any], r0: int, r1: int) -> list[Any]:
        """Items appended in row order: the slice whose rows are within [r0, r1]."""
        lo, hi = 0, len(items)
        while lo < hi:
            mid = (lo + hi) // 2
            if items[mid].row < r0:
                lo = mid + 1
            else:
                hi = mid
        out = []
        for item in items[lo:]:
            if item.row > r1:
                break
            out.append(item)
        return out

    def _paint_header(self, p: QPainter) -> None:
        h = self.header_h
        pal = self.colors()
        p.fillRect(QRectF(0, 0, self.viewport().width(), h), pal.paper)
        p.setPen(QPen(pal.grid, pal.weight))
        p.drawLine(QPointF(0, h), QPointF(self.viewport().width(), h))
        p.setFont(self._font(17, bold=True))
        for lane, name in enumerate(self.layout_model.lanes):
            x = self.x_of(lane)
            w = min(self.box_w(), 260 * self.zoom * self.font_scale)
            r = QRectF(x - w / 2, h * 0.16, w, h * 0.68)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(pal.actor(lane))
            p.drawRoundedRect(r, 8, 8)
            p.setPen(pal.actor_text)
            p.drawText(r, Qt.AlignmentFlag.AlignCenter, name)

    def _paint_lifelines(self, p: QPainter, n_rows: int) -> None:
        pal = self.colors()
        for lane in range(len(self.layout_model.lanes)):
            first, end = self.layout_model.lane_rows.get(lane, (n_rows + 1, None))
            if self.layout_model.lane_start_seq.get(lane, self.cursor_seq + 1) > self.cursor_seq:
                first, end = n_rows + 1, None  # not started at the cursor
            if end is not None and self.layout_model.row_seqs and end < n_rows:
                last = end
            else:
                last = n_rows + 1
            x = self.x_of(lane)
            y1 = self.y_of(last) + self.row_h / 2
            # an actor that has not started at the cursor has only its faint line
            y0 = min(y1, max(self.header_h, self.y_of(first) - self.row_h / 2))
            pen = QPen(pal.actor(lane), max(1.5, 3 * self.zoom) * pal.weight)
            # before the actor starts its line is faint and dotted: it does not exist yet
            faint = QPen(
                pal.wash(pal.actor(lane), pal.faint_wash),
                max(1.0, 2 * self.zoom) * pal.weight,
                Qt.PenStyle.DotLine,
            )
            p.setPen(faint)
            p.drawLine(QPointF(x, self.header_h), QPointF(x, y0))
            if y0 < y1:
                p.setPen(pen)
                p.drawLine(QPointF(x, y0), QPointF(x, y1))
            if end is not None and end < n_rows:
                # the actor's function returned: a short bar ends its lifeline
                p.drawLine(QPointF(x - 14 * self.zoom, y1), QPointF(x + 14 * self.zoom, y1))

    def _paint_row_guides(self, p: QPainter, r0: int, r1: int) -> None:
        # The row number (event order) in the margin: time goes down, one row per step.
        p.setFont(self._font(11))
        p.setPen(self.colors().ghost)
        for row in range(r0, r1):
            y = self.y_of(row)
            p.drawText(
                QRectF(2, y - 10 * self.zoom, self.margin - 6, 20 * self.zoom),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                str(row + 1),
            )

    def _box_rect(self, lane: int, row: int, width: float | None = None) -> QRectF:
        w = width if width is not None else self.box_w()
        h = self.row_h * 0.74
        return QRectF(self.x_of(lane) - w / 2, self.y_of(row) - h / 2, w, h)

    def _paint_box(self, p: QPainter, box: Box, now: float) -> None:
        prog = self._progress(("b", box.seq), box.seq, now)
        r = self._box_rect(box.lane, box.row)
        if prog < 1:
            grow = 0.85 + 0.15 * prog
            r = QRectF(
                r.center().x() - r.width() * grow / 2,
                r.center().y() - r.height() * grow / 2,
                r.width() * grow,
                r.height() * grow,
            )
        dim = self._dim(box.row)
        pal = self.colors()
        if dim < 1:
            # dimmed, but still opaque: the lifeline must not show through the box
            p.setOpacity(prog)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(pal.paper)
            p.drawRoundedRect(r, 7, 7)
        p.setOpacity(prog * dim)
        color = pal.actor(box.lane)
        returned = box.returned_at(self.cursor_seq)
        blocked = box.blocked_at(self.cursor_seq)
        failed = returned and box.ok is False
        fill = pal.red_light if failed else pal.wash(color, pal.box_wash)
        border = pal.red if failed else (pal.amber if blocked else color)
        width = 4.5 if box is self.selected else 2.0
        p.setPen(QPen(pal.ink if box is self.selected else border, width * self._lw()))
        p.setBrush(fill)
        p.drawRoundedRect(r, 7, 7)
        text = box.label
        if returned and not blocked and box.result:
            text = f"{box.label}  →  {box.result}"
        elif not returned and not blocked:
            text = f"{box.label} …"
        p.setFont(self._font(14.5, bold=False, mono=False))
        p.setPen(pal.error_text if failed else pal.ink)
        fm = QFontMetricsF(p.font())
        inner = r.adjusted(10 * self.zoom, 0, -10 * self.zoom, 0)
        p.drawText(
            inner,
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
            fm.elidedText(text, Qt.TextElideMode.ElideRight, inner.width()),
        )
        p.setOpacity(1.0)

    def _paint_span(self, p: QPainter, span: BlockedSpan, row1: int | None, n_rows: int) -> None:
        x = self.x_of(span.lane)
        y0 = self.y_of(span.row0) + self.row_h * 0.37
        if row1 is None:
            # still blocked: the bar reaches the newest row and keeps growing with the clock
            y1 = self.y_of(max(span.row0 + 1, n_rows)) + self.row_h * 0.2
            elapsed = (self.clock() - span.t0) if (self.clock and self.live) else None
            label = (
                self.tr("blocked {seconds} s").format(seconds=f"{elapsed:.1f}")
                if elapsed is not None
                else self.tr("blocked")
            )
            if elapsed is not None:
                y1 += min(self.row_h * 0.6, self.row_h * 0.15 * math.log1p(elapsed * 4))
        else:
            y1 = self.y_of(row1) - self.row_h * 0.37
            d = span.duration or 0.0
            label = self.tr("blocked {duration}").format(duration=self.duration(d))
        bar_w = max(6.0, 13 * self.zoom)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(self.colors().amber)
        p.drawRoundedRect(QRectF(x - bar_w / 2, y0, bar_w, max(2.0, y1 - y0)), 4, 4)
        font = self._font(13, bold=True)
        fm = QFontMetricsF(font)
        mid = (y0 + y1) / 2
        # a bar shorter than a row sits between two boxes: its label goes beside them
        lx = x + bar_w if y1 - y0 >= self.row_h * 0.8 else x + self.box_w() / 2 + 4
        text_w = fm.horizontalAdvance("  " + label) + 4
        if lx + text_w > self.viewport().width():
            lx = x - self.box_w() / 2 - text_w - 4  # no room on the right: the left side
        rect = QRectF(lx, mid - fm.height() / 2, text_w, fm.height())
        self._span_labels.append((rect, "  " + label, font))
        if span.evidence:
            # where the kernel holds the thread: a second, smaller line, kept clear of the next
            # lane's boxes (cut short there; the inspector has it whole)
            small = self._font(11)
            sfm = QFontMetricsF(small)
            last = span.lane + 1 >= len(self.layout_model.lanes)
            right = (
                self.viewport().width() if last else self.x_of(span.lane + 1) - self.box_w() / 2 - 4
            )
            room = right - lx if lx > x else x - self.box_w() / 2 - 4 - lx
            text = sfm.elidedText("  " + span.evidence, Qt.TextElideMode.ElideRight, room - 4)
            if text.strip() and room > sfm.horizontalAdvance("  …") + 4:
                w = sfm.horizontalAdvance(text) + 4
                self._span_labels.append((QRectF(lx, rect.bottom(), w, sfm.height()), text, small))

    def _paint_wake(self, p: QPainter, span: BlockedSpan, now: float) -> None:
        """The row where a blocked call returned: its result, where the wait ended."""
        assert span.row1 is not None and span.seq1 is not None
        box = span.box
        prog = self._progress(("w", span.seq1), span.seq1, now)
        r = self._box_rect(span.lane, span.row1)
        dim = self._dim(span.row1)
        pal = self.colors()
        if dim < 1:
            p.setOpacity(prog)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(pal.paper)
            p.drawRoundedRect(r, 7, 7)
        p.setOpacity(prog * dim)
        failed = box.ok is False
        p.setPen(QPen(pal.red if failed else pal.amber, 2.2 * self._lw()))
        p.setBrush(pal.red_light if failed else pal.amber_light)
        p.drawRoundedRect(r, 7, 7)
        p.setFont(self._font(14.5))
        p.setPen(pal.error_text if failed else pal.ink)
        fm = QFontMetricsF(p.font())
        inner = r.adjusted(10 * self.zoom, 0, -10 * self.zoom, 0)
        text = self.tr("{op}() returns  →  {result}").format(op=box.op, result=box.result)
        p.drawText(
            inner,
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
            fm.elidedText(text, Qt.TextElideMode.ElideRight, inner.width()),
        )
        p.setOpacity(1.0)

    def _paint_tag(self, p: QPainter, tag: Any, now: float) -> None:
        prog = self._progress(("t", tag.seq, tag.sock), tag.seq, now)
        p.setOpacity(prog)
        p.setFont(self._font(11.5, bold=True))
        fm = QFontMetricsF(p.font())
        w = fm.horizontalAdvance(tag.text) + 14 * self.zoom
        h = 19 * self.zoom * self.font_scale
        # several sockets can change state on one row: line their tags up, right to left
        taken = self._tag_offsets.get((tag.lane, tag.row), 0.0)
        self._tag_offsets[(tag.lane, tag.row)] = taken + w + 4
        x = self.x_of(tag.lane) + self.box_w() / 2 - w - taken
        y = self.y_of(tag.row) + self.row_h * 0.37 - h * 0.35
        r = QRectF(x, y, w, h)
        pal = self.colors()
        p.setPen(QPen(pal.grey, pal.weight))
        p.setBrush(pal.grey_light)
        p.drawRoundedRect(r, h / 2, h / 2)
        p.setPen(pal.ink)
        p.drawText(r, Qt.AlignmentFlag.AlignCenter, tag.text)
        p.setOpacity(1.0)

    def _paint_mark(self, p: QPainter, mark: Any) -> None:
        r = self._box_rect(mark.lane, mark.row)
        signal = mark.kind == "signal"
        pal = self.colors()
        p.setPen(QPen(pal.amber if signal else pal.red, 2 * pal.weight))
        p.setBrush(pal.amber_light if signal else pal.red_light)
        p.drawRoundedRect(r, 7, 7)
        p.setFont(self._font(14, bold=True))
        p.setPen(pal.ink if signal else pal.error_text)
        fm = QFontMetricsF(p.font())
        text = ("✗ " if mark.kind == "error" else "") + mark.text
        inner = r.adjusted(10, 0, -10, 0)
        p.drawText(
            inner,
            Qt.AlignmentFlag.AlignVCenter,
            fm.elidedText(text, Qt.TextElideMode.ElideRight, inner.width()),
        )

    def _paint_arrow(self, p: QPainter, a: Arrow, now: float) -> None:
        prog = self._progress(("a", a.seq, a.kind, a.lane0, a.row0, a.lane1), a.seq, now)
        x0, x1 = self.x_of(a.lane0), self.x_of(a.lane1)
        half = self.box_w() / 2
        if x1 > x0:
            x0, x1 = x0 + half, x1 - half
        elif x1 < x0:
            x0, x1 = x0 - half, x1 + half
        y0, y1 = self.y_of(a.row0), self.y_of(a.row1)
        if a.kind in ("fin", "rst"):
            y0 = y1 = self.y_of(a.row0) + self.row_h * 0.3
        if a.kind == "handshake":
            y0 += self.row_h * 0.15
            y1 -= self.row_h * 0.15
        tip = QPointF(x0 + (x1 - x0) * prog, y0 + (y1 - y0) * prog)
        pal = self.colors()
        if a.kind == "data":
            pen = QPen(pal.blue, 2.6 * self._lw())
        elif a.kind == "dgram":
            pen = QPen(pal.blue, 2.6 * self._lw(), Qt.PenStyle.DashLine)
        elif a.kind == "kill":
            pen = QPen(pal.red, 2.4 * self._lw(), Qt.PenStyle.DashDotLine)
        elif a.kind == "wake":
            pen = QPen(pal.amber, 2.0 * self._lw(), Qt.PenStyle.DotLine)
        elif a.kind == "rst":
            pen = QPen(pal.red, 2.2 * self._lw(), Qt.PenStyle.DashLine)
        else:
            pen = QPen(pal.grey, 2.0 * self._lw(), Qt.PenStyle.DashLine)
        p.setPen(pen)
        p.drawLine(QPointF(x0, y0), tip)
        self._arrowhead(p, QPointF(x0, y0), tip, pen.color())
        if prog >= 1.0:
            p.setFont(self._font(12.5, bold=a.kind in ("data", "dgram")))
            fm = QFontMetricsF(p.font())
            text = a.label
            tw = fm.horizontalAdvance(text) + 10
            mx, my = (x0 + x1) / 2, (y0 + y1) / 2
            # labels of converging arrows sit nearer their sender so they do not overlap
            first = 0.35 if a.kind in ("data", "dgram") else 0.5
            # the label stays in the gap between the two lifelines' boxes, never over a box: a
            # narrow gap (lecture mode, many actors) shortens the text rather than hide a call
            lo, hi = min(x0, x1) + 4, max(x0, x1) - 4
            if hi - lo > 40 and tw > hi - lo:
                text = fm.elidedText(text, Qt.TextElideMode.ElideRight, hi - lo - 10)
                tw = fm.horizontalAdvance(text) + 10
            origin = (round(x0), round(y0))
            r = None
            for t in (first, 0.6, 0.2, 0.8):
                mx, my = x0 + (x1 - x0) * t, y0 + (y1 - y0) * t
                if hi - lo > 40:
                    mx = min(max(mx, lo + tw / 2), hi - tw / 2)
                cand = QRectF(mx - tw / 2, my - fm.height() - 2, tw, fm.height() + 2)
                hits = [o for o, rect in self._labels_drawn if cand.intersects(rect)]
                if origin in hits:
                    return  # a fan of arrows from one send: one label is enough
                if not hits:
                    r = cand
                    break
            if r is None:
                return  # every place on the arrow is taken by other labels
            self._labels_drawn.append((origin, r))
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(pal.label_bg)
            p.drawRoundedRect(r, 4, 4)
            # amber is a fill colour: the words of a wake arrow take the darker amber of text
            p.setPen(pal.amber_text if a.kind == "wake" else pen.color())
            p.drawText(r, Qt.AlignmentFlag.AlignCenter, text)

    def _arrowhead(self, p: QPainter, start: QPointF, tip: QPointF, color: QColor) -> None:
        dx, dy = tip.x() - start.x(), tip.y() - start.y()
        length = math.hypot(dx, dy)
        if length < 1:
            return
        ux, uy = dx / length, dy / length
        size = 11 * self._lw()
        left = QPointF(tip.x() - ux * size - uy * size * 0.5, tip.y() - uy * size + ux * size * 0.5)
        right = QPointF(
            tip.x() - ux * size + uy * size * 0.5, tip.y() - uy * size - ux * size * 0.5
        )
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QBrush(color))
        p.drawPolygon(QPolygonF([tip, left, right]))

    def ghosts(self) -> list[tuple[int, str]]:
        out = []
        for lane in range(len(self.layout_model.lanes)):
            op = self.layout_model.ghost_at(lane, self.cursor_seq)
            if op:
                out.append((lane, op))
        return out

    def _paint_ghosts(self, p: QPainter, n_rows: int) -> None:
        pal = self.colors()
        for lane, op in self.ghosts():
            r = self._box_rect(lane, n_rows)
            path = QPainterPath()
            path.addRoundedRect(r, 7, 7)
            p.setPen(QPen(pal.actor(lane), 2 * pal.weight, Qt.PenStyle.DashLine))
            p.setBrush(pal.ghost_fill)
            p.drawPath(path)
            p.setFont(self._font(14, bold=True))
            p.setPen(pal.wash(pal.actor(lane), pal.ghost_text_wash))
            fm = QFontMetricsF(p.font())
            text = self.tr("next: {op}()   ▸ step").format(op=op)
            if fm.horizontalAdvance(text) > r.width() - 12:
                text = self.tr("next: {op}()").format(op=op)  # a narrow lane keeps what matters
            p.drawText(
                r,
                Qt.AlignmentFlag.AlignCenter,
                fm.elidedText(text, Qt.TextElideMode.ElideRight, r.width() - 12),
            )

    # --- interaction ----------------------------------------------------------------------------
    def item_at(self, x: float, y: float) -> tuple[str, Any] | None:
        row = math.floor((y - self._top()) / self.row_h)
        n_rows = self.visible_rows()
        for lane in range(len(self.layout_model.lanes)):
            r = self._box_rect(lane, max(0, row))
            if not (r.left() <= x <= r.right()):
                continue
            if row == n_rows:
                for g_lane, _op in self.ghosts():
                    if g_lane == lane:
                        return ("ghost", self.layout_model.lanes[lane])
            for box in self._boxes_in(row, row):
                if box.lane == lane and box.seq <= self.cursor_seq:
                    return ("box", box)
            for span in self._spans.query(row, row):
                if (
                    span.lane == lane
                    and span.row1 == row
                    and span.seq1 is not None
                    and span.seq1 <= self.cursor_seq
                ):
                    return ("box", span.box)
        return None

    def viewportEvent(self, e: QEvent) -> bool:
        if isinstance(e, QHelpEvent) and e.type() == QEvent.Type.ToolTip:
            pos = e.pos()
            hit = self.item_at(pos.x(), pos.y())
            if hit is not None and hit[0] == "box":
                box = hit[1]
                done = box.returned_at(self.cursor_seq)
                text = f"{box.label}  →  {box.result}" if box.result and done else box.label
                if done and box.blocked and box.ret is not None:
                    text += "\n" + self.tr("blocked {duration}").format(
                        duration=self.duration(box.ret.duration or 0)
                    )
                if box.line:
                    text += "\n" + self.tr("scenario line {n}").format(n=box.line)
                QToolTip.showText(e.globalPos(), text, self.viewport())
            elif hit is not None:
                QToolTip.showText(e.globalPos(), self.tooltip_for(hit), self.viewport())
            else:
                QToolTip.hideText()
            return True
        return super().viewportEvent(e)

    def tooltip_for(self, hit: tuple[str, Any]) -> str:
        """The tooltip of a ghost (a box's is its call and result)."""
        return self.tr("{actor}: click to step this actor").format(actor=hit[1])

    def duration(self, seconds: float) -> str:
        """A blocked time in the interface language: "0.41 s" reads "0.41초" in Korean."""
        text = duration(seconds)
        if text.endswith(" s"):
            return self.tr("{seconds} s").format(seconds=text[:-2])
        return text

    def mousePressEvent(self, e: QMouseEvent) -> None:
        hit = self.item_at(e.position().x(), e.position().y())
        if hit is None:
            return
        kind, item = hit
        if kind == "ghost":
            self.ghostClicked.emit(item)
        else:
            self.select(item)
            self.boxClicked.emit(item)

    def select(self, box: Box | None) -> None:
        self.selected = box
        self.viewport().update()
