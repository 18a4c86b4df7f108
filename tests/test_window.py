"""The main window, driven as a person would, offscreen. Waits on conditions, never sleeps."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from conftest import load_test_scenario, read_modal
from socketscope.engine import Mode, Status
from socketscope.engine.scenario import get
from socketscope.ui.app import settled
from socketscope.ui.mainwindow import MainWindow

pytestmark = pytest.mark.gui


@pytest.fixture
def window(gui_window: MainWindow) -> MainWindow:
    gui_window.session.load_scenario(get("tcp-echo"))
    return gui_window


def calls(w: MainWindow) -> int:
    return sum(1 for e in w.session.events if e.kind == "call")


def step_and_settle(qtbot: QtBot, w: MainWindow, actor: str | None = None) -> None:
    before = calls(w)
    qtbot.waitUntil(lambda: settled(w), timeout=5000)
    w.session.step(actor)
    qtbot.waitUntil(lambda: calls(w) > before, timeout=5000)
    qtbot.waitUntil(lambda: settled(w), timeout=5000)


def test_opens_ready_on_the_default_scenario(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.waitUntil(lambda: window.diagram.ghosts() == [(0, "socket")], timeout=5000)
    assert "tcp-echo" in window.windowTitle()
    assert window.session.layout.lanes == ["Server", "Client"]
    assert calls(window) == 0, "nothing has run yet"
    assert window.status_label.text().startswith(("Press Space to run", "Next: Server"))
    assert "Space" in window.status_label.text()


def test_run_to_the_end_draws_one_box_per_call(qtbot: QtBot, window: MainWindow) -> None:
    window.speed.setValue(100)
    qtbot.keyClick(window.diagram, " ")
    with qtbot.waitSignal(window.session.runFinished, timeout=10000):
        pass
    lay = window.session.layout
    call_events = [e for e in window.session.events if e.kind == "call"]
    assert len(lay.boxes) == len(call_events) == 14
    labels = [b.label for b in lay.boxes]
    assert labels[0] == "socket(TCP)"
    assert any(lbl.startswith("accept(fd ") for lbl in labels)
    accept = next(b for b in lay.boxes if b.op == "accept")
    assert accept.blocked and accept.result.startswith("fd ") and "← 127.0.0.1:" in accept.result
    assert {a.kind for a in lay.arrows} >= {"handshake", "data", "fin"}
    qtbot.waitUntil(lambda: window.status_label.text().startswith("The run is over"), timeout=3000)
    img = window.diagram.viewport().grab()
    assert not img.isNull()


def test_step_into_accept_blocks_then_connect_wakes_it(qtbot: QtBot, window: MainWindow) -> None:
    w = window
    for _ in range(4):  # socket, bind, listen, accept
        step_and_settle(qtbot, w, "Server")
    spans = w.session.layout.spans
    assert len(spans) == 1 and spans[0].op == "accept" and spans[0].row1 is None, (
        "accept shows blocked"
    )
    qtbot.waitUntil(lambda: "Server is blocked in accept()" in w.status_label.text(), timeout=3000)
    assert "no client has connected yet" in w.status_label.text()
    # stepping the blocked server does nothing but say why
    before = calls(w)
    with qtbot.waitSignal(w.session.message, timeout=3000) as blocker:
        w.session.step("Server")
    assert blocker.args[0].startswith("Server is blocked in accept()")
    assert calls(w) == before
    step_and_settle(qtbot, w, "Client")  # socket
    step_and_settle(qtbot, w, "Client")  # connect
    qtbot.waitUntil(lambda: spans[0].row1 is not None, timeout=5000)
    assert spans[0].box.ret is not None and spans[0].box.ret.ok, "accept returned and the bar ended"
    assert any(a.kind == "handshake" for a in w.session.layout.arrows)


def test_step_back_shows_the_past_and_forward_resumes(qtbot: QtBot, window: MainWindow) -> None:
    w = window
    for _ in range(3):
        step_and_settle(qtbot, w, "Server")
    s = w.session
    qtbot.waitUntil(
        lambda: s.state().sockets.get(1) is not None and s.state().sockets[1].state == "LISTEN",
        timeout=3000,
    )
    rows_now = s.layout.rows_at(s.cursor_seq)
    w.activateWindow()
    w.diagram.setFocus()
    qtbot.keyClick(w.diagram, Qt.Key.Key_Left)
    assert s.layout.rows_at(s.cursor_seq) == rows_now - 1
    assert s.state().sockets[1].state != "LISTEN", "one step back: listen() has not happened yet"
    assert w.diagram.ghosts() == [(0, "listen")]
    s.step_back()
    s.step_back()
    assert s.layout.rows_at(s.cursor_seq) == 0
    # forward again through the record, then past its end into the live run
    for _ in range(3):
        qtbot.keyClick(w.diagram, Qt.Key.Key_Right)
    assert s.at_end and s.layout.rows_at(s.cursor_seq) == rows_now
    step_and_settle(qtbot, w)
    assert any(b.op == "accept" for b in s.layout.boxes)


def test_reset_while_blocked_starts_clean(qtbot: QtBot, window: MainWindow) -> None:
    w = window
    for _ in range(4):
        step_and_settle(qtbot, w, "Server")
    old = w.session.runner
    assert old is not None
    qtbot.waitUntil(lambda: old.gate.status("Server")[0] is Status.BLOCKED, timeout=3000)
    t0 = time.monotonic()
    w.act_reset.trigger()
    assert time.monotonic() - t0 < 0.2, "Reset must not wait on the GUI thread"
    qtbot.waitUntil(lambda: old.done.is_set() and not old.alive_threads(), timeout=1000)
    assert w.session.runner is not old
    assert calls(w) == 0 and w.session.layout.row_count == 0
    qtbot.waitUntil(lambda: w.diagram.ghosts() == [(0, "socket")], timeout=3000)


def test_saved_trace_replays_the_same_diagram(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    w = window
    w.speed.setValue(100)
    with qtbot.waitSignal(w.session.runFinished, timeout=10000):
        w.session.toggle_run()
    live = [(b.row, b.lane, b.label, b.result) for b in w.session.layout.boxes]
    live_arrows = [
        (a.kind, a.lane0, a.row0, a.lane1, a.row1, a.label) for a in w.session.layout.arrows
    ]
    path = tmp_path / "echo.jsonl"
    w.session.save_trace(path)
    assert w.open_trace_file(str(path))
    assert w.session.runner is None, "a replay has no sockets"
    assert "recorded trace" in w.windowTitle()
    replay = [(b.row, b.lane, b.label, b.result) for b in w.session.layout.boxes]
    arrows = [(a.kind, a.lane0, a.row0, a.lane1, a.row1, a.label) for a in w.session.layout.arrows]
    assert replay == live and arrows == live_arrows
    w.session.seek(len(w.session.events))
    assert w.diagram.visible_rows() == w.session.layout.row_count


def test_broken_trace_file_gets_a_message_not_a_crash(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text("hello\n")
    opened, shown = read_modal(qtbot, lambda: window.open_trace_file(str(bad)))
    assert opened is False
    detail = next(t for t in shown if t.startswith("informative:"))
    assert str(bad) in detail and ":1:" in detail, "the file:line detail is kept"
    assert window.session.runner is not None, "the current run is kept"


def test_event_loop_answers_while_a_sender_blocks(qtbot: QtBot, window: MainWindow) -> None:
    w = window
    w.session.load_scenario(load_test_scenario("blocked_everywhere"))
    w.speed.setValue(100)
    w.session.toggle_run()
    runner = w.session.runner
    assert runner is not None
    qtbot.waitUntil(lambda: runner.gate.status("Writer")[0] is Status.BLOCKED, timeout=5000)
    # a 50 ms timer must fire on time while the writer thread sits in a blocked send()
    late: list[float] = []
    for _ in range(5):
        t0 = time.monotonic()
        with qtbot.waitSignal(_single_shot(w, 50), timeout=1000):
            pass
        late.append(time.monotonic() - t0 - 0.05)
        assert runner.gate.status("Writer")[0] is Status.BLOCKED
    # A window held by the run would be late by the whole blocked call (seconds); a shared,
    # busy 2-core machine alone makes a timer some tens of ms late now and then.
    assert sorted(late)[2] < 0.05 and max(late) < 0.25, f"timers fired late: {late}"


def test_a_blocked_bar_grows_by_repainting_only_its_end_and_clock(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While a call stays blocked and nothing else happens, the diagram repaints only the bar's
    growing end and its clock over its last whole frame (ui/live_bars.py); what is on screen
    then is what a whole frame would paint at the same moment."""
    from PySide6.QtCore import QPoint, QRect
    from PySide6.QtGui import QGuiApplication, QImage, QPaintEvent

    from socketscope.ui import live_bars

    # the whole frame a second is not what is looked at here (a slow moment must not bring it)
    monkeypatch.setattr(live_bars, "FULL_EVERY", 600.0)
    w = window
    for _ in range(4):  # socket, bind, listen, accept
        step_and_settle(qtbot, w, "Server")
    runner = w.session.runner
    assert runner is not None
    qtbot.waitUntil(lambda: runner.gate.status("Server")[0] is Status.BLOCKED, timeout=3000)
    d = w.diagram
    qtbot.waitUntil(lambda: bool(d._live_spans), timeout=3000)
    t0 = d._live_spans[0].t0
    now = {"t": t0 + 20.0}  # the bar has reached its longest: only the clock still changes
    d.clock = lambda: now["t"]
    paints: list[QRect] = []
    paint = d.paintEvent

    def counted(e: QPaintEvent) -> None:
        paints.append(e.region().boundingRect())
        paint(e)

    d.paintEvent = counted  # type: ignore[method-assign]
    full = d.viewport().rect()
    d.viewport().update()
    qtbot.waitUntil(lambda: full in paints, timeout=3000)
    bar = next(iter(d._live_bars.bars.values()))
    assert bar.rect is not None, "the clock has its place beside the bar"

    def screen() -> QImage:
        at = d.viewport().mapTo(w, QPoint(0, 0))
        shot = QGuiApplication.primaryScreen().grabWindow(w.winId()).toImage()
        return shot.copy(QRect(at, d.viewport().size()))

    before = screen()
    whole_frame_at = d._live_bars.painted_at
    paints.clear()
    now["t"] = t0 + 20.5
    qtbot.waitUntil(lambda: bool(paints), timeout=3000)
    assert d._live_bars.painted_at == whole_frame_at, "the clock was repainted alone"
    assert all(
        r != full and r.width() * r.height() < full.width() * full.height() / 20 for r in paints
    ), paints
    overlaid = screen()
    assert overlaid != before, "the clock on screen moved on"
    d.viewport().update()
    qtbot.waitUntil(lambda: full in paints, timeout=3000)
    assert screen() == overlaid, "a whole frame at the same moment paints the same pixels"


def _single_shot(parent: MainWindow, ms: int) -> object:
    from PySide6.QtCore import QTimer

    t = QTimer(parent)
    t.setSingleShot(True)
    t.start(ms)
    return t.timeout


def test_closing_while_blocked_exits_within_a_second(qtbot: QtBot) -> None:
    w = MainWindow()
    w.diagram.animate = False
    qtbot.addWidget(w)
    w.session.load_scenario(load_test_scenario("blocked_everywhere"))
    w.show()
    w.session.set_speed(100)
    w.session.toggle_run()
    runner = w.session.runner
    assert runner is not None
    qtbot.waitUntil(lambda: runner.gate.status("Acceptor")[0] is Status.BLOCKED, timeout=5000)
    qtbot.waitUntil(lambda: runner.gate.status("Writer")[0] is Status.BLOCKED, timeout=5000)
    t0 = time.monotonic()
    w.close()
    assert time.monotonic() - t0 < 1.0
    assert not runner.alive_threads()
    assert not [
        t for t in threading.enumerate() if t.name.startswith("socketscope-") and t.is_alive()
    ]


def test_gate_mode_follows_the_controls(qtbot: QtBot, window: MainWindow) -> None:
    runner = window.session.runner
    assert runner is not None
    assert runner.gate.mode is Mode.PAUSE
    window.act_run.trigger()
    assert runner.gate.mode is Mode.RUN
    assert window.act_run.text().startswith("❚❚")
    window.act_step.trigger()
    assert runner.gate.mode is Mode.STEP


def test_the_gui_thread_makes_no_socket_call(qtbot: QtBot, window: MainWindow) -> None:
    """Python's audit hooks report socket creation, bind, connect and sendto with the calling
    thread: through a whole run, a reset and a replay, none of them comes from the GUI thread.
    The scenario's own calls are not even in this process: the run host makes them; the window
    only makes its channel to the host (a socketpair), on a helper thread."""
    gui = threading.get_ident()
    seen: list[tuple[str, bool]] = []

    def hook(event: str, args: tuple[object, ...]) -> None:
        if event.startswith("socket.") and recording:
            seen.append((event, threading.get_ident() == gui))

    recording = True
    sys.addaudithook(hook)
    try:
        w = window
        w.act_reset.trigger()
        w.speed.setValue(100)
        with qtbot.waitSignal(w.session.runFinished, timeout=10000):
            w.act_run.trigger()
        w.session.load_scenario(get("udp-echo"))
        with qtbot.waitSignal(w.session.runFinished, timeout=10000):
            w.act_run.trigger()
        w.act_reset.trigger()
        qtbot.waitUntil(lambda: w.diagram.ghosts() == [(0, "socket")], timeout=5000)
    finally:
        recording = False
    assert "socket.__new__" in {e for e, _ in seen}, "the hook saw the channels being made"
    assert not {e for e, _ in seen} & {"socket.bind", "socket.connect", "socket.sendto"}, (
        "the scenario's sockets live in the run host, not in the window's process"
    )
    from_gui = [e for e, on_gui in seen if on_gui]
    assert not from_gui, f"socket calls on the GUI thread: {from_gui}"


def test_a_saved_session_reopens_at_the_same_step(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    w = window
    w.speed.setValue(100)
    with qtbot.waitSignal(w.session.runFinished, timeout=10000):
        w.session.toggle_run()
    for _ in range(5):
        w.session.step_back()
    cursor, rows = w.session.cursor, w.diagram.visible_rows()
    path = tmp_path / "lesson.jsonl"
    w.session.save_trace(path, with_cursor=True)
    w.session.load_scenario(get("udp-echo"))
    assert w.open_trace_file(str(path))
    assert w.session.runner is None and w.session.cursor == cursor
    assert w.diagram.visible_rows() == rows


def test_every_glyph_on_the_controls_exists_in_the_font(window: MainWindow) -> None:
    """Regression: ⏸ is not in DejaVu and showed as an empty box on the Pause button."""
    from PySide6.QtGui import QAction, QFontMetrics

    fm = QFontMetrics(window.font())
    texts = [a.text() for a in window.findChildren(QAction)]
    window.act_run.trigger()  # the button reads Pause while running
    texts.append(window.act_run.text())
    window.act_run.trigger()
    missing = {ch for t in texts for ch in t if ord(ch) > 127 and not fm.inFontUcs4(ord(ch))}
    assert not missing, f"characters without a glyph: {missing}"


def test_the_run_host_starts_after_the_first_paint_and_step_works_at_once(qtbot: QtBot) -> None:
    """Start-up speed (issue 11): the window started by `socketscope` paints before the lesson's
    run host (a second Python) starts; right after, the host runs and the → key steps a call."""
    from PySide6.QtCore import QEvent, QObject

    w = MainWindow()
    qtbot.addWidget(w)
    w.diagram.animate = False
    w.persist = False
    w.session.defer_start = True  # as ui/app.py does for the interactive window
    w.session.load_scenario(get("tcp-echo"))
    runner = w.session.runner
    assert runner is not None
    started_at_first_paint: list[bool] = []

    class Watch(QObject):
        def eventFilter(self, obj: QObject, e: QEvent) -> bool:
            if e.type() == QEvent.Type.Paint and not started_at_first_paint:
                started_at_first_paint.append(runner.started)
            return False

    watch = Watch()
    w.installEventFilter(watch)
    w.resize(1280, 800)
    w.show()
    qtbot.waitUntil(lambda: bool(started_at_first_paint), timeout=5000)
    w.removeEventFilter(watch)
    assert started_at_first_paint == [False]
    qtbot.waitUntil(lambda: runner.started, timeout=5000)
    calls = sum(1 for e in w.session.events if e.kind == "call")
    w.activateWindow()
    qtbot.keyClick(w, Qt.Key.Key_Right)
    qtbot.waitUntil(
        lambda: sum(1 for e in w.session.events if e.kind == "call") > calls, timeout=15000
    )
    # the next lesson loaded is not held back: the deferral is for the start-up's lesson alone
    w.session.load_scenario(get("udp-echo"))
    nxt = w.session.runner
    assert nxt is not None
    qtbot.waitUntil(lambda: nxt.started, timeout=5000)
    w.close()


def test_the_first_paint_is_the_real_window_and_the_rest_comes_right_after(
    qtbot: QtBot,
) -> None:
    """Start-up speed (issue 11): the first picture is the window with its lesson, not a splash:
    the diagram's lanes, the code, the toolbar and the menus, and the docks' frames where they
    stay. The panels inside the docks, the code's colours, the Lessons menu and study mode are
    made right after, one per turn of the event loop; nothing moves when they come, and they
    then work as before."""
    from PySide6.QtCore import QEvent, QObject, QRect

    w = MainWindow()
    qtbot.addWidget(w)
    w.diagram.animate = False
    w.persist = False
    w.session.load_scenario(get("tcp-echo"))
    at_first_paint: dict[str, object] = {}
    ready: list[bool] = []
    w.ready.connect(lambda: ready.append(True))

    def places() -> list[QRect]:
        # what is on screen (at 800 px high the sockets table is a tab behind the inspector)
        shown = (w.diagram, w.toolbar, w.inspector_dock, w.lesson_dock, w.statusBar())
        return [QRect(x.geometry()) for x in shown]

    class Watch(QObject):
        def eventFilter(self, obj: QObject, e: QEvent) -> bool:
            if e.type() == QEvent.Type.Paint and not at_first_paint:
                at_first_paint.update(
                    lanes=list(w.diagram.layout_model.lanes),
                    title=w.windowTitle(),
                    highlighted=w.lesson._highlighter is not None,
                    lessons=len(w.scenario_menu.actions()),
                    code=w.lesson.code.toPlainText(),
                    panels=w.panels_if_built("inspector") is not None,
                    menus=[a.text() for a in w.menuBar().actions()],
                    step=w.act_step.text(),
                    places=places(),
                    docks=[d.isVisible() for d in (w.inspector_dock, w.lesson_dock)],
                )
            return False

    watch = Watch()
    w.installEventFilter(watch)
    assert w._study_ctl is None and w.lesson._highlighter is None
    w.resize(1280, 800)
    w.show()
    qtbot.waitUntil(lambda: bool(at_first_paint), timeout=5000)
    w.removeEventFilter(watch)
    assert at_first_paint["lanes"] == ["Server", "Client"]
    assert "tcp-echo" in str(at_first_paint["title"])
    assert at_first_paint["highlighted"] is False and at_first_paint["lessons"] == 0
    assert "listener.accept()" in str(at_first_paint["code"]), "the lesson's code is shown"
    assert at_first_paint["menus"] == ["&File", "&Lessons", "&View"]
    assert at_first_paint["step"] == "Step →" and at_first_paint["docks"] == [True, True]
    assert at_first_paint["panels"] is False, "the inspector comes after the first paint"
    qtbot.waitUntil(lambda: bool(ready), timeout=10000)
    assert w._study_ctl is not None and w.lesson._highlighter is not None
    assert w.panels_if_built("inspector") is not None
    assert w.inspector.isVisible() and w.table.isVisible()
    assert places() == at_first_paint["places"], "nothing moved when the panels came"
    groups = [a.menu() for a in w.scenario_menu.actions() if a.menu() is not None]
    titles = [a.text() for g in groups for a in g.actions()]
    assert any("(tcp-echo)" in t for t in titles) and len(titles) >= 17
    w.close()
