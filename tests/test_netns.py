"""A private network per run: a user + network namespace made without root, and the fallback."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

APP = str(Path(__file__).resolve().parents[1] / "app")

# Run in a fresh process: unshare(CLONE_NEWUSER) needs a single-threaded one.
INSIDE = """
import json, os, socket
from socketscope.engine import netns
place = netns.enter_private_network()
out = {"place": place.to_json(), "verified": netns.verify_private(place), "uid": os.getuid()}
if place.private:
    s = socket.socket()
    s.bind(("127.0.0.1", 80))  # a privileged port: root, but only of this namespace
    s.listen()
    c = socket.create_connection(("127.0.0.1", 80))
    out["loopback"] = c.getpeername()[1]
    with open("/proc/thread-self/net/route") as f:
        out["routes"] = f.read().splitlines()[1:]  # no route out of this network
    with open("/proc/thread-self/net/tcp") as f:
        out["tcp"] = len(f.read().splitlines()) - 1  # only this run's sockets
print(json.dumps(out))
"""

linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux namespaces")


def _inside(
    python: str, env_user: str | None = None, wrap: list[str] | None = None, app: str = APP
) -> dict[str, Any]:
    cmd = [*(wrap or []), python, "-c", INSIDE]
    if env_user is not None:
        cmd = ["su", env_user, "-s", "/bin/sh", "-c", " ".join(_quote(a) for a in cmd)]
    r = subprocess.run(
        cmd,
        env={**os.environ, "PYTHONPATH": app},
        capture_output=True,
        text=True,
        timeout=30,
        cwd="/",
        check=False,
    )
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1])


def _quote(arg: str) -> str:
    import shlex

    return shlex.quote(arg)


def _private_network_allowed() -> bool:
    r = subprocess.run(["unshare", "-rn", "true"], capture_output=True, check=False)
    return r.returncode == 0


@linux
@pytest.mark.skipif(
    shutil.which("unshare") is None or not _private_network_allowed(),
    reason="this system forbids unprivileged user namespaces (the fallback is tested below)",
)
def test_a_run_gets_a_network_of_its_own() -> None:
    out = _inside(sys.executable)
    assert out["place"]["private"] and out["verified"]
    assert out["uid"] == 0 and out["loopback"] == 80
    assert out["routes"] == [], "no route leads anywhere from a run's network"
    # the listener, the client and the connection waiting in the accept queue: nothing else
    assert out["tcp"] == 3, "the run sees only its own sockets"


@linux
@pytest.mark.skipif(os.geteuid() != 0, reason="drops privileges with su: needs root to start")
@pytest.mark.skipif(not Path("/usr/bin/python3").exists(), reason="a Python a normal user can run")
def test_a_normal_user_gets_it_too(app_for_nobody: str) -> None:
    """CI runs as root: the same set-up as an unprivileged user (the venv under /root is out of
    its reach, so the system's Python runs the engine, which needs nothing but the standard
    library)."""
    out = _inside("/usr/bin/python3", env_user="nobody", app=app_for_nobody)
    if not out["place"]["private"]:
        pytest.skip(f"unprivileged user namespaces are off here: {out['place']}")
    assert out["verified"] and out["uid"] == 0 and out["loopback"] == 80 and out["routes"] == []


@linux
@pytest.mark.skipif(shutil.which("unshare") is None, reason="util-linux unshare")
def test_where_namespaces_are_forbidden_the_run_stays_on_loopback_and_says_why() -> None:
    """user.max_user_namespaces=0, made for real inside a namespace of the test's own."""
    if not _private_network_allowed():
        pytest.skip("cannot make the outer namespace that forbids the inner one")
    script = f"echo 0 > /proc/sys/user/max_user_namespaces && {_quote(sys.executable)} -c " + (
        _quote(INSIDE)
    )
    r = subprocess.run(
        ["unshare", "-Ur", "sh", "-c", script],
        env={**os.environ, "PYTHONPATH": APP},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["place"]["private"] is False and out["verified"] is False
    assert out["place"]["reason"] == "userns-disabled" and "errno 28" in out["place"]["detail"]


@linux
def test_every_run_host_runs_in_a_network_of_its_own(tmp_path: Path) -> None:
    """The user's path: `socketscope trace` (the window's path too) runs the lesson in a run host
    that made its own network; the trace says where its sockets lived."""
    from socketscope.engine import read_trace

    out = tmp_path / "echo.jsonl"
    r = subprocess.run(
        [sys.executable, "-m", "socketscope", "trace", "tcp-echo", "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    net = read_trace(out).header["network"]
    if not _private_network_allowed():
        assert net["private"] is False and net["reason"], net
        return
    assert net["private"] is True
    assert net["namespace"] and net["namespace"] != os.readlink("/proc/self/ns/net")
