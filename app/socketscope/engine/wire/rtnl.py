"""The few rtnetlink requests a two-host run needs, in raw netlink with ``struct``: make a veth
pair with one end in another network namespace, give an interface an address, and turn an
interface's offloads off (SIOCETHTOOL), so that the relay sees real, finished segments.

No library and no external command (``ip``, ``ethtool``): the run host is root only inside its
own user namespace, and these requests are all it is allowed to make there. Facts:
shared/WIRE.md, "Loss, delay, reordering, duplication without root or netem".
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import socket
import struct

from socketscope.engine.loopback import UnguardedSocket

NETLINK_ROUTE = 0
RTM_NEWLINK = 16
RTM_NEWADDR = 20
NLM_F_REQUEST = 0x1
NLM_F_ACK = 0x4
NLM_F_EXCL = 0x200
NLM_F_CREATE = 0x400
NLMSG_ERROR = 0x2
IFLA_IFNAME = 3
IFLA_LINKINFO = 18
IFLA_NET_NS_FD = 28
IFLA_INFO_KIND = 1
IFLA_INFO_DATA = 2
VETH_INFO_PEER = 1
IFA_ADDRESS = 1
IFA_LOCAL = 2
SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
SIOCETHTOOL = 0x8946
IFF_UP = 0x1

# ethtool's old per-feature commands (struct ethtool_value {u32 cmd; u32 data}): each still
# works on veth and needs no feature-name table
ETHTOOL_SRXCSUM = 0x15
ETHTOOL_STXCSUM = 0x17
ETHTOOL_SSG = 0x19
ETHTOOL_STSO = 0x1F
ETHTOOL_SGSO = 0x24
ETHTOOL_SGRO = 0x2C
# order matters: TSO needs scatter-gather and checksumming, so those go last
OFFLOADS_OFF = (
    ("tso", ETHTOOL_STSO),
    ("gso", ETHTOOL_SGSO),
    ("gro", ETHTOOL_SGRO),
    ("tx-checksum", ETHTOOL_STXCSUM),
    ("rx-checksum", ETHTOOL_SRXCSUM),
    ("scatter-gather", ETHTOOL_SSG),
)


class NetlinkError(OSError):
    pass


def _attr(kind: int, payload: bytes) -> bytes:
    length = 4 + len(payload)
    return struct.pack("HH", length, kind) + payload + b"\0" * (-length % 4)


def _ifinfo(index: int = 0, flags: int = 0, change: int = 0) -> bytes:
    return struct.pack("BxHiII", socket.AF_UNSPEC, 0, index, flags, change)


class Rtnl:
    """One rtnetlink socket. A netlink socket speaks for the network namespace of the thread
    that made it, whichever namespace the thread moves to later."""

    def __init__(self) -> None:
        self.sock = UnguardedSocket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_ROUTE)
        self.sock.bind((0, 0))
        self._seq = 0

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> Rtnl:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(self, msg_type: int, body: bytes, flags: int = 0) -> None:
        """Send one request and wait for its acknowledgement; a refusal raises with the
        kernel's errno (EEXIST, EPERM…)."""
        self._seq += 1
        header = struct.pack(
            "IHHII", 16 + len(body), msg_type, NLM_F_REQUEST | NLM_F_ACK | flags, self._seq, 0
        )
        self.sock.send(header + body)
        while True:
            data = self.sock.recv(65536)
            offset = 0
            while offset + 16 <= len(data):
                length, kind, _flags, seq, _pid = struct.unpack_from("IHHII", data, offset)
                if kind == NLMSG_ERROR and seq == self._seq:
                    (code,) = struct.unpack_from("i", data, offset + 16)
                    if code:
                        raise NetlinkError(-code, f"rtnetlink: {os.strerror(-code)}")
                    return
                offset += max(16, (length + 3) & ~3)

    def add_veth(self, name: str, peer: str, peer_netns_fd: int | None = None) -> None:
        """``ip link add NAME type veth peer name PEER [netns FD]``."""
        peer_attrs = _attr(IFLA_IFNAME, peer.encode() + b"\0")
        if peer_netns_fd is not None:
            peer_attrs += _attr(IFLA_NET_NS_FD, struct.pack("I", peer_netns_fd))
        info = _attr(IFLA_INFO_KIND, b"veth") + _attr(
            IFLA_INFO_DATA, _attr(VETH_INFO_PEER, _ifinfo() + peer_attrs)
        )
        body = _ifinfo() + _attr(IFLA_IFNAME, name.encode() + b"\0") + _attr(IFLA_LINKINFO, info)
        self.request(RTM_NEWLINK, body, NLM_F_CREATE | NLM_F_EXCL)

    def add_address(self, interface: str, address: str, prefix: int) -> None:
        """``ip addr add ADDRESS/PREFIX dev INTERFACE`` (IPv4)."""
        index = socket.if_nametoindex(interface)
        packed = socket.inet_aton(address)
        body = struct.pack("BBBBI", socket.AF_INET, prefix, 0, 0, index)
        body += _attr(IFA_LOCAL, packed) + _attr(IFA_ADDRESS, packed)
        self.request(RTM_NEWADDR, body, NLM_F_CREATE | NLM_F_EXCL)


def link_up(interface: str) -> None:
    """``ip link set INTERFACE up`` in this thread's namespace, by ioctl."""
    with UnguardedSocket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        name = interface.encode()
        got = fcntl.ioctl(s.fileno(), SIOCGIFFLAGS, struct.pack("16sH", name, 0))
        flags = struct.unpack("16sH", got[:18])[1]
        fcntl.ioctl(s.fileno(), SIOCSIFFLAGS, struct.pack("16sH", name, flags | IFF_UP))


def offloads_off(interface: str) -> list[str]:
    """Turn off checksum offload, TSO, GSO and GRO on ``interface`` (this thread's namespace), so
    that a packet socket sees each segment as it goes on the wire, checksum included. Returns
    what the kernel refused (an interface without the feature: EOPNOTSUPP), for the log."""
    refused = []
    with UnguardedSocket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for name, cmd in OFFLOADS_OFF:
            value = ctypes.create_string_buffer(struct.pack("II", cmd, 0), 8)
            ifreq = struct.pack("16sP", interface.encode(), ctypes.addressof(value))
            ifreq += b"\0" * (40 - len(ifreq))
            try:
                fcntl.ioctl(s.fileno(), SIOCETHTOOL, ifreq)
            except OSError as e:
                if e.errno not in (errno.EOPNOTSUPP, errno.EINVAL):
                    raise
                refused.append(name)
    return refused
