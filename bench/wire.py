"""Packet capture benchmark: a large loopback transfer through a run host, with the capture of
its real packets and without, interleaved round after round (compare within one run).

    .venv/bin/python bench/wire.py [--mb 200] [--chunk 65536] [--rounds 3]

Prints, for each variant, the run's wall time (from the run host's runner start to the client
holding every event, capture drained), the events and packets it recorded, and the capture
ring's own statistics (packets the kernel handed it, packets it dropped). Nothing here asserts.

The same transfer is timed with and without capture in every round, in turns (one round the
run without capture first, the next the run with it: neither always gets the warmer machine),
after ``--warmup`` rounds of both that are not counted (the first run host of a benchmark
reads every module from a cold cache).
"""

from __future__ import annotations

import argparse
import os
import queue
import statistics
import threading
import time
from pathlib import Path

from socketscope.engine import RunOptions
from socketscope.engine.runhost import RunHost
from socketscope.engine.scenario import Scenario, load_file

TRANSFER = Path(__file__).with_name("transfer_scenario.py")


def _transfer_scenario(total: int, chunk: int) -> Scenario:
    os.environ["SOCKETSCOPE_BENCH_BYTES"] = str(total)
    os.environ["SOCKETSCOPE_BENCH_CHUNK"] = str(chunk)
    return load_file(TRANSFER)  # read afresh: the sizes are module constants


def host_transfer(total: int, chunk: int, capture: bool) -> dict[str, object]:
    host = RunHost(_transfer_scenario(total, chunk), RunOptions(capture=capture))
    events = packets = 0
    last_call = 0.0
    stop = threading.Event()

    def consume() -> None:
        nonlocal events, packets, last_call
        while not stop.is_set() or not host.events.empty():
            try:
                ev = host.events.get(timeout=0.01)
            except queue.Empty:
                continue
            events += 1
            if ev.kind == "packet":
                packets += ev.count or 1  # a bulk transfer's packets come summarised
            else:
                last_call = max(last_call, ev.t)

    consumer = threading.Thread(target=consume)
    consumer.start()
    cpu0 = time.process_time()
    t0 = time.monotonic()
    host.start()
    host.done.wait(900)
    wall = time.monotonic() - t0
    run = host.time()  # since the host's runner started: the process start left out
    stop.set()
    consumer.join()
    host.stop()
    cpu = time.process_time() - cpu0
    return {
        "client_cpu": cpu,
        "wall": wall,
        "run": run,
        "transfer": last_call,
        "events": events,
        "packets": packets,
        "capture": host.capture,
        "network": (host.network or {}).get("private"),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=int, default=200)
    ap.add_argument("--chunk", type=int, default=65536)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=1, help="rounds of both, not counted")
    args = ap.parse_args()
    total = args.mb * 1024 * 1024
    walls: dict[bool, list[float]] = {True: [], False: []}
    runs: dict[bool, list[float]] = {True: [], False: []}
    drops: list[object] = []
    print(
        f"{args.mb} MB in {args.chunk}-byte send() calls, {args.rounds} rounds, interleaved "
        f"(order alternating), after {args.warmup} uncounted"
    )
    for _ in range(args.warmup):
        for capture in (False, True):
            host_transfer(total, args.chunk, capture)
    for r in range(args.rounds):
        for capture in (False, True) if r % 2 == 0 else (True, False):
            out = host_transfer(total, args.chunk, capture)
            walls[capture].append(float(out["wall"]))  # type: ignore[arg-type]
            runs[capture].append(float(out["run"]))  # type: ignore[arg-type]
            if capture:
                drops.append((out["capture"] or {}).get("drops"))  # type: ignore[attr-defined]
            name = "with capture   " if capture else "without capture"
            print(
                f"round {r + 1} {name}: {out['wall']:.2f} s, run {out['run']:.2f} s "
                f"(actors' last event "
                f"{out['transfer']:.2f} s), {out['events']} events holding "
                f"{out['packets']} packets, client CPU {out['client_cpu']:.2f} s; "
                f"capture {out['capture']}",
                flush=True,
            )
    print(f"capture drops per run: {drops}")
    for what, times in (
        ("wall (from starting the run host)", walls),
        ("run (from its start)", runs),
    ):
        with_c, without = statistics.median(times[True]), statistics.median(times[False])
        ratios = [a / b for a, b in zip(times[True], times[False], strict=True)]
        print(
            f"median {what}: with capture {with_c:.2f} s, without {without:.2f} s, "
            f"ratio {with_c / without:.2f} (per round: {', '.join(f'{x:.2f}' for x in ratios)})"
        )


if __name__ == "__main__":
    main()
