"""The course notes' own picture of TCP, call for call: the server's socket/bind/listen/accept/
read/close and the client's socket/connect/write/close, with read() and write() on the socket."""

from socketscope.api import AF_INET, SOCK_STREAM, actor, read, socket, write

ID = "notes-tcp"
GROUP = "tcp-basics"
ORDER = -1
TITLE = {
    "en": "TCP as in the notes: socket, bind, listen, accept, read, write, close",
    "ko": "노트 그대로의 TCP: socket, bind, listen, accept, read, write, close",
}
SUMMARY = {
    "en": (
        'The picture from the course notes (03. Sockets API, "the big picture, TCP case"), '
        "made for real. The server: socket() (1. Creation and Setup), bind(), listen(), then "
        "accept(), which blocks until a client connects. The client: socket(), connect() "
        "(2. Establishing a Connection: the kernels do the 3-way handshake), write() "
        "(3. Sending and Receiving Data). The server's read() gets the bytes, and both close() "
        "(4. Tearing Down a Connection). read() and write() are the plain file calls on the "
        "socket's descriptor: on a socket they do what recv() and send() with flags 0 do."
    ),
    "ko": (
        "강의 노트 03장의 TCP 그림을 실제로 실행합니다. 서버는 socket()(노트 1-1), bind()(1-2), "
        "listen()(1-3)을 호출한 뒤 accept()(1-4)에서 클라이언트가 연결할 때까지 블로킹됩니다. "
        "클라이언트는 socket()과 connect()(노트 2: 3-way 핸드셰이크는 커널이 합니다), "
        "write()(3-1)를 호출합니다. 서버의 read()(3-2)가 그 바이트를 받고, 양쪽이 "
        "close()합니다(노트 4). read()와 write()는 소켓의 파일 디스크립터에 쓰는 일반 파일 "
        "호출이며, 소켓에서는 플래그가 0인 recv()·send()와 같은 일을 합니다."
    ),
}
NOTICE = {
    "en": [
        "accept() blocks: the kernel puts the server's thread to sleep in accept4() until a "
        "connection is ready.",
        "The server's first socket is fd 3, as in any C program (0, 1, 2 are the standard "
        "streams); the client runs in the same process here, so it gets the next free number.",
        "read() on a socket is recv() with flags 0; write() is send() with flags 0.",
        "The notes' signatures are simplified: the real ones use socklen_t and ssize_t.",
    ],
    "ko": [
        "accept()는 블로킹됩니다: 연결이 준비될 때까지 커널이 서버 스레드를 accept4() 안에서 "
        "재웁니다.",
        "서버의 첫 소켓은 C 프로그램에서처럼 fd 3입니다(0, 1, 2는 표준 입출력). 여기서는 "
        "클라이언트가 같은 프로세스에서 실행되므로 다음 빈 번호를 받습니다.",
        "소켓에서 read()는 플래그가 0인 recv()이고, write()는 플래그가 0인 send()입니다.",
        "노트의 함수 원형은 단순화한 것입니다: 실제 원형은 socklen_t와 ssize_t를 씁니다.",
    ],
}

HOST = "127.0.0.1"


@actor("Server")
def server(port):
    sockfd = socket(AF_INET, SOCK_STREAM)  # 1 - socket()
    sockfd.bind((HOST, port))  # 2 - bind()
    sockfd.listen(5)  # 3 - listen()
    connfd, cliaddr = sockfd.accept()  # 4 - accept(): waits for a client
    buf = read(connfd, 1024)  # 5 - read()
    connfd.close()  # 6 - close()
    sockfd.close()


@actor("Client", starts_when=("Server", "accept"))
def client(port):
    sockfd = socket(AF_INET, SOCK_STREAM)  # 3 - socket()
    sockfd.connect((HOST, port))  # 4 - connect()
    write(sockfd, b"hello from the notes")  # 5 - write()
    sockfd.close()
