"""The window's docks: made empty before the first paint, filled right after it.

Start-up speed (issue 11): the first picture is the window with its lesson (the diagram and the
code) and the frames of every panel where they will be; the inspector, the sockets table, the
console, the network panel and the packet controls are made in the event loop's next turn (or
at once, when something asks for one sooner: ``MainWindow.__getattr__``). The layout is fixed
before the first paint, so nothing moves when they arrive.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QDockWidget, QMainWindow, QWidget

from socketscope.ui import actions
from socketscope.ui.lecture import right_width

if TYPE_CHECKING:
    from socketscope.ui.mainwindow import MainWindow
    from socketscope.ui.selection import Shown

# made after the first paint; asking for one of them makes them all
DEFERRED = ("inspector", "table_model", "table", "console", "network_panel", "wire")


def _dock(w: MainWindow, name: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
    dock = QDockWidget(w)
    dock.setObjectName(name)  # saveState() finds docks by name
    dock.setWidget(widget)
    dock.setFeatures(
        QDockWidget.DockWidgetFeature.DockWidgetClosable
        | QDockWidget.DockWidgetFeature.DockWidgetMovable
        | QDockWidget.DockWidgetFeature.DockWidgetFloatable
    )
    w.addDockWidget(area, dock)
    return dock


def make(w: MainWindow) -> None:
    """The docks, in their places: the lesson's code now, the other panels' frames empty."""
    # the panels are docks: a lecturer can move, float or close them, and the layout persists
    w.setDockOptions(QMainWindow.DockOption.AnimatedDocks | QMainWindow.DockOption.AllowNestedDocks)
    right, bottom = Qt.DockWidgetArea.RightDockWidgetArea, Qt.DockWidgetArea.BottomDockWidgetArea
    w.inspector_dock = _dock(w, "inspector", QWidget(), right)
    w.table_dock = _dock(w, "sockets", QWidget(), right)
    w.lesson_dock = _dock(w, "lesson", w.lesson, bottom)
    w.console_dock = _dock(w, "console", QWidget(), bottom)
    w.console_dock.hide()  # a run of programs shows it


def fill(w: MainWindow) -> None:
    """The panels inside the docks (once)."""
    if w.__dict__.get("_panels_built"):
        return
    w._panels_built = True
    from PySide6.QtWidgets import QAbstractItemView, QFrame, QHeaderView, QScrollArea, QTableView

    from socketscope.ui import wire_panel
    from socketscope.ui.console import ConsolePanel
    from socketscope.ui.inspector import SocketInspector
    from socketscope.ui.network_panel import NetworkPanel
    from socketscope.ui.sockets_table import SocketTableModel

    w.inspector = SocketInspector()
    # scrollable, so that the window fits small screens (1280x720) without clipping
    scroll = QScrollArea()
    scroll.setWidget(w.inspector)
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    w.inspector_dock.setWidget(scroll)
    w.table_model = SocketTableModel()
    w.table = QTableView()
    w.table.setModel(w.table_model)
    w.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    w.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    w.table.verticalHeader().hide()
    w.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    w.table.clicked.connect(w.on_table)
    w.table_dock.setWidget(w.table)
    w.console = ConsolePanel()
    w.console.typed.connect(w.session.write_stdin)
    w.session.output.connect(w.console.append)
    w.console_dock.setWidget(w.console)
    w.network_panel = NetworkPanel(w)
    # a popup window, not a menu: it must not run an event loop of its own
    w.network_panel.setWindowFlags(Qt.WindowType.Popup)
    w.network_panel.applied.connect(w.apply_weather)
    # the real packets: the toggle, the inspector's packet pane, pcapng, the banner
    actions.release_packets_slot(w)  # the toggle takes the place held for it
    w.wire = wire_panel.install(w)
    if w.lecture_ctl.on:
        w.lecture_view.apply_scale(w.lecture_view.scale, True)  # the new widgets too
    w.table_model.headerDataChanged.emit(
        Qt.Orientation.Horizontal, 0, w.table_model.columnCount() - 1
    )
    w._update_panels()


def click_before_panels(w: MainWindow, signal: Any, arg: object) -> bool:
    """A click on the diagram sooner than the panels (right after the first paint): they are
    made now and the click is given again, to them too. False once they are made."""
    if w.__dict__.get("_panels_built"):
        return False
    fill(w)
    signal.emit(arg)
    return True


def size(w: MainWindow) -> None:
    """The default layout for the window's size. At 1920 px the right column fits the sockets
    table without scrolling; on a laptop (1280×720) the diagram keeps most of the width, and
    the table shares a tab with the inspector so the byte views are not pushed below the
    fold."""
    h = w.height()
    small = h < 900
    if small:
        w.tabifyDockWidget(w.inspector_dock, w.table_dock)
        w.inspector_dock.raise_()
    fit_right(w)
    if not small:
        avail = h - 300
        w.resizeDocks(
            [w.inspector_dock, w.table_dock],
            [int(avail * 0.68), int(avail * 0.32)],
            Qt.Orientation.Vertical,
        )
    lesson = int(min(max(h * 0.24, 170), 280))
    w.resizeDocks([w.lesson_dock], [lesson], Qt.Orientation.Vertical)


def fit_right(w: MainWindow) -> None:
    width = right_width(w.width(), w.lecture_ctl.on)
    w.resizeDocks([w.inspector_dock], [width], Qt.Orientation.Horizontal)


def reset_layout(w: MainWindow, default_state: object, version: int) -> None:
    """View → Reset panel layout: the docks where a fresh install puts them."""
    w.restoreState(default_state, version)  # type: ignore[arg-type]
    for dock in (w.inspector_dock, w.table_dock, w.lesson_dock):
        dock.show()
    size(w)


def show_console(w: MainWindow) -> None:
    """A run was loaded: a run of programs gets a console per program."""
    sc = w.session.scenario
    if sc is not None and sc.programs:
        w.console.reset([a.name for a in sc.actors])
        dock = w.console_dock
        was_hidden = dock.isHidden()
        dock.show()
        dock.raise_()
        if was_hidden:
            # once the dock is laid out: sized before that, the layout ignores it
            QTimer.singleShot(0, lambda: _size_console(w))
    else:
        w.console_dock.hide()


def _size_console(w: MainWindow) -> None:
    """The console beside the code panel, with room for a line of output."""
    dock = w.console_dock
    if not dock.isVisible() or dock.isFloating():
        return
    if w.dockWidgetArea(dock) != w.dockWidgetArea(w.lesson_dock):
        return  # the user moved it: where it is, it stays
    width = max(400, w.lesson_dock.width() + dock.width())
    w.resizeDocks(
        [w.lesson_dock, dock], [int(width * 0.6), int(width * 0.4)], Qt.Orientation.Horizontal
    )


def show_selection(w: MainWindow, shown: Shown) -> None:
    """The inspector and the sockets table at the cursor (once they are made)."""
    if not w.__dict__.get("_panels_built"):
        return  # the first picture: the panels come right after it, filled then
    s = w.session
    state = s.state()
    w.table_model.set_state(state, s.layout.lanes)
    w.inspector.show_socket(
        state,
        shown.sock,
        shown.ret,
        s.events,
        s.cursor,
        blocked=shown.blocked,
        listener=shown.listener,
    )
    sock = w.selection.sock
    sm = w.table.selectionModel()
    if sock is None or sock not in w.table_model.ids:
        sm.clearSelection()
        return
    row = w.table_model.ids.index(sock)
    if not sm.isRowSelected(row):
        w.table.selectRow(row)
