"""Test scenario: a writer whose send() blocks on full buffers until the reader reads."""

from socketscope.api import AF_INET, SO_RCVBUF, SO_SNDBUF, SOCK_STREAM, SOL_SOCKET, actor, socket

ID = "test-flow"
TITLE = {"en": "flow control", "ko": "흐름 제어"}
SUMMARY = {"en": "test", "ko": "테스트"}


@actor("Reader")
def reader(port):
    lst = socket(AF_INET, SOCK_STREAM)
    lst.setsockopt(SOL_SOCKET, SO_RCVBUF, 4096)
    lst.bind(("127.0.0.1", port))
    lst.listen(1)
    conn, _ = lst.accept()
    while conn.recv(65536):
        pass
    conn.close()
    lst.close()


@actor("Writer", starts_when=("Reader", "accept"))
def writer(port):
    s = socket(AF_INET, SOCK_STREAM)
    s.setsockopt(SOL_SOCKET, SO_SNDBUF, 4096)
    s.connect(("127.0.0.1", port))
    for _ in range(3):
        s.send(b"w" * 200000)
    s.close()
