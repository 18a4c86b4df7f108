"""Signals to a real window process (issue 14, item 4): SIGINT and SIGTERM stop the run, close
every socket and exit within 1 s with 128 + the signal; SIGKILL takes the run host with it."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import network_left, wait_gone
from socketscope.engine.runhost.host import descendants  # the /proc walk the run host uses

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc, pidfd")


def listening_ports(pid: int) -> set[int]:
    """The TCP ports process ``pid`` or one of its descendants has a LISTEN socket on (their fds
    against /proc/net/tcp). A run host in a PID namespace of its own is two processes: the one
    started, which waits outside, and its child, init of the namespace, which runs the run."""
    inodes = set()
    for p in [pid, *descendants(pid)]:
        fd_dir = Path(f"/proc/{p}/fd")
        try:
            for fd in fd_dir.iterdir():
                m = re.fullmatch(r"socket:\[(\d+)\]", os.readlink(fd))
                if m:
                    inodes.add(m.group(1))
        except OSError:
            continue
    try:
        return {port for port, inode in listeners(pid) if inode in inodes}
    except OSError:
        return set()


def listeners(pid: int | None = None) -> list[tuple[int, str]]:
    """(port, inode) of every LISTEN socket in the network namespace of ``pid`` (a run host
    has one of its own), or of this process."""
    out = []
    base = f"/proc/{pid}/net" if pid is not None else "/proc/net"
    for table in (f"{base}/tcp", f"{base}/tcp6"):
        with open(table, encoding="ascii") as f:
            for line in f.readlines()[1:]:
                cols = line.split()
                if cols[3] == "0A":
                    out.append((int(cols[1].rsplit(":", 1)[1], 16), cols[9]))
    return out


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


class Window:
    """``python -m socketscope --scenario tcp-echo`` stepped to the Server's blocked accept()."""

    def __init__(self) -> None:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
        # four steps: the Server's socket, bind, listen, and accept, where it blocks
        argv = ["-m", "socketscope", "--debug", "--scenario", "tcp-echo", "--steps", "4"]
        self.proc = subprocess.Popen(
            [sys.executable, *argv],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.host = 0
        self.log: list[str] = []
        assert self.proc.stderr is not None
        for line in self.proc.stderr:  # the window says when it is ready: no polling
            self.log.append(line)
            m = re.search(r"run host (\d+) started", line)
            if m:
                self.host = int(m.group(1))
            if "window ready" in line:
                break
        assert self.host, "".join(self.log)

    def finish(self, timeout: float) -> int:
        code = self.proc.wait(timeout)
        assert self.proc.stderr is not None
        self.log.extend(self.proc.stderr.readlines())
        return code


@pytest.fixture
def window() -> Iterator[Window]:
    w = Window()
    yield w
    if w.proc.poll() is None:
        w.proc.kill()
        w.proc.wait()
    if alive(w.host):
        os.kill(w.host, signal.SIGKILL)
    assert w.proc.stderr is not None
    w.proc.stderr.close()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_stops_the_run_and_exits_with_128_plus_the_signal(
    window: Window, sig: signal.Signals
) -> None:
    ports = listening_ports(window.host)
    assert ports, f"the Server is not listening: {''.join(window.log)}"
    ns = os.readlink(f"/proc/{window.host}/ns/net")
    t0 = time.monotonic()
    window.proc.send_signal(sig)
    code = window.finish(timeout=10)
    took = time.monotonic() - t0
    assert code == 128 + sig, "".join(window.log)
    assert took < 1.0, f"exit took {took:.2f} s"
    assert wait_gone(window.host, 1.0), "the run host outlived the window"
    assert not alive(window.host)
    still = {p for p, _ in listeners()} & ports
    assert not still, f"LISTEN sockets left on {still}"
    left = network_left(ns, 2.0)
    assert not left, f"the run's own network (and its sockets) outlived it: {left}"
    log = "".join(window.log)
    assert "stopping the run" in log and "the run was stopped" in log, log


def test_sigkill_of_the_window_takes_the_run_host_with_it(window: Window) -> None:
    ports = listening_ports(window.host)
    assert ports
    ns = os.readlink(f"/proc/{window.host}/ns/net")
    window.proc.kill()
    assert window.finish(timeout=10) == -signal.SIGKILL
    assert wait_gone(window.host, 2.0), "the run host outlived a SIGKILLed window"
    assert not {p for p, _ in listeners()} & ports
    left = network_left(ns, 2.0)
    assert not left, f"the run's own network (and its sockets) outlived it: {left}"
