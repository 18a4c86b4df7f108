"""shutdown(SHUT_WR): the peer's recv() returns b"" (EOF), and it can still answer."""

from socketscope.api import AF_INET, SHUT_WR, SOCK_STREAM, actor, socket

ID = "tcp-half-close"
GROUP = "tcp-basics"
ORDER = 2
TITLE = {
    "en": "TCP: half-close with shutdown()",
    "ko": "TCP: shutdown()으로 한쪽만 닫기",
}
SUMMARY = {
    "en": (
        'The client sends a request and calls shutdown(SHUT_WR): "I will send nothing more". '
        'Its kernel sends a FIN. The server reads until recv() returns b"" (end of stream), '
        "then sends its answer: the other direction is still open. The client reads the answer "
        "and closes."
    ),
    "ko": (
        '클라이언트는 요청을 보내고 shutdown(SHUT_WR)을 호출합니다: "더 보낼 것이 없다". '
        '클라이언트 커널이 FIN을 보냅니다. 서버는 recv()가 b""(스트림 끝)를 돌려줄 때까지 읽은 뒤 '
        "응답을 보냅니다: 반대 방향은 아직 열려 있습니다. 클라이언트는 응답을 읽고 close합니다."
    ),
}
NOTICE = {
    "en": [
        'recv() returning b"" is how a program learns that the peer has finished sending.',
        "After SHUT_WR the client's socket is FIN_WAIT2 and the server's CLOSE_WAIT.",
        "The server still sends after the client's FIN: a TCP connection is two one-way streams.",
    ],
    "ko": [
        'recv()가 b""를 돌려주면, 상대가 보내기를 끝냈다는 뜻입니다.',
        "SHUT_WR 뒤 클라이언트 소켓은 FIN_WAIT2, 서버 소켓은 CLOSE_WAIT 상태입니다.",
        "클라이언트의 FIN 뒤에도 서버는 보낼 수 있습니다: TCP 연결은 한 방향 스트림 두 개입니다.",
    ],
}


@actor("Server")
def server(port):
    listener = socket(AF_INET, SOCK_STREAM)
    listener.bind(("127.0.0.1", port))
    listener.listen(1)
    conn, addr = listener.accept()
    request = b""
    while True:
        chunk = conn.recv(1024)
        if not chunk:  # b"": the client will send nothing more
            break
        request += chunk
    conn.send(b"got " + request)
    conn.close()
    listener.close()


@actor("Client", starts_when=("Server", "accept"))
def client(port):
    sock = socket(AF_INET, SOCK_STREAM)
    sock.connect(("127.0.0.1", port))
    sock.send(b"question")
    sock.shutdown(SHUT_WR)
    answer = sock.recv(1024)
    sock.close()
