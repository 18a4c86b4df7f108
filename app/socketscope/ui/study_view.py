"""Study mode on screen: the question dialog, the verdict beside its call, the summary.

``StudyPanel`` is the ``StudyView`` the window hands ``StudyController`` (ui/study.py decides
what is asked and scored; this module only shows it). The verdict is a label over the diagram,
placed under its call (or above it near the bottom), where the student is looking.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QDockWidget, QLabel, QWidget

from socketscope.model.diagram import Box, DiagramLayout
from socketscope.model.study import Question, Score
from socketscope.ui.diagram_view import SequenceDiagram
from socketscope.ui.study import MissedDialog, QuestionDialog, Summary, Verdict, verdict_text


class StudyPanel:
    def __init__(
        self,
        window: QWidget,
        diagram: SequenceDiagram,
        explanation: QDockWidget,
        layout: Callable[[], DiagramLayout],
        choose_box: Callable[[Box], None],
        say: Callable[[str], None],
        set_running: Callable[[bool], None],
        score: Callable[[], Score | None],
    ) -> None:
        self.window = window
        self.diagram = diagram
        self.explanation = explanation
        self._layout = layout
        self._choose_box = choose_box
        self._say = say
        self._set_running = set_running
        self._score = score  # this lesson's tally so far, for the status line
        self.lang = "en"
        self.verdict = QLabel(diagram.viewport())
        self.verdict.setObjectName("study-verdict")
        self.verdict.setWordWrap(True)
        self.verdict.hide()
        self._verdict_seq: int | None = None
        diagram.verticalScrollBar().valueChanged.connect(lambda _v: self.place_verdict())

    def _box(self, seq: int | None) -> Box | None:
        return next((b for b in self._layout().boxes if b.seq == seq), None)

    # --- StudyView -------------------------------------------------------------------------------
    def ask(self, q: Question, actor: str) -> str | None:
        self.verdict.hide()
        d = QuestionDialog(q, self.lang, actor, parent=self.window)
        answer = d.answer if d.exec() else None
        d.deleteLater()
        self.window.activateWindow()  # the step keys are the window's shortcuts: keys back
        return answer

    def show_verdict(self, v: Verdict) -> None:
        box = self._box(v.seq)
        self.explanation.show()  # the explanation panel opens on that call
        if box is not None:
            self._choose_box(box)  # the inspector and the explanation: that call
        text = verdict_text(v, self.lang)
        if v.pending:
            colors = ("#fff4e5", "#b06000")
        elif v.right is None:
            colors = ("#f1f3f4", "#5f6368")
        elif v.right:
            colors = ("#e6f4ea", "#1e8e3e")
        else:
            colors = ("#fdecea", "#c5221f")
        self.verdict.setStyleSheet(
            f"QLabel {{ background: {colors[0]}; color: #202124; border: 2px solid {colors[1]};"
            " border-radius: 8px; padding: 8px 12px; }"
        )
        f = QFont(self.window.font())
        f.setPointSizeF(f.pointSizeF() * 1.25)
        self.verdict.setFont(f)
        self.verdict.setText(text)
        self._verdict_seq = v.seq
        self.verdict.show()
        self.verdict.raise_()
        self.place_verdict()
        score = self._score()
        if v.right is not None and score is not None:
            self._say(f"{text.splitlines()[0]}  ({score.text(self.lang)})")

    def show_summary(self, summary: Summary) -> int | None:
        dialog = MissedDialog(summary, self.lang, self.window)
        seq = dialog.seq if dialog.exec() else None
        dialog.deleteLater()
        self.window.activateWindow()
        return seq

    def show_running(self, on: bool) -> None:
        self._set_running(on)

    def later(self, seconds: float, fn: Callable[[], None]) -> None:
        QTimer.singleShot(int(seconds * 1000), self.window, fn)

    # --- the verdict's place ---------------------------------------------------------------------
    def place_verdict(self) -> None:
        """Beside its call on the diagram: under the box, or above it near the bottom."""
        if not self.verdict.isVisible():
            return
        d = self.diagram
        vp = d.viewport()
        box = self._box(self._verdict_seq)
        width = int(min(vp.width() - 16, max(d.box_w() * 1.3, 520 * d.font_scale)))
        self.verdict.setFixedWidth(max(200, width))
        self.verdict.adjustSize()
        h = self.verdict.height()
        if box is None:
            x, y = (vp.width() - width) // 2, 8
        else:
            r = d._box_rect(box.lane, box.row)
            x = int(min(max(8, r.center().x() - width / 2), vp.width() - width - 8))
            y = int(r.bottom() + 6)
            if y + h > vp.height() - 8:
                y = int(r.top() - h - 6)
            y = max(8, y)
        self.verdict.move(x, y)
