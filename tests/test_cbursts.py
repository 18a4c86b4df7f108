"""Free-running, a C program's long runs of identical data calls become bursts, as a lesson's do
(docs/trace-format.md, "Bursts"): every call still counted, every byte in a range, and a call
that sleeps past the burst window shown in full, blocked. Real processes, real sockets."""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from socketscope.engine.events import Event
from socketscope.engine.gate import Mode
from socketscope.engine.runner import Runner, RunOptions
from socketscope.engine.scenario import Scenario

HERE = Path(__file__).parent

pytestmark = [
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ptrace: Linux"),
    pytest.mark.skipif(shutil.which("cc") is None, reason="needs a C compiler (cc)"),
]


@pytest.fixture(scope="module")
def bins() -> Iterator[Path]:
    out = Path(tempfile.mkdtemp(prefix="socketscope-cburst-"))
    for name in ("burst_pause", "socket_loop"):
        subprocess.run(
            ["cc", "-g", "-O0", "-o", str(out / name), str(HERE / "c" / f"{name}.c")], check=True
        )
    yield out
    shutil.rmtree(out, ignore_errors=True)


def trace(argv: list[str], mode: Mode = Mode.RUN, delay: float = 0.0) -> list[Event]:
    from socketscope.engine.programs.ctrace import CTracer

    runner = Runner(
        Scenario("c-bursts", {"en": "c"}, {"en": "c"}, (), "", ""),
        RunOptions(mode=mode, delay=delay),
    )
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        tracer = CTracer(runner, "prog", argv, sock_base=100_000, stdout=devnull)
        tracer.run()
    finally:
        os.close(devnull)
    assert tracer.exit_code == 0
    events = runner.drain()
    from socketscope.engine.trace import Trace, read_trace, write_trace

    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
        write_trace(Trace(runner.scenario.header(), events), f)
    try:
        read_trace(f.name)  # the JSON Schema accepts every line, bursts included
    finally:
        os.unlink(f.name)
    return events


def stream(events: list[Event], actor: str, op: str) -> list[Event]:
    """The returns and bursts of ``op`` by ``actor`` that moved bytes, in order."""
    return [
        e for e in events
        if e.actor == actor and e.op == op and e.kind in ("return", "burst") and e.nbytes
    ]  # fmt: skip


def test_runs_of_identical_calls_become_bursts_and_every_byte_is_counted(bins: Path) -> None:
    calls, batch = 600, 100
    ev = trace([str(bins / "socket_loop"), str(calls), str(batch)])
    for op in ("write", "read"):
        moved = stream(ev, "prog", op)
        bursts = [e for e in moved if e.kind == "burst"]
        assert bursts, f"no burst of {op}"
        assert (
            sum(e.count or 1 for e in moved if e.kind == "burst")
            + sum(1 for e in moved if e.kind == "return")
            == calls
        )
        assert sum(e.nbytes or 0 for e in moved) == calls
        # one stream, no gap, no overlap: each range starts where the one before ended
        ranges = [e.range for e in moved]
        assert ranges[0] is not None and ranges[0][0] == 0
        assert all(
            a is not None and b is not None and a[1] == b[0] for a, b in itertools.pairwise(ranges)
        )
        assert all(e.conn is not None and e.dir == "c>s" for e in bursts)
        assert all(e.line is not None for e in bursts)  # the C line of the loop's call
    # far fewer events than calls: what the bursts are for
    assert len(ev) < 2 * calls


def test_a_streak_call_that_sleeps_past_the_burst_window_is_shown_blocked(bins: Path) -> None:
    ev = trace([str(bins / "burst_pause"), "200"])
    child = "prog/child 1"
    reads = stream(ev, child, "read")
    assert [e for e in reads if e.kind == "burst"], "the streak of quick reads became bursts"
    assert sum(e.nbytes or 0 for e in reads) == 201
    blocked = [e for e in ev if e.actor == child and e.kind == "blocked" and e.op == "read"]
    assert blocked and blocked[-1].kernel_wait is not None and blocked[-1].evidence == "kernel"
    last = blocked[-1]
    # shown as itself: the burst before it written first, then its own call, blocked, return
    mine = [e for e in ev if e.actor == child and e.seq < last.seq]
    assert mine[-1].kind == "call" and mine[-1].op == "read"
    assert max(e.seq for e in reads if e.kind == "burst") < last.seq
    ret = next(e for e in ev if e.actor == child and e.kind == "return" and e.seq > last.seq)
    assert ret.blocked and bytes.fromhex(ret.data or "") == b"y"
    # and the end of the stream is a call of its own
    eof = [e for e in ev if e.actor == child and e.kind == "return" and e.op == "read"][-1]
    assert eof.nbytes == 0 or eof.result == 0


def test_a_paced_run_makes_no_bursts(bins: Path) -> None:
    ev = trace([str(bins / "socket_loop"), "40", "20"], Mode.RUN, delay=0.0005)
    assert not [e for e in ev if e.kind == "burst"]
    assert len([e for e in ev if e.kind == "call" and e.op == "write"]) == 40
