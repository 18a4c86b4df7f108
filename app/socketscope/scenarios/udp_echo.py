"""UDP echo: datagrams with an address on each one, and no connection."""

from socketscope.api import AF_INET, SOCK_DGRAM, actor, socket

ID = "udp-echo"
GROUP = "udp"
ORDER = 0
TITLE = {
    "en": "UDP: sendto and recvfrom",
    "ko": "UDP: sendto와 recvfrom",
}
SUMMARY = {
    "en": (
        "The server creates a datagram socket, binds it, and blocks in recvfrom() until a "
        "datagram arrives. The client never connects: each sendto() names the destination. "
        "recvfrom() tells the server who sent the datagram, so it can answer with sendto()."
    ),
    "ko": (
        "서버는 데이터그램 소켓을 만들어 bind하고, 데이터그램이 도착할 때까지 recvfrom()에서 "
        "블로킹됩니다. 클라이언트는 connect하지 않고 sendto()마다 목적지를 지정합니다. "
        "recvfrom()은 보낸 쪽의 주소를 알려 주므로 서버는 그 주소로 sendto()해서 답합니다."
    ),
}
NOTICE = {
    "en": [
        "There is no listen(), accept() or connect(): no connection is set up.",
        "recvfrom() returns the sender's address along with the data.",
        "Each recvfrom() gets exactly one datagram.",
    ],
    "ko": [
        "listen(), accept(), connect()가 없습니다. 연결을 맺지 않습니다.",
        "recvfrom()은 데이터와 함께 보낸 쪽 주소를 돌려줍니다.",
        "recvfrom() 한 번에 데이터그램 정확히 하나를 받습니다.",
    ],
}

HOST = "127.0.0.1"


@actor("Server")
def server(port):
    sock = socket(AF_INET, SOCK_DGRAM)
    sock.bind((HOST, port))
    data, addr = sock.recvfrom(1024)
    sock.sendto(data, addr)
    sock.close()


@actor("Client", starts_when=("Server", "recvfrom"))
def client(port):
    sock = socket(AF_INET, SOCK_DGRAM)
    sock.sendto(b"hello, server", (HOST, port))
    reply, addr = sock.recvfrom(1024)
    sock.close()
