"""Command line: ``socketscope list | trace ID | log ID``.

Bad input (an unknown scenario, a scenario file that does not import) gets one clear line on
stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import time
from collections.abc import Iterator
from types import FrameType
from typing import TextIO

from socketscope import logs
from socketscope.engine import Mode, RunOptions, Trace, write_trace
from socketscope.engine.child import CHILD_FLAG, child_main
from socketscope.engine.events import Event
from socketscope.engine.runhost import HOST_FLAG, RunHost
from socketscope.engine.scenario import (
    Scenario,
    ScenarioError,
    UnknownScenario,
    builtin_scenarios,
    resolve,
)
from socketscope.terminal import LogFormatter

EXIT_BAD_INPUT = 2


class _Terminated(Exception):
    pass


@contextlib.contextmanager
def _stop_on_signals() -> Iterator[None]:
    """SIGINT and SIGTERM end the run cleanly: every socket is closed before the process exits."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise _Terminated(signal.Signals(signum).name)

    old = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


def _events(runner: RunHost, timeout: float) -> Iterator[Event]:
    """Run to the end, yielding events as they come; stop everything on a signal or timeout."""
    deadline = time.monotonic() + timeout
    if not runner.started:
        runner.start()
    try:
        while True:
            finished = runner.done.wait(0.02)
            yield from runner.drain()
            if finished:
                yield from runner.drain()
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"the run did not end within {timeout:g} s")
    finally:
        runner.stop()


def _load(scenario_id: str) -> Scenario:
    return resolve(scenario_id)


def _ended(runner: RunHost) -> int:
    """Exit status for how the run ended: 0 in order, 1 (with a line on stderr) otherwise."""
    out = runner.outcome
    if out is None or out.in_order:
        return 0
    print(f"socketscope: {out.message}", file=sys.stderr)
    return 1


def cmd_list(out: TextIO) -> int:
    scenarios = builtin_scenarios()
    width = max(len(s.id) for s in scenarios)
    for s in scenarios:
        print(f"{s.id:<{width}}  {s.group:<10}  {s.title['en']}", file=out)
    return 0


def cmd_trace(args: argparse.Namespace, out: TextIO) -> int:
    scenario = _load(args.scenario)
    # the same path as the window: the run in a process of its own (engine/runhost)
    runner = RunHost(scenario, RunOptions(mode=Mode.RUN, delay=args.delay))
    trace = Trace(scenario.header())
    with _stop_on_signals():
        trace.extend(_events(runner, args.timeout))
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            write_trace(trace, f)
    else:
        write_trace(trace, out)
    return _ended(runner)


def cmd_log(args: argparse.Namespace, out: TextIO) -> int:
    scenario = _load(args.scenario)
    runner = RunHost(scenario, RunOptions(mode=Mode.RUN, delay=args.delay))
    color = args.color if args.color is not None else out.isatty()
    fmt = LogFormatter(color=color, width=max(len(a.name) for a in scenario.actors))
    with _stop_on_signals():
        runner.start()
        print(
            f"# {scenario.id}: {scenario.title['en']}  (port {runner.port})", file=out, flush=True
        )
        for ev in _events(runner, args.timeout):
            for line in fmt.feed(ev):
                print(line, file=out, flush=True)
        for line in fmt.finish():
            print(line, file=out, flush=True)
    return _ended(runner)


def cmd_export(args: argparse.Namespace) -> int:
    from socketscope.engine import TraceError, read_trace

    try:
        trace = read_trace(args.trace)
    except TraceError as e:
        print(f"socketscope: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.format in ("mermaid", "plantuml"):
        from socketscope.model.textexport import to_mermaid, to_plantuml

        text = to_mermaid(trace) if args.format == "mermaid" else to_plantuml(trace)
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text)
        print(f"wrote {args.output}", file=sys.stderr)
        return 0
    from socketscope.ui.app import _app

    _app(offscreen=True)
    from socketscope.ui import export

    def progress(done: int, total: int) -> bool:
        print(f"\r{done + 1}/{total}", end="", file=sys.stderr, flush=True)
        return True

    if args.format in ("png", "svg"):
        rows = export.export_image(trace, args.output, width=args.width)
        note = "" if rows == len(export.layout_of(trace).row_seqs) else f" (first {rows} rows)"
        print(f"wrote {args.output}{note}", file=sys.stderr)
    elif args.format == "pdf":
        pages = export.export_pdf(trace, args.output, width=args.width, progress=progress)
        print(f"\nwrote {args.output}: {pages} pages", file=sys.stderr)
    else:
        n = export.export_slides(trace, args.output, progress=progress)
        print(f"\nwrote {args.output}: {n} steps", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="socketscope",
        description="Watch real loopback socket calls block, connect and move bytes.",
    )
    p.add_argument(
        "--scenario", metavar="ID", help="open the window on this scenario (id or .py file)"
    )
    p.add_argument("--trace", dest="trace_file", metavar="FILE", help="open a saved trace (replay)")
    p.add_argument(
        "--screenshot", metavar="OUT.png", help="render the window offscreen to a PNG and exit"
    )
    group = p.add_mutually_exclusive_group()
    group.add_argument(
        "--steps", type=int, metavar="N", help="step N calls first (before a --screenshot)"
    )
    group.add_argument(
        "--to-end", action="store_true", help="run to the end first (before a --screenshot)"
    )
    p.add_argument(
        "--size", metavar="WxH", default="1920x1080", help="window size (default 1920x1080)"
    )
    p.add_argument("--lecture", action="store_true", help="lecture mode (large, for a projector)")
    p.add_argument(
        "--debug", action="store_true", help="log everything (engine, run host, window) to stderr"
    )
    p.add_argument("--lang", choices=["en", "ko"], help="interface language for this run")
    p.add_argument(
        "--self-test",
        action="store_true",
        help="run the default scenario offscreen, check the diagram",
    )
    sub = p.add_subparsers(dest="command")
    sub.add_parser("list", help="list the built-in scenarios")
    ex = sub.add_parser("export", help="export a saved trace for slides or notes")
    ex.add_argument(
        "trace", help="a trace file (JSON Lines, from `socketscope trace` or File → Save)"
    )
    ex.add_argument(
        "--format", required=True, choices=["png", "svg", "pdf", "mermaid", "plantuml", "slides"]
    )
    ex.add_argument("-o", "--output", required=True, help="file, or folder of PNGs for slides")
    ex.add_argument("--width", type=int, default=1600, help="picture width in pixels")
    _debug_flag(ex)
    for name, helptext in (
        ("trace", "run a scenario headless and write its trace (JSON Lines)"),
        ("log", "run a scenario and print a strace-like log of its calls"),
    ):
        sp = sub.add_parser(name, help=helptext)
        sp.add_argument("scenario", help="scenario id (see `socketscope list`) or a .py file")
        sp.add_argument(
            "--delay", type=float, default=0.0, help="seconds between calls (default 0)"
        )
        sp.add_argument(
            "--timeout", type=float, default=60.0, help="give up after this many seconds"
        )
        if name == "trace":
            sp.add_argument("-o", "--output", help="write the trace here instead of stdout")
        else:
            sp.add_argument("--color", action=argparse.BooleanOptionalAction, default=None)
        _debug_flag(sp)
    return p


def _debug_flag(sp: argparse.ArgumentParser) -> None:
    # also after the command (`socketscope log X --debug`); SUPPRESS keeps the global default
    sp.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS, help="log everything"
    )


def main(argv: list[str] | None = None) -> int:
    raw = sys.argv[1:] if argv is None else argv
    if raw[:1] == [CHILD_FLAG] and len(raw) == 2:
        # a process actor's child, started by the frozen app's own binary (see engine/child.py)
        return child_main(int(raw[1]))
    if raw[:1] == [HOST_FLAG] and len(raw) == 2:
        # a run host, started by the frozen app's own binary (see engine/runhost)
        from socketscope.engine.runhost.host import host_main

        return host_main(int(raw[1]))
    args = build_parser().parse_args(argv)
    logs.setup(debug=args.debug)
    out = sys.stdout
    try:
        if args.command == "list":
            return cmd_list(out)
        if args.command == "trace":
            return cmd_trace(args, out)
        if args.command == "log":
            return cmd_log(args, out)
        if args.command == "export":
            return cmd_export(args)
        # No command: the window.
        from socketscope.ui.app import main as gui_main

        return gui_main(args)
    except UnknownScenario as e:
        print(f"socketscope: unknown scenario {e.scenario_id!r}. Known scenarios:", file=sys.stderr)
        for sid in e.known:
            print(f"  {sid}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except ScenarioError as e:
        print(f"socketscope: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except _Terminated as e:
        print(f"socketscope: stopped by {e}; every socket closed", file=sys.stderr)
        return 130
    except TimeoutError as e:
        print(f"socketscope: {e}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0
