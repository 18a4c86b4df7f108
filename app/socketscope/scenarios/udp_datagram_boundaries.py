"""UDP keeps message boundaries: one recvfrom() gets one datagram, and a short buffer cuts it."""

from socketscope.api import AF_INET, SOCK_DGRAM, actor, socket, wait_until

ID = "udp-datagram-boundaries"
GROUP = "udp"
ORDER = 1
TITLE = {
    "en": "UDP: one datagram per recvfrom()",
    "ko": "UDP: recvfrom() 한 번에 데이터그램 하나",
}
SUMMARY = {
    "en": (
        "The client sends three datagrams, and only then does the server read: all three are "
        "queued in its socket at once. Each recvfrom() still returns exactly one of "
        "them, however large its buffer. The last recvfrom() has a buffer of only 4 bytes: it "
        "gets the first 4 bytes of a 17-byte datagram and the rest is discarded by the kernel."
    ),
    "ko": (
        "클라이언트가 데이터그램 세 개를 모두 보낸 뒤에야 서버가 읽기 시작하므로, 세 개가 한꺼번에 "
        "소켓에 쌓여 있습니다. 그래도 서버의 recvfrom()은 버퍼가 아무리 커도 정확히 "
        "하나씩만 돌려줍니다. 마지막 recvfrom()의 버퍼는 4바이트뿐이라, 17바이트 데이터그램의 앞 "
        "4바이트만 받고 나머지는 커널이 버립니다."
    ),
}
NOTICE = {
    "en": [
        "Unlike TCP, two sendto()s never merge into one recvfrom().",
        "A datagram larger than the buffer is truncated; the rest is lost, with no error.",
        "Each datagram arrow pairs one sendto() with the recvfrom() that got it.",
    ],
    "ko": [
        "TCP와 달리 sendto() 두 번이 recvfrom() 한 번으로 합쳐지지 않습니다.",
        "버퍼보다 큰 데이터그램은 잘리고, 나머지는 오류 없이 사라집니다.",
        "데이터그램 화살표는 sendto() 하나와 그것을 받은 recvfrom()을 잇습니다.",
    ],
}


@actor("Server")
def server(port):
    sock = socket(AF_INET, SOCK_DGRAM)
    sock.bind(("127.0.0.1", port))
    wait_until("Client")  # all three datagrams are queued before the first recvfrom()
    first, addr = sock.recvfrom(1024)
    second, addr = sock.recvfrom(1024)
    cut, addr = sock.recvfrom(4)  # too small for the third datagram
    sock.close()


@actor("Client", starts_when=("Server", "bind", "returned"))
def client(port):
    sock = socket(AF_INET, SOCK_DGRAM)
    sock.sendto(b"one", ("127.0.0.1", port))
    sock.sendto(b"two", ("127.0.0.1", port))
    sock.sendto(b"a longer datagram", ("127.0.0.1", port))
    sock.close()
