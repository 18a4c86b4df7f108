"""Start-up speed (issue 11): what the window's first picture does not need is made right after
it, one piece per turn of the event loop (a key pressed meanwhile is not held up by all of
them). The first picture is the window with its lesson: the diagram with its lanes, the code,
the toolbar and menus, the docks' frames; not a splash."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QTimer

from socketscope.ui import actions, docks, theme

if TYPE_CHECKING:
    from socketscope.ui.mainwindow import MainWindow


class FirstPaint(QObject):
    """Calls ``then`` once, in the event loop's next turn after ``watched``'s first paint."""

    def __init__(self, watched: QObject, then: Callable[[], None]) -> None:
        super().__init__()
        self._watched = watched
        self._then: Callable[[], None] | None = then
        watched.installEventFilter(self)

    def eventFilter(self, obj: QObject, e: QEvent) -> bool:
        if self._then is not None and e.type() == QEvent.Type.Paint:
            QTimer.singleShot(0, self._then)
            self._then = None
            self._watched.removeEventFilter(self)
        return False


def _lesson_imports() -> list[Callable[[], object]]:
    """One step per built-in lesson module: the Lessons menu needs them all (~100 ms in one)."""
    from socketscope.engine.scenario import BUILTIN_PACKAGE

    pkg = importlib.import_module(BUILTIN_PACKAGE)
    names = [m.name for m in pkgutil.iter_modules(pkg.__path__) if not m.name.startswith("_")]
    return [partial(importlib.import_module, f"{BUILTIN_PACKAGE}.{n}") for n in sorted(names)]


def after_first_paint(w: MainWindow) -> None:
    steps: list[Callable[[], object]] = [
        theme.settle,  # the light palette, if the platform gave another (ui/theme.py)
        w.session.start_run,  # the live run's host, if load_scenario left it for now
        lambda: docks.fill(w),  # the inspector, the sockets table, the console, the packets
        w.lesson.start_highlighting,  # the code's colours (Pygments)
        *_lesson_imports(),
        lambda: actions.fill_lessons(w),  # the Lessons menu
        lambda: w.study_ctl,  # study mode: the first step key does not wait for it
        w.ready.emit,
    ]

    def next_step() -> None:
        if w.closed:
            return  # closed before it was all made: nothing more to start
        steps.pop(0)()
        if steps:
            QTimer.singleShot(0, next_step)

    next_step()
