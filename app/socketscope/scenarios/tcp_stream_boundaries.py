"""TCP is a byte stream: two send()s can arrive in one recv()."""

from socketscope.api import AF_INET, SOCK_STREAM, actor, socket, wait_until

ID = "tcp-stream-boundaries"
GROUP = "tcp-basics"
ORDER = 1
TITLE = {
    "en": "TCP: a byte stream, no message boundaries",
    "ko": "TCP: 메시지 경계가 없는 바이트 스트림",
}
SUMMARY = {
    "en": (
        'The client calls send() twice, with "hello" and then "world". The server is busy '
        'until the client has finished, then calls recv() once and gets "helloworld": TCP '
        "delivers bytes in order but keeps no trace of where one send() ended and the next began."
    ),
    "ko": (
        '클라이언트가 send()를 두 번 호출해 "hello"와 "world"를 보냅니다. 서버는 클라이언트가 '
        '끝날 때까지 다른 일을 하다가 recv()를 한 번 호출하고 "helloworld"를 받습니다. TCP는 '
        "바이트를 순서대로 전달하지만, send() 하나가 어디서 끝났는지는 남기지 않습니다."
    ),
}
NOTICE = {
    "en": [
        "Two blue arrows converge on one recv(): it got the bytes of both sends.",
        "The byte ranges [0, 5) and [5, 10) of the two sends make the range [0, 10) of the recv.",
        "A protocol on top of TCP must mark its own messages (a length prefix, a newline).",
    ],
    "ko": [
        "파란 화살표 두 개가 recv() 하나로 모입니다: 두 send()의 바이트를 모두 받았습니다.",
        "두 send()의 바이트 범위 [0, 5)와 [5, 10)이 recv()의 범위 [0, 10)이 됩니다.",
        "TCP 위의 프로토콜은 메시지 경계를 직접 표시해야 합니다 (길이 헤더(length prefix), 줄바꿈 등).",
    ],
}


@actor("Server")
def server(port):
    listener = socket(AF_INET, SOCK_STREAM)
    listener.bind(("127.0.0.1", port))
    listener.listen(1)
    conn, addr = listener.accept()
    wait_until("Client")  # busy elsewhere; the kernel keeps the bytes meanwhile
    data = conn.recv(1024)
    rest = conn.recv(1024)  # b"": the client has closed
    conn.close()
    listener.close()


@actor("Client", starts_when=("Server", "accept"))
def client(port):
    sock = socket(AF_INET, SOCK_STREAM)
    sock.connect(("127.0.0.1", port))
    sock.send(b"hello")
    sock.send(b"world")
    sock.close()
