"""The code, C call and explanation panels follow the cursor, in English and Korean."""

from __future__ import annotations

import re

import pytest
from pytestqt.qtbot import QtBot

from conftest import lesson_trace
from socketscope.cform import c_line, signature
from socketscope.engine.scenario import builtin_scenarios, get
from socketscope.model.explain import ERRORS, WHAT, explain
from socketscope.ui.app import settled
from socketscope.ui.mainwindow import MainWindow

HANGUL = re.compile("[\uac00-\ud7a3]")
COMMENT = re.compile(r"/\*(.*?)\*/", re.S)
PROSE = re.compile(r"[A-Za-z]+ [A-Za-z]+ [A-Za-z]+")  # three words in a row: a sentence


@pytest.mark.parametrize("sid", [s.id for s in builtin_scenarios()])
def test_every_call_and_error_of_every_scenario_is_explained_in_both_languages(sid: str) -> None:
    events = lesson_trace(get(sid)).events
    calls = {e.actor: e for e in events if e.kind == "call"}
    for ev in events:
        if ev.kind == "call":
            calls[ev.actor] = ev
        if ev.kind != "return":
            continue
        en, ko = explain(calls.get(ev.actor), ev, "en"), explain(calls.get(ev.actor), ev, "ko")
        assert en and ko and HANGUL.search(ko), (sid, ev.op)
        # the C call and its prototype, as the code panel shows them in Korean: a comment in
        # words is in Korean (sendall's loop, settimeout's and wait_until's prototypes were not)
        call = calls.get(ev.actor)
        shown = signature(ev.op, "ko") + (c_line(call, ev, lang="ko") if call else "")
        for comment in COMMENT.findall(shown):
            assert not PROSE.search(comment) or HANGUL.search(comment), (sid, ev.op, comment)
        if ev.ok is False and ev.error:
            assert ev.error in ERRORS, f"{sid}: no explanation for {ev.error}"
        assert ev.op in WHAT, f"{sid}: no explanation for {ev.op}()"


@pytest.mark.gui
def test_lesson_panel_follows_the_cursor(qtbot: QtBot, gui_window: MainWindow) -> None:
    w = gui_window
    w.session.load_scenario(get("tcp-echo"))
    for _ in range(4):  # socket, bind, listen, accept
        qtbot.waitUntil(lambda: settled(w), timeout=5000)
        w.session.step("Server")
    qtbot.waitUntil(lambda: "accept(" in w.lesson.c_call.text(), timeout=5000)
    assert w.lesson.signature.text().startswith("int accept(int sockfd")
    qtbot.waitUntil(lambda: "blocked now" in w.lesson.explanation.toPlainText(), timeout=3000)
    source = w.session.trace.header["source"].splitlines()
    marked = [s.cursor.blockNumber() + 1 for s in w.lesson.code.extraSelections()]
    assert any("listener.accept()" in source[n - 1] for n in marked), "the server's line is marked"

    def server_line() -> str:
        lines = [source[s.cursor.blockNumber()] for s in w.lesson.code.extraSelections()]
        return next(x for x in lines if "listener." in x)

    w.session.step_back()  # the server stands at its gate again, about to call accept()
    qtbot.waitUntil(lambda: w.lesson.c_call.text().startswith("listen("), timeout=3000)
    assert w.lesson.c_call.text().endswith("= 0")
    assert "listener.accept()" in server_line()
    w.session.step_back()  # ... and now before listen()
    qtbot.waitUntil(lambda: "listener.listen(" in server_line(), timeout=3000)
    w.set_language("ko")
    qtbot.waitUntil(lambda: bool(HANGUL.search(w.lesson.explanation.toPlainText())), timeout=3000)
    assert HANGUL.search(w.windowTitle())


@pytest.mark.gui
def test_picker_groups_lessons_and_shows_their_summary(qtbot: QtBot) -> None:
    from socketscope.ui import i18n
    from socketscope.ui.picker import ScenarioPicker

    assert i18n.install("ko") is None
    p = ScenarioPicker("ko", "tcp-backlog")
    qtbot.addWidget(p)
    groups = [p.tree.topLevelItem(i).text(0) for i in range(p.tree.topLevelItemCount())]
    assert groups == ["TCP 기초", "UDP", "실패와 오류", "심화"]
    chosen = p.chosen()
    assert chosen is not None and chosen.id == "tcp-backlog"
    assert "accept 큐" in p.text.toPlainText() and "눈여겨볼 점" in p.text.toPlainText()
    total = sum(p.tree.topLevelItem(i).childCount() for i in range(p.tree.topLevelItemCount()))
    assert total == len(builtin_scenarios())
