"""Non-blocking sockets: EINPROGRESS, EAGAIN, and select() waking when a socket is ready."""

from socketscope.api import (
    AF_INET,
    SO_ERROR,
    SOCK_STREAM,
    SOL_SOCKET,
    actor,
    select,
    socket,
    wait_until,
)

ID = "tcp-nonblocking-select"
GROUP = "advanced"
ORDER = 4
TITLE = {
    "en": "TCP: non-blocking sockets and select()",
    "ko": "TCP: 논블로킹 소켓과 select()",
}
SUMMARY = {
    "en": (
        "With setblocking(False), calls never wait: accept() and recv() with nothing to return "
        "fail at once with EAGAIN, and connect() returns EINPROGRESS while the handshake goes on. "
        "The program then waits in select(), which returns when a socket is ready: the listener "
        "when a client arrives, a connection when data arrives, a connecting socket when the "
        "handshake is done."
    ),
    "ko": (
        "setblocking(False)이면 호출은 기다리지 않습니다: 돌려줄 것이 없는 accept()와 recv()는 곧바로 "
        "EAGAIN으로 실패하고, connect()는 핸드셰이크가 진행되는 동안 EINPROGRESS를 돌려줍니다. "
        "프로그램은 select()에서 기다리고, select()는 소켓이 준비되면 돌아옵니다: 클라이언트가 오면 "
        "리스닝 소켓이, 데이터가 오면 연결 소켓이, 핸드셰이크가 끝나면 연결 중인 소켓이."
    ),
}
NOTICE = {
    "en": [
        'EAGAIN and EINPROGRESS are not failures: they mean "not yet, ask again later".',
        "Only select() blocks; it is how one thread can wait on many sockets at once.",
        "After select() says writable, SO_ERROR tells whether the connect() succeeded.",
    ],
    "ko": [
        'EAGAIN과 EINPROGRESS는 실패가 아닙니다: "아직 아니니 나중에 다시"라는 뜻입니다.',
        "블로킹되는 것은 select()뿐입니다: 스레드 하나가 여러 소켓을 한꺼번에 기다리는 방법입니다.",
        "select()가 쓰기 가능이라고 하면, SO_ERROR로 connect() 성공 여부를 확인합니다.",
    ],
}


@actor("Server")
def server(port):
    listener = socket(AF_INET, SOCK_STREAM)
    listener.bind(("127.0.0.1", port))
    listener.listen(5)
    listener.setblocking(False)
    try:
        listener.accept()  # nobody yet: EAGAIN
    except BlockingIOError:
        pass
    select([listener], [], [])  # wait until a client arrives
    conn, addr = listener.accept()
    conn.setblocking(False)
    try:
        conn.recv(1024)  # nothing sent yet: EAGAIN
    except BlockingIOError:
        pass
    select([conn], [], [])  # wait until data arrives
    data = conn.recv(1024)
    conn.close()
    listener.close()


@actor("Client", starts_when=("Server", "select"))
def client(port):
    sock = socket(AF_INET, SOCK_STREAM)
    sock.setblocking(False)
    err = sock.connect_ex(("127.0.0.1", port))  # EINPROGRESS, even on loopback
    select([], [sock], [])  # writable: the handshake is done
    status = sock.getsockopt(SOL_SOCKET, SO_ERROR)  # 0: connected
    wait_until("Server", "select", times=2)  # the server waits for data before any is sent
    sock.send(b"ready when you are")
    sock.close()
