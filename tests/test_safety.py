"""Runs cannot reach past this machine (issue 14, item 1): seen from outside, with strace.

Only documentation addresses (192.0.2.1, 2001:db8::1) are ever tried: a guard that failed would
send a SYN into TEST-NET-1, never to a real host.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import wait_gone
from socketscope.engine import read_trace
from socketscope.engine.loopback import (
    NotLoopbackError,
    SocketKindError,
    check_kind,
    loopback_address,
)

HERE = Path(__file__).parent
ENV = {**os.environ, "NO_COLOR": "1"}
needs_strace = pytest.mark.skipif(
    shutil.which("strace") is None or not sys.platform.startswith("linux"),
    reason="strace is installed by make test",
)

ESCAPES = [
    "module connect",
    "module connect_ex",
    "SocketType",
    "create_connection",
    "create_connection name",
    "private real socket",
    "traced connect",
    "sendto",
    "sendto flags",
    "sendmsg",
    "broadcast",
    "v6",
    "v4-mapped",
    "bind any",
    "bind 0.0.0.0",
    "bind ::",
    "raw",
    "packet",
    "traced raw",
    "gethostbyname",
    "getaddrinfo",
]


def strace_run(tmp_path: Path, scenario: str) -> tuple[str, list[str]]:
    """Run a scenario file in the run host under strace; its output and every address-bearing
    system call any of its processes made."""
    log = tmp_path / "strace.txt"
    r = subprocess.run(
        [
            "strace",
            "-f",
            "-qq",
            "-e",
            "trace=socket,connect,bind,sendto,sendmsg,sendmmsg,listen",
            "-o",
            str(log),
            sys.executable,
            "-m",
            "socketscope",
            "log",
            str(HERE / "scenarios" / f"{scenario}.py"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env=ENV,
    )
    return r.stdout + r.stderr, log.read_text().splitlines()


def inet_addresses(calls: list[str]) -> list[tuple[str, str]]:
    """(call, address) for every internet address strace saw a call carry."""
    found = []
    for line in calls:
        m = re.search(r"\b(connect|bind|sendto|sendmsg|sendmmsg)\(", line)
        if m is None:
            continue
        for a in re.findall(r'inet_addr\("([^"]+)"\)', line):
            found.append((m.group(1), a))
        for a in re.findall(r'inet_pton\(AF_INET6, "([^"]+)"', line):
            found.append((m.group(1), a))
    return found


def is_loopback(text: str) -> bool:
    ip = ipaddress.ip_address(text)
    mapped = getattr(ip, "ipv4_mapped", None)
    return ip.is_loopback or (mapped is not None and mapped.is_loopback)


@needs_strace
def test_no_way_out_of_loopback_reaches_a_system_call(tmp_path: Path) -> None:
    out, calls = strace_run(tmp_path, "escapes")
    for name in ESCAPES:
        assert f"REFUSED {name} " in out, f"{name!r} was not refused:\n{out[-3000:]}"
    assert "ALLOWED" not in out, out
    addresses = inet_addresses(calls)
    assert addresses, "strace saw no bind or connect at all: the test saw nothing"
    outside = [(call, a) for call, a in addresses if not is_loopback(a)]
    assert not outside, f"system calls to non-loopback addresses: {outside}"
    raw = [c for c in calls if re.search(r"socket\(AF_PACKET|SOCK_RAW", c)]
    # the engine's own capture of the run's private network (engine/wire/process.py): a process
    # of its own whose only traced calls make and bind its one packet socket; anything else
    # would be a scenario's
    by_pid: dict[str, list[str]] = {}
    for c in calls:
        # not a call: how a process ended (the capture, reaped aside, may be killed with the
        # run host's namespace once it has written its last packet) or a signal it got
        if c.split()[1] in ("+++", "---"):
            continue
        # nor the second half of a call strace split when another process's line came between
        # ("<... socket resumed>) = 3": its first half, "<unfinished ...>", names the call)
        if c.split()[1] == "<...":
            continue
        by_pid.setdefault(c.split()[0], []).append(c)
    # (it asks for every protocol when it binds: made with protocol 0, it takes no frame before)
    capture = [
        c
        for c in raw
        if "socket(AF_PACKET, SOCK_RAW" in c
        and (
            "htons(ETH_P_ALL)" in c
            or any(
                x.split()[1].startswith("bind(") and "sll_protocol=htons(ETH_P_ALL)" in x
                for x in by_pid[c.split()[0]]
            )
        )
        and len([x for x in by_pid[c.split()[0]] if x.split()[1].startswith("socket(")]) == 1
        and all("AF_PACKET" in x for x in by_pid[c.split()[0]])
    ]
    assert len(capture) <= 1, capture
    raw = [c for c in raw if c not in capture]
    assert not raw, raw


@needs_strace
def test_loopback_spellings_work_and_unbound_sockets_land_on_loopback(tmp_path: Path) -> None:
    out, calls = strace_run(tmp_path, "loopback_spellings")
    assert "REFUSED" not in out, out
    for name in ("'127.1'", "b'127.0.0.1'", "'localhost'", "::1%lo", "::ffff:127.0.0.1", "bytes"):
        assert re.search(rf"ALLOWED .*{re.escape(name)}", out), f"{name} did not work:\n{out}"
    # listen() and sendto() before bind(): loopback, never the kernel's 0.0.0.0
    assert "LISTEN 127.0.0.1" in out and "PLAIN-LISTEN 127.0.0.1" in out, out
    assert "SENDTO-FROM 127.0.0.1" in out, out
    assert all(is_loopback(a) for _, a in inet_addresses(calls))


def test_an_implicit_bind_is_recorded_on_the_listen_that_made_it(tmp_path: Path) -> None:
    out = tmp_path / "t.jsonl"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "socketscope",
            "trace",
            str(HERE / "scenarios" / "loopback_spellings.py"),
            "-o",
            str(out),
        ],
        check=True,
        capture_output=True,
        timeout=60,
        env=ENV,
    )
    listen = read_trace(out).of("return", "listen")[0]
    assert listen.ok and listen.local is not None and listen.local[0] == "127.0.0.1"
    assert isinstance(listen.result, dict)
    assert listen.result["implicit_bind"] == [listen.local[0], listen.local[1]]
    from socketscope.model.labels import result_label

    assert "implicit bind 127.0.0.1:" in result_label(listen)


@pytest.mark.parametrize(
    ("family", "address", "expected"),
    [
        (2, ("127.1", 5), ("127.0.0.1", 5)),
        (2, (b"127.0.0.1", 5), ("127.0.0.1", 5)),
        (2, ("localhost", 5), ("127.0.0.1", 5)),
        (10, ("localhost", 5), ("::1", 5, 0, 0)),
        (10, ("::ffff:127.0.0.1", 5), ("::ffff:127.0.0.1", 5, 0, 0)),
        (10, ("::1%lo", 5), ("::1", 5, 0, 1)),
    ],
)
def test_loopback_spellings_resolve_to_what_the_call_gets(
    family: int, address: tuple[object, ...], expected: tuple[object, ...]
) -> None:
    got = loopback_address("connect", family, address)
    assert got[:2] == expected[:2]
    if family == 10 and "%" in str(address[0]):
        assert got[3] == __import__("socket").if_nametoindex("lo")


@pytest.mark.parametrize(
    "address",
    [
        ("192.0.2.1", 80),
        ("", 0),
        ("0.0.0.0", 0),
        ("<broadcast>", 9),
        ("example.invalid", 80),
        (b"\xff", 1),
        ("127.0.0.1",),
        "127.0.0.1",
        (None, 80),
        ("::ffff:192.0.2.1", 80),
        ("2001:db8::1", 80),
        ("::1%nosuchdevice", 80),
    ],
)
def test_everything_else_is_refused(address: object) -> None:
    for family in (2, 10):
        with pytest.raises(NotLoopbackError):
            loopback_address("connect", family, address)


def test_raw_and_packet_sockets_are_refused() -> None:
    import socket

    for family, kind in (
        (socket.AF_INET, socket.SOCK_RAW),
        (socket.AF_INET6, socket.SOCK_RAW),
        (socket.AF_PACKET, socket.SOCK_DGRAM),
        (socket.AF_NETLINK, socket.SOCK_DGRAM),
        (socket.AF_INET, socket.SOCK_RAW | socket.SOCK_NONBLOCK),
    ):
        with pytest.raises(SocketKindError):
            check_kind(family, kind)
    check_kind(socket.AF_INET, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
    check_kind(socket.AF_UNIX, socket.SOCK_SEQPACKET)


# --- item 5: what a run forks cannot outlive it -------------------------------------------------


@dataclass(frozen=True)
class _Forked:
    """A forked child's report: its pid and port as it sees them, and its namespaces."""

    pid: int
    port: int
    pidns: str
    netns: str


def _listen_lines(text: str) -> list[_Forked]:
    return [
        _Forked(int(a), int(b), c, d)
        for a, b, c, d in re.findall(r"CHILD-LISTEN (\d+) (\d+) (\S+) (\S+)", text)
    ]


def _members(kind: str, ns: str, inner_pid: int | None = None) -> list[int]:
    """Every process (that this user may look at) living in namespace ``ns`` of ``kind``; with
    ``inner_pid``, only the one with that pid inside its PID namespace (the kernel reuses a
    dead namespace's number: another run's may have it by now)."""
    out = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            with contextlib.suppress(OSError):
                if (
                    os.readlink(f"/proc/{name}/ns/{kind}") == ns
                    and _alive(int(name))
                    and (inner_pid is None or _nspid(int(name))[-1:] == [inner_pid])
                ):
                    out.append(int(name))
    return out


def _nspid(pid: int) -> list[int]:
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("NSpid:"):
                return [int(x) for x in line.split()[1:]]
    return []


@contextlib.contextmanager
def _held(f: _Forked) -> Iterator[None]:
    """Keep the child's namespaces from being freed (and their numbers reused) while checking:
    an open /proc/<pid>/ns file holds a namespace, never a process."""
    fds = []
    try:
        for kind, ns in (("pid", f.pidns), ("net", f.netns)):
            for pid in _members(kind, ns)[:1]:
                with contextlib.suppress(OSError):
                    fds.append(os.open(f"/proc/{pid}/ns/{kind}", os.O_RDONLY))
        yield
    finally:
        for fd in fds:
            os.close(fd)


def _own(kind: str) -> str:
    return os.readlink(f"/proc/self/ns/{kind}")


def _listening_in(ns: str, port: int) -> bool:
    """A LISTEN socket on ``port`` in network namespace ``ns``, seen from outside: through
    /proc/<pid>/net/tcp of any process in it (a namespace nobody is in has no sockets left
    but TIME_WAIT)."""
    if ns == _own("net"):
        return _listening(port)
    for pid in _members("net", ns):
        with contextlib.suppress(OSError):
            if _listening(port, f"/proc/{pid}/net"):
                return True
    return False


# A stopped run's own processes are dead when its end is reported; SocketScope's capture
# and the run host it belongs to may still be releasing the capture's packet socket (a kernel
# grace period or two, runhost/alone.py) for a moment after: they get this long to be gone.
RELEASE_GRACE = 1.0


def _left_behind(f: _Forked, held: bool = False) -> str | None:
    """What of a forked child is still there, checked from outside the run. ``held``: its
    namespaces are held open (:func:`_held`), so their numbers still name them alone. The
    child and its socket must be gone at once; the rest of a held namespace (the exiting run
    host and its capture, at most) within RELEASE_GRACE."""
    if f.pidns == _own("pid"):  # no PID namespace of the run's own: the pid is ours too
        if _alive(f.pid):
            return f"forked process {f.pid} outlived the run"
    elif left := _members("pid", f.pidns, f.pid):
        return f"forked process {left} (pid {f.pid} in the run) outlived the run"
    if _listening_in(f.netns, f.port):
        return f"a forked child's LISTEN socket on {f.port} is still open"
    if held and f.pidns != _own("pid"):
        for pid in _members("pid", f.pidns):
            wait_gone(pid, RELEASE_GRACE)
        if left := _members("pid", f.pidns):
            return f"processes {left} of the run's PID namespace outlived it"
    if held and f.netns != _own("net"):
        for pid in _members("net", f.netns):
            wait_gone(pid, RELEASE_GRACE)
        if left := _members("net", f.netns):
            return f"processes {left} still hold the run's network namespace"
    return None


def _listening(port: int, net: str = "/proc/net") -> bool:
    for table in (f"{net}/tcp", f"{net}/tcp6"):
        with open(table, encoding="ascii") as f:
            for line in f.readlines()[1:]:
                cols = line.split()
                if cols[3] == "0A" and int(cols[1].rsplit(":", 1)[1], 16) == port:
                    return True
    return False


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc")
def test_forked_children_and_orphans_do_not_outlive_the_run() -> None:
    r = subprocess.run(
        [sys.executable, "-m", "socketscope", "log", str(HERE / "scenarios" / "forks.py")],
        capture_output=True,
        text=True,
        timeout=60,
        env=ENV,
    )
    children = _listen_lines(r.stdout)
    assert len(children) == 2, r.stdout + r.stderr
    for child in children:
        assert _left_behind(child) is None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc")
def test_a_forked_child_dies_with_a_run_host_that_stop_had_to_kill() -> None:
    """The host is SIGKILLed (its actor spins): it cannot clean up, so its process group is."""
    code = (
        "import sys\n"
        "from socketscope.engine.runhost import RunHost\n"
        "from socketscope.engine.scenario import load_file\n"
        f"h = RunHost(load_file({str(HERE / 'scenarios' / 'forks_and_spins.py')!r}))\n"
        "h.start()\n"
        "sys.stdin.readline()\n"  # the test has seen the child listen
        "h.stop()\n"
        "print(h.outcome.how, flush=True)\n"
    )
    with subprocess.Popen(
        [sys.executable, "-c", code],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=ENV,
    ) as p:
        assert p.stdin is not None and p.stdout is not None
        first = p.stdout.readline()  # the forked child's line, through the pipe it inherited
        p.stdin.write("\n")
        p.stdin.flush()
        rest = p.stdout.read()
        p.wait(30)
    assert rest.splitlines()[-1] == "killed", first + rest
    (child,) = _listen_lines(first)
    assert _left_behind(child) is None, "the forked child outlived its killed run host"


# A process actor's fork, with the run stopped from its client (the window's path); run by root
# and by an ordinary user, whose run host makes its namespaces without privileges.
DRIVE_A_RUN = """
import sys
from socketscope.engine.runhost import RunHost
from socketscope.engine.scenario import load_file
h = RunHost(load_file(sys.argv[1]))
h.start()
sys.stdin.readline()  # the test has seen the child listen
h.stop()
print("OUTCOME", h.outcome.how, flush=True)
"""


def _stop_a_process_actors_fork(python: str, app: str, user: str | None) -> None:
    import shlex
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        scenario = Path(folder) / "process_forks.py"
        shutil.copyfile(HERE / "scenarios" / "process_forks.py", scenario)
        os.chmod(folder, 0o755)
        os.chmod(scenario, 0o644)
        cmd = [python, "-c", DRIVE_A_RUN, str(scenario)]
        if user is not None:
            cmd = ["su", user, "-s", "/bin/sh", "-c", " ".join(shlex.quote(a) for a in cmd)]
        with subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**ENV, "PYTHONPATH": app},
            cwd="/",
        ) as p:
            assert p.stdin is not None and p.stdout is not None and p.stderr is not None
            first = p.stdout.readline()  # the forked child's line, through the pipe it inherited
            children = _listen_lines(first)
            if not children:
                p.kill()
                raise AssertionError(first + p.stdout.read() + p.stderr.read())
            (child,) = children
            with _held(child):
                # before the stop, the child is seen from outside with its LISTEN socket
                assert _listening_in(child.netns, child.port), first
                p.stdin.write("\n")
                p.stdin.flush()
                rest = p.stdout.read()
                err = p.stderr.read()
                p.wait(30)
                assert rest.split()[-1:] == ["stopped"], first + rest + err
                assert _left_behind(child, held=True) is None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc")
def test_a_process_actors_forked_child_does_not_outlive_a_stopped_run() -> None:
    _stop_a_process_actors_fork(sys.executable, str(HERE.parent / "app"), None)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc")
@pytest.mark.skipif(os.geteuid() != 0, reason="drops privileges with su: needs root to start")
@pytest.mark.skipif(not Path("/usr/bin/python3").exists(), reason="a Python a normal user can run")
def test_an_ordinary_users_process_actor_fork_does_not_outlive_a_stopped_run(
    app_for_nobody: str,
) -> None:
    _stop_a_process_actors_fork("/usr/bin/python3", app_for_nobody, "nobody")
