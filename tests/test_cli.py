"""The command line, run as a user would: a real process, real exit codes."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from socketscope.engine import read_trace
from socketscope.engine.scenario import builtin_scenarios

ENV = {**os.environ, "NO_COLOR": "1"}


def sock(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "socketscope", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=ENV,
    )


def test_list_prints_ids_and_titles() -> None:
    r = sock("list")
    assert r.returncode == 0
    for s in builtin_scenarios():
        assert s.id in r.stdout and s.title["en"] in r.stdout
    assert r.stdout.splitlines()[0].startswith("notes-tcp")  # the default lesson comes first


def test_trace_writes_a_readable_trace(tmp_path: Path) -> None:
    out = tmp_path / "t.jsonl"
    r = sock("trace", "tcp-echo", "-o", str(out))
    assert r.returncode == 0, r.stderr
    t = read_trace(out)
    assert t.first("return", "accept").blocked


def test_trace_to_stdout() -> None:
    r = sock("trace", "udp-echo")
    assert r.returncode == 0
    assert r.stdout.startswith('{"format": "socketscope-trace", "version": 1')


def test_log_reads_like_the_notes() -> None:
    r = sock("log", "tcp-echo")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert any(
        x.startswith("[Server] bind(") and "{AF_INET, 127.0.0.1:" in x and x.endswith("= 0")
        for x in lines
    )
    # strace's style: the blocked call's line when it starts, its result when it returns
    start = next(i for i, x in enumerate(lines) if x.startswith("[Server] accept("))
    assert "<unfinished ...> blocks" in lines[start]
    resumed = next(x for x in lines[start:] if x.startswith("[Server] <... accept resumed>"))
    assert (
        "blocked" in resumed and "{AF_INET, 127.0.0.1:" in resumed and re.search(r"= \d+$", resumed)
    )
    assert any("ESTABLISHED" in x for x in lines)


def test_unknown_scenario_exits_2_with_the_list() -> None:
    r = sock("log", "no-such-scenario")
    assert r.returncode == 2
    assert "unknown scenario 'no-such-scenario'" in r.stderr
    assert "tcp-echo" in r.stderr and "udp-echo" in r.stderr
    assert "Traceback" not in r.stderr
    assert sock("trace", "nope").returncode == 2


def test_broken_scenario_file_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("ID = 'x'\nTITLE = {'en': 'x', 'ko': 'x'}\ndef broken(:\n")
    r = sock("log", str(bad))
    assert r.returncode == 2
    assert f"{bad}:3: syntax error" in r.stderr
    failing = tmp_path / "raises.py"
    failing.write_text("ID = 'x'\n\nraise RuntimeError('boom')\n")
    r = sock("trace", str(failing))
    assert r.returncode == 2
    assert f"{failing}:3: RuntimeError: boom" in r.stderr
    empty = tmp_path / "empty.py"
    empty.write_text("ID = 'x'\nTITLE = {'en': 'x', 'ko': 'x'}\nSUMMARY = {'en': 'x', 'ko': 'y'}\n")
    r = sock("trace", str(empty))
    assert r.returncode == 2 and "no @actor functions" in r.stderr


def test_sigterm_closes_every_socket_before_exit(tmp_path: Path) -> None:
    hangs = tmp_path / "hangs.py"
    hangs.write_text(
        "from socketscope.api import AF_INET, SOCK_STREAM, actor, socket\n"
        "ID = 'hangs'\nTITLE = {'en': 'h', 'ko': 'h'}\nSUMMARY = {'en': 'h', 'ko': 'h'}\n"
        "@actor('Server')\n"
        "def server(port):\n"
        "    s = socket(AF_INET, SOCK_STREAM)\n"
        "    s.bind(('127.0.0.1', port))\n"
        "    s.listen(1)\n"
        "    s.accept()\n"
    )
    p = subprocess.Popen(
        [sys.executable, "-m", "socketscope", "log", str(hangs)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
    )
    try:
        assert p.stdout is not None
        header = p.stdout.readline()
        port = int(header.rsplit("port ", 1)[1].rstrip(")\n"))
        while "blocks" not in p.stdout.readline():
            pass
        net = _run_network(p.pid)  # where the listener lives: the run's own, or ours
        t0 = time.monotonic()
        p.send_signal(signal.SIGTERM)
        _out, err = p.communicate(timeout=5)
        assert time.monotonic() - t0 < 1.0
    finally:
        p.kill()
    assert p.returncode == 128 + signal.SIGTERM
    assert "stopped by SIGTERM" in err
    if net != os.readlink("/proc/self/ns/net"):
        # the run had a network of its own (engine/netns.py): once no process is left in it,
        # it is gone with every socket in it. (Its port says nothing of ours: a TIME_WAIT of
        # another test here may hold the same number, which once failed this test.)
        assert net not in _networks(), "a process of the run outlived the command"
        return
    # the run shared our network: the port is free again, the listener closed
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", port))


def _networks() -> set[str]:
    """The network namespaces of every process we can see."""
    seen = set()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        with contextlib.suppress(OSError):
            seen.add(os.readlink(f"/proc/{pid}/ns/net"))
    return seen


def _run_network(cli: int) -> str:
    """The network namespace of the run host the command ``cli`` started (its child)."""
    hosts = []
    for task in os.listdir(f"/proc/{cli}/task"):  # whichever thread started it
        with open(f"/proc/{cli}/task/{task}/children", encoding="ascii") as f:
            hosts += [int(pid) for pid in f.read().split()]
    nets = {os.readlink(f"/proc/{pid}/ns/net") for pid in hosts}
    assert len(nets) == 1, nets
    return nets.pop()


# No locale at all (a minimal system, a cron job), the same without Python's own C-locale coercion
# (the installed app's embedded Python does not coerce), and an explicit LC_ALL=C.
NO_LOCALE = {
    k: v for k, v in os.environ.items() if k not in ("LANG", "LANGUAGE") and not k.startswith("LC_")
}


@pytest.mark.parametrize(
    "extra", [{}, {"PYTHONCOERCECLOCALE": "0"}, {"LC_ALL": "C"}], ids=["unset", "no-coercion", "C"]
)
def test_the_window_starts_without_a_locale_warning(extra: dict[str, str]) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "socketscope", "--self-test"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**NO_LOCALE, "QT_QPA_PLATFORM": "offscreen", **extra},
    )
    assert r.returncode == 0, r.stderr
    assert "self-test ok" in r.stdout
    assert "Detected locale" not in r.stderr and "UTF-8" not in r.stderr, r.stderr
