"""The window says where the kernel holds a blocked thread, in both languages (issue 10 §1).

The trace is the data the engine writes: a real run of tcp-echo whose blocked events carry the
evidence the /proc watcher records (wait channel, system call, how it was known). Replaying it is
what a user does with File → Open trace.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from socketscope.engine import Mode, Runner, RunOptions, Trace, write_trace
from socketscope.engine.scenario import builtin_scenarios

EVIDENCE = {"accept": ("inet_csk_accept", "accept4"), "recv": ("wait_woken", "recvfrom")}


def _echo_with_evidence(path: Path, how: str = "kernel") -> None:
    scenario = next(s for s in builtin_scenarios() if s.id == "tcp-echo")
    events = Runner(scenario, RunOptions(mode=Mode.RUN)).run_to_end(timeout=20)
    out = []
    for ev in events:
        if ev.kind == "blocked" and ev.op in EVIDENCE:
            wait, call = EVIDENCE[ev.op] if how == "kernel" else (None, None)
            ev = dataclasses.replace(ev, kernel_wait=wait, syscall=call, evidence=how)
        out.append(ev)
    with open(path, "w", encoding="utf-8") as f:
        write_trace(Trace(scenario.header(), out), f)


def _at_blocked_accept(qtbot: Any, w: Any) -> None:
    events = w.session.events
    i = next(i for i, e in enumerate(events) if e.kind == "blocked" and e.op == "accept")
    w.session.seek(i + 1)
    qtbot.waitUntil(lambda: w.inspector.blocking.isVisible(), timeout=3000)


def test_inspector_says_where_the_kernel_holds_a_blocked_accept(
    qtbot: Any, gui_window: Any, tmp_path: Path
) -> None:
    w = gui_window
    path = tmp_path / "echo.jsonl"
    _echo_with_evidence(path)
    assert w.open_trace_file(str(path))
    _at_blocked_accept(qtbot, w)
    text = w.inspector.blocking.text()
    assert "accept() blocked: asleep in the kernel: inet_csk_accept, in accept4()" in text
    assert "accept queue" in text  # the wait channel's one-line meaning
    w.set_language("ko")
    qtbot.waitUntil(lambda: "커널 안에서 잠듦" in w.inspector.blocking.text(), timeout=3000)
    ko = w.inspector.blocking.text()
    assert "accept4() 안의 inet_csk_accept" in ko and "accept 큐" in ko
    assert "커널 안에서 잠듦: accept4() 안의 inet_csk_accept" in w.lesson.explanation.toPlainText()
    w.set_language("en")


def test_blocking_known_by_time_only_says_so_and_claims_no_kernel_evidence(
    qtbot: Any, gui_window: Any, tmp_path: Path
) -> None:
    w = gui_window
    path = tmp_path / "echo-time.jsonl"
    _echo_with_evidence(path, how="time")
    assert w.open_trace_file(str(path))
    _at_blocked_accept(qtbot, w)
    text = w.inspector.blocking.text()
    assert "measured by time only on this system" in text and "kernel" not in text
