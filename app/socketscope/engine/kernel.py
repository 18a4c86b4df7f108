"""Ask the kernel about a socket: TCP state, queue lengths, the listen backlog.

Everything here is read, never inferred. Where the platform has no way to tell (no TCP_INFO, no
SIOCOUTQ, no /proc/net/tcp), the field is ``None`` and the views say "not available on this
system". Facts used here are measured in shared/LINUX-SOCKETS.md.
"""

from __future__ import annotations

import array
import errno
import os
import socket
import struct
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .events import KernelSnapshot
from .loopback import UnguardedSocket

# Byte 0 of struct tcp_info (include/net/tcp_states.h).
TCP_STATES = {
    1: "ESTABLISHED",
    2: "SYN_SENT",
    3: "SYN_RECV",
    4: "FIN_WAIT1",
    5: "FIN_WAIT2",
    6: "TIME_WAIT",
    7: "CLOSED",
    8: "CLOSE_WAIT",
    9: "LAST_ACK",
    10: "LISTEN",
    11: "CLOSING",
    12: "NEW_SYN_RECV",
}

_TCP_INFO = getattr(socket, "TCP_INFO", None) if sys.platform.startswith("linux") else None
try:
    import fcntl
    import termios

    _FIONREAD: int | None = termios.FIONREAD
    _SIOCOUTQ: int | None = getattr(termios, "TIOCOUTQ", None)
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]
    _FIONREAD = None
    _SIOCOUTQ = None


def _ioctl_int(fd: int, request: int | None) -> int | None:
    if request is None or fcntl is None:
        return None
    buf = array.array("i", [0])
    try:
        fcntl.ioctl(fd, request, buf)
    except OSError:
        return None
    return int(buf[0])


def _sockopt(sock: socket.socket, level: int, opt: int) -> int | None:
    try:
        return sock.getsockopt(level, opt)
    except OSError:
        return None


def snapshot(sock: socket.socket) -> KernelSnapshot:
    """A snapshot of one open socket. Costs a few microseconds on Linux."""
    try:
        fd = sock.fileno()
    except OSError:
        return KernelSnapshot()
    if fd < 0:
        return KernelSnapshot()

    def tcp_info() -> bytes:
        if _TCP_INFO is None:
            return b""
        try:
            return sock.getsockopt(socket.IPPROTO_TCP, _TCP_INFO, 32)
        except OSError:
            return b""

    return snapshot_from(
        sock.type == socket.SOCK_STREAM,
        lambda level, opt: _sockopt(sock, level, opt),
        tcp_info,
        lambda request: _ioctl_int(fd, request),
    )


def snapshot_from(
    stream: bool,
    sockopt: Callable[[int, int], int | None],
    tcp_info: Callable[[], bytes],
    ioctl: Callable[[int | None], int | None],
) -> KernelSnapshot:
    """The snapshot, from the socket's options, its ``struct tcp_info`` (b"": not available)
    and its ioctls, however they are asked (a C program's tracer asks them of a duplicate of
    the program's fd without a socket object: :mod:`socketscope.engine.programs.ctrace`)."""
    rcvbuf = sockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
    sndbuf = sockopt(socket.SOL_SOCKET, socket.SO_SNDBUF)
    if stream:
        state = accept_q = backlog = None
        info = tcp_info()
        if info:
            state = TCP_STATES.get(info[0])
            if state == "LISTEN" and len(info) >= 32:
                # On a listener the kernel reuses tcpi_unacked for the accept queue length
                # and tcpi_sacked for the backlog limit.
                _rto, _ato, _smss, _rmss, unacked, sacked = struct.unpack_from("=6I", info, 8)
                accept_q, backlog = unacked, sacked
        if state == "LISTEN":
            return KernelSnapshot(state, None, None, accept_q, backlog, rcvbuf, sndbuf)
        recv_q = ioctl(_FIONREAD) if state not in (None, "CLOSED") else None
        send_q = ioctl(_SIOCOUTQ) if state not in (None, "CLOSED") else None
        return KernelSnapshot(state, recv_q, send_q, None, None, rcvbuf, sndbuf)
    # UDP: FIONREAD is the size of the next datagram only, not the queue; the queue in bytes is
    # not readable from the socket: the caller fills recv_q from /proc (udp_rx_queue).
    next_dgram = ioctl(_FIONREAD)
    send_q = ioctl(_SIOCOUTQ)
    return KernelSnapshot(None, None, send_q, None, None, rcvbuf, sndbuf, next_dgram)


TCP_INFO = _TCP_INFO  # the option number, for a caller that asks tcp_info itself


# --- sockets that have no fd any more -----------------------------------------------------------
# After close() the connection can live on inside the kernel (FIN_WAIT2, TIME_WAIT, LAST_ACK) with
# no fd to ask. The kernel still finds it by its addresses: through NETLINK_SOCK_DIAG (inet_diag,
# the interface ``ss`` uses: unprivileged, one socket looked up by its four addresses in
# microseconds), or, where that is unavailable, in the text of /proc/net/tcp (which walks and
# prints the whole connection table: milliseconds, and more with every TIME_WAIT on the machine).
# Both answer for the network namespace of the calling thread, which is the run's own.

# thread-self: the network namespace of the calling thread, which is the run's own
_NET = Path("/proc/thread-self/net")
if not _NET.exists():
    _NET = Path("/proc/net")
_PROC_TCP = (_NET / "tcp", _NET / "tcp6")
_PROC_UDP = (_NET / "udp", _NET / "udp6")

TcpRow = tuple[tuple[str, int], tuple[str, int], str]  # local, remote, state code (hex)


def _proc_rows(paths: tuple[Path, ...], columns: int) -> list[list[str]]:
    """The rows of /proc/net/{tcp,udp}[6] split into columns, header left out."""
    rows: list[list[str]] = []
    for path in paths:
        try:
            lines = path.read_text().splitlines()[1:]
        except OSError:
            continue
        rows.extend(parts for row in lines if len(parts := row.split()) >= columns)
    return rows


def _proc_addr(text: str) -> tuple[str, int]:
    hexip, hexport = text.split(":")
    raw = bytes.fromhex(hexip)
    # The kernel prints each 32-bit word in host byte order.
    words = [
        raw[i : i + 4][::-1] if sys.byteorder == "little" else raw[i : i + 4]
        for i in range(0, len(raw), 4)
    ]
    return _host(b"".join(words)), int(hexport, 16)


def _host(packed: bytes) -> str:
    """An address as the rest of the engine spells it: an IPv4-mapped IPv6 address as IPv4."""
    if len(packed) == 4:
        return socket.inet_ntop(socket.AF_INET, packed)
    host = socket.inet_ntop(socket.AF_INET6, packed)
    return host[7:] if host.startswith("::ffff:") else host


# --- NETLINK_SOCK_DIAG (linux/sock_diag.h, linux/inet_diag.h) ---------------------------------
_NETLINK_SOCK_DIAG = 4
_SOCK_DIAG_BY_FAMILY = 20
_NLM_F_REQUEST = 0x1
_NLM_F_DUMP = 0x300
_NLMSG_ERROR = 2
_NLMSG_DONE = 3
_INET_DIAG_REQ_BYTECODE = 1
_BC_S_GE, _BC_S_LE = 2, 3
_ALL_STATES = 0xFFFFFFFF
_NO_COOKIE = 0xFFFFFFFF
_NLMSG_HDR = struct.Struct("=IHHII")  # len, type, flags, seq, pid
_DIAG_MSG = struct.Struct("=BBBB2H16s16sI8xIIIII")  # family, state, timer, retrans, id, ...
_DIAG_RECV = 1 << 16


class _NoDiag(Exception):
    """This system cannot answer through sock_diag (no netlink, no inet_diag/udp_diag module,
    a seccomp filter): the /proc text is asked instead."""


_diag_works: bool | None = None if sys.platform.startswith("linux") else False


@dataclass(frozen=True)
class _DiagRow:
    family: int
    state: int
    local: tuple[str, int]
    remote: tuple[str, int]
    rqueue: int


def _diag_request(
    protocol: int, family: int, sockid: bytes, dump: bool, bytecode: bytes = b""
) -> list[_DiagRow]:
    """One sock_diag request answered by the kernel of the calling thread's network namespace.
    Raises FileNotFoundError when an exact lookup finds nothing, _NoDiag when sock_diag cannot
    answer at all."""
    req = struct.pack("=BBBxI", family, protocol, 0, _ALL_STATES) + sockid
    if bytecode:
        req += struct.pack("=HH", 4 + len(bytecode), _INET_DIAG_REQ_BYTECODE) + bytecode
    flags = _NLM_F_REQUEST | (_NLM_F_DUMP if dump else 0)
    msg = _NLMSG_HDR.pack(_NLMSG_HDR.size + len(req), _SOCK_DIAG_BY_FAMILY, flags, 1, 0) + req
    try:
        # the engine's own socket: inside a run the socket module refuses netlink to scenarios
        nl = UnguardedSocket(
            socket.AF_NETLINK, socket.SOCK_RAW | socket.SOCK_CLOEXEC, _NETLINK_SOCK_DIAG
        )
    except (OSError, AttributeError, ValueError) as e:
        raise _NoDiag(str(e)) from e
    rows: list[_DiagRow] = []
    with nl:
        try:
            nl.sendto(msg, (0, 0))
            while True:
                data = nl.recv(_DIAG_RECV)
                if not data:
                    raise _NoDiag("netlink closed")
                off = 0
                while off + _NLMSG_HDR.size <= len(data):
                    length, kind = _NLMSG_HDR.unpack_from(data, off)[:2]
                    if length < _NLMSG_HDR.size:
                        raise _NoDiag("malformed netlink message")
                    body = off + _NLMSG_HDR.size
                    if kind in (_NLMSG_DONE, _NLMSG_ERROR):
                        # both carry an errno (negative; 0: none): a dump that failed part-way
                        # ends with a DONE that says why
                        err = -struct.unpack_from("=i", data, body)[0] if length >= 20 else 0
                        if err == 0:
                            return rows
                        if err == errno.ENOENT and not dump:
                            raise FileNotFoundError(err, os.strerror(err))
                        raise _NoDiag(os.strerror(err))
                    if kind == _SOCK_DIAG_BY_FAMILY:
                        rows.append(_diag_row(data, body))
                    off += (length + 3) & ~3
                if not dump:
                    return rows
        except OSError as e:
            raise _NoDiag(str(e)) from e


def _diag_row(data: bytes, off: int) -> _DiagRow:
    fam, state, _timer, _retrans, sport, dport, src, dst, _if, _exp, rq, _wq, _uid, _ino = (
        _DIAG_MSG.unpack_from(data, off)
    )
    size = 4 if fam == socket.AF_INET else 16
    return _DiagRow(
        fam,
        state,
        (_host(src[:size]), socket.ntohs(sport)),
        (_host(dst[:size]), socket.ntohs(dport)),
        rq,
    )


def _sockid(family: int, local: tuple[str, int], remote: tuple[str, int]) -> bytes:
    src = socket.inet_pton(family, local[0]).ljust(16, b"\0")
    dst = socket.inet_pton(family, remote[0]).ljust(16, b"\0")
    return (
        struct.pack("!HH", local[1], remote[1])
        + src
        + dst
        + struct.pack("=III", 0, _NO_COOKIE, _NO_COOKIE)
    )


def _port_filter(port: int) -> bytes:
    """inet_diag bytecode: local port >= port and <= port. Each comparison is two 4-byte ops
    (the second carries the port); a failed one jumps past the end, which rejects."""
    return (
        struct.pack("=BBH", _BC_S_GE, 8, 20)
        + struct.pack("=BBH", 0, 0, port)
        + struct.pack("=BBH", _BC_S_LE, 8, 12)
        + struct.pack("=BBH", 0, 0, port)
    )


def _families(host: str) -> tuple[int, ...]:
    return (socket.AF_INET6,) if ":" in host else (socket.AF_INET, socket.AF_INET6)


def _diag_dump(protocol: int, port: int | None = None) -> list[_DiagRow]:
    """Every socket of ``protocol`` in this namespace (on local ``port`` only, if given)."""
    bytecode = _port_filter(port) if port is not None else b""
    empty = bytes(48)
    rows: list[_DiagRow] = []
    for family in (socket.AF_INET, socket.AF_INET6):
        rows.extend(_diag_request(protocol, family, empty, True, bytecode))
    return rows


def _diag_available() -> bool:
    """sock_diag answers here: asked once per process, then remembered."""
    global _diag_works
    if _diag_works is None:
        try:
            _diag_request(socket.IPPROTO_TCP, socket.AF_INET, bytes(48), True, _port_filter(0))
            _diag_works = True
        except _NoDiag:
            _diag_works = False
    return _diag_works


def use_proc_only(flag: bool = True) -> None:
    """Ask /proc/net text only, as on a system without sock_diag (tests of the fallback)."""
    global _diag_works
    _diag_works = False if flag else None


def udp_rx_queue(local: tuple[str, int]) -> int | None:
    """Bytes queued on the UDP socket bound to ``local`` (rx_queue of /proc/net/udp: what
    ``ss`` shows as Recv-Q; every datagram is charged its whole buffer, not its payload).
    None where the system cannot tell. FIONREAD on UDP is only the next datagram's size."""
    want = (local[0], local[1])
    if _diag_available():
        try:
            rows = _diag_dump(socket.IPPROTO_UDP, local[1])
        except _NoDiag:
            pass  # no udp_diag module: the /proc text says it
        else:
            return next((r.rqueue for r in rows if r.local == want), None)
    for parts in _proc_rows(_PROC_UDP, 5):
        try:
            if _proc_addr(parts[1]) == want:
                return int(parts[4].split(":")[1], 16)
        except (ValueError, OSError, IndexError):
            continue
    return None


def proc_tcp_available() -> bool:
    return _diag_available() or _PROC_TCP[0].exists()


def tcp_table() -> list[TcpRow] | None:
    """Every TCP entry of this network namespace, read once, for a batch of lookups (the end of
    a run with thousands of sockets left open). None where the system cannot tell."""
    if _diag_available():
        try:
            return [(r.local, r.remote, f"{r.state:02X}") for r in _diag_dump(socket.IPPROTO_TCP)]
        except _NoDiag:
            pass
    if not _PROC_TCP[0].exists():
        return None
    rows: list[TcpRow] = []
    for parts in _proc_rows(_PROC_TCP, 4):
        try:
            rows.append((_proc_addr(parts[1]), _proc_addr(parts[2]), parts[3]))
        except (ValueError, OSError):
            continue
    return rows


def _diag_lookup(local: tuple[str, int], peer: tuple[str, int] | None) -> str | None:
    """The state sock_diag gives for these addresses ("CLOSED": nothing left). An exact lookup
    by the four addresses for a connection (the kernel's own hash lookup, tens of µs however
    many sockets the machine holds); for a listener, the sockets on its port."""
    if peer is None:
        for r in _diag_dump(socket.IPPROTO_TCP, local[1]):
            if r.local == local and r.state == 10:
                return "LISTEN"
        return "CLOSED"
    for family in _families(local[0]):
        try:
            sockid = _sockid(family, _spelled(family, local), _spelled(family, peer))
        except OSError:
            continue  # an address this family cannot spell
        try:
            rows = _diag_request(socket.IPPROTO_TCP, family, sockid, False)
        except FileNotFoundError:
            continue
        for r in rows:
            # with no connection on these addresses the kernel's lookup falls back to a
            # listener on the local port: that is not this connection
            if r.local == local and r.remote == peer:
                return TCP_STATES.get(r.state, f"{r.state:02X}")
    return "CLOSED"


def _spelled(family: int, addr: tuple[str, int]) -> tuple[str, int]:
    """An IPv4 address as an IPv6 socket holds it (::ffff:a.b.c.d)."""
    if family == socket.AF_INET6 and ":" not in addr[0]:
        return f"::ffff:{addr[0]}", addr[1]
    return addr


def lingering_state(
    local: tuple[str, int],
    peer: tuple[str, int] | None,
    table: list[TcpRow] | None = None,
) -> str | None:
    """State of a closed TCP socket's connection as the kernel still holds it (peer None: a
    listener's, whose only possible state is LISTEN).

    Returns "CLOSED" when the kernel has nothing left for these addresses, or ``None`` when this
    system cannot tell. ``table``: a :func:`tcp_table` read for many lookups.
    """
    local = (local[0], local[1])
    peer = None if peer is None else (peer[0], peer[1])
    if table is None and _diag_available():
        try:
            return _diag_lookup(local, peer)
        except _NoDiag:
            pass
    rows = table if table is not None else tcp_table()
    if rows is None:
        return None
    for l_addr, r_addr, code in rows:
        if l_addr != local:
            continue
        if peer is not None and r_addr != peer:
            continue
        if peer is None and code != "0A":
            continue
        return TCP_STATES.get(int(code, 16), code)
    return "CLOSED"


# ioctl(pidfd, PIDFD_GET_INFO) (Linux 6.13; the exit status since 6.15): struct pidfd_info,
# its first 64 bytes (PIDFD_INFO_SIZE_VER0): mask, cgroupid, 11 u32 ids, then exit_code
_PIDFD_GET_INFO = (3 << 30) | (64 << 16) | (0xFF << 8) | 11
_PIDFD_INFO_EXIT = 1 << 3
_EXIT_CODE_AT = 8 + 8 + 4 * 11


def pidfd_exit_status(pidfd: int) -> int | None:
    """How the process of ``pidfd`` ended, as waitpid() says it, even when another process
    (its parent) has already collected it; None while it runs or where the kernel cannot say."""
    import fcntl

    buf = bytearray(64)
    struct.pack_into("Q", buf, 0, _PIDFD_INFO_EXIT)
    try:
        fcntl.ioctl(pidfd, _PIDFD_GET_INFO, buf)
    except OSError:
        return None
    if not struct.unpack_from("Q", buf, 0)[0] & _PIDFD_INFO_EXIT:
        return None
    return int(struct.unpack_from("i", buf, _EXIT_CODE_AT)[0])
