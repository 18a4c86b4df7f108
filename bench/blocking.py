"""Blocking benchmark: what watching threads in /proc costs, and how fast Stop ends blocked calls.

    .venv/bin/python bench/blocking.py [--exchanges 2000] [--stops 200]
    .venv/bin/python bench/blocking.py --random-stops 1000 [--host-stops 200] [--seed N]

Prints figures only; nothing here asserts. Compare figures within one run: the machine is shared.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import threading
import time
from pathlib import Path

from socketscope.engine import Runner, RunOptions
from socketscope.engine.blocking import ThreadProbe, kernel_reports_blocking
from socketscope.engine.gate import Mode
from socketscope.engine.runhost import RunHost
from socketscope.engine.scenario import ActorSpec, Scenario, builtin_scenarios, load_file

HERE = Path(__file__).resolve().parent
BLOCKED = HERE.parent / "tests" / "scenarios" / "blocked_everywhere.py"
WANTED = {"accept", "recv", "send", "recvfrom", "connect"}


def bench_probe(n: int = 20000) -> None:
    probe = ThreadProbe(threading.get_native_id())
    t0 = time.perf_counter()
    for _ in range(n):
        probe.sample(lambda _name: True)
    each = (time.perf_counter() - t0) / n
    probe.close()
    print(f"probe: one look at a thread in /proc (stat, syscall, wchan): {each * 1e6:.1f} µs")


def _cpu_ns(tid: int) -> int:
    with open(f"/proc/self/task/{tid}/schedstat") as f:
        return int(f.read().split()[0])


def bench_watcher(exchanges: int) -> None:
    """Ping-pong where every recv() blocks; the watcher thread's CPU time per blocked call."""
    from socketscope.api import AF_INET, SOCK_STREAM, socket

    def server(port: int) -> None:
        lst = socket(AF_INET, SOCK_STREAM)
        lst.bind(("127.0.0.1", port))
        lst.listen(1)
        conn, _ = lst.accept()
        while conn.recv(16):
            conn.send(b"pong")
        conn.close()
        lst.close()

    box: dict[str, float] = {}

    def client(port: int) -> None:
        s = socket(AF_INET, SOCK_STREAM)
        s.connect(("127.0.0.1", port))
        for _ in range(exchanges):
            s.send(b"ping")
            s.recv(16)
        th = runner.watcher._thread  # read while it still runs: its /proc entry goes with it
        if th is not None and th.native_id is not None:
            box["cpu"] = _cpu_ns(th.native_id) / 1e9
        s.close()

    sc = Scenario(
        "bench-pingpong",
        {"en": "", "ko": ""},
        {"en": "", "ko": ""},
        (ActorSpec("Server", server), ActorSpec("Client", client, ("Server", "accept"))),
        __file__,
        "",
    )
    # burst_after: every call in full, so every blocked recv() is watched as a lesson's would be
    runner = Runner(sc, RunOptions(burst_after=10**12))
    t0 = time.perf_counter()
    events = runner.run_to_end(timeout=300)
    elapsed = time.perf_counter() - t0
    blocked = sum(1 for e in events if e.kind == "blocked")
    calls = sum(1 for e in events if e.kind == "call")
    cpu = box.get("cpu", float("nan"))
    print(
        f"watcher: {exchanges} ping-pongs, {calls} calls, {blocked} seen blocked in "
        f"{elapsed:.2f} s; watcher CPU {cpu * 1e3:.0f} ms = "
        f"{cpu / max(1, blocked) * 1e6:.0f} µs per blocked call, "
        f"{cpu / max(1, calls) * 1e6:.0f} µs per call"
    )


def _blocked(events: list[object]) -> set[str]:
    return {e.op for e in events if e.kind == "blocked"}  # type: ignore[attr-defined]


def bench_stop(stops: int, through_host: bool) -> None:
    scenario = load_file(BLOCKED)
    latencies: list[float] = []
    graceful = 0
    for _ in range(stops):
        run: Runner | RunHost = (
            RunHost(scenario, RunOptions(mode=Mode.RUN))
            if through_host
            else Runner(scenario, RunOptions(mode=Mode.RUN))
        )
        run.start()
        seen: list[object] = []
        deadline = time.monotonic() + 20
        while not _blocked(seen) >= WANTED and time.monotonic() < deadline:
            run.done.wait(0.005)
            seen.extend(run.drain())
        t0 = time.perf_counter()
        graceful += run.stop(timeout=1.0)
        latencies.append(time.perf_counter() - t0)
    latencies.sort()
    p50 = statistics.median(latencies)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    where = "through the run host (stop + process exit)" if through_host else "in-process Runner"
    print(
        f"stop: {stops} stops with 5 calls asleep in the kernel, {where}: "
        f"p50 {p50 * 1e3:.1f} ms, p99 {p99 * 1e3:.1f} ms, max {latencies[-1] * 1e3:.1f} ms, "
        f"{graceful} graceful"
    )


def _errors(events: list[object]) -> set[tuple[str, str, str]]:
    """(actor, call, error) of every failed call that was not cut short by Stop."""
    return {
        (e.actor, e.op or "?", e.error or "?")  # type: ignore[attr-defined]
        for e in events
        if e.kind == "return" and e.ok is False and e.error != "STOPPED"  # type: ignore[attr-defined]
    }


def _percentiles(latencies: list[float]) -> str:
    latencies = sorted(latencies)
    p50 = statistics.median(latencies)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return f"p50 {p50 * 1e3:.1f} ms, p99 {p99 * 1e3:.1f} ms, max {latencies[-1] * 1e3:.1f} ms"


def bench_random_stops(stops: int, through_host: bool, seed: int) -> None:
    """Stop every built-in lesson at random moments of a free run: how long Stop takes, and
    whether a call cut short by it is ever written as the program's own error (an errno the
    lesson's uninterrupted run never shows)."""
    rng = random.Random(seed)
    lessons = builtin_scenarios()
    baseline: dict[str, set[tuple[str, str, str]]] = {}
    for sc in lessons:
        runner = Runner(sc, RunOptions(mode=Mode.RUN))
        baseline[sc.id] = _errors(runner.run_to_end(60.0))
    latencies: list[float] = []
    live: list[float] = []  # the stops that found the run still going (the others end at once)
    graceful = 0
    spurious: dict[tuple[str, str, str, str], int] = {}
    for _ in range(stops):
        sc = rng.choice(lessons)
        run: Runner | RunHost = (
            RunHost(sc, RunOptions(mode=Mode.RUN))
            if through_host
            else Runner(sc, RunOptions(mode=Mode.RUN))
        )
        run.start()
        run.done.wait(rng.uniform(0.0, 0.3))  # any moment: in a call, between calls, at the end
        going = not run.done.is_set()
        t0 = time.perf_counter()
        graceful += run.stop(timeout=1.0)
        latencies.append(time.perf_counter() - t0)
        if going:
            live.append(latencies[-1])
        for actor, op, err in _errors(run.drain()) - baseline[sc.id]:
            key = (sc.id, actor, op, err)
            spurious[key] = spurious.get(key, 0) + 1
    # what stop() waits for: through the run host, every actor ended, every process of the
    # run killed and reaped, the trace complete (its end received) and the host's process
    # reaped; not the kernel's later release of the capture's packet sockets
    where = "through the run host" if through_host else "in-process Runner"
    print(
        f"random stops: {stops} over {len(lessons)} lessons, {where}: "
        f"{_percentiles(latencies)}, {graceful} graceful"
    )
    if live:
        print(f"  of which {len(live)} found the run still going: {_percentiles(live)}")
    if spurious:
        for (sid, actor, op, err), n in sorted(spurious.items()):
            print(f"  spurious error after Stop: {sid} {actor} {op}() {err} ×{n}")
    else:
        print("  no call cut short by Stop was written as the program's error")


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--exchanges", type=int, default=2000)
    p.add_argument("--stops", type=int, default=200)
    p.add_argument("--random-stops", type=int, default=0, help="only the random-moment stops")
    p.add_argument("--host-stops", type=int, default=0, help="with --random-stops: via run hosts")
    p.add_argument("--seed", type=int, default=14)
    a = p.parse_args()
    if a.random_stops:
        bench_random_stops(a.random_stops, through_host=False, seed=a.seed)
        if a.host_stops:
            bench_random_stops(a.host_stops, through_host=True, seed=a.seed)
        return
    print(f"kernel reports blocking here: {kernel_reports_blocking()} ({sys.platform})")
    bench_probe()
    bench_watcher(a.exchanges)
    bench_stop(a.stops, through_host=False)
    bench_stop(a.stops, through_host=True)


if __name__ == "__main__":
    main()
