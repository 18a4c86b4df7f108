"""Stop ends every actor within 1 s wherever it is blocked, and leaves no thread or fd behind."""

from __future__ import annotations

import threading
import time

import pytest

from conftest import Collector, engine_threads, fd_targets, load_test_scenario, open_fds
from socketscope.engine import Mode, Runner, RunOptions
from socketscope.engine.scenario import get

BLOCKING = {
    "Acceptor": "accept",
    "Reader": "recv",
    "Writer": "send",
    "UdpReader": "recvfrom",
    "Connector": "connect",
}


def test_stop_while_blocked_in_every_blocking_call() -> None:
    fds_before = open_fds()
    runner = Runner(load_test_scenario("blocked_everywhere"))
    col = Collector(runner)
    runner.start()
    for actor, op in BLOCKING.items():
        col.until_event(kind="blocked", actor=actor, op=op, timeout=10)
    # the connector's second connect is really stuck behind the full backlog
    col.until(lambda c: len(c.trace.of("return", "connect", "Connector")) == 1)
    col.until(lambda c: runner.gate.status("Connector")[0].value == "blocked")
    blocked_connect = col.trace.of("blocked", "connect", "Connector")[-1]
    col.until(lambda c: runner.gate.status("Writer")[0].value == "blocked")

    t0 = time.monotonic()
    joined = runner.stop(timeout=1.0)
    took = time.monotonic() - t0

    assert joined, f"threads still alive: {[t.name for t in engine_threads()]}"
    assert took < 1.0, f"stop took {took:.3f} s"
    assert not any(t.is_alive() for t in engine_threads())
    assert open_fds() <= fds_before, "stop left file descriptors open"
    col.pump()
    col.trace.extend(runner.drain())
    stopped = {e.actor for e in col.trace.of("return") if e.error == "STOPPED"}
    assert set(BLOCKING) <= stopped
    assert blocked_connect.sock is not None


def test_connect_waits_in_syn_sent_behind_a_full_backlog() -> None:
    runner = Runner(load_test_scenario("blocked_everywhere"))
    col = Collector(runner)
    runner.start()
    try:

        def second_connect_blocked(c: Collector) -> bool:
            rets = c.trace.of("return", "connect", "Connector")
            return bool(rets) and any(
                e.seq > rets[0].seq for e in c.trace.of("blocked", "connect", "Connector")
            )

        col.until(second_connect_blocked, timeout=10, what="the second connect to block")
        first_connect = col.trace.first("return", "connect", "Connector")
        listener = col.trace.first("return", "listen", "Connector").sock
        snaps = [
            e.kernel
            for e in col.trace.of("kernel")
            if e.sock == listener and e.seq > first_connect.seq
        ]
        assert snaps and snaps[0] is not None
        assert snaps[0].accept_q == 1 and snaps[0].backlog == 0, "backlog 0 admits one connection"
    finally:
        assert runner.stop()


@pytest.mark.timeout(120)
def test_two_hundred_run_stop_cycles_leak_nothing() -> None:
    scenario = get("tcp-echo")
    # warm up once so lazily created module state does not count as a leak
    Runner(scenario).run_to_end()
    # the threads there are now, by identity: one left over from an earlier test may end
    # meanwhile (in a shuffled order), which a count would take for a change
    threads_before = set(threading.enumerate())
    # by what they refer to, as the threads: an fd of an earlier test's ending thread may close
    # meanwhile (16 fds after, 18 before, in a shuffled order)
    fds_before = fd_targets()
    for i in range(200):
        runner = Runner(scenario, RunOptions(mode=Mode.STEP if i % 2 else Mode.RUN))
        runner.start()
        if i % 2:
            # leave the server blocked in accept, the client waiting at its gate
            for _ in range(4):
                runner.gate.step("Server")
        assert runner.stop(timeout=1.0)
        runner.drain()
    assert [t.name for t in threading.enumerate() if t not in threads_before] == []
    left = {fd: what for fd, what in fd_targets().items() if fds_before.get(fd) != what}
    assert left == {}, "stop cycles left file descriptors open"


def test_stop_is_safe_to_call_twice_and_after_the_end() -> None:
    runner = Runner(get("udp-echo"))
    runner.run_to_end()
    assert runner.stop()
    assert runner.stop()
