"""SO_LINGER (1, 0) then close(): the kernel sends RST and the peer gets ECONNRESET."""

import struct

from socketscope.api import AF_INET, SO_LINGER, SOCK_STREAM, SOL_SOCKET, actor, socket, wait_until

ID = "tcp-reset"
GROUP = "failures"
ORDER = 1
TITLE = {
    "en": "TCP: reset with SO_LINGER 0",
    "ko": "TCP: SO_LINGER 0으로 연결 리셋",
}
SUMMARY = {
    "en": (
        "The client sets SO_LINGER to (on, 0 seconds) and closes. Instead of the polite FIN, its "
        "kernel sends RST: the connection is aborted and no TIME_WAIT is left. The server, "
        "blocked in recv(), gets ECONNRESET."
    ),
    "ko": (
        "클라이언트가 SO_LINGER를 (켜짐, 0초)로 설정하고 close합니다. 정상적인 FIN 대신 커널이 "
        "RST를 보냅니다: 연결이 즉시 끊기고 TIME_WAIT도 남지 않습니다. recv()에서 블로킹되어 있던 서버는 "
        "ECONNRESET을 받습니다."
    ),
}
NOTICE = {
    "en": [
        "The red arrow is the RST the client's kernel sent at close().",
        'The server\'s recv() fails with ECONNRESET instead of returning b"".',
        "Closing a socket with unread data in its receive queue also sends RST.",
    ],
    "ko": [
        "빨간 화살표는 close() 때 클라이언트 커널이 보낸 RST입니다.",
        '서버의 recv()는 b""를 돌려주는 대신 ECONNRESET으로 실패합니다.',
        "수신 큐에 읽지 않은 데이터가 남은 소켓을 닫아도 RST가 갑니다.",
    ],
}


@actor("Server")
def server(port):
    listener = socket(AF_INET, SOCK_STREAM)
    listener.bind(("127.0.0.1", port))
    listener.listen(1)
    conn, addr = listener.accept()
    try:
        conn.recv(1024)
    except ConnectionResetError:
        pass
    conn.close()
    listener.close()


@actor("Client", starts_when=("Server", "accept"))
def client(port):
    sock = socket(AF_INET, SOCK_STREAM)
    sock.connect(("127.0.0.1", port))
    wait_until("Server", "recv")  # the server is waiting for data
    sock.setsockopt(SOL_SOCKET, SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()
