"""Real packets beside real calls: `socketscope trace` records every packet of a run's own
network as a `packet` event, paired with the call that made the kernel send it."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import trace_of
from socketscope.engine import Trace, read_trace
from socketscope.engine.events import Event

APP = str(Path(__file__).resolve().parents[1] / "app")

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="AF_PACKET, Linux")


def _private_network_allowed() -> bool:
    if shutil.which("unshare") is None:
        return False
    r = subprocess.run(["unshare", "-rn", "true"], capture_output=True, check=False)
    return r.returncode == 0


def cause_of(t: Trace, p: Event) -> Event:
    assert isinstance(p.cause, int), p
    return next(e for e in t.events if e.seq == p.cause)


def packets(t: Trace) -> list[Event]:
    return [e for e in t.events if e.kind == "packet"]


def check_echo(t: Trace) -> None:
    assert t.header["capture"]["drops"] == 0
    pkts = packets(t)
    assert t.header["capture"]["packets"] == len(pkts)
    roles = [p.packet.role for p in pkts if p.packet is not None]
    # the handshake, each its own packet, all three inside the client's connect()
    assert roles[:3] == ["syn", "syn-ack", "handshake-ack"]
    for p in pkts[:3]:
        c = cause_of(t, p)
        assert (c.kind, c.actor, c.op) == ("call", "Client", "connect")
    assert [p.packet.flags for p in pkts[:2] if p.packet] == [("SYN",), ("SYN", "ACK")]
    # the 13-byte data segments pair with the send that wrote them, by stream offset
    data = [p for p in pkts if p.packet is not None and p.packet.len]
    assert [(p.packet.len, p.dir, p.range) for p in data if p.packet] == [
        (13, "c>s", (0, 13)),
        (13, "s>c", (0, 13)),
    ]
    for p in data:
        c = cause_of(t, p)
        assert c.op == "send" and c.sock == p.sock
        ret = next(e for e in t.events if e.kind == "return" and e.seq > c.seq and e.op == "send")
        assert ret.range == p.range and p.packet is not None
        assert bytes.fromhex(p.packet.payload or "") == bytes.fromhex(ret.data or "")
    assert all(p.packet is not None and p.packet.seq == 1 for p in data)
    # each end's FIN belongs to its close()
    fins = [p for p in pkts if p.packet is not None and "FIN" in p.packet.flags]
    assert len(fins) == 2
    assert {(cause_of(t, p).actor, cause_of(t, p).op) for p in fins} == {
        ("Server", "close"),
        ("Client", "close"),
    }
    # one connection, both directions, every packet's time within the run
    assert {p.conn for p in pkts} == {pkts[0].conn} and pkts[0].conn is not None
    assert all(0 <= p.t <= t.events[-1].t + 0.1 for p in pkts)


def test_tcp_echo_records_its_real_packets_each_with_the_call_that_caused_it(
    tmp_path: Path,
) -> None:
    check_echo(trace_of("tcp-echo", tmp_path / "echo.jsonl"))


@pytest.mark.skipif(os.geteuid() != 0, reason="drops privileges with su: needs root to start")
@pytest.mark.skipif(not Path("/usr/bin/python3").exists(), reason="a Python a normal user can run")
def test_an_ordinary_user_records_them_too(app_for_nobody: str) -> None:
    folder = Path(app_for_nobody).parent / (Path(app_for_nobody).name + "-out")
    folder.mkdir()
    folder.chmod(0o777)
    try:
        t = trace_of(
            "tcp-echo", folder / "echo.jsonl", "/usr/bin/python3", "nobody", app_for_nobody
        )
        check_echo(t)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_tcp_reset_records_the_rst_its_close_sent(tmp_path: Path) -> None:
    t = trace_of("tcp-reset", tmp_path / "reset.jsonl")
    rsts = [p for p in packets(t) if p.packet is not None and "RST" in p.packet.flags]
    assert len(rsts) == 1 and rsts[0].packet is not None and rsts[0].packet.role == "rst"
    c = cause_of(t, rsts[0])
    assert (c.actor, c.op) == ("Client", "close")
    assert not any(p.packet and "FIN" in p.packet.flags for p in packets(t) if p.actor == "Client")


@pytest.mark.skipif(shutil.which("unshare") is None, reason="util-linux unshare")
def test_a_refused_connects_rst_comes_to_the_client_from_nobody(tmp_path: Path) -> None:
    """tcp-refused: nobody listens, so the kernel answers the SYN with an RST. No socket of the
    run sent it: it was drawn going out of the Client, the SYN's way, and the log said
    "Client → Client". It is marked no_sender and drawn coming in to the Client."""
    from socketscope.model.diagram import DiagramLayout
    from socketscope.terminal import LogFormatter

    t = trace_of("tcp-refused", tmp_path / "refused.jsonl")
    (rst,) = [e for e in packets(t) if e.packet and "RST" in e.packet.flags]
    assert rst.packet is not None
    assert (rst.packet.no_sender, rst.packet.to_actor, rst.sock) == (True, "Client", None)
    syn = next(e for e in packets(t) if e.packet and e.packet.flags == ("SYN",))
    assert syn.packet is not None and not syn.packet.no_sender
    lay = DiagramLayout(list(t.header["actors"]))
    lay.extend(t.events)
    assert [(a.ev.seq, a.inbound) for a in lay.wire.arrows] == [(syn.seq, False), (rst.seq, True)]
    log = LogFormatter()
    lines = [line for ev in t.events for line in log.feed(ev)] + list(log.finish())
    port = rst.packet.src[1]
    assert any(f"127.0.0.1:{port} → Client  RST+ACK" in x for x in lines), lines


def test_a_connection_not_accepted_yet_still_has_the_listeners_owner_at_its_other_end(
    tmp_path: Path,
) -> None:
    """tcp-backlog's clients connect long before the Server calls accept(): until then no
    socket of the Server's names their connections. Their SYNs, SYN-ACKs and ACKs still go
    between the client's lane and the Server's, the owner of the listening socket whose queue
    they are in, and are never drawn as a stub into the void (Client 1's SYN was)."""
    t = trace_of("tcp-backlog", tmp_path / "backlog.jsonl")
    handshakes = [
        p
        for p in packets(t)
        if p.packet is not None and p.packet.role in ("syn", "syn-ack", "handshake-ack")
    ]
    assert len(handshakes) >= 9  # three clients, three packets each
    for p in handshakes:
        assert p.packet is not None
        ends = {p.actor, p.packet.to_actor}
        assert "Server" in ends and ends - {"Server"}, (p.seq, p.actor, p.packet.to_actor)


@pytest.mark.skipif(shutil.which("unshare") is None, reason="util-linux unshare")
def test_a_syn_goes_to_who_accepts_not_to_a_forked_child_holding_the_listener(
    tmp_path: Path,
) -> None:
    """A forking server whose child keeps its copy of the listener: the second client's SYN
    comes while that child lives, and goes to the parent's lane, which listens and accepts."""
    import socket

    with socket.socket() as probe:  # a port free here (the run's own network has them all)
        probe.bind(("127.0.0.1", 0))
        port = str(probe.getsockname()[1])
    progs = Path(__file__).parent / "programs"
    t = trace_of(
        "",
        tmp_path / "fork.jsonl",
        programs=(
            f"python3 {progs / 'fork_keeps_listener.py'} {port}",
            f"python3 {progs / 'late_client.py'} {port} 0",
            f"python3 {progs / 'late_client.py'} {port} 0.2",
        ),
    )
    syns = [p for p in packets(t) if p.packet is not None and p.packet.role == "syn"]
    assert len(syns) == 2
    assert [p.packet.to_actor for p in syns if p.packet] == ["fork_keeps_listener.py"] * 2


@pytest.mark.skipif(shutil.which("unshare") is None, reason="util-linux unshare")
def test_tcp_backlog_shows_the_dropped_syn_retried_by_the_kernel_inside_connect(
    tmp_path: Path,
) -> None:
    """Client 3's first SYN finds the accept queue full: the kernel drops it and sends it again
    about a second later (a timer, while connect() sleeps); the SYN-ACK that answers the retry
    is still part of Client 3's connect() (it was drawn after the end, with no cause)."""
    t = trace_of("tcp-backlog", tmp_path / "backlog.jsonl")
    syns = [p for p in packets(t) if p.packet is not None and "SYN" in p.packet.flags]
    retries = [p for p in syns if p.packet is not None and p.packet.role == "retransmission"]
    assert retries, [(p.actor, p.packet.role if p.packet else None) for p in syns]
    retry = retries[0]
    assert retry.actor == "Client 3" and retry.cause == "timer"
    # named: the call the sender was in when its kernel sent it again
    assert next(e for e in t.events if e.seq == retry.during).actor == "Client 3"
    for p in syns:
        if p.packet is not None and p.packet.role == "syn-ack":
            c = cause_of(t, p)
            assert (c.kind, c.op) == ("call", "connect"), (p, c)
    answer = next(
        p for p in syns if p.packet is not None and p.packet.role == "syn-ack" and p.t >= retry.t
    )
    assert cause_of(t, answer).actor == "Client 3"


def test_where_namespaces_are_forbidden_the_trace_is_calls_only_and_says_why(
    tmp_path: Path,
) -> None:
    """user.max_user_namespaces=0, made for real inside a namespace of the test's own."""
    if not _private_network_allowed():
        pytest.skip("cannot make the outer namespace that forbids the inner one")
    out = tmp_path / "echo.jsonl"
    cmd = " ".join(
        shlex.quote(a) for a in [sys.executable, "-m", "socketscope", "trace", "tcp-echo"]
    )
    script = f"echo 0 > /proc/sys/user/max_user_namespaces && {cmd} -o {shlex.quote(str(out))}"
    r = subprocess.run(
        ["unshare", "-Ur", "sh", "-c", script],
        env={**os.environ, "PYTHONPATH": APP},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    t = read_trace(out)
    assert t.header["network"]["private"] is False
    assert t.header["network"]["reason"] == "userns-disabled"
    assert t.header["capture"] == {"available": False, "reason": "no-private-network"}
    assert packets(t) == [] and t.of("return", "send"), "calls only, and all of them"


def test_the_pcapng_export_opens_in_real_readers_with_every_packet(tmp_path: Path) -> None:
    t = trace_of("tcp-echo", tmp_path / "echo.jsonl")
    out = tmp_path / "run.pcapng"
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "socketscope",
            "export",
            str(tmp_path / "echo.jsonl"),
            "--format",
            "pcapng",
            "-o",
            str(out),
        ],
        env={**os.environ, "PYTHONPATH": APP},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    pkts = packets(t)
    import pcapng  # type: ignore[import-untyped]

    with out.open("rb") as f:
        blocks = [b for b in pcapng.FileScanner(f) if isinstance(b, pcapng.blocks.EnhancedPacket)]
    assert len(blocks) == len(pkts) >= 10  # 10, or 11 when the FIN is acked on its own
    for b, p in zip(blocks, pkts, strict=True):
        assert p.packet is not None and b.packet_data == bytes.fromhex(p.packet.frame or "")
        assert b.packet_len == p.packet.wire_len
        assert abs(b.timestamp - p.t) < 2e-6
    comments = [b.options.get("opt_comment") for b in blocks]
    assert (
        comments[0]
        == f"syn: caused by Client's connect() [event {pkts[0].cause}] (line "
        + (comments[0] or "").split("(line ")[-1]
    )
    # a loaded machine can delay an ACK: then the kernel's timer sent it, and the comment says so
    assert all("caused by" in (c or "") or "kernel on its own" in (c or "") for c in comments)
    tshark = shutil.which("tshark")
    if tshark is None:
        return  # python-pcapng has read it; tshark is not installed here
    r = subprocess.run(
        [
            tshark,
            "-r",
            str(out),
            "-T",
            "fields",
            "-e",
            "tcp.flags.str",
            "-e",
            "tcp.len",
            "-e",
            "frame.comment",
            "-o",
            "tcp.relative_sequence_numbers:TRUE",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    rows = [line.split("\t") for line in r.stdout.strip().splitlines()]
    assert len(rows) == len(pkts)
    assert [row[1] for row in rows].count("13") == 2
    assert "connect()" in rows[0][2]


def test_a_trace_without_packets_is_refused_for_pcapng_with_why(tmp_path: Path) -> None:
    from socketscope.engine import Trace, write_trace

    src = tmp_path / "calls.jsonl"
    with src.open("w", encoding="utf-8") as f:
        header = {"scenario": "x", "network": {"private": False, "reason": "userns-disabled"}}
        write_trace(Trace(header, []), f)
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "socketscope",
            "export",
            str(src),
            "--format",
            "pcapng",
            "-o",
            str(tmp_path / "x.pcapng"),
        ],
        env={**os.environ, "PYTHONPATH": APP},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert r.returncode != 0
    assert "no packets" in r.stderr and "userns-disabled" in r.stderr
    assert "Traceback" not in r.stderr


def test_a_bulk_transfer_keeps_every_packet_in_summaries_and_drops_none(tmp_path: Path) -> None:
    """20 MB in 64 KiB sends: the calls come as bursts, and so do the packets they caused; every
    packet the ring got is in the trace (and in the pcapng export), none was dropped."""
    out = tmp_path / "bulk.jsonl"
    scenario = Path(__file__).resolve().parents[1] / "bench" / "transfer_scenario.py"
    r = subprocess.run(
        [sys.executable, "-m", "socketscope", "trace", str(scenario), "-o", str(out)],
        env={**os.environ, "PYTHONPATH": APP, "SOCKETSCOPE_BENCH_BYTES": str(20 << 20)},
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
    from socketscope.model.pcapng import packet_count, write_pcapng

    cap = t.header["capture"]
    assert cap["drops"] == 0 and cap["packets"] == packet_count(t) > 300
    summaries = [p for p in packets(t) if p.count]
    assert summaries and len(packets(t)) < packet_count(t) / 5
    for s in summaries:
        assert s.packet is not None and len(s.packet.more or ()) == (s.count or 0) - 1
        assert cause_of(t, s).kind == "burst"
    data = sorted(p.range for p in packets(t) if p.range and p.dir == "c>s")
    assert data[0][0] == 0 and max(r[1] for r in data) == 20 << 20
    with (tmp_path / "bulk.pcapng").open("wb") as f:
        assert write_pcapng(t, f) == cap["packets"]
