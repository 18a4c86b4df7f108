"""Engine benchmark: events per second, and the cost of tracing a large loopback transfer.

    .venv/bin/python bench/engine.py [--mb 200] [--chunk 65536] [--rounds 3]

Prints figures only; nothing here asserts. The variants of the transfer run interleaved, round
after round, so the machine's noise hits all of them alike; compare ratios within one run.
"""

from __future__ import annotations

import argparse
import queue
import socket
import statistics
import threading
import time
from collections.abc import Callable
from typing import Any

from socketscope.engine import Runner, RunOptions
from socketscope.engine.scenario import ActorSpec, Scenario


def _scenario(sid: str, *actors: ActorSpec) -> Scenario:
    return Scenario(sid, {"en": sid, "ko": sid}, {"en": "", "ko": ""}, actors, __file__, "")


def _run(scenario: Scenario, options: RunOptions) -> tuple[float, int]:
    """Run with a consumer thread draining events as the GUI would. Returns (seconds, events)."""
    runner = Runner(scenario, options)
    count = 0
    stop = threading.Event()

    def consume() -> None:
        nonlocal count
        while not stop.is_set() or not runner.events.empty():
            try:
                runner.events.get(timeout=0.01)
            except queue.Empty:
                continue
            count += 1

    consumer = threading.Thread(target=consume)
    consumer.start()
    t0 = time.perf_counter()
    runner.start()
    runner.done.wait(600)
    elapsed = time.perf_counter() - t0
    stop.set()
    consumer.join()
    runner.stop()
    return elapsed, count


# --- events per second ------------------------------------------------------------------------
def bench_events(calls: int) -> None:
    from socketscope.api import AF_INET, SO_RCVBUF, SOCK_STREAM, SOL_SOCKET
    from socketscope.api import socket as tsocket

    def caller() -> None:
        s = tsocket(AF_INET, SOCK_STREAM)
        for _ in range(calls):
            s.getsockopt(SOL_SOCKET, SO_RCVBUF)
        s.close()

    elapsed, events = _run(_scenario("bench-events", ActorSpec("Caller", caller)), RunOptions())
    print(f"events: {calls} traced getsockopt() calls -> {events} events in {elapsed:.3f} s")
    print(
        f"  {events / elapsed:,.0f} events/s delivered to a consumer thread, "
        f"{calls / elapsed:,.0f} traced calls/s (call + return + kernel snapshot each)"
    )


# --- large transfer ---------------------------------------------------------------------------
def plain_transfer(total: int, chunk: int) -> float:
    lst = socket.socket()
    lst.bind(("127.0.0.1", 0))
    lst.listen(1)
    payload = b"x" * chunk

    def receive() -> None:
        conn, _ = lst.accept()
        while conn.recv(chunk):
            pass
        conn.close()

    th = threading.Thread(target=receive)
    th.start()
    t0 = time.perf_counter()
    s = socket.create_connection(lst.getsockname())
    for _ in range(total // chunk):
        s.send(payload)
    s.close()
    th.join()
    elapsed = time.perf_counter() - t0
    lst.close()
    return elapsed


def traced_transfer(total: int, chunk: int, burst_after: int) -> tuple[float, int]:
    from socketscope.api import AF_INET, SOCK_STREAM
    from socketscope.api import socket as tsocket

    def receiver(port: int) -> None:
        lst = tsocket(AF_INET, SOCK_STREAM)
        lst.bind(("127.0.0.1", port))
        lst.listen(1)
        conn, _ = lst.accept()
        while conn.recv(chunk):
            pass
        conn.close()
        lst.close()

    def sender(port: int) -> None:
        payload = b"x" * chunk
        s = tsocket(AF_INET, SOCK_STREAM)
        s.connect(("127.0.0.1", port))
        for _ in range(total // chunk):
            s.send(payload)
        s.close()

    scenario = _scenario(
        "bench-transfer",
        ActorSpec("Receiver", receiver),
        ActorSpec("Sender", sender, ("Receiver", "accept")),
    )
    return _run(scenario, RunOptions(burst_after=burst_after))


def bench_transfer(mb: int, chunk: int, rounds: int) -> None:
    total = mb * 1024 * 1024
    variants: dict[str, Callable[[], Any]] = {
        "untraced (plain sockets)": lambda: (plain_transfer(total, chunk), 0),
        "traced, bursts summarised": lambda: traced_transfer(total, chunk, burst_after=8),
        "traced, every call an event": lambda: traced_transfer(total, chunk, burst_after=10**12),
    }
    times: dict[str, list[float]] = {k: [] for k in variants}
    events: dict[str, int] = {}
    for _ in range(rounds):
        for name, fn in variants.items():
            elapsed, n = fn()
            times[name].append(elapsed)
            events[name] = n
    base = statistics.median(times["untraced (plain sockets)"])
    print(
        f"transfer: {mb} MB in {chunk // 1024} KiB send() calls, "
        f"median of {rounds} interleaved rounds"
    )
    for name, ts in times.items():
        med = statistics.median(ts)
        extra = f", {events[name]:,} events" if events[name] else ""
        print(
            f"  {name:<30} {mb / med:8.0f} MB/s  {med:6.3f} s  "
            f"x{med / base:4.2f} of untraced{extra}"
        )


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--mb", type=int, default=200)
    p.add_argument("--chunk", type=int, default=65536)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--calls", type=int, default=20000)
    a = p.parse_args()
    bench_events(a.calls)
    bench_transfer(a.mb, a.chunk, a.rounds)


if __name__ == "__main__":
    main()
