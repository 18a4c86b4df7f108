"""Ethernet / IPv4 / IPv6 / TCP / UDP decoding with ``struct`` (about 5 µs a frame; dpkt is
twice that, scapy a hundred times and GPL). Only what the diagram and the inspector show."""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass
from typing import NamedTuple

ETH_P_IP = 0x0800
ETH_P_IPV6 = 0x86DD
IPPROTO_TCP = 6
IPPROTO_UDP = 17

TCP_FLAGS = (
    ("FIN", 0x01),
    ("SYN", 0x02),
    ("RST", 0x04),
    ("PSH", 0x08),
    ("ACK", 0x10),
    ("URG", 0x20),
    ("ECE", 0x40),
    ("CWR", 0x80),
)

_ETH = struct.Struct("!6s6sH")
_IP4 = struct.Struct("!BBHHHBBH4s4s")
_IP6 = struct.Struct("!IHBB16s16s")
_TCP = struct.Struct("!HHIIBBHHH")
_UDP = struct.Struct("!HHHH")
# The fields of a plain IPv4 TCP segment (no IP options) that pairing a bulk transfer's segments
# needs, in one call: ethertype, version+IHL, total length, protocol, ports, seq, ack, data
# offset, flags, window (bytes 12-49 of the frame).
_TCP4_PEEK = struct.Struct("!12xHB1xH5xB10xHHIIBBH")
_TCP4_END = 14 + 20 + 20  # the whole TCP header without options: what decode_frame needs
_PLAIN_FLAGS = 0x10 | 0x08  # ACK, PSH: what a segment in the middle of a transfer carries


class Peek(NamedTuple):
    """The few header fields of a plain TCP segment (only ACK, maybe PSH; IPv4 without
    options), read without decoding the frame: a bulk transfer is thousands of these, and the
    pairing of most needs no more (engine/wire/pairing.py decodes the rest when it does)."""

    t: float
    wire_len: int
    sport: int
    dport: int
    seq: int
    ack: int
    window: int
    payload_len: int


@dataclass(frozen=True, slots=True)
class Packet:
    """One frame as it went over the wire. ``t``: the kernel's timestamp on the engine's clock."""

    t: float
    proto: str  # "TCP" or "UDP"
    src: tuple[str, int]
    dst: tuple[str, int]
    length: int  # bytes on the wire (the whole frame)
    payload_len: int  # bytes of TCP/UDP payload
    payload: bytes = b""  # the first bytes of it (the capture keeps 256 bytes of a frame)
    flags: tuple[str, ...] = ()  # TCP: SYN, ACK, PSH, FIN, RST
    seq: int | None = None
    ack: int | None = None
    window: int | None = None
    wscale: int | None = None  # TCP SYN: the window scale option (the window is shifted by it)
    ip_id: int | None = None  # IPv4: the header's identification (names one real packet)

    @property
    def flag_text(self) -> str:
        return "|".join(self.flags)


# a bulk transfer decodes thousands of frames between the same two addresses: the text of an
# address, and the names of a set of flags, once
_FLAGS = tuple(tuple(name for name, bit in TCP_FLAGS if bits & bit) for bits in range(256))
_IPS: dict[bytes, str] = {}


def _ip(family: int, raw: bytes) -> str:
    text = _IPS.get(raw)
    if text is None:
        text = socket.inet_ntop(family, raw)
        if len(_IPS) < 4096:
            _IPS[raw] = text
    return text


def _window_scale(options: bytes) -> int | None:
    """The window scale (option 3) among a SYN's TCP options, or None."""
    i = 0
    while i < len(options):
        kind = options[i]
        if kind == 0:  # end of options
            return None
        if kind == 1:  # no-op padding
            i += 1
            continue
        if i + 1 >= len(options):
            return None
        size = options[i + 1]
        if kind == 3 and size == 3 and i + 2 < len(options):
            return min(options[i + 2], 14)
        if size < 2:
            return None
        i += size
    return None


def decode_frame(frame: bytes, wire_len: int, t: float) -> Packet | None:
    """A captured Ethernet frame (``lo`` has an all-zero Ethernet header), or None when it is
    not TCP or UDP over IP."""
    if len(frame) < _ETH.size:
        return None
    ethertype = _ETH.unpack_from(frame)[2]
    off = _ETH.size
    if ethertype == ETH_P_IP:
        if len(frame) < off + _IP4.size:
            return None
        vihl, _tos, total, ip_id, _frag, _ttl, proto, _sum, s, d = _IP4.unpack_from(frame, off)
        ihl = (vihl & 0x0F) * 4
        src_ip, dst_ip = _ip(socket.AF_INET, s), _ip(socket.AF_INET, d)
        l4 = off + ihl
        ip_payload = total - ihl
    elif ethertype == ETH_P_IPV6:
        if len(frame) < off + _IP6.size:
            return None
        _vtf, plen, proto, _hop, s, d = _IP6.unpack_from(frame, off)
        src_ip, dst_ip = _ip(socket.AF_INET6, s), _ip(socket.AF_INET6, d)
        l4 = off + _IP6.size
        ip_payload = plen
        ip_id = None
    else:
        return None
    if proto == IPPROTO_TCP and len(frame) >= l4 + _TCP.size:
        sport, dport, seq, ack, doff, flagbits, win, _c, _u = _TCP.unpack_from(frame, l4)
        hdr = (doff >> 4) * 4
        flags = _FLAGS[flagbits]
        data = frame[l4 + hdr :]
        wscale = _window_scale(frame[l4 + _TCP.size : l4 + hdr]) if flagbits & 0x02 else None
        return Packet(
            t,
            "TCP",
            (src_ip, sport),
            (dst_ip, dport),
            wire_len,
            max(0, ip_payload - hdr),
            bytes(data),
            flags,
            seq,
            ack if flagbits & 0x10 else None,
            win,
            wscale,
            ip_id,
        )
    if proto == IPPROTO_UDP and len(frame) >= l4 + _UDP.size:
        sport, dport, ulen, _c = _UDP.unpack_from(frame, l4)
        return Packet(
            t,
            "UDP",
            (src_ip, sport),
            (dst_ip, dport),
            wire_len,
            max(0, ulen - _UDP.size),
            bytes(frame[l4 + _UDP.size :]),
            ip_id=ip_id,
        )
    return None


_new_tuple = tuple.__new__


def peek_segment(frame: bytes, wire_len: int, t: float) -> Peek | None:
    """The header fields of a plain IPv4 TCP segment carrying only ACK (and maybe PSH), or None
    for any other frame (decode it with ``decode_frame``)."""
    if len(frame) < _TCP4_END:
        return None
    ethertype, vihl, total, proto, sport, dport, seq, ack, doff, flagbits, win = (
        _TCP4_PEEK.unpack_from(frame)
    )
    if ethertype != ETH_P_IP or vihl != 0x45 or proto != IPPROTO_TCP:
        return None
    if not flagbits & 0x10 or flagbits & ~_PLAIN_FLAGS & 0xFF:
        return None
    # tuple.__new__: the same Peek without the named tuple's Python-level constructor
    return _new_tuple(
        Peek, (t, wire_len, sport, dport, seq, ack, win, max(0, total - 20 - (doff >> 4) * 4))
    )
