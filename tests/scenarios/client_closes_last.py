"""Test scenario: the server ends first; the client's close() is the run's last call, so the FIN
it sends and the server kernel's ACK are drawn after both actors' functions have returned."""

from socketscope.api import AF_INET, SOCK_STREAM, actor, socket, wait_until

ID = "test-client-closes-last"
TITLE = {"en": "client closes last", "ko": "클라이언트가 마지막에 닫음"}
SUMMARY = {"en": "test", "ko": "테스트"}


@actor("Server")
def server(port):
    lst = socket(AF_INET, SOCK_STREAM)
    lst.bind(("127.0.0.1", port))
    lst.listen(1)
    conn, _ = lst.accept()
    conn.recv(100)
    conn.close()
    lst.close()


@actor("Client", starts_when=("Server", "accept"))
def client(port):
    s = socket(AF_INET, SOCK_STREAM)
    s.connect(("127.0.0.1", port))
    s.send(b"hi")
    wait_until("Server")
    s.close()
