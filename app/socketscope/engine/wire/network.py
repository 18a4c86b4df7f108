"""Two hosts and a link between them, inside the run's own user namespace.

A scenario that declares ``NETWORK = {"hosts": {"A": "10.0.0.1", "B": "10.0.0.2"}, "link": {...}}``
runs on two hosts: host A is the namespace the run host made for itself (engine/netns.py), host B
a second network namespace, and the link a third one holding the relay (engine/wire/relay.py)::

    host A: eth0 10.0.0.1/24 ── veth ── toA │ relay │ toB ── veth ── eth0 10.0.0.2/24 :host B

Each host's ``eth0`` is one end of a veth pair whose other end lives in the relay's namespace, so
every frame between A and B goes through the relay, which may lose, delay, reorder or duplicate
it. The namespaces are made by ``unshare(CLONE_NEWNET)`` from the run host's single thread and
kept as open fds; an actor's thread moves into its host with ``setns`` when it starts.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import ipaddress
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from . import rtnl

CLONE_NEWNET = 0x40000000
PREFIX = 24
SUBNET = ipaddress.ip_network("10.0.0.0/24")
HOST_NAMES = ("A", "B")
HOST_INTERFACE = "eth0"  # what a student knows from Mininet's h1-eth0 and from any Linux box
RELAY_INTERFACES = {"A": "toA", "B": "toB"}


class NetworkSpecError(ValueError):
    """A scenario's NETWORK that cannot be built; the message names the field."""


PERCENT_FIELDS = ("loss", "reorder", "duplicate")
MS_FIELDS = ("delay_ms", "jitter_ms")
RULE_ACTIONS = ("drop", "delay", "duplicate")
RULE_PACKETS = ("any", "syn", "tcp-data", "datagram")


@dataclass(frozen=True)
class Rule:
    """One exact event a lesson names: "drop the 2nd data segment A→B" is
    ``Rule("drop", "tcp-data", 2, "A>B")``; "delay datagram 1 by 40 ms" is
    ``Rule("delay", "datagram", 1, None, 40)``."""

    do: str  # drop, delay, duplicate
    packet: str  # any, syn (a SYN without ACK), tcp-data (a segment with payload), datagram
    nth: int  # counted from 1 among the packets that match ``packet`` and ``dir``
    dir: str | None = None  # "A>B", "B>A" or None for both
    ms: float = 0.0  # delay only: how long (with ``after``: at most)
    # delay only: hold it until this many packets of its kind have passed in its direction, so
    # that it arrives after them at any speed (a lesson stepped slowly sends them seconds apart)
    after: int | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "do": self.do,
            "packet": self.packet,
            "nth": self.nth,
            "dir": self.dir,
            "ms": self.ms,
        }
        if self.after is not None:
            out["after"] = self.after
        return out


@dataclass(frozen=True)
class Link:
    """The link's weather: percentages 0–100, times in milliseconds, and one-off rules. The
    same seed makes the same choices for the same packets."""

    loss: float = 0.0
    delay_ms: float = 0.0
    jitter_ms: float = 0.0
    reorder: float = 0.0  # a packet held back by reorder_ms so the next ones overtake it
    reorder_ms: float = 20.0
    duplicate: float = 0.0
    seed: int = 1
    rules: tuple[Rule, ...] = ()

    @property
    def calm(self) -> bool:
        return not (self.loss or self.delay_ms or self.jitter_ms or self.reorder or self.duplicate)

    def to_json(self) -> dict[str, Any]:
        return {
            "loss": self.loss,
            "delay_ms": self.delay_ms,
            "jitter_ms": self.jitter_ms,
            "reorder": self.reorder,
            "reorder_ms": self.reorder_ms,
            "duplicate": self.duplicate,
            "seed": self.seed,
            "rules": [r.to_json() for r in self.rules],
        }


@dataclass(frozen=True)
class NetworkSpec:
    hosts: dict[str, str] = field(default_factory=dict)  # "A" -> "10.0.0.1"
    link: Link = field(default_factory=Link)

    def to_json(self) -> dict[str, Any]:
        return {"hosts": dict(self.hosts), "link": self.link.to_json()}

    def with_weather(self, weather: dict[str, Any] | None) -> NetworkSpec:
        """The same network with the link's percentages and delays replaced by what the user
        chose in the window (the lesson's exact rules stay)."""
        if not weather:
            return self
        changed = parse_link({**self.link.to_json(), **weather}, "the network panel")
        return NetworkSpec(self.hosts, changed)


def _number(value: Any, where: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise NetworkSpecError(f"{where} must be a number, not {value!r}")
    if not low <= float(value) <= high:
        raise NetworkSpecError(f"{where} must be between {low:g} and {high:g}, not {value!r}")
    return float(value)


def parse_rule(raw: Any, where: str) -> Rule:
    if not isinstance(raw, dict):
        raise NetworkSpecError(f"{where} must be a dict like {{'do': 'drop', 'packet': 'syn'}}")
    unknown = set(raw) - {"do", "packet", "nth", "dir", "ms", "after"}
    if unknown:
        raise NetworkSpecError(f"{where}: unknown key {sorted(unknown)[0]!r}")
    do = raw.get("do")
    if do not in RULE_ACTIONS:
        raise NetworkSpecError(f"{where}['do'] must be one of {', '.join(RULE_ACTIONS)}")
    packet = raw.get("packet", "any")
    if packet not in RULE_PACKETS:
        raise NetworkSpecError(f"{where}['packet'] must be one of {', '.join(RULE_PACKETS)}")
    nth = raw.get("nth", 1)
    if isinstance(nth, bool) or not isinstance(nth, int) or nth < 1:
        raise NetworkSpecError(f"{where}['nth'] must be a whole number from 1")
    direction = raw.get("dir")
    if direction not in (None, "A>B", "B>A"):
        raise NetworkSpecError(f"{where}['dir'] must be 'A>B', 'B>A' or left out")
    ms = _number(raw.get("ms", 0), f"{where}['ms']", 0, 60_000)
    if do == "delay" and not ms:
        raise NetworkSpecError(f"{where}: a delay needs 'ms'")
    after = raw.get("after")
    if after is not None and (
        isinstance(after, bool) or not isinstance(after, int) or after <= nth or do != "delay"
    ):
        raise NetworkSpecError(
            f"{where}['after'] must be a whole number above 'nth', on a delay: hold it until "
            "that many packets of its kind have passed"
        )
    return Rule(str(do), str(packet), nth, direction, ms, after)


def parse_link(raw: Any, where: str) -> Link:
    if not isinstance(raw, dict):
        raise NetworkSpecError(f"{where} must be a dict")
    known = {*PERCENT_FIELDS, *MS_FIELDS, "reorder_ms", "seed", "rules"}
    unknown = set(raw) - known
    if unknown:
        raise NetworkSpecError(f"{where}: unknown key {sorted(unknown)[0]!r}")
    values: dict[str, Any] = {}
    for k in PERCENT_FIELDS:
        if k in raw:
            values[k] = _number(raw[k], f"{where}[{k!r}]", 0, 100)
    for k in (*MS_FIELDS, "reorder_ms"):
        if k in raw:
            values[k] = _number(raw[k], f"{where}[{k!r}]", 0, 10_000)
    if "seed" in raw:
        seed = raw["seed"]
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise NetworkSpecError(f"{where}['seed'] must be a whole number")
        values["seed"] = seed
    rules = raw.get("rules", [])
    if not isinstance(rules, (list, tuple)):
        raise NetworkSpecError(f"{where}['rules'] must be a list")
    values["rules"] = tuple(parse_rule(r, f"{where}['rules'][{i}]") for i, r in enumerate(rules))
    return Link(**values)


def parse(raw: Any, where: str = "NETWORK") -> NetworkSpec:
    """A scenario's ``NETWORK``, checked, or :class:`NetworkSpecError` naming what is wrong."""
    if not isinstance(raw, dict):
        raise NetworkSpecError(f"{where} must be a dict with 'hosts' (and optionally 'link')")
    unknown = set(raw) - {"hosts", "link"}
    if unknown:
        raise NetworkSpecError(f"{where}: unknown key {sorted(unknown)[0]!r}")
    hosts = raw.get("hosts")
    if not isinstance(hosts, dict) or sorted(hosts) != list(HOST_NAMES):
        raise NetworkSpecError(f"{where}['hosts'] must name hosts 'A' and 'B'")
    seen = set()
    for name, addr in hosts.items():
        try:
            ip = ipaddress.IPv4Address(addr)
        except (ipaddress.AddressValueError, ValueError):
            raise NetworkSpecError(
                f"{where}['hosts'][{name!r}] must be an IPv4 address, not {addr!r}"
            ) from None
        if ip not in SUBNET or ip in (SUBNET.network_address, SUBNET.broadcast_address):
            raise NetworkSpecError(
                f"{where}['hosts'][{name!r}] must be a host of {SUBNET} (a private link that "
                f"exists only inside the run), not {addr!r}"
            )
        if ip in seen:
            raise NetworkSpecError(f"{where}['hosts']: two hosts with the address {addr}")
        seen.add(ip)
    link = parse_link(raw.get("link", {}), f"{where}['link']")
    return NetworkSpec({k: str(hosts[k]) for k in HOST_NAMES}, link)


# --- namespaces ------------------------------------------------------------------------------


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def setns(fd: int) -> None:
    """Move the calling thread into the network namespace ``fd`` refers to."""
    if hasattr(os, "setns"):  # Python 3.12+
        os.setns(fd, CLONE_NEWNET)
        return
    if _libc().setns(fd, CLONE_NEWNET) != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"setns: {os.strerror(code)}")


def _unshare_net() -> None:
    if hasattr(os, "unshare"):
        os.unshare(CLONE_NEWNET)
        return
    if _libc().unshare(CLONE_NEWNET) != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"unshare: {os.strerror(code)}")


def _this_namespace() -> int:
    from socketscope.engine.channel import fd_above

    # above the lesson's descriptors, which start at 3 as in a C program
    return fd_above(os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC))


@contextlib.contextmanager
def inside(fd: int, back: int) -> Iterator[None]:
    """Run a block in namespace ``fd``, then return to ``back``."""
    setns(fd)
    try:
        yield
    finally:
        setns(back)


@dataclass
class TwoHosts:
    """The built network: one namespace fd per host and one for the relay, kept open for the
    whole run (a namespace lives as long as something refers to it)."""

    spec: NetworkSpec
    host_fds: dict[str, int]
    relay_fd: int
    namespaces: dict[str, str]  # "A" -> "net:[4026532…]", for the trace header
    refused_offloads: list[str] = field(default_factory=list)

    def enter(self, host: str) -> None:
        setns(self.host_fds[host])

    def host_here(self) -> str | None:
        """The host whose namespace the calling thread is in (None: neither, the relay's)."""
        here = os.readlink("/proc/thread-self/ns/net")
        return next((h for h, ns in self.namespaces.items() if ns == here), None)

    @contextlib.contextmanager
    def visiting(self, host: str) -> Iterator[None]:
        """Run a block in ``host``'s namespace, from a thread of either host: a closed socket's
        connection is found only in its own host's table (from the other, it reads CLOSED)."""
        here = self.host_here()
        if here is None or here == host:
            yield
            return
        with inside(self.host_fds[host], self.host_fds[here]):
            yield

    def host_of(self, address: str) -> str | None:
        for name, addr in self.spec.hosts.items():
            if addr == address:
                return name
        return None

    def close(self) -> None:
        for fd in [*self.host_fds.values(), self.relay_fd]:
            with contextlib.suppress(OSError):
                os.close(fd)


def build(spec: NetworkSpec) -> TwoHosts:
    """Make host B and the relay's namespace beside the calling thread's (host A), the veth
    pairs between them, addresses, links up and offloads off. The calling thread ends in host A.
    Needs CAP_NET_ADMIN in the current user namespace: the run host has it in its own."""
    fd_a = _this_namespace()
    made: list[int] = [fd_a]
    try:
        _unshare_net()
        fd_b = _this_namespace()
        made.append(fd_b)
        rtnl.link_up("lo")  # host B has a loopback of its own too
        _unshare_net()
        fd_r = _this_namespace()
        made.append(fd_r)
        refused: list[str] = []
        # in the relay's namespace: one veth pair per host, the host's end moved into the host
        with rtnl.Rtnl() as nl:
            for name, fd in (("A", fd_a), ("B", fd_b)):
                nl.add_veth(RELAY_INTERFACES[name], HOST_INTERFACE, fd)
        for name in HOST_NAMES:
            rtnl.link_up(RELAY_INTERFACES[name])
            refused += rtnl.offloads_off(RELAY_INTERFACES[name])
        for name, fd in (("B", fd_b), ("A", fd_a)):  # host A last: the thread stays there
            setns(fd)
            with rtnl.Rtnl() as nl:
                nl.add_address(HOST_INTERFACE, spec.hosts[name], PREFIX)
            refused += rtnl.offloads_off(HOST_INTERFACE)
            rtnl.link_up(HOST_INTERFACE)
    except BaseException:
        with contextlib.suppress(OSError):
            setns(fd_a)
        for fd in made:
            os.close(fd)
        raise
    namespaces = {}
    for name, fd in (("A", fd_a), ("B", fd_b)):
        namespaces[name] = os.readlink(f"/proc/self/fd/{fd}")
    return TwoHosts(spec, {"A": fd_a, "B": fd_b}, fd_r, namespaces, sorted(set(refused)))


@dataclass(frozen=True)
class CapturePoint:
    """One interface the capture listens on: ``lo`` of a one-host run, or a host's ``eth0``."""

    interface: str
    outgoing_only: bool  # lo sees every frame twice (sent and received): keep the sent copy
    host: str | None = None  # two hosts: "A" or "B"
    address: str | None = None  # that host's address: a frame from it is sent, to it arrived
    netns_fd: int | None = None  # that host's namespace (None: the capture's own)


def capture_point(net: TwoHosts | None) -> tuple[str, bool]:
    """Where a run's packets are captured in the run host's own namespace: (interface, keep
    only outgoing frames). One host: ``lo``; two hosts: host A's ``eth0`` (and, with
    :func:`capture_points`, host B's too)."""
    if net is None:
        return ("lo", True)
    return (HOST_INTERFACE, False)


def capture_points(net: TwoHosts | None) -> list[CapturePoint]:
    """Every interface of the run to capture on. One host: ``lo``, where every frame is seen
    twice (sent and received), so only the outgoing copy is kept. Two hosts: each host's
    ``eth0``, both ways, so that each real packet is seen leaving its sender and arriving at its
    receiver: one the link lost is seen leaving only, one it duplicated arriving twice."""
    if net is None:
        return [CapturePoint("lo", True)]
    return [
        CapturePoint(HOST_INTERFACE, False, h, net.spec.hosts[h], net.host_fds[h])
        for h in HOST_NAMES
    ]
