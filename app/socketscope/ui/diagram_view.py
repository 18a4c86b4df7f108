"""SequenceDiagram: paints the DiagramLayout up to the cursor, only the rows that are visible.

Like Wireshark's flow graph, the vertical axis is the event index, and painting touches only
the items of the visible rows (``RowIndex``): a 100,000-event trace paints as fast as a short one.
"""

from __future__ import annotations

import bisect
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import QEvent, QLineF, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QHelpEvent,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QPolygonF,
    QRegion,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QAbstractScrollArea, QToolTip, QWidget

from socketscope.model.catalogue import NEVER_RETURNED
from socketscope.model.diagram import Arrow, BlockedSpan, Box, DiagramLayout, StateTag, chain_tags
from socketscope.model.labels import duration
from socketscope.model.network import host_label, link_tally, weather_text
from socketscope.model.wire import INFERRED
from socketscope.ui import theme, wire_view
from socketscope.ui.live_bars import LiveBar, LiveBars, clock_text, growth

BUCKET = 64

# what a label must keep clear of (arrows are lines, checked on their own)
_BAND = 48  # px: height of the bands obstacles are filed under for label placement
OBSTACLES = frozenset(
    {
        "box",
        "text",
        "tag",
        "mark",
        "arrow-label",
        "span-label",
        "evidence",
        "bar",
        "lost-x",
        "packet-label",
    }
)


@dataclass(frozen=True, slots=True)
class Placed:
    """One thing the last paint drew, in viewport coordinates: what a test (or an export) can
    check about the picture without reading pixels. ``shown`` is the text as drawn: shorter
    than ``text`` when it was cut short."""

    kind: str  # box, text, tag, mark, arrow, arrow-label, span-label, evidence, bar, row-number
    rect: QRectF
    text: str = ""
    shown: str = ""
    row: int = -1
    lane: int = -1
    line: QLineF | None = None
    owner: Any = None

    @property
    def elided(self) -> bool:
        return self.shown != self.text


NARROW_LANE = 110  # px at 100 %: the narrowest lane, below which the diagram scrolls sideways


def never_returned(box: Box) -> bool:
    """The call's process ended (was killed, exited, was stopped) while in it: the call has an
    end but no result."""
    return box.ok is False and box.error in NEVER_RETURNED


def line_hits_rect(line: QLineF, rect: QRectF) -> bool:
    """Whether a line segment passes through (or ends inside) a rectangle."""
    x1, y1, x2, y2 = line.x1(), line.y1(), line.x2(), line.y2()
    if (
        max(x1, x2) < rect.left()
        or min(x1, x2) > rect.right()
        or max(y1, y2) < rect.top()
        or min(y1, y2) > rect.bottom()
    ):
        return False
    if rect.contains(line.p1()) or rect.contains(line.p2()):
        return True
    corners = [rect.topLeft(), rect.topRight(), rect.bottomRight(), rect.bottomLeft()]
    for i in range(4):
        kind, _ = line.intersects(QLineF(corners[i], corners[(i + 1) % 4]))
        if kind == QLineF.IntersectionType.BoundedIntersection:
            return True
    return False


def break_line(text: str, fm: QFontMetricsF, width: float) -> list[str]:
    """A box's line that is too wide, broken in two where it reads well: after a comma, before
    an arrow or "from", else at the space nearest the middle. Unbroken if it fits or cannot."""
    if fm.horizontalAdvance(text) <= width:
        return [text]
    best: tuple[float, list[str]] | None = None
    for i, ch in enumerate(text):
        if ch != " ":
            continue
        head, tail = text[:i].rstrip(), "  " + text[i + 1 :].lstrip()
        if not head or not tail.strip():
            continue
        if fm.horizontalAdvance(head) > width or fm.horizontalAdvance(tail) > width:
            continue
        good = head.endswith((",", ":", "(")) or tail.lstrip().startswith(("←", "→", "from"))
        score = abs(len(head) - len(tail)) - (len(text) if good else 0)
        if best is None or score < best[0]:
            best = (score, [head, tail])
    return best[1] if best else [text]


def wrap(text: str, fm: QFontMetricsF, width: float) -> list[str]:
    """Greedy word wrap; empty if one word alone is wider than ``width``."""
    lines: list[str] = []
    for word in text.split():
        if fm.horizontalAdvance(word) > width:
            return []
        if lines and fm.horizontalAdvance(f"{lines[-1]} {word}") <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


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
    packetClicked = Signal(object)  # Event (kind "packet")
    ghostClicked = Signal(str)  # actor name

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # a viewport made here: the one Qt made would cost ~25 ms at start-up, when shiboken
        # first looks up its Python type (issue 11)
        self.setViewport(QWidget())
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
        # the real packets (ui/wire_view.py): drawn when the trace has them, unless turned off
        self.show_packets = True
        self.selected_packet: Any = None
        self._born: dict[tuple[Any, ...], float] = {}
        self._anim_floor = 0
        self._arrows = RowIndex()
        self._spans = RowIndex()
        self._n_arrows = 0
        self._n_spans = 0
        self._live_spans: list[BlockedSpan] = []
        # while only blocked bars grow, their ends and clocks are repainted alone (live_bars.py)
        self._live_bars = LiveBars()
        self._clock_region: QRegion | None = None  # what the last tick asked to repaint
        self._animating = False
        self._anim_timer = QTimer(self)
        self._anim_timer.setInterval(16)
        self._anim_timer.timeout.connect(self._tick)
        self._programmatic_scroll = False
        self.placed: list[Placed] = []  # what the last paint drew, and where
        self._placed_key: tuple[Any, ...] | None = None  # the _frame_key it was drawn at
        self._slots: set[tuple[int, int]] = set()
        self._label_jobs: list[tuple[Arrow, QLineF, QPen]] = []
        self._span_jobs: list[tuple[BlockedSpan, float, float, float, str]] = []
        self._crosses: list[tuple[QPointF, bool]] = []  # where an arrow ends lost; unsure?
        self._fonts: dict[tuple[str, int, bool], QFont] = {}
        self._text_fits: dict[tuple[Any, ...], Any] = {}  # _box_text's fitting, by its inputs
        self._frame_margin: float | None = None  # set while a frame is painted
        self._frame_lane_w: float | None = None
        self._frame_x0: float | None = None
        self._frame_cols: list[int] = []  # lane -> column, while a frame is painted
        self._frame_row_h: float | None = None
        self._frame_top: float | None = None
        self._margin_key: tuple[Any, ...] = ()
        self._margin = 0.0
        self._obstacles: list[tuple[QRectF, Any]] = []
        # the same obstacles by horizontal band of the frame: a label looks only at its bands
        # (a scan of every obstacle per label was a tenth of a frame)
        self._bands: dict[int, list[tuple[QRectF, Any]]] = {}
        self._lines: list[tuple[QLineF, Any, float, float, float, float]] = []
        self._fans: dict[tuple[Any, ...], int] = {}
        self.collapse = True  # fold streaks of more than 8 identical calls into one row
        self.expanded: set[int] = set()  # the first rows of streaks the user unfolded
        self.streaks: list[tuple[int, int]] = []
        self._folds: list[tuple[int, int]] = []
        self.lecture = False  # lecture mode: two lines per box, the result on its own
        self.spotlight = False  # lecture mode: the newest call stands out, the rest is dimmed
        self.line_scale = 1.0  # lecture mode: heavier lines for a washed-out projector
        self.fixed_palette: theme.Palette | None = None  # an export's own colours, not the theme's
        self.verticalScrollBar().valueChanged.connect(self._user_scrolled)

    # --- model ----------------------------------------------------------------------------------
    def set_layout(self, layout: DiagramLayout) -> None:
        self.layout_model = layout
        self.expanded = set()
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
        if self._frame_row_h is not None:
            return self._frame_row_h
        # two-line boxes (lecture mode, lanes squeezed to fit) need the taller row
        return (66 if self.lecture else 58 if self.squeezed else 46) * self.zoom * self.font_scale

    @property
    def header_h(self) -> float:
        return self._lane_header_h + self._nest_h + self._link_h

    @property
    def _nest_h(self) -> float:
        """A program with threads or forked children: a strip under the lane names that
        brackets each program with its own lanes and says whose each nested lane is."""
        if not self.layout_model.lane_parent:
            return 0.0
        return 30 * self.font_scale * max(0.8, self.zoom)

    @property
    def _lane_header_h(self) -> float:
        return 58 * self.font_scale * max(0.8, self.zoom)

    @property
    def _link_h(self) -> float:
        """A two-host run: a strip under the lane names for the link and its weather."""
        if not self.layout_model.actor_hosts:
            return 0.0
        return 26 * self.font_scale * max(0.8, self.zoom)

    @property
    def margin(self) -> float:
        """Room on the left for the row numbers, however many digits they have at this zoom."""
        if self._frame_margin is not None:
            return self._frame_margin
        digits = len(str(max(1, self.layout_model.row_count)))
        key = (digits, self.zoom, self.font_scale, self.font().family())
        if self._margin_key != key:
            fm = QFontMetricsF(self._font(11))
            self._margin_key = key
            self._margin = max(
                34 * self.zoom * self.font_scale, fm.horizontalAdvance("8" * digits) + 12
            )
        return self._margin

    def lane_w(self) -> float:
        if self._frame_lane_w is not None:
            return self._frame_lane_w  # painting: the geometry cannot change within a frame
        n = max(1, len(self.layout_model.lanes))
        # fit every lane in the view when it can (lecture mode, four actors); scroll sideways only
        # below a floor that grows with the presenter scale only in lecture mode, where the words
        # must be read from the back of the room, not cut short
        if self.lecture:
            floor = 220 * self.zoom * float(self.font_scale**0.6)
        else:
            # many actors (tcp-multi-client has 7) fit the width rather than scroll sideways:
            # the boxes then take more of the lane and put their results on a second line
            floor = NARROW_LANE * self.zoom
        return max(floor, (self.viewport().width() - self.margin) / n)

    @property
    def squeezed(self) -> bool:
        """Outside lecture mode, lanes narrower than a one-line box needs: two-line boxes."""
        if self.lecture:
            return False
        return self.lane_w() < 220 * self.zoom

    def _top(self) -> float:
        if self._frame_top is not None:
            return self._frame_top
        return self.header_h + 16 * self.zoom - self.verticalScrollBar().value()

    def y_of(self, row: float) -> float:
        return self._top() + self._disp(row) * self.row_h + self.row_h / 2

    # --- folded streaks: 50 identical sendto() rows drawn as one ---------------------------------
    def _disp(self, row: float) -> float:
        """The drawn row of a layout row: the rows of a folded streak share its first's; the
        bands of real packets under earlier rows push it down."""
        return self._fold_disp(row) + wire_view.extra_rows(self, row)

    def _fold_disp(self, row: float) -> float:
        d = row
        for r0, r1 in self._folds:
            if row > r1:
                d -= r1 - r0
            elif row > r0:
                return d - (row - r0)
            else:
                break
        return d

    def _row_at(self, pos: float) -> int:
        """The last layout row drawn at or above drawn position ``pos`` (in rows)."""
        lo, hi = 0, max(0, self.layout_model.row_count)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self._disp(mid) <= pos:
                lo = mid
            else:
                hi = mid - 1
        return lo

    def _model_row(self, d: int) -> int:
        """The first layout row drawn on drawn row ``d``."""
        if wire_view.shown(self):
            return self._row_at(d)
        row = d
        for r0, r1 in self._folds:
            if row > r0:
                row += r1 - r0
            else:
                break
        return row

    def fold_of(self, row: int) -> tuple[int, int] | None:
        """The folded streak that ``row`` is part of, if any."""
        for r0, r1 in self._folds:
            if r0 <= row <= r1:
                return (r0, r1)
        return None

    def _canon(self, row: int) -> int:
        fold = self.fold_of(row)
        return fold[0] if fold else row

    def _update_folds(self) -> None:
        streaks = self.layout_model.streaks(self.cursor_seq) if self.collapse else []
        self.streaks = streaks
        self._folds = [(r0, r1) for r0, r1 in streaks if r0 not in self.expanded]

    def toggle_fold(self, row: int) -> None:
        """Fold or unfold the streak of identical calls that ``row`` is part of."""
        for r0, r1 in self.streaks:
            if r0 <= row <= r1:
                self.expanded ^= {r0}
                self._update_folds()
                self._update_scroll()
                if self.follow:
                    self.scroll_to_end()
                self.viewport().update()
                return

    def x_of(self, lane: int) -> float:
        """The centre of ``lane``'s lifeline: lanes are drawn in the layout's columns (a
        program's threads and children right after it), not in the order they came."""
        cols = self._frame_cols
        if self._frame_x0 is not None and self._frame_lane_w is not None and 0 <= lane < len(cols):
            return self._frame_x0 + self._frame_lane_w * (cols[lane] + 0.5)
        return self.x_of_column(self.layout_model.column_of(lane))

    def x_of_column(self, col: int) -> float:
        if self._frame_x0 is not None and self._frame_lane_w is not None:
            return self._frame_x0 + self._frame_lane_w * (col + 0.5)
        return self.margin + self.lane_w() * (col + 0.5) - self.horizontalScrollBar().value()

    def box_w(self) -> float:
        # leave room between lanes for arrows and their labels
        share = 0.84 if self.lecture or self.squeezed else 0.74
        return min(self.lane_w() * share, 470 * self.zoom * self.font_scale)

    def visible_rows(self) -> int:
        return self.layout_model.rows_at(self.cursor_seq)

    def _content_height(self) -> float:
        return self.header_h + 16 * self.zoom + (self._disp(self.visible_rows()) + 2) * self.row_h

    def _update_scroll(self) -> None:
        self._update_folds()
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
        self._show_newest_lane()
        self._programmatic_scroll = False

    def _show_newest_lane(self) -> None:
        """More lanes than the width holds (tcp-multi-client in lecture mode): the lane of the
        newest call is scrolled into view, as the newest row is, or a step happens off-screen
        while the inspector shows its socket."""
        hb = self.horizontalScrollBar()
        lay, cur = self.layout_model, self.cursor_seq
        if hb.maximum() <= 0:
            return
        # the newest thing on a lane: a call made, or a wait that ended (its return's row)
        i = bisect.bisect_right(lay.boxes, cur, key=lambda b: b.seq)
        newest = (lay.boxes[i - 1].seq, lay.boxes[i - 1].lane) if i else (-1, -1)
        for span in reversed(lay.spans[-64:]):
            if span.seq1 is not None and newest[0] < span.seq1 <= cur:
                newest = (span.seq1, span.lane)
        if newest[1] < 0:
            return
        left = self.lane_w() * lay.column_of(newest[1])
        right = left + self.margin + self.lane_w()
        if left < hb.value():
            hb.setValue(int(left))
        elif right > hb.value() + self.viewport().width():
            hb.setValue(int(right - self.viewport().width()))

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
        self.set_zoom(avail / (rows * self.row_h / self.zoom))

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
        if e.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.streaks:
            # the selected call's streak, or else the newest one
            row = self.selected.row if self.selected is not None else self.streaks[-1][0]
            if any(r0 <= row <= r1 for r0, r1 in self.streaks):
                self.toggle_fold(row)
            else:
                self.toggle_fold(self.streaks[-1][0])
            e.accept()
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
        if self._animating or self.clock is None:
            self.viewport().update()
            return
        # only blocked bars grow: their ends and clocks, when what they show has changed
        due = self._live_bars.due(self.clock(), self._frame_key(), self._clock_fits)
        if due is True:
            self.viewport().update()
        elif due is not None and not isinstance(due, bool):
            self._clock_region = due if self._clock_region is None else self._clock_region + due
            self.viewport().update(due)

    def _frame_key(self) -> tuple[Any, ...]:
        """What a cached frame depends on besides the clock (each change of these also asks
        for a whole frame; this is the safety net)."""
        vp = self.viewport()
        return (
            vp.width(),
            vp.height(),
            vp.devicePixelRatioF(),
            self.horizontalScrollBar().value(),
            self.verticalScrollBar().value(),
            self.cursor_seq,
            self.zoom,
            self.font_scale,
            id(self.layout_model),
            self.visible_rows(),
        )

    @staticmethod
    def _clock_fits(bar: LiveBar, text: str) -> bool:
        assert bar.font is not None and bar.rect is not None
        return QFontMetricsF(bar.font).horizontalAdvance(text) + 6 <= bar.rect.width()

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
        newest = self._canon(self.visible_rows() - 1)
        return 1.0 if self._canon(row) >= newest else self.colors().dim

    def _font(self, px: float, bold: bool = False, mono: bool = False) -> QFont:
        family = "DejaVu Sans Mono" if mono else self.font().family()
        size = max(7, round(px * self.zoom * self.font_scale))
        key = (family, size, bold)
        f = self._fonts.get(key)
        if f is None:
            f = self._fonts[key] = QFont(family)
            f.setPixelSize(size)
            f.setBold(bold)
        return f  # shared: callers only set it on a painter

    def paintEvent(self, e: QPaintEvent) -> None:
        clocks, self._clock_region = self._clock_region, None
        lb = self._live_bars
        live = self.clock is not None and self._live_spans_visible()
        if not live:
            lb.forget()
        elif (
            clocks is not None
            and lb.image is not None
            and e.region().subtracted(clocks).isEmpty()
            and lb.key == self._frame_key()
        ):
            # nothing but blocked bars' ends and clocks asked for this paint
            p = QPainter(self.viewport())
            try:
                assert self.clock is not None
                lb.paint(p, self.clock())
            finally:
                p.end()
            return
        else:
            # a whole frame, kept for the clocks' repaints until the next one
            ratio = self.viewport().devicePixelRatioF()
            size = self.viewport().size()
            image = QImage(
                int(size.width() * ratio),
                int(size.height() * ratio),
                QImage.Format.Format_ARGB32_Premultiplied,
            )
            image.setDevicePixelRatio(ratio)
            lb.start(image, self._frame_key(), self.header_h, self.row_h)
            self._paint_frame(QPainter(image))  # which ends its painter
            p = QPainter(self.viewport())
            p.drawImage(0, 0, image)
            p.end()
            return
        self._paint_frame(QPainter(self.viewport()))

    def _paint_frame(self, p: QPainter) -> None:
        # a frame asks for the margin and the lane width some thousand times: work them out once
        self._frame_margin = self.margin
        self._frame_lane_w = self.lane_w()
        self._frame_x0 = self._frame_margin - self.horizontalScrollBar().value()
        lay = self.layout_model
        self._frame_cols = [lay.column_of(lane) for lane in range(len(lay.lanes))]
        self._frame_row_h = self.row_h
        self._frame_top = self._top()
        try:
            self._paint(p)
        finally:
            p.end()
            self._frame_margin = self._frame_lane_w = self._frame_x0 = None
            self._frame_row_h = self._frame_top = None

    def _paint(self, p: QPainter) -> None:
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        c = self.colors()
        p.fillRect(self.viewport().rect(), c.paper)
        self._animating = False
        self.placed = []
        self._placed_key = self._frame_key()
        self._obstacles = []
        self._bands = {}
        self._lines = []
        self._fans = {}
        self._label_jobs = []
        self._span_jobs = []
        self._crosses = []
        now = time.monotonic()
        lay = self.layout_model
        n_rows = self.visible_rows()
        top_row = self._model_row(max(0, int((self.header_h - self._top()) / self.row_h) - 1))
        bottom_d = int((self.viewport().height() - self._top()) / self.row_h) + 1
        bottom_row = min(n_rows, self._model_row(bottom_d + 1) - 1)
        cur = self.cursor_seq

        self._paint_lifelines(p, n_rows)
        self._paint_row_guides(p, top_row, bottom_row)
        spans = [s for s in self._spans.query(top_row, bottom_row) if s.seq0 <= cur]
        spans += [s for s in self._live_spans if s.seq0 <= cur and s.row0 <= bottom_row]
        for span in spans:
            done = span.seq1 is not None and span.seq1 <= cur
            self._paint_span(p, span, span.row1 if done else None, n_rows)
        boxes = [
            b
            for b in self._boxes_in(top_row, bottom_row)
            if b.seq <= cur and self._canon(b.row) == b.row
        ]
        wakes = [
            s
            for s in spans
            if s.seq1 is not None and s.seq1 <= cur and s.row1 is not None and s.row1 <= bottom_row
        ]
        marks = [m for m in self._in_rows(lay.marks, top_row, bottom_row) if m.seq <= cur]
        # the slots that hold something: an arrow ends at a box, or at the lifeline where none is
        self._drawn_arrows: set[tuple[Any, ...]] = set()
        self._slots = {(b.lane, b.row) for b in boxes}
        self._slots |= {(s.lane, s.row1) for s in wakes}
        self._slots |= {(m.lane, m.row) for m in marks}
        # arrows first: a box is opaque, so a line passing behind a box never strikes its text
        # with real packets on screen, the guessed handshake / FIN / RST arrows are not drawn
        inferred_off = wire_view.shown(self)
        for arrow in self._arrows.query(top_row, bottom_row):
            if arrow.seq <= cur and not (inferred_off and arrow.kind in INFERRED):
                self._paint_arrow(p, arrow, now)
        wire_view.paint(self, p, top_row, bottom_row)
        for at, unsure in self._crosses:
            if unsure:
                self._question(p, at, c.amber)
            else:
                self._cross(p, at, c.red)
        tags: dict[tuple[int, int], list[StateTag]] = {}
        for tag in self._in_rows(lay.tags, top_row, bottom_row):
            if tag.seq <= cur:
                tags.setdefault((tag.lane, self._canon(tag.row)), []).append(tag)
        for key, row_tags in tags.items():
            tags[key] = self._merge_tags(row_tags)
        for box in boxes:
            self._paint_box(p, box, now, tags.pop((box.lane, box.row), []))
        for span in wakes:
            assert span.row1 is not None
            self._paint_wake(p, span, now, tags.pop((span.lane, span.row1), []))
        for mark in marks:
            if mark.kind in ("lost", "unsure"):
                self._paint_lost_count(p, mark)
            else:
                self._paint_mark(p, mark, tags.pop((mark.lane, mark.row), []))
        for (lane, row), free in tags.items():
            self._paint_free_tags(p, lane, row, free)
        # labels last, where nothing else is: the arrows tell the story first, then blocked times
        for arrow, line, pen in self._label_jobs:
            self._paint_arrow_label(p, arrow, line, pen)
        for job in self._span_jobs:
            self._paint_span_label(p, *job)
        self._paint_ghosts(p, n_rows)
        self._paint_header(p)
        if self._animating or self._live_spans_visible():
            # The frame that starts an animation keeps the timer alive: the timer may have
            # ticked (and stopped) between the refresh that added items and this paint.
            self._ensure_timer()

    def _place(
        self,
        kind: str,
        rect: QRectF,
        text: str = "",
        shown: str | None = None,
        row: int = -1,
        lane: int = -1,
        line: QLineF | None = None,
        owner: Any = None,
    ) -> None:
        r = QRectF(rect)
        self.placed.append(
            Placed(kind, r, text, text if shown is None else shown, row, lane, line, owner)
        )
        if kind in OBSTACLES:
            self._obstacles.append((r, owner))
            for band in range(int(r.top()) // _BAND, int(r.bottom()) // _BAND + 1):
                self._bands.setdefault(band, []).append((r, owner))
        elif kind in ("arrow", "packet") and line is not None:
            # a packet's line too: a blocked time or a call's label must not sit on a packet
            x1, y1, x2, y2 = line.x1(), line.y1(), line.x2(), line.y2()
            self._lines.append((line, owner, min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)))

    def _free(self, rect: QRectF, owner: Any = None) -> bool:
        """Nothing painted yet covers ``rect``: no box, label, tag or mark, and no arrow's line
        but ``owner``'s own."""
        for band in range(int(rect.top()) // _BAND, int(rect.bottom()) // _BAND + 1):
            for r, o in self._bands.get(band, ()):
                if (o is not owner or owner is None) and r.intersects(rect):
                    return False
        left, top, right, bottom = rect.left(), rect.top(), rect.right(), rect.bottom()
        for line, o, x0, y0, x1, y1 in self._lines:
            if x1 < left or x0 > right or y1 < top or y0 > bottom:
                continue
            if (o is not owner or owner is None) and line_hits_rect(line, rect):
                return False
        return True

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
        lay = self.layout_model
        lh = self._lane_header_h
        for lane, name in enumerate(lay.lanes):
            x = self.x_of(lane)
            nested = lay.parent_name(lane)
            if nested is not None and name.startswith(nested[0] + "/"):
                # the strip under it names the parent: the box keeps the part that is its own
                name = name[len(nested[0]) + 1 :]
            w = min(self.box_w(), 260 * self.zoom * self.font_scale)
            r = QRectF(x - w / 2, lh * 0.16, w, lh * 0.68)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(pal.actor(lane))
            p.drawRoundedRect(r, 8, 8)
            p.setPen(pal.actor_text)
            host = lay.host_of_lane(lane)
            if host is None:
                # a long name (a program's thread, server.py/Thread-2) gets a smaller font, then is
                # shortened in the middle: both ends name it, and nothing is cut off at the edges
                size = 17.0
                p.setFont(self._font(size, bold=True))
                fm = QFontMetricsF(p.font())
                room = r.width() - 12
                while fm.horizontalAdvance(name) > room and size > 11:
                    size -= 1
                    p.setFont(self._font(size, bold=True))
                    fm = QFontMetricsF(p.font())
                shown = fm.elidedText(name, Qt.TextElideMode.ElideMiddle, room)
                p.drawText(r, Qt.AlignmentFlag.AlignCenter, shown)
                p.setFont(self._font(17, bold=True))
                continue
            # two hosts: the actor's name, and under it the host it lives on ("host B · 10.0.0.2")
            top, bottom = (
                QRectF(r.x(), r.y(), w, r.height() * 0.58),
                QRectF(r.x(), r.y() + r.height() * 0.52, w, r.height() * 0.46),
            )
            p.setFont(self._font(15, bold=True))
            p.drawText(
                top,
                Qt.AlignmentFlag.AlignCenter,
                QFontMetricsF(p.font()).elidedText(name, Qt.TextElideMode.ElideMiddle, w - 12),
            )
            p.setFont(self._font(11))
            label = host_label(host, lay.host_addresses.get(host), lay.translate)
            p.drawText(bottom, Qt.AlignmentFlag.AlignCenter, label)
        if self._nest_h:
            self._paint_nesting(p, lh, lh + self._nest_h)
        if self._link_h:
            self._paint_link(p, lh + self._nest_h, h)

    def _paint_nesting(self, p: QPainter, y0: float, y1: float) -> None:
        """Under the lane names: a bracket in the program's colour from its lane over its
        threads' and children's, and under each of those whose it is ("child of server.py")."""
        pal = self.colors()
        lay = self.layout_model
        cols = lay.columns()
        w = min(self.box_w(), 260 * self.zoom * self.font_scale)
        k = self.zoom * self.font_scale
        y, tick = y0 + 3 * k, 5 * k
        for owner in sorted({parent for parent, _kind in lay.lane_parent.values()}):
            col = lay.column_of(owner)
            depth = lay.lane_depth(owner)
            end = col
            while end + 1 < len(cols) and lay.lane_depth(cols[end + 1]) > depth:
                end += 1  # the parent's descendants follow it, column after column
            pen = QPen(pal.actor(owner), 3 * self._lw())
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            p.setPen(pen)
            p.drawLine(QPointF(self.x_of_column(col), y0), QPointF(self.x_of_column(col), y))
            p.drawLine(QPointF(self.x_of_column(col), y), QPointF(self.x_of_column(end), y))
            for c in range(col + 1, end + 1):
                if lay.lane_parent.get(cols[c], (-1, ""))[0] == owner:
                    xc = self.x_of_column(c)
                    p.drawLine(QPointF(xc, y), QPointF(xc, y + tick))
        # the caption may take the whole lane (less a gap): the bracket shows whose it is too
        room = max(w, self.lane_w() - 10 * k)
        for lane, (parent_lane, kind) in lay.lane_parent.items():
            parent = lay.lanes[parent_lane]
            text = (
                self.tr("child of {parent}") if kind == "child" else self.tr("thread of {parent}")
            ).format(parent=parent)
            size = 13.0  # a long program name gets a smaller font first, then is shortened
            p.setFont(self._font(size, bold=True))
            fm = QFontMetricsF(p.font())
            while fm.horizontalAdvance(text) > room and size > 10:
                size -= 1
                p.setFont(self._font(size, bold=True))
                fm = QFontMetricsF(p.font())
            x = self.x_of(lane)
            r = QRectF(x - room / 2, y + tick, room, y1 - y - tick)
            p.setPen(pal.actor(parent_lane))
            p.drawText(
                r,
                Qt.AlignmentFlag.AlignCenter,
                fm.elidedText(text, Qt.TextElideMode.ElideMiddle, room),
            )

    def _paint_link(self, p: QPainter, y0: float, y1: float) -> None:
        """The link between the hosts' lanes, labelled with its weather as the run had it."""
        pal = self.colors()
        lay = self.layout_model
        xs = [self.x_of(i) for i in range(len(lay.lanes)) if lay.host_of_lane(i) is not None]
        if len(xs) < 2:
            return
        y = (y0 + y1) / 2
        left, right = min(xs), max(xs)
        p.setPen(QPen(pal.grey, 2 * self.zoom, Qt.PenStyle.DashLine))
        p.drawLine(QPointF(left, y), QPointF(right, y))
        text = weather_text(lay.link, lay.translate) or lay.translate("Network", "link")
        tally = link_tally(lay.link_events, self.cursor_seq, lay.translate)
        if tally:  # what the link has done to packets up to the cursor
            text = f"{text}  —  {tally}"
        p.setFont(self._font(12, bold=True))
        fm = QFontMetricsF(p.font())
        tw = min(fm.horizontalAdvance(text) + 16, max(60.0, self.viewport().width() - 8))
        box = QRectF((left + right) / 2 - tw / 2, y0 + 2, tw, y1 - y0 - 4)
        box.moveLeft(max(4.0, min(box.left(), self.viewport().width() - tw - 4)))
        p.setPen(QPen(pal.grey, 1))
        p.setBrush(pal.paper)
        p.drawRoundedRect(box, 6, 6)
        p.setPen(pal.ink)
        elided = fm.elidedText(text, Qt.TextElideMode.ElideRight, tw - 12)
        p.drawText(box, Qt.AlignmentFlag.AlignCenter, elided)

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
                self._place("lifeline", QRectF(x - 1, y0, 2, y1 - y0), lane=lane)
            if end is not None and end < n_rows:
                # the actor's function returned: a short bar ends its lifeline
                p.drawLine(QPointF(x - 14 * self.zoom, y1), QPointF(x + 14 * self.zoom, y1))
                # its sockets may outlive it in the kernel (TIME_WAIT, a FIN still to answer):
                # the faint line goes on for them, past the packets under the last row (a FIN
                # the last close() sent must not leave from a line that has already ended)
                y2 = self.y_of(n_rows) - self.row_h / 2
                if y2 > y1:
                    p.setPen(faint)
                    p.drawLine(QPointF(x, y1), QPointF(x, y2))
                    self._place("lifeline", QRectF(x - 1, y1, 2, y2 - y1), lane=lane)

    def _paint_row_guides(self, p: QPainter, r0: int, r1: int) -> None:
        # The row number (event order) in the margin: time goes down, one row per step.
        p.setFont(self._font(11))
        p.setPen(self.colors().ghost)
        fm = QFontMetricsF(p.font())
        # [r0, r1] as the boxes: the last row in view is numbered too (the one just stepped)
        for row in range(r0, min(r1, self.visible_rows() - 1) + 1):
            if self._canon(row) != row:
                continue  # a folded streak is numbered by its first row
            y = self.y_of(row)
            r = QRectF(2, y - fm.height() / 2, self.margin - 6, fm.height())
            p.drawText(r, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, str(row + 1))
            text_r = QRectF(r.right() - fm.horizontalAdvance(str(row + 1)), r.top(), 0, r.height())
            text_r.setRight(r.right())
            self._place("row-number", text_r, str(row + 1), row=row)

    def _box_rect(self, lane: int, row: int, width: float | None = None) -> QRectF:
        w = width if width is not None else self.box_w()
        h = self.row_h * 0.74
        return QRectF(self.x_of(lane) - w / 2, self.y_of(row) - h / 2, w, h)

    def _box_lines(self, first: str, result: str | None, returned: bool = True) -> list[str]:
        """A call and its result: one line, or in lecture mode two, so that the result, which a
        lecturer points at, has a line of its own. A call that never ``returned`` (its process
        was killed in it) has no result to point at: its sentence follows without an arrow."""
        if result is None:
            return [first]
        if self.lecture or self.squeezed:
            return [first, f"→  {result}" if returned else result]
        return [f"{first}  →  {result}" if returned else f"{first}: {result}"]

    def _box_text(
        self,
        p: QPainter,
        r: QRectF,
        lines: list[str],
        tags: list[StateTag],
        color: QColor,
        owner: Any,
        row: int,
        lane: int,
        size: float = 14.5,
        bold: bool = False,
    ) -> None:
        """The lines of a box, with the state tags of its row on the right of the line that has
        room. A text that does not fit is set a little smaller (down to 72 %) before it is cut."""
        pad = 9 * self.zoom * self.font_scale**0.5
        inner = r.adjusted(pad, 0, -pad, 0)
        gap = 4 * self.zoom * self.font_scale**0.5
        chosen: tuple[QFont, QFont, QFontMetricsF, QFontMetricsF, list[float], int | None]
        phys: list[str] = lines
        # The fitting below measures each line some ten times (about half of a whole frame);
        # a box's text, tags and size rarely change from one frame to the next.
        memo_key = (
            tuple(lines),
            tuple(t.text for t in tags),
            inner.width(),
            r.height(),
            size,
            bold,
            self.zoom,
            self.font_scale,
            self.lecture,
            self.row_h,
        )
        memo = self._text_fits.get(memo_key)
        if memo is not None:
            phys, chosen, below = memo
        else:
            phys, chosen, below = self._fit_box_text(inner, r, lines, tags, size, bold, gap)
            if len(self._text_fits) > 4096:
                self._text_fits.clear()
            self._text_fits[memo_key] = (phys, chosen, below)
        font, tfont, fm, tfm, tag_ws, tag_line = chosen
        below = below and tag_line == len(phys)
        all_tags = sum(tag_ws) + gap * len(tag_ws)
        lh = fm.height()
        n = len(phys) + (1 if tag_line is not None and tag_line >= len(phys) and not below else 0)
        y = r.center().y() - lh * n / 2
        p.setFont(font)
        p.setPen(color)
        for i, text in enumerate(phys):
            room = inner.width() - (all_tags + gap if tags and i == tag_line else 0)
            shown = text
            if fm.horizontalAdvance(text) > room:
                shown = fm.elidedText(text, Qt.TextElideMode.ElideRight, room)
            lr = QRectF(inner.left(), y + i * lh, min(room, fm.horizontalAdvance(shown) + 1), lh)
            p.drawText(lr, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, shown)
            self._place("text", lr, text, shown, row, lane, owner=owner)
        if tags and tag_line is not None:
            th = min(tfm.height() + 2, lh)
            x = inner.right()
            ty = y + min(tag_line, n - 1) * lh + (lh - th) / 2
            if below:
                th = tfm.height() + 2
                ty = r.bottom() + (self.row_h - r.height() - th) / 2
            # laid from the right, the last change first: they read left to right in time order
            for tag, w in zip(reversed(tags), reversed(tag_ws), strict=True):
                x -= w
                self._draw_tag(p, QRectF(x, ty, w, th), tag, tfont)
                x -= gap

    def _fit_box_text(
        self,
        inner: QRectF,
        r: QRectF,
        lines: list[str],
        tags: list[StateTag],
        size: float,
        bold: bool,
        gap: float,
    ) -> tuple[
        list[str],
        tuple[QFont, QFont, QFontMetricsF, QFontMetricsF, list[float], int | None],
        bool,
    ]:
        """The lines as they fit the box (broken, then set smaller if need be), the fonts, the
        tags' widths and the line they go on, and whether they go under the box."""
        chosen: tuple[QFont, QFont, QFontMetricsF, QFontMetricsF, list[float], int | None]
        phys: list[str] = lines
        below = False
        for step in range(9):
            k = 1.0 - 0.04 * step
            font, tfont = self._font(size * k, bold=bold), self._font(11.5 * k, bold=True)
            fm, tfm = QFontMetricsF(font), QFontMetricsF(tfont)
            # a line too long for the box breaks where it reads well, if the box is tall enough
            phys = []
            for text in lines:
                phys.extend(break_line(text, fm, inner.width()))
            widths = [fm.horizontalAdvance(t) for t in phys]
            tag_ws = [tfm.horizontalAdvance(t.text) + 12 * self.zoom * k for t in tags]
            all_tags = sum(tag_ws) + gap * len(tag_ws)
            tag_line: int | None = None
            for i in reversed(range(len(phys))):
                if widths[i] + all_tags + gap <= inner.width():
                    tag_line = i
                    break
            below = False
            if tags and tag_line is None:
                tag_line = len(phys)  # the tags on a line of their own
                # lecture mode's taller rows have room for them under the box, between rows
                below = self.lecture and tfm.height() + 2 <= self.row_h - r.height() - 2
            n = len(phys) + (1 if tag_line == len(phys) and not below else 0)
            chosen = (font, tfont, fm, tfm, tag_ws, tag_line)
            fits = all(w <= inner.width() for w in widths) and all_tags <= inner.width()
            if fits and fm.height() * n <= r.height() - 2:
                break
        else:
            phys = lines
            if tags and tag_line == len(phys) + 1:
                tag_line = len(phys)
        return phys, chosen, below

    def _draw_tag(self, p: QPainter, r: QRectF, tag: StateTag, font: QFont) -> None:
        pal = self.colors()
        p.save()
        dim = self._dim(tag.row)
        if dim < 1.0:
            # faded by the spotlight, it still hides what it covers: a lifeline drawn through
            # its words (lecture mode, a tag under its box) made them hard to read
            p.setOpacity(1.0)  # the box it belongs to may be fading it already
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(pal.paper)
            p.drawRoundedRect(r, r.height() / 2, r.height() / 2)
        p.setOpacity(dim)
        p.setPen(QPen(pal.grey, pal.weight))
        p.setBrush(pal.grey_light)
        p.drawRoundedRect(r, r.height() / 2, r.height() / 2)
        p.setFont(font)
        p.setPen(pal.ink)
        p.drawText(r, Qt.AlignmentFlag.AlignCenter, tag.text)
        p.restore()
        self._place("tag", r, tag.text, row=tag.row, lane=tag.lane, owner=tag)

    def _merge_tags(self, tags: list[StateTag]) -> list[StateTag]:
        """Equal tags on one row said once, with their count: two sockets that had the same fd
        (the number is reused after a close) can reach TIME_WAIT at the same moment, and two
        equal tags side by side read as a mistake, or find no room and cover each other."""
        tags = chain_tags(tags)
        texts = [t.text for t in tags]
        if len(set(texts)) == len(texts):
            return tags
        merged: list[StateTag] = []
        for i, tag in enumerate(tags):
            n = texts.count(tag.text)
            if tag.text in texts[i + 1 :]:
                continue  # said by its last occurrence, in time order
            text = self.tr("{call} × {n}").format(call=tag.text, n=n) if n > 1 else tag.text
            merged.append(replace(tag, text=text))
        return merged

    def _paint_free_tags(self, p: QPainter, lane: int, row: int, tags: list[StateTag]) -> None:
        """State changes on a row where the lane has no box: on the right of its box's place,
        clear of the lifeline's blocked bar."""
        font = self._font(11.5, bold=True)
        fm = QFontMetricsF(font)
        slot = self._box_rect(lane, row)
        h = fm.height() + 2
        gap = 4 * self.zoom
        right, left = slot.right(), self.x_of(lane) - self._bar_w() / 2 - gap
        drawn: list[QRectF] = []
        for tag in reversed(tags):  # from the right: the last change first
            w = fm.horizontalAdvance(tag.text) + 12 * self.zoom
            y = slot.center().y() - h / 2
            # right of the lifeline; else left of it (its blocked bar is in the way); else under
            # the row, between the boxes
            places = [(QRectF(right - w, y, w, h), "r"), (QRectF(left - w, y, w, h), "l")]
            # under the row, from the right, then a line lower: a narrow lane (a small screen in
            # lecture mode) may have room for one tag beside the lifeline, not two
            for dy in (slot.bottom(), slot.bottom() + h + 2):
                for dx in (slot.right() - w, slot.left()):
                    places.append((QRectF(dx, dy, w, h), ""))
            # two sockets of the lane changing state on one row (tcp-backlog's two connections
            # reaching TIME_WAIT together): one more place on the row's own height, on the left
            places.append((QRectF(slot.left(), y, w, h), ""))
            # where nothing is free (lines cross every place), at least not on this row's tags
            r = next(
                (c for c, _ in places if not any(c.intersects(d) for d in drawn)), places[0][0]
            )
            for cand, side in places:
                if cand.left() >= slot.left() - 2 and self._free(cand):
                    r = cand
                    if side == "r":
                        right -= w + gap
                    elif side == "l":
                        left -= w + gap
                    break
            self._draw_tag(p, r, tag, font)
            drawn.append(r)

    def _paint_box(self, p: QPainter, box: Box, now: float, tags: list[StateTag]) -> None:
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
        failed = returned and box.ok is False and not box.expected
        expected = returned and box.expected
        fill = pal.red_light if failed else pal.wash(color, pal.box_wash)
        border = pal.red if failed else (pal.amber if blocked else color)
        width = 4.5 if box is self.selected else 2.0
        pen = QPen(pal.ink if box is self.selected else border, width * self._lw())
        if expected:
            # a non-blocking call's "not yet" is the lesson, not a failure: dashed, not red
            pen.setStyle(Qt.PenStyle.DashLine)
        p.setPen(pen)
        p.setBrush(fill)
        p.drawRoundedRect(r, 7, 7)
        self._place("box", r, box.label, row=box.row, lane=box.lane, owner=box)
        fold = self.fold_of(box.row)
        if fold is not None:
            n = fold[1] - fold[0] + 1
            first = self.tr("{call} × {n}").format(call=box.label, n=n)
            lines = self._box_lines(f"▸ {first}", box.result)
        elif returned and not blocked and not box.returns_later and box.result:
            # an expected "not yet" is no failure: no ✗ (the dashed border says it)
            result = box.result.removeprefix("✗ ") if expected else box.result
            lines = self._box_lines(box.label, result, returned=not never_returned(box))
        elif not returned and not blocked:
            lines = [f"{box.label} …"]
        else:
            lines = [box.label]
        ink = pal.error_text if failed else pal.ink
        self._box_text(p, r, lines, tags, ink, box, box.row, box.lane)
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
                base = y1
                y1 += growth(self.row_h, elapsed)
        else:
            y1 = self.y_of(row1) - self.row_h * 0.37
            d = span.duration or 0.0
            label = self.tr("blocked {duration}").format(duration=self.duration(d))
        if not span.asleep:
            self._paint_awake_span(p, span, x, y0, y1)
            return
        bar_w = self._bar_w()
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(self.colors().amber)
        bar = QRectF(x - bar_w / 2, y0, bar_w, max(2.0, y1 - y0))
        p.drawRoundedRect(bar, 4, 4)
        if row1 is None and elapsed is not None:
            self._live_bars.bar(
                span,
                LiveBar(
                    span.t0,
                    bar.left(),
                    bar_w,
                    base,
                    bar.bottom(),
                    self.colors().amber,
                    self.tr("blocked {seconds} s"),
                    clock_text(elapsed),
                ),
            )
        self._place("bar", bar, row=span.row0, lane=span.lane, owner=span)
        self._span_jobs.append((span, x, y0, y1, label))

    def _paint_awake_span(
        self, p: QPainter, span: BlockedSpan, x: float, y0: float, y1: float
    ) -> None:
        """A call that returned rows after it was made, never seen blocked (Box.returns_later):
        a thin dashed line, not the amber bar, and the words for what was measured."""
        pal = self.colors()
        p.setPen(QPen(pal.ink_soft, 1.3 * self._lw(), Qt.PenStyle.DashLine))
        p.drawLine(QPointF(x, y0), QPointF(x, y1))
        thin = QRectF(x - 2, y0, 4, max(2.0, y1 - y0))
        self._place("bar", thin, row=span.row0, lane=span.lane, owner=span)
        self._span_jobs.append((span, x, y0, y1, self.tr("no blocking observed")))

    def _bar_w(self) -> float:
        return float(max(6.0, 13 * self.zoom * self.font_scale**0.5))

    def _paint_span_label(
        self, p: QPainter, span: BlockedSpan, x: float, y0: float, y1: float, label: str
    ) -> None:
        """The blocked time beside its bar, and under it where the kernel holds the thread,
        wrapped rather than cut short; wherever nothing else is. Where there is no room for the
        evidence, the inspector has it."""
        font = self._font(13, bold=span.asleep)
        fm = QFontMetricsF(font)
        small = self._font(11)
        sfm = QFontMetricsF(small)
        half, bar = self.box_w() / 2, self._bar_w() / 2
        col = self.layout_model.column_of(span.lane)  # the neighbours on screen, left and right
        last = col + 1 >= len(self.layout_model.lanes)
        right = self.viewport().width() - 4 if last else self.x_of_column(col + 1) - half - 4
        left = self.x_of_column(col - 1) + half + 4 if col > 0 else self.margin
        tw = fm.horizontalAdvance(label) + 6
        ys = [(y0 + y1) / 2 - fm.height() / 2]
        if y1 - y0 > 3 * self.row_h:
            ys += [y0 + self.row_h * 0.5, y1 - self.row_h * 1.5]
        # beside the bar when it is long enough to have room; beside the boxes otherwise
        xs = [x + bar + 4, x + half + 4, x - bar - 4 - tw, x - half - 4 - tw]
        for ly in ys:
            for lx in xs:
                rect = QRectF(lx, ly, tw, fm.height())
                if rect.left() < left or rect.right() > right or not self._free(rect, span):
                    continue
                ink = self.colors().amber_text if span.asleep else self.colors().ink_soft
                p.setFont(font)
                p.setPen(ink)
                self._live_bars.clock_at(span, rect, font, ink)
                p.drawText(rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, label)
                self._place("span-label", rect, label, row=span.row0, lane=span.lane, owner=span)
                if span.evidence:
                    on_right = lx > x
                    room = (right - lx) if on_right else (lx + tw - left)
                    self._paint_evidence(p, span, rect, on_right, room, small, sfm)
                return

    def _paint_evidence(
        self,
        p: QPainter,
        span: BlockedSpan,
        under: QRectF,
        on_right: bool,
        room: float,
        font: QFont,
        fm: QFontMetricsF,
    ) -> None:
        for text in (span.evidence, span.evidence_short):
            lines = wrap(text, fm, room - 4)
            if not lines or len(lines) > 3:
                continue
            w = max(fm.horizontalAdvance(t) for t in lines) + 4
            x = under.left() if on_right else under.right() - w
            rect = QRectF(x, under.bottom(), w, fm.height() * len(lines))
            if not self._free(rect, span):
                continue
            p.setFont(font)
            p.setPen(self.colors().amber_text)
            for i, t in enumerate(lines):
                p.drawText(
                    QRectF(x, rect.top() + i * fm.height(), w, fm.height()),
                    Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                    t,
                )
            self._place("evidence", rect, text, row=span.row0, lane=span.lane, owner=span)
            return

    def _paint_wake(self, p: QPainter, span: BlockedSpan, now: float, tags: list[StateTag]) -> None:
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
        failed = box.ok is False and not box.expected
        # where a blocked call returned is amber; one not seen blocked is an ordinary box
        edge = pal.amber if span.asleep else pal.actor(box.lane)
        fill = pal.amber_light if span.asleep else pal.wash(edge, pal.box_wash)
        pen = QPen(pal.red if failed else edge, 2.2 * self._lw())
        if box.ok is False and box.expected:
            pen.setStyle(Qt.PenStyle.DashLine)
        p.setPen(pen)
        p.setBrush(pal.red_light if failed else fill)
        p.drawRoundedRect(r, 7, 7)
        self._place("box", r, box.label, row=span.row1, lane=span.lane, owner=box)
        never = never_returned(box)
        head = f"{box.op}()" if never else self.tr("{op}() returns").format(op=box.op)
        result = box.result.removeprefix("✗ ") if box.expected else box.result
        lines = self._box_lines(head, result, returned=not never)
        ink = pal.error_text if failed else pal.ink
        self._box_text(p, r, lines, tags, ink, box, span.row1, span.lane)
        p.setOpacity(1.0)

    def _paint_mark(self, p: QPainter, mark: Any, tags: list[StateTag]) -> None:
        r = self._box_rect(mark.lane, mark.row)
        signal = mark.kind == "signal"
        pal = self.colors()
        p.setPen(QPen(pal.amber if signal else pal.red, 2 * pal.weight))
        p.setBrush(pal.amber_light if signal else pal.red_light)
        p.drawRoundedRect(r, 7, 7)
        self._place("mark", r, mark.text, row=mark.row, lane=mark.lane, owner=mark)
        text = ("✗ " if mark.kind == "error" else "") + mark.text
        ink = pal.ink if signal else pal.error_text
        self._box_text(p, r, [text], tags, ink, mark, mark.row, mark.lane, size=14, bold=True)

    def _paint_lost_count(self, p: QPainter, mark: Any) -> None:
        """How many datagrams the kernel dropped, counted up to the cursor: the ✗ of each is at
        the end of its own arrow. An "unsure" count: those dropped or read unnamed, each a ?."""
        n = sum(1 for s in mark.seqs if s <= self.cursor_seq)
        if not n:
            return
        r = self._box_rect(mark.lane, mark.row)
        pal = self.colors()
        unsure = mark.kind == "unsure"  # not known to be lost: amber, as what is not over
        p.setOpacity(self._dim(mark.row))
        p.setPen(QPen(pal.amber if unsure else pal.red, 2 * pal.weight, Qt.PenStyle.DashLine))
        p.setBrush(pal.amber_light if unsure else pal.red_light)
        p.drawRoundedRect(r, 7, 7)
        self._place("mark", r, mark.text, row=mark.row, lane=mark.lane, owner=mark)
        if unsure and n == 1:
            text = self.tr("? 1 datagram: dropped, or read by recv()")
        elif unsure:
            text = self.tr("? {n} datagrams: dropped, or read by recv()").format(n=n)
        elif n == 1:
            text = self.tr("✗ 1 datagram dropped by the kernel")
        else:
            text = self.tr("✗ {n} datagrams dropped by the kernel").format(n=n)
        ink = pal.ink if unsure else pal.error_text
        self._box_text(p, r, [text], [], ink, mark, mark.row, mark.lane, 14, True)
        p.setOpacity(1.0)

    def _arrow_line(self, a: Arrow) -> QLineF:
        a = Arrow(
            a.kind, a.lane0, self._canon(a.row0), a.lane1, self._canon(a.row1), a.seq, a.label
        )
        """From the sender's box to the receiver's, or to the lifeline where a lane has no box
        on that row (a connection queued on a listener nobody is accepting on)."""
        xa, xb = self.x_of(a.lane0), self.x_of(a.lane1)
        half, bar = self.box_w() / 2, self._bar_w() / 2
        toward = 1.0 if xb > xa else -1.0
        x0 = xa + toward * (half if (a.lane0, a.row0) in self._slots else bar)
        x1 = xb - toward * (half if (a.lane1, a.row1) in self._slots else bar)
        y0, y1 = self.y_of(a.row0), self.y_of(a.row1)
        if a.kind in ("fin", "rst"):
            y0 = y1 = self.y_of(a.row0) + self.row_h * 0.3
        elif a.kind == "handshake":
            y0 += self.row_h * 0.15
            y1 -= self.row_h * 0.15
        elif a.kind in ("lost", "unsure"):
            # it never arrived: the line stops short of the receiver, where the ✗ (or ?) is
            x1 = xb - toward * (half + (abs(xb - xa) - 2 * half) * 0.25)
            y1 = y0 + self.row_h * 0.25
        return QLineF(x0, y0, x1, y1)

    def _paint_arrow(self, p: QPainter, a: Arrow, now: float) -> None:
        prog = self._progress(("a", a.seq, a.kind, a.lane0, a.row0, a.lane1), a.seq, now)
        line = self._arrow_line(a)
        same = (
            a.kind,
            a.label,
            round(line.x1()),
            round(line.y1()),
            round(line.x2()),
            round(line.y2()),
        )
        if same in self._drawn_arrows:
            return  # the same arrow again from a folded streak: one is drawn
        self._drawn_arrows.add(same)
        start = line.p1()
        tip = line.pointAt(prog)
        pal = self.colors()
        if a.kind == "data":
            pen = QPen(pal.blue, 2.6 * self._lw())
        elif a.kind in ("dgram", "lost", "unsure"):
            pen = QPen(pal.blue, 2.6 * self._lw(), Qt.PenStyle.DashLine)
        elif a.kind == "kill":
            pen = QPen(pal.red, 2.4 * self._lw(), Qt.PenStyle.DashDotLine)
        elif a.kind in ("wake", "woke"):
            pen = QPen(pal.amber, 2.0 * self._lw(), Qt.PenStyle.DotLine)
        elif a.kind == "rst":
            pen = QPen(pal.red, 2.2 * self._lw(), Qt.PenStyle.DashLine)
        else:
            pen = QPen(pal.grey, 2.0 * self._lw(), Qt.PenStyle.DashLine)
        gone = a.kind in ("lost", "unsure")
        p.setOpacity(self._dim(max(a.row0, a.row1)) if gone else 1.0)
        p.setPen(pen)
        p.drawLine(start, tip)
        drawn = QLineF(start, tip)
        origin = (a.lane0, a.row0, a.kind)
        self._fans[origin] = self._fans.get(origin, 0) + 1
        self._place("arrow", QRectF(start, tip).normalized(), a.label, line=drawn, owner=a)
        if gone:
            if prog >= 1.0:
                self._crosses.append((tip, a.kind == "unsure"))
        else:
            self._arrowhead(p, start, tip, pen.color())
        p.setOpacity(1.0)
        if prog >= 1.0 and a.label:
            self._label_jobs.append((a, line, pen))

    def _cross(self, p: QPainter, at: QPointF, color: QColor) -> None:
        """A dropped packet's ✗, as Packet Tracer marks a dropped PDU."""
        s = 7 * self._lw()
        p.setPen(QPen(color, 3.2 * self._lw(), Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        p.drawLine(QPointF(at.x() - s, at.y() - s), QPointF(at.x() + s, at.y() + s))
        p.drawLine(QPointF(at.x() - s, at.y() + s), QPointF(at.x() + s, at.y() - s))
        self._place("lost-x", QRectF(at.x() - s, at.y() - s, 2 * s, 2 * s))

    def _question(self, p: QPainter, at: QPointF, color: QColor) -> None:
        """Where a datagram that may have been read after all ends: dropped, or the one a
        receive that did not say its source read. A ? in the ✗'s place, in amber: not known."""
        s = 10 * self._lw()
        box = QRectF(at.x() - s, at.y() - s, 2 * s, 2 * s)
        p.setPen(QPen(color))
        p.setFont(self._font(22, bold=True))
        p.drawText(box, Qt.AlignmentFlag.AlignCenter, "?")
        self._place("lost-x", box)

    def _paint_arrow_label(self, p: QPainter, a: Arrow, line: QLineF, pen: QPen) -> None:
        font = self._font(12.5, bold=a.kind in ("data", "dgram"))
        fm = QFontMetricsF(font)
        text = a.label
        tw = fm.horizontalAdvance(text) + 10
        x0, y0, x1, y1 = line.x1(), line.y1(), line.x2(), line.y2()
        # the label stays in the gap between the two lifelines' boxes, never over a box: a
        # narrow gap (lecture mode, many actors) shortens the text rather than hide a call
        lo, hi = min(x0, x1) + 4, max(x0, x1) - 4
        if hi - lo > 40 and tw > hi - lo:
            text = fm.elidedText(text, Qt.TextElideMode.ElideRight, hi - lo - 10)
            tw = fm.horizontalAdvance(text) + 10
        # a fan of arrows from one send: the arrows part near their receivers, so do the labels
        fan = self._fans.get((a.lane0, a.row0, a.kind), 0) > 1
        if fan:
            ts: tuple[float, ...] = (0.78, 0.88, 0.68, 0.58)
        elif a.kind in ("data", "dgram"):
            ts = (0.35, 0.5, 0.65, 0.2, 0.8, 0.1, 0.9)
        else:
            ts = (0.5, 0.35, 0.65, 0.2, 0.8, 0.1, 0.9)
        h = fm.height() + 2
        places: list[tuple[QRectF, str]] = []
        if text != a.label:
            # too long for the gap between the boxes: whole, in the gap between two rows
            full = fm.horizontalAdvance(a.label) + 10
            for t in (0.5, 0.35, 0.65):
                mx, my = x0 + (x1 - x0) * t, y0 + (y1 - y0) * t
                k = math.floor((my - self._top()) / self.row_h)
                for gap_y in (self._top() + k * self.row_h, self._top() + (k + 1) * self.row_h):
                    places.append((QRectF(mx - full / 2, gap_y - h / 2, full, h), a.label))
        for r, shown in places:
            if self._free(r, a):
                self._draw_arrow_label(p, a, r, a.label, shown, font, pen)
                return
        for t in ts:
            mx, my = x0 + (x1 - x0) * t, y0 + (y1 - y0) * t
            if hi - lo > 40:
                mx = min(max(mx, lo + tw / 2), hi - tw / 2)
            for top in (my - h - 1, my + 1):
                r = QRectF(mx - tw / 2, top, tw, h)
                if self._free(r, a):
                    self._draw_arrow_label(p, a, r, a.label, text, font, pen)
                    return

    def _draw_arrow_label(
        self, p: QPainter, a: Arrow, r: QRectF, text: str, shown: str, font: QFont, pen: QPen
    ) -> None:
        self._place("arrow-label", r, text, shown, owner=a)
        pal = self.colors()
        p.setFont(font)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(pal.label_bg)
        p.drawRoundedRect(r, 4, 4)
        # amber is a fill colour: the words of a wake arrow take the darker amber of text
        p.setPen(pal.amber_text if a.kind in ("wake", "woke") else pen.color())
        p.drawText(r, Qt.AlignmentFlag.AlignCenter, shown)

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
        if self._placed_key != self._frame_key():
            # packets are found where the last paint drew them: a click that comes before the
            # paint of a scroll (a busy machine, or a test that scrolls and clicks at once)
            # must not find them where they were
            self.viewport().repaint()
        pos = (y - self._top()) / self.row_h
        if wire_view.shown(self):
            packet = wire_view.hit(self, x, y)
            if packet is not None:
                return ("packet", packet)
            row = self._row_at(pos) if pos >= 0 else -1
            if pos >= 0 and pos - self._disp(row) >= 1:
                return None  # in a band of packets, between them
        else:
            d = math.floor(pos)
            row = self._model_row(d) if d >= 0 else d
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
                    text += "\n" + self.tr("lesson line {n}").format(n=box.line)
                if self.fold_of(box.row) is not None:
                    text += "\n" + self.tr(
                        "identical calls, folded: click or press Enter to unfold"
                    )
                QToolTip.showText(e.globalPos(), text, self.viewport())
            elif hit is not None:
                QToolTip.showText(e.globalPos(), self.tooltip_for(hit), self.viewport())
            elif (words := self.elided_mark_at(pos.x(), pos.y())) is not None:
                # an error cut short on the diagram (a program that cannot be traced here, and
                # why): its whole sentence
                QToolTip.showText(e.globalPos(), words, self.viewport())
            else:
                QToolTip.hideText()
            return True
        return super().viewportEvent(e)

    def elided_mark_at(self, x: float, y: float) -> str | None:
        """The whole words of the mark (an error, a signal) drawn at (x, y), when the picture
        had to cut them short."""
        for placed in self.placed:
            if placed.kind == "mark" and placed.rect.contains(x, y):
                mark = placed.owner
                if any(t.kind == "text" and t.owner is mark and t.elided for t in self.placed):
                    return str(mark.text)
        return None

    def tooltip_for(self, hit: tuple[str, Any]) -> str:
        """The tooltip of a ghost or a packet (a box's is its call and result)."""
        if hit[0] == "packet":
            boxes = self.layout_model.boxes
            calls = {b.seq: b.call for b in boxes if b.call is not None}
            return wire_view.tooltip(hit[1], calls)
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
        elif kind == "packet":
            self.selected_packet = item
            self.viewport().update()
            self.packetClicked.emit(item)
        else:
            if self.fold_of(item.row) is not None:
                self.toggle_fold(item.row)  # a folded streak opens where it is clicked
            self.select(item)
            self.boxClicked.emit(item)

    def select(self, box: Box | None) -> None:
        self.selected = box
        self.selected_packet = None
        self.viewport().update()
