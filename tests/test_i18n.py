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
    sources += [str(pkg / "model" / n) for n in ("labels.py", "diagram.py", "catalogue.py")]
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
    r"^(fd|TCP|UDP|SOCK_\w+|AF_\w+|Space|Ctrl|PNG|SVG|PDF|Mermaid|PlantUML|SocketScope|recv|send"
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
