"""The call catalogue: one home for everything SocketScope says about a call.

Per call (``CATALOGUE[op]`` / ``entry(op)``): whether it is a real system call, its POSIX
prototype and where the course notes simplify it, its C form with the real values, the text of its
diagram box, what it does by socket type (TCP/UDP) and mode (blocking / timeout / non-blocking),
what each outcome means (ok, blocked, each errno), and why it can block; in English and Korean.
Also the kernel's wait channels and how blocking evidence is said.

The diagram, the explanation panel, the terminal log, the C forms and the text exports all read
this module; adding a call touches this file and the engine, nothing else. No Qt here.

Texts are chosen by a key: the most specific of ``"TCP/nonblocking"``, ``"TCP"``,
``"nonblocking"``, ``"*"`` that a table has.
"""

from __future__ import annotations

import errno as _errno
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

SockType = Literal["TCP", "UDP"]
Mode = Literal["blocking", "timeout", "nonblocking"]


@dataclass(frozen=True, slots=True)
class Words:
    """One sentence (or a few) in both languages."""

    en: str
    ko: str

    def __call__(self, lang: str) -> str:
        return self.ko if lang == "ko" else self.en


Table = Mapping[str, Words]


def pick(table: Table, sock_type: str | None = None, mode: str | None = None) -> Words | None:
    """The most specific text of ``table`` for this socket type and mode."""
    keys = []
    if sock_type and mode:
        keys.append(f"{sock_type}/{mode}")
    if sock_type:
        keys.append(sock_type)
    if mode:
        keys.append(mode)
    keys.append("*")
    for k in keys:
        if k in table:
            return table[k]
    return None


# --- values as C and as the diagram writes them ------------------------------------------------
def sockaddr(addr: Any) -> str:
    """``{AF_INET, 127.0.0.1:5050}, 16``: the address argument and its length."""
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


def addr(a: Any) -> str:
    if isinstance(a, (list, tuple)) and len(a) >= 2:
        host, port = a[0], a[1]
        return f"[{host}]:{port}" if ":" in str(host) else f"{host}:{port}"
    return "?"


def size(n: int | None) -> str:
    if n is None:
        return "?"
    if n >= 10 * 1024 * 1024:
        return f"{n / (1024 * 1024):.0f} MB"
    if n >= 10 * 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n} B"


@dataclass(frozen=True, slots=True)
class Values:
    """What a C form or a label is written from: the call's arguments and, once it returned,
    what it returned. Plain data, so the catalogue needs no Event."""

    args: Mapping[str, Any]
    fd: int | None
    data: str | None = None  # hex of the bytes moved (return), if any
    peer: tuple[str, int] | None = None
    returned: bool = False
    lang: str = "en"  # the language of the comments a C form carries


def _c_select(v: Values) -> str:
    fds = v.args.get("fds") or {}
    sets = ", ".join("{" + ", ".join(map(str, fds.get(k, []))) + "}" for k in ("r", "w", "x"))
    nfds = max([-1, *fds.get("r", []), *fds.get("w", []), *fds.get("x", [])]) + 1
    t = v.args.get("timeout")
    tv = "NULL" if t is None else f"{{{int(t)}, {round((t % 1) * 1e6)}}}"
    return f"select({nfds}, {sets}, {tv})"


def _c_setsockopt(v: Values) -> str:
    a, fd = v.args, v.fd
    value = a.get("value")
    if a.get("option") == "SO_LINGER" and isinstance(value, str) and len(value) == 16:
        raw = bytes.fromhex(value)
        on, secs = int.from_bytes(raw[:4], "little"), int.from_bytes(raw[4:], "little")
        return f"setsockopt({fd}, SOL_SOCKET, SO_LINGER, {{l_onoff={on}, l_linger={secs}}}, 8)"
    return f"setsockopt({fd}, {a.get('level')}, {a.get('option')}, [{value}], 4)"


def _buf(v: Values) -> str:
    return preview(v.data) if v.returned and v.data is not None else "buf"


def _c_wait_until(v: Values) -> str:
    who, op = v.args.get("actor"), v.args.get("op")
    if v.lang == "ko":
        if op:
            return f"/* 시스템 콜 아님: {who} → {op}()까지 기다림 */"
        return f"/* 시스템 콜 아님: {who} 종료까지 기다림 */"
    if op:
        return f"/* no system call: wait until {who} is in {op}() */"
    return f"/* no system call: wait until {who} has finished */"


def _l_wait_until(
    a: Mapping[str, Any], fd: int | None, translate: Callable[[str, str], str]
) -> str:
    # lupdate collects these: the window's diagram is the only place a label is translated
    if a.get("op"):
        text = translate("DiagramText", "waits: {actor} in {op}()")
    else:
        text = translate("DiagramText", "waits: {actor} finished")
    return text.format(actor=a.get("actor"), op=a.get("op"))


def _l_plain(fmt: str) -> Callable[[Mapping[str, Any], int | None, Any], str]:
    def label(a: Mapping[str, Any], fd: int | None, tr: Any) -> str:
        return fmt.format(fd=fd, a=a, size=size(a.get("len")), addr=addr(a.get("address")))

    return label


Result = Literal["zero", "fd", "accepted", "bytes", "value", "ready", "nothing", "helper", "count"]
Data = Literal["in", "out"]


@dataclass(frozen=True, slots=True)
class Entry:
    op: str
    c_name: str  # the C function this call is (recv_into → recv, setblocking → fcntl)
    syscall: bool  # a real system call; staging helpers (wait_until, spawn) are not
    prototype: str | Words  # POSIX; Words: a call that is not one, said in prose
    what: Table  # what it does, by type and mode
    c_form: Callable[[Values], str]
    label: Callable[[Mapping[str, Any], int | None, Any], str]
    result: Result = "zero"
    data: Data | None = None  # moves bytes in or out
    blocks: Table = field(default_factory=dict)  # why it blocked (empty: it never waits)
    blocking_now: Table = field(default_factory=dict)  # why it is blocked (status bar)
    outcomes: Mapping[str, Table] = field(default_factory=dict)  # per-call errno/ok texts
    note: Words | None = None  # where the course notes simplify
    kernel_calls: tuple[str, ...] = ()  # the syscall names the kernel reports while it sleeps

    def ko(self, particle: str = "은") -> str:
        """The call's name with a Korean particle that fits it as read aloud: socket()은 but
        accept()는 (``particle`` is either form of 은/는, 이/가, 을/를)."""
        pairs = {"은": "는", "는": "는", "이": "가", "가": "가", "을": "를", "를": "를"}
        vowel = pairs[particle]
        consonant = {"는": "은", "가": "이", "를": "을"}[vowel]
        return f"{self.op}()" + (vowel if self.op in _VOWEL_FINAL else consonant)

    @property
    def can_block(self) -> bool:
        return bool(self.blocks)


# Call names that end in a vowel as Korean readers say them (accept → 액셉트, close → 클로즈); the
# others end in a consonant (socket → 소켓, listen → 리슨, recvfrom → 리시브프롬). KOREAN-TERMS.md.
_VOWEL_FINAL = frozenset(
    [
        "accept",
        "close",
        "recv",
        "send",
        "connect",
        "bind",
        "sendto",
        "recv_into",
        "read",
        "write",
        "setsockopt",
        "getsockopt",
        "select",
        "connect_ex",
        "fork",
        "epoll_wait",
        "sendmsg",
        "recvmsg",
        "readv",
        "writev",
    ]
)


def W(en: str, ko: str) -> Words:
    return Words(en, ko)


# --- the calls ----------------------------------------------------------------------------------
_ECONNREFUSED_UDP = W(
    "ECONNREFUSED on a UDP socket: nothing is refused at once, since UDP sends no handshake. An "
    "earlier datagram from this connected socket reached a port where nothing listens; that "
    "kernel answered with ICMP port unreachable, and this kernel reports it on the next call.",
    "UDP 소켓의 ECONNREFUSED: UDP에는 핸드셰이크가 없어 바로 거부되는 것이 아닙니다. 이 연결된 "
    "소켓이 앞서 보낸 데이터그램이 아무도 받지 않는 포트에 도착했고, 그쪽 커널이 ICMP port "
    "unreachable로 답했습니다. 이 커널은 그것을 다음 호출에서 알려 줍니다.",
)

_NONBLOCK_EAGAIN = W(
    "The socket is non-blocking: where a blocking call would wait, this one fails at once with "
    "EAGAIN.",
    "소켓이 논블로킹입니다: 블로킹 호출이라면 기다릴 상황에서, 이 호출은 곧바로 EAGAIN으로 "
    "실패합니다.",
)
_TIMEOUT_POLL = W(
    "The socket has a timeout (settimeout): CPython first waits in poll() for at most that long, "
    "and makes the call only once poll() says it is ready.",
    "소켓에 타임아웃(settimeout)이 있습니다: CPython이 먼저 poll()에서 최대 그 시간만큼 기다리고, "
    "poll()이 준비됐다고 할 때만 호출을 합니다.",
)

_RECV_WHAT: Table = {
    "*": W(
        "recv() takes bytes from the socket's receive queue — as many as are there, up to the "
        "buffer size, whatever send() calls they came from. It blocks while the queue is empty. "
        'It returns b"" (end of stream) only after every byte the peer sent before its FIN has '
        "been read.",
        "recv()는 소켓 수신 큐에서 바이트를 꺼냅니다. 어느 send()에서 왔든 있는 만큼, 버퍼 "
        "크기까지 "
        "가져옵니다. 큐가 비어 있으면 블로킹됩니다. 상대가 FIN 전에 보낸 바이트를 모두 읽은 뒤에야 "
        'b""(스트림 끝)를 돌려줍니다.',
    ),
    "UDP": W(
        "recv() on a UDP socket takes one datagram, like recvfrom() without the sender's address. "
        "It blocks while no datagram is queued.",
        "UDP 소켓의 recv()는 보낸 쪽 주소 없이 recvfrom()처럼 데이터그램 하나를 꺼냅니다. 큐에 "
        "데이터그램이 없으면 블로킹됩니다.",
    ),
}
_RECV_BLOCKS: Table = {
    "*": W(
        "It blocked because the receive queue was empty; the peer's send() (or its FIN) woke it.",
        "수신 큐가 비어 있어서 블로킹되었고, 상대의 send() (또는 FIN)가 깨웠습니다.",
    ),
    "UDP": W(
        "It blocked because no datagram was queued; the sender's datagram woke it.",
        "큐에 데이터그램이 없어서 블로킹되었고, 송신자의 데이터그램이 깨웠습니다.",
    ),
}
_RECV_NOW: Table = {
    "*": W("no data has arrived yet", "아직 도착한 데이터가 없습니다"),
    "UDP": W("no datagram has arrived yet", "아직 도착한 데이터그램이 없습니다"),
}
_SEND_WHAT: Table = {
    "*": W(
        "send() copies bytes into the socket's send buffer in the kernel and returns; the kernel "
        "transmits them afterwards. Success means the bytes reached your own kernel, not the peer "
        "program. A blocking send() waits while the buffer is full.",
        "send()는 바이트를 커널의 송신 버퍼로 복사하고 돌아옵니다. 전송은 그 뒤에 커널이 합니다. "
        "성공은 바이트가 내 커널에 도착했다는 뜻이지, 상대 프로그램에 도착했다는 뜻이 아닙니다. "
        "블로킹 "
        "send()는 버퍼가 가득 차 있는 동안 블로킹됩니다.",
    ),
    "UDP": W(
        "send() on a connected UDP socket sends one datagram to the default peer set by "
        "connect(). Success means the kernel accepted the datagram, not that it was delivered.",
        "연결된 UDP 소켓의 send()는 connect()로 정한 기본 상대에게 데이터그램 하나를 보냅니다. "
        "성공은 "
        "커널이 데이터그램을 받아들였다는 뜻이지, 전달되었다는 뜻이 아닙니다.",
    ),
}
_SEND_BLOCKS: Table = {
    "*": W(
        "It blocked because the send buffer was full: the receiver was not reading, its window "
        "was closed. The reader's recv() made room.",
        "송신 버퍼가 가득 차서 블로킹되었습니다: 수신자가 읽지 않아 윈도가 닫혀 있었습니다. "
        "수신자가 버퍼 공간을 비워서 깨어났습니다.",
    ),
}
_SEND_NOW: Table = {
    "*": W(
        "the send buffer is full: the peer has not read fast enough to make room",
        "송신 버퍼가 가득 찼습니다: 상대가 자리가 날 만큼 빨리 읽지 않았습니다",
    )
}
_CONNECT_WHAT: Table = {
    "TCP": W(
        "connect() makes the kernel do the three-way handshake with the server's kernel (SYN, "
        "SYN-ACK, ACK). It returns when the handshake is done, without waiting for the server "
        "program's accept(). The kernel picks the client's port if the socket was not bound.",
        "connect()는 커널이 서버 커널과 3-way 핸드셰이크(SYN, SYN-ACK, ACK)를 하게 합니다. "
        "3-way 핸드셰이크가 끝나면 돌아오며, 서버 프로그램의 accept()를 기다리지 않습니다. 소켓이 "
        "bind되지 "
        "않았으면 커널이 클라이언트 포트를 고릅니다.",
    ),
    "TCP/nonblocking": W(
        "connect() on a non-blocking socket starts the three-way handshake and returns at once "
        "with EINPROGRESS; select() reports the socket writable when the handshake is over, and "
        "SO_ERROR tells how it ended.",
        "논블로킹 소켓의 connect()는 3-way 핸드셰이크를 시작하고 곧바로 EINPROGRESS로 돌아옵니다. "
        "3-way 핸드셰이크가 끝나면 select()가 쓰기 가능으로 알려 주고, 결과는 SO_ERROR로 확인할 수 "
        "있습니다.",
    ),
    "UDP": W(
        "connect() on a UDP socket sends nothing: there is no handshake. It only sets the default "
        "peer, so send() and recv() can be used without an address and datagrams from other "
        "addresses are no longer delivered to this socket. The kernel binds the socket to a "
        "local port if it was not bound.",
        "UDP 소켓의 connect()는 아무것도 보내지 않습니다: 핸드셰이크가 없습니다. 기본 상대만 "
        "정해서, "
        "주소 없이 send()와 recv()를 쓸 수 있고 다른 주소에서 온 데이터그램은 이 소켓에 전달되지 "
        "않습니다. 소켓이 bind되지 않았으면 커널이 로컬 포트를 할당합니다.",
    ),
}
_CONNECT_BLOCKS: Table = {
    "*": W(
        "It blocked during the handshake: the kernel sent a SYN and sleeps until the SYN-ACK "
        "comes back. A loopback connect() normally completes without sleeping; across a link "
        "between two hosts it takes a round trip. A SYN that is lost (a link that drops it, or a "
        "server whose accept queue is full) is sent again after about a second (SYN_SENT).",
        "3-way 핸드셰이크 동안 블로킹되었습니다: 커널이 SYN을 보내고 SYN-ACK이 돌아올 때까지 "
        "잠듭니다. 루프백의 connect()는 보통 잠들지 않고 끝나지만, 두 호스트 사이의 링크에서는 한 "
        "왕복이 걸립니다. SYN이 사라지면(링크가 버리거나, 서버의 accept 큐가 가득 찬 경우) 약 1초 뒤 "
        "다시 보냅니다 (SYN_SENT).",
    ),
}
_CONNECT_NOW: Table = {
    "*": W(
        "the handshake has not completed (is the server's accept queue full?)",
        "3-way 핸드셰이크가 아직 끝나지 않았습니다 (서버의 accept 큐가 가득 찼나요?)",
    )
}
_CONNECT_OUTCOMES: Mapping[str, Table] = {"ECONNREFUSED": {"UDP": _ECONNREFUSED_UDP}}

_SOCKETPAIR_NOTE = W(
    "The course notes write struct sockaddr * and int for the length; POSIX says "
    "const struct sockaddr * and socklen_t.",
    "강의 노트는 struct sockaddr *와 int 길이로 쓰지만, POSIX는 const struct sockaddr *와 "
    "socklen_t입니다.",
)


def _e(**kw: Any) -> Entry:
    return Entry(**kw)


CATALOGUE: dict[str, Entry] = {}


def _add(e: Entry) -> None:
    CATALOGUE[e.op] = e


_add(
    _e(
        op="socket",
        c_name="socket",
        syscall=True,
        prototype="int socket(int domain, int type, int protocol);",
        what={
            "*": W(
                "socket() asks the kernel for a new socket and returns its file descriptor. "
                "Nothing is sent: the socket has no address yet.",
                "socket()은 커널에 새 소켓을 만들어 달라고 요청하고, 그 소켓의 파일 디스크립터를 "
                "돌려줍니다. 아무것도 보내지 않으며, 소켓에는 아직 주소가 없습니다.",
            ),
            "TCP": W(
                "socket() asks the kernel for a new socket and returns its file descriptor. "
                "Nothing is sent: the socket has no address yet (TCP state CLOSED).",
                "socket()은 커널에 새 소켓을 만들어 달라고 요청하고, 그 소켓의 파일 디스크립터를 "
                "돌려줍니다. 아무것도 보내지 않으며, 소켓에는 아직 주소가 없습니다 (TCP 상태 "
                "CLOSED).",
            ),
        },
        c_form=lambda v: "socket({}, {}{}, {})".format(
            v.args.get("family"),
            v.args.get("type"),
            " | SOCK_NONBLOCK" if v.args.get("nonblocking") else "",
            v.args.get("proto", 0),
        ),
        label=lambda a, fd, tr: "socket({})".format(
            {"SOCK_STREAM": "TCP", "SOCK_DGRAM": "UDP"}.get(str(a.get("type")), a.get("type"))
        ),
        result="fd",
    )
)
_add(
    _e(
        op="bind",
        c_name="bind",
        syscall=True,
        prototype="int bind(int sockfd, const struct sockaddr *addr, socklen_t addrlen);",
        note=_SOCKETPAIR_NOTE,
        what={
            "*": W(
                "bind() gives the socket its local address and port. A server binds to a known "
                "port so that clients can find it; a client usually lets the kernel pick a free "
                "one.",
                "bind()는 소켓에 로컬 주소와 포트를 할당(바인딩)합니다. 서버는 클라이언트가 찾을 "
                "수 "
                "있도록 알려진 포트에 bind하고, 클라이언트는 보통 커널이 빈 포트를 고르게 둡니다.",
            )
        },
        c_form=lambda v: f"bind({v.fd}, {sockaddr(v.args.get('address'))})",
        label=_l_plain("bind(fd {fd}, {addr})"),
    )
)
_add(
    _e(
        op="listen",
        c_name="listen",
        syscall=True,
        prototype="int listen(int sockfd, int backlog);",
        what={
            "*": W(
                "listen() turns the socket into a listening socket (LISTEN). From now on the "
                "kernel itself answers clients' handshakes and queues finished connections in "
                "the accept queue, up to the backlog (Linux admits backlog + 1).",
                "listen()은 소켓을 리스닝 소켓(LISTEN)으로 바꿉니다. 이제부터 커널이 직접 "
                "클라이언트의 3-way 핸드셰이크에 응답하고, 완료된 연결을 backlog만큼 accept 큐에 넣어 "
                "둡니다 (리눅스는 backlog + 1개).",
            )
        },
        c_form=lambda v: f"listen({v.fd}, {v.args.get('backlog')})",
        label=lambda a, fd, tr: f"listen(fd {fd}, backlog {a.get('backlog')})",
    )
)
_add(
    _e(
        op="accept",
        c_name="accept",
        syscall=True,
        prototype=(
            "int accept(int sockfd, struct sockaddr *restrict addr, socklen_t *restrict addrlen);"
        ),
        note=W(
            "The course notes write int * for the length; POSIX says socklen_t *. Linux makes "
            "it as accept4(fd, addr, addrlen, 0).",
            "강의 노트는 길이를 int *로 쓰지만, POSIX는 socklen_t *입니다. 리눅스에서는 "
            "accept4(fd, addr, addrlen, 0)로 호출됩니다.",
        ),
        what={
            "*": W(
                "accept() takes the first finished connection from the listener's accept queue "
                "and returns a new socket for it, with the client's address. The listening "
                "socket stays open for the next client. If the queue is empty, accept() blocks.",
                "accept()는 리스닝 소켓의 accept 큐에서 완료된 연결 하나를 꺼내, 그 연결용 새 "
                "소켓과 클라이언트 주소를 돌려줍니다. 리스닝 소켓은 다음 클라이언트를 위해 그대로 "
                "열려 있습니다. 큐가 비어 있으면 accept()는 블로킹됩니다.",
            ),
            "nonblocking": W(
                "accept() takes the first finished connection from the listener's accept queue "
                "and returns a new socket for it, with the client's address. On this "
                "non-blocking listener it never waits: an empty queue fails at once with EAGAIN, "
                "and select() says when a connection is there.",
                "accept()는 리스닝 소켓의 accept 큐에서 완료된 연결 하나를 꺼내, 그 연결용 새 "
                "소켓과 클라이언트 주소를 돌려줍니다. 이 논블로킹 리스닝 소켓에서는 기다리지 "
                "않습니다: 큐가 비어 있으면 곧바로 EAGAIN으로 실패하고, 연결이 오면 select()가 "
                "알려 줍니다.",
            ),
            "timeout": W(
                "accept() takes the first finished connection from the listener's accept queue "
                "and returns a new socket for it. With a timeout, CPython waits in poll() until "
                "a connection is queued or the time is up, and only then calls accept().",
                "accept()는 리스닝 소켓의 accept 큐에서 완료된 연결 하나를 꺼내 그 연결용 새 "
                "소켓을 "
                "돌려줍니다. 타임아웃이 있으면 CPython이 연결이 들어오거나 시간이 다 될 때까지 "
                "poll()에서 기다리고, 그다음에야 accept()를 호출합니다.",
            ),
        },
        c_form=lambda v: "accept({}, {})".format(
            v.fd, sockaddr(v.peer) if v.peer else "&cliaddr, &addrlen"
        ),
        label=_l_plain("accept(fd {fd})"),
        result="accepted",
        blocks={
            "*": W(
                "It blocked because the accept queue was empty: no client had finished a "
                "handshake. A client's connect() woke it.",
                "accept 큐가 비어 있어서, 즉 3-way 핸드셰이크를 마친 클라이언트가 없어서 "
                "블로킹되었습니다. 클라이언트의 connect()가 깨웠습니다.",
            )
        },
        blocking_now={"*": W("no client has connected yet", "아직 연결한 클라이언트가 없습니다")},
        kernel_calls=("accept4", "accept"),
    )
)
_add(
    _e(
        op="connect",
        c_name="connect",
        syscall=True,
        prototype="int connect(int sockfd, const struct sockaddr *addr, socklen_t addrlen);",
        note=_SOCKETPAIR_NOTE,
        what=_CONNECT_WHAT,
        c_form=lambda v: f"connect({v.fd}, {sockaddr(v.args.get('address'))})",
        label=_l_plain("connect(fd {fd}, {addr})"),
        blocks=_CONNECT_BLOCKS,
        blocking_now=_CONNECT_NOW,
        outcomes=_CONNECT_OUTCOMES,
        kernel_calls=("connect",),
    )
)
CATALOGUE["connect_ex"] = Entry(
    **{
        **{f: getattr(CATALOGUE["connect"], f) for f in Entry.__dataclass_fields__},
        "op": "connect_ex",
        "label": _l_plain("connect_ex(fd {fd}, {addr})"),
        "note": W(
            "connect_ex() is Python's connect() that returns the errno instead of raising; "
            "in C it is connect() itself.",
            "connect_ex()는 예외 대신 errno를 돌려주는 파이썬의 connect()입니다. C에서는 connect() "
            "그대로입니다.",
        ),
    }
)
_add(
    _e(
        op="send",
        c_name="send",
        syscall=True,
        prototype="ssize_t send(int sockfd, const void *buf, size_t len, int flags);",
        what=_SEND_WHAT,
        c_form=lambda v: f"send({v.fd}, {_buf(v)}, {v.args.get('len')}, {v.args.get('flags', 0)})",
        label=_l_plain("send(fd {fd}, {size})"),
        result="bytes",
        data="out",
        blocks=_SEND_BLOCKS,
        blocking_now=_SEND_NOW,
        kernel_calls=("sendto",),
    )
)
_add(
    _e(
        op="sendall",
        c_name="send",
        syscall=True,
        prototype="ssize_t send(int sockfd, const void *buf, size_t len, int flags);",
        note=W(
            "sendall() is Python's loop of send() until every byte is in the kernel; C programs "
            "write that loop themselves.",
            "sendall()은 모든 바이트가 커널에 들어갈 때까지 send()를 반복하는 파이썬의 "
            "반복문입니다. C "
            "프로그램은 그 반복문을 직접 씁니다.",
        ),
        what=_SEND_WHAT,
        c_form=lambda v: (
            f"send({v.fd}, {_buf(v)}, {v.args.get('len')}, {v.args.get('flags', 0)})"
            + (
                "  /* 다 보낼 때까지 반복 */"
                if v.lang == "ko"
                else "  /* looped until all is sent */"
            )
        ),
        label=_l_plain("sendall(fd {fd}, {size})"),
        result="bytes",
        data="out",
        blocks=_SEND_BLOCKS,
        blocking_now=_SEND_NOW,
        kernel_calls=("sendto",),
    )
)
_add(
    _e(
        op="write",
        c_name="write",
        syscall=True,
        prototype="ssize_t write(int fd, const void *buf, size_t count);",
        what={
            "*": W(
                "write() on a socket is send() with flags 0: it copies bytes into the socket's "
                "send buffer in the kernel and returns. Success means the bytes reached your own "
                "kernel, not the peer program. It blocks while the buffer is full.",
                "소켓에 대한 write()는 flags가 0인 send()입니다: 바이트를 커널의 송신 버퍼로 "
                "복사하고 "
                "돌아옵니다. 성공은 바이트가 내 커널에 도착했다는 뜻이지, 상대 프로그램에 "
                "도착했다는 "
                "뜻이 아닙니다. 버퍼가 가득 차 있는 동안 블로킹됩니다.",
            )
        },
        c_form=lambda v: f"write({v.fd}, {_buf(v)}, {v.args.get('len')})",
        label=_l_plain("write(fd {fd}, {size})"),
        result="bytes",
        data="out",
        blocks=_SEND_BLOCKS,
        blocking_now=_SEND_NOW,
        kernel_calls=("write",),
    )
)
_add(
    _e(
        op="recv",
        c_name="recv",
        syscall=True,
        prototype="ssize_t recv(int sockfd, void *buf, size_t len, int flags);",
        what=_RECV_WHAT,
        c_form=lambda v: "recv({}, {}, {}, {})".format(
            v.fd, _buf(v), v.args.get("bufsize", v.args.get("nbytes")), v.args.get("flags", 0)
        ),
        label=lambda a, fd, tr: f"recv(fd {fd}, {a.get('bufsize', a.get('nbytes'))})",
        result="bytes",
        data="in",
        blocks=_RECV_BLOCKS,
        blocking_now=_RECV_NOW,
        kernel_calls=("recvfrom",),
    )
)
CATALOGUE["recv_into"] = Entry(
    **{
        **{f: getattr(CATALOGUE["recv"], f) for f in Entry.__dataclass_fields__},
        "op": "recv_into",
        "label": lambda a, fd, tr: f"recv_into(fd {fd}, {a.get('bufsize', a.get('nbytes'))})",
    }
)
_add(
    _e(
        op="read",
        c_name="read",
        syscall=True,
        prototype="ssize_t read(int fd, void *buf, size_t count);",
        what={
            "*": W(
                "read() on a socket is recv() with flags 0: it takes the bytes that are in the "
                "receive queue, up to count, and blocks while the queue is empty. It returns 0 "
                "(end of stream) only after every byte the peer sent before its FIN was read.",
                "소켓에 대한 read()는 flags가 0인 recv()입니다: 수신 큐에 있는 바이트를 count까지 "
                "꺼내고, 큐가 비어 있으면 블로킹됩니다. 상대가 FIN 전에 보낸 바이트를 모두 읽은 "
                "뒤에야 "
                "0(스트림 끝)을 돌려줍니다.",
            )
        },
        c_form=lambda v: f"read({v.fd}, {_buf(v)}, {v.args.get('count')})",
        label=lambda a, fd, tr: f"read(fd {fd}, {a.get('count')})",
        result="bytes",
        data="in",
        blocks=_RECV_BLOCKS,
        blocking_now=_RECV_NOW,
        kernel_calls=("read",),
    )
)
_add(
    _e(
        op="sendto",
        c_name="sendto",
        syscall=True,
        prototype=(
            "ssize_t sendto(int sockfd, const void *buf, size_t len, int flags, "
            "const struct sockaddr *dest_addr, socklen_t addrlen);"
        ),
        note=_SOCKETPAIR_NOTE,
        what={
            "*": W(
                "sendto() sends one datagram to the address given with it. UDP has no connection "
                "and no delivery guarantee: success means the kernel accepted the datagram, not "
                "that it was delivered (udp-loss shows accepted datagrams that the receiver's "
                "kernel dropped). The first sendto() on an unbound socket binds it to a free "
                "port.",
                "sendto()는 함께 준 주소로 데이터그램 하나를 보냅니다. UDP에는 연결도 전달 보장도 "
                "없습니다: 성공은 커널이 데이터그램을 받아들였다는 뜻이지, 전달되었다는 뜻이 "
                "아닙니다 "
                "(udp-loss에서는 받아들여진 데이터그램을 수신 측 커널이 버립니다). bind되지 않은 "
                "소켓의 "
                "첫 sendto()는 빈 포트를 할당합니다.",
            )
        },
        c_form=lambda v: "sendto({}, {}, {}, 0, {})".format(
            v.fd, _buf(v), v.args.get("len"), sockaddr(v.args.get("address"))
        ),
        label=_l_plain("sendto(fd {fd}, {size} → {addr})"),
        result="bytes",
        data="out",
        blocks={
            "*": W(
                "It blocked because the send buffer was full.",
                "송신 버퍼가 가득 차서 블로킹되었습니다.",
            )
        },
        blocking_now={"*": W("the send buffer is full", "송신 버퍼가 가득 찼습니다")},
        kernel_calls=("sendto",),
    )
)
_add(
    _e(
        op="recvfrom",
        c_name="recvfrom",
        syscall=True,
        prototype=(
            "ssize_t recvfrom(int sockfd, void *restrict buf, size_t len, int flags, "
            "struct sockaddr *restrict src_addr, socklen_t *restrict addrlen);"
        ),
        note=_SOCKETPAIR_NOTE,
        what={
            "*": W(
                "recvfrom() takes exactly one datagram from the receive queue and tells who sent "
                "it. A datagram larger than the buffer is cut, and the rest is lost. It blocks "
                "while no datagram is queued.",
                "recvfrom()은 수신 큐에서 데이터그램 정확히 하나를 꺼내고, 보낸 쪽을 알려 줍니다. "
                "버퍼보다 큰 데이터그램은 잘리고 나머지는 사라집니다. 큐에 데이터그램이 없으면 "
                "블로킹됩니다.",
            ),
            "nonblocking": W(
                "recvfrom() takes exactly one datagram from the receive queue and tells who sent "
                "it. On this non-blocking socket it never waits: with nothing queued it fails at "
                "once with EAGAIN.",
                "recvfrom()은 수신 큐에서 데이터그램 정확히 하나를 꺼내고, 보낸 쪽을 알려 줍니다. "
                "이 "
                "논블로킹 소켓에서는 기다리지 않습니다: 큐가 비어 있으면 곧바로 EAGAIN으로 "
                "실패합니다.",
            ),
        },
        c_form=lambda v: "recvfrom({}, {}, {}, 0, {})".format(
            v.fd,
            _buf(v),
            v.args.get("bufsize"),
            sockaddr(v.peer) if v.peer else "&from, &fromlen",
        ),
        label=lambda a, fd, tr: f"recvfrom(fd {fd}, {a.get('bufsize', a.get('nbytes'))})",
        result="bytes",
        data="in",
        blocks={
            "*": W(
                "It blocked because no datagram was queued; the sender's sendto() woke it.",
                "큐에 데이터그램이 없어서 블로킹되었고, 송신자의 sendto()가 깨웠습니다.",
            )
        },
        blocking_now={"*": W("no datagram has arrived yet", "아직 도착한 데이터그램이 없습니다")},
        outcomes={"ECONNREFUSED": {"*": _ECONNREFUSED_UDP}},
        kernel_calls=("recvfrom",),
    )
)
_add(
    _e(
        op="shutdown",
        c_name="shutdown",
        syscall=True,
        prototype="int shutdown(int sockfd, int how);",
        what={
            "*": W(
                "shutdown() closes one direction of the connection, or both. SHUT_WR makes the "
                'kernel send FIN: the peer\'s recv() returns b"" once it has read everything '
                "before it, but this side can still receive. The closer stays in FIN_WAIT1 "
                "until the peer's kernel ACKs the FIN (Linux delays that ACK), then FIN_WAIT2. "
                "SHUT_RD stops receiving and sends nothing. SHUT_RDWR closes both directions "
                "(and wakes any call blocked on the socket); the descriptor stays open until "
                "close().",
                "shutdown()은 연결의 한 방향이나 두 방향을 닫습니다. SHUT_WR이면 커널이 FIN을 "
                '보냅니다: 상대의 recv()는 그 앞의 바이트를 모두 읽은 뒤 b""를 돌려받지만, 이쪽은 '
                "계속 받을 수 있습니다. 닫은 쪽은 상대 커널이 FIN에 ACK할 때까지 FIN_WAIT1에 "
                "있다가 "
                "(리눅스는 그 ACK를 지연합니다) FIN_WAIT2가 됩니다. SHUT_RD는 수신을 멈추고 "
                "아무것도 "
                "보내지 않습니다. SHUT_RDWR은 두 방향을 모두 닫고 (그 소켓에서 블로킹된 호출도 "
                "깨웁니다), 디스크립터는 close()할 때까지 열려 있습니다.",
            )
        },
        c_form=lambda v: f"shutdown({v.fd}, {v.args.get('how')})",
        label=lambda a, fd, tr: f"shutdown(fd {fd}, {a.get('how')})",
    )
)
_add(
    _e(
        op="close",
        c_name="close",
        syscall=True,
        prototype="int close(int fd);",
        what={
            "*": W(
                "close() releases the file descriptor. If another descriptor still refers to the "
                "socket, nothing is sent. Otherwise, for a connected TCP socket the kernel sends "
                "FIN and finishes the connection whatever the program does — or RST instead of "
                "FIN when unread data is still queued or SO_LINGER is 0. The side that closes "
                "first ends in TIME_WAIT, 60 s on Linux (2×MSL in RFC 9293), which can keep a "
                "server's port busy. The kernel also closes every socket of a process that "
                "exits, however it exits — TIME_WAIT stays all the same.",
                "close()는 파일 디스크립터를 반납합니다. 다른 디스크립터가 아직 그 소켓을 가리키면 "
                "아무것도 보내지 않습니다. 그렇지 않으면 연결된 TCP 소켓의 경우 커널이 FIN을 "
                "보내고 "
                "프로그램과 상관없이 커널이 종료 절차를 마무리합니다. 읽지 않은 데이터가 남아 "
                "있거나 "
                "SO_LINGER가 0이면 FIN 대신 RST를 보냅니다. 먼저 닫은 쪽은 TIME_WAIT에 남습니다 "
                "(리눅스는 60초, RFC 9293은 2×MSL). 이 때문에 서버 포트가 묶일 수 있습니다. "
                "프로세스가 어떻게 끝나든 커널은 그 소켓을 모두 닫지만, TIME_WAIT는 그래도 "
                "남습니다.",
            ),
            "UDP": W(
                "close() releases the file descriptor and, with the last one, the UDP socket and "
                "its queued datagrams. Nothing is sent: UDP has no connection to end.",
                "close()는 파일 디스크립터를 반납하고, 마지막 디스크립터라면 UDP 소켓과 큐에 남은 "
                "데이터그램도 버립니다. 아무것도 보내지 않습니다: UDP에는 끝낼 연결이 없습니다.",
            ),
        },
        c_form=lambda v: f"close({v.fd})",
        label=_l_plain("close(fd {fd})"),
    )
)
_add(
    _e(
        op="setsockopt",
        c_name="setsockopt",
        syscall=True,
        prototype=(
            "int setsockopt(int sockfd, int level, int optname, const void *optval, "
            "socklen_t optlen);"
        ),
        what={
            "*": W(
                "setsockopt() changes an option of the socket in the kernel: buffer sizes, "
                "SO_REUSEADDR, SO_LINGER, timeouts… Linux doubles the size given to SO_RCVBUF "
                "and SO_SNDBUF (4096 reads back as 8192) for its bookkeeping, and charges each "
                "queued datagram its whole buffer, not only its bytes: that is why only 3 "
                "datagrams of 1000 bytes fit in udp-loss.",
                "setsockopt()는 커널에 있는 소켓 옵션을 바꿉니다: 버퍼 크기, SO_REUSEADDR, "
                "SO_LINGER, 타임아웃 등. 리눅스는 SO_RCVBUF와 SO_SNDBUF에 준 크기를 관리용으로 두 "
                "배로 "
                "잡고 (4096은 8192로 읽힘), 큐에 있는 데이터그램마다 바이트만이 아니라 버퍼 전체를 "
                "셉니다: udp-loss에서 1000바이트 데이터그램이 3개만 들어가는 이유입니다.",
            )
        },
        c_form=_c_setsockopt,
        label=lambda a, fd, tr: f"setsockopt(fd {fd}, {a.get('option')}, {a.get('value')})",
    )
)
_add(
    _e(
        op="getsockopt",
        c_name="getsockopt",
        syscall=True,
        prototype=(
            "int getsockopt(int sockfd, int level, int optname, void *restrict optval, "
            "socklen_t *restrict optlen);"
        ),
        what={
            "*": W(
                "getsockopt() reads an option of the socket from the kernel; SO_ERROR, for "
                "example, tells the result of a non-blocking connect().",
                "getsockopt()는 커널에서 소켓 옵션을 읽습니다. 예를 들어 SO_ERROR로 논블로킹 "
                "connect()의 결과를 확인할 수 있습니다.",
            )
        },
        c_form=lambda v: (
            f"getsockopt({v.fd}, {v.args.get('level')}, {v.args.get('option')}, &optval, &optlen)"
        ),
        label=lambda a, fd, tr: f"getsockopt(fd {fd}, {a.get('option')})",
        result="value",
    )
)
_add(
    _e(
        op="settimeout",
        c_name="settimeout",
        syscall=False,
        prototype=W(
            "/* Python only: the socket becomes O_NONBLOCK; each call first waits in poll() "
            "for at most the timeout */",
            "/* 파이썬에만 있음: 소켓이 O_NONBLOCK이 되고, 호출마다 먼저 poll()에서 최대 그 "
            "시간만큼 기다림 */",
        ),
        what={
            "*": W(
                "settimeout() is Python's: the kernel socket becomes non-blocking, and before each "
                "later call CPython waits in poll() for at most this many seconds; the call is "
                "made only when poll() says it can complete, and socket.timeout is raised when "
                "the time is up (the call itself is then never made). In C, SO_RCVTIMEO / "
                "SO_SNDTIMEO or poll() do this.",
                "settimeout()은 파이썬의 기능입니다: 커널 소켓은 논블로킹이 되고, 이후 호출마다 "
                "CPython이 먼저 poll()에서 최대 이 시간만큼 기다립니다. poll()이 준비됐다고 할 "
                "때만 "
                "호출을 하고, 시간이 다 되면 socket.timeout을 냅니다 (그때 호출 자체는 하지 "
                "않습니다). C에서는 SO_RCVTIMEO / SO_SNDTIMEO나 poll()로 합니다.",
            )
        },
        c_form=lambda v: f"/* settimeout({v.fd}, {v.args.get('timeout')}): O_NONBLOCK + poll() */",
        label=lambda a, fd, tr: f"settimeout(fd {fd}, {a.get('timeout')})",
        result="nothing",
    )
)
_add(
    _e(
        op="setblocking",
        c_name="fcntl",
        syscall=True,
        prototype="int fcntl(int fd, int cmd, ... /* F_SETFL, O_NONBLOCK */);",
        what={
            "*": W(
                "setblocking(False) sets O_NONBLOCK: from now on only the calls that would have "
                "to wait fail, at once, with EAGAIN (or EINPROGRESS for connect()); calls that "
                "can complete still do.",
                "setblocking(False)는 O_NONBLOCK을 켭니다: 이제부터 기다려야 할 호출만 곧바로 "
                "EAGAIN(connect()는 EINPROGRESS)으로 실패하고, 바로 끝날 수 있는 호출은 그대로 "
                "성공합니다.",
            )
        },
        c_form=lambda v: "fcntl({}, F_SETFL, {})".format(
            v.fd, "flags & ~O_NONBLOCK" if v.args.get("flag") else "flags | O_NONBLOCK"
        ),
        label=lambda a, fd, tr: f"setblocking(fd {fd}, {a.get('flag')})",
    )
)
_add(
    _e(
        op="select",
        c_name="select",
        syscall=True,
        prototype=(
            "int select(int nfds, fd_set *restrict readfds, fd_set *restrict writefds, "
            "fd_set *restrict exceptfds, struct timeval *restrict timeout);"
        ),
        what={
            "*": W(
                "select() waits until one of the given sockets is ready: readable (data, a new "
                "connection, or EOF), writable (room in the send buffer, or a finished connect). "
                "One thread can wait on many sockets this way.",
                "select()는 주어진 소켓 중 하나가 준비될 때까지 기다립니다: 읽기 가능(데이터, 새 "
                "연결, "
                "EOF), 쓰기 가능(송신 버퍼의 빈 공간, 끝난 connect). 이렇게 스레드 하나가 여러 "
                "소켓을 "
                "기다립니다.",
            )
        },
        c_form=_c_select,
        label=lambda a, fd, tr: "select(r={}, w={})".format(
            (a.get("fds") or {}).get("r", []), (a.get("fds") or {}).get("w", [])
        ),
        result="ready",
        blocks={
            "*": W(
                "It blocked until one of its sockets became ready.",
                "소켓 중 하나가 준비될 때까지 블로킹되었습니다.",
            )
        },
        blocking_now={"*": W("none of its sockets is ready", "준비된 소켓이 없습니다")},
        kernel_calls=("select", "pselect6", "poll"),
    )
)
_add(
    _e(
        op="fcntl",
        c_name="fcntl",
        syscall=True,
        prototype="int fcntl(int fd, int cmd, ... /* arg */);",
        what={
            "*": W(
                "fcntl(F_SETFL) sets the file's status flags. With O_NONBLOCK the socket is "
                "non-blocking from now on: a call that would have to wait fails at once with "
                "EAGAIN (EINPROGRESS for connect()); without it, calls wait again.",
                "fcntl(F_SETFL)은 파일의 상태 플래그를 정합니다. O_NONBLOCK이 있으면 이제부터 "
                "소켓은 논블로킹입니다: 기다려야 할 호출은 곧바로 EAGAIN(connect()는 "
                "EINPROGRESS)으로 실패합니다. 없으면 호출은 다시 기다립니다.",
            )
        },
        c_form=lambda v: "fcntl({}, F_SETFL, {})".format(
            v.fd, "flags | O_NONBLOCK" if v.args.get("nonblocking") else "flags & ~O_NONBLOCK"
        ),
        label=lambda a, fd, tr: "fcntl(fd {}, F_SETFL, {})".format(
            fd, "O_NONBLOCK" if a.get("nonblocking") else "no O_NONBLOCK"
        ),
    )
)
_add(
    _e(
        op="wait_until",
        c_name="wait_until",
        syscall=False,
        prototype=W(
            "/* SocketScope: one actor waits for another; not a system call */",
            "/* SocketScope: 한 액터가 다른 액터를 기다림. 시스템 콜이 아님 */",
        ),
        what={
            "*": W(
                "Not a system call: the scenario makes this actor wait for another, so that the "
                "lesson happens the same way at any speed.",
                "시스템 콜이 아닙니다: 시나리오가 이 액터가 다른 액터를 기다리도록 해서, 어떤 "
                "속도로 돌려도 같은 장면이 나오게 합니다.",
            )
        },
        c_form=_c_wait_until,
        label=_l_wait_until,
        result="helper",
        blocks={
            "*": W(
                "It waited for the other actor, as the scenario asks.",
                "시나리오에 따라 다른 액터를 기다렸습니다.",
            )
        },
        blocking_now={
            "*": W(
                "the scenario makes it wait for another actor",
                "시나리오가 다른 액터를 기다리도록 합니다",
            )
        },
    )
)
_add(
    _e(
        op="spawn",
        c_name="pthread_create",
        syscall=False,
        prototype=(
            "int pthread_create(pthread_t *restrict thread, const pthread_attr_t *restrict attr, "
            "void *(*start_routine)(void *), void *restrict arg);"
        ),
        what={
            "*": W(
                "The server starts a new thread for this connection and goes straight back to "
                "accept(): each client gets its own handler thread, and one slow client does not "
                "hold up the others. The thread uses the socket that accept() returned. (A "
                "library call that makes clone(); not a socket call.)",
                "서버가 이 연결을 위한 새 스레드를 시작하고 곧바로 accept()로 돌아갑니다: "
                "클라이언트마다 "
                "핸들러 스레드가 따로 있어, 느린 클라이언트 하나가 다른 클라이언트를 막지 "
                "않습니다. "
                "스레드는 accept()가 돌려준 소켓을 씁니다. (clone()을 부르는 라이브러리 함수이며, "
                "소켓 "
                "호출은 아닙니다.)",
            )
        },
        c_form=lambda v: (
            f"pthread_create(&tid, NULL, {v.args.get('function')}, ...)  "
            f"/* {v.args.get('actor')} */"
        ),
        label=lambda a, fd, tr: f"spawn({a.get('actor')})",
        result="helper",
    )
)
_add(
    _e(
        op="signal",
        c_name="signal",
        syscall=True,
        prototype="void (*signal(int sig, void (*func)(int)))(int);",
        note=W(
            "Linux makes it as rt_sigaction(); portable C programs use sigaction().",
            "리눅스에서는 rt_sigaction()으로 호출됩니다. 이식성 있는 C 프로그램은 sigaction()을 "
            "씁니다.",
        ),
        what={
            "*": W(
                "signal() installs a handler: when the kernel delivers the signal to this "
                "process, Python runs the handler in the main thread as soon as it can — even in "
                "the middle of a blocked accept(). Here the handler closes the listening socket "
                "and exits. A C handler runs at once, interrupting anything, so it may call only "
                "async-signal-safe functions such as close() and _exit() — not printf() or "
                "exit().",
                "signal()은 핸들러를 설치합니다: 이 프로세스가 시그널을 받으면 파이썬은 가능한 한 "
                "빨리 메인 스레드에서 핸들러를 실행합니다 — 블로킹된 accept() 도중에도. 여기서 "
                "핸들러는 리스닝 소켓을 닫고 종료합니다. C의 핸들러는 무엇이든 끊고 곧바로 "
                "실행되므로 "
                "close()나 _exit() 같은 비동기 시그널 안전 함수만 부를 수 있습니다 (printf()나 "
                "exit()는 안 됩니다).",
            )
        },
        c_form=lambda v: f"signal({v.args.get('signal')}, {v.args.get('handler')})",
        label=lambda a, fd, tr: f"signal({a.get('signal')}, {a.get('handler')})",
        result="helper",
    )
)
_add(
    _e(
        op="kill",
        c_name="kill",
        syscall=True,
        prototype="int kill(pid_t pid, int sig);",
        what={
            "*": W(
                "kill() sends a signal to another process (here SocketScope's process actor). "
                "SIGTERM and SIGINT can be caught by a handler; SIGKILL cannot: the process ends "
                "at once, its blocked call never returns, and the kernel closes all its sockets.",
                "kill()은 다른 프로세스에 시그널을 보냅니다 (여기서는 SocketScope의 프로세스 "
                "액터). "
                "SIGTERM과 SIGINT는 핸들러로 잡을 수 있지만 SIGKILL은 잡을 수 없습니다: 프로세스는 "
                "곧바로 끝나고, 블로킹된 호출은 돌아오지 않으며, 커널이 그 소켓을 모두 닫습니다.",
            )
        },
        c_form=lambda v: f"kill(pid of {v.args.get('actor')}, {v.args.get('signal')})",
        label=lambda a, fd, tr: f"kill({a.get('actor')}, {a.get('signal')})",
        result="helper",
    )
)

# --- calls only a C program makes (engine/programs/ctrace.py traces them) -----------------------
_add(
    _e(
        op="poll",
        c_name="poll",
        syscall=True,
        prototype="int poll(struct pollfd *fds, nfds_t nfds, int timeout);",
        what={
            "*": W(
                "poll() waits until one of the given fds is ready (readable, writable, or hung "
                "up), like select() with a list instead of bit sets. It returns how many are ready.",
                "poll()은 주어진 fd 중 하나가 준비될 때까지(읽기 가능, 쓰기 가능, 연결 끊김) "
                "기다립니다. 비트 집합 대신 목록을 쓰는 select()와 같으며, 준비된 fd의 수를 "
                "돌려줍니다.",
            )
        },
        c_form=lambda v: f"poll({v.args.get('pollfds')}, {v.args.get('timeout_ms')})",
        label=lambda a, fd, tr: "poll()",
        result="count",
        blocks={
            "*": W(
                "It blocked until one of its fds became ready.",
                "fd 중 하나가 준비될 때까지 블로킹되었습니다.",
            )
        },
        blocking_now={"*": W("none of its fds is ready", "준비된 fd가 없습니다")},
        kernel_calls=("poll", "ppoll"),
    )
)
_add(
    _e(
        op="epoll_wait",
        c_name="epoll_wait",
        syscall=True,
        prototype=(
            "int epoll_wait(int epfd, struct epoll_event *events, int maxevents, int timeout);"
        ),
        what={
            "*": W(
                "epoll_wait() waits until one of the fds registered with epoll_ctl() is ready and "
                "returns how many are: the kernel keeps the list, so the wait does not grow with "
                "the number of sockets.",
                "epoll_wait()는 epoll_ctl()로 등록한 fd 중 하나가 준비될 때까지 기다리고, 준비된 "
                "수를 돌려줍니다. 목록은 커널이 갖고 있으므로 소켓이 많아져도 기다림이 "
                "무거워지지 않습니다.",
            )
        },
        c_form=lambda v: f"epoll_wait({v.args.get('epfd')}, events, {v.args.get('maxevents')})",
        label=lambda a, fd, tr: f"epoll_wait(epfd {a.get('epfd')})",
        result="count",
        blocks={
            "*": W(
                "It blocked until one of the registered fds became ready.",
                "등록된 fd 중 하나가 준비될 때까지 블로킹되었습니다.",
            )
        },
        blocking_now={
            "*": W("none of the registered fds is ready", "등록된 fd 중 준비된 것이 없습니다")
        },
        kernel_calls=("epoll_wait", "epoll_pwait", "epoll_pwait2"),
    )
)
_add(
    _e(
        op="epoll_ctl",
        c_name="epoll_ctl",
        syscall=True,
        prototype="int epoll_ctl(int epfd, int op, int fd, struct epoll_event *event);",
        what={
            "*": W(
                "epoll_ctl() adds a socket to (or removes it from) the fds an epoll_wait() waits "
                "on. Nothing is sent.",
                "epoll_ctl()은 epoll_wait()가 기다릴 fd 목록에 소켓을 넣거나 뺍니다. 아무것도 "
                "보내지 않습니다.",
            )
        },
        c_form=lambda v: f"epoll_ctl({v.args.get('epfd')}, {v.args.get('op')}, {v.fd}, &ev)",
        label=lambda a, fd, tr: f"epoll_ctl({a.get('op')}, fd {fd})",
    )
)
_add(
    _e(
        op="fork",
        c_name="fork",
        syscall=True,
        prototype="pid_t fork(void);",
        what={
            "*": W(
                "fork() makes a copy of the process. The child gets its own lifeline and every "
                "socket the parent had, under the same fd numbers: the same kernel sockets, not "
                "copies. fork() returns the child's pid in the parent and 0 in the child.",
                "fork()는 프로세스를 복제합니다. 자식 프로세스는 자기 라이프라인을 갖고, 부모가 "
                "가진 모든 소켓을 같은 fd 번호로 갖습니다: 복사본이 아니라 같은 커널 소켓입니다. "
                "fork()는 부모에게는 자식의 pid를, 자식에게는 0을 돌려줍니다.",
            )
        },
        c_form=lambda v: "fork()",
        label=lambda a, fd, tr: "fork()",
        result="count",
    )
)
for _op, _proto, _dir, _en, _ko in (
    (
        "sendmsg",
        "ssize_t sendmsg(int sockfd, const struct msghdr *msg, int flags);",
        "out",
        "sendmsg() sends the bytes of several buffers (an iovec) in one call, like send().",
        "sendmsg()는 여러 버퍼(iovec)의 바이트를 한 번에 보냅니다. send()와 같습니다.",
    ),
    (
        "writev",
        "ssize_t writev(int fd, const struct iovec *iov, int iovcnt);",
        "out",
        "writev() writes several buffers in one call; on a socket it sends them like send().",
        "writev()는 여러 버퍼를 한 번에 씁니다. 소켓에서는 send()처럼 보냅니다.",
    ),
    (
        "recvmsg",
        "ssize_t recvmsg(int sockfd, struct msghdr *msg, int flags);",
        "in",
        "recvmsg() receives bytes into several buffers (an iovec) in one call, like recv().",
        "recvmsg()는 바이트를 여러 버퍼(iovec)에 한 번에 받습니다. recv()와 같습니다.",
    ),
    (
        "readv",
        "ssize_t readv(int fd, const struct iovec *iov, int iovcnt);",
        "in",
        "readv() reads into several buffers in one call; on a socket it receives like recv().",
        "readv()는 여러 버퍼에 한 번에 읽습니다. 소켓에서는 recv()처럼 받습니다.",
    ),
):
    _add(
        _e(
            op=_op,
            c_name=_op,
            syscall=True,
            prototype=_proto,
            what={"*": W(_en, _ko)},
            c_form=lambda v, op=_op: f"{op}({v.fd}, ...)",
            label=lambda a, fd, tr, op=_op: f"{op}(fd {fd})",
            result="bytes",
            data=_dir,
            blocks={
                "*": W(
                    "It blocked until the kernel could move bytes.",
                    "커널이 바이트를 옮길 수 있을 때까지 블로킹되었습니다.",
                )
            },
            blocking_now={
                "*": W("the kernel cannot move bytes yet", "커널이 아직 바이트를 옮길 수 없습니다")
            },
            kernel_calls=(_op,),
        )
    )


# --- errors, by type where the meaning differs -----------------------------------------------
ERRORS: dict[str, Table] = {
    "ECONNREFUSED": {
        "*": W(
            "ECONNREFUSED: nothing listens on that port, so the other kernel answered the SYN "
            "with RST. Programs report it, or retry later (the server may still be starting).",
            "ECONNREFUSED: 그 포트에서 listen하는 소켓이 없어, 상대 커널이 SYN에 RST로 "
            "답했습니다. 프로그램은 오류를 알리거나 나중에 다시 시도합니다 (서버가 아직 시작 중일 "
            "수 "
            "있습니다).",
        ),
        "UDP": _ECONNREFUSED_UDP,
    },
    "ECONNRESET": {
        "*": W(
            "ECONNRESET: the peer's kernel aborted the connection with RST (SO_LINGER 0, or it "
            "closed with unread data). The next call on the socket gets ECONNRESET once; "
            "writes after it get EPIPE. Programs close this connection and carry on.",
            "ECONNRESET: 상대 커널이 RST로 연결을 끊었습니다 (SO_LINGER 0이거나, 읽지 않은 "
            "데이터가 있는 채로 닫음). 그 소켓의 다음 호출이 한 번 ECONNRESET을 받고, 그 뒤의 "
            "쓰기는 EPIPE를 받습니다. 프로그램은 이 연결을 닫고 계속합니다.",
        )
    },
    "EPIPE": {
        "*": W(
            "EPIPE: writing to a connection that can no longer carry data: this side has shut "
            "down its sending half (SHUT_WR), or the peer's kernel reset the connection. Which "
            "error an RST gives depends on when it came: an RST that answers a send() after the "
            "peer's FIN (CLOSE_WAIT: the peer closed first) gives EPIPE; an RST on "
            "an open connection gives ECONNRESET once, and EPIPE to the writes after it. A C "
            "program is killed by SIGPIPE unless it ignores the signal or passes MSG_NOSIGNAL "
            "to send(); Python ignores SIGPIPE and raises BrokenPipeError.",
            "EPIPE: 더 이상 데이터를 실을 수 없는 연결에 쓰려고 했습니다: 이쪽이 보내는 쪽을 "
            "shutdown(SHUT_WR)으로 닫았거나, 상대 커널이 연결을 리셋했습니다. RST가 어떤 오류가 "
            "되는지는 언제 왔는지에 달려 있습니다: 상대의 FIN 뒤(CLOSE_WAIT: 상대가 먼저 "
            "닫은 경우) send()에 대한 답으로 온 RST는 EPIPE가 되고, 열린 연결에 온 RST는 한 번 "
            "ECONNRESET이 되고 그 뒤의 쓰기는 EPIPE를 받습니다. C 프로그램은 SIGPIPE를 무시하거나 "
            "send()에 MSG_NOSIGNAL을 주지 않으면 SIGPIPE로 종료되고, 파이썬은 SIGPIPE를 무시하고 "
            "BrokenPipeError를 냅니다.",
        )
    },
    "EADDRINUSE": {
        "*": W(
            "EADDRINUSE: the address and port are taken — by a listening socket, or by a "
            "connection in TIME_WAIT. For TIME_WAIT, Linux allows the bind when SO_REUSEADDR "
            "is set on the new socket and the old one (this is Linux behaviour: FreeBSD and "
            "others differ).",
            "EADDRINUSE: 주소와 포트가 이미 쓰이고 있습니다 — listen 중인 소켓이나, TIME_WAIT "
            "상태의 연결이 차지하고 있습니다. TIME_WAIT라면 리눅스는 새 소켓과 옛 소켓 모두에 "
            "SO_REUSEADDR가 설정되어 있을 때 bind를 허용합니다 (리눅스의 동작이며, FreeBSD 등은 "
            "다릅니다).",
        )
    },
    "EAGAIN": {
        "*": W(
            "EAGAIN: the call would have to wait (nothing to accept or read, no room to write) "
            "on a non-blocking socket, or the SO_RCVTIMEO / SO_SNDTIMEO time ran out. Not a "
            "failure: try again when select() says the socket is ready.",
            "EAGAIN: 논블로킹 소켓에서 호출이 기다려야 하는 상황이거나 (accept하거나 읽을 것이 "
            "없음, 쓸 공간이 없음), SO_RCVTIMEO / SO_SNDTIMEO 시간이 다 되었습니다. 실패가 "
            "아닙니다: select()가 준비됐다고 하면 다시 시도합니다.",
        )
    },
    "EINPROGRESS": {
        "*": W(
            "EINPROGRESS: a non-blocking connect() has started the handshake and returned at "
            "once. select() reports the socket writable when it is done; SO_ERROR tells the "
            "result.",
            "EINPROGRESS: 논블로킹 connect()가 3-way 핸드셰이크를 시작하고 곧바로 돌아왔습니다. 끝나면 "
            "select()가 쓰기 가능으로 알려 주고, 결과는 SO_ERROR로 확인할 수 있습니다.",
        )
    },
    "timeout": {
        "*": W(
            "Timed out: CPython waited in poll() as long as settimeout() allowed, nothing came, "
            "and it raised socket.timeout without making the call. In C this is poll() "
            "returning 0, or a call failing with EAGAIN after SO_RCVTIMEO / SO_SNDTIMEO. "
            "Programs retry, or decide the peer is gone.",
            "타임아웃: CPython이 settimeout()이 허락한 만큼 poll()에서 기다렸지만 아무것도 오지 "
            "않아, 호출을 하지 않고 socket.timeout을 냈습니다. C에서는 poll()이 0을 돌려주거나, "
            "SO_RCVTIMEO / SO_SNDTIMEO 뒤 호출이 EAGAIN으로 실패하는 경우입니다. 프로그램은 다시 "
            "시도하거나 상대가 사라졌다고 판단합니다.",
        )
    },
    "ENOTCONN": {
        "*": W(
            "ENOTCONN: the socket is not connected: it never was, or the connection is gone.",
            "ENOTCONN: 소켓이 연결되어 있지 않습니다: 연결한 적이 없거나, 연결이 이미 "
            "사라졌습니다.",
        )
    },
    "EBADF": {
        "*": W(
            "EBADF: the socket was already closed; its file descriptor is no longer valid.",
            "EBADF: 소켓이 이미 닫혀서 파일 디스크립터가 더 이상 유효하지 않습니다.",
        )
    },
    "EINVAL": {
        "*": W(
            "EINVAL: the call does not fit the socket's state (e.g. accept() on a socket that "
            "is not listening, or one that was shut down).",
            "EINVAL: 호출이 소켓 상태에 맞지 않습니다 (예: listen하지 않았거나 shutdown된 소켓에 "
            "accept()).",
        )
    },
    "EISCONN": {
        "*": W(
            "EISCONN: the socket is already connected.",
            "EISCONN: 소켓이 이미 연결되어 있습니다.",
        )
    },
    "EADDRNOTAVAIL": {
        "*": W(
            "EADDRNOTAVAIL: that address does not belong to this machine, or no ephemeral port "
            "was free for the kernel to pick.",
            "EADDRNOTAVAIL: 그 주소는 이 컴퓨터의 주소가 아니거나, 커널이 고를 수 있는 빈 임시 "
            "포트가 없습니다.",
        )
    },
    "EDESTADDRREQ": {
        "*": W(
            "EDESTADDRREQ: send() on a UDP socket that was never connected: say where with "
            "sendto().",
            "EDESTADDRREQ: connect하지 않은 UDP 소켓에 send()했습니다: sendto()로 목적지를 주세요.",
        )
    },
    "NOT_LOOPBACK": {
        "*": W(
            "Refused by SocketScope: only loopback addresses (127.0.0.0/8, ::1) are allowed, and "
            "in a two-host lesson its own hosts' addresses inside its private network, so that "
            "nothing leaves this machine. No packet was sent.",
            "SocketScope가 거부했습니다: 이 컴퓨터 밖으로 아무것도 나가지 않도록 루프백 주소"
            "(127.0.0.0/8, ::1)와, 두 호스트 수업에서는 그 수업의 사설 네트워크 안 호스트 주소만 "
            "허용합니다. 패킷은 보내지 않았습니다.",
        )
    },
    "EXITED": {
        "*": W(
            "The process exited while this call waited: a signal handler called sys.exit(). The "
            "call never returned; the kernel closes whatever sockets are still open.",
            "이 호출이 기다리는 동안 프로세스가 종료되었습니다: 시그널 핸들러가 sys.exit()를 "
            "불렀습니다. 호출은 돌아오지 않았고, 아직 열린 소켓은 커널이 닫습니다.",
        )
    },
    "SIGKILL": {
        "*": W(
            "The process was killed by SIGKILL while this call waited: the call never returned "
            "(no result, no handler). The kernel closes every socket of the process; a "
            "listening socket leaves nothing behind, so its port is free again.",
            "이 호출이 기다리는 동안 프로세스가 SIGKILL로 종료되었습니다: 호출은 돌아오지 "
            "않았습니다 (결과도 핸들러도 없음). 커널이 프로세스의 소켓을 모두 닫고, 리스닝 소켓은 "
            "아무것도 남기지 않으므로 포트가 다시 비게 됩니다.",
        )
    },
    "STOPPED": {
        "*": W(
            "The run was stopped while this call was in progress: SocketScope cut it short; "
            "the program did not see an error.",
            "이 호출이 진행 중일 때 실행이 중지되었습니다: SocketScope가 끊었으며, 프로그램이 받은 "
            "오류가 아닙니다.",
        )
    },
}

# Outcomes where the call never returned to the program: C shows "= ?" as strace does.
NEVER_RETURNED = frozenset({"SIGKILL", "EXITED", "STOPPED"})

AT_ONCE = W(
    "It returned at once: what it needed was already there.",
    "곧바로 돌아왔습니다: 필요한 것이 이미 있었습니다.",
)
BLOCKED_NOW = W(
    "It is blocked now: the thread waits in the kernel until something another actor does "
    "wakes it. Stepping this actor cannot move it.",
    "지금 블로킹되어 있습니다: 다른 액터가 무언가를 해서 깨울 때까지 스레드가 커널 안에서 "
    "기다립니다. 이 액터를 한 단계 진행해도 움직이지 않습니다.",
)
EOF = W(
    "0 bytes: end of stream. The peer closed its sending side (FIN) and every byte it sent "
    "before was already read.",
    "0바이트: 스트림 끝입니다. 상대가 보내는 쪽을 닫았고 (FIN), 그 전에 보낸 바이트는 모두 이미 "
    "읽었습니다.",
)

# --- blocking as the kernel reports it ------------------------------------------------------------
WAIT_CHANNELS: dict[str, Words] = {
    "inet_csk_accept": W(
        "inet_csk_accept: the kernel's accept(), asleep until a finished connection is in the "
        "listener's accept queue.",
        "inet_csk_accept: 커널의 accept()로, 완료된 연결이 리스닝 소켓의 accept 큐에 들어올 "
        "때까지 잠들어 있습니다.",
    ),
    "wait_woken": W(
        "wait_woken: a generic TCP sleep — waiting for data to read, for room in the send "
        "buffer, or for the handshake; the system call tells which.",
        "wait_woken: TCP의 일반적인 대기입니다 — 읽을 데이터, 송신 버퍼의 빈 공간, 또는 "
        "3-way 핸드셰이크를 기다립니다. 어느 것인지는 시스템 콜이 알려 줍니다.",
    ),
    "__skb_wait_for_more_packets": W(
        "__skb_wait_for_more_packets: a UDP receive, asleep until a datagram is queued on the "
        "socket.",
        "__skb_wait_for_more_packets: UDP 수신으로, 소켓 큐에 데이터그램이 들어올 때까지 잠들어 "
        "있습니다.",
    ),
    "do_select": W(
        "do_select: select() asleep until one of its descriptors is ready or the timeout ends.",
        "do_select: select()가 디스크립터 중 하나가 준비되거나 타임아웃이 끝날 때까지 잠들어 "
        "있습니다.",
    ),
    "poll_schedule_timeout": W(
        "poll_schedule_timeout: select()/poll() asleep until a descriptor is ready or the "
        "timeout ends.",
        "poll_schedule_timeout: select()/poll()이 디스크립터가 준비되거나 타임아웃이 끝날 때까지 "
        "잠들어 있습니다.",
    ),
    "do_sys_poll": W(
        "do_sys_poll: poll() asleep — with settimeout(), CPython waits here before making the "
        "call itself.",
        "do_sys_poll: poll()이 잠들어 있습니다 — settimeout()이 있으면 CPython은 호출 전에 여기서 "
        "기다립니다.",
    ),
}
WAIT_CHANNELS["poll_schedule"] = WAIT_CHANNELS["poll_schedule_timeout"]

ASLEEP = W(
    "asleep in the kernel: {wait}, in {syscall}()",
    "커널 안에서 잠듦: {syscall}() 안의 {wait}",
)
ASLEEP_NO_CALL = W("asleep in the kernel: {wait}", "커널 안에서 잠듦: {wait}")
BY_TIME = W(
    "measured by time only on this system",
    "이 시스템에서는 시간으로만 측정함",
)


def evidence(kernel_wait: str | None, syscall: str | None, how: str | None, lang: str) -> str:
    """How blocking was known: where the kernel holds the thread, or that only time told.
    Empty when the trace does not say (traces older than the evidence fields)."""
    if how == "kernel" and kernel_wait:
        w = ASLEEP if syscall else ASLEEP_NO_CALL
        return w(lang).format(wait=kernel_wait, syscall=syscall)
    if how == "time":
        return BY_TIME(lang)
    return ""


def wait_channel(kernel_wait: str | None, lang: str) -> str:
    """The one-line meaning of a wait channel; empty for one the lessons do not produce.
    The compiler's suffixes (``poll_schedule_timeout.constprop.0``, ``.isra.0``, ``.part.0``)
    name the same kernel function."""
    w = WAIT_CHANNELS.get((kernel_wait or "").split(".", 1)[0])
    return w(lang) if w else ""


# --- lookups -------------------------------------------------------------------------------------
def entry(op: str | None) -> Entry | None:
    return CATALOGUE.get(op or "")


def is_syscall(op: str | None) -> bool:
    e = entry(op)
    return bool(e and e.syscall)


def can_block(op: str | None) -> bool:
    e = entry(op)
    return bool(e and e.blocks)


def data_dir(op: str | None) -> Data | None:
    e = entry(op)
    return e.data if e else None


def what(op: str | None, sock_type: str | None, mode: str | None, lang: str) -> str:
    e = entry(op)
    w = pick(e.what, sock_type, mode) if e else None
    return w(lang) if w else ""


def why_blocked(op: str | None, sock_type: str | None, mode: str | None, lang: str) -> str:
    e = entry(op)
    w = pick(e.blocks, sock_type, mode) if e else None
    return w(lang) if w else ""


def why_blocking_now(op: str | None, sock_type: str | None, lang: str) -> str:
    e = entry(op)
    w = pick(e.blocking_now, sock_type) if e else None
    return w(lang) if w else ("기다리는 중입니다" if lang == "ko" else "it is waiting")


def error_text(
    op: str | None, error: str, sock_type: str | None, mode: str | None, lang: str
) -> str:
    """What an error means for this call on this kind of socket."""
    e = entry(op)
    table = e.outcomes.get(error) if e else None
    w = pick(table, sock_type, mode) if table else None
    if w is None and error in ERRORS:
        w = pick(ERRORS[error], sock_type, mode)
    return w(lang) if w else ""


def mode_note(op: str | None, mode: str | None, lang: str) -> str:
    """What the socket's mode changes for a call that can wait."""
    if not can_block(op) or op in ("select", "wait_until"):
        return ""
    if mode == "nonblocking":
        return _NONBLOCK_EAGAIN(lang)
    if mode == "timeout":
        return _TIMEOUT_POLL(lang)
    return ""


def strerror(name: str) -> str:
    code = getattr(_errno, name, None)
    return os.strerror(code) if isinstance(code, int) else ""
