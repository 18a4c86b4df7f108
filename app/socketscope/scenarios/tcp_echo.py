"""TCP echo: the whole lifecycle of a connection, on real sockets."""

from socketscope.api import AF_INET, SOCK_STREAM, actor, socket, wait_until

ID = "tcp-echo"
GROUP = "tcp-basics"
ORDER = 0
TITLE = {
    "en": "TCP: the whole lifecycle",
    "ko": "TCP: 연결의 전체 생명주기",
}
SUMMARY = {
    "en": (
        "The server creates a socket, binds it to a port, listens, and blocks in accept() until "
        "a client connects. The client creates a socket and connects; the kernels do the "
        "three-way handshake. The client sends a message, the server reads it and echoes it "
        "back, and both sides close."
    ),
    "ko": (
        "서버는 소켓을 만들고 포트에 bind하고 listen한 뒤, 클라이언트가 연결할 때까지 "
        "accept()에서 블로킹됩니다. 클라이언트는 소켓을 만들고 connect하며, 3-way "
        "핸드셰이크는 커널이 처리합니다. 클라이언트가 메시지를 보내면 서버가 읽어서 그대로 "
        "돌려보내고, 양쪽 모두 close합니다."
    ),
}
NOTICE = {
    "en": [
        "accept() blocks until the client's connect() arrives.",
        "connect() returns once the kernels finish the handshake; it does not wait for accept().",
        "accept() returns a new socket for the connection; the listening socket stays open.",
    ],
    "ko": [
        "accept()는 클라이언트의 connect()가 도착할 때까지 블로킹됩니다.",
        "connect()는 커널이 핸드셰이크를 마치면 돌아옵니다. accept()를 기다리지 않습니다.",
        "accept()는 연결용 새 소켓을 돌려주고, 리스닝 소켓은 그대로 열려 있습니다.",
    ],
}

HOST = "127.0.0.1"


@actor("Server")
def server(port):
    listener = socket(AF_INET, SOCK_STREAM)
    listener.bind((HOST, port))
    listener.listen(5)
    conn, addr = listener.accept()
    data = conn.recv(1024)
    conn.send(data)
    conn.close()
    listener.close()


@actor("Client", starts_when=("Server", "accept"))
def client(port):
    sock = socket(AF_INET, SOCK_STREAM)
    sock.connect((HOST, port))
    wait_until("Server", "recv")  # let the server wait for the message first
    sock.send(b"hello, server")
    reply = sock.recv(1024)
    sock.close()
