"""Writing to a peer that has closed: the first send() succeeds, the next fails with EPIPE."""

from socketscope.api import AF_INET, SOCK_STREAM, actor, socket, wait_until

ID = "tcp-broken-pipe"
GROUP = "failures"
ORDER = 2
TITLE = {
    "en": "TCP: broken pipe",
    "ko": "TCP: 끊어진 파이프 (EPIPE)",
}
SUMMARY = {
    "en": (
        "The server accepts and closes at once. The client does not notice and sends: the first "
        "send() succeeds, because it only puts bytes into the client's send buffer. The server's "
        "kernel answers those bytes with RST. The second send() then fails with EPIPE (not "
        "ECONNRESET: the RST came after the server's FIN, in CLOSE_WAIT)."
    ),
    "ko": (
        "서버는 accept하자마자 close합니다. 클라이언트는 이를 모른 채 send합니다: 첫 send()는 성공합니다. "
        "바이트를 클라이언트 송신 버퍼에 넣기만 하기 때문입니다. 서버 커널은 그 바이트에 RST로 답하고, "
        "두 번째 send()는 EPIPE로 실패합니다 (RST가 서버의 FIN 뒤, CLOSE_WAIT에서 왔으므로 "
        "ECONNRESET이 아닙니다)."
    ),
}
NOTICE = {
    "en": [
        "A successful send() only means the bytes reached your own kernel.",
        "C programs would be killed by SIGPIPE here; Python ignores SIGPIPE and raises BrokenPipeError.",
        "Servers usually catch EPIPE/ECONNRESET and close that connection.",
    ],
    "ko": [
        "send()가 성공했다는 것은 바이트가 내 커널에 도착했다는 뜻일 뿐입니다.",
        "C 프로그램은 여기서 SIGPIPE로 종료됩니다. 파이썬은 SIGPIPE를 무시하고 BrokenPipeError를 냅니다.",
        "서버는 보통 EPIPE/ECONNRESET을 잡아서 그 연결을 닫습니다.",
    ],
}


@actor("Server")
def server(port):
    listener = socket(AF_INET, SOCK_STREAM)
    listener.bind(("127.0.0.1", port))
    listener.listen(1)
    conn, addr = listener.accept()
    conn.close()
    listener.close()


@actor("Client", starts_when=("Server", "accept"))
def client(port):
    sock = socket(AF_INET, SOCK_STREAM)
    sock.connect(("127.0.0.1", port))
    wait_until("Server")  # the server has closed by now
    sock.send(b"are you there?")
    try:
        sock.send(b"hello?")
    except BrokenPipeError:
        pass
    sock.close()
