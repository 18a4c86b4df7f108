"""A traced socket answers exactly as a real Python socket does, in the corners too.

Each case runs the same code twice on real loopback sockets: once with the plain ``socket``
module, once as a scenario actor with the traced API, and compares what came back.
"""

from __future__ import annotations

import socket as real
import struct
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from socketscope import api
from socketscope.engine import Runner, Trace
from socketscope.engine.scenario import ActorSpec, Scenario


def traced(fn: Callable[[Any], Any]) -> tuple[Any, Trace]:
    """Run fn(api) as the only actor of a scenario; return its result and the trace."""
    box: dict[str, Any] = {}

    def actor() -> None:
        try:
            box["result"] = fn(api)
        except Exception as e:  # noqa: BLE001 -- compared with the real run's exception
            box["result"] = e

    sc = Scenario(
        "fidelity",
        {"en": "", "ko": ""},
        {"en": "", "ko": ""},
        (ActorSpec("A", actor),),
        __file__,
        "",
    )
    runner = Runner(sc)
    t = Trace({}, runner.run_to_end(timeout=10))
    return box["result"], t


def plain(fn: Callable[[Any], Any]) -> Any:
    try:
        return fn(real)
    except Exception as e:  # noqa: BLE001
        return e


def same(a: Any, b: Any) -> None:
    if isinstance(a, BaseException) or isinstance(b, BaseException):
        assert type(a) is type(b), (a, b)
        assert getattr(a, "errno", None) == getattr(b, "errno", None), (a, b)
    else:
        assert a == b


def pair(m: Any) -> tuple[Any, Any, Any]:
    lst = m.socket(m.AF_INET, m.SOCK_STREAM)
    lst.bind(("127.0.0.1", 0))
    lst.listen(1)
    c = m.socket(m.AF_INET, m.SOCK_STREAM)
    c.connect(lst.getsockname())
    s, _ = lst.accept()
    return lst, c, s


def waitall(m: Any) -> bytes:
    lst, c, s = pair(m)
    c.send(b"hello")
    threading.Timer(
        0.05, lambda: c._s.send(b"world") if hasattr(c, "_s") else c.send(b"world")
    ).start()
    data = s.recv(10, real.MSG_WAITALL)
    for x in (c, s, lst):
        x.close()
    return data


def rcvtimeo(m: Any) -> Any:
    lst, c, s = pair(m)
    s.setsockopt(m.SOL_SOCKET, real.SO_RCVTIMEO, struct.pack("ll", 0, 200_000))
    t0 = time.monotonic()
    try:
        s.recv(10)
        out: Any = "no error"
    except BlockingIOError as e:
        out = (e.errno, round(time.monotonic() - t0, 1))
    for x in (c, s, lst):
        x.close()
    return out


def ready(m: Any, s: Any) -> None:
    """Wait until ``s`` is readable: select() on the plain socket module or the traced API."""
    if m is real:
        import select

        select.select([s], [], [], 5)
    else:
        m.select([s], [], [], 5)


def peek(m: Any) -> list[bytes]:
    lst, c, s = pair(m)
    c.send(b"0123456789")
    ready(m, s)  # one 10-byte send on loopback arrives whole
    got = [s.recv(5, m.MSG_PEEK), s.recv(5), s.recv(100)]
    for x in (c, s, lst):
        x.close()
    return got


def udp_unconnected_send(m: Any) -> Any:
    u = m.socket(m.AF_INET, m.SOCK_DGRAM)
    try:
        return u.send(b"x")
    finally:
        u.close()


def connect_after_timeout(m: Any) -> Any:
    # listen(0) admits one; the second connect times out in SYN_SENT; a third connect() call
    # on that socket reports the attempt still in progress
    lst = m.socket(m.AF_INET, m.SOCK_STREAM)
    lst.bind(("127.0.0.1", 0))
    lst.listen(0)
    first = m.socket(m.AF_INET, m.SOCK_STREAM)
    first.connect(lst.getsockname())
    second = m.socket(m.AF_INET, m.SOCK_STREAM)
    second.settimeout(0.2)
    out: list[Any] = []
    for _ in range(2):
        try:
            second.connect(lst.getsockname())
            out.append("ok")
        except OSError as e:
            out.append(type(e).__name__)
    for x in (second, first, lst):
        x.close()
    return out


def connect_ex_timeout(m: Any) -> Any:
    lst = m.socket(m.AF_INET, m.SOCK_STREAM)
    lst.bind(("127.0.0.1", 0))
    lst.listen(0)
    first = m.socket(m.AF_INET, m.SOCK_STREAM)
    first.connect(lst.getsockname())
    second = m.socket(m.AF_INET, m.SOCK_STREAM)
    second.settimeout(0.2)
    err = second.connect_ex(lst.getsockname())
    for x in (second, first, lst):
        x.close()
    return err


@pytest.mark.parametrize(
    "case",
    [waitall, rcvtimeo, peek, udp_unconnected_send, connect_after_timeout, connect_ex_timeout],
)
def test_traced_answers_like_a_real_socket(case: Callable[[Any], Any]) -> None:
    mine, _ = traced(case)
    same(mine, plain(case))


def test_peek_consumes_no_stream_range() -> None:
    _, t = traced(peek)
    recvs = t.of("return", "recv")
    assert [r.range for r in recvs] == [None, (0, 5), (5, 10)]


def test_a_lingering_close_does_not_hold_up_other_actors_or_stop() -> None:
    """Regression: the real close() ran under the runner's fd lock, so a close lingering on
    SO_LINGER stalled every other actor's kernel snapshot and made stop() take seconds."""

    def lingerer() -> None:
        _lst, c, _s = pair(api)  # both ends stay open: the close must linger
        c.setsockopt(api.SOL_SOCKET, api.SO_LINGER, struct.pack("ii", 1, 3))
        c.setblocking(False)
        try:
            while True:
                c.send(b"x" * 65536)  # fill every buffer: the close will linger
        except BlockingIOError:
            pass
        c.setblocking(True)
        c.getsockopt(api.SOL_SOCKET, api.SO_ERROR)  # the other actor starts here
        c.close()

    def other() -> None:
        for _ in range(20):
            s = api.socket(api.AF_INET, api.SOCK_STREAM)
            s.close()

    sc = Scenario(
        "linger",
        {"en": "", "ko": ""},
        {"en": "", "ko": ""},
        (
            ActorSpec("Lingerer", lingerer),
            ActorSpec("Other", other, ("Lingerer", "getsockopt/returned")),
        ),
        __file__,
        "",
    )
    runner = Runner(sc)
    runner.start()
    try:
        t0 = time.monotonic()
        deadline = t0 + 5
        while not runner.has_reached("Other", None) and time.monotonic() < deadline:
            runner.done.wait(0.01)
        took = time.monotonic() - t0
        assert runner.has_reached("Other", None)
        assert not runner.has_reached("Lingerer", "close/returned"), "the close is still lingering"
        assert took < 1.0, f"another actor was held up {took:.2f} s by a lingering close"
    finally:
        # The lingering close() is a real close(2) asleep in the kernel: nothing can wake it
        # (its fd is gone), so stop() gives up on that thread after its timeout and says so;
        # the run host is then killed (tests/test_runhost.py), which ends the linger at once.
        t1 = time.monotonic()
        graceful = runner.stop(timeout=1.0)
        assert time.monotonic() - t1 < 1.2
        lingering = runner.alive_threads()
        assert graceful or [t.name for t in lingering] == ["socketscope-Lingerer"]
        for th in lingering:
            th.join(5.0)  # the linger runs out (3 s): leave nothing behind for the next test
