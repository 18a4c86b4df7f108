"""A chat client: lines typed on stdin go to the server; what the server sends is printed."""

import select
import socket
import sys

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 5050

s = socket.create_connection(("127.0.0.1", PORT))
while True:
    ready, _, _ = select.select([s, sys.stdin], [], [])
    if sys.stdin in ready:
        line = sys.stdin.readline()
        if not line:
            break
        s.sendall(line.encode())
    if s in ready:
        data = s.recv(1024)
        if not data:
            break
        print("got:", data.decode().strip(), flush=True)
s.close()
