"""Write a traced call as the C call of the course notes, with the real values.

    bind(3, {AF_INET, 127.0.0.1:5050}, 16) = 0
    accept(3, {AF_INET, 127.0.0.1:51234}, 16) = 4
    connect(3, {AF_INET, 127.0.0.1:5050}, 16) = -1 ECONNREFUSED (Connection refused)

Pure functions of (call event, return event); used by the terminal log and the GUI.
"""

from __future__ import annotations

import errno
import os
from typing import Any

from socketscope.engine.events import Event

# The C prototypes as the notes write them (and the ones the notes leave out).
SIGNATURES = {
    "socket": "int socket(int domain, int type, int protocol)",
    "bind": "int bind(int sockfd, struct sockaddr* myaddr, int addrlen)",
    "listen": "int listen(int sockfd, int backlog)",
    "accept": "int accept(int sockfd, struct sockaddr* cliaddr, int* addrlen)",
    "connect": "int connect(int sockfd, struct sockaddr* servaddr, int addrlen)",
    "connect_ex": "int connect(int sockfd, struct sockaddr* servaddr, int addrlen)",
    "send": "ssize_t send(int sockfd, const void* buf, size_t nbytes, int flags)",
    "sendall": "ssize_t send(int sockfd, const void* buf, size_t nbytes, int flags) /* looped */",
    "recv": "ssize_t recv(int sockfd, void* buf, size_t nbytes, int flags)",
    "recv_into": "ssize_t recv(int sockfd, void* buf, size_t nbytes, int flags)",
    "sendto": (
        "ssize_t sendto(int sockfd, const void* buf, size_t nbytes, int flags, "
        "const struct sockaddr* to, int addrlen)"
    ),
    "recvfrom": (
        "ssize_t recvfrom(int sockfd, void* buf, size_t nbytes, int flags, "
        "struct sockaddr* from, int* addrlen)"
    ),
    "shutdown": "int shutdown(int sockfd, int how)",
    "close": "int close(int sockfd)",
    "setsockopt": (
        "int setsockopt(int sockfd, int level, int optname, const void* optval, int optlen)"
    ),
    "getsockopt": "int getsockopt(int sockfd, int level, int optname, void* optval, int* optlen)",
    "setblocking": "int fcntl(int fd, int cmd, ... /* F_SETFL, O_NONBLOCK */)",
    "settimeout": "/* Python only: CPython waits in poll() for at most the timeout */",
    "signal": "sighandler_t signal(int signum, sighandler_t handler)",
    "kill": "int kill(pid_t pid, int sig)",
    "spawn": (
        "int pthread_create(pthread_t* thread, const pthread_attr_t* attr, "
        "void* (*start)(void*), void* arg)"
    ),
    "wait_until": "/* SocketScope: one actor waits for another; not a system call */",
    "select": (
        "int select(int nfds, fd_set* readfds, fd_set* writefds, fd_set* exceptfds, "
        "struct timeval* timeout)"
    ),
}


def sockaddr(addr: Any) -> str:
    if isinstance(addr, (list, tuple)) and len(addr) >= 2:
        host, port = addr[0], addr[1]
        if ":" in str(host):
            return f"{{AF_INET6, [{host}]:{port}}}, 28"
        return f"{{AF_INET, {host}:{port}}}, 16"
    return "NULL, 0"


def preview(hexdata: str | None, limit: int = 24) -> str:
    """A C-string-like preview of bytes: printable ASCII as is, the rest escaped."""
    if not hexdata:
        return '""'
    raw = bytes.fromhex(hexdata)
    out = []
    for b in raw[:limit]:
        ch = chr(b)
        if ch == '"' or ch == "\\":
            out.append("\\" + ch)
        elif 32 <= b < 127:
            out.append(ch)
        elif ch == "\n":
            out.append("\\n")
        else:
            out.append(f"\\x{b:02x}")
    more = "..." if len(raw) > limit else ""
    return '"' + "".join(out) + '"' + more


def c_args(call: Event, ret: Event | None) -> str:
    """The C call with its arguments, e.g. ``bind(3, {AF_INET, 127.0.0.1:5050}, 16)``."""
    op, a, fd = call.op or "?", call.args or {}, call.fd
    r = ret
    data = preview(r.data) if r is not None and r.data is not None else "buf"
    if op == "socket":
        return f"socket({a.get('family')}, {a.get('type')}, {a.get('proto', 0)})"
    if op == "bind":
        return f"bind({fd}, {sockaddr(a.get('address'))})"
    if op == "listen":
        return f"listen({fd}, {a.get('backlog')})"
    if op == "accept":
        peer = r.peer if r is not None else None
        return f"accept({fd}, {sockaddr(peer) if peer else '&cliaddr, &addrlen'})"
    if op in ("connect", "connect_ex"):
        return f"connect({fd}, {sockaddr(a.get('address'))})"
    if op in ("send", "sendall"):
        return f"send({fd}, {data}, {a.get('len')}, {a.get('flags', 0)})"
    if op in ("recv", "recv_into"):
        size = a.get("bufsize", a.get("nbytes"))
        return f"recv({fd}, {data}, {size}, {a.get('flags', 0)})"
    if op == "sendto":
        return f"sendto({fd}, {data}, {a.get('len')}, 0, {sockaddr(a.get('address'))})"
    if op == "recvfrom":
        peer = r.peer if r is not None else None
        src = sockaddr(peer) if peer else "&from, &fromlen"
        return f"recvfrom({fd}, {data}, {a.get('bufsize')}, 0, {src})"
    if op == "shutdown":
        return f"shutdown({fd}, {a.get('how')})"
    if op == "close":
        return f"close({fd})"
    if op == "setsockopt":
        value, size = a.get("value"), 4
        if a.get("option") == "SO_LINGER" and isinstance(value, str) and len(value) == 16:
            raw = bytes.fromhex(value)
            on, secs = int.from_bytes(raw[:4], "little"), int.from_bytes(raw[4:], "little")
            return f"setsockopt({fd}, SOL_SOCKET, SO_LINGER, {{l_onoff={on}, l_linger={secs}}}, 8)"
        return f"setsockopt({fd}, {a.get('level')}, {a.get('option')}, [{value}], {size})"
    if op == "getsockopt":
        return f"getsockopt({fd}, {a.get('level')}, {a.get('option')}, &optval, &optlen)"
    if op == "setblocking":
        flags = "flags & ~O_NONBLOCK" if a.get("flag") else "flags | O_NONBLOCK"
        return f"fcntl({fd}, F_SETFL, {flags})"
    if op == "settimeout":
        return f"settimeout({fd}, {a.get('timeout')})"
    if op == "signal":
        return f"signal({a.get('signal')}, {a.get('handler')})"
    if op == "kill":
        return f"kill(pid of {a.get('actor')}, {a.get('signal')})"
    if op == "spawn":
        return f"pthread_create(&tid, NULL, {a.get('function')}, ...)  /* {a.get('actor')} */"
    if op == "wait_until":
        who = a.get("actor")
        if a.get("op"):
            return f"/* no system call: wait until {who} is in {a.get('op')}() */"
        return f"/* no system call: wait until {who} has finished */"
    if op == "select":
        fds = a.get("fds") or {}
        sets = ", ".join("{" + ", ".join(map(str, fds.get(k, []))) + "}" for k in ("r", "w", "x"))
        nfds = max([-1, *fds.get("r", []), *fds.get("w", []), *fds.get("x", [])]) + 1
        t = a.get("timeout")
        tv = "NULL" if t is None else f"{{{int(t)}, {round((t % 1) * 1e6)}}}"
        return f"select({nfds}, {sets}, {tv})"
    return f"{op}({fd})"


def c_result(ret: Event) -> str:
    """``= 4`` / ``= 0`` / ``= -1 ECONNREFUSED (Connection refused)``."""
    if ret.ok is False or (ret.op == "connect_ex" and ret.error):
        name = ret.error or "?"
        code = getattr(errno, name, None)
        why = os.strerror(code) if isinstance(code, int) else (ret.message or "")
        if name == "timeout":
            return "= -1 EAGAIN (timed out)"
        if name == "STOPPED":
            return "= ? (run stopped)"
        if name == "EXITED":
            return "= ? (the process exited during the call)"
        return f"= -1 {name} ({why})"
    op = ret.op
    if op == "socket":
        return f"= {ret.fd}"
    if op == "accept":
        res = ret.result if isinstance(ret.result, dict) else {}
        return f"= {res.get('fd')}"
    if op in ("send", "sendall", "recv", "recv_into", "sendto", "recvfrom"):
        return f"= {ret.nbytes}"
    if op == "getsockopt":
        return f"= 0 (optval {ret.result})"
    if op == "select":
        res = ret.result if isinstance(ret.result, dict) else {}
        return f"= {sum(len(v) for v in res.values())}"
    if op in ("settimeout", "wait_until"):
        return ""
    if op == "spawn":
        return "= 0"
    return "= 0"


def c_line(call: Event, ret: Event) -> str:
    return f"{c_args(call, ret)} {c_result(ret)}".rstrip()
