"""The one rule about addresses: SocketScope talks to this machine only.

Checked before the real call, so a refused address never produces a packet. Two layers use it:
the traced API (``TracedSocket``, whose private real socket is a :class:`GuardedSocket`), and,
inside a run's process, the ``socket`` module itself (:func:`install`), so that a scenario's
``import socket as s2; s2.socket().connect(...)`` or ``socket.create_connection`` is refused too.

What the guard checks is what the system call receives: a host is resolved here (numerically;
``localhost`` by this module, never by a resolver that might ask the network) and the numeric
address is what the real call is given. Raw and packet sockets are refused, and a socket that
would otherwise be bound to every interface by the kernel (``listen()`` or ``sendto()`` before
``bind()``) is bound to loopback first.
"""

from __future__ import annotations

import functools
import ipaddress
import os
import socket as _socket
from typing import Any

# what a socket a run creates may be: the internet families on loopback, and AF_UNIX (which
# cannot leave the machine). AF_PACKET, AF_NETLINK and the rest are refused.
_INET = (_socket.AF_INET, _socket.AF_INET6)
_ALLOWED_FAMILIES = frozenset({*_INET, _socket.AF_UNIX})
_INET_TYPES = frozenset({_socket.SOCK_STREAM, _socket.SOCK_DGRAM})
_UNIX_TYPES = frozenset({_socket.SOCK_STREAM, _socket.SOCK_DGRAM, _socket.SOCK_SEQPACKET})
_TYPE_MASK = 0xF  # SOCK_NONBLOCK and SOCK_CLOEXEC are flags above the type
# the library's own, whatever install() later puts in the module
_real_getaddrinfo = _socket.getaddrinfo
# For the engine's own sockets only, never a scenario's: e.g. a packet capture inside the run's
# private network, made after install() has guarded the module.
UnguardedSocket = _socket.socket


class NotLoopbackError(PermissionError):
    """Raised in the actor, recorded in the trace like any other failed call."""

    def __init__(self, op: str, address: Any) -> None:
        super().__init__(
            f"{op}() to {format_address(address)} refused: SocketScope only uses loopback "
            "addresses (127.0.0.0/8, ::1, localhost) so that no packet leaves this machine"
        )
        self.op = op
        self.address = address


class SocketKindError(PermissionError):
    """A socket that could reach past loopback (raw, packet, netlink…) is never created."""

    def __init__(self, family: int, type: int) -> None:
        super().__init__(
            f"socket({_name(family, 'AF_')}, {_name(type & _TYPE_MASK, 'SOCK_')}) refused: "
            "SocketScope runs TCP and UDP on loopback (and AF_UNIX) only; raw and packet "
            "sockets can see or send past this machine"
        )
        self.family = family
        self.type = type


def _name(value: int, prefix: str) -> str:
    for k, v in vars(_socket).items():
        if k.startswith(prefix) and v == value:
            return k
    return str(value)


def format_address(address: Any) -> str:
    if isinstance(address, tuple) and len(address) >= 2:
        host, port = address[0], address[1]
        if isinstance(host, (bytes, bytearray)):
            host = bytes(host).decode("ascii", "replace")
        return f"[{host}]:{port}" if ":" in str(host) else f"{host}:{port}"
    return repr(address)


# A two-host run's own addresses (10.0.0.1, 10.0.0.2), by the network namespace each lives in:
# allowed only once the run host has verified that it runs in its own namespace
# (allow_private_hosts), and only from a thread inside one of those namespaces, so such an
# address can never reach the user's real network.
_private_hosts: dict[str, str] = {}  # namespace ("net:[4026532…]") -> that host's address


def allow_private_hosts(hosts_by_namespace: dict[str, str], verified: bool) -> None:
    """Let a run's sockets use its two hosts' addresses. ``verified``: the caller's
    ``netns.verify_private()`` said the process is in the network it made; without that
    nothing is allowed."""
    if not verified:
        return
    _private_hosts.clear()
    _private_hosts.update(hosts_by_namespace)


def _this_namespace() -> str:
    try:
        return os.readlink("/proc/thread-self/ns/net")
    except OSError:
        return ""


def _private_host(host: str) -> str | None:
    """``host`` when it is one of the run's private hosts and this thread is on the run's own
    network; else None."""
    if not _private_hosts or host not in _private_hosts.values():
        return None
    return host if _this_namespace() in _private_hosts else None


def own_private_address() -> str | None:
    """The address of the host this thread lives on, in a two-host run."""
    return _private_hosts.get(_this_namespace()) if _private_hosts else None


@functools.lru_cache(maxsize=256)
def _resolve(family: int, host: str) -> tuple[str, int] | None:
    """The numeric loopback address ``host`` names for ``family`` (and an IPv6 scope id), or
    None. Never asks a resolver: only numeric spellings and ``localhost`` are understood."""
    if host == "localhost":
        return ("::1", 0) if family == _socket.AF_INET6 else ("127.0.0.1", 0)
    if family == _socket.AF_INET6 and "%" in host:
        # libc takes a scope only on link-local addresses; ``::1%lo`` names the loopback device
        base, _, zone = host.partition("%")
        found = _resolve(family, base)
        if found is None or not zone:
            return None
        try:
            scope = int(zone) if zone.isdigit() else _socket.if_nametoindex(zone)
        except OSError:
            return None
        return found[0], scope
    try:
        # AI_NUMERICHOST: libc's own parser, so ``127.1`` and ``::1%lo`` mean what connect()
        # would make of them, and a name is an error here rather than a DNS query
        infos = _real_getaddrinfo(host, 0, family, _socket.SOCK_STREAM, 0, _socket.AI_NUMERICHOST)
    except (OSError, UnicodeError, ValueError):
        return None
    if not infos:
        return None
    sa = infos[0][4]
    numeric, scope = str(sa[0]), int(sa[3]) if len(sa) >= 4 else 0
    try:
        ip = ipaddress.ip_address(numeric.split("%", 1)[0])
    except ValueError:
        return None
    if ip.is_loopback:
        return numeric.split("%", 1)[0], scope
    mapped = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
    if mapped is not None and mapped.is_loopback:
        return numeric.split("%", 1)[0], scope
    return None


def _host_text(host: object) -> str | None:
    if isinstance(host, str):
        return host
    if isinstance(host, (bytes, bytearray)):
        try:
            return bytes(host).decode("ascii")
        except UnicodeDecodeError:
            return None
    return None


def loopback_address(op: str, family: int, address: Any) -> tuple[Any, ...]:
    """``address`` as the system call must receive it, or :class:`NotLoopbackError`.

    ``bind(("", 0))`` would bind every interface; it is refused like any other non-loopback
    host. For AF_UNIX the path is returned unchanged: it cannot leave the machine."""
    if family == _socket.AF_UNIX:
        return address  # type: ignore[no-any-return]
    if not (isinstance(address, tuple) and len(address) >= 2):
        raise NotLoopbackError(op, address)
    host = _host_text(address[0])
    fam = (
        family
        if family in _INET
        else (_socket.AF_INET6 if host is not None and ":" in host else _socket.AF_INET)
    )
    found = _resolve(fam, host) if host is not None else None
    if found is None and host is not None and fam == _socket.AF_INET:
        private = _private_host(host)
        found = (private, 0) if private is not None else None
    if found is None:
        raise NotLoopbackError(op, address)
    numeric, scope = found
    if fam == _socket.AF_INET6:
        flow = address[2] if len(address) >= 3 else 0
        return (numeric, address[1], flow, address[3] if len(address) >= 4 and not scope else scope)
    return (numeric, address[1])


def is_loopback_host(host: object, family: int = _socket.AF_INET) -> bool:
    text = _host_text(host)
    if text is None:
        return False
    if family not in _INET:
        family = _socket.AF_INET6 if ":" in text else _socket.AF_INET
    return _resolve(family, text) is not None


def check_loopback(op: str, address: Any, family: int | None = None) -> None:
    """Refuse anything but a loopback (host, port) tuple."""
    if family is None:
        host = _host_text(address[0]) if isinstance(address, tuple) and address else None
        family = _socket.AF_INET6 if host is not None and ":" in host else _socket.AF_INET
    loopback_address(op, family, address)


def check_kind(family: int, type: int) -> None:
    kind = type & _TYPE_MASK
    if family not in _ALLOWED_FAMILIES:
        raise SocketKindError(family, type)
    allowed = _UNIX_TYPES if family == _socket.AF_UNIX else _INET_TYPES
    if kind not in allowed:
        raise SocketKindError(family, type)


def _any_address(family: int, dst: Any = None) -> tuple[Any, ...]:
    if family == _socket.AF_INET6:
        return ("::1", 0, 0, 0)
    if dst is not None and is_loopback_host(dst[0], family):
        return ("127.0.0.1", 0)
    # on a two-host run's host, the host's own address: from 127.0.0.1 nothing reaches the other
    return (own_private_address() or "127.0.0.1", 0)


class GuardedSocket(_socket.socket):
    """``socket.socket`` that reaches loopback only: every address is checked (and resolved)
    before the system call, raw and packet sockets are never made, and an unbound internet
    socket is bound to loopback before a call that would make the kernel bind it to every
    interface. Everything else is the standard socket, at the standard speed."""

    __slots__ = ()

    def __init__(
        self, family: int = -1, type: int = -1, proto: int = -1, fileno: int | None = None
    ) -> None:
        if fileno is None:
            check_kind(
                _socket.AF_INET if family == -1 else family,
                _socket.SOCK_STREAM if type == -1 else type,
            )
        super().__init__(family, type, proto, fileno)
        if fileno is not None:
            try:
                check_kind(self.family, self.type)
            except SocketKindError:
                self.detach()  # not ours to close: refuse to wrap it
                raise

    def accept(self) -> tuple[GuardedSocket, Any]:
        # socket.accept() wraps the new fd in the module's ``socket``, which is this class only
        # once install() has run
        fd, address = self._accept()  # type: ignore[attr-defined]
        sock = GuardedSocket(self.family, self.type, self.proto, fileno=fd)
        if _socket.getdefaulttimeout() is None and self.gettimeout():
            sock.setblocking(True)
        return sock, address

    def _bind_loopback_if_unbound(self, dst: Any = None) -> None:
        if self.family not in _INET:
            return
        try:
            port = self.getsockname()[1]
        except OSError:
            return
        if port == 0:
            # without this the kernel would choose 0.0.0.0 / :: — reachable from other machines
            super().bind(_any_address(self.family, dst))

    def bind(self, address: Any, /) -> None:
        super().bind(loopback_address("bind", self.family, address))

    def connect(self, address: Any, /) -> None:
        super().connect(loopback_address("connect", self.family, address))

    def connect_ex(self, address: Any, /) -> int:
        return super().connect_ex(loopback_address("connect_ex", self.family, address))

    def listen(self, *backlog: int) -> None:
        self._bind_loopback_if_unbound()
        super().listen(*backlog)

    def sendto(self, data: Any, flags_or_address: Any, address: Any = None, /) -> int:
        if address is None:
            dst = loopback_address("sendto", self.family, flags_or_address)
            self._bind_loopback_if_unbound(dst)
            return super().sendto(data, dst)
        dst = loopback_address("sendto", self.family, address)
        self._bind_loopback_if_unbound(dst)
        return super().sendto(data, flags_or_address, dst)

    def sendmsg(
        self, buffers: Any, ancdata: Any = (), flags: int = 0, address: Any = None, /
    ) -> int:
        if address is None:
            return super().sendmsg(buffers, ancdata, flags)
        dst = loopback_address("sendmsg", self.family, address)
        self._bind_loopback_if_unbound(dst)
        return super().sendmsg(buffers, ancdata, flags, dst)


def _guarded_getaddrinfo(
    host: Any, port: Any, family: int = 0, type: int = 0, proto: int = 0, flags: int = 0
) -> list[Any]:
    text = _host_text(host) if host is not None else None
    if text is None or not is_loopback_host(text, family):
        # host None means the wildcard address (or the loopback one, without AI_PASSIVE);
        # anything else would be a query to a name server: neither is asked
        if host is None and not flags & _socket.AI_PASSIVE:
            return _real_getaddrinfo(host, port, family, type, proto, flags)
        raise _socket.gaierror(
            _socket.EAI_NONAME,
            f"{host!r}: SocketScope resolves only loopback addresses (localhost, 127.x, ::1)",
        )
    fam = family or (_socket.AF_INET6 if ":" in text else _socket.AF_INET)
    resolved = _resolve(fam, text)
    assert resolved is not None
    return _real_getaddrinfo(resolved[0], port, fam, type, proto, flags | _socket.AI_NUMERICHOST)


def _refuse_lookup(name: str) -> Any:
    def lookup(host: Any, *args: Any) -> Any:
        text = _host_text(host)
        if text is not None and is_loopback_host(text):
            resolved = _resolve(_socket.AF_INET6 if ":" in text else _socket.AF_INET, text)
            assert resolved is not None
            return _ORIGINAL[name](resolved[0], *args)
        raise _socket.gaierror(
            _socket.EAI_NONAME, f"{host!r}: SocketScope looks up loopback addresses only"
        )

    return lookup


_ORIGINAL: dict[str, Any] = {}
_LOOKUPS = ("gethostbyname", "gethostbyname_ex", "gethostbyaddr")


def install() -> None:
    """Guard the ``socket`` module of this process (a run host or a process actor): every
    socket made through it, and every name it looks up, stays on this machine.

    Python-level: C code, ``ctypes`` or the ``_socket`` module could still go around it; a run's
    own network namespace is what makes leaving impossible by construction."""
    if _ORIGINAL:
        return
    _ORIGINAL["socket"] = _socket.socket
    _ORIGINAL["getaddrinfo"] = _socket.getaddrinfo
    for name in _LOOKUPS:
        _ORIGINAL[name] = getattr(_socket, name)
        setattr(_socket, name, _refuse_lookup(name))
    _socket.getaddrinfo = _guarded_getaddrinfo
    _socket.socket = GuardedSocket  # type: ignore[misc]
    _socket.SocketType = GuardedSocket  # type: ignore[assignment]


def installed() -> bool:
    return bool(_ORIGINAL)
