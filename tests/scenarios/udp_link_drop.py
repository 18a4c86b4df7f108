"""Two hosts; the link drops the 2nd datagram A→B: it is seen leaving host A, never arriving."""

from socketscope.api import AF_INET, SOCK_DGRAM, actor, socket

ID = "udp-link-drop"
TITLE = {"en": "UDP: the link drops one datagram", "ko": "UDP: 링크가 데이터그램 하나를 버림"}
SUMMARY = {
    "en": "Host A sends d1, d2, d3 to host B; the link drops d2: B gets d1 and d3.",
    "ko": "호스트 A가 d1, d2, d3을 B에 보내고, 링크가 d2를 버립니다: B는 d1과 d3을 받습니다.",
}
NETWORK = {
    "hosts": {"A": "10.0.0.1", "B": "10.0.0.2"},
    "link": {"rules": [{"do": "drop", "packet": "datagram", "nth": 2, "dir": "A>B"}]},
}


@actor("Receiver", host="B")
def receiver(port):
    sock = socket(AF_INET, SOCK_DGRAM)
    sock.bind(("10.0.0.2", port))
    sock.recvfrom(100)
    sock.recvfrom(100)  # d1 and d3: d2 never comes
    sock.close()


@actor("Sender", host="A", starts_when=("Receiver", "recvfrom"))
def sender(port):
    sock = socket(AF_INET, SOCK_DGRAM)
    for i in range(1, 4):
        sock.sendto(b"d%d" % i, ("10.0.0.2", port))
    sock.close()
