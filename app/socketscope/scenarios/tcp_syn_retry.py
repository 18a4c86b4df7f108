"""connect() on a link that loses the first SYN: the kernel tries again after one second."""

from socketscope.api import AF_INET, SOCK_STREAM, actor, socket

ID = "tcp-syn-retry"
GROUP = "failures"
ORDER = 7
TITLE = {
    "en": "TCP: the first SYN is lost, connect() waits",
    "ko": "TCP: 첫 SYN이 사라지면 connect()는 기다린다",
}
SUMMARY = {
    "en": (
        "Two hosts, A (10.0.0.1) and B (10.0.0.2); the link drops the first SYN. The client on "
        "host A calls connect(): its kernel sends a SYN and waits for the SYN-ACK, which never "
        "comes. connect() stays blocked until the retransmission timer (about 1 second for a "
        "first SYN on Linux) sends the SYN again; this one gets through, and the handshake and "
        "connect() complete. The program sees only a slow connect(), no error."
    ),
    "ko": (
        "호스트 A(10.0.0.1)와 B(10.0.0.2) 사이의 링크가 첫 SYN을 버립니다. 호스트 A의 "
        "클라이언트가 connect()를 호출하면 커널은 SYN을 보내고 SYN-ACK을 기다리지만, 오지 않습니다. "
        "connect()는 재전송 타이머(리눅스에서 첫 SYN은 약 1초)가 SYN을 다시 보낼 때까지 블로킹된 "
        "채로 있습니다. 두 번째 SYN은 통과하고, 핸드셰이크와 connect()가 끝납니다. 프로그램에는 오류 "
        "없이 느린 connect()만 보입니다."
    ),
}
NOTICE = {
    "en": [
        "connect() blocks about one second: the kernel's retransmission timeout for a SYN.",
        "The server's accept() waits just as long: no connection reached its queue before.",
        "No error: the kernel retries by itself (up to net.ipv4.tcp_syn_retries times).",
    ],
    "ko": [
        "connect()가 약 1초 블로킹됩니다: SYN에 대한 커널의 재전송 타임아웃입니다.",
        "서버의 accept()도 그만큼 기다립니다: 그 전에는 큐에 들어온 연결이 없습니다.",
        "오류는 없습니다: 커널이 스스로 다시 시도합니다 (net.ipv4.tcp_syn_retries번까지).",
    ],
}
NETWORK = {
    "hosts": {"A": "10.0.0.1", "B": "10.0.0.2"},
    "link": {"rules": [{"do": "drop", "packet": "syn", "dir": "A>B", "nth": 1}]},
}


@actor("Server", host="B")
def server(port):
    listener = socket(AF_INET, SOCK_STREAM)
    listener.bind(("10.0.0.2", port))
    listener.listen(1)
    conn, addr = listener.accept()
    conn.recv(100)
    conn.close()
    listener.close()


@actor("Client", host="A", starts_when=("Server", "accept"))
def client(port):
    sock = socket(AF_INET, SOCK_STREAM)
    sock.connect(("10.0.0.2", port))
    sock.send(b"hello, at last")
    sock.close()
