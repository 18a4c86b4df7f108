"""Session: the trace on screen, the cursor into it, and (for a live run) the engine behind it.

A live run executes in a process of its own, a run host (engine/runhost): the window holds none
of its sockets and never waits on its interpreter. The one bridge between the host's client and
Qt is ``_drain``: a frame-rate timer that moves events (and the host's answers to steps) into the
trace and the status bar. The GUI thread makes no socket call: starting and stopping a run host
happen on short-lived helper threads.
"""

from __future__ import annotations

import bisect
import queue
import threading
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from socketscope.engine import Event, Mode, RunOptions, Trace, read_trace, write_trace
from socketscope.engine.runhost import Outcome, RunHost
from socketscope.engine.scenario import Scenario
from socketscope.model.diagram import DiagramLayout
from socketscope.model.state import RunState, StateHistory
from socketscope.ui.i18n import translate
from socketscope.ui.run_messages import run_message

DRAIN_PER_FRAME = 20000


def delay_for_speed(speed: int) -> float:
    """Speed slider 0..100 -> seconds between calls: 0 = 2 s per call, 100 = as fast as possible."""
    s = max(0, min(100, speed)) / 100
    return round(2.0 * (1 - s) ** 2, 3)


class Session(QObject):
    changed = Signal()  # the trace grew or the cursor moved
    message = Signal(str)  # a transient explanation (why a step did nothing, an error)
    runFinished = Signal()
    modeChanged = Signal(str)
    # a program of the run printed something: (program, "stdout" | "stderr", text)
    output = Signal(str, str, str)
    loaded = Signal()  # a new live run (a scenario, or programs) was loaded

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.scenario: Scenario | None = None
        self.trace = Trace()
        self.layout = DiagramLayout()
        # the network panel's loss/delay/reorder/duplicate for the next two-host run (None: the
        # lesson's own link)
        self.weather: dict[str, float] | None = None
        self.runner: RunHost | None = None
        self.cursor = 0  # number of events shown
        self.speed = 55
        self.running = False  # Space toggled run on
        self._helpers: list[threading.Thread] = []
        # The window sets this at start-up: the next loaded run's host is started by start_run()
        # after the first paint (start-up speed: a second Python starting would compete for the
        # CPU with the window's first picture, which needs nothing of the run). A control used
        # before starts it at once; its commands are queued until the host has started.
        self.defer_start = False
        # a picture taken of the run (--screenshot) waits for the packets of what it shows: the
        # host then reports how far the capture has written them (RunOptions.wire_covered),
        # which a window otherwise does without (it would wake its client ~20 times a second)
        self.wants_wire_covered = False
        self._pending_start: threading.Thread | None = None
        # a retired run that had to be killed says so on the next tick (from a helper thread)
        self._retired: queue.SimpleQueue[Outcome] = queue.SimpleQueue()
        self._finished_sent = False
        # how the live run ended, once it has: out of order (died, failed) no actor can move
        self.ended: Outcome | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(16)
        self._timer.timeout.connect(self._drain)
        self._state_cache: tuple[int, RunState] | None = None
        self._history: StateHistory | None = None
        self._rests_cache: tuple[object, int, int, list[int]] | None = None
        self._call_lines: dict[str, int | None] = {}
        self._call_args: dict[str, dict[str, object]] = {}

    # --- what is shown ---------------------------------------------------------------------------
    @property
    def events(self) -> list[Event]:
        return self.trace.events

    @property
    def live(self) -> bool:
        return self.runner is not None

    @property
    def at_end(self) -> bool:
        return self.cursor >= len(self.events)

    @property
    def cursor_seq(self) -> int:
        return self.events[self.cursor - 1].seq if self.cursor else 0

    @property
    def actors(self) -> list[str]:
        return list(self.trace.header.get("actors", []))

    def state(self) -> RunState:
        cached = self._state_cache
        if cached is not None and cached[0] == self.cursor:
            return cached[1]
        if cached is not None and cached[0] < self.cursor:
            state = cached[1].advance(self.events, self.cursor)  # forward: only the new events
        else:
            if self._history is None or self._history.actors != self.actors:
                self._history = StateHistory(self.actors)
            state = self._history.at(self.events, self.cursor)  # back: from a checkpoint
        self._state_cache = (self.cursor, state)
        return state

    def trace_time(self) -> float:
        return self.runner.time() if self.runner is not None else 0.0

    @property
    def ended_badly(self) -> bool:
        return self.ended is not None and not self.ended.in_order

    def settled(self) -> bool:
        """For the screenshot and self-test drivers (and tests): the live run shows everything it
        did and nothing is on its way. The views never ask this: they read the trace."""
        r = self.runner
        if r is None:
            return True
        if r.done.is_set():
            return bool(r.events.empty() and self.finished)
        return bool(r.gate.settled() and r.events.empty() and r.gate.waiting())

    @property
    def finished(self) -> bool:
        """The live run has ended and the trace holds all of it (the views read the trace, never
        the run host's live state, which can be ahead of what the trace shows)."""
        return self.runner is not None and self._finished_sent

    # --- loading ---------------------------------------------------------------------------------
    def load_scenario(self, scenario: Scenario) -> None:
        self._retire_runner()
        self.scenario = scenario
        self.trace = Trace(scenario.header())
        self.layout = DiagramLayout(list(scenario.header()["actors"]), translate)
        self.layout.set_network(self.trace.header)
        self.cursor = 0
        self.running = False
        self._finished_sent = False
        self.ended = None
        self._state_cache = None
        # The actors start at once and stop at their first gate: their first call shows as a
        # ghost, and nothing has run yet.
        # a two-host lesson runs with the weather chosen in the network panel, if any
        weather = self.weather if scenario.network is not None else None
        self.runner = RunHost(
            scenario,
            RunOptions(mode=Mode.PAUSE, weather=weather, wire_covered=self.wants_wire_covered),
        )
        # start() makes the channel's socketpair and waits for the host: not on this thread
        starter = threading.Thread(
            target=self.runner.start, name="socketscope-starter", daemon=True
        )
        self._pending_start = starter
        defer, self.defer_start = self.defer_start, False  # once: the lesson shown at start-up
        if not defer:
            self.start_run()
        self._timer.start()
        self.modeChanged.emit("pause")
        self.loaded.emit()
        self.changed.emit()

    def start_run(self) -> None:
        """Start the loaded run's host, if load_scenario left that for later (defer_start)."""
        starter, self._pending_start = self._pending_start, None
        if starter is not None:
            starter.start()
            self._helpers.append(starter)

    def load_trace(self, path: str | Path) -> None:
        """Replay a saved trace: no sockets at all. Raises TraceError with file and line."""
        trace = read_trace(path)
        self._retire_runner()
        self.scenario = None
        self.trace = trace
        self.layout = DiagramLayout(list(trace.header.get("actors", [])), translate)
        self.layout.set_network(trace.header)
        self.layout.extend(trace.events)
        cursor = trace.header.get("cursor")
        self.cursor = cursor if isinstance(cursor, int) and 0 <= cursor <= len(trace.events) else 0
        self.running = False
        self.ended = None
        self._state_cache = None
        self.modeChanged.emit("replay")
        self.changed.emit()

    def relayout(self) -> None:
        """Build the diagram again from the trace, in the interface language just installed."""
        self.layout = DiagramLayout(list(self.layout.lanes), translate)
        self.layout.set_network(self.trace.header)
        self.layout.extend(self.trace.events)
        self.changed.emit()

    def save_trace(self, path: str | Path, with_cursor: bool = False) -> None:
        """Save the trace; a *session* also keeps the cursor, to reopen where one left off."""
        trace = self.trace
        if with_cursor:
            trace = Trace({**trace.header, "cursor": self.cursor}, trace.events)
        with open(path, "w", encoding="utf-8") as f:
            write_trace(trace, f)

    def reset(self) -> None:
        """Stop everything, even while calls are blocked, and start the same scenario clean."""
        if self.scenario is not None:
            self.load_scenario(self.scenario)
        else:
            self.cursor = 0
            self._state_cache = None
            self.changed.emit()

    # --- controls --------------------------------------------------------------------------------
    def toggle_run(self) -> None:
        self.start_run()
        if self.runner is None:
            # a replay: Space plays the recorded trace forward
            self.running = not self.running
            if self.running:
                self._timer.start()
            self.modeChanged.emit("run" if self.running else "pause")
            return
        self.running = not self.running
        if self.running:
            if not self.at_end:
                self.seek(len(self.events))
            self.runner.gate.set_mode(Mode.RUN, delay_for_speed(self.speed))
        else:
            self.runner.gate.set_mode(Mode.PAUSE)
        self.modeChanged.emit("run" if self.running else "pause")

    def pause(self) -> None:
        if self.running:
            self.toggle_run()

    def set_speed(self, speed: int) -> None:
        self.speed = speed
        if self.runner is not None and self.running:
            self.runner.gate.set_delay(delay_for_speed(speed))

    def step(self, actor: str | None = None) -> None:
        """→: forward one row through the recorded trace, or at its end one live call."""
        if self.running:
            self.pause()
        if not self.at_end and actor is None:
            self.seek(self._next_stop(self.cursor))
            return
        if not self.at_end:
            self.seek(len(self.events))
        if self.runner is None:
            self.message.emit(self.tr("This is a recorded trace: there is nothing more to run."))
            return
        self.start_run()
        if self.runner.gate.mode is not Mode.STEP:
            self.runner.gate.set_mode(Mode.STEP)
        # the host's answer (why nothing moved, if so) comes back through _drain
        self.runner.gate.step(actor)

    def write_stdin(self, program: str, data: bytes) -> None:
        """Typed into a program's console (b"": end of input); the run host hands it on."""
        if self.runner is not None:
            self.runner.write_stdin(program, data)

    def step_back(self) -> None:
        if self.running:
            self.pause()
        self.seek(self._prev_stop(self.cursor))

    def seek(self, cursor: int) -> None:
        self.cursor = max(0, min(len(self.events), cursor))
        self.changed.emit()

    def _rests(self) -> list[int]:
        """Cursor positions a step rests at: just before each event that makes a diagram row
        (so the row's ghost shows), and the end. One step forward shows one more row."""
        key = (self.layout, self.layout.row_count, len(self.events))
        if self._rests_cache is not None and self._rests_cache[:3] == key:
            return self._rests_cache[3]  # computed once per trace, not once per step
        seqs = [e.seq for e in self.events]
        starts = [bisect.bisect_left(seqs, s) for s in self.layout.row_seqs]
        rests = [*starts[1:], len(self.events)]
        self._rests_cache = (*key, rests)
        return rests

    def _next_stop(self, cursor: int) -> int:
        rests = self._rests()
        i = bisect.bisect_right(rests, cursor)
        return rests[i] if i < len(rests) else len(self.events)

    def _prev_stop(self, cursor: int) -> int:
        rests = self._rests()
        i = bisect.bisect_left(rests, cursor) - 1
        return rests[i] if i >= 0 else 0

    # --- the bridge -------------------------------------------------------------------------------
    def _drain(self) -> None:
        while not self._retired.empty():
            killed = self._retired.get_nowait()
            self.message.emit(run_message(killed.code, killed.params, killed.message))
        if self.runner is None:
            if self.running:  # replay playback: one row per tick interval of the speed
                self._replay_tick()
            return
        if "network" not in self.trace.header and self.runner.network is not None:
            self.trace.header["network"] = self.runner.network  # saved with the trace
            self.layout.set_network(self.trace.header)  # the link's weather, as the run has it
        if self.runner.capture is not None:
            self.trace.header["capture"] = self.runner.capture  # updated with the drops at the end
        new: list[Event] = []
        q = self.runner.events
        while len(new) < DRAIN_PER_FRAME and not q.empty():
            new.append(q.get_nowait())
        following = self.at_end
        notes = self.runner.notes
        while not notes.empty():
            note = notes.get_nowait()
            if note.released is None:
                self.message.emit(run_message(note.code, note.params, note.message))
        printed = self.runner.output
        while not printed.empty():
            actor, stream, data = printed.get_nowait()
            self.output.emit(actor, stream, data.decode("utf-8", "replace"))
        if new:
            self.trace.extend(new)
            self.layout.extend(new)
            self._report_refusals(new)
            if following:
                self.cursor = len(self.events)
            self.changed.emit()
        if self.runner.done.is_set() and q.empty() and not self._finished_sent:
            self._finished_sent = True
            self.running = False
            out = self.runner.outcome
            self.ended = out
            if out is not None and not out.in_order:
                self.message.emit(run_message(out.code, out.params, out.message))
            self.modeChanged.emit("done")
            self.runFinished.emit()

    def _report_refusals(self, new: list[Event]) -> None:
        """A scenario that reached for a non-loopback address: say where, in plain words."""
        for ev in new:
            if ev.kind == "call":
                self._call_lines[ev.actor] = ev.line
                self._call_args[ev.actor] = ev.args or {}
            elif ev.kind == "return" and ev.error == "NOT_LOOPBACK":
                path = self.trace.header.get("source_path", "scenario")
                line = self._call_lines.get(ev.actor)
                where = f"{path}:{line}" if line else str(path)
                address = self._call_args.get(ev.actor, {}).get("address")
                shown = (
                    f"{address[0]}:{address[1]}"
                    if isinstance(address, list) and len(address) >= 2
                    else str(address)
                )
                sentence = self.tr(
                    "{op}() to {address} refused: SocketScope only uses loopback addresses "
                    "(127.0.0.0/8, ::1, localhost) so that no packet leaves this machine"
                ).format(op=ev.op, address=shown)
                self.message.emit(f"{where}: {sentence}")

    _replay_acc = 0.0

    def _replay_tick(self) -> None:
        self._replay_acc += 0.016
        if self._replay_acc >= max(0.05, delay_for_speed(self.speed)):
            self._replay_acc = 0.0
            if self.at_end:
                self.running = False
                self.modeChanged.emit("pause")
                return
            self.seek(self._next_stop(self.cursor))

    # --- tear-down --------------------------------------------------------------------------------
    def _retire_runner(self) -> None:
        self._pending_start = None  # a run never started is stopped as such (RunHost.stop)
        runner, self.runner = self.runner, None
        if runner is None:
            return
        runner.gate.stop()  # no actor makes another call from here on
        th = threading.Thread(
            target=self._stop_after_start, args=(runner,), name="socketscope-stopper", daemon=True
        )
        th.start()
        self._helpers = [t for t in self._helpers if t.is_alive()]
        self._helpers.append(th)

    def _stop_after_start(self, runner: RunHost) -> None:
        for th in list(self._helpers):
            if th.name == "socketscope-starter" and th is not threading.current_thread():
                th.join(1.0)  # a runner being started is stopped once its start() is done
        if not runner.stop() and runner.outcome is not None and runner.outcome.how == "killed":
            self._retired.put(runner.outcome)

    def shutdown(self, timeout: float = 2.0) -> bool:
        """Stop the run and wait for it: every thread ended, every socket closed."""
        self._timer.stop()
        self._retire_runner()
        ok = True
        for th in self._helpers:
            th.join(timeout)
            ok = ok and not th.is_alive()
        self._helpers = []
        return ok
