"""Study mode: a question before each step, answered by the real run, scored and summarised."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from socketscope.engine import Runner
from socketscope.engine.scenario import get
from socketscope.model.study import outcome, question_for
from socketscope.ui.app import settled
from socketscope.ui.mainwindow import MainWindow
from socketscope.ui.settings import Settings
from socketscope.ui.study import load_scores


def test_questions_fit_the_call_and_outcomes_come_from_the_trace() -> None:
    events = Runner(get("tcp-echo")).run_to_end()
    rets = {(e.actor, e.op): e for e in events if e.kind == "return"}
    q = question_for("accept")
    assert q.kind == "block" and {k for k, _, _ in q.choices} == {"at_once", "blocks", "error"}
    assert outcome(q, rets[("Server", "accept")], []) == "blocks"
    q = question_for("recv")
    assert outcome(q, rets[("Server", "recv")], []) in ("data", "blocks")
    assert question_for("connect").kind == "connect"
    assert outcome(question_for("connect"), rets[("Client", "connect")], []) == "at_once"
    refused = next(
        e
        for e in Runner(get("tcp-refused")).run_to_end()
        if e.kind == "return" and e.op == "connect"
    )
    assert outcome(question_for("connect"), refused, []) == "ECONNREFUSED"
    for op in ("socket", "bind", "listen", "accept", "recv", "send", "close", "recvfrom", "sendto"):
        q = question_for(op)
        assert q.text["en"] and q.text["ko"] and all(en and ko for _, en, ko in q.choices)


@pytest.mark.gui
def test_predict_then_reveal_in_the_window(qtbot: QtBot, gui_window: MainWindow) -> None:
    w = gui_window
    asked: list[str] = []
    answers = {"socket": "at_once", "bind": "EADDRINUSE", "listen": "at_once", "accept": "blocks"}

    def ask(q: object) -> str:
        asked.append(q.op)  # type: ignore[attr-defined]
        return answers.get(q.op, "at_once")  # type: ignore[attr-defined]

    w.ask = ask  # type: ignore[method-assign]
    summaries: list[object] = []
    w.show_summary = lambda dialog: summaries.append(dialog) or False  # type: ignore[method-assign]
    w.session.load_scenario(get("tcp-echo"))
    w.set_study(True)
    for n in range(4):  # socket, bind (wrong guess), listen, accept
        qtbot.waitUntil(lambda: settled(w) and w._pending is None, timeout=5000)
        w._step("Server")
        qtbot.waitUntil(lambda n=n: w._pending is None and len(asked) == n + 1, timeout=5000)
    assert asked == ["socket", "bind", "listen", "accept"]
    score = load_scores(Settings())["tcp-echo"]
    assert (score.right, score.asked) == (3, 4), "bind succeeded: that guess was wrong"
    assert len(w._missed) == 1 and "bind()" in w._missed[0][1]
    assert w.lesson_dock.isVisibleTo(w) and w.diagram.selected is not None
    assert "Right" in w.status_label.text() and "blocks" in w.status_label.text().lower()
    # finishing the run shows the summary with the missed question
    w.set_study(True)
    w._missed = [(1, "Will bind() succeed? → It succeeds")]
    w.session.set_speed(100)
    with qtbot.waitSignal(w.session.runFinished, timeout=10000):
        w.session.toggle_run()
    assert summaries and summaries[0].list.count() == 1  # type: ignore[attr-defined]


@pytest.mark.gui
def test_skipping_a_question_does_not_step(qtbot: QtBot, gui_window: MainWindow) -> None:
    w = gui_window
    w.ask = lambda q: None  # type: ignore[method-assign]
    w.session.load_scenario(get("tcp-echo"))
    w.set_study(True)
    qtbot.waitUntil(lambda: settled(w), timeout=5000)
    w._step()
    assert not any(e.kind == "call" for e in w.session.events)
