"""Step mode lets exactly one call through per step; stepping a blocked actor says why."""

from __future__ import annotations

import itertools

from conftest import Collector
from socketscope.engine import Mode, Runner, RunOptions, Status
from socketscope.engine.scenario import get


def settled(c: Collector) -> bool:
    """Nothing is running: every actor is waiting at its gate, blocked, or finished."""
    if c.runner.done.is_set():
        return True
    statuses = [c.runner.gate.status(a.name)[0] for a in c.runner.scenario.actors]
    if any(s is Status.RUNNING for s in statuses):
        return False
    return bool(c.runner.gate.waiting())


def test_step_releases_exactly_one_call_per_step() -> None:
    runner = Runner(get("tcp-echo"), RunOptions(mode=Mode.STEP))
    col = Collector(runner)
    runner.start()
    try:
        col.until(settled, what="the first actor to reach its gate")
        assert [w.op for w in runner.gate.waiting()] == ["socket"]
        assert not col.trace.of("call"), "step mode makes no call before the first step"
        steps = 0
        while not runner.done.is_set():
            before = len(col.trace.of("call"))
            result = runner.gate.step()
            assert result.released is not None, result.reason
            steps += 1
            col.until(lambda c, b=before: len(c.trace.of("call")) > b, what="the released call")
            col.until(settled, what="the run to settle after a step")
            col.pump()
            assert len(col.trace.of("call")) == before + 1, "one step, one call"
        col.run_to_end()
        assert steps == len(col.trace.of("call")) == 14
    finally:
        assert runner.stop()


def test_stepping_a_blocked_actor_says_why_and_moves_nothing() -> None:
    runner = Runner(get("tcp-echo"), RunOptions(mode=Mode.STEP))
    col = Collector(runner)
    runner.start()
    try:
        for n in range(1, 5):  # socket, bind, listen, accept
            col.until(settled)
            assert runner.gate.step("Server").released == "Server"
            col.until(lambda c, n=n: len(c.trace.of("call")) == n)
        col.until_event(kind="blocked", actor="Server", op="accept")
        col.until_event(kind="waiting", actor="Client", op="socket")
        calls = len(col.trace.of("call"))
        result = runner.gate.step("Server")
        assert result.released is None
        assert result.reason.startswith("Server is blocked in accept()")
        assert len(col.trace.of("call")) == calls
        # the client moves; its connect wakes the server's accept
        assert runner.gate.step("Client").released == "Client"
        col.until_event(kind="waiting", actor="Client", op="connect")
        assert runner.gate.step().released == "Client"
        accept = col.until_event(kind="return", actor="Server", op="accept")
        assert accept.blocked and accept.ok
    finally:
        assert runner.stop()


def test_run_mode_with_delay_paces_calls() -> None:
    runner = Runner(get("udp-echo"), RunOptions(mode=Mode.RUN, delay=0.02))
    events = runner.run_to_end(timeout=10)
    calls = [e.t for e in events if e.kind == "call"]
    gaps = [b - a for a, b in itertools.pairwise(calls)]
    assert len(calls) == 9
    assert min(gaps) >= 0.015, f"calls closer than the delay: {gaps}"


def test_pause_then_run_resumes() -> None:
    runner = Runner(get("udp-echo"), RunOptions(mode=Mode.PAUSE))
    col = Collector(runner)
    runner.start()
    try:
        col.until_event(kind="waiting", actor="Server", op="socket")
        assert not col.trace.of("call")
        runner.gate.set_mode(Mode.RUN, delay=0.0)
        col.run_to_end()
        assert len(col.trace.of("return")) == 9
    finally:
        assert runner.stop()


def test_a_process_actor_obeys_the_step_gate() -> None:
    runner = Runner(get("signal-cleanup"), RunOptions(mode=Mode.STEP))
    col = Collector(runner)
    runner.start()
    try:
        for n in range(1, 4):  # socket, bind, listen in the child process
            col.until_event(kind="waiting", actor="Server 1", timeout=10)
            col.until(settled, timeout=10)
            assert runner.gate.step("Server 1").released == "Server 1"
            col.until(lambda c, n=n: len(c.trace.of("call", actor="Server 1")) == n, timeout=10)
        col.until(lambda c: len(c.trace.of("waiting", actor="Server 1")) == 4, timeout=10)
        col.pump()
        assert len(col.trace.of("call", actor="Server 1")) == 3, "no call without a step"
        assert [e.op for e in col.trace.of("return", actor="Server 1")] == [
            "socket",
            "bind",
            "listen",
        ]
    finally:
        assert runner.stop(timeout=1.0)
