"""The one rule about addresses: SocketScope talks to this machine only.

Checked before the real call, so a refused address never produces a packet.
"""

from __future__ import annotations

import ipaddress
from typing import Any


class NotLoopbackError(PermissionError):
    """Raised in the actor, recorded in the trace like any other failed call."""

    def __init__(self, op: str, address: Any) -> None:
        super().__init__(
            f"{op}() to {format_address(address)} refused: SocketScope only uses loopback "
            "addresses (127.0.0.0/8, ::1, localhost) so that no packet leaves this machine"
        )
        self.op = op
        self.address = address


def format_address(address: Any) -> str:
    if isinstance(address, tuple) and len(address) >= 2:
        host, port = address[0], address[1]
        return f"[{host}]:{port}" if ":" in str(host) else f"{host}:{port}"
    return repr(address)


def is_loopback_host(host: object) -> bool:
    if not isinstance(host, str):
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def check_loopback(op: str, address: Any) -> None:
    """Refuse anything but a loopback (host, port) tuple.

    ``bind(("", 0))`` would bind every interface; it is refused like any other non-loopback host.
    """
    if not (isinstance(address, tuple) and len(address) >= 2 and is_loopback_host(address[0])):
        raise NotLoopbackError(op, address)
