"""The console panel: one tab per program of a run, what it prints as it runs (stderr in red),
and a line to type into its stdin (Enter sends the line; "End input" is Ctrl-D at a terminal).

Live I/O with the run host, not engine state: the session hands the output on as it drains the
run host's messages, and what is typed goes back through the same bridge."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Signal
from PySide6.QtGui import QColor, QFont, QFontDatabase, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from socketscope.ui import theme

MAX_BLOCKS = 5000  # lines kept per console: a chatty program must not eat the window's memory


class ProgramConsole(QWidget):
    typed = Signal(bytes)

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.text = QPlainTextEdit()
        self.text.setObjectName("console-output")
        self.text.setReadOnly(True)
        self.text.setMaximumBlockCount(MAX_BLOCKS)
        self._mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self.input = QLineEdit()
        self.input.setObjectName("console-input")
        self.set_scale(1.0)
        self.input.returnPressed.connect(self._send)
        self.end = QPushButton()
        self.retranslate()
        self.end.setObjectName("console-eof")
        self.end.clicked.connect(self._eof)
        row = QHBoxLayout()
        row.addWidget(self.input, 1)
        row.addWidget(self.end)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.text, 1)
        layout.addLayout(row)

    def set_scale(self, scale: float) -> None:
        """The program's text at the presenter scale (lecture mode), still monospace: the
        lecture view scales only fonts nobody set, and this one is set."""
        mono = QFont(self._mono)
        if mono.pointSizeF() > 0:
            mono.setPointSizeF(mono.pointSizeF() * scale)
        else:
            mono.setPixelSize(round(mono.pixelSize() * scale))
        self.text.setFont(mono)
        self.input.setFont(QFont(mono))

    def retranslate(self) -> None:
        self.input.setPlaceholderText(
            self.tr("Type a line for {name}, then Enter").format(name=self.name)
        )
        self.end.setText(self.tr("End input (Ctrl+D)"))

    def changeEvent(self, event: QEvent) -> None:
        # a console made before the language was chosen (a run loaded at start) follows it
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def append(self, text: str, stream: str = "stdout") -> None:
        fmt = QTextCharFormat()
        t = theme.current()
        if stream == "stderr":
            fmt.setForeground(QColor("#c62828"))
        elif stream == "stdin":
            fmt.setForeground(t.ink_soft)
            fmt.setFontItalic(True)
        else:
            fmt.setForeground(t.ink)
        cur = self.text.textCursor()
        cur.movePosition(QTextCursor.MoveOperation.End)
        cur.insertText(text, fmt)
        self.text.setTextCursor(cur)
        self.text.ensureCursorVisible()

    def _send(self) -> None:
        line = self.input.text() + "\n"
        self.input.clear()
        self.append(line, "stdin")  # as a terminal echoes what is typed
        self.typed.emit(line.encode())

    def _eof(self) -> None:
        self.append("^D\n", "stdin")
        self.typed.emit(b"")
        self.input.setEnabled(False)
        self.end.setEnabled(False)


class ConsolePanel(QTabWidget):
    """A console per program; ``typed(program, data)`` when the user types into one."""

    typed = Signal(str, bytes)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("console-panel")
        # room below the text: the style clips an inactive tab's underscores (program names
        # are full of them: selectors_chat_server.py)
        self.tabBar().setStyleSheet(
            "QTabBar::tab { padding: 3px 10px 6px 10px; }"
            "QTabBar::tab:selected { border-bottom: 3px solid palette(highlight); }"
        )
        self.consoles: dict[str, ProgramConsole] = {}
        self.scale = 1.0

    def set_scale(self, scale: float) -> None:
        self.scale = scale
        for c in self.consoles.values():
            c.set_scale(scale)

    def reset(self, programs: list[str]) -> None:
        self.clear()
        for c in self.consoles.values():
            c.deleteLater()
        self.consoles = {}
        for name in programs:
            c = ProgramConsole(name)
            c.set_scale(self.scale)
            c.typed.connect(lambda data, name=name: self.typed.emit(name, data))
            self.consoles[name] = c
            self.addTab(c, name)

    def append(self, program: str, stream: str, text: str) -> None:
        c = self.consoles.get(program)
        if c is not None:
            c.append(text, stream)
