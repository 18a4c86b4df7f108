"""Selecting, zooming, following, animating, and the window's command line."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from conftest import load_test_scenario, read_modal
from socketscope.engine.scenario import get
from socketscope.ui.app import settled
from socketscope.ui.mainwindow import MainWindow

pytestmark = pytest.mark.gui


@pytest.fixture
def window(gui_window: MainWindow) -> MainWindow:
    return gui_window


def run_through(qtbot: QtBot, w: MainWindow, scenario: object) -> None:
    w.session.load_scenario(scenario)  # type: ignore[arg-type]
    w.speed.setValue(100)
    with qtbot.waitSignal(w.session.runFinished, timeout=10000):
        w.session.toggle_run()


def click_box(qtbot: QtBot, w: MainWindow, box: object) -> None:
    d = w.diagram
    d.follow = False
    d.verticalScrollBar().setValue(int(box.row * d.row_h))  # type: ignore[attr-defined]
    x = int(d.x_of(box.lane))  # type: ignore[attr-defined]
    y = int(d.y_of(box.row))  # type: ignore[attr-defined]
    qtbot.mouseClick(d.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, y))


def test_clicking_a_recv_shows_its_socket_bytes_and_stream(
    qtbot: QtBot, window: MainWindow
) -> None:
    w = window
    run_through(qtbot, w, load_test_scenario("stream_and_datagrams"))
    recv = next(b for b in w.session.layout.boxes if b.op == "recv" and b.ret and b.ret.nbytes)
    click_box(qtbot, w, recv)
    assert w.diagram.selected is recv
    qtbot.waitUntil(lambda: w.inspector.sock_id == recv.sock, timeout=2000)
    assert w.inspector.fields["type"].text() == "SOCK_STREAM (TCP)"
    assert w.inspector.fields["peer"].text().startswith("127.0.0.1:")
    assert bytes(w.inspector.call_hex.data) == bytes.fromhex(recv.ret.data or "")
    # the stream pane holds both sends, each its own segment
    assert bytes(w.inspector.stream_hex.data) == b"helloworld"
    assert w.inspector.stream_hex.segments == [(0, 5), (5, 10)]
    # and the socket table selects the same socket
    rows = w.table.selectionModel().selectedRows()
    assert rows and w.table_model.ids[rows[0].row()] == recv.sock


def test_listener_gauges_show_accept_queue_against_backlog(
    qtbot: QtBot, window: MainWindow
) -> None:
    """Waits on the trace, never on the live gate: the panels show the trace, and a gate that
    already says "blocked" may be ahead of the events the window has drained (the old race)."""
    w = window
    w.session.load_scenario(load_test_scenario("blocked_everywhere"))
    w.speed.setValue(100)
    w.session.toggle_run()

    def connector_blocked_in_connect() -> bool:
        return any(
            e.kind == "blocked" and e.actor == "Connector" and e.op == "connect"
            for e in w.session.events
        )

    qtbot.waitUntil(connector_blocked_in_connect, timeout=5000)
    listen = next(
        b
        for b in w.session.layout.boxes
        if b.op == "listen" and w.session.layout.lanes[b.lane] == "Connector"
    )
    click_box(qtbot, w, listen)
    qtbot.waitUntil(lambda: w.inspector.accept_q.format() == "1 / 1 connections", timeout=3000)
    assert w.inspector.accept_q.isVisibleTo(w)
    assert w.inspector.fields["state"].text() == "LISTEN"


def test_clicking_a_ghost_steps_that_actor(qtbot: QtBot, window: MainWindow) -> None:
    w = window
    w.session.load_scenario(get("tcp-echo"))
    qtbot.waitUntil(lambda: w.diagram.ghosts() == [(0, "socket")], timeout=5000)
    d = w.diagram
    pos = QPoint(int(d.x_of(0)), int(d.y_of(d.visible_rows())))
    qtbot.mouseClick(d.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    qtbot.waitUntil(lambda: any(e.kind == "call" for e in w.session.events), timeout=3000)
    assert next(e for e in w.session.events if e.kind == "call").op == "socket"


def test_number_keys_step_that_actor(qtbot: QtBot, window: MainWindow) -> None:
    w = window
    w.session.load_scenario(get("tcp-echo"))
    qtbot.waitUntil(lambda: settled(w) and w.diagram.ghosts() == [(0, "socket")], timeout=5000)
    w.diagram.setFocus()
    qtbot.keyClick(w.diagram, Qt.Key.Key_2)  # the client has not started: nothing moves
    qtbot.waitUntil(
        lambda: "Client starts when Server reaches accept()" in w.status_label.text(), timeout=2000
    )
    qtbot.keyClick(w.diagram, Qt.Key.Key_1)
    qtbot.waitUntil(lambda: any(e.kind == "call" for e in w.session.events), timeout=3000)


def test_zoom_keys_wheel_and_fit(qtbot: QtBot, window: MainWindow) -> None:
    w = window
    run_through(qtbot, w, get("tcp-echo"))
    d = w.diagram
    z = d.zoom
    qtbot.keyClick(d, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    assert d.zoom > z
    qtbot.keyClick(d, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert d.zoom == pytest.approx(z)
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QWheelEvent

    ev = QWheelEvent(
        QPointF(100, 100),
        QPointF(100, 100),
        QPoint(0, 0),
        QPoint(0, 120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.ControlModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    d.wheelEvent(ev)
    assert d.zoom > z
    w.act_fit.trigger()
    # fit: every row is inside the viewport
    assert d.y_of(d.visible_rows()) <= d.viewport().height()


def test_follows_the_newest_event_unless_scrolled_away(qtbot: QtBot, window: MainWindow) -> None:
    w = window
    w.resize(1200, 500)
    run_through(qtbot, w, load_test_scenario("stream_and_datagrams"))
    vb = w.diagram.verticalScrollBar()
    assert vb.maximum() > 0 and vb.value() == vb.maximum(), "following the newest event"
    vb.setValue(0)
    assert not w.diagram.follow
    w.session.step_back()
    assert vb.value() == 0, "scrolled away: the view stays where the user put it"
    vb.setValue(vb.maximum())
    assert w.diagram.follow


def test_new_items_animate_in_and_the_animation_ends(qtbot: QtBot, window: MainWindow) -> None:
    w = window
    d = w.diagram
    d.animate = True
    d.anim_seconds = 0.2
    w.session.load_scenario(get("tcp-echo"))
    qtbot.waitUntil(lambda: settled(w), timeout=5000)
    w.session.step()
    qtbot.waitUntil(lambda: bool(d.layout_model.boxes) and d._animating, timeout=3000)
    img = QImage(d.viewport().size(), QImage.Format.Format_ARGB32)
    d.viewport().render(img)  # mid-animation paint works
    qtbot.waitUntil(lambda: not d._anim_timer.isActive(), timeout=3000)
    assert not d._animating


def test_blocked_bar_grows_with_a_live_clock(qtbot: QtBot, window: MainWindow) -> None:
    w = window
    w.session.load_scenario(get("tcp-echo"))
    for _ in range(4):
        qtbot.waitUntil(lambda: settled(w), timeout=5000)
        w.session.step("Server")
    qtbot.waitUntil(lambda: bool(w.diagram._live_spans), timeout=3000)
    assert w.diagram._anim_timer.isActive(), "a live blocked bar keeps the clock ticking"
    t0 = w.session.trace_time()
    qtbot.waitUntil(lambda: w.session.trace_time() - t0 > 0.1, timeout=2000)
    span = w.diagram._live_spans[0]
    assert w.session.trace_time() - span.t0 > 0.1


ENV = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}


def test_screenshot_command_writes_a_png(tmp_path: Path) -> None:
    out = tmp_path / "shot.png"
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "socketscope",
            "--screenshot",
            str(out),
            "--steps",
            "4",
            "--size",
            "1280x720",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env=ENV,
    )
    assert r.returncode == 0, r.stderr
    img = QImage(str(out))
    assert (img.width(), img.height()) == (1280, 720)
    assert "Traceback" not in r.stderr


def test_self_test_passes(tmp_path: Path) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "socketscope", "--self-test"],
        capture_output=True,
        text=True,
        timeout=60,
        env=ENV,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "self-test ok" in r.stdout


def test_window_on_unknown_scenario_exits_2() -> None:
    r = subprocess.run(
        [sys.executable, "-m", "socketscope", "--scenario", "nope", "--self-test"],
        capture_output=True,
        text=True,
        timeout=60,
        env=ENV,
    )
    assert r.returncode == 2 and "tcp-echo" in r.stderr and "Traceback" not in r.stderr


def test_animation_survives_a_timer_tick_before_the_first_frame(
    qtbot: QtBot, window: MainWindow
) -> None:
    """Regression: the timer ticked between a refresh and its paint, stopped, and left new items
    frozen at the start of their animation (invisible) in a real window."""
    w = window
    d = w.diagram
    w.session.load_scenario(get("tcp-echo"))
    for _ in range(2):
        qtbot.waitUntil(lambda: settled(w), timeout=5000)
        w.session.step("Server")
    qtbot.waitUntil(lambda: settled(w) and d.visible_rows() == 2, timeout=5000)
    d.animate = True
    d.anim_seconds = 0.15
    w.session.step("Server")  # listen
    qtbot.waitUntil(lambda: d.visible_rows() == 3, timeout=5000)
    d._animating = False
    d._tick()  # the tick that comes before the paint: nothing seemed to animate, so it stops
    assert not d._anim_timer.isActive()
    d.viewport().repaint()  # the first frame of the new box's animation
    assert d._anim_timer.isActive(), "the frame that starts an animation restarts the timer"
    qtbot.waitUntil(lambda: not d._anim_timer.isActive(), timeout=3000)
    box = d.layout_model.boxes[2]
    assert d._progress(("b", box.seq), box.seq, time.monotonic()) == 1.0, (
        "the box finished appearing"
    )


@pytest.mark.parametrize(
    "sid",
    [s.id for s in __import__("socketscope.engine.scenario", fromlist=["x"]).builtin_scenarios()],
)
def test_every_scenario_runs_in_the_window(qtbot: QtBot, window: MainWindow, sid: str) -> None:
    run_through(qtbot, window, get(sid))
    lay = window.session.layout
    calls = [e for e in window.session.events if e.kind == "call"]
    assert len(lay.boxes) == len(calls) + len(window.session.trace.of("burst"))
    img = QImage(window.diagram.viewport().size(), QImage.Format.Format_ARGB32)
    window.diagram.viewport().render(img)


def test_a_broken_or_refused_scenario_file_gets_a_message(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("ID = 'x'\ndef broken(:\n")
    window.session.load_scenario(get("tcp-echo"))
    opened, shown = read_modal(qtbot, lambda: window.open_scenario_file(str(bad)))
    assert opened is False
    assert f"informative:{bad}:2" in " ".join(shown)
    assert window.session.trace.header["scenario"] == "tcp-echo", "the app keeps the open scenario"
    outside = tmp_path / "outside.py"
    outside.write_text(
        "from socketscope.api import AF_INET, SOCK_STREAM, actor, socket\n"
        "ID = 'outside'\nTITLE = {'en': 'o', 'ko': 'o'}\nSUMMARY = {'en': 'o', 'ko': 'o'}\n"
        "@actor('Client')\n"
        "def client():\n"
        "    s = socket(AF_INET, SOCK_STREAM)\n"
        "    s.connect(('192.0.2.1', 80))\n"
    )
    assert window.open_scenario_file(str(outside))
    with qtbot.waitSignal(window.session.message, timeout=10000) as blocker:
        window.session.set_speed(100)
        window.session.toggle_run()
    assert blocker.args[0].startswith(f"{outside}:8: connect() to 192.0.2.1:80 refused")
