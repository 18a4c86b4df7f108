"""What a call does, why it blocked or returned at once, and what an error means: English and Korean.

Pure text from (call event, return event). Where the course notes simplify, this says what really
happens: the kernel, not the server program, completes the handshake; close() does not always
free a port (TIME_WAIT does not go away when a process exits); a successful send() only means the
bytes reached your own kernel.
"""

from __future__ import annotations

from socketscope.engine.events import Event
from socketscope.model.labels import duration

Text = dict[str, str]

WHAT: dict[str, Text] = {
    "socket": {
        "en": "socket() asks the kernel for a new socket and returns its file descriptor. Nothing "
        "is sent: the socket has no address yet (TCP state CLOSED).",
        "ko": "socket()은 커널에 새 소켓을 요청하고 파일 디스크립터를 돌려받습니다. 아무것도 보내지 "
        "않으며, 소켓에는 아직 주소가 없습니다 (TCP 상태 CLOSED).",
    },
    "bind": {
        "en": "bind() gives the socket its local address and port. A server binds to a known port "
        "so that clients can find it; a client usually lets the kernel pick a free one.",
        "ko": "bind()는 소켓에 로컬 주소와 포트를 붙입니다. 서버는 클라이언트가 찾을 수 있도록 알려진 "
        "포트에 bind하고, 클라이언트는 보통 커널이 빈 포트를 고르게 둡니다.",
    },
    "listen": {
        "en": "listen() turns the socket into a listening socket (LISTEN). From now on the kernel "
        "itself answers clients' handshakes and queues finished connections in the accept queue, "
        "up to the backlog (Linux admits backlog + 1).",
        "ko": "listen()은 소켓을 듣기 소켓(LISTEN)으로 바꿉니다. 이제부터 커널이 직접 클라이언트의 "
        "handshake에 응답하고, 완료된 연결을 backlog만큼 accept 큐에 쌓아 둡니다 (리눅스는 backlog + 1개).",
    },
    "accept": {
        "en": "accept() takes the first finished connection from the listener's accept queue and "
        "returns a new socket for it, with the client's address. The listening socket stays open "
        "for the next client. If the queue is empty, accept() blocks.",
        "ko": "accept()는 듣기 소켓의 accept 큐에서 완료된 연결 하나를 꺼내, 그 연결용 새 소켓과 "
        "클라이언트 주소를 돌려줍니다. 듣기 소켓은 다음 클라이언트를 위해 그대로 열려 있습니다. 큐가 "
        "비어 있으면 accept()는 대기합니다.",
    },
    "connect": {
        "en": "connect() makes the kernel do the three-way handshake with the server's kernel "
        "(SYN, SYN-ACK, ACK). It returns when the handshake is done, without waiting for the "
        "server program's accept(). The kernel picks the client's port if the socket was not bound.",
        "ko": "connect()는 커널이 서버 커널과 3-way handshake(SYN, SYN-ACK, ACK)를 하게 합니다. "
        "handshake가 끝나면 돌아오며, 서버 프로그램의 accept()를 기다리지 않습니다. 소켓이 bind되지 "
        "않았으면 커널이 클라이언트 포트를 고릅니다.",
    },
    "send": {
        "en": "send() copies bytes into the socket's send buffer in the kernel and returns; the "
        "kernel transmits them afterwards. Success means the bytes reached your own kernel, not "
        "the peer program. A blocking send() waits while the buffer is full.",
        "ko": "send()는 바이트를 커널의 송신 버퍼로 복사하고 돌아옵니다. 전송은 그 뒤에 커널이 합니다. "
        "성공은 바이트가 내 커널에 도착했다는 뜻이지, 상대 프로그램에 도착했다는 뜻이 아닙니다. 블로킹 "
        "send()는 버퍼가 가득 차 있는 동안 대기합니다.",
    },
    "recv": {
        "en": "recv() takes bytes from the socket's receive queue — as many as are there, up to "
        "the buffer size, whatever send() calls they came from. It blocks while the queue is "
        'empty, and returns b"" once the peer has closed its side (end of stream).',
        "ko": "recv()는 소켓 수신 큐에서 바이트를 꺼냅니다. 어느 send()에서 왔든 있는 만큼, 버퍼 "
        '크기까지 가져옵니다. 큐가 비어 있으면 대기하고, 상대가 보내는 쪽을 닫으면 b""(스트림 끝)를 '
        "돌려줍니다.",
    },
    "sendto": {
        "en": "sendto() sends one datagram to the address given with it. UDP has no connection and "
        "no delivery guarantee: success means the datagram left your kernel.",
        "ko": "sendto()는 함께 준 주소로 데이터그램 하나를 보냅니다. UDP에는 연결도 전달 보장도 "
        "없습니다: 성공은 데이터그램이 내 커널을 떠났다는 뜻입니다.",
    },
    "recvfrom": {
        "en": "recvfrom() takes exactly one datagram from the receive queue and tells who sent it. "
        "A datagram larger than the buffer is cut, and the rest is lost. It blocks while no "
        "datagram is queued.",
        "ko": "recvfrom()은 수신 큐에서 데이터그램 정확히 하나를 꺼내고, 보낸 쪽을 알려 줍니다. 버퍼보다 "
        "큰 데이터그램은 잘리고 나머지는 사라집니다. 큐에 데이터그램이 없으면 대기합니다.",
    },
    "shutdown": {
        "en": "shutdown() closes one direction of the connection. SHUT_WR makes the kernel send "
        'FIN: the peer\'s recv() will return b"", but this side can still receive.',
        "ko": "shutdown()은 연결의 한 방향을 닫습니다. SHUT_WR이면 커널이 FIN을 보냅니다: 상대의 "
        'recv()는 b""를 돌려받지만, 이쪽은 계속 받을 수 있습니다.',
    },
    "close": {
        "en": "close() releases the file descriptor. For a connected TCP socket the kernel sends "
        "FIN and keeps the connection going without the program: the side that closes first ends "
        "in TIME_WAIT for 60 s, which can keep a server's port busy. The kernel also closes every "
        "socket of a process that exits, however it exits — TIME_WAIT stays all the same.",
        "ko": "close()는 파일 디스크립터를 반납합니다. 연결된 TCP 소켓이면 커널이 FIN을 보내고 "
        "프로그램 없이 연결을 마무리합니다: 먼저 닫은 쪽은 60초 동안 TIME_WAIT에 남아 서버 포트를 붙잡을 "
        "수 있습니다. 프로세스가 어떻게 끝나든 커널은 그 소켓을 모두 닫지만, TIME_WAIT는 그래도 남습니다.",
    },
    "setsockopt": {
        "en": "setsockopt() changes an option of the socket in the kernel: buffer sizes, "
        "SO_REUSEADDR, SO_LINGER, timeouts…",
        "ko": "setsockopt()는 커널에 있는 소켓 옵션을 바꿉니다: 버퍼 크기, SO_REUSEADDR, "
        "SO_LINGER, 타임아웃 등.",
    },
    "getsockopt": {
        "en": "getsockopt() reads an option of the socket from the kernel, such as SO_ERROR, the "
        "result of a non-blocking connect().",
        "ko": "getsockopt()는 커널에서 소켓 옵션을 읽습니다. 예를 들어 SO_ERROR는 논블로킹 "
        "connect()의 결과입니다.",
    },
    "settimeout": {
        "en": "settimeout() is Python's: later blocking calls give up with socket.timeout after "
        "this many seconds. The kernel socket becomes non-blocking and Python waits in poll().",
        "ko": "settimeout()은 파이썬의 기능입니다: 이후 블로킹 호출은 이 시간이 지나면 "
        "socket.timeout으로 포기합니다. 커널 소켓은 논블로킹이 되고 파이썬이 poll()에서 기다립니다.",
    },
    "setblocking": {
        "en": "setblocking(False) sets O_NONBLOCK: from now on calls never wait; they fail with "
        "EAGAIN or EINPROGRESS instead.",
        "ko": "setblocking(False)는 O_NONBLOCK을 켭니다: 이제부터 호출은 기다리지 않고, 대신 "
        "EAGAIN이나 EINPROGRESS로 실패합니다.",
    },
    "select": {
        "en": "select() waits until one of the given sockets is ready: readable (data, a new "
        "connection, or EOF), writable (room in the send buffer, or a finished connect). One "
        "thread can wait on many sockets this way.",
        "ko": "select()는 주어진 소켓 중 하나가 준비될 때까지 기다립니다: 읽기 가능(데이터, 새 연결, "
        "EOF), 쓰기 가능(송신 버퍼의 빈자리, 끝난 connect). 이렇게 스레드 하나가 여러 소켓을 기다립니다.",
    },
    "spawn": {
        "en": "The server starts a new thread for this connection and goes straight back to "
        "accept(): each client gets its own handler, and one slow client does not hold up "
        "the others. The thread uses the socket that accept() returned.",
        "ko": "서버가 이 연결을 위한 새 스레드를 시작하고 곧바로 accept()로 돌아갑니다: 클라이언트마다 "
        "처리기가 따로 있어, 느린 클라이언트 하나가 다른 클라이언트를 막지 않습니다. 스레드는 "
        "accept()가 돌려준 소켓을 씁니다.",
    },
    "signal": {
        "en": "signal() installs a handler: when the kernel delivers the signal to this process, "
        "Python runs the handler in the main thread as soon as it can — even in the middle of a "
        "blocked accept(). Here the handler closes the listening socket and exits.",
        "ko": "signal()은 핸들러를 설치합니다: 이 프로세스가 시그널을 받으면 메인 스레드가 하던 일을 "
        "멈추고 핸들러를 실행합니다 — 대기 중인 accept() 도중에도. 여기서 핸들러는 듣기 소켓을 닫고 "
        "종료합니다.",
    },
    "kill": {
        "en": "kill() sends a signal to another process (here SocketScope's process actor). "
        "SIGTERM and SIGINT can be caught by a handler; SIGKILL cannot: the process ends at "
        "once, and the kernel closes all its sockets.",
        "ko": "kill()은 다른 프로세스에 시그널을 보냅니다 (여기서는 SocketScope의 프로세스 액터). "
        "SIGTERM과 SIGINT는 핸들러로 잡을 수 있지만 SIGKILL은 잡을 수 없습니다: 프로세스는 곧바로 "
        "끝나고, 커널이 그 소켓을 모두 닫습니다.",
    },
    "wait_until": {
        "en": "Not a system call: the scenario makes this actor wait for another, so that the "
        "lesson happens the same way at any speed.",
        "ko": "시스템 콜이 아닙니다: 시나리오가 이 액터를 다른 액터를 기다리게 해서, 어떤 속도로 "
        "돌려도 같은 장면이 나오게 합니다.",
    },
}
WHAT["connect_ex"] = WHAT["connect"]
WHAT["sendall"] = WHAT["send"]
WHAT["recv_into"] = WHAT["recv"]

ERRORS: dict[str, Text] = {
    "ECONNREFUSED": {
        "en": "ECONNREFUSED: nothing listens on that port, so the other kernel answered the SYN "
        "with RST. Programs report it, or retry later (the server may still be starting).",
        "ko": "ECONNREFUSED: 그 포트에서 listen하는 소켓이 없어, 상대 커널이 SYN에 RST로 답했습니다. "
        "프로그램은 오류를 알리거나 나중에 다시 시도합니다 (서버가 아직 시작 중일 수 있습니다).",
    },
    "ECONNRESET": {
        "en": "ECONNRESET: the peer's kernel aborted the connection with RST (SO_LINGER 0, or it "
        "closed with unread data). Programs close this connection and carry on.",
        "ko": "ECONNRESET: 상대 커널이 RST로 연결을 끊었습니다 (SO_LINGER 0이거나, 읽지 않은 데이터가 "
        "있는 채로 닫음). 프로그램은 이 연결을 닫고 계속합니다.",
    },
    "EPIPE": {
        "en": "EPIPE: writing to a connection that can no longer carry data: this side has shut "
        "down its sending half, or the peer has closed and answered an earlier send() with RST. C programs die of SIGPIPE unless they ignore it; "
        "Python ignores it and raises BrokenPipeError.",
        "ko": "EPIPE: 상대가 닫은 연결에 쓰려고 했습니다. 앞선 send()는 성공해서 RST를 불러왔고, 이번 것은 "
        "실패합니다. C 프로그램은 SIGPIPE를 무시하지 않으면 종료되고, 파이썬은 무시하고 "
        "BrokenPipeError를 냅니다.",
    },
    "EADDRINUSE": {
        "en": "EADDRINUSE: the address and port are taken — by a listening socket, or by a "
        "connection in TIME_WAIT. For TIME_WAIT, SO_REUSEADDR set on both the old and the new "
        "socket allows the bind.",
        "ko": "EADDRINUSE: 주소와 포트가 이미 쓰이고 있습니다 — listen 중인 소켓이나, TIME_WAIT 상태의 "
        "연결이 차지하고 있습니다. TIME_WAIT라면 옛 소켓과 새 소켓 모두에 SO_REUSEADDR를 설정하면 "
        "bind할 수 있습니다.",
    },
    "EAGAIN": {
        "en": "EAGAIN: the call would have to wait (nothing to accept or read, no room to write) on "
        "a non-blocking socket, or SO_RCVTIMEO / SO_SNDTIMEO ran out. Not a failure: try again "
        "when select() says the socket is ready.",
        "ko": "EAGAIN: 논블로킹 소켓에서 호출이 기다려야 하는 상황입니다 (accept하거나 읽을 것이 없음, "
        "쓸 자리가 없음). 실패가 아닙니다: select()가 준비됐다고 하면 다시 시도합니다.",
    },
    "EINPROGRESS": {
        "en": "EINPROGRESS: a non-blocking connect() has started the handshake and returned at "
        "once. select() reports the socket writable when it is done; SO_ERROR tells the result.",
        "ko": "EINPROGRESS: 논블로킹 connect()가 handshake를 시작하고 곧바로 돌아왔습니다. 끝나면 "
        "select()가 쓰기 가능으로 알려 주고, 결과는 SO_ERROR로 확인합니다.",
    },
    "timeout": {
        "en": "Timed out: the call waited as long as settimeout() allowed and gave up. Programs "
        "retry, or decide the peer is gone.",
        "ko": "타임아웃: settimeout()이 허락한 만큼 기다리고 포기했습니다. 프로그램은 다시 시도하거나 "
        "상대가 사라졌다고 판단합니다.",
    },
    "ENOTCONN": {
        "en": "ENOTCONN: the socket is not connected (never connected, or already shut down).",
        "ko": "ENOTCONN: 소켓이 연결되어 있지 않습니다 (연결한 적이 없거나 이미 shutdown됨).",
    },
    "EBADF": {
        "en": "EBADF: the socket was already closed; its file descriptor is no longer valid.",
        "ko": "EBADF: 소켓이 이미 닫혀서 파일 디스크립터가 더 이상 유효하지 않습니다.",
    },
    "EINVAL": {
        "en": "EINVAL: the call does not fit the socket's state (e.g. accept() on a socket that "
        "is not listening).",
        "ko": "EINVAL: 호출이 소켓 상태에 맞지 않습니다 (예: listen하지 않은 소켓에 accept()).",
    },
    "EISCONN": {
        "en": "EISCONN: the socket is already connected.",
        "ko": "EISCONN: 소켓이 이미 연결되어 있습니다.",
    },
    "EADDRNOTAVAIL": {
        "en": "EADDRNOTAVAIL: that address does not belong to this machine.",
        "ko": "EADDRNOTAVAIL: 그 주소는 이 컴퓨터의 주소가 아닙니다.",
    },
    "EDESTADDRREQ": {
        "en": "EDESTADDRREQ: send() on a UDP socket that was never connected: say where with sendto().",
        "ko": "EDESTADDRREQ: connect하지 않은 UDP 소켓에 send()했습니다: sendto()로 목적지를 주세요.",
    },
    "NOT_LOOPBACK": {
        "en": "Refused by SocketScope: only loopback addresses (127.0.0.0/8, ::1) are allowed, so "
        "that nothing leaves this machine. No packet was sent.",
        "ko": "SocketScope가 거부했습니다: 이 컴퓨터 밖으로 아무것도 나가지 않도록 루프백 주소"
        "(127.0.0.0/8, ::1)만 허용합니다. 패킷은 보내지 않았습니다.",
    },
    "EXITED": {
        "en": "The process exited while this call waited: a signal handler called sys.exit(). "
        "The call never returned; the kernel closes whatever sockets are still open.",
        "ko": "이 호출이 기다리는 동안 프로세스가 종료되었습니다: 시그널 핸들러가 sys.exit()를 "
        "불렀습니다. 호출은 돌아오지 않았고, 아직 열린 소켓은 커널이 닫습니다.",
    },
    "SIGKILL": {
        "en": "Killed by SIGKILL: no handler can run. The kernel closes every socket of the "
        "process; a listening socket leaves nothing behind, so its port is free again.",
        "ko": "SIGKILL로 종료되었습니다: 어떤 핸들러도 실행되지 않습니다. 커널이 프로세스의 소켓을 모두 "
        "닫고, 듣기 소켓은 아무것도 남기지 않으므로 포트가 다시 비게 됩니다.",
    },
    "STOPPED": {
        "en": "The run was stopped while this call was in progress.",
        "ko": "이 호출이 진행 중일 때 실행이 중지되었습니다.",
    },
}

WHY_BLOCKED: dict[str, Text] = {
    "accept": {
        "en": "It blocked because the accept queue was empty: no client had finished a handshake. "
        "A client's connect() woke it.",
        "ko": "accept 큐가 비어 있어서, 즉 handshake를 마친 클라이언트가 없어서 대기했습니다. "
        "클라이언트의 connect()가 깨웠습니다.",
    },
    "connect": {
        "en": "It blocked during the handshake. Microseconds on loopback; much longer when the "
        "server's accept queue is full, because the SYN is dropped and retried after about a "
        "second (SYN_SENT).",
        "ko": "handshake 동안 대기했습니다. 루프백에서는 마이크로초 단위지만, 서버의 accept 큐가 가득 "
        "차 있으면 SYN이 버려지고 약 1초 뒤 재전송되므로 훨씬 깁니다 (SYN_SENT).",
    },
    "recv": {
        "en": "It blocked because the receive queue was empty; the peer's send() (or its FIN) woke it.",
        "ko": "수신 큐가 비어 있어서 대기했고, 상대의 send() (또는 FIN)가 깨웠습니다.",
    },
    "recvfrom": {
        "en": "It blocked because no datagram was queued; the sender's sendto() woke it.",
        "ko": "큐에 데이터그램이 없어서 대기했고, 송신자의 sendto()가 깨웠습니다.",
    },
    "send": {
        "en": "It blocked because the send buffer was full: the receiver was not reading, its "
        "window was closed. The reader's recv() made room.",
        "ko": "송신 버퍼가 가득 차서 대기했습니다: 수신자가 읽지 않아 윈도가 닫혀 있었습니다. "
        "수신자의 recv()가 자리를 만들었습니다.",
    },
    "select": {
        "en": "It blocked until one of its sockets became ready.",
        "ko": "소켓 중 하나가 준비될 때까지 대기했습니다.",
    },
    "wait_until": {
        "en": "It waited for the other actor, as the scenario asks.",
        "ko": "시나리오에 따라 다른 액터를 기다렸습니다.",
    },
}
WHY_BLOCKED["connect_ex"] = WHY_BLOCKED["connect"]
WHY_BLOCKED["sendall"] = WHY_BLOCKED["send"]
WHY_BLOCKED["recv_into"] = WHY_BLOCKED["recv"]

AT_ONCE: Text = {
    "en": "It returned at once: what it needed was already there.",
    "ko": "곧바로 돌아왔습니다: 필요한 것이 이미 있었습니다.",
}


BLOCKED_NOW: Text = {
    "en": "It is blocked now: the thread waits in the kernel until something another actor "
    "does wakes it. Stepping this actor cannot move it.",
    "ko": "지금 대기 중입니다: 다른 액터가 무언가를 해서 깨울 때까지 스레드가 커널 안에서 기다립니다. "
    "이 액터를 한 단계 진행해도 움직이지 않습니다.",
}


def explain(call: Event | None, ret: Event | None, lang: str = "en", blocked: bool = False) -> str:
    """A few sentences about one call, in ``lang`` ("en" or "ko"); ``blocked``: the call is
    blocked at the cursor."""
    ev = ret or call
    if ev is None:
        return ""
    lang = "ko" if lang == "ko" else "en"
    op = ev.op or ""
    parts = [WHAT.get(op, {}).get(lang, "")]
    if ret is None and blocked:
        parts.append(BLOCKED_NOW[lang])
    elif ret is None:
        parts.append("호출 중입니다." if lang == "ko" else "The call is in progress.")
    elif ret.kind == "burst":
        parts.append(
            f"{ret.count}번의 같은 호출을 하나로 묶었습니다 (빠르게 실행 중)."
            if lang == "ko"
            else f"{ret.count} identical calls are summarised as one (the run is going fast)."
        )
    elif ret.ok is False and ret.error:
        parts.append(ERRORS.get(ret.error, {}).get(lang, ret.message or ret.error))
    elif ret.blocked:
        why = WHY_BLOCKED.get(op, {}).get(lang, "")
        took = duration(ret.duration or 0)
        parts.append(f"{why} ({took})" if why else took)
    elif op in WHY_BLOCKED:
        parts.append(AT_ONCE[lang])
    if ret is not None and op in ("recv", "recv_into") and ret.ok and ret.nbytes == 0:
        parts.append(
            "0바이트: 상대가 보내는 쪽을 닫았습니다 (EOF)."
            if lang == "ko"
            else "0 bytes: the peer has closed its sending side (EOF)."
        )
    if ret is not None and ret.dgram_size:
        parts.append(
            f"데이터그램은 {ret.dgram_size}바이트였고, 나머지는 버려졌습니다."
            if lang == "ko"
            else f"The datagram was {ret.dgram_size} bytes; the rest was discarded."
        )
    return " ".join(p for p in parts if p)
