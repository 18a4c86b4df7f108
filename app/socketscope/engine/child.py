"""Process actors: an actor that runs in a child process of its own.

Signals are delivered to a process's main thread, so a lesson about SIGINT/SIGTERM handlers needs
a real process. The child runs the actor function in its main thread with ``ChildRunner``, a
stand-in for the Runner that the traced sockets use unchanged: events go to the parent over a
socketpair (JSON lines), and every call waits at the parent's real StepGate. The parent side is
``ProcessActor``: one manager thread per child that relays events into the trace, answers the
child's requests (the gate, connection pairing, wait_until) and ends the child on stop.

    python -m socketscope.engine.child FD    (started by ProcessActor, not by hand)
"""

from __future__ import annotations

import contextlib
import errno as _errno
import os
import queue
import select
import signal as _signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import kernel
from .actor import ActorContext, RunOptions, _local
from .blocking import BlockWatcher
from .channel import Channel, fd_above, socket_above
from .events import Event, KernelSnapshot
from .gate import ActorStopped, Status
from .pairing import ConnEnd, DatagramMatch, Unreceived, _PendingDatagram
from .snapshots import snapshot_events

if TYPE_CHECKING:
    from .actor import RunnerSide
    from .scenario import ActorSpec
    from .traced import TracedSocket

CHILD_SOCK_BASE = 100_000  # child socket ids: 100000 * (n + 1) + i, never colliding with ours
_CHILD_BOOT = (
    "import sys; sys.path[:] = [p for p in sys.path if p not in ('', '.')]; "
    "from socketscope.engine.child import child_main; "
    "raise SystemExit(child_main(int(sys.argv[1])))"
)
# A frozen app (the PyInstaller bundle) has no `python -c`: its own binary is started with this
# hidden first argument, which socketscope.cli.main hands to child_main.
CHILD_FLAG = "--socketscope-child"


def child_argv(fd: int) -> list[str]:
    """The command that starts a process actor's child, given the socketpair end it inherits."""
    if getattr(sys, "frozen", False):
        return [sys.executable, CHILD_FLAG, str(fd)]
    return [sys.executable, "-c", _CHILD_BOOT, str(fd)]


# How many messages a free-running process actor may have queued for the run host before its
# next call waits for them to be written (a call is 3–5 messages).
BACKLOG = 400


# --- the parent's side ---------------------------------------------------------------------------
class ProcessActor:
    """Runs one process actor: start the child, relay its events and requests, end it."""

    def __init__(
        self, runner: RunnerSide, spec: ActorSpec, index: int, kwargs: dict[str, Any]
    ) -> None:
        self.runner = runner
        self.spec = spec
        self.index = index
        self.kwargs = kwargs
        self.proc: subprocess.Popen[bytes] | None = None
        self._sockets: dict[int, dict[str, Any]] = {}  # what the child opened, for its death
        self.ended = False
        self._in_call: Event | None = None  # the child's call in progress, if any
        self._in_call_blocked = False
        self._in_call_t = 0.0
        self._stderr: Any = None
        self._channel: socket.socket | None = None
        self.root = self  # the program whose forked children are counted (see _fork)
        self.forks = 0
        self.forked: list[ForkedChild] = []
        # datagrams the program (or a child it forked) is sending, by id, until sent or failed
        self.dgrams_in_flight: dict[int, _PendingDatagram] = {}

    def wake(self) -> None:
        """The run is stopping (called by the runner's stop, on its thread): wake the relay now
        rather than at its next 50 ms look, by ending the channel's reading side."""
        sock = self._channel
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RD)

    def send_signal(self, signum: int) -> None:
        if self.proc is None or self.proc.poll() is not None:
            raise ProcessLookupError(_errno.ESRCH, f"{self.spec.name} is not running")
        os.kill(self.proc.pid, signum)

    def write_stdin(self, data: bytes) -> None:
        raise ValueError(f"{self.spec.name} is a process actor: it reads no console")

    def _start(self, child_fd: int) -> dict[str, Any]:
        """Start the child process; the first message it gets. Programs start theirs their way."""
        # the module's file, not co_filename: a frozen app's code objects carry relative paths
        module = sys.modules.get(self.spec.fn.__module__)
        source = getattr(module, "__file__", None) or self.spec.fn.__code__.co_filename
        # Not `-m`: that puts the current directory first on sys.path, and a sockets course
        # folder often holds a student's socket.py that would shadow the standard library.
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 -- read and closed in _reap
        self.proc = subprocess.Popen(
            child_argv(child_fd),
            pass_fds=(child_fd,),
            stdin=subprocess.DEVNULL,
            stderr=self._stderr,
        )
        return {
            "t": "run",
            "actor": self.spec.name,
            "source": source,
            "function": self.spec.fn.__name__,
            "kwargs": self.kwargs,
            "sock_base": CHILD_SOCK_BASE * (self.index + 1),
            "data_cap": self.runner.options.data_cap,
            "free": self.runner.gate.free_running,
            "t0": self.runner.t0,
        }

    def run(self) -> None:
        # out of the way of the run's own sockets, here and in the child (see channel.HIGH_FD)
        parent_end, child_end = (socket_above(s) for s in socket.socketpair())
        ch = Channel(parent_end, fds=True)
        self._channel = parent_end
        try:
            if self.runner.stopping:
                return  # the stop came before there was a channel for wake() to end
            first = self._start(child_end.fileno())
            child_end.close()
            ch.send(first)
            self._relay(ch)
            self._join_forked()
        finally:
            self._reap()
            with contextlib.suppress(OSError):
                parent_end.close()
            with contextlib.suppress(OSError):
                child_end.close()

    def _relay(self, ch: Channel) -> None:
        runner, name = self.runner, self.spec.name
        free = runner.gate.free_running
        while True:
            if runner.stopping:
                with contextlib.suppress(OSError):
                    ch.send({"t": "stop"})
                return
            if runner.gate.free_running != free:
                free = runner.gate.free_running
                try:
                    ch.send({"t": "mode", "free": free})
                except OSError:
                    return  # the child has gone while the mode changed: its process ended
            if not ch.buffered:
                r, _, _ = select.select([ch.sock], [], [], 0.05)
                if ch.sock not in r:
                    continue
            msg = ch.recv()
            if msg is None:
                return  # the child has gone: its process ended
            kind = msg.get("t")
            rid = msg.get("id")
            # a program's threads are actors of their own: their messages name them
            who = str(msg.get("who") or name)
            if kind == "ev":
                self._event(msg["ev"])
            elif kind in ("gate", "reached"):
                # these wait: on a thread of their own, so that the other threads of the same
                # program go on being relayed meanwhile (one gate per thread, not per process)
                threading.Thread(
                    target=self._wait_for,
                    args=(ch, who, msg),
                    name=f"socketscope-gate-{who}",
                    daemon=True,
                ).start()
            elif kind == "status":
                runner.gate.set_status(who, Status(msg["status"]), msg.get("op"))
            elif kind == "milestone":
                runner.milestone(
                    who,
                    msg["op"],
                    returned=msg.get("returned", False),
                    first=msg.get("first", True),
                )
            elif kind == "conn":
                end = runner.pairing.connection(
                    msg["sock"], tuple(msg["local"]), tuple(msg["peer"]), msg["side"]
                )
                self._reply(ch, {"t": "conn", "id": rid, "conn": end.conn, "side": end.side})
            elif kind in ("dgram_send", "dgram_sent", "dgram_failed", "dgram_recv", "dgram_never"):
                self._datagram(ch, rid, msg)
            elif kind == "fork":
                self._fork(ch, rid, ch.fds.pop(0) if ch.fds else None)
            elif kind == "done":
                return

    def _datagram(self, ch: Channel, rid: Any, msg: dict[str, Any]) -> None:
        """A UDP datagram of the program's, on the run's one Pairing (engine/pairing.py): the
        datagrams in flight are the root program's, so a forked child's are found too."""
        pairing, kind = self.runner.pairing, msg["t"]
        flying = self.root.dgrams_in_flight

        def addr(v: Any) -> tuple[str, int] | None:
            return (str(v[0]), int(v[1])) if isinstance(v, list) and len(v) == 2 else None

        if kind == "dgram_send":
            dst = addr(msg["dst"])
            assert dst is not None
            d = pairing.datagram_sending(
                int(msg["sock"]), addr(msg.get("src")), dst, bytes.fromhex(msg["data"])
            )
            flying[d.dgram] = d
            self._reply(ch, {"t": "dgram", "id": rid, "dgram": d.dgram})
        elif kind == "dgram_sent":
            key = int(msg["dgram"])
            if key in flying:
                pairing.datagram_sent(flying.pop(key), addr(msg.get("src")))
        elif kind == "dgram_failed":
            key = int(msg["dgram"])
            if key in flying:
                failed = flying.pop(key)
                pairing.datagram_failed(failed.dst, failed)
        elif kind == "dgram_recv":
            local, src = addr(msg["local"]), addr(msg.get("src"))  # None: recv() said not
            assert local is not None
            m = pairing.datagram_received(local, src, bytes.fromhex(msg["data"]))
            self._reply(
                ch,
                {
                    "t": "dgram",
                    "id": rid,
                    "dgram": m.dgram,
                    "sender": m.sender_sock,
                    "size": m.size,
                    "lost": m.lost,
                    "again": m.again,
                    "unsure": m.unsure,
                },
            )
        else:
            local = addr(msg["local"])
            gone = pairing.datagrams_never_received(local) if local is not None else None
            self._reply(
                ch,
                {
                    "t": "dgram",
                    "id": rid,
                    "dgrams": gone.lost if gone else [],
                    "unsure": gone.unsure if gone else [],
                },
            )

    def _fork(self, ch: Channel, rid: Any, fd: int | None) -> None:
        """A traced Python program is about to fork(): the child gets a lifeline of its own,
        relayed like the program's from the channel end the program sent (SCM_RIGHTS)."""
        if fd is None:  # nothing came with the message: the child runs untraced
            self._reply(ch, {"t": "forked", "id": rid, "actor": None})
            return
        root = self.root
        root.forks += 1
        actor = f"{root.spec.name}/child {root.forks}"
        # ids far from every actor's own (CHILD_SOCK_BASE * (index + 1) + i)
        base = CHILD_SOCK_BASE * 1000 * (root.index + 1) + CHILD_SOCK_BASE * root.forks
        child = ForkedChild(self, actor, socket.socket(fileno=fd))
        root.forked.append(child)
        child.thread.start()
        self._reply(ch, {"t": "forked", "id": rid, "actor": actor, "sock_base": base})

    def _join_forked(self) -> None:
        """The program's relay has ended: its forked children may run on; the run is not over
        until they end (or the run stops, which ends them)."""
        for child in list(self.forked):
            while child.thread.is_alive() and not self.runner.stopping:
                child.thread.join(0.1)
            child.thread.join(1.0)

    def _wait_for(self, ch: Channel, who: str, msg: dict[str, Any]) -> None:
        """Answer a request that waits: the step gate, or another actor's milestone."""
        runner, rid = self.runner, msg.get("id")
        try:
            if msg["t"] == "gate":
                runner.gate.pass_through(who, msg["op"])
                self._reply(ch, {"t": "go", "id": rid, "free": runner.gate.free_running})
            else:
                runner.wait_reached(msg["actor"], msg["op"], msg.get("times", 1))
                self._reply(ch, {"t": "go", "id": rid})
        except ActorStopped:
            self._reply(ch, {"t": "stop"})

    @staticmethod
    def _reply(ch: Channel, msg: dict[str, Any]) -> None:
        with contextlib.suppress(OSError):  # the child may have died while we waited
            ch.send(msg)

    def _event(self, d: dict[str, Any]) -> None:
        # the time the child stamped: when it happened there, not when it reached us (the
        # relay lags by milliseconds, and a packet's cause is found by time)
        t = d.get("t")
        at = float(t) if isinstance(t, (int, float)) and t > 0 else None
        ev = Event.from_json({**d, "seq": 0, "t": 0.0})
        fields = {k: v for k, v in asdict(ev).items() if k not in ("seq", "t", "actor", "kind")}
        if isinstance(fields.get("kernel"), dict):
            fields["kernel"] = KernelSnapshot.from_json(fields["kernel"])
        self.runner.emit(
            ev.actor, ev.kind, at=at, **{k: v for k, v in fields.items() if v is not None}
        )
        if ev.kind == "end":
            self.ended = True
        elif ev.kind == "call":
            self._in_call, self._in_call_blocked = ev, False
            self._in_call_t = self.runner.time() if at is None else at
        elif ev.kind == "blocked":
            self._in_call_blocked = True
        elif ev.kind == "return":
            self._in_call = None
        if ev.kind == "return" and ev.ok and ev.sock is not None:
            s = self._sockets.setdefault(ev.new_sock or ev.sock, {})
            if ev.op == "socket":
                s["fd"] = ev.fd
            if ev.op == "close":
                self._sockets.pop(ev.sock, None)
            elif ev.local:
                s["local"] = ev.local
            if ev.op == "listen":
                s["listening"] = True

    def _reap(self) -> None:
        """End the child if it is still running, and say what the kernel did if it died."""
        proc = self.proc
        if proc is None:
            return
        if self.runner.stopping:
            # On Stop the run is over, and the relay writes nothing the child says from then on:
            # the child is killed at once (the kernel closes its sockets), so that Stop takes
            # milliseconds, not the child's own pace (an interpreter's exit takes tens of ms)
            with contextlib.suppress(OSError):
                proc.kill()
        try:
            code = proc.wait(timeout=0.4)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = proc.wait()
        err = b""
        if self._stderr is not None:
            self._stderr.seek(0)
            err = self._stderr.read()[-4000:]
            self._stderr.close()
        if code > 0 and not self.ended and not self.runner.stopping:
            # the child could not even run the actor: say so, with what it printed
            text = err.decode(errors="replace").strip() or f"exit status {code}"
            self.runner.emit(
                self.spec.name,
                "error",
                error="CHILD_FAILED",
                message=f"the process actor could not run: {text.splitlines()[-1]}",
                code="child_failed",
                params={"detail": text.splitlines()[-1]},
                traceback=text,
            )
        if code < 0 and not self.runner.stopping:
            self._report_death(_signal.Signals(-code).name)

    def _report_death(self, name: str) -> None:
        """The process was killed by signal ``name``: it could not tell us, so say what the kernel
        did — the call it never returned from, the sockets it closed."""
        call = self._in_call
        if call is not None:
            # the call never returned: the process died inside it
            self.runner.emit(
                self.spec.name,
                "return",
                op=call.op,
                sock=call.sock,
                fd=call.fd,
                ok=False,
                error=name,
                blocked=self._in_call_blocked,
                duration=round(self.runner.time() - self._in_call_t, 6),
                message=f"the process was killed by {name} during this call; it never returned",
                code="killed_in_call",
                params={"signal": name},
            )
        # The process could not tell us: its sockets were closed by the kernel at its death.
        for sid, s in self._sockets.items():
            local = s.get("local")
            state = (
                kernel.lingering_state(tuple(local), None) if local and s.get("listening") else None
            )
            self.runner.emit(
                self.spec.name,
                "kernel",
                op="exit",
                sock=sid,
                fd=s.get("fd"),
                message=f"killed by {name}: the kernel closed this socket",
                code="killed_socket_closed",
                params={"signal": name},
                kernel=KernelSnapshot(state=state),
            )
        self.runner.emit(
            self.spec.name,
            "error",
            error=name,
            message=f"the process was killed by {name}",
            code="killed",
            params={"signal": name},
        )


class ForkedChild(ProcessActor):
    """The run host's side of a process a traced Python program forked: its own channel (sent
    by the program at fork()), its own relay, the same event path and per-thread gate."""

    def __init__(self, parent: ProcessActor, actor: str, sock: socket.socket) -> None:
        super().__init__(parent.runner, replace(parent.spec, name=actor), parent.index, {})
        self.root = parent.root
        self._channel = sock
        self.pidfd: int | None = None
        self.pid: int | None = None
        self.thread = threading.Thread(
            target=self.run, name=f"socketscope-relay-{actor}", daemon=True
        )

    def run(self) -> None:
        sock = self._channel
        assert sock is not None
        try:
            self._relay(Channel(sock, fds=True))
            self._join_forked()
        finally:
            self._reap()
            with contextlib.suppress(OSError):
                sock.close()

    def _event(self, d: dict[str, Any]) -> None:
        if d.get("kind") == "start" and self.pidfd is None:
            # the process to end on Stop: it is the program's child, not ours to wait for
            pid = (d.get("params") or {}).get("pid")
            if isinstance(pid, int):
                with contextlib.suppress(OSError):
                    self.pidfd = os.pidfd_open(pid)
                    self.pid = pid
        if d.get("code") == "fd_inherited" and d.get("sock") is not None:
            # held from the start: closed by the kernel if the process dies without a word
            self._sockets[int(d["sock"])] = {"fd": d.get("fd"), "local": d.get("local")}
        super()._event(d)

    def _reap(self) -> None:
        if not self.ended and not self.runner.stopping:
            # it ended without a word (a signal, most likely)
            status = self._exit_status()
            if status is not None and os.WIFSIGNALED(status):
                self._report_death(_signal.Signals(os.WTERMSIG(status)).name)
                self._sockets.clear()  # said, with the signal that closed them
            elif status is not None:
                self.runner.emit(
                    self.spec.name,
                    "kernel",
                    op="exit",
                    message=f"exited with status {os.WEXITSTATUS(status)}",
                    code="program_exited",
                    params={"program": self.spec.name, "status": os.WEXITSTATUS(status)},
                )
            for sid, s in self._sockets.items():
                self.runner.emit(
                    self.spec.name,
                    "kernel",
                    op="exit",
                    sock=sid,
                    fd=s.get("fd"),
                    message="the process ended: the kernel closed this socket",
                    code="program_exit_closed",
                    params={"status": None},
                    kernel=KernelSnapshot(),
                )
            self.runner.gate.set_status(self.spec.name, Status.FINISHED)
            self.runner.emit(self.spec.name, "end")
            self.runner.milestone(self.spec.name, None)
        pidfd, self.pidfd = self.pidfd, None
        if pidfd is None:
            return
        if self.runner.stopping:
            # as for the program itself: Stop ends the process at once, wherever it waits
            with contextlib.suppress(OSError):
                _signal.pidfd_send_signal(pidfd, _signal.SIGKILL)
        os.close(pidfd)

    def _exit_status(self) -> int | None:
        """How the process ended, as waitpid() would say. It is the program's child, not ours to
        wait for: Linux ≥ 6.15 tells whoever holds a pidfd even after the program has collected
        it; older kernels show it in /proc/PID/stat (exit_code, field 52) only while it is a
        zombie. None where neither can tell."""
        if self.pidfd is None or self.pid is None:
            return None
        # the channel ends as the process closes its files; it has exited a moment later
        select.select([self.pidfd], [], [], 1.0)
        # Until its parent collects it, only /proc says (a zombie's exit_code); once it has, only
        # the pidfd does (Linux ≥ 6.15): between the two, neither may yet, so look again a while.
        deadline = time.monotonic() + 1.0
        while True:
            status = kernel.pidfd_exit_status(self.pidfd)
            if status is None:
                status = self._zombie_status()
            if status is not None or time.monotonic() > deadline:
                return status
            select.select([], [], [], 0.005)

    def _zombie_status(self) -> int | None:
        try:
            stat = Path(f"/proc/{self.pid}/stat").read_text()
            fields = stat.rsplit(")", 1)[1].split()
            if fields[0] != "Z" or len(fields) < 50:
                return None
            return int(fields[49])
        except (OSError, ValueError, IndexError):
            return None


# --- the child's side ----------------------------------------------------------------------------
class RemoteGate:
    def __init__(self, child: ChildRunner, free: bool) -> None:
        self.child = child
        self.free_running = free
        self.mode = None

    def pass_through(self, actor: str, op: str) -> None:
        if self.child.stopping:
            raise ActorStopped
        if self.free_running:
            self.child.keep_up()
            return
        reply = self.child.request({"t": "gate", "op": op, "who": actor})
        self.free_running = bool(reply.get("free", self.free_running))

    def set_status(self, actor: str, status: Status, op: str | None = None) -> None:
        self.child.post({"t": "status", "status": status.value, "op": op, "who": actor})


class RemotePairing:
    """Pairing is asked of the run host, which holds the run's one Pairing: a TCP connection's
    id, and each UDP datagram (registered before the real sendto(), named by the receive that
    gets it), so that a program's datagrams pair with any other actor's, C or Python."""

    def __init__(self, child: ChildRunner) -> None:
        self.child = child

    def connection(self, sock_id: int, local: Any, peer: Any, side: str) -> ConnEnd:
        reply = self.child.request(
            {"t": "conn", "sock": sock_id, "local": list(local), "peer": list(peer), "side": side}
        )
        return ConnEnd(int(reply["conn"]), str(reply["side"]))

    def peer_sock(self, conn: int, side: str) -> int | None:
        return None  # the peer may live in another process: no snapshot of it from here

    def datagram_sending(
        self, sender_sock: int, src: Any, dst: Any, payload: bytes
    ) -> _PendingDatagram:
        reply = self.child.request(
            {
                "t": "dgram_send",
                "sock": sender_sock,
                "src": list(src) if src else None,
                "dst": list(dst),
                "data": payload.hex(),
            }
        )
        return _PendingDatagram(int(reply["dgram"]), sender_sock, src, dst, b"")

    def datagram_sent(self, d: _PendingDatagram, src: Any) -> None:
        if d.dgram is not None:
            self.child.post(
                {"t": "dgram_sent", "dgram": d.dgram, "src": list(src) if src else None}
            )

    def datagram_failed(self, dst: Any, d: _PendingDatagram) -> None:
        if d.dgram is not None:
            self.child.post({"t": "dgram_failed", "dgram": d.dgram})

    def datagram_received(self, local: Any, src: Any, payload: bytes) -> DatagramMatch:
        reply = self.child.request(
            {
                "t": "dgram_recv",
                "local": list(local),
                "src": list(src) if src is not None else None,
                "data": payload.hex(),
            }
        )
        dgram, size = reply.get("dgram"), reply.get("size")
        return DatagramMatch(
            int(dgram) if dgram is not None else None,
            reply.get("sender"),
            int(size) if size is not None else None,
            [int(x) for x in reply.get("lost") or ()],
            bool(reply.get("again")),
            [int(x) for x in reply.get("unsure") or ()],
        )

    def datagrams_never_received(self, local: Any) -> Unreceived:
        reply = self.child.request({"t": "dgram_never", "local": list(local)})
        return Unreceived(
            [int(x) for x in reply.get("dgrams") or ()],
            [int(x) for x in reply.get("unsure") or ()],
        )


class _ForkedPairing(RemotePairing):
    """Pairing in a process forked from a traced program: nobody to ask (see detach)."""

    def connection(self, sock_id: int, local: Any, peer: Any, side: str) -> ConnEnd:
        return ConnEnd(0, side)

    def datagram_sending(
        self, sender_sock: int, src: Any, dst: Any, payload: bytes
    ) -> _PendingDatagram:
        return _PendingDatagram(None, sender_sock, src, dst, b"")  # type: ignore[arg-type]

    def datagram_sent(self, d: _PendingDatagram, src: Any) -> None:
        pass

    def datagram_failed(self, dst: Any, d: _PendingDatagram) -> None:
        pass

    def datagram_received(self, local: Any, src: Any, payload: bytes) -> DatagramMatch:
        return DatagramMatch(None, None)

    def datagrams_never_received(self, local: Any) -> Unreceived:
        return Unreceived([], [])


class ChildRunner:
    """What TracedSocket needs of a Runner, inside the child process."""

    def __init__(self, ch: Channel, msg: dict[str, Any]) -> None:
        self.ch = ch
        self.options = RunOptions(data_cap=int(msg["data_cap"]), burst_after=10**12)
        self.gate = RemoteGate(self, bool(msg.get("free")))
        self.pairing = RemotePairing(self)
        self.stopping = False
        self.detached = False
        self._replies: list[dict[str, Any]] = []
        self._cond = threading.Condition()
        self._next_id = int(msg["sock_base"])
        self._socks: dict[int, TracedSocket] = {}
        self._listeners: dict[Any, TracedSocket] = {}
        self.fd_lock = threading.RLock()
        self.watcher = BlockWatcher()
        self._stop_event = threading.Event()
        # the run's time zero, passed down: CLOCK_MONOTONIC is one clock for every process, so
        # this process's events and the run host's (and the capture's packets) compare. A
        # forked child keeps it (fork copies it), so its events are on the same clock too.
        self._t0 = float(msg["t0"]) if "t0" in msg else time.monotonic()
        self._ids = 0
        # A signal handler runs in the main thread, possibly in the middle of a write: so nothing
        # writes to the channel but this one writer thread, fed by a queue.
        self._out: queue.SimpleQueue[dict[str, Any] | None] = queue.SimpleQueue()
        self._caught_up = threading.Event()
        self._writer = threading.Thread(
            target=self._write, name="socketscope-child-writer", daemon=True
        )
        self._writer.start()
        threading.Thread(target=self._read, name="socketscope-child-reader", daemon=True).start()

    # messages
    def post(self, msg: dict[str, Any]) -> None:
        if not self.detached:
            self._out.put(msg)

    def detach(self) -> None:
        """In a process a traced program forked: the channel and the threads that served it are
        the parent's, so from here on nothing is sent or asked, and no call waits at a gate.
        The new process runs on, untraced (the parent's trace says so, at the fork)."""
        self.detached = True
        self.gate.free_running = True
        self.pairing = _ForkedPairing(self)
        self.watcher = BlockWatcher(kernel=False)
        self._cond = threading.Condition()
        self.fd_lock = threading.RLock()

    def reattach(self, ch: Channel, sock_base: int) -> None:
        """In a process a traced program forked, with a channel of its own to the run host:
        the parent's threads (writer, reader, watcher) did not come along; new ones serve the
        new channel, and the sockets made here from now on get ids from ``sock_base`` up."""
        self.ch = ch
        self.detached = False
        self.stopping = False
        self.pairing = RemotePairing(self)
        self.watcher = BlockWatcher()
        self._replies = []
        self._cond = threading.Condition()
        self.fd_lock = threading.RLock()
        self._stop_event = threading.Event()
        self._next_id = sock_base
        self._ids = 0
        self._out = queue.SimpleQueue()
        self._caught_up = threading.Event()
        self._writer = threading.Thread(
            target=self._write, name="socketscope-child-writer", daemon=True
        )
        self._writer.start()
        threading.Thread(target=self._read, name="socketscope-child-reader", daemon=True).start()

    def _write(self) -> None:
        while (msg := self._out.get()) is not None:
            fds = msg.pop("_fds", None)
            with contextlib.suppress(OSError):
                if fds:
                    self.ch.send_with_fds(msg, fds)
                else:
                    self.ch.send(msg)
            for fd in fds or ():  # the run host holds its own copy now
                with contextlib.suppress(OSError):
                    os.close(fd)
            if self._out.qsize() < BACKLOG // 2:
                self._caught_up.set()

    def keep_up(self) -> None:
        """A free-running actor that makes calls faster than the run host takes in their events
        waits here for the writer to catch up: unchecked, a busy loop ran seconds ahead of its
        own events (the queue only grows), and a stop or the process's exit had all of them to
        write first."""
        while self._out.qsize() > BACKLOG and not self.stopping:
            self._caught_up.clear()
            if self._out.qsize() <= BACKLOG:
                break
            # not a lock: a signal handler that runs in here and makes a call waits here too
            self._caught_up.wait(0.05)

    def flush(self) -> None:
        """Everything posted so far is written (before the process exits)."""
        if self.detached:
            return
        self._out.put(None)
        # No time limit: a busy actor can be seconds of events ahead of the relay, and a process
        # that exited before they were written would lose its last calls and how it ended. This
        # cannot hang: if the run host has gone, the writes fail at once and the writer ends; on
        # Stop the run host kills this process.
        self._writer.join()

    def request(self, msg: dict[str, Any]) -> dict[str, Any]:
        """Ask the parent and wait for the reply to this very request: a signal handler can ask
        in between (a handler's close() while the interrupted call waits at the gate)."""
        with self._cond:  # the threads of a program ask at the same time
            self._ids += 1
            rid = self._ids
        self.post({**msg, "id": rid})
        with self._cond:
            while True:
                if self.stopping:
                    raise ActorStopped
                for i, r in enumerate(self._replies):
                    if r.get("id") == rid or r.get("t") == "stop":
                        reply = self._replies.pop(i)
                        break
                else:
                    self._cond.wait(0.5)
                    continue
                break
        if reply.get("t") == "stop":
            self._stop()
            raise ActorStopped
        return reply

    def _read(self) -> None:
        while True:
            msg = self.ch.recv()
            if msg is None or msg.get("t") == "stop":
                self._stop()
                return
            if msg.get("t") == "mode":
                self.gate.free_running = bool(msg["free"])
                continue
            with self._cond:
                self._replies.append(msg)
                self._cond.notify_all()

    def _stop(self) -> None:
        self.stopping = True
        self._stop_event.set()
        self._caught_up.set()
        with self._cond:
            self._cond.notify_all()
        # wake every call blocked in the kernel, as the runner's stop does
        with self.fd_lock:
            live = [s for s in self._socks.values() if not s.closed]
        for s in live:
            s.shutdown_for_stop()

    # what TracedSocket and TracedCall use
    def emit(self, actor: str, kind: str, **fields: Any) -> None:
        t = round(time.monotonic() - self._t0, 6)  # stamped here, where it happened
        self.post({"t": "ev", "ev": Event(0, t, actor, kind, **fields).to_json()})  # type: ignore[arg-type]

    def register(self, sock: TracedSocket) -> int:
        with self.fd_lock:  # a program's threads make sockets at the same time
            self._next_id += 1
            self._socks[self._next_id] = sock
            return self._next_id

    def sock(self, sid: int | None) -> TracedSocket | None:
        return self._socks.get(sid) if sid is not None else None

    def add_listener(self, addr: Any, sock: TracedSocket) -> None:
        self._listeners[addr] = sock

    def listener_at(self, addr: Any) -> TracedSocket | None:
        return self._listeners.get(addr)

    def milestone(
        self, actor: str, op: str | None, returned: bool = False, first: bool = True
    ) -> None:
        self.post({"t": "milestone", "op": op, "returned": returned, "first": first, "who": actor})

    def has_reached(self, actor: str, op: str | None, times: int = 1) -> bool:
        return False  # always ask the parent, in wait_reached

    def wait_reached(self, actor: str, op: str | None, times: int = 1) -> None:
        self.request({"t": "reached", "actor": actor, "op": op, "times": times})

    def snapshot_events(
        self,
        actor: str,
        op: str,
        socks: list[TracedSocket],
        changed_since: dict[int, KernelSnapshot] | None = None,
        proc: bool = True,
    ) -> None:
        snapshot_events(self.emit, self.fd_lock, actor, op, socks, changed_since, proc)

    def spawn(self, parent: str, name: str, fn: Any, args: Any) -> None:
        raise NotImplementedError("spawn() is not available inside a process actor")

    def send_signal(self, actor: str, signum: int) -> None:
        raise NotImplementedError("kill() is not available inside a process actor")

    def flush_burst(self, ctx: Any) -> None:
        pass  # no bursts in a process actor: every call is recorded

    def time(self) -> float:
        return time.monotonic() - self._t0

    def pause(self, seconds: float) -> bool:
        return self._stop_event.wait(seconds) or self.stopping


def child_main(fd: int) -> int:
    from socketscope import logs

    from .loopback import install
    from .scenario import load_file

    logs.setup()  # --debug reaches here through the environment
    install()  # a process actor's plain sockets stay on loopback too
    ch = Channel(socket.socket(fileno=fd_above(fd)))
    msg = ch.recv()
    if msg is None or msg.get("t") != "run":
        return 2
    # As in a C program, SIGINT terminates the process unless the scenario installs a handler
    # (Python would otherwise raise KeyboardInterrupt in whatever call is running).
    _signal.signal(_signal.SIGINT, _signal.SIG_DFL)
    runner = ChildRunner(ch, msg)
    name = msg["actor"]
    scenario = load_file(msg["source"])
    spec = next(a for a in scenario.actors if a.fn.__name__ == msg["function"])
    ctx = ActorContext(runner, name, spec)
    _local.actor = ctx
    runner.gate.set_status(name, Status.RUNNING)
    runner.emit(
        name,
        "start",
        message=f"{spec.fn.__name__} (process {os.getpid()})",
        code="process_started",
        params={"function": spec.fn.__name__, "pid": os.getpid()},
    )
    code = 0
    try:
        spec.fn(**msg["kwargs"])
    except ActorStopped:
        pass
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 0
        runner.emit(
            name,
            "kernel",
            op="exit",
            message=f"sys.exit({e.code}) in process {os.getpid()}",
            code="sys_exit",
            params={"status": e.code, "pid": os.getpid()},
        )
    except BaseException as exc:  # noqa: BLE001 -- reported to the parent like a thread actor's
        runner.emit(
            name,
            "error",
            error=type(exc).__name__,
            message=f"{type(exc).__name__}: {exc}",
            code="exception",
            params={"type": type(exc).__name__, "text": str(exc)},
            traceback=traceback.format_exc(),
        )
    finally:
        # the kernel closes a process's sockets when it exits; say so for those left open
        for s in list(runner._socks.values()):
            if not s.closed:
                s.close_at_exit()
        runner.gate.set_status(name, Status.FINISHED)
        runner.emit(name, "end")
        runner.milestone(name, None)
        runner.post({"t": "done"})
        runner.flush()
    return code


if __name__ == "__main__":
    raise SystemExit(child_main(int(sys.argv[1])))
