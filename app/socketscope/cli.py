"""Command line: ``socketscope list | trace ID | log ID | export TRACE``.

Bad input (an unknown scenario, a scenario file that does not import, a trace that breaks the
format, a file that cannot be written) gets one clear line on stderr and exit status 2, never a
traceback and never a dialog. A run in which an actor raised, or whose process died, exits 1.
"""

from __future__ import annotations

import argparse
import contextlib
import queue
import signal
import sys
import threading
import time
from collections.abc import Iterator
from types import FrameType
from typing import TYPE_CHECKING, TextIO

from socketscope import logs
from socketscope.engine.scenario import (
    Scenario,
    ScenarioError,
    UnknownScenario,
    builtin_scenarios,
    resolve,
)

if TYPE_CHECKING:
    from socketscope.engine import Trace
    from socketscope.engine.events import Event
    from socketscope.engine.programs import ProgramLine
    from socketscope.engine.runhost import RunHost

EXIT_BAD_INPUT = 2


class _Terminated(Exception):
    """A signal stopped the run (after every event of it was taken): exit 128 + the signal."""

    def __init__(self, signum: int) -> None:
        _told.append(True)
        self.signum = signum
        self.name = signal.Signals(signum).name
        super().__init__(self.name)


_signalled: list[int] = []  # the signal that asked the run to stop, once one has
_told: list[bool] = []  # _Terminated has been raised for it


@contextlib.contextmanager
def _stop_on_signals() -> Iterator[None]:
    """SIGINT and SIGTERM end the run cleanly: every socket is closed before the process exits.

    The handler only notes the signal: the loop in :func:`_events` stops the run and takes the
    events of the stop before it raises :class:`_Terminated`. (Raised from the handler, the
    exception could land anywhere: inside ``runner.stop()``, or between taking an event and
    keeping it, and the trace written then would lack the run's end.)"""

    def handler(signum: int, frame: FrameType | None) -> None:
        if not _signalled:
            _signalled.append(signum)

    _signalled.clear()
    _told.clear()
    old = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
        if _signalled and not _told:  # came after the run's last event: it still counts
            raise _Terminated(_signalled[0])
    finally:
        for s, h in old.items():
            signal.signal(s, h)


def _events(runner: RunHost, timeout: float) -> Iterator[Event]:
    """Run to the end, yielding events as they come; stop everything on a signal or timeout.
    On a signal, the run is stopped, the events of its stop are yielded too, then
    :class:`_Terminated` is raised."""
    for _covered, events in _rounds(runner, timeout):
        yield from events


def _rounds(
    runner: RunHost, timeout: float, output: bool = True
) -> Iterator[tuple[float | None, list[Event]]]:
    """:func:`_events` a round at a time (every 20 ms, events or not), each with the run time
    before which the capture has delivered every packet (None: no word from it yet, or the
    run is over and every packet is in). ``output``: print what the programs print here (else
    the caller takes it, :func:`_output_lines`)."""
    deadline = time.monotonic() + timeout
    if not runner.started and not _signalled:
        runner.start()
    width = max((len(a.name) for a in runner.scenario.actors), default=8)
    try:
        while True:
            finished = _signalled or runner.done.wait(0.02)
            if output:
                _print_output(runner, width)
            covered = runner.wire_covered  # before the drain: it vouches for what is queued
            yield covered, runner.drain()
            if _signalled:
                runner.stop()  # every event of the stop is queued once it returns
                yield None, runner.drain()
                if output:
                    _print_output(runner, width, final=True)
                raise _Terminated(_signalled[0])
            if finished:
                yield None, runner.drain()
                if output:
                    _print_output(runner, width, final=True)
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"the run did not end within {timeout:g} s")
    finally:
        runner.stop()


class _ProgramItem(argparse.Action):
    """--program and --after in the order given: an --after is for the --program after it."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        items = list(getattr(namespace, "program_items", None) or [])
        items.append((self.dest, str(values)))
        namespace.program_items = items


def _add_program_options(p: argparse.ArgumentParser, terminal: bool = True) -> None:
    p.add_argument(
        "--program",
        action=_ProgramItem,
        metavar="'CMD ARGS'",
        help="run this program of your own, traced (a .py file, python3 x.py, or an executable "
        "with its arguments); repeat for more, in start order",
    )
    p.add_argument(
        "--after",
        action=_ProgramItem,
        metavar="WHEN",
        help="when the next --program starts: ready (default: the one before has blocked or is "
        "listening), start, end, SECONDS, a call such as accept, or NAME:call",
    )
    if terminal:
        p.add_argument(
            "--stdin",
            metavar="NAME",
            dest="stdin_to",
            help="what you type here goes to this program's stdin (its name as the log shows "
            "it, e.g. chat_client.py); Ctrl-D ends its input",
        )
    p.set_defaults(program_items=[])


def _forward_stdin(runner: RunHost, name: str | None) -> None:
    """The terminal's input, line by line, to one program's stdin (EOF closes it)."""
    if not name:
        return
    if name not in {a.name for a in runner.scenario.actors if a.program}:
        raise ScenarioError(f"--stdin {name!r}: no such program in this run")

    def pump() -> None:
        stream = sys.stdin.buffer
        for line in iter(stream.readline, b""):
            runner.write_stdin(name, line)
        runner.write_stdin(name, b"")

    threading.Thread(target=pump, name="socketscope-cli-stdin", daemon=True).start()


def program_lines(items: list[tuple[str, str]]) -> list[ProgramLine]:
    """The ProgramLines of --program/--after options (ProgramError on a bad one)."""
    from socketscope.engine.programs import ProgramError, ProgramLine

    lines = []
    after = "ready"
    for kind, value in items:
        if kind == "after":
            after = value
            continue
        lines.append(ProgramLine.parse(value, after=after))
        after = "ready"
    if items and items[-1][0] == "after":
        raise ProgramError(f"--after {items[-1][1]!r} is not followed by a --program")
    return lines


def _load(scenario_id: str | None, items: list[tuple[str, str]] | None = None) -> Scenario:
    if items:
        from socketscope.engine.programs import ProgramError, program_scenario

        if scenario_id:
            raise ScenarioError(f"{scenario_id}: give a scenario or --program options, not both")
        try:
            return program_scenario(program_lines(items))
        except ProgramError as e:
            raise ScenarioError(str(e)) from None
    if not scenario_id:
        raise ScenarioError("say which scenario to run (see `socketscope list`), or --program")
    return resolve(scenario_id)


_partial: dict[tuple[str, str], str] = {}  # a program's last line, until its newline comes


def _print_output(runner: RunHost, width: int, final: bool = False) -> None:
    """What the programs printed, on stderr, each whole line after its program's name."""
    for actor, stream, line in _output_lines(runner, final):
        _print_line(actor, stream, line, width)


def _output_lines(runner: RunHost, final: bool = False) -> list[tuple[str, str, str]]:
    """The whole lines the programs have printed since last asked (``final``: the rest too)."""
    out: list[tuple[str, str, str]] = []
    with contextlib.suppress(queue.Empty):
        while True:
            actor, stream, data = runner.output.get_nowait()
            text = _partial.pop((actor, stream), "") + data.decode("utf-8", "replace")
            *lines, rest = text.split("\n")
            if rest:
                _partial[(actor, stream)] = rest
            out += [(actor, stream, line) for line in lines]
    if final:
        out += [(actor, stream, rest) for (actor, stream), rest in sorted(_partial.items())]
        _partial.clear()
    return out


def _print_line(actor: str, stream: str, line: str, width: int) -> None:
    mark = "!" if stream == "stderr" else "|"
    print(f"{actor:>{width}} {mark} {line}", file=sys.stderr)


class _Failures:
    """Actors whose code raised: the run went on, but the program failed, and a script that
    runs ``socketscope log`` must be able to tell."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def see(self, ev: Event) -> Event:
        # an exception that escaped the actor's code carries its traceback; an actor killed on
        # purpose (a lesson's kill()) or by its process's end does not, and is told by the outcome
        if ev.kind == "error" and ev.traceback is not None:
            where = f" at line {ev.line}" if ev.line else ""
            self.lines.append(f"{ev.actor} raised {ev.message}{where}")
        return ev


def _ended(runner: RunHost, failures: _Failures) -> int:
    """Exit status for how the run ended: 0 in order, 1 (with a line on stderr) otherwise."""
    status = 0
    for line in failures.lines:
        print(f"socketscope: {line}", file=sys.stderr)
        status = 1
    out = runner.outcome
    if out is not None and not out.in_order:
        print(f"socketscope: {out.message}", file=sys.stderr)
        status = 1
    return status


class _BadOutput(Exception):
    """A file the command was asked to write cannot be written."""


@contextlib.contextmanager
def _writing(path: str) -> Iterator[TextIO]:
    try:
        f = open(path, "w", encoding="utf-8")  # noqa: SIM115 -- closed below, errors told apart
    except OSError as e:
        raise _BadOutput(f"{path}: cannot write: {e.strerror or e}") from None
    with f:
        yield f


def cmd_list(out: TextIO) -> int:
    scenarios = builtin_scenarios()
    width = max(len(s.id) for s in scenarios)
    for s in scenarios:
        print(f"{s.id:<{width}}  {s.group:<10}  {s.title['en']}", file=out)
    return 0


def cmd_trace(args: argparse.Namespace, out: TextIO) -> int:
    # the run's modules are imported by the commands that run, not by every start of the window
    from socketscope.engine import Mode, RunOptions, Trace, write_trace
    from socketscope.engine.runhost import RunHost

    scenario = _load(args.scenario, args.program_items)
    # the same path as the window: the run in a process of its own (engine/runhost)
    runner = RunHost(scenario, RunOptions(mode=Mode.RUN, delay=args.delay))
    trace = Trace(scenario.header())
    failures = _Failures()
    # the output is opened before the run: a path that cannot be written fails at once
    with contextlib.ExitStack() as stack:
        f = stack.enter_context(_writing(args.output)) if args.output else out
        _forward_stdin(runner, args.stdin_to)
        stopped: _Terminated | None = None
        with _stop_on_signals():
            try:
                for ev in _events(runner, args.timeout):
                    trace.append(failures.see(ev))
            except _Terminated as e:
                stopped = e  # the trace of the run so far is written all the same
        if runner.network is not None:
            trace.header["network"] = runner.network  # where the run's sockets lived
        if runner.capture is not None:
            trace.header["capture"] = runner.capture  # the packets it saw, and any it dropped
        if stopped is not None:
            trace.header["ended"] = {
                "how": "signal",
                "signal": stopped.name,
                "message": f"the run was stopped by {stopped.name}",
            }
        write_trace(trace, f)
    if stopped is not None:
        raise stopped
    return _ended(runner, failures)


def cmd_log(args: argparse.Namespace, out: TextIO) -> int:
    from socketscope.engine import Mode, RunOptions
    from socketscope.engine.runhost import RunHost

    scenario = _load(args.scenario, args.program_items)
    runner = RunHost(scenario, RunOptions(mode=Mode.RUN, delay=args.delay, wire_covered=True))
    color = args.color if args.color is not None else out.isatty()
    # the log command's alone: not the window's
    from socketscope.terminal import LogFormatter, OutputLine, WireOrder

    fmt = LogFormatter(
        color=color,
        width=max(len(a.name) for a in scenario.actors),
        lang=getattr(args, "lang", None) or "en",
    )
    failures = _Failures()
    _forward_stdin(runner, args.stdin_to)

    width = max(len(a.name) for a in scenario.actors)

    def write(items: list[Event | OutputLine]) -> None:
        for it in items:
            if isinstance(it, OutputLine):
                _print_line(it.actor, it.stream, it.text, width)
                continue
            for line in fmt.feed(failures.see(it)):
                print(line, file=out, flush=True)

    def printed(final: bool = False) -> None:
        now = runner.time()  # every event that led to these lines was stamped before now
        for actor, stream, text in _output_lines(runner, final):
            order.add(OutputLine(now, actor, stream, text))

    with _stop_on_signals():
        runner.start()
        print(
            f"# {scenario.id}: {scenario.title['en']}  (port {runner.port})", file=out, flush=True
        )
        order = WireOrder(capture=bool((runner.capture or {}).get("available")))
        try:
            for covered, events in _rounds(runner, args.timeout, output=False):
                for ev in events:
                    order.add(ev)
                printed()
                write(order.ready(covered, runner.time()))
        finally:
            # over, or stopped by a signal: what waited for the capture is written all the same
            printed(final=True)
            write(order.rest())
            for line in fmt.finish():
                print(line, file=out, flush=True)
    return _ended(runner, failures)


def cmd_export(args: argparse.Namespace) -> int:
    from socketscope.engine import TraceError, read_trace

    try:
        trace = read_trace(args.trace)
    except TraceError as e:
        print(f"socketscope: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        return _export(args, trace)
    except OSError as e:
        print(f"socketscope: {args.output}: cannot write: {e.strerror or e}", file=sys.stderr)
        return EXIT_BAD_INPUT


def _export(args: argparse.Namespace, trace: Trace) -> int:
    if args.format == "pcapng":
        return _export_pcapng(args, trace)
    if args.format != "slides" or args.output.lower().endswith(".pdf"):
        # Qt's writers fail quietly (a warning, an empty file): find out first, and say so
        with _writing(args.output):
            pass
    if args.format in ("mermaid", "plantuml"):
        from socketscope.model.textexport import to_mermaid, to_plantuml

        text = to_mermaid(trace) if args.format == "mermaid" else to_plantuml(trace)
        with _writing(args.output) as f:
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
        rows = export.export_image(trace, args.output, width=args.width, progress=progress)
        parts = export.written_parts(args.output)
        more = f" in {len(parts)} parts ({parts[-1].name} last)" if len(parts) > 1 else ""
        print(f"\nwrote {args.output}: {rows} rows{more}", file=sys.stderr)
    elif args.format == "pdf":
        pages = export.export_pdf(trace, args.output, width=args.width, progress=progress)
        print(f"\nwrote {args.output}: {pages} pages", file=sys.stderr)
    else:
        n = export.export_slides(trace, args.output, progress=progress)
        print(f"\nwrote {args.output}: {n} steps", file=sys.stderr)
    return 0


def _export_pcapng(args: argparse.Namespace, trace: Trace) -> int:
    from socketscope.model.pcapng import packet_count, write_pcapng

    if packet_count(trace) == 0:
        net = trace.header.get("network") or {}
        why = (
            f" (run on the plain loopback: {net.get('reason')})"
            if net.get("private") is False
            else ""
        )
        print(
            f"socketscope: {args.trace}: this trace has no packets to export{why}; "
            "only a run in a private network of its own records them",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    try:
        f = open(args.output, "wb")  # noqa: SIM115 -- closed below, errors told apart
    except OSError as e:
        raise _BadOutput(f"{args.output}: cannot write: {e.strerror or e}") from None
    with f:
        n = write_pcapng(trace, f)
    print(f"wrote {args.output}: {n} packets", file=sys.stderr)
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
        "--size",
        metavar="WxH",
        help="window size (screenshots: 1920x1080 by default; the window opens where it was)",
    )
    p.add_argument("--lecture", action="store_true", help="lecture mode (large, for a projector)")
    _add_program_options(p, terminal=False)  # the window: its console takes the typing
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
        "--format",
        required=True,
        choices=["png", "svg", "pdf", "mermaid", "plantuml", "slides", "pcapng"],
    )
    ex.add_argument("-o", "--output", required=True, help="file, or folder of PNGs for slides")
    ex.add_argument("--width", type=int, default=1600, help="picture width in pixels")
    _debug_flag(ex)
    for name, helptext in (
        ("trace", "run a scenario headless and write its trace (JSON Lines)"),
        ("log", "run a scenario and print a strace-like log of its calls"),
    ):
        sp = sub.add_parser(name, help=helptext)
        sp.add_argument(
            "scenario",
            nargs="?",
            help="scenario id (see `socketscope list`) or a scenario .py file",
        )
        _add_program_options(sp)
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
            # also after the command; SUPPRESS keeps the global one (`socketscope --lang ko log`)
            sp.add_argument(
                "--lang",
                choices=["en", "ko"],
                default=argparse.SUPPRESS,
                help="language of the packet lines",
            )
        _debug_flag(sp)
    return p


def _debug_flag(sp: argparse.ArgumentParser) -> None:
    # also after the command (`socketscope log X --debug`); SUPPRESS keeps the global default
    sp.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS, help="log everything"
    )


def main(argv: list[str] | None = None) -> int:
    raw = sys.argv[1:] if argv is None else argv
    if raw[:1] == ["--socketscope-child"] and len(raw) == 2:
        # a process actor's child, started by the frozen app's own binary (see engine/child.py);
        # imported here, not for every start of the window
        from socketscope.engine.child import CHILD_FLAG, child_main

        assert raw[0] == CHILD_FLAG
        return child_main(int(raw[1]))
    if raw[:1] == ["--socketscope-program"] and len(raw) == 2:
        # a traced Python program, started by the frozen app's own binary (engine/programs)
        from socketscope.engine.programs.pyboot import program_main

        return program_main(int(raw[1]))
    if raw[:1] == ["--socketscope-runhost"] and len(raw) == 2:
        # a run host, started by the frozen app's own binary (see engine/runhost)
        from socketscope.engine.runhost import HOST_FLAG
        from socketscope.engine.runhost.host import host_main

        assert raw[0] == HOST_FLAG

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
        print(f"socketscope: stopped by {e.name}; every socket closed", file=sys.stderr)
        return 128 + e.signum
    except _BadOutput as e:
        print(f"socketscope: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except TimeoutError as e:
        print(f"socketscope: {e}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0
