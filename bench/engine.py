"""Engine benchmark: events per second, and the cost of tracing a large loopback transfer.

    .venv/bin/python bench/engine.py [--mb 200] [--chunk 65536] [--rounds 3]

Prints figures only; nothing here asserts. The variants of the transfer run interleaved, round
after round, so the machine's noise hits all of them alike; compare ratios within one run.
The traced transfer runs both in this process (a Runner, as tests use it) and through a run
host (a process of its own, as the window and the CLI run it): the host's time is from its
runner's start to the client holding every event, with the host's start-up printed apart.
"""

from __future__ import annotations

import argparse
import os
import queue
import socket
import statistics
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from socketscope.engine import Runner, RunOptions
from socketscope.engine.runhost import RunHost
from socketscope.engine.scenario import ActorSpec, Scenario, load_file

TRANSFER = Path(__file__).with_name("transfer_scenario.py")


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


def _transfer_scenario(total: int, chunk: int) -> Scenario:
    os.environ["SOCKETSCOPE_BENCH_BYTES"] = str(total)
    os.environ["SOCKETSCOPE_BENCH_CHUNK"] = str(chunk)
    return load_file(TRANSFER)  # read afresh: the sizes are module constants


def traced_transfer(total: int, chunk: int, burst_after: int) -> tuple[float, int]:
    return _run(_transfer_scenario(total, chunk), RunOptions(burst_after=burst_after))


_startups: list[float] = []


def host_transfer(total: int, chunk: int, burst_after: int) -> tuple[float, int]:
    """Through a run host, drained by a consumer thread as the window's timer would."""
    host = RunHost(_transfer_scenario(total, chunk), RunOptions(burst_after=burst_after))
    count = 0
    stop = threading.Event()

    def consume() -> None:
        nonlocal count
        while not stop.is_set() or not host.events.empty():
            try:
                host.events.get(timeout=0.01)
            except queue.Empty:
                continue
            count += 1

    consumer = threading.Thread(target=consume)
    consumer.start()
    t0 = time.monotonic()
    host.start()
    _startups.append(time.monotonic() - t0 - host.time())
    host.done.wait(600)
    elapsed = host.time()  # since the host's runner started
    stop.set()
    consumer.join()
    host.stop()
    return elapsed, count


def bench_transfer(mb: int, chunk: int, rounds: int) -> None:
    total = mb * 1024 * 1024
    variants: dict[str, Callable[[], Any]] = {
        "untraced (plain sockets)": lambda: (plain_transfer(total, chunk), 0),
        "traced, bursts summarised": lambda: traced_transfer(total, chunk, burst_after=8),
        "traced, every call an event": lambda: traced_transfer(total, chunk, burst_after=10**12),
        "run host, bursts summarised": lambda: host_transfer(total, chunk, burst_after=8),
        "run host, every call an event": lambda: host_transfer(total, chunk, burst_after=10**12),
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
    in_proc = statistics.median(times["traced, bursts summarised"])
    hosted = statistics.median(times["run host, bursts summarised"])
    print(
        f"  bursts summarised: run host time x{hosted / in_proc:4.2f} of in-process; "
        f"run host throughput {base / hosted:4.2f} of untraced; host start-up (fresh "
        f"process until its runner started) median {statistics.median(_startups) * 1000:.0f} ms"
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
