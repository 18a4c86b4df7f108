"""`socketscope log` shows the run's real packets between its calls: each as one line with its
time, interface, sender and receiver, flags and numbers, and the call that made the kernel send it
(or the kernel on its own), in English or Korean; a bulk transfer's packets as one line with their
count. Real runs of the real CLI."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT / "app"), "NO_COLOR": "1"}

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="AF_PACKET, Linux")


def _private_network_allowed() -> bool:
    if shutil.which("unshare") is None:
        return False
    r = subprocess.run(["unshare", "-rn", "true"], capture_output=True, check=False)
    return r.returncode == 0


def _log(*args: str, env: dict[str, str] | None = None) -> list[str]:
    if not _private_network_allowed():
        pytest.skip("no private network on this system: no packets to show")
    r = subprocess.run(
        [sys.executable, "-m", "socketscope", *args],
        capture_output=True,
        text=True,
        env=env or ENV,
        timeout=120,
        cwd="/",
        check=False,
    )
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    return r.stdout.splitlines()


def _packets(lines: list[str]) -> list[str]:
    return [x.strip()[2:] for x in lines if x.lstrip().startswith("⇢ ")]


_PACKET = re.compile(
    r"^(?P<t>\d+\.\d{6})(?: s|초) (?P<where>\S+(?: \S+)?)  (?P<src>\S+) → (?P<dst>\S+)  "
    r"(?P<what>.+), (?P<why>[^,]+)$"
)


def test_tcp_echo_logs_its_handshake_data_and_fins_each_with_its_call() -> None:
    lines = _log("log", "tcp-echo")
    pkts = [_PACKET.match(x) for x in _packets(lines)]
    assert all(pkts), _packets(lines)
    got = [(m["src"], m["dst"], m["what"].split(" ")[0], m["why"]) for m in pkts if m]
    assert got[:3] == [
        ("Client", "Server", "SYN", "caused by Client's connect()"),
        ("Server", "Client", "SYN+ACK", "caused by Client's connect()"),
        ("Client", "Server", "ACK", "caused by Client's connect()"),
    ]
    assert "seq=0" in pkts[0]["what"] and "win=" in pkts[0]["what"]  # type: ignore[index]
    data = [g for g, m in zip(got, pkts, strict=True) if m and "len=13" in m["what"]]
    assert data == [
        ("Client", "Server", "PSH+ACK", "caused by Client's send()"),
        ("Server", "Client", "PSH+ACK", "caused by Server's send()"),
    ]
    # each end's FIN from its own close() (which end closes first is the scheduler's choice)
    fins = sorted(g for g in got if g[2].startswith("FIN"))
    assert fins == [
        ("Client", "Server", "FIN+ACK", "caused by Client's close()"),
        ("Server", "Client", "FIN+ACK", "caused by Server's close()"),
    ]
    times = [float(m["t"]) for m in pkts if m]
    assert times == sorted(times) and all(m and m["where"] == "lo" for m in pkts)
    # the calls are still there, in their strace form, and no packet line looks like one
    assert any(x.startswith("[Client] connect(") for x in lines)
    assert not any(x.startswith("[") and "⇢" in x for x in lines)


def test_the_packets_are_written_among_the_calls_as_they_happened() -> None:
    """The capture's packets reach the log late (it pairs each with its call first): the log
    waits for the capture to vouch for a time before it writes the calls after it. Each packet
    comes after a line of the call that caused it, and a run's packets are not all written after
    its last call (which is what a short run's log did before: tcp-echo lasts some 15 ms)."""
    _check_among_the_calls(_log("log", "tcp-echo"))


@pytest.mark.skipif(os.geteuid() != 0, reason="drops privileges with su: needs root to start")
@pytest.mark.skipif(not Path("/usr/bin/python3").exists(), reason="a Python a normal user can run")
def test_an_ordinary_users_log_has_its_packets_among_the_calls_too(app_for_nobody: str) -> None:
    if not _private_network_allowed():
        pytest.skip("no private network on this system: no packets to show")
    cmd = "/usr/bin/python3 -m socketscope log tcp-echo"
    r = subprocess.run(
        ["su", "nobody", "-s", "/bin/sh", "-c", cmd],
        env={**ENV, "PYTHONPATH": app_for_nobody},
        capture_output=True,
        text=True,
        timeout=120,
        cwd="/",
        check=False,
    )
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    _check_among_the_calls(r.stdout.splitlines())


def _check_among_the_calls(lines: list[str]) -> None:
    at = {i: m for i, x in enumerate(lines) if (m := _PACKET.match(x.strip()[2:]))}
    assert len(at) >= 10, lines

    def first(prefix: str) -> int:
        return next(i for i, x in enumerate(lines) if x.startswith(prefix))

    for i, m in at.items():
        who, op = re.fullmatch(r"caused by (\S+)'s (\w+)\(\)", m["why"]).groups()  # type: ignore[union-attr]
        assert any(x.startswith(f"[{who}] {op}(") for x in lines[:i]), (i, lines)
    syn = min(i for i, m in at.items() if m["what"].startswith("SYN "))
    # the handshake, inside connect(), is written before the server closes anything (some
    # 7 ms later), and the client's data before the server sends its echo
    assert syn < first("[Server] close("), lines
    data = [i for i, m in at.items() if "len=13" in m["what"]]
    assert data[0] < first("[Server] send("), lines
    assert min(at) < max(i for i, x in enumerate(lines) if x.startswith("[")), lines


def test_a_slow_connect_holds_back_only_its_own_syn() -> None:
    """tcp-backlog: Client 3's connect() waits a second for the kernel to send its SYN again.
    Client 2's SYN (its own connect() already in progress) was held for it too, and so every
    packet after it: the handshakes, data and FINs of Clients 1 and 2 (5-25 ms into the run)
    came after Client 3's connect() returned, a second later. Each of those is written before
    that line now, and the run's first packets before Client 2's connect() returns."""
    lines = _log("log", "tcp-backlog")
    # "⇢ 0.015655 s lo  Client 2 → Server  SYN seq=0 ..." (names of two words: no _PACKET)
    at = {i: x.strip() for i, x in enumerate(lines) if x.lstrip().startswith("⇢ ")}

    def returned(who: str, op: str) -> int:
        """The line that says the call returned: its own, or its "resumed" line."""
        return next(
            i
            for i, x in enumerate(lines)
            if x.startswith(f"[{who}] <... {op} resumed>")
            or (x.startswith(f"[{who}] {op}(") and "<unfinished" not in x)
        )

    for n in (1, 2):
        # the welcome each reads was on the wire before its recv() returned with it
        welcome = next(i for i, x in at.items() if f"Server → Client {n}  PSH+ACK" in x)
        assert welcome < returned(f"Client {n}", "recv"), lines
        # and its handshake before its connect() returned
        syn = next(i for i, x in at.items() if f"Client {n} → Server  SYN " in x)
        assert syn < returned(f"Client {n}", "connect"), lines


def test_in_korean_the_packet_lines_say_why_in_korean() -> None:
    for args in (("--lang", "ko", "log", "tcp-echo"), ("log", "tcp-echo", "--lang", "ko")):
        pkts = _packets(_log(*args))
        assert len(pkts) >= 10
        assert pkts[0].split(" ", 1)[0].endswith("초")
        assert pkts[0].endswith("Client의 connect() 때문에 보냄") and "SYN seq=0" in pkts[0]
        for actor in ("Server", "Client"):
            assert any(p.endswith(f"{actor}의 close() 때문에 보냄") and "FIN" in p for p in pkts)
        assert not any("caused by" in p for p in pkts)


def test_a_bulk_transfer_logs_its_packets_as_lines_with_their_count() -> None:
    env = {**ENV, "SOCKETSCOPE_BENCH_BYTES": str(4 << 20)}
    lines = _log("log", str(ROOT / "bench" / "transfer_scenario.py"), env=env)
    pkts = _packets(lines)
    bulk = [p for p in pkts if " data segments, " in p]
    assert bulk, pkts
    total = 0
    for p in bulk:
        m = re.search(r"  Sender → Receiver  ([\d,]+) data segments, ([\d,]+) bytes of data", p)
        assert m and p.endswith("caused by Sender's send()"), p
        total += int(m[2].replace(",", ""))
    # every byte of the transfer is in a data line (a summary or a lone segment), once: a busy
    # loopback does drop now and then, and a retransmission carries bytes sent before
    first = [p for p in pkts if "retransmission: " not in p]
    lone = [int(m[1]) for p in first if (m := re.search(r"Sender → Receiver .*len=(\d+)", p))]
    assert total + sum(lone) == 4 << 20
    assert len(pkts) < 200  # thousands of packets, a few lines


def test_a_packet_is_not_held_back_behind_its_senders_waiting_receive(tmp_path: Path) -> None:
    """The capture's events reach the trace late, in between the calls' events. When the
    client's recv() return comes before the server's send() return that fed it (two threads,
    either may report first), the log holds the recv back until the send is printed, and must
    not hold the client's packets with it: the handshake still reads SYN, SYN+ACK, ACK."""
    from dataclasses import replace

    from socketscope.engine import read_trace
    from socketscope.terminal import LogFormatter

    out = tmp_path / "echo.jsonl"
    _log("trace", "tcp-echo", "-o", str(out))
    events = list(read_trace(out).events)
    send = next(e for e in events if (e.actor, e.kind, e.op) == ("Server", "return", "send"))
    recv = next(e for e in events if (e.actor, e.kind, e.op) == ("Client", "return", "recv"))
    # the packets the capture could have written by then: those whose cause came before
    early = [
        e for e in events if e.kind == "packet" and isinstance(e.cause, int) and e.cause < send.seq
    ]
    assert len(early) >= 3  # the handshake at least
    # the server's events from its send()'s return on wait until the client's recv() returned
    late = [
        e
        for e in events
        if e.actor == "Server" and send.seq <= e.seq < recv.seq and e.kind != "packet"
    ]
    head = [e for e in events if e.seq <= recv.seq and e.kind != "packet" and e not in late]
    # every other packet (one its cause in ``late`` made, too) comes after: the capture is late
    taken = {e.seq for e in [*head, *early, *late]}
    order = [*head, *early, *late, *(e for e in events if e.seq not in taken)]
    new = {e.seq: i + 1 for i, e in enumerate(order)}
    renumbered = [
        replace(
            e,
            seq=new[e.seq],
            cause=new.get(e.cause, e.cause) if isinstance(e.cause, int) else e.cause,
            during=new.get(e.during, e.during) if isinstance(e.during, int) else e.during,
        )
        for e in order
    ]
    fmt = LogFormatter(width=6)
    lines = [x for e in renumbered for x in fmt.feed(e)] + list(fmt.finish())
    print("\n".join(lines))  # shown when it fails
    pkts = [_PACKET.match(x) for x in _packets(lines)]
    got = [(m["src"], m["dst"], m["what"].split(" ")[0], m["why"]) for m in pkts if m]
    assert got[:3] == [
        ("Client", "Server", "SYN", "caused by Client's connect()"),
        ("Server", "Client", "SYN+ACK", "caused by Client's connect()"),
        ("Client", "Server", "ACK", "caused by Client's connect()"),
    ], lines

    # and the recv() still reads after the send() that fed it
    def returned(actor: str, op: str) -> int:
        """The line where the call's result is printed: whole, or resumed after others."""
        heads = (f"[{actor}] {op}(", f"[{actor}] <... {op} resumed>")
        return next(i for i, x in enumerate(lines) if x.startswith(heads) and x.endswith("= 13"))

    sent, got_it = returned("Server", "send"), returned("Client", "recv")
    assert sent < got_it, lines


def test_a_capture_that_falls_silent_holds_the_log_up_for_three_seconds_at_most() -> None:
    """The order's own rule, on events as a run makes them: a packet goes in by its time but never
    before its cause; the calls wait for the capture's word, and once the capture is LAG_LIMIT
    behind the run (the machine starves it) they are written without it. Each stream keeps its
    own order, and an item passes those of the other streams stamped after it: a packet that
    comes late passes a program's line taken after it, and a program's calls, which come later
    than its lines, pass the line they led to."""
    from socketscope.engine.events import Event
    from socketscope.terminal import OutputLine, WireOrder

    def seqs(items: list[Event | OutputLine]) -> list[int | None]:
        return [e.seq if isinstance(e, Event) else None for e in items]

    order = WireOrder(capture=True)
    call = Event(seq=1, t=0.010, actor="Client", kind="call", op="connect")
    ret = Event(seq=2, t=0.012, actor="Client", kind="return", op="connect", ok=True)
    nxt = Event(seq=3, t=0.020, actor="Client", kind="call", op="send")
    for ev in (call, ret, nxt):
        order.add(ev)
    assert order.ready(None, now=0.02) == []  # no word from the capture yet
    # the kernel's clock against the calls' (pairing.LAG): a packet stamped before its call
    syn = Event(seq=4, t=0.009, actor="Client", kind="packet", cause=1)
    ack = Event(seq=5, t=0.011, actor="Client", kind="packet", cause=1)
    order.add(syn)
    order.add(ack)
    # what a program printed, taken at run time 0.0115: after the events before that
    order.add(OutputLine(0.0115, "Client", "stdout", "connected"))
    assert seqs(order.ready(0.015, now=0.03)) == [1, 4, 5, None, 2]
    assert order.ready(None, now=3.0) == []
    assert seqs(order.ready(None, now=3.03)) == [3]
    late = Event(seq=6, t=0.018, actor="Client", kind="packet", cause=3)
    order.add(late)  # after what was written: it comes next, late
    assert seqs(order.rest()) == [6]
    assert WireOrder(capture=False).ready(None, now=0.0) == []

    order = WireOrder(capture=True)
    order.add(Event(seq=1, t=0.010, actor="curl", kind="call", op="send"))
    order.add(OutputLine(0.030, "server", "stdout", "GET / HTTP/1.1"))
    order.add(Event(seq=2, t=0.020, actor="server", kind="return", op="recv", ok=True))
    order.add(Event(seq=3, t=0.012, actor="curl", kind="packet", cause=1))
    order.add(Event(seq=4, t=0.013, actor="curl", kind="packet", cause=1))
    assert seqs(order.ready(0.05, now=0.05)) == [1, 3, 4, 2, None]


def test_a_programs_line_comes_after_the_calls_made_before_it() -> None:
    """A program's calls reach the log later than what it prints (the run host holds a
    program's events for the relay's lag), and the log used to write "got b'tick 0'" before
    the recv() that got it. Here each line comes after its recv(), on the terminal's one
    stream (the log writes calls to stdout and the programs' lines to stderr)."""
    if not _private_network_allowed():
        pytest.skip("no private network on this system: no packets to show")
    program = ROOT / "tests" / "programs" / "udp_to_itself.py"
    r = subprocess.run(
        [sys.executable, "-m", "socketscope", "log", "--program", f"python3 {program}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=ENV,
        timeout=120,
        cwd="/",
        check=False,
    )
    assert r.returncode == 0, r.stdout
    lines = r.stdout.splitlines()
    recvs = [i for i, x in enumerate(lines) if x.startswith("[udp_to_itself.py] recv(")]
    said = [i for i, x in enumerate(lines) if "udp_to_itself.py | got b'tick" in x]
    assert len(recvs) == 3 and len(said) == 3, lines
    assert all(r < s for r, s in zip(recvs, said, strict=True)), lines
    assert not any("dropped" in x for x in lines), lines
