"""Small writes: Nagle's algorithm holds them until an ACK comes back; TCP_NODELAY sends each."""

from socketscope.api import (
    AF_INET,
    IPPROTO_TCP,
    SOCK_STREAM,
    TCP_NODELAY,
    actor,
    socket,
)

ID = "tcp-nagle"
GROUP = "advanced"
ORDER = 8
TITLE = {
    "en": "TCP: small writes, Nagle and TCP_NODELAY",
    "ko": "TCP: 작은 쓰기, 네이글과 TCP_NODELAY",
}
SUMMARY = {
    "en": (
        "Two hosts, A (10.0.0.1) and B (10.0.0.2), on a link that takes 25 ms each way. The "
        "client on host A makes five small send() calls of 4 bytes and waits for the server's "
        "answer, twice: first as TCP does by default, then with TCP_NODELAY. By default "
        "(Nagle's algorithm) the kernel sends the first 4 bytes at once and holds the next ones "
        "while that segment is not acknowledged: they leave together when host B's ACK arrives "
        "a round trip (50 ms) later, so the server reads 4 bytes, then 16, and the answer comes "
        "a round trip late. With TCP_NODELAY each send() leaves at once in its own segment. "
        "Every send() returned at once both times: the holding back happens in the kernel."
    ),
    "ko": (
        "호스트 A(10.0.0.1)와 B(10.0.0.2)를 한 방향에 25 ms가 걸리는 링크로 잇습니다. 호스트 A의 "
        "클라이언트는 4바이트짜리 작은 send()를 다섯 번 하고 서버의 답을 기다립니다. 두 차례: 먼저 "
        "TCP 기본 동작으로, 그다음 TCP_NODELAY로. 기본 동작(네이글 알고리즘)에서 커널은 처음 "
        "4바이트를 바로 보내고, 그 세그먼트가 확인 응답(ACK)을 받지 않은 동안 다음 것들을 붙잡아 "
        "둡니다: 한 왕복(50 ms) 뒤 호스트 B의 ACK가 도착하면 함께 나가므로, 서버는 4바이트를 읽고 "
        "그다음 16바이트를 읽으며, 답은 한 왕복 늦게 옵니다. TCP_NODELAY에서는 send()마다 바로 자기 "
        "세그먼트로 나갑니다. 두 번 모두 send()는 바로 돌아왔습니다: 붙잡아 두는 일은 커널에서 "
        "일어납니다."
    ),
}
NOTICE = {
    "en": [
        "Default (Nagle): the server's first recv() gets 4 bytes, the next one the other 16.",
        "With TCP_NODELAY the client's answer comes about a round trip (50 ms) sooner.",
        "send() returns at once either way: it only hands the bytes to the kernel.",
    ],
    "ko": [
        "기본(네이글): 서버의 첫 recv()는 4바이트, 다음 recv()는 나머지 16바이트를 받습니다.",
        "TCP_NODELAY에서는 클라이언트가 답을 약 한 왕복(50 ms) 더 빨리 받습니다.",
        "send()는 어느 쪽이든 바로 돌아옵니다: 바이트를 커널에 넘길 뿐입니다.",
    ],
}
NETWORK = {"hosts": {"A": "10.0.0.1", "B": "10.0.0.2"}, "link": {"delay_ms": 25}}

WRITES = 5


@actor("Server", host="B")
def server(port):
    listener = socket(AF_INET, SOCK_STREAM)
    listener.bind(("10.0.0.2", port))
    listener.listen(2)
    for _ in range(2):  # first the default connection, then the TCP_NODELAY one
        conn, addr = listener.accept()
        got = 0
        while got < 4 * WRITES:
            got += len(conn.recv(100))
        conn.send(b"ok")  # the answer the client waits for
        conn.close()
    listener.close()


@actor("Client", host="A", starts_when=("Server", "accept"))
def client(port):
    for nodelay in (0, 1):
        sock = socket(AF_INET, SOCK_STREAM)
        if nodelay:
            sock.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1)  # every send() its own segment, now
        sock.connect(("10.0.0.2", port))
        for i in range(WRITES):
            sock.send(b"msg%d" % i)
        sock.recv(100)  # wait for the answer (a close() now would push everything out at once)
        sock.close()
