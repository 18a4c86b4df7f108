"""Test scenario: two sends read by one recv (TCP) and datagrams keeping their edges (UDP)."""

from socketscope.api import AF_INET, SHUT_WR, SOCK_DGRAM, SOCK_STREAM, actor, socket

ID = "test-stream-and-datagrams"
TITLE = {"en": "stream and datagrams", "ko": "스트림과 데이터그램"}
SUMMARY = {"en": "test", "ko": "테스트"}


@actor("Server")
def server(port):
    lst = socket(AF_INET, SOCK_STREAM)
    lst.bind(("127.0.0.1", port))
    lst.listen(1)
    conn, _ = lst.accept()
    data = b""
    while True:
        chunk = conn.recv(1024)
        if not chunk:
            break
        data += chunk
    conn.close()
    lst.close()
    u = socket(AF_INET, SOCK_DGRAM)
    u.bind(("127.0.0.1", port))
    for _ in range(3):
        u.recvfrom(1024)
    u.close()


@actor("Client", starts_when=("Server", "accept"))
def client(port):
    c = socket(AF_INET, SOCK_STREAM)
    c.connect(("127.0.0.1", port))
    c.send(b"hello")
    c.send(b"world")
    c.shutdown(SHUT_WR)
    c.close()


@actor("Sender", starts_when=("Server", "recvfrom"))
def sender(port):
    u = socket(AF_INET, SOCK_DGRAM)
    for msg in (b"one", b"two", b"three"):
        u.sendto(msg, ("127.0.0.1", port))
    u.close()
