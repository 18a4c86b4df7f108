"""The link between host A and host B: a user-space relay with weather.

Two packet sockets in the relay's namespace, one on each host's veth end (``toA``, ``toB``):
every frame one host puts on its ``eth0`` arrives here and is sent on to the other host, unless
the policy drops it, holds it back (delay, jitter, reordering) or sends it twice. No netem, no
/dev/net/tun, no root: the relay is root only of the run's own user namespace.

The policy is seeded: each direction has its own random generator and every TCP/UDP packet
draws the same number of numbers from it, so the same seed makes the same choices for the same
packets whatever the timing. ARP and other frames are never touched (and never counted), so the
link always works for them. Each thing the relay *does* to a packet (not each packet passed
through) is reported as one JSON line on a pipe for the trace.
"""

from __future__ import annotations

import contextlib
import heapq
import json
import os
import random
import select
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from socketscope.engine.channel import HIGH_FD, fd_above
from socketscope.engine.loopback import UnguardedSocket

from .decode import Packet, decode_frame
from .network import HOST_NAMES, RELAY_INTERFACES, Link, Rule, TwoHosts, setns

ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_IGNORE_OUTGOING = 23  # Linux 4.20+: do not hand the relay back its own sends
PACKET_OUTGOING = 4


@dataclass(frozen=True)
class Decision:
    """What happens to one packet: sent after each of ``delays`` (seconds); none = dropped."""

    delays: tuple[float, ...]
    action: str | None  # None: passed on as it came; else dropped/delayed/duplicated/reordered
    why: str = ""  # "rule 1", "loss 20%", …
    # held until the policy has seen this many packets of (direction, kind); delays: the most
    until: tuple[str, str, int] | None = None


PASS = Decision((0.0,), None)


def kind_of(p: Packet) -> str:
    if p.proto == "UDP":
        return "datagram"
    if "SYN" in p.flags and "ACK" not in p.flags:
        return "syn"
    if p.payload_len:
        return "tcp-data"
    return "tcp"


class Policy:
    """The link's weather as decisions, one per TCP/UDP packet, per direction."""

    def __init__(self, link: Link) -> None:
        self.link = link
        self._rng = {d: random.Random(f"{link.seed}:{d}") for d in ("A>B", "B>A")}
        self._counts: dict[tuple[int, str], int] = {}
        self.seen: dict[tuple[str, str], int] = {}  # (direction, kind) -> packets decided

    def _rule_hits(self, direction: str, kind: str) -> list[tuple[int, Rule]]:
        hits = []
        for i, r in enumerate(self.link.rules):
            if r.dir not in (None, direction):
                continue
            if r.packet != "any" and r.packet != kind:
                continue
            n = self._counts.get((i, direction), 0) + 1
            self._counts[(i, direction)] = n
            # a rule without a direction counts both directions together
            total = n if r.dir else sum(self._counts.get((i, d), 0) for d in ("A>B", "B>A"))
            if total == r.nth:
                hits.append((i, r))
        return hits

    def decide(self, direction: str, p: Packet) -> Decision:
        link = self.link
        rng = self._rng[direction]
        # always four draws, used or not: the same packet gets the same numbers whatever the
        # settings of the others
        u_loss, u_dup, u_reorder, u_jitter = (rng.random() for _ in range(4))
        kind = kind_of(p)
        self.seen[(direction, kind)] = self.seen.get((direction, kind), 0) + 1
        hits = self._rule_hits(direction, kind)
        for i, r in hits:
            why = f"rule {i + 1}"
            if r.do == "drop":
                return Decision((), "dropped", why)
            if r.do == "delay":
                if r.after is not None:  # its total count, both ways for a rule without dir
                    return Decision((r.ms / 1000,), "delayed", why, (direction, kind, r.after))
                return Decision((r.ms / 1000,), "delayed", why)
            if r.do == "duplicate":
                return Decision((0.0, 0.0), "duplicated", why)
        if link.calm:
            return PASS
        if u_loss * 100 < link.loss:
            return Decision((), "dropped", f"loss {link.loss:g}%")
        base = link.delay_ms + (u_jitter * 2 - 1) * link.jitter_ms
        delay = max(0.0, base) / 1000
        # the link's own delay is its weather (in the trace header), not an event per packet
        action: str | None = None
        why = ""
        if u_reorder * 100 < link.reorder:
            delay += link.reorder_ms / 1000
            action, why = "reordered", f"reorder {link.reorder:g}%"
        if u_dup * 100 < link.duplicate:
            return Decision((delay, delay), "duplicated", f"duplicate {link.duplicate:g}%")
        return Decision((delay,), action, why)


def _open(interface: str) -> socket.socket:
    import fcntl

    made = UnguardedSocket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    # above the lesson's descriptor numbers, as the capture's: a strace of a run shows no
    # engine process waiting on a number the lesson uses
    fd = fcntl.fcntl(made.fileno(), fcntl.F_DUPFD_CLOEXEC, HIGH_FD)
    made.close()
    s = UnguardedSocket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL), fileno=fd)
    with contextlib.suppress(OSError):
        s.setsockopt(SOL_PACKET, PACKET_IGNORE_OUTGOING, 1)
    s.bind((interface, 0))
    return s


def record(
    direction: str, p: Packet, d: Decision, t: float, isn: dict[tuple[Any, Any], int] | None = None
) -> dict[str, Any]:
    """One thing the link did, for the trace. ``isn``: each TCP direction's first sequence
    number (from its SYN), so that ``rel_seq`` is relative as the capture's packets are."""
    first = (isn or {}).get((p.src, p.dst))
    rel = (p.seq - first) % 2**32 if p.seq is not None and first is not None else None
    return {
        "rel_seq": rel,
        "t": round(t, 6),
        "do": d.action,
        "why": d.why,
        "dir": direction,
        "proto": p.proto,
        "kind": kind_of(p),
        "src": list(p.src),
        "dst": list(p.dst),
        "flags": list(p.flags),
        "seq": p.seq,
        "len": p.payload_len,
        "ms": [round(x * 1000, 3) for x in d.delays],
        "after": d.until[2] if d.until else None,
        "ip_id": p.ip_id,  # with src and dst, names the captured packet it acted on
    }


def relay_loop(
    policy: Policy,
    socks: dict[str, socket.socket],
    report: Callable[[dict[str, Any]], None],
    stop: Callable[[], bool] = lambda: False,
    stop_fd: int | None = None,
) -> None:
    """Bridge ``socks["A"]`` (the veth end facing host A) and ``socks["B"]`` until ``stop()``,
    or until ``stop_fd`` turns readable (a byte, or EOF: the run host has gone)."""
    other = {"A": "B", "B": "A"}
    by_fd = {s.fileno(): name for name, s in socks.items()}
    poller = select.poll()
    for s in socks.values():
        poller.register(s, select.POLLIN)
    if stop_fd is not None:
        poller.register(stop_fd, select.POLLIN)
    later: list[tuple[float, int, str, bytes]] = []  # (when, order, to host, frame)
    held: dict[int, tuple[tuple[str, str, int], str, bytes]] = {}  # order -> until, to, frame
    held_orders: set[int] = set()  # heap entries that are a held packet's deadline
    isn: dict[tuple[Any, Any], int] = {}  # (src, dst) -> the SYN's sequence number
    order = 0

    def release_held() -> None:
        for k, (until, to, frame) in sorted(held.items()):
            if policy.seen.get(until[:2], 0) >= until[2]:
                del held[k]
                with contextlib.suppress(OSError):
                    socks[to].send(frame)

    def send_due(now: float) -> None:
        while later and later[0][0] <= now:
            _, k, to, frame = heapq.heappop(later)
            if k in held_orders:
                held_orders.discard(k)
                if k not in held:
                    continue  # released already, when the others had passed
                del held[k]  # the others did not come in time: it goes now
            with contextlib.suppress(OSError):
                socks[to].send(frame)

    while not stop():
        now = time.monotonic()
        send_due(now)
        timeout = 200 if not later else max(0, int((later[0][0] - now) * 1000) + 1)
        polled = poller.poll(timeout)
        if stop_fd is not None and any(fd == stop_fd for fd, _ev in polled):
            return
        ready = [by_fd[fd] for fd, _ev in polled]
        while ready:
            # every frame queued on a ready socket, not one per poll(): fewer system calls
            came = ready.pop(0)
            try:
                frame, addr = socks[came].recvfrom(65536, socket.MSG_DONTWAIT)
            except BlockingIOError:
                continue
            ready.append(came)
            if addr[2] == PACKET_OUTGOING:  # a kernel without PACKET_IGNORE_OUTGOING
                continue
            to = other[came]
            now = time.monotonic()
            if later:
                send_due(now)  # a busy link must not keep the held ones waiting
            p = decode_frame(frame, len(frame), now)
            if p is None or not p.src[0].startswith("10."):
                socks[to].send(frame)  # ARP, IPv6 neighbour discovery: the link just works
                continue
            direction = f"{came}>{to}"
            if "SYN" in p.flags and p.seq is not None:
                isn[(p.src, p.dst)] = p.seq  # a new connection between these ports
            d = policy.decide(direction, p)
            if d.action is not None:
                report(record(direction, p, d, now, isn))
            if d.until is not None:
                order += 1
                held[order] = (d.until, to, frame)
                held_orders.add(order)
                heapq.heappush(later, (now + max(d.delays), order, to, frame))
                continue
            for delay in d.delays:
                if delay <= 0:
                    with contextlib.suppress(OSError):
                        socks[to].send(frame)
                else:
                    order += 1
                    heapq.heappush(later, (now + delay, order, to, frame))
            if held:
                release_held()


@dataclass
class Relay:
    """The run host's handle on its relay process."""

    pid: int
    reports: int  # the pipe its reports come on, one JSON object a line
    stop_w: int  # a byte (or this end's close) ends the relay at once
    # the run host's thread that turns the reports into ``link`` events (ends at their end)
    reader: threading.Thread | None = None

    def stop(self) -> None:
        """End the relay now (it no longer polls on a timeout to notice). Not waited for: it
        is closing its packet sockets, which takes a grace period; the kernel reaps it with
        the run host (PID namespace), or the run host's end kills it."""
        if self.stop_w < 0:
            return
        with contextlib.suppress(OSError):
            os.write(self.stop_w, b"s")
        with contextlib.suppress(OSError):
            os.close(self.stop_w)
        self.stop_w = -1


def start_relay(net: TwoHosts) -> Relay:
    """Fork the relay process (the caller must have one thread: it is the run host before its
    actors start)."""
    r, w = os.pipe()
    stop_r, stop_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            os.close(r)
            os.close(stop_w)
            _relay_main(net, w, stop_r)
        except BaseException:  # noqa: BLE001 -- a child never returns into the parent's code
            code = 1
        finally:
            os._exit(code)
    os.close(w)
    os.close(stop_r)
    r = fd_above(r)  # out of the way of the lesson's descriptors
    stop_w = fd_above(stop_w)
    # wait until both packet sockets are open: a frame sent before would be lost (a first SYN,
    # an ARP request), and a lesson that drops "the first SYN" would then drop the second
    line = b""
    while not line.endswith(b"\n"):
        chunk = os.read(r, 1)
        if not chunk:
            os.close(r)
            os.close(stop_w)
            raise OSError("the link's relay could not start")
        line += chunk
    if hasattr(os, "register_at_fork"):
        # a process an actor forks must not hold the relay's stop pipe open
        os.register_at_fork(after_in_child=lambda: _close_fd(stop_w))
    return Relay(pid, r, stop_w)


def _close_fd(fd: int) -> None:
    with contextlib.suppress(OSError):
        os.close(fd)


def _relay_main(net: TwoHosts, w: int, stop_r: int) -> None:
    import ctypes

    # the run host's end kills it as well; this covers a run host killed outright
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    setns(net.relay_fd)
    # the client's channel and the like are not the relay's to hold
    keep = sorted({w, stop_r})
    low = 3
    for fd in keep:
        os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, 65536)
    socks = {name: _open(RELAY_INTERFACES[name]) for name in HOST_NAMES}
    out = os.fdopen(w, "w", buffering=1, encoding="utf-8")
    out.write('{"ready": true}\n')

    def report(rec: dict[str, Any]) -> None:
        with contextlib.suppress(OSError):
            out.write(json.dumps(rec) + "\n")

    parent = os.getppid()
    relay_loop(
        Policy(net.spec.link), socks, report, stop=lambda: os.getppid() != parent, stop_fd=stop_r
    )
    # the last reports first: the run host reads them to the end before it ends the trace
    with contextlib.suppress(OSError):
        out.close()
    # Each packet socket's close waits for an RCU grace period (~16 ms): both at once, so the
    # two waits are one (at exit the kernel would close them one after the other).
    import threading

    closers = [threading.Thread(target=s.close) for s in socks.values()]
    for t in closers:
        t.start()
    for t in closers:
        t.join()
