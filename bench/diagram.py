"""Diagram benchmark: build the layout from long traces, paint one frame from the middle, and
step forward and back through the trace in the window as a user does (→ and ←).

    .venv/bin/python bench/diagram.py [--sizes 1000 10000 100000] [--steps 30]

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
    ap.add_argument("--steps", type=int, default=30, help="steps each way, from the middle")
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
    print(
        "\nstepping in the window (a saved trace, cursor in the middle): what one → or ← costs,"
        "\nthe diagram's refresh and repaint plus every panel (state, table, inspector, lesson);"
        "\nCPU time of the GUI thread (wall time on a busy machine adds waiting for a core)"
    )
    print(
        f"{'events':>8} {'step median':>12} {'worst':>7} {'back median':>12} {'worst':>7}"
        f" {'panels of a step back':>22} {'wall (step/back)':>17}"
    )
    for n in a.sizes:
        step, back = stepping(source[:n], a.steps)
        cpu = [[x[1] for x in step], [x[1] for x in back]]
        print(
            f"{n:>8,} {statistics.median(cpu[0]) * 1000:>9.1f} ms {max(cpu[0]) * 1000:>4.1f} ms"
            f" {statistics.median(cpu[1]) * 1000:>9.1f} ms {max(cpu[1]) * 1000:>4.1f} ms"
            f" {statistics.median(x[2] for x in back) * 1000:>19.1f} ms"
            f" {statistics.median(x[0] for x in step) * 1000:>8.1f}"
            f"/{statistics.median(x[0] for x in back) * 1000:.1f} ms"
        )


def stepping(
    events: list[Event], steps: int
) -> tuple[list[tuple[float, float, float]], list[tuple[float, float, float]]]:
    import tempfile

    from PySide6.QtWidgets import QApplication

    from socketscope.engine import Trace, write_trace
    from socketscope.ui.mainwindow import MainWindow

    header = {
        "format": "socketscope-trace",
        "version": 1,
        "scenario": "bench-pingpong",
        "title": {"en": "ping-pong", "ko": "핑퐁"},
        "actors": ["Server", "Client"],
    }
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", encoding="utf-8") as f:
        write_trace(Trace(header, events), f)
        f.flush()
        w = MainWindow()
        w.persist = False
        w.diagram.animate = False
        w.resize(1600, 900)
        w.show()
        w.session.load_trace(f.name)
    app = QApplication.instance()
    assert app is not None
    w.session.seek(len(events) // 2)
    app.processEvents()

    def one(action: object) -> tuple[float, float, float]:
        """(wall, CPU, CPU of the panels alone) of one step."""
        t0, c0 = time.perf_counter(), time.thread_time()
        action.trigger()  # type: ignore[attr-defined]
        c1 = time.thread_time()
        w._update_panels()  # what the panels' timer runs after a step
        c2 = time.thread_time()
        w.diagram.viewport().repaint()
        return time.perf_counter() - t0, time.thread_time() - c0, c2 - c1

    one(w.act_step)  # warm caches
    one(w.act_back)
    fwd = [one(w.act_step) for _ in range(steps)]
    back = [one(w.act_back) for _ in range(steps)]
    w.close()
    w.deleteLater()
    app.processEvents()
    return fwd, back


if __name__ == "__main__":
    main()
