"""connect() to a port where nobody listens: ECONNREFUSED."""

from socketscope.api import AF_INET, SOCK_STREAM, actor, socket

ID = "tcp-refused"
GROUP = "failures"
ORDER = 0
TITLE = {
    "en": "TCP: connection refused",
    "ko": "TCP: 연결 거부",
}
SUMMARY = {
    "en": (
        "The client connects to a port on which no socket listens. The client's kernel sends a "
        "SYN; the server's kernel answers with RST, and connect() fails with ECONNREFUSED. "
        "There is no server program in this scenario at all."
    ),
    "ko": (
        "클라이언트가 아무 소켓도 listen하지 않는 포트로 connect합니다. 클라이언트 커널이 SYN을 "
        "보내면 상대 커널이 RST로 답하고, connect()는 ECONNREFUSED로 실패합니다. 이 시나리오에는 "
        "서버 프로그램이 아예 없습니다."
    ),
}
NOTICE = {
    "en": [
        "connect() fails at once: on loopback the RST comes back in microseconds.",
        "Programs usually report the error, or retry after a pause (the server may be starting).",
        "Do not reuse the failed socket: POSIX leaves its state unspecified, so close it and make a new one.",
    ],
    "ko": [
        "connect()는 곧바로 실패합니다: 루프백에서는 RST가 마이크로초 만에 돌아옵니다.",
        "프로그램은 보통 오류를 알리거나, 잠시 뒤 다시 시도합니다 (서버가 시작 중일 수 있습니다).",
        "실패한 소켓은 다시 쓰지 마세요: POSIX는 그 상태를 규정하지 않으므로, 닫고 새로 만드세요.",
    ],
}


@actor("Client")
def client(port):
    sock = socket(AF_INET, SOCK_STREAM)
    try:
        sock.connect(("127.0.0.1", port))  # nobody listens on this port
    except ConnectionRefusedError:
        pass
    sock.close()
