"""A packet waits for the call that explains it (engine/wire/pairing.py): checked on the real
packets and events of a real run, replayed into a pairer at the times a capture would see them."""

from __future__ import annotations

import sys
from typing import Any

import pytest

from conftest import lesson_trace
from socketscope.engine.events import Event
from socketscope.engine.scenario import get
from socketscope.engine.wire.decode import decode_frame
from socketscope.engine.wire.pairing import HOLD, PacketPairer

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="namespaces, Linux")


def test_a_lost_first_syn_waits_for_its_connect_however_late_that_returns() -> None:
    """tcp-syn-retry: the link drops the first SYN, the kernel sends it again a second later,
    and connect() returns just after that, later than a packet is usually held (HOLD). The
    first SYN must still be the Client's connect()'s, sent from the Client's lane: released
    at HOLD it had no call to explain it and was drawn from the Server to the Server. Here the
    connect()'s return is seen HOLD + 0.5 s after that SYN (a run host's events can lag)."""
    trace = lesson_trace(get("tcp-syn-retry"))
    if not trace.header.get("network", {}).get("private"):
        pytest.skip("no private network on this system")
    events = [e for e in trace.events if e.kind != "packet"]
    packets = [e for e in trace.events if e.kind == "packet" and e.packet is not None]
    connect = next(e for e in events if e.kind == "return" and e.op == "connect")
    syns = [e for e in packets if e.packet and e.packet.flags == ("SYN",)]
    first = min(syns, key=lambda e: e.t)
    assert first.t < connect.t
    hosts = {addr: name for name, addr in trace.header["hosts"].items()}
    assert first.packet is not None
    pairer = PacketPairer(trace.header["actors"][0], first.packet.iface, hosts)
    for e in events:
        if e.t < connect.t:
            pairer.observe(Event.from_json(e.to_json()))
    for e in sorted(packets, key=lambda e: e.t):
        p = e.packet
        assert p is not None and p.frame
        pkt = decode_frame(bytes.fromhex(p.frame), p.wire_len, e.t)
        assert pkt is not None
        pairer.add(pkt, bytes.fromhex(p.frame), p.host, p.iface)
    late = first.t + HOLD + 0.5
    early: list[dict[str, Any]] = pairer.ready(late, connect.t - 1e-6)
    assert not [d for d in early if d["packet"]["flags"] == ["SYN"]], early
    for e in events:
        if e.t >= connect.t:
            pairer.observe(Event.from_json(e.to_json()))
    out = pairer.ready(float("inf"), float("inf"), flush=True)
    sent = [d for d in out if d["packet"]["flags"] == ["SYN"] and not d["packet"].get("arrival")]
    assert len(sent) == 2, sent  # the lost one, and the one the kernel's timer sent again
    call = next(e for e in events if e.kind == "call" and e.op == "connect")
    assert [(d["actor"], d["cause"]) for d in sent] == [("Client", call.seq), ("Client", "timer")]


def _replay_until(trace: Any, until: float) -> list[dict[str, Any]]:
    """A pairer fed a real trace's frames, and its events up to ``until`` only: what it writes
    by then."""
    events = [e for e in trace.events if e.kind != "packet"]
    packets = sorted((e for e in trace.events if e.kind == "packet"), key=lambda e: e.t)
    hosts = {addr: name for name, addr in (trace.header.get("hosts") or {}).items()}
    iface = packets[0].packet.iface if packets and packets[0].packet else "lo"
    pairer = PacketPairer(trace.header["actors"][0], iface, hosts)
    for e in events:
        if e.t <= until:
            pairer.observe(Event.from_json(e.to_json()))
    for e in packets:
        p = e.packet
        assert p is not None and p.frame
        pkt = decode_frame(bytes.fromhex(p.frame), p.wire_len, e.t)
        assert pkt is not None
        pairer.add(pkt, bytes.fromhex(p.frame), p.host, p.iface)
    return pairer.ready(until, until)


def test_a_listeners_syn_ack_is_written_before_anyone_accepts(tmp_path: Any) -> None:
    """tcp-backlog: the Server accepts only after all three clients have connected. The
    SYN-ACK of Client 1's handshake comes from a connection nobody has accepted yet, so it was
    held (and every packet behind it) until an accept() returned: a student stepping saw
    "connected" with only the SYN drawn. It is the listener's, and written at once."""
    from conftest import trace_of

    t = trace_of("tcp-backlog", tmp_path / "backlog.jsonl")
    connected = next(e for e in t.events if e.kind == "return" and e.op == "connect")
    accepted = next(e for e in t.events if e.kind == "return" and e.op == "accept")
    assert connected.t < accepted.t
    out = _replay_until(t, connected.t)
    roles = [d["packet"].get("role") for d in out]
    assert roles[:3] == ["syn", "syn-ack", "handshake-ack"], roles
    assert out[1]["actor"] == "Server" and out[1]["packet"]["to_actor"] == connected.actor


def test_a_handshake_that_ends_a_wait_is_drawn_before_the_calls_return() -> None:
    """tcp-syn-retry: connect() waits a second for the SYN sent again. The packets sent while
    it waited were drawn under the row where it returned, below both accept() and connect()
    returning; they are drawn among the rows of the wait, above those returns."""
    from socketscope.model.diagram import DiagramLayout

    trace = lesson_trace(get("tcp-syn-retry"))
    if not trace.header.get("network", {}).get("private"):
        pytest.skip("no private network on this system")
    lay = DiagramLayout(list(trace.header["actors"]))
    lay.extend(trace.events)
    (connect,) = [s for s in lay.spans if s.op == "connect"]
    (accept,) = [s for s in lay.spans if s.op == "accept"]
    assert connect.row1 is not None and accept.row1 is not None
    shake = [
        a for a in lay.wire.arrows
        if a.ev.packet is not None and "SYN" in a.ev.packet.flags and not a.ev.packet.arrival
    ]  # fmt: skip
    assert len(shake) >= 3, shake
    assert all(a.row < min(connect.row1, accept.row1) for a in shake), [
        (a.ev.packet.flags if a.ev.packet else None, a.row) for a in shake
    ] + [connect.row1, accept.row1]
