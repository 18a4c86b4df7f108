"""The panels and the window: the selection controller (with a fake view, over a real run's
trace; lecture mode's is in test_lecture_mode.py), and the window driven by keys and clicks,
checked by what it shows."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QAbstractScrollArea, QApplication, QDockWidget, QWidget
from pytestqt.qtbot import QtBot

from conftest import load_test_scenario
from socketscope.engine import Event, Runner
from socketscope.engine.scenario import get
from socketscope.model.diagram import Box, DiagramLayout
from socketscope.model.state import RunState
from socketscope.ui.app import settled
from socketscope.ui.mainwindow import MainWindow
from socketscope.ui.selection import SelectionController, Shown


# --- the selection controller, with a fake view ---------------------------------------------------
@dataclass
class RecordedSession:
    """A finished real run, with a cursor: what the selection reads of a session."""

    events: list[Event]
    layout: DiagramLayout
    cursor: int
    actors: list[str]

    @property
    def cursor_seq(self) -> int:
        return self.events[self.cursor - 1].seq if self.cursor else 0

    def state(self) -> RunState:
        return RunState.at(self.events, self.cursor, self.actors)


@dataclass
class FakeSelectionView:
    highlighted: list[Box | None] = field(default_factory=list)
    shown: list[Shown] = field(default_factory=list)

    def highlight(self, box: Box | None) -> None:
        self.highlighted.append(box)

    def show_selection(self, shown: Shown) -> None:
        self.shown.append(shown)


@pytest.fixture(scope="module")
def echo_run() -> tuple[list[Event], list[str]]:
    sc = get("tcp-echo")
    return Runner(sc).run_to_end(), [a.name for a in sc.actors]


def recorded(events: list[Event], actors: list[str], cursor: int) -> RecordedSession:
    layout = DiagramLayout(actors)
    layout.extend(events)
    return RecordedSession(events, layout, cursor, actors)


def test_selection_follows_the_newest_call_and_shows_the_listener_alongside(
    echo_run: tuple[list[Event], list[str]],
) -> None:
    events, actors = echo_run
    # just after the client's connect() returned: the listener is still open
    connect = next(e for e in events if e.kind == "return" and e.op == "connect")
    s = recorded(events, actors, events.index(connect) + 1)
    view = FakeSelectionView()
    sel = SelectionController(s, view)
    sel.refresh()
    shown = view.shown[-1]
    assert shown.box is None
    assert shown.sock == connect.sock, "nothing chosen: the newest call's socket"
    listener = next(e for e in events if e.kind == "return" and e.op == "listen")
    assert shown.listener == listener.sock, "the listener's accept queue without a click"


def test_selection_of_a_call_and_stepping_back_before_it(
    echo_run: tuple[list[Event], list[str]],
) -> None:
    events, actors = echo_run
    s = recorded(events, actors, len(events))
    view = FakeSelectionView()
    sel = SelectionController(s, view)
    accept = next(b for b in s.layout.boxes if b.op == "accept")
    sel.choose_box(accept)
    assert view.highlighted[-1] is accept
    assert view.shown[-1].sock == accept.ret.new_sock, "accept(): the new connection's socket"
    s.cursor = next(i for i, e in enumerate(events) if e.seq >= accept.seq)  # before the call
    sel.refresh()
    assert view.shown[-1].box is None and view.highlighted[-1] is None
    sel.choose_socket(None)
    sel.forget()
    assert sel.box is None and sel.sock is None


# --- the window ---------------------------------------------------------------------------------
@pytest.fixture
def window(gui_window: MainWindow) -> MainWindow:
    return gui_window


def run_through(qtbot: QtBot, w: MainWindow, scenario: object) -> None:
    w.session.load_scenario(scenario)  # type: ignore[arg-type]
    w.speed.setValue(100)
    with qtbot.waitSignal(w.session.runFinished, timeout=15000):
        qtbot.keyClick(w.diagram, Qt.Key.Key_Space)


def step_until(qtbot: QtBot, w: MainWindow, done: object, most: int = 60) -> None:
    for _ in range(most):
        # the panels follow a step within their coalescing interval (60 ms): a state that lasts
        # one step (a full accept queue) was missed when looked at before they had
        try:
            qtbot.waitUntil(done, timeout=200)  # type: ignore[arg-type]
            return
        except qtbot.TimeoutError:
            pass
        qtbot.waitUntil(lambda: settled(w), timeout=5000)
        n = len(w.session.events)
        qtbot.keyClick(w.diagram, Qt.Key.Key_Right)
        qtbot.waitUntil(lambda n=n: len(w.session.events) > n or w.session.finished, timeout=5000)
    raise AssertionError("the condition never held")


@pytest.mark.gui
def test_window_opens_at_its_saved_geometry_and_first_fits_the_screen(qtbot: QtBot) -> None:
    first = MainWindow()
    qtbot.addWidget(first)
    avail = first.screen().availableGeometry()
    assert first.width() <= avail.width() and first.height() <= avail.height() - 32
    first.resize(700, 500)
    first.show()
    first.close()
    again = MainWindow()
    qtbot.addWidget(again)
    again.show()
    assert (again.width(), again.height()) == (700, 500)
    again.close()


@pytest.mark.gui
def test_a_newcomer_sees_the_lesson_introduction_and_the_first_actors_code(
    qtbot: QtBot, window: MainWindow
) -> None:
    w = window
    sc = get("tcp-echo")
    w.session.load_scenario(sc)
    qtbot.waitUntil(lambda: settled(w) and w.diagram.ghosts() != [], timeout=5000)
    qtbot.waitUntil(lambda: "What to notice" in w.lesson.explanation.toPlainText(), timeout=2000)
    text = w.lesson.explanation.toPlainText()
    assert sc.text("title", "en") in text and sc.text("summary", "en")[:40] in text
    assert sc.notice["en"][0][:30] in text
    first_visible = w.lesson.code.firstVisibleBlock().text()
    assert first_visible.startswith("@actor("), first_visible
    w.set_language("ko")
    qtbot.waitUntil(lambda: "눈여겨볼 점" in w.lesson.explanation.toPlainText(), timeout=2000)
    assert sc.text("title", "ko") in w.lesson.explanation.toPlainText()


@pytest.mark.gui
def test_no_stale_text_after_reset_or_a_new_lesson(qtbot: QtBot, window: MainWindow) -> None:
    w = window
    run_through(qtbot, w, get("tcp-echo"))
    send = next(b for b in w.session.layout.boxes if b.op == "send" and b.ret and b.ret.nbytes)
    w.diagram.follow = False
    w.diagram.verticalScrollBar().setValue(int(send.row * w.diagram.row_h))
    pos = QPoint(int(w.diagram.x_of(send.lane)), int(w.diagram.y_of(send.row)))
    qtbot.mouseClick(w.diagram.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    qtbot.waitUntil(lambda: "Bytes of this send()" in w.inspector.call_box.title(), timeout=2000)
    qtbot.keyClick(w.diagram, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: w.inspector.sock_id is None, timeout=3000)
    qtbot.wait(100)  # the panels' coalescing timer
    assert w.inspector.call_box.title() == "Bytes of this call"
    assert w.inspector.queue_note.text() == ""
    assert "backlog" not in w.inspector.queue_note.text()
    # a lesson with listen(1): nothing of the last run's backlog 5 before anything ran
    w.session.load_scenario(get("tcp-backlog"))
    qtbot.waitUntil(lambda: settled(w), timeout=5000)
    qtbot.wait(100)
    assert w.inspector.queue_note.text() == ""
    assert w.inspector.title.text() == "Select a call or a socket"


@pytest.mark.gui
def test_the_inspector_says_what_the_kernel_measured(qtbot: QtBot, window: MainWindow) -> None:
    w = window
    w.session.load_scenario(get("tcp-echo"))
    # after socket(): a fresh TCP socket in CLOSED has no queues, which is not "not available"
    step_until(
        qtbot, w, lambda: any(e.op == "socket" and e.kind == "return" for e in w.session.events)
    )
    qtbot.waitUntil(lambda: "CLOSED: not connected" in w.inspector.queue_note.text(), timeout=2000)
    assert "not available" not in w.inspector.queue_note.text()
    # a blocked UDP reader: its receive queue is measured (0 bytes), the next datagram none
    w.session.load_scenario(load_test_scenario("blocked_everywhere"))
    w.speed.setValue(100)
    qtbot.keyClick(w.diagram, Qt.Key.Key_Space)
    qtbot.waitUntil(
        lambda: any(e.kind == "blocked" and e.actor == "UdpReader" for e in w.session.events),
        timeout=5000,
    )
    box = next(
        b
        for b in w.session.layout.boxes
        if b.op == "bind" and w.session.layout.lanes[b.lane] == "UdpReader"
    )
    w.diagram.follow = False
    w.diagram.verticalScrollBar().setValue(int(box.row * w.diagram.row_h))
    pos = QPoint(int(w.diagram.x_of(box.lane)), int(w.diagram.y_of(box.row)))
    qtbot.mouseClick(w.diagram.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    qtbot.waitUntil(
        lambda: "UDP receive queue: the bytes" in w.inspector.queue_note.text(), timeout=3000
    )
    assert w.inspector.recv_q.format().startswith("0 / ")
    assert "Next datagram: none queued." in w.inspector.queue_note.text()
    assert "not available" not in w.inspector.queue_note.text()


@pytest.mark.gui
def test_the_sockets_table_fits_and_the_listeners_queue_shows_without_a_click(
    qtbot: QtBot, window: MainWindow
) -> None:
    w = window
    w.resize(1920, 1080)
    w.reset_layout()
    w.session.load_scenario(get("tcp-backlog"))

    def queue_full() -> bool:
        return w.inspector.accept_q.isVisibleTo(w) and w.inspector.accept_q.format().startswith(
            "2 / 2"
        )

    step_until(qtbot, w, queue_full, most=80)
    assert (
        "Server's listener" in w.inspector.queue_note.text()
        or w.inspector.fields["state"].text() == "LISTEN"
    )
    t = w.table
    qtbot.waitUntil(lambda: t.model().rowCount() > 2, timeout=2000)
    assert t.horizontalScrollBar().maximum() == 0, "no horizontal scrolling at 1920 px"
    h = t.horizontalHeader()
    last = h.count() - 1
    assert h.sectionViewportPosition(last) + h.sectionSize(last) <= t.viewport().width()
    assert "2/2" in [t.model().index(r, last).data() for r in range(t.model().rowCount())]


@pytest.mark.gui
def test_zoom_keys_menu_names_and_zoom_per_lesson(qtbot: QtBot, window: MainWindow) -> None:
    w = window
    d = w.diagram
    w.session.load_scenario(get("tcp-echo"))
    qtbot.waitUntil(lambda: settled(w), timeout=5000)
    names = [a.text() for a in w.view_menu.actions()]
    for name in ("Zoom in", "Zoom out", "Actual size", "Fit"):
        assert name in names
    qtbot.keyClick(d, Qt.Key.Key_9, Qt.KeyboardModifier.ControlModifier)  # fit, nothing run
    assert d.zoom == 1.0
    qtbot.keyClick(d, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(d, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    assert d.zoom > 1.2
    qtbot.keyClick(d, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert d.zoom == 1.0, "Ctrl+0 is 100 %"
    qtbot.keyClick(d, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert d.zoom < 1.0
    w.session.load_scenario(get("udp-echo"))
    qtbot.waitUntil(lambda: d.zoom == 1.0, timeout=2000)


def clipped(root: QWidget) -> list[str]:
    """Visible widgets that stick out of their parent, except inside a scroll area's viewport
    (scrolled on purpose)."""
    bad = []
    for child in root.findChildren(QWidget):
        parent = child.parentWidget()
        if parent is None or not child.isVisibleTo(root) or child.isWindow():
            continue
        if isinstance(parent.parentWidget(), QAbstractScrollArea):
            continue  # a scroll area's content: scrolled, not clipped
        if isinstance(child, QDockWidget) and not parent.rect().intersects(child.geometry()):
            continue  # a dock behind another's tab: Qt parks it out of sight
        if not parent.rect().contains(child.geometry()):
            bad.append(
                f"{type(child).__name__} {child.objectName()} {child.geometry()} in {parent.rect()}"
            )
    return bad


@pytest.mark.gui
def test_a_laptop_screen_1280x720_clips_nothing(qtbot: QtBot, window: MainWindow) -> None:
    w = window
    w.resize(1280, 720)
    w.reset_layout()
    w.session.load_scenario(get("tcp-echo"))
    step_until(qtbot, w, lambda: w.session.layout.row_count >= 8)
    QApplication.processEvents()
    assert clipped(w) == []
    assert w.diagram.width() >= 0.6 * 1280 and w.diagram.height() >= 0.55 * 720
    # the byte views are reachable: the inspector is not under the sockets table
    assert w.inspector_dock.isVisibleTo(w) and not w.inspector_dock.visibleRegion().isEmpty()
    w.grab().save("/tmp/shots-panels/test-echo-1280x720.png")


@pytest.mark.gui
def test_a_status_sentence_too_long_for_1280_ends_in_an_ellipsis(
    qtbot: QtBot, window: MainWindow
) -> None:
    """tcp-backlog in Korean at 1280×720: three clients blocked make a status sentence wider
    than the window, which was cut mid-word at its edge ("Client 3은(는) conr"). It ends in
    "…" where it is cut, and its tooltip has the whole sentence."""
    w = window
    w.resize(1280, 720)
    w.set_language("ko")
    w.session.load_scenario(get("tcp-backlog"))
    step_until(qtbot, w, lambda: w.status_label.text().count("블로킹") >= 3)
    label = w.status_label
    qtbot.waitUntil(lambda: label.toolTip() == label.text(), timeout=3000)
    shown = label.shown_text()
    assert shown.endswith("…") and label.text().startswith(shown[:-1])
    assert label.fontMetrics().horizontalAdvance(shown) <= label.contentsRect().width()


@pytest.mark.gui
def test_the_newest_calls_lane_is_scrolled_into_view_when_the_lanes_are_wider(
    qtbot: QtBot, window: MainWindow
) -> None:
    """tcp-multi-client has seven lanes; in lecture mode at 1920 px five fit. Stepping, a
    call on Client 3's lane happened off-screen while the inspector showed its socket. The
    lane of each step's newest call is in view, as its row is."""
    w = window
    w.resize(1920, 1080)
    w.set_lecture(True, full_screen=False)
    w.session.load_scenario(get("tcp-multi-client"))
    d = w.diagram
    seen = set()
    for _ in range(30):
        qtbot.waitUntil(lambda: settled(w), timeout=5000)
        if w.session.finished:
            break
        n = len(w.session.events)
        qtbot.keyClick(d, Qt.Key.Key_Right)
        qtbot.waitUntil(lambda n=n: len(w.session.events) > n or w.session.finished, timeout=5000)
        qtbot.waitUntil(lambda: d.cursor_seq == w.session.cursor_seq, timeout=3000)
        QApplication.processEvents()
        # the newest thing on a lane: a call made, or a wait that ended (its return's row)
        lay, cur = d.layout_model, d.cursor_seq
        things = [(b.seq, b.lane) for b in lay.boxes if b.seq <= cur]
        things += [(s.seq1, s.lane) for s in lay.spans if s.seq1 is not None and s.seq1 <= cur]
        lane = max(things)[1]
        seen.add(d.layout_model.lanes[lane])
        assert 0 <= d.x_of(lane) <= d.viewport().width(), d.layout_model.lanes[lane]
    assert d.horizontalScrollBar().maximum() > 0, "the lanes are wider than the window"
    assert "Client 3" in seen
    w.set_lecture(False)


@pytest.mark.gui
def test_lecture_mode_leaves_the_diagram_three_quarters_of_1920(
    qtbot: QtBot, window: MainWindow
) -> None:
    w = window
    w.resize(1920, 1080)
    w.session.load_scenario(get("tcp-backlog"))
    w.set_lecture(True, full_screen=False)
    QApplication.processEvents()
    assert w.inspector_dock.width() < 1920 / 4
    assert clipped(w.inspector_dock) == []
    w.set_lecture(False)


@pytest.mark.gui
def test_a_crashed_actor_is_said_and_reset_is_offered(qtbot: QtBot, window: MainWindow) -> None:
    w = window
    w.session.load_scenario(load_test_scenario("crash_leaves_peer_blocked"))
    w.speed.setValue(100)
    qtbot.keyClick(w.diagram, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: "never return" in w.status_label.text(), timeout=8000)
    text = w.status_label.text()
    assert "Client crashed: RuntimeError: a bug before connect()" in text
    assert "Server's accept() waits on an actor that is dead" in text
    assert w.reset_button.isVisible()
    old = w.session.trace
    qtbot.mouseClick(w.reset_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: w.session.trace is not old and not w.reset_button.isVisible(), timeout=3000
    )
    assert "crashed" not in w.status_label.text()


@pytest.mark.gui
def test_pressing_2_at_the_start_says_what_the_client_waits_for_in_korean(
    qtbot: QtBot, window: MainWindow
) -> None:
    w = window
    w.set_language("ko")
    w.session.load_scenario(get("tcp-echo"))
    qtbot.waitUntil(lambda: settled(w) and w.diagram.ghosts() == [(0, "socket")], timeout=5000)
    qtbot.keyClick(w.diagram, Qt.Key.Key_2)
    qtbot.waitUntil(lambda: "accept()에 이르면 시작합니다" in w.status_label.text(), timeout=2000)


@pytest.mark.gui
def test_a_run_host_that_died_leaves_a_hint_in_korean(qtbot: QtBot, window: MainWindow) -> None:
    w = window
    w.set_language("ko")
    w.session.load_scenario(load_test_scenario("exits_midway"))
    w.speed.setValue(100)
    with qtbot.waitSignal(w.session.runFinished, timeout=10000):
        qtbot.keyClick(w.diagram, Qt.Key.Key_Space)
    # the exit's own message shows first for a while; the hint stays after it
    qtbot.waitUntil(lambda: "초기화(Ctrl+R)" in w.status_label.text(), timeout=8000)
    assert "Server의 accept()" in w.status_label.text()
    assert w.reset_button.isVisible() and w.reset_button.text() == "⟲ 초기화"


def test_views_never_read_the_live_run() -> None:
    """Everything on screen is a function of (trace, cursor): only the session (the bridge) and
    the screenshot driver may touch the run host's live state."""
    from pathlib import Path

    import socketscope.ui

    ui = Path(socketscope.ui.__file__).parent
    readers = {
        p.name
        for p in ui.glob("*.py")
        if p.name not in ("session.py", "app.py")
        and any(s in p.read_text(encoding="utf-8") for s in ("runner.", ".gate.", "_finished_sent"))
    }
    assert not readers, f"views reading the live run: {sorted(readers)}"
