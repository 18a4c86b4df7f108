"""The interface language: every string through Qt's translation system, Korean complete, and a
switch that takes effect at once, without a restart."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from conftest import read_modal
from socketscope.ui import i18n

ROOT = Path(__file__).resolve().parent.parent
TS = ROOT / "app" / "socketscope" / "resources" / "i18n" / "socketscope_ko.ts"
BIN = Path(sys.executable).parent


def _messages(ts: Path) -> list[ET.Element]:
    return list(ET.parse(ts).getroot().iter("message"))


def test_lupdate_finds_no_unfinished_or_new_korean_strings(tmp_path: Path) -> None:
    """Run lupdate over the interface code into a copy of the Korean .ts: every string it finds
    must already be there and translated, and nothing there may have vanished from the code."""
    lupdate = BIN / "pyside6-lupdate"
    copy = tmp_path / TS.name
    shutil.copy(TS, copy)
    pkg = ROOT / "app" / "socketscope"
    # the same sources as `make i18n`: the interface, and the diagram's own words
    sources = sorted(str(p) for p in (pkg / "ui").glob("*.py"))
    sources += [
        str(pkg / "model" / n)
        for n in ("labels.py", "diagram.py", "catalogue.py", "messages.py", "wire.py", "network.py")
    ]
    out = subprocess.run(
        [str(lupdate), "-locations", "none", *sources, "-ts", str(copy)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "0 new" in out.stdout, f"strings missing from {TS.name} (run `make i18n`):\n{out.stdout}"
    unfinished = [
        m.findtext("source")
        for m in _messages(copy)
        if (m.find("translation") is not None and m.find("translation").get("type"))  # type: ignore[union-attr]
    ]
    assert not unfinished, f"untranslated or vanished in {TS.name}: {unfinished}"


def test_translations_keep_their_placeholders() -> None:
    """A translation that loses {path} or {n} would show the wrong thing, or raise."""
    for m in _messages(TS):
        src, dst = m.findtext("source") or "", m.findtext("translation") or ""
        assert sorted(re.findall(r"\{\w+\}", src)) == sorted(re.findall(r"\{\w+\}", dst)), src
        assert dst.strip(), f"empty translation of {src!r}"


def test_compiled_translation_is_built_and_loads(qapp: Any) -> None:
    assert i18n.qm_file("ko").is_file(), "the .qm is built by scripts/build_translations.sh"
    assert i18n.install("ko") is None
    from PySide6.QtCore import QCoreApplication

    assert QCoreApplication.translate("MainWindow", "Lecture mode") == "강의 모드"
    # Qt's own dialogs too
    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "취소"
    assert i18n.install("en") is None
    assert QCoreApplication.translate("MainWindow", "Lecture mode") == "Lecture mode"


# Words a Korean interface keeps in English: the API, the protocol, keys and file formats.
TECHNICAL = re.compile(
    r"^(fd|TCP|UDP|SOCK_\w+|AF_\w+|Space|Ctrl|Shift|PNG|SVG|PDF|Mermaid|PlantUML|SocketScope|recv|send"
    # programs a run of programs names (the http-get lesson's curl)
    r"|curl|python3|Wireshark|pcapng"
    r"|accept|backlog|Linux|ESTABLISHED|LISTEN|CLOSED|SYN_SENT|TIME_WAIT|CLOSE_WAIT|bind|listen"
    r"|connect|close|socket|select|shutdown|sendto|recvfrom|setblocking|settimeout|Server|Client"
    r"|English|jsonl|py|True|False|way|handshake|timeout|ssize_t|size_t|int|void|struct|[a-f0-9]+"
    # the notes' read()/write(), and the kernel's own names for where a thread sleeps
    r"|read|write|accept4|inet_csk_accept|wait_woken|__skb_wait_for_more_packets|do_select"
    r"|poll_schedule_timeout|do_sys_poll|poll)$"
)


def _visible_texts(w: Any) -> list[str]:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QAbstractButton, QGroupBox, QLabel, QMenu

    texts = [w.windowTitle()]
    for a in w.findChildren(QAction):
        texts += [a.text(), a.toolTip()]
    for m in w.findChildren(QMenu):
        texts.append(m.title())
    for lab in w.findChildren(QLabel):
        if lab.isVisibleTo(w):
            texts.append(lab.text())
    for g in w.findChildren(QGroupBox):
        texts.append(g.title())
    for b in w.findChildren(QAbstractButton):
        texts += [b.text(), b.toolTip()]
    model = w.table_model
    texts += [
        str(model.headerData(c, Qt.Orientation.Horizontal)) for c in range(model.columnCount())
    ]
    return [t for t in texts if t]


# What is code, not prose: calls, byte strings, paths, constants (EAGAIN, SO_LINGER, SIGTERM),
# and a lesson's id such as (tcp-half-close)
CODE = re.compile(
    r"\w+\([^()]*\)|b?\"[^\"]*\"|b'[^']*'|/[\w/]+|(?<![A-Za-z])[A-Z][A-Z0-9_]+(?![a-z])|\(([a-z0-9]+-)+[a-z0-9]+\)"
)


def _english_words(texts: list[str]) -> set[str]:
    words = set()
    for t in texts:
        for word in re.findall(r"[A-Za-z_][A-Za-z_]{2,}", CODE.sub("", t)):
            if not TECHNICAL.match(word):
                words.add(word)
    return words


@pytest.mark.gui
def test_language_switches_from_the_menu_without_restart(qtbot: Any, gui_window: Any) -> None:
    """Everything the window shows changes to Korean at once, and back."""
    w = gui_window
    w.act_language["en"].trigger()
    assert w.file_menu.title() == "&File" and w.act_run.text() == "▶ Run"
    english = _visible_texts(w)
    assert _english_words(english), "the English interface shows English words"
    w.act_language["ko"].trigger()
    qtbot.waitUntil(lambda: w.file_menu.title() == "파일(&F)", timeout=3000)
    assert w.act_run.text() == "▶ 실행" and w.act_lecture.text() == "강의 모드"
    assert w.inspector.recv_label.text() == "수신 큐"
    assert w.language.currentData() == "ko" and w.lang == "ko"
    leftover = _english_words(_visible_texts(w))
    assert not leftover, f"English left in the Korean interface: {sorted(leftover)}"
    w.act_language["en"].trigger()
    qtbot.waitUntil(lambda: w.file_menu.title() == "&File", timeout=3000)
    assert w.inspector.recv_label.text() == "receive queue"


@pytest.mark.gui
def test_korean_interface_after_a_run(qtbot: Any, gui_window: Any) -> None:
    """The run's own words (blocked bars, the inspector's titles) follow the language too."""
    from socketscope.engine.scenario import get

    w = gui_window
    w.session.load_scenario(get("tcp-echo"))
    w.act_language["ko"].trigger()
    w.session.set_speed(100)
    w.session.toggle_run()
    qtbot.waitUntil(lambda: w.session.finished and w.session._finished_sent, timeout=15000)
    w.diagram.select(next(b for b in w.session.layout.boxes if b.call and b.call.op == "recv"))
    w._on_box(w.diagram.selected)
    qtbot.waitUntil(lambda: "바이트" in w.inspector.call_box.title(), timeout=3000)
    leftover = _english_words(_visible_texts(w))
    assert not leftover, f"English left in the Korean interface: {sorted(leftover)}"
    lay = w.session.layout
    drawn = [b.result for b in lay.boxes] + [a.label for a in lay.arrows]
    assert any("커널" in t for t in drawn), "the handshake arrow is labelled in Korean"
    leftover = _english_words(drawn)
    assert not leftover, f"English left on the Korean diagram: {sorted(leftover)}"
    w.diagram.animate = True
    chosen = w.diagram.selected.seq
    w.act_language["en"].trigger()  # the diagram is rebuilt in English, cursor kept
    assert any(b.result.startswith("connected from") for b in w.session.layout.boxes)
    assert w.session.cursor == len(w.session.events)
    # ... drawn again where it was, not replayed: no animation, the same call selected
    last = w.session.layout.boxes[-1]
    assert w.diagram._progress(("b", last.seq), last.seq, 0.0) == 1.0
    assert w.diagram.selected is not None and w.diagram.selected.seq == chosen


def test_language_defaults_to_the_system_locale(qapp: Any, monkeypatch: Any) -> None:
    from PySide6.QtCore import QLocale

    from socketscope.ui.settings import Settings

    monkeypatch.setattr(QLocale, "system", staticmethod(lambda: QLocale("ko_KR")))
    assert i18n.system_language() == "ko" and Settings().language() == "ko"
    monkeypatch.setattr(QLocale, "system", staticmethod(lambda: QLocale("de_DE")))
    assert Settings().language() == "en"


def _korean_window_texts(w: Any) -> list[str]:
    """What the window shows, with the table's cells and every widget's tooltip; the lesson's
    actor names are names, not prose, so they are left out."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QWidget

    texts = _visible_texts(w)
    texts += [wd.toolTip() for wd in w.findChildren(QWidget) if wd.toolTip()]
    model = w.table_model
    texts += [
        str(model.data(model.index(r, c), Qt.ItemDataRole.DisplayRole))
        for r in range(model.rowCount())
        for c in range(model.columnCount())
    ]
    names = sorted(w.session.actors, key=len, reverse=True)
    out = []
    for t in texts:
        for name in names:
            t = t.replace(name, "")
        out.append(t)
    return out


def _modal_texts(qtbot: Any, open_it: Any) -> list[str]:
    return read_modal(qtbot, open_it)[1]


@pytest.mark.gui
def test_no_english_in_korean_dialogs_table_tooltips_and_process_actors(
    qtbot: Any, gui_window: Any, tmp_path: Path
) -> None:
    """signal-cleanup (process actors, a SIGKILL) run to the end in Korean: the diagram's boxes,
    arrows and marks, the sockets table, every tooltip, and the error dialogs' sentences."""
    from PySide6.QtCore import QEvent, QPoint, Qt
    from PySide6.QtGui import QHelpEvent
    from PySide6.QtWidgets import QApplication, QToolTip

    from socketscope.engine.scenario import get

    w = gui_window
    w.act_language["ko"].trigger()
    w.session.load_scenario(get("signal-cleanup"))
    w.session.set_speed(100)
    w.session.toggle_run()
    qtbot.waitUntil(lambda: w.session.finished and w.session._finished_sent, timeout=20000)
    lay = w.session.layout
    assert any("SIGKILL" in m.text for m in lay.marks), "the kill is drawn"
    killed = next(e for e in w.session.events if e.code == "killed")
    assert killed.params == {"signal": "SIGKILL"}
    assert killed.message == "the process was killed by SIGKILL", "the CLI keeps its English"
    drawn = [b.result for b in lay.boxes] + [a.label for a in lay.arrows]
    drawn += [m.text for m in lay.marks]
    leftover = _english_words(drawn)
    assert not leftover, f"English on the Korean diagram: {sorted(leftover)}"
    qtbot.waitUntil(lambda: w.table_model.rowCount() > 0, timeout=3000)
    m = w.table_model
    headers = [m.headerData(c, Qt.Orientation.Horizontal) for c in range(m.columnCount())]
    assert "수신 큐" in headers and "액터" in headers
    qtbot.waitUntil(lambda: not w._panels_timer.isActive(), timeout=3000)
    leftover = _english_words(_korean_window_texts(w))
    assert not leftover, f"English in the Korean window: {sorted(leftover)}"
    # the diagram's tooltips, as the mouse asks for them
    d = w.diagram
    d.verticalScrollBar().setValue(0)
    box = next(b for b in lay.boxes if b.blocked and b.ret is not None and b.ret.ok)
    d.verticalScrollBar().setValue(int(max(0, d.y_of(box.row) - d.viewport().height() / 2)))
    pos = QPoint(int(d.x_of(box.lane)), int(d.y_of(box.row)))
    QApplication.sendEvent(
        d.viewport(), QHelpEvent(QEvent.Type.ToolTip, pos, d.viewport().mapToGlobal(pos))
    )
    tip = QToolTip.text()
    assert "블로킹" in tip and "수업 파일" in tip, tip
    assert not _english_words([tip]), tip
    # an error dialog: the sentence in Korean, the file:line detail kept as it is
    bad = tmp_path / "broken.jsonl"
    bad.write_text('{"format": "socketscope-trace", "version": 1}\n{not json\n', encoding="utf-8")
    texts = _modal_texts(qtbot, lambda: w.open_trace_file(str(bad)))
    informative = [t for t in texts if t.startswith("informative:")]
    assert informative and f"{bad}:2" in informative[0], texts
    prose = [t for t in texts if not t.startswith("informative:")]
    assert any("트레이스" in t for t in prose)
    leftover = _english_words(prose)
    assert not leftover, f"English in the Korean error dialog: {sorted(leftover)}"
    texts = _modal_texts(qtbot, lambda: w.open_scenario_file(str(tmp_path / "none.py")))
    prose = [t for t in texts if not t.startswith("informative:")]
    assert not _english_words(prose), prose


@pytest.mark.gui
def test_study_question_and_verdict_in_korean(qtbot: Any, gui_window: Any) -> None:
    """The question, its choices and the verdict with its why, all in Korean."""
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtWidgets import QApplication, QPushButton

    from socketscope.engine.scenario import get
    from socketscope.ui.app import settled

    w = gui_window
    w.act_language["ko"].trigger()
    w.session.load_scenario(get("tcp-echo"))
    w.set_study(True)
    qtbot.waitUntil(lambda: settled(w), timeout=5000)
    w.activateWindow()
    qtbot.keyClick(w.diagram, Qt.Key.Key_Right)  # socket(): no question
    qtbot.waitUntil(lambda: settled(w) and len(w.session.events) > 3, timeout=5000)
    seen: list[str] = []

    def answer() -> None:
        d = QApplication.activeModalWidget()
        if d is None:
            QTimer.singleShot(10, answer)
            return
        seen.extend(b.text() for b in d.findChildren(QPushButton))
        seen.append(d.windowTitle())
        d.findChild(QPushButton, "choice-ok").click()

    QTimer.singleShot(0, answer)
    qtbot.keyClick(w.diagram, Qt.Key.Key_Right)  # bind(): asked
    qtbot.waitUntil(lambda: w.verdict.isVisible(), timeout=5000)
    assert "맞았습니다" in w.verdict.text()
    leftover = _english_words([*seen, w.verdict.text()])
    assert not leftover, f"English in Korean study mode: {sorted(leftover)}"


def test_engine_sentences_go_through_translation_by_code() -> None:
    """A coded event is said through ``translate``; an uncoded one keeps its English message."""
    from socketscope.engine.events import Event
    from socketscope.model.messages import message_text

    def upper(context: str, text: str) -> str:
        assert context == "EngineMessage"
        return text.upper().replace("{SIGNAL}", "{signal}").replace("{HANDLER}", "{handler}")

    killed = Event(1, 0.0, "Server 2", "error", code="killed", params={"signal": "SIGKILL"})
    assert message_text(killed, upper) == "THE PROCESS WAS KILLED BY SIGKILL"
    # the signal event of an engine that does not code it yet is still translated
    sig = Event(2, 0.0, "Server 1", "signal", message="SIGTERM received: on_term() runs")
    assert message_text(sig, upper) == "SIGTERM RECEIVED: on_term() RUNS"
    odd = Event(3, 0.0, "A", "error", code="killed", params={}, message="as the engine said")
    assert message_text(odd, upper) == "as the engine said", "parameters that do not fit"
    plain = Event(4, 0.0, "A", "error", message="ValueError: boom")
    assert message_text(plain, upper) == "ValueError: boom"
