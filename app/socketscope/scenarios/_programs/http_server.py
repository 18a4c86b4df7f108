"""A web server in 20 lines: one request, one page (the http-get lesson's server)."""

import socket
import sys

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 8080
PAGE = b"<h1>Hello from SocketScope</h1>\n"

with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", PORT))
    s.listen()
    conn, addr = s.accept()
    with conn:
        request = conn.recv(4096)  # curl sends its whole request at once
        print(request.decode().splitlines()[0])
        head = b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n"
        head += b"Content-Length: %d\r\n\r\n" % len(PAGE)
        conn.sendall(head + PAGE)
    # closing is HTTP/1.0's way of saying "that was the whole page"
