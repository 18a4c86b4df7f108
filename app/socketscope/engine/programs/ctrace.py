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
runs the whole loop. A second thread only ``waitpid``s (any thread of the tracer's process may)
and queues what it gets; step-gate waits run on their own threads, so one tracee held at the gate
never holds up another (a forked child, a thread).

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

from . import ptrace_abi as pt

if TYPE_CHECKING:
    from socketscope.engine.actor import RunnerSide as Runner

    from .dwarf_lines import LineMap

SIGSTOP = _signal.SIGSTOP
SIGTRAP = _signal.SIGTRAP
FIRST_LOOK = 0.0003  # s: sooner, the tracee is still on its way into the kernel
BACKOFF = (0.0005, 0.001, 0.002, 0.005, 0.01)
SNAPSHOT_EVERY = 0.1  # s between kernel snapshots of a call that stays blocked
# said by the window in the user's language (ui/lesson_panel.py); kept in English in the trace
NO_LINES_HINT = "compile with -g to see your lines"

# which calls consume what a snapshot before the call shows (the accept queue, bytes queued)
_CONSUMERS = frozenset({"accept", "read", "recv", "recvfrom", "recvmsg", "readv"})
_IN = frozenset({"read", "readv", "recv", "recvfrom", "recvmsg"})
_OUT = frozenset({"write", "writev", "send", "sendto", "sendmsg"})
_FD_CALLS = frozenset(
    {
        "read", "write", "readv", "writev", "close", "connect", "accept", "accept4", "sendto",
        "recvfrom", "sendmsg", "recvmsg", "shutdown", "bind", "listen", "setsockopt",
        "getsockopt",
    }
)  # fmt: skip
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


class PtraceForbidden(OSError):
    """This system does not let a process trace its own child."""


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
        self._groups: set[int] = set()  # the tracees a waiter thread waits for
        self._waiters = 0
        self._line_maps: dict[str, LineMap] = {}
        self._places: dict[tuple[int, int], tuple[int | None, dict[str, Any]]] = {}
        self.ended = threading.Event()
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
        self._q.put(("poke",))

    # --- the tracer thread ---------------------------------------------------------------------
    def run(self) -> int | None:
        """Fork, exec and trace until every traced process has ended. Returns the exit status
        of the first process (negative: killed by that signal). Raises PtraceForbidden where
        the system refuses to let us trace."""
        why = pt.supported()
        if why is not None:
            raise PtraceForbidden(_errno.ENOSYS, why)
        prog, keep = pt.build_filter(sorted(pt.SYSCALLS))
        exe = self._resolve(self.argv[0])
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
        _pid, status = os.waitpid(pid, pt.WALL)
        if not os.WIFSTOPPED(status):
            code = os.waitstatus_to_exitcode(status)
            if code in (120, 121, 122):
                raise PtraceForbidden(_errno.EPERM, _forbidden_text(code))
            raise PtraceForbidden(_errno.EPERM, f"the program could not start (status {code})")
        try:
            pt.ptrace(pt.PTRACE_SETOPTIONS, pid, 0, pt.OPTIONS)
        except OSError as e:
            os.kill(pid, _signal.SIGKILL)
            os.waitpid(pid, 0)
            raise PtraceForbidden(e.errno, f"ptrace refused: {e.strerror}") from None
        proc = Proc(pid, self.name)
        self._open_proc(proc)
        self.procs[pid] = proc
        self.tracees[pid] = Tracee(pid, proc, self.name, fresh=False)
        self._watch(pid)
        self.runner.gate.set_status(self.name, Status.RUNNING)
        prog_name = os.path.basename(self.argv[0])
        self.runner.emit(
            self.name,
            "start",
            message=f"{prog_name} (process {pid})",
            code="process_started",
            params={"function": prog_name, "pid": pid},
        )
        pt.ptrace(pt.PTRACE_CONT, pid, 0, 0)
        try:
            self._loop()
        finally:
            for p in self.procs.values():
                p.close()
            self.ended.set()
        return self.exit_code

    @staticmethod
    def _resolve(path: str) -> str:
        if "/" in path:
            return path
        for d in os.environ.get("PATH", "/usr/bin:/bin").split(os.pathsep):
            cand = os.path.join(d, path)
            if os.access(cand, os.X_OK):
                return cand
        return path

    def _watch(self, target: int) -> None:
        """A waiter thread for one tracee (a process or a thread), until it has ended. Any
        thread may wait for tracees; only the tracer thread may ptrace them. One per tracee,
        not one per process group: a daemon's setsid() leaves the group, and a waiter on an
        emptied group would never return."""
        if target in self._groups:
            return
        self._groups.add(target)
        self._waiters += 1
        threading.Thread(
            target=self._wait_all, args=(target,), name=f"socketscope-wait{target}", daemon=True
        ).start()

    def _wait_all(self, target: int) -> None:
        while True:
            try:
                pid, status = os.waitpid(target, pt.WALL)
            except ChildProcessError:
                self._q.put(("gone",))
                return
            except InterruptedError:
                continue
            self._q.put(("wait", pid, status))

    def wake(self) -> None:
        """Make the loop look at the runner's stopping flag now (called by Stop)."""
        self._q.put(("stop",))

    def _loop(self) -> None:
        q = self._q
        killed = False
        while True:
            if self.runner.stopping and not killed:
                killed = True
                self.kill()
            timeout = self._next_look()
            try:
                msg = q.get(timeout=timeout) if timeout is not None else q.get(timeout=0.05)
            except queue.Empty:
                self._look_at_calls()
                continue
            kind = msg[0]
            if kind == "stop":
                continue  # the flag is read at the top of the loop
            if kind == "gone":
                self._waiters -= 1
                if self._waiters == 0:
                    return
                continue
            try:
                if kind == "wait":
                    self._on_wait(msg[1], msg[2])
                elif kind == "go":
                    with contextlib.suppress(ProcessLookupError):
                        self._released(msg[1], msg[2])
                self._look_at_calls()
            except Exception:  # noqa: BLE001 -- a tracer bug must not leave the program stopped
                self._failed(msg)

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
            t.call, t.at_gate = None, False
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
            self._watch(child)
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
        self._watch(child)
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
            runner.emit(
                actor,
                "kernel",
                op="fork",
                sock=mine.id,
                fd=fd,
                local=rec.local,
                peer=rec.peer,
                kernel=self._snapshot(proc, mine) or KernelSnapshot(),
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
        if t.call is None:
            t.call = t.restarting
        if t.call is not None and not runner.stopping:
            name = _signal.Signals(-code).name if code < 0 else f"exit({code})"
            runner.emit(
                t.actor,
                "return",
                op=t.call.op,
                sock=t.call.rec.id if t.call.rec else None,
                fd=t.call.fd,
                ok=False,
                error=name,
                blocked=t.call.blocked,
                duration=round(time.monotonic() - t.call.t0, 6),
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
        try:
            return os.pread(proc.mem, n, addr)
        except OSError:
            return b""

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
        """What the kernel says of the socket (None: the fd is gone, e.g. closing right now)."""
        s = self._dup(proc, rec.fd)
        if s is None:
            return None
        with s:
            snap = kernel.snapshot(s)
            if not rec.tcp and rec.local is not None:
                rq = kernel.udp_rx_queue(rec.local)
                if rq is not None:
                    from dataclasses import replace

                    snap = replace(snap, recv_q=rq)
        return snap

    def _snap_events(
        self, t: Tracee, op: str, recs: list[SockRec | None], call: Call | None = None
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
            peer = self._peer_of(rec)
            if peer is not None and peer[2].id not in seen:
                seen.add(peer[2].id)
                todo.append(peer)
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
            self.runner.emit(
                t.actor, "kernel", op=op, sock=rec.id, fd=rec.fd, kernel=snap, local=rec.local
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
                self._resume(t)
                return
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
        if runner.gate.free_running:
            try:
                runner.gate.pass_through(t.actor, call.op)
            except ActorStopped:
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
            self._snap_events(t, call.op, [call.rec])
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
        call.t0 = time.monotonic()
        call.next_check = call.t0 + FIRST_LOOK
        self._resume(t)

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
            from .dwarf_lines import LineMap, load_base

            if exe not in self._line_maps:
                self._line_maps[exe] = LineMap(exe)
            proc.lines = self._line_maps[exe]
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
            if name == "close" and fd in proc.ignored:
                proc.ignored.discard(fd)
                return None
            rec = self._lookup(t, fd)
            if rec is None:
                return None
            op, shown = _shown(self, proc, name, a, rec)
            call = Call(op, nr, a, shown, rec, fd, None, {})
            if op in _OUT:
                call.payload = self._payload(proc, name, a, self.runner.options.data_cap + 1)
            return call
        if name == "socket":
            family, typ = _s32(a[0]), _s32(a[1]) & 0xF
            if family not in (_socket.AF_INET, _socket.AF_INET6):
                return None  # AF_UNIX, netlink (libc's own, for name lookups): not shown
            shown = {
                "family": _FAMILIES.get(family, family),
                "type": _TYPES.get(typ, typ),
                "proto": _s32(a[2]),
            }
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
    def _next_look(self) -> float | None:
        soonest = None
        for t in self.tracees.values():
            c = t.call
            if c is not None and not t.at_gate and c.t0:
                soonest = c.next_check if soonest is None else min(soonest, c.next_check)
        if soonest is None:
            return None
        return max(0.0, soonest - time.monotonic())

    def _look_at_calls(self) -> None:
        now = time.monotonic()
        for t in list(self.tracees.values()):
            c = t.call
            if c is None or t.at_gate or not c.t0 or now < c.next_check:
                continue
            if c.blocked:
                c.next_check = now + SNAPSHOT_EVERY
                self._snap_events(t, c.op, [c.rec], call=c)
                continue
            sample = _sample(t.proc.pid, t.tid)
            c.checks += 1
            if sample is not None and sample[0] in "SD" and sample[1] == c.nr:
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
        t.call = None
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
        if is_err:
            err = -rval
            f.update(ok=False, result=-1, error=_errno.errorcode.get(err, str(err)))
            f["message"] = os.strerror(err)
            if c.op == "connect" and rec is not None and err == _errno.EINPROGRESS:
                rec.local, rec.peer = self._names_of(proc, rec)
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

    def _names_of(self, proc: Proc, rec: SockRec) -> tuple[Any, Any]:
        s = self._dup(proc, rec.fd)
        if s is None:
            return rec.local, rec.peer
        with s:
            return _names(s)

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
                elif op == "sendto":
                    f["peer"] = self._sockaddr(proc, c.args[4], c.args[5])[1]
                if rec.local is None:
                    rec.local, _ = self._names_of(proc, rec)
                f["local"] = rec.local
        elif op == "getsockopt":
            ln = self._read(proc, c.args[4], 4)
            n = struct.unpack("I", ln)[0] if len(ln) == 4 else 0
            raw = self._read(proc, c.args[3], min(n, 64))
            f["result"] = struct.unpack("i", raw)[0] if len(raw) == 4 else raw.hex()

    def _snap_other(self, t: Tracee, op: str, found: tuple[CTracer, Proc, SockRec]) -> None:
        tracer, proc, rec = found
        if proc.socks.get(rec.fd) is not rec:
            return
        snap = tracer._snapshot(proc, rec)
        if snap is not None:
            self.runner.emit(
                t.actor, "kernel", op=op, sock=rec.id, fd=rec.fd, kernel=snap, local=rec.local
            )

    def _child_actor(self, pid: int) -> str | None:
        t = self.tracees.get(pid)
        return t.actor if t else None


def _forbidden_text(code: int) -> str:
    if code == 120:
        return (
            "this system does not let a program trace its own child (ptrace refused: "
            "Yama ptrace_scope 3, or a container without ptrace)"
        )
    if code == 121:
        return "this system refused no_new_privs, needed for the seccomp filter"
    return "this system refused the seccomp filter (seccomp is not available here)"


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
        """The run is stopping: the tracer's loop looks at the runner's stopping flag now, not
        at its next tick (50 ms idle, 100 ms while a call is blocked)."""
        self.tracer.wake()

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
                    raise PtraceForbidden(_errno.EPERM, "SOCKETSCOPE_C_TRACER=strace was set")
                self.tracer.run()
            finally:
                for fd in (out_w, err_w):
                    with contextlib.suppress(OSError):
                        os.close(fd)
            self.ended = True
        except PtraceForbidden as e:
            self._fallback(str(e.strerror or e))
        finally:
            for th in self._readers:  # the last output is handed on before the program's end
                th.join(1.0)

    def _fallback(self, why: str) -> None:
        """No ptrace tracer here: strace, when installed, still shows the calls (no stepping)."""
        import shutil

        from .strace_fallback import StraceTrace

        strace = shutil.which("strace")
        if strace is None:
            self._refuse(f"{why}; strace is not installed either", "ptrace_forbidden")
            return
        runner, spec = self.runner, self.spec
        runner.emit(
            spec.name,
            "kernel",
            op="trace",
            message=f"the step-by-step tracer cannot run here ({why}): traced with strace "
            "instead; calls are shown as they end, stepping is not available",
            code="c_strace_fallback",
            params={"detail": why},
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

    def _refuse(self, text: str, why: str) -> None:
        self.runner.emit(
            self.spec.name,
            "error",
            error="CANNOT_TRACE",
            message=f"{self.spec.name} cannot be traced here: {text}",
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
