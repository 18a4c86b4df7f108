"""Stop through the run host: the stop's reply does not wait for the kernel to release the
capture's packet sockets, yet when it comes nothing of the run is left (no process, no socket),
and the C tracer's Stop reaches a program wherever it is, even still starting.

Real run hosts, real namespaces, real forked processes holding real LISTEN sockets."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from conftest import Collector, load_test_scenario, network_left, processes_in_network
from socketscope.engine import Mode, Runner, RunOptions
from socketscope.engine.runhost import RunHost
from socketscope.engine.scenario import get

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def listening_sockets_seen_from(pids: list[int]) -> list[str]:
    """LISTEN rows of the network namespace as seen through any process still in it."""
    for pid in pids:
        rows: list[str] = []
        try:
            for table in ("tcp", "tcp6"):
                text = Path(f"/proc/{pid}/net/{table}").read_text()
                rows += [r for r in text.splitlines()[1:] if r.split()[3] == "0A"]
        except OSError:
            continue  # gone meanwhile: try another
        return rows
    return []


def test_a_stopped_run_has_no_process_or_listening_socket_left_when_stop_returns() -> None:
    run = RunHost(load_test_scenario("forks_then_blocks"), RunOptions(mode=Mode.RUN))
    col = Collector(run)  # type: ignore[arg-type]
    run.start()
    try:
        # the forked child listens before the Forker's own accept() blocks
        col.until_event(kind="blocked", actor="Forker", op="accept", timeout=20)
        assert run.pid is not None
        ns = os.readlink(f"/proc/{run.pid}/ns/net")
        if not (run.network or {}).get("private"):
            pytest.skip("no private network here: the run host is not init of its own")
        assert len(listening_sockets_seen_from([run.pid])) == 2, "the child and the Forker listen"
    finally:
        assert run.stop(timeout=1.0)
    assert run.outcome is not None and run.outcome.how == "stopped"
    assert run.ended_alone, "the host killed and reaped the run's other processes itself"
    # what may still be in the run's network now is SocketScope's own capture, releasing its
    # packet socket: no listener (the forked children, their LISTEN sockets) is left
    left = processes_in_network(ns)
    assert not listening_sockets_seen_from(list(left)), f"a LISTEN socket outlived Stop: {left}"
    assert not network_left(ns, 2.0)
    col.trace.extend(run.drain())
    stopped = [e for e in col.trace.of("return", "accept", "Forker") if e.error == "STOPPED"]
    assert stopped, "the trace was completed before stop returned: the accept cut short by Stop"


@pytest.mark.parametrize("moment", ["at-once", "at-the-first-program-start"])
def test_stop_while_a_c_program_starts_ends_it_without_a_fallback_tracer(moment: str) -> None:
    runner = Runner(get("notes-c"), RunOptions(mode=Mode.RUN))
    col = Collector(runner)
    runner.start()
    if moment != "at-once":
        col.until_event(kind="start", timeout=20)
    assert runner.stop(timeout=1.0)
    col.trace.extend(runner.drain())
    codes = {e.code for e in col.events}
    assert "c_strace_fallback" not in codes, "a run that is over wants no other tracer"
    assert not [e for e in col.events if e.kind == "error"], "a stop is not the program's error"
