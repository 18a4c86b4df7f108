"""Study mode: a question before each step, answered by the real run, scored and summarised.

The model is tested on real traces; the controller with a fake view over a real session (real
sockets); the window by pressing the real keys and clicking the real dialog."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QToolButton
from pytestqt.qtbot import QtBot

from socketscope.engine import Event, Runner
from socketscope.engine.scenario import get
from socketscope.model.study import (
    Question,
    SocketFacts,
    find_call,
    outcome,
    question_for,
    topic,
)
from socketscope.ui.app import settled
from socketscope.ui.mainwindow import MainWindow
from socketscope.ui.study import StudyController, Summary, Verdict

TCP = SocketFacts("TCP")
UDP = SocketFacts("UDP")
STAGING = ("socket", "listen", "wait_until", "spawn", "signal", "kill", "setsockopt", "settimeout")


def _grade(events: list[Event], ret: Event, facts: SocketFacts) -> str | None:
    """Grade a return of a free run (no gate): its call is that actor's last call of the op."""
    call = [e for e in events if e.kind == "call" and e.actor == ret.actor and e.seq < ret.seq]
    start = next(e for e in reversed(call) if e.op == ret.op)
    q = question_for(ret.op or "", facts)
    assert q is not None
    return outcome(q, find_call(events, ret.actor, ret.op or "", start.seq - 1))


def test_questions_only_about_real_calls_chosen_by_socket_type() -> None:
    for op in STAGING:
        assert question_for(op, TCP) is None, f"{op}() is not worth a question"
    assert question_for("close", UDP) is None, "UDP has no connection state to ask about"
    assert question_for("close", SocketFacts("TCP", listening=True)) is None
    assert question_for("close", SocketFacts("TCP", connected=True)) is not None
    udp_recv = question_for("recvfrom", UDP)
    assert udp_recv is not None and "eof" not in udp_recv.choice_keys()
    tcp_recv = question_for("recv", TCP)
    assert (
        tcp_recv is not None and {"data", "blocks_data", "eof", "error"} <= tcp_recv.choice_keys()
    )
    nonblocking = question_for("recv", SocketFacts("TCP", mode="nonblocking"))
    assert nonblocking is not None and "EAGAIN" in nonblocking.choice_keys()
    udp_connect = question_for("connect", UDP)
    assert udp_connect is not None and udp_connect.kind == "connect_udp"
    for op in (
        "bind",
        "accept",
        "connect",
        "send",
        "sendall",
        "sendto",
        "recv",
        "recvfrom",
        "read",
        "write",
        "select",
    ):
        q = question_for(op, TCP)
        assert q is not None and q.text["en"] and q.text["ko"]
        assert all(en and ko for _, en, ko in q.choices)


def test_korean_questions_take_the_particle_of_the_call_name() -> None:
    assert topic("socket") == "socket()은" and topic("listen") == "listen()은"
    assert topic("recvfrom") == "recvfrom()은" and topic("shutdown") == "shutdown()은"
    assert topic("signal") == "signal()은" and topic("kill") == "kill()은"
    for op in ("accept", "close", "recv", "send", "connect", "bind"):
        assert topic(op) == f"{op}()는"
    q = question_for("recvfrom", UDP)
    assert q is not None and q.text["ko"].startswith("recvfrom()은 ")
    q = question_for("accept", TCP)
    assert q is not None and q.text["ko"].startswith("accept()는 ")


def test_a_blocking_call_is_graded_on_how_it_finally_returned() -> None:
    """tcp-reset: the server's recv() blocks, then fails with ECONNRESET, the lesson's answer."""
    events = Runner(get("tcp-reset")).run_to_end()
    reset = next(e for e in events if e.kind == "return" and e.error == "ECONNRESET")
    assert _grade(events, reset, TCP) == "error"
    echo = Runner(get("tcp-echo")).run_to_end()
    rets = {(e.actor, e.op): e for e in echo if e.kind == "return"}
    assert _grade(echo, rets[("Server", "accept")], TCP) == "blocks"
    assert _grade(echo, rets[("Client", "connect")], TCP) == "at_once", "loopback never waits"
    events = Runner(get("tcp-refused")).run_to_end()
    ret = next(e for e in events if e.kind == "return" and e.op == "connect")
    assert _grade(events, ret, TCP) == "ECONNREFUSED"


# --- the controller, with a fake view ----------------------------------------------------------
class FakeView:
    """Answers from a table, records what the controller shows."""

    def __init__(self, answers: Callable[[Question], str | None]) -> None:
        self.lang = "en"
        self.answers = answers
        self.asked: list[Question] = []
        self.verdicts: list[Verdict] = []
        self.summaries: list[Summary] = []
        self.running: list[bool] = []

    def ask(self, q: Question, actor: str) -> str | None:
        assert actor in ("Server", "Client", "Sender", "Receiver"), actor
        self.asked.append(q)
        return self.answers(q)

    def show_verdict(self, v: Verdict) -> None:
        self.verdicts.append(v)

    def show_summary(self, summary: Summary) -> int | None:
        self.summaries.append(summary)
        return None

    def show_running(self, on: bool) -> None:
        self.running.append(on)

    def later(self, seconds: float, fn: Callable[[], None]) -> None:
        QTimer.singleShot(0, fn)


@pytest.fixture
def session(qapp: Any) -> Any:
    from socketscope.ui.session import Session

    s = Session()
    s.set_speed(100)
    yield s
    assert s.shutdown()


def _controller(session: Any, answers: Callable[[Question], str | None]) -> tuple[Any, FakeView]:
    view = FakeView(answers)
    ctl = StudyController(session, view)
    session.changed.connect(ctl.on_changed)
    session.runFinished.connect(ctl.on_finished)
    ctl.set_enabled(True)
    return ctl, view


def test_space_runs_the_lesson_asking_before_each_real_call(qtbot: QtBot, session: Any) -> None:
    """tcp-reset by Space: every question is about a real call; the blocked recv() that ends in
    ECONNRESET is graded on that ending, and "an error" is right."""
    ctl, view = _controller(session, lambda q: "error" if q.kind == "recv" else q.choices[0][0])
    session.load_scenario(get("tcp-reset"))
    qtbot.waitUntil(lambda: bool(session.events) and not ctl.waiting_for_answer, timeout=5000)
    with qtbot.waitSignal(session.runFinished, timeout=15000):
        ctl.toggle_run()
    asked = [q.op for q in view.asked]
    assert asked and not set(asked) & set(STAGING), asked
    recv = [v for v in view.verdicts if v.question.kind == "recv" and not v.pending]
    assert recv and recv[-1].result == "error" and recv[-1].right is True
    assert "ECONNRESET" in recv[-1].why["en"]
    assert any(v.pending for v in view.verdicts), "the blocked recv() said it waits for its end"
    assert view.summaries and view.summaries[0].score.asked == len(
        [v for v in view.verdicts if v.right is not None]
    )
    assert view.running[0] is True and view.running[-1] is False


def test_udp_lesson_asks_no_tcp_questions(qtbot: QtBot, session: Any) -> None:
    ctl, view = _controller(session, lambda q: q.choices[0][0])
    session.load_scenario(get("udp-echo"))
    qtbot.waitUntil(lambda: bool(session.events), timeout=5000)
    with qtbot.waitSignal(session.runFinished, timeout=15000):
        ctl.toggle_run()
    kinds = {q.kind for q in view.asked}
    assert "close" not in kinds and kinds, kinds
    for q in view.asked:
        assert "eof" not in q.choice_keys() and "EPIPE" not in q.choice_keys(), q


def test_a_new_visit_forgets_the_last_one(qtbot: QtBot, session: Any) -> None:
    ctl, _view = _controller(session, lambda q: "EADDRINUSE")  # a wrong guess for bind()
    session.load_scenario(get("tcp-echo"))
    for _ in range(2):  # socket (no question), bind
        qtbot.waitUntil(lambda: settled_session(session, ctl), timeout=5000)
        ctl.step("Server")
    qtbot.waitUntil(lambda: len(ctl.verdicts) == 1, timeout=5000)
    assert ctl.verdicts[0].right is False
    session.reset()
    qtbot.waitUntil(lambda: not ctl.verdicts, timeout=5000)


def settled_session(session: Any, ctl: Any) -> bool:
    from socketscope.model.study import gate_view

    waiting, ok = gate_view(session.events, ctl._released)
    return ok and bool(waiting)


# --- the window, by its real keys and dialog ---------------------------------------------------
def answer_next_dialog(choice: str, seen: list[str]) -> None:
    """Click ``choice`` in the next question dialog, as a student would."""

    def click() -> None:
        d = QApplication.activeModalWidget()
        button = d.findChild(QPushButton, f"choice-{choice}") if d is not None else None
        if button is None:
            QTimer.singleShot(10, click)
            return
        seen.append(d.findChild(QLabel, "question").text())
        button.click()

    QTimer.singleShot(0, click)


def _ready(w: MainWindow) -> bool:
    return settled(w) and QApplication.activeModalWidget() is None


@pytest.mark.gui
def test_every_step_key_asks_in_study_mode(qtbot: QtBot, gui_window: MainWindow) -> None:
    w = gui_window
    w.session.load_scenario(get("tcp-echo"))
    qtbot.waitUntil(lambda: _ready(w), timeout=5000)
    w.activateWindow()
    w.diagram.setFocus()
    qtbot.keyClick(w.diagram, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert w.study
    calls = lambda: [e.op for e in w.session.events if e.kind == "call"]  # noqa: E731
    # socket(): no question, any step key just steps it
    qtbot.keyClick(w.diagram, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: calls() == ["socket"] and _ready(w), timeout=5000)
    # bind() by → : a question, answered wrong on purpose
    seen: list[str] = []
    answer_next_dialog("EADDRINUSE", seen)
    qtbot.keyClick(w.diagram, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: len(w.study_ctl.verdicts) == 1, timeout=5000)
    assert seen and w.study_ctl.verdicts[0].right is False
    assert w.verdict.isVisible() and "Not quite" in w.verdict.text()
    assert "No other socket held that address" in w.verdict.text()
    # ... next to the call it answers, where the student is looking
    bind = next(b for b in w.session.layout.boxes if b.op == "bind")
    box = w.diagram._box_rect(bind.lane, bind.row)
    shown = w.verdict.geometry()
    assert shown.intersects(box.adjusted(-20, -box.height() * 4, 20, box.height() * 4).toRect())
    assert not shown.intersects(box.toRect()), "it does not cover the call itself"
    # listen() by the toolbar's Step button (no question), accept() by Page Down
    button = next(b for b in w.toolbar.findChildren(QToolButton) if b.defaultAction() is w.act_step)
    qtbot.waitUntil(lambda: _ready(w), timeout=5000)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: calls()[-1] == "listen" and _ready(w), timeout=5000)
    answer_next_dialog("blocks", seen)
    qtbot.keyClick(w.diagram, Qt.Key.Key_PageDown)
    qtbot.waitUntil(lambda: calls()[-1] == "accept", timeout=5000)
    qtbot.waitUntil(lambda: "blocked" in w.verdict.text(), timeout=5000)  # answer comes later
    # the client by 2, its connect() by a click on its ghost
    qtbot.waitUntil(lambda: _ready(w) and (1, "socket") in w.diagram.ghosts(), timeout=5000)
    qtbot.keyClick(w.diagram, Qt.Key.Key_2)
    qtbot.waitUntil(lambda: _ready(w) and (1, "connect") in w.diagram.ghosts(), timeout=5000)
    answer_next_dialog("at_once", seen)
    d = w.diagram
    pos = QPoint(int(d.x_of(1)), int(d.y_of(d.visible_rows())))
    qtbot.mouseClick(d.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    qtbot.waitUntil(lambda: len(w.study_ctl.verdicts) == 3, timeout=5000)
    by_op = {v.question.op: v for v in w.study_ctl.verdicts}
    assert by_op["accept"].right is True and by_op["connect"].right is True
    assert len(seen) == 3
    # Space runs on, and pauses at each question: Escape skips it and stops the run
    qtbot.waitUntil(lambda: _ready(w), timeout=5000)

    def escape() -> None:
        d = QApplication.activeModalWidget()
        if d is None:
            QTimer.singleShot(10, escape)
            return
        seen.append("escaped")
        d.reject()

    QTimer.singleShot(0, escape)
    qtbot.keyClick(w.diagram, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: "escaped" in seen, timeout=10000)
    qtbot.waitUntil(lambda: not w.study_ctl.auto, timeout=3000)
    assert w.act_run.text() == "▶ Run"


@pytest.mark.gui
def test_summary_after_space_shows_this_visits_misses(qtbot: QtBot, gui_window: MainWindow) -> None:
    w = gui_window
    w.session.load_scenario(get("tcp-echo"))
    w.speed.setValue(100)
    qtbot.waitUntil(lambda: _ready(w), timeout=5000)
    w.set_study(True)
    summaries: list[tuple[str, int]] = []

    def answer() -> None:
        d = QApplication.activeModalWidget()
        if d is not None and d.objectName() == "study-summary":
            summaries.append((d.windowTitle(), d.list.count()))  # type: ignore[attr-defined]
            d.reject()
            return
        if d is not None:
            d.findChildren(QPushButton)[-1].click()  # "another error": wrong for most calls
        if not w.session.finished or not summaries:
            QTimer.singleShot(10, answer)

    QTimer.singleShot(0, answer)
    qtbot.keyClick(w.diagram, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: bool(summaries), timeout=20000)
    wrong = [v for v in w.study_ctl.verdicts if v.right is False]
    assert summaries[0][1] == len(wrong) > 0
