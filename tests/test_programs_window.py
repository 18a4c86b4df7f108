"""File → Run programs… and the console panel, driven with real key presses and clicks."""

from __future__ import annotations

import socket
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFontInfo
from PySide6.QtWidgets import QApplication, QLineEdit, QPushButton

PROGRAMS = Path(__file__).parent / "programs"

pytestmark = [
    pytest.mark.gui,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux /proc"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def console_text(w: Any, program: str) -> str:
    return str(w.console.consoles[program].text.toPlainText())


def test_run_programs_from_the_file_menu_and_type_into_a_console(
    qtbot: Any, gui_window: Any
) -> None:
    w = gui_window
    port = free_port()
    seen: dict[str, Any] = {}

    def fill_in() -> None:
        dlg = QApplication.activeModalWidget()
        assert dlg is not None and dlg.objectName() == "programs-dialog"
        seen["title"] = dlg.windowTitle()
        folder = dlg.findChild(QLineEdit, "programs-folder")
        folder.selectAll()
        qtbot.keyClicks(folder, str(PROGRAMS))
        command = dlg.findChild(QLineEdit, "programs-command")
        for line in (f"python3 echo_server.py {port}", f"input_client.py {port}"):
            qtbot.keyClicks(command, line)
            qtbot.keyClick(command, Qt.Key.Key_Return)
        seen["commands"] = dlg.commands()
        qtbot.mouseClick(dlg.findChild(QPushButton, "programs-run"), Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, fill_in)
    w.diagram.setFocus()
    qtbot.keyClick(
        w, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    assert seen["title"] == "Run programs"
    assert seen["commands"] == [f"python3 echo_server.py {port}", f"input_client.py {port}"]
    # one lifeline per program, a console per program
    qtbot.waitUntil(lambda: w.session.scenario is not None and bool(w.session.scenario.programs))
    assert w.session.actors == ["echo_server.py", "input_client.py"]
    assert w.console_dock.isVisible()
    # beside the code panel, wide enough for a line of output, its input line on screen
    qtbot.waitUntil(lambda: w.console_dock.width() >= 300, timeout=2000)
    assert w.lesson_dock.isVisible()
    con_input = w.console.consoles["input_client.py"].input
    top_left = con_input.mapTo(w, con_input.rect().topLeft())
    assert w.rect().contains(top_left) and con_input.height() >= con_input.sizeHint().height()
    assert [w.console.tabText(i) for i in range(w.console.count())] == [
        "echo_server.py",
        "input_client.py",
    ]
    # Space runs it; the client waits for the keyboard: its prompt is in its console
    w.activateWindow()  # back from the modal dialog: the window's keys are its own again
    qtbot.waitUntil(w.isActiveWindow)
    w.diagram.setFocus()
    qtbot.keyClick(w.diagram, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: "say something:" in console_text(w, "input_client.py"), timeout=20000)
    con = w.console.consoles["input_client.py"]
    w.console.setCurrentWidget(con)
    qtbot.keyClicks(con.input, "typed by hand")
    qtbot.keyClick(con.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.session.finished, timeout=20000)
    qtbot.waitUntil(
        lambda: "server says: TYPED BY HAND" in console_text(w, "input_client.py"), timeout=5000
    )
    assert "typed by hand" in console_text(w, "input_client.py")  # echoed, as a terminal does
    assert "connected by" in console_text(w, "echo_server.py")
    # the bytes typed are on the diagram, paired end to end
    evs = w.session.events
    sent = next(
        e for e in evs if e.actor == "input_client.py" and e.op == "sendall" and e.kind == "return"
    )
    assert bytes.fromhex(sent.data or "") == b"typed by hand\n"
    # the code panel shows the file of the program whose call is selected
    box = next(
        b
        for b in w.session.layout.boxes
        if b.call is not None and b.call.actor == "input_client.py" and b.call.op == "sendall"
    )
    w._update_lesson(box)
    assert "input(" in w.lesson.code.toPlainText()
    box = next(
        b
        for b in w.session.layout.boxes
        if b.call is not None and b.call.actor == "echo_server.py" and b.call.op == "accept"
    )
    w._update_lesson(box)
    assert "s.accept()" in w.lesson.code.toPlainText()


def test_the_dialog_adds_ready_made_peers_in_their_place(qtbot: Any) -> None:
    from socketscope.ui.programs import ProgramsDialog

    dlg = ProgramsDialog(str(PROGRAMS))
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.keyClicks(dlg.command, "python3 echo_server.py 6000")
    qtbot.keyClick(dlg.command, Qt.Key.Key_Return)
    dlg.port.setValue(6000)
    add_ready = dlg.findChild(QPushButton, "programs-add-ready")
    dlg.ready.setCurrentIndex(dlg.ready.findData("nc"))
    qtbot.mouseClick(add_ready, Qt.MouseButton.LeftButton)
    dlg.ready.setCurrentIndex(dlg.ready.findData("http.server"))
    qtbot.mouseClick(add_ready, Qt.MouseButton.LeftButton)
    # a server goes first; a client after what is there
    assert dlg.commands() == [
        "python3 -m http.server 6000 --bind 127.0.0.1",
        "python3 echo_server.py 6000",
        "nc -N 127.0.0.1 6000",
    ]
    # a line that is not a command line is refused with the reason, not added
    qtbot.keyClicks(dlg.command, "'unclosed")
    qtbot.keyClick(dlg.command, Qt.Key.Key_Return)
    assert len(dlg.commands()) == 3 and "--program" in dlg.error.text()
    dlg.folder.setText("/no/such/folder")
    qtbot.mouseClick(dlg.findChild(QPushButton, "programs-run"), Qt.MouseButton.LeftButton)
    assert "no such folder" in dlg.error.text() and dlg.isVisible()


def test_a_fork_server_s_children_are_drawn_nested_under_it(
    qtbot: Any, gui_window: Any, tmp_path: Path
) -> None:
    """A real fork-per-client Python server with two clients, replayed at 1920×1080 in
    lecture mode: the children's lanes come right after the server's, a bracket in the
    server's colour runs from its lane over theirs, and each child's lane says whose it is."""
    from conftest import lesson_trace
    from socketscope.engine.programs import ProgramLine, program_scenario
    from socketscope.engine.trace import write_trace

    port = free_port()
    sc = program_scenario(
        [
            ProgramLine.parse(t, str(PROGRAMS), "ready")
            for t in (
                f"fork_server.py {port} 2",
                f"line_client.py {port}",
                f"line_client.py {port}",
            )
        ]
    )
    path = tmp_path / "fork.jsonl"
    with open(path, "w", encoding="utf-8") as f:
        write_trace(lesson_trace(sc, timeout=40), f)
    w = gui_window
    w.resize(1920, 1080)
    w.set_lecture(True)
    assert w.open_trace_file(str(path))
    w.session.seek(len(w.session.events))
    d = w.diagram
    qtbot.waitUntil(lambda: d.cursor_seq == w.session.cursor_seq, timeout=3000)
    lay = d.layout_model
    names = ["fork_server.py", "fork_server.py/child 1", "fork_server.py/child 2"]
    lanes = [lay.lanes.index(n) for n in names]
    xs = [d.x_of(lane) for lane in lanes]
    assert xs == sorted(xs) and [lay.column_of(lane) for lane in lanes] == [0, 1, 2]
    img = d.viewport().grab().toImage()
    server_colour = d.colors().actor(lanes[0])
    # the bracket: the server's colour along the strip under the names, from its lane on
    y = int(d._lane_header_h + 3 * d.zoom * d.font_scale)
    for x in (xs[0] + 5, (xs[0] + xs[1]) / 2, (xs[1] + xs[2]) / 2):
        got = img.pixelColor(int(x), y)
        assert abs(got.red() - server_colour.red()) + abs(got.green() - server_colour.green()) < 60
    # the caption under a child's name, in lecture size: ink of the server's colour there
    top, bottom = int(y + 6 * d.zoom * d.font_scale), int(d._lane_header_h + d._nest_h)
    ink = [
        (x, yy)
        for x in range(int(xs[1] - 100), int(xs[1] + 100))
        for yy in range(top, bottom)
        if img.pixelColor(x, yy) == server_colour
    ]
    assert len(ink) > 40, "no caption under the child's lane"
    assert d.header_h > d._lane_header_h


def test_the_notes_c_programs_are_copied_to_edit_and_a_copy_already_there_is_kept(
    qtbot: Any, tmp_path: Path
) -> None:
    """Issue 13: "A student can edit a copy and run it again from the dialog"."""
    from socketscope.ui.programs import ProgramsDialog

    dlg = ProgramsDialog(str(tmp_path))
    qtbot.addWidget(dlg)
    dlg.show()
    dlg.port.setValue(6100)
    dlg.ready.setCurrentIndex(dlg.ready.findData("notes-c"))
    add_ready = dlg.findChild(QPushButton, "programs-add-ready")
    qtbot.mouseClick(add_ready, Qt.MouseButton.LeftButton)
    assert dlg.commands() == ["notes_server.c 6100", "notes_client.c 6100"]
    server = tmp_path / "notes_server.c"
    assert "accept(" in server.read_text() and (tmp_path / "notes_client.c").is_file()
    assert str(tmp_path) in dlg.note.text() and "notes_server.c" in dlg.note.text()
    # the student edits the copy; adding the entry again keeps the edit
    server.write_text(server.read_text() + "/* my change */\n")
    for _ in range(2):
        dlg.list.setCurrentRow(0)
        qtbot.mouseClick(dlg.findChild(QPushButton, "programs-remove"), Qt.MouseButton.LeftButton)
    qtbot.mouseClick(add_ready, Qt.MouseButton.LeftButton)
    assert server.read_text().endswith("/* my change */\n")
    assert "your copies are used" in dlg.note.text()
    assert dlg.commands() == ["notes_server.c 6100", "notes_client.c 6100"]


def _first_line_ink(widget: Any) -> int:
    """The painted height of the first line of text in a widget: its first run of inked rows."""
    img = widget.grab().toImage()
    rows = [
        any(img.pixelColor(x, y).lightness() < 110 for x in range(img.width() - 20))
        for y in range(img.height())
    ]
    start = rows.index(True)
    end = rows.index(False, start) if False in rows[start:] else len(rows)
    return end - start


def test_a_programs_console_grows_with_lecture_mode_like_everything_else(
    qtbot: Any, gui_window: Any
) -> None:
    """F11 scales every font for the back of the room; a program's console keeps its own
    (monospace) font, so it stayed at 12 px while the rest grew. It grows with the rest now,
    its typing line too, and goes back when lecture mode ends. (Its dock had no title.)"""
    from socketscope.engine.programs import ProgramLine, program_scenario
    from socketscope.ui.app import run_to_end

    w = gui_window
    w.resize(1920, 1080)
    name = "udp_to_itself.py"
    w.session.load_scenario(program_scenario([ProgramLine.parse(name, str(PROGRAMS), "ready")]))
    assert run_to_end(w)
    qtbot.waitUntil(lambda: "got b'tick 2'" in console_text(w, name), timeout=5000)
    console = w.console.consoles[name]
    w.console_dock.show()
    # its dock says what it is, and View → Panels can bring it back once closed
    assert w.console_dock.windowTitle() == "Program console"
    assert "Program console" in [a.text() for a in w.panels_menu.actions()]
    before = _first_line_ink(console.text.viewport())
    px = QFontInfo(console.text.font()).pixelSize(), QFontInfo(console.input.font()).pixelSize()
    qtbot.keyClick(w.diagram, Qt.Key.Key_F11)
    assert w.lecture
    w.console_dock.show()
    scale = w.presenter_scale
    big = QFontInfo(console.text.font()).pixelSize(), QFontInfo(console.input.font()).pixelSize()
    assert big[0] >= 18 and big[1] >= 18, (px, big)
    assert min(big) >= 0.9 * scale * min(px), (px, big, scale)
    ink = _first_line_ink(console.text.viewport())
    assert ink >= 1.25 * before, (before, ink)
    # its dock's title as large as the other docks' (the inspector's)
    assert w.console_dock.font().pointSizeF() == w.inspector_dock.font().pointSizeF()
    assert w.console_dock.font().bold()
    qtbot.keyClick(w.diagram, Qt.Key.Key_F11)
    assert not w.lecture
    back = QFontInfo(console.text.font()).pixelSize(), QFontInfo(console.input.font()).pixelSize()
    assert back == px
