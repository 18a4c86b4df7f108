"""Unmodified C programs, compiled with the system's cc and traced with ptrace + seccomp: real
processes, real sockets on loopback, nothing mocked."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from socketscope.engine.events import Event
from socketscope.engine.gate import Mode
from socketscope.engine.runner import Runner, RunOptions
from socketscope.engine.scenario import Scenario

HERE = Path(__file__).parent
C_DIR = HERE / "c"

pytestmark = [
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ptrace: Linux"),
    pytest.mark.skipif(shutil.which("cc") is None, reason="needs a C compiler (cc)"),
]


@pytest.fixture(scope="module")
def bins() -> Iterator[Path]:
    """The test programs, built once with -g into a folder every user can read."""
    out = Path(tempfile.mkdtemp(prefix="socketscope-ctest-"))
    os.chmod(out, 0o755)
    for src in C_DIR.glob("*.c"):
        subprocess.run(
            ["cc", "-g", "-O0", "-pthread", "-o", str(out / src.stem), str(src)], check=True
        )
    subprocess.run(
        ["cc", "-O0", "-o", str(out / "echo_server_nog"), str(C_DIR / "echo_server.c")], check=True
    )
    yield out
    shutil.rmtree(out, ignore_errors=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Run:
    """A runner with C programs traced on threads of their own, and its events collected."""

    def __init__(self, mode: Mode = Mode.RUN) -> None:
        sc = Scenario("c-programs", {"en": "c"}, {"en": "c"}, (), "", "")
        self.runner = Runner(sc, RunOptions(mode=mode))
        self.events: list[Event] = []
        self.tracers: list[Any] = []
        self.threads: list[threading.Thread] = []

    def start(self, name: str, argv: list[str]) -> Any:
        from socketscope.engine.programs.ctrace import CTracer

        tracer = CTracer(self.runner, name, argv, sock_base=100_000 * (len(self.tracers) + 1))
        th = threading.Thread(target=tracer.run, name=f"test-tracer-{name}", daemon=True)
        self.tracers.append(tracer)
        self.threads.append(th)
        th.start()
        return tracer

    def wait_for(self, pred: Callable[[Event], bool], timeout: float = 10.0) -> Event:
        for ev in self.events:
            if pred(ev):
                return ev
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                ev = self.runner.events.get(timeout=0.05)
            except queue.Empty:
                continue
            self.events.append(ev)
            if pred(ev):
                return ev
        raise AssertionError(f"no such event within {timeout} s; got {len(self.events)} events")

    def step(self, actor: str, timeout: float = 10.0) -> None:
        """Release ``actor``'s call once it is really at the gate (its ``waiting`` event is
        written just before the gate takes it)."""
        gate = self.runner.gate
        deadline = time.monotonic() + timeout
        while not any(w.actor == actor for w in gate.waiting()):
            assert time.monotonic() < deadline, f"{actor} never reached the gate"
            with contextlib.suppress(queue.Empty):
                self.events.append(self.runner.events.get(timeout=0.005))
        assert gate.step(actor).released == actor

    def finish(self, timeout: float = 10.0) -> list[Event]:
        for th in self.threads:
            th.join(timeout)
        assert not any(th.is_alive() for th in self.threads), "a tracer did not end"
        self.events.extend(self.runner.drain())
        check_trace(self.runner, self.events)
        return self.events

    def stop(self) -> None:
        self.runner.stop(0.5)
        for t in self.tracers:
            t.kill()
        for th in self.threads:
            th.join(5)


def check_trace(runner: Runner, events: list[Event]) -> None:
    """What the tracer wrote is a trace the reader accepts (the JSON Schema, every line)."""
    from socketscope.engine.trace import Trace, read_trace, write_trace

    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
        write_trace(Trace(runner.scenario.header(), events), f)
    try:
        read_trace(f.name)
    finally:
        os.unlink(f.name)


def of(events: list[Event], actor: str, kind: str, op: str | None = None) -> list[Event]:
    return [e for e in events if e.actor == actor and e.kind == kind and (op is None or e.op == op)]


def waiting(actor: str, op: str) -> Callable[[Event], bool]:
    return lambda e: e.actor == actor and e.kind == "waiting" and e.op == op


def test_echo_server_and_client_traced(bins: Path) -> None:
    port = free_port()
    run = Run()
    run.start("server", [str(bins / "echo_server"), str(port)])
    run.wait_for(lambda e: e.actor == "server" and e.kind == "blocked" and e.op == "accept")
    run.start("client", [str(bins / "echo_client"), "127.0.0.1", str(port)])
    ev = run.finish()

    blocked = of(ev, "server", "blocked", "accept")[0]
    assert blocked.kernel_wait == "inet_csk_accept" and blocked.evidence == "kernel"
    assert blocked.syscall in ("accept", "accept4")
    assert blocked.line == 26  # the C source line of accept(), from the DWARF line table
    calls = [e.op for e in of(ev, "server", "call")]
    assert calls == ["socket", "setsockopt", "bind", "listen", "accept", "read", "write", "close",
                     "close"]  # fmt: skip
    # the program's own fd numbers
    (sock_ret,) = of(ev, "server", "return", "socket")
    assert sock_ret.fd == 3 and sock_ret.result == 3
    (acc,) = of(ev, "server", "return", "accept")
    assert acc.ok and acc.blocked and acc.result["fd"] == 4
    assert acc.peer is not None and acc.peer[0] == "127.0.0.1"
    (conn,) = of(ev, "client", "return", "connect")
    assert conn.ok and conn.conn == acc.conn and conn.peer == ("127.0.0.1", port)
    # bind(INADDR_ANY) was made on loopback, and said so
    (bind,) = of(ev, "server", "return", "bind")
    assert bind.local == ("127.0.0.1", port)
    assert any(e.code == "bind_loopback_instead" for e in ev)
    # bytes, paired into the connection's two streams
    (w,) = of(ev, "client", "return", "write")
    (r,) = of(ev, "server", "return", "read")
    assert bytes.fromhex(w.data or "") == b"hello" == bytes.fromhex(r.data or "")
    assert (w.conn, w.dir, w.range) == (r.conn, r.dir, r.range) == (acc.conn, "c>s", (0, 5))
    (echo,) = of(ev, "client", "return", "read")
    assert echo.dir == "s>c" and bytes.fromhex(echo.data or "") == b"hello"
    # kernel snapshots: the listening socket in LISTEN, the connection ESTABLISHED
    snaps = [(e.sock, e.kernel.state) for e in ev if e.kind == "kernel" and e.kernel is not None]
    assert (sock_ret.sock, "LISTEN") in snaps
    assert (acc.new_sock, "ESTABLISHED") in snaps
    assert [e.op for e in of(ev, "client", "call")] == ["socket", "connect", "write", "read",
                                                         "close"]  # fmt: skip
    # stdout writes of printf() are not socket calls: not on the diagram
    assert not [e for e in ev if e.kind == "call" and e.fd == 1]
    assert all(t.exit_code == 0 for t in run.tracers)
    c_line = of(ev, "server", "call", "read")[0]
    assert c_line.params is not None
    assert c_line.params["file"].endswith("echo_server.c") and c_line.params["function"] == "main"


def test_without_debug_info_the_function_and_a_hint(bins: Path) -> None:
    port = free_port()
    run = Run()
    run.start("server", [str(bins / "echo_server_nog"), str(port)])
    call = run.wait_for(lambda e: e.kind == "call" and e.op == "accept")
    run.start("client", [str(bins / "echo_client"), "127.0.0.1", str(port)])
    run.finish()
    assert call.line is None
    assert call.params == {"function": "main", "hint": "compile with -g to see your lines"}


def test_stepping_holds_the_server_before_accept_while_the_client_connects(bins: Path) -> None:
    port = free_port()
    run = Run(Mode.STEP)
    gate = run.runner.gate
    try:
        run.start("server", [str(bins / "echo_server"), str(port)])
        for op in ("socket", "setsockopt", "bind", "listen"):
            run.wait_for(waiting("server", op))
            run.step("server")
        held = run.wait_for(
            lambda e: e.actor == "server" and e.kind == "waiting" and e.op == "accept"
        )
        assert held.line == 26
        listener = of(run.events, "server", "return", "socket")[0].sock

        run.start("client", [str(bins / "echo_client"), "127.0.0.1", str(port)])
        for op in ("socket", "connect"):
            run.wait_for(waiting("client", op))
            run.step("client")
        run.wait_for(lambda e: e.actor == "client" and e.kind == "return" and e.op == "connect")
        # the connection is in the accept queue while the server is still held before accept()
        run.wait_for(
            lambda e: e.kind == "kernel" and e.sock == listener and e.kernel is not None
            and e.kernel.accept_q == 1
        )  # fmt: skip
        assert not of(run.events, "server", "call", "accept")
        run.step("server")
        acc = run.wait_for(
            lambda e: e.actor == "server" and e.kind == "return" and e.op == "accept"
        )
        assert acc.ok and not acc.blocked  # it was waiting already: accept() took it at once
        gate.set_mode(Mode.RUN)
        ev = run.finish()
        assert [e.op for e in of(ev, "server", "call")][-4:] == ["read", "write", "close", "close"]
    finally:
        run.stop()


def test_fork_per_client_server_has_three_lifelines(bins: Path) -> None:
    port = free_port()
    run = Run()
    run.start("server", [str(bins / "fork_server"), str(port), "2"])
    run.wait_for(lambda e: e.actor == "server" and e.kind == "blocked" and e.op == "accept")
    for i in range(2):
        run.start(f"client {i + 1}", [str(bins / "echo_client"), "127.0.0.1", str(port)])
        run.threads[-1].join(10)
    ev = run.finish()
    server_lines = {e.actor for e in ev if e.actor.startswith("server")}
    assert server_lines == {"server", "server/child 1", "server/child 2"}
    for child in ("server/child 1", "server/child 2"):
        start = of(ev, child, "start")[0]
        assert start.code == "program_forked" and (start.params or {})["parent"] == "server"
        inherited = of(ev, child, "kernel", "fork")
        assert sorted(e.fd or -1 for e in inherited) == [3, 4]  # the listener and connfd, as in C
        assert [e.op for e in of(ev, child, "call")] == ["close", "read", "write", "read", "close"]
        echoed = of(ev, child, "return", "write")[0]
        assert bytes.fromhex(echoed.data or "") == b"hello" and echoed.dir == "s>c"
    # the parent's close(connfd): the socket stays open, its child holds it
    closes = [e for e in of(ev, "server", "return", "close") if e.fd == 4]
    assert len(closes) == 2 and all(e.code == "close_still_held" for e in closes)
    forks = of(ev, "server", "return", "fork")
    assert [(f.params or {})["child"] for f in forks] == ["server/child 1", "server/child 2"]
    # drawn right after the server, nested under it, before the clients that came first
    from socketscope.model.diagram import DiagramLayout

    lay = DiagramLayout()
    lay.extend(ev)
    assert lay.lanes.index("client 1") < lay.lanes.index("server/child 1")  # came in that order
    assert [lay.lanes[c] for c in lay.columns()] == [
        "server", "server/child 1", "server/child 2", "client 1", "client 2",
    ]  # fmt: skip


def test_a_thread_per_client_server_has_a_lifeline_per_thread(bins: Path) -> None:
    port = free_port()
    run = Run()
    run.start("server", [str(bins / "thread_server"), str(port)])
    run.wait_for(lambda e: e.actor == "server" and e.kind == "blocked" and e.op == "accept")
    for i in range(2):
        run.start(f"client {i + 1}", [str(bins / "echo_client"), "127.0.0.1", str(port)])
        run.threads[-1].join(10)
    ev = run.finish()
    assert {e.actor for e in ev if e.actor.startswith("server")} == {
        "server", "server/thread 1", "server/thread 2",
    }  # fmt: skip
    for th, fd in (("server/thread 1", 4), ("server/thread 2", 5)):
        assert of(ev, th, "start")[0].code == "program_thread"
        calls = of(ev, th, "call")
        assert [e.op for e in calls] == ["read", "write", "read", "close"]
        assert {e.fd for e in calls} == {fd}  # the fd accept() returned in the main thread
        echoed = of(ev, th, "return", "write")[0]
        assert bytes.fromhex(echoed.data or "") == b"hello" and echoed.dir == "s>c"
    assert not of(ev, "server", "call", "fork")  # pthread_create is not a fork()
    from socketscope.model.diagram import DiagramLayout

    lay = DiagramLayout()
    lay.extend(ev)
    assert [lay.lanes[c] for c in lay.columns()][:3] == [
        "server", "server/thread 1", "server/thread 2",
    ]  # fmt: skip
    assert lay.parent_name(lay.lanes.index("server/thread 2")) == ("server", "thread")


def test_a_daemon_that_leaves_the_process_group_is_still_followed(bins: Path) -> None:
    port = free_port()
    run = Run()
    run.start("daemon", [str(bins / "daemon_server"), str(port)])
    run.wait_for(lambda e: e.kind == "blocked" and e.op == "accept")
    run.start("client", [str(bins / "echo_client"), "127.0.0.1", str(port)])
    ev = run.finish()
    child = "daemon/child 1"
    assert [e.op for e in of(ev, child, "call")] == [
        "socket", "bind", "listen", "accept", "read", "write", "close", "close",
    ]  # fmt: skip
    assert of(ev, child, "end")


def test_a_connect_past_loopback_is_refused_before_it_happens(bins: Path) -> None:
    run = Run()
    run.start("client", [str(bins / "echo_client"), "192.0.2.1", "80"])  # TEST-NET-1
    ev = run.finish()
    (ret,) = of(ev, "client", "return", "connect")
    assert ret.ok is False and ret.error == "EPERM" and ret.code == "not_loopback_c"
    assert "refused before it was made" in (ret.message or "")
    assert run.tracers[0].exit_code == 1  # the program saw connect() fail: perror, return 1


def test_stop_ends_a_program_blocked_in_accept(bins: Path) -> None:
    port = free_port()
    run = Run()
    tracer = run.start("server", [str(bins / "echo_server"), str(port)])
    run.wait_for(lambda e: e.kind == "blocked" and e.op == "accept")
    t0 = time.monotonic()
    run.runner.stop(0.5)
    run.threads[0].join(5)
    assert not run.threads[0].is_alive() and time.monotonic() - t0 < 3
    assert tracer.exit_code == -9
    from conftest import wait_gone

    assert wait_gone(tracer.pid, 2)


NOBODY_SCRIPT = r"""
import json, sys, threading, queue, socket
from socketscope.engine.runner import Runner
from socketscope.engine.scenario import Scenario
from socketscope.engine.programs.ctrace import CTracer
bins, port = sys.argv[1], int(sys.argv[2])
r = Runner(Scenario("c", {"en": "c"}, {"en": "c"}, (), "", ""))
srv = CTracer(r, "server", [bins + "/echo_server", str(port)], sock_base=100000)
ts = threading.Thread(target=srv.run); ts.start()
seen = []
while True:
    ev = r.events.get(timeout=10); seen.append(ev)
    if ev.kind == "blocked": break
cli = CTracer(r, "client", [bins + "/echo_client", "127.0.0.1", str(port)], sock_base=200000)
tc = threading.Thread(target=cli.run); tc.start(); tc.join(10); ts.join(10)
seen += r.drain()
print(json.dumps({
    "uid": __import__("os").getuid(),
    "blocked": [e.kernel_wait for e in seen if e.kind == "blocked"],
    "data": [e.data for e in seen if e.kind == "return" and e.nbytes],
    "exit": [srv.exit_code, cli.exit_code],
}))
"""


@pytest.mark.skipif(os.geteuid() != 0, reason="drops privileges with su: needs root to start")
@pytest.mark.skipif(not Path("/usr/bin/python3").exists(), reason="a Python a normal user can run")
def test_an_ordinary_user_traces_c_programs_too(bins: Path, app_for_nobody: str) -> None:
    import shlex

    port = free_port()
    cmd = ["/usr/bin/python3", "-c", NOBODY_SCRIPT, str(bins), str(port)]
    r = subprocess.run(
        ["su", "nobody", "-s", "/bin/sh", "-c", " ".join(shlex.quote(a) for a in cmd)],
        env={**os.environ, "PYTHONPATH": app_for_nobody},
        capture_output=True,
        text=True,
        timeout=60,
        cwd="/",
        check=False,
    )
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["uid"] != 0
    assert out["blocked"][0] == "inet_csk_accept"
    assert out["data"] == ["68656c6c6f"] * 4  # write, read, echo write, read
    assert out["exit"] == [0, 0]


# --- through the Runner: C programs as actors of a run ---------------------------------------
def run_scenario(scenario: Any, timeout: float = 30.0) -> tuple[list[Event], Runner]:
    runner = Runner(scenario)
    events = runner.run_to_end(timeout)
    check_trace(runner, events)
    return events, runner


def test_the_notes_programs_in_c_compile_and_run_as_a_lesson(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from socketscope.engine.scenario import get

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))  # compiled on first use, here
    sc = get("notes-c")
    assert [a.name for a in sc.actors] == ["notes_server.c", "notes_client.c"]
    assert set(sc.sources) == {"notes_server.c", "notes_client.c"}
    ev, runner = run_scenario(sc)
    blocked = of(ev, "notes_server.c", "blocked", "accept")[0]
    assert blocked.kernel_wait == "inet_csk_accept"
    assert [e.op for e in of(ev, "notes_server.c", "call")] == [
        "socket", "bind", "listen", "accept", "read", "close", "close",
    ]  # fmt: skip
    assert [e.op for e in of(ev, "notes_client.c", "call")] == [
        "socket",
        "connect",
        "write",
        "close",
    ]
    # the client started only once the server waited in accept()
    first_client = next(e for e in ev if e.actor == "notes_client.c")
    assert first_client.seq > blocked.seq
    (r,) = of(ev, "notes_server.c", "return", "read")
    assert bytes.fromhex(r.data or "") == b"hello from the notes" and r.dir == "c>s"
    # the C lines of the shipped source
    src = sc.sources["notes_server.c"]["source"].splitlines()
    acc = of(ev, "notes_server.c", "call", "accept")[0]
    assert acc.line is not None and "accept(" in src[acc.line - 1]
    out = b"".join(d for a, s, d in runner.console if a == "notes_server.c" and s == "stdout")
    assert b"server: read 20 bytes: hello from the notes" in out
    assert list(tmp_path.glob("socketscope/c/*/notes_server"))


def test_a_c_program_reads_what_is_typed_into_its_console(bins: Path) -> None:
    from socketscope.engine.programs import ProgramLine, program_scenario

    port = free_port()
    sc = program_scenario(
        [
            ProgramLine((str(bins / "echo_server"), str(port)), str(bins)),
            ProgramLine((str(bins / "read_stdin"), str(port)), str(bins), after="ready"),
        ]
    )
    runner = Runner(sc)
    runner.start()
    events: list[Event] = []
    deadline = time.monotonic() + 15
    # the client waits for a line on its stdin: type it once it has started
    name = sc.actors[1].name
    while not any(e.actor == name and e.kind == "start" for e in events):
        assert time.monotonic() < deadline
        with contextlib.suppress(queue.Empty):
            events.append(runner.events.get(timeout=0.05))
    runner.write_stdin(name, b"typed line\n")
    events += runner.run_to_end(15)
    (w,) = of(events, name, "return", "write")
    assert bytes.fromhex(w.data or "") == b"typed line\n"
    out = b"".join(d for a, s, d in runner.console if a == name)
    assert out == b"echo: typed line\n"


def test_what_is_typed_before_a_c_program_starts_is_read_once_it_runs(bins: Path) -> None:
    from socketscope.engine.programs import ProgramLine, program_scenario

    port = free_port()
    sc = program_scenario(
        [
            ProgramLine((str(bins / "echo_server"), str(port)), str(bins)),
            ProgramLine((str(bins / "read_stdin"), str(port)), str(bins), after="ready"),
        ]
    )
    runner = Runner(sc)
    runner.start()
    name = sc.actors[1].name
    runner.write_stdin(
        name, b"early line\n"
    )  # the client has not started: the server has not blocked
    events = runner.run_to_end(15)
    (w,) = of(events, name, "return", "write")
    assert bytes.fromhex(w.data or "") == b"early line\n"


def test_a_c_file_that_does_not_compile_says_why(tmp_path: Path) -> None:
    from socketscope.engine.programs import ProgramLine, program_scenario

    bad = tmp_path / "bad.c"
    bad.write_text("int main(void) { return missing; }\n")
    sc = program_scenario([ProgramLine(("bad.c",), str(tmp_path))])
    ev, _ = run_scenario(sc)
    (err,) = [e for e in ev if e.kind == "error"]
    assert err.code == "c_cannot_trace" and "did not compile" in (err.message or "")
    assert "missing" in (err.message or "")  # the compiler's own words


def test_a_missing_program_is_refused_clearly(tmp_path: Path) -> None:
    from socketscope.engine.programs import ProgramLine, program_scenario

    sc = program_scenario([ProgramLine(("./nothing-here",), str(tmp_path))])
    ev, _ = run_scenario(sc)
    (err,) = [e for e in ev if e.kind == "error"]
    assert "no such program" in (err.message or "")


def test_the_seccomp_filter_traces_exactly_the_socket_calls() -> None:
    from socketscope.engine.programs import ptrace_abi as pt

    nums = sorted(pt.SYSCALLS)
    for nr in range(0, 512):
        want = pt.SECCOMP_RET_TRACE if nr in pt.SYSCALLS else pt.SECCOMP_RET_ALLOW
        assert pt.filter_decides(nums, nr) == want, nr
    # another architecture's numbering (i386 through int 0x80) is let through untraced
    assert pt.filter_decides(nums, 42, arch=0x40000003) == pt.SECCOMP_RET_ALLOW
    assert len(pt.build_filter(nums)[1]) < 100


@pytest.mark.gui
def test_the_window_runs_the_notes_c_lesson_by_keys(
    qtbot: Any, gui_window: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtCore import Qt

    from socketscope.engine.scenario import get
    from socketscope.ui.app import settled

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    w = gui_window
    w.session.load_scenario(get("notes-c"))
    for _ in range(4):  # socket, bind, listen, accept: the server only, by the arrow key
        qtbot.waitUntil(lambda: settled(w), timeout=10000)
        before = len(w.session.events)
        qtbot.keyClick(w.diagram, Qt.Key.Key_Right)
        qtbot.waitUntil(lambda b=before: len(w.session.events) > b, timeout=10000)
    qtbot.waitUntil(lambda: "blocked in accept()" in w.status_label.text(), timeout=10000)
    spans = w.session.layout.spans
    assert spans and spans[0].op == "accept" and spans[0].row1 is None
    assert w.session.layout.lanes[:2] == ["notes_server.c", "notes_client.c"]
    # the code panel shows the C file, the accept() line highlighted
    code = w.lesson.code.toPlainText()
    assert "int connfd = accept(sockfd" in code
    qtbot.keyClick(w.diagram, Qt.Key.Key_Space)  # run to the end
    with qtbot.waitSignal(w.session.runFinished, timeout=20000):
        pass
    labels = [b.label for b in w.session.layout.boxes]
    assert sum(1 for lbl in labels if lbl.startswith("close(")) == 3
    img = w.diagram.viewport().grab()
    assert not img.isNull()


@pytest.mark.skipif(shutil.which("strace") is None, reason="needs strace")
def test_without_ptrace_the_calls_still_show_through_strace(
    bins: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the step-by-step tracer cannot run, strace shows the calls as they end (the same
    fallback a refused ptrace takes; forced here, since ptrace works on this machine)."""
    from socketscope.engine.programs import ProgramLine, program_scenario

    monkeypatch.setenv("SOCKETSCOPE_C_TRACER", "strace")
    port = free_port()
    sc = program_scenario(
        [
            ProgramLine((str(bins / "fork_server"), str(port), "1"), str(bins)),
            ProgramLine((str(bins / "echo_client"), "127.0.0.1", str(port)), str(bins)),
        ]
    )
    server, client = (a.name for a in sc.actors)
    ev, runner = run_scenario(sc)
    assert any(e.code == "c_strace_fallback" for e in ev)
    assert [e.op for e in of(ev, server, "call")][:5] == [
        "socket", "setsockopt", "bind", "listen", "accept",
    ]  # fmt: skip
    (acc,) = [e for e in of(ev, server, "return", "accept") if e.ok]
    assert acc.blocked and acc.result["fd"] == 4
    (conn,) = of(ev, client, "return", "connect")
    assert conn.ok and conn.peer == ("127.0.0.1", port)
    child = f"{server}/child 1"
    (r,) = [e for e in of(ev, child, "return", "read") if e.nbytes]
    (w,) = of(ev, client, "return", "write")
    assert bytes.fromhex(r.data or "") == b"hello" and (r.conn, r.dir, r.range) == (
        w.conn, "c>s", (0, 5),
    )  # fmt: skip
    assert b"got 5 bytes" in b"".join(d for a, s, d in runner.console if a == client)


@pytest.mark.gui
def test_without_debug_info_the_window_names_the_function_and_says_compile_with_g(
    qtbot: Any, gui_window: Any, bins: Path
) -> None:
    from PySide6.QtCore import Qt

    from socketscope.engine.programs import ProgramLine, program_scenario
    from socketscope.ui.app import settled

    port = free_port()
    w = gui_window
    w.session.load_scenario(
        program_scenario(
            [
                ProgramLine((str(bins / "echo_server_nog"), str(port)), str(bins)),
                ProgramLine((str(bins / "echo_client"), "127.0.0.1", str(port)), str(bins)),
            ]
        )
    )
    qtbot.waitUntil(lambda: settled(w), timeout=10000)
    before = len(w.session.events)
    qtbot.keyClick(w.diagram, Qt.Key.Key_Right)  # the server's socket()
    qtbot.waitUntil(lambda: len(w.session.events) > before, timeout=10000)
    qtbot.waitUntil(
        lambda: w.lesson.explanation.toPlainText().startswith("Made in main()"), timeout=10000
    )
    assert "compile with -g to see your lines" in w.lesson.explanation.toPlainText()


def test_c_udp_datagrams_are_paired_with_the_call_that_received_them(bins: Path) -> None:
    """sendto()/recvfrom() in C programs name the datagram, as a lesson's do: each receive
    names the send it got (also through a connected UDP socket's send()/recv()), and a
    datagram read into a too-small buffer says how big it was."""
    port = free_port()
    run = Run()
    run.start("server", [str(bins / "udp_echo_server"), str(port)])
    run.wait_for(lambda e: e.actor == "server" and e.kind == "blocked" and e.op == "recvfrom")
    run.start("client", [str(bins / "udp_client"), str(port)])
    ev = run.finish()
    sends = [e for e in ev if e.kind == "return" and e.op in ("sendto", "send") and e.ok]
    recvs = [e for e in ev if e.kind == "return" and e.op in ("recvfrom", "recv") and e.ok]
    # (the two tracers write their returns as they come: a reply's may come before the send's)
    assert sorted((e.actor, e.op) for e in sends) == [
        ("client", "send"), ("client", "sendto"), ("client", "sendto"),
        ("server", "sendto"), ("server", "sendto"), ("server", "sendto"),
    ]  # fmt: skip
    assert all(e.dgram is not None for e in sends + recvs), [(e.op, e.dgram) for e in sends + recvs]
    assert len({e.dgram for e in sends}) == 6
    sent = {e.dgram: e for e in sends}
    for r in recvs:
        s = sent[r.dgram]
        assert s.actor != r.actor
        got = bytes.fromhex(r.data or "")
        assert bytes.fromhex(s.data or "").upper().startswith(got.upper())
    truncated = next(r for r in recvs if r.actor == "server" and sent[r.dgram].op == "send")
    assert bytes.fromhex(truncated.data or "") == b"three" and truncated.dgram_size == 15
    # the port the kernel chose at the client's first sendto() is the one the server saw
    first = next(r for r in recvs if r.actor == "server")
    mine = next(e for e in sends if e.actor == "client")
    assert first.peer is not None and mine.local is not None
    assert first.peer[1] == mine.local[1] != 0


def test_c_udp_datagrams_on_the_wire_name_the_send_that_made_them(
    bins: Path, tmp_path: Path
) -> None:
    """In a run with a capture, each datagram of the C programs is caused by the sendto() or
    send() that sent it and carries its datagram id (the one the receive names)."""
    from socketscope.engine.trace import read_trace

    port = free_port()
    out = tmp_path / "udp.jsonl"
    r = subprocess.run(
        [
            sys.executable, "-m", "socketscope", "trace",
            "--program", f"{bins / 'udp_echo_server'} {port}",
            "--program", f"{bins / 'udp_client'} {port}",
            "-o", str(out),
        ],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    t = read_trace(out)
    if not t.header.get("capture", {}).get("available"):
        pytest.skip(f"no capture on this system: {t.header.get('capture')}")
    by_seq = {e.seq: e for e in t.events}
    grams = [e for e in t.events if e.kind == "packet" and e.packet and e.packet.proto == "UDP"]
    assert len(grams) == 6
    sends = {
        e.dgram: e for e in t.events if e.kind == "return" and e.op in ("sendto", "send") and e.ok
    }
    for p in grams:
        assert isinstance(p.cause, int), p
        call = by_seq[p.cause]
        assert call.op in ("sendto", "send") and call.actor == p.actor
        assert p.dgram is not None and sends[p.dgram].actor == call.actor
