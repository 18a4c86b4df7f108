"""UDP does not keep order: on a link that reorders and duplicates, the receiver sees it."""

from socketscope.api import AF_INET, SOCK_DGRAM, actor, socket

ID = "udp-reorder"
GROUP = "udp"
ORDER = 3
TITLE = {
    "en": "UDP: out of order, and one twice",
    "ko": "UDP: 순서가 바뀌고, 하나는 두 번",
}
SUMMARY = {
    "en": (
        "Two hosts, A (10.0.0.1) and B (10.0.0.2), joined by a link that misbehaves on "
        "purpose: it holds datagram d1 back until d5 has passed and delivers d3 twice. The sender on host A "
        "sends d1 to d5 in order; every sendto() succeeds at once. The receiver on host B gets "
        "d2, d3, d3, d4, d5 and only then d1: UDP keeps each datagram whole, but promises "
        "neither order nor once-only delivery. A program that needs them numbers its datagrams."
    ),
    "ko": (
        "호스트 A(10.0.0.1)와 B(10.0.0.2)를 일부러 말썽을 부리는 링크로 잇습니다: 링크는 "
        "데이터그램 d1을 d5가 지나갈 때까지 붙잡아 두고, d3은 두 번 전달합니다. 호스트 A의 송신자는 d1부터 d5까지 "
        "차례로 보내고, sendto()는 모두 바로 성공합니다. 호스트 B의 수신자는 d2, d3, d3, d4, d5를 받고 "
        "그다음에야 d1을 받습니다: UDP는 데이터그램 하나하나를 온전히 지키지만, 순서도 한 번만의 "
        "전달도 약속하지 않습니다. 그런 것이 필요한 프로그램은 데이터그램마다 번호를 매깁니다."
    ),
}
NOTICE = {
    "en": [
        "Sent in order d1…d5; received d2, d3, d3, d4, d5, d1.",
        "d3 arrives twice: both recvfrom() calls point at the same sendto().",
        "No error anywhere: reordering and duplication are normal for UDP.",
    ],
    "ko": [
        "d1…d5 차례로 보냈지만, 받은 순서는 d2, d3, d3, d4, d5, d1입니다.",
        "d3은 두 번 도착합니다: 두 recvfrom() 모두 같은 sendto()를 가리킵니다.",
        "어디에도 오류는 없습니다: 순서 바뀜과 중복은 UDP에서 흔한 일입니다.",
    ],
}
NETWORK = {
    "hosts": {"A": "10.0.0.1", "B": "10.0.0.2"},
    "link": {
        "rules": [
            # d1 waits until d5 has passed (at most 5 s), at any speed of the lesson
            {"do": "delay", "packet": "datagram", "nth": 1, "after": 5, "ms": 5000},
            {"do": "duplicate", "packet": "datagram", "nth": 3},
        ],
    },
}


@actor("Receiver", host="B")
def receiver(port):
    sock = socket(AF_INET, SOCK_DGRAM)
    sock.bind(("10.0.0.2", port))
    for _ in range(6):  # five datagrams, one of them twice
        data, addr = sock.recvfrom(100)
    sock.close()


@actor("Sender", host="A", starts_when=("Receiver", "recvfrom"))
def sender(port):
    sock = socket(AF_INET, SOCK_DGRAM)
    for i in range(1, 6):
        sock.sendto(b"d%d" % i, ("10.0.0.2", port))
    sock.close()
