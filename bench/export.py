"""Export benchmark: whole-run SVG, PNG and PDF of a long trace, each in its own process.

    .venv/bin/python bench/export.py [--events 30400] [--formats svg png pdf]

The trace is cut from one real ping-pong run (bench/diagram.py's), written to a temporary file,
and exported with ``socketscope export`` as a user would; the figures are the wall time and the
peak resident memory of that process (getrusage of the child). Goal (issue 14): a 30k-event SVG in
10 s and 300 MB, with the last row in it.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from diagram import record
from socketscope.engine import Trace, write_trace


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=30400)
    ap.add_argument("--formats", nargs="+", default=["svg", "png", "pdf"])
    a = ap.parse_args()
    events = record(a.events)
    header = {
        "format": "socketscope-trace",
        "version": 1,
        "scenario": "bench-pingpong",
        "title": {"en": "ping-pong", "ko": "핑퐁"},
        "actors": ["Server", "Client"],
    }
    with tempfile.TemporaryDirectory() as tmp:
        trace = Path(tmp) / "long.jsonl"
        with trace.open("w", encoding="utf-8") as f:
            write_trace(Trace(header, events), f)
        print(f"{len(events):,} events")
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
        for fmt in a.formats:
            out = Path(tmp) / f"long.{fmt}"
            t0 = time.perf_counter()
            # one child at a time, so the children's peak RSS is this export's
            r = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "socketscope",
                    "export",
                    str(trace),
                    "--format",
                    fmt,
                    "-o",
                    str(out),
                ],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            wall = time.perf_counter() - t0
            peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            files = sorted(Path(tmp).glob(f"long*.{fmt}"))
            size = sum(p.stat().st_size for p in files) / 2**20
            status = "ok" if r.returncode == 0 else f"exit {r.returncode}: {r.stderr[-300:]}"
            print(
                f"{fmt:>4}: {wall:6.1f} s  peak {peak:6.0f} MB (largest child so far)  "
                f"{len(files)} file(s) {size:6.1f} MB  {status}"
            )


if __name__ == "__main__":
    main()
