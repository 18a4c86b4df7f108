"""The default scenario, asserted from its trace: order, blocking, bytes, pairing, kernel state."""

from __future__ import annotations

import pytest

from socketscope.engine import Runner, Trace
from socketscope.engine.scenario import get


@pytest.fixture(scope="module")
def trace() -> Trace:
    runner = Runner(get("tcp-echo"))
    t = Trace(runner.scenario.header())
    t.extend(runner.run_to_end(timeout=10))
    return t


def test_lifecycle_order_accept_blocks_until_connect(trace: Trace) -> None:
    accept_call = trace.first("call", "accept", "Server")
    accept_ret = trace.first("return", "accept", "Server")
    connect_call = trace.first("call", "connect", "Client")
    assert accept_call.seq < connect_call.seq, "the server must be in accept() before connect()"
    assert connect_call.seq < accept_ret.seq, "accept() returns only after connect() was called"
    assert accept_ret.blocked is True
    assert trace.first("blocked", "accept", "Server").seq < connect_call.seq


def test_server_calls_in_textbook_order(trace: Trace) -> None:
    server_ops = [e.op for e in trace.of("return", actor="Server")]
    assert server_ops == ["socket", "bind", "listen", "accept", "recv", "send", "close", "close"]
    client_ops = [e.op for e in trace.of("return", actor="Client")]
    assert client_ops == ["socket", "connect", "wait_until", "send", "recv", "close"]
    assert all(e.ok for e in trace.returns())


def test_every_call_has_a_return_with_source_line(trace: Trace) -> None:
    calls, rets = trace.of("call"), trace.of("return")
    assert len(calls) == len(rets)
    source = trace.header["source"].splitlines()
    for c in calls:
        assert c.line is not None
        assert f".{c.op}(" in source[c.line - 1] or f"{c.op}(" in source[c.line - 1]


def test_bytes_and_ranges_line_up(trace: Trace) -> None:
    sends = [e for e in trace.of("return", "send")]
    recvs = [e for e in trace.of("return", "recv")]
    client_send = next(e for e in sends if e.actor == "Client")
    server_recv = next(e for e in recvs if e.actor == "Server")
    assert (
        bytes.fromhex(server_recv.data or "")
        == bytes.fromhex(client_send.data or "")
        == b"hello, server"
    )
    assert client_send.conn == server_recv.conn is not None
    assert client_send.dir == server_recv.dir == "c>s"
    assert client_send.range == server_recv.range == (0, 13)
    server_send = next(e for e in sends if e.actor == "Server")
    client_recv = next(e for e in recvs if e.actor == "Client")
    assert server_send.dir == client_recv.dir == "s>c"
    assert server_send.range == client_recv.range == (0, 13)


def test_connect_and_accept_share_a_connection_id(trace: Trace) -> None:
    connect = trace.first("return", "connect", "Client")
    accept = trace.first("return", "accept", "Server")
    assert connect.conn == accept.conn is not None
    assert tuple(accept.peer or ()) == tuple(connect.local or ())
    assert accept.new_sock is not None and accept.new_sock != accept.sock


def test_socket_ids_are_unique_and_returns_carry_them(trace: Trace) -> None:
    created = [e.sock for e in trace.of("return", "socket")]
    accepted = [e.new_sock for e in trace.of("return", "accept")]
    ids = created + accepted
    assert len(set(ids)) == len(ids) == 3


def test_kernel_snapshots(trace: Trace) -> None:
    listen = trace.first("return", "listen")
    snaps = [e for e in trace.of("kernel") if e.sock == listen.sock]
    listening = [e.kernel for e in snaps if e.kernel and e.kernel.state == "LISTEN"]
    assert listening and listening[0].backlog == 5 and listening[0].accept_q == 0
    states = {e.kernel.state for e in trace.of("kernel") if e.kernel}
    assert "ESTABLISHED" in states


def test_events_are_ordered_and_timed(trace: Trace) -> None:
    seqs = [e.seq for e in trace]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    ts = [e.t for e in trace]
    assert ts == sorted(ts)
