"""Test scenario: the client raises before it connects, so the server waits in accept() for
ever: the window must say so, not leave the student waiting."""

from socketscope.api import AF_INET, SOCK_STREAM, actor, socket


@actor("Server")
def server(port):
    s = socket(AF_INET, SOCK_STREAM)
    s.bind(("127.0.0.1", port))
    s.listen(1)
    s.accept()


@actor("Client", starts_when=("Server", "accept"))
def client(port):
    socket(AF_INET, SOCK_STREAM)
    raise RuntimeError("a bug before connect()")


ID = "test-crash-leaves-peer-blocked"
TITLE = {"en": "a crashed client", "ko": "죽은 클라이언트"}
SUMMARY = {"en": "test", "ko": "테스트"}
