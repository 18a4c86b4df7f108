"""Every lesson of the scenario library, asserted from the trace of a real run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import lesson_trace
from socketscope.engine import Runner, Trace
from socketscope.engine.events import Event
from socketscope.engine.scenario import builtin_scenarios, get


def run(sid: str, timeout: float = 20) -> Trace:
    return lesson_trace(get(sid), timeout)


def rets(t: Trace, op: str, actor: str | None = None) -> list[Event]:
    return t.of("return", op, actor)


def no_errors(t: Trace) -> None:
    assert not t.of("error"), [e.message for e in t.of("error")]


def test_every_scenario_has_both_languages_and_notes() -> None:
    hangul = re.compile("[\uac00-\ud7a3]")
    ids = [s.id for s in builtin_scenarios()]
    assert len(ids) == len(set(ids))
    for s in builtin_scenarios():
        for field in (s.title, s.summary):
            assert field["en"].strip() and hangul.search(field["ko"]), s.id
        assert 2 <= len(s.notice["en"]) <= 4 and len(s.notice["ko"]) == len(s.notice["en"]), s.id
        assert all(hangul.search(n) for n in s.notice["ko"]), s.id
        assert s.group in ("tcp-basics", "udp", "failures", "advanced"), s.id


def test_tcp_stream_boundaries_one_recv_covers_two_sends() -> None:
    t = run("tcp-stream-boundaries")
    no_errors(t)
    sends = [e.range for e in rets(t, "send", "Client")]
    first_recv = rets(t, "recv", "Server")[0]
    assert sends == [(0, 5), (5, 10)]
    assert first_recv.range == (0, 10) and bytes.fromhex(first_recv.data or "") == b"helloworld"


def test_udp_datagram_boundaries_one_each_and_truncation() -> None:
    t = run("udp-datagram-boundaries")
    no_errors(t)
    got = [bytes.fromhex(e.data or "") for e in rets(t, "recvfrom", "Server")]
    assert got == [b"one", b"two", b"a lo"]
    cut = rets(t, "recvfrom", "Server")[2]
    assert cut.nbytes == 4 and cut.dgram_size == 17


def test_udp_loss_drops_silently_and_keeps_order() -> None:
    t = run("udp-loss")
    no_errors(t)
    sent = rets(t, "sendto") + [e for e in t.of("burst") if e.op == "sendto"]
    n_sent = sum(e.count or 1 for e in sent)
    assert n_sent == 50
    assert all(e.ok for e in rets(t, "sendto"))
    received = [e for e in rets(t, "recvfrom") if e.ok]
    assert 0 < len(received) < 50, "a 4 KB buffer cannot hold 50 KB"
    assert rets(t, "recvfrom")[-1].error == "EAGAIN"
    order = [int(bytes.fromhex(e.data or "")[:4]) for e in received]
    assert order == sorted(order), "loopback does not reorder"
    lost = t.of("dgram_lost")
    assert len(lost) == 50 - len(received), "every datagram that did not arrive is marked lost"


def test_tcp_backlog_queue_fills_and_the_third_connect_waits() -> None:
    t = run("tcp-backlog")
    no_errors(t)
    listen = rets(t, "listen", "Server")[0]
    snaps = [e.kernel for e in t.of("kernel") if e.sock == listen.sock and e.kernel]
    listening = [k for k in snaps if k.state == "LISTEN"]
    assert max(k.accept_q or 0 for k in listening) == 2 and listening[0].backlog == 1
    first_accept = t.first("call", "accept", "Server")
    for name in ("Client 1", "Client 2"):
        assert rets(t, "connect", name)[0].seq < first_accept.seq, (
            "connect() returned before accept()"
        )
    c3 = rets(t, "connect", "Client 3")[0]
    assert c3.blocked and c3.ok and (c3.duration or 0) > 0.5, "client 3 waited for a SYN retry"
    c3_sock = t.first("return", "socket", "Client 3").sock
    states = [e.kernel.state for e in t.of("kernel") if e.sock == c3_sock and e.kernel]
    assert "SYN_SENT" in states or (c3.duration or 0) > 0.5


def test_tcp_refused() -> None:
    t = run("tcp-refused")
    assert rets(t, "connect")[0].error == "ECONNREFUSED"


def test_tcp_half_close_eof_then_reply() -> None:
    t = run("tcp-half-close")
    no_errors(t)
    server_recvs = rets(t, "recv", "Server")
    assert server_recvs[-1].nbytes == 0, "recv() returned b'' after the client's FIN"
    reply = rets(t, "recv", "Client")[0]
    assert bytes.fromhex(reply.data or "") == b"got question"
    assert reply.seq > rets(t, "shutdown", "Client")[0].seq
    client_sock = t.first("return", "socket", "Client").sock
    states = {e.kernel.state for e in t.of("kernel") if e.sock == client_sock and e.kernel}
    assert "FIN_WAIT2" in states or "FIN_WAIT1" in states


def test_tcp_reset_peer_gets_econnreset() -> None:
    t = run("tcp-reset")
    assert rets(t, "recv", "Server")[0].error == "ECONNRESET"


def test_tcp_broken_pipe_first_send_ok_then_epipe() -> None:
    t = run("tcp-broken-pipe")
    sends = rets(t, "send", "Client")
    assert sends[0].ok and sends[1].error == "EPIPE"


def test_tcp_flow_control_send_blocks_while_queues_fill() -> None:
    t = run("tcp-flow-control")
    no_errors(t)
    blocked_sends = [e for e in rets(t, "send", "Writer") if e.blocked]
    assert blocked_sends
    writer_sock = t.first("return", "socket", "Writer").sock
    reader_sock = t.first("return", "accept", "Reader").new_sock
    blocked = t.first("blocked", "send", "Writer")
    woke = next(e for e in rets(t, "send", "Writer") if e.blocked)
    during = [e for e in t.of("kernel") if blocked.seq < e.seq < woke.seq and e.kernel]
    writer_q = [e.kernel.send_q or 0 for e in during if e.sock == writer_sock]
    reader_q = [e.kernel.recv_q or 0 for e in during if e.sock == reader_sock]
    assert writer_q and max(writer_q) > 0, (
        "while send() is blocked, the writer's send queue is full"
    )
    assert reader_q and max(reader_q) > 0, "and the reader's receive queue holds unread bytes"
    total = sum(
        e.nbytes or 0
        for e in t
        if e.actor == "Reader" and e.op == "recv" and e.kind in ("return", "burst")
    )
    assert total == 4 * 16384


def test_tcp_timeout_gives_up_after_the_timeout() -> None:
    t = run("tcp-timeout")
    r = rets(t, "recv", "Client")[0]
    assert r.error == "timeout" and r.blocked and 0.95 <= (r.duration or 0) < 2.0


def test_tcp_nonblocking_select() -> None:
    t = run("tcp-nonblocking-select")
    no_errors(t)
    assert rets(t, "accept", "Server")[0].error == "EAGAIN"
    assert rets(t, "recv", "Server")[0].error == "EAGAIN"
    assert rets(t, "connect_ex", "Client")[0].error == "EINPROGRESS"
    selects = rets(t, "select", "Server")
    assert all(s.blocked for s in selects) and len(selects) == 2
    assert rets(t, "getsockopt", "Client")[0].result == 0
    assert bytes.fromhex(rets(t, "recv", "Server")[1].data or "") == b"ready when you are"


def test_tcp_port_reuse_time_wait_and_reuseaddr() -> None:
    t = run("tcp-port-reuse")
    no_errors(t)
    binds = rets(t, "bind", "New server")
    assert [b.error for b in binds] == ["EADDRINUSE", "EADDRINUSE", None]
    assert binds[2].ok
    assert any(e.kernel and e.kernel.state == "TIME_WAIT" for e in t.of("kernel")), "TIME_WAIT seen"


@pytest.mark.parametrize("sid", [s.id for s in builtin_scenarios()])
def test_every_scenario_runs_headless_to_the_end(sid: str) -> None:
    t = run(sid)
    assert t.of("end"), sid
    assert len(t.of("call")) == len(t.of("return")), "every call returned"


def test_tcp_multi_client_one_handler_thread_per_connection() -> None:
    t = run("tcp-multi-client")
    no_errors(t)
    handlers = sorted({e.actor for e in t if e.actor.startswith("Handler")})
    assert handlers == ["Handler 1", "Handler 2", "Handler 3"]
    accepted = {e.new_sock for e in rets(t, "accept", "Server")}
    for h in handlers:
        used = {e.sock for e in t.of("return", actor=h)}
        assert len(used) == 1 and used <= accepted, "each handler uses one accepted socket"
        reply = rets(t, "send", h)[0]
        assert bytes.fromhex(reply.data or "").startswith(b"HELLO FROM")
    # the server was back in accept() before the first handler finished
    second_accept = t.of("call", "accept", "Server")[1]
    first_handler_end = t.first("end", actor="Handler 1")
    assert second_accept.seq < first_handler_end.seq


def test_the_example_in_the_writing_guide_runs(tmp_path: Path) -> None:
    from socketscope.engine.scenario import load_file

    doc = (Path(__file__).parent.parent / "docs" / "writing-scenarios.md").read_text(
        encoding="utf-8"
    )
    code = doc.split("```python\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "my_echo.py"
    path.write_text(code, encoding="utf-8")
    scenario = load_file(path)
    assert scenario.id == "my-echo" and scenario.title["ko"]
    t = Trace(scenario.header(), Runner(scenario).run_to_end(timeout=10))
    no_errors(t)
    assert rets(t, "accept", "Server")[0].blocked


def test_signal_cleanup_handler_runs_in_the_blocked_process_and_the_kernel_frees_ports() -> None:
    import os

    t = run("signal-cleanup")
    kill1, kill2 = rets(t, "kill", "Operator")
    assert kill1.ok and kill2.ok
    sig = t.first("signal", actor="Server 1")
    # in order of time: the handler may start before kill() has returned in the Operator
    kill1_call = t.of("call", "kill", "Operator")[0]
    assert "SIGTERM" in (sig.message or "") and sig.seq > kill1_call.seq
    accept1 = rets(t, "accept", "Server 1")[0]
    assert accept1.error == "EXITED" and accept1.blocked, "SIGTERM came while accept() waited"
    close1 = rets(t, "close", "Server 1")[0]
    assert sig.seq < close1.seq < accept1.seq, "the handler closed the socket"
    assert rets(t, "accept", "Server 2")[0].error == "SIGKILL"
    assert t.first("error", actor="Server 2").error == "SIGKILL"
    binds = rets(t, "bind", "Operator")
    assert len(binds) == 2 and all(b.ok for b in binds), "both ports are free again"
    starts = [e.message or "" for e in t.of("start") if e.actor.startswith("Server")]
    pids = {int(m.rsplit("process ", 1)[1].rstrip(")")) for m in starts}
    assert len(pids) == 2 and os.getpid() not in pids, "each server is a process of its own"


def test_stop_ends_a_blocked_process_actor_within_a_second() -> None:
    import time as _time

    from socketscope.engine.gate import Status

    runner = Runner(get("signal-cleanup"))
    runner.start()
    deadline = _time.monotonic() + 10
    while runner.gate.status("Server 1")[0] is not Status.BLOCKED and _time.monotonic() < deadline:
        runner.done.wait(0.01)
    # hold the operator back so that Server 1 stays blocked: stop now
    t0 = _time.monotonic()
    assert runner.stop(timeout=1.0)
    assert _time.monotonic() - t0 < 1.0
    proc = runner._processes["Server 1"].proc
    assert proc is not None and proc.poll() is not None, "the child process has ended"


def test_signals_during_a_busy_process_actor_do_not_hang_it() -> None:
    """Regression: a handler's event was written from inside the write it interrupted and
    waited forever on the channel's lock."""
    from conftest import load_test_scenario

    runner = Runner(load_test_scenario("busy_signal"))
    t = Trace(runner.scenario.header(), runner.run_to_end(timeout=20))
    # standard signals do not queue: SIGUSR1s sent before the handler ran are delivered once
    handled = [e.message or "" for e in t.of("signal", actor="Busy")]
    assert 1 <= sum("SIGUSR1" in m for m in handled) <= 20
    assert sum("SIGTERM" in m for m in handled) == 1
    assert t.of("end", actor="Busy") and not t.of("error", actor="Busy")


def test_a_socket_py_in_the_current_folder_does_not_break_process_actors(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    (tmp_path / "socket.py").write_text("raise SystemExit('a student file shadowed the stdlib')\n")
    env = {**os.environ, "NO_COLOR": "1"}
    # the installed command, as a student runs it (`python -m` would itself import ./socket.py)
    command = Path(sys.executable).parent / "socketscope"
    r = subprocess.run(
        [str(command), "log", "signal-cleanup"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert "shadowed" not in r.stderr + r.stdout
    assert ">> SIGTERM received" in r.stdout
