"""Two hosts and a link with weather: real namespaces, real veth pairs, a real relay, and the
lessons it makes real, each asserted from the trace of a real run (root and ``nobody``)."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import lesson_trace
from socketscope.engine import Trace
from socketscope.engine.events import Event, WirePacket
from socketscope.engine.loopback import GuardedSocket, NotLoopbackError
from socketscope.engine.scenario import ScenarioError, get, load_file
from socketscope.engine.wire.decode import Packet
from socketscope.engine.wire.network import Link, NetworkSpecError, Rule, parse
from socketscope.engine.wire.relay import Policy
from socketscope.model.diagram import DiagramLayout
from socketscope.model.state import RunState

APP = str(Path(__file__).resolve().parents[1] / "app")


def _private_network_allowed() -> bool:
    r = subprocess.run(["unshare", "-rn", "true"], capture_output=True, check=False)
    return r.returncode == 0


needs_namespaces = pytest.mark.skipif(
    not sys.platform.startswith("linux") or not _private_network_allowed(),
    reason="two hosts need unprivileged user + network namespaces",
)


def rets(t: Trace, op: str, actor: str | None = None) -> list[Event]:
    return t.of("return", op, actor)


def no_errors(t: Trace) -> None:
    assert not t.of("error"), [e.message for e in t.of("error")]


# --- the policy: seeded, exact ----------------------------------------------------------------


def _segment(seq: int, payload: int = 100, flags: tuple[str, ...] = ("ACK",)) -> Packet:
    return Packet(0.0, "TCP", ("10.0.0.1", 4000), ("10.0.0.2", 5000), 0, payload, b"", flags, seq)


def test_the_same_seed_makes_the_same_choices() -> None:
    weather = Link(loss=20, delay_ms=5, jitter_ms=3, reorder=10, duplicate=10, seed=7)
    runs = []
    for _ in range(2):
        p = Policy(weather)
        runs.append([p.decide("A>B", _segment(i)) for i in range(300)])
    assert runs[0] == runs[1]
    actions = [d.action for d in runs[0]]
    # 300 draws at 20 % loss: some dropped, most not (binomial, 3 sigma is ±21)
    assert 30 < actions.count("dropped") < 90
    assert "duplicated" in actions and "reordered" in actions
    other = Policy(Link(loss=20, seed=8))
    assert [other.decide("A>B", _segment(i)).action for i in range(300)] != actions


def test_exact_rules_hit_only_the_packet_they_name() -> None:
    p = Policy(Link(rules=(Rule("drop", "tcp-data", 2, "A>B"), Rule("drop", "syn", 1))))
    syn = p.decide("A>B", _segment(0, 0, ("SYN",)))
    assert syn.action == "dropped" and syn.why == "rule 2"
    assert p.decide("A>B", _segment(0, 0, ("SYN",))).action is None, "only the first SYN"
    assert p.decide("B>A", _segment(1)).action is None, "the other direction is not counted"
    assert p.decide("A>B", _segment(1)).action is None
    assert p.decide("A>B", _segment(101)).action == "dropped"
    assert p.decide("A>B", _segment(201)).action is None


@pytest.mark.parametrize(
    ("network", "said"),
    [
        ("[]", "NETWORK must be a dict"),
        ("{'hosts': {'A': '10.0.0.1'}}", "must name hosts 'A' and 'B'"),
        ("{'hosts': {'A': '10.0.0.1', 'B': '192.168.1.7'}}", "must be a host of 10.0.0.0/24"),
        ("{'hosts': {'A': '10.0.0.1', 'B': '10.0.0.1'}}", "two hosts with the address"),
        ("{'hosts': {'A': '10.0.0.1', 'B': '10.0.0.2'}, 'link': {'loss': 120}}", "between 0"),
        (
            "{'hosts': {'A': '10.0.0.1', 'B': '10.0.0.2'}, 'link': {'rules': [{'do': 'eat'}]}}",
            "['rules'][0]['do'] must be one of drop, delay, duplicate",
        ),
        (
            "{'hosts': {'A': '10.0.0.1', 'B': '10.0.0.2'}, 'link': {'rules': [{'do': 'delay'}]}}",
            "a delay needs 'ms'",
        ),
    ],
)
def test_a_wrong_network_is_named_in_the_message(tmp_path: Path, network: str, said: str) -> None:
    f = tmp_path / "net.py"
    f.write_text(
        "from socketscope.api import actor\nID = 'n'\nTITLE = SUMMARY = {'en': 'x', 'ko': '가'}\n"
        f"NETWORK = {network}\n@actor('A')\ndef a():\n    pass\n"
    )
    with pytest.raises(ScenarioError) as e:
        load_file(f)
    assert str(f) in str(e.value) and said in str(e.value)


def test_an_actor_on_a_host_needs_a_network(tmp_path: Path) -> None:
    f = tmp_path / "nohosts.py"
    f.write_text(
        "from socketscope.api import actor\nID = 'n'\nTITLE = SUMMARY = {'en': 'x', 'ko': '가'}\n"
        "@actor('A', host='B')\ndef a():\n    pass\n"
    )
    with pytest.raises(ScenarioError, match="names host 'B', but the scenario declares no NETWORK"):
        load_file(f)


def test_weather_from_the_window_keeps_the_lessons_rules() -> None:
    spec = parse({"hosts": {"A": "10.0.0.1", "B": "10.0.0.2"}, "link": {"rules": [{"do": "drop"}]}})
    changed = spec.with_weather({"loss": 10, "delay_ms": 30})
    assert changed.link.loss == 10 and changed.link.delay_ms == 30 and changed.link.rules
    with pytest.raises(NetworkSpecError, match="the network panel"):
        spec.with_weather({"loss": -1})


def test_outside_a_run_the_hosts_addresses_are_refused() -> None:
    # this test process is on the machine's own network: 10.0.0.2 could be a real machine
    s = GuardedSocket()
    try:
        with pytest.raises(NotLoopbackError):
            s.connect(("10.0.0.2", 9))
    finally:
        s.close()


# --- the lessons, from real runs ----------------------------------------------------------------


@needs_namespaces
def test_udp_reorder_the_receiver_gets_datagrams_out_of_order_and_one_twice() -> None:
    t = lesson_trace(get("udp-reorder"))
    no_errors(t)
    sent = rets(t, "sendto", "Sender")
    got = rets(t, "recvfrom", "Receiver")
    assert [bytes.fromhex(e.data or "") for e in sent] == [b"d1", b"d2", b"d3", b"d4", b"d5"]
    assert [bytes.fromhex(e.data or "") for e in got if e.ok] == [
        b"d2",
        b"d3",
        b"d3",
        b"d4",
        b"d5",
        b"d1",
    ]
    # pairing survives it: each receive names the sendto() it got, the duplicate too
    by_dgram = {e.dgram: bytes.fromhex(e.data or "") for e in sent}
    assert [by_dgram[e.dgram] for e in got if e.ok] == [b"d2", b"d3", b"d3", b"d4", b"d5", b"d1"]
    assert not t.of("dgram_lost"), "a reordered datagram is not lost"
    link = t.of("link")
    assert [(e.op, e.params and e.params["packet"]) for e in link] == [
        ("delayed", "datagram"),
        ("duplicated", "datagram"),
    ]
    assert t.header["network"]["private"] and t.header["actor_hosts"] == {
        "Receiver": "B",
        "Sender": "A",
    }
    src = {tuple(e.peer or ()) for e in got if e.ok}
    assert src == {("10.0.0.1", sent[0].local[1] if sent[0].local else None)} or all(
        p[0] == "10.0.0.1" for p in src
    ), "datagrams came from host A"
    if (t.header.get("capture") or {}).get("available"):
        # captured on both hosts: five datagrams leave host A, six arrive at host B (d3 twice)
        assert t.header["capture"]["interfaces"] == ["A:eth0", "B:eth0"]
        left, came = copies(t, "UDP")
        assert {p.host for p in left.values()} == {"A"}
        assert {p.host for _, p in came} == {"B"}
        assert [bytes.fromhex(p.payload or "") for p in left.values()] == [
            b"d1",
            b"d2",
            b"d3",
            b"d4",
            b"d5",
        ]
        arrived = [bytes.fromhex(p.payload or "") for _, p in came]
        assert arrived == [b"d2", b"d3", b"d3", b"d4", b"d5", b"d1"], "as the receiver got them"
        # each real packet is one arrow; the second arrival of d3 a second one, "duplicate"
        lay = layout(t)
        arrows = lay.wire.arrows
        assert len(arrows) == 6 and [a.dup for a in arrows].count(True) == 1
        dup = next(a for a in arrows if a.dup)
        assert dup.ev.packet is not None and dup.ev.packet.payload == b"d3".hex()
        assert not lay.link_dropped


def copies(t: Trace, proto: str) -> tuple[dict[int, WirePacket], list[tuple[int, WirePacket]]]:
    """A two-host run's packets: each seen leaving its host (by packet.id), and each copy seen
    arriving (the id it shares with the one that left, and the copy)."""
    left: dict[int, WirePacket] = {}
    came: list[tuple[int, WirePacket]] = []
    for e in t.of("packet"):
        p = e.packet
        if p is None or p.proto != proto or p.id is None:
            continue
        if p.arrival:
            came.append((p.id, p))
        else:
            left[p.id] = p
    return left, came


def layout(t: Trace) -> DiagramLayout:
    lay = DiagramLayout(list(t.header["actors"]))
    lay.set_network(t.header)
    lay.extend(t.events)
    return lay


@needs_namespaces
def test_a_datagram_the_link_drops_is_seen_leaving_and_never_arriving() -> None:
    t = lesson_trace(load_file(Path(__file__).parent / "scenarios" / "udp_link_drop.py"))
    no_errors(t)
    got = [bytes.fromhex(e.data or "") for e in rets(t, "recvfrom", "Receiver") if e.ok]
    assert got == [b"d1", b"d3"]
    if not (t.header.get("capture") or {}).get("available"):
        pytest.skip("no capture on this system")
    left, came = copies(t, "UDP")
    arrived = {i for i, _ in came}
    lost = [i for i in left if i not in arrived]
    assert [bytes.fromhex(left[i].payload or "") for i in lost] == [b"d2"]
    packet = next(e for e in t.of("packet") if e.packet is not None and e.packet.id == lost[0])
    # paired with the sendto() that sent it, though nothing received it
    second = t.of("call", "sendto", "Sender")[1]
    assert packet.cause == second.seq
    lay = layout(t)
    assert lay.link_dropped == {packet.seq}, "the link's event names the packet it dropped"
    crossed = [a for a in lay.arrows if a.kind == "lost"]
    assert len(crossed) == 1 and crossed[0].lane0 == lay.lanes.index("Sender")


@needs_namespaces
def test_tcp_retransmit_every_byte_arrives_once_and_in_order() -> None:
    t = lesson_trace(get("tcp-retransmit"))
    no_errors(t)
    sent = b"".join(bytes.fromhex(e.data or "") for e in rets(t, "send", "Client"))
    recvs = [e for e in rets(t, "recv", "Server") if e.nbytes]
    got = b"".join(bytes.fromhex(e.data or "") for e in recvs)
    assert sent == got and len(got) == 5000
    dropped = [e for e in t.of("link") if e.op == "dropped"]
    assert len(dropped) == 1 and dropped[0].params
    assert dropped[0].params["packet"] == "tcp-data" and dropped[0].params["dir"] == "A>B"
    # recv() got part 1 alone, and the rest only once the retransmission filled the gap
    assert bytes.fromhex(recvs[0].data or "").startswith(b"part 1 ") and recvs[0].nbytes == 1000
    # the rest only a round trip later (dup ACKs to A, the retransmission to B: 2 × 20 ms)
    assert recvs[1].t - recvs[0].t > 0.03
    packets = t.of("packet")
    if (t.header.get("capture") or {}).get("available"):  # the capture records it itself
        roles = [e.packet.role for e in packets if e.packet is not None]
        assert "retransmission" in roles
        # the link event names the captured segment it dropped: part 2, stream bytes 1000-1999
        assert dropped[0].params["rel_seq"] == 1001
        left, came = copies(t, "TCP")
        same = {i: p.role for i, p in left.items() if p.seq == 1001 and p.len == 1000}
        assert list(same.values()) == ["data", "retransmission"], "seen leaving host A twice"
        first, again = same
        arrived = [i for i, _ in came]
        assert first not in arrived and arrived.count(again) == 1, "B got the second only"
        # the diagram: the dropped segment's arrow ends on the link, in a ✗
        lay = layout(t)
        lost = [e for e in packets if e.packet is not None and e.packet.id == first]
        assert lay.link_dropped == {lost[0].seq}
        # the retransmission is drawn where the run was when it left: before the recv() it
        # filled returned (the capture writes it later, after the run's last calls)
        resent = next(a for a in lay.wire.arrows if a.ev.packet and a.ev.packet.id == again)
        returned = lay.row_seqs.index(recvs[1].seq)  # the row of that recv()'s return
        assert resent.row < returned, (resent.row, returned)


@needs_namespaces
def test_the_link_is_not_an_actor_and_a_two_host_run_ends() -> None:
    """The link's drops are events, not an actor's calls: at the end every actor has finished
    and the status bar says the run is over (it said "Press Space to run" after tcp-retransmit)."""
    t = lesson_trace(get("tcp-retransmit"))
    assert t.of("link")
    st = RunState.at(t.events, len(t.events), list(t.header["actors"]))
    assert set(st.actors) == {"Server", "Client"}
    assert st.sentence("en").startswith("The run is over:"), st.sentence("en")
    assert st.sentence("ko").startswith("실행이 끝났습니다"), st.sentence("ko")


@needs_namespaces
def test_tcp_syn_retry_connect_waits_for_the_kernels_second_syn() -> None:
    t = lesson_trace(get("tcp-syn-retry"))
    no_errors(t)
    connect = rets(t, "connect", "Client")[0]
    assert connect.ok and connect.blocked
    assert 0.9 < (connect.duration or 0) < 1.9, "one RTO of about a second, not two"
    dropped = [e for e in t.of("link") if e.op == "dropped"]
    assert [e.params and e.params["packet"] for e in dropped] == ["syn"]
    if (t.header.get("capture") or {}).get("available"):
        # the diagram marks the captured SYN the link lost: the first one, not its retry
        lay = layout(t)
        syns = [
            e
            for e in t.of("packet")
            if e.packet is not None and e.packet.flags == ("SYN",) and not e.packet.arrival
        ]
        assert len(syns) == 2 and syns[1].packet is not None
        assert syns[1].packet.role == "retransmission"
        assert lay.link_dropped == {syns[0].seq}
    assert bytes.fromhex(rets(t, "recv", "Server")[0].data or "") == b"hello, at last"


# --- as an ordinary user ----------------------------------------------------------------------


def _cli_as(
    user: str | None, python: str, app: str, *args: str
) -> subprocess.CompletedProcess[str]:
    cmd = [python, "-m", "socketscope", *args]
    if user is not None:
        cmd = ["su", user, "-s", "/bin/sh", "-c", " ".join(shlex.quote(a) for a in cmd)]
    return subprocess.run(
        cmd,
        env={**os.environ, "PYTHONPATH": app, "QT_QPA_PLATFORM": "offscreen"},
        capture_output=True,
        text=True,
        timeout=60,
        cwd="/",
        check=False,
    )


def _trace_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@needs_namespaces
@pytest.mark.skipif(os.geteuid() != 0, reason="drops privileges with su: needs root to start")
@pytest.mark.skipif(not Path("/usr/bin/python3").exists(), reason="a Python a normal user can run")
def test_an_ordinary_user_runs_two_hosts_and_the_relay(app_for_nobody: str) -> None:
    r = _cli_as("nobody", "/usr/bin/python3", app_for_nobody, "trace", "udp-reorder")
    assert r.returncode == 0, r.stderr
    lines = _trace_lines(r.stdout)
    header, events = lines[0], lines[1:]
    assert header["network"]["private"] and header["network"]["hosts"]["B"] == "10.0.0.2"
    got = [
        bytes.fromhex(e.get("data", "")).decode()
        for e in events
        if e["kind"] == "return" and e["op"] == "recvfrom" and e.get("ok")
    ]
    assert got == ["d2", "d3", "d3", "d4", "d5", "d1"]
    assert [e["op"] for e in events if e["kind"] == "link"] == ["delayed", "duplicated"]


@needs_namespaces
def test_tcp_zero_window_the_writer_waits_for_the_paused_reader() -> None:
    t = lesson_trace(get("tcp-zero-window"))
    no_errors(t)
    sent = rets(t, "sendall", "Writer")[0]
    assert sent.ok and sent.blocked and (sent.duration or 0) > 1.2, "blocked behind window 0"
    got = sum(e.nbytes or 0 for e in [*rets(t, "recv", "Reader"), *t.of("burst", "recv")])
    assert got == 64 * 1024
    packets = t.of("packet")
    if (t.header.get("capture") or {}).get("available"):  # the zero window and its update
        roles = {e.packet.role for e in packets if e.packet is not None}
        assert {"zero-window", "window-update"} <= roles


def test_the_old_id_tcp_nagle_still_finds_the_lesson() -> None:
    assert get("tcp-nagle").id == "tcp-delayed-ack-nagle"


@needs_namespaces
def test_tcp_delayed_ack_nagle_write_write_read_stalls_on_the_delayed_ack() -> None:
    """Measured first (a loopback script in a namespace, idle machine): write, write, read
    stalls 41-48 ms an exchange once the server's end is interactive; 0.05-0.3 ms with
    TCP_NODELAY. Checked here on the wire, where the kernels' timing is, not from the client's
    recv() time, which on a loaded machine also holds the client's own wait for the CPU."""
    from socketscope.engine.runhost import RunHost

    scenario = get("tcp-delayed-ack-nagle")
    host = RunHost(scenario)  # a run host of its own: a private network, and its capture
    t = Trace(scenario.header(), host.run_to_end(timeout=30))
    t.header["capture"] = host.capture or {}
    no_errors(t)
    assert all(e.ok and not e.blocked for e in rets(t, "send", "Client")), "send() never waits"
    got = b"".join(bytes.fromhex(e.data or "") for e in rets(t, "recv", "Server"))
    assert got == b"HDR0BDY0HDR1BDY1HDR2BDY2" * 2
    if not t.header["capture"].get("available"):
        pytest.skip("no capture on this system: the stall is not shown on the wire")
    packets = [e for e in t.of("packet") if e.packet is not None and e.conn is not None]
    conns = sorted({e.conn for e in packets})
    assert len(conns) == 2
    returns = {e.seq: e for e in t.events if e.kind == "return"}
    calls = {e.seq: e for e in t.of("call")}

    def returned(call_seq: object) -> Event:
        """The return of a call, by the call's seq (the next return of that actor)."""
        assert isinstance(call_seq, int)
        c = calls[call_seq]
        return min(
            (r for r in returns.values() if r.actor == c.actor and r.seq > c.seq),
            key=lambda r: r.seq,
        )

    def client_data(conn: int) -> list[Event]:
        return [
            e
            for e in packets
            if e.conn == conn and e.actor == "Client" and e.packet and e.packet.role == "data"
        ]

    # default (Nagle): the server's kernel delays its ACK of a header; the body waits for it
    delayed = [e for e in packets if e.conn == conns[0] and e.packet.role == "delayed-ack"]  # type: ignore[union-attr]
    assert delayed and all(e.cause == "timer" for e in delayed), "the delayed ACK is a timer's"
    sent = client_data(conns[0])
    for ack in delayed:
        assert ack.packet is not None and ack.packet.ack is not None
        header = next(e for e in sent if e.packet and e.packet.seq + e.packet.len == ack.packet.ack)  # type: ignore[operator]
        body = next(e for e in sent if e.t >= ack.t)
        assert bytes.fromhex(header.packet.payload or "")[:3] == b"HDR"  # type: ignore[union-attr]
        assert bytes.fromhex(body.packet.payload or "")[:3] == b"BDY"  # type: ignore[union-attr]
        assert ack.t - header.t >= 0.03, "the ACK waited its timer (40 ms on Linux)"
        assert body.t - ack.t < 0.005, "the body left as the ACK came in"
        assert returned(body.cause).t < ack.t, "its send() had returned long before: held"
    # TCP_NODELAY: each write leaves inside its own send(), whatever the ACKs do
    for seg in client_data(conns[1]):
        assert seg.t <= returned(seg.cause).t + 0.002, "not held"


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or shutil.which("unshare") is None,
    reason="util-linux unshare",
)
def test_where_namespaces_are_forbidden_a_two_host_lesson_says_why() -> None:
    """user.max_user_namespaces=0, made for real inside a namespace of the test's own: a
    two-host lesson cannot run on the plain loopback, and says so instead of failing later."""
    if not _private_network_allowed():
        pytest.skip("cannot make the outer namespace that forbids the inner one")
    cmd = " ".join(
        shlex.quote(a) for a in [sys.executable, "-m", "socketscope", "log", "udp-reorder"]
    )
    r = subprocess.run(
        ["unshare", "-Ur", "sh", "-c", f"echo 0 > /proc/sys/user/max_user_namespaces && {cmd}"],
        env={**os.environ, "PYTHONPATH": APP},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert r.returncode != 0
    said = r.stdout + r.stderr
    assert "udp-reorder" in said and "needs two hosts on a private network" in said, said
    assert "Traceback" not in said


@needs_namespaces
def test_the_pcapng_export_of_two_hosts_has_an_interface_per_host(tmp_path: Path) -> None:
    """Read back by a reader nobody here wrote (python-pcapng): each packet on the interface of
    the host it was captured on, d3 twice on host B's."""
    import pcapng  # type: ignore[import-untyped]

    from socketscope.model.pcapng import write_pcapng

    t = lesson_trace(get("udp-reorder"))
    if not (t.header.get("capture") or {}).get("available"):
        pytest.skip("no capture on this system")
    out = tmp_path / "reorder.pcapng"
    with out.open("wb") as f:
        n = write_pcapng(t, f)
    with out.open("rb") as f:
        blocks = list(pcapng.FileScanner(f))
    names = [
        b.options.get("if_name")
        for b in blocks
        if isinstance(b, pcapng.blocks.InterfaceDescription)
    ]
    assert names == ["A:eth0", "B:eth0"]
    per_iface: dict[str, list[bytes]] = {}
    for b in blocks:
        if isinstance(b, pcapng.blocks.EnhancedPacket):
            per_iface.setdefault(names[b.interface_id], []).append(b.packet_data[-2:])
    assert n == 11 and per_iface == {
        "A:eth0": [b"d1", b"d2", b"d3", b"d4", b"d5"],
        "B:eth0": [b"d2", b"d3", b"d3", b"d4", b"d5", b"d1"],
    }


@pytest.mark.parametrize("lesson", ["tcp-zero-window", "tcp-retransmit"])
def test_the_other_hosts_snapshots_of_a_closed_socket_are_read_in_its_own_network(
    lesson: str,
) -> None:
    """A closed socket is found by its addresses in the kernel's table of its own host: asked
    from the other host's network it read CLOSED, though it was in FIN_WAIT2 or TIME_WAIT
    (seen on tcp-zero-window's diagram). The side that closed first keeps its connection in
    TIME_WAIT for a minute: no snapshot during the run may say it is gone."""
    if not _private_network_allowed():
        pytest.skip("no private network on this system: no second host")
    t = lesson_trace(get(lesson))
    no_errors(t)
    states: dict[int, list[tuple[str, str]]] = {}
    for e in t.of("kernel"):
        if e.sock is not None and e.kernel is not None and e.kernel.state:
            states.setdefault(e.sock, []).append((e.actor, e.kernel.state))
    # the states of the side that sent the first FIN (a snapshot may miss FIN_WAIT1)
    active = {"FIN_WAIT1", "FIN_WAIT2", "CLOSING", "TIME_WAIT"}
    first = [s for s, seen in states.items() if active & {st for _a, st in seen}]
    assert first, states
    for sock in first:
        seen = [st for _a, st in states[sock]]
        after = seen[next(i for i, st in enumerate(seen) if st in active) :]
        assert "CLOSED" not in after, states[sock]
    # and the other host did look at it: what it read is what its own host read
    assert any(len({a for a, _st in states[s]}) == 2 for s in first), states
