"""The classic concurrent server: fork() a child per client."""

import os
import socket
import sys

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 5050
CLIENTS = int(sys.argv[2]) if len(sys.argv) > 2 else 2

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", PORT))
s.listen()
for _ in range(CLIENTS):
    conn, addr = s.accept()
    if os.fork() == 0:
        s.close()
        line = conn.recv(1024)
        conn.sendall(line.upper())
        conn.close()
        os._exit(0)
    conn.close()
for _ in range(CLIENTS):
    os.wait()
s.close()
