"""What a traced call needs from whoever runs it, and the per-thread actor context.

Three kinds of runner make traced calls happen: the thread :class:`~.runner.Runner` (lessons), the
child side of a process actor (:class:`~.child.ChildRunner`) and the runner inside a traced
Python program (:mod:`.programs.python`). :class:`CallHost` is what :mod:`.traced` asks of each,
so the traced sockets import no runner and no runner imports another's internals.
"""

from __future__ import annotations

import contextlib
import errno
import queue
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from .blocking import BlockWatcher, StreakSlot, ThreadProbe
from .events import Event, KernelSnapshot
from .gate import ActorStopped, Mode, Status
from .pairing import ConnEnd, DatagramMatch, Unreceived

if TYPE_CHECKING:
    from .events import Event
    from .gate import StepGate
    from .pairing import Pairing, _PendingDatagram
    from .scenario import ActorSpec
    from .traced import TracedSocket

_ENGINE_PKG = __name__.rpartition(".")[0] + "."  # "socketscope.engine."
_local = threading.local()
# A program's files (set by the program runner): lines are taken from the first frame in one
user_files: Callable[[str], bool] | None = None

DATA_OPS = frozenset(
    {"send", "sendall", "recv", "recv_into", "sendto", "recvfrom", "read", "write"}
)


# A program's own threads (threading.Thread in a student's server) are adopted on their first
# traced call: the program runner sets this to make each one an actor of its own.
adopt_thread: Callable[[], ActorContext | None] | None = None


def current_actor() -> ActorContext:
    ctx: ActorContext | None = getattr(_local, "actor", None)
    if ctx is None and adopt_thread is not None:
        ctx = _local.actor = adopt_thread()
    if ctx is None:
        raise RuntimeError(
            "socketscope sockets can only be used inside a scenario actor run by the engine"
        )
    return ctx


def caller_line(frame: Any = None) -> int | None:
    """Line of the scenario code that made the call (the first frame outside the engine).
    ``frame``: start from another thread's frame (``sys._current_frames()``)."""
    f = frame if frame is not None else sys._getframe(2)
    if user_files is not None:
        # a program: its own line, past the standard library's (socketserver, create_connection)
        g = f
        while g is not None and not user_files(g.f_code.co_filename):
            g = g.f_back
        # none of the program's own frames (a thread socketserver started, in its own code):
        # no line, rather than a line of a file the code panel does not show
        return g.f_lineno if g is not None else None
    # by module name, not file path: in a frozen app (PyInstaller) code objects carry relative paths
    while f is not None and str(f.f_globals.get("__name__", "")).startswith(_ENGINE_PKG):
        f = f.f_back
    return f.f_lineno if f is not None else None


def errno_name(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError) and exc.errno is None:
        return "timeout"
    if isinstance(exc, ActorStopped):
        return "STOPPED"
    if isinstance(exc, SystemExit):
        return "EXITED"
    code = getattr(exc, "errno", None)
    if isinstance(code, int):
        return errno.errorcode.get(code, str(code))
    from .loopback import NotLoopbackError, SocketKindError

    if isinstance(exc, (NotLoopbackError, SocketKindError)):
        return "NOT_LOOPBACK"
    return type(exc).__name__


@dataclass
class _Burst:
    op: str
    sock: TracedSocket
    line: int | None
    t_first: float
    count: int = 0
    nbytes: int = 0
    start: int | None = None
    end: int | None = None
    blocked_count: int = 0
    duration: float = 0.0
    preview: bytes = b""


@dataclass
class ActorContext:
    runner: CallHost
    name: str
    spec: ActorSpec | None = None
    streak: tuple[int, str] | None = None
    streak_len: int = 0
    burst: _Burst | None = None
    sockets: list[TracedSocket] = field(default_factory=list)
    probe: ThreadProbe | None = None
    streak_slot: StreakSlot | None = None  # where the watcher finds this thread's streak calls
    _probe_tried: bool = False

    def thread_probe(self) -> ThreadProbe | None:
        """This actor thread's /proc files, opened on its first call (None: not available)."""
        if not self._probe_tried:
            self._probe_tried = True
            with contextlib.suppress(OSError):
                self.probe = ThreadProbe(threading.get_native_id())
        return self.probe

    def close_probe(self) -> None:
        if self.streak_slot is not None:
            self.runner.watcher.drop_slot(self.streak_slot)
            self.streak_slot = None
        if self.probe is not None:
            self.probe.close()
            self.probe = None


@dataclass(frozen=True)
class RunOptions:
    mode: Mode = Mode.RUN
    delay: float = 0.0
    data_cap: int = 4096  # bytes of payload kept per event; the rest is counted, not copied
    burst_after: int = 8  # free-running: identical data calls beyond this are summarised
    burst_window: float = 0.05  # seconds one burst event may cover at most
    # two-host runs: the link's loss/delay/reorder/duplicate chosen in the window, replacing the
    # lesson's own (engine/wire/network.py Link fields); None keeps the lesson's
    weather: dict[str, Any] | None = None
    capture: bool = True  # a run host in a private network records the run's real packets
    # the client is told how far the capture has delivered the packets (a live log puts them
    # among the calls by it); a window, which places them by their time, need not be
    wire_covered: bool = False


class GateLike(Protocol):
    """The step gate as a traced call sees it (the real StepGate, or a child's RemoteGate)."""

    @property
    def free_running(self) -> bool: ...

    def pass_through(self, actor: str, op: str) -> None: ...

    def set_status(self, actor: str, status: Status, op: str | None = None) -> None: ...


class PairingLike(Protocol):
    """Connection and datagram pairing (the run's Pairing, or a child's questions to it)."""

    def connection(self, sock_id: int, local: Any, peer: Any, side: str) -> ConnEnd: ...

    def peer_sock(self, conn: int, side: str) -> int | None: ...

    def datagram_sending(
        self, sender_sock: int, src: Any, dst: Any, payload: bytes
    ) -> _PendingDatagram: ...

    def datagram_sent(self, d: _PendingDatagram, src: Any) -> None: ...

    def datagram_failed(self, dst: Any, d: _PendingDatagram) -> None: ...

    def datagram_received(self, local: Any, src: Any, payload: bytes) -> DatagramMatch: ...

    def datagrams_never_received(self, local: Any) -> Unreceived: ...


class CallHost(Protocol):
    """What a traced socket and a traced call need from whoever runs them."""

    options: RunOptions
    watcher: BlockWatcher

    @property
    def gate(self) -> GateLike: ...

    @property
    def pairing(self) -> PairingLike: ...

    @property
    def stopping(self) -> bool: ...

    @property
    def fd_lock(self) -> threading.RLock: ...

    def emit(self, actor: str, kind: Any, **fields: Any) -> Any: ...

    def register(self, sock: TracedSocket) -> int: ...

    def sock(self, sid: int | None) -> TracedSocket | None: ...

    def add_listener(self, addr: Any, sock: TracedSocket) -> None: ...

    def listener_at(self, addr: Any) -> TracedSocket | None: ...

    def milestone(
        self, actor: str, op: str | None, returned: bool = False, first: bool = True
    ) -> None: ...

    def has_reached(self, actor: str, op: str | None, times: int = 1) -> bool: ...

    def wait_reached(self, actor: str, op: str | None, times: int = 1) -> None: ...

    def snapshot_events(
        self,
        actor: str,
        op: str,
        socks: list[TracedSocket],
        changed_since: dict[int, KernelSnapshot] | None = None,
        proc: bool = True,
    ) -> None: ...

    def spawn(
        self, parent: str, name: str, fn: Callable[..., Any], args: tuple[Any, ...]
    ) -> None: ...

    def send_signal(self, actor: str, signum: int) -> None: ...

    def flush_burst(self, ctx: ActorContext) -> None: ...

    def time(self) -> float: ...

    def pause(self, seconds: float) -> bool: ...


class Milestones:
    """Who has blocked in or returned from what, and waiting for it: one implementation for
    every runner (a process actor's wait is asked of its parent, which waits here). A stop
    ends every wait at once with :class:`ActorStopped`."""

    def __init__(self) -> None:
        self._reached: dict[tuple[str, str | None], int] = {}
        self._cond = threading.Condition()
        self._stopped = False

    def record(self, actor: str, keys: list[str | None]) -> None:
        with self._cond:
            for key in keys:
                self._reached[(actor, key)] = self._reached.get((actor, key), 0) + 1
            self._cond.notify_all()

    def has_reached(self, actor: str, op: str | None, times: int = 1) -> bool:
        with self._cond:
            return self._reached.get((actor, op), 0) >= times or (actor, None) in self._reached

    def wait(self, actor: str, op: str | None, times: int = 1) -> None:
        with self._cond:
            while self._reached.get((actor, op), 0) < times and (actor, None) not in self._reached:
                if self._stopped:
                    raise ActorStopped
                self._cond.wait(0.5)
        if self._stopped:
            raise ActorStopped

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()


class RunnerSide(Protocol):
    """What a program actor may use of the Runner that runs it (parent side)."""

    options: RunOptions

    @property
    def gate(self) -> StepGate: ...

    @property
    def pairing(self) -> Pairing: ...

    @property
    def stopping(self) -> bool: ...

    def emit(
        self, actor: str, kind: Any, at: float | None = None, **fields: Any
    ) -> Event | None: ...

    @property
    def t0(self) -> float:
        """The run's time zero on CLOCK_MONOTONIC (see Runner.t0)."""

    def milestone(
        self, actor: str, op: str | None, returned: bool = False, first: bool = True
    ) -> None:
        """``actor`` blocked in (returned False) or returned from ``op``: starts the programs
        waiting for that (``--after``), wakes waits on it."""

    def wait_reached(self, actor: str, op: str | None, times: int = 1) -> None: ...

    def output(self, actor: str, stream: str, data: bytes) -> None:
        """The program wrote ``data`` to "stdout" or "stderr" (the window's console)."""

    def time(self) -> float: ...


class EventSource:
    """What the in-process Runner and the run host's client share: an ``events`` queue that
    fills as the run goes, and a ``done`` flag set once it has ended."""

    events: queue.SimpleQueue[Any]
    done: threading.Event
    _started: bool

    def start(self) -> None:
        raise NotImplementedError

    def stop(self, timeout: float = 1.0) -> bool:
        raise NotImplementedError

    def release_due(self, everything: bool = False) -> None:
        """Events held back until they can be put in order go to the queue (none here)."""

    def _name(self) -> str:
        scenario = getattr(self, "scenario", None)
        return str(getattr(scenario, "id", "the run"))

    def drain(self) -> list[Event]:
        self.release_due()
        out = []
        with contextlib.suppress(queue.Empty):
            while True:
                out.append(self.events.get_nowait())
        return out

    def run_to_end(self, timeout: float = 30.0) -> list[Event]:
        """Start (if needed), wait until the run is over, return all events in order."""
        if not self._started:
            self.start()
        events: list[Event] = []
        deadline = time.monotonic() + timeout
        while not self.done.wait(0.02):
            events.extend(self.drain())
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"scenario {self._name()} did not end within {timeout} s")
        events.extend(self.drain())
        return events
