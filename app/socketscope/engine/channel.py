"""A channel between two processes of a run: JSON objects, one per line, over a socketpair.

JSON and nothing else: what comes in is data, never code (no pickle), so a window that reads a
run host's messages cannot be made to execute anything by them. Used by process actors
(engine/child.py) and by the run host (engine/runhost/).
"""

from __future__ import annotations

import json
import socket
import threading
from typing import Any


class Channel:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self._buf = bytearray()
        self._send_lock = threading.Lock()

    def send(self, msg: dict[str, Any]) -> None:
        data = (json.dumps(msg, separators=(",", ":")) + "\n").encode()
        with self._send_lock:  # one message is written whole, whichever thread sends
            self.sock.sendall(data)

    def recv(self) -> dict[str, Any] | None:
        """One message, or None when the other side has gone."""
        start = 0
        while (nl := self._buf.find(b"\n", start)) < 0:
            start = len(self._buf)
            try:
                chunk = self.sock.recv(1 << 18)
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
