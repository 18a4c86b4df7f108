"""What scenario code imports: the traced socket API, spelled like the ``socket`` module.

from socketscope.api import AF_INET, SOCK_STREAM, actor, socket
"""

from signal import SIGINT, SIGKILL, SIGTERM

from socketscope.engine.scenario import actor
from socketscope.engine.traced import (
    AF_INET,
    AF_INET6,
    IPPROTO_TCP,
    MSG_PEEK,
    MSG_WAITALL,
    SHUT_RD,
    SHUT_RDWR,
    SHUT_WR,
    SO_ERROR,
    SO_LINGER,
    SO_RCVBUF,
    SO_REUSEADDR,
    SO_REUSEPORT,
    SO_SNDBUF,
    SOCK_DGRAM,
    SOCK_STREAM,
    SOL_SOCKET,
    TCP_NODELAY,
    TracedSocket,
    kill,
    select,
    signal,
    sleep,
    socket,
    spawn,
    wait_until,
)

__all__ = [
    "AF_INET",
    "AF_INET6",
    "IPPROTO_TCP",
    "MSG_PEEK",
    "MSG_WAITALL",
    "SHUT_RD",
    "SHUT_RDWR",
    "SHUT_WR",
    "SIGINT",
    "SIGKILL",
    "SIGTERM",
    "SOCK_DGRAM",
    "SOCK_STREAM",
    "SOL_SOCKET",
    "SO_ERROR",
    "SO_LINGER",
    "SO_RCVBUF",
    "SO_REUSEADDR",
    "SO_REUSEPORT",
    "SO_SNDBUF",
    "TCP_NODELAY",
    "TracedSocket",
    "actor",
    "kill",
    "select",
    "signal",
    "sleep",
    "socket",
    "spawn",
    "wait_until",
]
