"""A channel between two processes of a run: JSON objects, one per line, over a socketpair.

JSON and nothing else: what comes in is data, never code (no pickle), so a window that reads a
run host's messages cannot be made to execute anything by them. Used by process actors
(engine/child.py) and by the run host (engine/runhost/).
"""

from __future__ import annotations

import json
import os
import socket
import threading
from typing import Any

# The engine's own descriptors (channels, wake-up pairs) live here and up, so that a scenario's
# first socket is fd 3 in its process, as in a C program.
HIGH_FD = 100


def fd_above(fd: int) -> int:
    """``fd`` moved to HIGH_FD or above (close-on-exec); the original number is closed."""
    try:
        import fcntl
    except ImportError:  # not POSIX: numbers are the system's business there
        return fd
    new = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, HIGH_FD)
    os.close(fd)
    return new


def socket_above(s: socket.socket) -> socket.socket:
    """The same socket at a descriptor of HIGH_FD or above (``s`` itself is closed)."""
    try:
        import fcntl
    except ImportError:
        return s
    fd = fcntl.fcntl(s.fileno(), fcntl.F_DUPFD_CLOEXEC, HIGH_FD)
    moved = socket.socket(s.family, s.type, s.proto, fileno=fd)
    moved.settimeout(s.gettimeout())
    s.close()
    return moved


def _plain(o: object) -> object:
    """A value JSON has no type for, as data: bytes as hex, sets as lists, the rest as text.
    A message must always go: a pump that died on one odd value would hang the run."""
    if isinstance(o, (bytes, bytearray, memoryview)):
        return bytes(o).hex()
    if isinstance(o, (set, frozenset)):
        return sorted(o, key=repr)
    return str(o)


def dumps(obj: object) -> str:
    """JSON as the channel writes it."""
    return json.dumps(obj, separators=(",", ":"), default=_plain)


class Channel:
    def __init__(self, sock: socket.socket, *, fds: bool = False) -> None:
        self.sock = sock
        self._buf = bytearray()
        self._send_lock = threading.Lock()
        # descriptors that came with the messages (SCM_RIGHTS), in order: a channel that takes
        # them reads with recvmsg, or the kernel would drop (close) what was sent
        self._takes_fds = fds
        self.fds: list[int] = []

    def send(self, msg: dict[str, Any]) -> None:
        self.send_text(dumps(msg))

    def send_text(self, text: str) -> None:
        """A message already written as JSON (one object, no newline)."""
        data = (text + "\n").encode()
        with self._send_lock:  # one message is written whole, whichever thread sends
            self.sock.sendall(data)

    def send_with_fds(self, msg: dict[str, Any], fds: list[int]) -> None:
        """A message with descriptors attached (the receiving channel must take them)."""
        data = (dumps(msg) + "\n").encode()
        with self._send_lock:
            sent = socket.send_fds(self.sock, [data], fds)
            if sent < len(data):
                self.sock.sendall(data[sent:])

    def _read(self) -> bytes:
        if not self._takes_fds:
            return self.sock.recv(1 << 18)
        chunk, fds, _, _ = socket.recv_fds(self.sock, 1 << 18, 8)
        self.fds.extend(fds)
        return chunk

    def recv(self) -> dict[str, Any] | None:
        """One message, or None when the other side has gone."""
        start = 0
        while (nl := self._buf.find(b"\n", start)) < 0:
            start = len(self._buf)
            try:
                chunk = self._read()
            except OSError:
                return None
            if not chunk:
                return None
            self._buf += chunk
        line = bytes(self._buf[:nl])
        del self._buf[: nl + 1]
        msg = json.loads(line)
        if not isinstance(msg, dict):
            raise ValueError("a channel message must be a JSON object")
        return msg

    @property
    def buffered(self) -> bool:
        return b"\n" in self._buf
