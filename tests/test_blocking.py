"""Blocking as the kernel reports it: the trace says where the kernel holds each thread."""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import Collector, load_test_scenario
from socketscope.engine import Runner, Trace, read_trace
from socketscope.engine.blocking import BlockWatcher, kernel_reports_blocking
from socketscope.engine.gate import Mode
from socketscope.engine.runner import RunOptions
from socketscope.engine.scenario import get
from socketscope.model.diagram import DiagramLayout

linux_only = pytest.mark.skipif(
    not kernel_reports_blocking(), reason="the kernel reports blocking through /proc on Linux"
)


def run(sid: str, runner: Runner | None = None) -> Trace:
    runner = runner or Runner(get(sid))
    return Trace(runner.scenario.header(), runner.run_to_end(timeout=20))


@linux_only
def test_tcp_echo_blocking_is_the_kernels_word() -> None:
    t = run("tcp-echo")
    accept = t.first("blocked", "accept")
    assert (accept.kernel_wait, accept.syscall, accept.evidence) == (
        "inet_csk_accept",
        "accept4",
        "kernel",
    )
    assert t.first("return", "accept").blocked
    connect = t.first("return", "connect")
    assert connect.ok and connect.blocked is False, "a loopback connect() never sleeps"
    assert not [e for e in t.of("blocked", "connect")]
    recv = next(e for e in t.of("blocked", "recv") if e.actor == "Server")
    assert (recv.kernel_wait, recv.syscall) == ("wait_woken", "recvfrom")


@linux_only
def test_a_call_that_never_slept_is_never_drawn_blocked() -> None:
    t = run("tcp-echo")
    blocked_calls = {(e.actor, e.op) for e in t.of("blocked")}
    for ret in t.of("return"):
        assert ret.blocked == ((ret.actor, ret.op) in blocked_calls), ret


@linux_only
def test_backlog_client_3_is_seen_in_syn_sent_while_it_waits() -> None:
    t = run("tcp-backlog")
    call = next(e for e in t.of("call", "connect") if e.actor == "Client 3")
    ret = next(e for e in t.of("return", "connect") if e.actor == "Client 3")
    blocked = next(e for e in t.of("blocked", "connect") if e.actor == "Client 3")
    assert blocked.syscall == "connect" and blocked.kernel_wait
    during = [
        e
        for e in t.events
        if e.kind == "kernel" and e.sock == call.sock and call.seq < e.seq < ret.seq
    ]
    assert any(e.kernel and e.kernel.state == "SYN_SENT" for e in during), during
    # the ephemeral port the kernel chose at connect(), before connect() returned
    syn_sent = next(e for e in during if e.kernel and e.kernel.state == "SYN_SENT")
    assert syn_sent.local and syn_sent.local[0] == "127.0.0.1" and syn_sent.local[1] > 0


def test_udp_sender_bound_implicitly_and_receive_queue_in_bytes() -> None:
    t = run("udp-datagram-boundaries")
    first_send = t.first("return", "sendto")
    assert first_send.local and first_send.local[1] > 0, "sendto() bound the socket"
    # three datagrams queued before the first recvfrom(): the queue is counted in bytes
    server_sock = t.first("return", "bind").sock
    before = [
        e
        for e in t.events
        if e.kind == "kernel" and e.op == "recvfrom" and e.sock == server_sock and e.kernel
    ]
    assert before and before[0].kernel is not None
    if kernel_reports_blocking():
        assert (before[0].kernel.recv_q or 0) > 0
        assert before[0].kernel.next_dgram == 3  # FIONREAD on UDP: the next datagram only


def test_notes_tcp_read_and_write_pair_like_send_and_recv() -> None:
    t = run("notes-tcp")
    assert not t.of("error")
    write = t.first("return", "write")
    read = t.first("return", "read")
    data = b"hello from the notes"
    assert write.ok and write.nbytes == len(data) and write.dir == "c>s"
    assert read.ok and bytes.fromhex(read.data or "") == data
    assert write.conn == read.conn and write.range == read.range == (0, len(data))
    layout = DiagramLayout(list(t.header["actors"]))
    layout.extend(t.events)
    assert any(a.kind == "data" for a in layout.arrows)


def test_without_kernel_evidence_blocking_is_measured_by_time_only() -> None:
    runner = Runner(get("tcp-echo"))
    runner.watcher = BlockWatcher(kernel=False)
    t = run("tcp-echo", runner)
    accept = t.first("blocked", "accept")
    assert accept.evidence == "time" and accept.kernel_wait is None and accept.syscall is None


def test_calls_cut_short_by_stop_are_marked_stopped_not_failed() -> None:
    """Every kind of blocking call, really asleep in the kernel, woken by Stop's shutdown():
    recorded as stopped, not as the program's own errors (EINVAL, EPIPE, ECONNRESET...)."""
    runner = Runner(load_test_scenario("blocked_everywhere"), RunOptions(mode=Mode.RUN))
    c = Collector(runner)
    runner.start()
    wanted = {"accept", "recv", "send", "recvfrom", "connect"}
    c.until(lambda c: wanted <= {e.op for e in c.events if e.kind == "blocked"}, what="blocked")
    assert runner.stop(timeout=1.0)
    c.trace.extend(runner.drain())
    stopped = {e.op for e in c.events if e.kind == "return" and e.error == "STOPPED"}
    assert wanted <= stopped
    assert all(
        e.code == "call.stopped" for e in c.events if e.kind == "return" and e.error == "STOPPED"
    )
    assert not [e for e in c.events if e.kind == "error"]
    assert not [
        e for e in c.events if e.kind == "return" and e.ok is False and e.error != "STOPPED"
    ]


@linux_only
@pytest.mark.skipif(shutil.which("strace") is None, reason="strace is installed by make test")
def test_strace_shows_accept4_asleep_not_poll(tmp_path: Path) -> None:
    log = tmp_path / "strace.txt"
    subprocess.run(
        [
            "strace",
            "-f",
            "-T",
            "-e",
            "trace=accept4,accept,poll,ppoll,select,pselect6",
            "-o",
            str(log),
            sys.executable,
            "-m",
            "socketscope",
            "trace",
            "tcp-echo",
            "-o",
            str(tmp_path / "echo.jsonl"),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    text = log.read_text()
    trace = read_trace(tmp_path / "echo.jsonl")
    fd = trace.first("call", "accept").fd
    accepts = re.findall(rf"accept4\({fd},.*?<(\d+\.\d+)>", text)
    resumed = re.findall(r"<\.\.\. accept4 resumed>.*?<(\d+\.\d+)>", text)
    assert accepts or resumed, text[-2000:]
    slept = max(float(x) for x in accepts + resumed)
    assert slept > 0.0005, "accept4() returned at once: it did not wait in the kernel"
    assert not re.search(rf"poll\(\[\{{fd={fd},", text), "the engine waited in poll()"


@linux_only
def test_the_socket_table_shows_syn_sent_with_its_port_during_the_blocked_connect() -> None:
    from socketscope.model.state import RunState

    t = run("tcp-backlog")
    ret = next(e for e in t.of("return", "connect") if e.actor == "Client 3")
    syn = next(
        e
        for e in t.events
        if e.kind == "kernel" and e.sock == ret.sock and e.kernel and e.kernel.state == "SYN_SENT"
    )
    cursor = t.events.index(syn) + 1
    info = RunState.at(t.events, cursor, list(t.header["actors"])).sockets[syn.sock or 0]
    assert info.state == "SYN_SENT" and info.local == tuple(syn.local or ())


def test_a_streak_call_that_sleeps_long_is_shown_blocked_and_no_byte_is_lost() -> None:
    """A bulk transfer is summarised in bursts, but a send that sleeps past the burst window
    (the reader is away) is shown as the blocked call it is; bursts and full calls together
    account for every byte, in order."""
    from socketscope.api import (
        AF_INET,
        SO_RCVBUF,
        SO_SNDBUF,
        SOCK_STREAM,
        SOL_SOCKET,
        sleep,
        socket,
    )
    from socketscope.engine.scenario import ActorSpec, Scenario

    chunk, count = 65536, 64

    def reader(port: int) -> None:
        lst = socket(AF_INET, SOCK_STREAM)
        lst.setsockopt(SOL_SOCKET, SO_RCVBUF, 4096)  # small buffers: the writer waits for it
        lst.bind(("127.0.0.1", port))
        lst.listen(1)
        conn, _ = lst.accept()
        got = 0
        while got < chunk * count // 2:  # keep up at first: the writer's streak gets going
            got += len(conn.recv(chunk))
        sleep(0.4)  # then away: the writer fills every buffer and sleeps in send()
        while conn.recv(chunk):
            pass
        conn.close()
        lst.close()

    def writer(port: int) -> None:
        s = socket(AF_INET, SOCK_STREAM)
        s.setsockopt(SOL_SOCKET, SO_SNDBUF, 4096)
        s.connect(("127.0.0.1", port))
        for _ in range(count):
            s.send(b"x" * chunk)
        s.close()

    sc = Scenario(
        "streak",
        {"en": "", "ko": ""},
        {"en": "", "ko": ""},
        (ActorSpec("Reader", reader), ActorSpec("Writer", writer, ("Reader", "accept"))),
        __file__,
        "",
    )
    t = Trace({}, Runner(sc).run_to_end(timeout=30))
    assert not t.of("error")
    sends = [e for e in t.events if e.actor == "Writer" and e.op == "send"]
    assert any(e.kind == "burst" for e in sends), "the streak was summarised"
    first_burst = next(e.seq for e in sends if e.kind == "burst")
    blocked = [e for e in sends if e.kind == "blocked" and e.seq > first_burst]
    assert blocked, "a call inside the streak slept 0.4 s and was not shown"
    assert blocked[0].evidence in ("kernel", "time")
    if kernel_reports_blocking():
        assert blocked[0].syscall == "sendto" and blocked[0].kernel_wait
    ranges = sorted(e.range for e in sends if e.kind in ("return", "burst") and e.range)
    assert ranges[0][0] == 0 and ranges[-1][1] == chunk * count
    assert all(a[1] == b[0] for a, b in itertools.pairwise(ranges))
