"""Engine behaviour from traces: loopback only, failures, pairing, bursts."""

from __future__ import annotations

import itertools

from conftest import load_test_scenario
from socketscope.engine import Mode, Runner, RunOptions, Trace
from socketscope.engine.scenario import Scenario, actor


def run(scenario: Scenario, **opts: object) -> Trace:
    runner = Runner(scenario, RunOptions(**opts))  # type: ignore[arg-type]
    t = Trace(scenario.header())
    t.extend(runner.run_to_end(timeout=10))
    return t


def test_non_loopback_addresses_are_refused_and_recorded() -> None:
    t = run(load_test_scenario("misbehaving"))
    refused = [e for e in t.of("return") if e.error == "NOT_LOOPBACK"]
    assert {(e.actor, e.op) for e in refused} == {
        ("Wildcard", "bind"),
        ("Outsider", "connect"),
        ("Outsider", "sendto"),
    }
    for e in refused:
        assert e.ok is False and "loopback" in (e.message or "")
    # refused before the real call: the socket never left the CLOSED state and sent nothing
    sendto = next(e for e in refused if e.op == "sendto")
    assert sendto.nbytes is None


def test_an_exception_in_an_actor_is_an_event_and_the_others_go_on() -> None:
    t = run(load_test_scenario("misbehaving"))
    err = t.first("error", actor="Crasher")
    assert err.message == "ValueError: a bug in the scenario"
    assert err.traceback and "a bug in the scenario" in err.traceback
    assert err.line is not None
    assert [e.op for e in t.of("return", actor="Survivor")] == ["socket", "bind", "listen", "close"]
    ends = {e.actor for e in t.of("end")}
    assert ends == {"Wildcard", "Outsider", "Crasher", "Survivor"}
    # the crasher's socket was closed by the runner, as the kernel would at process exit
    exits = [e for e in t.of("kernel") if e.op == "exit"]
    assert [e.actor for e in exits] == ["Crasher"]


def test_two_sends_arrive_in_one_recv_or_more_and_ranges_cover_them() -> None:
    t = run(load_test_scenario("stream_and_datagrams"))
    sends = t.of("return", "send", "Client")
    assert [s.range for s in sends] == [(0, 5), (5, 10)]
    recvs = [r for r in t.of("return", "recv", "Server") if r.nbytes]
    got = b"".join(bytes.fromhex(r.data or "") for r in recvs)
    assert got == b"helloworld"
    assert recvs[0].range is not None and recvs[-1].range is not None
    assert recvs[0].range[0] == 0 and recvs[-1].range[1] == 10
    # EOF after shutdown(SHUT_WR): a recv that returned 0 bytes
    eof = t.of("return", "recv", "Server")[-1]
    assert eof.nbytes == 0 and eof.ok


def test_datagram_ids_pair_sendto_with_recvfrom() -> None:
    t = run(load_test_scenario("stream_and_datagrams"))
    sent = {e.dgram: bytes.fromhex(e.data or "") for e in t.of("return", "sendto")}
    got = {e.dgram: bytes.fromhex(e.data or "") for e in t.of("return", "recvfrom")}
    assert len(sent) == 3 and None not in sent
    assert got == sent


def test_large_transfer_free_running_is_summarised_in_bursts() -> None:
    total = 8 * 1024 * 1024

    @actor("Receiver")
    def receiver(port: int) -> None:
        from socketscope.api import AF_INET, SOCK_STREAM, socket

        lst = socket(AF_INET, SOCK_STREAM)
        lst.bind(("127.0.0.1", port))
        lst.listen(1)
        conn, _ = lst.accept()
        while conn.recv(65536):
            pass
        conn.close()
        lst.close()

    @actor("Sender", starts_when=("Receiver", "accept"))
    def sender(port: int) -> None:
        from socketscope.api import AF_INET, SOCK_STREAM, socket

        s = socket(AF_INET, SOCK_STREAM)
        s.connect(("127.0.0.1", port))
        chunk = b"z" * 65536
        for _ in range(total // len(chunk)):
            s.send(chunk)
        s.close()

    scenario = Scenario(
        "test-bulk",
        {"en": "", "ko": ""},
        {"en": "", "ko": ""},
        (receiver.__socketscope_actor__, sender.__socketscope_actor__),
        __file__,
        "",  # type: ignore[attr-defined]
    )
    t = run(scenario, data_cap=64)
    sent = sum(
        e.nbytes or 0
        for e in t
        if e.actor == "Sender" and e.kind in ("return", "burst") and e.op == "send"
    )
    got = sum(
        e.nbytes or 0
        for e in t
        if e.actor == "Receiver" and e.kind in ("return", "burst") and e.op == "recv"
    )
    assert sent == got == total
    bursts = t.of("burst")
    assert bursts, "a long free-running transfer is summarised"
    assert len(t) < 2000, f"{len(t)} events for 128 sends: the consumer would drown"
    # the ranges still tile the stream with no gap or overlap
    sender_ranges = sorted(e.range for e in t if e.actor == "Sender" and e.range)
    assert sender_ranges[0][0] == 0 and sender_ranges[-1][1] == total
    for (_, a1), (b0, _) in itertools.pairwise(sender_ranges):
        assert a1 == b0
    assert all(len(e.data or "") <= 128 for e in t)  # data_cap=64 bytes -> 128 hex digits


def test_paced_runs_trace_every_call() -> None:
    t = run(load_test_scenario("stream_and_datagrams"), mode=Mode.RUN, delay=0.001)
    assert not t.of("burst")
    assert len(t.of("call")) == len(t.of("return"))
    waiting = t.of("waiting")
    assert len(waiting) == len(t.of("call")), "each call is announced at the gate first"


def test_timeouts_nonblocking_calls_and_select() -> None:
    t = run(load_test_scenario("nonblocking_and_timeouts"))
    rets = {(e.actor, e.op, i): e for i, e in enumerate(t.of("return"))}
    by = lambda actor, op: [e for (a, o, _), e in rets.items() if a == actor and o == op]  # noqa: E731

    eagain = by("Server", "accept")[0]
    assert (eagain.ok, eagain.error, eagain.blocked) == (False, "EAGAIN", False)
    sel = by("Server", "select")[0]
    assert sel.blocked and sel.ok and sel.result == {"r": [eagain.sock], "w": [], "x": []}
    timeout = by("Server", "recv")[0]
    assert timeout.error == "timeout" and timeout.blocked
    assert timeout.duration is not None and 0.19 <= timeout.duration < 1.0
    into = by("Server", "recv_into")[0]
    assert into.ok and bytes.fromhex(into.data or "") == b"fine, thanks" and into.range == (0, 12)
    assert by("Server", "getsockopt")[0].result > 0

    refused = by("Client", "connect_ex")[0]
    assert refused.result["name"] == "ECONNREFUSED" and refused.error == "ECONNREFUSED"
    inprogress = by("Client", "connect_ex")[1]
    assert inprogress.result["name"] == "EINPROGRESS" and inprogress.blocked is False
    assert by("Client", "select")[0].result["w"] == [inprogress.sock]
    assert by("Client", "getsockopt")[0].result == 0
    eof = by("Client", "recv")[-1]
    assert eof.ok and eof.nbytes == 0
    sends = by("Client", "send")
    assert sends[1].ok, "the first send after the peer closed succeeds"
    assert sends[2].error in ("EPIPE", "ECONNRESET")
    assert not t.of("error"), [e.message for e in t.of("error")]


def test_udp_reply_to_an_auto_bound_socket_is_paired() -> None:
    # The client never binds: its first sendto() binds it to 0.0.0.0:port, and the server's
    # reply to 127.0.0.1:port must still be paired with the client's recvfrom().
    from socketscope.engine.scenario import get

    t = run(get("udp-echo"))
    sends = {e.actor: e.dgram for e in t.of("return", "sendto")}
    recvs = {e.actor: e.dgram for e in t.of("return", "recvfrom")}
    assert sends["Client"] == recvs["Server"] is not None
    assert sends["Server"] == recvs["Client"] is not None


def test_a_streak_call_that_blocks_is_shown_blocked() -> None:
    """Regression: a summarised (burst) call that had to wait showed no blocked event. A streak
    call that waits longer than the burst window is recorded in full, blocked; brief waits are
    counted in the burst, so that a bulk transfer stays cheap to trace."""
    from socketscope.api import AF_INET, SO_RCVBUF, SO_SNDBUF, SOCK_STREAM, SOL_SOCKET
    from socketscope.api import sleep as actor_sleep
    from socketscope.api import socket as tsocket

    @actor("Reader")
    def reader(port: int) -> None:
        lst = tsocket(AF_INET, SOCK_STREAM)
        lst.setsockopt(SOL_SOCKET, SO_RCVBUF, 4096)
        lst.bind(("127.0.0.1", port))
        lst.listen(1)
        conn, _ = lst.accept()
        actor_sleep(0.3)  # busy: the writer's streak has to wait
        while conn.recv(65536):
            pass
        conn.close()
        lst.close()

    @actor("Writer", starts_when=("Reader", "accept"))
    def writer(port: int) -> None:
        s = tsocket(AF_INET, SOCK_STREAM)
        s.setsockopt(SOL_SOCKET, SO_SNDBUF, 4096)
        s.connect(("127.0.0.1", port))
        for _ in range(40):
            s.send(b"q" * 1024)
        s.close()

    sc = Scenario(
        "t",
        {"en": "", "ko": ""},
        {"en": "", "ko": ""},
        (reader.__socketscope_actor__, writer.__socketscope_actor__),
        __file__,
        "",  # type: ignore[attr-defined]
    )
    t = run(sc)
    long_waits = [
        e for e in t.of("return", "send", "Writer") if e.blocked and (e.duration or 0) > 0.1
    ]
    assert long_waits, "a send that waited for the busy reader is recorded in full, blocked"
    assert all(any(b.seq < r.seq for b in t.of("blocked", "send", "Writer")) for r in long_waits)
    sent = sum(
        e.nbytes or 0
        for e in t
        if e.actor == "Writer" and e.op == "send" and e.kind in ("return", "burst")
    )
    assert sent == 40 * 1024
