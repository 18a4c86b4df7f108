"""Ask the kernel about a socket: TCP state, queue lengths, the listen backlog.

Everything here is read, never inferred. Where the platform has no way to tell (no TCP_INFO, no
SIOCOUTQ, no /proc/net/tcp), the field is ``None`` and the views say "not available on this
system". Facts used here are measured in shared/LINUX-SOCKETS.md.
"""

from __future__ import annotations

import array
import socket
import struct
import sys
from pathlib import Path

from .events import KernelSnapshot

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
    rcvbuf = _sockopt(sock, socket.SOL_SOCKET, socket.SO_RCVBUF)
    sndbuf = _sockopt(sock, socket.SOL_SOCKET, socket.SO_SNDBUF)
    if sock.type == socket.SOCK_STREAM:
        state = accept_q = backlog = None
        if _TCP_INFO is not None:
            try:
                info = sock.getsockopt(socket.IPPROTO_TCP, _TCP_INFO, 32)
            except OSError:
                info = b""
            if info:
                state = TCP_STATES.get(info[0])
                if state == "LISTEN" and len(info) >= 32:
                    # On a listener the kernel reuses tcpi_unacked for the accept queue length
                    # and tcpi_sacked for the backlog limit.
                    _rto, _ato, _smss, _rmss, unacked, sacked = struct.unpack_from("=6I", info, 8)
                    accept_q, backlog = unacked, sacked
        if state == "LISTEN":
            return KernelSnapshot(state, None, None, accept_q, backlog, rcvbuf, sndbuf)
        recv_q = _ioctl_int(fd, _FIONREAD) if state not in (None, "CLOSED") else None
        send_q = _ioctl_int(fd, _SIOCOUTQ) if state not in (None, "CLOSED") else None
        return KernelSnapshot(state, recv_q, send_q, None, None, rcvbuf, sndbuf)
    # UDP: FIONREAD is the size of the next datagram only, not the queue; the queue in bytes is
    # not readable from the socket: the caller fills recv_q from /proc (udp_rx_queue).
    next_dgram = _ioctl_int(fd, _FIONREAD)
    send_q = _ioctl_int(fd, _SIOCOUTQ)
    return KernelSnapshot(None, None, send_q, None, None, rcvbuf, sndbuf, next_dgram)


# --- sockets that have no fd any more -----------------------------------------------------------
# After close() the connection can live on inside the kernel (FIN_WAIT2, TIME_WAIT, LAST_ACK) with
# no fd to ask. /proc/net/tcp still lists it by its addresses.

# thread-self: the network namespace of the calling thread, which is the run's own
_NET = Path("/proc/thread-self/net")
if not _NET.exists():
    _NET = Path("/proc/net")
_PROC_TCP = (_NET / "tcp", _NET / "tcp6")
_PROC_UDP = (_NET / "udp", _NET / "udp6")


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


def udp_rx_queue(local: tuple[str, int]) -> int | None:
    """Bytes queued on the UDP socket bound to ``local`` (rx_queue of /proc/net/udp: what
    ``ss`` shows as Recv-Q; every datagram is charged its whole buffer, not its payload).
    None where the system cannot tell. FIONREAD on UDP is only the next datagram's size."""
    for parts in _proc_rows(_PROC_UDP, 5):
        try:
            if _proc_addr(parts[1]) == (local[0], local[1]):
                return int(parts[4].split(":")[1], 16)
        except (ValueError, OSError, IndexError):
            continue
    return None


def _proc_addr(text: str) -> tuple[str, int]:
    hexip, hexport = text.split(":")
    raw = bytes.fromhex(hexip)
    # The kernel prints each 32-bit word in host byte order.
    words = [
        raw[i : i + 4][::-1] if sys.byteorder == "little" else raw[i : i + 4]
        for i in range(0, len(raw), 4)
    ]
    packed = b"".join(words)
    if len(packed) == 4:
        host = socket.inet_ntop(socket.AF_INET, packed)
    else:
        host = socket.inet_ntop(socket.AF_INET6, packed)
        if host.startswith("::ffff:"):
            host = host[7:]
    return host, int(hexport, 16)


def proc_tcp_available() -> bool:
    return _PROC_TCP[0].exists()


TcpRow = tuple[tuple[str, int], tuple[str, int], str]  # local, remote, state code (hex)


def tcp_table() -> list[TcpRow] | None:
    """Every TCP entry of this network namespace, read once. Reading /proc/net/tcp walks the
    kernel's whole connection table (milliseconds), so a batch of lookups shares one read."""
    if not proc_tcp_available():
        return None
    rows: list[TcpRow] = []
    for parts in _proc_rows(_PROC_TCP, 4):
        try:
            rows.append((_proc_addr(parts[1]), _proc_addr(parts[2]), parts[3]))
        except (ValueError, OSError):
            continue
    return rows


def lingering_state(
    local: tuple[str, int],
    peer: tuple[str, int] | None,
    table: list[TcpRow] | None = None,
) -> str | None:
    """State of a closed TCP socket's connection as the kernel still holds it.

    Returns "CLOSED" when the kernel has nothing left for these addresses, or ``None`` when this
    system has no /proc/net/tcp to ask. ``table``: a :func:`tcp_table` read for many lookups.
    """
    rows = table if table is not None else tcp_table()
    if rows is None:
        return None
    local = (local[0], local[1])
    for l_addr, r_addr, code in rows:
        if l_addr != local:
            continue
        if peer is not None and r_addr != (peer[0], peer[1]):
            continue
        if peer is None and code != "0A":
            continue
        return TCP_STATES.get(int(code, 16), code)
    return "CLOSED"
