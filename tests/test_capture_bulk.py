"""The capture's bulk path (engine/wire/pairing.py ``_bulk``): a bulk transfer's plain segments
are paired from a few header fields instead of a full decode, and must come out exactly as the
full pairing makes them. Checked on the real packets of a real transfer: its trace holds every
frame and every event, which are replayed into two pairers, one with the bulk path and one
without, in the order and with the watermarks a capture sees them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from socketscope.engine import Trace, read_trace
from socketscope.engine.events import Event
from socketscope.engine.wire.decode import decode_frame, peek_segment
from socketscope.engine.wire.pairing import PacketPairer

APP = str(Path(__file__).resolve().parents[1] / "app")
ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="AF_PACKET, Linux")


@pytest.fixture(scope="module")
def bulk_trace(tmp_path_factory: pytest.TempPathFactory) -> Trace:
    """A real 8 MB transfer in 64 KiB sends, with its packets."""
    out = tmp_path_factory.mktemp("bulk") / "bulk.jsonl"
    scenario = ROOT / "bench" / "transfer_scenario.py"
    r = subprocess.run(
        [sys.executable, "-m", "socketscope", "trace", str(scenario), "-o", str(out)],
        env={**os.environ, "PYTHONPATH": APP, "SOCKETSCOPE_BENCH_BYTES": str(8 << 20)},
        capture_output=True,
        text=True,
        timeout=120,
        cwd="/",
        check=False,
    )
    assert r.returncode == 0, r.stderr
    t = read_trace(out)
    if not t.header["network"]["private"]:
        pytest.skip("no private network on this system")
    return t


def _frames(t: Trace) -> list[tuple[float, int, bytes]]:
    """Every captured frame of the trace, as the ring gave it: (time, wire length, bytes)."""
    out: list[tuple[float, int, bytes]] = []
    for e in t.events:
        if e.kind != "packet" or e.packet is None:
            continue
        out.append((e.t, e.packet.wire_len, bytes.fromhex(e.packet.frame or "")))
        for when, wire_len, frame in e.packet.more or ():
            out.append((float(when), int(wire_len), bytes.fromhex(frame)))
    out.sort(key=lambda f: f[0])
    return out


def _replay(t: Trace, bulk: bool, step: int = 97) -> list[dict[str, Any]]:
    """Feed a pairer the trace's events and frames interleaved by time, with a watermark every
    ``step`` frames (as the capture process gets them), and return what it writes."""
    pairer = PacketPairer("Receiver")
    events = [e for e in t.events if e.kind != "packet"]
    frames = _frames(t)
    out: list[dict[str, Any]] = []
    i = 0
    for n, (when, wire_len, frame) in enumerate(frames):
        while i < len(events) and events[i].t <= when:
            pairer.observe(Event.from_json(events[i].to_json()))
            i += 1
        if bulk:
            pairer.add_frame(frame, wire_len, when)
        else:
            pkt = decode_frame(frame, wire_len, when)
            if pkt is not None:
                pairer.add(pkt, frame)
        if n % step == 0:
            mark = events[i - 1].t if i else 0.0
            out += pairer.ready(mark, mark)
    for e in events[i:]:
        pairer.observe(Event.from_json(e.to_json()))
    out += pairer.ready(float("inf"), float("inf"), flush=True)
    return out


def test_the_bulk_path_pairs_a_real_transfer_exactly_as_the_full_decode(bulk_trace: Trace) -> None:
    frames = _frames(bulk_trace)
    peeked = sum(peek_segment(f, n, w) is not None for w, n, f in frames)
    assert peeked > 0.9 * len(frames)  # the path is taken: most of a transfer is plain segments
    fast, full = _replay(bulk_trace, bulk=True), _replay(bulk_trace, bulk=False)
    assert fast == full
    summaries = [d for d in fast if d.get("count")]
    assert summaries and sum(d["count"] for d in summaries) > 0.8 * len(frames)


def test_a_transfers_data_segments_are_caused_by_its_sends_never_by_its_receives(
    bulk_trace: Trace,
) -> None:
    """A streak of recv() calls covers the same range of the stream as the sends that wrote
    it; the segments were sent by the sends (they were paired with a recv burst once)."""
    seqs = {e.seq: e for e in bulk_trace.events}
    data = [
        e for e in bulk_trace.events if e.kind == "packet" and e.packet and e.packet.role == "data"
    ]
    assert data
    for e in data:
        assert isinstance(e.cause, int) and seqs[e.cause].op == "send", e
        assert seqs[e.cause].actor == "Sender"
    for fast in (True, False):
        for d in _replay(bulk_trace, bulk=fast):
            if d["packet"].get("role") == "data":
                assert seqs[d["cause"]].op == "send"


def test_the_bulk_path_leaves_handshake_fin_and_the_first_of_a_summary_to_the_full_decode(
    bulk_trace: Trace,
) -> None:
    fast = _replay(bulk_trace, bulk=True)
    roles = [d["packet"].get("role") for d in fast]
    assert roles[:3] == ["syn", "syn-ack", "handshake-ack"]
    assert "fin" in roles
    seqs = {e.seq: e for e in bulk_trace.events}
    for d in fast:
        if d["packet"].get("role") == "syn":
            assert seqs[d["cause"]].op == "connect"
        if d["packet"].get("role") == "fin":
            assert seqs[d["cause"]].op == "close"


def test_peek_takes_only_plain_segments() -> None:
    """A SYN, a FIN, an RST or a UDP datagram is never peeked (their pairing needs all of it)."""
    eth = bytes(12) + b"\x08\x00"

    def tcp(flags: int, payload: bytes = b"") -> bytes:
        total = 20 + 20 + len(payload)
        ip = bytes([0x45, 0]) + total.to_bytes(2, "big") + bytes(5) + b"\x06" + bytes(10)
        seg = (1234).to_bytes(2, "big") + (80).to_bytes(2, "big") + (7).to_bytes(4, "big")
        seg += (9).to_bytes(4, "big") + bytes([5 << 4, flags]) + (512).to_bytes(2, "big")
        return eth + ip + seg + bytes(4) + payload

    p = peek_segment(tcp(0x18, b"hello"), 59, 1.5)
    assert p is not None and (p.sport, p.dport, p.seq, p.ack, p.window) == (1234, 80, 7, 9, 512)
    assert p.payload_len == 5 and p.t == 1.5 and p.wire_len == 59
    full = decode_frame(tcp(0x18, b"hello"), 59, 1.5)
    assert full is not None and (full.seq, full.ack, full.window, full.payload_len) == (
        7,
        9,
        512,
        5,
    )
    for flags in (0x02, 0x12, 0x11, 0x04, 0x14, 0x00, 0x30):
        assert peek_segment(tcp(flags), 54, 0.0) is None, hex(flags)
    udp = bytearray(tcp(0x10))
    udp[23] = 17
    assert peek_segment(bytes(udp), 54, 0.0) is None
    assert peek_segment(tcp(0x10)[:53], 53, 0.0) is None
