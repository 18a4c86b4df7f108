"""Blocking as the kernel reports it: a watcher that looks at actor threads from outside.

A traced call makes the very system call the program names (a blocking ``accept()`` is a thread
asleep in ``accept4()``), so the thread cannot say for itself that it has started to wait. The
:class:`BlockWatcher` thread samples every call in progress in
``/proc/self/task/<tid>/{stat,syscall,wchan}``: the moment the thread is asleep (state S or D)
inside one of the system calls that the traced call makes, the call is *blocked*, and the
kernel's own words for it (the wait channel, the system call) go into the trace. While it stays
blocked, the sockets involved are snapshotted again every 100 ms, so a connect() stuck in
SYN_SENT shows that state while it waits.

Where the system has no such files (not Linux, or /proc hidden), the watcher falls back to time:
a call still in progress after :data:`TIME_ONLY_AFTER` seconds is reported blocked with
``evidence="time"``, which the views label "measured by time only on this system".
Facts: shared/LINUX-SOCKETS.md, "Blocking as the kernel reports it".
"""

from __future__ import annotations

import contextlib
import os
import platform
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

TIME_ONLY_AFTER = 0.005  # seconds: without /proc, a call this slow is shown as blocked
SNAPSHOT_EVERY = 0.1  # seconds between kernel snapshots of a call that stays blocked
# While calls keep coming (a bulk transfer), the watcher ticks instead of being woken for each
# one: a call it need not look at soon (a summarised streak call) then costs no thread switch.
IDLE_TICK = 0.005
IDLE_FOR = 1.0
HIGH_FD = 200  # probes keep their files open above the fds a scenario will see

# The system calls the engine makes for each traced call (CPython's own choices: send() is
# sendto(2), recv() is recvfrom(2); with settimeout() it polls first).
_X86_64 = {
    0: "read",
    1: "write",
    3: "close",
    7: "poll",
    23: "select",
    42: "connect",
    43: "accept",
    44: "sendto",
    45: "recvfrom",
    46: "sendmsg",
    47: "recvmsg",
    48: "shutdown",
    202: "futex",
    232: "epoll_wait",
    270: "pselect6",
    271: "ppoll",
    281: "epoll_pwait",
    288: "accept4",
}
_AARCH64 = {
    57: "close",
    63: "read",
    64: "write",
    72: "pselect6",
    73: "ppoll",
    98: "futex",
    202: "accept",
    203: "connect",
    206: "sendto",
    207: "recvfrom",
    210: "shutdown",
    211: "sendmsg",
    212: "recvmsg",
    242: "accept4",
}
SYSCALL_NAMES: dict[int, str] = {"x86_64": _X86_64, "aarch64": _AARCH64}.get(platform.machine(), {})

_POLLING = frozenset({"poll", "ppoll", "select", "pselect6"})
# Which system calls each traced call may sleep in. "poll" and friends: the wait CPython makes
# before the call itself when the socket has a timeout.
EXPECTED: dict[str, frozenset[str]] = {
    "accept": frozenset({"accept", "accept4"}) | _POLLING,
    "connect": frozenset({"connect"}) | _POLLING,
    "connect_ex": frozenset({"connect"}) | _POLLING,
    "send": frozenset({"sendto", "sendmsg"}) | _POLLING,
    "sendall": frozenset({"sendto", "sendmsg"}) | _POLLING,
    "sendto": frozenset({"sendto", "sendmsg"}) | _POLLING,
    "recv": frozenset({"recvfrom", "recvmsg"}) | _POLLING,
    "recv_into": frozenset({"recvfrom", "recvmsg"}) | _POLLING,
    "recvfrom": frozenset({"recvfrom", "recvmsg"}) | _POLLING,
    "read": frozenset({"read"}) | _POLLING,
    "write": frozenset({"write"}) | _POLLING,
    "select": _POLLING,
    "close": frozenset({"close"}),
    "shutdown": frozenset({"shutdown"}),
}


def _dup_high(fd: int) -> int:
    import fcntl

    high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, HIGH_FD)
    os.close(fd)
    return high


@dataclass(frozen=True, slots=True)
class Sample:
    state: str  # R, S, D, ...
    syscall: str | None  # name, "#nr" when unknown, None when not in a system call
    wchan: str | None


class ThreadProbe:
    """The /proc files of one thread, kept open (above the scenario's fds) and re-read."""

    def __init__(self, tid: int) -> None:
        self.tid = tid
        base = f"/proc/self/task/{tid}/"
        if tid == threading.get_native_id() and os.path.isdir("/proc/thread-self"):
            # the calling thread's own: right even where /proc numbers threads differently
            # from this process's PID namespace (a run host whose /proc could not be remounted)
            base = os.path.realpath("/proc/thread-self") + "/"
        self._fds: list[int] = []
        try:
            for name in ("stat", "syscall", "wchan"):
                self._fds.append(_dup_high(os.open(base + name, os.O_RDONLY | os.O_CLOEXEC)))
        except OSError:
            self.close()
            raise

    def sample(self, want_wchan: Callable[[str | None], bool]) -> Sample | None:
        try:
            stat = os.pread(self._fds[0], 512, 0).decode(errors="replace")
            state = stat[stat.rindex(")") + 2]
            if state not in "SD":
                return Sample(state, None, None)
            sc = os.pread(self._fds[1], 256, 0).decode(errors="replace").split()
        except (OSError, ValueError, IndexError):
            return None
        name: str | None = None
        if sc and sc[0].lstrip("-").isdigit() and int(sc[0]) >= 0:
            nr = int(sc[0])
            name = SYSCALL_NAMES.get(nr, f"#{nr}")
        wchan = None
        if want_wchan(name):
            with contextlib.suppress(OSError):
                wchan = os.pread(self._fds[2], 256, 0).decode(errors="replace").strip() or None
            if wchan == "0":
                wchan = None
        return Sample(state, name, wchan)

    def close(self) -> None:
        for fd in self._fds:
            with contextlib.suppress(OSError):
                os.close(fd)
        self._fds = []


def kernel_reports_blocking() -> bool:
    """True where the kernel says which system call a thread sleeps in (Linux with /proc)."""
    try:
        probe = ThreadProbe(threading.get_native_id())
    except OSError:
        return False
    try:
        return probe.sample(lambda _n: False) is not None and bool(SYSCALL_NAMES)
    finally:
        probe.close()


class Watched:
    """One call in progress, as the watcher sees it. The callbacks run on the watcher thread
    with the watcher's lock held, so the call cannot return while one of them runs."""

    __slots__ = ("asleep", "checks", "expected", "next_check", "probe", "t0", "target")

    def __init__(self, target: Any, op: str, probe: ThreadProbe | None, first: float) -> None:
        self.target = target  # has on_asleep(Sample | None) and on_still_blocked()
        self.probe = probe
        self.expected = EXPECTED.get(op, frozenset())
        self.t0 = time.monotonic()
        self.next_check = self.t0 + first
        self.asleep = False
        self.checks = 0


_BACKOFF = (0.0005, 0.001, 0.002, 0.005, 0.01)


class StreakSlot:
    """One actor thread inside a long free-running streak of data calls (a bulk transfer).

    Registering each such call with the watcher would cost more than the call; instead the
    actor only stores the call in progress here, and the watcher, which ticks while the streak
    lasts, takes over a call that has been in the kernel for ``first`` seconds. The slot's lock
    is held by the watcher while it does, so the call cannot return meanwhile."""

    __slots__ = ("call", "count", "first", "lock", "probe", "seen", "watched")

    def __init__(self, probe: ThreadProbe | None, first: float) -> None:
        self.probe = probe
        self.first = first
        self.lock = threading.Lock()
        self.call: Any = None  # has t0, op, on_asleep(), on_still_blocked()
        self.count = 0  # calls made: the watcher keeps ticking while it changes
        self.seen = 0
        self.watched: int | None = None  # the token once the watcher took the call over


@dataclass
class BlockWatcher:
    """Samples the threads of calls in progress; one per run (and per process actor)."""

    kernel: bool = field(default_factory=kernel_reports_blocking)
    _calls: dict[int, Watched] = field(default_factory=dict)
    # a plain Lock under the Condition: cheaper than the default RLock on every call
    _lock: threading.Condition = field(
        default_factory=lambda: threading.Condition(threading.Lock())
    )
    _stopped: bool = False
    _thread: threading.Thread | None = None
    _ids: int = 0
    _wake_at: float = 0.0  # when the watcher thread will next look (0: it is not waiting)
    _last_call: float = 0.0
    _slots: list[StreakSlot] = field(default_factory=list)
    sleeping: bool = False  # waiting with no timeout: a streak call must wake it

    def slot(self, probe: ThreadProbe | None, first: float) -> StreakSlot:
        """A slot for one actor thread's streak calls (see :class:`StreakSlot`)."""
        slot = StreakSlot(probe if self.kernel else None, first)
        with self._lock:
            self._slots.append(slot)
            self._last_call = time.monotonic()
            self._ensure_thread()
        return slot

    def drop_slot(self, slot: StreakSlot) -> None:
        with self._lock:
            if slot in self._slots:
                self._slots.remove(slot)

    def streak_call(self, slot: StreakSlot, call: Any) -> None:
        """Actor thread, before the system call: cheap, no lock unless the watcher sleeps."""
        slot.call = call
        slot.count += 1
        if self.sleeping:
            with self._lock:
                self._lock.notify()

    def streak_return(self, slot: StreakSlot) -> None:
        """Actor thread, after the system call: waits if the watcher is in a callback for it."""
        with slot.lock:
            slot.call = None
            token, slot.watched = slot.watched, None
        if token is not None:
            with self._lock:
                self._calls.pop(token, None)

    def _ensure_thread(self) -> None:
        if self._thread is None and not self._stopped:
            self._thread = threading.Thread(
                target=self._run, name="socketscope-watcher", daemon=True
            )
            self._thread.start()

    @property
    def evidence(self) -> str:
        return "kernel" if self.kernel else "time"

    def begin(self, target: Any, op: str, probe: ThreadProbe | None, *, first: float) -> int:
        """A call is about to enter the kernel. ``first``: when to look at it first."""
        w = Watched(target, op, probe if self.kernel else None, first)
        with self._lock:
            self._ids += 1
            self._last_call = w.t0
            token = self._ids
            self._calls[token] = w
            if self._thread is None:
                self._ensure_thread()
            elif w.next_check < self._wake_at:
                self._lock.notify()  # it would look too late for this call
        return token

    def end(self, token: int) -> bool:
        """The call is back from the kernel. Returns whether it was seen asleep."""
        with self._lock:
            w = self._calls.pop(token, None)
        return bool(w and w.asleep)

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            self._lock.notify()
            th = self._thread
        if th is not None and th is not threading.current_thread():
            th.join(1.0)

    def _take_over_streak_calls(self, now: float) -> None:
        """Streak calls that have been in the kernel ``first`` seconds are watched like any."""
        for slot in self._slots:
            if slot.count != slot.seen:
                slot.seen = slot.count
                self._last_call = now
            call = slot.call
            if call is None or slot.watched is not None or now - call.t0 < slot.first:
                continue
            with slot.lock:
                if slot.call is not call or slot.watched is not None:
                    continue  # it returned meanwhile
                w = Watched(call, call.op, slot.probe, 0.0)
                w.t0 = call.t0
                self._ids += 1
                self._calls[self._ids] = w
                slot.watched = self._ids

    def _run(self) -> None:
        with self._lock:
            while not self._stopped:
                self._take_over_streak_calls(time.monotonic())
                if not self._calls:
                    now = time.monotonic()
                    if now - self._last_call < IDLE_FOR:
                        self._wake_at = now + IDLE_TICK
                        self._lock.wait(IDLE_TICK)
                    else:
                        self.sleeping = True
                        # a streak call stored before `sleeping` was set is seen here
                        if not any(sl.count != sl.seen for sl in self._slots):
                            self._wake_at = float("inf")
                            self._lock.wait()
                        self.sleeping = False
                    self._wake_at = 0.0
                    continue
                now = time.monotonic()
                wake = now + 1.0
                for w in list(self._calls.values()):
                    if now >= w.next_check:
                        self._check_guarded(w, now)
                    wake = min(wake, w.next_check)
                if self._slots:
                    wake = min(wake, now + IDLE_TICK)
                self._wake_at = wake
                self._lock.wait(max(0.0, wake - time.monotonic()))
                self._wake_at = 0.0

    def _check_guarded(self, w: Watched, now: float) -> None:
        """A streak call taken over is checked under its slot's lock, like begin/end calls are
        under the watcher's: it cannot return while a callback writes its events."""
        slot = next((sl for sl in self._slots if sl.call is w.target), None)
        if slot is None:
            self._check(w, now)
            return
        with slot.lock:
            if slot.call is w.target:
                self._check(w, now)

    def _check(self, w: Watched, now: float) -> None:
        if w.asleep:
            w.next_check = now + SNAPSHOT_EVERY
            _guard(w.target.on_still_blocked)
            return
        if w.probe is None:
            if now - w.t0 >= TIME_ONLY_AFTER:
                w.asleep = _guard(w.target.on_asleep, None) is not False
            w.next_check = now + (SNAPSHOT_EVERY if w.asleep else TIME_ONLY_AFTER)
            return
        s = w.probe.sample(lambda name: name in w.expected)
        if s is not None and s.state in "SD" and s.syscall in w.expected:
            # on_asleep may decline (a quiet call in a burst that has not waited long enough)
            w.asleep = _guard(w.target.on_asleep, s) is not False
        w.checks += 1
        if w.asleep:
            w.next_check = now + SNAPSHOT_EVERY
        else:
            w.next_check = now + _BACKOFF[min(w.checks, len(_BACKOFF) - 1)]


def _guard(fn: Callable[..., Any], *args: Any) -> Any:
    """A failure in a callback must not end the watcher: every other call relies on it."""
    try:
        return fn(*args)
    except Exception:  # noqa: BLE001
        import traceback

        traceback.print_exc()
        return None
