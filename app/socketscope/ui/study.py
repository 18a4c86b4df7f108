"""Study mode: ask before a step, reveal after the call has really run.

``StudyController`` holds the logic and is handed a view (the Mu pattern): the window implements
``StudyView`` with real dialogs and a verdict on the diagram; the tests drive the controller with a
fake view. The controller reads the session's trace and cursor, never the live gate: who waits
with which call is the trace's last "waiting" event of each actor not yet followed by its "call".
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from socketscope.engine.events import Event
from socketscope.engine.trace import Trace
from socketscope.model.diagram import DiagramLayout
from socketscope.model.state import RunState
from socketscope.model.study import (
    CallRun,
    Question,
    Score,
    Waiting,
    find_call,
    gate_view,
    outcome,
    question_for,
    socket_facts,
    why,
)
from socketscope.ui.settings import Settings


# --- what the controller needs ------------------------------------------------------------------
class StudySession(Protocol):
    """The part of ``ui.session.Session`` study mode uses."""

    @property
    def events(self) -> list[Event]: ...
    @property
    def cursor(self) -> int: ...
    @property
    def at_end(self) -> bool: ...
    @property
    def live(self) -> bool: ...
    @property
    def finished(self) -> bool: ...
    @property
    def running(self) -> bool: ...
    @property
    def speed(self) -> int: ...

    layout: DiagramLayout
    trace: Trace

    def state(self) -> RunState: ...
    def step(self, actor: str | None = None) -> None: ...
    def pause(self) -> None: ...
    def seek(self, cursor: int) -> None: ...


@dataclass(frozen=True)
class Verdict:
    """What the run answered to one question. ``right`` is None while the call is blocked (the
    answer comes when it returns) and for a call that never returned (not graded)."""

    actor: str
    seq: int  # the call event's: the diagram box it belongs to
    question: Question
    answer: str
    result: str | None
    right: bool | None
    why: dict[str, str] = field(default_factory=dict)
    pending: bool = False  # blocked, not yet returned

    def truth(self, lang: str) -> str:
        return self.question.label(self.result, lang) if self.result else ""


@dataclass(frozen=True)
class Summary:
    score: Score  # this visit of the lesson
    missed: tuple[tuple[int, Verdict], ...]  # (diagram row, verdict)


class StudyView(Protocol):
    lang: str

    def ask(self, q: Question, actor: str) -> str | None:
        """Ask ``actor``'s question; the chosen key, or None if the student skipped it."""

    def show_verdict(self, v: Verdict) -> None: ...
    def show_summary(self, summary: Summary) -> int | None:
        """Show the end-of-run summary; the call seq the student chose to go back to."""

    def show_running(self, on: bool) -> None: ...
    def later(self, seconds: float, fn: Callable[[], None]) -> None: ...


@dataclass
class _Pending:
    question: Question
    target: Waiting
    answer: str
    shown_blocked: bool = False


class StudyController:
    """Every step key goes through ``step()``; Space through ``toggle_run()``."""

    def __init__(
        self,
        session: StudySession,
        view: StudyView,
        scores: dict[str, Score] | None = None,
        save: Callable[[dict[str, Score]], None] | None = None,
    ) -> None:
        self.session = session
        self.view = view
        self.scores = scores if scores is not None else {}
        self._save = save
        self.enabled = False
        self.auto = False  # Space in study mode: step on, pausing at each question
        self._asking = False
        self._pending: list[_Pending] = []
        self._released: set[int] = set()
        self._verdicts: list[Verdict] = []
        self._run_score = Score()
        self._auto_scheduled = False
        self._trace: object = session.trace

    # --- mode ---------------------------------------------------------------------------------
    def set_enabled(self, on: bool) -> None:
        self.enabled = on
        self.lesson_changed()
        if on and self.session.running:
            self.session.pause()

    def lesson_changed(self) -> None:
        """A new lesson, a Reset or a trace: nothing of the last visit carries over."""
        self._set_auto(False)
        self._pending = []
        self._released = set()
        self._verdicts = []
        self._run_score = Score()

    @property
    def verdicts(self) -> list[Verdict]:
        return list(self._verdicts)

    @property
    def waiting_for_answer(self) -> bool:
        return bool(self._pending)

    def _live_at_end(self) -> bool:
        s = self.session
        return s.live and s.at_end and not s.finished

    # --- the keys ------------------------------------------------------------------------------
    def step(self, actor: str | None = None) -> None:
        """→, the toolbar's Step, Page Down, 1–9 and a ghost click."""
        s = self.session
        if not (self.enabled and self._live_at_end()):
            s.step(actor)
            return
        self._set_auto(False)  # a step key takes over from Space's run
        self._ask_and_step(actor)

    def toggle_run(self) -> None:
        """Space: run on, asking before each call; Space again pauses."""
        if not (self.enabled and self._live_at_end()):
            return
        self._set_auto(not self.auto)
        if self.auto:
            self._advance()

    def _set_auto(self, on: bool) -> None:
        if self.auto != on:
            self.auto = on
            self.view.show_running(on)

    def _ask_and_step(self, actor: str | None) -> bool:
        """Ask about the call a step would release, then release it. False if nothing moved."""
        s = self.session
        if self._asking:
            return False
        waiting, _settled = gate_view(s.events, self._released)
        target = next((w for w in waiting if actor is None or w.actor == actor), None)
        if target is None:
            s.step(actor)  # nothing to ask about: let the gate say why
            return False
        q = question_for(target.op, socket_facts(s.state(), target.sock))
        if q is not None:
            self._asking = True
            try:
                answer = self.view.ask(q, target.actor)
            finally:
                self._asking = False
            if answer is None:
                self._set_auto(False)  # skipped: no step, and Space's run stops here
                return False
            if not self._live_at_end():
                return False  # the run ended or moved on while the question was open
            self._pending.append(_Pending(q, target, answer))
        self._released.add(target.seq)
        s.step(target.actor)
        return True

    # --- the trace grew ------------------------------------------------------------------------
    def on_changed(self) -> None:
        if self.session.trace is not self._trace:
            self._trace = self.session.trace
            self.lesson_changed()  # a new lesson, a Reset, a trace file: a new visit
        if not self.enabled:
            return
        self._grade()
        if self.auto:
            self._advance()

    def _grade(self) -> None:
        s = self.session
        still: list[_Pending] = []
        for p in self._pending:
            run = find_call(s.events, p.target.actor, p.target.op, p.target.seq)
            if run.ret is None:
                if run.call is None and s.finished:
                    continue  # stopped before the call was made
                if (run.blocked is not None or s.finished) and not p.shown_blocked:
                    p.shown_blocked = True
                    self.view.show_verdict(self._verdict(p, run, None, pending=not s.finished))
                if not s.finished:
                    still.append(p)
                continue
            if p.question.kind == "close" and not run.after and not s.finished:
                still.append(p)  # its kernel snapshot is on the way
                continue
            self._reveal(p, run)
        self._pending = still

    def _reveal(self, p: _Pending, run: CallRun) -> None:
        result = outcome(p.question, run)
        if result is None:
            # cut short by Stop or by its process's death: no result, so not scored
            self.view.show_verdict(self._verdict(p, run, None))
            return
        right = result == p.answer
        score = self.scores.setdefault(str(self.session.trace.header.get("scenario", "")), Score())
        score.asked += 1
        score.right += right
        self._run_score.asked += 1
        self._run_score.right += right
        if self._save is not None:
            self._save(self.scores)
        v = self._verdict(p, run, result)
        self._verdicts.append(v)
        self.view.show_verdict(v)

    def _verdict(
        self, p: _Pending, run: CallRun, result: str | None, pending: bool = False
    ) -> Verdict:
        seq = run.call.seq if run.call is not None else p.target.seq
        return Verdict(
            actor=p.target.actor,
            seq=seq,
            question=p.question,
            answer=p.answer,
            result=result,
            right=None if result is None else result == p.answer,
            why=why(p.question, result, run) if result is not None else {},
            pending=pending,
        )

    def _advance(self) -> None:
        """Space's run: the next step once nothing is on its way."""
        s = self.session
        if not self.auto or self._asking or self._auto_scheduled:
            return
        if not self._live_at_end():
            if s.finished:
                self._set_auto(False)
            return
        waiting, settled = gate_view(s.events, self._released)
        if not (waiting and settled):
            return  # the next change of the trace tries again
        self._auto_scheduled = True

        def go() -> None:
            self._auto_scheduled = False
            if not self.auto or self._asking:
                return
            waiting, settled = gate_view(self.session.events, self._released)
            if waiting and settled:
                self._ask_and_step(None)

        self.view.later(delay_for_speed(s.speed), go)

    # --- the end --------------------------------------------------------------------------------
    def on_finished(self) -> None:
        if not self.enabled:
            return
        self._grade()
        self._set_auto(False)
        if not self._run_score.asked:
            return
        rows = {b.seq: b.row for b in self.session.layout.boxes}
        missed = tuple((rows.get(v.seq, 0), v) for v in self._verdicts if v.right is False)
        seq = self.view.show_summary(Summary(Score(**vars(self._run_score)), missed))
        if seq is not None:
            self.go_to_call(seq)

    def go_to_call(self, seq: int) -> None:
        """The cursor just after the call's return: the call with its result."""
        events = self.session.events
        call = next((e for e in events if e.seq == seq), None)
        if call is None:
            return
        ret = find_call(events, call.actor, call.op or "", seq - 1).ret
        target = ret.seq if ret is not None else seq
        index = next((i for i, e in enumerate(events) if e.seq == target), len(events) - 1)
        self.session.seek(index + 1)


def delay_for_speed(speed: int) -> float:
    """As the session paces a run: 0 = 2 s per call, 100 = as fast as possible."""
    s = max(0, min(100, speed)) / 100
    return round(2.0 * (1 - s) ** 2, 3)


# --- the widgets ----------------------------------------------------------------------------------
class QuestionDialog(QDialog):
    """One question, one button per choice. Escape skips the question (and the step)."""

    def __init__(self, q: Question, lang: str, actor: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Predict"))
        self.setObjectName("study-question")
        self.answer: str | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(10)
        if actor:
            who = QLabel(f"{actor}  →  {q.op}()")  # whose call: lessons have up to four actors
            who.setObjectName("actor")
            layout.addWidget(who)
        label = QLabel(q.text.get(lang, q.text["en"]))
        label.setObjectName("question")
        label.setWordWrap(True)
        f = QFont(label.font())
        f.setPointSizeF(f.pointSizeF() * 1.4)
        f.setBold(True)
        label.setFont(f)
        layout.addWidget(label)
        for key, en, ko in q.choices:
            b = QPushButton(ko if lang == "ko" else en)
            b.setObjectName(f"choice-{key}")
            bf = QFont(b.font())
            bf.setPointSizeF(bf.pointSizeF() * 1.15)
            b.setFont(bf)
            b.setMinimumHeight(int(b.sizeHint().height() * 1.4))
            b.setStyleSheet("text-align: left; padding: 4px 12px;")
            b.clicked.connect(lambda _=False, key=key: self._pick(key))
            layout.addWidget(b)
        hint = QLabel(self.tr("Esc: skip this step"))
        hint.setEnabled(False)
        layout.addWidget(hint)
        self.setMinimumWidth(560)

    def _pick(self, key: str) -> None:
        self.answer = key
        self.accept()


def verdict_text(v: Verdict, lang: str) -> str:
    """The verdict in one or two lines: right or wrong, what happened, and why."""
    op = v.question.op
    translate = QCoreApplication.translate
    if v.pending:
        return translate(
            "StudyMode", "⏳ {op}() is blocked: the answer comes when it returns."
        ).format(op=op)
    if v.right is None:
        return translate("StudyMode", "{op}() never returned: this question is not scored.").format(
            op=op
        )
    if v.right:
        head = translate("StudyMode", "✓ Right: {truth}.").format(truth=v.truth(lang))
    else:
        head = translate("StudyMode", "✗ Not quite: {truth}.").format(truth=v.truth(lang))
    line = v.why.get(lang) or v.why.get("en", "")
    return f"{head}\n{line}" if line else head


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
    """How this visit of the lesson went; double-click a missed question to go back to its call."""

    def __init__(self, summary: Summary, lang: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("How it went"))
        self.setObjectName("study-summary")
        self.seq: int | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(10)
        head = QLabel(summary.score.text(lang))
        f = QFont(head.font())
        f.setPointSizeF(f.pointSizeF() * 1.5)
        f.setBold(True)
        head.setFont(f)
        layout.addWidget(head)
        self.list = QListWidget()
        self.list.setWordWrap(True)
        self.list.setAlternatingRowColors(True)
        if summary.missed:
            layout.addWidget(QLabel(self.tr("Missed (double-click to go back to the call):")))
            for row, v in summary.missed:
                text = (
                    f"{row + 1}. {v.question.text.get(lang, v.question.text['en'])}\n"
                    f"    ✗ {v.question.label(v.answer, lang)}\n"
                    f"    ✓ {v.truth(lang)}"
                )
                if v.why.get(lang):
                    text += f"\n    {v.why[lang]}"
                item = QListWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, v.seq)
                self.list.addItem(item)
            self.list.itemDoubleClicked.connect(self._go)
            layout.addWidget(self.list, 1)
        else:
            self.list.hide()
            layout.addWidget(QLabel(self.tr("Every prediction was right.")))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(760, 420 if summary.missed else 180)

    def _go(self, item: QListWidgetItem) -> None:
        self.seq = int(item.data(Qt.ItemDataRole.UserRole))
        self.accept()
