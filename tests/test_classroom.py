"""Lecture mode and settings: what a lecturer needs in front of a projector."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontInfo
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QDockWidget,
    QLabel,
    QTableView,
    QTextEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

from socketscope.engine.scenario import get
from socketscope.ui.app import settled
from socketscope.ui.mainwindow import MainWindow
from socketscope.ui.settings import Settings

pytestmark = pytest.mark.gui


def smallest_text_px(w: MainWindow) -> tuple[int, str]:
    smallest = (10**6, "")
    for child in w.findChildren(QWidget):
        if not child.isVisibleTo(w) or not isinstance(
            child, (QLabel, QAbstractButton, QComboBox, QTableView, QTextEdit)
        ):
            continue
        px = QFontInfo(child.font()).pixelSize()
        if px < smallest[0]:
            smallest = (px, f"{type(child).__name__} {child.objectName()}")
    d = w.diagram
    for size in (11, 11.5, 12.5, 13):  # the diagram's smallest fonts: row numbers, tags, labels
        px = d._font(size).pixelSize()
        if px < smallest[0]:
            smallest = (px, f"diagram font {size}")
    return smallest


def title_ink_px(dock: QDockWidget) -> int:
    """The painted height of a dock's title. Qt may paint it in the platform's own small font
    whatever the dock's font says, so measure the ink, not the font."""
    img = dock.grab().toImage()
    inked = [
        y
        for y in range(dock.widget().y())
        if any(img.pixelColor(x, y).lightness() < 110 for x in range(img.width() - 50))
    ]
    return inked[-1] - inked[0] + 1 if inked else 0


def test_lecture_mode_scales_everything_and_collapses_panels(
    qtbot: QtBot, gui_window: MainWindow
) -> None:
    w = gui_window
    w.resize(1920, 1080)
    w.session.load_scenario(get("tcp-echo"))
    before = smallest_text_px(w)
    title_before = title_ink_px(w.inspector_dock)
    qtbot.keyClick(w.diagram, Qt.Key.Key_F11)
    assert (w.lecture and w.isFullScreen()) or w.lecture  # offscreen has no real full screen
    assert not w.lesson_dock.isVisibleTo(w) and not w.table_dock.isVisibleTo(w)
    assert w.diagram.spotlight and w.diagram.line_scale > 1
    px, what = smallest_text_px(w)
    assert px >= 18, f"smallest text is {px} px ({what}); before lecture mode it was {before}"
    title = title_ink_px(w.inspector_dock)
    assert title >= 1.15 * title_before, f"panel title {title_before} px → {title} px"
    # Ctrl + in lecture mode grows everything, and the scale is remembered
    qtbot.keyClick(w.diagram, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    assert w.presenter_scale > 1.7
    assert float(Settings().get("presenter_scale")) == pytest.approx(w.presenter_scale)
    qtbot.keyClick(w.diagram, Qt.Key.Key_F11)
    assert not w.lecture and w.lesson_dock.isVisibleTo(w)
    assert smallest_text_px(w)[0] == before[0], "leaving lecture mode restores the sizes"


def test_presenter_remote_keys_and_blank(qtbot: QtBot, gui_window: MainWindow) -> None:
    w = gui_window
    w.session.load_scenario(get("tcp-echo"))
    qtbot.waitUntil(lambda: settled(w), timeout=5000)
    w.diagram.setFocus()
    qtbot.keyClick(w.diagram, Qt.Key.Key_PageDown)
    qtbot.waitUntil(lambda: any(e.kind == "call" for e in w.session.events), timeout=3000)
    qtbot.waitUntil(lambda: settled(w), timeout=5000)
    rows = w.session.layout.rows_at(w.session.cursor_seq)
    qtbot.keyClick(w.diagram, Qt.Key.Key_PageUp)
    assert w.session.layout.rows_at(w.session.cursor_seq) == rows - 1
    w.session.toggle_run()
    qtbot.keyClick(w.diagram, Qt.Key.Key_B)
    assert w.lecture_view.blank.isVisible() and not w.session.running, (
        "B blanks the screen and pauses"
    )
    qtbot.keyClick(w, Qt.Key.Key_B)
    assert not w.lecture_view.blank.isVisible()


def test_settings_persist_across_windows(qtbot: QtBot) -> None:
    Settings().reset()
    w = MainWindow()
    qtbot.addWidget(w)
    w.session.load_scenario(get("udp-echo"))
    w.speed.setValue(80)
    w.act_language["ko"].trigger()  # the user's choice, from View → Language
    w.close()
    again = MainWindow()
    qtbot.addWidget(again)
    assert again.speed.value() == 80
    assert again.lang == "ko" and again.language.currentData() == "ko"
    assert Settings().get("last_scenario") == "udp-echo"
    again.close()
    Settings().reset()


def test_preferences_apply_at_once_and_reset_to_defaults(
    qtbot: QtBot, gui_window: MainWindow
) -> None:
    from socketscope.ui.preferences import PreferencesDialog

    w = gui_window
    d = PreferencesDialog(w.settings, w)
    qtbot.addWidget(d)
    d.language.setCurrentIndex(d.language.findData("ko"))
    d.speed.setValue(20)
    d.scale.setValue(2.2)
    d._save()
    w.apply_settings()
    assert w.lang == "ko" and w.speed.value() == 20 and w.presenter_scale == pytest.approx(2.2)
    d.reset_to_defaults()
    assert d.speed.value() == 55 and d.scale.value() == pytest.approx(1.7)
    assert d.language.currentData() == ""


def test_dock_layout_persists_and_resets(qtbot: QtBot) -> None:
    """Panels are docks; where the user put them, and which are closed, survive a restart."""
    Settings().reset()
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    assert w.dockWidgetArea(w.table_dock) == Qt.DockWidgetArea.RightDockWidgetArea
    w.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, w.table_dock)
    w.lesson_dock.toggleViewAction().trigger()  # View → Panels → Code and explanation: off
    assert not w.lesson_dock.isVisibleTo(w)
    w.close()
    again = MainWindow()
    qtbot.addWidget(again)
    again.show()
    assert again.dockWidgetArea(again.table_dock) == Qt.DockWidgetArea.LeftDockWidgetArea
    assert not again.lesson_dock.isVisibleTo(again)
    again.act_reset_layout.trigger()
    assert again.dockWidgetArea(again.table_dock) == Qt.DockWidgetArea.RightDockWidgetArea
    assert again.lesson_dock.isVisibleTo(again)
    # lecture mode hides panels for the lecture and gives back exactly what was shown before
    again.table_dock.hide()
    again.set_lecture(True, full_screen=False)
    assert not again.lesson_dock.isVisibleTo(again)
    again.set_lecture(False)
    assert again.lesson_dock.isVisibleTo(again) and not again.table_dock.isVisibleTo(again)
    again.close()


def test_theme_from_the_menu_persists_and_lecture_mode_uses_high_contrast(
    qtbot: QtBot, gui_window: MainWindow
) -> None:
    from socketscope.ui import theme

    w = gui_window
    assert w.theme_name == "system" and theme.chosen() == "system"
    w.act_theme["dark"].trigger()  # View → Theme → Dark
    assert theme.current() is theme.DARK and Settings().get("theme") == "dark"
    w.set_lecture(True, full_screen=False)
    assert theme.current() is theme.HIGH_CONTRAST, "a washed-out projector gets high contrast"
    w.set_lecture(False)
    assert theme.current() is theme.DARK
    w.settings.set("lecture_theme", "")  # Preferences: "the same as the window"
    w.set_lecture(True, full_screen=False)
    assert theme.current() is theme.DARK
    w.set_lecture(False)
    again = MainWindow()
    qtbot.addWidget(again)
    assert again.theme_name == "dark" and again.act_theme["dark"].isChecked()
    again.close()
