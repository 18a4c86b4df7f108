"""A private network for a run: a new user + network namespace, made without root.

A run host calls :func:`enter_private_network` first thing, while it still has one thread
(``unshare(CLONE_NEWUSER)`` fails with EINVAL once a second thread exists). Inside, the process is
root of its own namespace only, ``lo`` is brought up, and nothing else exists: no route out, no
other program's ports, and every socket (TIME_WAIT included) vanishes with the namespace when the
run ends. Where the system forbids unprivileged user namespaces (``user.max_user_namespaces=0``;
Ubuntu 24.04's AppArmor restriction), the run stays on the plain loopback and says why.
Facts: shared/WIRE.md, "A private user + network namespace".
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import fcntl
import os
import select
import signal
import socket
import struct
import sys
from dataclasses import dataclass
from typing import NoReturn

from .channel import HIGH_FD

CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
IFF_UP = 0x1
IFF_RUNNING = 0x40


@dataclass(frozen=True)
class NetworkPlace:
    """Where a run's sockets live. ``private``: its own namespace, verified from inside.
    Otherwise ``reason`` is a code the window translates (and ``detail`` the OS's words)."""

    private: bool
    reason: str | None = None  # "not-linux", "userns-disabled", "userns-denied", "lo-down"
    detail: str = ""
    namespace: str = ""  # the inode of /proc/thread-self/ns/net, e.g. "net:[4026532]"

    def to_json(self) -> dict[str, object]:
        return {
            "private": self.private,
            "reason": self.reason,
            "detail": self.detail,
            "namespace": self.namespace,
        }


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def _unshare(flags: int) -> None:
    if hasattr(os, "unshare"):  # Python 3.12+
        os.unshare(flags)
        return
    if _libc().unshare(flags) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code))


def _write(path: str, text: str) -> None:
    with open(path, "w", encoding="ascii") as f:
        f.write(text)


def _lo_up() -> None:
    """``ip link set lo up`` by ioctl: no netlink library, no external command."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        req = struct.pack("16sH", b"lo", 0)
        flags = struct.unpack("16sH", fcntl.ioctl(s.fileno(), SIOCGIFFLAGS, req)[:18])[1]
        fcntl.ioctl(s.fileno(), SIOCSIFFLAGS, struct.pack("16sH", b"lo", flags | IFF_UP))


def current_namespace() -> str:
    try:
        return os.readlink("/proc/thread-self/ns/net")
    except OSError:
        return ""


def probe() -> NetworkPlace:
    """Try the whole set-up in a forked child, so a half-made namespace (AppArmor lets
    unshare succeed and then refuses everything inside) never traps the caller."""
    if not sys.platform.startswith("linux"):
        return NetworkPlace(False, "not-linux")
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: try, report, leave without running any Python clean-up
        try:
            os.close(r)
            place = _enter()
            os.write(w, f"{int(place.private)}|{place.reason or ''}|{place.detail}".encode())
        finally:
            os._exit(0)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        said = f.read().decode(errors="replace")
    os.waitpid(pid, 0)
    ok, _, rest = said.partition("|")
    reason, _, detail = rest.partition("|")
    if ok == "1":
        return NetworkPlace(True)
    return NetworkPlace(False, reason or "userns-denied", detail)


def enter_private_network() -> NetworkPlace:
    """Move this (single-threaded) process into a new user + network namespace with ``lo`` up.
    Never raises: where the system does not allow it the process is unchanged and the reason
    is returned."""
    tried = probe()
    if not tried.private:
        return tried
    return _enter()


def _enter() -> NetworkPlace:
    if not sys.platform.startswith("linux"):
        return NetworkPlace(False, "not-linux")
    outside = current_namespace()
    uid, gid = os.geteuid(), os.getegid()
    try:
        _unshare(CLONE_NEWUSER | CLONE_NEWNET)
    except OSError as e:
        # ENOSPC: user.max_user_namespaces=0; EPERM: forbidden by policy; EINVAL: threads
        reason = "userns-disabled" if e.errno == errno.ENOSPC else "userns-denied"
        return NetworkPlace(False, reason, f"unshare: {e.strerror} (errno {e.errno})")
    try:
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"0 {uid} 1")
        _write("/proc/self/gid_map", f"0 {gid} 1")
        _lo_up()
    except OSError as e:
        # AppArmor's restriction: the namespace exists but grants nothing inside it. The
        # process is now in an empty network with lo down: no loopback to fall back to.
        return NetworkPlace(False, "lo-down", f"{e.strerror} (errno {e.errno})")
    inside = current_namespace()
    if not inside or inside == outside:
        return NetworkPlace(False, "userns-denied", "the network namespace did not change")
    return NetworkPlace(True, None, "", inside)


def verify_private(place: NetworkPlace) -> bool:
    """Checked again before any address other than loopback is allowed: this thread is in the
    namespace the run made, and that namespace is not the one the process started in."""
    return place.private and bool(place.namespace) and current_namespace() == place.namespace


# --- a PID namespace of the run's own ------------------------------------------------------------
# With the run host as init (pid 1) of a PID namespace, nothing a run forks can outlive it: when
# init exits, the kernel kills every process in its namespace and waits for them, whatever they
# did (double forks, setsid, ignoring SIGTERM). Needs the user namespace above (CAP_SYS_ADMIN in
# it) and, like it, a single-threaded caller: unshare(CLONE_NEWPID) only decides where the *next*
# fork goes, so the caller forks once and the child goes on as the run host. A mount namespace
# comes with it, to mount a /proc of the new namespace: with the old one, /proc/self/task/<tid>
# (the blocking probe) names no thread, and pids read there are the outside's.

CLONE_NEWPID = 0x20000000
CLONE_NEWNS = 0x00020000
_MS_NOSUID, _MS_NODEV, _MS_NOEXEC = 0x2, 0x4, 0x8
_MS_REC, _MS_PRIVATE = 0x4000, 0x40000
_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class PidPlace:
    """Where a run's processes live. ``own``: this process is init of a PID namespace of the
    run's own; ``proc``: a /proc of that namespace is mounted (else /proc still shows the
    outside's numbers). Otherwise ``detail`` says why not, in the OS's words."""

    own: bool
    proc: bool = False
    detail: str = ""

    def to_json(self) -> dict[str, object]:
        return {"own": self.own, "proc": self.proc, "detail": self.detail}


def enter_pid_namespace() -> PidPlace:
    """Make the rest of this run host init of a new PID namespace. Call it single-threaded,
    inside :func:`enter_private_network`'s namespace. Returns in a forked child, pid 1 of the
    new namespace, which carries on as the run host; the calling process stays outside and only
    waits for it, then exits with its status (or dies of its signal), so whoever started the
    host sees one process end as before. Where the system refuses, nothing changes and no fork
    happens."""
    if not sys.platform.startswith("linux"):
        return PidPlace(False, detail="not Linux")
    try:
        _unshare(CLONE_NEWPID | CLONE_NEWNS)
    except OSError as e:
        return PidPlace(False, detail=f"unshare: {e.strerror} (errno {e.errno})")
    alive_r, alive_w = os.pipe()  # the outside process holds the write end while it lives
    pid = os.fork()
    if pid != 0:
        # Nothing of the run's but the write end: a copy of the host's channel held here would
        # keep its client from seeing the end until this process, too, has gone.
        os.closerange(3, alive_w)
        os.closerange(alive_w + 1, _fd_limit())
        _wait_as_outside(pid)
    os.close(alive_w)
    # the inside dies with the outside (so with the window: the outside has the same signal set)
    _prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL))
    gone, _, _ = select.select([alive_r], [], [], 0)
    os.close(alive_r)
    if gone:  # the outside died before the death signal was set: nobody would end this one
        os._exit(1)
    global _outer_proc
    # the machine's /proc, kept before ours hides it: what ps and strace -p call our processes
    with contextlib.suppress(OSError):
        fd = os.open("/proc", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        # out of the way of the run's own descriptors: a scenario's first socket is fd 3
        _outer_proc = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, HIGH_FD)
        os.close(fd)
    try:
        _mount_proc()
    except OSError as e:
        return PidPlace(True, False, f"mount /proc: {e.strerror} (errno {e.errno})")
    return PidPlace(True, True)


_outer_proc: int | None = None
_system_pids: dict[int, int] = {}


def system_pid(pid: int) -> int | None:
    """The number the rest of the machine (ps, top, strace -p, gdb -p) knows this run's process
    ``pid`` by, when the run host is init of a PID namespace of its own; None outside one, or
    when the process has already gone.

    Read from the machine's /proc, kept open from before this namespace's was mounted: the run
    host's descendants there, each with its ``NSpid:`` line (the pid in every namespace, outermost
    first, ours last)."""
    if _outer_proc is None:
        return None
    if pid not in _system_pids:
        with contextlib.suppress(OSError, ValueError):
            _walk(int(os.readlink("self", dir_fd=_outer_proc)))
    return _system_pids.get(pid)


def _walk(root: int) -> None:
    assert _outer_proc is not None
    todo = [root]
    while todo:
        outer = todo.pop()
        with contextlib.suppress(OSError, ValueError):
            with open(f"{outer}/status", opener=_at_outer) as f:
                for line in f:
                    if line.startswith("NSpid:"):
                        _system_pids[int(line.split()[-1])] = outer
                        break
            tasks = os.open(f"{outer}/task", os.O_RDONLY | os.O_DIRECTORY, dir_fd=_outer_proc)
            try:
                tids = os.listdir(tasks)
            finally:
                os.close(tasks)
            for tid in tids:
                with open(f"{outer}/task/{tid}/children", opener=_at_outer) as f:
                    todo.extend(int(c) for c in f.read().split())


def _at_outer(path: str, flags: int) -> int:
    assert _outer_proc is not None
    return os.open(path, flags, dir_fd=_outer_proc)


def _wait_as_outside(pid: int) -> NoReturn:
    """The process outside the namespace: wait for the run host, then end the same way."""
    # Ctrl-C and hang-ups are the host's business (it ignores SIGINT): this one only waits
    for sig in (signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    while True:
        try:
            _, status = os.waitpid(pid, 0)
        except ChildProcessError:
            os._exit(1)
        if os.WIFEXITED(status):
            os._exit(os.WEXITSTATUS(status))
        if os.WIFSIGNALED(status):
            signum = os.WTERMSIG(status)
            with contextlib.suppress(OSError, ValueError):
                signal.signal(signum, signal.SIG_DFL)
                os.kill(os.getpid(), signum)
            os._exit(128 + signum)


def _fd_limit() -> int:
    try:
        return min(os.sysconf("SC_OPEN_MAX"), 1 << 20)
    except (ValueError, OSError):
        return 1024


def _prctl(option: int, arg: int) -> None:
    with contextlib.suppress(OSError, AttributeError):
        _libc().prctl(option, arg, 0, 0, 0)


def _mount_proc() -> None:
    """A /proc of this PID namespace, in this run's own mount namespace: every mount is made
    private first, so that nothing done here reaches the mounts outside."""
    libc = _libc()
    for source, target, fstype, flags in (
        (b"none", b"/", None, _MS_REC | _MS_PRIVATE),
        (b"proc", b"/proc", b"proc", _MS_NOSUID | _MS_NODEV | _MS_NOEXEC),
    ):
        if libc.mount(source, target, fstype, flags, None) != 0:
            code = ctypes.get_errno()
            raise OSError(code, os.strerror(code))
