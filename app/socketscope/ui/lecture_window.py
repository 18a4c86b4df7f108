"""Lecture mode's Qt side: the ``LectureView`` (ui/lecture.py) on the window's widgets.

The controller decides (which scale, which panels, when to blank); this view carries it out on
the fonts, the docks, the diagram and the window's geometry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QApplication, QDockWidget, QWidget

from socketscope.ui import docks
from socketscope.ui.lecture import status_lines

if TYPE_CHECKING:
    from socketscope.ui.mainwindow import MainWindow


class QtLectureView:
    def __init__(self, w: MainWindow) -> None:
        self.w = w
        self._normal_geometry: QByteArray | None = None
        self._base_font = QFont(QApplication.font())
        self._scaled: set[QWidget] = set()  # widgets whose font lecture mode set
        self.scale = 1.0  # applied last
        self.blank = QWidget(w)
        self.blank.setStyleSheet("background: black")
        self.blank.hide()

    def _docks(self) -> dict[str, QDockWidget]:
        w = self.w
        return {
            "inspector": w.inspector_dock,
            "sockets": w.table_dock,
            "lesson": w.lesson_dock,
            "console": w.console_dock,
        }

    # --- LectureView ----------------------------------------------------------------------------
    def shown_panels(self) -> list[str]:
        return [name for name, d in self._docks().items() if d.isVisibleTo(self.w)]

    def show_panels(self, names: list[str], shown: bool) -> None:
        docks = self._docks()
        for name in names:
            docks[name].setVisible(shown)

    def blanked(self) -> bool:
        return self.blank.isVisible()

    def set_blank(self, on: bool) -> None:
        if on:
            self.blank.setGeometry(self.w.rect())
            self.blank.show()
            self.blank.raise_()
        else:
            self.blank.hide()

    def pause(self) -> None:
        self.w.session.pause()

    def save_presenter_scale(self, scale: float) -> None:
        self.w.settings.set("presenter_scale", scale)

    def screen_factor(self) -> float:
        return min(1.0, self.w.width() / 1920, self.w.height() / 1080)

    def diagram_zoom(self) -> float:
        return self.w.diagram.zoom

    def set_diagram_zoom(self, zoom: float) -> None:
        self.w.diagram.set_zoom(zoom)

    def diagram_rows(self) -> int:
        s = self.w.session
        return s.layout.rows_at(s.cursor_seq)

    def zoom_to_fit(self) -> float:
        d = self.w.diagram
        before = d.zoom
        d.zoom_fit()
        fit, d.zoom = d.zoom, before
        return fit

    def enter_full_screen(self, on: bool, full_screen: bool) -> None:
        w = self.w
        w.act_lecture.setChecked(on)
        w.diagram.spotlight = on  # the spotlight is on the newest call
        w.apply_theme()  # a washed-out projector needs the high-contrast theme
        if on:
            self._normal_geometry = w.saveGeometry()
            if full_screen:
                w.showFullScreen()
        else:
            w.showNormal()
            if self._normal_geometry is not None:
                w.restoreGeometry(self._normal_geometry)
        docks.fit_right(w)

    def apply_scale(self, scale: float, lecture: bool) -> None:
        """Every font, line and control together, not only the diagram."""
        w = self.w
        self.scale = scale
        app = QApplication.instance()
        f = QFont(self._base_font)
        if isinstance(app, QApplication):
            f.setPointSizeF(self._base_font.pointSizeF() * scale)
            f.setBold(False)  # explicit, so a bold dock title (below) is not inherited
            app.setFont(f)
            w.setFont(f)
            for child in w.findChildren(QWidget):
                # widgets with a font of their own (code, hex, C call) are scaled by their owner;
                # giving them the app font would lose their monospace
                if not child.testAttribute(Qt.WidgetAttribute.WA_SetFont) or child in self._scaled:
                    child.setFont(f)
                    self._scaled.add(child)
            if scale != 1.0:
                # QDockWidget paints its title in the platform's small title font whenever its
                # own font equals the application's: a bold title is the dock's own, so it scales
                title = QFont(f)
                title.setBold(True)
                for dock in self._docks().values():
                    dock.setFont(title)
        else:
            f = QFont(w.font())
        d = w.diagram
        d.font_scale = scale
        d.line_scale = 1.5 if lecture else 1.0
        d.lecture = lecture
        self.scale_panels()
        w.lesson.set_scale(scale)
        sf = QFont(f)
        sf.setPointSizeF(sf.pointSizeF() * 1.3)
        w.status_label.setFont(sf)
        w.status_label.setWordWrap(lecture)
        lines = status_lines(lecture)
        w.status_label.setMaximumHeight(QFontMetrics(sf).lineSpacing() * lines + 6)
        d._update_scroll()
        d.viewport().update()

    def scale_panels(self) -> None:
        """The inspector's byte views and the programs' consoles at the scale (once the panels
        are made: ui/docks.py); their fonts are their own (monospace)."""
        console = self.w.panels_if_built("console")
        if console is not None:
            console.set_scale(self.scale)
        inspector = self.w.panels_if_built("inspector")
        if inspector is None:
            return
        for hv in (inspector.call_hex, inspector.stream_hex):
            hv.font_px = round(13 * self.scale)
            hv._update_scroll()
