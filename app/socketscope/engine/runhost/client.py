"""The client of a run host: what the window and the CLI hold instead of a Runner.

``RunHost`` has the Runner's shape (``start``, ``events``, ``done``, ``time``, ``drain``,
``run_to_end``, ``stop``, ``gate``) so callers change little. Differences a caller sees:

- ``gate.step()`` cannot answer at once without waiting on another process: it returns nothing,
  and the answer (an actor released, or why not) arrives later on ``notes``.
- the gate's state (``status``, ``waiting``, ``settled``) is a mirror of the host's, pushed by the
  host after each change together with the events that led to it; ``settled()`` is False while a
  command is on its way.
- how the run ended is ``outcome``: finished, stopped, or the host's process died (an actor called
  ``os._exit``, a signal killed it, or Stop had to kill it). A death also ends each actor's lane in
  the trace with an ``error`` event saying so; the events before it are kept.
"""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from socketscope import logs
from socketscope.engine.actor import EventSource, RunOptions
from socketscope.engine.channel import Channel
from socketscope.engine.events import Event
from socketscope.engine.gate import Mode, Status, Waiting
from socketscope.engine.scenario import Scenario

# A frozen app (the PyInstaller bundle) has no `python -m`: its own binary is started with this
# hidden first argument, which socketscope.cli.main hands to host_main.
HOST_FLAG = "--socketscope-runhost"
_HOST_BOOT = (
    "import sys; sys.path[:] = [p for p in sys.path if p not in ('', '.')]; "
    "from socketscope.engine.runhost.host import host_main; "
    "raise SystemExit(host_main(int(sys.argv[1])))"
)
log = logs.get("runhost")
START_TIMEOUT = 30.0  # a cold start of Python on a loaded machine can take seconds


def host_argv(fd: int) -> list[str]:
    """The command that starts a run host, given the socketpair end it inherits."""
    if getattr(sys, "frozen", False):
        return [sys.executable, HOST_FLAG, str(fd)]
    if sys.version_info >= (3, 11):
        # -P: the current directory is not put on sys.path, so a student's socket.py in the
        # course folder cannot shadow the standard library
        return [sys.executable, "-P", "-m", "socketscope.engine.runhost", str(fd)]
    return [sys.executable, "-c", _HOST_BOOT, str(fd)]


@dataclass(frozen=True)
class Note:
    """A sentence for people from the run: a code and its parameters for the window to
    translate, and the English for the terminal. ``released`` is set when a step went through."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)
    message: str = ""
    released: str | None = None


@dataclass(frozen=True)
class Outcome:
    """How a run ended. ``how``: "finished" (every actor ended), "stopped" (Stop ended it in
    order), "killed" (Stop had to SIGKILL the host), "died" (the host's process ended on its
    own: ``status`` is its exit status, ``signal`` the signal that killed it), "failed" (the
    host could not run the scenario)."""

    how: str
    code: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    message: str = ""
    status: int | None = None
    signal: str | None = None

    @property
    def in_order(self) -> bool:
        return self.how in ("finished", "stopped")


_STOPPED = Outcome("stopped", "HOST_STOPPED", {}, "the run was stopped")


class HostGate:
    """The run host's step gate as its client sees it: commands go to the host, state comes
    back as a mirror. Never blocks."""

    def __init__(self, host: RunHost, mode: Mode, delay: float) -> None:
        self._host = host
        self._lock = threading.Lock()
        # the mode is the client's own: only it changes the mode, so it is never mirrored back
        self._mode = Mode(mode)
        self._delay = max(0.0, float(delay))
        self._stopped = False
        self._snap: dict[str, Any] = {}
        self._inflight: set[int] = set()
        self._ids = 0

    @property
    def mode(self) -> Mode:
        return self._mode

    @property
    def delay(self) -> float:
        return self._delay

    @property
    def free_running(self) -> bool:
        return self._mode is Mode.RUN and self._delay == 0.0

    @property
    def stopped(self) -> bool:
        return self._stopped

    def _command(self, msg: dict[str, Any]) -> None:
        with self._lock:
            if self._stopped:
                return
            self._ids += 1
            self._inflight.add(self._ids)
            msg = {**msg, "id": self._ids}
        self._host._post(msg)

    def set_mode(self, mode: Mode | str, delay: float | None = None) -> None:
        self._mode = Mode(mode)
        if delay is not None:
            self._delay = max(0.0, float(delay))
        self._command({"t": "mode", "mode": self._mode.value, "delay": delay})

    def set_delay(self, delay: float) -> None:
        self._delay = max(0.0, float(delay))
        self._command({"t": "delay", "delay": self._delay})

    def step(self, actor: str | None = None) -> None:
        """Ask the host to let one call through; its answer comes on the host's ``notes``."""
        self._command({"t": "step", "actor": actor})

    def stop(self) -> None:
        """No command goes to the host from now on (RunHost.stop ends the run)."""
        with self._lock:
            self._stopped = True
            self._inflight.clear()

    # --- the mirror ------------------------------------------------------------------------------
    def waiting(self) -> list[Waiting]:
        with self._lock:
            return [Waiting(a, op, t) for a, op, t in self._snap.get("waiting", [])]

    def status(self, actor: str) -> tuple[Status, str | None]:
        with self._lock:
            s = self._snap.get("status", {}).get(actor)
        return (Status(s[0]), s[1]) if s else (Status.NOT_STARTED, None)

    def settled(self) -> bool:
        with self._lock:
            return not self._inflight and bool(self._snap.get("settled"))

    def _mirror(self, snap: dict[str, Any] | None, acks: list[int]) -> None:
        with self._lock:
            if snap is not None:
                self._snap = snap
            self._inflight.difference_update(acks)


class RunHost(EventSource):
    """Runs a scenario in a run host process. Create, ``start()``, drain ``events``, then
    ``stop()`` or wait ``done``. Creating one makes no system call; ``start()`` does."""

    def __init__(self, scenario: Scenario, options: RunOptions | None = None) -> None:
        self.scenario = scenario
        self.options = options or RunOptions()
        self.events: queue.SimpleQueue[Event] = queue.SimpleQueue()
        self.notes: queue.SimpleQueue[Note] = queue.SimpleQueue()
        # what the run's programs print: (actor, "stdout" | "stderr", bytes), as it comes
        self.output: queue.SimpleQueue[tuple[str, str, bytes]] = queue.SimpleQueue()
        self.done = threading.Event()
        self.gate = HostGate(self, self.options.mode, self.options.delay)
        self.port = 0
        self.port2 = 0
        self.pid: int | None = None
        self.outcome: Outcome | None = None
        self._t0 = time.monotonic()
        self._lock = threading.Lock()
        self._started = False
        self._stopping = False
        self._ready = threading.Event()  # the host said "started", or it never will
        # where the run's sockets live, as the host found (engine/netns.py NetworkPlace.to_json)
        self.network: dict[str, Any] | None = None
        # the packet capture: whether there is one, and at the end its statistics (drops)
        self.capture: dict[str, Any] | None = None
        # every packet the capture stamped before this run time is in ``events`` (read it
        # before draining them): a live log puts the packets among the calls by it
        self.wire_covered: float | None = None
        self._spawned = threading.Event()  # the run message is written (or the spawn failed)
        self._out: queue.SimpleQueue[dict[str, Any] | None] = queue.SimpleQueue()
        self._ch: Channel | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._threads: list[threading.Thread] = []
        # what the client knows of the run, to end it honestly if the host dies
        self._last_seq = 0
        self._live: dict[str, None] = {}  # actors started and not ended, in order
        self._in_call: dict[str, Event] = {}
        self._end_seen = False
        # the host said, with its end, that no other process of the run is left (host.py "end")
        self._alone = False
        self._exit_note: dict[str, Any] | None = None  # an actor called os._exit()
        self._stop_report: bool | None = None  # the host's runner.stop() joined every actor
        self._killed = False
        self._failure: str | None = None
        self._early_stop = False  # stopped before the host reported its start

    # --- lifecycle -------------------------------------------------------------------------------
    @property
    def started(self) -> bool:
        return self._started

    @property
    def stopping(self) -> bool:
        return self._stopping

    @property
    def ended_alone(self) -> bool:
        """The host said, with its end, that it had killed and reaped every other process of
        the run (so every socket of theirs was closed), and its exit was not waited for."""
        return self._alone

    def start(self) -> None:
        """Start the host and wait until its runner has started (port chosen, actors running)."""
        with self._lock:
            if self._started:
                raise RuntimeError("a RunHost runs once; make a new one to run again")
            self._started = True
            if self._stopping:
                self.outcome = _STOPPED
                self.done.set()
                return
            mine, theirs = socket.socketpair()
            self._ch = Channel(mine)
        # The thread that starts the host is the one it dies with (PR_SET_PDEATHSIG is about the
        # parent *thread*), so the reader, which lives exactly as long as the host, starts it.
        reader = threading.Thread(
            target=self._serve, args=(theirs,), name="socketscope-runhost", daemon=True
        )
        writer = threading.Thread(target=self._write, name="socketscope-runhost-w", daemon=True)
        self._threads = [reader, writer]
        reader.start()
        writer.start()
        self._ready.wait(START_TIMEOUT)

    def stop(self, timeout: float = 1.0) -> bool:
        """End the run: ask the host to stop; if it has not exited within ``timeout``, kill it
        (SIGKILL) and reap it. True only when the host ended the run in order itself."""
        deadline = time.monotonic() + timeout
        with self._lock:
            self._stopping = True
            started = self._started
        self.gate.stop()
        if not started:
            self.outcome = _STOPPED
            self.done.set()
            return True
        if not self.done.is_set():
            if not self._ready.is_set():
                # the host has not reported its start: nothing of the run is on screen yet, and
                # the kernel frees whatever it made
                self._early_stop = True
                self._kill()
            else:
                # straight to the channel, not behind queued commands the host need not obey
                # (gate.stop() has already closed the way for new ones)
                self._post({"t": "stop", "timeout": max(0.1, timeout - 0.15)})
            if not self.done.wait(max(0.0, deadline - time.monotonic())):
                self._kill()
                self.done.wait(5.0)
        me = threading.current_thread()
        for th in self._threads:
            if th is not me:
                th.join(5.0)
        out = self.outcome
        return out is not None and (out.in_order or out.how == "failed")

    def _kill(self) -> None:
        with self._lock:
            proc = self._proc
            if proc is None:
                return
            self._killed = True
        with contextlib.suppress(OSError):
            proc.kill()  # a no-op once the host has been reaped: no stray pid is signalled
        if proc.returncode is None:
            # not reaped yet (only _serve reaps), so the group's id is still the host's: what
            # the run forked goes too, and with it any copy of the channel that would keep the
            # reader waiting
            with contextlib.suppress(OSError):
                os.killpg(proc.pid, signal.SIGKILL)

    def alive_threads(self) -> list[threading.Thread]:
        return [t for t in self._threads if t.is_alive()]

    # --- events ----------------------------------------------------------------------------------
    def time(self) -> float:
        return time.monotonic() - self._t0

    # --- the channel -----------------------------------------------------------------------------
    def _post(self, msg: dict[str, Any]) -> None:
        self._out.put(msg)

    def _write(self) -> None:
        """Commands are written here, never on the caller's thread (the GUI's makes no socket
        call), and only once the host has its run message."""
        self._spawned.wait()
        ch = self._ch
        while (msg := self._out.get()) is not None:
            if ch is not None:
                with contextlib.suppress(OSError):
                    ch.send(msg)

    def write_stdin(self, actor: str, data: bytes) -> None:
        """Type into a program's stdin (b"" closes it); the host hands it on."""
        self._post({"t": "stdin", "actor": actor, "data": data.hex()})

    def _scenario_ref(self) -> dict[str, Any]:
        # a built-in is found again by id (a frozen app's modules have no real file);
        # anything else is loaded from its file, as the client loaded it
        fn = self.scenario.actors[0].fn if self.scenario.actors else None
        if self.scenario.module.startswith("socketscope.scenarios.") or (
            fn is not None and fn.__module__.startswith("socketscope.scenarios.")
        ):
            return {"id": self.scenario.id}
        if self.scenario.programs and self.scenario.id == "programs":
            return {"programs": [line.to_json() for line in self.scenario.programs]}
        return {"path": self.scenario.source_path}

    def _serve(self, theirs: socket.socket) -> None:
        ch = self._ch
        assert ch is not None
        try:
            with self._lock:
                stopping = self._stopping
            if stopping:
                self._early_stop = True
                theirs.close()
                self._spawned.set()
                self._finish(None)
                return
            # a process group of its own: whatever the run forks stays in it unless it leaves
            # on purpose, and is killed with it (see _reap_group)
            proc = subprocess.Popen(
                host_argv(theirs.fileno()),
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        except OSError as e:
            self._failure = f"the run's process could not start: {e}"
            theirs.close()
            self._spawned.set()
            self._finish(None)
            return
        theirs.close()
        with self._lock:
            self._proc = proc
            self.pid = proc.pid
            stopping = self._stopping
        log.info("run host %d started for %s", proc.pid, self.scenario.id)
        if stopping:
            self._kill()
        opts = self.options
        with contextlib.suppress(OSError):
            ch.send(
                {
                    "t": "run",
                    "scenario": self._scenario_ref(),
                    "mode": self.gate.mode.value,
                    "delay": self.gate.delay,
                    "data_cap": opts.data_cap,
                    "burst_after": opts.burst_after,
                    "burst_window": opts.burst_window,
                    "weather": opts.weather,
                    "capture": opts.capture,
                    "covered": opts.wire_covered,
                    "parent": os.getpid(),
                }
            )
        self._spawned.set()
        try:
            while (msg := ch.recv()) is not None:
                self._handle(msg)
        except ValueError:
            pass  # not JSON: the host is broken; treat as gone
        alone = self._alone
        if alone:
            # The host has closed its end of the channel, so it is exiting, and it has said
            # that every other process of the run is dead and reaped. Its exit would last
            # until the capture has released its packet sockets (a kernel grace period each,
            # 20-60 ms, runhost/alone.py), which the run's end need not wait for: the process
            # outside its namespace is ended now (the host dies with it, already exiting).
            with contextlib.suppress(OSError):
                proc.kill()
        self._reap_group(proc)
        code = proc.wait()
        # status 0: the host itself ended in order (its end message came); only the wait
        # for the rest of its exit was cut short
        self._finish(0 if alone else code)

    @staticmethod
    def _reap_group(proc: subprocess.Popen[bytes]) -> None:
        """Once the host has exited, and before it is reaped (so that its pid, which names the
        group, cannot have been reused), SIGKILL anything left in its process group: a child an
        actor forked that outlived the host (the host kills those it can see itself)."""
        if not hasattr(os, "waitid"):
            proc.wait()
            return
        with contextlib.suppress(ChildProcessError, InterruptedError):
            os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOWAIT)
        with contextlib.suppress(OSError):
            os.killpg(proc.pid, signal.SIGKILL)

    def _handle(self, msg: dict[str, Any]) -> None:
        kind = msg.get("t")
        if kind == "batch":
            for d in msg.get("evs", []):
                ev = Event.from_json(d)
                self._track(ev)
                self.events.put(ev)
            for actor, stream, data in msg.get("out", []):
                self.output.put((str(actor), str(stream), bytes.fromhex(str(data))))
            for n in msg.get("notes", []):
                self._note(n)
            self.gate._mirror(msg.get("gate"), [int(a) for a in msg.get("acks", [])])
            wire = msg.get("wire")
            if isinstance(wire, (int, float)):
                self.wire_covered = max(float(wire), self.wire_covered or 0.0)
        elif kind == "started":
            self.port, self.port2 = int(msg["port"]), int(msg["port2"])
            self._t0 = float(msg["t0"])
            net = msg.get("network")
            self.network = dict(net) if isinstance(net, dict) else None
            cap = msg.get("capture")
            self.capture = dict(cap) if isinstance(cap, dict) else None
            self._ready.set()
        elif kind == "error":
            self._failure = str(msg.get("message", ""))
        elif kind == "end":
            self._end_seen = True
            self._alone = msg.get("alone") is True

    def _note(self, n: dict[str, Any]) -> None:
        if n.get("t") == "step":
            self.notes.put(
                Note(
                    str(n.get("code") or ""),
                    dict(n.get("params") or {}),
                    str(n.get("message") or ""),
                    n.get("released"),
                )
            )
        elif n.get("t") == "exiting":
            self._exit_note = n
        elif n.get("t") == "capture":
            self.capture = {k: v for k, v in n.items() if k != "t"}
        elif n.get("t") == "stopped":
            self._stop_report = bool(n.get("joined"))
            if not self._stop_report:
                self._kill()  # an actor would not stop: no need to wait for the deadline

    def _track(self, ev: Event) -> None:
        self._last_seq = max(self._last_seq, ev.seq)
        if ev.kind == "start":
            self._live[ev.actor] = None
        elif ev.kind == "end":
            self._live.pop(ev.actor, None)
            self._in_call.pop(ev.actor, None)
        elif ev.kind == "call":
            self._in_call[ev.actor] = ev
        elif ev.kind == "return":
            self._in_call.pop(ev.actor, None)

    # --- the end ---------------------------------------------------------------------------------
    def _finish(self, code: int | None) -> None:
        """The host has exited (``code``: its exit status, or -signal): say how the run ended."""
        self._ready.set()
        self._out.put(None)
        out = self._outcome(code)
        if not out.in_order and out.how != "failed":
            self._end_lanes(out)
        elif out.how == "failed":
            actor = self.scenario.actors[0].name if self.scenario.actors else "run"
            self._emit(
                actor,
                "error",
                error="HOST_FAILED",
                code=out.code,
                params=out.params,
                message=out.message,
            )
        self.outcome = out
        # not a warning: the window and the CLI report it to the user themselves
        log.info("run host %s for %s: %s", self.pid, self.scenario.id, out.message)
        if self._ch is not None:
            with contextlib.suppress(OSError):
                self._ch.sock.close()
        self.done.set()

    def _outcome(self, code: int | None) -> Outcome:
        if self._early_stop and not self._end_seen:
            return _STOPPED
        if self._failure is not None:
            return Outcome(
                "failed",
                "HOST_FAILED",
                {"reason": self._failure},
                self._failure,
                status=code if code and code > 0 else None,
            )
        if code == 0 and self._end_seen:
            if self._stop_report is True:
                return _STOPPED
            if self._stop_report is None:
                return Outcome("finished", "HOST_FINISHED", {}, "the run finished", status=0)
        if code is not None and code < 0:
            name = _signal_name(-code)
            if self._killed:
                return Outcome(
                    "killed",
                    "HOST_STOP_KILLED",
                    {"signal": name},
                    f"the run did not stop within 1 s: its process was killed ({name}) and the "
                    "kernel closed its sockets",
                    signal=name,
                )
            return Outcome(
                "died",
                "HOST_KILLED",
                {"signal": name},
                f"the run's process was killed by {name}; the kernel closed its sockets",
                signal=name,
            )
        note = self._exit_note
        if note is not None and note.get("status") == code:
            call, where = str(note.get("call")), str(note.get("where"))
            return Outcome(
                "died",
                "HOST_EXITED",
                {"status": code, "call": call, "where": where},
                f"the run's process called {call}({code}) at {where}; the kernel closed its "
                "sockets",
                status=code,
            )
        return Outcome(
            "died",
            "HOST_EXITED",
            {"status": code},
            f"the run's process exited with status {code} before the run ended; the kernel "
            "closed its sockets",
            status=code,
        )

    def _end_lanes(self, out: Outcome) -> None:
        """Each actor still running ends here, saying why; nothing it did before is lost."""
        actors = list(self._live) or [a.name for a in self.scenario.actors[:1]]
        for actor in actors:
            call = self._in_call.get(actor)
            self._emit(
                actor,
                "error",
                op=call.op if call else None,
                sock=call.sock if call else None,
                fd=call.fd if call else None,
                error=out.signal or "EXITED",
                code=out.code,
                params={**out.params, "op": call.op if call else None},
                message=out.message,
            )
            self._emit(actor, "end")
        self._live.clear()
        self._in_call.clear()

    def _emit(self, actor: str, kind: Any, **fields: Any) -> None:
        self._last_seq += 1
        self.events.put(Event(self._last_seq, round(self.time(), 6), actor, kind, **fields))


def _signal_name(num: int) -> str:
    try:
        return signal.Signals(num).name
    except ValueError:
        return f"signal {num}"
