"""TCP is reliable and in order: a segment the link loses is sent again, and recv() waits for it."""

from socketscope.api import (
    AF_INET,
    IPPROTO_TCP,
    SOCK_STREAM,
    TCP_NODELAY,
    actor,
    socket,
    wait_until,
)

ID = "tcp-retransmit"
GROUP = "failures"
ORDER = 6
TITLE = {
    "en": "TCP: a lost segment is sent again",
    "ko": "TCP: 잃어버린 세그먼트는 다시 보낸다",
}
SUMMARY = {
    "en": (
        "Two hosts, A (10.0.0.1) and B (10.0.0.2); the link between them takes 20 ms each way "
        "and drops the 2nd data segment from A to B, once. The client on host A sends five parts of 1000 bytes, each "
        "in its own segment (TCP_NODELAY). Host B's kernel receives parts 3, 4 and 5 without "
        "part 2, keeps them, and answers each with a duplicate ACK (with SACK) that still asks "
        "for part 2; host A's kernel sends part 2 again. The server's recv() gets part 1, and "
        "then nothing until part 2 is there: every byte arrives, once and in order, and neither "
        "program had to do anything for it."
    ),
    "ko": (
        "호스트 A(10.0.0.1)와 B(10.0.0.2) 사이의 링크는 한 방향에 20 ms가 걸리고, A에서 B로 가는 "
        "두 번째 데이터 세그먼트를 한 번 버립니다. 호스트 A의 클라이언트는 1000바이트짜리 다섯 부분을 각각 한 세그먼트로 "
        "보냅니다 (TCP_NODELAY). 호스트 B의 커널은 2번 없이 3, 4, 5번을 받아 보관하고, 여전히 2번을 "
        "달라는 중복 ACK(SACK 포함)로 답합니다. 호스트 A의 커널이 2번을 다시 보냅니다(재전송). "
        "서버의 recv()는 1번을 받고, 2번이 올 때까지는 아무것도 받지 않습니다: 모든 바이트가 한 번씩, "
        "순서대로 도착하고, 두 프로그램 모두 이를 위해 아무것도 하지 않았습니다."
    ),
}
NOTICE = {
    "en": [
        "The link drops one data segment; no call fails and no call sees an error.",
        "recv() never returns part 3 before part 2: the kernel holds it until the gap is filled.",
        "The bytes the server reads are exactly the bytes the client sent, in order.",
    ],
    "ko": [
        "링크가 데이터 세그먼트 하나를 버리지만, 실패하는 호출도 오류를 보는 호출도 없습니다.",
        "recv()는 2번보다 3번을 먼저 돌려주지 않습니다: 커널이 빈 곳이 채워질 때까지 붙잡아 둡니다.",
        "서버가 읽은 바이트는 클라이언트가 보낸 바이트 그대로, 순서대로입니다.",
    ],
}
NETWORK = {
    "hosts": {"A": "10.0.0.1", "B": "10.0.0.2"},
    "link": {
        "delay_ms": 20,  # each way: the retransmission comes a round trip later, in sight
        "rules": [{"do": "drop", "packet": "tcp-data", "dir": "A>B", "nth": 2}],
    },
}

PARTS = 5


@actor("Server", host="B")
def server(port):
    listener = socket(AF_INET, SOCK_STREAM)
    listener.bind(("10.0.0.2", port))
    listener.listen(1)
    conn, addr = listener.accept()
    while True:
        data = conn.recv(8192)
        if not data:
            break
    conn.close()
    listener.close()


@actor("Client", host="A", starts_when=("Server", "accept"))
def client(port):
    sock = socket(AF_INET, SOCK_STREAM)
    sock.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1)  # each send() its own segment, at once
    sock.connect(("10.0.0.2", port))
    wait_until("Server", "recv")  # the server waits in recv() before the first byte leaves
    for i in range(1, PARTS + 1):
        sock.send(b"part %d " % i + b"." * 993)
    sock.close()
