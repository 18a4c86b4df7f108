"""An unmodified C program on the diagram: ptrace + seccomp, in ctypes.

The child becomes traceable (``PTRACE_TRACEME``), stops, installs a seccomp filter that hands the
socket system calls (and read/write/close, fork/clone, select/poll/epoll) to the tracer, then
``execv``s the program. Every other system call runs at full speed. At each seccomp stop the
tracer decodes the call (``PTRACE_GET_SYSCALL_INFO``, ``/proc/PID/mem``), emits ``waiting``, lets
the run's step gate decide, emits ``call``, and resumes the tracee to the syscall-exit stop,
sampling ``/proc/PID/task/TID/{stat,syscall,wchan}`` meanwhile: asleep in that call is
``blocked``, with the kernel's wait channel. At the exit stop the result, the bytes and the
kernel's view of the socket (a duplicate of the tracee's fd, from ``pidfd_getfd``, asked with
engine/kernel.py) become ``return`` and ``kernel`` events, exactly like a lesson's.

ptrace requests must come from the thread that is the tracer: the thread that forks the child
runs the whole loop, and waits for its tracees' stops itself (no hand-off between threads per
stop). A sampler thread looks at calls in progress from outside (/proc) to see them block;
step-gate waits run on their own threads, so one tracee held at the gate never holds up another
(a forked child, a thread).

Facts measured in shared/PROGRAMS.md.
"""

from __future__ import annotations

import contextlib
import errno as _errno
import itertools
import os
import queue
import signal as _signal
import socket as _socket
import struct
import threading
import time
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from socketscope.engine import kernel
from socketscope.engine.events import KernelSnapshot, plain_args
from socketscope.engine.gate import ActorStopped, Status
from socketscope.engine.loopback import is_loopback_host
from socketscope.engine.pairing import lost_fields

from . import no_ptrace
from . import ptrace_abi as pt
from .no_ptrace import PtraceForbidden

__all__ = ["CProgramActor", "CTracer", "PtraceForbidden", "c_source", "run_traced"]

if TYPE_CHECKING:
    from socketscope.engine.actor import RunnerSide as Runner

    from .dwarf_lines import LineMap

SIGSTOP = _signal.SIGSTOP
SIGTRAP = _signal.SIGTRAP
FIRST_LOOK = 0.0003  # s: sooner, the tracee is still on its way into the kernel
BACKOFF = (0.0005, 0.001, 0.002, 0.005, 0.01)
# The sampler thread ticks every TICK while calls come (one wake-up per call would cost a
# thread switch each: what the tracer saves by waiting for its stops itself), and sleeps
# IDLE_TICK at a time once none has come for IDLE_FOR (the next call wakes it).
TICK = 0.002
IDLE_TICK = 0.05
IDLE_FOR = 1.0
# While a tracee waits at the step gate, the stop loop waits on the gate's releases (seen at
# once) and polls for stops: first after POLL_FIRST, backing off to POLL_MAX (another tracee's
# stop is seen within 20 ms; a program held at the gate costs 50 wake-ups a second).
POLL_FIRST = 0.0005
POLL_MAX = 0.02
SNAPSHOT_EVERY = 0.1  # s between kernel snapshots of a call that stays blocked
# said by the window in the user's language (ui/lesson_panel.py); kept in English in the trace
NO_LINES_HINT = "compile with -g to see your lines"

# which calls consume what a snapshot before the call shows (the accept queue, bytes queued)
_CONSUMERS = frozenset({"accept", "read", "recv", "recvfrom", "recvmsg", "readv"})
_IN = frozenset({"read", "readv", "recv", "recvfrom", "recvmsg"})
_DGRAM_MAX = 65536  # the largest UDP datagram
# the system call behind an op name (send() is the sendto system call without an address)
_SYSCALL_OF = {"send": "sendto"}
_OUT = frozenset({"write", "writev", "send", "sendto", "sendmsg"})
# the data calls a free-running burst summarises (on a connected TCP socket, as a lesson's)
_BURSTABLE = frozenset({"read", "write", "recv", "send"})
_FD_CALLS = frozenset(
    {
        "read", "write", "readv", "writev", "close", "connect", "accept", "accept4", "sendto",
        "recvfrom", "sendmsg", "recvmsg", "shutdown", "bind", "listen", "setsockopt",
        "getsockopt", "fcntl",
    }
)  # fmt: skip
# fcntl(): only F_SETFL is shown, for its O_NONBLOCK (whether the socket's calls wait); socket()
# and accept4() can set it at once with SOCK_NONBLOCK (the same bit)
F_SETFL = 4
O_NONBLOCK = 0o4000
_SOL = {1: "SOL_SOCKET", 6: "IPPROTO_TCP", 0: "IPPROTO_IP", 41: "IPPROTO_IPV6"}
_SO = {
    1: {
        2: "SO_REUSEADDR", 15: "SO_REUSEPORT", 7: "SO_SNDBUF", 8: "SO_RCVBUF", 9: "SO_KEEPALIVE",
        13: "SO_LINGER", 20: "SO_RCVTIMEO", 21: "SO_SNDTIMEO", 4: "SO_ERROR", 3: "SO_TYPE",
        6: "SO_BROADCAST",
    },
    6: {1: "TCP_NODELAY", 4: "TCP_KEEPIDLE", 5: "TCP_KEEPINTVL", 6: "TCP_KEEPCNT"},
}  # fmt: skip
_SHUT = {0: "SHUT_RD", 1: "SHUT_WR", 2: "SHUT_RDWR"}
_TYPES = {1: "SOCK_STREAM", 2: "SOCK_DGRAM"}
_FAMILIES = {2: "AF_INET", 10: "AF_INET6"}
CLONE_THREAD = 0x10000
_RESTART = frozenset({512, 513, 514})  # ERESTARTSYS .. ERESTART_RESTARTBLOCK (kernel only)
CLONE_VFORK = 0x4000

# Every C program's sockets in a run, so that one program's call can show the kernel's view of
# its peer's socket (a client's connect() returning shows the server's accept queue: 1).
_RUN_SOCKETS: weakref.WeakKeyDictionary[Any, dict[int, tuple[CTracer, int, int]]] = (
    weakref.WeakKeyDictionary()
)
_LISTENERS: weakref.WeakKeyDictionary[Any, dict[tuple[str, int], int]] = weakref.WeakKeyDictionary()


@dataclass
class SockRec:
    """One socket a traced process holds, under the fd number the program sees."""

    id: int
    fd: int
    family: int
    type: int
    local: tuple[str, int] | None = None
    peer: tuple[str, int] | None = None
    conn: int | None = None
    side: str | None = None
    sent: int = 0
    received: int = 0
    listening: bool = False
    last_snap: KernelSnapshot | None = None  # the last kernel snapshot written for it

    @property
    def tcp(self) -> bool:
        return self.type == _socket.SOCK_STREAM


@dataclass
class Proc:
    """One traced process (a thread group): its fd table and its memory."""

    pid: int
    actor: str
    socks: dict[int, SockRec] = field(default_factory=dict)
    ignored: set[int] = field(default_factory=set)  # fds of sockets not on the diagram (AF_UNIX)
    mem: int | None = None
    pidfd: int | None = None
    exe_base: tuple[int, int, int] | None = None
    lines: LineMap | None = None
    started: bool = False

    def close(self) -> None:
        for fd in (self.mem, self.pidfd):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self.mem = self.pidfd = None


@dataclass
class Call:
    """A traced call between its seccomp stop and its exit stop."""

    op: str
    nr: int
    args: list[int]
    shown: dict[str, Any]
    rec: SockRec | None
    fd: int | None
    line: int | None
    params: dict[str, Any]
    t0: float = 0.0
    blocked: bool = False
    checks: int = 0
    next_check: float = 0.0
    snaps: dict[int, KernelSnapshot] = field(default_factory=dict)
    restore: tuple[int, bytes] | None = None  # a sockaddr rewritten for the call, put back after
    payload: bytes | None = None
    quiet: bool = False  # counted into its tracee's burst, not written (see CBurst)
    slept: bool = False  # the kernel was seen to put it to sleep (a quiet call's blocked_count)
    # UDP: the datagram this send makes, registered with the pairing before the call runs
    # (loopback delivers it inside the call) and where it goes
    dgram: Any = None
    dst: tuple[str, int] | None = None


@dataclass
class CBurst:
    """Free-running, a long run of identical data calls of one tracee on one TCP socket (a
    bulk transfer): counted, and written as one ``burst`` event per burst window, as a
    lesson's are (docs/trace-format.md, "Bursts"). Every call is still stopped and counted."""

    op: str
    rec: SockRec
    line: int | None
    params: dict[str, Any]
    t_first: float
    count: int = 0
    nbytes: int = 0
    start: int | None = None
    end: int | None = None
    blocked_count: int = 0
    duration: float = 0.0
    preview: bytes = b""


@dataclass
class Tracee:
    tid: int
    proc: Proc
    actor: str
    call: Call | None = None
    at_gate: bool = False
    fresh: bool = True  # its first SIGSTOP (from being attached) is still to come
    # a call a signal interrupted that the kernel will make again (ERESTARTSYS): one call on
    # the diagram, not two, unless the program gets EINTR instead
    restarting: Call | None = None
    streak: tuple[int, str] | None = None  # (socket id, op) of its last data calls in a row
    streak_len: int = 0
    burst: CBurst | None = None


class CTracer:
    """Runs one executable under ptrace and turns its socket calls into the run's events."""

    def __init__(
        self,
        runner: Runner,
        name: str,
        argv: list[str],
        *,
        sock_base: int,
        cwd: str | None = None,
        env: dict[str, str] | None = None,
        stdin: int | None = None,
        stdout: int | None = None,
        stderr: int | None = None,
        loopback_only: bool = True,
        lang: str = "en",
        snapshots: bool = True,
    ) -> None:
        self.runner = runner
        self.name = name
        self.argv = list(argv)
        self.cwd = cwd
        self.env = env
        self.stdio = (stdin, stdout, stderr)
        self.loopback_only = loopback_only
        self.lang = lang
        self.snapshots = snapshots  # False only to measure what they cost (bench/ctrace.py)
        self.sock_base = sock_base
        self._ids = itertools.count(sock_base + 1)
        self._q: queue.SimpleQueue[tuple[Any, ...]] = queue.SimpleQueue()
        self.tracees: dict[int, Tracee] = {}
        self.procs: dict[int, Proc] = {}
        self.pid: int | None = None
        self.exit_code: int | None = None
        self._children = 0
        self._threads = 0
        # the sampler thread (calls in progress): its lock, its wake-up, whether it sleeps long
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._idle = False
        self._flights = 0  # calls sent into the kernel so far
        self._sampler_killed = False
        self._line_maps: dict[str, LineMap] = {}
        self._places: dict[tuple[int, int], tuple[int | None, dict[str, Any]]] = {}
        self.ended = threading.Event()
        # the program's process from its fork on, before it is a tracee (a Stop during its
        # start-up must reach it too); a pidfd, so that a reused pid is never signalled
        self._pidfd: int | None = None
        self._pidfd_lock = threading.Lock()
        _RUN_SOCKETS.setdefault(runner, {})
        _LISTENERS.setdefault(runner, {})

    # --- control from other threads ------------------------------------------------------------
    def send_signal(self, signum: int) -> None:
        if self.pid is None or self.ended.is_set():
            raise ProcessLookupError(_errno.ESRCH, f"{self.name} is not running")
        os.kill(self.pid, signum)

    def kill(self) -> None:
        """End every traced process now (Stop). Safe from any thread."""
        for t in list(self.tracees):
            with contextlib.suppress(OSError):
                os.kill(t, _signal.SIGKILL)
        with self._pidfd_lock:
            if self._pidfd is not None and not self.tracees:
                # still starting (fork to exec: tens of ms on a busy machine): not a tracee
                # yet, and the tracer thread waits for its exec
                with contextlib.suppress(OSError):
                    _signal.pidfd_send_signal(self._pidfd, _signal.SIGKILL)
        self._q.put(("poke",))

    def _stopping(self) -> bool:
        """The run is stopping (asked afresh each time: another thread sets it)."""
        return self.runner.stopping

    # --- the tracer thread ---------------------------------------------------------------------
    def run(self) -> int | None:
        """Fork, exec and trace until every traced process has ended. Returns the exit status
        of the first process (negative: killed by that signal). Raises PtraceForbidden where
        the system refuses to let us trace."""
        if self.runner.stopping:
            self.ended.set()
            return None  # a run stopped before this program's turn: it is not started
        why = pt.supported()
        if why is not None:
            raise PtraceForbidden(_errno.ENOSYS, why, "unsupported", detail=why)
        prog, keep = pt.build_filter(sorted(pt.SYSCALLS))
        exe = self._resolve(self.argv[0])
        from .dwarf_lines import prepare

        # its line table, read while the program starts (see dwarf_lines)
        prepare(os.path.join(self.cwd, exe) if self.cwd else exe)
        env = self.env if self.env is not None else dict(os.environ)
        pid = os.fork()
        if pid == 0:  # the child: nothing here may take a lock another thread held
            try:
                os.setpgid(0, 0)
                for i, fd in enumerate(self.stdio):
                    if fd is not None:
                        os.dup2(fd, i)
                if self.cwd:
                    os.chdir(self.cwd)
                pt.traceme_and_filter_child(prog)
                os.execve(exe, self.argv, env)
            except BaseException:  # noqa: BLE001 -- the child must never return into Python
                pass
            os._exit(127)
        del keep
        self.pid = pid
        with contextlib.suppress(OSError):
            os.setpgid(pid, pid)  # also here: whichever runs first, the group exists
        with self._pidfd_lock, contextlib.suppress(OSError, AttributeError):
            self._pidfd = os.pidfd_open(pid)
        try:
            if self._stopping():
                self.kill()  # the Stop came while it was being forked
            status = self._start_traced(pid)
        except (PtraceForbidden, OSError):
            if not self._stopping():
                raise
            # Stop killed it before its exec: it never ran a line of its own, and no
            # fallback tracer is wanted for a run that is over
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, pt.WALL)
            self.ended.set()
            return None
        finally:
            with self._pidfd_lock:
                if self._pidfd is not None:
                    os.close(self._pidfd)
                    self._pidfd = None
        proc = Proc(pid, self.name)
        self._open_proc(proc)
        self.procs[pid] = proc
        self.tracees[pid] = Tracee(pid, proc, self.name, fresh=False)
        self.runner.gate.set_status(self.name, Status.RUNNING)
        prog_name = os.path.basename(self.argv[0])
        self.runner.emit(
            self.name,
            "start",
            message=f"{prog_name} (process {pid})",
            code="process_started",
            params={"function": prog_name, "pid": pid},
        )
        sampler = threading.Thread(
            target=self._sampler, name=f"socketscope-sampler-{pid}", daemon=True
        )
        sampler.start()
        try:
            self._on_wait(pid, status)  # its exec (or why it had none: exit status 127)
            self._loop()
        finally:
            for p in self.procs.values():
                p.close()
            self.ended.set()
            self._wake.set()
            sampler.join(1.0)
        return self.exit_code

    def _start_traced(self, pid: int) -> int:
        """From the child's first stop to its exec: every way this system can refuse to let
        us trace it is found here, before the program has run a line (the caller then falls
        back to strace, or refuses). Returns the wait status of the exec stop."""

        def refuse(exc: PtraceForbidden) -> PtraceForbidden:
            with contextlib.suppress(OSError):
                os.kill(pid, _signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, pt.WALL)
            return exc

        _pid, status = os.waitpid(pid, pt.WALL)
        if not os.WIFSTOPPED(status):
            code = os.waitstatus_to_exitcode(status)
            if code == pt.EXIT_TRACEME_EPERM:
                raise no_ptrace.refused(_errno.EPERM, "PTRACE_TRACEME")
            if code == pt.EXIT_TRACEME_FAILED:
                raise PtraceForbidden(
                    _errno.EPERM, "ptrace is refused here (PTRACE_TRACEME failed)",
                    "ptrace_refused", error="PTRACE_TRACEME",
                )  # fmt: skip
            raise PtraceForbidden(
                _errno.EPERM, f"the program could not start (status {code})", "no_start",
                status=code,
            )  # fmt: skip
        try:
            pt.ptrace(pt.PTRACE_SETOPTIONS, pid, 0, pt.OPTIONS)
        except OSError as e:
            raise refuse(no_ptrace.refused(e.errno or _errno.EPERM, "PTRACE_SETOPTIONS")) from None
        try:
            pt.syscall_info(pid)  # Linux 5.3 and later; and a filter may refuse this request
        except OSError as e:
            if e.errno == _errno.EPERM:
                raise refuse(no_ptrace.refused(e.errno, "PTRACE_GET_SYSCALL_INFO")) from None
            raise refuse(
                PtraceForbidden(
                    e.errno or _errno.EIO,
                    "this kernel cannot tell a tracer the system calls' arguments "
                    "(PTRACE_GET_SYSCALL_INFO, Linux 5.3 and later)",
                    "no_syscall_info",
                )
            ) from None
        pt.ptrace(pt.PTRACE_CONT, pid, 0, 0)
        # the child now installs the seccomp filter and execs: its next stop is the exec
        _pid, status = os.waitpid(pid, pt.WALL)
        if os.WIFEXITED(status) and os.WEXITSTATUS(status) == pt.EXIT_NO_NEW_PRIVS:
            raise PtraceForbidden(
                _errno.EPERM, "this system refused no_new_privs, needed for the seccomp filter",
                "no_new_privs",
            )  # fmt: skip
        if os.WIFEXITED(status) and os.WEXITSTATUS(status) == pt.EXIT_SECCOMP:
            raise PtraceForbidden(
                _errno.EPERM,
                "this system refused the seccomp filter: seccomp is not available here",
                "seccomp_refused",
            )
        return status

    @staticmethod
    def _resolve(path: str) -> str:
        if "/" in path:
            return path
        for d in os.environ.get("PATH", "/usr/bin:/bin").split(os.pathsep):
            cand = os.path.join(d, path)
            if os.access(cand, os.X_OK):
                return cand
        return path

    def _loop(self) -> None:
        """The stop loop. The tracer thread waits for its tracees' stops itself
        (``__WNOTHREAD``: only the tracees of this thread, never another program's of the same
        run, never a child someone else waits for), so a stop costs no hand-off between threads.
        It blocks in waitpid() while nothing else can need it; while a tracee waits at the
        step gate (whose release comes from another thread) it polls instead. Calls in
        progress are looked at by the sampler thread (:meth:`_sampler`), from outside."""
        q = self._q
        killed = False
        poll = POLL_FIRST
        flags = pt.WALL | pt.WNOTHREAD
        while True:
            if self.runner.stopping and not killed:
                killed = True
                self.kill()
            while True:  # what other threads asked for: a gate's release, a poke
                try:
                    self._message(q.get_nowait())
                except queue.Empty:
                    break
            paced = any(t.at_gate for t in self.tracees.values())
            try:
                pid, status = os.waitpid(-1, flags | (os.WNOHANG if paced else 0))
            except ChildProcessError:
                return  # no tracee is left
            except InterruptedError:
                continue
            if pid == 0:  # paced, and no stop yet: wait for a release, a while
                try:
                    self._message(q.get(timeout=poll))
                    poll = POLL_FIRST
                except queue.Empty:
                    poll = min(poll * 2, POLL_MAX)
                continue
            poll = POLL_FIRST
            try:
                self._on_wait(pid, status)
            except Exception:  # noqa: BLE001 -- a tracer bug must not leave the program stopped
                self._failed(("wait", pid, status))

    def _message(self, msg: tuple[Any, ...]) -> None:
        if msg[0] != "go":
            return  # a poke: the loop looks at the stop flag again
        try:
            with contextlib.suppress(ProcessLookupError):
                self._released(msg[1], msg[2])
        except Exception:  # noqa: BLE001 -- a tracer bug must not leave the program stopped
            self._failed(msg)

    def _sampler(self) -> None:
        """Looks at the calls in progress from outside (/proc), so that the tracer thread can
        sleep in waitpid(): a call the kernel has put to sleep is shown blocked, with its wait
        channel, and its sockets are looked at again every 100 ms while it stays so. It ticks
        while calls come and goes idle (woken by the next call) when none has for a second."""
        last_seen, last_busy = -1, time.monotonic()
        while not self.ended.is_set():
            now = time.monotonic()
            if self._flights != last_seen:
                last_seen, last_busy = self._flights, now
            busy = now - last_busy < IDLE_FOR
            if busy:
                timeout = TICK
            else:  # quiet: only a call that stays blocked is looked at, when it is due
                soonest = self._next_look()
                timeout = IDLE_TICK if soonest is None else soonest - now
                timeout = min(IDLE_TICK, max(TICK, timeout))
            self._idle = not busy
            self._wake.wait(timeout)
            self._wake.clear()
            self._idle = False
            if self.runner.stopping and not self._sampler_killed:
                self._sampler_killed = True
                self.kill()
            try:
                self._look_at_calls()
            except Exception:  # noqa: BLE001 -- a look that fails must not end the looking
                import traceback

                traceback.print_exc()

    def _next_look(self) -> float | None:
        """When the sampler should next look at a call in progress (None: no call is)."""
        soonest = None
        for t in list(self.tracees.values()):
            c = t.call
            if c is not None and c.t0 and not t.at_gate:
                soonest = c.next_check if soonest is None else min(soonest, c.next_check)
        return soonest

    def _fly(self, t: Tracee, call: Call) -> None:
        """``call`` is on its way into the kernel: the sampler looks at it from now on."""
        call.t0 = time.monotonic()
        call.next_check = call.t0 + FIRST_LOOK
        self._flights += 1
        if self._idle:
            self._wake.set()

    def _land(self, t: Tracee) -> Call | None:
        """The call of ``t`` is over (it returned, or the tracee is gone): taken from the
        sampler under its lock, so that a ``blocked`` it writes always comes before the return."""
        with self._lock:
            c, t.call = t.call, None
        return c

    def _failed(self, msg: tuple[Any, ...]) -> None:
        """Say what went wrong, and let the tracee go on untraced for that call."""
        import traceback

        text = traceback.format_exc()
        tid = msg[1] if len(msg) > 1 else None
        t = self.tracees.get(tid) if isinstance(tid, int) else None
        self.runner.emit(
            t.actor if t else self.name,
            "error",
            error="TRACER",
            message=f"the tracer could not follow this call: {text.strip().splitlines()[-1]}",
            code="tracer_failed",
            params={"detail": text.strip().splitlines()[-1]},
            traceback=text,
        )
        if t is not None:
            self._land(t)
            t.at_gate = False
            with contextlib.suppress(OSError):
                pt.ptrace(pt.PTRACE_CONT, t.tid, 0, 0)

    # --- wait statuses ---------------------------------------------------------------------------
    def _on_wait(self, tid: int, status: int) -> None:
        if os.WIFEXITED(status) or os.WIFSIGNALED(status):
            self._gone(tid, status)
            return
        if not os.WIFSTOPPED(status):
            return
        sig = os.WSTOPSIG(status)
        event = status >> 16
        t = self.tracees.get(tid)
        if t is None:
            t = self._newborn(tid)
            if t is None:
                return
        try:
            if event == pt.PTRACE_EVENT_SECCOMP:
                self._entry(t)
            elif sig == (SIGTRAP | 0x80):
                self._exit(t)
            elif event in (pt.PTRACE_EVENT_FORK, pt.PTRACE_EVENT_VFORK, pt.PTRACE_EVENT_CLONE):
                self._born(t, pt.event_msg(tid), event)
                self._resume(t)
            elif event == pt.PTRACE_EVENT_EXEC:
                # a new program image: its own line table and load base
                # a new program image: a new address space (the old /proc/PID/mem reads
                # nothing), its own line table and load base
                t.proc.exe_base = None
                t.proc.lines = None
                if t.proc.mem is not None:
                    with contextlib.suppress(OSError):
                        os.close(t.proc.mem)
                    t.proc.mem = None
                with contextlib.suppress(OSError):
                    t.proc.mem = os.open(f"/proc/{t.proc.pid}/mem", os.O_RDWR | os.O_CLOEXEC)
                self._resume(t)
            elif event != 0 or sig == SIGTRAP:
                self._resume(t)
            elif sig == SIGSTOP and t.fresh:
                t.fresh = False
                self._resume(t)  # an auto-attached child's or thread's first stop
            else:
                # a signal for the program: say so, and deliver it
                self._signal(t, sig)
                self._resume(t, sig)
        except ProcessLookupError:
            pass  # killed meanwhile (Stop): its exit status follows

    def _resume(self, t: Tracee, sig: int = 0) -> None:
        req = pt.PTRACE_SYSCALL if t.call is not None else pt.PTRACE_CONT
        try:
            pt.ptrace(req, t.tid, 0, sig)
        except OSError as e:
            if e.errno != _errno.ESRCH:
                raise

    def _newborn(self, tid: int) -> Tracee | None:
        """A tracee whose first stop came before its parent's fork/clone event."""
        try:
            status = Path(f"/proc/{tid}/status").read_text()
        except OSError:
            return None
        fields = dict(row.split(":", 1) for row in status.splitlines() if ":" in row)
        tgid, ppid = int(fields["Tgid"]), int(fields["PPid"])
        if tgid != tid and tgid in self.procs:
            self._born(self.tracees.get(tgid) or next(iter(self.tracees.values())), tid, 3)
        else:
            parent = self.tracees.get(ppid)
            if parent is None:
                return None
            self._born(parent, tid, pt.PTRACE_EVENT_FORK)
        return self.tracees.get(tid)

    def _born(self, parent: Tracee, child: int, event: int) -> None:
        if child in self.tracees:
            return
        try:
            tgid = int(
                next(
                    row.split()[1]
                    for row in Path(f"/proc/{child}/status").read_text().splitlines()
                    if row.startswith("Tgid:")
                )
            )
        except (OSError, StopIteration, ValueError):
            tgid = child
        runner = self.runner
        if tgid != child:  # a thread: same fds, same memory
            self._threads += 1
            actor = f"{parent.proc.actor}/thread {self._threads}"
            self.tracees[child] = Tracee(child, parent.proc, actor)
            runner.gate.set_status(actor, Status.RUNNING)
            runner.emit(
                actor,
                "start",
                message=f"thread {child} of process {parent.proc.pid}",
                code="program_thread",
                params={"tid": child, "pid": parent.proc.pid, "parent": parent.proc.actor},
            )
            return
        self._children += 1
        actor = f"{self.name}/child {self._children}"
        proc = Proc(child, actor, started=True)
        self._open_proc(proc)
        proc.exe_base, proc.lines = parent.proc.exe_base, parent.proc.lines
        self.procs[child] = proc
        self.tracees[child] = Tracee(child, proc, actor)
        runner.gate.set_status(actor, Status.RUNNING)
        runner.emit(
            actor,
            "start",
            message=f"fork(): process {child}, a child of {parent.proc.actor} "
            f"(process {parent.proc.pid})",
            code="program_forked",
            params={"pid": child, "ppid": parent.proc.pid, "parent": parent.proc.actor},
        )
        # the child holds every socket the parent held at fork(): the same sockets
        for fd, rec in sorted(parent.proc.socks.items()):
            mine = SockRec(
                next(self._ids), fd, rec.family, rec.type, rec.local, rec.peer, rec.conn,
                rec.side, rec.sent, rec.received, rec.listening,
            )  # fmt: skip
            proc.socks[fd] = mine
            _RUN_SOCKETS[runner][mine.id] = (self, child, fd)
            mine.last_snap = self._snapshot(proc, mine) or KernelSnapshot()
            runner.emit(
                actor,
                "kernel",
                op="fork",
                sock=mine.id,
                fd=fd,
                local=rec.local,
                peer=rec.peer,
                kernel=mine.last_snap,
                message=f"fd {fd} inherited from {parent.proc.actor}: the same socket",
                code="fd_inherited",
                params={
                    "from_sock": rec.id,
                    "from_actor": parent.proc.actor,
                    "type": "TCP" if rec.tcp else "UDP",
                    "conn": rec.conn,
                    "listening": rec.listening,
                },
            )

    def _open_proc(self, proc: Proc) -> None:
        with contextlib.suppress(OSError):
            proc.mem = os.open(f"/proc/{proc.pid}/mem", os.O_RDWR | os.O_CLOEXEC)
        with contextlib.suppress(OSError):
            proc.pidfd = pt.pidfd_open(proc.pid)
        proc.started = True

    def _gone(self, tid: int, status: int) -> None:
        t = self.tracees.pop(tid, None)
        if t is None:
            return
        runner = self.runner
        code = os.waitstatus_to_exitcode(status)
        call = self._land(t) or t.restarting
        if call is not None and call.quiet and not runner.stopping:
            self._unquiet(t, call)
        self._flush(t)
        if call is not None and not runner.stopping:
            name = _signal.Signals(-code).name if code < 0 else f"exit({code})"
            runner.emit(
                t.actor,
                "return",
                op=call.op,
                sock=call.rec.id if call.rec else None,
                fd=call.fd,
                ok=False,
                error=name,
                blocked=call.blocked,
                duration=round(time.monotonic() - call.t0, 6),
                message=f"the process ended ({name}) during this call; it never returned",
                code="killed_in_call",
                params={"signal": name},
            )
        last_of_proc = t.proc.pid == tid or not any(o.proc is t.proc for o in self.tracees.values())
        if last_of_proc and t.proc.pid == tid:
            if tid == self.pid:
                self.exit_code = code
            if not runner.stopping:
                self._closed_at_exit(t, code)
            t.proc.close()
        if not runner.stopping and code < 0 and t.proc.pid == tid:
            name = _signal.Signals(-code).name
            runner.emit(
                t.actor,
                "error",
                error=name,
                message=f"the process was killed by {name}",
                code="killed",
                params={"signal": name},
            )
        elif t.proc.pid == tid and not runner.stopping:
            runner.emit(
                t.actor,
                "kernel",
                op="exit",
                message=f"exit status {code}",
                code="program_exit",
                params={"status": code, "pid": tid},
            )
        runner.gate.set_status(t.actor, Status.FINISHED)
        runner.emit(t.actor, "end")
        runner.milestone(t.actor, None)

    def _closed_at_exit(self, t: Tracee, code: int) -> None:
        socks = list(t.proc.socks.values())
        table = kernel.tcp_table() if any(r.tcp for r in socks) else None
        for rec in socks:
            state = None
            if rec.tcp and rec.local is not None:
                state = kernel.lingering_state(
                    rec.local, None if rec.listening else rec.peer, table
                )
            self.runner.emit(
                t.actor,
                "kernel",
                op="exit",
                sock=rec.id,
                fd=rec.fd,
                message="the process ended: the kernel closed this socket",
                code="program_exit_closed",
                params={"status": code},
                kernel=KernelSnapshot(state=state),
            )
            _RUN_SOCKETS[self.runner].pop(rec.id, None)
        t.proc.socks.clear()

    def _signal(self, t: Tracee, sig: int) -> None:
        try:
            name = _signal.Signals(sig).name
        except ValueError:
            name = str(sig)
        self.runner.emit(
            t.actor,
            "signal",
            op="signal",
            message=f"{name} received",
            code="program_signal",
            params={"signal": name},
        )

    # --- memory -------------------------------------------------------------------------------
    def _read(self, proc: Proc, addr: int, n: int) -> bytes:
        if proc.mem is None or not addr or n <= 0:
            return b""
        return pt.pread(proc.mem, n, addr)  # keeps the GIL: see ptrace_abi._quick

    def _write(self, proc: Proc, addr: int, data: bytes) -> bool:
        if proc.mem is None:
            return False
        try:
            return os.pwrite(proc.mem, data, addr) == len(data)
        except OSError:
            return False

    def _iov(self, proc: Proc, iov: int, count: int, limit: int) -> bytes:
        out = b""
        for i in range(min(count, 64)):
            raw = self._read(proc, iov + 16 * i, 16)
            if len(raw) < 16:
                break
            base, ln = struct.unpack("QQ", raw)
            out += self._read(proc, base, min(ln, limit - len(out)))
            if len(out) >= limit:
                break
        return out

    def _sockaddr(self, proc: Proc, addr: int, length: int) -> tuple[int, tuple[str, int] | None]:
        raw = self._read(proc, addr, min(max(length, 0), 128))
        return _parse_sockaddr(raw)

    # --- sockets the program holds ----------------------------------------------------------
    def _dup(self, proc: Proc, fd: int) -> _socket.socket | None:
        if proc.pidfd is None:
            return None
        try:
            mine = pt.pidfd_getfd(proc.pidfd, fd)
        except OSError:
            return None
        try:
            return _socket.socket(fileno=mine)
        except OSError:
            os.close(mine)
            return None

    def _lookup(self, t: Tracee, fd: int) -> SockRec | None:
        """The socket behind ``fd``, or None for a file, a pipe or a socket not shown."""
        proc = t.proc
        rec = proc.socks.get(fd)
        if rec is not None:
            return rec
        if fd in proc.ignored:
            return None
        try:
            target = os.readlink(f"/proc/{proc.pid}/fd/{fd}")
        except OSError:
            return None
        if not target.startswith("socket:"):
            return None
        # a socket the program got without socket() (inherited, socketpair): shown from now on
        s = self._dup(proc, fd)
        if s is None:
            return None
        with s:
            if s.family not in (_socket.AF_INET, _socket.AF_INET6):
                proc.ignored.add(fd)
                return None
            rec = SockRec(next(self._ids), fd, s.family, s.type)
            rec.local, rec.peer = _names(s)
        proc.socks[fd] = rec
        _RUN_SOCKETS[self.runner][rec.id] = (self, proc.pid, fd)
        return rec

    def _snapshot(self, proc: Proc, rec: SockRec) -> KernelSnapshot | None:
        """What the kernel says of the socket (None: the fd is gone, e.g. closing right now).
        Asked of a duplicate of the program's fd with the GIL kept throughout (no socket
        object, no call that lets the event reader's thread in: see ptrace_abi._quick)."""
        if proc.pidfd is None:
            return None
        try:
            fd = pt.pidfd_getfd(proc.pidfd, rec.fd)
        except OSError:
            return None
        try:
            info = kernel.TCP_INFO
            snap = kernel.snapshot_from(
                rec.tcp,
                lambda level, opt: pt.sockopt_int(fd, level, opt),
                lambda: pt.sockopt_bytes(fd, _socket.IPPROTO_TCP, info, 32) if info else b"",
                lambda request: pt.ioctl_int(fd, request),
            )
        finally:
            pt.close(fd)
        if not rec.tcp and rec.local is not None:
            rq = kernel.udp_rx_queue(rec.local)
            if rq is not None:
                from dataclasses import replace

                snap = replace(snap, recv_q=rq)
        return snap

    def _snap_events(
        self,
        t: Tracee,
        op: str,
        recs: list[SockRec | None],
        call: Call | None = None,
        peers: bool = True,
    ) -> None:
        """What the kernel says now about the sockets of a call, and of their peers in the run."""
        if self.runner.stopping or not self.snapshots:
            return
        seen: set[int] = set()
        todo: list[tuple[CTracer, Proc, SockRec]] = []
        for rec in recs:
            if rec is None or rec.id in seen:
                continue
            seen.add(rec.id)
            todo.append((self, t.proc, rec))
            peer = self._peer_of(rec) if peers else None
            if peer is not None and peer[2].id not in seen:
                seen.add(peer[2].id)
                todo.append(peer)
        # Free-running, a snapshot equal to the last one written for that socket is not
        # written again: the views keep the latest per socket, so it would tell nothing, and
        # at thousands of calls a second it was a third of the events. Paced runs write each
        # (a study question may look for the snapshot after a call).
        free = self.runner.gate.free_running
        for tracer, proc, rec in todo:
            if proc.socks.get(rec.fd) is not rec:
                continue
            snap = tracer._snapshot(proc, rec)
            if snap is None:
                continue
            if call is not None:
                if call.snaps.get(rec.id) == snap:
                    continue
                call.snaps[rec.id] = snap
            if free and rec.last_snap == snap:
                continue
            self._emit_snap(t.actor, op, rec, snap)

    def _emit_snap(self, actor: str, op: str, rec: SockRec, snap: KernelSnapshot) -> None:
        rec.last_snap = snap
        self.runner.emit(
            actor, "kernel", op=op, sock=rec.id, fd=rec.fd, kernel=snap, local=rec.local
        )

    def _peer_of(self, rec: SockRec) -> tuple[CTracer, Proc, SockRec] | None:
        runner = self.runner
        sid = None
        if rec.conn is not None and rec.side is not None:
            sid = runner.pairing.peer_sock(rec.conn, rec.side)
        return _find(runner, sid)

    # --- the entry stop: decode, wait at the gate -------------------------------------------------
    def _entry(self, t: Tracee) -> None:
        info = pt.syscall_info(t.tid)
        nr, a = pt.entry_args(info)
        again = t.restarting
        if again is not None:
            t.restarting = None
            if again.nr == nr and again.args[:3] == a[:3]:
                t.call = again  # the same call, made again by the kernel after the signal
                self._flights += 1
                if self._idle:
                    self._wake.set()
                self._resume(t)
                return
            if again.quiet:
                self._unquiet(t, again)
            self._interrupted(t, again)
        name = pt.SYSCALLS.get(nr)
        call = self._decode(t, name, nr, a) if name else None
        if call is None:
            self._resume(t)
            return
        call.line, call.params = self._place(t, info.instruction_pointer, info.stack_pointer)
        t.call = call
        runner = self.runner
        sid = call.rec.id if call.rec else None
        rec = call.rec
        key = None
        if rec is not None and rec.tcp and rec.conn is not None and call.op in _BURSTABLE:
            key = (rec.id, call.op)
        if key != t.streak:
            self._flush(t)
            t.streak, t.streak_len = key, 0
        t.streak_len += key is not None
        gate = runner.gate
        free = gate.free_running
        if free and key is not None and t.streak_len > runner.options.burst_after:
            call.quiet = True  # counted into the burst: no call event, no snapshot
        else:
            self._flush(t)
        if call.op in _OUT and (not call.quiet or t.burst is None):
            # a quiet call's bytes are only the burst's preview: the first one's
            call.payload = self._payload(t.proc, name or "", a, runner.options.data_cap + 1)
        if free:
            # nothing to wait for: a flag, not a trip through the gate's lock (and never a
            # wait on this thread, should the mode change this very moment)
            if gate.stopped:
                return
            if call.quiet:
                self._fly(t, call)
                self._resume(t)
                return
            self._released(t.tid, True)
            return
        runner.emit(
            t.actor, "waiting", op=call.op, sock=sid, fd=call.fd, line=call.line,
            params=call.params or None,
        )  # fmt: skip
        t.at_gate = True
        threading.Thread(
            target=self._gate, args=(t.tid, t.actor, call.op), name="socketscope-cgate", daemon=True
        ).start()

    def _gate(self, tid: int, actor: str, op: str) -> None:
        try:
            self.runner.gate.pass_through(actor, op)
            self._q.put(("go", tid, True))
        except ActorStopped:
            self._q.put(("go", tid, False))

    def _released(self, tid: int, go: bool) -> None:
        t = self.tracees.get(tid)
        if t is None or t.call is None:
            return
        t.at_gate = False
        if not go:
            return  # the run stops: the tracee is killed, its exit follows
        call, runner = t.call, self.runner
        sid = call.rec.id if call.rec else None
        runner.emit(
            t.actor, "call", op=call.op, sock=sid, fd=call.fd, line=call.line,
            args=plain_args(call.shown), params=call.params or None,
        )  # fmt: skip
        if call.op in _CONSUMERS and call.rec is not None:
            # what the call will find. Free-running, not its peer's too: this call has not
            # changed the peer, whose own last call's snapshot already says how it is
            self._snap_events(t, call.op, [call.rec], peers=not runner.gate.free_running)
        refusal = self._refuse(t, call)
        if refusal is not None:
            pt.skip_syscall(t.tid, _errno.EPERM)
            t.call = None
            runner.emit(
                t.actor, "return", op=call.op, sock=sid, fd=call.fd, ok=False, error="EPERM",
                result=-1, blocked=False, duration=0.0, message=refusal, code="not_loopback_c",
                params={"op": call.op, "address": _host_port(call.shown.get("address"))},
            )  # fmt: skip
            runner.milestone(t.actor, call.op, returned=True)
            self._resume(t)
            return
        if call.op in _OUT and call.rec is not None and not call.rec.tcp:
            self._datagram_sending(t, call)
        self._fly(t, call)
        self._resume(t)

    def _datagram_sending(self, t: Tracee, call: Call) -> None:
        """A UDP send about to run: its datagram is registered with the run's pairing first,
        as a lesson's sendto() is (engine/pairing.py), so that the recvfrom() that gets it (in
        this program or another, C or Python) names the same datagram."""
        rec = call.rec
        assert rec is not None
        dst: tuple[str, int] | None = None
        asked = call.shown.get("address")
        if isinstance(asked, (list, tuple)) and len(asked) == 2:
            dst = (str(asked[0]), int(asked[1]))
        elif call.op == "sendmsg":
            raw = self._read(t.proc, call.args[1], 12)
            if len(raw) == 12:
                name, namelen = struct.unpack("QI", raw)
                if name:
                    dst = self._sockaddr(t.proc, name, namelen)[1]
        if dst is None:
            dst = rec.peer  # a connected UDP socket: send(), write()
        if dst is None:
            return
        # the whole datagram, not the trace's preview: the receiver matches it by its bytes
        payload = self._payload(t.proc, _SYSCALL_OF.get(call.op, call.op), call.args, _DGRAM_MAX)
        call.dgram = self.runner.pairing.datagram_sending(rec.id, rec.local, dst, payload)
        call.dst = dst

    def _refuse(self, t: Tracee, call: Call) -> str | None:
        """Calls-only mode: a connect/sendto/bind to an address past loopback never happens."""
        if not self.loopback_only or call.op not in ("connect", "sendto", "bind", "sendmsg"):
            return None
        addr = call.shown.get("address")
        if not isinstance(addr, list) or len(addr) != 2:
            return None
        host = str(addr[0])
        if call.op == "bind" and host in ("0.0.0.0", "::"):
            return self._bind_loopback(t, call)
        if is_loopback_host(host, _socket.AF_INET6 if ":" in host else _socket.AF_INET):
            return None
        return (
            f"{call.op}() to {host}:{addr[1]} refused before it was made: SocketScope keeps "
            "this run on loopback (127.0.0.0/8, ::1), so no packet leaves this machine; "
            "the program got EPERM"
        )

    def _bind_loopback(self, t: Tracee, call: Call) -> str | None:
        """bind(INADDR_ANY) would take every interface: the kernel gets the loopback address
        instead (the program's own struct is put back after the call) and the trace says so."""
        addr_ptr, length = call.args[1], call.args[2]
        raw = self._read(t.proc, addr_ptr, min(length, 28))
        if len(raw) < 8:
            return None
        family = struct.unpack_from("H", raw)[0]
        if family == _socket.AF_INET:
            new = raw[:4] + _socket.inet_aton("127.0.0.1") + raw[8:]
            loop = "127.0.0.1"
        elif family == _socket.AF_INET6 and len(raw) >= 24:
            new = raw[:8] + _socket.inet_pton(_socket.AF_INET6, "::1") + raw[24:]
            loop = "::1"
        else:
            return None
        if not self._write(t.proc, addr_ptr, new):
            return "bind() to every interface refused: SocketScope keeps this run on loopback"
        call.restore = (addr_ptr, raw)
        call.params["bound_instead"] = loop
        self.runner.emit(
            t.actor,
            "kernel",
            op="bind",
            sock=call.rec.id if call.rec else None,
            fd=call.fd,
            message=f"bind() to {call.shown['address'][0]} (every interface) is made on {loop} "
            "instead: SocketScope keeps this run on loopback",
            code="bind_loopback_instead",
            params={"address": call.shown["address"][0], "loopback": loop},
        )
        return None

    def _place(self, t: Tracee, ip: int, sp: int) -> tuple[int | None, dict[str, Any]]:
        """The C source line that made the call: the return address into the program's own
        code, found on the stack above the libc wrapper (the first word that points into the
        executable's code; -1: the call instruction itself)."""
        proc = t.proc
        if proc.lines is None:
            try:
                exe = os.readlink(f"/proc/{proc.pid}/exe")
            except OSError:
                return None, {}
            from .dwarf_lines import line_map, load_base

            table = self._line_maps.get(exe)
            if table is None:
                # read aside since the program started; a Stop does not wait for it
                table = line_map(exe, self._stopping)
                if table is None:
                    return None, {}
                self._line_maps[exe] = table
            proc.lines = table
            proc.exe_base = load_base(proc.pid, exe)
        lines, base = proc.lines, proc.exe_base
        if base is None:
            return None, {}
        b, lo, hi = base
        rel = b if lines.pie else 0
        addr = None
        if lo <= ip < hi:
            addr = ip
        else:
            # the libc wrapper's frame is small: look at the top of the stack first
            for start, words in ((0, 32), (32, 224)):
                raw = self._read(proc, sp + 8 * start, 8 * words)
                for (word,) in struct.iter_unpack("Q", raw[: len(raw) // 8 * 8]):
                    if lo <= word < hi and lines.contains_code(word - rel):
                        addr = word - 1
                        break
                if addr is not None or len(raw) < 8 * words:
                    break
        if addr is None:
            return None, {}
        found = self._places.get((id(lines), addr - rel))
        if found is not None:
            return found[0], dict(found[1])
        line, params = self._place_params(lines.place(addr - rel))
        self._places[(id(lines), addr - rel)] = (line, params)
        return line, dict(params)

    @staticmethod
    def _place_params(place: Any) -> tuple[int | None, dict[str, Any]]:
        params: dict[str, Any] = {}
        if place.function:
            params["function"] = place.function
        if place.file and place.line:
            params["file"] = place.file
            return place.line, params
        params["hint"] = NO_LINES_HINT
        return None, params

    def _decode(self, t: Tracee, name: str, nr: int, a: list[int]) -> Call | None:
        """The call as the diagram shows it, or None for a call on no socket (a file's read)."""
        proc = t.proc
        if name in _FD_CALLS:
            fd = _s32(a[0])
            if name == "fcntl" and _s32(a[1]) != F_SETFL:
                return None  # F_GETFL, F_SETFD...: nothing the diagram shows
            if name == "close" and fd in proc.ignored:
                proc.ignored.discard(fd)
                return None
            rec = self._lookup(t, fd)
            if rec is None:
                return None
            op, shown = _shown(self, proc, name, a, rec)
            return Call(op, nr, a, shown, rec, fd, None, {})
        if name == "socket":
            family, typ = _s32(a[0]), _s32(a[1]) & 0xF
            if family not in (_socket.AF_INET, _socket.AF_INET6):
                return None  # AF_UNIX, netlink (libc's own, for name lookups): not shown
            shown = {
                "family": _FAMILIES.get(family, family),
                "type": _TYPES.get(typ, typ),
                "proto": _s32(a[2]),
            }
            if a[1] & O_NONBLOCK:  # SOCK_NONBLOCK
                shown["nonblocking"] = True
            return Call("socket", nr, a, shown, None, None, None, {})
        if name in ("fork", "vfork", "clone", "clone3"):
            flags = a[0] if name == "clone" else 0
            if name == "clone3":
                raw = self._read(proc, a[0], 8)
                flags = struct.unpack("Q", raw)[0] if len(raw) == 8 else 0
            if flags & CLONE_THREAD:
                return None  # pthread_create: the new thread's lifeline says it
            return Call("fork", nr, a, {}, None, None, None, {})
        if name in ("select", "pselect6"):
            return self._decode_select(t, nr, a)
        if name in ("poll", "ppoll"):
            return self._decode_poll(t, nr, a)
        if name in ("epoll_wait", "epoll_pwait", "epoll_pwait2"):
            if not proc.socks:
                return None
            return Call(
                "epoll_wait", nr, a, {"epfd": _s32(a[0]), "maxevents": _s32(a[2])}, None,
                None, None, {},
            )  # fmt: skip
        if name == "epoll_ctl":
            rec = self._lookup(t, _s32(a[2]))
            if rec is None:
                return None
            ops = {1: "EPOLL_CTL_ADD", 2: "EPOLL_CTL_DEL", 3: "EPOLL_CTL_MOD"}
            return Call(
                "epoll_ctl", nr, a,
                {"epfd": _s32(a[0]), "op": ops.get(_s32(a[1]), _s32(a[1])), "fd": _s32(a[2])},
                rec, rec.fd, None, {},
            )  # fmt: skip
        return None

    def _fd_sets(self, t: Tracee, nfds: int, ptrs: list[int]) -> list[list[int]]:
        out = []
        n = (max(0, min(nfds, 1024)) + 7) // 8
        for p in ptrs:
            raw = self._read(t.proc, p, n) if p else b""
            out.append([i for i in range(len(raw) * 8) if raw[i // 8] >> (i % 8) & 1 and i < nfds])
        return out

    def _decode_select(self, t: Tracee, nr: int, a: list[int]) -> Call | None:
        nfds = _s32(a[0])
        r, w, x = self._fd_sets(t, nfds, a[1:4])
        recs = {fd: self._lookup(t, fd) for fd in {*r, *w, *x}}
        if not any(recs.values()):
            return None  # a select() on the keyboard and files only
        ids = {fd: rec.id for fd, rec in recs.items() if rec is not None}
        timeout = None
        if a[4]:
            raw = self._read(t.proc, a[4], 16)
            if len(raw) == 16:
                sec, frac = struct.unpack("qq", raw)
                timeout = sec + frac / (1e9 if nr == 270 else 1e6)
        shown = {
            "r": [ids[f] for f in r if f in ids],
            "w": [ids[f] for f in w if f in ids],
            "x": [ids[f] for f in x if f in ids],
            "timeout": timeout,
            "fds": {"r": r, "w": w, "x": x},
        }
        return Call("select", nr, a, shown, None, None, None, {})

    def _decode_poll(self, t: Tracee, nr: int, a: list[int]) -> Call | None:
        count = min(_s32(a[1]), 256)
        raw = self._read(t.proc, a[0], 8 * count)
        fds = [struct.unpack_from("ihh", raw, 8 * i) for i in range(len(raw) // 8)]
        if not any(self._lookup(t, fd) for fd, _e, _r in fds if fd >= 0):
            return None
        timeout: Any = _s32(a[2]) if nr == 7 else None
        shown = {"pollfds": [[fd, ev] for fd, ev, _r in fds], "timeout_ms": timeout}
        return Call("poll", nr, a, shown, None, None, None, {})

    def _payload(self, proc: Proc, name: str, a: list[int], cap: int) -> bytes:
        if name in ("write", "sendto"):
            return self._read(proc, a[1], min(a[2], cap))
        if name == "writev":
            return self._iov(proc, a[1], a[2], cap)
        if name == "sendmsg":
            raw = self._read(proc, a[1], 32)
            if len(raw) == 32:
                _n, _nl, iov, iovlen = struct.unpack("QQQQ", raw)
                return self._iov(proc, iov, iovlen, cap)
        return b""

    # --- in the kernel: blocked? -----------------------------------------------------------
    def _look_at_calls(self) -> None:
        """The sampler thread: is a call in progress asleep in the kernel?"""
        now = time.monotonic()
        for t in list(self.tracees.values()):
            c = t.call
            if c is None or t.at_gate or not c.t0 or now < c.next_check:
                continue
            if c.blocked:
                c.next_check = now + SNAPSHOT_EVERY
                with self._lock:
                    if t.call is c:
                        self._snap_events(t, c.op, [c.rec], call=c)
                continue
            sample = _sample(t.proc.pid, t.tid)
            c.checks += 1
            if sample is not None and sample[0] in "SD" and sample[1] == c.nr:
                with self._lock:
                    if t.call is not c:
                        continue  # it returned meanwhile: its return says it all
                    if c.quiet:
                        # a streak call that sleeps briefly is counted in its burst (a bulk
                        # transfer waits for buffer space all the time); one that sleeps
                        # past the burst window is shown, blocked
                        c.slept = True
                        if now - c.t0 < self.runner.options.burst_window:
                            c.next_check = now + BACKOFF[min(c.checks, len(BACKOFF) - 1)]
                            continue
                        self._unquiet(t, c)
                    c.blocked = True
                    c.next_check = now + SNAPSHOT_EVERY
                    self._show_blocked(t, c, sample[2])
            else:
                c.next_check = now + BACKOFF[min(c.checks, len(BACKOFF) - 1)]

    def _show_blocked(self, t: Tracee, c: Call, wchan: str | None) -> None:
        runner = self.runner
        runner.emit(
            t.actor, "blocked", op=c.op, sock=c.rec.id if c.rec else None, fd=c.fd, line=c.line,
            kernel_wait=wchan, syscall=pt.ALL_NAMES.get(c.nr, f"#{c.nr}"), evidence="kernel",
        )  # fmt: skip
        runner.gate.set_status(t.actor, Status.BLOCKED, c.op)
        runner.milestone(t.actor, c.op)
        self._snap_events(t, c.op, [c.rec], call=c)

    # --- the exit stop: the result ---------------------------------------------------------------
    def _exit(self, t: Tracee) -> None:
        c = t.call
        if c is None:
            self._resume(t)
            return
        info = pt.syscall_info(t.tid)
        if info.op != pt.SYSCALL_INFO_EXIT:
            self._resume(t)
            return
        rval, is_err = pt.exit_result(info)
        self._land(t)
        if is_err and -rval in _RESTART:
            # interrupted by a signal: the kernel makes the call again after the handler
            # (SA_RESTART) or the program gets EINTR; the next entry tells which
            t.restarting = c
            self._resume(t)
            return
        if c.restore is not None:
            self._write(t.proc, *c.restore)
        try:
            self._returned(t, c, rval, is_err)
        finally:
            self._resume(t)

    def _returned(self, t: Tracee, c: Call, rval: int, is_err: bool) -> None:
        if c.quiet:
            if not is_err and rval > 0:
                self._count(t, c, rval)
                return
            # an error or the end of the stream ends the streak: recorded in full
            self._unquiet(t, c)
        runner, proc = self.runner, t.proc
        duration = round(time.monotonic() - c.t0, 6)
        if c.blocked:
            runner.gate.set_status(t.actor, Status.RUNNING, c.op)
        rec = c.rec
        f: dict[str, Any] = {
            "op": c.op,
            "sock": rec.id if rec else None,
            "fd": c.fd,
            "blocked": c.blocked,
            "duration": duration,
        }
        extra: list[SockRec | None] = [rec]
        if c.dgram is not None and c.dst is not None:
            pairing = runner.pairing
            if is_err:
                pairing.datagram_failed(c.dst, c.dgram)
            else:
                if rec is not None and (rec.local is None or rec.local[1] == 0):
                    rec.local, _ = self._names_of(proc, rec)  # the kernel chose it (autobind)
                pairing.datagram_sent(c.dgram, rec.local if rec is not None else None)
                f["dgram"] = c.dgram.dgram
        if is_err:
            err = -rval
            f.update(ok=False, result=-1, error=_errno.errorcode.get(err, str(err)))
            f["message"] = os.strerror(err)
            if c.op == "connect" and rec is not None and err == _errno.EINPROGRESS:
                self._connecting(proc, rec, c)
                f.update(local=rec.local, peer=rec.peer, conn=rec.conn)
        else:
            f.update(ok=True, result=rval)
            self._success(t, c, rval, f, extra)
        if c.op == "close" and rec is not None:
            proc.socks.pop(c.fd or -1, None)
            _RUN_SOCKETS[runner].pop(rec.id, None)
            if rec.listening and rec.local:
                _LISTENERS[runner].pop(rec.local, None)
            holders = _holders(runner, rec, self)
            if holders and not is_err:
                f["message"] = (
                    f"fd {c.fd} closed; the socket stays open: it is still held by "
                    f"{', '.join(holders)}"
                )
                f["code"] = "close_still_held"
                f["params"] = {"holders": ", ".join(holders)}
            extra = [r for r in extra if r is not rec]
        if (
            c.op == "close"
            and rec is not None
            and not rec.tcp
            and rec.local is not None
            and not is_err
            and not _holders(runner, rec, self)
        ):
            # sent to it, never read: dropped by the kernel, or unread at its close
            gone = runner.pairing.datagrams_never_received(rec.local)
            for lost in lost_fields(gone.lost, gone.unsure):
                runner.emit(t.actor, "dgram_lost", op="close", sock=rec.id, fd=c.fd, **lost)
        runner.emit(t.actor, "return", **{k: v for k, v in f.items() if v is not None})
        if (
            c.op == "close"
            and rec is not None
            and rec.tcp
            and rec.local
            and not _holders(runner, rec, self)
        ):
            state = kernel.lingering_state(rec.local, None if rec.listening else rec.peer)
            runner.emit(
                t.actor, "kernel", op="close", sock=rec.id, fd=c.fd,
                kernel=KernelSnapshot(state=state), local=rec.local,
            )  # fmt: skip
        self._snap_events(t, c.op, extra)
        runner.milestone(t.actor, c.op, returned=True, first=not c.blocked)

    def _interrupted(self, t: Tracee, c: Call) -> None:
        """A call a signal interrupted and the kernel did not restart: the program got EINTR."""
        self.runner.emit(
            t.actor, "return", op=c.op, sock=c.rec.id if c.rec else None, fd=c.fd, ok=False,
            result=-1, error="EINTR", message="Interrupted system call (a signal handler ran)",
            blocked=c.blocked, duration=round(time.monotonic() - c.t0, 6),
        )  # fmt: skip
        if c.blocked:
            self.runner.gate.set_status(t.actor, Status.RUNNING, c.op)
        self.runner.milestone(t.actor, c.op, returned=True, first=not c.blocked)

    # --- bursts ---------------------------------------------------------------------------------
    def _count(self, t: Tracee, c: Call, n: int) -> None:
        """A quiet call returned ``n`` bytes: counted into its tracee's burst."""
        runner, rec = self.runner, c.rec
        assert rec is not None
        outgoing = c.op in _OUT
        if outgoing:
            rng = (rec.sent, rec.sent + n)
            rec.sent += n
        else:
            rng = (rec.received, rec.received + n)
            rec.received += n
        b = t.burst
        if b is None:
            b = t.burst = CBurst(c.op, rec, c.line, c.params, runner.time())
            cap = runner.options.data_cap
            if outgoing:
                b.preview = (c.payload or b"")[: min(n, cap)]
            else:
                b.preview = self._read(t.proc, c.args[1], min(n, cap))
            b.start = rng[0]
        b.count += 1
        b.nbytes += n
        b.end = rng[1]
        b.duration += time.monotonic() - c.t0
        b.blocked_count += c.slept
        if c.line is not None:
            b.line, b.params = c.line, c.params
        if runner.time() - b.t_first >= runner.options.burst_window:
            self._flush(t)

    def _flush(self, t: Tracee) -> None:
        """Write the tracee's burst, if it has one, and what the kernel says after it."""
        b = t.burst
        if b is None:
            return
        t.burst = None
        rec = b.rec
        self.runner.emit(
            t.actor, "burst", op=b.op, sock=rec.id, fd=rec.fd, line=b.line,
            params=b.params or None, count=b.count, nbytes=b.nbytes,
            blocked_count=b.blocked_count, duration=round(b.duration, 6), data=b.preview.hex(),
            truncated=True if b.nbytes > len(b.preview) else None, conn=rec.conn,
            dir=_direction(rec.side, b.op in _OUT),
            range=(b.start, b.end) if b.start is not None and b.end is not None else None,
        )  # fmt: skip
        self._snap_events(t, b.op, [rec])

    def _unquiet(self, t: Tracee, c: Call) -> None:
        """A quiet call that is shown after all (it failed, saw the end of the stream, or
        slept past the burst window): the burst so far, then the call's own event."""
        c.quiet = False
        self._flush(t)
        t.streak, t.streak_len = None, 0
        if c.op in _OUT and c.payload is None:
            c.payload = self._payload(
                t.proc, c.op if c.op != "send" else "sendto", c.args,
                self.runner.options.data_cap + 1,
            )  # fmt: skip
        self.runner.emit(
            t.actor, "call", op=c.op, sock=c.rec.id if c.rec else None, fd=c.fd, line=c.line,
            args=plain_args(c.shown), params=c.params or None,
        )  # fmt: skip

    def _names_of(self, proc: Proc, rec: SockRec) -> tuple[Any, Any]:
        s = self._dup(proc, rec.fd)
        if s is None:
            return rec.local, rec.peer
        with s:
            return _names(s)

    def _connecting(self, proc: Proc, rec: SockRec, c: Call) -> None:
        """A non-blocking connect() (curl's): EINPROGRESS, the handshake under way or (on
        loopback) already done; the program learns the outcome later (poll/select, then
        getsockopt SO_ERROR). The connection is known from now on, as a blocking connect's
        would be, so that the pairing meets the server's accept() and the capture knows the
        SYN and the request's bytes are this program's: the local address the kernel chose
        (getsockname), the peer the address asked for while the handshake is not done."""
        local, peer = self._names_of(proc, rec)
        if peer is None:
            asked = c.shown.get("address")
            if isinstance(asked, (list, tuple)) and len(asked) == 2:
                peer = (str(asked[0]), int(asked[1]))
        rec.local, rec.peer = local, peer
        if rec.tcp and rec.conn is None and local and peer:
            end = self.runner.pairing.connection(rec.id, local, peer, "c")
            rec.conn, rec.side = end.conn, end.side

    def _pair(self, proc: Proc, rec: SockRec, side: str) -> None:
        if not rec.tcp or rec.conn is not None:
            return
        rec.local, rec.peer = self._names_of(proc, rec)
        if rec.local and rec.peer:
            end = self.runner.pairing.connection(rec.id, rec.local, rec.peer, side)
            rec.conn, rec.side = end.conn, end.side

    def _success(
        self, t: Tracee, c: Call, rval: int, f: dict[str, Any], extra: list[SockRec | None]
    ) -> None:
        runner, proc, rec, op = self.runner, t.proc, c.rec, c.op
        cap = runner.options.data_cap
        if op == "socket":
            family = _s32(c.args[0])
            new = SockRec(next(self._ids), rval, family, _s32(c.args[1]) & 0xF)
            proc.socks[rval] = new
            proc.ignored.discard(rval)
            _RUN_SOCKETS[runner][new.id] = (self, proc.pid, rval)
            f["sock"], f["fd"] = new.id, rval
            extra[:] = [new]  # what the kernel says of it: CLOSED, its buffer sizes
            return
        if rec is None:
            if op == "select":
                r, w, x = self._fd_sets(t, _s32(c.args[0]), c.args[1:4])
                ids = {fd: (proc.socks[fd].id if fd in proc.socks else None) for fd in {*r, *w, *x}}
                f["result"] = {
                    "n": rval,
                    "r": [ids[i] for i in r if ids.get(i)],
                    "w": [ids[i] for i in w if ids.get(i)],
                    "x": [ids[i] for i in x if ids.get(i)],
                    "fds": {"r": r, "w": w, "x": x},
                }
            elif op == "fork":
                f["result"] = rval
                f["params"] = {"child": self._child_actor(rval)}
            return
        if op == "bind":
            rec.local, _ = self._names_of(proc, rec)
            f["local"] = rec.local
        elif op == "listen":
            rec.listening = True
            rec.local, _ = self._names_of(proc, rec)
            f["local"] = rec.local
            if rec.local:
                _LISTENERS[runner][rec.local] = rec.id
        elif op == "accept":
            new = SockRec(next(self._ids), rval, rec.family, rec.type)
            proc.socks[rval] = new
            proc.ignored.discard(rval)
            _RUN_SOCKETS[runner][new.id] = (self, proc.pid, rval)
            self._pair(proc, new, "s")
            f.update(
                new_sock=new.id, peer=new.peer, local=new.local, conn=new.conn,
                result={"fd": rval, "address": list(new.peer) if new.peer else None},
            )  # fmt: skip
            extra.append(new)
        elif op == "connect":
            if not rec.tcp:  # a connected UDP socket: send() goes there, recv() comes from it
                rec.local, rec.peer = self._names_of(proc, rec)
            self._pair(proc, rec, "c")
            f.update(local=rec.local, peer=rec.peer, conn=rec.conn)
            listener = _find(runner, _listener_at(runner, rec.peer))
            if listener is not None and listener[2].id != rec.id:
                extra.append(None)
                # the server's listening socket: its accept queue now holds this connection
                self._snap_other(t, op, listener)
        elif op in _IN or op in _OUT:
            outgoing = op in _OUT
            if outgoing:
                data = (c.payload or b"")[:rval]
            elif op in ("read", "recv", "recvfrom"):
                data = self._read(proc, c.args[1], min(rval, cap + 1))
            elif op == "readv":
                data = self._iov(proc, c.args[1], c.args[2], min(rval, cap + 1))
            else:  # recvmsg
                raw = self._read(proc, c.args[1], 32)
                data = b""
                if len(raw) == 32:
                    _n, _nl, iov, iovlen = struct.unpack("QQQQ", raw)
                    data = self._iov(proc, iov, iovlen, min(rval, cap + 1))
            f["nbytes"] = rval
            f["data"] = data[:cap].hex()
            if rval > cap:
                f["truncated"] = True
            if rec.tcp:
                if rec.conn is None:
                    self._pair(proc, rec, "c")  # a non-blocking connect: known from now
                    f.update(local=rec.local, peer=rec.peer)
                elif rec.side == "c" and not rec.sent and not rec.received:
                    # the first bytes after a non-blocking connect (paired at its EINPROGRESS):
                    # the connection's addresses, as a connect() that returned would give them
                    f.update(local=rec.local, peer=rec.peer)
                if rec.conn is not None:
                    f["conn"] = rec.conn
                    f["dir"] = _direction(rec.side, outgoing)
                if outgoing:
                    f["range"] = (rec.sent, rec.sent + rval)
                    rec.sent += rval
                else:
                    f["range"] = (rec.received, rec.received + rval)
                    rec.received += rval
            else:
                if op == "recvfrom" and c.args[4]:
                    ln = self._read(proc, c.args[5], 4)
                    n = struct.unpack("I", ln)[0] if len(ln) == 4 else 0
                    f["peer"] = self._sockaddr(proc, c.args[4], n)[1]
                elif op == "recvmsg":
                    f["peer"] = self._msg_name(proc, c.args[1])
                elif outgoing and c.dst is not None:
                    f["peer"] = c.dst
                elif op == "sendto":
                    f["peer"] = self._sockaddr(proc, c.args[4], c.args[5])[1]
                elif not outgoing and rec.peer is not None:
                    f["peer"] = rec.peer  # a connected UDP socket receives from its peer only
                if rec.local is None or rec.local[1] == 0:
                    rec.local, _ = self._names_of(proc, rec)
                f["local"] = rec.local
                if not outgoing and rval and rec.local:
                    # recv() on an unconnected socket says not whose it is: None
                    peer = tuple(f["peer"]) if f.get("peer") else None
                    self._datagram_received(t, c, rec, rval, peer, f)
        elif op == "getsockopt":
            ln = self._read(proc, c.args[4], 4)
            n = struct.unpack("I", ln)[0] if len(ln) == 4 else 0
            raw = self._read(proc, c.args[3], min(n, 64))
            f["result"] = struct.unpack("i", raw)[0] if len(raw) == 4 else raw.hex()

    def _datagram_received(
        self, t: Tracee, c: Call, rec: SockRec, n: int, src: Any, f: dict[str, Any]
    ) -> None:
        """A UDP receive returned ``n`` bytes from ``src``: which datagram, as a lesson's
        recvfrom() is paired (by destination, source and bytes); those of that sender queued
        before it were lost on the way (loopback does not reorder)."""
        proc, op = t.proc, c.op
        if op in ("read", "recv", "recvfrom"):
            data = self._read(proc, c.args[1], min(n, _DGRAM_MAX))
        elif op == "readv":
            data = self._iov(proc, c.args[1], c.args[2], min(n, _DGRAM_MAX))
        else:  # recvmsg
            raw = self._read(proc, c.args[1], 32)
            data = b""
            if len(raw) == 32:
                _n, _nl, iov, iovlen = struct.unpack("QQQQ", raw)
                data = self._iov(proc, iov, iovlen, min(n, _DGRAM_MAX))
        assert rec.local is not None
        match = self.runner.pairing.datagram_received(rec.local, src, data)
        if match.dgram is None:
            return
        f["dgram"] = match.dgram
        if match.size is not None and match.size > n:
            f["dgram_size"] = match.size  # the buffer was too small: the rest is gone
        for lost in lost_fields(match.lost, match.unsure):
            self.runner.emit(t.actor, "dgram_lost", op=op, sock=rec.id, fd=c.fd, **lost)

    def _msg_name(self, proc: Proc, msghdr: int) -> tuple[str, int] | None:
        raw = self._read(proc, msghdr, 12)
        if len(raw) != 12:
            return None
        name, namelen = struct.unpack("QI", raw)
        return self._sockaddr(proc, name, namelen)[1] if name else None

    def _snap_other(self, t: Tracee, op: str, found: tuple[CTracer, Proc, SockRec]) -> None:
        tracer, proc, rec = found
        if proc.socks.get(rec.fd) is not rec:
            return
        snap = tracer._snapshot(proc, rec)
        if snap is not None:
            self._emit_snap(t.actor, op, rec, snap)

    def _child_actor(self, pid: int) -> str | None:
        t = self.tracees.get(pid)
        return t.actor if t else None


def _host_port(addr: Any) -> str:
    if isinstance(addr, list) and len(addr) == 2:
        return f"[{addr[0]}]:{addr[1]}" if ":" in str(addr[0]) else f"{addr[0]}:{addr[1]}"
    return str(addr)


def _s32(v: int) -> int:
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v & 0x80000000 else v


def _parse_sockaddr(raw: bytes) -> tuple[int, tuple[str, int] | None]:
    if len(raw) < 2:
        return 0, None
    family = struct.unpack_from("H", raw)[0]
    if family == _socket.AF_INET and len(raw) >= 8:
        port = struct.unpack_from("!H", raw, 2)[0]
        return family, (_socket.inet_ntop(_socket.AF_INET, raw[4:8]), port)
    if family == _socket.AF_INET6 and len(raw) >= 24:
        port = struct.unpack_from("!H", raw, 2)[0]
        return family, (_socket.inet_ntop(_socket.AF_INET6, raw[8:24]), port)
    return family, None


def _names(s: _socket.socket) -> tuple[Any, Any]:
    local = peer = None
    with contextlib.suppress(OSError):
        n = s.getsockname()
        local = (str(n[0]), int(n[1]))
    with contextlib.suppress(OSError):
        n = s.getpeername()
        peer = (str(n[0]), int(n[1]))
    return local, peer


def _direction(side: str | None, outgoing: bool) -> str | None:
    if side is None:
        return None
    connector_sends = (side == "c") == outgoing
    return "c>s" if connector_sends else "s>c"


def _shown(
    tracer: CTracer, proc: Proc, name: str, a: list[int], rec: SockRec
) -> tuple[str, dict[str, Any]]:
    """The lesson's op name and arguments for a system call on a socket."""
    if name in ("bind", "connect"):
        _fam, addr = tracer._sockaddr(proc, a[1], a[2])
        return name, {"address": list(addr) if addr else None, "addrlen": _s32(a[2])}
    if name == "listen":
        return "listen", {"backlog": _s32(a[1])}
    if name in ("accept", "accept4"):
        return "accept", ({"flags": _s32(a[3])} if name == "accept4" and a[3] else {})
    if name == "read":
        return "read", {"count": a[2]}
    if name == "write":
        return "write", {"len": a[2]}
    if name in ("readv", "writev"):
        return name, {"iovcnt": _s32(a[2])}
    if name == "recvfrom":
        flags = _s32(a[3])
        op = "recvfrom" if a[4] else "recv"
        return op, ({"bufsize": a[2], "flags": flags} if flags else {"bufsize": a[2]})
    if name == "sendto":
        flags = _s32(a[3])
        if a[4]:
            _fam, addr = tracer._sockaddr(proc, a[4], a[5])
            return "sendto", {"len": a[2], "address": list(addr) if addr else None}
        return "send", ({"len": a[2], "flags": flags} if flags else {"len": a[2]})
    if name in ("sendmsg", "recvmsg"):
        return name, {"flags": _s32(a[2])} if a[2] else {}
    if name == "shutdown":
        return "shutdown", {"how": _SHUT.get(_s32(a[1]), _s32(a[1]))}
    if name == "fcntl":  # F_SETFL (the others are not decoded)
        return "fcntl", {"cmd": "F_SETFL", "nonblocking": bool(a[2] & O_NONBLOCK)}
    if name in ("setsockopt", "getsockopt"):
        level, opt = _s32(a[1]), _s32(a[2])
        shown: dict[str, Any] = {
            "level": _SOL.get(level, level),
            "option": _SO.get(level, {}).get(opt, opt),
        }
        if name == "setsockopt":
            raw = tracer._read(proc, a[3], min(_s32(a[4]), 64))
            shown["value"] = struct.unpack("i", raw)[0] if len(raw) == 4 else raw.hex()
        return name, shown
    return name, {}


def _find(runner: Any, sid: int | None) -> tuple[CTracer, Proc, SockRec] | None:
    if sid is None:
        return None
    where = _RUN_SOCKETS.get(runner, {}).get(sid)
    if where is None:
        return None
    tracer, pid, fd = where
    proc = tracer.procs.get(pid)
    rec = proc.socks.get(fd) if proc else None
    if proc is None or rec is None or rec.id != sid:
        return None
    return tracer, proc, rec


def _listener_at(runner: Any, addr: tuple[str, int] | None) -> int | None:
    if addr is None:
        return None
    table = dict(_LISTENERS.get(runner, {}))
    if addr in table:
        return table[addr]
    for (host, port), sid in table.items():
        if port == addr[1] and host in ("0.0.0.0", "::"):
            return sid
    return None


def _holders(runner: Any, rec: SockRec, tracer: CTracer) -> list[str]:
    """Other processes of the run that still hold this very socket (inherited over fork())."""
    out = []
    for p in list(tracer.procs.values()):
        for other in list(p.socks.values()):
            if (
                other is not rec
                and other.conn == rec.conn
                and other.local == rec.local
                and (other.peer == rec.peer and other.side == rec.side)
                and (rec.conn is not None or rec.listening)
            ):
                out.append(p.actor)
    return sorted(set(out))


def _sample(pid: int, tid: int) -> tuple[str, int | None, str | None] | None:
    """(state, syscall nr, wait channel) of one thread, from /proc."""
    base = f"/proc/{pid}/task/{tid}/"
    try:
        with open(base + "stat", "rb") as f:
            stat = f.read().decode(errors="replace")
        state = stat[stat.rindex(")") + 2]
        if state not in "SD":
            return state, None, None
        with open(base + "syscall", "rb") as f:
            sc = f.read().split()
        nr = int(sc[0]) if sc and sc[0].lstrip(b"-").isdigit() else None
        wchan = None
        with contextlib.suppress(OSError), open(base + "wchan", "rb") as f:
            wchan = f.read().decode(errors="replace").strip() or None
        if wchan == "0":
            wchan = None
        return state, nr, wchan
    except (OSError, ValueError, IndexError):
        return None


def run_traced(runner: Runner, name: str, argv: list[str], **kw: Any) -> CTracer:
    """Make a tracer and run it on this thread (the helper tests and the bench use)."""
    tracer = CTracer(runner, name, argv, **kw)
    tracer.run()
    return tracer


# --- the Runner's side: one program of a run -----------------------------------------------------
class CProgramActor:
    """An executable of the user's own, as an actor of a run (the :class:`ProgramActor` surface):
    its stdout and stderr go to the run's console, its stdin comes from it."""

    def __init__(self, runner: Any, spec: Any, index: int) -> None:
        from socketscope.engine.child import CHILD_SOCK_BASE

        self.runner = runner
        self.spec = spec
        self.ended = False
        # stdin exists from the start: what is typed before the program runs waits in the pipe
        self._stdin_r, w = os.pipe()
        self._stdin_w: int | None = w
        self._stdin_lock = threading.Lock()
        self._readers: list[threading.Thread] = []
        self._strace: Any = None
        self.tracer = CTracer(
            runner,
            spec.name,
            list(spec.program),
            sock_base=CHILD_SOCK_BASE * (index + 1),
            cwd=spec.cwd,
            env={**os.environ},
        )

    def wake(self) -> None:
        """The run stops: end the program now (its tracer sleeps in waitpid(); the kill is
        what wakes it. Its sampler would also see the stop flag within a tick)."""
        if self.runner.stopping:
            self.tracer.kill()

    def run(self) -> None:
        try:
            self._run()
        finally:
            with contextlib.suppress(OSError):
                os.close(self._stdin_r)
            with self._stdin_lock:
                if self._stdin_w is not None:
                    with contextlib.suppress(OSError):
                        os.close(self._stdin_w)
                    self._stdin_w = None

    def _run(self) -> None:
        spec = self.spec
        argv0 = spec.program[0]
        cwd = spec.cwd or os.getcwd()
        # "{port}" in a lesson's command line: the port this run chose
        port = str(getattr(self.runner, "port", 0) or "")
        self.tracer.argv = [a.replace("{port}", port) for a in self.tracer.argv]
        if argv0.endswith(".c"):
            from .ccompile import CompileError, build

            try:
                self.tracer.argv[0] = str(build(os.path.join(cwd, argv0)))
            except CompileError as e:
                self._refuse(str(e), "compile")
                return
        else:
            exe = argv0 if "/" not in argv0 else os.path.join(cwd, argv0)
            if "/" in argv0 and not os.access(exe, os.X_OK):
                self._refuse(f"{argv0}: no such executable in {cwd}", "missing")
                return
            if "/" not in argv0 and CTracer._resolve(argv0) == argv0:
                self._refuse(f"{argv0}: no such program on PATH", "missing")
                return
            self.tracer.argv[0] = exe if "/" in argv0 else argv0
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        self.tracer.stdio = (self._stdin_r, out_w, err_w)
        for stream, fd in (("stdout", out_r), ("stderr", err_r)):
            th = threading.Thread(
                target=self._pump, args=(stream, fd), name=f"socketscope-{stream}-{spec.name}",
                daemon=True,
            )  # fmt: skip
            th.start()
            self._readers.append(th)
        try:
            try:
                if os.environ.get("SOCKETSCOPE_C_TRACER") == "strace":
                    raise PtraceForbidden(
                        _errno.EPERM, "SOCKETSCOPE_C_TRACER=strace was set", "forced"
                    )
                self.tracer.run()
            finally:
                for fd in (out_w, err_w):
                    with contextlib.suppress(OSError):
                        os.close(fd)
            self.ended = True
        except PtraceForbidden as e:
            self._fallback(e)
        finally:
            for th in self._readers:  # the last output is handed on before the program's end
                th.join(1.0)

    def _fallback(self, e: PtraceForbidden) -> None:
        """No ptrace tracer here: strace, when installed and able to trace here, still shows
        the calls (no stepping); else a clear refusal that names the cause. strace needs
        ptrace too: where ptrace itself is refused it fails the same way (no_ptrace.py)."""
        import shutil

        from .strace_fallback import StraceTrace

        why = str(e.strerror or e)
        cause: dict[str, Any] = {**e.params, "cause": e.cause, "detail": why}
        strace = shutil.which("strace")
        if strace is None:
            self._refuse_untraceable(
                f"{why}; strace is not installed (it would show the calls, without stepping)",
                cause,
            )
            return
        complaint = no_ptrace.strace_refusal(strace)
        if complaint is not None:
            self._refuse_untraceable(
                f"{why}; strace needs ptrace too and cannot trace here either ({complaint})",
                {**cause, "strace": complaint},
            )
            return
        runner, spec = self.runner, self.spec
        runner.emit(
            spec.name,
            "kernel",
            op="trace",
            message=f"the step-by-step tracer cannot run here ({why}): traced with strace "
            "instead; calls are shown as they end, stepping is not available",
            code="c_strace_fallback",
            params=cause,
        )
        st = StraceTrace(
            runner, spec.name, self.tracer.argv, self.tracer.sock_base, spec.cwd or os.getcwd()
        )
        proc = st.start(strace, stdin=self._stdin_r)
        self._strace = proc
        for stream, pipe in (("stdout", proc.stdout), ("stderr", proc.stderr)):
            assert pipe is not None
            th = threading.Thread(
                target=self._pump, args=(stream, os.dup(pipe.fileno())), daemon=True
            )
            th.start()
            self._readers.append(th)
            pipe.close()
        st.follow()
        self.ended = st.ended  # else (strace killed at Stop) the Runner writes the end

    def _refuse_untraceable(self, text: str, cause: dict[str, Any]) -> None:
        self.runner.emit(
            self.spec.name,
            "error",
            error="CANNOT_TRACE",
            message=f"cannot be traced here ({self.spec.name}): {text}",
            code="c_ptrace_refused",
            params={"program": self.spec.name, "why": "ptrace_forbidden", **cause},
        )

    def _refuse(self, text: str, why: str) -> None:
        self.runner.emit(
            self.spec.name,
            "error",
            error="CANNOT_TRACE",
            message=f"cannot be traced here ({self.spec.name}): {text}",
            code="c_cannot_trace",
            params={"program": self.spec.name, "detail": text, "why": why},
        )

    def _pump(self, stream: str, fd: int) -> None:
        try:
            while chunk := os.read(fd, 65536):
                self.runner.output(self.spec.name, stream, chunk)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                os.close(fd)

    def send_signal(self, signum: int) -> None:
        if self._strace is not None:
            if self._strace.poll() is not None:
                raise ProcessLookupError(_errno.ESRCH, f"{self.spec.name} is not running")
            self._strace.send_signal(signum)  # strace hands it on to the program
            return
        self.tracer.send_signal(signum)

    def write_stdin(self, data: bytes) -> None:
        with self._stdin_lock:
            done = (
                self._strace.poll() is not None
                if self._strace is not None
                else self.tracer.ended.is_set()
            )
            if self._stdin_w is None or done:
                raise ProcessLookupError(_errno.ESRCH, f"{self.spec.name} is not running")
            if not data:
                os.close(self._stdin_w)
                self._stdin_w = None
                return
            os.write(self._stdin_w, data)


def c_source(argv: tuple[str, ...] | list[str], cwd: str) -> dict[str, str] | None:
    """The C file that holds ``main`` of an executable built with -g (for the code panel); a
    ``.c`` program is its own source."""
    from .dwarf_lines import LineMap

    if argv and argv[0].endswith(".c"):
        src = Path(cwd, argv[0])
        try:
            return {"path": str(src), "source": src.read_text(encoding="utf-8", errors="replace")}
        except OSError:
            return None
    exe = argv[0] if "/" not in argv[0] else os.path.join(cwd, argv[0])
    if "/" not in argv[0]:
        exe = CTracer._resolve(argv[0])
    if not os.path.isfile(exe):
        return None
    lm = LineMap(exe)
    path = lm.main_file()
    if path is None:
        return None
    try:
        return {"path": path, "source": Path(path).read_text(encoding="utf-8", errors="replace")}
    except OSError:
        return None
