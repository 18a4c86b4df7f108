"""Test scenario: timeouts, non-blocking calls, select(), connect_ex(), recv_into(), errors."""

from socketscope.api import (
    AF_INET,
    SO_ERROR,
    SO_RCVBUF,
    SOCK_STREAM,
    SOL_SOCKET,
    actor,
    select,
    socket,
)

ID = "test-nonblocking"
TITLE = {"en": "non-blocking", "ko": "논블로킹"}
SUMMARY = {"en": "test", "ko": "테스트"}


@actor("Server")
def server(port):
    lst = socket(AF_INET, SOCK_STREAM)
    lst.bind(("127.0.0.1", port))
    lst.listen(1)
    lst.setblocking(False)
    try:
        lst.accept()  # nobody yet: EAGAIN at once
    except BlockingIOError:
        pass
    select([lst], [], [], None)  # blocks until the client connects
    conn, _ = lst.accept()
    conn.settimeout(0.2)
    try:
        conn.recv(10)  # the client sends nothing for now
    except TimeoutError:
        pass
    conn.settimeout(None)
    conn.send(b"go")
    buf = bytearray(16)
    conn.recv_into(buf)
    conn.getsockopt(SOL_SOCKET, SO_RCVBUF)
    conn.close()
    lst.close()


@actor("Client", starts_when=("Server", "select"))
def client(port):
    refused = socket(AF_INET, SOCK_STREAM)
    refused.connect_ex(("127.0.0.1", 1))  # nothing listens on port 1
    refused.close()
    c = socket(AF_INET, SOCK_STREAM)
    c.setblocking(False)
    c.connect_ex(("127.0.0.1", port))  # EINPROGRESS, even on loopback
    select([], [c], [], 5)
    c.getsockopt(SOL_SOCKET, SO_ERROR)
    c.setblocking(True)
    c.recv(2)
    c.send(b"fine, thanks")
    c.recv(1)  # the server closes: b"" (end of stream)
    try:
        c.send(b"x")  # first send after the peer closed succeeds (and draws an RST)
        c.send(b"x")  # the next one fails
    except OSError:
        pass
    c.close()
