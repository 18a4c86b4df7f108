"""TIME_WAIT keeps a closed server's port busy; SO_REUSEADDR on both sockets lets it bind."""

from socketscope.api import (
    AF_INET,
    SO_REUSEADDR,
    SOCK_STREAM,
    SOL_SOCKET,
    actor,
    socket,
    wait_until,
)

ID = "tcp-port-reuse"
GROUP = "advanced"
ORDER = 5
TITLE = {
    "en": "TCP: TIME_WAIT and SO_REUSEADDR",
    "ko": "TCP: TIME_WAIT와 SO_REUSEADDR",
}
SUMMARY = {
    "en": (
        "An old server closes its connection first, so that connection stays in TIME_WAIT for "
        "60 seconds (it has no file descriptor: it is read from the kernel's socket table, as "
        "ss reads it). A new server then tries "
        "the same port. bind() fails with EADDRINUSE without SO_REUSEADDR, and also with it, "
        "because the old socket did not set it. On a second port where the old server did set "
        "SO_REUSEADDR, the new server's bind() succeeds."
    ),
    "ko": (
        "옛 서버가 연결을 먼저 닫아서, 그 연결은 60초 동안 TIME_WAIT에 남습니다 (파일 디스크립터가 "
        "없어서 ss처럼 커널의 소켓 표에서 읽습니다). 새 서버가 같은 포트를 시도합니다. "
        "SO_REUSEADDR 없이도, "
        "있어도 bind()는 EADDRINUSE로 실패합니다. 옛 소켓이 설정하지 않았기 때문입니다. 옛 서버가 "
        "SO_REUSEADDR를 설정한 두 번째 포트에서는 새 서버의 bind()가 성공합니다."
    ),
}
NOTICE = {
    "en": [
        "The side that closes first gets TIME_WAIT; here it is the server, on its listening port.",
        "Killing a server that had connections does not free its port: the kernel closes the sockets, but TIME_WAIT remains.",
        "That is why servers set SO_REUSEADDR before bind(): it must be set on both sockets.",
    ],
    "ko": [
        "먼저 닫는 쪽이 TIME_WAIT가 됩니다. 여기서는 서버이고, listen 포트에 남습니다.",
        "연결이 있던 서버는 강제 종료해도 포트가 풀리지 않습니다: 커널이 소켓을 닫아도 TIME_WAIT는 남습니다.",
        "그래서 서버는 bind() 전에 SO_REUSEADDR를 설정합니다: 두 소켓 모두에 설정해야 합니다.",
    ],
}

HOST = "127.0.0.1"


@actor("Old server")
def old_server(port, port2):
    plain = socket(AF_INET, SOCK_STREAM)
    plain.bind((HOST, port))
    plain.listen(1)
    reusable = socket(AF_INET, SOCK_STREAM)
    reusable.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
    reusable.bind((HOST, port2))
    reusable.listen(1)
    for listener in (plain, reusable):
        conn, addr = listener.accept()
        conn.close()  # the server closes first: TIME_WAIT on the server's port
        listener.close()


@actor("Client", starts_when=("Old server", "accept"))
def client(port, port2):
    for p in (port, port2):
        sock = socket(AF_INET, SOCK_STREAM)
        sock.connect((HOST, p))
        sock.recv(1024)  # b"": the server has closed
        sock.close()


@actor("New server", starts_when=("Old server", None))
def new_server(port, port2):
    wait_until("Client")
    plain = socket(AF_INET, SOCK_STREAM)
    try:
        plain.bind((HOST, port))  # EADDRINUSE: the old connection is in TIME_WAIT
    except OSError:
        pass
    plain.close()
    reuse = socket(AF_INET, SOCK_STREAM)
    reuse.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
    try:
        reuse.bind((HOST, port))  # still EADDRINUSE: the old socket did not set SO_REUSEADDR
    except OSError:
        pass
    reuse.close()
    both = socket(AF_INET, SOCK_STREAM)
    both.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
    both.bind((HOST, port2))  # works: both the old and the new socket set SO_REUSEADDR
    both.listen(1)
    both.close()
