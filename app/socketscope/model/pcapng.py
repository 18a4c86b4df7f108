"""A run's packets as pcapng, the file Wireshark and tshark open, each packet's comment naming the
call that made the kernel send it.

Written with ``struct``, not a library: the file needs three simple block types (Section Header,
Interface Description, Enhanced Packet with an ``opt_comment``), about 60 lines, and the frames
are already captured bytes; a runtime dependency (and, in the bundle, its size and licence) for
that is not worth it — scapy, the best-known writer, is GPL-2.0-only and takes seconds to
import. The tests check the output with readers nobody here wrote (python-pcapng, tshark).
Format: https://www.ietf.org/archive/id/draft-ietf-opsawg-pcapng-02.html
"""

from __future__ import annotations

import struct
from typing import BinaryIO

from socketscope.engine.events import Event
from socketscope.engine.trace import Trace

SHB, IDB, EPB = 0x0A0D0D0A, 0x00000001, 0x00000006
BYTE_ORDER_MAGIC = 0x1A2B3C4D
LINKTYPE_ETHERNET = 1  # lo's frames carry an (all-zero) Ethernet header
OPT_END, OPT_COMMENT = 0, 1
SHB_USERAPPL = 4
IF_NAME = 2
SNAPLEN = 256  # what the capture keeps of each frame (engine/wire/capture.py)


def _pad(b: bytes) -> bytes:
    return b + b"\0" * (-len(b) % 4)


def _option(code: int, value: bytes) -> bytes:
    return struct.pack("<HH", code, len(value)) + _pad(value)


def _options(opts: list[tuple[int, bytes]]) -> bytes:
    if not opts:
        return b""
    return b"".join(_option(c, v) for c, v in opts) + struct.pack("<HH", OPT_END, 0)


def _block(kind: int, body: bytes) -> bytes:
    total = 12 + len(body)
    return struct.pack("<II", kind, total) + body + struct.pack("<I", total)


def comment_of(ev: Event, calls: dict[int, Event]) -> str:
    """What the packet's comment says: the call that caused it, as the diagram names it."""
    p = ev.packet
    role = f"{p.role}: " if p is not None and p.role else ""
    if isinstance(ev.cause, int) and ev.cause in calls:
        c = calls[ev.cause]
        where = f" (line {c.line})" if c.line else ""
        return f"{role}caused by {c.actor}'s {c.op}() [event {c.seq}]{where}"
    if ev.cause == "timer":
        during = calls.get(ev.during) if ev.during is not None else None
        blocked = f", while {during.actor} was in {during.op}()" if during is not None else ""
        return f"{role}sent by the kernel on its own{blocked}"
    return f"{role}no call of the run explains it"


def packet_count(trace: Trace) -> int:
    """The packets the trace holds: a summary event (a bulk transfer's) stands for several."""
    return sum(
        1 + len(e.packet.more or ())
        for e in trace.events
        if e.kind == "packet" and e.packet and e.packet.frame
    )


def write_pcapng(trace: Trace, out: BinaryIO) -> int:
    """Write the trace's packets; returns how many. Times are the run's (seconds since it
    started, microseconds), so Wireshark's time column matches the diagram's."""
    scenario = str(trace.header.get("scenario", "run"))
    out.write(
        _block(
            SHB,
            struct.pack("<IHHq", BYTE_ORDER_MAGIC, 1, 0, -1)
            + _options([(SHB_USERAPPL, f"SocketScope ({scenario})".encode())]),
        )
    )
    ifaces: dict[str, int] = {}
    calls = {e.seq: e for e in trace.events if e.kind == "call"}
    n = 0
    for ev in trace.events:
        p = ev.packet
        if ev.kind != "packet" or p is None or not p.frame:
            continue
        name = f"{p.host}:{p.iface}" if p.host else p.iface
        if name not in ifaces:
            ifaces[name] = len(ifaces)
            out.write(
                _block(
                    IDB,
                    struct.pack("<HHI", LINKTYPE_ETHERNET, 0, SNAPLEN)
                    # no if_tsresol: microseconds are the default
                    + _options([(IF_NAME, name.encode())]),
                )
            )
        comment = comment_of(ev, calls).encode()
        members = [(ev.t, p.wire_len, p.frame), *(p.more or ())]
        for t, wire_len, hexframe in members:
            frame = bytes.fromhex(hexframe)
            usec = round(t * 1_000_000)
            wire_len = max(wire_len, len(frame))
            body = struct.pack(
                "<IIIII", ifaces[name], usec >> 32, usec & 0xFFFFFFFF, len(frame), wire_len
            )
            out.write(_block(EPB, body + _pad(frame) + _options([(OPT_COMMENT, comment)])))
            n += 1
    return n
