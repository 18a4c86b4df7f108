"""Write, write, read: Nagle's algorithm waits for an ACK the receiver delays (~40 ms a round).

Measured on this kind of kernel (Linux 6.x, loopback, a private network): after the first
exchange the server's end is in interactive ("pingpong") mode and delays its ACKs by the
kernel's minimum ACK timeout (40 ms); a request written as two small send()s then stalls
41–48 ms per exchange, and 0.05–0.3 ms with TCP_NODELAY.
"""

from socketscope.api import (
    AF_INET,
    IPPROTO_TCP,
    SOCK_STREAM,
    TCP_NODELAY,
    actor,
    socket,
)

ID = "tcp-delayed-ack-nagle"
GROUP = "advanced"
ORDER = 8
TITLE = {
    "en": "TCP: write, write, read: the delayed ACK meets Nagle",
    "ko": "TCP: 쓰기, 쓰기, 읽기: 지연 ACK와 네이글이 만날 때",
}
SUMMARY = {
    "en": (
        "A client sends each request as two small send() calls, a 4-byte header then a 4-byte "
        "body, and then waits in recv() for the server's answer; three requests on one "
        "connection, then the same on a second connection with TCP_NODELAY. After the first "
        "exchange the server's kernel treats the connection as interactive and no longer ACKs "
        "at once: it waits up to 40 ms (a delayed ACK) hoping to send the ACK along with an "
        "answer. Nagle's algorithm, on the client's side, holds the body while the header is not "
        "acknowledged. Each waits for the other: the body leaves only when the server's delayed "
        "ACK timer fires, about 40 ms later, and every request after the first takes that long. "
        "With TCP_NODELAY the body leaves at once and the answer comes in a fraction of a "
        "millisecond. Both times every send() returned at once: the waiting is in the kernels."
    ),
    "ko": (
        "클라이언트는 요청마다 작은 send()를 두 번 합니다: 4바이트 헤더, 그다음 4바이트 본문. 그리고 "
        "recv()에서 서버의 답을 기다립니다. 한 연결에서 요청 세 개, 그다음 TCP_NODELAY를 켠 두 번째 "
        "연결에서 똑같이 합니다. 첫 교환이 끝나면 서버의 커널은 이 연결을 대화형으로 보고 더는 바로 "
        "ACK를 보내지 않습니다: 답과 함께 보내려고 최대 40 ms를 기다립니다(지연 ACK). 클라이언트 쪽의 "
        "네이글 알고리즘은 헤더가 확인 응답을 받지 못한 동안 본문을 붙잡아 둡니다. 서로가 서로를 "
        "기다립니다: 본문은 서버의 지연 ACK 타이머가 약 40 ms 뒤에 울려야 나가고, 첫 요청 다음의 "
        "요청은 모두 그만큼 걸립니다. TCP_NODELAY에서는 본문이 바로 나가고 답은 1 ms도 안 되어 "
        "옵니다. 두 번 모두 send()는 바로 돌아왔습니다: 기다림은 커널 안에서 일어납니다."
    ),
}
NOTICE = {
    "en": [
        "Default: the server's ACK of a header is sent by a timer (a delayed ACK), ~40 ms late.",
        "Only then does the client's kernel send the body (Nagle held it): recv() waits ~40 ms.",
        "With TCP_NODELAY the body follows the header at once: no stall.",
    ],
    "ko": [
        "기본: 헤더에 대한 서버의 ACK는 타이머가 보냅니다(지연 ACK). 약 40 ms 늦게 나갑니다.",
        "그제야 클라이언트의 커널이 본문을 보냅니다(네이글이 붙잡아 둠): recv()가 약 40 ms 기다립니다.",
        "TCP_NODELAY에서는 본문이 헤더 바로 뒤에 나갑니다: 멈춤이 없습니다.",
    ],
}

REQUESTS = 3


@actor("Server")
def server(port):
    listener = socket(AF_INET, SOCK_STREAM)
    listener.bind(("127.0.0.1", port))
    listener.listen(2)
    for _ in range(2):  # first the default connection, then the TCP_NODELAY one
        conn, addr = listener.accept()
        for _ in range(REQUESTS):
            request = b""
            while len(request) < 8:  # a header and a body, however they arrive
                request += conn.recv(100)
            conn.send(b"done")  # the answer the client waits for
        conn.close()
    listener.close()


@actor("Client", starts_when=("Server", "accept"))
def client(port):
    for nodelay in (0, 1):
        sock = socket(AF_INET, SOCK_STREAM)
        if nodelay:
            sock.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1)  # every send() its own segment, now
        sock.connect(("127.0.0.1", port))
        for i in range(REQUESTS):
            sock.send(b"HDR%d" % i)  # write
            sock.send(b"BDY%d" % i)  # write
            sock.recv(100)  # read: waits for the answer
        sock.close()
