"""Diagram benchmark: build the layout from long traces and paint one frame from the middle.

    .venv/bin/python bench/diagram.py [--sizes 1000 10000 100000]

The traces are cut from one real run of a ping-pong scenario (a client sends many small
messages, an echo server answers each), so they have the real mix of calls, blocked spans,
data arrows and kernel snapshots. Prints figures only.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import tracemalloc

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from socketscope.engine import Event, Runner, RunOptions
from socketscope.engine.scenario import ActorSpec, Scenario
from socketscope.model.diagram import DiagramLayout


def record(n_events: int) -> list[Event]:
    from socketscope.api import AF_INET, SOCK_STREAM, socket

    rounds = n_events // 12 + 50

    def server(port: int) -> None:
        lst = socket(AF_INET, SOCK_STREAM)
        lst.bind(("127.0.0.1", port))
        lst.listen(1)
        conn, _ = lst.accept()
        while True:
            data = conn.recv(64)
            if not data:
                break
            conn.send(data)
        conn.close()
        lst.close()

    def client(port: int) -> None:
        c = socket(AF_INET, SOCK_STREAM)
        c.connect(("127.0.0.1", port))
        for i in range(rounds):
            c.send(b"ping %d" % i)
            c.recv(64)
        c.close()

    scenario = Scenario(
        "bench-pingpong",
        {"en": "", "ko": ""},
        {"en": "", "ko": ""},
        (ActorSpec("Server", server), ActorSpec("Client", client, ("Server", "accept"))),
        __file__,
        "",
    )
    events = Runner(scenario, RunOptions()).run_to_end(timeout=300)
    return events[:n_events]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    a = ap.parse_args()
    t0 = time.perf_counter()
    source = record(max(a.sizes))
    print(
        f"recorded {len(source):,} events from a real ping-pong run "
        f"in {time.perf_counter() - t0:.1f} s"
    )

    from PySide6.QtGui import QImage
    from PySide6.QtWidgets import QApplication

    from socketscope.ui.diagram_view import SequenceDiagram

    app = QApplication.instance() or QApplication([])
    print(
        f"{'events':>8} {'rows':>8} {'build':>9} {'peak mem':>9} "
        f"{'frame (median of 20)':>22} {'worst':>7}"
    )
    for n in a.sizes:
        events = source[:n]
        tracemalloc.start()
        t0 = time.perf_counter()
        lay = DiagramLayout(["Server", "Client"])
        lay.extend(events)
        build = time.perf_counter() - t0
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()

        view = SequenceDiagram()
        view.animate = False
        view.resize(1400, 1000)
        view.set_layout(lay)
        view.follow = False
        view.refresh(events[-1].seq)
        vb = view.verticalScrollBar()
        vb.setValue(vb.maximum() // 2)
        img = QImage(view.viewport().size(), QImage.Format.Format_ARGB32)
        frames = []
        for i in range(21):
            vb.setValue(vb.maximum() // 2 + i * 7)
            t1 = time.perf_counter()
            view.viewport().render(img)
            frames.append(time.perf_counter() - t1)
        frames = frames[1:]  # the first frame also warms font caches
        print(
            f"{n:>8,} {lay.row_count:>8,} {build * 1000:>7.0f} ms {peak / 1e6:>6.1f} MB"
            f" {statistics.median(frames) * 1000:>19.1f} ms {max(frames) * 1000:>5.1f} ms"
        )
        view.deleteLater()
    app.processEvents()


if __name__ == "__main__":
    main()
