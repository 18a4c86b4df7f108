"""File → Run programs…: pick the user's own programs (a .py file, or an executable with its
arguments), put them in start order (the server first, usually), and run them traced."""

from __future__ import annotations

import os
import shlex
from importlib import resources
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from socketscope.engine.programs import ProgramError, ProgramLine, python_target

# the course notes' C server and client (scenarios/c/), in start order
NOTES_C = ("notes_server.c", "notes_client.c")

# ready-made peers: (key, the command line for a port, whether it goes first: a server)
READY_MADE: tuple[tuple[str, str, bool], ...] = (
    ("nc", "nc -N 127.0.0.1 {port}", False),
    ("curl", "curl -s http://127.0.0.1:{port}/", False),
    ("http.server", "python3 -m http.server {port} --bind 127.0.0.1", True),
)


class ProgramsDialog(QDialog):
    """The programs of one run, in start order. ``lines()`` once accepted."""

    def __init__(self, folder: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("programs-dialog")
        self.setWindowTitle(self.tr("Run programs"))
        self.resize(760, 520)
        intro = QLabel(
            self.tr(
                "Each program runs as you would run it in a terminal, and every socket call it "
                "makes is on the diagram. They start in this order: each one once the one before "
                "it is waiting in a call (a server in accept()) or listening."
            )
        )
        intro.setWordWrap(True)
        self.list = QListWidget()
        self.list.setObjectName("programs-list")
        self.command = QLineEdit()
        self.command.setObjectName("programs-command")
        self.command.setPlaceholderText(self.tr("python3 server.py 5050   or   ./client 127.0.0.1"))
        self.command.returnPressed.connect(self._add_command)
        add = QPushButton(self.tr("Add"))
        add.setObjectName("programs-add")
        add.clicked.connect(self._add_command)
        py = QPushButton(self.tr("Python file…"))
        py.clicked.connect(self._pick_python)
        exe = QPushButton(self.tr("Executable…"))
        exe.clicked.connect(self._pick_executable)
        row = QHBoxLayout()
        row.addWidget(self.command, 1)
        row.addWidget(add)
        row.addWidget(py)
        row.addWidget(exe)
        self.ready = QComboBox()
        self.ready.setObjectName("programs-ready-made")
        self.ready.addItem(self.tr("nc as a client of my server"), "nc")
        self.ready.addItem(self.tr("curl GET /"), "curl")
        self.ready.addItem(
            self.tr("python3 -m http.server as a server for my client"), "http.server"
        )
        self.ready.addItem(self.tr("The notes' programs (C): a copy to edit"), "notes-c")
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setValue(5050)
        add_ready = QPushButton(self.tr("Add"))
        add_ready.setObjectName("programs-add-ready")
        add_ready.clicked.connect(self._add_ready_made)
        ready_row = QHBoxLayout()
        ready_row.addWidget(self.ready, 1)
        ready_row.addWidget(QLabel(self.tr("port")))
        ready_row.addWidget(self.port)
        ready_row.addWidget(add_ready)
        up = QPushButton(self.tr("Up"))
        up.clicked.connect(lambda: self._move(-1))
        down = QPushButton(self.tr("Down"))
        down.clicked.connect(lambda: self._move(1))
        remove = QPushButton(self.tr("Remove"))
        remove.setObjectName("programs-remove")
        remove.clicked.connect(self._remove)
        order = QVBoxLayout()
        for b in (up, down, remove):
            order.addWidget(b)
        order.addStretch(1)
        lists = QHBoxLayout()
        lists.addWidget(self.list, 1)
        lists.addLayout(order)
        self.folder = QLineEdit(folder or os.getcwd())
        self.folder.setObjectName("programs-folder")
        form = QFormLayout()
        form.addRow(self.tr("Run in folder"), self.folder)
        form.addRow(self.tr("Add a program"), row)
        form.addRow(self.tr("Ready-made"), ready_row)
        self.error = QLabel()
        self.error.setObjectName("programs-error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b3261e")
        self.note = QLabel()  # what a ready-made entry did (copied the notes' sources)
        self.note.setObjectName("programs-note")
        self.note.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        # a button of its own, not Ok renamed: Qt retranslates its standard buttons' texts
        self.run_button = self.buttons.addButton(
            self.tr("Run"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.run_button.setObjectName("programs-run")
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addLayout(lists, 1)
        layout.addWidget(self.note)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        # Enter in the command line adds the program: it must not also press Run
        for b in self.findChildren(QPushButton):
            b.setAutoDefault(False)
            b.setDefault(False)
        self._update()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Enter adds the line typed (the line edit's own signal); it never presses Run
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()
            return
        super().keyPressEvent(event)

    # --- the list -------------------------------------------------------------------------------
    def add(self, command: str, first: bool = False) -> bool:
        """Add a command line (at the top with ``first``); False, and why, if it is not one."""
        command = command.strip()
        try:
            ProgramLine.parse(command, self.folder.text())
        except ProgramError as e:
            self.error.setText(str(e))
            return False
        item = QListWidgetItem(command)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
        if first:
            self.list.insertItem(0, item)
        else:
            self.list.addItem(item)
        self.list.setCurrentItem(item)
        self.error.clear()
        self._update()
        return True

    def commands(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count())]

    def lines(self) -> list[ProgramLine]:
        folder = self.folder.text() or os.getcwd()
        return [ProgramLine.parse(c, folder) for c in self.commands()]

    def _add_command(self) -> None:
        if self.command.text().strip() and self.add(self.command.text()):
            self.command.clear()

    def _add_ready_made(self) -> None:
        key = self.ready.currentData()
        if key == "notes-c":
            self._add_notes_copy()
            return
        for k, template, first in READY_MADE:
            if k == key:
                self.add(template.format(port=self.port.value()), first=first)

    def _add_notes_copy(self) -> None:
        """The notes' C server and client, copied into the run's folder for the student to
        edit (a copy already there is the student's: it is kept), then added in start order.
        Each run compiles them again when they have changed (engine/programs/ccompile.py)."""
        folder = Path(self.folder.text() or os.getcwd())
        copied, kept = [], []
        try:
            for name in NOTES_C:
                target = folder / name
                if target.exists():
                    kept.append(name)
                    continue
                source = resources.files("socketscope.scenarios") / "c" / name
                target.write_bytes(source.read_bytes())
                copied.append(name)
        except OSError as e:
            self.error.setText(f"{e.filename or folder}: {e.strerror or e}")
            return
        port = self.port.value()
        if self.add(f"{NOTES_C[0]} {port}", first=True):
            self.add(f"{NOTES_C[1]} {port}")
        lines = []
        if copied:
            lines.append(
                self.tr(
                    "Copied {files} to {folder}: edit them there and press Run; a changed "
                    "program is compiled again (cc -g) when it runs."
                ).format(files=", ".join(copied), folder=folder)
            )
        if kept:
            lines.append(
                self.tr("{folder} already has {files}: your copies are used as they are.").format(
                    files=", ".join(kept), folder=folder
                )
            )
        self.note.setText("\n".join(lines))

    def _pick_python(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("A Python program"), self.folder.text(), self.tr("Python (*.py)")
        )
        if path:
            self._picked(path, python=True)

    def _pick_executable(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("A program"), self.folder.text())
        if path:
            self._picked(path, python=False)

    def _picked(self, path: str, python: bool) -> None:
        p = Path(path)
        if self.list.count() == 0:
            self.folder.setText(str(p.parent))
        folder = Path(self.folder.text())
        shown = str(p.relative_to(folder)) if p.parent == folder else str(p)
        if not python and p.parent == folder:
            shown = "./" + shown
        self.command.setText(("python3 " if python else "") + shlex.quote(shown) + " ")
        self.command.setFocus()

    def _move(self, by: int) -> None:
        row = self.list.currentRow()
        to = row + by
        if row < 0 or not 0 <= to < self.list.count():
            return
        item = self.list.takeItem(row)
        self.list.insertItem(to, item)
        self.list.setCurrentRow(to)

    def _remove(self) -> None:
        row = self.list.currentRow()
        if row >= 0:
            self.list.takeItem(row)
        self._update()

    def _update(self) -> None:
        self.run_button.setEnabled(self.list.count() > 0)

    def _accept(self) -> None:
        folder = self.folder.text()
        if not Path(folder).is_dir():
            self.error.setText(self.tr("{folder}: no such folder").format(folder=folder))
            return
        for c in self.commands():
            try:
                line = ProgramLine.parse(c, folder)
            except ProgramError as e:
                self.error.setText(str(e))
                return
            py = python_target(line.argv)
            if py is not None and py[0] == "script" and not Path(folder, py[1]).is_file():
                self.error.setText(
                    self.tr("{file}: no such Python file in {folder}").format(
                        file=py[1], folder=folder
                    )
                )
                return
        self.accept()
