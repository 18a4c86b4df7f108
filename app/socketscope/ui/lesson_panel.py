"""The bottom of the window: the scenario's code, the C call, and what it means.

The code is highlighted by Pygments (a QSyntaxHighlighter feeds each line to its Python lexer) and
each actor's current line is marked in that actor's colour; it follows the cursor, also back.
Building Pygments' lexer compiles a hundred regular expressions (~70 ms), so the highlighter
(ui/highlighter.py) is made after the window's first paint (``start_highlighting``).
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent
from PySide6.QtGui import QFont, QTextCursor
from PySide6.QtWidgets import (
    QLabel,
    QPlainTextEdit,
    QSplitter,
    QTextBrowser,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from socketscope.cform import c_args, c_line, signature
from socketscope.engine.events import Event
from socketscope.model.context import NONE, CallContext
from socketscope.model.explain import explain
from socketscope.ui import theme

if TYPE_CHECKING:
    from socketscope.ui.highlighter import PygmentsHighlighter

_ACTOR = re.compile(r"^@actor\(", re.MULTILINE)


def first_actor_line(source: str) -> int | None:
    """The 1-based line of the first ``@actor(...)`` decorator, if any."""
    m = _ACTOR.search(source)
    return source.count("\n", 0, m.start()) + 1 if m else None


class LessonPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lang = "en"
        self._base_pt = self.font().pointSizeF()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        split = QSplitter()
        self.code = QPlainTextEdit()
        self.code.setReadOnly(True)
        self.code.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        mono = QFont("DejaVu Sans Mono")
        mono.setPointSizeF(self.font().pointSizeF() * 1.05)
        self.code.setFont(mono)
        self._highlighter: PygmentsHighlighter | None = None  # start_highlighting() makes it
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(6, 0, 0, 0)
        self.signature = QLabel("")
        self.signature.setFont(mono)
        self.signature.setWordWrap(True)
        self.c_call = QLabel("")
        self.c_call.setFont(mono)
        self.c_call.setWordWrap(True)
        self.c_call.setStyleSheet("font-weight: bold")
        self.explanation = QTextBrowser()
        f = QFont(self.font())
        f.setPointSizeF(f.pointSizeF() * 1.1)
        self.explanation.setFont(f)
        rl.addWidget(self.signature)
        rl.addWidget(self.c_call)
        rl.addWidget(self.explanation, 1)
        split.addWidget(self.code)
        split.addWidget(right)
        split.setSizes([520, 700])
        layout.addWidget(split)
        self._source = ""
        self._explained: str | None = None  # the plain text shown, None while it is the intro
        self._lines: dict[int, int] = {}
        self._restyle()

    def changeEvent(self, e: QEvent) -> None:
        super().changeEvent(e)
        if e.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._restyle()

    def _restyle(self) -> None:
        """Take up the theme: the code's colours, the signature's grey, the actors' lines."""
        pal = theme.current()
        if self._highlighter is not None:
            self._highlighter.set_palette(pal)
        self.signature.setStyleSheet(f"color: {pal.ink_soft.name()}")
        self._mark_lines()

    def start_highlighting(self) -> None:
        """Colour the code (after the window's first paint: the lexer is slow to build)."""
        if self._highlighter is None:
            from socketscope.ui.highlighter import PygmentsHighlighter

            self._highlighter = PygmentsHighlighter(self.code.document())

    def set_scale(self, scale: float) -> None:
        for w in (self.code, self.signature, self.c_call):
            f = QFont(w.font())
            f.setPointSizeF(self._base_pt * scale * 1.05)
            w.setFont(f)
        f = QFont(self.explanation.font())
        f.setPointSizeF(self._base_pt * scale * 1.1)
        self.explanation.setFont(f)

    def set_source(self, source: str) -> None:
        if source != self._source:
            self._source = source
            self.code.setPlainText(source or "# " + self.tr("(no source recorded for this trace)"))
            # open on the first actor's code, not on the module's bilingual texts above it
            first = first_actor_line(source)
            if first is not None:
                self.code.verticalScrollBar().setValue(first - 1)
                block = self.code.document().findBlockByLineNumber(first - 1)
                self.code.setTextCursor(QTextCursor(block))

    def show_intro(self, title: str, summary: str, notice: list[str]) -> None:
        """Before the first step: the lesson's title, summary and what to notice."""
        self.signature.setText("")
        self.c_call.setText("")
        self.signature.hide()  # no call yet: the introduction gets the room
        self.c_call.hide()
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in notice)
        heading = self.tr("What to notice")
        hint = self.tr("Press Space to run, → to step.")
        self._explained = None
        self.explanation.setHtml(
            f"<h3>{html.escape(title)}</h3><p>{html.escape(summary)}</p>"
            + (f"<p><b>{heading}</b></p><ul>{notes}</ul>" if notes else "")
            + f"<p><i>{hint}</i></p>"
        )

    def _explain(self, text: str) -> None:
        """The explanation, laid out again only when it changed (not at every step)."""
        if text != self._explained:
            self._explained = text
            self.explanation.setPlainText(text)

    def _mark_lines(self) -> None:
        if not self._lines and not self.code.extraSelections():
            return  # nothing to mark or unmark (and QTextFormat's enums stay unmade at start)
        from PySide6.QtGui import QTextFormat

        pal = theme.current()
        sels = []
        for line, lane in self._lines.items():
            block = self.code.document().findBlockByLineNumber(line - 1)
            if not block.isValid():
                continue
            sel = QTextEdit.ExtraSelection()
            color = pal.actor(lane)
            if pal.code_line_solid:
                # high contrast: a solid bar of the actor's colour, its text in white
                sel.format.setBackground(color)
                sel.format.setForeground(pal.actor_text)
            else:
                sel.format.setBackground(pal.wash(color, pal.code_wash))
            sel.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
            cur = QTextCursor(block)
            sel.cursor = cur
            sels.append(sel)
        self.code.setExtraSelections(sels)

    def set_lines(self, lines: dict[int, int]) -> None:
        """Mark each actor's current line: {line: lane}."""
        self._lines = dict(lines)
        self._mark_lines()
        if lines:
            last = max(lines)
            block = self.code.document().findBlockByLineNumber(last - 1)
            if block.isValid():
                self.code.setTextCursor(QTextCursor(block))
                self.code.ensureCursorVisible()

    def show_call(
        self,
        call: Event | None,
        ret: Event | None,
        blocked: bool = False,
        ctx: CallContext = NONE,
        blocked_ev: Event | None = None,
    ) -> None:
        ev = call or ret
        self.signature.show()
        self.c_call.show()
        if ev is None:
            self.signature.setText("")
            self.c_call.setText("")
            self._explain("")
            return
        op = ev.op or ""
        self.signature.setText(signature(op, self.lang))
        if call is not None and ret is not None and ret.kind == "return":
            self.c_call.setText(c_line(call, ret, ctx, self.lang))
        elif call is not None:
            self.c_call.setText(c_args(call, None, self.lang) + "  …")
        else:
            self.c_call.setText("")
        text = explain(call, ret, self.lang, blocked, ctx, blocked_ev)
        where = (call.params or {}) if call is not None else {}
        if call is not None and call.line is None and where.get("function"):
            # a C program built without -g: the function is known, the line is not
            text = (
                self.tr("Made in {function}(): compile with -g to see your lines").format(
                    function=where["function"]
                )
                + "\n\n"
                + text
            )
        self._explain(text)
