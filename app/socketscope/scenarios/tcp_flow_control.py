"""Flow control: a fast writer and a slow reader; send() blocks while the buffers are full."""

from socketscope.api import (
    AF_INET,
    SO_RCVBUF,
    SO_SNDBUF,
    SOCK_STREAM,
    SOL_SOCKET,
    actor,
    socket,
    wait_until,
)

ID = "tcp-flow-control"
GROUP = "advanced"
ORDER = 0
TITLE = {
    "en": "TCP: flow control, send() blocks on full buffers",
    "ko": "TCP: 흐름 제어, 버퍼가 차면 send()가 블로킹",
}
SUMMARY = {
    "en": (
        "Both sides ask for small buffers (4 KB, which Linux doubles). The writer sends 16 KB "
        "chunks; the reader does not read yet. The reader's receive queue fills, the receiver's "
        "window closes, the writer's send queue fills, and send() blocks. Only when the reader "
        "reads does room appear and the writer's send() finish."
    ),
    "ko": (
        "양쪽이 작은 버퍼(4 KB, 리눅스가 두 배로 잡음)를 요청합니다. 송신자는 16 KB씩 보내고, "
        "수신자는 아직 읽지 않습니다. 수신 큐가 차고 수신 윈도가 닫히면 송신 큐도 차고, send()는 "
        "블로킹됩니다. 수신자가 읽어야 버퍼 공간이 생기고 송신자의 send()가 끝납니다."
    ),
}
NOTICE = {
    "en": [
        "Both gauges fill: the reader's receive queue and the writer's send queue.",
        "The writer's send() is blocked until the reader's recv() makes room (dotted amber link).",
        "A blocking send() returns only when all its bytes are in the send buffer.",
    ],
    "ko": [
        "두 게이지가 찹니다: 수신자의 수신 큐와 송신자의 송신 큐.",
        "송신자의 send()는 수신자의 recv()가 버퍼 공간을 비울 때까지 블로킹됩니다 (주황 점선).",
        "블로킹 send()는 모든 바이트가 송신 버퍼에 들어가야 돌아옵니다.",
    ],
}


@actor("Reader")
def reader(port):
    listener = socket(AF_INET, SOCK_STREAM)
    listener.setsockopt(SOL_SOCKET, SO_RCVBUF, 4096)  # before listen(): inherited by accept()
    listener.bind(("127.0.0.1", port))
    listener.listen(1)
    conn, addr = listener.accept()
    wait_until("Writer", "send")  # busy until the writer is stuck
    while True:
        data = conn.recv(4096)
        if not data:
            break
    conn.close()
    listener.close()


@actor("Writer", starts_when=("Reader", "accept"))
def writer(port):
    sock = socket(AF_INET, SOCK_STREAM)
    sock.setsockopt(SOL_SOCKET, SO_SNDBUF, 4096)
    sock.connect(("127.0.0.1", port))
    chunk = b"x" * 16384
    for _ in range(4):
        sock.send(chunk)
    sock.close()
