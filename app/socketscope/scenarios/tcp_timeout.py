"""settimeout(): recv() gives up after a while instead of blocking forever."""

from socketscope.api import AF_INET, SOCK_STREAM, actor, socket, wait_until

ID = "tcp-timeout"
GROUP = "advanced"
ORDER = 3
TITLE = {
    "en": "TCP: a recv() with a timeout",
    "ko": "TCP: 타임아웃이 있는 recv()",
}
SUMMARY = {
    "en": (
        "The server accepts the connection and then never sends anything. The client calls "
        "settimeout(1.0) before recv(): instead of blocking forever, recv() gives up after one "
        "second with socket.timeout, and the client can decide what to do."
    ),
    "ko": (
        "서버는 연결을 accept한 뒤 아무것도 보내지 않습니다. 클라이언트는 recv() 전에 "
        "settimeout(1.0)을 호출합니다: recv()는 영원히 기다리지 않고 1초 뒤 socket.timeout으로 "
        "포기하며, 클라이언트는 다음 할 일을 정할 수 있습니다."
    ),
}
NOTICE = {
    "en": [
        "The amber bar is exactly one second long, then the call fails with a timeout.",
        "settimeout() is Python's: the kernel socket is non-blocking and Python waits in poll().",
        "In C the same is done with poll()/select() or SO_RCVTIMEO.",
    ],
    "ko": [
        "주황색 막대는 정확히 1초이고, 그 뒤 호출이 타임아웃으로 실패합니다.",
        "settimeout()은 파이썬의 기능입니다: 커널 소켓은 논블로킹이고 파이썬이 poll()에서 기다립니다.",
        "C에서는 poll()/select()나 SO_RCVTIMEO로 같은 일을 합니다.",
    ],
}


@actor("Server")
def server(port):
    listener = socket(AF_INET, SOCK_STREAM)
    listener.bind(("127.0.0.1", port))
    listener.listen(1)
    conn, addr = listener.accept()
    wait_until("Client")  # sends nothing
    conn.close()
    listener.close()


@actor("Client", starts_when=("Server", "accept"))
def client(port):
    sock = socket(AF_INET, SOCK_STREAM)
    sock.connect(("127.0.0.1", port))
    sock.settimeout(1.0)
    try:
        data = sock.recv(1024)
    except TimeoutError:
        data = None  # gave up waiting
    sock.close()
