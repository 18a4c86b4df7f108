"""Inside a traced Python program's own interpreter: trace the ``socket`` module, then run it.

Started by :class:`~.python.PythonProgramActor` with the inherited end of a socketpair. Before
the script's first line runs, ``socket.socket`` is :class:`ProgramSocket` (a traced socket that is
also shaped like the standard one), ``select.select`` and the selectors socketserver uses are
traced, and every thread the program starts becomes an actor of its own on its first socket call
(a lifeline named ``server.py/Thread-2 (...)``, each with its own step gate). Then the script runs
with ``runpy``, as ``__main__``, with its own ``sys.argv`` and its folder first on ``sys.path``.

The channel to the parent is a socket made before any of this, written by the engine's own
thread with the real socket class: the program's tracing never sees it.
"""

from __future__ import annotations

import contextlib
import os
import runpy
import select as _select_mod
import selectors
import signal as _signal
import socket as _socket_mod
import sys
import threading
import traceback
from typing import Any, NoReturn

from socketscope.engine import actor as _actor
from socketscope.engine.actor import ActorContext, _local
from socketscope.engine.channel import Channel, fd_above
from socketscope.engine.child import ChildRunner
from socketscope.engine.gate import ActorStopped, Status
from socketscope.engine.loopback import install as install_loopback
from socketscope.engine.traced import _FAMILY, _TYPE, TracedCall, TracedSocket, addr_json

_RealSocket = _socket_mod.socket  # before anything replaces it
_real_select = _select_mod.select
_WILDCARD = ("", "0.0.0.0", "::", b"", b"0.0.0.0")

_runner: ChildRunner | None = None
_program = "program"
_me = "program"  # this process's lifeline: the program's, or a forked child's


def _ctx() -> ActorContext:
    return _actor.current_actor()


class ProgramSocket(TracedSocket):
    """``socket.socket`` in a traced program: every call traced as a lesson's, and the rest of
    the standard socket's surface (``makefile``, ``family``, ``dup`` …) there too."""

    def __new__(
        cls, family: int = -1, type: int = -1, proto: int = -1, fileno: int | None = None
    ) -> Any:
        fam = _socket_mod.AF_INET if family == -1 else family
        kind = _socket_mod.SOCK_STREAM if type == -1 else type
        if fileno is not None or fam not in _FAMILY or (kind & 0xF) not in _TYPE:
            # AF_UNIX, a socket made from an fd: a plain (guarded) socket, not traced
            return _socket_mod_guarded()(family, type, proto, fileno)
        return super().__new__(cls)

    def __init__(
        self, family: int = -1, type: int = -1, proto: int = -1, fileno: int | None = None
    ) -> None:
        fam = _socket_mod.AF_INET if family == -1 else family
        kind = (_socket_mod.SOCK_STREAM if type == -1 else type) & 0xF
        proto = 0 if proto == -1 else proto
        ctx = _ctx()
        args = {"family": _FAMILY[fam], "type": _TYPE.get(kind, kind), "proto": proto}
        self._io_refs = 0
        with TracedCall(ctx, None, "socket", args) as c:
            TracedSocket.__init__(self, ctx.runner, fam, kind, proto, owner=ctx.name)
            c.sock = self
            c.result = self.fd
        self._standard_kinds()

    @classmethod
    def _adopt(cls, runner: Any, sock: TracedSocket, real: Any, owner: str) -> ProgramSocket:
        obj: ProgramSocket = object.__new__(cls)
        obj._io_refs = 0
        TracedSocket.__init__(
            obj, runner, sock.family, sock.type, sock.proto, owner=owner, real=real
        )
        obj._standard_kinds()
        return obj

    def _standard_kinds(self) -> None:
        # as the standard socket shows them (socketserver and http.server print these)
        self.family = _socket_mod.AddressFamily(self.family)
        self.type = _socket_mod.SocketKind(self.type)

    def _accepted(self, real: Any, owner: str) -> TracedSocket:
        return ProgramSocket._adopt(self._runner, self, real, owner)

    # --- what the standard socket has besides the calls ------------------------------------
    def makefile(self, *args: Any, **kwargs: Any) -> Any:
        # the standard implementation, reading and writing through this socket's traced
        # recv_into() and send(): a makefile()'s reads and writes are on the diagram
        return _RealSocket.makefile(self, *args, **kwargs)  # type: ignore[call-overload]

    def _decref_socketios(self) -> None:
        self._io_refs -= 1

    @property
    def _closed(self) -> bool:
        return self.closed

    def bind(self, address: tuple[Any, ...]) -> None:
        if (
            isinstance(address, tuple)
            and len(address) >= 2
            and address[0] in _WILDCARD
            and self.family in (_socket_mod.AF_INET, _socket_mod.AF_INET6)
        ):
            # every interface: on loopback instead, so that nothing from outside can reach it
            here = "::1" if self.family == _socket_mod.AF_INET6 else "127.0.0.1"
            wanted = str(addr_json(address)[0]) or "every interface"
            ctx = _ctx()
            ctx.runner.emit(
                ctx.name,
                "kernel",
                op="bind",
                sock=self.id,
                fd=self.fd,
                message=f"bind to {wanted} made on {here}: SocketScope keeps programs on this "
                "machine",
                code="bind_made_on_loopback",
                params={"address": wanted, "loopback": here},
            )
            address = (here, *address[1:])
        super().bind(address)

    def __getattr__(self, name: str) -> Any:
        # the rest of the standard surface (dup, sendmsg, set_inheritable …): the real
        # socket's, not traced
        if name.startswith("__") or name in ("_s", "_runner"):
            raise AttributeError(name)
        return getattr(self._s, name)

    def __del__(self) -> None:
        pass  # the run closes what the program left open, and says so


def _socket_mod_guarded() -> Any:
    from socketscope.engine.loopback import GuardedSocket

    return GuardedSocket


# --- select ------------------------------------------------------------------------------------
def _traced_by_fd(fd: int) -> TracedSocket | None:
    assert _runner is not None
    for s in list(_runner._socks.values()):
        if not s.closed and s.fd == fd:
            return s
    return None


def _fd_of(o: Any) -> int:
    return o if isinstance(o, int) else int(o.fileno())


def traced_select(
    rlist: Any, wlist: Any, xlist: Any, timeout: float | None = None
) -> tuple[list[Any], list[Any], list[Any]]:
    """``select.select`` in a traced program: a call of its own on the diagram, that blocks
    (and shows it) until one of the sockets is ready. Anything select() takes is taken: sockets,
    files, fds (a chat client selects on its socket and sys.stdin)."""
    groups = [list(rlist), list(wlist), list(xlist)]
    fds = [[_fd_of(o) for o in g] for g in groups]
    ids = [[s.id for f in g if (s := _traced_by_fd(f)) is not None] for g in fds]
    # the sockets' fds first, in the order of their ids (the trace pairs them), then the rest
    fds = [
        [f for f in g if _traced_by_fd(f) is not None] + [f for f in g if _traced_by_fd(f) is None]
        for g in fds
    ]
    if not any(ids):
        return _real_select(
            groups[0], groups[1], groups[2], timeout
        )  # no socket of the program's: not a socket call
    ctx = _ctx()
    args = {
        "r": ids[0],
        "w": ids[1],
        "x": ids[2],
        "timeout": timeout,
        "fds": {"r": fds[0], "w": fds[1], "x": fds[2]},
    }
    with TracedCall(ctx, None, "select", args) as c:
        r, w, x = c.io(lambda: _real_select(groups[0], groups[1], groups[2], timeout))
        out = (list(r), list(w), list(x))
        c.result = {
            k: [s.id for o in got if (s := _traced_by_fd(_fd_of(o))) is not None]
            for k, got in zip("rwx", out, strict=True)
        }
        c.result["fds"] = {k: [_fd_of(o) for o in got] for k, got in zip("rwx", out, strict=True)}
    return out


class _TracedSelectSelector(selectors.SelectSelector):
    """The selectors socketserver and a selectors chat server use, over the traced select."""

    def _select(self, r: Any, w: Any, _: Any, timeout: float | None = None) -> Any:
        r, w, x = traced_select(r, w, w, timeout)
        return r, w + x, []


def _trace_modules() -> None:
    """Replace the socket module's class and select functions before the program imports them."""
    _socket_mod.socket = ProgramSocket  # type: ignore[misc,assignment]
    _socket_mod.SocketType = ProgramSocket  # type: ignore[assignment]
    _select_mod.select = traced_select
    os.fork = traced_fork
    os._exit = traced_exit  # type: ignore[assignment]
    selectors.DefaultSelector = _TracedSelectSelector  # type: ignore[misc,assignment]
    selectors.SelectSelector = _TracedSelectSelector  # type: ignore[misc]
    import socketserver

    socketserver._ServerSelector = _TracedSelectSelector  # type: ignore[attr-defined]


# --- threads -----------------------------------------------------------------------------------
def _adopt_thread() -> ActorContext | None:
    """A thread of the program makes its first socket call: it becomes an actor of its own."""
    runner = _runner
    if runner is None:
        return None
    th = threading.current_thread()
    # "Thread-2 (process_request_thread)": the target's name is in the start event's message;
    # the lifeline's name stays short enough to read above its lane
    # (in a forked child, under the child's name: its threads are its own, not the program's)
    name = f"{_me}/{th.name.split(' (')[0]}"
    ctx = ActorContext(runner, name)
    _local.adopted = True
    runner.gate.set_status(name, Status.RUNNING)
    runner.emit(
        name,
        "start",
        message=f"{th.name} (thread of {_program})",
        code="thread_started",
        params={"thread": th.name, "program": _program, "parent": _me},
    )
    return ctx


def _thread_ended() -> None:
    ctx: ActorContext | None = getattr(_local, "actor", None)
    runner = _runner
    if ctx is None or runner is None or not getattr(_local, "adopted", False):
        return
    runner.gate.set_status(ctx.name, Status.FINISHED)
    runner.emit(ctx.name, "end")
    runner.milestone(ctx.name, None)
    ctx.close_probe()
    _local.actor = None


def _trace_threads() -> None:
    original = threading.Thread._bootstrap_inner  # type: ignore[attr-defined]

    def bootstrap_inner(self: threading.Thread) -> None:
        try:
            original(self)
        finally:
            _thread_ended()

    threading.Thread._bootstrap_inner = bootstrap_inner  # type: ignore[attr-defined]
    previous_hook = threading.excepthook

    def excepthook(args: Any) -> None:
        if isinstance(args.exc_value, ActorStopped):
            return  # the run's Stop, not the program's failure
        ctx: ActorContext | None = getattr(_local, "actor", None)
        if ctx is not None and _runner is not None:
            _runner.emit(
                ctx.name,
                "error",
                error=type(args.exc_value).__name__,
                message=f"{type(args.exc_value).__name__}: {args.exc_value}",
                code="exception",
                params={"type": type(args.exc_value).__name__, "text": str(args.exc_value)},
                traceback="".join(
                    traceback.format_exception(args.exc_type, args.exc_value, args.exc_traceback)
                ),
            )
        previous_hook(args)

    threading.excepthook = excepthook


def _user_files(script: str) -> Any:
    """The program's own file: a call's line is the line in it that led to the call (a call in
    a helper module or in socketserver is shown at the line of the script that called it), so
    every line of an event is a line of the file the code panel shows."""
    mine = os.path.realpath(script)
    known: dict[str, bool] = {}

    def is_mine(filename: str) -> bool:
        hit = known.get(filename)
        if hit is None:
            hit = known[filename] = (
                not filename.startswith("<") and os.path.realpath(filename) == mine
            )
        return hit

    return is_mine


# --- fork ---------------------------------------------------------------------------------------
_real_fork = os.fork
_real_exit = os._exit
_in_traced_fork = False


def _pair_above() -> tuple[int, int]:
    """A socketpair at fds above the program's (channel.HIGH_FD): the forked child's channel.
    Made with ``_socket``: the ``socket`` module's own socketpair() would use the traced class."""
    import _socket

    a, b = _socket.socketpair(_socket.AF_UNIX, _socket.SOCK_STREAM)
    fds = (fd_above(a.detach()), fd_above(b.detach()))
    return fds


def traced_fork() -> int:
    """``os.fork`` in a traced program: a call on the parent's lifeline, and a lifeline of its
    own for the child (``server.py/child 1``), traced and stepped like the program. The child's
    channel to the run host is one end of a socketpair; the other end goes to the run host over
    the program's channel (SCM_RIGHTS) before the fork, so the child's first event has a relay."""
    global _in_traced_fork
    runner = _runner
    if runner is None or runner.detached:
        return _real_fork()
    ctx = _ctx()  # a thread's first call: the thread becomes a lifeline of its own
    c = TracedCall(ctx, None, "fork", {})
    c.__enter__()
    host_end, child_end = _pair_above()
    try:
        reply = runner.request({"t": "fork", "_fds": [host_end]})  # the writer closes host_end
    except BaseException as e:
        os.close(child_end)
        c.__exit__(type(e), e, None)
        raise
    actor = reply.get("actor")
    _in_traced_fork = True
    try:
        pid = _real_fork()
    except OSError as e:
        _in_traced_fork = False
        os.close(child_end)
        c.__exit__(type(e), e, None)
        raise
    if pid == 0:
        # the child: never leaves the parent's fork() call on the parent's lifeline
        _in_traced_fork = False
        if actor is None:
            os.close(child_end)
            runner.detach()
        else:
            _child_starts(runner, ctx, str(actor), int(reply["sock_base"]), child_end)
        return 0
    _in_traced_fork = False
    os.close(child_end)
    c.result = pid
    if actor is not None:
        c.params = {"child": actor}
    c.__exit__(None, None, None)
    return pid


def _child_starts(
    runner: ChildRunner, parent: ActorContext, actor: str, base: int, fd: int
) -> None:
    """In the forked child: its own channel, its own lifeline, and the sockets it holds."""
    global _me
    _me = actor
    old = {s.id: s for s in runner._socks.values() if not s.closed}
    runner._socks = {}
    runner.reattach(Channel(_RealSocket(fileno=fd)), base)
    ctx = ActorContext(runner, actor)
    _local.actor = ctx
    _local.adopted = False
    runner.gate.set_status(actor, Status.RUNNING)
    runner.emit(
        actor,
        "start",
        message=f"fork(): process {os.getpid()}, a child of {parent.name} (process {os.getppid()})",
        code="program_forked",
        params={"pid": os.getpid(), "ppid": os.getppid(), "parent": parent.name},
    )
    # the child holds every socket the parent held at fork(): the same kernel sockets, under
    # the same fd numbers; on the child's lifeline with ids of its own (as the C tracer does)
    for old_id, s in sorted(old.items()):
        s.id = runner.register(s)
        s.owner = actor
        runner.emit(
            actor,
            "kernel",
            op="fork",
            sock=s.id,
            fd=s.fd,
            local=s._local,
            peer=s._peer,
            message=f"fd {s.fd} inherited from {parent.name}: the same socket",
            code="fd_inherited",
            params={
                "from_sock": old_id,
                "from_actor": parent.name,
                "type": "TCP" if s.is_tcp else "UDP",
                "conn": s.conn.conn if s.conn is not None else None,
                "listening": s.listening,
            },
        )


def traced_exit(code: int) -> NoReturn:
    """``os._exit`` in a traced program (a forked child's usual end): the lifeline ends, and
    the sockets still open are closed by the kernel, as the trace says, before the process goes."""
    runner = _runner
    if runner is not None and not runner.detached and not runner.stopping:
        with contextlib.suppress(BaseException):
            _finish(runner, _me)
    _real_exit(code)


def _untraced_fork() -> None:
    """A fork the traced fork() did not make (os.forkpty, a C extension): say so."""
    ctx: ActorContext | None = getattr(_local, "actor", None)
    if _in_traced_fork or ctx is None or _runner is None or _runner.detached:
        return
    _runner.emit(
        ctx.name,
        "kernel",
        op="fork",
        message="fork(): the new process runs untraced (the processes a traced Python program "
        "forks are not traced yet)",
        code="fork_untraced",
        params={"program": _program},
    )


def _untraced_child() -> None:
    if _runner is not None and not _in_traced_fork:
        _runner.detach()


# --- main --------------------------------------------------------------------------------------
def program_main(fd: int, engine_root: str | None = None) -> int:
    global _runner, _program, _me
    if engine_root is not None and sys.path and sys.path[0] == engine_root:
        sys.path.pop(0)  # the engine's folder, put there by the boot line: not the program's
    ch = Channel(_RealSocket(fileno=fd_above(fd)))
    install_loopback()  # the program's names resolve to loopback only (calls-only mode)
    msg = ch.recv()
    if msg is None or msg.get("t") != "run":
        return 2
    _signal.signal(_signal.SIGINT, _signal.default_int_handler)  # as plain python3 has it
    runner = ChildRunner(ch, msg)
    _runner = runner
    name = _program = _me = str(msg["actor"])
    kind, target, args = str(msg["kind"]), str(msg["target"]), list(msg["args"])
    _trace_modules()
    _trace_threads()
    os.register_at_fork(before=_untraced_fork, after_in_child=_untraced_child)
    _actor.adopt_thread = _adopt_thread
    if kind == "script":
        script = os.path.realpath(target)
        sys.argv = [target, *args]
        sys.path.insert(0, os.path.dirname(script))
        _actor.user_files = _user_files(script)
    else:
        sys.argv = [target, *args]
        sys.path.insert(0, os.getcwd())
    ctx = ActorContext(runner, name)
    _local.actor = ctx
    runner.gate.set_status(name, Status.RUNNING)
    runner.emit(
        name,
        "start",
        message=f"{name} (process {os.getpid()})",
        code="process_started",
        params={"function": name, "pid": os.getpid()},
    )
    code = 0
    try:
        if kind == "script":
            runpy.run_path(target, run_name="__main__")
        else:
            runpy.run_module(target, run_name="__main__", alter_sys=True)
    except ActorStopped:
        pass
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        if e.code is not None and not isinstance(e.code, int):
            print(e.code, file=sys.stderr)
    except KeyboardInterrupt:
        code = 130
        traceback.print_exc()
    except BaseException as exc:  # noqa: BLE001 -- the program's own failure, shown as python shows it
        code = 1
        tb = traceback.format_exc()
        sys.stderr.write(tb)
        line = None
        if _actor.user_files is not None:
            for frame, lineno in traceback.walk_tb(exc.__traceback__):
                if _actor.user_files(frame.f_code.co_filename):
                    line = lineno
        runner.emit(
            _me,
            "error",
            line=line,
            error=type(exc).__name__,
            message=f"{type(exc).__name__}: {exc}",
            code="exception",
            params={"type": type(exc).__name__, "text": str(exc)},
            traceback=tb,
        )
    finally:
        _finish(runner, _me)
    _real_exit(code)


def _finish(runner: ChildRunner, name: str) -> None:
    """This process's lifeline ends: at the script's end, or at os._exit()."""
    runner.gate.set_status(name, Status.FINISHED)
    runner.emit(name, "end")
    runner.milestone(name, None)
    # as the interpreter does at exit: wait for the program's other (non-daemon) threads
    with contextlib.suppress(BaseException):
        _join_threads(runner)
    for s in list(runner._socks.values()):
        if not s.closed:
            s.close_at_exit()
    runner.post({"t": "done"})
    runner.flush()
    with contextlib.suppress(Exception):
        sys.stdout.flush()
        sys.stderr.flush()


def _join_threads(runner: ChildRunner) -> None:
    me = threading.current_thread()
    while not runner.stopping:
        alive = [t for t in threading.enumerate() if t is not me and not t.daemon and t.is_alive()]
        alive = [t for t in alive if not t.name.startswith("socketscope-")]
        if not alive:
            return
        alive[0].join(0.2)
