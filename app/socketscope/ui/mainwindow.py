"""MainWindow: the diagram in the centre, the socket inspector and table on the right,
controls on the toolbar, and a status bar that says in plain words what is happening."""

from __future__ import annotations

import bisect
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QEvent, QObject, QPoint, Qt, QTimer
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QFont,
    QFontMetrics,
    QKeySequence,
    QResizeEvent,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QDockWidget,
    QFrame,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMenu,
    QPushButton,
    QScrollArea,
    QSlider,
    QTableView,
    QToolBar,
    QToolButton,
    QWidget,
)

from socketscope.engine.scenario import Scenario, builtin_scenarios
from socketscope.model.diagram import Box
from socketscope.model.programs import program_of
from socketscope.model.state import LineIndex
from socketscope.ui import i18n, theme, wire_panel
from socketscope.ui.console import ConsolePanel
from socketscope.ui.diagram_view import SequenceDiagram
from socketscope.ui.files import EXPORT_FORMATS, FilesController, QtFilesView
from socketscope.ui.i18n import LANGUAGES
from socketscope.ui.inspector import SocketInspector
from socketscope.ui.lecture import DEFAULT_PRESENTER_SCALE, LectureController
from socketscope.ui.lesson_panel import LessonPanel
from socketscope.ui.network_panel import NetworkPanel
from socketscope.ui.selection import SelectionController, Shown
from socketscope.ui.session import Session
from socketscope.ui.settings import Settings
from socketscope.ui.sockets_table import SocketTableModel
from socketscope.ui.status import status_line

if TYPE_CHECKING:
    from socketscope.model.study import Score
    from socketscope.ui.study import StudyController
    from socketscope.ui.study_view import StudyPanel

__all__ = ["DEFAULT_PRESENTER_SCALE", "MainWindow"]
STATE_VERSION = 2  # of the dock layout saved in the settings; a new layout bumps it


class _FirstPaint(QObject):
    """Calls ``then`` once, in the event loop's next turn after the window's first paint."""

    def __init__(self, then: Callable[[], None]) -> None:
        super().__init__()
        self._then: Callable[[], None] | None = then

    def eventFilter(self, obj: QObject, e: QEvent) -> bool:
        if self._then is not None and e.type() == QEvent.Type.Paint:
            QTimer.singleShot(0, self._then)
            self._then = None
        return False


class MainWindow(QMainWindow):
    def __init__(self, session: Session | None = None) -> None:
        super().__init__()
        self._constructing = True  # the panels are filled once, at the end
        self.session = session or Session(self)
        self._fit_screen(1600, 950)
        self.diagram = SequenceDiagram()
        self.inspector = SocketInspector()
        self.table_model = SocketTableModel()
        self.table = QTableView()
        self.table.setModel(self.table_model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # scrollable, so that the window fits small screens (1280x720) without clipping
        scroll = QScrollArea()
        scroll.setWidget(self.inspector)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.lesson = LessonPanel()
        self.lang = "en"
        self._language_installed = False
        self.setCentralWidget(self.diagram)
        # the panels are docks: a lecturer can move, float or close them, and the layout persists
        self.setDockOptions(
            QMainWindow.DockOption.AnimatedDocks | QMainWindow.DockOption.AllowNestedDocks
        )
        self.inspector_dock = self._dock("inspector", scroll, Qt.DockWidgetArea.RightDockWidgetArea)
        self.table_dock = self._dock("sockets", self.table, Qt.DockWidgetArea.RightDockWidgetArea)
        self.lesson_dock = self._dock("lesson", self.lesson, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.console = ConsolePanel()
        self.console_dock = self._dock(
            "console", self.console, Qt.DockWidgetArea.BottomDockWidgetArea
        )
        self.console_dock.hide()  # a run of programs shows it
        self._laid_out = False  # the default layout is sized to the window when first shown
        self.status_label = QLabel()
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
        self._transient = ""
        self._panels_timer = QTimer(self)
        self._panels_timer.setSingleShot(True)
        self._panels_timer.setInterval(60)
        self._panels_timer.timeout.connect(self._update_panels)
        self.settings = Settings()
        self.selection = SelectionController(self.session, self)
        self.lecture_ctl = LectureController(self, float(self.settings.get("presenter_scale")))
        self._docks_before_lecture: list[QDockWidget] = []
        self._normal_geometry: QByteArray | None = None
        self._base_font = QFont(QApplication.font())
        self._scaled: set[QWidget] = set()  # widgets whose font lecture mode set
        self.persist = True  # screenshots and self-tests leave the user's settings alone
        # study mode is made when first used, or after the first paint (start-up speed)
        self._study_ctl: StudyController | None = None
        self._study_view: StudyPanel | None = None
        self.files = FilesController(
            self.session,
            self.settings,
            QtFilesView(self, self._on_message, self._export_visible, self._export_scale),
        )
        self._shown_trace: object = None
        self._lines = LineIndex()  # each actor's current line in the code, at the cursor
        self._blank = QWidget(self)
        self._blank.setStyleSheet("background: black")
        self._blank.hide()
        self._shown_layout: object = None
        self._mode = "pause"
        self._build_actions()
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
        self.session.changed.connect(self._study_on_changed)
        self.session.runFinished.connect(self._study_on_finished)
        self.session.message.connect(self._on_message)
        self.session.modeChanged.connect(self._on_mode)
        self.session.output.connect(self.console.append)
        self.session.loaded.connect(self._on_loaded)
        self.console.typed.connect(self.session.write_stdin)
        self.diagram.boxClicked.connect(self._on_box)
        self.diagram.ghostClicked.connect(lambda actor: self._step(actor))
        self.table.clicked.connect(self._on_table)
        self.reset_button.clicked.connect(self.session.reset)
        # the real packets: the toggle, the inspector's packet pane, pcapng, the banner
        self.wire = wire_panel.install(self)
        self._first_paint = _FirstPaint(self._after_first_paint)
        self.installEventFilter(self._first_paint)
        self._constructing = False
        self._update_panels()

    def _after_first_paint(self) -> None:
        """What the first picture does not need, made once it is on screen (start-up speed)."""
        self.removeEventFilter(self._first_paint)
        self.session.start_run()  # the live run's host, if load_scenario left it for now
        self.lesson.start_highlighting()
        self._build_scenario_menu()
        self.study_ctl  # noqa: B018 - made now, the first step key does not wait for it

    def _fit_screen(self, width: int, height: int) -> None:
        """First start: the window's size, but never larger than the screen's free area (a
        1080p panel under a title bar has less than 1080 px), and centred on it."""
        avail = self.screen().availableGeometry()
        # the window manager's frame is unknown before the first show: leave it room
        w = min(width, avail.width() - 16)
        h = min(height, avail.height() - 48)
        self.resize(w, h)
        self.move(avail.x() + (avail.width() - w) // 2, avail.y() + (avail.height() - h - 32) // 2)

    def _dock(self, name: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(self)
        dock.setObjectName(name)  # saveState() finds docks by name
        dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetClosable
            | QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
        self.addDockWidget(area, dock)
        return dock

    def reset_layout(self) -> None:
        """View → Reset panel layout: the docks where a fresh install puts them."""
        self.restoreState(self._default_state, STATE_VERSION)
        for dock in (self.inspector_dock, self.table_dock, self.lesson_dock):
            dock.show()
        self._size_docks()

    def _size_docks(self) -> None:
        """The default layout for the window's size. At 1920 px the right column fits the
        sockets table without scrolling; on a laptop (1280×720) the diagram keeps most of the
        width, and the table shares a tab with the inspector so the byte views are not pushed
        below the fold."""
        h = self.height()
        small = h < 900
        if small:
            self.tabifyDockWidget(self.inspector_dock, self.table_dock)
            self.inspector_dock.raise_()
        self.resizeDocks([self.inspector_dock], [self._right_width()], Qt.Orientation.Horizontal)
        if not small:
            avail = h - 300
            self.resizeDocks(
                [self.inspector_dock, self.table_dock],
                [int(avail * 0.68), int(avail * 0.32)],
                Qt.Orientation.Vertical,
            )
        lesson = int(min(max(h * 0.24, 170), 280))
        self.resizeDocks([self.lesson_dock], [lesson], Qt.Orientation.Vertical)

    def _right_width(self) -> int:
        """The right column's width: in lecture mode the lanes need the room more than the
        inspector, which gets a fifth of the screen; else enough for the sockets table."""
        if self.lecture:
            return self.width() // 5
        return int(min(max(self.width() * 0.32, 340), 620))

    def showEvent(self, e: QShowEvent) -> None:
        super().showEvent(e)
        if not self._laid_out:
            self._laid_out = True
            self._size_docks()

    # --- actions --------------------------------------------------------------------------------
    def _action(
        self, keys: list[QKeySequence | QKeySequence.StandardKey | str], slot: Callable[..., object]
    ) -> QAction:
        """An action whose texts ``retranslate()`` sets, in the interface language."""
        a = QAction(self)
        a.setShortcuts([k if isinstance(k, QKeySequence) else QKeySequence(k) for k in keys])
        a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        a.triggered.connect(slot)
        self.addAction(a)
        return a

    def _build_actions(self) -> None:
        s = self.session
        self.act_run = self._action(["Space"], self._run_key)
        self.act_study = self._action(["Ctrl+P"], lambda: self.set_study(not self.study))
        self.act_study.setCheckable(True)
        self.act_step = self._action(["Right"], lambda: self._step())
        self.act_back = self._action(["Left"], s.step_back)
        self.act_reset = self._action(["Ctrl+R"], s.reset)
        self.act_lecture = self._action(["F11"], lambda: self.set_lecture(not self.lecture))
        self.act_lecture.setCheckable(True)
        # a presenter remote sends Page Down / Page Up; B blanks the screen (and pauses)
        self.act_remote_step = self._action(["PgDown"], lambda: self._step())
        self.act_remote_back = self._action(["PgUp"], s.step_back)
        self.act_blank = self._action(["B"], self.toggle_blank)
        lc = self.lecture_ctl
        self.act_zoom_in = self._action([QKeySequence.StandardKey.ZoomIn, "Ctrl+="], lc.zoom_in)
        self.act_zoom_out = self._action([QKeySequence.StandardKey.ZoomOut], lc.zoom_out)
        self.act_actual_size = self._action(["Ctrl+0"], lc.actual_size)
        self.act_fit = self._action(["Ctrl+9"], lc.fit)
        self.act_step_actor = [
            self._action([str(n)], lambda _=False, n=n: self._step_lane(n - 1))
            for n in range(1, 10)
        ]
        tb = QToolBar()
        tb.setObjectName("controls")
        tb.setMovable(False)
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for a in (self.act_run, self.act_step, self.act_back, self.act_reset):
            tb.addAction(a)
        tb.addSeparator()
        self.speed_label = QLabel()
        tb.addWidget(self.speed_label)
        self.speed = QSlider(Qt.Orientation.Horizontal)
        self.speed.setRange(0, 100)
        self.speed.setValue(s.speed)
        self.speed.setFixedWidth(140)
        self.speed.valueChanged.connect(self._on_speed)
        tb.addWidget(self.speed)
        tb.addSeparator()
        self.timeline_label = QLabel()
        tb.addWidget(self.timeline_label)
        self.scrubber = QSlider(Qt.Orientation.Horizontal)
        self.scrubber.setMinimumWidth(320)
        self.scrubber.valueChanged.connect(self._on_scrub)
        tb.addWidget(self.scrubber)
        self.position = QLabel("")
        tb.addWidget(self.position)
        tb.addSeparator()
        for a in (self.act_zoom_out, self.act_zoom_in, self.act_actual_size, self.act_fit):
            tb.addAction(a)
        tb.addSeparator()
        # the link's weather for two-host lessons: a popup under a toolbar button (a popup
        # window, not a menu: it must not run an event loop of its own)
        self.network_panel = NetworkPanel(self)
        self.network_panel.setWindowFlags(Qt.WindowType.Popup)
        self.network_panel.applied.connect(self._apply_weather)
        self.network_button = QToolButton()
        self.network_button.setObjectName("network-button")
        self.network_button.clicked.connect(self.show_network_panel)
        tb.addWidget(self.network_button)
        tb.addSeparator()
        self.language = QComboBox()
        for code, name in LANGUAGES.items():
            self.language.addItem(name, code)
        self.language.currentIndexChanged.connect(
            lambda _i: self.set_language(str(self.language.currentData()), save=True)
        )
        tb.addWidget(self.language)
        self.addToolBar(tb)
        self.toolbar = tb
        files = self.files
        self.act_choose = self._action(["Ctrl+L"], self.choose_scenario)
        self.act_open_scenario = self._action(["Ctrl+O"], files.open_scenario)
        self.act_open_trace = self._action(["Ctrl+Shift+O"], files.open_trace)
        self.act_run_programs = self._action(["Ctrl+Shift+P"], self.run_programs_dialog)
        self.act_save_trace = self._action(["Ctrl+S"], lambda: files.save_trace())
        self.act_save_session = self._action(
            ["Ctrl+Shift+S"], lambda: files.save_trace(with_cursor=True)
        )
        self.act_export = {
            fmt: self._action([], lambda _=False, fmt=fmt: files.export(fmt))
            for fmt in EXPORT_FORMATS
        }
        self.act_preferences = self._action(["Ctrl+,"], self.preferences)
        self.act_quit = self._action(["Ctrl+Q"], self.close)
        self.file_menu = self.menuBar().addMenu("")
        m = self.file_menu
        for a in (
            self.act_choose,
            self.act_open_scenario,
            self.act_run_programs,
            self.act_open_trace,
        ):
            m.addAction(a)
        m.addAction(self.act_save_trace)
        m.addAction(self.act_save_session)
        self.export_menu = m.addMenu("")
        for fmt, a in self.act_export.items():
            self.export_menu.addAction(a)
            if fmt in ("pdf", "visible-pdf"):
                self.export_menu.addSeparator()
        m.addSeparator()
        m.addAction(self.act_preferences)
        m.addAction(self.act_quit)
        self.scenario_menu = self.menuBar().addMenu("")
        self.scenario_menu.setToolTipsVisible(True)
        # filled after the first paint (or when first opened, if sooner): start-up speed
        self._group_menus: dict[str, QMenu] = {}
        self._scenario_actions: list[tuple[QAction, Scenario]] = []
        self.scenario_menu.aboutToShow.connect(self._build_scenario_menu)
        self.view_menu = self.menuBar().addMenu("")
        vm = self.view_menu
        vm.addAction(self.act_lecture)
        vm.addAction(self.act_study)
        vm.addSeparator()
        for a in (self.act_zoom_in, self.act_zoom_out, self.act_actual_size, self.act_fit):
            vm.addAction(a)
        vm.addSeparator()
        self.panels_menu = vm.addMenu("")
        for dock in (self.inspector_dock, self.table_dock, self.lesson_dock):
            self.panels_menu.addAction(dock.toggleViewAction())
        self.panels_menu.addSeparator()
        self.act_reset_layout = self._action([], self.reset_layout)
        self.panels_menu.addAction(self.act_reset_layout)
        self.theme_menu = vm.addMenu("")
        self.theme_group = QActionGroup(self)
        self.act_theme: dict[str, QAction] = {}
        for code in theme.NAMES:
            a = QAction(self)
            a.setCheckable(True)
            a.triggered.connect(lambda _=False, code=code: self.set_theme(code, save=True))
            self.theme_group.addAction(a)
            self.theme_menu.addAction(a)
            self.act_theme[code] = a
        self.language_menu = vm.addMenu("")
        self.language_group = QActionGroup(self)
        self.act_language: dict[str, QAction] = {}
        for code, name in LANGUAGES.items():
            a = QAction(name, self)
            a.setCheckable(True)
            a.triggered.connect(lambda _=False, code=code: self.set_language(code, save=True))
            self.language_group.addAction(a)
            self.language_menu.addAction(a)
            self.act_language[code] = a

    def _build_scenario_menu(self) -> None:
        if self._scenario_actions:
            return
        for sc in builtin_scenarios():
            if sc.group not in self._group_menus:
                self._group_menus[sc.group] = self.scenario_menu.addMenu("")
            menu = self._group_menus[sc.group]
            a = QAction(menu)
            a.triggered.connect(lambda _=False, sc=sc: self.session.load_scenario(sc))
            menu.addAction(a)
            self._scenario_actions.append((a, sc))
        self._retranslate_scenario_menu()

    def _retranslate_scenario_menu(self) -> None:
        from socketscope.ui.picker import group_name

        for group, menu in self._group_menus.items():
            menu.setTitle(group_name(group))
        for a, sc in self._scenario_actions:
            a.setText(f"{sc.text('title', self.lang)}   ({sc.id})")
            a.setToolTip(sc.text("summary", self.lang))

    def show_network_panel(self) -> None:
        panel = self.network_panel
        panel.show_for(self.session.scenario, self.session.weather, self.session.trace.header)
        panel.adjustSize()
        b = self.network_button
        at = b.mapToGlobal(QPoint(0, b.height()))
        # under the button, but inside the window: the button sits near the right edge
        right = self.mapToGlobal(QPoint(self.width(), 0)).x()
        at.setX(max(self.mapToGlobal(QPoint(0, 0)).x(), min(at.x(), right - panel.width() - 8)))
        panel.move(at)
        panel.show()
        panel.spins["loss"].setFocus()

    def _apply_weather(self, weather: dict[str, float] | None) -> None:
        """The network panel's choice: kept for every later run of a two-host lesson, and the
        current one restarted with it (a link is built before a run's first call)."""
        self.network_panel.hide()
        self.session.weather = weather
        if self.session.scenario is not None and self.session.scenario.network is not None:
            self.session.reset()

    def retranslate(self) -> None:
        """Every text of the window's chrome, in the language now installed."""
        texts: list[tuple[QAction, str, str]] = [
            (self.act_step, self.tr("Step →"), self.tr("One call: the earliest waiting actor (→)")),
            (self.act_back, self.tr("← Back"), self.tr("Step back through the recorded trace (←)")),
            (
                self.act_reset,
                self.tr("⟲ Reset"),
                self.tr("Stop everything and start clean (Ctrl+R)"),
            ),
            (
                self.act_study,
                self.tr("Study mode: predict, then reveal"),
                self.tr(
                    "Before each step, guess what the call will do; the real run tells (Ctrl+P)"
                ),
            ),
            (
                self.act_lecture,
                self.tr("Lecture mode"),
                self.tr("Full screen, everything larger, for a projector (F11)"),
            ),
            (self.act_remote_step, self.tr("Step (presenter remote)"), ""),
            (self.act_remote_back, self.tr("Step back (presenter remote)"), ""),
            (self.act_blank, self.tr("Blank the screen"), ""),
            (
                self.act_zoom_in,
                self.tr("Zoom in"),
                self.tr("Zoom in (Ctrl +); in lecture mode: everything larger"),
            ),
            (
                self.act_zoom_out,
                self.tr("Zoom out"),
                self.tr("Zoom out (Ctrl −); in lecture mode: everything smaller"),
            ),
            (
                self.act_actual_size,
                self.tr("Actual size"),
                self.tr("100 % (Ctrl 0); in lecture mode: the default presenter scale"),
            ),
            (self.act_fit, self.tr("Fit"), self.tr("Fit the whole diagram (Ctrl 9)")),
            (self.act_choose, self.tr("Choose a lesson…"), ""),
            (self.act_open_scenario, self.tr("Open lesson file…"), ""),
            (self.act_open_trace, self.tr("Open trace…"), ""),
            (
                self.act_run_programs,
                self.tr("Run programs…"),
                self.tr("Your own programs (Python or executables), traced (Ctrl+Shift+P)"),
            ),
            (self.act_save_trace, self.tr("Save trace…"), ""),
            (self.act_save_session, self.tr("Save session (trace and position)…"), ""),
            (self.act_export["png"], self.tr("Diagram as PNG…"), ""),
            (self.act_export["svg"], self.tr("Diagram as SVG…"), ""),
            (self.act_export["pdf"], self.tr("Diagram as PDF…"), ""),
            (self.act_export["visible-png"], self.tr("Visible part as PNG…"), ""),
            (self.act_export["visible-svg"], self.tr("Visible part as SVG…"), ""),
            (self.act_export["visible-pdf"], self.tr("Visible part as PDF…"), ""),
            (self.act_export["slides"], self.tr("Slides: one picture per step…"), ""),
            (self.act_export["mermaid"], self.tr("Mermaid text…"), ""),
            (self.act_export["plantuml"], self.tr("PlantUML text…"), ""),
            (self.act_preferences, self.tr("Preferences…"), ""),
            (self.act_quit, self.tr("Quit"), ""),
            (self.act_reset_layout, self.tr("Reset panel layout"), ""),
        ]
        for action, text, tip in texts:
            action.setText(text)
            action.setToolTip(tip or text)
        # the toolbar is short of room: signs there, words in the menu
        for action, sign in (
            (self.act_zoom_in, "＋"),
            (self.act_zoom_out, "－"),
            (self.act_actual_size, "100 %"),
        ):
            action.setIconText(sign)
        for n, a in enumerate(self.act_step_actor, start=1):
            a.setText(self.tr("Step actor {n}").format(n=n))
        self._on_mode(self._mode)
        self.toolbar.setWindowTitle(self.tr("Controls"))
        self.speed_label.setText(" " + self.tr("speed") + " ")
        self.speed.setToolTip(self.tr("Slow (2 s per call) … as fast as possible"))
        self.timeline_label.setText(" " + self.tr("timeline") + " ")
        self.network_button.setText(self.tr("Network"))
        self.network_button.setToolTip(
            self.tr("Loss, delay, reordering and duplication on the link of two-host lessons")
        )
        self.network_panel.retranslate()
        self.scrubber.setToolTip(self.tr("Move through the recorded trace"))
        self.language.setToolTip(self.tr("Language of the interface and the explanations"))
        self.file_menu.setTitle(self.tr("&File"))
        self.export_menu.setTitle(self.tr("Export"))
        self.scenario_menu.setTitle(self.tr("&Lessons"))
        self.view_menu.setTitle(self.tr("&View"))
        self.language_menu.setTitle(self.tr("Language"))
        self.panels_menu.setTitle(self.tr("Panels"))
        self.theme_menu.setTitle(self.tr("Theme"))
        for code, name in theme.display_names().items():
            self.act_theme[code].setText(name)
        self.reset_button.setText(self.tr("⟲ Reset"))
        self.inspector_dock.setWindowTitle(self.tr("Socket inspector"))
        self.table_dock.setWindowTitle(self.tr("Sockets"))
        self.lesson_dock.setWindowTitle(self.tr("Code and explanation"))
        self.table_model.headerDataChanged.emit(
            Qt.Orientation.Horizontal, 0, self.table_model.columnCount() - 1
        )
        self._retranslate_scenario_menu()
        self._on_changed()
        self._update_panels()

    def changeEvent(self, e: QEvent) -> None:
        if e.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(e)

    # --- lecture mode and zoom: the LectureView the controller is handed -----------------------
    @property
    def lecture(self) -> bool:
        return self.lecture_ctl.on

    @property
    def presenter_scale(self) -> float:
        return self.lecture_ctl.presenter_scale

    def set_presenter_scale(self, scale: float) -> None:
        self.lecture_ctl.set_presenter_scale(scale)

    def save_presenter_scale(self, scale: float) -> None:
        self.settings.set("presenter_scale", scale)

    def screen_factor(self) -> float:
        return min(1.0, self.width() / 1920, self.height() / 1080)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.lecture_ctl.screen_changed():
            self._fit_docks_to_scale()

    def _fit_docks_to_scale(self) -> None:
        # the fonts changed what the inspector needs
        self.resizeDocks([self.inspector_dock], [self._right_width()], Qt.Orientation.Horizontal)
        self._update_panels()

    def diagram_zoom(self) -> float:
        return self.diagram.zoom

    def set_diagram_zoom(self, zoom: float) -> None:
        self.diagram.set_zoom(zoom)

    def diagram_rows(self) -> int:
        return self.session.layout.rows_at(self.session.cursor_seq)

    def zoom_to_fit(self) -> float:
        d = self.diagram
        before = d.zoom
        d.zoom_fit()
        fit, d.zoom = d.zoom, before
        return fit

    def apply_scale(self, scale: float, lecture: bool) -> None:
        """Every font, line and control together, not only the diagram."""
        app = QApplication.instance()
        if isinstance(app, QApplication):
            f = QFont(self._base_font)
            f.setPointSizeF(self._base_font.pointSizeF() * scale)
            f.setBold(False)  # explicit, so a bold dock title (below) is not inherited
            app.setFont(f)
            self.setFont(f)
            for w in self.findChildren(QWidget):
                # widgets with a font of their own (code, hex, C call) are scaled by their owner;
                # giving them the app font would lose their monospace
                if not w.testAttribute(Qt.WidgetAttribute.WA_SetFont) or w in self._scaled:
                    w.setFont(f)
                    self._scaled.add(w)
            if scale != 1.0:
                # QDockWidget paints its title in the platform's small title font whenever its
                # own font equals the application's: a bold title is the dock's own, so it scales
                title = QFont(f)
                title.setBold(True)
                for dock in (self.inspector_dock, self.table_dock, self.lesson_dock):
                    dock.setFont(title)
        self.diagram.font_scale = scale
        self.diagram.line_scale = 1.5 if lecture else 1.0
        self.diagram.lecture = lecture
        for hv in (self.inspector.call_hex, self.inspector.stream_hex):
            hv.font_px = round(13 * scale)
            hv._update_scroll()
        self.lesson.set_scale(scale)
        sf = QFont(f if isinstance(app, QApplication) else self.font())
        sf.setPointSizeF(sf.pointSizeF() * 1.3)
        self.status_label.setFont(sf)
        # at a presenter's scale a long sentence takes a second line rather than run off screen
        self.status_label.setWordWrap(lecture)
        lines = 2 if lecture else 1
        self.status_label.setMaximumHeight(QFontMetrics(sf).lineSpacing() * lines + 6)
        self.diagram._update_scroll()
        self.diagram.viewport().update()

    def preferences(self) -> None:
        from socketscope.ui.preferences import PreferencesDialog

        dialog = PreferencesDialog(self.settings, self)
        if dialog.exec():
            self.apply_settings()

    def apply_settings(self) -> None:
        """Take up the saved preferences now, without a restart."""
        self.speed.setValue(int(self.settings.get("speed")))
        self.lecture_ctl.presenter_scale = float(self.settings.get("presenter_scale"))
        if self.lecture:
            self.apply_scale(self.presenter_scale, True)
        self.set_language(self.settings.language())
        self.set_theme(str(self.settings.get("theme")))

    def set_lecture(self, on: bool, full_screen: bool = True) -> None:
        self.lecture_ctl.set_lecture(on, full_screen)
        self._fit_docks_to_scale()

    def enter_full_screen(self, on: bool, full_screen: bool) -> None:
        self.act_lecture.setChecked(on)
        # the diagram and the bytes get the room; the spotlight is on the newest call
        docks = (self.lesson_dock, self.table_dock)
        if on:
            self._docks_before_lecture = [d for d in docks if d.isVisibleTo(self)]
            for d in docks:
                d.hide()
        else:
            for d in self._docks_before_lecture:
                d.show()
        self.diagram.spotlight = on
        self._apply_theme()  # a washed-out projector needs the high-contrast theme
        if on:
            self._normal_geometry = self.saveGeometry()
            if full_screen:
                self.showFullScreen()
        else:
            self.showNormal()
            if self._normal_geometry is not None:
                self.restoreGeometry(self._normal_geometry)
        self.resizeDocks([self.inspector_dock], [self._right_width()], Qt.Orientation.Horizontal)

    def toggle_blank(self) -> None:
        """B on a presenter remote: a black screen, and the run pauses."""
        if self._blank.isVisible():
            self._blank.hide()
            return
        self.session.pause()
        self._blank.setGeometry(self.rect())
        self._blank.show()
        self._blank.raise_()

    # --- study mode ------------------------------------------------------------------------------
    @property
    def study(self) -> bool:
        return self._study_ctl is not None and self._study_ctl.enabled

    @property
    def study_ctl(self) -> StudyController:
        if self._study_ctl is None:
            from socketscope.ui.study import StudyController, load_scores
            from socketscope.ui.study_view import StudyPanel

            self._study_view = StudyPanel(
                self,
                self.diagram,
                self.lesson_dock,
                lambda: self.session.layout,
                self.selection.choose_box,
                self._on_message,
                lambda on: self._on_mode("run" if on else "pause"),
                self._lesson_score,
            )
            self._study_view.lang = self.lang
            # made now, it starts on the trace on screen: a fresh visit, as after a load
            self._study_ctl = StudyController(
                self.session, self._study_view, load_scores(self.settings), self._save_scores
            )
        return self._study_ctl

    @property
    def study_view(self) -> StudyPanel:
        self.study_ctl  # noqa: B018 - makes the view with its controller
        assert self._study_view is not None
        return self._study_view

    @property
    def verdict(self) -> QLabel:
        """Right or wrong, beside the call on the diagram."""
        return self.study_view.verdict

    def _study_on_changed(self) -> None:
        if self._study_ctl is not None:
            self._study_ctl.on_changed()

    def _study_on_finished(self) -> None:
        if self._study_ctl is not None:
            self._study_ctl.on_finished()

    def set_study(self, on: bool) -> None:
        self.study_ctl.set_enabled(on)
        self.act_study.setChecked(on)
        self.verdict.hide()
        self._on_message(
            self.tr("Study mode: predict each step first.") if on else self.tr("Study mode off")
        )

    def _lesson_score(self) -> Score | None:
        return self.study_ctl.scores.get(str(self.session.trace.header.get("scenario", "")))

    def _save_scores(self, scores: dict[str, Score]) -> None:
        from socketscope.ui.study import save_scores

        if self.persist:
            save_scores(self.settings, scores)

    def _run_key(self) -> None:
        """Space: in study mode the run still asks before each call."""
        s = self.session
        if self.study and s.live and not s.finished:
            if not s.at_end:
                s.seek(len(s.events))  # as Space does outside study mode: run on from the end
            self.study_ctl.toggle_run()
        else:
            s.toggle_run()

    def _step(self, actor: str | None = None) -> None:
        """Every step key: →, the toolbar's Step, Page Down, 1–9, a ghost click."""
        self.study_ctl.step(actor)

    def _step_lane(self, col: int) -> None:
        """Key 1–9: the lane in that place from the left (a program's threads and children
        are drawn right after it, not where they came)."""
        layout = self.session.layout
        cols = layout.columns()
        if col < len(cols):
            self._step(layout.lanes[cols[col]])

    def _on_speed(self, v: int) -> None:
        self.session.set_speed(v)
        # the speed setting scales the animation too
        self.diagram.anim_seconds = 0.15 + 0.5 * (1 - v / 100)

    def _on_scrub(self, v: int) -> None:
        if v != self.session.cursor:
            self.session.pause()
            self.session.seek(v)

    # --- files: the FilesController does the work, with Qt's dialogs (ui/files.py) ------------
    def choose_scenario(self) -> None:
        from socketscope.ui.picker import ScenarioPicker

        current = self.session.scenario.id if self.session.scenario else None
        picker = ScenarioPicker(self.lang, current, self)
        if picker.exec() and (chosen := picker.chosen()) is not None:
            self.session.load_scenario(chosen)

    def open_scenario_file(self, path: str) -> bool:
        return self.files.open_scenario_file(path)

    def run_programs_dialog(self) -> None:
        """File → Run programs…: the user's own programs, traced."""
        from socketscope.engine.programs import ProgramError, program_scenario
        from socketscope.ui.programs import ProgramsDialog

        folder = str(self.settings.get("programs_folder") or "") or None
        dlg = ProgramsDialog(folder, self)
        if dlg.exec() != ProgramsDialog.DialogCode.Accepted:
            return
        try:
            scenario = program_scenario(dlg.lines())
        except ProgramError as e:
            self._on_message(str(e))
            return
        if self.persist:
            self.settings.set("programs_folder", dlg.folder.text())
        self.session.load_scenario(scenario)

    def _on_loaded(self) -> None:
        """A run was loaded: a run of programs gets a console per program."""
        sc = self.session.scenario
        if sc is not None and sc.programs:
            self.console.reset([a.name for a in sc.actors])
            was_hidden = self.console_dock.isHidden()
            self.console_dock.show()
            self.console_dock.raise_()
            if was_hidden:
                # once the dock is laid out: sized before that, the layout ignores it
                QTimer.singleShot(0, self._size_console)
        else:
            self.console_dock.hide()

    def _size_console(self) -> None:
        """The console beside the code panel, with room for a line of output."""
        dock = self.console_dock
        if not dock.isVisible() or dock.isFloating():
            return
        if self.dockWidgetArea(dock) != self.dockWidgetArea(self.lesson_dock):
            return  # the user moved it: where it is, it stays
        w = max(400, self.lesson_dock.width() + dock.width())
        self.resizeDocks(
            [self.lesson_dock, dock], [int(w * 0.6), int(w * 0.4)], Qt.Orientation.Horizontal
        )

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
            if self._study_view is not None:
                self._study_view.verdict.hide()  # a new lesson or Reset: a new visit
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
        if self._study_view is not None:
            self._study_view.place_verdict()
        if new_visit:
            # a new lesson's code and text come with its first picture, also the window's first
            # paint at start-up (which comes sooner than the coalescing timer, issue 11)
            self._panels_timer.stop()
            self._update_panels()
        elif not self._panels_timer.isActive():
            self._panels_timer.start()

    def _update_panels(self) -> None:
        if self._constructing:
            return  # the language, the theme and the texts are set one after another
        self.selection.refresh()

    # the SelectionView the controller is handed
    def highlight(self, box: Box | None) -> None:
        if self.diagram.selected is not box:
            self.diagram.select(box)

    def show_selection(self, shown: Shown) -> None:
        s = self.session
        state = s.state()
        self.table_model.set_state(state, s.layout.lanes)
        self.inspector.show_socket(
            state,
            shown.sock,
            shown.ret,
            s.events,
            s.cursor,
            blocked=shown.blocked,
            listener=shown.listener,
        )
        self._select_table_row(self.selection.sock)
        self._update_lesson(shown.box)
        self._update_status()

    def _select_table_row(self, sock: int | None) -> None:
        sm = self.table.selectionModel()
        if sock is None or sock not in self.table_model.ids:
            sm.clearSelection()
            return
        row = self.table_model.ids.index(sock)
        if not sm.isRowSelected(row):
            self.table.selectRow(row)

    def set_theme(self, name: str, save: bool = False) -> None:
        """The window's theme (lecture mode may show its own until it ends)."""
        if name not in theme.NAMES:
            name = "system"
        self.theme_name = name
        self.act_theme[name].setChecked(True)
        if save and self.persist:
            self.settings.set("theme", name)
        self._apply_theme()

    def _apply_theme(self) -> None:
        lecture_theme = str(self.settings.get("lecture_theme"))
        if self.lecture and lecture_theme in theme.NAMES:
            theme.apply(lecture_theme)
        else:
            theme.apply(self.theme_name)
        self.diagram.viewport().update()

    def set_language(self, lang: str, save: bool = False) -> None:
        """Switch the interface and the lessons to ``lang`` now; Qt retranslates every widget."""
        if lang not in LANGUAGES:
            lang = "en"
        changed = lang != self.lang or not self._language_installed
        self.lang = self.lesson.lang = lang
        if self._study_view is not None:
            self._study_view.lang = lang
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
                self._on_message(problem)
            self._relayout()  # the diagram's own words
        self._on_changed()
        self._update_panels()

    def _update_lesson(self, box: Box | None) -> None:
        """The code, the C call and its explanation for the selected call, else the newest."""
        s = self.session
        cur = s.cursor_seq
        if box is None:
            # the newest box at the cursor (boxes come in seq order): a bisection, not a scan
            n = bisect.bisect_right(s.layout.boxes, cur, key=lambda b: b.seq)
            box = s.layout.boxes[n - 1] if n else None
        # a run of programs: the code of the program whose call is shown, each its own file
        call = box.call if box is not None else None
        program = program_of(s.trace.header, call.actor if call is not None else None)
        sources = s.trace.header.get("sources") or {}
        shown = sources.get(program) if isinstance(sources, dict) and program else None
        source = shown.get("source") if isinstance(shown, dict) else None
        self.lesson.set_source(str(source or s.trace.header.get("source", "")))
        if box is None:
            # before the first step: what the lesson is about, and what to watch for
            h = s.trace.header
            sc = s.scenario
            title = h.get("title", {})
            summary = h.get("summary", {})
            notice = sc.notice if sc is not None else h.get("notice", {})
            self.lesson.show_intro(
                title.get(self.lang) or title.get("en", ""),
                summary.get(self.lang) or summary.get("en", ""),
                list(notice.get(self.lang) or notice.get("en") or []),
            )
        else:
            ret = box.ret if box.returned_at(cur) else None
            self.lesson.show_call(
                box.call,
                ret,
                blocked=ret is None and box.blocked_at(cur),
                ctx=box.ctx,
                blocked_ev=box.blocked_ev if box.blocked_at(cur) else None,
            )
        lines: dict[int, int] = {}
        # each actor's newest line, newest actor first; an older actor on the same line wins
        for _i, actor, line in self._lines.at(s.events, s.cursor):
            if program is not None and program_of(s.trace.header, actor) != program:
                continue  # another program's line: not in this file
            lines[line] = s.layout.lane_of(actor)
        self.lesson.set_lines(lines)

    def _update_status(self) -> None:
        text, offer_reset = status_line(self.session, self.lang)
        self.reset_button.setVisible(offer_reset)
        if offer_reset or not self._message_timer.isActive():
            # a run that cannot go on outranks a passing message
            self.status_label.setText(text)

    def _on_message(self, text: str) -> None:
        self.status_label.setText(text)
        self._message_timer.start(4000)

    def _on_mode(self, mode: str) -> None:
        self._mode = mode
        self.act_run.setText(self.tr("❚❚ Pause") if mode == "run" else self.tr("▶ Run"))
        self.act_run.setToolTip(self.tr("Run / pause (Space)"))

    def _on_box(self, box: Box) -> None:
        self.selection.choose_box(box)

    def _on_table(self, index: object) -> None:
        row = index.row()  # type: ignore[attr-defined]
        if 0 <= row < len(self.table_model.ids):
            self.selection.choose_socket(self.table_model.ids[row])

    def closeEvent(self, e: QCloseEvent) -> None:
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
