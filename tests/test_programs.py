"""The user's own programs, unmodified, traced like a lesson's actors (engine/programs).

Real interpreters, real sockets, real peers: each program runs in a process of its own with the
``socket`` module traced from its first line."""

from __future__ import annotations

import itertools
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import wait_gone
from socketscope.engine import Event, Mode, Runner, RunOptions, read_trace
from socketscope.engine.pairing import MAYBE_READ
from socketscope.engine.programs import (
    C_UNAVAILABLE,
    ProgramError,
    ProgramLine,
    program_scenario,
    python_target,
)

PROGRAMS = Path(__file__).parent / "programs"
APP = str(Path(__file__).resolve().parents[1] / "app")

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux /proc")


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def lines(*texts: str, after: dict[int, str] | None = None) -> list[ProgramLine]:
    return [
        ProgramLine.parse(t, str(PROGRAMS), (after or {}).get(i, "ready"))
        for i, t in enumerate(texts)
    ]


def next_activity(runner: Runner, timeout: float = 0.05) -> None:
    """Wait until the run's gate next changes (or ``timeout``): every call arriving, let
    through, blocking, returning and every actor's end is one."""
    runner.gate.wait_change(timeout)


def wait_for(runner: Runner, cond: Callable[[], bool], timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            return False
        next_activity(runner)
    return True


def console(runner: Runner, actor: str) -> str:
    return b"".join(d for a, s, d in runner.console if a == actor).decode()


def c_program(folder: Path, name: str) -> str:
    """tests/c/NAME.c compiled with line information into ``folder``: the binary's path."""
    if shutil.which("cc") is None:
        pytest.skip("needs a C compiler (cc)")
    binary = folder / name
    src = Path(__file__).parent / "c" / f"{name}.c"
    subprocess.run(["cc", "-g", "-O0", "-o", str(binary), str(src)], check=True)
    return str(binary)


def calls(evs: list[Event], actor: str, kind: str = "return") -> list[Event]:
    return [e for e in evs if e.actor == actor and e.kind == kind]


def ops(evs: list[Event], actor: str) -> list[str]:
    return [e.op or "" for e in calls(evs, actor, "call")]


def source_line(name: str, n: int) -> str:
    return (PROGRAMS / name).read_text().splitlines()[n - 1]


# --- command lines -------------------------------------------------------------------------------
def test_a_command_line_says_which_path_runs_it() -> None:
    assert python_target(["server.py", "5050"]) == ("script", "server.py", ["5050"])
    assert python_target(["python3", "-u", "s.py"]) == ("script", "s.py", [])
    assert python_target(["python3", "-m", "http.server", "8000"]) == (
        "module",
        "http.server",
        ["8000"],
    )
    assert python_target(["./client", "127.0.0.1"]) is None
    sc = program_scenario(lines("python3 a.py", "b.py", "b.py", "./c 1"))
    assert [a.name for a in sc.actors] == ["a.py", "b.py", "b.py (2)", "./c"]
    assert [a.starts_when for a in sc.actors] == [
        None,
        ("a.py", "ready"),
        ("b.py", "ready"),
        ("b.py (2)", "ready"),
    ]


def test_after_options_are_checked_and_named() -> None:
    sc = program_scenario(lines("s.py", "c.py", "d.py", after={1: "accept", 2: "1.5"}))
    assert sc.actors[1].starts_when == ("s.py", "accept")
    assert sc.actors[2].starts_when == ("c.py", "start") and sc.actors[2].start_after == 1.5
    with pytest.raises(ProgramError, match=r"no program called 'x\.py'"):
        program_scenario(lines("s.py", "c.py", after={1: "x.py:accept"}))
    with pytest.raises(ProgramError, match=r"say ready, start, end"):
        program_scenario(lines("s.py", "c.py", after={1: "when it likes"}))


# --- three unmodified Python programs ------------------------------------------------------------
def test_a_threaded_socketserver_echo_server_with_two_clients() -> None:
    port = free_port()
    sc = program_scenario(
        lines(
            f"python3 threaded_echo_server.py {port} 2",
            f"line_client.py {port} one",
            f"line_client.py {port} two",
        )
    )
    runner = Runner(sc)
    evs = runner.run_to_end(40)
    server = "threaded_echo_server.py"
    # the server's main thread accepts; each connection is handled on a thread of its own,
    # with a lifeline of its own nested under the program's name
    accepts = [e for e in calls(evs, server) if e.op == "accept"]
    assert len(accepts) == 2 and all(e.ok for e in accepts)
    threads = sorted({e.actor for e in evs if e.actor.startswith(server + "/Thread-")})
    assert len(threads) == 2, threads
    for th in threads:
        assert next(e.kind for e in evs if e.actor == th) == "start"
        assert [e.kind for e in evs if e.actor == th][-1] == "end"
        # makefile().readline() is recv_into() on the socket, at the student's own line
        got = [e for e in calls(evs, th, "call") if e.op == "recv_into"]
        assert got and got[0].line is not None
        assert "readline" in source_line("threaded_echo_server.py", got[0].line)
        assert any(e.op == "sendall" for e in calls(evs, th))
    # bytes paired end to end: the client's line is what a handler thread received
    sent = {e.conn: e.data for e in calls(evs, "line_client.py") if e.op == "send"}
    recv = {e.conn: e.data for th in threads for e in calls(evs, th) if e.op == "recv_into"}
    (conn,) = sent
    assert recv[conn] == b"one\n".hex()
    # the socket()/bind()/listen() of socketserver are shown at the student's line
    listen = next(e for e in calls(evs, server, "call") if e.op == "listen")
    assert "ThreadingTCPServer" in source_line("threaded_echo_server.py", listen.line or 0)
    # blocking measured by the kernel, per thread
    blocked = [e for e in evs if e.kind == "blocked" and e.actor == server]
    assert blocked and all(e.evidence == "kernel" for e in blocked)
    assert console(runner, "line_client.py").strip() == "ONE"
    assert console(runner, "line_client.py (2)").strip() == "TWO"
    assert "serving on" in console(runner, server)
    # on the diagram, each thread's lifeline comes right after the program's, nested under it
    from socketscope.model.diagram import DiagramLayout

    lay = DiagramLayout([a.name for a in sc.actors])
    lay.extend(evs)
    shown = [lay.lanes[lane] for lane in lay.columns()]
    assert shown == [server, *threads, "line_client.py", "line_client.py (2)"], shown
    for th in threads:
        lane = lay.lanes.index(th)
        assert lay.parent_name(lane) == (server, "thread") and lay.lane_depth(lane) == 1


def test_a_selectors_chat_server_relays_what_a_client_types() -> None:
    port = free_port()
    sc = program_scenario(
        lines(
            f"selectors_chat_server.py {port} 2",
            f"chat_client.py {port}",
            f"chat_client.py {port}",
        )
    )
    runner = Runner(sc)
    runner.start()
    evs: list[Event] = []
    server, alice, bob = "selectors_chat_server.py", "chat_client.py", "chat_client.py (2)"

    def joined() -> bool:
        evs.extend(runner.drain())
        return console(runner, server).count("joined") == 2 and any(
            e.actor == bob and e.kind == "blocked" and e.op == "select" for e in evs
        )

    try:
        assert wait_for(runner, joined), console(runner, server)
        runner.write_stdin(alice, b"hello from alice\n")  # typed into her console
        assert wait_for(runner, lambda: "got: hello from alice" in console(runner, bob))
        runner.write_stdin(alice, b"")  # Ctrl-D: she leaves, then he does
        runner.write_stdin(bob, b"")
        assert runner.done.wait(20)
    finally:
        runner.stop()
    evs.extend(runner.drain())
    # select() is on the diagram, with the sockets it waited for and those that were ready
    sel = [e for e in calls(evs, server) if e.op == "select"]
    assert sel and all(e.ok for e in sel)
    listener = next(e.sock for e in calls(evs, server) if e.op == "listen")
    assert any(listener in (e.result or {}).get("r", []) for e in sel)
    assert any(e.kind == "blocked" and e.op == "select" for e in evs if e.actor == server)
    # the chat client selects on its socket and on stdin: the socket is named, stdin is an fd
    csel = next(e for e in calls(evs, alice, "call") if e.op == "select")
    assert csel.args is not None and len(csel.args["r"]) == 1 and 0 in csel.args["fds"]["r"]
    # the bytes alice sent are the bytes the server received and bob got
    said = next(e for e in calls(evs, alice) if e.op == "sendall")
    heard = [e for e in calls(evs, bob) if e.op == "recv" and e.nbytes]
    assert bytes.fromhex(said.data or "") == b"hello from alice\n"
    assert bytes.fromhex(heard[0].data or "") == b"hello from alice\n"
    assert {e.kind for e in evs if e.actor == server} >= {"start", "end"}


def test_a_udp_client_written_with_from_socket_import_star() -> None:
    port = free_port(socket.SOCK_DGRAM)
    sc = program_scenario(lines(f"udp_echo_server.py {port}", f"udp_client.py {port}"))
    runner = Runner(sc)
    evs = runner.run_to_end(30)
    client, server = "udp_client.py", "udp_echo_server.py"
    assert ops(evs, client) == ["socket", "sendto", "recvfrom", "close"]
    sock_call = next(e for e in calls(evs, client, "call") if e.op == "socket")
    assert sock_call.args == {"family": "AF_INET", "type": "SOCK_DGRAM", "proto": 0}
    assert "socket(AF_INET, SOCK_DGRAM)" in source_line("udp_client.py", sock_call.line or 0)
    got = next(e for e in calls(evs, client) if e.op == "recvfrom")
    assert bytes.fromhex(got.data or "") == b"PING" and got.peer == ("127.0.0.1", port)
    # bind(("", port)) would be every interface: made on loopback, and the trace says so
    bind = next(e for e in calls(evs, server) if e.op == "bind")
    assert bind.ok and bind.local == ("127.0.0.1", port)
    note = next(e for e in evs if e.actor == server and e.kind == "kernel" and e.op == "bind")
    assert note.message and "made on 127.0.0.1" in note.message
    assert "reply b'PING'" in console(runner, client)
    # each datagram is named by the receive that got it (the run host's one pairing)
    sent = {e.dgram: e for e in evs if e.kind == "return" and e.op == "sendto"}
    got_by = {e.actor: e for e in evs if e.kind == "return" and e.op == "recvfrom"}
    assert set(sent) == {got_by[server].dgram, got_by[client].dgram} and None not in sent
    assert sent[got_by[server].dgram].actor == client
    assert sent[got_by[client].dgram].actor == server


def test_after_seconds_starts_the_next_program_that_long_after_the_one_before() -> None:
    """`--after 0.3`: the client starts 0.3 s after the server did. The timer was asked of the
    server's own --after (it had none), so a client due seconds later never started and the run
    waited for its timeout while the server sat in accept()."""
    port = free_port()
    sc = program_scenario(
        lines(f"python3 echo_server.py {port}", f"late_client.py {port} 0", after={1: "0.3"})
    )
    runner = Runner(sc)
    evs = runner.run_to_end(15)
    server, client = "echo_server.py", "late_client.py"
    began = {
        a: next(e.t for e in evs if e.actor == a and e.kind == "start") for a in (server, client)
    }
    assert began[client] - began[server] >= 0.3 - 0.05
    assert "b'HI\\n'" in console(runner, client)


def test_programs_started_together_have_sockets_of_their_own() -> None:
    """`--after start`: two programs started at once each get their own range of socket numbers
    (100001…, 200001…). Both were given the first range (the count was of the programs already
    registered, none yet), and the two programs' sockets were one in the trace."""
    port = free_port()
    sc = program_scenario(
        lines(f"python3 echo_server.py {port}", f"late_client.py {port} 0.3", after={1: "start"})
    )
    evs = Runner(sc).run_to_end(15)
    socks = {
        a: {e.sock for e in calls(evs, a) if e.op == "socket"}
        for a in ("echo_server.py", "late_client.py")
    }
    assert all(len(v) == 1 for v in socks.values()), socks
    assert socks["echo_server.py"].isdisjoint(socks["late_client.py"]), socks


def test_a_datagram_read_with_recv_is_received_not_reported_lost() -> None:
    """recv() on an unconnected UDP socket does not say where its datagram came from. It is
    still found among those in flight by its bytes: each was reported "dropped by the kernel"
    when the socket closed, although the program had read every one."""
    sc = program_scenario(lines("udp_to_itself.py"))
    runner = Runner(sc)
    evs = runner.run_to_end(30)
    me = "udp_to_itself.py"
    sent = [e.dgram for e in calls(evs, me) if e.op == "sendto"]
    got = [e.dgram for e in calls(evs, me) if e.op == "recv"]
    assert len(sent) == 3 and None not in sent and got == sent
    assert not [e for e in evs if e.kind == "dgram_lost"]
    assert "got b'tick 2'" in console(runner, me)


def test_a_recv_that_could_be_either_of_two_senders_is_not_guessed() -> None:
    """The same bytes from two senders, read with recv(): the kernel dropped most of the first
    sender's, so the oldest datagram in flight with those bytes is not the one read. Such a
    receive names no datagram (it used to name the first sender's dropped one); those the
    queue held, read before the second sender's, are paired by their bytes."""
    sc = program_scenario(lines("udp_two_senders.py"))
    runner = Runner(sc)
    evs = runner.run_to_end(30)
    me = "udp_two_senders.py"
    reads = [e for e in calls(evs, me) if e.op == "recv" and e.ok]
    sent = {e.dgram: e for e in evs if e.kind == "return" and e.op == "sendto"}
    last = reads[-1]
    assert last.dgram is None, last  # B's or one of A's: recv() does not say
    # the first ones read were A's, in order
    assert [r.dgram for r in reads[:-1]] == sorted(d for d in sent if d is not None)[
        : len(reads) - 1
    ]
    assert "received" in console(runner, me)
    # At the close, what was never named is not all called dropped: one of them was read, by
    # that recv(). B's datagram (the last sent) was read, so it must not be reported lost.
    gone = [e for e in evs if e.kind == "dgram_lost"]
    assert gone and {e.code for e in gone} == {MAYBE_READ}, gone
    assert max(d for d in sent if d is not None) in {e.dgram for e in gone}


def test_a_c_programs_datagram_read_with_recv_is_received_too(tmp_path: Path) -> None:
    """The same for a C program, traced with ptrace: its recv() gets no source address."""
    sc = program_scenario(
        [ProgramLine.parse(c_program(tmp_path, "udp_to_itself"), str(tmp_path), "ready")]
    )
    evs = Runner(sc).run_to_end(30)
    me = sc.actors[0].name
    sent = [e.dgram for e in calls(evs, me) if e.op == "sendto"]
    got = [e.dgram for e in calls(evs, me) if e.op == "recv"]
    assert len(sent) == 3 and None not in sent and got == sent
    assert not [e for e in evs if e.kind == "dgram_lost"]


def test_a_c_programs_non_blocking_sockets_are_known_as_such(tmp_path: Path) -> None:
    """A C program makes its sockets non-blocking with fcntl(F_SETFL, O_NONBLOCK) (curl does)
    or socket(SOCK_NONBLOCK). The tracer did not see fcntl() and dropped the flag, so both
    sockets were taken for blocking: the inspector said "blocking" and each connect()'s
    expected EINPROGRESS was drawn as a red failure."""
    from socketscope.model.context import context_of
    from socketscope.model.diagram import DiagramLayout

    sc = program_scenario(
        [ProgramLine.parse(c_program(tmp_path, "nonblock_connect"), str(tmp_path), "ready")]
    )
    evs = Runner(sc).run_to_end(30)
    me = sc.actors[0].name
    assert [(e.op, e.args) for e in calls(evs, me, "call") if e.op == "fcntl"] == [
        ("fcntl", {"cmd": "F_SETFL", "nonblocking": True})
    ]  # F_GETFL is not shown
    connects = [e for e in calls(evs, me, "call") if e.op == "connect"]
    assert len(connects) == 2
    assert [context_of(evs, c).mode for c in connects] == ["nonblocking", "nonblocking"]
    lay = DiagramLayout([me])
    lay.extend(evs)
    boxes = [b for b in lay.boxes if b.op == "connect"]
    assert [(b.error, b.expected) for b in boxes] == [("EINPROGRESS", True)] * 2
    # and its C form says so, as strace does: socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK, ...)
    from socketscope.cform import c_line

    made = [
        (c, r)
        for c, r in zip(calls(evs, me, "call"), calls(evs, me), strict=True)
        if c.op == "socket"
    ]
    assert "SOCK_STREAM | SOCK_NONBLOCK" in c_line(*made[-1])
    assert "SOCK_NONBLOCK" not in c_line(*made[1])


def test_a_c_udp_server_s_receives_pair_with_a_python_client_s_datagrams(tmp_path: Path) -> None:
    """One pairing for the run: a Python program's sendto() and a C program's recvfrom() name
    the same datagram, both ways."""
    if shutil.which("cc") is None:
        pytest.skip("needs a C compiler (cc)")
    c_server = tmp_path / "udp_echo_server"
    src = Path(__file__).parent / "c" / "udp_echo_server.c"
    subprocess.run(["cc", "-g", "-O0", "-o", str(c_server), str(src)], check=True)
    port = free_port(socket.SOCK_DGRAM)
    sc = program_scenario(
        [
            ProgramLine.parse(f"{c_server} {port} 1", str(tmp_path), "ready"),
            ProgramLine.parse(f"udp_client.py {port}", str(PROGRAMS), "ready"),
        ]
    )
    runner = Runner(sc)
    evs = runner.run_to_end(30)
    client = "udp_client.py"
    server = next(a.name for a in sc.actors if a.name != client)
    got = next(e for e in calls(evs, server) if e.op == "recvfrom")
    ping = next(e for e in calls(evs, client) if e.op == "sendto")
    assert got.dgram is not None and got.dgram == ping.dgram
    reply = next(e for e in calls(evs, server) if e.op == "sendto")
    back = next(e for e in calls(evs, client) if e.op == "recvfrom")
    assert reply.dgram is not None and back.dgram == reply.dgram
    assert "reply b'PING'" in console(runner, client)


# --- stepping ------------------------------------------------------------------------------------
def test_stepping_holds_a_python_server_at_accept_while_a_client_connects() -> None:
    port = free_port()
    sc = program_scenario(lines(f"python3 echo_server.py {port}", f"line_client.py {port} held"))
    runner = Runner(sc, RunOptions(mode=Mode.STEP))
    server, client = "echo_server.py", "line_client.py"
    runner.start()
    evs: list[Event] = []

    def waiting(actor: str, op: str) -> bool:
        evs.extend(runner.drain())
        return any(w.actor == actor and w.op == op for w in runner.gate.waiting())

    try:
        # step the server up to its accept(): it waits at the gate there, not in the kernel
        while not waiting(server, "accept"):
            if any(w.actor == server for w in runner.gate.waiting()):
                runner.gate.step(server)
            next_activity(runner)
        # the client runs to its connect() and through it while the server is held
        while not waiting(client, "connect"):
            if any(w.actor == client for w in runner.gate.waiting()):
                runner.gate.step(client)
            next_activity(runner)
        runner.gate.step(client)
        assert wait_for(
            runner,
            lambda: (
                waiting(client, "send")
                or any(e.actor == client and e.op == "connect" and e.kind == "return" for e in evs)
            ),
        )
        connected = next(
            e for e in evs if e.actor == client and e.op == "connect" and e.kind == "return"
        )
        assert connected.ok
        assert not any(e.actor == server and e.op == "accept" and e.kind == "call" for e in evs)
        # released: accept() returns at once with the client's address
        runner.gate.set_mode(Mode.RUN)
        assert runner.done.wait(30)
    finally:
        runner.stop()
    evs.extend(runner.drain())
    # what accept() found when it was let through: the connection waiting in the kernel's
    # accept queue, made while the server was held
    listener = next(
        e.sock for e in evs if e.actor == server and e.op == "listen" and e.kind == "return"
    )
    found = next(e for e in evs if e.kind == "kernel" and e.op == "accept" and e.sock == listener)
    assert found.kernel is not None and found.kernel.accept_q == 1
    acc = next(e for e in evs if e.actor == server and e.op == "accept" and e.kind == "return")
    assert acc.ok and not acc.blocked
    assert acc.peer == connected.local
    assert "held".upper() in console(runner, client)


# --- real peers ----------------------------------------------------------------------------------
def test_nc_as_a_client_of_a_traced_python_server() -> None:
    pytest.importorskip(
        "socketscope.engine.programs.ctrace",
        reason="nc's own calls need the C tracer (branch programs-c), not in this build",
    )
    nc = shutil.which("nc")
    if nc is None:
        pytest.skip("nc is not installed (apt-get install netcat-openbsd)")
    port = free_port()
    sc = program_scenario(lines(f"echo_server.py {port}", f"{nc} -N 127.0.0.1 {port}"))
    runner = Runner(sc)
    server, client = "echo_server.py", nc
    runner.start()
    evs: list[Event] = []
    try:

        def accepted() -> bool:
            evs.extend(runner.drain())
            return any(e.actor == server and e.op == "accept" and e.kind == "return" for e in evs)

        assert wait_for(runner, accepted)
        runner.write_stdin(client, b"hello from nc\n")
        runner.write_stdin(client, b"")  # end of input: nc shuts its side down (-N)
        assert runner.done.wait(30)
    finally:
        runner.stop()
    evs.extend(runner.drain())
    # nc's own calls are on the diagram: its connect, and the bytes it wrote, paired with the
    # server's accept and recv on the same connection
    conn = next(
        e.conn for e in evs if e.actor == server and e.op == "accept" and e.kind == "return"
    )
    assert any(e.actor == client and e.op == "connect" and e.kind == "return" for e in evs)
    wrote = [
        e
        for e in evs
        if e.actor == client
        and e.kind == "return"
        and e.conn == conn
        and e.nbytes
        and e.dir == "c>s"
    ]
    assert wrote and bytes.fromhex(wrote[0].data or "") == b"hello from nc\n"
    got = next(e for e in evs if e.actor == server and e.op == "recv" and e.kind == "return")
    assert got.conn == conn and bytes.fromhex(got.data or "") == b"hello from nc\n"
    assert "HELLO FROM NC" in console(runner, client)


# --- failures said clearly -----------------------------------------------------------------------
def test_a_program_that_cannot_start_says_why() -> None:
    sc = program_scenario(lines("no_such_file.py"))
    evs = Runner(sc).run_to_end(20)
    err = next(e for e in evs if e.kind == "error")
    assert "no_such_file.py" in (err.message or "") and "no such Python file" in (err.message or "")
    assert evs[-1].kind == "end"


def test_without_the_c_tracer_an_executable_runs_untraced_and_says_so() -> None:
    import importlib.util

    if importlib.util.find_spec("socketscope.engine.programs.ctrace") is not None:
        pytest.skip("this build has the C tracer")
    runner = Runner(program_scenario(lines("/bin/sh -c 'echo hi'")))
    evs = runner.run_to_end(20)
    start = next(e for e in evs if e.actor == "/bin/sh" and e.kind == "start")
    assert start.code == "program_untraced" and C_UNAVAILABLE in (start.message or "")
    assert any(e.actor == "/bin/sh" and e.code == "program_exited" for e in evs)
    assert console(runner, "/bin/sh") == "hi\n"


def test_a_program_that_is_not_installed_says_so() -> None:
    evs = Runner(program_scenario(lines("no-such-program-xyz --help"))).run_to_end(20)
    err = next(e for e in evs if e.kind == "error")
    assert "no-such-program-xyz: no such program" in (err.message or "")


def test_a_python_program_that_raises_shows_its_traceback_and_line(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text(
        "import socket\ns = socket.socket()\ns.connect(('127.0.0.1', 1))\n"
    )
    runner = Runner(program_scenario([ProgramLine.parse("bad.py", str(tmp_path))]))
    evs = runner.run_to_end(20)
    refused = next(e for e in evs if e.op == "connect" and e.kind == "return")
    assert refused.error == "ECONNREFUSED"
    assert next(e for e in evs if e.op == "connect" and e.kind == "call").line == 3
    err = next(e for e in evs if e.kind == "error")
    assert err.line == 3 and "ConnectionRefusedError" in (err.message or "")
    assert (
        "ConnectionRefusedError"
        in b"".join(d for a, s, d in runner.console if s == "stderr").decode()
    )


def test_calls_only_mode_refuses_a_connect_past_loopback_before_it_happens(tmp_path: Path) -> None:
    (tmp_path / "out.py").write_text(
        "import socket\ns = socket.socket()\ntry:\n    s.connect(('192.0.2.1', 80))\n"
        "except OSError as e:\n    print('refused:', e)\n"
    )
    runner = Runner(program_scenario([ProgramLine.parse("out.py", str(tmp_path))]))
    evs = runner.run_to_end(20)
    ret = next(e for e in evs if e.op == "connect" and e.kind == "return")
    assert ret.error == "NOT_LOOPBACK"
    assert next(e for e in evs if e.op == "connect" and e.kind == "call").line == 4
    assert "only uses loopback" in console(runner, "out.py")


# --- the terminal, and as an ordinary user -------------------------------------------------------
def _cli(
    args: list[str], user: str | None = None, app: str = APP, python: str = sys.executable
) -> subprocess.CompletedProcess[str]:
    cmd = [python, "-m", "socketscope", *args]
    if user is not None:
        import shlex

        cmd = ["su", user, "-s", "/bin/sh", "-c", " ".join(shlex.quote(a) for a in cmd)]
    return subprocess.run(
        cmd,
        env={**os.environ, "PYTHONPATH": app},
        capture_output=True,
        text=True,
        timeout=90,
        cwd=str(PROGRAMS) if user is None else "/",
        check=False,
    )


def test_two_programs_events_are_numbered_in_the_order_they_happened(tmp_path: Path) -> None:
    """Each program's events reach the run host by a relay of its own, some milliseconds late;
    numbered as they came, the client's recv() was numbered (and drawn) before the server's
    sendall() that fed it in most runs. A free-running run numbers them by when they happened:
    the time never steps back from one event to the next, and the reply's recv() comes after
    the sendall() that sent it (three runs: a race shows in nearly every one)."""
    for i in range(3):
        out = tmp_path / f"run{i}.jsonl"
        r = _cli(
            [
                "trace",
                "--program",
                "python3 echo_server.py 5050",
                "--program",
                "line_client.py 5050 hi",
                "-o",
                str(out),
            ]
        )
        assert r.returncode == 0, r.stderr
        events = list(read_trace(out).events)
        times = [e.t for e in events if e.kind != "packet"]  # packets: numbered when paired
        back = [(a, b) for a, b in itertools.pairwise(times) if b < a]
        assert not back, back
        sendall = next(e.seq for e in events if e.kind == "call" and e.op == "sendall")
        reply = next(
            e.seq
            for e in events
            if e.kind == "return"
            and e.actor == "line_client.py"
            and (e.op or "").startswith("recv")
        )
        assert sendall < reply


def test_trace_with_programs_writes_a_trace_and_relays_their_output(tmp_path: Path) -> None:
    out = tmp_path / "run.jsonl"
    r = _cli(
        [
            "trace",
            "--program",
            "python3 threaded_echo_server.py 5050 1",
            "--program",
            "line_client.py 5050 hi",
            "-o",
            str(out),
        ]
    )
    assert r.returncode == 0, r.stderr
    from socketscope.engine import read_trace

    trace = read_trace(out)
    assert trace.header["actors"] == ["threaded_echo_server.py", "line_client.py"]
    assert "socketserver" in trace.header["sources"]["threaded_echo_server.py"]["source"]
    assert any(e.op == "accept" and e.kind == "return" and e.ok for e in trace.events)
    assert "line_client.py | HI" in r.stderr


def test_bad_program_options_get_one_clear_line() -> None:
    r = _cli(["trace", "--program", "s.py", "--after", "accept"])
    assert r.returncode == 2 and "not followed by a --program" in r.stderr
    r = _cli(["log", "--program", "'unclosed"])
    assert r.returncode == 2 and "--program" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.skipif(os.geteuid() != 0, reason="drops privileges with su: needs root to start")
@pytest.mark.skipif(not Path("/usr/bin/python3").exists(), reason="a Python a normal user can run")
def test_programs_as_an_ordinary_user(app_for_nobody: str, tmp_path: Path) -> None:
    folder = Path(app_for_nobody).parent / f"programs-{os.getpid()}"
    shutil.copytree(PROGRAMS, folder, dirs_exist_ok=True)
    os.chmod(folder, 0o755)
    for f in folder.iterdir():
        os.chmod(f, 0o644)
    try:
        r = _cli(
            [
                "log",
                "--program",
                f"python3 {folder}/threaded_echo_server.py 5050 1",
                "--program",
                f"{folder}/line_client.py 5050 nobody",
                "--no-color",
            ],
            user="nobody",
            app=app_for_nobody,
            python="/usr/bin/python3",
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    assert r.returncode == 0, r.stderr
    assert "accept(" in r.stdout and "blocks: asleep in the kernel" in r.stdout
    assert "line_client.py | NOBODY" in r.stderr


def test_a_forked_child_is_traced_for_an_ordinary_user_too(
    app_for_nobody: str, tmp_path: Path
) -> None:
    folder = Path(app_for_nobody).parent / f"programs-fork-{os.getpid()}"
    shutil.copytree(PROGRAMS, folder, dirs_exist_ok=True)
    os.chmod(folder, 0o755)
    for f in folder.iterdir():
        os.chmod(f, 0o644)
    try:
        r = _cli(
            [
                "log",
                "--program",
                f"python3 {folder}/fork_server.py 5050 1",
                "--program",
                f"{folder}/line_client.py 5050 nobody",
                "--no-color",
            ],
            user="nobody",
            app=app_for_nobody,
            python="/usr/bin/python3",
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    assert r.returncode == 0, r.stderr
    child = [row for row in r.stdout.splitlines() if "fork_server.py/child 1" in row]
    assert any("recv(" in row for row in child), r.stdout
    # whole, or begun and then resumed when other lines came between (packets, the client)
    assert any(
        'send(4, "NOBODY' in row or '<... send resumed> 4, "NOBODY' in row for row in child
    ), r.stdout
    assert "line_client.py | NOBODY" in r.stderr


# --- the http-get lesson --------------------------------------------------------------------------
def test_the_http_get_lesson_shows_request_and_response_bytes() -> None:
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed (apt-get install curl): the lesson needs a real one")
    from socketscope.engine.scenario import get

    sc = get("http-get")
    assert [a.name for a in sc.actors] == ["http_server.py", "curl"]
    runner = Runner(sc)
    evs = runner.run_to_end(40)
    server = "http_server.py"
    request = next(e for e in evs if e.actor == server and e.op == "recv" and e.kind == "return")
    assert bytes.fromhex(request.data or "").startswith(b"GET / HTTP/1.1\r\nHost: 127.0.0.1:")
    response = next(
        e for e in evs if e.actor == server and e.op == "sendall" and e.kind == "return"
    )
    body = bytes.fromhex(response.data or "")
    assert body.startswith(b"HTTP/1.0 200 OK\r\n") and body.endswith(b"SocketScope</h1>\n")
    assert request.conn == response.conn is not None
    # the page reached curl: its console shows it
    assert "Hello from SocketScope" in console(runner, "curl")
    # the code panel can show the lesson's own server
    assert "sendall(head + PAGE)" in sc.sources[server]["source"]


def test_the_http_get_lesson_s_packets_are_curl_s_where_curl_made_them(tmp_path: Path) -> None:
    """curl's connect() is non-blocking (EINPROGRESS, then poll, then getsockopt SO_ERROR):
    the tracer still makes it known to the pairing, so the handshake is caused by curl's
    connect(), the request's segment by curl's own send, both drawn from curl's lane, and
    curl's connection is the one the server's accept() returned."""
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed (apt-get install curl): the lesson needs a real one")
    from socketscope.engine import read_trace

    out = tmp_path / "http.jsonl"
    r = subprocess.run(
        [sys.executable, "-m", "socketscope", "trace", "http-get", "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    t = read_trace(out)
    by_seq = {e.seq: e for e in t.events}
    connect = next(e for e in t.events if e.actor == "curl" and e.op == "connect")
    ret = next(
        e for e in t.events if e.actor == "curl" and e.op == "connect" and e.kind == "return"
    )
    assert ret.error == "EINPROGRESS" and ret.local is not None and ret.conn is not None
    accept = next(
        e
        for e in t.events
        if e.actor == "http_server.py" and e.op == "accept" and e.kind == "return"
    )
    assert accept.conn == ret.conn and accept.peer == ret.local
    # its first bytes name the connection's addresses, as a connect() that returned would
    first = next(e for e in t.events if e.actor == "curl" and e.kind == "return" and e.nbytes)
    assert first.peer == accept.local and first.conn == ret.conn
    if not t.header.get("capture", {}).get("available"):
        pytest.skip(f"no capture on this system: {t.header.get('capture')}")
    packets = [e for e in t.events if e.kind == "packet" and e.packet is not None]
    role = {p.seq: p.packet.role if p.packet is not None else None for p in packets}
    syn = next(p for p in packets if role[p.seq] == "syn")
    assert syn.cause == connect.seq and syn.actor == "curl"
    assert next(p for p in packets if role[p.seq] == "syn-ack").cause == connect.seq
    request = next(p for p in packets if role[p.seq] == "data" and p.dir == "c>s")
    made = by_seq[int(request.cause or 0)]
    assert (made.actor, made.op) in (("curl", "send"), ("curl", "write"), ("curl", "sendto"))
    assert request.actor == "curl"
    assert bytes.fromhex(request.packet.payload or "").startswith(b"GET / HTTP/1.1")  # type: ignore[union-attr]


def test_stop_ends_programs_blocked_in_accept_and_in_input() -> None:
    port = free_port()
    sc = program_scenario(lines(f"echo_server.py {port}", f"input_client.py {port}"))
    runner = Runner(sc)
    runner.start()
    evs: list[Event] = []

    def both_waiting() -> bool:
        evs.extend(runner.drain())
        return "say something:" in console(runner, "input_client.py") and any(
            e.actor == "echo_server.py" and e.op == "accept" and e.kind == "return" for e in evs
        )

    assert wait_for(runner, both_waiting)
    pids = [p.proc.pid for p in runner._processes.values()]  # type: ignore[attr-defined]
    t0 = time.monotonic()
    assert runner.stop(timeout=2.0)
    assert time.monotonic() - t0 < 2.0
    # the programs' processes are gone, not left running
    assert all(wait_gone(pid, 5) for pid in pids)


def test_a_fork_per_client_python_server_gives_each_child_a_traced_lifeline() -> None:
    port = free_port()
    sc = program_scenario(
        lines(
            f"fork_server.py {port} 2",
            f"line_client.py {port} first",
            f"line_client.py {port} second",
        )
    )
    runner = Runner(sc)
    evs = runner.run_to_end(40)
    server = "fork_server.py"
    assert console(runner, "line_client.py").strip() == "FIRST"
    assert console(runner, "line_client.py (2)").strip() == "SECOND"
    children = [f"{server}/child 1", f"{server}/child 2"]
    # three server lifelines, named as the C tracer names a forked child's
    assert {e.actor for e in evs if e.kind == "start" and e.actor.startswith(server)} == {
        server,
        *children,
    }
    assert not [e for e in evs if e.code == "fork_untraced"]
    forks = calls(evs, server)
    forks = [e for e in forks if e.op == "fork"]
    assert [(e.params or {})["child"] for e in forks] == children
    assert all(isinstance(e.result, int) and e.result > 0 for e in forks)
    # the parent's own calls: two accepts, a fork and its close() of each connection
    assert [e.op for e in calls(evs, server) if e.op in ("accept", "fork", "close")] == [
        "accept",
        "fork",
        "close",
        "accept",
        "fork",
        "close",
        "close",
    ]
    accepted = [e.new_sock for e in calls(evs, server) if e.op == "accept"]
    clients = ["line_client.py", "line_client.py (2)"]
    # on the diagram, the children's lifelines come right after their parent's, nested
    from socketscope.model.diagram import DiagramLayout

    lay = DiagramLayout([a.name for a in sc.actors])
    lay.extend(evs)
    assert [lay.lanes[lane] for lane in lay.columns()] == [server, *children, *clients]
    assert [lay.parent_name(lay.lanes.index(c)) for c in children] == [(server, "child")] * 2
    for n, (child, client) in enumerate(zip(children, clients, strict=True)):
        start = next(e for e in evs if e.actor == child and e.kind == "start")
        assert start.code == "program_forked" and (start.params or {})["parent"] == server
        # it holds the listening socket and its connection: the parent's, under new ids
        inherited = [e for e in evs if e.actor == child and e.code == "fd_inherited"]
        assert [(e.params or {})["from_sock"] for e in inherited] == [100001, accepted[n]]
        assert [e.fd for e in inherited] == [3, 4]
        conn_sock = inherited[1].sock
        assert conn_sock not in (100001, accepted[n])
        # its own calls are traced, with the script's lines, and paired with its client's
        mine = calls(evs, child)
        assert [e.op for e in mine] == ["close", "recv", "sendall", "close"]
        src = (PROGRAMS / "fork_server.py").read_text().splitlines()
        lines_of = [src[e.line - 1].strip() for e in calls(evs, child, "call") if e.line]
        assert lines_of == [
            "s.close()",
            "line = conn.recv(1024)",
            "conn.sendall(line.upper())",
            "conn.close()",
        ]
        recv, sent = mine[1], mine[2]
        assert recv.sock == sent.sock == conn_sock
        # the client writes and reads through makefile(): send() and recv_into()
        theirs = [e for e in calls(evs, client) if e.nbytes]
        wrote = next(e for e in theirs if (e.op or "").startswith("send"))
        read = next(e for e in theirs if (e.op or "").startswith("recv"))
        assert recv.conn == sent.conn == wrote.conn == read.conn is not None
        assert recv.dir == wrote.dir != sent.dir == read.dir  # the two streams of the connection
        assert bytes.fromhex(recv.data or "") == bytes.fromhex(wrote.data or "")
        assert bytes.fromhex(read.data or "") == bytes.fromhex(sent.data or "")
        assert any(e.actor == child and e.kind == "end" for e in evs)


def test_stepping_holds_a_forked_child_at_its_own_gate() -> None:
    port = free_port()
    sc = program_scenario(lines(f"fork_server.py {port} 1", f"line_client.py {port} held"))
    runner = Runner(sc, RunOptions(mode=Mode.STEP))
    child = "fork_server.py/child 1"
    runner.start()
    evs: list[Event] = []

    def held(actor: str) -> str | None:
        evs.extend(runner.drain())
        return next((w.op for w in runner.gate.waiting() if w.actor == actor), None)

    def child_waits_or_step_the_others() -> bool:
        if held(child) is not None:
            return True
        for w in runner.gate.waiting():
            if w.actor != child:
                runner.gate.step(w.actor)
        return False

    try:
        # every other lifeline is stepped; the child's first call waits at its own gate
        assert wait_for(runner, child_waits_or_step_the_others)
        assert held(child) == "close"
        assert not [e for e in evs if e.actor == child and e.kind == "call"]
        runner.gate.step(child)
        assert wait_for(runner, lambda: held(child) == "recv")
        assert [e.op for e in evs if e.actor == child and e.kind == "call"] == ["close"]
        runner.gate.set_mode(Mode.RUN)
        assert runner.done.wait(30)
    finally:
        runner.stop()
    assert console(runner, "line_client.py").strip() == "HELD"


def test_a_forked_child_killed_from_outside_ends_its_lifeline() -> None:
    port = free_port()
    sc = program_scenario(lines(f"fork_server.py {port} 1", f"input_client.py {port}"))
    runner = Runner(sc)
    runner.start()
    evs: list[Event] = []
    child = "fork_server.py/child 1"

    def seen(kind: str, op: str | None = None) -> bool:
        evs.extend(runner.drain())
        return any(e.actor == child and e.kind == kind and e.op == op for e in evs)

    try:
        assert wait_for(runner, lambda: seen("blocked", "recv"))
        start = next(e for e in evs if e.actor == child and e.kind == "start")
        os.kill(int((start.params or {})["pid"]), signal.SIGKILL)
        assert wait_for(runner, lambda: seen("end"))
    finally:
        runner.stop()
    mine = [e for e in evs if e.actor == child]
    # the socket it still held (its connection): closed by the kernel, as the trace says
    closed = [e for e in mine if e.code in ("killed_socket_closed", "program_exit_closed")]
    assert [e.fd for e in closed] == [4]
    if not _kernel_tells_a_pidfd_how_it_ended():
        return  # Linux < 6.15, and its parent collected it at once: how it died is not known
    # and how it died, though its parent (blocked in os.wait()) collected it at once
    assert [e.error for e in mine if e.kind == "error" and e.code == "killed"] == ["SIGKILL"]
    assert closed[0].code == "killed_socket_closed"
    cut = [e for e in mine if e.kind == "return" and e.code == "killed_in_call"]
    assert [(e.op, e.error) for e in cut] == [("recv", "SIGKILL")]


def _kernel_tells_a_pidfd_how_it_ended() -> bool:
    from socketscope.engine import kernel

    pid = os.fork()
    if pid == 0:
        os._exit(3)
    fd = os.pidfd_open(pid)
    try:
        os.waitpid(pid, 0)
        return kernel.pidfd_exit_status(fd) == 3 << 8
    finally:
        os.close(fd)


def test_stop_ends_a_forked_child_blocked_in_recv() -> None:
    port = free_port()
    sc = program_scenario(lines(f"fork_server.py {port} 1", f"input_client.py {port}"))
    runner = Runner(sc)
    runner.start()
    evs: list[Event] = []
    child = "fork_server.py/child 1"

    def child_blocked() -> bool:
        evs.extend(runner.drain())
        return any(e.actor == child and e.kind == "blocked" and e.op == "recv" for e in evs)

    assert wait_for(runner, child_blocked)
    pids = [p.proc.pid for p in runner._processes.values()]  # type: ignore[attr-defined]
    start = next(e for e in evs if e.actor == child and e.kind == "start")
    pids.append(int((start.params or {})["pid"]))
    t0 = time.monotonic()
    assert runner.stop(timeout=2.0)
    assert time.monotonic() - t0 < 2.0
    # the program, its forked child and the client: none left running
    assert all(wait_gone(pid, 5) for pid in pids)


def test_what_is_typed_before_a_program_starts_is_read_once_it_runs() -> None:
    port = free_port()
    runner = Runner(program_scenario(lines(f"echo_server.py {port}", f"input_client.py {port}")))
    runner.start()
    runner.write_stdin("input_client.py", b"early bird\n")  # it has not started yet
    runner.run_to_end(30)
    assert "server says: EARLY BIRD" in console(runner, "input_client.py")
    with pytest.raises(ValueError, match="not a program"):
        runner.write_stdin("nobody.py", b"x")


def test_the_terminal_types_into_a_program_with_stdin() -> None:
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "socketscope",
            "log",
            "--no-color",
            "--program",
            "echo_server.py 5050",
            "--program",
            "input_client.py 5050",
            "--stdin",
            "input_client.py",
        ],
        input="typed in the terminal\n",
        env={**os.environ, "PYTHONPATH": APP},
        capture_output=True,
        text=True,
        timeout=90,
        cwd=str(PROGRAMS),
        check=False,
    )
    assert r.returncode == 0, r.stderr
    assert "server says: TYPED IN THE TERMINAL" in r.stderr


def test_the_packets_a_forked_child_sends_are_drawn_from_its_own_lane(tmp_path: Path) -> None:
    """The child's copy of the connection is the same kernel socket as the parent's: the data
    segment its sendall() caused belongs on the child's lifeline, not the parent's (the capture
    knows the port by the id the parent's accept() gave it)."""
    from socketscope.engine import read_trace

    port = free_port()
    out = tmp_path / "fork.jsonl"
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "socketscope",
            "trace",
            "--program",
            f"python3 {PROGRAMS / 'fork_server.py'} {port} 1",
            "--program",
            f"python3 {PROGRAMS / 'line_client.py'} {port}",
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    t = read_trace(out)
    if not t.header.get("capture", {}).get("available"):
        pytest.skip(f"no capture on this system: {t.header.get('capture')}")
    child = "fork_server.py/child 1"
    data = [
        p
        for p in t.events
        if p.kind == "packet" and p.packet is not None and p.packet.len and p.dir == "s>c"
    ]
    assert data, [p.packet for p in t.events if p.kind == "packet"]
    cause = next(e for e in t.events if e.seq == data[0].cause)
    assert (cause.actor, cause.op) == (child, "sendall")
    assert data[0].actor == child


def _returns_of_calls(events: list[Event]) -> dict[int, Event]:
    """Each call's seq -> its return (an actor makes one call at a time, per thread-lane)."""
    open_call: dict[str, int] = {}
    out: dict[int, Event] = {}
    for e in events:
        if e.kind == "call":
            open_call[e.actor] = e.seq
        elif e.kind == "return" and e.actor in open_call:
            out[open_call.pop(e.actor)] = e
    return out


def test_one_clock_the_fin_of_each_forked_child_is_its_own_last_close(tmp_path: Path) -> None:
    """The programs' processes, their forked children and the capture stamp on one clock (the
    run's t0 passed down): every packet a call caused lies between that call and its return,
    and the FIN of each child's connection is caused by the last close() of that socket — the
    child's, or the parent's of its copy when the child was done first — never by the earlier
    close, which sent nothing."""
    from socketscope.engine import read_trace

    port = free_port()
    out = tmp_path / "fork2.jsonl"
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "socketscope",
            "trace",
            "--program",
            f"python3 {PROGRAMS / 'fork_server.py'} {port} 2",
            "--program",
            f"python3 {PROGRAMS / 'line_client.py'} {port}",
            "--program",
            f"python3 {PROGRAMS / 'line_client.py'} {port}",
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    t = read_trace(out)
    if not t.header.get("capture", {}).get("available"):
        pytest.skip(f"no capture on this system: {t.header.get('capture')}")
    by_seq = {e.seq: e for e in t.events}
    returns = _returns_of_calls(t.events)
    packets = [e for e in t.events if e.kind == "packet" and e.packet is not None]
    role = {p.seq: p.packet.role if p.packet is not None else None for p in packets}
    checked = 0
    for p in packets:
        call = by_seq.get(p.cause) if isinstance(p.cause, int) else None
        ret = returns.get(call.seq) if call is not None else None
        if call is None or ret is None or role[p.seq] not in ("data", "fin", "syn"):
            continue
        # the kernel sent it inside that call (a segment of sendall(), the FIN of close(), the
        # SYN of connect()), and the call was stamped just outside it, in its own process
        assert call.t - 1e-5 <= p.t <= ret.t + 1e-5, (p.packet, call, ret)
        checked += 1
    assert checked >= 8
    # The parent closes its copy of each connection right after fork(); the kernel sends the
    # FIN at the last close of the socket. That is the child's, unless the child ran first and
    # was done before the parent was scheduled (seen under load): then the parent's close is
    # the last, and the FIN is truly its. Either way the FIN is the later close's.
    parent = "fork_server.py"
    parent_closes = [e for e in calls(t.events, parent, "call") if e.op == "close"]
    fins_out = [p for p in packets if role[p.seq] == "fin" and p.dir == "s>c"]
    for n in (1, 2):
        child = f"fork_server.py/child {n}"
        mine_close = [e for e in calls(t.events, child, "call") if e.op == "close"][-1]
        theirs = parent_closes[n - 1]  # the parent's n-th close is its copy of child n's socket
        first, last = sorted((mine_close, theirs), key=lambda e: e.t)
        overlap = returns[first.seq].t > last.t  # both in close() at once: either may be last
        either = {first.seq, last.seq} if overlap else {last.seq}
        fins = [p for p in fins_out if p.cause in either]
        assert len(fins) == 1, [(p.packet, p.cause, p.actor) for p in fins_out]
        fin = fins[0]
        assert by_seq[int(fin.cause or 0)].op == "close"
        assert fin.actor == by_seq[int(fin.cause or 0)].actor
        assert not [p for p in fins_out if p.cause == first.seq and not overlap], "an earlier close"
        # what its calls caused is drawn from or to its lane (the client's ACK of its bytes
        # too), not the parent's: the socket is the child's once it has used it
        mine = [
            p
            for p in packets
            if isinstance(p.cause, int)
            and by_seq[p.cause].actor == child
            and by_seq[p.cause].op != "close"
        ]
        assert mine and all(
            child in (p.actor, p.packet.to_actor if p.packet else None) for p in mine
        ), [(p.actor, p.packet.to_actor if p.packet else None, role[p.seq]) for p in mine]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_trace_stopped_by_a_signal_writes_the_run_so_far(tmp_path: Path, sig: int) -> None:
    """`socketscope trace --program … -o run.jsonl` stopped by SIGTERM or SIGINT stops the run
    as Stop does, writes every event so far as a trace that loads, says in it which signal
    ended it, and exits with 128 + the signal (issue 14)."""
    port = free_port()
    server = tmp_path / "waits.py"
    server.write_text(
        "import socket\n"
        "s = socket.socket()\n"
        f"s.bind(('127.0.0.1', {port}))\n"
        "s.listen(1)\n"
        "print('listening', flush=True)\n"
        "conn, _ = s.accept()\n"
    )
    out = tmp_path / "run.jsonl"
    p = subprocess.Popen(
        [sys.executable, "-m", "socketscope", "trace", "--program", str(server), "-o", str(out)],
        env={**os.environ, "PYTHONPATH": APP},
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert p.stderr is not None
        for line in p.stderr:  # the program's output is relayed on stderr as it comes
            if "waits.py | listening" in line:
                break
        else:
            raise AssertionError("the program never said it was listening")
        p.send_signal(sig)
        _, err = p.communicate(timeout=10)
    finally:
        p.kill()
    name = signal.Signals(sig).name
    assert p.returncode == 128 + sig, err
    assert f"stopped by {name}" in err and "Traceback" not in err
    from socketscope.engine import read_trace

    trace = read_trace(out)  # the whole run so far, checked against the trace format
    assert trace.header["ended"] == {
        "how": "signal",
        "signal": name,
        "message": f"the run was stopped by {name}",
    }
    evs = trace.events
    assert [e.op for e in evs if e.kind == "return" and e.ok] == ["socket", "bind", "listen"]
    # the accept() it was in when the signal came; Stop ended the program's process there, so
    # that call never returned
    assert next(e.kind for e in evs if e.op == "accept") == "call"
    assert not [e for e in evs if e.op == "accept" and e.kind == "return"]
    assert evs[-1].kind == "end" and evs[-1].actor == "waits.py"
