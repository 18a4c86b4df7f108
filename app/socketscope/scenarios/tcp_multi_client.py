"""A server that hands each accepted connection to its own thread."""

from socketscope.api import AF_INET, SOCK_STREAM, actor, socket, spawn, wait_until

ID = "tcp-multi-client"
GROUP = "advanced"
ORDER = 2
TITLE = {
    "en": "TCP: one thread per client",
    "ko": "TCP: 클라이언트마다 스레드 하나",
}
SUMMARY = {
    "en": (
        "Three clients connect. After each accept() the server starts a handler thread for that "
        "connection and goes straight back to accept(). Each handler has its own lifeline: it "
        "reads the client's message, answers it in capitals and closes, while the server is "
        "already waiting for the next client. Client 1 is slow: it connects first but sends "
        "only after Client 3 has its answer, so Handler 1 stays blocked in recv() while the "
        "others are served."
    ),
    "ko": (
        "클라이언트 세 개가 연결합니다. 서버는 accept()할 때마다 그 연결을 처리할 스레드를 시작하고 "
        "곧바로 accept()로 돌아갑니다. 핸들러 스레드마다 생명선이 따로 있습니다: 클라이언트의 "
        "메시지를 읽고 대문자로 답한 뒤 닫는 동안, 서버는 이미 다음 클라이언트를 기다립니다. "
        "클라이언트 1은 느립니다: 가장 먼저 연결하지만 클라이언트 3이 답을 받은 뒤에야 보내므로, "
        "핸들러 1이 recv()에서 블로킹된 동안 다른 클라이언트들이 먼저 처리됩니다."
    ),
}
NOTICE = {
    "en": [
        "The listening socket stays with the server; each connected socket goes to a handler.",
        "The server is back in accept() while the handlers talk to their clients.",
        "In C this is pthread_create() (or fork()) after accept().",
        "One slow client does not hold up the others: Handler 1 waits in recv() on its own thread.",
    ],
    "ko": [
        "리스닝 소켓은 서버에 남고, 연결된 소켓은 각각 핸들러 스레드에게 갑니다.",
        "핸들러 스레드들이 클라이언트와 주고받는 동안 서버는 다시 accept()에 있습니다.",
        "C에서는 accept() 뒤에 pthread_create()(또는 fork())를 씁니다.",
        "느린 클라이언트 하나가 다른 클라이언트를 막지 않습니다: 핸들러 1은 자기 스레드에서 recv()를 기다립니다.",
    ],
}

CLIENTS = 3


def handle(conn):
    request = conn.recv(1024)
    conn.send(request.upper())
    conn.close()


@actor("Server")
def server(port):
    listener = socket(AF_INET, SOCK_STREAM)
    listener.bind(("127.0.0.1", port))
    listener.listen(5)
    for n in range(1, CLIENTS + 1):
        conn, addr = listener.accept()
        spawn(f"Handler {n}", handle, conn)
    listener.close()


def visit(port, text, slow=False):
    sock = socket(AF_INET, SOCK_STREAM)
    sock.connect(("127.0.0.1", port))
    if slow:
        wait_until("Client 3")  # a slow client: it sends only after the others are served
    sock.send(text)
    reply = sock.recv(1024)
    sock.close()


@actor("Client 1", starts_when=("Server", "accept"))
def client1(port):
    visit(port, b"hello from one", slow=True)


@actor("Client 2", starts_when=("Client 1", "connect", "returned"))
def client2(port):
    visit(port, b"hello from two")


@actor("Client 3", starts_when=("Client 2", "connect", "returned"))
def client3(port):
    visit(port, b"hello from three")
