"""Study mode in the window: ask before a step, reveal after the call has really run."""

from __future__ import annotations

import json
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from socketscope.model.study import Question, Score
from socketscope.ui.settings import Settings


class QuestionDialog(QDialog):
    """One question, one button per choice. Escape skips the question (and the step)."""

    def __init__(self, q: Question, lang: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Predict"))
        self.answer: str | None = None
        layout = QVBoxLayout(self)
        label = QLabel(q.text.get(lang, q.text["en"]))
        f = QFont(label.font())
        f.setPointSizeF(f.pointSizeF() * 1.4)
        f.setBold(True)
        label.setFont(f)
        layout.addWidget(label)
        for key, en, ko in q.choices:
            b = QPushButton(ko if lang == "ko" else en)
            b.setObjectName(f"choice-{key}")
            b.clicked.connect(lambda _=False, key=key: self._pick(key))
            layout.addWidget(b)

    def _pick(self, key: str) -> None:
        self.answer = key
        self.accept()


@dataclass
class Pending:
    question: Question
    actor: str
    answer: str
    start: int  # number of events when the step was taken


def load_scores(settings: Settings) -> dict[str, Score]:
    try:
        raw = json.loads(str(settings.get("study_scores") or "{}"))
    except json.JSONDecodeError:
        raw = {}
    return {
        k: Score(int(v[0]), int(v[1]))
        for k, v in raw.items()
        if isinstance(v, list) and len(v) == 2
    }


def save_scores(settings: Settings, scores: dict[str, Score]) -> None:
    settings.set("study_scores", json.dumps({k: [s.right, s.asked] for k, s in scores.items()}))


class MissedDialog(QDialog):
    """The questions missed in this run; double-click one to go back to that call."""

    def __init__(
        self, missed: list[tuple[int, str]], score: Score, lang: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("How it went"))
        self.row: int | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(score.text(lang)))
        if missed:
            layout.addWidget(QLabel(self.tr("Missed (double-click to go back to the call):")))
        self.list = QListWidget()
        for row, text in missed:
            item = QListWidgetItem(f"{row + 1}: {text}")
            item.setData(Qt.ItemDataRole.UserRole, row)
            self.list.addItem(item)
        self.list.itemDoubleClicked.connect(self._go)
        layout.addWidget(self.list)

    def _go(self, item: QListWidgetItem) -> None:
        self.row = int(item.data(Qt.ItemDataRole.UserRole))
        self.accept()
