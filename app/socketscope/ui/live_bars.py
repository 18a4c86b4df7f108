"""The blocked bars of a live run, kept growing without repainting the whole diagram.

While calls stay blocked and nothing else happens, the only things on the diagram that change
are each blocked bar's growing end and its clock ("blocked 2.3 s"). A whole frame of a busy
diagram costs tens of milliseconds of the GUI thread; at the animation timer's 60 Hz that left
the event loop almost no time to answer (tests/test_window.py). So the diagram paints a whole
frame into an image, keeps it with what lies under each live clock, and in between repaints
only those small rectangles, at the clock's own resolution (a tenth of a second): the cached
frame, the bar's new end over it, the clock's new text on what was under the old one.

A whole frame is still painted at least once a second (the clock's place follows the bar's
middle), whenever anything else asks for a repaint (the run's events, scrolling, a resize),
and when a clock's new text would not fit where the old one was.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QRegion

FULL_EVERY = 1.0  # seconds: a whole frame at least this often while only clocks change
CLOCK_STEP = 0.1  # seconds: the clock's resolution ("2.3 s"); no repaint in between


def growth(row_h: float, elapsed: float) -> float:
    """How far below its last row a live bar reaches after ``elapsed`` seconds."""
    return min(row_h * 0.6, row_h * 0.15 * math.log1p(elapsed * 4))


def clock_text(elapsed: float) -> str:
    return f"{elapsed:.1f}"


@dataclass
class LiveBar:
    """One live bar as the cached frame has it."""

    t0: float  # the span's start, trace time
    x: float  # the bar's left edge, viewport coordinates
    w: float
    y_base: float  # where its end is before the clock's growth
    y1: float  # where its end was in the cached frame
    color: QColor
    label: str = ""  # the clock's text pattern, "{seconds}" for the seconds
    shown: str = ""  # the seconds the cached frame shows
    rect: QRectF | None = None  # where the clock is drawn
    under: QImage | None = None  # the frame under the clock's rectangle, before it was drawn
    under_at: QPointF | None = None  # where ``under`` goes back (its device pixels' corner)
    font: QFont | None = None
    pen: QColor | None = None


@dataclass
class LiveBars:
    """The cached frame and its live bars; see the module's doc."""

    image: QImage | None = None
    key: tuple[Any, ...] = ()
    bars: dict[int, LiveBar] = field(default_factory=dict)  # by id of the span
    painted_at: float = 0.0  # monotonic time of the last whole frame
    clip_top: float = 0.0  # the lane header's bottom: nothing of a bar is drawn above it
    row_h: float = 1.0
    ratio: float = 1.0  # device pixels per logical pixel of the cached image

    def forget(self) -> None:
        self.image = None
        self.bars = {}

    # --- while a whole frame is painted -----------------------------------------------------
    def start(self, image: QImage, key: tuple[Any, ...], clip_top: float, row_h: float) -> None:
        self.image, self.key, self.bars = image, key, {}
        self.painted_at = time.monotonic()
        self.clip_top, self.row_h = clip_top, row_h
        self.ratio = image.devicePixelRatio()

    def bar(self, span: Any, bar: LiveBar) -> None:
        if self.image is not None:
            self.bars[id(span)] = bar

    def clock_at(self, span: Any, rect: QRectF, font: QFont, pen: QColor) -> None:
        """The clock of a live bar is about to be drawn at ``rect``: keep what is under it."""
        b = self.bars.get(id(span))
        if b is None or self.image is None:
            return
        r = self._device(rect)
        b.rect = QRectF(rect)
        b.under = self.image.copy(r)
        b.under_at = QPointF(r.left() / self.ratio, r.top() / self.ratio)
        b.font, b.pen = font, pen

    def _device(self, rect: QRectF) -> QRect:
        k = self.ratio
        return QRect(
            math.floor(rect.left() * k),
            math.floor(rect.top() * k),
            math.ceil(rect.width() * k) + 1,
            math.ceil(rect.height() * k) + 1,
        )

    # --- between whole frames -----------------------------------------------------------------
    def due(self, now_trace: float, key: tuple[Any, ...], fits: Any) -> QRegion | bool | None:
        """What the next tick must repaint: a region (only clocks and bar ends changed), True (a
        whole frame), or None (nothing visible changed). ``fits(bar, text)``: the clock's new
        text fits its old rectangle."""
        if self.image is None or key != self.key or not self.bars:
            return True
        if time.monotonic() - self.painted_at >= FULL_EVERY:
            return True
        region = QRegion()
        for b in self.bars.values():
            elapsed = max(0.0, now_trace - b.t0)
            if b.rect is not None and clock_text(elapsed) != b.shown:
                if not fits(b, b.label.format(seconds=clock_text(elapsed))):
                    return True
                region += b.rect.toAlignedRect().adjusted(-1, -1, 1, 1)
            y1 = b.y_base + growth(self.row_h, elapsed)
            if y1 - b.y1 >= 0.5:
                region += QRectF(b.x - 1, b.y1 - 8, b.w + 2, y1 - b.y1 + 10).toAlignedRect()
        return region if not region.isEmpty() else None

    def paint(self, p: QPainter, now_trace: float) -> None:
        """The cached frame, each bar's end and clock as they are now."""
        assert self.image is not None
        p.drawImage(0, 0, self.image)
        p.setClipRect(QRectF(0, self.clip_top, 1e6, 1e6))
        for b in self.bars.values():
            elapsed = max(0.0, now_trace - b.t0)
            y1 = b.y_base + growth(self.row_h, elapsed)
            if y1 > b.y1:
                # from inside the old bar, so its rounded top corners fall on amber
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(b.color)
                top = b.y1 - 8
                p.drawRoundedRect(QRectF(b.x, top, b.w, y1 - top), 4, 4)
            if b.rect is not None and b.under is not None and b.font is not None:
                p.drawImage(b.under_at or b.rect.topLeft(), b.under)
                p.setFont(b.font)
                p.setPen(b.pen if b.pen is not None else QColor())
                p.drawText(
                    b.rect,
                    Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                    b.label.format(seconds=clock_text(elapsed)),
                )
        p.setClipping(False)
