"""Study mode on the window: the StudyController (ui/study.py) and its panel (ui/study_view.py),
made when first used or right after the first paint, and the step keys that go through it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from socketscope.ui.i18n import translate

if TYPE_CHECKING:
    from socketscope.model.study import Score
    from socketscope.ui.mainwindow import MainWindow
    from socketscope.ui.study import StudyController
    from socketscope.ui.study_view import StudyPanel


class StudyMode:
    def __init__(self, w: MainWindow) -> None:
        self.w = w
        self.ctl: StudyController | None = None
        self.view: StudyPanel | None = None

    @property
    def enabled(self) -> bool:
        return self.ctl is not None and self.ctl.enabled

    @property
    def controller(self) -> StudyController:
        if self.ctl is None:
            from socketscope.ui.study import StudyController, load_scores
            from socketscope.ui.study_view import StudyPanel

            w = self.w
            self.view = StudyPanel(
                w,
                w.diagram,
                w.lesson_dock,
                lambda: w.session.layout,
                w.selection.choose_box,
                w.say,
                lambda on: w.on_mode("run" if on else "pause"),
                self._lesson_score,
            )
            self.view.lang = w.lang
            # made now, it starts on the trace on screen: a fresh visit, as after a load
            self.ctl = StudyController(
                w.session, self.view, load_scores(w.settings), self._save_scores
            )
        return self.ctl

    def on_changed(self) -> None:
        if self.ctl is not None:
            self.ctl.on_changed()

    def on_finished(self) -> None:
        if self.ctl is not None:
            self.ctl.on_finished()

    def set_enabled(self, on: bool) -> None:
        self.controller.set_enabled(on)
        assert self.view is not None
        self.w.act_study.setChecked(on)
        self.view.verdict.hide()
        self.w.say(
            translate("MainWindow", "Study mode: predict each step first.")
            if on
            else translate("MainWindow", "Study mode off")
        )

    def _lesson_score(self) -> Score | None:
        scenario = str(self.w.session.trace.header.get("scenario", ""))
        return self.controller.scores.get(scenario)

    def _save_scores(self, scores: dict[str, Score]) -> None:
        from socketscope.ui.study import save_scores

        if self.w.persist:
            save_scores(self.w.settings, scores)

    def run_key(self) -> None:
        """Space: in study mode the run still asks before each call."""
        s = self.w.session
        if self.enabled and s.live and not s.finished:
            if not s.at_end:
                s.seek(len(s.events))  # as Space does outside study mode: run on from the end
            self.controller.toggle_run()
        else:
            s.toggle_run()

    def step(self, actor: str | None = None) -> None:
        """Every step key: →, the toolbar's Step, Page Down, 1–9, a ghost click."""
        self.controller.step(actor)

    def step_lane(self, col: int) -> None:
        """Key 1–9: the lane in that place from the left (a program's threads and children
        are drawn right after it, not where they came)."""
        layout = self.w.session.layout
        cols = layout.columns()
        if col < len(cols):
            self.step(layout.lanes[cols[col]])
