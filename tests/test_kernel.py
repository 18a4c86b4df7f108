"""What the kernel still holds for a socket: sock_diag (netlink) and the /proc text agree.

The lingering state of a closed connection and a UDP socket's queue are asked through
NETLINK_SOCK_DIAG (an exact lookup, microseconds); /proc/net/{tcp,udp} is the fallback where
netlink is not available. Both are asked here about the same real sockets, at each stage of a
connection's close, and must give the same answers.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from socketscope.engine import kernel

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux only")


@contextlib.contextmanager
def proc_only() -> Iterator[None]:
    kernel.use_proc_only(True)
    try:
        yield
    finally:
        kernel.use_proc_only(False)


def both(f: Callable[..., Any], *args: Any) -> tuple[Any, Any]:
    """(through sock_diag, through /proc) of the same question."""
    kernel.use_proc_only(False)
    by_netlink = f(*args)
    with proc_only():
        by_proc = f(*args)
    return by_netlink, by_proc


def until(f: Callable[[], Any], want: Any) -> Any:
    """Wait (on the kernel, not a clock's guess) until ``f()`` says ``want``; then return it."""
    deadline = time.monotonic() + 5
    got = f()
    while got != want and time.monotonic() < deadline:
        os.sched_yield()  # the ACK that moves it on is the kernel's, within ms
        got = f()
    return got


def test_sock_diag_is_available_here() -> None:
    """The fast path is the one measured: on this Linux, netlink answers."""
    kernel.use_proc_only(False)
    assert kernel._diag_available()


@pytest.mark.parametrize(
    ("family", "host"), [(socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")]
)
def test_lingering_states_agree_through_a_close(family: int, host: str) -> None:
    lst = socket.socket(family, socket.SOCK_STREAM)
    lst.bind((host, 0))
    lst.listen(1)
    server = lst.getsockname()[:2]
    c = socket.socket(family, socket.SOCK_STREAM)
    c.connect(server)
    s, _ = lst.accept()
    client = c.getsockname()[:2]
    try:
        assert both(kernel.lingering_state, server, None) == ("LISTEN", "LISTEN")
        assert both(kernel.lingering_state, client, server) == ("ESTABLISHED", "ESTABLISHED")
        c.close()
        assert until(lambda: kernel.lingering_state(client, server), "FIN_WAIT2") == "FIN_WAIT2"
        assert both(kernel.lingering_state, client, server) == ("FIN_WAIT2", "FIN_WAIT2")
        assert both(kernel.lingering_state, server, client) == ("CLOSE_WAIT", "CLOSE_WAIT")
        s.close()
        assert until(lambda: kernel.lingering_state(client, server), "TIME_WAIT") == "TIME_WAIT"
        assert both(kernel.lingering_state, client, server) == ("TIME_WAIT", "TIME_WAIT")
        # nothing left on the server's side; the kernel's lookup would fall back to the
        # listener on that port, which is not this connection
        assert both(kernel.lingering_state, server, client) == ("CLOSED", "CLOSED")
    finally:
        for x in (c, s, lst):
            x.close()
    assert both(kernel.lingering_state, server, None) == ("CLOSED", "CLOSED")


def test_an_ipv4_connection_of_a_dual_stack_listener_is_found_by_its_ipv4_addresses() -> None:
    lst = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    lst.bind(("::", 0))
    lst.listen(1)
    port = lst.getsockname()[1]
    with lst, socket.create_connection(("127.0.0.1", port)) as c:
        s, _ = lst.accept()
        with s:
            client = c.getsockname()
            assert both(kernel.lingering_state, ("127.0.0.1", port), client) == (
                "ESTABLISHED",
                "ESTABLISHED",
            )
            assert both(kernel.lingering_state, ("::", port), None) == ("LISTEN", "LISTEN")


def test_the_udp_queue_and_the_tcp_table_agree() -> None:
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("127.0.0.1", 0))
    with u:
        local = u.getsockname()
        assert both(kernel.udp_rx_queue, local) == (0, 0)
        for _ in range(3):
            u.sendto(b"x" * 100, local)
        queued, by_proc = both(kernel.udp_rx_queue, local)
        assert queued == by_proc and queued is not None and queued > 300  # whole buffers
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as unbound:
            unbound.bind(("127.0.0.1", 0))
            gone = unbound.getsockname()
        assert both(kernel.udp_rx_queue, gone) == (None, None)
    lst = socket.socket()
    lst.bind(("127.0.0.1", 0))
    lst.listen(1)
    with lst:
        by_netlink, by_proc = both(kernel.tcp_table)
        assert by_netlink is not None and by_proc is not None
        mine = (lst.getsockname(), ("0.0.0.0", 0), "0A")
        assert mine in by_netlink and mine in by_proc
