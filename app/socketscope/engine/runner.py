"""Runner: one thread per actor, every traced call turned into events on one queue.

The runner owns everything a run creates (threads, sockets, the wake-up pair) so that stop() can
end it all at any moment, including while calls are blocked: set the stop flag and open every
gate, wake every wait, shutdown(SHUT_RDWR) every socket, join the threads, and only then close.
"""

from __future__ import annotations

import contextlib
import heapq
import inspect
import itertools
import queue
import socket
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import kernel, netns
from .actor import (
    DATA_OPS,
    ActorContext,
    EventSource,
    Milestones,
    RunOptions,
    _Burst,
    _local,
    caller_line,
    current_actor,
    errno_name,
)
from .blocking import BlockWatcher
from .events import Event, EventKind, KernelSnapshot
from .gate import ActorStopped, Status, StepGate
from .pairing import Pairing
from .snapshots import snapshot_events

if TYPE_CHECKING:
    from .programs import ProgramActor
    from .scenario import ActorSpec, Scenario
    from .traced import TracedSocket
    from .wire.network import TwoHosts

# re-exported: scenarios, tests and tools have always found these here
__all__ = [
    "DATA_OPS",
    "ActorContext",
    "RunOptions",
    "Runner",
    "_Burst",
    "actor_context",
    "caller_line",
    "current_actor",
    "errno_name",
]


@dataclass(frozen=True, slots=True)
class RawEvent:
    """An event in the runner's queue as JSON text (see :meth:`Runner.emit_raw`)."""

    text: str


# seconds an event stamped in a program's process may take to reach the run host's queue (the
# relay measured 1-4 ms, more under load): an allowance, not a bound
RELAY_LAG = 0.05


class Runner(EventSource):
    """Runs a scenario. Create, ``start()``, drain ``events``, then ``stop()`` or wait ``done``."""

    def __init__(self, scenario: Scenario, options: RunOptions | None = None) -> None:
        self.scenario = scenario
        self.options = options or RunOptions()
        self.events: queue.SimpleQueue[Event] = queue.SimpleQueue()
        self.gate = StepGate(self.options.mode, self.options.delay)
        self.pairing = Pairing()
        self.done = threading.Event()
        self.port = 0  # chosen by start(): creating a Runner makes no socket call
        self.port2 = 0  # a second one, for lessons that need two servers
        self._t0 = time.monotonic()
        self._seq = 0
        self._stamped_elsewhere = False  # events stamped by another process have come
        self._emit_lock = threading.Lock()
        # events stamped elsewhere, held until the relay's lag has passed: (t, n, actor, kind,
        # fields), a heap by time (see emit)
        self._held: list[tuple[float, int, str, EventKind, dict[str, Any]]] = []
        self._held_n = itertools.count()
        self._sock_ids = itertools.count(1)
        self._socks: dict[int, TracedSocket] = {}
        self._fd_lock = threading.RLock()  # held while an fd is probed or closed: no fd reuse race
        self._listeners: dict[tuple[str, int], TracedSocket] = {}
        self._threads: dict[str, threading.Thread] = {}
        self._pending: list[ActorSpec] = []
        self._spawned_args: dict[str, tuple[Any, ...]] = {}
        self._spawned_by: dict[str, str] = {}  # a spawned actor -> the actor that started it
        self._processes: dict[str, ProgramActor] = {}  # process actors and programs, by name
        self._process_count = 0  # programs and process actors started, for their socket ids
        self._reached = Milestones()
        # a program's stdout/stderr as it comes (actor, "stdout"|"stderr", bytes): the run
        # host forwards it to the window's console; None keeps it in ``console`` (tests)
        self.on_output: Callable[[str, str, bytes], None] | None = None
        self.console: list[tuple[str, str, bytes]] = []
        self._early_stdin: dict[str, list[bytes]] = {}
        self._live_actors = 0
        self._actors_lock = threading.Lock()
        self._stopping = False
        self._stop_event = threading.Event()
        self.watcher = BlockWatcher()
        self._started = False
        # a two-host run: the namespaces of host A and host B (the run host builds them before
        # the first thread); each actor's thread moves into its host as it starts
        self.network: TwoHosts | None = None

    # --- lifecycle ----------------------------------------------------------------------------
    def start(self) -> None:
        if self._started:
            raise RuntimeError("a Runner runs once; make a new one to run again")
        self._started = True
        with self._actors_lock:
            if self._stopping:
                self.done.set()
                return
            self.port = _free_port()
            self.port2 = _free_port()
        self._t0 = time.monotonic()
        first: list[ActorSpec] = []
        later: list[ActorSpec] = []
        for spec in self.scenario.actors:
            (later if spec.starts_when else first).append(spec)
        self._pending = later
        for spec in self.scenario.actors:
            self.gate.set_status(spec.name, Status.NOT_STARTED)
        if not first:
            raise RuntimeError(f"scenario {self.scenario.id} has no actor that starts at once")
        for spec in first:
            self._start_actor(spec)

    def _start_actor(self, spec: ActorSpec) -> None:
        with self._actors_lock:
            if self._stopping:
                return
            self._live_actors += 1
            external = spec.process or spec.program is not None
            target = self._process_main if external else self._actor_main
            th = threading.Thread(
                target=target, args=(spec,), name=f"socketscope-{spec.name}", daemon=True
            )
            self._threads[spec.name] = th
        # Running from now on, not from when the thread is first scheduled: a step must not
        # look settled while an actor is about to start.
        self.gate.set_status(spec.name, Status.RUNNING)
        th.start()

    def _enter_host(self, spec: ActorSpec) -> None:
        """Move this actor's thread into its host's network. A spawned actor (no host of its
        own) stays where the thread that started it was, as a program's thread would."""
        host = self.scenario.host_of(spec.name) if spec.host is None else spec.host
        if self.network is not None and host is not None:
            self.network.enter(host)

    def _actor_main(self, spec: ActorSpec) -> None:
        ctx = ActorContext(self, spec.name, spec)
        _local.actor = ctx
        self._enter_host(spec)
        self.gate.set_status(spec.name, Status.RUNNING)
        parent = self._spawned_by.pop(spec.name, None)
        if parent is None:
            self.emit(spec.name, "start", message=spec.fn.__name__)
        else:
            # a thread the lesson started, as a program's: its lane sits under its creator's
            self.emit(
                spec.name,
                "start",
                message=f"{spec.name} (thread of {parent})",
                code="thread_started",
                params={"thread": spec.name, "program": parent, "parent": parent},
            )
        kwargs = self._actor_kwargs(spec)
        args = self._spawned_args.pop(spec.name, ())
        try:
            spec.fn(*args, **kwargs)
        except ActorStopped:
            pass
        except BaseException as exc:  # noqa: BLE001 -- an actor's failure must not kill the run
            self.flush_burst(ctx)
            tb = traceback.format_exc()
            line = _scenario_line(exc, spec)
            self.emit(
                spec.name,
                "error",
                line=line,
                error=errno_name(exc),
                message=f"{type(exc).__name__}: {exc}",
                traceback=tb,
            )
        finally:
            self.flush_burst(ctx)
            self.gate.set_status(spec.name, Status.FINISHED)
            self.emit(spec.name, "end")
            _local.actor = None
            ctx.close_probe()
            self._actor_finished(spec.name)

    def spawn(self, parent: str, name: str, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        """Start a new actor now, as a program starts a thread: its own lifeline from here on."""
        from .scenario import ActorSpec

        with self._actors_lock:
            taken = name in self._threads
        if taken:
            raise ValueError(f"there is already an actor called {name!r}")
        self._spawned_args[name] = args
        self._spawned_by[name] = parent
        self._start_actor(ActorSpec(name, fn))

    def _process_main(self, spec: ActorSpec) -> None:
        """A process actor or a program: this thread starts it and relays what it does."""
        from .programs import start_program_actor

        self._enter_host(spec)  # the child process is born in this thread's network
        with self._actors_lock:  # each child gets its own range of socket ids
            # counted here, not from the programs registered so far: two started together
            # (--after start) both saw none yet and shared ids, and the pairing mixed them up
            index = self._process_count
            self._process_count += 1
        try:
            actor = start_program_actor(self, spec, index, self._actor_kwargs(spec))
        except Exception as exc:  # noqa: BLE001 -- a program that cannot start must not kill the run
            self.emit(
                spec.name,
                "error",
                error=type(exc).__name__,
                message=str(exc),
                code="program_cannot_start",
                params={"program": spec.name, "detail": str(exc)},
            )
            self.gate.set_status(spec.name, Status.FINISHED)
            self.emit(spec.name, "end")
            self._actor_finished(spec.name)
            return
        with self._actors_lock:
            self._processes[spec.name] = actor
            early = self._early_stdin.pop(spec.name, [])
        for data in early:
            actor.write_stdin(data)
        # the programs due a number of seconds after this one (--after 2) are timed from now:
        # it was asked of this program's own --after, and a later one never started
        self._start_timers(spec)
        try:
            actor.run()
        except Exception as exc:  # noqa: BLE001 -- a failed child must not kill the run
            self.emit(
                spec.name,
                "error",
                error=type(exc).__name__,
                message=str(exc),
                traceback=traceback.format_exc(),
            )
        finally:
            if not actor.ended:
                self.emit(spec.name, "end")
            self.gate.set_status(spec.name, Status.FINISHED)
            self._actor_finished(spec.name)

    def _start_timers(self, spec: ActorSpec) -> None:
        """Programs that start a number of seconds after this one started (``--after 2``)."""
        for s in list(self._pending):
            if s.starts_when == (spec.name, "start") and s.start_after is not None:
                t = threading.Timer(s.start_after, self._trigger, (spec.name, "start"))
                t.daemon = True
                t.start()

    def write_stdin(self, actor: str, data: bytes) -> None:
        """Type into a program's stdin (b"" closes it: end of input, as Ctrl-D)."""
        with self._actors_lock:
            proc = self._processes.get(actor)
            if proc is None:
                if not any(a.name == actor and a.program for a in self.scenario.actors):
                    raise ValueError(f"{actor!r} is not a program: only programs read a console")
                # typed before the program started: it reads it once it runs, as from a pipe
                self._early_stdin.setdefault(actor, []).append(data)
                return
        proc.write_stdin(data)

    def output(self, actor: str, stream: str, data: bytes) -> None:
        """A program wrote to its stdout or stderr (live I/O, not an event of the trace)."""
        hook = self.on_output
        if hook is not None:
            hook(actor, stream, data)
        else:
            self.console.append((actor, stream, data))

    def send_signal(self, actor: str, signum: int) -> None:
        """Deliver a real signal to a process actor (kill(pid, sig))."""
        proc = self._processes.get(actor)
        if proc is None:
            raise ValueError(f"{actor!r} is not a process actor: signals go to processes")
        proc.send_signal(signum)

    def _actor_kwargs(self, spec: ActorSpec) -> dict[str, Any]:
        host = "127.0.0.1"
        if self.network is not None:
            host = self.network.spec.hosts.get(self.scenario.host_of(spec.name) or "A", host)
        available = {"port": self.port, "port2": self.port2, "host": host}
        if spec.name in self._spawned_args:
            return {}  # a spawned actor gets exactly the arguments it was spawned with
        params = inspect.signature(spec.fn).parameters
        return {k: v for k, v in available.items() if k in params}

    def _actor_finished(self, name: str) -> None:
        self.milestone(name, None)
        with self._actors_lock:
            self._live_actors -= 1
            last = self._live_actors == 0 and not self._pending
        if last:
            self._finish()

    def milestone(
        self, actor: str, op: str | None, returned: bool = False, first: bool = True
    ) -> None:
        """``actor`` blocked in or returned from ``op`` (None: ended). Start the actors that
        wait for that, and wake any wait_until() on it. Milestone keys are the op ("connect":
        blocked in it or returned from it; counted once per call: ``first`` is False for the
        return of a call that already counted when it blocked) and op + "/returned"."""
        if op is None:
            keys: list[str | None] = [None]
        elif returned:
            keys = [op, f"{op}/returned"] if first else [f"{op}/returned"]
        else:
            keys = [op]
        if op is not None and (not returned or op == "listen"):
            # a program is "ready" for the next one once it blocks or listens (--after ready)
            keys.append("ready")
        self._reached.record(actor, keys)
        if self._pending:
            for key in keys:
                self._trigger(actor, key)

    def has_reached(self, actor: str, op: str | None, times: int = 1) -> bool:
        return self._reached.has_reached(actor, op, times)

    def wait_reached(self, actor: str, op: str | None, times: int = 1) -> None:
        """Block until ``actor`` has reached ``op`` ``times`` times (or ended); a stop ends the
        wait at once."""
        self._reached.wait(actor, op, times)

    def _trigger(self, actor: str, op: str | None) -> None:
        """Start the actors waiting for ``actor`` to reach ``op`` (or to end, when op is None)."""
        if op == "start":  # a timer's: the actors it was set for, and only those
            with self._actors_lock:
                ready = [s for s in self._pending if s.starts_when == (actor, "start")]
                for s in ready:
                    self._pending.remove(s)
            for s in ready:
                self._start_actor(s)
            return
        with self._actors_lock:
            ready = [
                s
                for s in self._pending
                if s.starts_when
                and s.starts_when[0] == actor
                and (op is None or s.starts_when[1] == op)
            ]
            for s in ready:
                self._pending.remove(s)
        for s in ready:
            self._start_actor(s)

    def _finish(self) -> None:
        """Every actor has ended: close what they left open, as the kernel does at process exit."""
        with self._fd_lock:
            leftovers = [s for s in self._socks.values() if not s.closed]
        for s in leftovers:
            s.close_for_exit()
        if not self._stopping:  # a stopped run ends here: Stop closed them, not the program
            table = kernel.tcp_table() if any(s.is_tcp for s in leftovers) else None
            for s in leftovers:
                s.close_at_exit(table)
        self.watcher.stop()
        self._done()

    def _done(self) -> None:
        # what is held goes out first, and nothing is held once done is set (emit looks under
        # the same lock): else an event emitted in between would wait forever
        with self._emit_lock:
            self._release(float("inf"))
            self.done.set()

    def stop(self, timeout: float = 1.0) -> bool:
        """End the run now. Returns True when every actor thread has ended within ``timeout``."""
        deadline = time.monotonic() + timeout
        with self._actors_lock:
            self._stopping = True
            self._pending.clear()
            threads = list(self._threads.values())
        self.gate.stop()
        self._stop_event.set()
        self._reached.stop()
        for proc in list(self._processes.values()):
            proc.wake()
        with self._fd_lock:
            live = [s for s in self._socks.values() if not s.closed]
        for s in live:
            s.shutdown_for_stop()
        me = threading.current_thread()
        for th in threads:
            # a thread registered but not started yet (start() is racing this stop) has no
            # ident: joining it would raise; it sees the stop flag as soon as it runs
            if th is not me and th.ident is not None:
                th.join(max(0.0, deadline - time.monotonic()))
        all_joined = all(not th.is_alive() for th in threads if th is not me)
        with self._fd_lock:
            live = [s for s in self._socks.values() if not s.closed]
        for s in live:
            s.close_quietly()
        self.watcher.stop()
        self._done()
        return all_joined

    @property
    def started(self) -> bool:
        return self._started

    @property
    def stopping(self) -> bool:
        return self._stopping

    def alive_threads(self) -> list[threading.Thread]:
        with self._actors_lock:
            return [t for t in self._threads.values() if t.is_alive()]

    # --- events -------------------------------------------------------------------------------
    def emit(
        self, actor: str, kind: EventKind, at: float | None = None, **fields: Any
    ) -> Event | None:
        """Number and queue one event. ``at``: the run time it happened, taken by the process
        where it happened (a program's, a forked child's) on the run's one clock (see ``t0``);
        None: now, here."""
        params = fields.get("params")
        if kind == "start" and isinstance(params, dict) and isinstance(params.get("pid"), int):
            # a process's pid in the run's own PID namespace is not the one ps shows: say both
            outer = netns.system_pid(params["pid"])
            if outer is not None and outer != params["pid"]:
                fields["params"] = {**params, "system_pid": outer}
        with self._emit_lock:
            now = time.monotonic() - self._t0
            t = round(now, 6) if at is None else at
            if at is not None:
                self._stamped_elsewhere = True
            if self._stamped_elsewhere and self.gate.free_running and not self.done.is_set():
                # Events of several processes reach this queue by as many relays, each some
                # milliseconds late: numbered as they come, a client's recv() could be numbered
                # (and drawn) before the server's send() that fed it. Held for the relay's lag
                # and numbered in the order they happened, they read as they did. (Paced runs
                # go one step at a time, each shown as it comes: never held.)
                heapq.heappush(self._held, (t, next(self._held_n), actor, kind, fields))
                self._release(now - RELAY_LAG)
                return None
            self._release(float("inf"))
            self._seq += 1
            ev = Event(self._seq, t, actor, kind, **fields)
            self.events.put(ev)
        return ev

    def _release(self, upto: float) -> None:
        """Number and queue the held events that happened by ``upto``, in time order (under
        the emit lock)."""
        held = self._held
        while held and held[0][0] <= upto:
            t, _n, actor, kind, fields = heapq.heappop(held)
            self._seq += 1
            self.events.put(Event(self._seq, t, actor, kind, **fields))

    def release_due(self, everything: bool = False) -> None:
        """Queue the held events whose relay lag has passed (all of them: ``everything``)."""
        if self._held:
            with self._emit_lock:
                self._release(
                    float("inf") if everything else time.monotonic() - self._t0 - RELAY_LAG
                )

    def emit_raw(self, rest: str) -> None:
        """An event already written as JSON elsewhere (a captured packet, by the capture
        process), given without its opening ``{"seq":N,``: numbered here, in order with every
        other event, and passed on as text, never made an Event in the run host."""
        with self._emit_lock:
            self._seq += 1
            self.events.put(RawEvent(f'{{"seq":{self._seq},{rest}'))  # type: ignore[arg-type]

    # --- sockets ------------------------------------------------------------------------------
    def register(self, sock: TracedSocket) -> int:
        sid = next(self._sock_ids)
        with self._fd_lock:
            self._socks[sid] = sock
        return sid

    def sock(self, sid: int | None) -> TracedSocket | None:
        return self._socks.get(sid) if sid is not None else None

    @property
    def fd_lock(self) -> threading.RLock:
        return self._fd_lock

    def add_listener(self, addr: tuple[str, int], sock: TracedSocket) -> None:
        with self._fd_lock:
            self._listeners[addr] = sock

    def listener_at(self, addr: tuple[str, int]) -> TracedSocket | None:
        with self._fd_lock:
            return self._listeners.get(addr)

    def pause(self, seconds: float) -> bool:
        """Sleep ``seconds`` unless the run stops first; True if it stopped."""
        return self._stop_event.wait(seconds) or self._stopping

    # --- helpers for traced calls ---------------------------------------------------------------
    def snapshot_events(
        self,
        actor: str,
        op: str,
        socks: list[TracedSocket],
        changed_since: dict[int, KernelSnapshot] | None = None,
        proc: bool = True,
    ) -> None:
        """What the kernel says about each socket now. With ``changed_since`` (the snapshots
        already written during one blocked call), only what changed is written; without
        ``proc``, only what the fds say (a closed socket is then left out). Nothing once Stop
        has begun: the lesson is over, and no actor's last call should wait on a look."""
        if self._stopping:
            return
        snapshot_events(self.emit, self._fd_lock, actor, op, socks, changed_since, proc)

    def flush_burst(self, ctx: ActorContext) -> None:
        b = ctx.burst
        if b is None:
            return
        ctx.burst = None
        s = b.sock
        extra: dict[str, Any] = {}
        if b.start is not None and b.end is not None:
            extra["range"] = (b.start, b.end)
        self.emit(
            ctx.name,
            "burst",
            op=b.op,
            sock=s.id,
            fd=s.fd,
            line=b.line,
            count=b.count,
            nbytes=b.nbytes,
            blocked_count=b.blocked_count,
            duration=round(b.duration, 6),
            data=b.preview.hex(),
            truncated=True if b.nbytes > len(b.preview) else None,
            conn=s.conn.conn if s.conn else None,
            dir=s.stream_dir(b.op),
            **extra,
        )
        self.snapshot_events(ctx.name, b.op, s.involved())

    def time(self) -> float:
        return time.monotonic() - self._t0

    def settled(self) -> float:
        """A run time before which every event of the run has reached the queue, as far as
        can be told: now, less the relay's lag once events stamped by other processes (a
        program's, stamped where they happened) have come — they reach the queue milliseconds
        after their time (the capture pairs packets only with events before this)."""
        now = time.monotonic() - self._t0
        if not self._stamped_elsewhere:
            return now
        self.release_due()
        with self._emit_lock:
            # nothing held back happened before it: a packet is paired only with what is queued
            return min(now - RELAY_LAG, self._held[0][0] - 1e-6) if self._held else now - RELAY_LAG

    @property
    def t0(self) -> float:
        """The run's time zero on CLOCK_MONOTONIC, one clock for every process of the machine:
        the processes of a run (programs, their forked children, the capture) stamp their
        events with their own ``time.monotonic() - t0``, not with the time they reach here."""
        return self._t0


def _free_port() -> int:
    """A port free now: each run gets a fresh one, so no run trips on an old TIME_WAIT."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _scenario_line(exc: BaseException, spec: ActorSpec) -> int | None:
    target = spec.fn.__code__.co_filename
    line = None
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        if frame.f_code.co_filename == target:
            line = lineno
    return line


@contextlib.contextmanager
def actor_context(runner: Runner, name: str) -> Iterator[ActorContext]:
    """Run code on the calling thread as if it were an actor (tests, benchmarks)."""
    ctx = ActorContext(runner, name)
    prev = getattr(_local, "actor", None)
    _local.actor = ctx
    try:
        yield ctx
    finally:
        runner.flush_burst(ctx)
        _local.actor = prev
