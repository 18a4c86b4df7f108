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

import ctypes
import ctypes.util
import errno
import fcntl
import os
import socket
import struct
import sys
from dataclasses import dataclass

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
