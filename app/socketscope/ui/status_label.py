"""The status line's label: one line in the normal window, cut short with "…" where it does not
fit (the whole sentence in its tooltip) instead of mid-word at the window's edge; lecture mode
lets it wrap onto a second line (ui/lecture_window.py)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import QLabel


class StatusLabel(QLabel):
    def setText(self, text: str) -> None:
        super().setText(text)
        self._tip()

    def resizeEvent(self, e: QResizeEvent) -> None:
        super().resizeEvent(e)
        self._tip()

    def shown_text(self) -> str:
        """The text as painted: whole, or cut short with "…"."""
        if self.wordWrap():
            return self.text()
        width = self.contentsRect().width()
        return self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, width)

    def _tip(self) -> None:
        self.setToolTip(self.text() if self.shown_text() != self.text() else "")

    def paintEvent(self, e: QPaintEvent) -> None:
        if self.wordWrap():
            super().paintEvent(e)
            return
        p = QPainter(self)
        p.setPen(self.palette().color(self.foregroundRole()))
        p.setFont(self.font())
        align = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        p.drawText(self.contentsRect(), align, self.shown_text())
