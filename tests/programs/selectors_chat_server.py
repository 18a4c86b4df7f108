"""A chat server with selectors: every line a client sends goes to the other clients."""

import selectors
import socket
import sys

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 5050
CLIENTS = int(sys.argv[2]) if len(sys.argv) > 2 else 2

sel = selectors.DefaultSelector()
lsock = socket.socket()
lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
lsock.bind(("127.0.0.1", PORT))
lsock.listen()
lsock.setblocking(False)
sel.register(lsock, selectors.EVENT_READ, data=None)
clients = []
seen = 0
while seen < CLIENTS or clients:
    for key, _ in sel.select():
        if key.data is None:
            conn, addr = lsock.accept()
            conn.setblocking(False)
            sel.register(conn, selectors.EVENT_READ, data=addr)
            clients.append(conn)
            seen += 1
            print("joined", addr, flush=True)
        else:
            conn = key.fileobj
            data = conn.recv(1024)
            if data:
                for other in clients:
                    if other is not conn:
                        other.sendall(data)
            else:
                sel.unregister(conn)
                clients.remove(conn)
                conn.close()
lsock.close()
