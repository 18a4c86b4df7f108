"""Start the window: interactive, or offscreen for ``--screenshot`` and ``--self-test``."""

from __future__ import annotations

import contextlib
import gc
import os
import sys
import time
from collections.abc import Callable

from socketscope import logs
from socketscope.engine.scenario import DEFAULT_SCENARIO, ScenarioError, UnknownScenario, resolve


def _utf8_locale() -> None:
    """Give Qt the UTF-8 locale it insists on before it starts, instead of letting it switch by
    itself with a four-line "Detected locale "C"..." warning on stderr.

    A minimal system or a cron job has no LANG; ``python`` then coerces LC_CTYPE to C.UTF-8 (PEP
    538), but the installed app's embedded Python does not, and LC_ALL=C defeats both. Only the
    character type is changed, as Qt and Python do, so LANG still picks the interface language;
    LC_ALL can only be replaced whole.
    """
    if not sys.platform.startswith("linux"):
        return  # macOS and Windows give Qt UTF-8 whatever the locale
    import locale

    # a locale the C library does not have leaves C, which Qt would fall back to as well
    with contextlib.suppress(locale.Error):
        locale.setlocale(locale.LC_CTYPE, "")
    if locale.nl_langinfo(locale.CODESET).upper().replace("-", "") == "UTF8":
        return
    try:
        locale.setlocale(locale.LC_CTYPE, "C.UTF-8")
    except locale.Error:
        return  # no C.UTF-8 here: leave it to Qt and its warning
    os.environ["LC_ALL" if os.environ.get("LC_ALL") else "LC_CTYPE"] = "C.UTF-8"


def _app(offscreen: bool) -> object:
    if offscreen:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _utf8_locale()
    from PySide6.QtWidgets import QApplication

    # the offscreen plugin says this on every show(); it is about the plugin, not us
    _route_qt_messages(("propagateSizeHints",))
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("SocketScope")
    app.setOrganizationName("SocketScope")
    _set_icon(app)
    return app


def _route_qt_messages(ignore: tuple[str, ...] = ()) -> None:
    """Qt's qDebug/qWarning/... go to the ``socketscope.ui.qt`` logger at the matching level."""
    import logging

    from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler

    log = logs.get("ui.qt")
    levels = {
        QtMsgType.QtDebugMsg: logging.DEBUG,
        QtMsgType.QtInfoMsg: logging.INFO,
        QtMsgType.QtWarningMsg: logging.WARNING,
        QtMsgType.QtCriticalMsg: logging.ERROR,
        QtMsgType.QtFatalMsg: logging.CRITICAL,
    }

    def handler(kind: QtMsgType, ctx: QMessageLogContext, msg: str) -> None:
        if any(s in msg for s in ignore):
            return
        where = f" ({ctx.file}:{ctx.line})" if ctx.file else ""
        log.log(levels.get(kind, logging.WARNING), "%s%s", msg, where)

    qInstallMessageHandler(handler)


def _exit_on_signals(app: object, w: object) -> object:
    """SIGINT and SIGTERM stop the run, close the window and exit with 128 + the signal.

    A Python signal handler runs only when the interpreter gets control, which a window idle in
    Qt's event loop never gives it: the C-level handler writes the signal's number to a wakeup
    socket, and a QSocketNotifier on the other end wakes the loop. Returns what must be kept."""
    import signal
    import socket
    import threading

    from PySide6.QtCore import QSocketNotifier

    log = logs.get("ui")
    rsock, wsock = socket.socketpair()
    rsock.setblocking(False)
    wsock.setblocking(False)
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: None)  # Python-handled, so that the wakeup fd is written
    signal.set_wakeup_fd(wsock.fileno(), warn_on_full_buffer=False)
    notifier = QSocketNotifier(rsock.fileno(), QSocketNotifier.Type.Read)

    def woke() -> None:
        try:
            got = rsock.recv(64)
        except OSError:
            return
        sigs = [n for n in got if n in (signal.SIGINT, signal.SIGTERM)]
        if not sigs:
            return
        code = 128 + sigs[0]
        log.info("%s: stopping the run and exiting", signal.Signals(sigs[0]).name)
        notifier.setEnabled(False)
        # if the stop cannot finish in time, leave anyway: the run host dies with this process
        # (PR_SET_PDEATHSIG) and the kernel closes its sockets
        watchdog = threading.Timer(0.9, os._exit, (code,))
        watchdog.daemon = True
        watchdog.start()
        w.close()  # type: ignore[attr-defined]
        app.exit(code)  # type: ignore[attr-defined]

    notifier.activated.connect(woke)
    return (rsock, wsock, notifier)


APP_ID = "org.socketscope.SocketScope"  # the .desktop file's name and the AppStream id (packaging/)


def _set_icon(app: object) -> None:
    from pathlib import Path

    from PySide6.QtGui import QIcon

    # beside the package's modules (also in the bundle), found without importlib.resources, whose
    # import costs the start-up ~5 ms (issue 11)
    icon = Path(__file__).resolve().parent.parent / "resources" / "icons" / "socketscope.svg"
    app.setWindowIcon(QIcon(str(icon)))  # type: ignore[attr-defined]
    app.setDesktopFileName(APP_ID)  # type: ignore[attr-defined]


def _last_scenario() -> str | None:
    """The lesson open when the window was last closed, if it still exists."""
    from socketscope.engine.scenario import get
    from socketscope.ui.settings import Settings

    _app(offscreen=False)
    last = str(Settings().get("last_scenario") or "")
    if not last:
        return None
    try:
        get(last)  # imports that lesson's module alone, not every lesson's (start-up speed)
    except ScenarioError:
        return None
    return last


def wait_until(pred: Callable[[], bool], timeout: float = 10.0) -> bool:
    """Run the event loop until ``pred()`` holds (no sleeping: the loop keeps working)."""
    from PySide6.QtCore import QEventLoop
    from PySide6.QtWidgets import QApplication

    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            return False
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        QApplication.sendPostedEvents()
        if not pred():
            loop = QEventLoop()
            from PySide6.QtCore import QTimer

            QTimer.singleShot(10, loop.quit)
            loop.exec()
    return True


def _settle_layouts(rounds: int = 8) -> None:
    """Lay out what the last step changed before the picture is taken. A field that wraps
    asks for its new height on its resize, that resize comes from a layout pass, and each pass is
    a posted event: a fixed wait let a loaded machine take the picture with a two-line address
    still squeezed into one line's row (udp-echo's inspector, 2 of 6 screenshots beside two busy
    processes). Each round delivers the passes the previous one asked for."""
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    for _ in range(rounds):
        QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        QApplication.processEvents()


def settled(window: object) -> bool:
    """The live run shows everything it did and nothing is on its way."""
    return bool(window.session.settled())  # type: ignore[attr-defined]


def step_n(window: object, n: int, timeout: float = 10.0) -> bool:
    s = window.session  # type: ignore[attr-defined]
    for _ in range(n):
        if not wait_until(lambda: settled(window), timeout):
            return False
        if s.finished:
            break
        calls = sum(1 for e in s.events if e.kind == "call")
        s.step()

        def moved(c: int = calls) -> bool:
            return sum(1 for e in s.events if e.kind == "call") > c

        wait_until(moved, timeout)
    return wait_until(lambda: settled(window), timeout)


def packets_caught_up(window: object, timeout: float) -> bool:
    """Wait until the run's capture has written every packet up to its newest event (a step's
    packets reach the window some tens of milliseconds after its calls): False when the run
    has no capture, or it did not catch up in time."""
    s = window.session  # type: ignore[attr-defined]
    runner = s.runner
    capture = runner.capture if runner is not None else None
    if not capture or not capture.get("available", True):
        return False
    newest = next((e.t for e in reversed(s.events) if e.kind != "packet"), 0.0)
    return wait_until(lambda: (runner.wire_covered or 0.0) >= newest, timeout)


def run_to_end(window: object, timeout: float = 30.0) -> bool:
    s = window.session  # type: ignore[attr-defined]
    s.set_speed(100)
    if not s.running:
        s.toggle_run()
    return wait_until(lambda: s.finished, timeout)


def _import_before_qt() -> None:
    """The window's modules that use no Qt, imported before PySide6 is: PySide6 reads the source
    of every module imported after it, to see whether it says "PySide6" (its __feature__ switch,
    PYSIDE-2029), some 35 files at start-up (issue 11). None of them is extra: the window
    imports them all anyway."""
    import html  # noqa: F401

    import socketscope.cform
    import socketscope.engine.runhost
    import socketscope.engine.trace
    import socketscope.model.diagram
    import socketscope.model.explain
    import socketscope.model.filenames
    import socketscope.model.network
    import socketscope.model.programs
    import socketscope.model.state
    import socketscope.ui.lecture
    import socketscope.ui.selection  # noqa: F401


def _skip_feature_scan() -> None:
    """Spare PySide6 from reading the window's modules' source files.

    Once imported, PySide6 checks every module an ``import`` statement names for the first time
    (PYSIDE-2029), also one imported before it: it reads the module's whole source to see
    whether it says "PySide6", where ``from __feature__ import snake_case`` could switch that
    module's view of Qt. Before the first paint that was some 55 files read (issue 11; 57 scans
    fell to 2). SocketScope uses no __feature__, so the answer is known: 0 ("no feature") for its
    own modules and Qt's, -1 ("ignore") for the rest already imported (the same while no module
    selects a feature). Modules imported later (Pygments, a user's scenario) are read as before.
    A PySide6 without this table (it is internal) is left to do as it does."""
    feature = sys.modules.get("PySide6.support.feature")
    table = getattr(feature, "pyside_feature_dict", None)
    if not isinstance(table, dict):
        return
    ours = ("socketscope", "PySide6", "shiboken6")
    for name in list(sys.modules):
        table.setdefault(name, 0 if name.split(".", 1)[0] in ours else -1)
    # the window's modules not imported yet; a bundle (PyInstaller) has no folder of sources
    # to list, and nothing for PySide6 to read either
    try:
        entries = os.listdir(os.path.dirname(__file__))
    except OSError:
        return
    for entry in entries:
        if entry.endswith(".py"):
            table.setdefault(f"{__package__}.{entry[:-3]}", 0)


def main(args: object) -> int:
    # No garbage collection until the window is up: the start-up makes some 100k objects that
    # live as long as the window (modules, classes, Qt's enums), and each full collection that
    # looks through them costs the first paint 3-5 ms, some ten times (issue 11).
    gc_was_on = gc.isenabled()
    gc.disable()
    try:
        return _main(args, gc_was_on)
    finally:
        if gc_was_on:
            gc.enable()


def _main(args: object, gc_was_on: bool) -> int:
    shot = getattr(args, "screenshot", None)
    self_test = getattr(args, "self_test", False)
    offscreen = bool(shot or self_test)
    scenario_id = getattr(args, "scenario", None) or (None if offscreen else _last_scenario())
    scenario_id = scenario_id or DEFAULT_SCENARIO
    try:
        items = getattr(args, "program_items", None)
        if items:
            from socketscope.cli import _load

            # `socketscope --program 'python3 server.py' --program ...`: the window on them
            scenario = _load(None, items)
        else:
            scenario = resolve(scenario_id)
    except UnknownScenario as e:
        print(f"socketscope: unknown scenario {e.scenario_id!r}. Known scenarios:", file=sys.stderr)
        for sid in e.known:
            print(f"  {sid}", file=sys.stderr)
        return 2
    except ScenarioError as e:
        print(f"socketscope: {e}", file=sys.stderr)
        return 2
    _import_before_qt()
    app = _app(offscreen)
    _skip_feature_scan()
    from socketscope.ui.mainwindow import MainWindow

    w = MainWindow()
    if gc_was_on:
        w.ready.connect(gc.enable)
    # the window opens where it was closed (or fitted to the screen on the first start); only
    # an explicit --size, or a picture with no screen to fit, sets the size here
    size = getattr(args, "size", None) or ("1920x1080" if offscreen else None)
    if size is not None:
        try:
            width, height = (int(v) for v in size.lower().split("x"))
        except ValueError:
            print(
                f"socketscope: --size {size!r}: expected WIDTHxHEIGHT, e.g. 1920x1080",
                file=sys.stderr,
            )
            return 2
        w.resize(width, height)
    if offscreen:
        w.diagram.animate = False
        w.persist = False
    trace_file = getattr(args, "trace_file", None)
    if trace_file and offscreen:
        # headless: the error on stderr and exit 2, never a dialog nobody can close
        from socketscope.engine import TraceError

        try:
            w.session.load_trace(trace_file)
        except TraceError as e:
            print(f"socketscope: {e}", file=sys.stderr)
            w.close()
            return 2
    elif trace_file:
        if not w.open_trace_file(trace_file):
            w.close()
            return 2
    else:
        # the window's first paint needs nothing of the run: its host starts right after it,
        # unless the run is driven from here before the event loop runs (--steps, --to-end)
        driven = offscreen or getattr(args, "steps", None) or getattr(args, "to_end", False)
        w.session.defer_start = not driven
        w.session.wants_wire_covered = bool(shot)
        w.session.load_scenario(scenario)
    if getattr(args, "lang", None):
        w.set_language(str(getattr(args, "lang", "en")))
    if getattr(args, "lecture", False):
        w.set_lecture(True, full_screen=not offscreen)
    w.show()
    if self_test:
        code = _self_test(w)
        w.close()
        return code
    if shot:
        ok = True
        if w.session.runner is None:  # a replay: move through the recorded trace
            if getattr(args, "to_end", False):
                w.session.seek(len(w.session.events))
            for _ in range(int(getattr(args, "steps", None) or 0)):
                w.session.step()
        elif getattr(args, "to_end", False):
            ok = run_to_end(w)
        elif getattr(args, "steps", None):
            ok = step_n(w, int(args.steps))  # type: ignore[attr-defined]
        else:
            ok = wait_until(lambda: settled(w))
        if w.session.runner is not None and packets_caught_up(w, 3.0):
            wait_until(lambda: settled(w))  # and the packets taken in
        wait_until(lambda: not w.panels_pending, 5.0)
        _settle_layouts()
        saved = w.grab().save(shot)
        w.close()
        if not saved:
            print(f"socketscope: {shot}: cannot write the screenshot", file=sys.stderr)
            return 2
        if not ok:
            print(
                "socketscope: the run did not settle in time; the screenshot shows it as it was",
                file=sys.stderr,
            )
        return 0 if ok else 1
    if getattr(args, "steps", None):
        step_n(w, int(args.steps))  # type: ignore[attr-defined]
    if getattr(args, "to_end", False):
        run_to_end(w)
    if os.environ.get("SOCKETSCOPE_EXIT_AFTER_FIRST_PAINT"):
        _exit_after_first_paint(w)  # for bench/startup.py
    keep = _exit_on_signals(app, w)
    logs.get("ui").info("window ready (process %d)", os.getpid())
    code = int(app.exec())  # type: ignore[attr-defined]
    del keep
    return code


def _exit_after_first_paint(w: object) -> None:
    """Print when the window first painted and when what the first picture did not need was made
    too (``MainWindow.ready``), each as wall clock, ms since the process started (which includes
    a frozen app's bootloader) and the CPU time used; then quit, leaving the settings alone (with
    SOCKETSCOPE_EXIT_AFTER_FIRST_PAINT=paint, right after the first paint).
    With SOCKETSCOPE_FIRST_PAINT_PNG set, the window at both moments is saved as a picture."""
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication

    w.persist = False  # type: ignore[attr-defined]

    class FirstPaint(QObject):
        seen = False

        def eventFilter(self, obj: QObject, ev: QEvent) -> bool:
            if ev.type() == QEvent.Type.Paint and not self.seen:
                self.seen = True
                # after the rest of this frame is painted; this filter, installed last, runs
                # before the window's own, so this comes before the window's deferred work
                QTimer.singleShot(0, first)
            return False

    def report(what: str) -> None:
        now = time.time()
        since_start = ""
        try:  # Linux: the process's start time, in clock ticks since boot
            with open("/proc/self/stat", encoding="ascii") as f:
                ticks = int(f.read().rsplit(")", 1)[1].split()[19])
            up = time.clock_gettime(time.CLOCK_BOOTTIME)
            since_start = f" {(up - ticks / os.sysconf('SC_CLK_TCK')) * 1000:.0f}ms"
        except (OSError, ValueError, IndexError, AttributeError):
            pass
        # and the CPU time it took (all threads): steadier than wall time on a busy machine
        cpu = f" cpu {time.process_time() * 1000:.0f}ms"
        # stdout may be gone: a reader that took the first line only (`| head -1`)
        with contextlib.suppress(OSError):
            print(f"{what} {now:.6f}{since_start}{cpu}", flush=True)

    # a picture of each moment, to look at (SOCKETSCOPE_FIRST_PAINT_PNG=path: path, path-ready)
    png = os.environ.get("SOCKETSCOPE_FIRST_PAINT_PNG")

    def first() -> None:
        report("first-paint")
        if png:
            w.grab().save(png)  # type: ignore[attr-defined]
        if os.environ.get("SOCKETSCOPE_EXIT_AFTER_FIRST_PAINT") == "paint":
            # bench/startup.py --instructions counts up to the first paint and nothing after;
            # the run host is not started yet (ui/first_paint.py runs after this)
            os._exit(0)

    def ready() -> None:
        try:
            report("ready")
            if png:
                root, dot, ext = png.rpartition(".")
                w.grab().save(f"{root}-ready.{ext}" if dot else f"{png}-ready")  # type: ignore[attr-defined]
        finally:
            QApplication.quit()  # also when stdout is gone (a reader that took one line)

    w.ready.connect(ready)  # type: ignore[attr-defined]
    w._bench_first_paint = FirstPaint()  # type: ignore[attr-defined]
    w.installEventFilter(w._bench_first_paint)  # type: ignore[attr-defined]


def _self_test(w: object) -> int:
    """Run the default scenario to the end offscreen and check the diagram against its trace."""
    failures: list[str] = []
    if not run_to_end(w):
        failures.append("the default scenario did not finish within 30 s")
    s = w.session  # type: ignore[attr-defined]
    calls = [e for e in s.events if e.kind == "call"]
    boxes = [b for b in s.layout.boxes if not b.burst]
    if len(boxes) != len(calls):
        failures.append(f"{len(calls)} calls but {len(boxes)} boxes in the diagram")
    for b, c in zip(boxes, calls, strict=False):
        if b.op != c.op or not b.label.startswith(c.op or "?"):
            failures.append(f"box {b.row}: {b.label!r} does not show {c.op}()")
        if b.ret is None:
            failures.append(f"box {b.row}: {b.label!r} has no result")
    ops = [b.op for b in boxes if b.lane == 0]
    if ops[:4] != ["socket", "bind", "listen", "accept"]:
        failures.append(f"server lane starts {ops[:4]}, expected socket, bind, listen, accept")
    if not any(sp.op == "accept" and sp.row1 is not None for sp in s.layout.spans):
        failures.append("accept() is not drawn as a blocked span")
    if not any(a.kind == "data" for a in s.layout.arrows):
        failures.append("no data arrow from a send() to a recv()")
    img = w.grab()  # type: ignore[attr-defined]
    if img.isNull() or img.width() < 100:
        failures.append("the window did not render")
    if failures:
        print("self-test FAILED:")
        for f in failures:
            print("  - " + f)
        return 1
    print(f"self-test ok: {len(calls)} calls drawn, {len(s.layout.arrows)} arrows, run finished")
    return 0
