"""Where a one-host run's capture process lives: in the run's network (it captures its ``lo``),
but outside the run's PID namespace, so that the run host, init of that namespace, does not
wait as it exits for the capture's packet socket to close (two grace periods of the kernel,
16-35 ms each run). The capture still ends with the run, by itself."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from conftest import wait_gone
from socketscope.engine import Mode, RunOptions
from socketscope.engine.runhost import RunHost
from socketscope.engine.scenario import get

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def _children(pid: int) -> list[int]:
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                stat = Path(f"/proc/{d}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(d))
    return sorted(out)


def _ns(pid: int, kind: str) -> str:
    return os.readlink(f"/proc/{pid}/ns/{kind}")


def test_a_one_host_runs_capture_is_in_its_network_but_not_its_pid_namespace() -> None:
    host = RunHost(get("tcp-echo"), RunOptions(mode=Mode.STEP))  # waits at its first call
    host.start()
    try:
        if not (host.network or {}).get("private"):
            pytest.skip("no private network on this system")
        assert host.capture is not None and host.capture.get("available"), host.capture
        assert host.pid is not None
        # the run host's process outside its PID namespace has two children: the run host
        # itself (init inside) and the capture
        kids = _children(host.pid)
        assert len(kids) == 2, kids
        mine = _ns(os.getpid(), "pid")
        inits = [k for k in kids if _ns(k, "pid") != mine]
        captures = [k for k in kids if _ns(k, "pid") == mine]
        assert len(inits) == 1 and len(captures) == 1, (kids, inits, captures)
        init, capture = inits[0], captures[0]
        assert _ns(capture, "net") == _ns(init, "net") != _ns(os.getpid(), "net")
    finally:
        assert host.stop(5.0), "the run ended in order"
    # every packet of the run reached its trace, counted by the ring, and the capture ended
    # by itself (its control pipe closed, its parent gone)
    assert host.capture is not None and host.capture.get("drops") == 0, host.capture
    assert wait_gone(capture, 5.0), "the capture outlived its run"
