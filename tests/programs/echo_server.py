"""The notes' echo server in Python: one client, one line back."""

import socket
import sys

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 5050

with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", PORT))
    s.listen()
    conn, addr = s.accept()
    with conn:
        print("connected by", addr)
        data = conn.recv(1024)
        conn.sendall(data.upper())
