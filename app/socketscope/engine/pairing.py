"""Pairing: which connect() met which accept(), and which sendto() a recvfrom() received.

TCP: both ends of a connection see the same pair of addresses, mirrored. Whichever end reports
first creates the connection id; the other end finds it by the mirrored key. Byte ranges need no
shared state at all: TCP delivers every byte once and in order, so the n-th byte a socket sends
is the n-th byte its peer receives, and each end just counts its own.

UDP: a datagram is registered *before* the real sendto() (loopback delivers it inside that call,
so the receiver may already hold it when sendto returns). The receiver matches the oldest queued
datagram from that sender that starts with the bytes it read. A datagram that arrives again (a
link that duplicates) matches the one already delivered: both receives name the same datagram.
On loopback, which never reorders, this sender's datagrams queued before the match were dropped;
on a link that may reorder (``reorders=True``, two-host runs) an earlier datagram may still come,
so nothing is called lost until the receiving socket closes.
"""

from __future__ import annotations

import itertools
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

Addr = tuple[str, int]


_WILDCARD = {"0.0.0.0", "::"}


def same_endpoint(a: Addr | None, b: Addr | None) -> bool:
    """An unbound UDP socket is bound to 0.0.0.0:port by its first sendto(); the receiver sees
    127.0.0.1:port. Same port, and a wildcard host on either side, is the same endpoint."""
    if a is None or b is None:
        return False
    return a[1] == b[1] and (a[0] == b[0] or a[0] in _WILDCARD or b[0] in _WILDCARD)


@dataclass
class ConnEnd:
    conn: int
    side: str  # "c" = the end that called connect(), "s" = the end accept() returned


@dataclass
class _PendingDatagram:
    dgram: int
    sender_sock: int
    src: Addr | None
    dst: Addr
    payload: bytes


@dataclass
class DatagramMatch:
    dgram: int | None
    sender_sock: int | None
    size: int | None = None  # the datagram as sent; larger than what was read means truncated
    lost: list[int] = field(default_factory=list)
    again: bool = False  # this datagram had already been received: the link duplicated it
    # lost too, unless it was the one a receive that did not say its source read (MAYBE_READ)
    unsure: list[int] = field(default_factory=list)


@dataclass
class Unreceived:
    """What was sent to a closing socket and never paired with a receive of it."""

    lost: list[int]  # dropped by the kernel, or left unread at the close
    unsure: list[int]  # the same, or the one a receive that did not say its source read


# the code of a dgram_lost event whose datagram may have been read after all (Unreceived.unsure)
MAYBE_READ = "DGRAM_MAYBE_READ"


def lost_fields(lost: list[int], unsure: list[int]) -> list[dict[str, Any]]:
    """The fields of the dgram_lost events for datagrams never paired with a receive, in the
    order they were sent: each one lost, or (code MAYBE_READ) perhaps read after all."""
    fields = [{"dgram": g} for g in lost] + [{"dgram": g, "code": MAYBE_READ} for g in unsure]
    return sorted(fields, key=lambda f: int(f["dgram"]))


# datagrams kept after delivery per destination port, so that a duplicate still finds its twin
DELIVERED_KEPT = 1024


class Pairing:
    def __init__(self, reorders: bool = False) -> None:
        self.reorders = reorders
        self._lock = threading.Lock()
        self._conn_ids = itertools.count(1)
        self._half_open: dict[
            tuple[Addr, Addr], tuple[int, int]
        ] = {}  # (local, peer) -> conn, sock
        self._conn_socks: dict[int, dict[str, int]] = {}  # conn -> side -> sock id
        self._dgram_ids = itertools.count(1)
        # By destination port: a receiver auto-bound to 0.0.0.0:port gets what was sent to
        # 127.0.0.1:port, so hosts are compared with same_endpoint(), not as keys.
        self._in_flight: dict[int, deque[_PendingDatagram]] = {}
        self._delivered: dict[int, deque[_PendingDatagram]] = {}
        # datagrams a receive that did not say its source (recv() on an unconnected socket) may
        # have read: one of them was, which one cannot be told
        self._maybe_read: set[int] = set()

    # --- TCP --------------------------------------------------------------------------------
    def connection(self, sock_id: int, local: Addr, peer: Addr, side: str) -> ConnEnd:
        with self._lock:
            mirrored = (peer, local)
            if mirrored in self._half_open:
                conn, _other = self._half_open.pop(mirrored)
            else:
                conn = next(self._conn_ids)
                self._half_open[(local, peer)] = (conn, sock_id)
            self._conn_socks.setdefault(conn, {})[side] = sock_id
            return ConnEnd(conn, side)

    def peer_sock(self, conn: int, side: str) -> int | None:
        with self._lock:
            return self._conn_socks.get(conn, {}).get("s" if side == "c" else "c")

    # --- UDP --------------------------------------------------------------------------------
    def datagram_sending(
        self, sender_sock: int, src: Addr | None, dst: Addr, payload: bytes
    ) -> _PendingDatagram:
        d = _PendingDatagram(next(self._dgram_ids), sender_sock, src, dst, bytes(payload))
        with self._lock:
            self._in_flight.setdefault(dst[1], deque()).append(d)
        return d

    def datagram_sent(self, d: _PendingDatagram, src: Addr | None) -> None:
        d.src = src

    def datagram_failed(self, dst: Addr, d: _PendingDatagram) -> None:
        with self._lock:
            q = self._in_flight.get(dst[1])
            if q is not None and d in q:
                q.remove(d)
            self._maybe_read.discard(d.dgram)

    @staticmethod
    def _candidates(
        queued: list[_PendingDatagram], src: Addr | None, payload: bytes
    ) -> list[tuple[int, _PendingDatagram]]:
        # A too-small buffer truncates the datagram, so what was read is a prefix. A sender
        # whose sendto() has not returned yet has no known source: match those only when no
        # datagram of this exact source fits. A receive that does not say where its datagram
        # came from (recv() or read() on an unconnected socket) is paired by its bytes alone,
        # and only when they name one sender (whose datagrams the queue keeps in order): the
        # same bytes from two senders, one of whose may have been dropped, are not guessed at.
        fits = [(i, d) for i, d in enumerate(queued) if d.payload[: len(payload)] == payload]
        if src is None:
            whole = [(i, d) for i, d in fits if len(d.payload) == len(payload)]
            pool = whole or fits  # a datagram cut short by a small buffer: its first bytes
            return pool if len({d.sender_sock for _, d in pool}) == 1 else []
        exact = [(i, d) for i, d in fits if d.src is not None and same_endpoint(d.src, src)]
        return exact or [(i, d) for i, d in fits if d.src is None]

    def datagram_received(self, local: Addr, src: Addr | None, payload: bytes) -> DatagramMatch:
        with self._lock:
            q = self._in_flight.get(local[1])
            mine = [d for d in q if same_endpoint(d.dst, local)] if q else []
            candidates = self._candidates(mine, src, payload)
            if not candidates and src is None:
                # whose it is cannot be told, so none is named; and none of those it may be is
                # called lost for sure any more, here or at the close: any datagram that starts
                # with these bytes (a longer one may have been cut short by the buffer)
                self._maybe_read.update(
                    d.dgram for d in mine if d.payload[: len(payload)] == payload
                )
                return DatagramMatch(None, None)
            if not candidates:
                # not in flight: a second copy of one already delivered (the link duplicated it)
                done = self._delivered.get(local[1])
                seen = [d for d in done if same_endpoint(d.dst, local)] if done else []
                again = self._candidates(seen, src, payload)
                if again:
                    d = again[-1][1]  # the latest delivered twin
                    return DatagramMatch(d.dgram, d.sender_sock, len(d.payload), again=True)
                return DatagramMatch(None, None)
            assert q is not None
            i, d = candidates[0]
            lost: list[_PendingDatagram] = []
            if not self.reorders:
                # loopback does not reorder: this sender's datagrams queued before it were dropped
                lost = [
                    e
                    for e in mine[:i]
                    if e.sender_sock == d.sender_sock or same_endpoint(e.src, src)
                ]
            for e in [*lost, d]:
                q.remove(e)
            self._maybe_read.discard(d.dgram)  # named after all
            kept = self._delivered.setdefault(local[1], deque(maxlen=DELIVERED_KEPT))
            kept.append(d)
            gone = self._split([e.dgram for e in lost])
            return DatagramMatch(
                d.dgram, d.sender_sock, len(d.payload), gone.lost, unsure=gone.unsure
            )

    def _split(self, dgrams: list[int]) -> Unreceived:
        """Datagrams never paired with a receive: lost, or perhaps read unnamed."""
        unsure = [g for g in dgrams if g in self._maybe_read]
        self._maybe_read.difference_update(unsure)
        return Unreceived([g for g in dgrams if g not in unsure], unsure)

    def datagrams_never_received(self, local: Addr) -> Unreceived:
        """The receiving socket at ``local`` is closing: what was sent to it and never read."""
        with self._lock:
            q = self._in_flight.get(local[1]) or deque()
            mine = [d for d in q if same_endpoint(d.dst, local)]
            for d in mine:
                q.remove(d)
            done = self._delivered.get(local[1])
            if done:  # a later socket on this port must not take its datagrams for twins
                for d in [d for d in done if same_endpoint(d.dst, local)]:
                    done.remove(d)
            return self._split([d.dgram for d in mine])
