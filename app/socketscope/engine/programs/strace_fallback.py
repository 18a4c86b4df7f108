"""Where the ptrace tracer cannot run: a C program traced by strace instead, with no stepping.

strace writes a line when a call returns (``-f`` adds ``<unfinished ...>`` / ``resumed`` halves
when processes interleave), so calls are shown as they end: a blocked call is known from its
duration only (``evidence="time"``), and nothing waits at the step gate. ``-yy`` names each
socket fd with its addresses (``3<TCP:[127.0.0.1:5050->127.0.0.1:43210]>``), which pairs the
connections; ``-xx`` writes every byte as ``\\xNN``, paths and addresses included.
Facts measured in shared/PROGRAMS.md.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import threading
from dataclasses import dataclass, field
from typing import Any

from socketscope.engine.gate import Status

TRACE = (
    "socket,bind,listen,accept,accept4,connect,read,write,readv,writev,sendto,recvfrom,"
    "sendmsg,recvmsg,shutdown,close,setsockopt,getsockopt,clone,clone3,fork,vfork"
)
BLOCKED_AFTER = 0.005  # s: a call that took this long is shown blocked, measured by time only

_LINE = re.compile(r"^(\d+)\s+(\d+\.\d+)\s+(.*)$")
_FULL = re.compile(r"^(\w+)\((.*)\)\s+=\s+(.*?)(?:\s+<(\d+\.\d+)>)?$")
_UNFINISHED = re.compile(r"^(\w+)\((.*?)\s*<unfinished \.\.\.>$")
_RESUMED = re.compile(r"^<\.\.\. (\w+) resumed>(.*)\)\s+=\s+(.*?)(?:\s+<(\d+\.\d+)>)?$")
_FD = re.compile(r"^(\d+)<(TCP|UDP|TCPv6|UDPv6):\[([^\]]*)\]>")
_RET = re.compile(r"^(-?\d+)(?:<(TCP|UDP|TCPv6|UDPv6):\[([^\]]*)\]>)?(?:\s+(E\w+)\s+\((.*)\))?")
_DATA = re.compile(r'"((?:\\x[0-9a-f]{2})*)"(\.\.\.)?')
_V4 = re.compile(r'sin_port=htons\((\d+)\), sin_addr=inet_addr\("((?:\\x[0-9a-f]{2})*)"\)')
_V6 = re.compile(r'sin6_port=htons\((\d+)\).*?inet_pton\(AF_INET6, "((?:\\x[0-9a-f]{2})*)"')
_OPS = {"accept4": "accept"}


def _ppid(pid: int) -> int | None:
    with contextlib.suppress(OSError, ValueError, StopIteration), open(f"/proc/{pid}/status") as f:
        return int(next(r for r in f if r.startswith("PPid:")).split()[1])
    return None


def _unhex(text: str) -> bytes:
    return bytes(int(text[i + 2 : i + 4], 16) for i in range(0, len(text), 4))


def _addr(text: str) -> tuple[str, int] | None:
    """``127.0.0.1:5050`` or ``[::1]:5050`` as strace -yy writes it."""
    host, _, port = text.rpartition(":")
    if not port.isdigit() or not host:
        return None
    return host.strip("[]"), int(port)


def _ends(text: str) -> tuple[tuple[str, int] | None, tuple[str, int] | None]:
    """(local, peer) of a -yy annotation: ``L->P``, ``L`` or an inode number."""
    if "->" in text:
        a, b = text.split("->", 1)
        return _addr(a), _addr(b)
    return _addr(text), None


@dataclass
class _Sock:
    id: int
    tcp: bool
    conn: int | None = None
    side: str | None = None
    sent: int = 0
    received: int = 0


@dataclass
class _Proc:
    actor: str
    socks: dict[int, _Sock] = field(default_factory=dict)
    pending: dict[str, Any] | None = None
    restart: str | None = None  # a call a signal interrupted: the kernel makes it again


class StraceTrace:
    """Runs ``strace ... PROGRAM`` and turns its lines into the run's events."""

    def __init__(self, runner: Any, name: str, argv: list[str], sock_base: int, cwd: str) -> None:
        self.runner = runner
        self.name = name
        self.argv = argv
        self.cwd = cwd
        self._next = sock_base
        self.procs: dict[int, _Proc] = {}
        self.proc: subprocess.Popen[bytes] | None = None
        self._children = 0
        self.exit_code: int | None = None
        self.ended = False  # the program's own "end" is written (strace saw it exit)

    def _sid(self) -> int:
        self._next += 1
        return self._next

    def start(self, strace: str, stdin: int | None = None) -> subprocess.Popen[bytes]:
        r, w = os.pipe()
        cmd = [strace, "-f", "-qq", "-ttt", "-T", "-yy", "-xx", "-s", "4096", "-e",
               f"trace={TRACE}", "-o", f"/dev/fd/{w}", "--", *self.argv]  # fmt: skip
        self.proc = subprocess.Popen(
            cmd,
            pass_fds=(w,),
            cwd=self.cwd,
            stdin=stdin if stdin is not None else subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        os.close(w)
        self._lines = r
        return self.proc

    def follow(self) -> None:
        """Read strace's lines until it ends (or the run stops: then the program is killed)."""
        assert self.proc is not None
        self.procs[self.proc.pid] = _Proc(self.name)  # strace's first tracee is the program
        first = True
        buf = b""
        stopper = threading.Thread(target=self._watch_stop, daemon=True)
        stopper.start()
        with open(self._lines, "rb", buffering=0) as f:
            while chunk := f.read(65536):
                buf += chunk
                *rows, buf = buf.split(b"\n")
                for row in rows:
                    text = row.decode(errors="replace")
                    m = _LINE.match(text)
                    if m is None:
                        continue
                    pid = int(m.group(1))
                    if first:
                        # the program's own pid (strace forks it): rename the first tracee
                        self.procs = {pid: self.procs.pop(self.proc.pid)}
                        first = False
                    self._row(pid, float(m.group(2)), m.group(3))
        self.proc.wait()

    def _watch_stop(self) -> None:
        proc = self.proc
        assert proc is not None
        while proc.poll() is None:
            if self.runner.stopping:
                with contextlib.suppress(OSError):
                    proc.kill()
                return
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(0.05)

    # --- one line ---------------------------------------------------------------------------
    def _row(self, pid: int, ts: float, rest: str) -> None:
        p = self.procs.get(pid)
        if p is None:
            # a child whose first line came before its parent's clone() returned
            p = self._born(pid, self.procs.get(_ppid(pid) or -1))
        if rest.startswith("+++"):
            m = re.search(r"exited with (\d+)|killed by (\w+)", rest)
            code = int(m.group(1)) if m and m.group(1) else None
            if p.actor == self.name:
                self.exit_code = code
                self.ended = True
            self.runner.emit(
                p.actor, "kernel", op="exit", message=rest.strip("+ "),
                code="program_exit", params={"status": code, "pid": pid},
            )  # fmt: skip
            self.runner.gate.set_status(p.actor, Status.FINISHED)
            self.runner.emit(p.actor, "end")
            self.runner.milestone(p.actor, None)
            return
        if rest.startswith("---"):
            sig = rest.strip("- ").split(" ", 1)[0]
            self.runner.emit(
                p.actor, "signal", op="signal", message=f"{sig} received",
                code="program_signal", params={"signal": sig},
            )  # fmt: skip
            return
        m = _UNFINISHED.match(rest)
        if m:
            p.pending = {"name": m.group(1), "args": m.group(2), "ts": ts}
            self._call(p, m.group(1), m.group(2))
            return
        m = _RESUMED.match(rest)
        if m and p.pending is not None:
            pend, p.pending = p.pending, None
            self._returned(p, pid, m.group(1), pend["args"] + m.group(2), m.group(3),
                           m.group(4), shown=True)  # fmt: skip
            return
        m = _FULL.match(rest)
        if m:
            self._returned(p, pid, m.group(1), m.group(2), m.group(3), m.group(4), shown=False)

    def _born(self, pid: int, parent: _Proc | None) -> _Proc:
        self._children += 1
        actor = f"{self.name}/child {self._children}"
        p = _Proc(actor)
        if parent is not None:
            for fd, s in parent.socks.items():
                p.socks[fd] = _Sock(self._sid(), s.tcp, s.conn, s.side, s.sent, s.received)
        self.procs[pid] = p
        self.runner.gate.set_status(actor, Status.RUNNING)
        self.runner.emit(
            actor, "start", message=f"process {pid}", code="program_forked",
            params={"pid": pid, "ppid": None, "parent": parent.actor if parent else self.name},
        )  # fmt: skip
        return p

    def _describe(
        self, p: _Proc, name: str, args: str
    ) -> tuple[str, int | None, Any, dict[str, Any]]:
        """(op, fd, sock, shown args) of a call, or op "" for one on no socket."""
        op = _OPS.get(name, name)
        if name == "socket":
            fam, _, rest = args.partition(",")
            return "socket", None, None, {"family": fam.strip(), "type": rest.split(",")[0].strip()}
        if name in ("clone", "clone3", "fork", "vfork"):
            return ("" if "CLONE_THREAD" in args else "fork"), None, None, {}
        m = _FD.match(args)
        if m is None:
            return "", None, None, {}
        fd = int(m.group(1))
        s = p.socks.get(fd)
        if s is None:
            s = p.socks[fd] = _Sock(self._sid(), m.group(2).startswith("TCP"))
        shown: dict[str, Any] = {}
        a = _V4.search(args) or _V6.search(args)
        if a is not None and name in ("bind", "connect", "sendto"):
            shown["address"] = [_unhex(a.group(2)).decode(errors="replace"), int(a.group(1))]
        if name == "recvfrom":
            op = "recvfrom" if "NULL, NULL" not in args else "recv"
        if name == "sendto" and "address" not in shown:
            op = "send"
        last = args.rsplit(",", 1)[-1].strip()
        if name == "listen" and last.isdigit():
            shown["backlog"] = int(last)
        elif name == "read" and last.isdigit():
            shown["count"] = int(last)
        elif name == "write" and last.isdigit():
            shown["len"] = int(last)
        elif name in ("recvfrom",):
            parts = [a.strip() for a in args.split(",")]
            if len(parts) >= 3 and parts[2].isdigit():
                shown["bufsize"] = int(parts[2])
        elif name == "setsockopt":
            parts = [a.strip() for a in args.split(",")]
            if len(parts) >= 4:
                shown.update(level=parts[1], option=parts[2], value=parts[3].strip("[]"))
        return op, fd, s, shown

    def _call(self, p: _Proc, name: str, args: str) -> None:
        op, fd, s, shown = self._describe(p, name, args)
        if p.restart == name:
            return  # the same call, made again after a signal: already on the diagram
        if op:
            self.runner.emit(p.actor, "call", op=op, sock=s.id if s else None, fd=fd, args=shown)

    def _returned(
        self, p: _Proc, pid: int, name: str, args: str, ret: str, dur: str | None, shown: bool
    ) -> None:
        op, fd, s, shown_args = self._describe(p, name, args)
        if not op:
            return
        if ret.strip().startswith("? ERESTART"):
            p.restart = name  # interrupted; the kernel makes the call again after the handler
            return
        again, p.restart = p.restart == name, None
        runner = self.runner
        if not shown and not again:
            runner.emit(p.actor, "call", op=op, sock=s.id if s else None, fd=fd, args=shown_args)
        duration = float(dur) if dur else 0.0
        blocked = duration >= BLOCKED_AFTER and op not in ("socket", "bind", "listen", "close")
        if blocked:
            runner.emit(p.actor, "blocked", op=op, sock=s.id if s else None, fd=fd, evidence="time")
            runner.milestone(p.actor, op)
        m = _RET.match(ret.strip())
        value = int(m.group(1)) if m else None
        f: dict[str, Any] = {"op": op, "sock": s.id if s else None, "fd": fd,
                             "blocked": blocked, "duration": round(duration, 6)}  # fmt: skip
        if m and m.group(4):
            f.update(ok=False, result=-1, error=m.group(4), message=m.group(5))
        else:
            f.update(ok=True, result=value)
            self._success(p, pid, op, args, m, s, f)
        runner.emit(p.actor, "return", **f)
        runner.milestone(p.actor, op, returned=True, first=not blocked)

    def _success(
        self, p: _Proc, pid: int, op: str, args: str, m: Any, s: _Sock | None, f: dict[str, Any]
    ) -> None:
        runner = self.runner
        value = f["result"]
        if op == "socket" and m is not None and m.group(2):
            new = p.socks[value] = _Sock(self._sid(), m.group(2).startswith("TCP"))
            f["sock"], f["fd"] = new.id, value
        elif op == "fork" and isinstance(value, int) and value > 0:
            child = self._born(value, p) if value not in self.procs else self.procs[value]
            f["params"] = {"child": child.actor}
        elif op == "accept" and m is not None and m.group(3):
            local, peer = _ends(m.group(3))
            new = p.socks[value] = _Sock(self._sid(), True)
            if local and peer:
                end = runner.pairing.connection(new.id, local, peer, "s")
                new.conn, new.side = end.conn, end.side
            f.update(new_sock=new.id, local=local, peer=peer, conn=new.conn,
                     result={"fd": value, "address": list(peer) if peer else None})  # fmt: skip
        elif s is not None and op == "connect":
            # strace names the fd as it was at entry (not connected yet): the connection is
            # paired at its first data call, whose fd names both ends
            a = _V4.search(args) or _V6.search(args)
            if a is not None:
                f["peer"] = (_unhex(a.group(2)).decode(errors="replace"), int(a.group(1)))
        elif s is not None and op == "close":
            p.socks.pop(f["fd"], None)
        elif s is not None and op in ("bind", "listen"):
            fm = _FD.match(args)
            if fm:
                f["local"] = _ends(fm.group(3))[0]
        elif s is not None and op in ("read", "write", "recv", "recvfrom", "send", "sendto"):
            d = _DATA.search(args)
            data = _unhex(d.group(1)) if d else b""
            out = op in ("write", "send", "sendto")
            n = value if isinstance(value, int) else 0
            f["nbytes"], f["data"] = n, data[: runner.options.data_cap].hex()
            if n > len(data):
                f["truncated"] = True
            if s.tcp and s.conn is None:
                fm = _FD.match(args)
                local, peer = _ends(fm.group(3)) if fm else (None, None)
                if local and peer:
                    end = runner.pairing.connection(s.id, local, peer, "c")
                    s.conn, s.side = end.conn, end.side
            if s.tcp and s.conn is not None:
                f["conn"] = s.conn
                f["dir"] = "c>s" if (s.side == "c") == out else "s>c"
                start = s.sent if out else s.received
                f["range"] = (start, start + n)
                if out:
                    s.sent += n
                else:
                    s.received += n
