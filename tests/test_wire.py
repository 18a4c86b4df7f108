"""Real packets without root: a run's own network, captured in a packet ring and decoded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

APP = str(Path(__file__).resolve().parents[1] / "app")

CAPTURE = """
import json, socket
from socketscope.engine import netns
from socketscope.engine.wire import CaptureRing
place = netns.enter_private_network()
assert place.private, place
ring = CaptureRing()
srv = socket.socket(); srv.bind(("127.0.0.1", 5000)); srv.listen()
c = socket.create_connection(("127.0.0.1", 5000)); conn, _ = srv.accept()
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
sent = 0
for i in range(N):
    sent += c.send(b"x" * 100)
got = 0
while got < sent:
    got += len(conn.recv(65536))
c.sendall(b"hello"); conn.recv(10); c.close(); conn.recv(10); conn.close(); srv.close()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", 6000))
v = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); v.sendto(b"dgram", ("127.0.0.1", 6000))
u.recvfrom(10)
packets = []
while True:
    batch = list(ring.read(timeout=0.2))
    if not batch:
        break
    packets += batch
stats = ring.stats()
print(json.dumps({
    "sent": sent + 5,
    "drops": stats.drops,
    "frames": stats.packets,
    # covered sequence space, not a sum: a loaded machine can make TCP retransmit on loopback
    "to_server": len(set().union(*(
        range(p.seq, p.seq + p.payload_len)
        for p in packets
        if p.proto == "TCP" and p.dst[1] == 5000 and p.payload_len
    ))),
    "flags": [p.flag_text for p in packets if p.proto == "TCP" and not p.payload_len],
    "udp": [[p.dst[1], p.payload.decode()] for p in packets if p.proto == "UDP"],
    "monotonic": all(a.t <= b.t for a, b in zip(packets, packets[1:])),
    "decoded": len(packets),
}))
"""


def _capture(python: str, n: int, user: str | None = None, app: str = APP) -> dict[str, Any]:
    code = f"N = {n}\n" + CAPTURE
    cmd = [python, "-c", code]
    if user is not None:
        import shlex

        cmd = ["su", user, "-s", "/bin/sh", "-c", " ".join(shlex.quote(a) for a in cmd)]
    r = subprocess.run(
        cmd,
        env={**os.environ, "PYTHONPATH": app},
        capture_output=True,
        text=True,
        timeout=60,
        cwd="/",
        check=False,
    )
    if r.returncode != 0 and "private" in r.stderr and "AssertionError" in r.stderr:
        pytest.skip(f"no private network on this system: {r.stderr.splitlines()[-1]}")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1])


def _check(out: dict[str, Any]) -> None:
    assert out["drops"] == 0 and out["frames"] == out["decoded"]
    assert out["to_server"] == out["sent"], "every byte sent is in a captured segment"
    # each frame once (the ring keeps the outgoing copy on lo): one SYN, one SYN|ACK
    assert out["flags"].count("SYN") == 1 and out["flags"].count("SYN|ACK") == 1
    assert out["flags"].count("FIN|ACK") == 2
    assert out["udp"] == [[6000, "dgram"]]
    assert out["monotonic"]


pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="AF_PACKET, Linux")


def test_a_run_captures_its_own_packets_and_loses_none() -> None:
    _check(_capture(sys.executable, 3000))


@pytest.mark.skipif(os.geteuid() != 0, reason="drops privileges with su: needs root to start")
@pytest.mark.skipif(not Path("/usr/bin/python3").exists(), reason="a Python a normal user can run")
def test_an_ordinary_user_captures_them_too(app_for_nobody: str) -> None:
    _check(_capture("/usr/bin/python3", 300, user="nobody", app=app_for_nobody))


def test_outside_its_own_network_an_ordinary_user_cannot_capture() -> None:
    if os.geteuid() == 0:
        code = (
            "import os\nfrom socketscope.engine.wire import CaptureRing\nos.setuid(65534)\n"
            "try:\n    CaptureRing()\nexcept PermissionError:\n    print('refused')\n"
        )
    else:
        code = (
            "from socketscope.engine.wire import CaptureRing\n"
            "try:\n    CaptureRing()\nexcept PermissionError:\n    print('refused')\n"
        )
    r = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "PYTHONPATH": APP},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert r.stdout.strip() == "refused", r.stderr
