"""listen(1) and three clients: the accept queue fills, and the third connect() has to wait."""

from socketscope.api import AF_INET, SOCK_STREAM, actor, socket, wait_until

ID = "tcp-backlog"
GROUP = "advanced"
ORDER = 1
TITLE = {
    "en": "TCP: the listen backlog and the accept queue",
    "ko": "TCP: listen 백로그와 accept 큐",
}
SUMMARY = {
    "en": (
        "The server calls listen(1) and does not accept yet. Clients 1 and 2 connect: their "
        "connect() returns as soon as the kernels finish the handshake, before any accept(); the "
        "connections wait in the accept queue (Linux admits backlog + 1 = 2). Client 3's SYN is "
        "dropped because the queue is full, so its connect() waits in SYN_SENT. When the server "
        "accepts, a place frees up, and client 3 gets in at its kernel's next SYN retry, about a "
        "second later."
    ),
    "ko": (
        "서버는 listen(1)을 호출하고 아직 accept하지 않습니다. 클라이언트 1과 2가 connect합니다: "
        "커널끼리 핸드셰이크를 마치면 accept() 전에 connect()가 돌아오고, 연결은 accept 큐에서 "
        "기다립니다 (리눅스는 accept 큐에 backlog + 1 = 2개까지 넣어 둡니다). 큐가 가득 차서 클라이언트 3의 SYN은 "
        "버려지고, connect()는 SYN_SENT 상태로 블로킹됩니다. 서버가 accept하면 자리가 생기고, "
        "클라이언트 3은 약 1초 뒤 커널이 SYN을 다시 보낼 때 들어옵니다."
    ),
}
NOTICE = {
    "en": [
        "connect() returns before accept(): the kernel, not the server program, completes the handshake.",
        "The accept-queue gauge of the listener reaches its limit (2 of 2).",
        "Client 3 is blocked in connect() in SYN_SENT until there is room, then waits for the SYN retry.",
    ],
    "ko": [
        "connect()는 accept()보다 먼저 돌아옵니다: 핸드셰이크는 서버 프로그램이 아니라 커널이 합니다.",
        "리스닝 소켓의 accept 큐 게이지가 한도(2/2)에 닿습니다.",
        "클라이언트 3은 자리가 날 때까지 SYN_SENT 상태로 connect()에서 블로킹되고, SYN 재전송을 기다립니다.",
    ],
}


@actor("Server")
def server(port):
    listener = socket(AF_INET, SOCK_STREAM)
    listener.bind(("127.0.0.1", port))
    listener.listen(1)
    wait_until("Client 3", "connect")  # do not accept until the third client is stuck
    for _ in range(3):
        conn, addr = listener.accept()
        conn.send(b"welcome")
        conn.close()
    listener.close()


def visit(port):
    sock = socket(AF_INET, SOCK_STREAM)
    sock.connect(("127.0.0.1", port))
    sock.recv(1024)
    sock.close()


@actor("Client 1", starts_when=("Server", "wait_until"))
def client1(port):
    visit(port)


@actor("Client 2", starts_when=("Client 1", "connect", "returned"))
def client2(port):
    visit(port)


@actor("Client 3", starts_when=("Client 2", "connect", "returned"))
def client3(port):
    visit(port)
