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
