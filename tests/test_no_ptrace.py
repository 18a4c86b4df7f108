"""Where ptrace is refused for real: the app says why and falls back to strace, or refuses clearly.

Containers refuse ptrace with a seccomp filter answering EPERM (Docker's default profile does so
on kernels before 4.8, stricter profiles always). Each test runs the app's C path (a run of two
C programs, as the window and the terminal start them) in a process that first installs such a
filter itself: PR_SET_NO_NEW_PRIVS, then a BPF program that answers one system call with an
error and lets every other one through. Nothing is forced or mocked: the tracer's own
PTRACE_TRACEME really fails, and so does strace's. Each runs as root and as ``nobody``.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).parent
TS = HERE.parent / "app" / "socketscope" / "resources" / "i18n" / "socketscope_ko.ts"
SYSTEM_PYTHON = "/usr/bin/python3"  # one a user dropped to nobody can run

pytestmark = [
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ptrace, seccomp: Linux"),
    pytest.mark.skipif(os.uname().machine != "x86_64", reason="the filter below is x86_64's"),
    pytest.mark.skipif(shutil.which("cc") is None, reason="needs a C compiler (cc)"),
    pytest.mark.skipif(not Path(SYSTEM_PYTHON).exists(), reason="a Python every user can run"),
]

# Installs the filter, then runs two C programs through the Runner, and prints what happened.
# argv: bins port refuse   (refuse: "ptrace" -> ptrace(2) fails with EPERM, as in a container;
#                           "seccomp" -> seccomp(2) fails with ENOSYS, as on a kernel without
#                           seccomp filters: the step-by-step tracer cannot run, strace can)
SCRIPT = r"""
import ctypes, json, os, sys
bins, port, refuse = sys.argv[1], sys.argv[2], sys.argv[3]
libc = ctypes.CDLL(None, use_errno=True)
class Ins(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8),
                ("k", ctypes.c_uint32)]
class Prog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_uint16), ("filter", ctypes.POINTER(Ins))]
nr, ret = {"ptrace": (101, 0x00050000 | 1), "seccomp": (317, 0x00050000 | 38)}[refuse]
ALLOW = 0x7FFF0000
prog = [(0x20, 0, 0, 4), (0x15, 1, 0, 0xC000003E), (0x06, 0, 0, ALLOW),  # x86_64 only
        (0x20, 0, 0, 0), (0x15, 0, 1, nr), (0x06, 0, 0, ret), (0x06, 0, 0, ALLOW)]
arr = (Ins * len(prog))(*[Ins(*p) for p in prog])
assert libc.prctl(38, 1, 0, 0, 0) == 0, "PR_SET_NO_NEW_PRIVS"
assert libc.prctl(22, 2, ctypes.byref(Prog(len(prog), arr)), 0, 0) == 0, "PR_SET_SECCOMP"

from socketscope.engine.programs import ProgramLine, program_scenario
from socketscope.engine.runner import Runner
sc = program_scenario([
    ProgramLine((bins + "/echo_server", port), bins),
    ProgramLine((bins + "/echo_client", "127.0.0.1", port), bins),
])
runner = Runner(sc)
events = runner.run_to_end(30)
import tempfile
from socketscope.engine.trace import Trace, write_trace
with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
    write_trace(Trace(sc.header(), events), f)  # the trace, for the window to open
print(json.dumps({
    "trace": f.name,
    "uid": os.getuid(),
    "actors": [a.name for a in sc.actors],
    "events": [{"actor": e.actor, "kind": e.kind, "op": e.op, "code": e.code,
                "params": e.params, "message": e.message, "data": e.data, "ok": e.ok}
               for e in events],
    "console": b"".join(d for _a, _s, d in runner.console).decode(errors="replace"),
}))
"""


@pytest.fixture(scope="module")
def bins() -> Iterator[Path]:
    """The echo server and client, built with -g into a folder every user can read."""
    out = Path(tempfile.mkdtemp(prefix="socketscope-noptrace-"))
    os.chmod(out, 0o755)
    for name in ("echo_server", "echo_client"):
        subprocess.run(
            ["cc", "-g", "-O0", "-o", str(out / name), str(HERE / "c" / f"{name}.c")], check=True
        )
    yield out
    shutil.rmtree(out, ignore_errors=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_refused(
    bins: Path, app: str, user: str, refuse: str, *, with_strace: bool = True
) -> dict[str, Any]:
    cmd = [SYSTEM_PYTHON, "-c", SCRIPT, str(bins), str(free_port()), refuse]
    if not with_strace:
        # the programs are given by path: only strace is not found
        cmd = ["env", "PATH=/nonexistent", *cmd]
    env = {**os.environ, "PYTHONPATH": app}
    if user != "root":
        cmd = ["su", user, "-s", "/bin/sh", "-c", " ".join(shlex.quote(a) for a in cmd)]
    r = subprocess.run(
        cmd, env=env, capture_output=True, text=True, timeout=90, cwd="/", check=False
    )
    assert r.returncode == 0, r.stderr
    out: dict[str, Any] = json.loads(r.stdout.strip().splitlines()[-1])
    assert (out["uid"] == 0) == (user == "root")
    out["trace_text"] = Path(out["trace"]).read_text(encoding="utf-8")
    os.unlink(out["trace"])
    return out


def korean() -> Any:
    """The Korean of an EngineMessage, read from the translator's file (no Qt needed)."""
    table = {}
    for ctx in ET.parse(TS).getroot():
        if ctx.findtext("name") != "EngineMessage":
            continue
        for m in ctx.iter("message"):
            table[m.findtext("source") or ""] = m.findtext("translation") or ""
    return lambda _context, text: table.get(text, text)


def event(**fields: Any) -> Any:
    from socketscope.engine.events import Event

    return Event(1, 0.0, fields.pop("actor"), fields.pop("kind"), **fields)


USERS = [
    "root",
    pytest.param(
        "nobody",
        marks=pytest.mark.skipif(os.geteuid() != 0, reason="drops privileges with su: root"),
    ),
]


@pytest.fixture
def app(app_for_nobody: str) -> str:
    return app_for_nobody


@pytest.mark.skipif(shutil.which("strace") is None, reason="needs strace (apt: strace)")
@pytest.mark.parametrize("user", USERS)
def test_ptrace_refused_by_a_seccomp_filter_refuses_clearly_as_strace_fails_too(
    bins: Path, app: str, user: str
) -> None:
    """strace needs ptrace as well: under this filter it fails the same way (it is tried, and
    its own words are quoted), so the run refuses both programs clearly and runs neither."""
    from socketscope.model.messages import message_text

    out = run_refused(bins, app, user, "ptrace")
    for name in out["actors"]:
        (err,) = [e for e in out["events"] if e["actor"] == name and e["kind"] == "error"]
        p = err["params"]
        assert err["code"] == "c_ptrace_refused" and p["program"] == name
        assert p["cause"] == "seccomp_filter", p
        assert p["error"] == "PTRACE_TRACEME: Operation not permitted"
        assert "Operation not permitted" in p["strace"] and "strace" in p["strace"]
        english = message_text(event(**err))
        assert "seccomp filter" in english and "inferred" in english
        assert "strace needs ptrace too" in english
        ko = message_text(event(**err), korean())
        assert "seccomp 필터" in ko and "추정" in ko and "strace도 ptrace가 필요" in ko
        assert p["strace"] in ko
    assert not [e for e in out["events"] if e["kind"] == "call"], "no program ran"
    assert not [e for e in out["events"] if e["code"] == "c_strace_fallback"]
    assert "listening" not in out["console"] and "got" not in out["console"]


@pytest.mark.parametrize("user", USERS)
def test_ptrace_refused_without_strace_refuses_clearly(bins: Path, app: str, user: str) -> None:
    from socketscope.model.messages import message_text

    out = run_refused(bins, app, user, "ptrace", with_strace=False)
    errors = [e for e in out["events"] if e["kind"] == "error"]
    assert [e["actor"] for e in errors] == out["actors"]
    for err in errors:
        assert err["code"] == "c_ptrace_refused" and err["params"]["cause"] == "seccomp_filter"
        assert "strace" not in err["params"]
        assert "strace is not installed" in message_text(event(**err))
        assert "strace도 설치되어 있지 않습니다" in message_text(event(**err), korean())
    assert not [e for e in out["events"] if e["kind"] == "call"]


@pytest.mark.skipif(shutil.which("strace") is None, reason="needs strace (apt: strace)")
@pytest.mark.parametrize("user", USERS)
def test_no_seccomp_filter_for_the_tracer_falls_back_to_strace_for_real(
    bins: Path, app: str, user: str
) -> None:
    """A system where ptrace works but the tracer's own seccomp filter is refused (a kernel
    without seccomp filters): strace, which needs no filter, shows the calls as they end."""
    from socketscope.model.messages import message_text

    out = run_refused(bins, app, user, "seccomp")
    server, client = out["actors"]
    notes = [e for e in out["events"] if e["code"] == "c_strace_fallback"]
    assert [e["actor"] for e in notes] == [server, client]
    assert all(e["params"]["cause"] == "seccomp_refused" for e in notes)
    assert "seccomp filter" in message_text(event(**notes[0]))
    assert "seccomp 필터를 거부" in message_text(event(**notes[0]), korean())
    calls = [e["op"] for e in out["events"] if e["actor"] == server and e["kind"] == "call"]
    assert calls[:4] == ["socket", "setsockopt", "bind", "listen"] and "accept" in calls
    reads = [
        e for e in out["events"] if e["actor"] == server and e["kind"] == "return"
        and e["op"] == "read" and e["data"]
    ]  # fmt: skip
    assert bytes.fromhex(reads[0]["data"]) == b"hello"
    assert "got 5 bytes" in out["console"]
    assert not [e for e in out["events"] if e["kind"] == "error"]


@pytest.mark.gui
@pytest.mark.skipif(shutil.which("strace") is None, reason="needs strace (apt: strace)")
def test_the_window_says_why_in_korean_and_the_whole_sentence_shows_on_hover(
    qtbot: Any, gui_window: Any, bins: Path, app: str, tmp_path: Path
) -> None:
    """The refusal is an error on each program's lifeline, in the window's language; the
    sentence is longer than the lifeline's box, so pointing at it shows all of it."""
    from PySide6.QtCore import QPoint
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QToolTip

    out = run_refused(bins, app, "root", "ptrace")
    trace = tmp_path / "refused.jsonl"
    trace.write_text(out["trace_text"], encoding="utf-8")
    w = gui_window
    w.resize(1920, 1080)
    w.set_language("ko")
    assert w.open_trace_file(str(trace))
    w.session.seek(len(w.session.events))
    qtbot.waitUntil(lambda: any(p.kind == "mark" for p in w.diagram.placed), timeout=5000)
    marks = [p for p in w.diagram.placed if p.kind == "mark"]
    assert len(marks) == 2
    words = w.diagram.elided_mark_at(marks[0].rect.center().x(), marks[0].rect.center().y())
    assert words is not None, "the sentence is cut short on the diagram"
    assert "추적할 수 없습니다" in words and "seccomp 필터" in words and "추정" in words
    shown = [p.shown for p in w.diagram.placed if p.kind == "text" and p.owner is marks[0].owner]
    assert shown and shown[0].startswith("✗ ") and "추적할 수 없습니다" in shown[0]
    w.grab().save(str(tmp_path / "refused-ko.png"))
    vp = w.diagram.viewport()
    QTest.mouseMove(vp, QPoint(int(marks[0].rect.center().x()), int(marks[0].rect.center().y())))
    qtbot.waitUntil(QToolTip.isVisible, timeout=5000)
    assert QToolTip.text() == words
