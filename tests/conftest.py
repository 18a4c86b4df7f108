"""Shared test helpers. Every test runs real sockets on loopback; nothing is mocked."""

from __future__ import annotations

import os
import queue
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

# GUI tests run offscreen wherever they run, not only under `make test`, and never read or
# write the user's own settings.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["SOCKETSCOPE_SETTINGS"] = os.path.join(
    os.environ.get("TMPDIR", "/tmp"), f"socketscope-test-settings-{os.getpid()}.ini"
)

import pytest

from socketscope.engine import Event, Runner, Trace
from socketscope.engine.scenario import Scenario, load_file

HERE = Path(__file__).parent


def open_fds() -> set[int]:
    return {int(n) for n in os.listdir("/proc/self/fd")}


def engine_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("socketscope-")]


@pytest.fixture(autouse=True)
def clean_settings() -> Iterator[None]:
    """Every test starts from default settings (through QSettings, which caches in-process)."""
    yield
    from PySide6.QtCore import QSettings

    s = QSettings(os.environ["SOCKETSCOPE_SETTINGS"], QSettings.Format.IniFormat)
    s.clear()
    s.sync()


@pytest.fixture(autouse=True)
def english_interface() -> Iterator[None]:
    """The translator is application-wide: a test that switched to Korean must not leak it."""
    yield
    i18n = sys.modules.get("socketscope.ui.i18n")
    if i18n is not None:
        i18n.install("en")


@pytest.fixture(autouse=True)
def light_theme() -> Iterator[None]:
    """The theme is application-wide too: a test that switched it (or let the window follow the
    system) leaves the light one behind, because other tests compare colours."""
    yield
    theme = sys.modules.get("socketscope.ui.theme")
    if theme is not None and (theme.chosen() != "light" or theme.current() is not theme.LIGHT):
        theme.apply("light")


@pytest.fixture(autouse=True)
def no_leaked_engine_threads() -> Iterator[None]:
    """Fail a test that leaves an actor thread running, naming the thread."""
    yield
    alive = [t.name for t in engine_threads() if t.is_alive()]
    assert not alive, f"engine threads still running after the test: {alive}"


def load_test_scenario(name: str) -> Scenario:
    return load_file(HERE / "scenarios" / f"{name}.py")


class Collector:
    """Drains a runner's events into a trace and waits on conditions over them (no sleeps)."""

    def __init__(self, runner: Runner) -> None:
        self.runner = runner
        self.trace = Trace(runner.scenario.header())

    @property
    def events(self) -> list[Event]:
        return self.trace.events

    def pump(self, wait: float = 0.0) -> None:
        try:
            ev = self.runner.events.get(timeout=wait) if wait else self.runner.events.get_nowait()
        except queue.Empty:
            return
        self.trace.append(ev)
        self.trace.extend(self.runner.drain())

    def until(
        self, predicate: Callable[[Collector], bool], timeout: float = 5.0, what: str = ""
    ) -> None:
        deadline = time.monotonic() + timeout
        self.pump()
        while not predicate(self):
            if time.monotonic() > deadline:
                kinds = [(e.actor, e.kind, e.op) for e in self.events[-12:]]
                raise AssertionError(
                    f"timed out waiting for {what or predicate}; last events: {kinds}"
                )
            self.pump(0.05)

    def until_event(self, timeout: float = 5.0, **match: object) -> Event:
        def find(c: Collector) -> Event | None:
            for e in c.events:
                if all(getattr(e, k) == v for k, v in match.items()):
                    return e
            return None

        self.until(lambda c: find(c) is not None, timeout, what=f"event {match}")
        found = find(self)
        assert found is not None
        return found

    def run_to_end(self, timeout: float = 10.0) -> Trace:
        self.until(lambda c: c.runner.done.is_set(), timeout, what="the run to end")
        self.trace.extend(self.runner.drain())
        return self.trace


@pytest.fixture
def gui_window(qtbot: Any) -> Iterator[Any]:
    """A main window, shown offscreen, animation off. On teardown it must leave no engine
    thread and no running timer behind."""
    from socketscope.ui.mainwindow import MainWindow

    w = MainWindow()
    w.diagram.animate = False
    qtbot.addWidget(w)
    w.resize(1600, 900)
    w.show()
    yield w
    w.close()
    assert not w.session._timer.isActive(), "the bridge timer outlived the window"
    assert not w.diagram._anim_timer.isActive(), "the animation timer outlived the window"
    assert not [t for t in engine_threads() if t.is_alive()], "engine threads outlived the window"


def read_modal(qtbot: Any, open_it: Callable[[], object]) -> tuple[object, list[str]]:
    """Call ``open_it()``, which opens a modal dialog, read the dialog as the user sees it and
    close it. Returns what ``open_it`` returned and the texts: the title, the main text, then
    ``"informative:"`` and the detail of a message box, then the other labels and buttons."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QMessageBox

    seen: list[str] = []

    def read() -> None:
        d = QApplication.activeModalWidget()
        if d is None:
            QTimer.singleShot(10, read)
            return
        seen.append(d.windowTitle())
        detail = ""
        if isinstance(d, QMessageBox):
            detail = d.informativeText()  # the file:line detail, as the engine or OS said it
            seen.extend([d.text(), "informative:" + detail])
        seen.extend(
            lab.text()
            for lab in d.findChildren(QLabel)
            if lab.isVisibleTo(d) and lab.text() != detail
        )
        seen.extend(b.text() for b in d.findChildren(QAbstractButton))
        d.reject()

    QTimer.singleShot(0, read)
    result = open_it()
    qtbot.waitUntil(lambda: bool(seen), timeout=3000)
    return result, seen
