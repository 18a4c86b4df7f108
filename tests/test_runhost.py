"""Each run in a process of its own: the run host, seen from the CLI, the window and its client.

Real processes throughout: the host is a fresh Python started by RunHost, a parent is killed with
SIGKILL, a run that will not stop is killed. Waits are on pidfds and on the run's own events.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from conftest import (
    Collector,
    engine_threads,
    load_test_scenario,
    network_left,
    wait_gone,
)
from socketscope.engine import Mode, RunOptions, Status, read_trace
from socketscope.engine.runhost import RunHost
from socketscope.engine.scenario import get
from socketscope.ui.app import settled
from socketscope.ui.mainwindow import MainWindow

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def children() -> set[int]:
    """This process's child processes, from /proc."""
    me, out = os.getpid(), set()
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                stat = Path(f"/proc/{d}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == me:
                out.add(int(d))
    return out


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def listening_in(pid: int, port: int) -> bool:
    """A LISTEN socket on ``port`` in the network of process ``pid`` (a run host has its own)."""
    for table in (f"/proc/{pid}/net/tcp", f"/proc/{pid}/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            return False
        for row in rows:
            cols = row.split()
            if cols[3] == "0A" and int(cols[1].rsplit(":", 1)[1], 16) == port:
                return True
    return False


def calls(w: MainWindow) -> int:
    return sum(1 for e in w.session.events if e.kind == "call")


def step_and_settle(qtbot: QtBot, w: MainWindow, actor: str | None = None) -> None:
    before = calls(w)
    qtbot.waitUntil(lambda: settled(w), timeout=5000)
    w.session.step(actor)
    qtbot.waitUntil(lambda: calls(w) > before, timeout=5000)
    qtbot.waitUntil(lambda: settled(w), timeout=5000)


def test_a_cli_trace_numbers_the_first_socket_fd_3_as_in_c(tmp_path: Path) -> None:
    out = tmp_path / "t.jsonl"
    r = subprocess.run(
        [sys.executable, "-m", "socketscope", "trace", "tcp-echo", "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert r.returncode == 0, r.stderr
    t = read_trace(out)
    first = t.first("return", "socket", "Server")
    assert first.result == 3 and first.fd == 3
    # the rest are the lowest free numbers too: the host's own descriptors are far above them
    fds = [e.fd for e in t.events if e.fd is not None]
    assert max(fds) < 10, fds
    assert t.of("end", actor="Client") and t.of("end", actor="Server")


def test_reset_and_quit_while_accept_blocks_leave_no_process_thread_or_socket(
    qtbot: QtBot, gui_window: MainWindow
) -> None:
    w = gui_window
    before = children()
    w.session.load_scenario(get("tcp-echo"))
    for _ in range(4):  # socket, bind, listen, accept
        step_and_settle(qtbot, w, "Server")
    old = w.session.runner
    assert old is not None
    qtbot.waitUntil(lambda: old.gate.status("Server")[0] is Status.BLOCKED, timeout=3000)
    pid, port = old.pid, old.port
    assert pid is not None and pid in children() - before
    assert listening_in(pid, port), "the host's listening socket holds the port"
    assert pid != os.getpid()
    network = old.network or {}
    ns = os.readlink(f"/proc/{pid}/ns/net")

    t0 = time.monotonic()
    w.act_reset.trigger()
    assert time.monotonic() - t0 < 0.2, "Reset must not wait on the GUI thread"
    qtbot.waitUntil(lambda: old.done.is_set() and not old.alive_threads(), timeout=1500)
    assert old.outcome is not None and old.outcome.how == "stopped"
    assert not Path(f"/proc/{pid}").exists(), "the old host has exited and been reaped"
    if network.get("private"):
        # its own network: gone with the last process in it, every socket with it
        left = network_left(ns, 2.0)
        assert not left, f"something still holds the run's network: {left}"
    else:
        assert port_is_free(port)
    new = w.session.runner
    assert new is not None and new is not old
    qtbot.waitUntil(lambda: new.pid is not None, timeout=5000)

    w.close()
    assert not children() - before, "quitting left a run host behind"
    assert not [t.name for t in engine_threads() if t.is_alive()]


def test_a_run_that_will_not_stop_is_killed_within_a_second() -> None:
    host = RunHost(load_test_scenario("spins_forever"))
    col = Collector(host)  # type: ignore[arg-type]  # RunHost has the Runner's shape
    host.start()
    col.until_event(kind="return", op="socket", actor="Spinner", timeout=10)
    pid = host.pid
    assert pid is not None
    t0 = time.monotonic()
    graceful = host.stop(timeout=1.0)
    took = time.monotonic() - t0
    assert not graceful
    assert took < 1.3, f"stop took {took:.2f} s"
    out = host.outcome
    assert out is not None and out.how == "killed" and out.signal == "SIGKILL"
    assert "did not stop within 1 s" in out.message
    assert not Path(f"/proc/{pid}").exists()
    col.pump()
    report = col.trace.first("error", actor="Spinner")
    assert report.code == "HOST_STOP_KILLED" and report.error == "SIGKILL"
    assert col.trace.events[-1].kind == "end"
    assert not host.alive_threads()


def test_reset_of_a_run_that_will_not_stop_says_it_was_killed(
    qtbot: QtBot, gui_window: MainWindow
) -> None:
    w = gui_window
    w.session.load_scenario(load_test_scenario("spins_forever"))
    w.speed.setValue(100)
    w.act_run.trigger()
    old = w.session.runner
    assert old is not None
    qtbot.waitUntil(lambda: any(e.kind == "return" for e in w.session.events), timeout=5000)
    pid = old.pid
    w.act_reset.trigger()
    qtbot.waitUntil(lambda: "did not stop within 1 s" in w.status_label.text(), timeout=3000)
    assert old.outcome is not None and old.outcome.how == "killed"
    assert pid is not None and not Path(f"/proc/{pid}").exists()
    assert w.session.runner is not old and calls(w) == 0


def test_an_actor_calling_os_exit_ends_the_run_with_a_clear_report(
    qtbot: QtBot, gui_window: MainWindow
) -> None:
    w = gui_window
    w.session.load_scenario(load_test_scenario("exits_midway"))
    w.speed.setValue(100)
    with qtbot.waitSignal(w.session.runFinished, timeout=10000):
        w.act_run.trigger()
    assert "called os._exit(3) at exits_midway.py:21" in w.status_label.text()
    assert w.isVisible(), "the window stays up"
    s = w.session
    assert s.runner is not None and s.runner.outcome is not None
    assert s.runner.outcome.how == "died" and s.runner.outcome.status == 3
    events = s.events
    # the trace so far is kept: the quitter's calls before its exit, the server's blocked accept
    assert [e.op for e in events if e.kind == "return" and e.actor == "Quitter"] == [
        "socket",
        "close",
    ]
    assert any(e.kind == "blocked" and e.op == "accept" for e in events)
    ended = {e.actor: e for e in events if e.kind == "error" and e.code == "HOST_EXITED"}
    assert set(ended) == {"Server", "Quitter"}
    assert ended["Server"].op == "accept", "the server died inside its accept()"
    assert [e.seq for e in events] == sorted({e.seq for e in events})
    assert [m.text for m in s.layout.marks if m.kind == "error"] == [
        "os._exit(3) at exits_midway.py:21"
    ] * 2
    w.set_language("ko")  # the marks and the status bar speak the window's language
    marks = [m.text for m in w.session.layout.marks if m.kind == "error"]
    assert marks and all(re.search("[\uac00-\ud7a3]", m) and "3" in m for m in marks)


def _subreaper(on: bool) -> None:
    import ctypes

    pr_set_child_subreaper = 36
    assert ctypes.CDLL(None).prctl(pr_set_child_subreaper, int(on), 0, 0, 0) == 0


def test_the_run_host_dies_with_its_parent() -> None:
    """The parent is SIGKILLed: it can say nothing to its host. The host must die at once, and
    by the kernel's SIGKILL (PR_SET_PDEATHSIG), not later by noticing its channel closed. As a
    subreaper, this test inherits the orphaned host and reads how it died."""
    # The parent's exit closes the channel before the kernel sends PDEATHSIG: a host that could
    # stop its run at once might exit 0 in between. An actor that never stops rules that out.
    spinner = Path(__file__).parent / "scenarios" / "spins_forever.py"
    code = (
        "import sys\n"
        "from socketscope.engine import Mode, RunOptions\n"
        "from socketscope.engine.runhost import RunHost\n"
        "from socketscope.engine.scenario import load_file\n"
        f"h = RunHost(load_file({str(spinner)!r}), RunOptions(mode=Mode.RUN))\n"
        "h.start()\n"
        "print(h.pid, flush=True)\n"
        "sys.stdin.read()\n"
    )
    _subreaper(True)
    try:
        with subprocess.Popen(
            [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        ) as parent:
            try:
                assert parent.stdout is not None
                host = int(parent.stdout.readline())
            finally:
                parent.send_signal(signal.SIGKILL)
        assert wait_gone(host, 5.0), "the run host outlived its parent"
        _, status = os.waitpid(host, 0)  # ours now: reparented to this subreaper
    finally:
        _subreaper(False)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL


def test_step_refusals_are_codes_the_window_translates(
    qtbot: QtBot, gui_window: MainWindow
) -> None:
    w = gui_window
    w.session.load_scenario(get("tcp-echo"))
    qtbot.waitUntil(lambda: settled(w) and w.diagram.ghosts() == [(0, "socket")], timeout=5000)
    w.set_language("ko")
    w.diagram.setFocus()
    qtbot.keyClick(w.diagram, Qt.Key.Key_2)  # the client has not started
    qtbot.waitUntil(lambda: "Client" in w.status_label.text(), timeout=3000)
    text = w.status_label.text()
    assert re.search("[\uac00-\ud7a3]", text) and "accept()" in text and "Server" in text
    assert "starts when" not in text


def test_the_gate_explains_a_refused_step_as_code_and_english() -> None:
    from socketscope.engine import Runner

    runner = Runner(get("tcp-echo"), RunOptions(mode=Mode.STEP))
    col = Collector(runner)
    runner.start()
    try:
        col.until_event(kind="waiting", actor="Server", op="socket")
        r = runner.gate.step("Client")
        assert r.released is None and r.code == "NOT_STARTED"
        assert r.reason == "Client has not started yet."
        runner.gate.starts_when = {"Client": ("Server", "accept")}
        r = runner.gate.step("Client")
        assert (r.code, r.params) == (
            "STARTS_WHEN",
            {"actor": "Client", "other": "Server", "op": "accept"},
        )
        assert r.reason == "Client starts when Server reaches accept()."
    finally:
        assert runner.stop()


def test_a_process_is_shown_with_the_pid_ps_knows_it_by_too() -> None:
    """In the run's own PID namespace a process actor is "process 3"; ps and strace -p know it
    by another number. The start event carries both, and the machine's /proc agrees."""
    host = RunHost(load_test_scenario("process_forks"))
    col = Collector(host)  # type: ignore[arg-type]  # RunHost has the Runner's shape
    host.start()
    try:
        start = col.until_event(kind="start", code="process_started", timeout=10)
        if not (host.network or {}).get("private"):
            pytest.skip("no namespaces on this system: one pid for every process")
        pid, outer = start.params["pid"], start.params.get("system_pid")
        assert isinstance(outer, int) and outer != pid
        # the machine's own /proc: that process is ours, and in its namespace it is ``pid``
        nspid = next(
            line.split()[1:]
            for line in Path(f"/proc/{outer}/status").read_text().splitlines()
            if line.startswith("NSpid:")
        )
        assert nspid[-1] == str(pid)
        from socketscope.model.messages import message_text

        assert f"{outer} on this machine" in message_text(start)
    finally:
        host.stop(timeout=2.0)
