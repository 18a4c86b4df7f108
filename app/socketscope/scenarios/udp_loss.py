"""UDP is unreliable for real: datagrams that do not fit the receive buffer are dropped."""

from socketscope.api import (
    AF_INET,
    SO_RCVBUF,
    SOCK_DGRAM,
    SOL_SOCKET,
    actor,
    socket,
    wait_until,
)

ID = "udp-loss"
GROUP = "udp"
ORDER = 2
TITLE = {
    "en": "UDP: datagrams dropped silently",
    "ko": "UDP: 조용히 버려지는 데이터그램",
}
SUMMARY = {
    "en": (
        "The receiver asks for a small receive buffer (4 KB) and is busy until the sender has "
        "sent 50 datagrams of 1000 bytes. Linux doubles the 4 KB to 8192 bytes and charges each "
        "queued datagram its whole buffer, not only its 1000 bytes, so only 3 fit; the kernel "
        "drops the others without telling either side. Every sendto() succeeded: the kernel "
        "accepted each datagram, which is not delivery. Then the receiver reads what is left, "
        "without blocking, and counts. Loopback rarely reorders, but UDP never guarantees order."
    ),
    "ko": (
        "수신자는 작은 수신 버퍼(4 KB)를 요청하고, 송신자가 1000바이트 데이터그램 50개를 다 보낼 "
        "때까지 다른 일을 합니다. 리눅스는 4 KB를 8192바이트로 두 배로 잡고, 큐에 있는 데이터그램마다 "
        "1000바이트가 아니라 버퍼 전체를 세므로 3개만 들어갑니다. 나머지는 커널이 양쪽 모두에게 "
        "알리지 않고 버립니다. sendto()는 모두 성공했습니다: 커널이 데이터그램을 받아들였다는 뜻이지 "
        "전달되었다는 뜻이 아닙니다. 그 뒤 수신자가 남은 것을 논블로킹으로 읽어 셉니다. 루프백에서는 "
        "순서가 바뀌는 일이 드물지만, UDP는 순서를 보장하지 않습니다."
    ),
}
NOTICE = {
    "en": [
        "All 50 sendto() calls return success; far fewer datagrams arrive.",
        "Dropped datagrams are marked: no error reaches the sender or the receiver.",
        "The arrivals here keep their order: loopback rarely reorders, but UDP never guarantees "
        "order (a real network may reorder).",
    ],
    "ko": [
        "sendto() 50번은 모두 성공하지만, 도착하는 데이터그램은 훨씬 적습니다.",
        "버려진 데이터그램이 표시됩니다: 송신자에게도 수신자에게도 오류가 가지 않습니다.",
        "여기서 도착한 것은 순서를 지킵니다: 루프백은 순서를 바꾸는 일이 드물지만, UDP는 순서를 "
        "보장하지 않습니다 (실제 네트워크는 바꿀 수 있습니다).",
    ],
}

COUNT = 50


@actor("Receiver")
def receiver(port):
    sock = socket(AF_INET, SOCK_DGRAM)
    sock.setsockopt(SOL_SOCKET, SO_RCVBUF, 4096)
    sock.bind(("127.0.0.1", port))
    wait_until("Sender")  # busy elsewhere while the datagrams arrive
    sock.setblocking(False)
    received = 0
    while True:
        try:
            sock.recvfrom(2048)
            received += 1
        except BlockingIOError:  # EAGAIN: nothing more is queued
            break
    sock.close()


@actor("Sender", starts_when=("Receiver", "wait_until"))
def sender(port):
    sock = socket(AF_INET, SOCK_DGRAM)
    for i in range(COUNT):
        sock.sendto(b"%04d" % i + b"." * 996, ("127.0.0.1", port))
    sock.close()
