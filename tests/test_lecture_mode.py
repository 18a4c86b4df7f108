"""Lecture mode's controller with a fake view: no Qt widget, no window (the Mu pattern).

The window's side (fonts, docks, full screen) is ui/lecture_window.py, driven by the real keys in
test_classroom.py; here what lecture mode decides: the presenter scale, the zoom keys, which
panels it puts away and gives back, the blank screen and the right column's width.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass, field

import pytest

from socketscope.ui.lecture import (
    DEFAULT_PRESENTER_SCALE,
    LECTURE_HIDES,
    LectureController,
    right_width,
    status_lines,
)


@dataclass
class FakeLectureView:
    zoom: float = 1.0
    rows: int = 0
    fits_at: float = 3.0
    factor: float = 1.0
    scales: list[tuple[float, bool]] = field(default_factory=list)
    full: list[bool] = field(default_factory=list)
    saved: list[float] = field(default_factory=list)
    panels: set[str] = field(default_factory=lambda: {"inspector", "sockets", "lesson"})
    black: bool = False
    paused: int = 0

    def apply_scale(self, scale: float, lecture: bool) -> None:
        self.scales.append((scale, lecture))

    def enter_full_screen(self, on: bool, full_screen: bool) -> None:
        self.full.append(on)

    def diagram_zoom(self) -> float:
        return self.zoom

    def set_diagram_zoom(self, zoom: float) -> None:
        self.zoom = zoom

    def diagram_rows(self) -> int:
        return self.rows

    def zoom_to_fit(self) -> float:
        return self.fits_at

    def save_presenter_scale(self, scale: float) -> None:
        self.saved.append(scale)

    def screen_factor(self) -> float:
        return self.factor

    def shown_panels(self) -> list[str]:
        return sorted(self.panels)

    def show_panels(self, names: list[str], shown: bool) -> None:
        if shown:
            self.panels |= set(names)
        else:
            self.panels -= set(names)

    def blanked(self) -> bool:
        return self.black

    def set_blank(self, on: bool) -> None:
        self.black = on

    def pause(self) -> None:
        self.paused += 1


def test_the_controller_works_with_qt_unimportable() -> None:
    """Lecture mode's decisions need no Qt: the controller runs where PySide6 cannot load."""
    from test_no_qt import BLOCK_QT

    code = BLOCK_QT + (
        "from socketscope.ui.lecture import LectureController, right_width\n"
        "assert right_width(1920, True) == 384\n"
        "assert not [m for m in sys.modules if m.startswith('PySide6')]\n"
        "print('ok')\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "ok" in r.stdout, r.stderr


def test_zoom_keys_actual_size_and_a_fit_that_only_shrinks() -> None:
    v = FakeLectureView()
    lc = LectureController(v)
    lc.zoom_in()
    assert v.zoom == pytest.approx(1.15)
    lc.actual_size()
    assert v.zoom == 1.0
    lc.fit()  # nothing has run: no jump to 300 %
    assert v.zoom == 1.0
    v.rows, v.fits_at = 3, 2.6
    lc.fit()  # three rows: stays at 100 %
    assert v.zoom == 1.0
    v.rows, v.fits_at = 80, 0.4
    lc.fit()
    assert v.zoom == pytest.approx(0.4)
    lc.new_lesson()
    assert v.zoom == 1.0


def test_lecture_mode_scales_everything_and_zoom_keys_set_the_presenter_scale() -> None:
    v = FakeLectureView()
    lc = LectureController(v, presenter_scale=9.0)
    assert lc.presenter_scale == 3.0, "clamped"
    lc.set_presenter_scale(2.0)
    lc.set_lecture(True)
    assert v.full == [True] and v.scales[-1] == (2.0, True)
    lc.zoom_out()
    assert lc.presenter_scale == pytest.approx(2.0 / 1.15) and v.zoom == 1.0
    lc.actual_size()
    assert lc.presenter_scale == DEFAULT_PRESENTER_SCALE
    assert v.saved[-1] == DEFAULT_PRESENTER_SCALE
    lc.set_lecture(False)
    assert v.scales[-1] == (1.0, False)


def test_a_smaller_projector_gets_the_same_picture_scaled_down_never_below_normal() -> None:
    v = FakeLectureView(factor=720 / 1080)
    lc = LectureController(v, presenter_scale=1.8)
    lc.set_lecture(True)
    assert v.scales[-1][0] == pytest.approx(1.2) and v.scales[-1][1]
    v.factor = 1.0  # the window went full screen on a 1080p projector
    assert lc.screen_changed()
    assert v.scales[-1][0] == pytest.approx(1.8)
    assert not lc.screen_changed(), "no change, no new scale"
    v.factor = 0.3
    lc.screen_changed()
    assert v.scales[-1] == (1.0, True)


def test_lecture_mode_puts_panels_away_and_gives_back_exactly_what_was_shown() -> None:
    v = FakeLectureView(panels={"inspector", "lesson"})  # the user had closed the sockets table
    lc = LectureController(v)
    lc.set_lecture(True)
    assert v.panels == {"inspector"} and set(LECTURE_HIDES) == {"lesson", "sockets"}
    lc.set_lecture(True)  # again (F11 while on, Preferences): what it hid is still remembered
    lc.set_lecture(False)
    assert v.panels == {"inspector", "lesson"}, "the closed table stays closed"


def test_blank_pauses_and_a_second_press_gives_the_picture_back() -> None:
    v = FakeLectureView()
    lc = LectureController(v)
    lc.toggle_blank()
    assert (v.black, v.paused) == (True, 1)
    lc.toggle_blank()
    assert (v.black, v.paused) == (False, 1), "unblanking does not touch the run"


def test_the_right_column_gives_the_lanes_room_in_lecture_mode() -> None:
    assert right_width(1920, lecture=True) == 384  # a fifth
    assert right_width(1920, lecture=False) == 614  # room for the sockets table
    assert right_width(800, lecture=False) == 340  # never narrower than the table's columns
    assert right_width(3840, lecture=False) == 620
    assert status_lines(True) == 2 and status_lines(False) == 1
