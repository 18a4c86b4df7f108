"""Shared test helpers. Every test runs real sockets on loopback; nothing is mocked."""

from __future__ import annotations

import contextlib
import os
import queue
import shlex
import subprocess
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

from socketscope.engine import Event, Runner, Trace, read_trace
from socketscope.engine.scenario import Scenario, load_file

HERE = Path(__file__).parent


def open_fds() -> set[int]:
    return {int(n) for n in os.listdir("/proc/self/fd")}


def fd_targets() -> dict[int, str]:
    """Each open fd and what it refers to ("socket:[123]", a path): a leak that reuses the
    number of an fd closed meanwhile (by an earlier test's thread, ending) still shows."""
    out = {}
    for fd in open_fds():
        try:
            out[fd] = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue  # closed between the two looks
    return out


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


# --- nothing left behind ---------------------------------------------------------------------
# Where each socket, thread and child process was made, from Python's audit events (a hook
# cannot be removed, so it records only while a test runs), to say where a leak came from.
_origins: dict[int, tuple[Any, str]] = {}  # id(object) -> (weakref or pid, where it was made)
_recording = [False]


def _where() -> str:
    import traceback

    frames = [
        f
        for f in traceback.extract_stack()[:-2]
        if "/_pytest/" not in f.filename and "/pluggy/" not in f.filename
    ]
    return "".join(traceback.format_list(frames[-6:]))


def _audit(event: str, args: tuple[Any, ...]) -> None:
    # called inside the interpreter's own calls: it must never raise
    if not _recording[0] or event not in _AUDITED:
        return
    try:
        import weakref

        if event == "socket.__new__":
            with contextlib.suppress(TypeError):  # a bare _socket.socket takes no weakref
                _origins[id(args[0])] = (weakref.ref(args[0]), _where())
        elif event == "_thread.start_new_thread":
            th = getattr(args[0], "__self__", None)
            if isinstance(th, threading.Thread):
                _origins[id(th)] = (weakref.ref(th), _where())
        else:
            _origins[-len(_origins) - 1] = (event, f"{args[:2]!r}\n{_where()}")
    except Exception:  # noqa: BLE001 -- a failing hook would fail the call it watches
        pass


_AUDITED = frozenset(
    {"socket.__new__", "_thread.start_new_thread", "subprocess.Popen", "os.fork", "os.posix_spawn"}
)
sys.addaudithook(_audit)

# Python raises no audit event for a new thread before 3.13: note where each one is started
_thread_start = threading.Thread.start


def _noted_start(self: threading.Thread) -> None:
    if _recording[0]:
        import weakref

        with contextlib.suppress(Exception):
            _origins[id(self)] = (weakref.ref(self), _where())
    _thread_start(self)


threading.Thread.start = _noted_start  # type: ignore[method-assign]


def _socket_fds() -> dict[int, str]:
    out = {}
    for n in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{n}")
        except OSError:
            continue
        if target.startswith("socket:"):
            out[int(n)] = target
    return out


def _listening_inodes() -> set[str]:
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table, encoding="ascii") as f:
                for line in f.readlines()[1:]:
                    cols = line.split()
                    if cols[3] == "0A":
                        inodes.add(cols[9])
        except OSError:
            continue
    return inodes


def _children() -> set[int]:
    kids: set[int] = set()
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/children", encoding="ascii") as f:
                kids.update(int(k) for k in f.read().split())
        except OSError:
            continue
    return kids


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


def _origin_of_fd(fd: int) -> str:
    for ref, where in list(_origins.values()):
        obj = ref() if callable(ref) else None
        fileno = getattr(obj, "fileno", None)
        if fileno is not None and not isinstance(obj, threading.Thread):
            try:
                if fileno() == fd:
                    return where
            except (OSError, ValueError):
                continue
    return "(not made by Python code in this test)\n"


def _origin_of_thread(th: threading.Thread) -> str:
    entry = _origins.get(id(th))
    return entry[1] if entry and entry[0]() is th else "(started before the audit hook saw it)\n"


@pytest.fixture(autouse=True)
def nothing_left_behind(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail a test that leaves a socket fd (listening or not), a thread or a child process
    behind, saying where it was made. What ends within a second of the test (a thread on its way
    out, a child being reaped) is waited for, not reported."""
    if not sys.platform.startswith("linux"):
        yield
        return
    if "qtbot" in request.fixturenames or "qapp" in request.fixturenames:
        request.getfixturevalue("qapp")  # the application's own fds are not the test's
    fds_before = _socket_fds()
    threads_before = set(threading.enumerate())
    kids_before = _children()
    _origins.clear()
    _recording[0] = True
    try:
        yield
    finally:
        _recording[0] = False
    deadline = time.monotonic() + 1.0
    threads = [t for t in threading.enumerate() if t not in threads_before and t.is_alive()]
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    problems = []
    for t in threads:
        if t.is_alive():
            problems.append(f"thread {t.name!r} still running, started at:\n{_origin_of_thread(t)}")
    for pid in _children() - kids_before:
        try:
            fd = os.pidfd_open(pid)
        except OSError:
            continue
        import select

        try:
            select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        finally:
            os.close(fd)
        if _alive(pid):
            with contextlib.suppress(OSError), open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")[:200]
            made = [w for ref, w in _origins.values() if not callable(ref)]
            problems.append(
                f"child process {pid} still running: {cmd}\nstarted at:\n"
                + ("".join(made[-1:]) or "(unknown)\n")
            )
    listening = _listening_inodes()
    for fd, target in sorted(_socket_fds().items()):
        if fds_before.get(fd) == target:
            continue
        kind = "listening socket" if target[8:-1] in listening else "socket"
        problems.append(f"{kind} fd {fd} ({target}) left open, made at:\n{_origin_of_fd(fd)}")
    if problems:
        pytest.fail("the test left things behind:\n" + "\n".join(problems), pytrace=False)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The ``gui`` mark follows from the fixtures: a test that uses Qt is a GUI test."""
    for item in items:
        names = getattr(item, "fixturenames", ())
        if "qtbot" in names or "qapp" in names:
            item.add_marker(pytest.mark.gui)


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


def network_in_use(ns: str) -> bool:
    """Some process is still in network namespace ``ns`` ("net:[…]"): a run host's own network
    lives as long as a process in it, and every socket of the run with it."""
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if os.readlink(proc / "ns" / "net") == ns:
                    return True
            except OSError:
                continue
    return False


def processes_in_network(ns: str) -> dict[int, str]:
    """pid -> "cmdline (ppid N)" of every process in network namespace ``ns``."""
    found: dict[int, str] = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if os.readlink(proc / "ns" / "net") != ns:
                continue
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            ppid = (proc / "stat").read_text().rsplit(")", 1)[1].split()[1]
        except OSError:
            continue
        found[int(proc.name)] = f"{cmd.strip()[:120]} (ppid {ppid})"
    return found


def network_left(ns: str, timeout: float) -> dict[int, str]:
    """The processes still in network namespace ``ns`` once each has had until ``timeout`` to
    end. A run host's inner processes die after the one its client started (the kernel ends a
    PID namespace's members as its init exits, or by their death signal): wait on each."""
    import time

    deadline = time.monotonic() + timeout
    while left := processes_in_network(ns):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return left
        for pid in left:
            wait_gone(pid, max(0.0, deadline - time.monotonic()))
    return {}


def wait_gone(pid: int, timeout: float) -> bool:
    """Wait until process ``pid`` has exited (a pidfd turns readable), without sleeping."""
    import select

    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        r, _, _ = select.select([fd], [], [], timeout)
        return bool(r)
    finally:
        os.close(fd)


@pytest.fixture(scope="session")
def app_for_nobody() -> Iterator[str]:
    """A copy of the app's sources that a user dropped to ``nobody`` can read: the checkout may
    sit in a folder only root can enter (CI's fresh clone in ``mktemp -d`` does)."""
    import shutil
    import tempfile

    root = tempfile.mkdtemp(prefix="socketscope-app-")
    try:
        shutil.copytree(
            HERE.parent / "app" / "socketscope",
            Path(root) / "socketscope",
            ignore=shutil.ignore_patterns("__pycache__"),
        )
        for folder, _dirs, files in os.walk(root):
            os.chmod(folder, 0o755)
            for name in files:
                os.chmod(os.path.join(folder, name), 0o644)
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


def lesson_trace(scenario: Scenario, timeout: float = 20) -> Trace:
    """One real run of a lesson, as its trace. In this process, as the engine's tests always
    ran; a two-host lesson (NETWORK) in a run host of its own, as the window and the CLI run it:
    only a fresh single-threaded process can make the namespaces its hosts live in."""
    if scenario.network is None:
        return Trace(scenario.header(), Runner(scenario).run_to_end(timeout=timeout))
    from socketscope.engine.runhost import RunHost

    host = RunHost(scenario)
    trace = Trace(scenario.header(), host.run_to_end(timeout=timeout))
    if host.network is not None:
        trace.header["network"] = host.network
    if host.capture is not None:
        trace.header["capture"] = host.capture
    return trace


APP_DIR = str(Path(__file__).resolve().parents[1] / "app")


def trace_of(
    lesson: str,
    out: Path,
    python: str = sys.executable,
    user: str | None = None,
    app: str = APP_DIR,
    programs: tuple[str, ...] = (),
) -> Trace:
    """A real run of a lesson (or, with ``lesson`` empty, of ``programs``) by `socketscope
    trace`, as its trace with its packets; skips where the system gives no private network."""
    cmd = [python, "-m", "socketscope", "trace", *([lesson] if lesson else []), "-o", str(out)]
    cmd += [arg for program in programs for arg in ("--program", program)]
    if user is not None:
        cmd = ["su", user, "-s", "/bin/sh", "-c", " ".join(shlex.quote(a) for a in cmd)]
    r = subprocess.run(
        cmd,
        env={**os.environ, "PYTHONPATH": app},
        capture_output=True,
        text=True,
        timeout=60,
        cwd="/",
        check=False,
    )
    assert r.returncode == 0, r.stderr
    t = read_trace(out)
    if not t.header["network"]["private"]:
        pytest.skip(f"no private network on this system: {t.header['network']}")
    return t
