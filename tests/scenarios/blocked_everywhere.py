"""Test scenario: one actor blocked in each kind of blocking call, waiting forever."""

from socketscope.api import (
    AF_INET,
    SO_RCVBUF,
    SO_SNDBUF,
    SOCK_DGRAM,
    SOCK_STREAM,
    SOL_SOCKET,
    actor,
    sleep,
    socket,
)

ID = "test-blocked-everywhere"
TITLE = {"en": "blocked everywhere", "ko": "모두 대기"}
SUMMARY = {"en": "test", "ko": "테스트"}


@actor("Acceptor")
def acceptor():
    s = socket(AF_INET, SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    s.accept()  # nobody ever connects


@actor("Reader")
def reader():
    a, b = pair()
    a.recv(100)  # nobody ever sends


@actor("Writer")
def writer():
    a, b = pair(small=True)
    while True:
        a.send(b"x" * 65536)  # nobody ever reads: the buffers fill and send() blocks


@actor("UdpReader")
def udp_reader():
    s = socket(AF_INET, SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.recvfrom(100)


@actor("Connector")
def connector():
    # listen(0) admits one connection (backlog + 1); nobody accepts, so the next connect waits
    # in SYN_SENT for the kernel's retransmitted SYN.
    s = socket(AF_INET, SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    s.listen(0)
    addr = s.getsockname()
    first = socket(AF_INET, SOCK_STREAM)
    first.connect(addr)
    second = socket(AF_INET, SOCK_STREAM)
    second.connect(addr)
    third = socket(AF_INET, SOCK_STREAM)
    third.connect(addr)


@actor("Sleeper")
def sleeper():
    sleep(3600)


def pair(small=False):
    lst = socket(AF_INET, SOCK_STREAM)
    lst.bind(("127.0.0.1", 0))
    lst.listen(1)
    a = socket(AF_INET, SOCK_STREAM)
    if small:
        a.setsockopt(SOL_SOCKET, SO_SNDBUF, 4096)
    a.connect(lst.getsockname())
    b, _ = lst.accept()
    if small:
        b.setsockopt(SOL_SOCKET, SO_RCVBUF, 4096)
    return a, b
