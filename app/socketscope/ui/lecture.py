"""Lecture mode and zoom: what F11 and Ctrl + / − / 0 / 9 do.

``LectureController`` is handed a view (the Mu pattern, as ``StudyController``): the window
implements ``LectureView`` (fonts, full screen, docks, the diagram's zoom); the tests drive the
controller with a fake view. Outside lecture mode Ctrl + and − zoom the diagram; in lecture mode
they scale everything (the presenter scale), because a projected window must be readable as a
whole, not only its diagram.
"""

from __future__ import annotations

from typing import Protocol

DEFAULT_PRESENTER_SCALE = 1.7
ZOOM_STEP = 1.15
MIN_SCALE, MAX_SCALE = 1.0, 3.0
# the panels lecture mode puts away: the diagram and the bytes get the room (the inspector stays)
LECTURE_HIDES = ("lesson", "sockets")


def right_width(window_width: int, lecture: bool) -> int:
    """The right column's width: in lecture mode the lanes need the room more than the
    inspector, which gets a fifth of the screen; else enough for the sockets table."""
    if lecture:
        return window_width // 5
    return int(min(max(window_width * 0.32, 340), 620))


def status_lines(lecture: bool) -> int:
    """At a presenter's scale a long status sentence takes a second line rather than run off
    the screen."""
    return 2 if lecture else 1


class LectureView(Protocol):
    def apply_scale(self, scale: float, lecture: bool) -> None:
        """Every font, line and control at ``scale`` (1.0: the normal window)."""

    def enter_full_screen(self, on: bool, full_screen: bool) -> None:
        """Lecture mode's window: full screen and the room to the diagram, or back as it was."""

    def diagram_zoom(self) -> float: ...
    def set_diagram_zoom(self, zoom: float) -> None: ...
    def diagram_rows(self) -> int:
        """Rows the diagram shows now (0: nothing has run)."""

    def zoom_to_fit(self) -> float:
        """The zoom at which every row shown fits the diagram's height."""

    def save_presenter_scale(self, scale: float) -> None: ...

    def screen_factor(self) -> float:
        """How much smaller than 1920×1080 the lecture window is (1.0 at full HD or more)."""

    def shown_panels(self) -> list[str]:
        """The names of the panels (docks) shown now."""

    def show_panels(self, names: list[str], shown: bool) -> None: ...

    def blanked(self) -> bool: ...

    def set_blank(self, on: bool) -> None:
        """A black screen over the window (B on a presenter remote), or not."""

    def pause(self) -> None:
        """Pause the run."""


class LectureController:
    def __init__(self, view: LectureView, presenter_scale: float = DEFAULT_PRESENTER_SCALE):
        self.view = view
        self.on = False
        self.presenter_scale = self._clamp(presenter_scale)
        self._applied = 1.0
        self._panels_before: list[str] = []  # what lecture mode hid, shown again when it ends

    @staticmethod
    def _clamp(scale: float) -> float:
        return min(MAX_SCALE, max(MIN_SCALE, scale))

    def effective_scale(self) -> float:
        """The presenter scale is meant for a 1920×1080 projector: a smaller screen (a 1280×720
        projector, a laptop) gets the same picture, scaled down, never below the normal size."""
        return max(1.0, self.presenter_scale * self.view.screen_factor())

    def set_lecture(self, on: bool, full_screen: bool = True) -> None:
        if on and not self.on:
            shown = self.view.shown_panels()
            self._panels_before = [p for p in LECTURE_HIDES if p in shown]
            self.view.show_panels(list(LECTURE_HIDES), False)
        elif not on and self.on:
            # exactly what was shown before: a panel the user had closed stays closed
            self.view.show_panels(self._panels_before, True)
        self.on = on
        self.view.enter_full_screen(on, full_screen)
        self._applied = self.effective_scale() if on else 1.0
        self.view.apply_scale(self._applied, on)

    def set_presenter_scale(self, scale: float) -> None:
        self.presenter_scale = self._clamp(scale)
        self.view.save_presenter_scale(self.presenter_scale)
        if self.on:
            self._applied = self.effective_scale()
            self.view.apply_scale(self._applied, True)

    def screen_changed(self) -> bool:
        """The window's size changed (full screen came into effect, another projector).
        True when the scale changed with it."""
        if self.on and abs(self.effective_scale() - self._applied) > 0.01:
            self._applied = self.effective_scale()
            self.view.apply_scale(self._applied, True)
            return True
        return False

    def toggle_blank(self) -> None:
        """B on a presenter remote: a black screen, and the run pauses."""
        if self.view.blanked():
            self.view.set_blank(False)
            return
        self.view.pause()
        self.view.set_blank(True)

    # --- the zoom keys -------------------------------------------------------------------------
    def zoom_in(self) -> None:
        self._zoom_by(ZOOM_STEP)

    def zoom_out(self) -> None:
        self._zoom_by(1 / ZOOM_STEP)

    def _zoom_by(self, factor: float) -> None:
        if self.on:
            self.set_presenter_scale(self.presenter_scale * factor)
        else:
            self.view.set_diagram_zoom(self.view.diagram_zoom() * factor)

    def actual_size(self) -> None:
        """Ctrl+0: 100 % (in lecture mode, the default presenter scale)."""
        if self.on:
            self.set_presenter_scale(DEFAULT_PRESENTER_SCALE)
        else:
            self.view.set_diagram_zoom(1.0)

    def fit(self) -> None:
        """Every row in view. Fit only ever shrinks: a lesson with three rows (or none) stays
        at 100 %, so the run that follows is not played at a zoom meant for three rows."""
        if self.view.diagram_rows() == 0:
            self.view.set_diagram_zoom(1.0)
            return
        self.view.set_diagram_zoom(min(1.0, self.view.zoom_to_fit()))

    def new_lesson(self) -> None:
        """Zoom is per lesson: a new lesson (or Reset) starts at 100 %."""
        self.view.set_diagram_zoom(1.0)
