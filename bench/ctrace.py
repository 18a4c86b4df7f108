"""What tracing a C program costs: per socket call, and for the system calls it does not trace.

    .venv/bin/python bench/ctrace.py [--calls 20000] [--batch 100] [--getppid 1000000] [--repeat 3]

Builds tests/c/socket_loop.c (N one-byte write()/read() round trips on a loopback TCP pair,
alternating: no two identical calls in a row; then the same bytes as runs of --batch identical
write()s and read()s, which a free-running trace summarises into bursts) and
tests/c/getppid_loop.c (1e6 getppid(), a call the seccomp filter lets through) with cc, runs
each natively and under the tracer (free-running, every event written), and prints the figures.
Nothing here asserts. Compare figures within one run: the machine is shared.
"""

from __future__ import annotations

import argparse
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from socketscope.engine.programs.ctrace import CTracer
from socketscope.engine.runner import Runner
from socketscope.engine.scenario import Scenario

HERE = Path(__file__).resolve().parent
C_DIR = HERE.parent / "tests" / "c"


def build(out: Path, name: str) -> Path:
    exe = out / name
    subprocess.run(["cc", "-O2", "-g", "-o", str(exe), str(C_DIR / f"{name}.c")], check=True)
    return exe


def native(argv: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def loop_time(argv: list[str], trace: bool) -> float:
    """The seconds getppid_loop measures around its own loop, natively or traced."""
    with tempfile.TemporaryFile() as out:
        if trace:
            runner = Runner(Scenario("bench", {"en": "b"}, {"en": "b"}, (), "", ""))
            CTracer(runner, "prog", argv, sock_base=100_000, stdout=out.fileno()).run()
        else:
            subprocess.run(argv, check=True, stdout=out)
        out.seek(0)
        return float(out.read().split()[0])


def traced(argv: list[str], snapshots: bool = True) -> tuple[float, int]:
    """Seconds from fork to the end of the trace, and how many events it wrote."""
    import os

    runner = Runner(Scenario("bench", {"en": "b"}, {"en": "b"}, (), "", ""))
    devnull = os.open(os.devnull, os.O_WRONLY)
    tracer = CTracer(runner, "prog", argv, sock_base=100_000, snapshots=snapshots, stdout=devnull)
    count = 0
    done = threading.Event()

    def drain() -> None:
        nonlocal count
        while not done.is_set() or not runner.events.empty():
            try:
                runner.events.get(timeout=0.05)
                count += 1
            except queue.Empty:
                pass

    th = threading.Thread(target=drain, daemon=True)
    th.start()
    t0 = time.perf_counter()
    tracer.run()
    elapsed = time.perf_counter() - t0
    os.close(devnull)
    done.set()
    th.join()
    return elapsed, count


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=20000, help="write()/read() round trips")
    ap.add_argument("--batch", type=int, default=100, help="identical calls in a row")
    ap.add_argument("--getppid", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    if shutil.which("cc") is None:
        print("needs cc", file=sys.stderr)
        return 1
    out = Path(tempfile.mkdtemp(prefix="socketscope-bench-c-"))
    try:
        sock = build(out, "socket_loop")
        ppid = build(out, "getppid_loop")
        calls = 2 * a.calls + 7  # write+read per round trip, plus socket/bind/.../close
        for i in range(a.repeat):
            n_sock = min(native([str(sock), str(a.calls)]) for _ in range(3))
            t_sock, events = traced([str(sock), str(a.calls)])
            t_bare, _ = traced([str(sock), str(a.calls)], snapshots=False)
            n_run = min(native([str(sock), str(a.calls), str(a.batch)]) for _ in range(3))
            t_run, run_events = traced([str(sock), str(a.calls), str(a.batch)])
            # the loop's own time, best of three each way, alternating
            n_pp = t_pp = float("inf")
            for _ in range(3):
                n_pp = min(n_pp, loop_time([str(ppid), str(a.getppid)], trace=False))
                t_pp = min(t_pp, loop_time([str(ppid), str(a.getppid)], trace=True))
            print(
                f"run {i + 1}: socket calls: native {n_sock * 1e6 / calls:.1f} µs/call, "
                f"traced {t_sock * 1e6 / calls:.1f} µs/call "
                f"(+{(t_sock - n_sock) * 1e6 / calls:.1f} µs; {events} events, "
                f"{events / calls:.1f} per call; without kernel snapshots "
                f"{t_bare * 1e6 / calls:.1f} µs/call); "
                f"in runs of {a.batch}: native {n_run * 1e6 / calls:.1f} µs/call, traced "
                f"{t_run * 1e6 / calls:.1f} µs/call ({run_events} events); "
                f"{a.getppid} getppid() (the loop's own time, best of 3): native {n_pp:.3f} s, "
                f"traced {t_pp:.3f} s (x{t_pp / n_pp:.2f})"
            )
    finally:
        shutil.rmtree(out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
