"""MainWindow: the diagram in the centre, the socket inspector and table on the right,
controls on the toolbar, and a status bar that says in plain words what is happening.

The window wires widgets to controllers that are handed a view (the Mu pattern): selection
(ui/selection.py), study mode (ui/study.py), lecture mode (ui/lecture.py, its Qt side in
ui/lecture_window.py) and files (ui/files.py). The actions, toolbar and menus come from a table
(ui/actions.py); the docks are made empty before the first paint and filled after it
(ui/docks.py), so that the first picture comes soon (issue 11)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QByteArray, QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QFont, QResizeEvent, QShowEvent
from PySide6.QtWidgets import QLabel, QMainWindow, QPushButton

from socketscope.model.diagram import Box
from socketscope.model.state import LineIndex
from socketscope.ui import actions, docks, i18n, theme
from socketscope.ui.diagram_view import SequenceDiagram
from socketscope.ui.files import FilesController, QtFilesView
from socketscope.ui.first_paint import FirstPaint, after_first_paint
from socketscope.ui.i18n import LANGUAGES
from socketscope.ui.lecture import DEFAULT_PRESENTER_SCALE, LectureController
from socketscope.ui.lecture_window import QtLectureView
from socketscope.ui.lesson_panel import LessonPanel
from socketscope.ui.lesson_view import show_lesson
from socketscope.ui.selection import SelectionController, Shown
from socketscope.ui.session import Session
from socketscope.ui.settings import Settings
from socketscope.ui.status import status_line
from socketscope.ui.status_label import StatusLabel
from socketscope.ui.study_mode import StudyMode

if TYPE_CHECKING:
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import (
        QComboBox,
        QDockWidget,
        QMenu,
        QSlider,
        QTableView,
        QToolBar,
        QToolButton,
    )

    from socketscope.engine.scenario import Scenario
    from socketscope.ui.console import ConsolePanel
    from socketscope.ui.inspector import SocketInspector
    from socketscope.ui.network_panel import NetworkPanel
    from socketscope.ui.sockets_table import SocketTableModel
    from socketscope.ui.study import StudyController
    from socketscope.ui.wire_panel import WireControls

__all__ = ["DEFAULT_PRESENTER_SCALE", "MainWindow"]
STATE_VERSION = 2  # of the dock layout saved in the settings; a new layout bumps it


class MainWindow(QMainWindow):
    # the first picture is on screen and what it did not need is made (ui/first_paint.py)
    ready = Signal()
    # made by ui/actions.py and ui/docks.py (the attributes the window wires)
    act_run: QAction
    act_step: QAction
    act_back: QAction
    act_reset: QAction
    act_study: QAction
    act_lecture: QAction
    act_reset_layout: QAction
    act_theme: dict[str, QAction]
    act_language: dict[str, QAction]
    act_export: dict[str, QAction]
    act_step_actor: list[QAction]
    speed: QSlider
    speed_label: QLabel
    scrubber: QSlider
    timeline_label: QLabel
    position: QLabel
    language: QComboBox
    network_button: QToolButton
    toolbar: QToolBar
    file_menu: QMenu
    export_menu: QMenu
    scenario_menu: QMenu
    view_menu: QMenu
    panels_menu: QMenu
    theme_menu: QMenu
    language_menu: QMenu
    submenus: dict[str, QMenu]
    lesson_actions: list[tuple[QAction, Scenario]]
    lesson_groups: dict[str, QMenu]
    packets_slot: list[QAction]
    released_slot: list[QAction]
    inspector_dock: QDockWidget
    table_dock: QDockWidget
    lesson_dock: QDockWidget
    console_dock: QDockWidget
    # made after the first paint (ui/docks.py), or when first asked for (__getattr__)
    _panels_built: bool
    inspector: SocketInspector
    table_model: SocketTableModel
    table: QTableView
    console: ConsolePanel
    network_panel: NetworkPanel
    wire: WireControls

    def __init__(self, session: Session | None = None) -> None:
        super().__init__()
        self._constructing = True  # the panels are filled once, at the end
        self.closed = False
        self.session = session or Session(self)
        self._fit_screen(1600, 950)
        self.diagram = SequenceDiagram()
        self.lesson = LessonPanel()
        self.lang = "en"
        self._language_installed = False
        self.setCentralWidget(self.diagram)
        docks.make(self)
        self._laid_out = False  # the default layout is sized to the window when first shown
        self.status_label = StatusLabel()
        f = QFont(self.font())
        f.setPointSizeF(f.pointSizeF() * 1.3)
        self.status_label.setFont(f)
        self.statusBar().addWidget(self.status_label, 1)
        self.reset_button = QPushButton()
        self.reset_button.setObjectName("crash-reset")
        self.reset_button.hide()
        self.statusBar().addPermanentWidget(self.reset_button)
        self._message_timer = QTimer(self)
        self._message_timer.setSingleShot(True)
        self._message_timer.timeout.connect(self._update_status)
        self._panels_timer = QTimer(self)
        self._panels_timer.setSingleShot(True)
        self._panels_timer.setInterval(60)
        self._panels_timer.timeout.connect(self._update_panels)
        self.settings = Settings()
        self.selection = SelectionController(self.session, self)
        self.lecture_view = QtLectureView(self)
        presenter_scale = float(self.settings.get("presenter_scale"))
        self.lecture_ctl = LectureController(self.lecture_view, presenter_scale)
        self.persist = True  # screenshots and self-tests leave the user's settings alone
        # study mode is made when first used, or after the first paint (start-up speed)
        self.study_mode = StudyMode(self)
        self.files = FilesController(
            self.session,
            self.settings,
            QtFilesView(self, self.say, self._export_visible, self._export_scale),
        )
        self._shown_trace: object = None
        self._lines = LineIndex()  # each actor's current line in the code, at the cursor
        self._shown_layout: object = None
        self._mode = "pause"
        actions.build_actions(self)
        self.toolbar = actions.build_toolbar(self)
        actions.build_menus(self)
        self.speed.setValue(int(self.settings.get("speed")))
        self._default_state = self.saveState(STATE_VERSION)
        geometry = self.settings.get("geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        state = self.settings.get("state")
        if isinstance(state, QByteArray) and not state.isEmpty():
            self._laid_out = self.restoreState(state, STATE_VERSION)
        self.set_language(self.settings.language())
        self.theme_name = "system"
        self.set_theme(str(self.settings.get("theme")))
        self.retranslate()
        self.session.changed.connect(self._on_changed)
        self.session.changed.connect(self.study_mode.on_changed)
        self.session.runFinished.connect(self.study_mode.on_finished)
        self.session.message.connect(self.say)
        self.session.modeChanged.connect(self.on_mode)
        self.session.loaded.connect(lambda: docks.show_console(self))
        self.diagram.boxClicked.connect(self._on_box)
        clicked = self.diagram.packetClicked
        clicked.connect(lambda ev: docks.click_before_panels(self, clicked, ev))
        self.diagram.ghostClicked.connect(self.study_mode.step)
        self.reset_button.clicked.connect(self.session.reset)
        # True once ``ready`` has been sent: a test or a caller that comes later cannot wait for
        # the signal itself (on a loaded machine it can come after a whole run has ended)
        self.is_ready = False
        self.ready.connect(lambda: setattr(self, "is_ready", True))
        self._first_paint = FirstPaint(self, lambda: after_first_paint(self))
        self._constructing = False
        self._update_panels()

    def __getattr__(self, name: str) -> Any:
        """A panel made after the first paint, asked for sooner: all of them are made now."""
        if name in docks.DEFERRED and not self.__dict__.get("_panels_built"):
            docks.fill(self)
            return getattr(self, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def panels_if_built(self, name: str) -> Any:
        return self.__dict__.get(name)

    def _fit_screen(self, width: int, height: int) -> None:
        """First start: the window's size, but never larger than the screen's free area (a
        1080p panel under a title bar has less than 1080 px), and centred on it."""
        avail = self.screen().availableGeometry()
        # the window manager's frame is unknown before the first show: leave it room
        w = min(width, avail.width() - 16)
        h = min(height, avail.height() - 48)
        self.resize(w, h)
        self.move(avail.x() + (avail.width() - w) // 2, avail.y() + (avail.height() - h - 32) // 2)

    def reset_layout(self) -> None:
        docks.reset_layout(self, self._default_state, STATE_VERSION)

    def showEvent(self, e: QShowEvent) -> None:
        super().showEvent(e)
        if not self._laid_out:
            self._laid_out = True
            docks.size(self)

    def apply_weather(self, weather: dict[str, float] | None) -> None:
        """The network panel's choice: kept for every later run of a two-host lesson, and the
        current one restarted with it (a link is built before a run's first call)."""
        self.network_panel.hide()
        self.session.weather = weather
        if self.session.scenario is not None and self.session.scenario.network is not None:
            self.session.reset()

    def retranslate(self) -> None:
        """Every text of the window's chrome, in the language now installed."""
        actions.retranslate(self)
        self.on_mode(self._mode)
        self.reset_button.setText(self.tr("⟲ Reset"))
        self.inspector_dock.setWindowTitle(self.tr("Socket inspector"))
        self.table_dock.setWindowTitle(self.tr("Sockets"))
        self.lesson_dock.setWindowTitle(self.tr("Code and explanation"))
        self.console_dock.setWindowTitle(self.tr("Program console"))
        if (model := self.panels_if_built("table_model")) is not None:
            model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, model.columnCount() - 1)
        if (panel := self.panels_if_built("network_panel")) is not None:
            panel.retranslate()
        self._on_changed()
        self._update_panels()

    def changeEvent(self, e: QEvent) -> None:
        if e.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(e)

    # --- lecture mode and zoom: LectureController with the window's QtLectureView -------------
    @property
    def lecture(self) -> bool:
        return self.lecture_ctl.on

    @property
    def presenter_scale(self) -> float:
        return self.lecture_ctl.presenter_scale

    def set_presenter_scale(self, scale: float) -> None:
        self.lecture_ctl.set_presenter_scale(scale)

    def set_lecture(self, on: bool, full_screen: bool = True) -> None:
        self.lecture_ctl.set_lecture(on, full_screen)
        self._fit_docks_to_scale()

    def toggle_lecture(self) -> None:
        self.set_lecture(not self.lecture)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.lecture_ctl.screen_changed():
            self._fit_docks_to_scale()

    def _fit_docks_to_scale(self) -> None:
        docks.fit_right(self)  # the fonts changed what the inspector needs
        self._update_panels()

    def apply_settings(self) -> None:
        """Take up the saved preferences now, without a restart."""
        self.speed.setValue(int(self.settings.get("speed")))
        self.lecture_ctl.presenter_scale = float(self.settings.get("presenter_scale"))
        if self.lecture:
            self.lecture_view.apply_scale(self.presenter_scale, True)
        self.set_language(self.settings.language())
        self.set_theme(str(self.settings.get("theme")))

    # --- study mode (ui/study_mode.py) and the controls ----------------------------------------
    @property
    def study(self) -> bool:
        return self.study_mode.enabled

    @property
    def study_ctl(self) -> StudyController:
        return self.study_mode.controller

    @property
    def _study_ctl(self) -> StudyController | None:
        return self.study_mode.ctl

    @property
    def verdict(self) -> QLabel:
        """Right or wrong, beside the call on the diagram."""
        self.study_mode.controller  # noqa: B018 - makes the view with its controller
        assert self.study_mode.view is not None
        return self.study_mode.view.verdict

    def toggle_study(self) -> None:
        self.set_study(not self.study)

    def set_study(self, on: bool) -> None:
        self.study_mode.set_enabled(on)

    def on_speed(self, v: int) -> None:
        self.session.set_speed(v)
        # the speed setting scales the animation too
        self.diagram.anim_seconds = 0.15 + 0.5 * (1 - v / 100)

    def on_scrub(self, v: int) -> None:
        if v != self.session.cursor:
            self.session.pause()
            self.session.seek(v)

    # --- files: the FilesController does the work, with Qt's dialogs (ui/files.py) ------------
    def open_scenario_file(self, path: str) -> bool:
        return self.files.open_scenario_file(path)

    def open_trace_file(self, path: str) -> bool:
        return self.files.open_trace_file(path)

    def export_dialog(self, fmt: str) -> None:
        self.files.export(fmt)

    def export_to(self, fmt: str, path: str) -> bool:
        return self.files.export_to(fmt, path)

    def save_trace_dialog(self, with_cursor: bool = False) -> None:
        self.files.save_trace(with_cursor)

    def _export_visible(self, path: str) -> None:
        from socketscope.ui import export

        export.export_visible(self.diagram, path)

    def _export_scale(self) -> float:
        return self.presenter_scale if self.lecture else 1.0

    # --- refresh ---------------------------------------------------------------------------------
    def _relayout(self) -> None:
        """The same run drawn again in the new language: no animation, same place, same call."""
        d = self.diagram
        scroll, follow = d.verticalScrollBar().value(), d.follow
        sel = self.selection
        selected = sel.box.seq if sel.box is not None else None
        sock = sel.sock
        self.session.relayout()  # emits changed: _on_changed takes up the new layout
        d.jump(self.session.cursor_seq)
        d.follow = follow
        d.verticalScrollBar().setValue(scroll)
        if selected is not None:
            sel.box = next((b for b in self.session.layout.boxes if b.seq == selected), None)
            d.select(sel.box)
        sel.sock = sock

    def _on_changed(self) -> None:
        s = self.session
        new_visit = self._shown_trace is not s.trace
        if new_visit:
            self._shown_trace = s.trace
            if self.study_mode.view is not None:
                self.study_mode.view.verdict.hide()  # a new lesson or Reset: a new visit
        if self._shown_layout is not s.layout:
            self._shown_layout = s.layout
            self.diagram.set_layout(s.layout)
            self.diagram.clock = s.trace_time
            self.diagram.follow = True
            self.selection.forget()
        if new_visit:
            self.lecture_ctl.new_lesson()
        self.diagram.refresh(s.cursor_seq, live=s.live and s.at_end)
        self.scrubber.blockSignals(True)
        self.scrubber.setRange(0, len(s.events))
        self.scrubber.setValue(s.cursor)
        self.scrubber.blockSignals(False)
        self.position.setText(f" {s.layout.rows_at(s.cursor_seq)} / {s.layout.row_count} ")
        titles = s.trace.header.get("title", {})
        title = titles.get(self.lang) or titles.get("en", "")
        sid = s.trace.header.get("scenario", "")
        replay = "  " + self.tr("[recorded trace]") if not s.live else ""
        self.setWindowTitle(f"SocketScope — {title} ({sid}){replay}")
        self.act_back.setEnabled(s.cursor > 0)
        if self.study_mode.view is not None:
            self.study_mode.view.place_verdict()
        if new_visit:
            # a new lesson's code and text come with its first picture, also the window's first
            # paint at start-up (which comes sooner than the coalescing timer, issue 11)
            self._panels_timer.stop()
            self._update_panels()
        elif not self._panels_timer.isActive():
            self._panels_timer.start()

    @property
    def panels_pending(self) -> bool:
        """The panels have a change waiting for the coalescing timer (the screenshot driver
        waits for it: they must show the picture's step)."""
        return self._panels_timer.isActive()

    def _update_panels(self) -> None:
        if self._constructing:
            return  # the language, the theme and the texts are set one after another
        self.selection.refresh()

    # the SelectionView the controller is handed
    def highlight(self, box: Box | None) -> None:
        if self.diagram.selected is not box:
            self.diagram.select(box)

    def show_selection(self, shown: Shown) -> None:
        docks.show_selection(self, shown)  # the inspector and the table, once they are made
        self._update_lesson(shown.box)
        self._update_status()

    def set_theme(self, name: str, save: bool = False) -> None:
        """The window's theme (lecture mode may show its own until it ends)."""
        if name not in theme.NAMES:
            name = "system"
        self.theme_name = name
        self.act_theme[name].setChecked(True)
        if save and self.persist:
            self.settings.set("theme", name)
        self.apply_theme()

    def apply_theme(self) -> None:
        lecture_theme = str(self.settings.get("lecture_theme"))
        if self.lecture and lecture_theme in theme.NAMES:
            theme.apply(lecture_theme)
        else:
            theme.apply(self.theme_name, startup=self._constructing)
        self.diagram.viewport().update()

    def set_language(self, lang: str, save: bool = False) -> None:
        """Switch the interface and the lessons to ``lang`` now; Qt retranslates every widget."""
        if lang not in LANGUAGES:
            lang = "en"
        changed = lang != self.lang or not self._language_installed
        self.lang = self.lesson.lang = lang
        if self.study_mode.view is not None:
            self.study_mode.view.lang = lang
        self._language_installed = True
        i = self.language.findData(lang)
        if i >= 0 and i != self.language.currentIndex():
            self.language.blockSignals(True)
            self.language.setCurrentIndex(i)
            self.language.blockSignals(False)
        self.act_language[lang].setChecked(True)
        if save and self.persist:
            self.settings.set("language", lang)
        if changed:
            problem = i18n.install(lang)  # the LanguageChange event calls retranslate()
            if problem:
                self.say(problem)
            self._relayout()  # the diagram's own words
        self._on_changed()
        self._update_panels()

    def _update_lesson(self, box: Box | None) -> None:
        show_lesson(self.lesson, self.session, self._lines, self.lang, box)

    def _update_status(self) -> None:
        text, offer_reset = status_line(self.session, self.lang)
        self.reset_button.setVisible(offer_reset)
        if offer_reset or not self._message_timer.isActive():
            # a run that cannot go on outranks a passing message
            self.status_label.setText(text)

    def say(self, text: str) -> None:
        self.status_label.setText(text)
        self._message_timer.start(4000)

    def on_mode(self, mode: str) -> None:
        self._mode = mode
        self.act_run.setText(self.tr("❚❚ Pause") if mode == "run" else self.tr("▶ Run"))
        self.act_run.setToolTip(self.tr("Run / pause (Space)"))

    def _on_box(self, box: Box) -> None:
        if not docks.click_before_panels(self, self.diagram.boxClicked, box):
            self.selection.choose_box(box)

    def on_table(self, index: object) -> None:
        row = index.row()  # type: ignore[attr-defined]
        if 0 <= row < len(self.table_model.ids):
            self.selection.choose_socket(self.table_model.ids[row])

    def closeEvent(self, e: QCloseEvent) -> None:
        self.closed = True
        if self.lecture:
            self.set_lecture(False)
        if self.persist:
            self._save_settings()
        self.diagram.stop_animations()
        self._panels_timer.stop()
        self.session.shutdown()
        super().closeEvent(e)

    def _save_settings(self) -> None:
        st = self.settings
        st.set("geometry", self.saveGeometry())
        st.set("state", self.saveState(STATE_VERSION))
        st.set("speed", self.speed.value())
        if self.session.scenario is not None:
            st.set("last_scenario", self.session.scenario.id)
        st.sync()
