"""HexView: offset, hex and ASCII of a byte string, painting only the visible rows.

Boundaries between the sends that made a stream are marked by alternating backgrounds, and the
range of the selected call is outlined, so "two sends, one recv" can be seen in the bytes.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRectF, Qt
from PySide6.QtGui import QFont, QFontMetricsF, QPainter, QPaintEvent, QPen, QResizeEvent
from PySide6.QtWidgets import QAbstractScrollArea, QWidget

from socketscope.ui import theme

ROW_CHOICES = (16, 8, 4)


class HexView(QAbstractScrollArea):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data = b""
        self.segments: list[tuple[int, int]] = []  # [start, end) of each send, offsets in data
        self.highlight: tuple[int, int] | None = None
        self.base_offset = 0  # stream offset of data[0]
        self.placeholder = ""
        self.font_px = 13
        self.per_row = 16
        self.setMinimumHeight(90)

    def set_bytes(
        self,
        data: bytes,
        segments: list[tuple[int, int]] | None = None,
        highlight: tuple[int, int] | None = None,
        base_offset: int = 0,
        placeholder: str = "",
    ) -> None:
        self.data = data
        self.segments = segments or []
        self.highlight = highlight
        self.base_offset = base_offset
        self.placeholder = placeholder
        self._update_scroll()
        if highlight is not None:
            row = (highlight[0] - base_offset) // self.per_row
            self.verticalScrollBar().setValue(max(0, row - 1))
        self.viewport().update()

    def _mono(self) -> QFont:
        f = QFont("DejaVu Sans Mono")
        f.setPixelSize(self.font_px)
        return f

    def _line_h(self) -> float:
        return QFontMetricsF(self._mono()).height() + 2

    def _rows(self) -> int:
        return (len(self.data) + self.per_row - 1) // self.per_row

    def _fit_columns(self) -> None:
        # 16 bytes a row when they fit with their ASCII column, else 8 or 4: never clip
        cw = QFontMetricsF(self._mono()).horizontalAdvance("0")
        for n in ROW_CHOICES:
            if 6 + cw * 7 + cw * (n * 3 + 1) + cw * n + 8 <= self.viewport().width():
                self.per_row = n
                return
        self.per_row = ROW_CHOICES[-1]

    def _update_scroll(self) -> None:
        self._fit_columns()
        visible = max(1, int(self.viewport().height() / self._line_h()))
        vb = self.verticalScrollBar()
        vb.setRange(0, max(0, self._rows() - visible))
        vb.setPageStep(visible)

    def resizeEvent(self, e: QResizeEvent) -> None:
        super().resizeEvent(e)
        self._update_scroll()

    def changeEvent(self, e: QEvent) -> None:
        super().changeEvent(e)
        if e.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self.viewport().update()  # a theme switch

    def _segment_of(self, i: int) -> int | None:
        for n, (a, b) in enumerate(self.segments):
            if a <= i < b:
                return n
        return None

    def paintEvent(self, e: QPaintEvent) -> None:
        p = QPainter(self.viewport())
        pal = theme.current()
        p.fillRect(self.viewport().rect(), pal.paper)
        p.setFont(self._mono())
        fm = QFontMetricsF(p.font())
        lh = self._line_h()
        cw = fm.horizontalAdvance("0")
        if not self.data:
            p.setPen(pal.grey)
            p.drawText(
                self.viewport().rect().adjusted(8, 4, -8, -4),
                Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap,
                self.placeholder,
            )
            p.end()
            return
        first = self.verticalScrollBar().value()
        visible = int(self.viewport().height() / lh) + 1
        off_w = cw * 7
        hex_x = 6 + off_w
        asc_x = hex_x + cw * (self.per_row * 3 + 1)
        for r in range(first, min(self._rows(), first + visible)):
            y = (r - first) * lh + 2
            p.setPen(pal.grey)
            p.drawText(
                QRectF(6, y, off_w, lh),
                Qt.AlignmentFlag.AlignVCenter,
                f"{self.base_offset + r * self.per_row:06x}",
            )
            for c in range(self.per_row):
                i = r * self.per_row + c
                if i >= len(self.data):
                    break
                seg = self._segment_of(i)
                hx = QRectF(hex_x + c * 3 * cw, y, cw * 2.6, lh)
                ax = QRectF(asc_x + c * cw, y, cw, lh)
                if seg is not None:
                    p.fillRect(hx, pal.hex_segments[seg % 2])
                    p.fillRect(ax, pal.hex_segments[seg % 2])
                hl = self.highlight
                if hl is not None and hl[0] <= self.base_offset + i < hl[1]:
                    p.setPen(QPen(pal.ink, 1.5 * pal.weight))
                    p.drawRect(hx.adjusted(0, 1, 0, -1))
                b = self.data[i]
                p.setPen(pal.ink)
                p.drawText(hx, Qt.AlignmentFlag.AlignCenter, f"{b:02x}")
                p.drawText(ax, Qt.AlignmentFlag.AlignCenter, chr(b) if 32 <= b < 127 else "·")
        p.end()
