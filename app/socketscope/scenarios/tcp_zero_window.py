"""A reader that pauses: the window it advertises reaches 0 and the writer's kernel probes it."""

from socketscope.api import (
    AF_INET,
    SO_RCVBUF,
    SO_SNDBUF,
    SOCK_STREAM,
    SOL_SOCKET,
    actor,
    sleep,
    socket,
)

ID = "tcp-zero-window"
GROUP = "advanced"
ORDER = 7
TITLE = {
    "en": "TCP: zero window, a reader that pauses",
    "ko": "TCP: 제로 윈도, 잠시 멈춘 수신자",
}
SUMMARY = {
    "en": (
        "Two hosts, A (10.0.0.1) and B (10.0.0.2). The reader on host B accepts with a small "
        "receive buffer (4 KB, which Linux doubles) and then reads nothing for 1.5 seconds. The "
        "writer on host A sends 64 KB in one sendall(). Host B's kernel fills the buffer and "
        "advertises a window of 0 bytes: host A must stop sending. The writer's sendall() "
        "blocks; meanwhile host A's kernel sends zero-window probes on a timer to ask whether "
        "room has appeared. When the reader reads, host B's kernel advertises the window again "
        "(a window update) and the data flows until sendall() returns."
    ),
    "ko": (
        "호스트 A(10.0.0.1)와 B(10.0.0.2). 호스트 B의 수신자는 작은 수신 버퍼(4 KB, 리눅스가 두 배로 "
        "잡음)로 연결을 받은 뒤 1.5초 동안 아무것도 읽지 않습니다. 호스트 A의 송신자는 sendall() 한 "
        "번으로 64 KB를 보냅니다. 호스트 B의 커널은 버퍼를 채우고 윈도를 0바이트로 알립니다: 호스트 "
        "A는 보내기를 멈춰야 합니다. 송신자의 sendall()은 블로킹되고, 그동안 호스트 A의 커널은 "
        "타이머에 따라 제로 윈도 프로브를 보내 공간이 생겼는지 묻습니다. 수신자가 읽으면 호스트 B의 "
        "커널이 윈도를 다시 알리고(윈도 업데이트) sendall()이 돌아올 때까지 데이터가 흐릅니다."
    ),
}
NOTICE = {
    "en": [
        "The reader pauses 1.5 s (a sleep, not a socket call): its receive queue fills.",
        "The writer's sendall() stays blocked while the advertised window is 0.",
        "Reading opens the window again: the rest of the 64 KB follows and sendall() returns.",
    ],
    "ko": [
        "수신자가 1.5초 멈춥니다 (소켓 호출이 아닌 sleep): 수신 큐가 찹니다.",
        "알린 윈도가 0인 동안 송신자의 sendall()은 블로킹된 채로 있습니다.",
        "읽으면 윈도가 다시 열립니다: 64 KB의 나머지가 따라오고 sendall()이 돌아옵니다.",
    ],
}
NETWORK = {"hosts": {"A": "10.0.0.1", "B": "10.0.0.2"}}

SIZE = 64 * 1024


@actor("Reader", host="B")
def reader(port):
    listener = socket(AF_INET, SOCK_STREAM)
    listener.setsockopt(SOL_SOCKET, SO_RCVBUF, 4096)  # before listen(): inherited by accept()
    listener.bind(("10.0.0.2", port))
    listener.listen(1)
    conn, addr = listener.accept()
    sleep(1.5)  # busy elsewhere: nothing is read, the window closes
    while True:
        data = conn.recv(16384)
        if not data:
            break
    conn.close()
    listener.close()


@actor("Writer", host="A", starts_when=("Reader", "accept"))
def writer(port):
    sock = socket(AF_INET, SOCK_STREAM)
    sock.setsockopt(SOL_SOCKET, SO_SNDBUF, 4096)
    sock.connect(("10.0.0.2", port))
    sock.sendall(b"z" * SIZE)
    sock.close()
